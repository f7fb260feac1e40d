"""Read one staff file (CSV or workbook) into observations, collecting every problem.

Steps per file: the sidecar's ingest keys (:func:`options_from_sidecar`), the grids
(:func:`read_grids`), the table of each sheet (:func:`lib.staff.tables.locate_table`), then one
observation per unit × year × indicator cell (wide rows: one column per indicator; long rows: an
indicator and a value column). Cross-cell checks are in :mod:`lib.staff.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lib.data.datasets.dti_scores import SCALES, year_problem
from lib.data.io import (
    ENCODING_NAMES,
    LEGACY_ENCODINGS,
    DataError,
    Grid,
    Problems,
    read_csv_grid,
    read_workbook_grids,
)
from lib.data.parse import ParseError, fold_text, infer_decimal_mark, parse_rank, parse_value
from lib.staff.tables import (
    _NUMBERING,
    _YEAR,
    DEFAULT_FRAMEWORK,
    INFO_SHEETS,
    META_SHEET,
    OBSERVATION_COLUMNS,
    TOTAL,
    Cell,
    FileOptions,
    HeaderCell,
    Layout,
    _row_labels,
    _template_meta,
    cell_text,
    locate_table,
    main_indicator_maxima,
    match_header,
    options_from_sidecar,
    read_cell,
)
from lib.staff.unit_names import UnitNameError, default_resolver, read_aliases


@dataclass
class FileResult:
    """Observations read from one file (``OBSERVATION_COLUMNS``) and its problems."""

    path: Path
    options: FileOptions
    observations: pd.DataFrame
    problems: Problems = field(default_factory=Problems)

    @property
    def errors(self) -> list[DataError]:
        return [p for p in self.problems if p.severity == "error"]



def read_grids(path: Path, problems: list[DataError], encoding: str | None = None
               ) -> list[Grid]:
    """The grids of a CSV or workbook; reading problems are appended to ``problems``.
    ``encoding`` is the CSV's codec as its sidecar states it (None: detected, with a warning
    when it is a legacy code page)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return read_workbook_grids(path)
        grid = read_csv_grid(path, encoding)
    except DataError as err:
        problems.append(err)
        return []
    if grid.encoding in LEGACY_ENCODINGS and encoding is None:
        problems.append(DataError(
            path, f"not UTF-8: read as {ENCODING_NAMES[grid.encoding]} (detected from the "
                  "Vietnamese letters in the file)", severity="warning",
            hint="check the names below read correctly; save as 'CSV UTF-8' to avoid this"))
    return [grid]


