"""Analyses of DTI scores and related indicators: pure functions on the processed tables.

Inputs are the processed tables as :func:`lib.data.load.load_table` returns them (``dti_scores``,
``dti_frameworks``, ``indicators``, ``indicator_catalogue``) or as :mod:`lib.build.synthetic` builds
them. Nothing is read from disk except the small reference table of indicator names.

Convention
----------
Every analysis returns a :class:`Result`:

- ``table``: a DataFrame with the columns listed in the function's docstring (same columns and
  dtypes when empty);
- ``reason``: ``None`` when the analysis ran; otherwise a :class:`Reason` (a code and its
  parameters, e.g. ``too_few_complete_units``, count=1, needed=2) saying why the data do not
  allow it, and ``table`` is empty. ``Result.ok`` is ``reason is None``. Analyses return facts,
  never prose: the presentation words each code in the report's language;
- ``notes``: :class:`Reason` caveats a reader must see even when the analysis ran (framework
  breaks, units left out, conflicts);
- ``summary``: the analysis' scalar statistics (τ, p-values, slopes), ``{}`` when none.

Missing data never raise: sparse data give an empty ``table`` and a ``reason``. Exceptions are
kept for programming errors: ``ValueError`` for a missing input column or an unknown option.

Terms: a *peer group* is the set of units ranked together (``dti_scores.peer_group``, e.g.
``districts_of_26``); *% of max* is points achieved ÷ maximum points × 100; a *framework
break* is a reference year from which a new DTI methodology applies
(:func:`list_framework_breaks`). Comparisons across a break use % of max, never raw points.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import cdist

from lib.data.datasets.dti_frameworks import main_indicator_points, methodology_of
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
_GEOMETRIC_FLOOR = 0.01  # geometric means need positive values: fractions are floored at 1 %


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


# ----------------------------------------------------------------------------- helpers


def _typed(frame: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
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


def _empty(columns: dict[str, str], reason: Reason, notes: tuple[Reason, ...] = ()) -> Result:
    return Result(_typed(None, columns), reason, notes)


def change_arrow(change: object) -> str:
    """Rank change (positive = moved up) → "▲4", "▼2", "=" or "" (missing)."""
    if change is None or pd.isna(change):
        return ""
    change = int(change)
    return f"▲{change}" if change > 0 else f"▼{-change}" if change < 0 else "="


def _require(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")


@lru_cache(maxsize=1)
def _indicator_names() -> dict[str, str]:
    """DTI indicator id → English name, in framework order (``reference/dti_indicators.csv``)."""
    reference = pd.read_csv(REFERENCE_DIR / "dti_indicators.csv", dtype=str)
    return dict(zip(reference["indicator"], reference["name_en"]))


def _framework_order(indicators) -> list[str]:
    """Indicator ids in framework order (awareness … digital society), unknown ids last."""
    known = list(_indicator_names())
    return sorted(dict.fromkeys(indicators),
                  key=lambda i: (known.index(i) if i in known else len(known), i))


def name_indicator(indicator: str) -> str:
    """English name of a DTI indicator id (``dti_total`` → "DTI total"); the id if unknown."""
    return _indicator_names().get(indicator, indicator)



def _select(scores: pd.DataFrame, peer_group: str, years=None, indicators=None,
            levels=None) -> pd.DataFrame:
    """Rows of one peer group, one row per year × unit × indicator (best estimate)."""
    _require(scores, _SCORE_COLUMNS, "dti_scores")
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


def _total_points(rows: pd.DataFrame) -> pd.Series:
    """``dti_total`` rows → points out of 1,000 (a 0–1 index × 1,000)."""
    return pd.Series(np.where(rows["scale"] == "points", rows["score"], rows["score"] * 1000.0),
                     index=rows.index, dtype="float64")


def _year_framework(rows: pd.DataFrame) -> str:
    """The most common non-empty framework_id of a set of rows (``""`` if none)."""
    ids = rows.loc[rows["framework_id"] != "", "framework_id"]
    return str(ids.mode().iloc[0]) if len(ids) else ""


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
        return _empty(columns, why("no_framework_for_level", level=unit_level))
    hits = starts[(starts["first_reference_year"] > lo) & (starts["first_reference_year"] <= hi)]
    hits = hits.assign(break_year=hits["first_reference_year"]).sort_values("break_year")
    return Result(_typed(hits, columns))


def _breaks(scores: pd.DataFrame, frameworks: pd.DataFrame | None, peer_group: str,
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


def _break_note(breaks: list[int], year_a: int, year_b: int) -> tuple[Reason, ...]:
    if not breaks:
        return ()
    return (why("framework_break_pct", year_a=year_a, year_b=year_b, breaks=list(breaks)),)


# ----------------------------------------------------------------------------- ranks

RANK_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "unit_name": "str", "indicator": "str",
    "score": "float64", "scale": "str", "points": "float64", "pct_of_max": "float64",
    "value_status": "str", "rank": "Int64", "rank_of": "Int64", "rank_basis": "str",
    "rank_tied": "bool", "previous_rank": "Int64", "rank_change": "Int64", "rank_arrow": "str",
    "previous_pct_of_max": "float64", "pct_of_max_change": "float64", "points_change": "float64",
    "framework_id": "str", "conflict_ids": "str",
}


def _rank_year(scores: pd.DataFrame, peer_group: str, year: int,
               indicator: str) -> tuple[pd.DataFrame, Reason | None, list[Reason]]:
    """One year's rank table without the change columns, or an empty frame and a reason."""
    rows = _select(scores, peer_group, [year], [indicator])
    if rows.empty:
        return rows, why("no_rows", peer_group=peer_group, indicator=indicator, year=year), []
    has_value = rows["score"].notna() | rows["rank"].notna()
    if not has_value.any():
        return rows.iloc[0:0], why("no_score_or_rank", peer_group=peer_group, indicator=indicator,
                                   year=year, count=len(rows),
                                   statuses=sorted(set(rows["value_status"]))), []
    notes = []
    if (~has_value).any():
        notes.append(why("units_without_value", year=year, count=int((~has_value).sum()),
                         n_units=len(rows)))
    complete = rows["score"].notna().all()
    computed = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    if complete:
        # higher score = better; ties share the best rank
        computed[:] = stats.rankdata(-rows["score"].to_numpy(), method="min")
    elif rows["rank"].isna().any():
        notes.append(why("ranks_published_only", year=year, count=int(rows["score"].notna().sum()),
                         n_units=len(rows)))
    rank = rows["rank"].fillna(computed)
    basis = np.where(rows["rank"].notna(), "published",
                     np.where(computed.notna(), "computed from scores", ""))
    rank_of = rows["rank_of"].copy()
    rank_of[rank_of.isna() & computed.notna()] = len(rows)
    tied = rank.notna() & rank.duplicated(keep=False)
    points = pd.Series(np.nan, index=rows.index)
    if indicator == TOTAL:
        points = _total_points(rows)
    table = rows.assign(rank=rank, rank_of=rank_of, rank_basis=basis,
                        rank_tied=(tied | rows["rank_tied"].fillna(False)).astype(bool),
                        points=points)
    return table, None, notes


