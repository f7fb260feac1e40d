"""``indicators`` and ``indicator_catalogue``: non-DTI indicators (infrastructure, online
services, cashless payments, financial inclusion…) for any administrative level.

``indicators`` — one row per published value:

- ``period`` str (as published); ``period_start_year`` / ``period_end_year`` Int64 (NA when
  undated); ``reference_year`` Int64 (set only for single-year periods); ``is_target`` bool.
- ``unit_code`` str (GSO code, ``VN`` for Vietnam, NA for a village); ``unit_name`` str;
  ``unit_level`` str (``country``, ``province``, ``district``, ``commune``, ``village``);
  ``parent_code`` str.
- ``theme`` str (``infrastructure``, ``online_services``, ``e_government``, ``cashless``,
  ``financial_inclusion``, ``digital_economy``, ``digital_society``, ``dt_programme``);
  ``indicator`` str; ``indicator_label`` str (English, as compiled).
- ``value`` float64 in ``unit`` (NaN only when ``value_status`` is ``missing`` or ``not_entered``);
  ``value_low`` / ``value_high`` float64 bounds; ``denominator`` float64 for fractions
  ("17/17"); ``value_text`` str (as published); ``unit`` str (``percent`` 0–100 of the stated
  base, ``percent_change``, ``count``, ``ratio``, ``per_100_people``, ``billion_vnd``,
  ``rank``, ``points``); ``unit_label`` str (the base as published, e.g. "% of people aged 18+").
- ``value_status``, ``formula``, ``conflict_ids``, ``conflict_status``, ``source_ids``,
  ``source_type``, ``note``, ``raw_file``, ``raw_row`` as in ``dti_scores``.

``indicator_catalogue`` — one row per indicator: ``indicator``, ``theme``, ``name_en``,
``name_vi`` (the reference catalogue's name, else the translation of ``name_en`` through
``lib/data/reference/indicator_labels.csv``; NA where neither exists), ``unit``, ``higher_is_better`` (bool),
``concept`` (indicators measuring the same thing under different definitions share it),
``population`` (the base of a share), ``definition``, ``target_indicator`` (the id of its
published target, or ``""``).

Sources: ``indicators_local.csv``, ``indicators_province.csv``, ``indicators_national.csv``
and ``lib/data/reference/indicator_catalogue.csv`` (Vietnamese names, concepts).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from lib.data.datasets.dti_scores import _conflict_kinds, conflict_status
from lib.data.io import RAW_ROW, DataError
from lib.data.parse import VALUE_STATUSES, ParseError, parse_period, parse_value
from lib.data.paths import REFERENCE_DIR
from lib.data.schemas import provenance_columns
from lib.data.sources import best_source_type, row_source_ids
from lib.data.texts import find_text

if TYPE_CHECKING:
    import pandera.pandas as pa

RAW_FILES = ("indicators_local.csv", "indicators_province.csv", "indicators_national.csv")
UNITS = ("percent", "percent_change", "count", "ratio", "per_100_people", "billion_vnd",
         "rank", "points")
_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


@lru_cache(maxsize=None)
def schema() -> pa.DataFrameSchema:
    """The pandera schema of the processed ``indicators`` table (pandera is imported on
    first use: reading and analysing the tables does not need it)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "period": pa.Column(str),
            "period_start_year": pa.Column("Int64", pa.Check.in_range(1990, 2100), nullable=True),
            "period_end_year": pa.Column("Int64", pa.Check.in_range(1990, 2100), nullable=True),
            "reference_year": pa.Column("Int64", nullable=True),
            "is_target": pa.Column(bool),
            "unit_code": pa.Column(str, pa.Check.str_matches(r"^(VN|\d{2}|\d{3}|\d{5})$"),
                                   nullable=True),
            "unit_name": pa.Column(str),
            "unit_level": pa.Column(str, pa.Check.isin(
                ["country", "province", "department", "district", "commune", "village"])),
            "parent_code": pa.Column(str),
            "theme": pa.Column(str),
            "indicator": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$")),
            "indicator_label": pa.Column(str),
            "value": pa.Column("float64", nullable=True),
            "value_low": pa.Column("float64", nullable=True),
            "value_high": pa.Column("float64", nullable=True),
            "denominator": pa.Column("float64", pa.Check.gt(0), nullable=True),
            "value_text": pa.Column(str),
            "unit": pa.Column(str, pa.Check.isin(UNITS)),
            "unit_label": pa.Column(str),
            "value_status": pa.Column(str, pa.Check.isin(VALUE_STATUSES)),
            **provenance_columns(),
        },
        checks=[
            pa.Check(lambda t: ~((t["unit"] == "percent") & t["indicator"].str.endswith("_share"))
                     | t["value"].isna() | t["value"].between(0, 100),
                     name="share_within_0_100", error="a share must be within 0–100 %"),
            pa.Check(lambda t: t["value"].isna()
                     == t["value_status"].isin(["missing", "not_entered"]),
                     name="status_matches_value",
                     error="only a 'missing' or 'not_entered' status may have an empty value"),
        ],
        strict=True,
        name="indicators",
    )