def read_file(path: str | Path, meta: dict | None = None) -> FileResult:
    """Read one staff file into observations, collecting every problem.

    Parameters
    ----------
    path
        A ``.csv``/``.txt`` (comma, semicolon or tab separated) or ``.xlsx`` file.
    meta
        Its sidecar mapping (:func:`lib.data.sources.load_sidecar`), or None to detect everything.

    Returns
    -------
    FileResult
        ``observations`` has ``OBSERVATION_COLUMNS``: ``file`` str (file name), ``sheet`` str
        (``""`` for CSV), ``row`` int64 (line or sheet row), ``column`` str (header as
        written), ``unit_code`` str (GSO), ``reference_year`` int64, ``indicator`` str,
        ``score`` float64 (in the file's scale, NaN only with status ``missing``),
        ``score_max`` float64, ``rank`` and friends (Int64), ``pct_of_max`` float64 (0–100)…
        ``problems`` (:class:`lib.data.io.Problems`: the first 1,000 in full, the rest counted) lists
        errors and warnings; observations of rows with errors, and values of a unit × year ×
        indicator given before in the same table (an error), are dropped, so memory is bounded by the distinct
        values, not the rows.
    """
    path = Path(path)
    problems = Problems()
    opts = options_from_sidecar(meta or {}, path, problems)
    grids = read_grids(path, problems, opts.encoding)
    template = _template_meta(grids)
    if template:
        opts.shape = opts.shape or "dti_workbook"
        opts.province = opts.province or template.get("province") or None
        if opts.reference_year is None and template.get("reference_year"):
            opts.reference_year = int(template["reference_year"])
        opts.framework_id = opts.framework_id or template.get("framework_id", "")
    sheets = [g for g in grids if not g.hidden and g.sheet != META_SHEET]
    layouts = [(g, locate_table(g)) for g in sheets]
    found = [(g, lay) for g, lay in layouts if lay is not None]
    if grids and not found:
        problems.append(DataError(
            path, "no table found", hint="expected a header row with a unit column (e.g. "
            "'Tên đơn vị', 'Đơn vị', 'unit_name') and indicator or value columns (e.g. "
            "'Tổng điểm', 'Nhận thức số', 'Giá trị'); see lib/data/reference/aliases.csv"))
    for grid, layout in layouts:
        if layout is None and len(sheets) > 1 and grid.sheet not in _template_info_sheets():
            problems.append(DataError(path, "no table recognised in this sheet; ignored",
                                      sheet=grid.sheet, severity="warning"))
    if opts.decimal is None and found:
        texts = (c for g, lay in found for i in range(lay.first_data, len(g.rows))
                 for c in g.rows[i] if isinstance(c, str))
        try:
            opts.decimal, _ = infer_decimal_mark(texts)
        except ParseError as err:
            problems.append(DataError(path, str(err), hint="use one decimal mark throughout, "
                                      "or state it in the sidecar: number_format: "
                                      "{decimal: ','}"))
    records = []
    for grid, layout in found:
        if not any(c not in (None, "") for i in range(layout.first_data, len(grid.rows))
                   for c in grid.rows[i]):
            problems.append(DataError(
                path, "the table has a header but no data rows", sheet=grid.sheet,
                row=grid.row_numbers[layout.header_rows[-1]],
                hint="enter one row per unit below the header"))
            continue
        records += _read_table(grid, layout, opts, problems)
    observations = pd.DataFrame.from_records(records, columns=OBSERVATION_COLUMNS)
    return FileResult(path, opts, observations, problems)


def _template_info_sheets() -> set[str]:
    return set(INFO_SHEETS)


def _sheet_year(grid: Grid, layout: Layout, opts: FileOptions, problems: list[DataError]):
    where = dict(file=grid.file, sheet=grid.sheet)
    from_sheet = _YEAR.findall(grid.sheet or "")
    from_title = sorted(set(_YEAR.findall(layout.title_text)))
    if opts.reference_year is not None:
        if len(set(from_sheet)) == 1 and int(from_sheet[0]) != opts.reference_year:
            problems.append(DataError(
                **where, problem=f"sheet name says {from_sheet[0]} but the sidecar's "
                f"reference_year is {opts.reference_year}"))
            return None
        return opts.reference_year
    if len(set(from_sheet)) == 1:
        return int(from_sheet[0])
    if len(from_title) == 1:
        return int(from_title[0])
    return None


def _check_columns(grid: Grid, layout: Layout, where: dict, header_row: int,
                   problems: Problems) -> None:
    """Errors for two columns of one indicator; warnings for unrecognised columns with data."""
    seen: dict[tuple, int] = {}
    for col, head in layout.columns.items():
        if head.kind == "column" and head.canonical in ("order", "unit_type"):
            continue
        key = (head.kind, head.canonical, head.year)
        if head.kind and key in seen:
            problems.append(DataError(**where, row=header_row, column=head.label,
                                      problem=f"two columns for {head.canonical}",
                                      hint=f"also column {layout.columns[seen[key]].label!r}"))
        seen[key] = col
        if not head.kind:
            has_data = any(col < len(r) and r[col] not in (None, "")
                           for r in (grid.rows[i] for i in range(layout.first_data,
                                                                 len(grid.rows))))
            if has_data:
                problems.append(DataError(
                    **where, row=header_row, column=head.label, severity="warning",
                    problem="column not recognised; ignored",
                    hint="add its name to lib/data/reference/aliases.csv if it holds an indicator"))


def _table_year(grid: Grid, layout: Layout, opts: FileOptions, where: dict, header_row: int,
                problems: Problems) -> tuple[int | None, bool]:
    """The table's reference year (None: per row or per column) and whether it can be read."""
    year = _sheet_year(grid, layout, opts, problems)
    if year is not None and (problem := year_problem(year)):
        problems.append(DataError(**where, row=header_row, problem=problem))
        return None, False
    for head in layout.indicator_columns.values():
        if head.year is not None and (problem := year_problem(head.year)):
            problems.append(DataError(**where, row=header_row, column=head.label,
                                      problem=problem))
    if year is None and layout.find("reference_year") is None and not any(
            h.year for h in layout.indicator_columns.values()):
        problems.append(DataError(
            **where, row=header_row, problem="no reference year",
            hint="add a 'Năm' column, put the year in the sheet name (e.g. 'DTI 2024'), or set "
                 "reference_year in the sidecar"))
        return None, False
    return year, True


