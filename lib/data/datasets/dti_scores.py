"""``dti_scores``: DTI scores and ranks of administrative units, one row per published figure.

Rows × columns: one row per reference year × peer group × unit × indicator × source row. A
unit-year-indicator can have several rows when several sources report it; ``preferred_score``
and ``preferred_rank`` mark the row to use (:func:`best_estimates` collapses them).

- ``reference_year`` int64; ``unit_code`` str (GSO); ``unit_name`` str (NFC, as published);
  ``unit_level`` str (``province``, ``district``, ``commune``); ``parent_code`` str.
- ``peer_group`` str: the set the unit is ranked in (``districts_of_26``, ``province_63``,
  ``province_34``, ``communes_of_25``).
- ``indicator`` str (``dti_total``, ``pillar_*``, a main indicator, ``group_rank_*``);
  ``indicator_level`` str (``total``, ``pillar``, ``main_indicator``, ``group``).
- ``score`` float64 in the source's scale; NaN when not published (see ``value_status``);
  ``score_low`` / ``score_high`` float64 bounds where the source gives them ("just under 559"
  → high 559); ``score_max`` float64 (1000 for a points total, 1 for the 0–1 index, a main
  indicator's maximum points in staff workbooks, NaN if not stated);
  ``scale`` str (``points`` = points out of 1,000; ``0-1`` = index, points ÷ 1,000);
  ``pct_of_max`` float64, 0–100.
- ``value_status`` str (``reported``, ``approximate``, ``lower_bound``, ``range``,
  ``rank_only``, ``derived``, ``missing`` = a known gap in the public record,
  ``not_entered`` = published by the cited source but not entered in this data set; the
  source ids name the source that has it); ``formula`` str for derived values.
- ``rank`` Int64 (1 = best, NA unless exact); ``rank_low`` / ``rank_high`` Int64 (a range such as
  "bottom 3"); ``rank_of`` Int64 (number of units ranked); ``rank_status`` str; ``rank_text``
  str (as printed); ``rank_tied`` bool (another unit has the same rank).
- ``conflict_ids`` str (``;``-joined, see ``lib/data/reference/conflicts.csv``); ``conflict_status``
  str: ``conflicting`` (part of a flagged conflict), ``caveat`` or ``""``. Both sides of a
  conflict are kept; nothing is silently picked.
- ``framework_id`` str; ``source_ids`` str; ``source_type`` str (most trusted cited);
  ``note`` str; ``raw_file`` str; ``raw_row`` int64.

Sources: ``dti_district_vinhphuc.csv`` (Vĩnh Phúc districts 2022–2024),
``dti_provincial_vietnam.csv`` (national ranking 2020–2024), ``dti_phutho_2025_selected.csv``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from lib.data.io import RAW_ROW, DataError
from lib.data.parse import EMPTY_STATUSES, VALUE_STATUSES, ParseError, parse_rank, parse_value
from lib.data.paths import REFERENCE_DIR
from lib.data.schemas import provenance_columns
from lib.data.sources import SOURCE_TYPES, best_source_type, row_source_ids

if TYPE_CHECKING:
    import pandera.pandas as pa

RAW_FILES = ("dti_district_vinhphuc.csv", "dti_provincial_vietnam.csv",
             "dti_phutho_2025_selected.csv")
SCALES = {"points": 1000.0, "0-1": 1.0}
RANK_STATUSES = ("reported", "derived", "range", "missing")
_JUST_UNDER = re.compile(r"just under|gần \d", re.IGNORECASE)
KEY = ["reference_year", "peer_group", "unit_code", "indicator"]


@lru_cache(maxsize=None)
def schema() -> pa.DataFrameSchema:
    """The pandera schema of the processed ``dti_scores`` table (pandera is imported on
    first use: reading and analysing the tables does not need it)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "reference_year": pa.Column("int64", pa.Check.in_range(2015, 2100)),
            "unit_code": pa.Column(str, pa.Check.str_matches(r"^\d{2,5}$")),
            "unit_name": pa.Column(str, pa.Check.str_length(min_value=1)),
            "unit_level": pa.Column(str, pa.Check.isin(["province", "district", "commune"])),
            "parent_code": pa.Column(str),
            "peer_group": pa.Column(str),
            "indicator": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$")),
            "indicator_level": pa.Column(str, pa.Check.isin(
                ["total", "pillar", "main_indicator", "group"])),
            "score": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "score_low": pa.Column("float64", nullable=True),
            "score_high": pa.Column("float64", nullable=True),
            "score_max": pa.Column("float64", pa.Check.gt(0), nullable=True),
            "scale": pa.Column(str, pa.Check.isin(list(SCALES))),
            "pct_of_max": pa.Column("float64", pa.Check.in_range(0, 100), nullable=True),
            "value_status": pa.Column(str, pa.Check.isin(VALUE_STATUSES)),
            "rank": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "rank_low": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "rank_high": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "rank_of": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "rank_status": pa.Column(str, pa.Check.isin(RANK_STATUSES)),
            "rank_text": pa.Column(str),
            "rank_tied": pa.Column(bool),
            "framework_id": pa.Column(str),
            "preferred_score": pa.Column(bool),
            "preferred_rank": pa.Column(bool),
            **provenance_columns(),
        },
        checks=[
            pa.Check(lambda t: t["score"].isna() | t["score_max"].isna()
                     | (t["score"] <= t["score_max"]), name="score_within_maximum",
                     error="score exceeds the scale's maximum"),
            pa.Check(lambda t: t["rank"].isna() | t["rank_of"].isna()
                     | (t["rank"] <= t["rank_of"]), name="rank_within_rank_of",
                     error="rank is larger than the number ranked"),
            pa.Check(lambda t: t["score"].isna()
                     == t["value_status"].isin(list(EMPTY_STATUSES)),
                     name="status_matches_value",
                     error="a missing/rank_only/not_entered status needs an empty score, "
                           "other statuses a score"),
        ],
        strict=True,
        name="dti_scores",
    )


