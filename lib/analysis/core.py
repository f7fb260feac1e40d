"""Analyses of DTI scores and related indicators: pure functions on the processed tables.

This module gathers the public names of the topic modules, so that a notebook needs one import
(``from lib.analysis import core as analysis``): :mod:`.base` (the :class:`Result` convention,
framework breaks), :mod:`.ranks`, :mod:`.decomposition`, :mod:`.benchmarks` (strengths, bands,
peer benchmarks), :mod:`.uncertainty` (Monte Carlo, dominance), :mod:`.stability` (change,
convergence) and :mod:`.targets`.

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

from lib.analysis.base import (
    AGGREGATIONS, LEVEL_BANDS, NORMALISATIONS, TARGET_THEMES, TOTAL, Comparability, Reason,
    Result, change_arrow, list_framework_breaks, name_indicator, why)
from lib.analysis.ranks import RANK_COLUMNS, rank_history, rank_units
from lib.analysis.decomposition import (
    CHANGE_DECOMPOSITION_COLUMNS, DECOMPOSITION_COLUMNS, decompose_change, decompose_points)
from lib.analysis.benchmarks import (
    BENCHMARK_COLUMNS, PEER_COLUMNS, STRENGTH_COLUMNS, assign_level_band, benchmark_unit,
    find_nearest_peers, find_strengths_weaknesses)
from lib.analysis.uncertainty import (
    DOMINANCE_COLUMNS, UNCERTAINTY_COLUMNS, find_dominance_pairs, rank_seed,
    simulate_rank_uncertainty)
from lib.analysis.stability import (
    BETA_COLUMNS, CHANGE_COLUMNS, SIGMA_COLUMNS, STABILITY_COLUMNS, measure_beta_convergence,
    measure_rank_stability, measure_sigma_convergence, summarise_change)
from lib.analysis.targets import TARGET_COLUMNS, check_comparable, measure_target_gaps

__all__ = [
    "AGGREGATIONS", "LEVEL_BANDS", "NORMALISATIONS", "TARGET_THEMES", "TOTAL", "Comparability",
    "Reason", "Result", "change_arrow", "list_framework_breaks", "name_indicator", "why",
    "RANK_COLUMNS", "rank_history", "rank_units", "CHANGE_DECOMPOSITION_COLUMNS",
    "DECOMPOSITION_COLUMNS", "decompose_change", "decompose_points", "BENCHMARK_COLUMNS",
    "PEER_COLUMNS", "STRENGTH_COLUMNS", "assign_level_band", "benchmark_unit",
    "find_nearest_peers", "find_strengths_weaknesses", "DOMINANCE_COLUMNS", "UNCERTAINTY_COLUMNS",
    "find_dominance_pairs", "rank_seed", "simulate_rank_uncertainty", "BETA_COLUMNS",
    "CHANGE_COLUMNS", "SIGMA_COLUMNS", "STABILITY_COLUMNS", "measure_beta_convergence",
    "measure_rank_stability", "measure_sigma_convergence", "summarise_change", "TARGET_COLUMNS",
    "check_comparable", "measure_target_gaps",
]
