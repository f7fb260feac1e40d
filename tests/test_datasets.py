"""Real values of the processed tables, read back from Parquet."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from lib.data.datasets.dti_scores import best_estimates
from lib.data.paths import ROOT


def _total(scores: pd.DataFrame, year: int, code: str, group: str) -> pd.Series:
    rows = best_estimates(scores[scores["indicator"] == "dti_total"])
    row = rows[(rows["reference_year"] == year) & (rows["unit_code"] == code)
               & (rows["peer_group"] == group)]
    assert len(row) == 1
    return row.iloc[0]


def test_lap_thach_2023_is_first_of_nine_with_744_213(tables):
    row = _total(tables["dti_scores"], 2023, "246", "districts_of_26")
    assert row["unit_name"] == "Lập Thạch"
    assert row["score"] == pytest.approx(744.213)
    assert (row["rank"], row["rank_of"]) == (1, 9)
    assert row["scale"] == "points" and row["score_max"] == 1000
    assert row["value_status"] == "reported"


def test_lap_thach_2022_rank_5_and_derived_score_stays_flagged(tables):
    row = _total(tables["dti_scores"], 2022, "246", "districts_of_26")
    assert row["rank"] == 5
    assert row["value_status"] == "derived"
    assert row["score"] == pytest.approx(582.413)
    assert row["conflict_status"] == "conflicting" and "C1" in row["conflict_ids"]


def test_vinh_yen_2022_is_631_and_first(tables):
    row = _total(tables["dti_scores"], 2022, "243", "districts_of_26")
    assert row["unit_name"] == "Vĩnh Yên"
    assert row["score"] == 631 and row["rank"] == 1


def test_tam_dao_2022_just_under_559_is_an_approximate_upper_bound(tables):
    row = _total(tables["dti_scores"], 2022, "248", "districts_of_26")
    assert row["value_status"] == "approximate"
    assert row["score_high"] == 559 and row["rank"] == 3


def test_vinh_phuc_national_rank_2022_is_18_of_63(tables):
    row = _total(tables["dti_scores"], 2022, "26", "province_63")
    assert (row["rank"], row["rank_of"]) == (18, 63)
    assert row["value_status"] == "not_entered"  # dti.gov.vn has the score
    assert pd.isna(row["score"])


def test_provincial_scores_are_on_the_0_1_scale(tables):
    row = _total(tables["dti_scores"], 2022, "48", "province_63")
    assert row["unit_name"] == "Đà Nẵng"
    assert row["scale"] == "0-1" and row["score"] == pytest.approx(0.8002)
    assert row["pct_of_max"] == pytest.approx(80.02)


def test_shared_ranks_are_marked_as_ties(tables):
    scores = tables["dti_scores"]
    tied = scores[scores["rank_tied"] & (scores["reference_year"] == 2022)
                  & (scores["indicator"] == "dti_total")]
    assert set(tied["rank"]) == {15}
    assert len(tied["unit_code"].unique()) == 2


def test_missing_district_results_are_rows_with_missing_status(tables):
    scores = tables["dti_scores"]
    y2024 = scores[(scores["peer_group"] == "districts_of_26") & (scores["reference_year"] == 2024)]
    assert len(y2024) == 9
    assert (y2024["value_status"] == "missing").all() and y2024["score"].isna().all()


def test_bottom_3_rank_becomes_a_range(tables):
    scores = tables["dti_scores"]
    bottom = scores[scores["rank_text"] == "bottom 3"]
    assert len(bottom) == 3
    assert (bottom["rank_low"] == 32).all() and (bottom["rank_high"] == 34).all()
    assert bottom["rank"].isna().all()


def test_units_codes_are_zero_padded_strings(tables):
    units = tables["units"]
    communes = units[units["unit_level"] == "commune"]
    assert len(communes) == 137 and communes["unit_code"].str.fullmatch(r"\d{5}").all()
    assert "08707" in set(communes["unit_code"])
    districts = units[units["unit_level"] == "district"]
    assert sorted(districts["unit_code"]) == ["243", "244", "246", "247", "248", "249", "251",
                                              "252", "253"]
    assert (districts["valid_to"] == "2025-06-30").all()
    provinces = units[units["unit_level"] == "province"]
    assert len(provinces) == 63 + 34 + 1  # code 46 renamed on 2025-01-01 (Thừa Thiên Huế → Huế)
    vinh_phuc = provinces[provinces["unit_code"] == "26"].iloc[0]
    assert vinh_phuc["unit_name"] == "Vĩnh Phúc" and vinh_phuc["successor_code"] == "25"


def test_indicators_parse_messy_values(tables):
    ind = tables["indicators"].set_index(["unit_code", "indicator", "period"])
    accounts = ind.loc[("26", "population_15plus_with_transaction_account_share", "end 2022")]
    assert (accounts["value_low"], accounts["value_high"], accounts["value_status"]) == (65, 70, "range")
    targets = ind.loc[("246", "dt_targets_achieved", "2023-2024 (article of 2024-08-21)")]
    assert (targets["value"], targets["denominator"], targets["unit"]) == (17, 17, "ratio")
    pos = ind.loc[("246", "shops_using_pos_share", "2023-2024 (article of 2024-08-21)")]
    assert (pos["value"], pos["unit"], pos["period_start_year"], pos["period_end_year"]) == (
        85, "percent", 2023, 2024)
    subscribers = tables["indicators"]
    mobile = subscribers[subscribers["indicator"] == "mobile_subscribers_count"].iloc[0]
    assert mobile["value"] == 1_300_000 and mobile["value_status"] == "lower_bound"
    assert pd.isna(mobile["period_start_year"])  # "first 5 months of an unstated year"


def test_catalogue_has_vietnamese_names_and_concepts(tables):
    catalogue = tables["indicator_catalogue"].set_index("indicator")
    row = catalogue.loc["adults_18plus_with_transaction_account_share"]
    assert row["name_vi"].startswith("Tỷ lệ người từ 18 tuổi")
    assert row["concept"] == "account_ownership" and row["population"] == "people aged 18+"
    assert catalogue.loc["population_4g_coverage_share", "target_indicator"] == \
        "population_4g_coverage_target"


def test_every_row_points_to_a_cited_source(tables):
    sources = set(tables["sources"]["source_id"])
    for name in ("dti_scores", "indicators"):
        cited = {i for cell in tables[name]["source_ids"] for i in cell.split(";") if i}
        assert cited <= sources
    mic = tables["sources"].set_index("url").loc[
        "https://mic.gov.vn/lap-thach-dan-dau-ve-chuyen-doi-so-197240821085124281.htm"]
    assert mic["type"] == "official" and mic["date"] == "2024-08-21"
    assert "dti_district_vinhphuc.csv" in mic["raw_files"]


def test_reading_and_analysing_tables_does_not_import_pandera():
    """Notebooks, kernels and batch workers import these modules; pandera (0.4 s per process)
    is only needed where tables are validated."""
    code = ("import sys, lib.data.load, lib.analysis.queries, lib.analysis, lib.present.narrative, lib.present.display, "
            "lib.site.export, lib.batch.run; print('pandera' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.strip()
    assert out == "False"


def test_vietnamese_tables_use_vietnamese_names_and_statuses(processed):
    from lib.analysis import queries as profiles
    from lib.present import narrative

    peers = profiles.peer_scores("districts_of_26", 2023)
    row = peers[peers["unit_code"] == "246"].iloc[0]
    figures = dict(narrative.key_figures(row, "vi").itertuples(index=False))
    assert figures["Điểm DTI"] == "744,213 điểm"
    assert figures["Tình trạng của thứ hạng"] == "đã công bố"

    rows = profiles.unit_indicators("246", 2024, profiles.INFRASTRUCTURE_THEMES)
    names = narrative.indicator_table(rows, "vi")["Chỉ tiêu"]
    assert list(names[:3]) == [
        "Tỷ lệ đơn vị, địa phương trao đổi, xử lý văn bản và ký số trên môi trường điện tử",
        "Tỷ lệ xã, thị trấn có mạng truyền dẫn viễn thông cáp quang",
        "Tỷ lệ trạm thu phát sóng di động (BTS) có 3G/4G"]
    comparisons = profiles.comparators(rows, ["26", "VN"], 2024)
    table = narrative.comparison_table(rows, comparisons, "vi")
    assert table.iloc[0].tolist()[:4] == ["Tỷ lệ xã, thị trấn có mạng truyền dẫn viễn thông cáp quang",
                                          "100%", "Cả nước", "82,4% (% hộ gia đình)"]
    assert table.iloc[1]["So với"] == "Mục tiêu của Vĩnh Phúc"
