"""``dti_frameworks``: DTI frameworks (decisions and editions), their main indicators and points.

Rows × columns: one row per row of the raw file (a framework has several rows: its main
indicators, group totals, the total, and descriptive rows with component counts).

- ``framework_id`` str (links to ``dti_scores.framework_id``); ``framework`` str (decision or
  edition, as compiled); ``level`` str (``;``-joined unit levels it applies to: ``province``,
  ``district``, ``department``, ``commune``, ``ministry``, ``national``); ``group`` str (as in
  the raw file); ``indicator_vi`` / ``indicator_en`` str (as in the raw file).
- ``indicator`` str: the main-indicator id used in ``dti_scores`` (e.g.
  ``nhan_thuc_so_digital_awareness``) when the row is a main indicator, else ``""``;
  ``indicator_level`` str: ``main_indicator``, ``group`` (a group subtotal), ``total`` or ``""``
  (a descriptive row).
- ``n_main_indicators`` / ``n_component_indicators`` Int64 (NA when not stated).
- ``max_points`` float64: maximum points when the cell is one number (NaN otherwise);
  ``max_points_text`` str (as published, e.g. ``400 / 300 / 300``); ``scored`` boolean (NA when
  not stated).
- ``index_name`` str (``dti``, ``dii`` = Digital Infrastructure Index, ``ict_egov_ranking``);
  ``first_reference_year`` Int64: the first reference year scored with this framework;
  ``methodology_id`` str: the framework whose methodology (and main-indicator points) the
  framework follows. An edition that keeps the previous methodology points to it (``mic_dti_2023``
  → ``mic_qd922_2022``); a framework that starts a methodology points to itself, and its
  ``first_reference_year`` is a *framework break* (see :func:`lib.analysis.list_framework_breaks`).
- ``value_status``, ``formula``, ``conflict_ids``, ``conflict_status``, ``source_ids``,
  ``source_type``, ``note``, ``raw_file``, ``raw_row`` as in ``dti_scores``.

Sources: ``dti_frameworks.csv`` (decision texts, a secondary reproduction of the QĐ 922/2022
annex, press) and ``lib/data/reference/dti_framework_years.csv`` (reference years and methodology of
each framework, with the reasoning) and ``lib/data/reference/dti_indicators.csv`` (indicator ids).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from lib.data.datasets.dti_scores import _conflict_kinds, conflict_status
from lib.data.io import RAW_ROW, DataError
from lib.data.parse import VALUE_STATUSES, ParseError, fold_text, parse_number
from lib.data.paths import REFERENCE_DIR
from lib.data.schemas import provenance_columns
from lib.data.sources import best_source_type, row_source_ids

if TYPE_CHECKING:
    import pandera.pandas as pa

RAW_FILES = ("dti_frameworks.csv",)
YEARS_FILE = "dti_framework_years.csv"
INDEX_NAMES = ("dti", "dii", "ict_egov_ranking")


def _check_points_add_up(frameworks: pd.DataFrame, file: str) -> None:
    """Raise DataError at a framework's total row when its main indicators do not sum to it."""
    main = frameworks[frameworks["indicator_level"] == "main_indicator"].groupby(
        "framework_id")["max_points"].sum(min_count=1)
    for row in frameworks[frameworks["indicator_level"] == "total"].itertuples():
        if row.framework_id in main.index and abs(main[row.framework_id] - row.max_points) > 1e-9:
            raise DataError(file, f"the main indicators of {row.framework_id} add up to "
                            f"{main[row.framework_id]:g} points, not {row.max_points:g}",
                            getattr(row, RAW_ROW), "max_points", row.max_points_text)


