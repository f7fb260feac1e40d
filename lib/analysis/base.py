"""Shared pieces of the analyses: :class:`Result`, :class:`Reason`, selection helpers and framework breaks.

See :mod:`lib.analysis.core` for the convention every analysis follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from lib.data.datasets.dti_scores import KEY, best_estimates
from lib.data.paths import REFERENCE_DIR


TOTAL = "dti_total"
# EGDI-style level groups on % of max: (label, lower bound inclusive), highest first
LEVEL_BANDS = (("very high", 75.0), ("high", 50.0), ("middle", 25.0), ("low", 0.0))
NORMALISATIONS = ("official", "minmax", "zscore")
AGGREGATIONS = ("arithmetic", "geometric")
TARGET_THEMES = ("infrastructure", "cashless", "financial_inclusion")
_SCORE_COLUMNS = ("reference_year", "peer_group", "unit_code", "unit_name", "unit_level",
                  "indicator", "indicator_level", "score", "scale", "score_max", "pct_of_max",
                  "value_status", "rank", "rank_of", "rank_tied", "framework_id", "conflict_ids")
GEOMETRIC_FLOOR = 0.01  # geometric means need positive values: fractions are floored at 1 %


@dataclass(frozen=True, eq=False)
class Result:
    """What every analysis returns (see the module docstring for the convention).

    ``table`` DataFrame; ``reason`` a :class:`Reason` (``None`` = the analysis ran); ``notes``
    tuple of :class:`Reason`; ``summary`` dict of scalar statistics.
    """

    table: pd.DataFrame
    reason: "Reason | None" = None
    notes: tuple["Reason", ...] = ()
    summary: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the analysis ran (``reason`` is None)."""
        return self.reason is None


@dataclass(frozen=True)
class Reason:
    """A fact about the data behind a result: why an analysis did not run, or how it ran.

    ``code`` names the fact (``too_few_complete_units``); ``params`` holds its values (counts,
    years, peer-group ids, unit codes, nested reasons) — never prose. The presentation turns it
    into a sentence in the report's language (message ``analysis.<code>``).
    """

    code: str
    params: dict = field(default_factory=dict, hash=False)


def why(code: str, **params) -> Reason:
    """Shorthand for ``Reason(code, params)``."""
    return Reason(code, params)


class Comparability(NamedTuple):
    """Whether two indicators can be compared, and the :class:`Reason` when they cannot."""

    comparable: bool
    explanation: "Reason | None"




