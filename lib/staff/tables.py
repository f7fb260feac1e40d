"""Recognise a staff table: header labels through the alias table, where the table sits in a
sheet (:func:`locate_table`), and one cell read as a value (:func:`read_cell`).

The alias table is ``lib/data/reference/aliases.csv``; maxima of main indicators come from
``lib/data/reference/dti_main_indicators.csv``. Used by :mod:`lib.staff.reading`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.data.datasets.dti_scores import SCALES
from lib.data.io import SIDECAR_ENCODINGS, DataError, Grid
from lib.data.parse import ParsedValue, ParseError, fold_text, normalize_text, parse_value
from lib.data.paths import REFERENCE_DIR
from lib.staff.unit_names import read_aliases

SHAPES = ("dti_workbook", "dti_long")
FEEDABLE_TABLES = ("dti_scores",)
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
        if meta["scale"] in SCALES:
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