def _row_kind(cells: list, unit_text: str, row_labels: dict, in_notes: bool) -> str:
    """``empty``, ``note`` (this row and every row below), ``summary`` or ``data``."""
    nonempty = [c for c in cells if c not in (None, "")]
    if not nonempty:
        return "empty"
    first = nonempty[0]
    first_text = fold_text(first) if isinstance(first, str) else ""
    label = row_labels.get(fold_text(unit_text)) or next(
        (kind for word, kind in row_labels.items()
         if kind == "note" and first_text.startswith(word)), None)
    if in_notes or label == "note" or (isinstance(first, str)
                                       and first.lstrip().startswith(("*", "(", "¹"))):
        return "note"
    return "summary" if label == "summary" else "data"


def _row_year(value: object, year_col: int, layout: Layout, where: dict, line: int,
              problems: Problems) -> int | None:
    """The year in a row's year column (None, with an error, when it is not a valid year)."""
    try:
        row_year = int(parse_value(cell_text(value), ".").value)
    except (ParseError, TypeError, ValueError):
        problems.append(DataError(**where, row=line, column=layout.columns[year_col].label,
                                  value=cell_text(value), problem="not a year"))
        return None
    if problem := year_problem(row_year):
        problems.append(DataError(**where, row=line, column=layout.columns[year_col].label,
                                  value=cell_text(value), problem=problem))
        return None
    return row_year


def _overflows(cells: list, width: int, grid: Grid, where: dict, line: int,
               problems: Problems) -> bool:
    """Whether a row has values beyond the header's columns (an error)."""
    if not any(c not in (None, "") for c in cells[width:]):
        return False
    problems.append(DataError(
        **where, row=line, value=cell_text(next(c for c in cells[width:] if c)),
        problem="more cells than header columns",
        hint="a decimal comma in a comma-separated file? quote such numbers, or save "
             "with ';' as separator" if grid.delimiter == "," else "add a header"))
    return True