@lru_cache(maxsize=None)
def catalogue_schema() -> pa.DataFrameSchema:
    """The pandera schema of the processed ``indicator_catalogue`` table (pandera is imported on
    first use: reading and analysing the tables does not need it)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "indicator": pa.Column(str, unique=True),
            "theme": pa.Column(str),
            "name_en": pa.Column(str),
            "name_vi": pa.Column(str, nullable=True),
            "unit": pa.Column(str, pa.Check.isin(UNITS)),
            "higher_is_better": pa.Column(bool),
            "concept": pa.Column(str),
            "population": pa.Column(str),
            "definition": pa.Column(str),
            "target_indicator": pa.Column(str),
        },
        strict=True,
        name="indicator_catalogue",
    )


def normalize_unit(label: str, value: float | None) -> tuple[str, float | None]:
    """Map a published unit label to a unit code and scale the value to it.

    ``"% of households"`` → ``percent``; ``"% change on 2022"`` → ``percent_change``;
    ``"million subscribers"`` with 1.3 → (``count``, 1,300,000); ``"billion VND"`` →
    ``billion_vnd`` (not multiplied); ``"per 100 people"`` → ``per_100_people``;
    ``"rank among 63 provinces"`` → ``rank``; fractions' labels (``"targets achieved / targets
    set"``) → ``ratio``. Anything else is a count.
    """
    low = label.lower()
    if low.startswith("%"):
        return ("percent_change" if "change" in low else "percent"), value
    if "billion vnd" in low:
        return "billion_vnd", value
    if "per 100" in low:
        return "per_100_people", value
    if low.startswith("rank"):
        return "rank", value
    if " / " in low:
        return "ratio", value
    first = low.split(" ", 1)[0]
    if first in _MULTIPLIERS and value is not None:
        return "count", value * _MULTIPLIERS[first]
    return "count", value


def _clean_file(raw: pd.DataFrame, file: str, kinds: dict[str, str]) -> pd.DataFrame:
    records = []
    for row in raw.to_dict("records"):
        line = row[RAW_ROW]
        try:
            period = parse_period(row["period"])
        except ParseError as err:
            raise DataError(file, str(err), line, "period", row["period"]) from None
        try:
            value = parse_value(row["value"], decimal=".")
        except ParseError as err:
            raise DataError(file, str(err), line, "value", row["value"]) from None
        status = row["value_status"] or value.status
        if value.status not in ("reported", "missing") and status == "reported":
            status = value.status
        if status not in VALUE_STATUSES:
            raise DataError(file, f"unknown value_status {status!r}", line, "value_status", status)
        if (value.value is None) != (status in ("missing", "not_entered")):
            raise DataError(file, f"value_status {status!r} does not match the value", line,
                            "value", row["value"])
        unit, number = normalize_unit(row["unit"], value.value)
        scale = (number / value.value) if value.value not in (None, 0) else 1.0
        is_target = period.is_target or row["indicator"].endswith("_target")
        records.append({
            "period": row["period"],
            "period_start_year": period.start_year,
            "period_end_year": period.end_year,
            "reference_year": period.reference_year,
            "is_target": is_target,
            "unit_code": row["unit_code"] or None,
            "unit_name": row["unit_name"],
            "unit_level": {"national": "country"}.get(row["unit_level"], row["unit_level"]),
            "parent_code": row["parent_code"],
            "theme": row["topic"],
            "indicator": row["indicator"],
            "indicator_label": row["indicator_label"],
            "value": number,
            "value_low": None if value.low is None else value.low * scale,
            "value_high": None if value.high is None else value.high * scale,
            "denominator": value.denominator,
            "value_text": row["value"],
            "unit": unit,
            "unit_label": row["unit"],
            "value_status": status,
            "formula": row["formula"] or value.formula,
            "conflict_ids": row["conflict_id"],
            "conflict_status": conflict_status(row["conflict_id"], kinds),
            "note": row["note"],
            "raw_file": file,
            RAW_ROW: line,
        })
    table = pd.DataFrame.from_records(records, index=raw.index)
    table["source_ids"] = row_source_ids(raw)
    table["source_type"] = best_source_type(raw)
    return table


def clean(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Build ``indicators`` from the three raw indicator files (see the module docstring).

    Raises :class:`lib.data.io.DataError` naming the file, row and column of an unreadable value,
    period or status.
    """
    kinds = _conflict_kinds()
    table = pd.concat([_clean_file(raw[f], f, kinds) for f in RAW_FILES], ignore_index=True)
    for column in ("period_start_year", "period_end_year", "reference_year"):
        table[column] = table[column].astype("Int64")
    for column in ("value", "value_low", "value_high", "denominator"):
        table[column] = pd.to_numeric(table[column]).astype("float64")
    table["is_target"] = table["is_target"].astype(bool)
    return table[list(schema().columns)]


