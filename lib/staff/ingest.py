"""Read DTI results as staff keep them: Excel workbooks and CSV exports of any common shape.

Load inputs / process / save outputs, per file:

1. **Load**: :func:`lib.data.io.read_csv_grid` (encoding and delimiter detected) or
   :func:`lib.data.io.read_workbook_grids` (every sheet, merged cells filled).
2. **Find the table** in each sheet: the header rows are the first rows whose cells match the
   alias table ``lib/data/reference/aliases.csv`` (a unit column and indicator or value columns);
   group headers above them, column-number rows ("(1) (2) (3)") below them, title and note rows
   above or below the table are recognised and skipped.
3. **Shape**: *wide* (one row per unit, one column per indicator: ``dti_workbook``) or *long*
   (one row per unit × indicator with a value column: ``dti_long``).
4. **Cells → observations**: unit names → GSO codes (:mod:`lib.staff.unit_names`), numbers through
   :func:`lib.data.parse.parse_value` with the file's decimal mark (from the sidecar, else detected
   from unambiguous cells), ranks through :func:`lib.data.parse.parse_rank`.
5. **Checks** (:func:`check_observations`): scores within 0–maximum, the 0–1 vs points scale,
   main indicators summing to the total, ranks consistent with scores, shares within 0–100, one
   value per unit × year × indicator; warnings for values equal to the previous year's and for
   outliers.

Every problem is collected as a :class:`lib.data.io.DataError` (``severity`` error or warning) naming
file, sheet, row, column and value; nothing raises half-way, so a report lists every problem
(the first 1,000 in full, the others counted by kind: :class:`lib.data.io.Problems`). CSV rows are
parsed as they are read and a value given twice is refused while reading, so memory follows the
distinct values, not the rows (see ``benchmarks/staff_file.py``).
:func:`to_dti_scores` turns clean observations into rows of ``dti_scores``.

Sidecar keys used (``<file>.source.yml``, besides the provenance keys): ``shape``
(``dti_workbook`` | ``dti_long``), ``feeds`` (``[dti_scores]``), ``province`` (GSO code of the
province whose units are scored, e.g. ``"26"``), ``unit_level`` (default ``district``),
``reference_year`` (when the file has no year column), ``scale`` (``points`` default, or
``0-1``), ``framework_id``, ``source_type`` (default ``official``),
``number_format: {decimal: "," | "."}``, ``encoding`` (``utf-8``, ``utf-16``, ``windows-1258``
or ``viscii``; default: detected).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.data.datasets.dti_scores import year_problem
from lib.data.io import ENCODING_NAMES, LEGACY_ENCODINGS, SIDECAR_ENCODINGS, DataError, Grid, \
    Problems, read_csv_grid, read_workbook_grids
from lib.data.parse import ParsedValue, ParseError, fold_text, infer_decimal_mark, normalize_text, \
    parse_rank, parse_value, share_convention
from lib.data.paths import RAW_DIR, REFERENCE_DIR
from lib.staff.unit_names import UnitNameError, default_resolver, read_aliases

SHAPES = ("dti_workbook", "dti_long")
FEEDABLE_TABLES = ("dti_scores",)
SCALE_MAX = {"points": 1000.0, "0-1": 1.0}
META_SHEET = "_meta"  # hidden sheet written by lib.staff.template
# the information sheets lib.staff.template writes before the data sheets (not data)
INFO_SHEETS = ("Hướng dẫn", "Chỉ số", "Đơn vị")
TOTAL = "dti_total"
EXCEL_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#SPILL!")
DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
DEFAULT_FRAMEWORK = "mic_qd922_2022"
_MAX_IN_HEADER = re.compile(
    r"\(\s*(?:tối đa|max(?:imum)?|tđ|thang điểm)?\s*:?\s*(\d+(?:[.,]\d+)?)\s*"
    r"(?:điểm|đ|points?|pts)?\s*\)", re.IGNORECASE)
_NUMBERING = re.compile(r"^(?:[IVX]+|\d{1,2}|[a-zđ])[.)]\s+", re.IGNORECASE)
_COLUMN_NUMBER = re.compile(r"^\(?[0-9]{1,2}\)?$|^\(?[A-Z]\)?$")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_PLAIN_NUMBER = {None: re.compile(r"-?\d{1,15}()"), ".": re.compile(r"-?\d{1,15}(\.\d{1,15})?"),
                 ",": re.compile(r"-?\d{1,15}(,\d{1,15})?")}  # the fraction: the decimals
OBSERVATION_COLUMNS = [
    "file", "sheet", "row", "column", "unit_text", "unit_code", "unit_name", "parent_code",
    "reference_year", "indicator", "text", "score", "score_low", "score_high", "value_status",
    "score_max", "decimals", "rank", "rank_low", "rank_high", "rank_of", "rank_status",
    "rank_text", "pct_of_max", "formula", "note",
    "pct_column", "pending_rank", "table_units",  # internal: a share's column; a rank waiting
]                                                     # for a total; unit rows in the table


@dataclass
class FileOptions:
    """How to read one file: from its sidecar, a template's ``_meta`` sheet, or detection."""

    shape: str | None = None
    decimal: str | None = None
    province: str | None = None
    unit_level: str = "district"
    reference_year: int | None = None
    scale: str = "points"
    framework_id: str = ""
    source_url: str = ""
    source_type: str = "official"
    publisher: str = ""
    published: str = ""
    feeds: tuple = ()
    encoding: str | None = None  # a codec of lib.data.io.SIDECAR_ENCODINGS (None: detected)


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


