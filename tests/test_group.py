"""Group analyses computed once per peer group and data version (lib.analysis.group)."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from lib.analysis import core as analysis
from lib.analysis import group
from lib.build.synthetic import write_synthetic
from lib.data import load
from lib.data.datasets.dti_scores import usable_scores

GROUP = "districts_of_99"


@pytest.fixture()
def panel(tmp_path, monkeypatch):
    """A 30-district synthetic panel (with gaps) as the processed data."""
    out = tmp_path / "processed"
    write_synthetic(out, n_units=30, n_years=3, gaps=True)
    monkeypatch.setenv("DTI_PROCESSED_DIR", str(out))
    monkeypatch.delenv(group.CACHE_ENV, raising=False)
    return out


def _direct(out):
    return usable_scores(load.load_table("dti_scores", out)), load.load_table("dti_frameworks",
                                                                                out)


def _same(a: analysis.Result, b: analysis.Result) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    assert (a.reason, a.notes) == (b.reason, b.notes)
    assert repr(a.summary) == repr(b.summary)


CALLS = [
    ("rank_units", (2023,), {}),
    ("rank_history", (), {}),
    ("decompose_points", (2023,), {}),
    ("simulate_rank_uncertainty", (2023,), {"n_runs": 300}),
    ("simulate_rank_uncertainty", (2023,), {"n_runs": 200, "seed": 7, "weights": "uniform"}),
    ("find_dominance_pairs", (2023,), {}),
    ("measure_rank_stability", (2022, 2023), {}),
    ("measure_sigma_convergence", (), {}),
]


@pytest.mark.parametrize("name, args, options", CALLS)
def test_group_result_equals_the_analysis_then_comes_from_disk(panel, monkeypatch, name, args,
                                                               options):
    scores, frameworks = _direct(panel)
    expected = {
        "rank_units": lambda: analysis.rank_units(scores, GROUP, *args, frameworks=frameworks),
        "rank_history": lambda: analysis.rank_history(scores, GROUP, frameworks=frameworks),
        "decompose_points": lambda: analysis.decompose_points(scores, frameworks, GROUP, *args),
        "simulate_rank_uncertainty": lambda: analysis.simulate_rank_uncertainty(
            scores, frameworks, GROUP, *args, **options),
        "find_dominance_pairs": lambda: analysis.find_dominance_pairs(scores, GROUP, *args),
        "measure_rank_stability": lambda: analysis.measure_rank_stability(
            scores, GROUP, *args, frameworks=frameworks),
        "measure_sigma_convergence": lambda: analysis.measure_sigma_convergence(scores, GROUP),
    }[name]()
    assert expected.ok and len(expected.table) >= 3
    first = group.run(name, GROUP, *args, **options)
    _same(first, expected)
    stored = list(group.cache_dir().rglob("*.pkl"))
    assert len(stored) == 1
    # the second call reads the stored result: the analysis is not run again
    monkeypatch.setitem(group.ANALYSES, name, lambda *a, **k: pytest.fail("recomputed"))
    load.reset_tables_read()
    second = group.run(name, GROUP, *args, **options)
    _same(second, expected)
    assert second is not first
    assert {"dti_scores", "dti_frameworks"} <= set(load.tables_read())


def test_other_options_years_and_groups_are_other_entries(panel):
    a = group.run("simulate_rank_uncertainty", GROUP, 2023, n_runs=100)
    b = group.run("simulate_rank_uncertainty", GROUP, 2023, n_runs=100, seed=1)
    c = group.run("simulate_rank_uncertainty", GROUP, 2022, n_runs=100)
    assert a.summary["seed"] != b.summary["seed"]
    assert (c.table["reference_year"] == 2022).all() and (a.table["reference_year"] == 2023).all()
    assert len(list(group.cache_dir().rglob("*.pkl"))) == 3
    missing = group.run("rank_units", "districts_of_nowhere", 2023)
    assert not missing.ok and missing.reason.params["peer_group"] == "districts_of_nowhere"


def test_new_data_version_gives_new_results_and_drops_old_entries(panel):
    before = group.run("rank_units", GROUP, 2023)
    old_folders = [p.name for p in group.cache_dir().iterdir()]
    write_synthetic(panel, seed=5, n_units=30, n_years=3, gaps=True)
    after = group.run("rank_units", GROUP, 2023)
    scores, frameworks = _direct(panel)
    _same(after, analysis.rank_units(scores, GROUP, 2023, frameworks=frameworks))
    assert not before.table["score"].equals(after.table["score"])
    folders = [p.name for p in group.cache_dir().iterdir()]
    assert len(folders) == 1 and folders != old_folders


def test_unreadable_entry_is_recomputed(panel):
    first = group.run("find_dominance_pairs", GROUP, 2023)
    [path] = group.cache_dir().rglob("*.pkl")
    path.write_bytes(b"not a pickle")
    _same(group.run("find_dominance_pairs", GROUP, 2023), first)
    assert isinstance(pickle.loads(path.read_bytes()), analysis.Result)


def test_unwritable_cache_still_returns_the_result(panel, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(group.CACHE_ENV, str(blocker / "cache"))  # a folder inside a file
    result = group.run("rank_units", GROUP, 2023)
    scores, frameworks = _direct(panel)
    _same(result, analysis.rank_units(scores, GROUP, 2023, frameworks=frameworks))
    assert "cannot store group result" in caplog.text


def test_unknown_analysis_and_unit_rows(panel):
    with pytest.raises(ValueError, match="unknown group analysis 'benchmark'"):
        group.run("benchmark", GROUP, 2023)
    pairs = group.run("find_dominance_pairs", GROUP, 2023)
    unit = pairs.table["unit_code"].iloc[0]
    mine = group.unit_rows(pairs, unit)
    expected = pairs.table[(pairs.table["unit_code"] == unit)
                           | (pairs.table["dominated_unit_code"] == unit)]
    assert len(mine) == len(expected) > 0
    assert set(mine["unit_code"]) | set(mine["dominated_unit_code"]) >= {unit}
    assert list(mine.dtypes) == list(pairs.table.dtypes)
    assert group.unit_rows(pairs, "nobody").empty
    with pytest.raises(ValueError, match="none of the columns"):
        group.unit_rows(pairs, unit, columns=("peer_unit_code",))