def _read_table(grid: Grid, layout: Layout, opts: FileOptions, problems: Problems
                ) -> list[dict]:
    """The observation records of one located table (``OBSERVATION_COLUMNS`` keys); a unit ×
    year × indicator given twice in the table is an error on its second row."""
    file, sheet = grid.file, grid.sheet
    name = Path(file).name
    where = dict(file=file, sheet=sheet)
    long = layout.find("indicator") is not None and layout.find("value") is not None
    shape = "dti_long" if long else "dti_workbook"
    if opts.shape and opts.shape != shape:
        problems.append(DataError(**where, problem=f"the table is in {shape} shape, but the "
                                  f"sidecar says shape: {opts.shape}",
                                  row=grid.row_numbers[layout.header_rows[0]]))
        return []
    header_row = grid.row_numbers[layout.header_rows[-1]]
    _check_columns(grid, layout, where, header_row, problems)
    year, readable = _table_year(grid, layout, opts, where, header_row, problems)
    if not readable:
        return []
    year_col = layout.find("reference_year")
    maxima = main_indicator_maxima(opts.framework_id or DEFAULT_FRAMEWORK)
    scale_max = SCALES[opts.scale]
    resolver = default_resolver()
    row_labels = _row_labels()
    name_col, code_col = layout.find("unit_name"), layout.find("unit_code")
    rank_col, rank_of_col = layout.find("rank"), layout.find("rank_of")
    note_col, pct_col = layout.find("note"), layout.find("pct_of_max")
    width = max(layout.columns) + 1
    records: list[dict] = []
    in_notes = False
    table_units = 0
    units_memo: dict[tuple, tuple] = {}
    seen: dict[tuple, tuple] = {}  # (unit code, year, indicator) → (file, sheet, row)
    for index in range(layout.first_data, len(grid.rows)):
        cells = grid.rows[index]
        line = grid.row_numbers[index]

        def at(col):
            return cells[col] if col is not None and col < len(cells) else None

        unit_text = cell_text(at(name_col)) or cell_text(at(code_col))
        kind = _row_kind(cells, unit_text, row_labels, in_notes)
        in_notes = kind == "note"
        if kind != "data":
            continue
        if _overflows(cells, width, grid, where, line, problems):
            continue
        if not unit_text:
            problems.append(DataError(**where, row=line, column=layout.columns.get(
                name_col, HeaderCell("", "", "unit")).label, problem="values without a unit name"))
            continue
        row_year = year
        if year_col is not None:
            row_year = _row_year(at(year_col), year_col, layout, where, line, problems)
            if row_year is None:
                continue
        unit = _resolve_once(units_memo, resolver, at(name_col), at(code_col), row_year, opts,
                             layout, where, line, problems)
        table_units += 1
        if unit is None:
            continue
        base = dict(file=name, sheet=sheet or "", row=line, unit_text=unit_text,
                    unit_code=unit.code, unit_name=unit.name, parent_code=unit.parent_code or "",
                    note=cell_text(at(note_col)))
        rank = _read_rank(at(rank_col), at(rank_of_col), layout, rank_col, where, line, problems)
        if not long and all((unit.code, h.year or row_year, h.canonical) in seen
                            for h in layout.indicator_columns.values()):
            found = [{**base, "reference_year": h.year or row_year, "indicator": h.canonical}
                     for h in layout.indicator_columns.values()]  # a repeated row: not read
        elif long:
            found = _long_row(at, layout, opts, base, row_year, rank, maxima, scale_max, where,
                              line, problems)
        else:
            found = _wide_row(at, grid, index, layout, opts, base, row_year, rank, maxima,
                              scale_max, pct_col, where, line, problems)
        records += _first_values(found, seen, problems)
    for record in records:
        record["table_units"] = table_units
    return records


def _first_values(records: list[dict], seen: dict, problems: Problems) -> list[dict]:
    """The records of one row whose unit × year × indicator no earlier row gave (recorded in
    ``seen``); one error for the row when some were given before."""
    kept, repeated = [], []
    for r in records:
        key = (r["unit_code"], r["reference_year"], r["indicator"])
        if key in seen:
            repeated.append((seen[key], r["indicator"]))
        else:
            seen[key] = (r["file"], r["sheet"], r["row"])
            kept.append(r)
    if repeated:
        r, ((file, sheet, row), indicator) = records[0], repeated[0]
        what = indicator if len(repeated) == 1 else f"{len(repeated)} indicators"
        problems.append(DataError(
            r["file"], f"{r['unit_name']} {r['reference_year']} given twice ({what})", r["row"],
            "", r["unit_text"], f"first in {file}" + (f", sheet {sheet!r}" if sheet else "")
            + f", row {row}", sheet=r["sheet"] or None, kind="unit × year given twice"))
    return kept


def _resolve_once(memo: dict, resolver, name_cell, code_cell, year, opts, layout, where, line,
                  problems):
    """:func:`_resolve`, once per name, code and year of a file (a file repeats its units); the
    problems of the first resolution are repeated with this row's number."""
    key = (cell_text(name_cell), cell_text(code_cell), year)
    if key not in memo:
        found: list[DataError] = []
        memo[key] = (_resolve(resolver, name_cell, code_cell, year, opts, layout, where, line,
                              found), found)
    unit, found = memo[key]
    for p in found:
        problems.append(DataError(p.file, p.problem, line, p.column, p.value, p.hint,
                                  p.sheet, p.severity, p.kind))
    return unit


