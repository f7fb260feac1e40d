"""Ranks of a peer group in a year, and their history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from lib.analysis.base import (
    Reason, Result, TOTAL, break_note, breaks_between, change_arrow, empty_result, select_rows,
    total_points_of, typed_frame, why)


RANK_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "unit_name": "str", "indicator": "str",
    "score": "float64", "scale": "str", "points": "float64", "pct_of_max": "float64",
    "value_status": "str", "rank": "Int64", "rank_of": "Int64", "rank_basis": "str",
    "rank_tied": "bool", "previous_rank": "Int64", "rank_change": "Int64", "rank_arrow": "str",
    "previous_pct_of_max": "float64", "pct_of_max_change": "float64", "points_change": "float64",
    "framework_id": "str", "conflict_ids": "str",
}


def rank_year(scores: pd.DataFrame, peer_group: str, year: int,
               indicator: str) -> tuple[pd.DataFrame, Reason | None, list[Reason]]:
    """One year's rank table without the change columns, or an empty frame and a reason."""
    rows = select_rows(scores, peer_group, [year], [indicator])
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
        points = total_points_of(rows)
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
    table, reason, notes = rank_year(scores, peer_group, year, indicator)
    if reason is not None:
        return empty_result(RANK_COLUMNS, reason)
    before, before_reason, _ = rank_year(scores, peer_group, previous_year, indicator)
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
    breaks = breaks_between(scores, frameworks, peer_group, previous_year, year)
    table["points_change"] = np.nan if breaks else table["points"] - table["_prev_points"]
    if before_reason is None:
        notes.extend(break_note(breaks, previous_year, year))
    table = table.sort_values(["rank", "unit_code"], na_position="last")
    return Result(typed_frame(table, RANK_COLUMNS), notes=tuple(notes))


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
        notes.extend(break_note(breaks_between(scores, frameworks, peer_group, int(years[0]),
                                         int(years[-1])), int(years[0]), int(years[-1])))
    if not tables:
        return empty_result(RANK_COLUMNS, why("no_score_or_rank_any_year", peer_group=peer_group,
                                        indicator=indicator),
                      tuple(notes))
    return Result(typed_frame(pd.concat(tables, ignore_index=True), RANK_COLUMNS), notes=tuple(notes))