def typed_frame(frame: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
    """Columns in ``columns`` order with their dtypes (an empty frame when ``frame`` is None)."""
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    out = {}
    for column, dtype in columns.items():
        values = frame[column]
        if dtype == "str":
            values = values.astype(object).where(values.notna(), "")
        out[column] = values.astype(dtype)
    return pd.DataFrame(out).reset_index(drop=True)


def empty_result(columns: dict[str, str], reason: Reason, notes: tuple[Reason, ...] = ()) -> Result:
    return Result(typed_frame(None, columns), reason, notes)


def change_arrow(change: object) -> str:
    """Rank change (positive = moved up) → "▲4", "▼2", "=" or "" (missing)."""
    if change is None or pd.isna(change):
        return ""
    change = int(change)
    return f"▲{change}" if change > 0 else f"▼{-change}" if change < 0 else "="


def require_columns(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")


@lru_cache(maxsize=1)
def _indicator_names() -> dict[str, str]:
    """DTI indicator id → English name, in framework order (``reference/dti_indicators.csv``)."""
    reference = pd.read_csv(REFERENCE_DIR / "dti_indicators.csv", dtype=str)
    return dict(zip(reference["indicator"], reference["name_en"]))


def framework_order(indicators) -> list[str]:
    """Indicator ids in framework order (awareness … digital society), unknown ids last."""
    known = list(_indicator_names())
    return sorted(dict.fromkeys(indicators),
                  key=lambda i: (known.index(i) if i in known else len(known), i))


def name_indicator(indicator: str) -> str:
    """English name of a DTI indicator id (``dti_total`` → "DTI total"); the id if unknown."""
    return _indicator_names().get(indicator, indicator)



def select_rows(scores: pd.DataFrame, peer_group: str, years=None, indicators=None,
            levels=None) -> pd.DataFrame:
    """Rows of one peer group, one row per year × unit × indicator (best estimate)."""
    require_columns(scores, _SCORE_COLUMNS, "dti_scores")
    rows = scores[scores["peer_group"] == peer_group]
    if years is not None:
        rows = rows[rows["reference_year"].isin(list(years))]
    if indicators is not None:
        rows = rows[rows["indicator"].isin(list(indicators))]
    if levels is not None:
        rows = rows[rows["indicator_level"].isin(list(levels))]
    if rows.duplicated(KEY).any():
        if not {"preferred_score", "preferred_rank"} <= set(rows.columns):
            raise ValueError("dti_scores has several rows per year × peer group × unit × "
                             "indicator but no preferred_score / preferred_rank flags")
        rows = best_estimates(rows)
    return rows.reset_index(drop=True)


def _unit_level(scores: pd.DataFrame, peer_group: str) -> str:
    levels = scores.loc[scores["peer_group"] == peer_group, "unit_level"]
    return str(levels.iloc[0]) if len(levels) else ""


def total_points_of(rows: pd.DataFrame) -> pd.Series:
    """``dti_total`` rows → points out of 1,000 (a 0–1 index × 1,000)."""
    return pd.Series(np.where(rows["scale"] == "points", rows["score"], rows["score"] * 1000.0),
                     index=rows.index, dtype="float64")


def year_framework(rows: pd.DataFrame) -> str:
    """The most common non-empty framework_id of a set of rows (``""`` if none)."""
    ids = rows.loc[rows["framework_id"] != "", "framework_id"]
    return str(ids.mode().iloc[0]) if len(ids) else ""


def main_matrix(scores: pd.DataFrame, peer_group: str, year: int) -> tuple[pd.DataFrame,
                                                                            pd.DataFrame]:
    """(% of max matrix units × main indicators, main-indicator rows) for one year."""
    rows = select_rows(scores, peer_group, [year], levels=["main_indicator"])
    order = framework_order(rows["indicator"])
    pct = rows.pivot_table(index="unit_code", columns="indicator", values="pct_of_max",
                           aggfunc="first", dropna=False)
    return pct.reindex(columns=order), rows


def list_framework_breaks(frameworks: pd.DataFrame, year_a: int, year_b: int,
                          unit_level: str) -> Result:
    """Framework breaks between two reference years for one unit level.

    Parameters
    ----------
    frameworks
        The ``dti_frameworks`` table.
    year_a, year_b
        Reference years (either order). A break in year *y* lies between them when
        ``min < y <= max``: comparing 2022 with 2023 crosses a break that starts in 2023.
    unit_level
        ``province``, ``district``, ``department`` or ``commune`` (matched against the
        ``;``-joined ``level`` of each framework).

    Returns
    -------
    Result
        ``table``: ``break_year`` Int64, ``framework_id`` str (the framework that starts the new
        methodology), ``framework`` str, ``level`` str; one row per break, in year order. An empty
        table with an empty ``reason`` means no break. ``reason`` is set when no DTI framework
        is recorded for the level.

    Notes
    -----
    A break is the ``first_reference_year`` of a DTI framework that starts its own methodology
    (``methodology_id == framework_id``); editions that keep a methodology are not breaks.
    Other indices (DII, the ICT/e-government ranking) are ignored. The years and their basis
    are in ``lib/data/reference/dti_framework_years.csv``: provinces 2020 (QĐ 1726), 2021 (the
    total of 9 main indicators instead of 3 pillars), 2022 (QĐ 922), 2025 (QĐ 405); districts
    2022 (QĐ 2074) and 2023 (caveat C8).
    """
    columns = {"break_year": "Int64", "framework_id": "str", "framework": "str", "level": "str"}
    lo, hi = sorted((int(year_a), int(year_b)))
    starts = frameworks[(frameworks["framework_id"] == frameworks["methodology_id"])
                        & (frameworks["index_name"] == "dti")].drop_duplicates("framework_id")
    starts = starts[starts["level"].map(lambda s: unit_level in s.split(";"))]
    if starts.empty:
        return empty_result(columns, why("no_framework_for_level", level=unit_level))
    hits = starts[(starts["first_reference_year"] > lo) & (starts["first_reference_year"] <= hi)]
    hits = hits.assign(break_year=hits["first_reference_year"]).sort_values("break_year")
    return Result(typed_frame(hits, columns))


def breaks_between(scores: pd.DataFrame, frameworks: pd.DataFrame | None, peer_group: str,
            year_a: int, year_b: int) -> list[int]:
    """Break years between two years; without frameworks, any change of framework_id counts."""
    if frameworks is not None:
        found = list_framework_breaks(frameworks, year_a, year_b, _unit_level(scores, peer_group))
        return [int(y) for y in found.table["break_year"]]
    rows = scores[(scores["peer_group"] == peer_group) & (scores["framework_id"] != "")]
    lo, hi = sorted((year_a, year_b))
    by_year = rows[rows["reference_year"].between(lo, hi)].groupby("reference_year")[
        "framework_id"].agg(frozenset)
    return [int(y) for y, before, now in zip(by_year.index[1:], by_year.iloc[:-1],
                                             by_year.iloc[1:]) if now != before]


def break_note(breaks: list[int], year_a: int, year_b: int) -> tuple[Reason, ...]:
    if not breaks:
        return ()
    return (why("framework_break_pct", year_a=year_a, year_b=year_b, breaks=list(breaks)),)
