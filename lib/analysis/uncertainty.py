"""Rank uncertainty (Monte Carlo over weights, normalisations and aggregations) and dominance pairs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from lib.data.datasets.dti_frameworks import main_indicator_points
from lib.data.files import sha256_bytes
from lib.data.paths import read_manifest
from lib.analysis.base import (
    AGGREGATIONS, GEOMETRIC_FLOOR, NORMALISATIONS, Result, empty_result, main_matrix, select_rows,
    typed_frame, why, year_framework)


def _complete_matrix(scores: pd.DataFrame, peer_group: str, year: int,
                     indicators=None) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Fractions of max (units × main indicators) of units with every indicator; names; notes."""
    pct, rows = main_matrix(scores, peer_group, year)
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
    ``data_version`` (:func:`lib.data.paths.read_manifest`), the peer group and the year: rebuilt
    pages on the same data are byte-identical, and each peer group gets its own stream."""
    key = f"{read_manifest().get('data_version', '')}|{peer_group}|{year}"
    return int(sha256_bytes(key.encode())[:8], 16)


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
    rows = select_rows(scores, peer_group, [year], levels=["main_indicator"])
    max_points = main_indicator_points(frameworks, year_framework(rows))
    if max_points.empty:
        return empty_result(UNCERTAINTY_COLUMNS, why("no_max_points", peer_group=peer_group, year=year))
    x, names, notes = _complete_matrix(scores, peer_group, year, max_points.index)
    if len(x) < 2:
        return empty_result(UNCERTAINTY_COLUMNS, why("too_few_complete_units", peer_group=peer_group,
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
        positive = (np.maximum(normalised, GEOMETRIC_FLOOR) if how == "official"
                    else GEOMETRIC_FLOOR + (1 - GEOMETRIC_FLOOR) * normalised)
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
    return Result(typed_frame(table, UNCERTAINTY_COLUMNS), notes=tuple(notes), summary=summary)


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
        return empty_result(DOMINANCE_COLUMNS, why("too_few_complete_units", peer_group=peer_group,
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
    return Result(typed_frame(table, DOMINANCE_COLUMNS), notes=tuple(notes),
                  summary={"n_units": n, "n_pairs": n * (n - 1) // 2,
                           "n_dominance_pairs": len(table)})