# ------------------------------------------------------------------ aliases and reference data


@lru_cache(maxsize=1)
def _header_lookup() -> dict[str, tuple[str, str]]:
    aliases = read_aliases()
    table = aliases[aliases["kind"].isin(["column", "indicator"])]
    return {row.folded: (row.kind, row.canonical) for row in table.itertuples()}


@lru_cache(maxsize=1)
def _row_labels() -> dict[str, str]:
    aliases = read_aliases()
    table = aliases[aliases["kind"] == "row_label"]
    return dict(zip(table["folded"], table["canonical"]))


@lru_cache(maxsize=8)
def main_indicator_maxima(framework_id: str = DEFAULT_FRAMEWORK) -> dict[str, float]:
    """``{indicator: maximum points}`` of a framework's main indicators, in their order.

    Read from ``lib/data/reference/dti_main_indicators.csv``; an unknown framework gives ``{}``.
    """
    table = pd.read_csv(REFERENCE_DIR / "dti_main_indicators.csv", dtype={"max_points": float})
    table = table[table["framework_id"] == framework_id].sort_values("order")
    return dict(zip(table["indicator"], table["max_points"]))


def indicator_names() -> pd.DataFrame:
    """``lib/data/reference/dti_indicators.csv``: ``indicator``, ``name_en``, ``name_vi``…"""
    return pd.read_csv(REFERENCE_DIR / "dti_indicators.csv", dtype=str, keep_default_na=False)


@dataclass
class HeaderCell:
    kind: str  # "column", "indicator" or "" (not recognised)
    canonical: str
    label: str
    maximum: float | None = None
    year: int | None = None


def match_header(cell: object) -> HeaderCell:
    """Recognise one header cell through the alias table.

    ``"3. Hạ tầng số (tối đa 100 điểm)"`` → indicator ``ha_tang_so_digital_infrastructure``,
    maximum 100; ``"Điểm DTI 2023"`` → indicator ``dti_total``, year 2023; ``"Tên đơn vị"`` →
    column ``unit_name``. An unknown label gives ``kind == ""``.
    """
    label = normalize_text("" if cell is None else cell)
    text = _NUMBERING.sub("", label)
    maximum = None
    if m := _MAX_IN_HEADER.search(text):
        maximum = float(m.group(1).replace(",", "."))
    year = None
    if (years := _YEAR.findall(text)) and len(set(years)) == 1:
        year = int(years[0])
    lookup = _header_lookup()
    bare = re.sub(r"\([^)]*\)", " ", text)
    candidates = [text, bare, _YEAR.sub(" ", bare)]
    for candidate in candidates:
        folded = fold_text(candidate)
        folded = re.sub(r"\b(nam|year|diem|points?|d)$", "", folded).strip() \
            if folded not in lookup else folded
        if folded in lookup:
            kind, canonical = lookup[folded]
            return HeaderCell(kind, canonical, label, maximum,
                              year if candidate is candidates[2] else None)
    return HeaderCell("", "", label, maximum, year)


# ------------------------------------------------------------------ locating the table


@dataclass
class Layout:
    """Where the table is in a grid: header row indices, columns, first data row index."""

    header_rows: list[int]
    columns: dict[int, HeaderCell]
    first_data: int
    title_text: str

    def find(self, canonical: str, kind: str = "column") -> int | None:
        hits = [i for i, h in self.columns.items() if h.kind == kind and h.canonical == canonical]
        return hits[0] if hits else None

    @property
    def indicator_columns(self) -> dict[int, HeaderCell]:
        return {i: h for i, h in self.columns.items() if h.kind == "indicator"}


def _row_matches(row: list[object]) -> list[HeaderCell]:
    return [match_header(c) if isinstance(c, str) and c else HeaderCell("", "", "") for c in row]


def _is_column_number_row(row: list[object]) -> bool:
    cells = [normalize_text(c) for c in row if c not in (None, "")]
    return len(cells) >= 3 and all(_COLUMN_NUMBER.match(c) for c in cells)