def rank_units(scores: pd.DataFrame, peer_group: str, year: int, indicator: str = TOTAL,
               previous_year: int | None = None,
               frameworks: pd.DataFrame | None = None) -> Result:
    """Rank table of a peer group for one year, with the rank shift since a previous year.

    Parameters
    ----------
    scores
        The ``dti_scores`` table (several source rows per unit are collapsed with
        :func:`lib.data.datasets.dti_scores.best_estimates`).
    peer_group
        Units ranked together, e.g. ``districts_of_26`` or ``province_63``.
    year
        Reference year.
    indicator
        ``dti_total`` (default), a pillar or a main indicator id.
    previous_year
        Year to compare with; default ``year - 1``.
    frameworks
        The ``dti_frameworks`` table, used to detect framework breaks. Without it, any change
        of ``framework_id`` between the two years is treated as a break (conservative).

    Returns
    -------
    Result
        ``table``, one row per unit of the peer group, best rank first:

        - ``reference_year`` int64; ``unit_code``, ``unit_name``, ``indicator`` str;
        - ``score`` float64 in the source's ``scale`` (``points`` out of 1,000 or ``0-1``);
          ``points`` float64, points out of 1,000 (``dti_total`` only, else NaN);
          ``pct_of_max`` float64, 0–100; ``value_status`` str;
        - ``rank`` Int64 (1 = best; ties share the lowest rank, ``rankdata(method="min")``);
          ``rank_of`` Int64; ``rank_basis`` str (``published``, ``computed from scores`` or
          ``""``); ``rank_tied`` bool;
        - ``previous_rank`` Int64; ``rank_change`` Int64 = previous rank − rank (positive =
          moved up); ``rank_arrow`` str (``▲4``, ``▼2``, ``=``, ``""`` when unknown);
        - ``previous_pct_of_max``, ``pct_of_max_change`` float64 (percentage points of the
          maximum); ``points_change`` float64 (NaN across a framework break);
        - ``framework_id``, ``conflict_ids`` str.

        ``reason`` when the peer group has no row, or no score and no rank, for ``year``.

    Notes
    -----
    Published ranks are kept as published (the Lập Thạch 2022 rank of 5 stands next to a
    derived score that would rank it higher: conflict C1, see ``conflict_ids``). A rank is
    computed from scores only where none is published and every unit of the peer group has a
    score; with partial scores a computed rank would be a rank among the published few.
    """
    previous_year = year - 1 if previous_year is None else previous_year
    table, reason, notes = _rank_year(scores, peer_group, year, indicator)
    if reason is not None:
        return _empty(RANK_COLUMNS, reason)
    before, before_reason, _ = _rank_year(scores, peer_group, previous_year, indicator)
    if before_reason is not None:
        notes.append(why("no_previous_comparison", year=previous_year, reason=before_reason))
        before = pd.DataFrame(columns=["unit_code", "rank", "pct_of_max", "points"])
    before = before[["unit_code", "rank", "pct_of_max", "points"]].rename(columns={
        "rank": "previous_rank", "pct_of_max": "previous_pct_of_max", "points": "_prev_points"})
    table = table.merge(before, on="unit_code", how="left")
    table["previous_rank"] = table["previous_rank"].astype("Int64")
    table["rank_change"] = table["previous_rank"] - table["rank"]
    table["rank_arrow"] = table["rank_change"].map(change_arrow)
    table["pct_of_max_change"] = table["pct_of_max"] - table["previous_pct_of_max"]
    breaks = _breaks(scores, frameworks, peer_group, previous_year, year)
    table["points_change"] = np.nan if breaks else table["points"] - table["_prev_points"]
    if before_reason is None:
        notes.extend(_break_note(breaks, previous_year, year))
    table = table.sort_values(["rank", "unit_code"], na_position="last")
    return Result(_typed(table, RANK_COLUMNS), notes=tuple(notes))


def rank_history(scores: pd.DataFrame, peer_group: str, indicator: str = TOTAL,
                 frameworks: pd.DataFrame | None = None) -> Result:
    """Ranks of a peer group across all its reference years (long table for a bump chart).

    Parameters
    ----------
    scores, peer_group, indicator, frameworks
        As for :func:`rank_units`.

    Returns
    -------
    Result
        ``table``: the :func:`rank_units` columns for every year with at least one score or
        rank, stacked (``reference_year`` ascending, then rank). ``rank_change`` compares with
        the year before. ``notes`` list the years without data and the framework breaks.
        ``reason`` when no year has a score or rank.
    """
    years = sorted(scores.loc[(scores["peer_group"] == peer_group)
                              & (scores["indicator"] == indicator), "reference_year"].unique())
    tables, notes = [], []
    for year in years:
        result = rank_units(scores, peer_group, int(year), indicator, frameworks=frameworks)
        if result.ok:
            tables.append(result.table)
        else:
            notes.append(result.reason)
    if len(years) > 1:
        notes.extend(_break_note(_breaks(scores, frameworks, peer_group, int(years[0]),
                                         int(years[-1])), int(years[0]), int(years[-1])))
    if not tables:
        return _empty(RANK_COLUMNS, why("no_score_or_rank_any_year", peer_group=peer_group,
                                        indicator=indicator),
                      tuple(notes))
    return Result(_typed(pd.concat(tables, ignore_index=True), RANK_COLUMNS), notes=tuple(notes))


# ----------------------------------------------------------------------------- decomposition

DECOMPOSITION_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "unit_name": "str", "indicator": "str",
    "indicator_name": "str", "score": "float64", "max_points": "float64", "points": "float64",
    "pct_of_max": "float64", "headroom_points": "float64", "value_status": "str",
    "total_points": "float64", "sum_points": "float64", "residual_points": "float64",
    "n_main_indicators": "Int64", "complete": "bool", "framework_id": "str",
}


def _main_grid(scores: pd.DataFrame, frameworks: pd.DataFrame, peer_group: str,
               year: int) -> tuple[pd.DataFrame, Reason | None, list[Reason]]:
    """Units with a main-indicator score × the methodology's scored main indicators."""
    rows = _select(scores, peer_group, [year], levels=["main_indicator"])
    scored = rows[rows["score"].notna()]
    if scored.empty:
        return rows.iloc[0:0], why("no_main_scores", peer_group=peer_group, year=year), []
    framework_id = _year_framework(scored)
    max_points = main_indicator_points(frameworks, framework_id)
    if max_points.empty:
        # staff workbooks give each main indicator's maximum in score_max (points scale)
        stated = scored[scored["scale"] == "points"].dropna(subset=["score_max"])
        stated = stated.drop_duplicates("indicator").set_index("indicator")["score_max"]
        max_points = stated.reindex(_framework_order(stated.index)).astype("float64")
    if max_points.empty:
        return rows.iloc[0:0], why("no_framework_points", framework_id=framework_id or "",
                                   methodology_id=methodology_of(frameworks, framework_id) or ""), []
    units = scored.drop_duplicates("unit_code")[["unit_code", "unit_name"]]
    grid = units.merge(pd.DataFrame({"indicator": max_points.index,
                                     "max_points": max_points.to_numpy()}), how="cross")
    grid = grid.merge(rows[["unit_code", "indicator", "score", "pct_of_max", "value_status"]],
                      on=["unit_code", "indicator"], how="left")
    grid["value_status"] = grid["value_status"].fillna("missing")
    # pct_of_max is the share of the main indicator's own maximum (MIC publishes 0–1 values)
    grid["points"] = grid["pct_of_max"] / 100.0 * grid["max_points"]
    grid["framework_id"] = framework_id
    grid["reference_year"] = year
    notes = []
    left_out = rows.loc[~rows["unit_code"].isin(units["unit_code"]), "unit_code"].nunique()
    if left_out:
        notes.append(why("ranks_without_scores_left_out", count=left_out, peer_group=peer_group,
                         year=year))
    other = set(scored["framework_id"]) - {framework_id}
    if other:
        notes.append(why("other_frameworks_cited", frameworks=sorted(other),
                         framework_id=framework_id))
    return grid, None, notes


def decompose_points(scores: pd.DataFrame, frameworks: pd.DataFrame, peer_group: str,
                     year: int) -> Result:
    """Points per main indicator, % of maximum and headroom, for every unit with scores.

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    frameworks
        The ``dti_frameworks`` table (main-indicator maximum points; an edition uses its
        methodology's points, e.g. DTI 2023 → QĐ 922/2022). Where a framework's points are
        not recorded, the ``score_max`` of points-scale main-indicator rows (staff workbooks)
        is used.
    peer_group, year
        Peer group and reference year.

    Returns
    -------
    Result
        ``table``: one row per unit × scored main indicator (missing main indicators included,
        with NaN):

        - ``reference_year`` int64; ``unit_code``, ``unit_name``, ``indicator``,
          ``indicator_name`` str;
        - ``score`` float64 as published (MIC: 0–1 of the main indicator's maximum);
          ``max_points`` float64; ``points`` float64 = % of max × max points; ``pct_of_max``
          float64 (0–100); ``headroom_points`` float64 = max points − points;
          ``value_status`` str (``missing`` where no score is published);
        - per unit, repeated on its rows: ``total_points`` float64 (the published total, points
          out of 1,000); ``sum_points`` float64 (sum of the main indicators present);
          ``residual_points`` float64 = total − sum (NaN unless all main indicators and the
          total are published); ``n_main_indicators`` Int64 (present); ``complete`` bool;
        - ``framework_id`` str (whose points are used).

        ``summary``: ``max_abs_residual_points`` (float, NaN when no unit is complete).
        ``reason`` when the peer group has no main-indicator score for ``year``, or the
        framework's points are not recorded.

    Notes
    -----
    The DTI is a sum of points, so the split is exact up to the rounding of the published
    0–1 values (Đà Nẵng 2022: 800.175 points from the 8 main indicators vs a published 0.8002
    total, residual 0.025 points).
    """
    grid, reason, notes = _main_grid(scores, frameworks, peer_group, year)
    if reason is not None:
        return _empty(DECOMPOSITION_COLUMNS, reason)
    totals = _select(scores, peer_group, [year], [TOTAL])
    totals = totals.assign(total_points=_total_points(totals))[["unit_code", "total_points"]]
    grid = grid.merge(totals, on="unit_code", how="left")
    per_unit = grid.groupby("unit_code")["points"]
    grid["sum_points"] = per_unit.transform("sum")
    grid["n_main_indicators"] = per_unit.transform("count")
    grid["complete"] = grid["n_main_indicators"] == per_unit.transform("size")
    grid["residual_points"] = (grid["total_points"] - grid["sum_points"]).where(grid["complete"])
    grid["headroom_points"] = grid["max_points"] - grid["points"]
    grid["indicator_name"] = grid["indicator"].map(name_indicator)
    incomplete = grid.loc[~grid["complete"], "unit_code"].nunique()
    if incomplete:
        notes.append(why("incomplete_no_residual", count=incomplete))
    residual = grid["residual_points"].abs().max()
    return Result(_typed(grid, DECOMPOSITION_COLUMNS), notes=tuple(notes),
                  summary={"max_abs_residual_points": float(residual)})


