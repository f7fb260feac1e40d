"""Decomposition of a DTI total into its main indicators' points, and of a change between two years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.data.datasets.dti_frameworks import main_indicator_points, methodology_of
from lib.analysis.base import (
    Reason, Result, TOTAL, break_note, breaks_between, empty_result, framework_order,
    name_indicator, select_rows, total_points_of, typed_frame, why, year_framework)


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
    rows = select_rows(scores, peer_group, [year], levels=["main_indicator"])
    scored = rows[rows["score"].notna()]
    if scored.empty:
        return rows.iloc[0:0], why("no_main_scores", peer_group=peer_group, year=year), []
    framework_id = year_framework(scored)
    max_points = main_indicator_points(frameworks, framework_id)
    if max_points.empty:
        # staff workbooks give each main indicator's maximum in score_max (points scale)
        stated = scored[scored["scale"] == "points"].dropna(subset=["score_max"])
        stated = stated.drop_duplicates("indicator").set_index("indicator")["score_max"]
        max_points = stated.reindex(framework_order(stated.index)).astype("float64")
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
        return empty_result(DECOMPOSITION_COLUMNS, reason)
    totals = select_rows(scores, peer_group, [year], [TOTAL])
    totals = totals.assign(total_points=total_points_of(totals))[["unit_code", "total_points"]]
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
    return Result(typed_frame(grid, DECOMPOSITION_COLUMNS), notes=tuple(notes),
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
    breaks = breaks_between(scores, frameworks, peer_group, year_a, year_b)
    grids = []
    for year in (year_a, year_b):
        grid, reason, _ = _main_grid(scores, frameworks, peer_group, year)
        if reason is not None:
            return empty_result(CHANGE_DECOMPOSITION_COLUMNS, reason)
        grids.append(grid)
    keep = ["unit_code", "unit_name", "indicator", "pct_of_max", "points"]
    mains = grids[0][keep].merge(grids[1][keep], on=["unit_code", "unit_name", "indicator"],
                                 suffixes=("_a", "_b"))
    mains = mains[mains["pct_of_max_a"].notna() & mains["pct_of_max_b"].notna()]
    if unit_code is not None:
        mains = mains[mains["unit_code"] == unit_code]
    if mains.empty:
        return empty_result(CHANGE_DECOMPOSITION_COLUMNS,
                      why("no_main_both_years", unit_code=unit_code or "", peer_group=peer_group,
                          year_a=year_a, year_b=year_b))
    mains = mains.assign(indicator_level="main_indicator",
                         points_change=mains["points_b"] - mains["points_a"])
    units = mains.drop_duplicates("unit_code")[["unit_code", "unit_name"]]
    totals = select_rows(scores, peer_group, [year_a, year_b], [TOTAL])
    totals = totals.assign(points=total_points_of(totals))
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
    order = {i: k for k, i in enumerate([TOTAL, *framework_order(mains["indicator"]),
                                         "rounding_residual"])}
    table = table.sort_values(["unit_code", "indicator"], kind="stable",
                              key=lambda c: c.map(order) if c.name == "indicator" else c)
    table["pct_of_max_change"] = table["pct_of_max_b"] - table["pct_of_max_a"]
    if breaks:
        table[["points_a", "points_b", "points_change"]] = np.nan
    table["indicator_name"] = table["indicator"].map(
        lambda i: "Rounding residual" if i == "rounding_residual" else name_indicator(i))
    table["year_a"], table["year_b"] = year_a, year_b
    notes = list(break_note(breaks, year_a, year_b))
    if not breaks and not complete.all():
        notes.append(why("change_no_residual"))
    return Result(typed_frame(table, CHANGE_DECOMPOSITION_COLUMNS), notes=tuple(notes))
