"""lib.build.synthetic: schemas, determinism, codes that cannot be real, the synthetic banner flag."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lib.analysis import core as A
from lib.build import pipeline, synthetic
from lib.data.datasets import DATASETS
from lib.data.datasets.dti_frameworks import main_indicator_points
from lib.data.datasets.indicators import catalogue_schema
from lib.data.io import read_raw_csv
from lib.data.load import TABLES, load_table
from lib.data.paths import RAW_DIR, resolve_processed

SCHEMAS = {name: module.schema() for name, module in DATASETS.items()} | {
    "indicator_catalogue": catalogue_schema()}
DISTRICTS = "districts_of_99"


@pytest.fixture(scope="module")
def panel():
    return synthetic.generate_panel(seed=7)


@pytest.fixture(scope="module")
def sparse():
    return synthetic.generate_panel(seed=7, gaps=True, n_provinces=12, break_year=2023)


def test_same_tables_as_the_pipeline_and_schemas_pass(panel, sparse):
    for tables in (panel, sparse):
        assert set(tables) == set(TABLES)
        for name, schema in SCHEMAS.items():
            schema.validate(tables[name], lazy=True)
    scores = panel["dti_scores"]
    assert scores.groupby("reference_year")["unit_code"].nunique().to_dict() == \
        {2021: 9, 2022: 9, 2023: 9, 2024: 9}
    assert scores.groupby(["reference_year", "unit_code"]).size().eq(9).all()  # total + 8
    assert set(panel["indicators"].loc[panel["indicators"]["is_target"], "unit_code"]) == {"99"}


def test_deterministic_for_a_seed(panel):
    again = synthetic.generate_panel(seed=7, validate=False)
    for name in panel:
        pd.testing.assert_frame_equal(panel[name], again[name])
    other = synthetic.generate_panel(seed=8, validate=False)
    assert not other["dti_scores"]["score"].equals(panel["dti_scores"]["score"])


def test_codes_and_names_cannot_be_confused_with_real_units(panel):
    units = panel["units"]
    districts = units[units["unit_level"] == "district"]
    assert districts["unit_code"].tolist() == [str(c) for c in range(990, 999)]
    assert districts["unit_name"].iloc[0] == "A"
    assert units.loc[units["unit_level"] == "province", "unit_code"].tolist() == ["99"]
    real_codes = set()
    for file, column in (("admin_provinces_2025_merger.csv", "old_province_code"),
                         ("admin_provinces_2025_merger.csv", "new_province_code_2025_07"),
                         ("admin_districts_vinhphuc.csv", "unit_code"),
                         ("admin_communes_vinhphuc.csv", "unit_code")):
        real_codes |= set(read_raw_csv(RAW_DIR / file)[column])
    assert not real_codes & set(units["unit_code"])
    assert units["unit_name"].str.fullmatch(r"[A-Z]+|P\d+").all()
    assert synthetic.district_codes(10)[-1] == "999"
    assert synthetic.district_codes(11)[:2] == ["90000", "90001"]


def test_everything_says_synthetic(panel):
    for name in ("dti_scores", "dti_national", "indicators", "dti_frameworks"):
        assert set(panel[name]["source_type"]) == {"synthetic"}, name
    assert panel["sources"]["type"].tolist() == ["synthetic"]
    assert panel["sources"]["url"].iloc[0].startswith("synthetic://")
    assert set(panel["dti_scores"]["source_ids"]) == set(panel["sources"]["source_id"])
    assert panel["dti_scores"]["note"].str.contains("not real data").all()


def test_framework_points_come_from_the_raw_file(panel):
    frameworks = panel["dti_frameworks"]
    points = main_indicator_points(frameworks, synthetic.FRAMEWORK_ID)
    assert points.sum() == 1000.0 and points.tolist() == [100.0] * 5 + [200.0, 150.0, 150.0]


def test_points_add_up_within_rounding(panel):
    result = A.decompose_points(panel["dti_scores"], panel["dti_frameworks"], DISTRICTS, 2024)
    assert result.table["complete"].all() and len(result.table) == 9 * 8
    assert 0 < result.summary["max_abs_residual_points"] <= 0.05


def test_write_synthetic_sets_the_banner_flag(tmp_path):
    manifest = synthetic.write_synthetic(tmp_path, seed=3, n_units=5, n_years=2)
    assert manifest["synthetic"] is True
    on_disk = json.loads((resolve_processed(tmp_path) / "manifest.json").read_text(
        encoding="utf-8"))
    assert on_disk["synthetic"] is True and set(on_disk["tables"]) == set(TABLES)
    scores = load_table("dti_scores", tmp_path)
    assert len(scores) == 5 * 2 * 9 and scores["unit_code"].iloc[0] == "990"
    assert not pipeline.is_up_to_date(tmp_path)  # never mistaken for a real-data build


def test_sparse_panel_cases(sparse):
    scores = sparse["dti_scores"]
    totals = scores[(scores["indicator"] == "dti_total") & (scores["peer_group"] == DISTRICTS)]
    last = totals[totals["unit_code"] == "998"]
    assert last["score"].notna().tolist() == [False, False, False, True]  # one year only
    rank_only = totals[(totals["unit_code"] == "996") & (totals["reference_year"] == 2021)]
    assert rank_only["value_status"].tolist() == ["rank_only"]
    assert rank_only["rank"].notna().all()
    history = A.rank_history(scores, DISTRICTS, frameworks=sparse["dti_frameworks"])
    assert history.ok and any(n.code == "framework_break_pct" and 2023 in n.params["breaks"]
                              for n in history.notes)
    change = A.decompose_change(scores, sparse["dti_frameworks"], DISTRICTS, 2022, 2023)
    assert change.table["points_change"].isna().all()  # across the break: % of max only
    assert change.table["pct_of_max_change"].notna().any()
    decomposition = A.decompose_points(scores, sparse["dti_frameworks"], DISTRICTS, 2024)
    incomplete = decomposition.table[~decomposition.table["complete"]]
    assert set(incomplete["unit_code"]) == {"997"}


def test_province_peer_group(sparse):
    scores = sparse["dti_scores"]
    provinces = scores[scores["peer_group"] == synthetic.PROVINCE_PEER_GROUP]
    assert set(provinces["scale"]) == {"0-1"} and provinces["unit_code"].nunique() == 12
    assert {"99", "98001"} <= set(provinces["unit_code"])
    result = A.simulate_rank_uncertainty(scores, sparse["dti_frameworks"],
                                         synthetic.PROVINCE_PEER_GROUP, 2024, n_runs=200)
    assert result.ok and len(result.table) == 12
    assert sparse["dti_national"]["measure"].unique().tolist() == ["provincial_dti_mean"]


def test_large_panel_for_benchmarks():
    tables = synthetic.generate_panel(seed=1, n_units=2000, n_years=2)
    scores = tables["dti_scores"]
    assert scores["unit_code"].nunique() == 2000 and scores["unit_code"].str.len().eq(5).all()
    assert scores["rank_of"].eq(2000).all()
    ranks = A.rank_units(scores, DISTRICTS, 2022).table
    assert ranks["rank"].min() == 1 and ranks["rank_change"].notna().all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_units"):
        synthetic.generate_panel(n_units=0)
    with pytest.raises(ValueError, match="gaps"):
        synthetic.generate_panel(n_units=3, gaps=True)
    with pytest.raises(ValueError, match="break_year"):
        synthetic.generate_panel(break_year=2021)
