"""Costs that do not grow with the peer group: the vectorised Monte Carlo, pages that stay
small, the national-scale synthetic panel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib import analysis
from lib.datasets.dti_scores import usable_scores
from lib.synthetic import generate_panel

EXPECTED = Path(__file__).parent / "expected"


@pytest.mark.parametrize("n_units, gaps, weights", [(40, True, "dirichlet"),
                                                     (40, True, "uniform"),
                                                     (150, False, "dirichlet")])
def test_monte_carlo_matches_the_recorded_output(n_units, gaps, weights):
    """The whole-array Monte Carlo gives exactly the ranks of the chunked implementation it
    replaced (``tests/expected/rank_uncertainty.csv``, recorded from it with the same seed)."""
    expected = pd.read_csv(EXPECTED / "rank_uncertainty.csv", dtype={"unit_code": str})
    expected = expected[expected["case"] == f"{n_units}-{gaps}-{weights}"].drop(columns="case")
    tables = generate_panel(n_units=n_units, n_years=2, gaps=gaps, validate=False)
    result = analysis.simulate_rank_uncertainty(usable_scores(tables["dti_scores"]),
                                                tables["dti_frameworks"], "districts_of_99",
                                                2022, n_runs=400, weights=weights)
    got = result.table[list(expected.columns)].astype(
        {c: "int64" for c in ("official_rank", "median_rank", "rank_low", "rank_high")})
    assert len(got) == n_units - gaps
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_exact=True)
    # the intervals are real: some units move, every interval holds its median
    assert (got["rank_high"] > got["rank_low"]).any()
    assert ((got["rank_low"] <= got["median_rank"]) & (got["median_rank"] <= got["rank_high"])).all()