CHANGE_DECOMPOSITION_COLUMNS = {
    "unit_code": "str", "unit_name": "str", "indicator": "str", "indicator_name": "str",
    "indicator_level": "str", "year_a": "int64", "year_b": "int64",
    "pct_of_max_a": "float64", "pct_of_max_b": "float64", "pct_of_max_change": "float64",
    "points_a": "float64", "points_b": "float64", "points_change": "float64",
}


def decompose_change(scores: pd.DataFrame, frameworks: pd.DataFrame, peer_group: str,
                     year_a: int, year_b: int, unit_code: str | None = None) -> Result:
    """The change of the DTI between two years split by main indicator (waterfall input).

    Parameters
    ----------
    scores, frameworks
        The ``dti_scores`` and ``dti_frameworks`` tables.
    peer_group
        Peer group.
    year_a, year_b
        Start and end reference years.
    unit_code
        One unit, or all units with main-indicator scores in both years (default).

    Returns
    -------
    Result
        ``table``: per unit, a ``dti_total`` row (start and end totals), one row per main
        indicator scored in both years, and a ``rounding_residual`` row:

        - ``unit_code``, ``unit_name``, ``indicator``, ``indicator_name`` str;
          ``indicator_level`` str (``total``, ``main_indicator``, ``residual``);
          ``year_a``, ``year_b`` int64;
        - ``pct_of_max_a``, ``pct_of_max_b``, ``pct_of_max_change`` float64 (percentage points
          of the maximum);
        - ``points_a``, ``points_b``, ``points_change`` float64, points (the residual row holds
          total change − Σ main-indicator changes in ``points_change``).

        Without a framework break, the main-indicator ``points_change`` plus the residual add
        up to the total's ``points_change``. Across a break all ``points_*`` are NaN and only
        % of max is compared (``notes`` says so). ``reason`` when no unit has main-indicator
        scores in both years.
    """
    breaks = _breaks(scores, frameworks, peer_group, year_a, year_b)
    grids = []
    for year in (year_a, year_b):
        grid, reason, _ = _main_grid(scores, frameworks, peer_group, year)
        if reason is not None:
            return _empty(CHANGE_DECOMPOSITION_COLUMNS, reason)
        grids.append(grid)
    keep = ["unit_code", "unit_name", "indicator", "pct_of_max", "points"]
    mains = grids[0][keep].merge(grids[1][keep], on=["unit_code", "unit_name", "indicator"],
                                 suffixes=("_a", "_b"))
    mains = mains[mains["pct_of_max_a"].notna() & mains["pct_of_max_b"].notna()]
    if unit_code is not None:
        mains = mains[mains["unit_code"] == unit_code]
    if mains.empty:
        return _empty(CHANGE_DECOMPOSITION_COLUMNS,
                      why("no_main_both_years", unit_code=unit_code or "", peer_group=peer_group,
                          year_a=year_a, year_b=year_b))
    mains = mains.assign(indicator_level="main_indicator",
                         points_change=mains["points_b"] - mains["points_a"])
    units = mains.drop_duplicates("unit_code")[["unit_code", "unit_name"]]
    totals = _select(scores, peer_group, [year_a, year_b], [TOTAL])
    totals = totals.assign(points=_total_points(totals))
    total = units.assign(indicator=TOTAL, indicator_level="total")
    for suffix, year in (("a", year_a), ("b", year_b)):
        end = totals[totals["reference_year"] == year].set_index("unit_code")
        total[f"pct_of_max_{suffix}"] = total["unit_code"].map(end["pct_of_max"])
        total[f"points_{suffix}"] = total["unit_code"].map(end["points"])
    total["points_change"] = total["points_b"] - total["points_a"]
    # the residual needs every main indicator of both years' methodology
    n_main = max(grid["indicator"].nunique() for grid in grids)
    per_unit = mains.groupby("unit_code")["points_change"].agg(["sum", "count"])
    complete = total["unit_code"].map(per_unit["count"]) == n_main
    residual = units.assign(
        indicator="rounding_residual", indicator_level="residual",
        points_change=(total["points_change"] - total["unit_code"].map(per_unit["sum"]))
        .where(complete).to_numpy())
    table = pd.concat([total, mains, residual], ignore_index=True)
    order = {i: k for k, i in enumerate([TOTAL, *_framework_order(mains["indicator"]),
                                         "rounding_residual"])}
    table = table.sort_values(["unit_code", "indicator"], kind="stable",
                              key=lambda c: c.map(order) if c.name == "indicator" else c)
    table["pct_of_max_change"] = table["pct_of_max_b"] - table["pct_of_max_a"]
    if breaks:
        table[["points_a", "points_b", "points_change"]] = np.nan
    table["indicator_name"] = table["indicator"].map(
        lambda i: "Rounding residual" if i == "rounding_residual" else name_indicator(i))
    table["year_a"], table["year_b"] = year_a, year_b
    notes = list(_break_note(breaks, year_a, year_b))
    if not breaks and not complete.all():
        notes.append(why("change_no_residual"))
    return Result(_typed(table, CHANGE_DECOMPOSITION_COLUMNS), notes=tuple(notes))


# ----------------------------------------------------------------------------- profiles


def _main_matrix(scores: pd.DataFrame, peer_group: str, year: int) -> tuple[pd.DataFrame,
                                                                            pd.DataFrame]:
    """(% of max matrix units × main indicators, main-indicator rows) for one year."""
    rows = _select(scores, peer_group, [year], levels=["main_indicator"])
    order = _framework_order(rows["indicator"])
    pct = rows.pivot_table(index="unit_code", columns="indicator", values="pct_of_max",
                           aggfunc="first", dropna=False)
    return pct.reindex(columns=order), rows


STRENGTH_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "unit_name": "str", "indicator": "str",
    "indicator_name": "str", "pct_of_max": "float64", "rank": "Int64", "rank_of": "Int64",
    "rank_basis": "str", "peer_median_pct": "float64", "pct_vs_median": "float64",
    "by_rank": "str", "by_pct": "str", "shared_weakness": "bool", "n_units_weak": "Int64",
    "n_units_compared": "Int64",
}