@lru_cache(maxsize=None)
def schema() -> pa.DataFrameSchema:
    """The pandera schema of the processed ``dti_frameworks`` table (pandera is imported on
    first use: reading and analysing the tables does not need it)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "framework_id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$")),
            "framework": pa.Column(str),
            "level": pa.Column(str),
            "group": pa.Column(str),
            "indicator_vi": pa.Column(str),
            "indicator_en": pa.Column(str),
            "indicator": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]*$")),
            "indicator_level": pa.Column(str, pa.Check.isin(
                ["main_indicator", "group", "total", ""])),
            "n_main_indicators": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "n_component_indicators": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "max_points": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "max_points_text": pa.Column(str),
            "scored": pa.Column("boolean", nullable=True),
            "index_name": pa.Column(str, pa.Check.isin(INDEX_NAMES)),
            "first_reference_year": pa.Column("Int64", pa.Check.in_range(2015, 2100),
                                              nullable=True),
            "methodology_id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$")),
            "value_status": pa.Column(str, pa.Check.isin(VALUE_STATUSES)),
            **provenance_columns(),
        },
        checks=[
            pa.Check(lambda t: t["methodology_id"].isin(t["framework_id"]),
                     name="methodology_is_a_framework",
                     error="methodology_id must be a framework_id of the table"),
            pa.Check(lambda t: ~t[t["indicator"] != ""].duplicated(["framework_id", "indicator"])
                     .reindex(t.index, fill_value=False),
                     name="one_row_per_framework_main_indicator",
                     error="a framework lists the same main indicator twice"),
        ],
        strict=True,
        name="dti_frameworks",
    )


def _main_indicator_ids() -> dict[str, str]:
    """Folded Vietnamese and English names → main-indicator id (reference/dti_indicators.csv)."""
    reference = pd.read_csv(REFERENCE_DIR / "dti_indicators.csv", dtype=str).fillna("")
    main = reference[reference["indicator_level"] == "main_indicator"]
    names = {fold_text(n): i for n, i in zip(main["name_vi"], main["indicator"])}
    return names | {fold_text(n.removesuffix(" (not scored)")): i
                    for n, i in zip(main["name_en"], main["indicator"])}


def _whole_number(text: str, file: str, row: int, column: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise DataError(file, "not a whole number", row, column, text)
    return int(text)


def clean(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Build ``dti_frameworks`` (columns in the module docstring).

    Raises :class:`lib.data.io.DataError` naming the file, row and column of an unreadable count,
    an unknown ``scored`` value, a framework missing from ``dti_framework_years.csv``, or main
    indicators whose maximum points do not add up to the framework's total.
    """
    file = RAW_FILES[0]
    table = raw[file]
    years = pd.read_csv(REFERENCE_DIR / YEARS_FILE, dtype=str).set_index("framework_id")
    ids = _main_indicator_ids()
    records = []
    for row in table.to_dict("records"):
        line = row[RAW_ROW]
        if row["framework_id"] not in years.index:
            raise DataError(file, f"framework not listed in lib/data/reference/{YEARS_FILE}", line,
                            "framework_id", row["framework_id"],
                            hint="add its first reference year and methodology there")
        try:
            points = parse_number(row["max_points"]) if row["max_points"] else None
        except ParseError:
            points = None  # e.g. "400 / 300 / 300": kept in max_points_text only
        scored = fold_text(row["scored"]).split(" ")[0]
        if scored not in ("yes", "no", ""):
            raise DataError(file, "scored must start with yes or no", line, "scored", row["scored"])
        indicator = ids.get(fold_text(row["indicator_vi"]), "")
        level = ("main_indicator" if indicator
                 else "group" if row["indicator_vi"] == "(group total)"
                 else "total" if row["group"].upper() == "TOTAL" else "")
        meta = years.loc[row["framework_id"]]
        records.append({
            "framework_id": row["framework_id"], "framework": row["framework"],
            "level": row["level"], "group": row["group"], "indicator_vi": row["indicator_vi"],
            "indicator_en": row["indicator_en"], "indicator": indicator, "indicator_level": level,
            "n_main_indicators": _whole_number(row["n_main_indicators"], file, line,
                                               "n_main_indicators"),
            "n_component_indicators": _whole_number(row["n_component_indicators"], file, line,
                                                    "n_component_indicators"),
            "max_points": points, "max_points_text": row["max_points"],
            "scored": {"yes": True, "no": False}.get(scored),
            "index_name": meta["index_name"],
            "first_reference_year": int(meta["first_reference_year"]),
            "methodology_id": meta["methodology_id"],
            "value_status": row["value_status"] or "reported", "formula": row["formula"],
            "conflict_ids": row["conflict_id"], "raw_file": file, RAW_ROW: line,
        })
    frameworks = pd.DataFrame.from_records(records, index=table.index)
    kinds = _conflict_kinds()
    frameworks["conflict_status"] = frameworks["conflict_ids"].map(
        lambda s: conflict_status(s, kinds))
    frameworks["source_ids"] = row_source_ids(table)
    frameworks["source_type"] = best_source_type(table)
    frameworks["note"] = table["note"]
    frameworks = _set_dtypes(frameworks)
    _check_points_add_up(frameworks, file)
    return frameworks


def _set_dtypes(frameworks: pd.DataFrame) -> pd.DataFrame:
    """Cast to the schema's dtypes and order the columns (also used by :mod:`lib.build.synthetic`)."""
    frameworks = frameworks.copy()
    for column in ("n_main_indicators", "n_component_indicators", "first_reference_year"):
        frameworks[column] = frameworks[column].astype("Int64")
    frameworks["max_points"] = pd.to_numeric(frameworks["max_points"]).astype("float64")
    frameworks["scored"] = frameworks["scored"].astype("boolean")
    frameworks[RAW_ROW] = frameworks[RAW_ROW].astype("int64")
    typed = {"n_main_indicators", "n_component_indicators", "first_reference_year", "max_points",
             "scored", RAW_ROW}
    text = [c for c in schema().columns if c not in typed]
    frameworks[text] = frameworks[text].astype(str)
    return frameworks[list(schema().columns)].reset_index(drop=True)


def methodology_of(frameworks: pd.DataFrame, framework_id: str) -> str:
    """The ``methodology_id`` of a framework (``""`` when the framework is unknown)."""
    found = frameworks.loc[frameworks["framework_id"] == framework_id, "methodology_id"]
    return str(found.iloc[0]) if len(found) else ""


def main_indicator_points(frameworks: pd.DataFrame, framework_id: str) -> pd.Series:
    """Maximum points of each scored main indicator under a framework's methodology.

    Parameters
    ----------
    frameworks
        The ``dti_frameworks`` table.
    framework_id
        A framework or an edition; an edition takes the points of its ``methodology_id``.

    Returns
    -------
    Series
        float64 points indexed by main-indicator id (``indicator``), in the raw file's order;
        empty when the methodology's main-indicator points are not recorded. Unscored main
        indicators (smart city, 0 points) are left out.
    """
    methodology = methodology_of(frameworks, framework_id)
    rows = frameworks[(frameworks["framework_id"] == methodology)
                      & (frameworks["indicator_level"] == "main_indicator")
                      & frameworks["scored"].fillna(False).astype(bool)
                      & (frameworks["max_points"] > 0)]
    return pd.Series(rows["max_points"].to_numpy(dtype="float64"),
                     index=pd.Index(rows["indicator"].to_numpy(dtype=object), name="indicator"),
                     name="max_points")