def indicator_level(indicator: str) -> str:
    """``dti_total`` → total; ``pillar_*`` → pillar; ``group_rank_*`` → group;
    else main_indicator."""
    if indicator == "dti_total":
        return "total"
    if indicator.startswith("pillar_"):
        return "pillar"
    if indicator.startswith("group_rank_"):
        return "group"
    return "main_indicator"


def _conflict_kinds() -> dict[str, str]:
    table = pd.read_csv(REFERENCE_DIR / "conflicts.csv", dtype=str)
    return dict(zip(table["conflict_id"], table["kind"]))


def conflict_status(ids: str, kinds: dict[str, str]) -> str:
    """``conflicting`` if any id is a conflict, ``caveat`` if only caveats, else ``""``."""
    found = {kinds.get(i.strip(), "conflict") for i in ids.split(";") if i.strip()}
    return "conflicting" if "conflict" in found else "caveat" if found else ""


def _parse_cells(raw: pd.DataFrame, file: str, value_col: str, scale: pd.Series) -> pd.DataFrame:
    """Parse value and rank cells row by row; errors name the file, row and column."""
    records = []
    for row, scale_name in zip(raw.itertuples(index=False), scale):
        row = row._asdict()
        line = row[RAW_ROW]
        text = row[value_col]
        try:
            value = parse_value(text, decimal=".")
        except ParseError as err:
            raise DataError(file, str(err), line, value_col, text) from None
        status = row["value_status"] or value.status
        if value.status not in ("reported", "missing") and status == "reported":
            status = value.status  # the cell itself says "about", "more than"…
        if status not in VALUE_STATUSES:
            raise DataError(file, f"unknown value_status {status!r}", line, "value_status", status,
                            hint="one of " + ", ".join(VALUE_STATUSES))
        rank_of_text = row.get("rank_of", "")
        try:
            rank_of = int(rank_of_text) if rank_of_text else None
        except ValueError:
            raise DataError(file, "rank_of is not a whole number", line, "rank_of",
                            rank_of_text) from None
        try:
            rank = parse_rank(row.get("rank", ""), rank_of)
        except ParseError as err:
            raise DataError(file, str(err), line, "rank", row.get("rank")) from None
        rank_status = row.get("rank_status") or ("missing" if rank.status == "missing"
                                                 else "range" if rank.status == "range"
                                                 else "derived" if status == "derived"
                                                 and not row.get("score") else "reported")
        if rank.status == "range":
            rank_status = "range"
        if value.value is None and status not in EMPTY_STATUSES:
            # in the provincial file a row's status describes its rank when no score is given
            rank_status = status if status in RANK_STATUSES else rank_status
            status = "missing" if rank.status == "missing" else "rank_only"
        high = value.high
        if status == "approximate" and high is None and _JUST_UNDER.search(row.get("note", "")):
            high = value.value  # the note quotes "just under N" / "gần N": N is an upper bound
        records.append({
            "score": value.value, "score_low": value.low, "score_high": high,
            "value_status": status, "rank": rank.rank, "rank_low": rank.low,
            "rank_high": rank.high, "rank_of": rank_of, "rank_status": rank_status,
            "rank_text": rank.text, "scale": scale_name,
        })
    return pd.DataFrame.from_records(records, index=raw.index)