def _top_bottom(order: list[str], n: int) -> dict[str, str]:
    """Best-first order → {indicator: "strength" | "weakness"}; at most half on each side."""
    k = min(n, len(order) // 2)
    labels = {i: "strength" for i in order[:k]}
    return labels | {i: "weakness" for i in order[len(order) - k:]}


def _untie(labels: dict[str, str], key) -> dict[str, str]:
    """Drop each weakness that ties a strength (same ``key``): when, say, five main indicators
    all rank 1st, the framework order alone must not make some of them weaknesses."""
    best = {key(i) for i, label in labels.items() if label == "strength"}
    return {i: label for i, label in labels.items() if label == "strength" or key(i) not in best}


def find_strengths_weaknesses(scores: pd.DataFrame, peer_group: str, year: int, unit_code: str,
                              n: int = 3) -> Result:
    """Best and worst main indicators of a unit, by rank among peers and by % of maximum.

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, year, unit_code
        Peer group, reference year, unit.
    n
        How many strengths and weaknesses (at most half of the unit's main indicators each).

    Returns
    -------
    Result
        ``table``: one row per main indicator with a score or rank for the unit, in framework
        order:

        - ``reference_year`` int64; ``unit_code``, ``unit_name``, ``indicator``,
          ``indicator_name`` str; ``pct_of_max`` float64 (0–100);
        - ``rank`` Int64 (published rank, or the rank among the peers with a score);
          ``rank_of`` Int64; ``rank_basis`` str;
        - ``peer_median_pct`` float64 (median % of max over units with a score, the unit
          included); ``pct_vs_median`` float64 (percentage points);
        - ``by_rank``, ``by_pct`` str: ``strength``, ``weakness`` or ``""``;
        - ``shared_weakness`` bool: the indicator is among the ``n`` lowest % of max of every
          unit with scores (at least 2 units), so it is a weakness of the whole peer group,
          not of this unit; ``n_units_weak`` Int64 (units for which it is among their lowest);
          ``n_units_compared`` Int64.

        ``reason`` when the unit has fewer than two main indicators with a score or rank.

    Notes
    -----
    This follows COINr's ``get_str_weak``. Ties in rank are broken by % of max, then by
    framework order, but an indicator tied with a strength (same rank and % of max) is never
    a weakness: Đà Nẵng's five published 2023 ranks are all 1st, so none of them is one.
    Units with ranks only (no scores) get strengths and weaknesses by rank only. Ranks
    computed among a few units with published details (the 2022 top 5) are ranks among those
    units, as ``rank_basis`` says.
    """
    pct, rows = _main_matrix(scores, peer_group, year)
    mine = rows[(rows["unit_code"] == unit_code)
                & (rows["score"].notna() | rows["rank"].notna())]
    if len(mine) < 2:
        return _empty(STRENGTH_COLUMNS, why("too_few_main_indicators", unit_code=unit_code,
                                            count=len(mine), peer_group=peer_group, year=year,
                                            needed=2))
    order = list(pct.columns)
    computed = pct.rank(axis=0, ascending=False, method="min")
    n_scored = pct.notna().sum(axis=0)
    table = mine.set_index("indicator").reindex([i for i in order if i in set(mine["indicator"])])
    table["indicator"] = table.index
    from_scores = computed.loc[unit_code].reindex(table.index)
    table["rank_basis"] = np.where(table["rank"].notna(), "published", np.where(
        from_scores.notna(), [f"computed among {n_scored[i]} units with a score"
                              for i in table.index], ""))
    published = table["rank"].notna()
    table["rank_of"] = table["rank_of"].where(published, n_scored.reindex(table.index).where(
        from_scores.notna()).astype("Int64"))
    table["rank"] = table["rank"].fillna(from_scores.astype("Int64"))
    table["peer_median_pct"] = pct.median(axis=0).reindex(table.index)
    table["pct_vs_median"] = table["pct_of_max"] - table["peer_median_pct"]
    position = {i: k for k, i in enumerate(order)}
    ranked = table[table["rank"].notna()]
    by_rank = sorted(ranked.index, key=lambda i: (ranked.at[i, "rank"],
                                                  -np.nan_to_num(ranked.at[i, "pct_of_max"],
                                                                 nan=-1.0), position[i]))
    valued = table[table["pct_of_max"].notna()]
    by_pct = sorted(valued.index, key=lambda i: (-valued.at[i, "pct_of_max"], position[i]))

    def rank_key(i):
        return ranked.at[i, "rank"], np.nan_to_num(ranked.at[i, "pct_of_max"], nan=-1.0)

    by_rank_labels = _untie(_top_bottom(by_rank, n), rank_key)
    by_pct_labels = _untie(_top_bottom(by_pct, n), lambda i: valued.at[i, "pct_of_max"])
    table["by_rank"] = [by_rank_labels.get(i, "") for i in table.index]
    table["by_pct"] = [by_pct_labels.get(i, "") for i in table.index]
    # each unit's own weaknesses: its k lowest % of max (ties in framework order, as above)
    profiles = pct[pct.notna().sum(axis=1) >= 2]
    compared = len(profiles)
    m = profiles.notna().sum(axis=1)
    k = np.minimum(n, m // 2)
    place = profiles.rank(axis=1, ascending=False, method="first")  # 1 = best
    weak = place.gt(m - k, axis=0)
    table["n_units_weak"] = weak.sum(axis=0).reindex(table.index).astype("Int64")
    table["n_units_compared"] = compared
    table["shared_weakness"] = (compared >= 2) & (table["n_units_weak"] == compared)
    table["indicator_name"] = table["indicator"].map(name_indicator)
    table["reference_year"] = year
    notes = []
    if compared < 2:
        notes.append(why("shared_weakness_needs_two"))
    return Result(_typed(table.reset_index(drop=True), STRENGTH_COLUMNS), notes=tuple(notes))


def assign_level_band(pct_of_max, bands=LEVEL_BANDS):
    """EGDI-style level band of a % of max (scalar or Series); NaN → ``""``.

    ``bands`` is a sequence of (label, lower bound inclusive), highest first; the default is
    very high ≥ 75, high ≥ 50, middle ≥ 25, low below.
    """
    values = pd.Series(pct_of_max, dtype="float64") if not np.isscalar(pct_of_max) \
        else pd.Series([pct_of_max], dtype="float64")
    labels = np.select([values >= low for _, low in bands], [label for label, _ in bands],
                       default=bands[-1][0])
    labels = pd.Series(labels, index=values.index).where(values.notna(), "")
    return labels.iloc[0] if np.isscalar(pct_of_max) else labels.astype(str)


BENCHMARK_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "unit_name": "str", "indicator": "str",
    "indicator_name": "str", "indicator_level": "str", "pct_of_max": "float64", "band": "str",
    "peer_mean_pct": "float64", "peer_median_pct": "float64", "best_pct": "float64",
    "best_unit_code": "str", "best_unit_name": "str", "gap_to_best_pct": "float64",
    "gap_to_median_pct": "float64", "n_units": "Int64",
}


def benchmark_unit(scores: pd.DataFrame, peer_group: str, year: int, unit_code: str,
                   bands=LEVEL_BANDS) -> Result:
    """A unit against its peers: mean, median, best unit and level band, per indicator.

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, year, unit_code
        Peer group, reference year, unit.
    bands
        Level bands for :func:`assign_level_band`.

    Returns
    -------
    Result
        ``table``: one row per indicator (the total, pillars, main indicators) for which the
        unit has a score:

        - ``reference_year`` int64; ``unit_code``, ``unit_name``, ``indicator``,
          ``indicator_name``, ``indicator_level`` str;
        - ``pct_of_max`` float64 (0–100); ``band`` str;
        - ``peer_mean_pct``, ``peer_median_pct``, ``best_pct`` float64 over the units with a
          score (the unit included); ``best_unit_code``, ``best_unit_name`` str (``;``-joined
          when tied); ``gap_to_best_pct``, ``gap_to_median_pct`` float64 (percentage points,
          positive = behind); ``n_units`` Int64 (units with a score).

        ``reason`` when the unit has no score (e.g. a rank-only unit).

    Notes
    -----
    Peer statistics use only units with a published score; with partial publication (the
    top 5 provinces of 2022) they describe those units, not the whole peer group — ``n_units``
    shows how many.
    """
    rows = _select(scores, peer_group, [year], levels=["total", "pillar", "main_indicator"])
    rows = rows[rows["pct_of_max"].notna()]
    mine = rows[rows["unit_code"] == unit_code]
    if mine.empty:
        return _empty(BENCHMARK_COLUMNS, why("unit_has_no_score", unit_code=unit_code,
                                             peer_group=peer_group, year=year))
    peers = rows[rows["indicator"].isin(mine["indicator"])].groupby("indicator", sort=False)
    stats_by = peers["pct_of_max"].agg(peer_mean_pct="mean", peer_median_pct="median",
                                       best_pct="max", n_units="count")
    best = rows[rows["pct_of_max"] == rows.groupby("indicator")["pct_of_max"].transform("max")]
    best = best.groupby("indicator").agg(best_unit_code=("unit_code", ";".join),
                                         best_unit_name=("unit_name", ";".join))
    table = mine.set_index("indicator").join(stats_by).join(best).reset_index()
    table["band"] = assign_level_band(table["pct_of_max"], bands)
    table["gap_to_best_pct"] = table["best_pct"] - table["pct_of_max"]
    table["gap_to_median_pct"] = table["peer_median_pct"] - table["pct_of_max"]
    table["indicator_name"] = table["indicator"].map(name_indicator)
    level_order = {"total": 0, "pillar": 1, "main_indicator": 2}
    table = table.sort_values("indicator_level", key=lambda s: s.map(level_order), kind="stable")
    return Result(_typed(table, BENCHMARK_COLUMNS))


PEER_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "peer_unit_code": "str",
    "peer_unit_name": "str", "distance": "float64", "n_indicators": "Int64",
    "closeness_rank": "Int64",
}