def locate_table(grid: Grid, max_scan: int = 40) -> Layout | None:
    """Find the header rows and columns of the table in ``grid`` (None when there is none).

    A header row has a unit column (name or code) and an indicator, value or rank column.
    Up to three following rows join the header when they hold further recognised labels or
    are column-number rows; the labels of a column are then taken bottom-up (the most specific
    first), so a group header such as "Chỉ số chính" merged over the indicators is skipped.
    """
    for start in range(min(len(grid.rows), max_scan)):
        matches = _row_matches(grid.rows[start])
        kinds = {(h.kind, h.canonical) for h in matches if h.kind}
        has_unit = ("column", "unit_name") in kinds or ("column", "unit_code") in kinds
        has_data = any(k == "indicator" for k, _ in kinds) or ("column", "value") in kinds
        if not (has_unit and has_data):
            continue
        header_rows = [start]
        unit_cols = [i for i, h in enumerate(matches)
                     if h.kind == "column" and h.canonical in ("unit_name", "unit_code")]
        nxt = start + 1
        while nxt < len(grid.rows) and len(header_rows) < 4:
            row = grid.rows[nxt]
            if _is_column_number_row(row):
                header_rows.append(nxt)
                nxt += 1
                continue
            unit_cells = [row[i] for i in unit_cols if i < len(row)]
            unit_is_label = all(c in (None, "") or match_header(c).kind for c in unit_cells
                                if isinstance(c, str) or c is None)
            more = _row_matches(row)
            numbers = any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in row)
            if unit_is_label and not numbers and any(h.kind for h in more):
                header_rows.append(nxt)
                nxt += 1
                continue
            break
        columns: dict[int, HeaderCell] = {}
        width = max(len(grid.rows[r]) for r in header_rows)
        for col in range(width):
            parts = [grid.rows[r][col] if col < len(grid.rows[r]) else None for r in header_rows]
            parts = [p for p in parts if p not in (None, "") and not (
                isinstance(p, str) and _COLUMN_NUMBER.match(p))]
            if not parts:
                continue
            recognised = [match_header(p) for p in reversed(parts)]
            chosen = next((h for h in recognised if h.kind), None)
            if chosen is None:
                joined = " / ".join(dict.fromkeys(normalize_text(p) for p in parts))
                chosen = HeaderCell("", "", joined, recognised[0].maximum, recognised[0].year)
            elif chosen.maximum is None:
                chosen.maximum = next((h.maximum for h in recognised if h.maximum), None)
            columns[col] = chosen
        title = " ".join(normalize_text(c) for r in grid.rows[:start] for c in r
                         if isinstance(c, str))
        return Layout(header_rows, columns, header_rows[-1] + 1, title)
    return None


# ------------------------------------------------------------------ cells


@dataclass
class Cell:
    """One cell read as a value: ``parsed`` (None when unreadable), ``problem`` and ``hint``."""

    parsed: ParsedValue | None
    text: str
    empty: bool = False
    problem: str = ""
    hint: str = ""
    decimals: int | None = None