def _resolve(resolver, name_cell, code_cell, year, opts, layout, where, line, problems):
    name_text = _NUMBERING.sub("", cell_text(name_cell))
    code_text = cell_text(code_cell)
    level = opts.unit_level or None
    try:
        by_code = resolver.resolve(code_text, year, level, None) if code_text else None
        by_name = resolver.resolve(name_text, year, level, opts.province) if name_text else None
    except UnitNameError as err:
        column = layout.columns[layout.find("unit_code" if code_text and not name_text or (
            code_text and str(err).startswith("unknown unit code")) else "unit_name")].label
        problems.append(DataError(**where, row=line, column=column,
                                  value=code_text if "code" in str(err) else name_text,
                                  problem=err.message, hint=err.hint))
        return None
    if by_code and by_name and by_code.code != by_name.code:
        problems.append(DataError(
            **where, row=line, column=layout.columns[layout.find("unit_code")].label,
            value=code_text, problem=f"code {by_code.code} is {by_code.name}, but the name "
            f"column says {name_text!r} ({by_name.code})"))
        return None
    unit = by_code or by_name
    if opts.province and unit.level == "district" and unit.parent_code != opts.province:
        problems.append(DataError(**where, row=line, value=name_text or code_text,
                                  problem=f"unit {unit.code} is not in province {opts.province}"))
        return None
    return unit


def _read_rank(rank_cell, rank_of_cell, layout, rank_col, where, line, problems):
    text = cell_text(rank_cell)
    rank_of = None
    if cell_text(rank_of_cell):
        try:
            rank_of = int(cell_text(rank_of_cell))
        except ValueError:
            problems.append(DataError(**where, row=line, value=cell_text(rank_of_cell),
                                      problem="number ranked is not a whole number"))
    if rank_cell is None or not text:
        return None, rank_of
    if isinstance(rank_cell, float) and not rank_cell.is_integer():
        problems.append(DataError(**where, row=line, column=layout.columns[rank_col].label,
                                  value=text, problem="rank is not a whole number"))
        return None, rank_of
    try:
        return parse_rank(text, rank_of), rank_of
    except ParseError as err:
        problems.append(DataError(**where, row=line, column=layout.columns[rank_col].label,
                                  value=text, problem=str(err)))
        return None, rank_of


def _observation(base, year, indicator, column, cell: Cell, maximum, rank=None, rank_of=None):
    parsed = cell.parsed
    record = {**base, "reference_year": year, "indicator": indicator, "column": column,
              "text": cell.text, "score": parsed.value, "score_low": parsed.low,
              "score_high": parsed.high, "value_status": parsed.status, "score_max": maximum,
              "decimals": cell.decimals, "rank": None, "rank_low": None, "rank_high": None,
              "rank_of": rank_of, "rank_status": "missing", "rank_text": "",
              "pct_of_max": None, "formula": parsed.formula, "pct_column": None,
              "pending_rank": None}
    if rank is not None:
        record.update(rank=rank.rank, rank_low=rank.low, rank_high=rank.high,
                      rank_status="range" if rank.status == "range" else "reported",
                      rank_text=rank.text)
    return record


def _check_cell(cell: Cell, opts, maximum, where, line, column, problems) -> bool:
    """Report an unreadable or out-of-place value; True when the cell is usable."""
    if cell.parsed is None:
        problems.append(DataError(**where, row=line, column=column, value=cell.text,
                                  problem=cell.problem, hint=cell.hint))
        return False
    parsed = cell.parsed
    if parsed.footnote:
        problems.append(DataError(**where, row=line, column=column, value=cell.text,
                                  severity="warning",
                                  problem=f"footnote marker {parsed.footnote!r} removed",
                                  hint="the note it refers to is not read"))
    if parsed.status == "missing" and cell.text.strip() in ("-", "–", "—"):
        problems.append(DataError(**where, row=line, column=column, value=cell.text,
                                  severity="warning", problem="'-' read as 'no data', not zero",
                                  hint="write 0 if the value is zero"))
    if parsed.is_percent:
        problems.append(DataError(**where, row=line, column=column, value=cell.text,
                                  problem="a percentage where points are expected",
                                  hint="enter the points scored (or put shares in a "
                                       "'Tỷ lệ (%)' column)"))
        return False
    if parsed.denominator is not None:
        if maximum is not None and parsed.denominator != maximum:
            problems.append(DataError(**where, row=line, column=column, value=cell.text,
                                      problem=f"written as a fraction of {parsed.denominator:g}, "
                                      f"but the maximum is {maximum:g}"))
            return False
    return True


