"""Costs that do not grow with the peer group: the vectorised Monte Carlo, pages that stay
small, the national-scale synthetic panel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.analysis import core as analysis
from lib.analysis import queries as profiles
from lib.build.synthetic import generate_country, generate_panel
from lib.data.datasets.dti_scores import usable_scores

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
                                                2022, n_runs=400, weights=weights, seed=20240821)
    got = result.table[list(expected.columns)].astype(
        {c: "int64" for c in ("official_rank", "median_rank", "rank_low", "rank_high")})
    assert len(got) == n_units - gaps
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_exact=True)
    # the intervals are real: some units move, every interval holds its median
    assert (got["rank_high"] > got["rank_low"]).any()
    assert ((got["rank_low"] <= got["median_rank"]) & (got["median_rank"] <= got["rank_high"])).all()


def _peers(n: int) -> pd.DataFrame:
    return pd.DataFrame({"unit_code": [f"u{i:04d}" for i in range(n)],
                         "rank": pd.array(range(1, n + 1), dtype="Int64")})


def test_peers_for_display_keeps_small_groups_whole():
    peers = _peers(40).iloc[::-1]  # any order is kept as given
    shown = profiles.peers_for_display(peers, "u0003")
    assert list(shown["unit_code"]) == list(peers["unit_code"])
    assert list(shown.dtypes) == list(peers.dtypes)


def test_peers_for_display_top_neighbours_bottom():
    peers = _peers(1000)
    shown = profiles.peers_for_display(peers, "u0500")
    assert list(shown["rank"]) == [1, 2, 3, *range(498, 505), 998, 999, 1000]
    wider = profiles.peers_for_display(peers, "u0500", neighbours=5, ends=5)
    assert list(wider["rank"]) == [1, 2, 3, 4, 5, *range(496, 507), 996, 997, 998, 999, 1000]
    # near the top the neighbours and the top overlap, and nothing is repeated
    near_top = profiles.peers_for_display(peers, "u0002")
    assert list(near_top["rank"]) == [*range(1, 7), 998, 999, 1000]
    last = profiles.peers_for_display(peers, "u0999", neighbours=2, ends=1)
    assert list(last["rank"]) == [1, 998, 999, 1000]
    # no unit (a province overview): the top and the bottom only
    assert list(profiles.peers_for_display(peers, "", ends=2)["rank"]) == [1, 2, 999, 1000]
    assert len(profiles.peers_for_display(_peers(41), "u0020")) == 13


def test_history_for_display_follows_the_peers_shown():
    peers = _peers(100)
    history = pd.concat([peers.assign(reference_year=2022), peers.assign(reference_year=2023),
                         pd.DataFrame({"unit_code": ["gone"], "rank": [1],
                                       "reference_year": [2021]})], ignore_index=True)
    drawn = profiles.history_for_display(history, peers, "u0050")
    assert set(drawn["unit_code"]) == {"u0000", "u0001", "u0002", *(f"u{i:04d}" for i in
                                                                    range(47, 54)),
                                       "u0097", "u0098", "u0099"}
    assert len(drawn) == 2 * 13
    small = peers.head(40)  # this year's table is short, the history is long (63 ranked in 2022)
    assert set(profiles.history_for_display(history, small, "u0001")["unit_code"]) == \
        set(small["unit_code"])
    few = history.head(40)  # at most 40 units over the years: every line drawn
    assert profiles.history_for_display(few, peers, "u0001") is few


def test_peers_for_display_errors():
    with pytest.raises(ValueError, match="unit_code"):
        profiles.peers_for_display(pd.DataFrame({"code": ["a"]}), "a")
    with pytest.raises(ValueError, match="negative"):
        profiles.peers_for_display(_peers(3), "u0001", neighbours=-1)


def test_national_scale_synthetic_country():
    tables = generate_country()  # validated against every processed-table schema
    units, scores = tables["units"], tables["dti_scores"]
    communes = units[units["unit_level"] == "commune"]
    provinces = units[units["unit_level"] == "province"]
    assert (len(communes), len(provinces)) == (3300, 34)
    assert communes["unit_code"].is_unique and communes["unit_code"].str.fullmatch(r"9\d{4}").all()
    assert set(communes["parent_code"]) == set(provinces["unit_code"])
    totals = scores[(scores["indicator"] == "dti_total") & (scores["reference_year"] == 2026)]
    groups = totals[totals["unit_level"] == "commune"].groupby("peer_group")
    sizes = groups["unit_code"].nunique()
    assert len(sizes) == 34 and sizes.sum() == 3300 and 40 <= sizes.min() < sizes.max() <= 160
    # each commune is ranked among its own province's communes, 1 … n
    for peer_group, rows in groups:
        province = peer_group.removeprefix("communes_of_")
        assert set(rows["unit_code"]) == set(communes.loc[communes["parent_code"] == province,
                                                          "unit_code"])
        assert sorted(rows["rank"]) == sorted(rows["score"].rank(ascending=False, method="min"))
        assert (rows["rank_of"] == len(rows)).all()
    assert set(tables["indicators"].loc[~tables["indicators"]["is_target"], "unit_level"]) == \
        {"commune"}
    assert sorted(scores.loc[scores["peer_group"] == "province_synthetic", "unit_code"]
                  .unique()) == sorted(provinces["unit_code"])
    again = generate_country(n_provinces=3, n_communes=20, validate=False)
    pd.testing.assert_frame_equal(again["dti_scores"],
                                  generate_country(n_provinces=3, n_communes=20,
                                                   validate=False)["dti_scores"])
    with pytest.raises(ValueError, match="at least 4 per province"):
        generate_country(n_provinces=34, n_communes=100)