def _common(raw: pd.DataFrame, file: str, parsed: pd.DataFrame, **columns) -> pd.DataFrame:
    kinds = _conflict_kinds()
    table = pd.DataFrame({**columns}, index=raw.index)
    table = table.join(parsed)
    table["indicator"] = raw["indicator"]
    table["indicator_level"] = raw["indicator"].map(indicator_level)
    table["formula"] = raw.get("formula", "")
    table["conflict_ids"] = raw.get("conflict_id", "")
    table["conflict_status"] = table["conflict_ids"].map(lambda s: conflict_status(s, kinds))
    table["framework_id"] = raw["framework_id"]
    table["source_ids"] = row_source_ids(raw)
    table["source_type"] = best_source_type(raw)
    table["note"] = raw["note"]
    table["raw_file"] = file
    table[RAW_ROW] = raw[RAW_ROW]
    return table


@lru_cache(maxsize=1)
def covered_years() -> range:
    """Reference years a DTI framework covers: from the first to the last
    ``first_reference_year`` of the DTI frameworks in ``lib/data/reference/dti_framework_years.csv``
    (other indices excluded). The one rule for years in ``validate``, ``make data`` and
    ``template``."""
    years = pd.read_csv(REFERENCE_DIR / "dti_framework_years.csv",
                        dtype={"first_reference_year": int})
    first = years.loc[years["index_name"] == "dti", "first_reference_year"]
    return range(int(first.min()), int(first.max()) + 1)


def year_problem(year: object) -> str | None:
    """``None`` when ``year`` is a reference year a DTI framework covers, else the message
    ("reference year 2019 is not covered by any DTI framework: the frameworks cover
    2020–2025")."""
    covered = covered_years()
    if isinstance(year, (int, float)) and not isinstance(year, bool) and year in covered:
        return None
    return (f"reference year {year} is not covered by any DTI framework: the frameworks cover "
            f"{covered.start}–{covered.stop - 1}")


def _districts(raw: pd.DataFrame) -> pd.DataFrame:
    file = RAW_FILES[0]
    parsed = _parse_cells(raw, file, "score", pd.Series("points", index=raw.index))
    return _common(raw, file, parsed,
                   reference_year=raw["reference_year"], unit_code=raw["unit_code"],
                   unit_name=raw["unit_name"], unit_level=raw["unit_level"],
                   parent_code=raw["parent_code"],
                   peer_group="districts_of_" + raw["parent_code"])


def _provinces(raw: pd.DataFrame) -> pd.DataFrame:
    file = RAW_FILES[1]
    bad = ~raw["scale"].isin(list(SCALES))
    if bad.any():
        i = bad.idxmax()
        raise DataError(file, "unknown scale", raw.at[i, RAW_ROW], "scale", raw.at[i, "scale"])
    parsed = _parse_cells(raw, file, "value", raw["scale"])
    return _common(raw, file, parsed,
                   reference_year=raw["reference_year"], unit_code=raw["province_code"],
                   unit_name=raw["province_name"], unit_level="province", parent_code="VN",
                   peer_group=raw["ranking_group"])


def _communes(raw: pd.DataFrame) -> pd.DataFrame:
    file = RAW_FILES[2]
    raw = raw[raw["unit_code"] != ""]  # departments have no GSO code (kept in the raw file)
    parsed = _parse_cells(raw, file, "score", pd.Series("points", index=raw.index))
    return _common(raw, file, parsed,
                   reference_year=raw["reference_year"], unit_code=raw["unit_code"],
                   unit_name=raw["unit_name"], unit_level=raw["unit_level"],
                   parent_code=raw["province_code"],
                   peer_group=raw["unit_level"] + "s_of_" + raw["province_code"])


def _mark_preferred(scores: pd.DataFrame) -> pd.DataFrame:
    trust = scores["source_type"].map(
        lambda t: SOURCE_TYPES.index(t) if t in SOURCE_TYPES else len(SOURCE_TYPES))
    scores = scores.assign(_trust=trust, _no_score=scores["score"].isna(),
                           _no_rank=scores["rank_low"].isna())
    for flag, first in (("preferred_score", "_no_score"), ("preferred_rank", "_no_rank")):
        order = scores.sort_values([first, "_trust", RAW_ROW])
        best = order.groupby(KEY, sort=False).head(1).index
        scores[flag] = scores.index.isin(best)
    return scores.drop(columns=["_trust", "_no_score", "_no_rank"])