def _wide_row(at, grid, index, layout, opts, base, year, rank_info, maxima, scale_max, pct_col,
              where, line, problems):
    rank, rank_of = rank_info
    cells = {}
    for col, head in layout.indicator_columns.items():
        value = at(col)
        unsaved = (grid.row_numbers[index], col) in grid.unsaved_formulas
        cells[col] = read_cell(value, opts.decimal, unsaved)
    values = [c for c in cells.values() if not c.empty]
    if not values and rank is None:
        problems.append(DataError(**where, row=line, value=base["unit_text"], severity="warning",
                                  problem="no values entered for this unit; row skipped"))
        return []
    records = []
    for col, head in layout.indicator_columns.items():
        cell = cells[col]
        indicator = head.canonical
        row_year = head.year or year
        if row_year is None:
            problems.append(DataError(**where, row=line, column=head.label,
                                      problem="no reference year for this column"))
            continue
        if year_problem(row_year):
            continue  # reported once, at the column's header
        if opts.scale == "0-1":
            maximum = 1.0
        elif indicator == TOTAL:
            maximum = head.maximum or scale_max
        else:
            maximum = head.maximum or maxima.get(indicator)
        if cell.empty:
            if indicator == TOTAL:
                continue  # a total left blank is derived from the main indicators below
            problems.append(DataError(**where, row=line, column=head.label,
                                      problem="empty cell",
                                      hint="enter the score, or 'n/a' if it was not assessed"))
            continue
        if not _check_cell(cell, opts, maximum, where, line, head.label, problems):
            continue
        is_total = indicator == TOTAL
        records.append(_observation(base, row_year, indicator, head.label, cell, maximum,
                                    rank if is_total else None, rank_of if is_total else None))
    if pct_col is not None and cell_text(at(pct_col)):
        pct = read_cell(at(pct_col), opts.decimal)
        totals = [r for r in records if r["indicator"] == TOTAL]
        if pct.parsed is None:
            problems.append(DataError(**where, row=line, column=layout.columns[pct_col].label,
                                      value=pct.text, problem=pct.problem, hint=pct.hint))
        elif totals:
            totals[0]["pct_of_max"] = pct.parsed
            totals[0]["pct_column"] = layout.columns[pct_col].label
    if rank is not None and not any(r["indicator"] == TOTAL for r in records):
        # the rank belongs to the total: keep it on a total row derived later
        for r in records:
            r["pending_rank"] = (rank, rank_of)
    return records


def _long_row(at, layout, opts, base, year, rank_info, maxima, scale_max, where, line, problems):
    rank, rank_of = rank_info
    ind_col, val_col, max_col = layout.find("indicator"), layout.find("value"), \
        layout.find("score_max")
    label = cell_text(at(ind_col))
    head = match_header(label)
    if head.kind != "indicator":
        problems.append(DataError(**where, row=line, column=layout.columns[ind_col].label,
                                  value=label, problem="unknown indicator",
                                  hint=_indicator_hint(label)))
        return []
    maximum = maxima.get(head.canonical) if head.canonical != TOTAL else scale_max
    if opts.scale == "0-1":
        maximum = 1.0
    if max_col is not None and cell_text(at(max_col)):
        stated = read_cell(at(max_col), opts.decimal)
        if stated.parsed is None or stated.parsed.value is None:
            problems.append(DataError(**where, row=line, column=layout.columns[max_col].label,
                                      value=stated.text, problem="maximum is not a number"))
            return []
        maximum = stated.parsed.value
    cell = read_cell(at(val_col), opts.decimal)
    column = layout.columns[val_col].label
    if cell.empty:
        problems.append(DataError(**where, row=line, column=column, problem="empty cell",
                                  hint="enter the value, or 'n/a' if it was not assessed"))
        return []
    if not _check_cell(cell, opts, maximum, where, line, column, problems):
        return []
    is_total = head.canonical == TOTAL
    return [_observation(base, year, head.canonical, column, cell, maximum,
                         rank if is_total else None, rank_of if is_total else None)]


def _indicator_hint(label: str) -> str:
    import difflib

    aliases = read_aliases()
    table = aliases[aliases["kind"] == "indicator"]
    close = difflib.get_close_matches(fold_text(label), list(table["folded"]), n=3, cutoff=0.6)
    names = list(dict.fromkeys(table.loc[table["folded"] == c, "alias"].iloc[0] for c in close))
    if names:
        return "did you mean " + " or ".join(repr(n) for n in names) + "?"
    return "add the name to lib/data/reference/aliases.csv (kind indicator)"