def find_nearest_peers(scores: pd.DataFrame, peer_group: str, year: int, unit_code: str,
                       n: int = 3, metric: str = "euclidean") -> Result:
    """Units with the most similar profile of main indicators (% of max).

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, year, unit_code
        Peer group, reference year, unit.
    n
        Number of peers returned.
    metric
        Any ``scipy.spatial.distance.cdist`` metric.

    Returns
    -------
    Result
        ``table``: ``reference_year`` int64; ``unit_code``, ``peer_unit_code``,
        ``peer_unit_name`` str; ``distance`` float64 (in percentage points of max for the
        Euclidean metric); ``n_indicators`` Int64 (main indicators compared);
        ``closeness_rank`` Int64 (1 = nearest). ``reason`` when the unit has fewer than 2 main
        indicators with a score or no other unit has them all.
    """
    pct, rows = _main_matrix(scores, peer_group, year)
    if unit_code not in pct.index or pct.loc[unit_code].notna().sum() < 2:
        return _empty(PEER_COLUMNS, why("too_few_main_scores", unit_code=unit_code,
                                        peer_group=peer_group, year=year, needed=2))
    used = pct.columns[pct.loc[unit_code].notna()]
    others = pct.drop(index=unit_code)[used].dropna()
    if others.empty:
        return _empty(PEER_COLUMNS, why("no_peer_same_indicators", peer_group=peer_group,
                                        count=len(used), year=year))
    distance = cdist(pct.loc[[unit_code], used].to_numpy(), others.to_numpy(), metric=metric)[0]
    names = rows.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    table = pd.DataFrame({"peer_unit_code": others.index, "distance": distance})
    table = table.sort_values(["distance", "peer_unit_code"]).head(n)
    table["peer_unit_name"] = table["peer_unit_code"].map(names)
    table["closeness_rank"] = np.arange(1, len(table) + 1)
    table["unit_code"], table["reference_year"], table["n_indicators"] = unit_code, year, len(used)
    return Result(_typed(table, PEER_COLUMNS))


# ----------------------------------------------------------------------------- robustness