def build_catalogue(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator of ``indicators`` (columns in the module docstring).

    English name, theme and unit come from the data; Vietnamese name, concept, population and
    direction from ``lib/data/reference/indicator_catalogue.csv`` where recorded (else the
    Vietnamese form of the English name in ``lib/data/reference/indicator_labels.csv``, NA if it has
    none — the build's text check then fails / the indicator id / ``True``).
    """
    reference = pd.read_csv(REFERENCE_DIR / "indicator_catalogue.csv", dtype=str)
    first = indicators.drop_duplicates("indicator").set_index("indicator")
    catalogue = pd.DataFrame({
        "indicator": first.index,
        "theme": first["theme"].to_numpy(),
        "name_en": first["indicator_label"].to_numpy(),
        "unit": first["unit"].to_numpy(),
        "definition": (first["indicator_label"] + " (" + first["unit_label"] + ")").to_numpy(),
    })
    catalogue = catalogue.merge(reference.drop(columns="theme"), on="indicator", how="left")
    catalogue["concept"] = catalogue["concept"].fillna(catalogue["indicator"])
    catalogue["population"] = catalogue["population"].fillna("")
    catalogue["higher_is_better"] = catalogue["higher_is_better"].fillna("true") == "true"
    known = set(catalogue["indicator"])

    def target_of(indicator: str) -> str:
        candidates = (f"{indicator}_target", f"{indicator.removesuffix('_share')}_target")
        return next((c for c in candidates if c in known and c != indicator), "")

    catalogue["target_indicator"] = catalogue["indicator"].map(target_of)
    catalogue = catalogue.astype({"name_vi": object})
    translated = catalogue["name_en"].map(lambda label: find_text("indicator_name", label, "vi"))
    catalogue["name_vi"] = catalogue["name_vi"].where(catalogue["name_vi"].notna(), translated)
    catalogue["name_vi"] = catalogue["name_vi"].where(catalogue["name_vi"].notna(), None)
    return catalogue[list(catalogue_schema().columns)]
