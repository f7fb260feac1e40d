"""The dti_frameworks processed table: main-indicator points read from data/raw, breaks, errors."""

from __future__ import annotations

import pytest

from lib.data.datasets import dti_frameworks
from lib.data.io import DataError, read_raw_csv
from lib.data.paths import RAW_DIR

FILE = dti_frameworks.RAW_FILES[0]


@pytest.fixture(scope="module")
def raw():
    return {FILE: read_raw_csv(RAW_DIR / FILE)}


def test_qd922_points_from_the_raw_file(tables):
    frameworks = tables["dti_frameworks"]
    points = dti_frameworks.main_indicator_points(frameworks, "mic_qd922_2022")
    assert points.to_dict() == {
        "nhan_thuc_so_digital_awareness": 100.0, "the_che_so_digital_institutions": 100.0,
        "ha_tang_so_digital_infrastructure": 100.0, "nhan_luc_so_digital_human_resources": 100.0,
        "an_toan_thong_tin_mang_cybersecurity": 100.0,
        "hoat_dong_chinh_quyen_so_digital_government_activities": 200.0,
        "hoat_dong_kinh_te_so_digital_economy_activities": 150.0,
        "hoat_dong_xa_hoi_so_digital_society_activities": 150.0}
    # editions take their methodology's points; smart city (0 points, not scored) is left out
    assert dti_frameworks.main_indicator_points(frameworks, "mic_dti_2023").equals(points)
    assert dti_frameworks.main_indicator_points(frameworks, "vp_2023_district").empty
    smart = frameworks[frameworks["indicator"] == "do_thi_thong_minh_smart_city"].iloc[0]
    assert smart["max_points"] == 0 and not smart["scored"]
    total = frameworks[(frameworks["framework_id"] == "mic_qd922_2022")
                       & (frameworks["indicator_level"] == "total")]
    assert total["max_points"].tolist() == [1000.0]
    assert len(frameworks) == 30  # one row per raw row


def test_unreadable_points_are_kept_as_text(tables):
    row = tables["dti_frameworks"].iloc[0]
    assert row["framework_id"] == "mic_qd1726_2020"
    assert row["max_points_text"] == "400 / 300 / 300" and row["max_points"] != row["max_points"]


def test_unknown_framework_names_file_row_and_column(raw):
    broken = raw[FILE].copy()
    broken.loc[3, "framework_id"] = "made_up_2030"
    with pytest.raises(DataError, match=r"dti_frameworks.csv, row 5, column 'framework_id'"):
        dti_frameworks.clean({FILE: broken})


def test_points_must_add_up(raw):
    broken = raw[FILE].copy()
    broken.loc[broken["indicator_en"] == "Digital awareness", "max_points"] = "90"
    with pytest.raises(DataError, match=r"row 17, column 'max_points', value '1000': the main "
                                        r"indicators of mic_qd922_2022 add up to 990 points"):
        dti_frameworks.clean({FILE: broken})
