"""Pages say exactly what the sources say (issue 11): statuses, gaps, periods and seed facts,
checked on the real data and on the pages built from it."""

from __future__ import annotations

import pytest

from lib import profiles, report
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
    # 58 scores of ranks 6–63 are not entered (Trà Vinh's, 25th, comes from another source);
    # the chart shows the top, the unit's neighbours and the bottom, the collapsed table all 63
    assert "Cao Bằng not in this data set (published by MIC DTI portal (dti.gov.vn)) 61 of 63" \
        in english
    assert english.count("not in this data set (published by ") == 57
    vietnamese = visible_text(pages[("scores", "48", 2022, "vi")])
    assert "chưa được công bố" not in vietnamese
    assert "Bắc Kạn chưa có trong bộ số liệu này (Cổng thông tin DTI của Bộ TT&TT " \
           "(dti.gov.vn) có công bố) 63/63" in vietnamese
    assert vietnamese.count("chưa có trong bộ số liệu này (") == 57


@pytest.mark.slow
def test_vinh_phuc_2023_names_the_source_of_its_rank(pages):
    english = visible_text(pages[("scores", "26", 2023, "en")])
    assert "The 2023 DTI result of Vĩnh Phúc province is not in this data set " \
           "(published by MIC DTI portal" in english


def test_one_report_year_per_figure_the_2024_08_21_snapshot_is_a_2024_figure(processed):
    assert profiles.figure_year("2023-2024 (article of 2024-08-21)", 2023, 2024) == 2024
    assert profiles.figure_year("2014-2024", 2014, 2024) == 2024
    assert profiles.figure_year("end 2022", 2022, 2022) == 2022
    assert profiles.figure_year("undated (≤2024)", None, None) is None
    for themes in (profiles.INFRASTRUCTURE_THEMES, profiles.CASHLESS_THEMES):
        assert profiles.unit_indicators("246", 2023, themes).empty
    infrastructure = profiles.unit_indicators("246", 2024, profiles.INFRASTRUCTURE_THEMES)
    cashless = profiles.unit_indicators("246", 2024, profiles.CASHLESS_THEMES)
    assert set(infrastructure["period"]) == set(cashless["period"]) == {
        "2023-2024 (article of 2024-08-21)"}
    assert len(infrastructure) == 6 and len(cashless) == 4
    # the report plan: 2024 built, 2023 listed as "no data"
    plan = report.plan(report.load_config(), units=["246"], years=[2023, 2024])
    assert {"vi/2024/246-infrastructure", "vi/2024/246-cashless"} <= {j.key for j in plan.jobs}
    assert {"vi/2023/246-infrastructure", "en/2023/246-cashless"} <= {
        j.key for j in plan.no_data}


def test_coverage_counts_what_is_published_4_scores_and_1_rank(processed):
    from lib import narrative

    matrix = profiles.coverage("districts_of_26")
    assert matrix.loc["Tam Đảo", 2022] == "score"  # C1 cites its score, does not dispute it
    assert matrix.loc["Lập Thạch", 2022] == "rank only"  # 582.413 is derived, not published
    assert int((matrix == "score").sum().sum()) == 4
    assert narrative.coverage_sentence(matrix, "en") == (
        "Of 27 cases (9 units × 3 years): 4 have a published score, 1 has only a rank, 22 have nothing.")


def test_c1_explains_third_place_the_113_points_and_the_185_point_rise():
    from lib.profiles import conflict_descriptions
    from lib.texts import data_text

    c1 = conflict_descriptions().set_index("conflict_id").loc["C1"]
    english = c1["description"]
    assert "would have ranked 3rd, behind Vĩnh Yên (631) and Yên Lạc (593)" in english
    assert "744.213 − 113 ≈ 631" in english and "more than about 185 points" in english
    assert "Use the rank" not in english  # a statement for officials, no analysts' instruction
    vietnamese = data_text("conflict_description", english, "vi")
    assert "sẽ xếp thứ 3, sau Vĩnh Yên (631 điểm) và Yên Lạc (593 điểm)" in vietnamese
    assert "hơn khoảng 185 điểm" in vietnamese


def test_seed_facts_of_the_2024_08_21_article_are_in_the_data(tables):
    from lib import narrative

    rows = tables["indicators"]
    article = rows[(rows["unit_code"] == "246")
                   & rows["source_ids"].str.contains(tables["sources"].set_index("url").at[
                       "https://mic.gov.vn/lap-thach-dan-dau-ve-chuyen-doi-so-197240821085124281.htm",
                       "source_id"])].set_index("indicator")
    e_docs = article.loc["units_exchanging_and_signing_documents_electronically_share"]
    assert (e_docs["value"], e_docs["unit"], e_docs["source_type"]) == (100.0, "percent", "official")
    one_stop = article.loc["dossiers_processed_in_electronic_one_stop_share"]
    assert one_stop["indicator_label"] == \
        "Administrative procedures received and processed in the electronic one-stop system"
    targets = article.loc["dt_targets_achieved"]
    assert (targets["value"], targets["denominator"]) == (17.0, 17.0)
    assert "several above plan" in targets["note"]
    figures = profiles.unit_indicators("246", 2024, profiles.INFRASTRUCTURE_THEMES)
    names = list(narrative.indicator_table(figures, "vi").iloc[:, 0])
    assert "Tỷ lệ thủ tục hành chính được tiếp nhận, xử lý trên Hệ thống thông tin một cửa " \
           "điện tử" in names
    groups = tables["dti_scores"]
    firsts = groups[(groups["unit_code"] == "246") & (groups["reference_year"] == 2023)
                    & (groups["indicator_level"] == "group") & (groups["rank"] == 1)]
    assert len(firsts) == 2  # 2 of the 9 component criteria groups ranked 1st


def test_a_score_change_not_computed_gives_the_real_reasons(processed):
    from lib import narrative

    history = profiles.unit_history("26", "province_63")
    unit = profiles.get_unit("26", "province", 2022)
    sentence = narrative.change_sentence(unit, narrative.row_of(history, "26", 2021),
                                         narrative.row_of(history, "26", 2022), 2021, 2022,
                                         lang="en")
    assert sentence == ("Vĩnh Phúc province fell from 12th in 2021 to 18th in 2022; the score "
                        "change is not computed because the 2021 score is in conflict between "
                        "sources (C2) and the 2022 score is not in this data set.")
    assert "0.4880" not in sentence and "derived" not in sentence
    history = profiles.unit_history("246", "districts_of_26")
    unit = profiles.get_unit("246", "district", 2023)
    assert narrative.change_sentence(unit, narrative.row_of(history, "246", 2022),
                                     narrative.row_of(history, "246", 2023), 2022, 2023,
                                     lang="vi").endswith(
        "chưa tính thay đổi điểm vì điểm năm 2022 là số tính từ số liệu công bố và không thống "
        "nhất giữa các nguồn (C1).")