def _complete_matrix(scores: pd.DataFrame, peer_group: str, year: int,
                     indicators=None) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Fractions of max (units × main indicators) of units with every indicator; names; notes."""
    pct, rows = _main_matrix(scores, peer_group, year)
    if indicators is not None:
        pct = pct.reindex(columns=list(indicators))
    names = rows.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    complete = pct.dropna()
    notes = []
    dropped = len(pct) - len(complete)
    if dropped:
        notes.append(why("incomplete_units_left_out", count=dropped, n_complete=len(complete)))
    return complete / 100.0, names, notes


def _normalise(x: np.ndarray, how: str) -> np.ndarray:
    """Normalise columns: ``official`` (fraction of max), ``minmax`` or ``zscore``."""
    if how == "official":
        return x
    if how == "minmax":
        span = x.max(axis=0) - x.min(axis=0)
        return np.divide(x - x.min(axis=0), span, out=np.zeros_like(x), where=span > 0)
    constant = np.ptp(x, axis=0) == 0
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        z = stats.zscore(x, axis=0, ddof=1)
    z[:, constant] = 0.0  # a constant indicator does not separate units
    return z


UNCERTAINTY_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "unit_name": "str",
    "official_rank": "Int64", "median_rank": "Int64", "rank_low": "Int64", "rank_high": "Int64",
    "mean_rank": "float64",
}


def rank_seed(peer_group: str, year: int) -> int:
    """A seed for :func:`simulate_rank_uncertainty` from the processed data's
    ``data_version`` (:func:`lib.data.load.read_manifest`), the peer group and the year: rebuilt
    pages on the same data are byte-identical, and each peer group gets its own stream."""
    import hashlib

    from lib.data.load import read_manifest

    key = f"{read_manifest().get('data_version', '')}|{peer_group}|{year}"
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


def simulate_rank_uncertainty(scores: pd.DataFrame, frameworks: pd.DataFrame, peer_group: str,
                              year: int, n_runs: int = 1000, seed: int | None = None,
                              weights: str = "dirichlet", concentration: float = 100.0,
                              spread: float = 0.25, normalisations=NORMALISATIONS,
                              aggregations=AGGREGATIONS, interval: float = 90.0) -> Result:
    """Monte Carlo rank intervals over weights, normalisation and aggregation.

    Parameters
    ----------
    scores, frameworks
        The ``dti_scores`` and ``dti_frameworks`` tables (official weights = main-indicator
        max points ÷ total, e.g. 0.10 for awareness and 0.20 for digital government under
        QĐ 922).
    peer_group, year
        Peer group and reference year.
    n_runs
        Number of Monte Carlo runs.
    seed
        Seed of the ``numpy.random.Generator``; the same seed gives the same result. Default:
        :func:`rank_seed` of the peer group and year (the same data give the same page).
    weights
        ``dirichlet``: weights ~ Dirichlet(concentration × official weights); ``uniform``: each
        official weight × U(1 − spread, 1 + spread), renormalised to sum to 1.
    concentration, spread
        Dispersion of the weights (see ``weights``).
    normalisations
        Subset of ``official`` (fraction of max, the DTI's own distance to target),
        ``minmax`` and ``zscore`` (``scipy.stats.zscore``, ddof=1).
    aggregations
        Subset of ``arithmetic`` and ``geometric`` (``scipy.stats.gmean`` with weights).
    interval
        Width of the rank interval in % (90 → 5th to 95th percentile).

    Returns
    -------
    Result
        ``table``, one row per unit with all main indicators, best median rank first:
        ``reference_year`` int64; ``unit_code``, ``unit_name`` str; ``official_rank`` Int64
        (official weights, arithmetic, among these units); ``median_rank``, ``rank_low``,
        ``rank_high`` Int64 (percentiles over the runs); ``mean_rank`` float64. ``summary``: ``n_runs``, ``n_units``, ``seed``,
        ``scenarios`` (normalisation × aggregation pairs drawn).
        ``reason`` when fewer than 2 units have every main indicator or the framework's points
        are unknown.

    Raises
    ------
    ValueError
        Unknown ``weights``, normalisation or aggregation.

    Notes
    -----
    Each run draws one weight vector and one normalisation × aggregation pair (uniformly).
    A geometric mean needs positive values: fractions of max are floored at 1 % and min–max
    values are mapped onto [1 %, 100 %]; z-scores are only aggregated arithmetically. Ranks
    use ``rankdata(method="min")`` (ties share the best rank). Ranks are among the units with
    complete data, not the published peer group size. The JRC audits and COINr's
    ``get_sensitivity`` do the same.
    """
    if weights not in ("dirichlet", "uniform"):
        raise ValueError(f"weights must be 'dirichlet' or 'uniform', not {weights!r}")
    unknown = (set(normalisations) - set(NORMALISATIONS)) | (set(aggregations) - set(AGGREGATIONS))
    if unknown:
        raise ValueError(f"unknown normalisation/aggregation: {', '.join(sorted(unknown))}")
    rows = _select(scores, peer_group, [year], levels=["main_indicator"])
    max_points = main_indicator_points(frameworks, _year_framework(rows))
    if max_points.empty:
        return _empty(UNCERTAINTY_COLUMNS, why("no_max_points", peer_group=peer_group, year=year))
    x, names, notes = _complete_matrix(scores, peer_group, year, max_points.index)
    if len(x) < 2:
        return _empty(UNCERTAINTY_COLUMNS, why("too_few_complete_units", peer_group=peer_group,
                                               count=len(x), n_indicators=len(max_points),
                                               year=year, needed=2), tuple(notes))
    w0 = (max_points / max_points.sum()).to_numpy()
    seed = rank_seed(peer_group, year) if seed is None else seed
    rng = np.random.default_rng(seed)
    if weights == "dirichlet":
        w = rng.dirichlet(concentration * w0, size=n_runs)
    else:
        w = w0 * rng.uniform(1 - spread, 1 + spread, size=(n_runs, len(w0)))
        w /= w.sum(axis=1, keepdims=True)
    scenarios = [(nm, ag) for nm in normalisations for ag in aggregations
                 if not (nm == "zscore" and ag == "geometric")]
    pick = rng.integers(len(scenarios), size=n_runs)
    values = x.to_numpy()
    composite = np.empty((len(values), n_runs))
    for k, (how, aggregation) in enumerate(scenarios):
        runs = np.flatnonzero(pick == k)
        if not len(runs):
            continue
        normalised = _normalise(values, how)
        if aggregation == "arithmetic":
            composite[:, runs] = normalised @ w[runs].T
            continue
        positive = (np.maximum(normalised, _GEOMETRIC_FLOOR) if how == "official"
                    else _GEOMETRIC_FLOOR + (1 - _GEOMETRIC_FLOOR) * normalised)
        # weighted geometric mean of every unit in every run at once (as scipy.stats.gmean):
        # exp(Σ w log x / Σ w), one (units × indicators) @ (indicators × runs) product
        composite[:, runs] = np.exp((np.log(positive) @ w[runs].T) / w[runs].sum(axis=1))
    ranks = stats.rankdata(-composite, method="min", axis=0)
    tail = (100.0 - interval) / 2
    low, median, high = np.percentile(ranks, [tail, 50, 100 - tail], axis=1,
                                      method="inverted_cdf")
    table = pd.DataFrame({
        "unit_code": x.index, "unit_name": x.index.map(names),
        "official_rank": stats.rankdata(-(values @ w0), method="min"),
        "median_rank": median, "rank_low": low, "rank_high": high,
        "mean_rank": ranks.mean(axis=1),
    })
    table["reference_year"] = year
    table = table.sort_values(["median_rank", "mean_rank", "unit_code"])
    summary = {"n_runs": n_runs, "n_units": len(x), "seed": seed,
               "scenarios": [f"{nm} × {ag}" for nm, ag in scenarios]}
    return Result(_typed(table, UNCERTAINTY_COLUMNS), notes=tuple(notes), summary=summary)


DOMINANCE_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "unit_name": "str",
    "dominated_unit_code": "str", "dominated_unit_name": "str", "n_indicators": "Int64",
}


def find_dominance_pairs(scores: pd.DataFrame, peer_group: str, year: int) -> Result:
    """Pairs of units whose order no positive weighting of the main indicators can change.

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, year
        Peer group and reference year.

    Returns
    -------
    Result
        ``table``: one row per pair where ``unit_code`` scores at least as high as
        ``dominated_unit_code`` on every main indicator and higher on at least one:
        ``reference_year`` int64; ``unit_code``, ``unit_name``, ``dominated_unit_code``,
        ``dominated_unit_name`` str; ``n_indicators`` Int64. An empty table with an empty
        ``reason`` means no pair is fixed. ``summary``: ``n_units``, ``n_pairs`` (all pairs),
        ``n_dominance_pairs``. ``reason`` when fewer than 2 units have every main indicator.

    Notes
    -----
    Dominance holds under any positive weights, any increasing per-indicator normalisation
    (min–max, z-score) and arithmetic or geometric aggregation, so these pairs keep their
    order in every run of :func:`simulate_rank_uncertainty` (COINr ``outrankMatrix``).
    """
    x, names, notes = _complete_matrix(scores, peer_group, year)
    if len(x) < 2:
        return _empty(DOMINANCE_COLUMNS, why("too_few_complete_units", peer_group=peer_group,
                                             count=len(x), n_indicators=x.shape[1], year=year,
                                             needed=2), tuple(notes))
    s = x.to_numpy()
    better, worse = [], []
    step = max(1, 4_000_000 // (len(s) * s.shape[1]))  # bound the broadcast's memory
    for start in range(0, len(s), step):
        block = s[start:start + step, None, :]
        dominates = (block >= s[None, :, :]).all(-1) & (block > s[None, :, :]).any(-1)
        rows, cols = np.nonzero(dominates)
        better.append(rows + start)
        worse.append(cols)
    better, worse = np.concatenate(better), np.concatenate(worse)
    codes = x.index.to_numpy(dtype=object)
    labels = x.index.map(names).to_numpy(dtype=object)
    # x is sorted by unit_code, so the pairs come out sorted by (unit, dominated unit)
    table = pd.DataFrame({"unit_code": codes[better], "unit_name": labels[better],
                          "dominated_unit_code": codes[worse],
                          "dominated_unit_name": labels[worse]})
    table["reference_year"], table["n_indicators"] = year, s.shape[1]
    n = len(x)
    return Result(_typed(table, DOMINANCE_COLUMNS), notes=tuple(notes),
                  summary={"n_units": n, "n_pairs": n * (n - 1) // 2,
                           "n_dominance_pairs": len(table)})


# ----------------------------------------------------------------------------- change


def _paired(scores: pd.DataFrame, peer_group: str, year_a: int, year_b: int,
            indicator: str) -> pd.DataFrame:
    """Per unit: rank and % of max in both years (outer join of the two rank tables)."""
    tables = []
    for year in (year_a, year_b):
        table, _, _ = _rank_year(scores, peer_group, year, indicator)
        if table.empty:
            table = pd.DataFrame(columns=["unit_code", "unit_name", "rank", "pct_of_max"])
        tables.append(table[["unit_code", "unit_name", "rank", "pct_of_max"]])
    return tables[0].merge(tables[1], on=["unit_code", "unit_name"], how="outer",
                           suffixes=("_a", "_b"))


_EXACT_SPEARMAN_MAX_N = 9  # 9! = 362,880 pairings: about a second


def _spearman(a: np.ndarray, b: np.ndarray) -> tuple[float, float, str]:
    """Spearman ρ with an exact permutation p-value for small n (asymptotic above)."""
    if len(a) > _EXACT_SPEARMAN_MAX_N:
        result = stats.spearmanr(a, b)
        return float(result.statistic), float(result.pvalue), "asymptotic"
    rank_a, rank_b = stats.rankdata(a), stats.rankdata(b)
    centred_b = rank_b - rank_b.mean()

    def rho(x, axis=-1):  # Pearson correlation of ranks = Spearman's ρ
        centred = x - x.mean(axis=axis, keepdims=True)
        return (centred * centred_b).sum(axis) / np.sqrt(
            (centred ** 2).sum(axis) * (centred_b ** 2).sum())

    result = stats.permutation_test((rank_a,), rho, permutation_type="pairings",
                                    n_resamples=np.inf, vectorized=True, batch=50_000)
    return float(result.statistic), float(result.pvalue), "exact"


STABILITY_COLUMNS = {
    "unit_code": "str", "unit_name": "str", "rank_a": "Int64", "rank_b": "Int64",
    "pct_of_max_a": "float64", "pct_of_max_b": "float64",
}


def measure_rank_stability(scores: pd.DataFrame, peer_group: str, year_a: int, year_b: int,
                           indicator: str = TOTAL, frameworks: pd.DataFrame | None = None,
                           min_units: int = 3) -> Result:
    """Agreement of two years' orderings: exact Kendall τ and Spearman ρ.

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, year_a, year_b, indicator
        Peer group, the two reference years, the indicator.
    frameworks
        The ``dti_frameworks`` table (for the framework-break note).
    min_units
        Fewest units in common needed.

    Returns
    -------
    Result
        ``table``: the units compared: ``unit_code``, ``unit_name`` str; ``rank_a``,
        ``rank_b`` Int64; ``pct_of_max_a``, ``pct_of_max_b`` float64.
        ``summary``: ``basis`` (``score``: % of max of units scored in both years, else
        ``rank``: published ranks of units ranked in both years), ``n_units``,
        ``kendall_tau``, ``kendall_p`` (two-sided), ``kendall_method`` (``exact``, or
        ``asymptotic`` when there are ties), ``spearman_rho``, ``spearman_p`` (two-sided),
        ``spearman_method`` (``exact``: all n! pairings enumerated by
        ``scipy.stats.permutation_test`` for n ≤ 9; else ``asymptotic``),
        ``framework_breaks`` (list of years).
        ``reason`` when fewer than ``min_units`` units have a score, or a rank, in both years.

    Notes
    -----
    Ranks across a framework break are still comparable as orders, but the note says the
    methodology changed. With n = 9, τ ≥ 0.556 is needed for p < 0.05 (exact).
    """
    both = _paired(scores, peer_group, year_a, year_b, indicator)
    scored = both.dropna(subset=["pct_of_max_a", "pct_of_max_b"])
    ranked = both.dropna(subset=["rank_a", "rank_b"])
    if len(scored) >= max(min_units, len(ranked)):
        basis, used = "score", scored
        a, b = used["pct_of_max_a"].to_numpy(float), used["pct_of_max_b"].to_numpy(float)
    elif len(ranked) >= min_units:
        basis, used = "rank", ranked
        a, b = -used["rank_a"].to_numpy(float), -used["rank_b"].to_numpy(float)
    else:
        return _empty(STABILITY_COLUMNS, why(
            "too_few_for_stability", count=len(scored), n_ranked=len(ranked),
            peer_group=peer_group, indicator=indicator, year_a=year_a, year_b=year_b,
            needed=min_units))
    ties = len(np.unique(a)) < len(a) or len(np.unique(b)) < len(b)
    method = "asymptotic" if ties else "exact"
    tau = stats.kendalltau(a, b, method=method)
    rho, rho_p, rho_method = _spearman(a, b)
    breaks = _breaks(scores, frameworks, peer_group, year_a, year_b)
    notes = []
    if breaks:
        notes.append(why("framework_break_orders", year_a=year_a, year_b=year_b,
                         breaks=list(breaks)))
    if ties:
        notes.append(why("ties_asymptotic"))
    if basis == "rank":
        notes.append(why("compared_on_ranks"))
    summary = {"basis": basis, "n_units": len(used), "kendall_tau": float(tau.statistic),
               "kendall_p": float(tau.pvalue), "kendall_method": method,
               "spearman_rho": rho, "spearman_p": rho_p, "spearman_method": rho_method,
               "framework_breaks": breaks}
    return Result(_typed(used.sort_values("unit_code"), STABILITY_COLUMNS), notes=tuple(notes),
                  summary=summary)


CHANGE_COLUMNS = {
    "unit_code": "str", "unit_name": "str", "pct_of_max_a": "float64",
    "pct_of_max_b": "float64", "change_pct": "float64",
}


def summarise_change(scores: pd.DataFrame, peer_group: str, year_a: int, year_b: int,
                     indicator: str = TOTAL, frameworks: pd.DataFrame | None = None,
                     n_resamples: int = 9999, seed: int = 20240821,
                     confidence_level: float = 0.95, min_units: int = 3) -> Result:
    """Is the change across the peer group real? Wilcoxon, sign test and a BCa interval.

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, year_a, year_b, indicator
        Peer group, start and end years, the indicator.
    frameworks
        The ``dti_frameworks`` table (framework breaks).
    n_resamples, seed, confidence_level
        Passed to ``scipy.stats.bootstrap`` (``method="BCa"``, ``rng`` seeded).
    min_units
        Fewest units scored in both years.

    Returns
    -------
    Result
        ``table``: per unit scored in both years: ``unit_code``, ``unit_name`` str;
        ``pct_of_max_a``, ``pct_of_max_b`` float64; ``change_pct`` float64 (percentage points
        of the maximum). ``summary``: ``n_units``, ``mean_change_pct``,
        ``median_change_pct``, ``ci_low_pct``, ``ci_high_pct`` (BCa, NaN if the changes are all
        equal), ``confidence_level``, ``n_up``, ``n_down``, ``n_unchanged``,
        ``wilcoxon_statistic``, ``wilcoxon_p`` (``scipy.stats.wilcoxon``, zeros dropped),
        ``sign_test_p`` (``scipy.stats.binomtest``), ``mean_change_points`` (``dti_total``
        without a framework break only, else NaN), ``framework_breaks``.
        ``reason`` when fewer than ``min_units`` units are scored in both years.

    Notes
    -----
    The units are the whole peer group, not a sample: the tests ask whether the changes are
    consistently signed, not whether a population mean changed. With n = 9 the smallest
    two-sided Wilcoxon p is 0.0039. Changes are in % of max, so they stay comparable across a
    framework break.
    """
    both = _paired(scores, peer_group, year_a, year_b, indicator)
    both = both.dropna(subset=["pct_of_max_a", "pct_of_max_b"])
    if len(both) < min_units:
        return _empty(CHANGE_COLUMNS, why("too_few_units_both_years", count=len(both),
                                          peer_group=peer_group, indicator=indicator,
                                          year_a=year_a, year_b=year_b, needed=min_units))
    both = both.assign(change_pct=both["pct_of_max_b"] - both["pct_of_max_a"])
    d = both["change_pct"].to_numpy(float)
    n_up, n_down = int((d > 0).sum()), int((d < 0).sum())
    notes = []
    if n_up + n_down:
        wilcoxon = stats.wilcoxon(d, zero_method="wilcox")
        w_stat, w_p = float(wilcoxon.statistic), float(wilcoxon.pvalue)
        sign_p = float(stats.binomtest(n_up, n_up + n_down).pvalue)
    else:
        w_stat = w_p = sign_p = np.nan
        notes.append(why("all_changes_zero"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate (all-equal) data give NaN bounds
        ci = stats.bootstrap((d,), np.mean, method="BCa", n_resamples=n_resamples,
                             confidence_level=confidence_level,
                             rng=np.random.default_rng(seed)).confidence_interval
    breaks = _breaks(scores, frameworks, peer_group, year_a, year_b)
    notes.extend(_break_note(breaks, year_a, year_b))
    summary = {
        "n_units": len(d), "mean_change_pct": float(d.mean()),
        "median_change_pct": float(np.median(d)), "ci_low_pct": float(ci.low),
        "ci_high_pct": float(ci.high), "confidence_level": confidence_level,
        "n_up": n_up, "n_down": n_down, "n_unchanged": len(d) - n_up - n_down,
        "wilcoxon_statistic": w_stat, "wilcoxon_p": w_p, "sign_test_p": sign_p,
        "mean_change_points": float(d.mean() * 10.0)
        if indicator == TOTAL and not breaks else np.nan,
        "framework_breaks": breaks,
    }
    return Result(_typed(both.sort_values("unit_code"), CHANGE_COLUMNS), notes=tuple(notes),
                  summary=summary)


SIGMA_COLUMNS = {
    "reference_year": "int64", "n_units": "Int64", "mean_pct": "float64", "sd_pct": "float64",
    "cv": "float64", "min_pct": "float64", "max_pct": "float64", "range_pct": "float64",
}


def measure_sigma_convergence(scores: pd.DataFrame, peer_group: str, indicator: str = TOTAL,
                              years=None, balanced: bool = True) -> Result:
    """σ-convergence: the dispersion of scores across units, year by year.

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, indicator
        Peer group and indicator.
    years
        Reference years (default: every year with a score).
    balanced
        Use only units scored in every one of ``years`` (default), so that the dispersion
        compares the same units; ``False`` uses all units scored in each year.

    Returns
    -------
    Result
        ``table``: one row per year with at least 2 units: ``reference_year`` int64;
        ``n_units`` Int64; ``mean_pct``, ``sd_pct`` (ddof=1), ``min_pct``, ``max_pct``,
        ``range_pct`` float64 (% of max); ``cv`` float64 = ``scipy.stats.variation(ddof=1)``.
        A falling ``cv`` is σ-convergence. ``reason`` when no year has 2 units.

    Notes
    -----
    The coefficient of variation is scale-free, so years on either side of a framework break
    can be set side by side; the methodology still differs.
    """
    rows = _select(scores, peer_group, years, [indicator])
    rows = rows[rows["pct_of_max"].notna()]
    wide = rows.pivot_table(index="unit_code", columns="reference_year", values="pct_of_max",
                            aggfunc="first")
    if years is not None:
        wide = wide.reindex(columns=sorted(years))
    if balanced:
        wide = wide.dropna()
    out = []
    for year in wide.columns:
        x = wide[year].dropna().to_numpy(float)
        if len(x) < 2:
            continue
        out.append({"reference_year": int(year), "n_units": len(x), "mean_pct": x.mean(),
                    "sd_pct": x.std(ddof=1), "cv": float(stats.variation(x, ddof=1)),
                    "min_pct": x.min(), "max_pct": x.max(), "range_pct": np.ptp(x)})
    if not out:
        return _empty(SIGMA_COLUMNS, why("too_few_for_convergence", peer_group=peer_group,
                                         indicator=indicator, balanced=balanced, needed=2))
    notes = () if balanced else (why("unbalanced_years"),)
    return Result(_typed(pd.DataFrame(out), SIGMA_COLUMNS), notes=notes)


BETA_COLUMNS = {
    "unit_code": "str", "unit_name": "str", "start_pct": "float64", "end_pct": "float64",
    "growth_pct_per_year": "float64",
}


def measure_beta_convergence(scores: pd.DataFrame, peer_group: str, year_a: int, year_b: int,
                             indicator: str = TOTAL, frameworks: pd.DataFrame | None = None,
                             min_units: int = 3) -> Result:
    """β-convergence: do units that started lower grow faster? (Theil–Sen slope)

    Parameters
    ----------
    scores
        The ``dti_scores`` table.
    peer_group, year_a, year_b, indicator
        Peer group, start and end years, indicator.
    frameworks
        The ``dti_frameworks`` table (framework-break note).
    min_units
        Fewest units scored in both years.

    Returns
    -------
    Result
        ``table``: per unit: ``unit_code``, ``unit_name`` str; ``start_pct``, ``end_pct``
        float64 (% of max); ``growth_pct_per_year`` float64 = 100 × ln(end / start) ÷ years.
        ``summary``: ``slope`` (growth per percentage point of starting level),
        ``intercept``, ``slope_low``, ``slope_high`` (95 % interval of
        ``scipy.stats.theilslopes``), ``converging`` (the whole interval is below 0),
        ``n_units``, ``framework_breaks``. ``reason`` when fewer than ``min_units`` units have
        positive scores in both years.
    """
    both = _paired(scores, peer_group, year_a, year_b, indicator)
    both = both[(both["pct_of_max_a"] > 0) & (both["pct_of_max_b"] > 0)]
    if len(both) < min_units:
        return _empty(BETA_COLUMNS, why("too_few_units_both_years", count=len(both),
                                        peer_group=peer_group, indicator=indicator,
                                        year_a=year_a, year_b=year_b, needed=min_units))
    table = pd.DataFrame({"unit_code": both["unit_code"], "unit_name": both["unit_name"],
                          "start_pct": both["pct_of_max_a"], "end_pct": both["pct_of_max_b"]})
    table["growth_pct_per_year"] = 100.0 * np.log(table["end_pct"] / table["start_pct"]) \
        / (year_b - year_a)
    fit = stats.theilslopes(table["growth_pct_per_year"], table["start_pct"])
    breaks = _breaks(scores, frameworks, peer_group, year_a, year_b)
    summary = {"slope": float(fit.slope), "intercept": float(fit.intercept),
               "slope_low": float(fit.low_slope), "slope_high": float(fit.high_slope),
               "converging": bool(fit.high_slope < 0), "n_units": len(table),
               "framework_breaks": breaks}
    return Result(_typed(table.sort_values("unit_code"), BETA_COLUMNS),
                  notes=_break_note(breaks, year_a, year_b), summary=summary)


# ----------------------------------------------------------------------------- targets


def check_comparable(catalogue: pd.DataFrame, indicator: str, other: str) -> Comparability:
    """Can two indicators be compared (same thing, same definition)?

    Parameters
    ----------
    catalogue
        The ``indicator_catalogue`` table (``concept``, ``population``, ``unit``,
        ``target_indicator``).
    indicator, other
        Indicator ids (e.g. a measured share and a target).

    Returns
    -------
    Comparability
        ``(True, "")``, or ``(False, explanation)`` in plain English, e.g.
        ``"people aged 18+ vs people aged 15+: different populations, so the values are not
        compared"``.

    Notes
    -----
    Two indicators are comparable when they share a ``concept`` (or the catalogue names one as
    the other's ``target_indicator``), are in the same ``unit`` and have the same
    ``population``. A population that is not recorded is not assumed to match.
    """
    found = catalogue.set_index("indicator")
    for name in (indicator, other):
        if name not in found.index:
            return Comparability(False, why("not_in_catalogue", indicator=name))
    a, b = found.loc[indicator], found.loc[other]
    linked = b.name == a["target_indicator"] or a.name == b["target_indicator"]
    if a["concept"] != b["concept"] and not linked:
        return Comparability(False, why("different_concepts", concept_a=a["concept"], concept_b=b["concept"]))
    if a["unit"] != b["unit"]:
        return Comparability(False, why("different_units", unit_a=a["unit"], unit_b=b["unit"]))
    if a["population"] != b["population"] and (a["population"] or b["population"]) \
            and not (linked and not (a["population"] and b["population"])):
        return Comparability(False, why("different_populations", population_a=a["population"] or "",
                                        population_b=b["population"] or ""))
    return Comparability(True, None)


TARGET_COLUMNS = {
    "unit_code": "str", "unit_name": "str", "indicator": "str", "indicator_name": "str",
    "period": "str", "reference_year": "Int64", "value": "float64", "unit": "str",
    "value_status": "str", "target_indicator": "str", "target_unit_code": "str",
    "target_unit_name": "str", "target_period": "str", "target_year": "Int64",
    "target_value": "float64", "target_low": "float64", "target_high": "float64",
    "target_status": "str", "comparable": "bool",
    "explanation": "object", "gap": "float64", "met": "boolean",
}


def _ancestors(indicators: pd.DataFrame, unit_code: str) -> list[str]:
    """The unit, its parents as recorded in ``indicators``, then ``VN``."""
    parents = indicators.dropna(subset=["unit_code"]).drop_duplicates("unit_code").set_index(
        "unit_code")["parent_code"]
    chain, code = [unit_code], unit_code
    while code in parents.index and parents[code] and parents[code] not in chain:
        code = parents[code]
        chain.append(code)
    return chain + ([] if "VN" in chain else ["VN"])


def measure_target_gaps(indicators: pd.DataFrame, catalogue: pd.DataFrame, unit_code: str,
                        themes=TARGET_THEMES) -> Result:
    """Distance of a unit's indicators to published targets, refusing mixed definitions.

    Parameters
    ----------
    indicators
        The ``indicators`` table (targets are rows with ``is_target``).
    catalogue
        The ``indicator_catalogue`` table.
    unit_code
        The unit whose values are compared.
    themes
        Themes of the measured indicators (default infrastructure, cashless and financial
        inclusion).

    Returns
    -------
    Result
        ``table``: one row per value × target of the same concept set for the unit, its
        province or Vietnam:

        - ``unit_code``, ``unit_name``, ``indicator``, ``indicator_name``, ``period`` str;
          ``reference_year`` Int64; ``value`` float64 in ``unit`` (``percent`` = 0–100);
          ``value_status`` str;
        - ``target_indicator``, ``target_unit_code``, ``target_unit_name``, ``target_period``
          str; ``target_year`` Int64 (end of the target period); ``target_value`` float64 (the
          lower end of a range target); ``target_low``, ``target_high`` float64 (the range as
          published, NaN for a point target); ``target_status`` str;
        - ``comparable`` bool and ``explanation`` str (see :func:`check_comparable`);
        - ``gap`` float64 = target − value for a higher-is-better indicator (percentage
          points for shares; NaN when not comparable); ``met`` boolean (NA when not comparable).

        ``reason`` when the unit has no value in ``themes`` or no published target shares a
        concept with its values.

    Notes
    -----
    A province or national target applied to a district is a reference point, not the
    district's own commitment (``target_unit_code`` shows whose target it is). Periods are
    kept as published; undated values are compared but their ``reference_year`` is NA.
    """
    _require(indicators, ("unit_code", "is_target", "indicator", "theme", "value", "period"),
             "indicators")
    catalogue_by = catalogue.set_index("indicator")
    values = indicators[(indicators["unit_code"] == unit_code) & ~indicators["is_target"]
                        & indicators["theme"].isin(list(themes)) & indicators["value"].notna()]
    if values.empty:
        return _empty(TARGET_COLUMNS, why("no_indicator_values", unit_code=unit_code,
                                          themes=list(themes)))
    ancestors = _ancestors(indicators, unit_code)
    targets = indicators[indicators["is_target"] & indicators["unit_code"].isin(ancestors)
                         & indicators["value"].notna()]
    rows = []
    for value in values.to_dict("records"):
        measured = catalogue_by.loc[value["indicator"]]
        for target in targets.to_dict("records"):
            aim = catalogue_by.loc[target["indicator"]]
            if aim["concept"] != measured["concept"] and \
                    measured["target_indicator"] != target["indicator"]:
                continue
            verdict = check_comparable(catalogue, value["indicator"], target["indicator"])
            threshold = target["value_low"] if pd.notna(target["value_low"]) else target["value"]
            gap = np.nan
            if verdict.comparable:
                gap = (threshold - value["value"]) if measured["higher_is_better"] \
                    else (value["value"] - threshold)
            rows.append({
                **{k: value[k] for k in ("unit_code", "unit_name", "indicator", "period",
                                         "reference_year", "value", "unit", "value_status")},
                "indicator_name": measured["name_en"],
                "target_indicator": target["indicator"], "target_unit_code": target["unit_code"],
                "target_unit_name": target["unit_name"], "target_period": target["period"],
                "target_year": target["period_end_year"], "target_value": threshold,
                "target_low": target["value_low"], "target_high": target["value_high"],
                "target_status": target["value_status"], "comparable": verdict.comparable,
                "explanation": verdict.explanation, "gap": gap,
                "met": (gap <= 0) if verdict.comparable else pd.NA,
            })
    if not rows:
        return _empty(TARGET_COLUMNS, why("no_comparable_target", unit_code=unit_code))
    table = pd.DataFrame(rows).sort_values(["indicator", "target_indicator", "target_unit_code"])
    notes = []
    refused = table[~table["comparable"]]
    if len(refused):
        notes.append(why("pairs_not_compared", count=len(refused),
                         explanations=list(dict.fromkeys(refused["explanation"]))))
    return Result(_typed(table, TARGET_COLUMNS), notes=tuple(notes))