def cell_text(value: object) -> str:
    """A cell as text for messages (floats without a trailing ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(value)


def _decimals(text: str, decimal: str | None) -> int | None:
    mark = decimal or "."
    s = re.sub(r"[^\d.,]", "", text)
    return len(s.rsplit(mark, 1)[1]) if mark in s else 0


def read_cell(value: object, decimal: str | None, unsaved_formula: bool = False) -> Cell:
    """Read one number cell (a native Excel number or text in the file's convention).

    Never returns a silent NaN: an empty cell gives ``empty=True`` (status ``missing``), an
    unreadable one ``parsed=None`` with the ``problem``.
    """
    text = cell_text(value)
    if unsaved_formula:
        return Cell(None, text, problem="formula without a saved result",
                    hint="open the file in Excel (or LibreOffice) and save it, so that the "
                         "formula's value is stored")
    if value is None or (isinstance(value, str) and not value.strip()):
        return Cell(ParsedValue(None, "missing"), "", empty=True)
    if isinstance(value, bool):
        return Cell(None, text, problem="TRUE/FALSE where a number is expected")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return Cell(None, text, problem="a date where a number is expected",
                    hint="Excel turned the number into a date: format the column as Number and "
                         "type the value again")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return Cell(None, text, problem="not a finite number")
        digits = repr(float(value)).split(".")[1] if "e" not in repr(float(value)) else "6"
        decimals = 0 if float(value).is_integer() else min(len(digits), 6)
        return Cell(ParsedValue(float(value), "reported"), text, decimals=decimals)
    if (plain := _PLAIN_NUMBER[decimal].fullmatch(text)) is not None:  # most cells: no parsing
        return Cell(ParsedValue(float(text.replace(",", ".")), "reported"), text,
                    decimals=len(plain.group(1) or "") - bool(plain.group(1)))
    if text.upper() in EXCEL_ERRORS:
        return Cell(None, text, problem=f"Excel error value {text}",
                    hint="fix the formula in the workbook")
    try:
        parsed = parse_value(text, decimal=decimal)
    except ParseError as err:
        hint = "" if decimal else \
            "state the decimal mark in the sidecar: number_format: {decimal: ','}"
        return Cell(None, text, problem=str(err), hint=hint)
    return Cell(parsed, text, decimals=_decimals(text, decimal))


# ------------------------------------------------------------------ options


def options_from_sidecar(meta: dict, path: Path, problems: list[DataError]) -> FileOptions:
    """Read the ingest keys of a sidecar; invalid values become errors naming the sidecar."""
    sidecar = path.with_name(path.name + ".source.yml")
    opts = FileOptions()

    def bad(key, value, expected):
        problems.append(DataError(sidecar, f"invalid {key}", column=key, value=value,
                                  hint=f"expected {expected}"))

    if "shape" in meta:
        if meta["shape"] in SHAPES:
            opts.shape = meta["shape"]
        else:
            bad("shape", meta["shape"], " or ".join(SHAPES))
    number_format = meta.get("number_format") or {}
    decimal = number_format.get("decimal") if isinstance(number_format, dict) else None
    if decimal is not None:
        if str(decimal) in (",", "."):
            opts.decimal = str(decimal)
        else:
            bad("number_format.decimal", decimal, "',' or '.'")
    if "province" in meta:
        if re.fullmatch(r"\d{2}", str(meta["province"])):
            opts.province = str(meta["province"])
        else:
            bad("province", meta["province"], "a 2-digit GSO province code such as \"26\"")
    if "reference_year" in meta:
        try:
            opts.reference_year = int(meta["reference_year"])
        except (TypeError, ValueError):
            bad("reference_year", meta["reference_year"], "a year such as 2024")
    if "encoding" in meta:
        name = str(meta["encoding"]).strip().lower().replace("_", "-")
        if name in SIDECAR_ENCODINGS:
            opts.encoding = SIDECAR_ENCODINGS[name]
        else:
            bad("encoding", meta["encoding"], ", ".join(SIDECAR_ENCODINGS))
    if "scale" in meta:
        if meta["scale"] in SCALE_MAX:
            opts.scale = meta["scale"]
        else:
            bad("scale", meta["scale"], "points or 0-1")
    opts.unit_level = str(meta.get("unit_level", "district"))
    opts.framework_id = str(meta.get("framework_id", "") or "")
    opts.source_type = str(meta.get("source_type", "official") or "official")
    url = meta.get("url")
    opts.source_url = str(url[0] if isinstance(url, list) and url else url or "")
    opts.publisher = str(meta.get("publisher", "") or "")
    opts.published = str(meta.get("published", "") or "")
    feeds = meta.get("feeds") or []
    feeds = [feeds] if isinstance(feeds, str) else list(feeds)
    if opts.shape:
        for table in feeds:
            if table not in FEEDABLE_TABLES:
                bad("feeds", table, " or ".join(FEEDABLE_TABLES)
                    + " (other tables are built from curated CSVs only)")
    opts.feeds = tuple(feeds)
    return opts


def _template_meta(grids: list[Grid]) -> dict[str, str]:
    for grid in grids:
        if grid.sheet == META_SHEET:
            return {cell_text(r[0]): cell_text(r[1]) for r in grid.rows if len(r) >= 2 and r[0]}
    return {}


# ------------------------------------------------------------------ reading a file


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


def read_file(path: str | Path, meta: dict | None = None, seen: dict | None = None
              ) -> FileResult:
    """Read one staff file into observations, collecting every problem.

    Parameters
    ----------
    path
        A ``.csv``/``.txt`` (comma, semicolon or tab separated) or ``.xlsx`` file.
    meta
        Its sidecar mapping (:func:`lib.data.sources.load_sidecar`), or None to detect everything.
    seen
        ``(unit code, year, indicator)`` → ``(file, sheet, row)`` of the values read so far
        (shared by :func:`read_files` to find values given twice across files); updated.

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
        indicator given before (an error), are dropped, so memory is bounded by the distinct
        values, not the rows.
    """
    path = Path(path)
    seen = {} if seen is None else seen
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
        records += _read_table(grid, layout, opts, problems, seen)
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


def _read_table(grid: Grid, layout: Layout, opts: FileOptions, problems: Problems,
                seen: dict) -> list[dict]:
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
    year = _sheet_year(grid, layout, opts, problems)
    if year is not None and (problem := year_problem(year)):
        problems.append(DataError(**where, row=header_row, problem=problem))
        return []
    for head in layout.indicator_columns.values():
        if head.year is not None and (problem := year_problem(head.year)):
            problems.append(DataError(**where, row=header_row, column=head.label,
                                      problem=problem))
    year_col = layout.find("reference_year")
    if year is None and year_col is None and not any(
            h.year for h in layout.indicator_columns.values()):
        problems.append(DataError(
            **where, row=header_row, problem="no reference year",
            hint="add a 'Năm' column, put the year in the sheet name (e.g. 'DTI 2024'), or set "
                 "reference_year in the sidecar"))
        return []
    framework = opts.framework_id or DEFAULT_FRAMEWORK
    maxima = main_indicator_maxima(framework)
    scale_max = SCALE_MAX[opts.scale]
    resolver = default_resolver()
    row_labels = _row_labels()
    name_col, code_col = layout.find("unit_name"), layout.find("unit_code")
    rank_col, rank_of_col = layout.find("rank"), layout.find("rank_of")
    note_col, pct_col = layout.find("note"), layout.find("pct_of_max")
    records: list[dict] = []
    in_notes = False
    table_units = 0
    units_memo: dict[tuple, tuple] = {}
    for index in range(layout.first_data, len(grid.rows)):
        cells = grid.rows[index]
        line = grid.row_numbers[index]

        def at(col):
            return cells[col] if col is not None and col < len(cells) else None

        unit_text = cell_text(at(name_col)) or cell_text(at(code_col))
        nonempty = [c for c in cells if c not in (None, "")]
        if not nonempty:
            continue
        first = nonempty[0]
        first_text = fold_text(first) if isinstance(first, str) else ""
        label = row_labels.get(fold_text(unit_text)) or next(
            (kind for word, kind in row_labels.items()
             if kind == "note" and first_text.startswith(word)), None)
        if in_notes or label == "note" or (isinstance(first, str)
                                           and first.lstrip().startswith(("*", "(", "¹"))):
            in_notes = True
            continue
        if label == "summary":
            continue
        width = max(layout.columns) + 1
        if any(c not in (None, "") for c in cells[width:]):
            problems.append(DataError(
                **where, row=line, value=cell_text(next(c for c in cells[width:] if c)),
                problem="more cells than header columns",
                hint="a decimal comma in a comma-separated file? quote such numbers, or save "
                     "with ';' as separator" if grid.delimiter == "," else "add a header"))
            continue
        if not unit_text:
            problems.append(DataError(**where, row=line, column=layout.columns.get(
                name_col, HeaderCell("", "", "unit")).label, problem="values without a unit name"))
            continue
        row_year = year
        if year_col is not None:
            try:
                row_year = int(parse_value(cell_text(at(year_col)), ".").value)
            except (ParseError, TypeError, ValueError):
                problems.append(DataError(**where, row=line, column=layout.columns[year_col].label,
                                          value=cell_text(at(year_col)),
                                          problem="not a year"))
                continue
            if problem := year_problem(row_year):
                problems.append(DataError(**where, row=line, column=layout.columns[year_col].label,
                                          value=cell_text(at(year_col)), problem=problem))
                continue
        memo_key = (cell_text(at(name_col)), cell_text(at(code_col)), row_year)
        if memo_key not in units_memo:  # a file repeats its units: resolve each name once
            found_problems: list[DataError] = []
            units_memo[memo_key] = (_resolve(resolver, at(name_col), at(code_col), row_year, opts,
                                             layout, where, line, found_problems), found_problems)
        unit, found_problems = units_memo[memo_key]
        for p in found_problems:
            problems.append(DataError(p.file, p.problem, line, p.column, p.value, p.hint,
                                      p.sheet, p.severity, p.kind))
        if unit is None:
            table_units += 1
            continue
        base = dict(file=name, sheet=sheet or "", row=line, unit_text=unit_text,
                    unit_code=unit.code, unit_name=unit.name, parent_code=unit.parent_code,
                    note=cell_text(at(note_col)))
        rank = _read_rank(at(rank_col), at(rank_of_col), layout, rank_col, where, line, problems)
        table_units += 1
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


# ------------------------------------------------------------------ checks


def _tolerance(decimals: list) -> float:
    places = [d for d in decimals if d is not None and not pd.isna(d)]
    d = min(places) if places else 3
    return (len(decimals) + 1) * 0.5 * 10 ** (-d) + 1e-9


def check_observations(obs: pd.DataFrame, options: dict[str, FileOptions],
                       reference: pd.DataFrame | None = None) -> tuple[pd.DataFrame,
                                                                      list[DataError]]:
    """Cross-cell checks over the observations of one or several files.

    Parameters
    ----------
    obs
        Observations (``OBSERVATION_COLUMNS``) of the files being validated.
    options
        File name → :class:`FileOptions`.
    reference
        Already-published ``dti_scores`` rows (to compare with the previous year), or None.

    Returns
    -------
    (observations, problems)
        Observations with derived totals and ranks added (status ``derived``); the problems:
        errors for scores outside 0–maximum, a 0–1 scale in a points file, main indicators not
        summing to the total, ranks contradicting scores, shares outside 0–100 or
        disagreeing with score ÷ maximum, and repeated unit × year × indicator; warnings for
        a value equal to the previous year's and for outliers.
    """
    problems = Problems()
    if obs.empty:
        return obs, problems
    obs = obs.copy().reset_index(drop=True)

    def err(r, problem, hint="", severity="error", column=None, value=None):
        problems.append(DataError(r["file"], problem, int(r["row"]),
                                  column if column is not None else r["column"],
                                  r["text"] if value is None else value, hint,
                                  sheet=r["sheet"] or None, severity=severity))

    # units per table (before duplicates are dropped): the default number ranked
    n_units = obs.groupby(["file", "sheet", "reference_year"])["table_units"].max()
    # 1. one value per unit × year × indicator: checked while reading (_first_values)
    # 2. scale and bounds
    for file, group in obs.groupby("file"):
        opts = options.get(file, FileOptions())
        totals = group[(group["indicator"] == TOTAL) & group["score"].notna()]
        if opts.scale == "points" and len(totals) and (totals["score"] <= 1).all() \
                and (totals["score"] > 0).any():
            r = totals.iloc[0]
            err(r, "totals look like the 0–1 index, but the file is read in points out of 1,000",
                "enter points (e.g. 744.2, not 0.7442), or set scale: 0-1 in the sidecar")
            obs = obs[obs["file"] != file]
    for _, r in obs[obs["score"].notna()].iterrows():
        maximum = r["score_max"]
        if r["score"] < 0:
            err(r, "negative score")
        elif maximum is not None and not pd.isna(maximum) and r["score"] > maximum + 1e-9:
            hint = ""
            if r["score"] / 1000 <= maximum and isinstance(r["text"], str) and \
                    re.search(r"\d[.,]\d{3}$", r["text"]):
                hint = ("'.' or ',' before the last three digits is read as a thousands "
                        "separator here: check the file's decimal mark")
            err(r, f"score above the maximum of {maximum:g}", hint)
    # 3. main indicators sum to the total (derive a missing total)
    extra = []
    for (file, sheet, row, unit, year), group in obs.groupby(
            ["file", "sheet", "row", "unit_code", "reference_year"], sort=False):
        opts = options.get(file, FileOptions())
        maxima = main_indicator_maxima(opts.framework_id or DEFAULT_FRAMEWORK)
        mains = group[group["indicator"].isin(list(maxima))]
        total = group[group["indicator"] == TOTAL]
        complete = len(mains) == len(maxima) and mains["score"].notna().all() and \
            mains["value_status"].eq("reported").all()
        if opts.scale != "points" or not complete:
            continue
        summed = float(mains["score"].sum())
        if total.empty:
            r = mains.iloc[0].to_dict()
            rank_info = r["pending_rank"]
            derived = {**r, "indicator": TOTAL, "column": "(sum of main indicators)", "text": "",
                       "score": round(summed, 6), "score_low": None, "score_high": None,
                       "value_status": "derived", "score_max": SCALE_MAX["points"],
                       "formula": "sum of the " + str(len(maxima)) + " main indicators",
                       "rank": None, "rank_low": None, "rank_high": None, "rank_of": None,
                       "rank_status": "missing", "rank_text": "", "pct_of_max": None}
            if isinstance(rank_info, tuple):
                rank, rank_of = rank_info
                derived.update(rank=rank.rank, rank_low=rank.low, rank_high=rank.high,
                               rank_of=rank_of, rank_status="reported", rank_text=rank.text)
            extra.append(derived)
            continue
        r = total.iloc[0]
        if r["score"] is None or pd.isna(r["score"]) or r["value_status"] != "reported":
            continue
        tolerance = _tolerance([*mains["decimals"], r["decimals"]])
        if abs(summed - r["score"]) > tolerance:
            err(r, f"main indicators sum to {summed:g}, not to the total {r['score']:g}",
                f"difference {summed - r['score']:+.3f} is more than rounding ({tolerance:.3g})")
    if extra:
        obs = pd.concat([obs, pd.DataFrame(extra)], ignore_index=True)
    # 4. shares within 0–100 and consistent with score ÷ maximum
    if obs["pct_column"].notna().any():
        for file, group in obs[obs["pct_column"].notna()].groupby("file"):
            parsed = list(group["pct_of_max"])
            convention = share_convention(parsed)
            for i, r in group.iterrows():
                value = r["pct_of_max"].value
                pct = None if value is None else value * (100 if convention == "0-1" else 1)
                column = r["pct_column"]
                if pct is None:
                    obs.at[i, "pct_of_max"] = None
                    continue
                if not 0 <= pct <= 100:
                    err(r, "share outside 0–100", column=column, value=f"{value:g}")
                elif r["score_max"] and not pd.isna(r["score"]) and \
                        abs(pct - 100 * r["score"] / r["score_max"]) > 0.51:
                    err(r, f"share {pct:g}% disagrees with score ÷ maximum "
                        f"({100 * r['score'] / r['score_max']:.1f}%)", column=column,
                        value=f"{value:g}")
                obs.at[i, "pct_of_max"] = pct
    obs["pct_of_max"] = [None if isinstance(v, ParsedValue) else v for v in obs["pct_of_max"]]
    # 5. ranks consistent with total scores; derive ranks when none is given
    totals = obs[obs["indicator"] == TOTAL]
    for (file, sheet, year), group in totals.groupby(["file", "sheet", "reference_year"]):
        ranked = group[group["rank"].notna()]
        scored = group[group["score"].notna()]
        n = max(len(group), int(n_units.get((file, sheet, year), 0)))
        for i, r in ranked.iterrows():
            rank_of = r["rank_of"] if r["rank_of"] is not None and not pd.isna(r["rank_of"]) \
                else None
            if rank_of is None:
                obs.at[i, "rank_of"] = n
            if r["rank"] > (rank_of or n):
                err(r, f"rank {int(r['rank'])} is larger than the number ranked "
                    f"({int(rank_of or n)})", column="rank", value=str(int(r["rank"])))
        both = group[group["rank"].notna() & group["score"].notna()]
        for i, a in both.iterrows():
            for j, b in both.iterrows():
                if a["score"] > b["score"] + 1e-9 and a["rank"] > b["rank"]:
                    err(a, f"rank {int(a['rank'])} contradicts the scores: {b['unit_name']} has "
                        f"a lower score ({b['score']:g} < {a['score']:g}) but rank "
                        f"{int(b['rank'])}", column="rank", value=str(int(a["rank"])))
                    break
                if i < j and a["rank"] == b["rank"] and abs(a["score"] - b["score"]) > 1e-9:
                    err(b, f"same rank {int(a['rank'])} as {a['unit_name']} but a different "
                        f"score ({b['score']:g} vs {a['score']:g})", column="rank",
                        value=str(int(b["rank"])))
        if ranked.empty and len(scored) == n and n > 1:
            ranks = scored["score"].rank(method="min", ascending=False).astype(int)
            for i, value in ranks.items():
                obs.loc[i, ["rank", "rank_low", "rank_high", "rank_of", "rank_status",
                            "rank_text"]] = [value, value, value, n, "derived", ""]
    # 6. warnings: same value as the previous year, outliers
    published = reference if reference is not None else pd.DataFrame(
        columns=["unit_code", "reference_year", "indicator", "score", "raw_file", "raw_row"])
    earlier: dict[tuple, str] = {}
    for table, file_col, row_col in ((published, "raw_file", "raw_row"), (obs, "file", "row")):
        for u, i, y, v, f, n in zip(table["unit_code"], table["indicator"],
                                    table["reference_year"], table["score"], table[file_col],
                                    table[row_col]):
            if not pd.isna(v):
                earlier.setdefault((u, i, int(y), float(v)), f"{f} row {n}")
    for _, r in obs[obs["score"].notna() & (obs["value_status"] == "reported")].iterrows():
        if r["score"] in (0, r["score_max"]):
            continue
        year = int(r["reference_year"]) - 1
        where = earlier.get((r["unit_code"], r["indicator"], year, float(r["score"])))
        if where:
            err(r, f"same value as in {year} ({where})", "check it was not copied from the "
                "previous year", severity="warning")
    for (year, indicator), group in obs[obs["score"].notna()].groupby(
            ["reference_year", "indicator"]):
        if len(group) < 5:
            continue
        median = statistics.median(group["score"])
        mad = statistics.median(abs(group["score"] - median)) * 1.4826
        if mad <= 0:
            continue
        for _, r in group.iterrows():
            scale = r["score_max"] if not pd.isna(r["score_max"]) else 0
            if abs(r["score"] - median) > max(4 * mad, 0.3 * scale):
                err(r, f"unusual value: the median of {len(group)} units is {median:g}",
                    "check for a typing mistake", severity="warning")
    return obs, problems


# ------------------------------------------------------------------ to dti_scores


def to_dti_scores(obs: pd.DataFrame, options: dict[str, FileOptions]) -> pd.DataFrame:
    """Turn checked observations into ``dti_scores`` rows (see :mod:`lib.data.datasets.dti_scores`).

    ``peer_group`` is ``<unit_level>s_of_<province>`` (``districts_of_26``), ``scale`` the
    file's (``points`` or ``0-1``), ``score_max`` the indicator's maximum, ``raw_file`` the
    file name and ``raw_row`` the sheet row (the sheet is named in ``note``). The
    ``preferred_*`` and ``rank_tied`` flags are set when the rows join the table.
    """
    from lib.data.datasets.dti_scores import indicator_level, schema
    from lib.data.sources import source_id

    if obs.empty:
        return pd.DataFrame(columns=list(schema().columns))
    rows = []
    for _, r in obs.iterrows():
        opts = options.get(r["file"], FileOptions())
        province = opts.province or r["parent_code"]
        url = opts.source_url or f"file:{r['file']}"
        note = " ".join(filter(None, [f"sheet {r['sheet']!r}." if r["sheet"] else "",
                                      r["note"] or ""]))
        rows.append({
            "reference_year": int(r["reference_year"]), "unit_code": r["unit_code"],
            "unit_name": r["unit_name"], "unit_level": opts.unit_level,
            "parent_code": r["parent_code"], "peer_group": f"{opts.unit_level}s_of_{province}",
            "indicator": r["indicator"], "indicator_level": indicator_level(r["indicator"]),
            "score": r["score"], "score_low": r["score_low"], "score_high": r["score_high"],
            "score_max": r["score_max"], "scale": opts.scale, "pct_of_max": r["pct_of_max"],
            "value_status": r["value_status"], "formula": r["formula"] or "",
            "rank": r["rank"], "rank_low": r["rank_low"], "rank_high": r["rank_high"],
            "rank_of": r["rank_of"], "rank_status": r["rank_status"],
            "rank_text": r["rank_text"] or "", "rank_tied": False, "conflict_ids": "",
            "conflict_status": "", "framework_id": opts.framework_id,
            "source_ids": source_id(url), "source_type": opts.source_type,
            "preferred_score": False, "preferred_rank": False, "note": note,
            "raw_file": r["file"], "raw_row": int(r["row"]),
        })
    scores = pd.DataFrame(rows)
    for column in ("score", "score_low", "score_high", "score_max", "pct_of_max"):
        scores[column] = pd.to_numeric(scores[column]).astype("float64")
    missing_pct = scores["pct_of_max"].isna() & scores["score"].notna()
    scores.loc[missing_pct, "pct_of_max"] = 100 * scores["score"] / scores["score_max"]
    for column in ("rank", "rank_low", "rank_high", "rank_of"):
        scores[column] = pd.array(scores[column].astype(object).where(scores[column].notna(), None),
                                  dtype="Int64")
    scores["reference_year"] = scores["reference_year"].astype("int64")
    scores["raw_row"] = scores["raw_row"].astype("int64")
    return scores[list(schema().columns)]


def source_rows(results: list[FileResult]) -> dict[str, pd.DataFrame]:
    """One provenance row per staff file, shaped like a raw table for
    :func:`lib.data.sources.build_sources` (``source_url``, ``source_publisher``, ``source_type``,
    ``source_date``, ``raw_row``)."""
    out = {}
    for result in results:
        opts = result.options
        out[result.path.name] = pd.DataFrame([{
            "source_url": opts.source_url or f"file:{result.path.name}",
            "source_publisher": opts.publisher, "source_type": opts.source_type,
            "source_date": opts.published, "raw_row": 0}])
    return out


# ------------------------------------------------------------------ files and folders


def is_staff_file(meta: dict | None) -> bool:
    """A raw file read by this module (its sidecar has ``shape``), not a curated CSV."""
    return bool(meta) and "shape" in meta


def read_files(paths: list[tuple[Path, dict | None]], reference: pd.DataFrame | None = None
               ) -> tuple[list[FileResult], pd.DataFrame, list[DataError]]:
    """Read and check several files together (duplicates across files are found too).

    Returns the per-file results, the checked observations of all files and every problem.
    Unexpected failures while reading a file are reported as errors, never raised.
    """
    results, problems, seen = [], Problems(), {}
    for path, meta in paths:
        try:
            result = read_file(path, meta, seen)
        except Exception as exc:  # noqa: BLE001 - a report line, never a traceback for a user
            problems.append(DataError(path, f"could not be read ({type(exc).__name__}: {exc})",
                                      hint="please report this file to the maintainers"))
            continue
        results.append(result)
        problems += result.problems
    frames = [r.observations for r in results if not r.observations.empty]
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=OBSERVATION_COLUMNS)
    options = {r.path.name: r.options for r in results}
    obs, checks = check_observations(obs, options, reference)
    problems += checks
    return results, obs, problems


def read_fed_files(raw_dir: Path = RAW_DIR, reference: pd.DataFrame | None = None
                   ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Read every staff file of ``raw_dir`` for the build.

    Returns
    -------
    (tables, sources)
        ``tables`` maps a processed table name (``dti_scores``) to the rows the staff files add;
        ``sources`` maps each staff file name to its provenance row (see :func:`source_rows`).

    Raises
    ------
    lib.data.schemas.ValidationError
        Any file has an error; every error of every file is listed. Warnings are logged.
    """
    import logging

    from lib.data.schemas import ValidationError
    from lib.data.sources import load_sidecar, raw_data_files

    staff = []
    for path in raw_data_files(raw_dir):
        meta = load_sidecar(path)
        if is_staff_file(meta):
            staff.append((path, meta))
    if not staff:
        return {}, {}
    results, obs, problems = read_files(staff, reference)
    errors = problems.of_severity("error")
    if errors:
        raise ValidationError("staff files in data/raw", errors)
    for warning in problems:
        logging.getLogger(__name__).warning("warning: %s", warning)
    options = {r.path.name: r.options for r in results}
    fed = {r.path.name for r in results if "dti_scores" in r.options.feeds}
    scores = to_dti_scores(obs[obs["file"].isin(fed)], options)
    return {"dti_scores": scores}, source_rows([r for r in results if r.path.name in fed])