def _mark_ties(scores: pd.DataFrame) -> pd.Series:
    exact = scores["preferred_rank"] & scores["rank"].notna()
    counts = scores[exact].groupby(["reference_year", "peer_group", "indicator", "rank"])[
        "unit_code"].transform("nunique")
    return (counts > 1).reindex(scores.index, fill_value=False).astype(bool)


def clean(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Build ``dti_scores`` from the raw DTI files (see the module docstring for columns).

    Raises :class:`lib.data.io.DataError` naming the file, row and column of an unreadable value.
    """
    scores = pd.concat([_districts(raw[RAW_FILES[0]]), _provinces(raw[RAW_FILES[1]]),
                        _communes(raw[RAW_FILES[2]])], ignore_index=True)
    try:
        scores["reference_year"] = scores["reference_year"].astype("int64")
    except ValueError as err:
        raise DataError("dti raw files", f"reference_year is not a year: {err}") from None
    for year, row in scores.drop_duplicates("reference_year").set_index("reference_year")[
            ["raw_file", RAW_ROW]].iterrows():
        if problem := year_problem(int(year)):
            raise DataError(row["raw_file"], problem, int(row[RAW_ROW]), "reference_year", year)
    scale_max = scores["scale"].map(SCALES)
    # the points maximum is 1,000 only where the source states it (Phú Thọ 2025 does not)
    stated = (scores["raw_file"] != RAW_FILES[2]) | (scores["scale"] != "points")
    scores["score_max"] = scale_max.where(stated).astype("float64")
    for column in ("score", "score_low", "score_high"):
        scores[column] = pd.to_numeric(scores[column]).astype("float64")
    scores["pct_of_max"] = 100 * scores["score"] / scores["score_max"]
    for column in ("rank", "rank_low", "rank_high", "rank_of"):
        scores[column] = scores[column].astype("Int64")
    scores = _mark_preferred(scores)
    scores["rank_tied"] = _mark_ties(scores)
    columns = list(schema().columns)
    return scores[columns].sort_values(KEY + [RAW_ROW], ignore_index=True)


def add_rows(scores: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Add rows built elsewhere (staff workbooks, :func:`lib.staff.ingest.to_dti_scores`) to a
    cleaned ``dti_scores`` table and recompute ``preferred_*`` and ``rank_tied`` over all rows.

    Both inputs and the output have the ``dti_scores`` columns.
    """
    if extra.empty:
        return scores
    combined = pd.concat([scores, extra[scores.columns]], ignore_index=True)
    combined = _mark_preferred(combined)
    combined["rank_tied"] = _mark_ties(combined)
    return combined.sort_values(KEY + ["raw_file", RAW_ROW], ignore_index=True)


def best_estimates(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per reference year × peer group × unit × indicator.

    Takes the score columns from the ``preferred_score`` row and the rank columns from the
    ``preferred_rank`` row; ``source_ids`` and ``conflict_ids`` join those of both rows.
    Input and output have the ``dti_scores`` columns (minus ``raw_row``/``raw_file``, which
    refer to the score row and are kept).
    """
    rank_cols = ["rank", "rank_low", "rank_high", "rank_of", "rank_status", "rank_text",
                 "rank_tied"]
    by_score = scores[scores["preferred_score"]].set_index(KEY)
    by_rank = scores[scores["preferred_rank"]].set_index(KEY)
    best = by_score.copy()
    best[rank_cols] = by_rank[rank_cols]
    for column in ("source_ids", "conflict_ids"):
        both = by_score[column].str.cat(by_rank[column], sep=";")
        best[column] = both.map(lambda s: ";".join(dict.fromkeys(x for x in s.split(";") if x)))
    kinds = _conflict_kinds()
    best["conflict_status"] = best["conflict_ids"].map(lambda s: conflict_status(s, kinds))
    return best.reset_index()


def usable_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """``dti_scores`` for analysis: a derived score that is part of a flagged conflict is
    blanked (``score``, ``score_low``/``score_high``, ``pct_of_max`` NaN) so no chart, median
    or change uses it; its rank, status, formula and conflict flags are kept.

    Example: Lập Thạch 2022, 582.413 = 744.213 − 161.8, conflicts with its reported 5th place
    (C1); reports use the rank and never that score.
    """
    blocked = (scores["value_status"] == "derived") & (scores["conflict_status"] == "conflicting")
    out = scores.copy()
    out.loc[blocked, ["score", "score_low", "score_high", "pct_of_max"]] = float("nan")
    return out
