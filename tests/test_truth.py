"""Pages say exactly what the sources say (issue 11): statuses, gaps, periods and seed facts,
checked on the real data and on the pages built from it."""

from __future__ import annotations

import pytest

from lib import report
from lib.parse import parse_value
from test_language import _render, visible_text

PAGES = [("scores", "48", "province", "Đà Nẵng", 2022),
         ("scores", "26", "province", "Vĩnh Phúc", 2023)]


@pytest.fixture(scope="module")
def pages(processed, tmp_path_factory):
    report.ensure_kernel()
    return _render(PAGES, processed, tmp_path_factory.mktemp("truth"))


def test_not_entered_is_its_own_status():
    assert parse_value("not entered").status == "not_entered"
    assert parse_value("chưa nhập").value is None
    assert parse_value("n/a").status == "missing"


def test_scores_published_at_the_portal_are_not_entered_not_missing(tables):
    scores = tables["dti_scores"]
    rows = scores[(scores["reference_year"] == 2022) & (scores["peer_group"] == "province_63")
                  & (scores["indicator"] == "dti_total")]
    not_entered = rows[rows["value_status"] == "not_entered"]
    # dti.gov.vn publishes all 63 scores; ranks 1–5 are entered, 6–63 (58 units) are not
    assert len(not_entered) == 58
    assert not_entered["rank"].min() == 6 and not_entered["score"].isna().all()
    vinh_phuc = not_entered[not_entered["unit_code"] == "26"].iloc[0]
    assert vinh_phuc["rank"] == 18
    assert (rows[rows["rank"] <= 5]["value_status"] == "reported").all()
    later = scores[(scores["unit_code"] == "26") & (scores["peer_group"] == "province_63")
                   & scores["reference_year"].isin([2023, 2024])]
    assert set(later["value_status"]) == {"not_entered"}


@pytest.mark.slow
def test_da_nang_2022_shows_no_not_published_for_a_published_score(pages):
    english = visible_text(pages[("scores", "48", 2022, "en")])
    assert "not published" not in english
    # 58 scores of ranks 6–63 are not entered; Trà Vinh's (25th) comes from another source
    assert english.count("not in this data set (published by ") == 57
    vietnamese = visible_text(pages[("scores", "48", 2022, "vi")])
    assert "chưa được công bố" not in vietnamese
    assert vietnamese.count("chưa có trong bộ số liệu này (") == 57


@pytest.mark.slow
def test_vinh_phuc_2023_names_the_source_of_its_rank(pages):
    english = visible_text(pages[("scores", "26", 2023, "en")])
    assert "The 2023 DTI result of Vĩnh Phúc province is not in this data set " \
           "(published by MIC DTI portal" in english
