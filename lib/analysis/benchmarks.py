"""Strengths and weaknesses, level bands, peer benchmarks and nearest peers.

Every function about one unit takes ``scores`` (the ``dti_scores`` table), the unit's
``peer_group``, the reference ``year`` and the ``unit_code``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from lib.analysis.base import (
    LEVEL_BANDS, Result, empty_result, main_matrix, name_indicator, select_rows,
    typed_frame, why)


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

    Parameters (besides those of the module docstring)
    --------------------------------------------------
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
    pct, rows = main_matrix(scores, peer_group, year)
    mine = rows[(rows["unit_code"] == unit_code)
                & (rows["score"].notna() | rows["rank"].notna())]
    if len(mine) < 2:
        return empty_result(STRENGTH_COLUMNS, why("too_few_main_indicators", unit_code=unit_code,
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
    return Result(typed_frame(table.reset_index(drop=True), STRENGTH_COLUMNS), notes=tuple(notes))


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

    ``bands``: the level bands for :func:`assign_level_band`.

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
    rows = select_rows(scores, peer_group, [year], levels=["total", "pillar", "main_indicator"])
    rows = rows[rows["pct_of_max"].notna()]
    mine = rows[rows["unit_code"] == unit_code]
    if mine.empty:
        return empty_result(BENCHMARK_COLUMNS, why("unit_has_no_score", unit_code=unit_code,
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
    return Result(typed_frame(table, BENCHMARK_COLUMNS))


PEER_COLUMNS = {
    "reference_year": "int64", "unit_code": "str", "peer_unit_code": "str",
    "peer_unit_name": "str", "distance": "float64", "n_indicators": "Int64",
    "closeness_rank": "Int64",
}


def find_nearest_peers(scores: pd.DataFrame, peer_group: str, year: int, unit_code: str,
                       n: int = 3, metric: str = "euclidean") -> Result:
    """Units with the most similar profile of main indicators (% of max).

    Parameters (besides those of the module docstring)
    --------------------------------------------------
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
    pct, rows = main_matrix(scores, peer_group, year)
    if unit_code not in pct.index or pct.loc[unit_code].notna().sum() < 2:
        return empty_result(PEER_COLUMNS, why("too_few_main_scores", unit_code=unit_code,
                                        peer_group=peer_group, year=year, needed=2))
    used = pct.columns[pct.loc[unit_code].notna()]
    others = pct.drop(index=unit_code)[used].dropna()
    if others.empty:
        return empty_result(PEER_COLUMNS, why("no_peer_same_indicators", peer_group=peer_group,
                                        count=len(used), year=year))
    distance = cdist(pct.loc[[unit_code], used].to_numpy(), others.to_numpy(), metric=metric)[0]
    names = rows.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    table = pd.DataFrame({"peer_unit_code": others.index, "distance": distance})
    table = table.sort_values(["distance", "peer_unit_code"]).head(n)
    table["peer_unit_name"] = table["peer_unit_code"].map(names)
    table["closeness_rank"] = np.arange(1, len(table) + 1)
    table["unit_code"], table["reference_year"], table["n_indicators"] = unit_code, year, len(used)
    return Result(typed_frame(table, PEER_COLUMNS))
