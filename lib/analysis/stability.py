"""Change between two years: rank stability, change summaries, σ- and β-convergence.

Every function takes ``scores`` (the ``dti_scores`` table), a ``peer_group``, an
``indicator`` (default the DTI total) and, where it compares two reference years, ``year_a``
and ``year_b``, ``frameworks`` (the ``dti_frameworks`` table, for the note on a framework
break between them) and ``min_units`` (the fewest units needed in both years).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from lib.analysis.base import (
    Result, TOTAL, break_note, breaks_between, empty_result, select_rows, typed_frame, why)
from lib.analysis.ranks import rank_year


def _paired(scores: pd.DataFrame, peer_group: str, year_a: int, year_b: int,
            indicator: str) -> pd.DataFrame:
    """Per unit: rank and % of max in both years (outer join of the two rank tables)."""
    tables = []
    for year in (year_a, year_b):
        table, _, _ = rank_year(scores, peer_group, year, indicator)
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
        return empty_result(STABILITY_COLUMNS, why(
            "too_few_for_stability", count=len(scored), n_ranked=len(ranked),
            peer_group=peer_group, indicator=indicator, year_a=year_a, year_b=year_b,
            needed=min_units))
    ties = len(np.unique(a)) < len(a) or len(np.unique(b)) < len(b)
    method = "asymptotic" if ties else "exact"
    tau = stats.kendalltau(a, b, method=method)
    rho, rho_p, rho_method = _spearman(a, b)
    breaks = breaks_between(scores, frameworks, peer_group, year_a, year_b)
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
    return Result(typed_frame(used.sort_values("unit_code"), STABILITY_COLUMNS), notes=tuple(notes),
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

    Parameters (besides those of the module docstring)
    --------------------------------------------------
    n_resamples, seed, confidence_level
        Passed to ``scipy.stats.bootstrap`` (``method="BCa"``, ``rng`` seeded).

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
        return empty_result(CHANGE_COLUMNS, why("too_few_units_both_years", count=len(both),
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
        # degenerate (all-equal) changes give NaN bounds: that is the answer, not a fault
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = stats.bootstrap((d,), np.mean, method="BCa", n_resamples=n_resamples,
                             confidence_level=confidence_level,
                             rng=np.random.default_rng(seed)).confidence_interval
    breaks = breaks_between(scores, frameworks, peer_group, year_a, year_b)
    notes.extend(break_note(breaks, year_a, year_b))
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
    return Result(typed_frame(both.sort_values("unit_code"), CHANGE_COLUMNS), notes=tuple(notes),
                  summary=summary)


SIGMA_COLUMNS = {
    "reference_year": "int64", "n_units": "Int64", "mean_pct": "float64", "sd_pct": "float64",
    "cv": "float64", "min_pct": "float64", "max_pct": "float64", "range_pct": "float64",
}


def measure_sigma_convergence(scores: pd.DataFrame, peer_group: str, indicator: str = TOTAL,
                              years=None, balanced: bool = True) -> Result:
    """σ-convergence: the dispersion of scores across units, year by year.

    Parameters (besides those of the module docstring)
    --------------------------------------------------
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
    rows = select_rows(scores, peer_group, years, [indicator])
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
        return empty_result(SIGMA_COLUMNS, why("too_few_for_convergence", peer_group=peer_group,
                                         indicator=indicator, balanced=balanced, needed=2))
    notes = () if balanced else (why("unbalanced_years"),)
    return Result(typed_frame(pd.DataFrame(out), SIGMA_COLUMNS), notes=notes)


BETA_COLUMNS = {
    "unit_code": "str", "unit_name": "str", "start_pct": "float64", "end_pct": "float64",
    "growth_pct_per_year": "float64",
}


def measure_beta_convergence(scores: pd.DataFrame, peer_group: str, year_a: int, year_b: int,
                             indicator: str = TOTAL, frameworks: pd.DataFrame | None = None,
                             min_units: int = 3) -> Result:
    """β-convergence: do units that started lower grow faster? (Theil–Sen slope)

    ``year_a`` is the start year, ``year_b`` the end year.

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
        return empty_result(BETA_COLUMNS, why("too_few_units_both_years", count=len(both),
                                        peer_group=peer_group, indicator=indicator,
                                        year_a=year_a, year_b=year_b, needed=min_units))
    table = pd.DataFrame({"unit_code": both["unit_code"], "unit_name": both["unit_name"],
                          "start_pct": both["pct_of_max_a"], "end_pct": both["pct_of_max_b"]})
    table["growth_pct_per_year"] = 100.0 * np.log(table["end_pct"] / table["start_pct"]) \
        / (year_b - year_a)
    fit = stats.theilslopes(table["growth_pct_per_year"], table["start_pct"])
    breaks = breaks_between(scores, frameworks, peer_group, year_a, year_b)
    summary = {"slope": float(fit.slope), "intercept": float(fit.intercept),
               "slope_low": float(fit.low_slope), "slope_high": float(fit.high_slope),
               "converging": bool(fit.high_slope < 0), "n_units": len(table),
               "framework_breaks": breaks}
    return Result(typed_frame(table.sort_values("unit_code"), BETA_COLUMNS),
                  notes=break_note(breaks, year_a, year_b), summary=summary)
