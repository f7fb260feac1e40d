"""Pages say exactly what the sources say (issue 11): statuses, gaps, periods and seed facts,
checked on the real data and on the pages built from it."""

from __future__ import annotations

import pytest

from lib.analysis import queries as profiles
from lib.batch import plan as planning, run as report
from lib.data.parse import parse_value
from lib.present import narrative
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
    plan = planning.plan(report.load_config(), units=["246"], years=[2023, 2024])
    assert {"vi/2024/246-infrastructure", "vi/2024/246-cashless"} <= {j.key for j in plan.jobs}
    assert {"vi/2023/246-infrastructure", "en/2023/246-cashless"} <= {
        j.key for j in plan.no_data}


def test_coverage_counts_what_is_published_4_scores_and_1_rank(processed):
    from lib.present import narrative

    matrix = profiles.coverage("districts_of_26")
    assert matrix.loc["Tam Đảo", 2022] == "score"  # C1 cites its score, does not dispute it
    assert matrix.loc["Lập Thạch", 2022] == "rank only"  # 582.413 is derived, not published
    assert int((matrix == "score").sum().sum()) == 4
    assert narrative.coverage_sentence(matrix, "en") == (
        "Of 27 cases (9 units × 3 years): 4 have a published score, 1 has only a rank, 22 have nothing.")


def test_c1_explains_third_place_the_113_points_and_the_185_point_rise():
    from lib.data.texts import data_text
    from lib.analysis.queries import conflict_descriptions

    c1 = conflict_descriptions().set_index("conflict_id").loc["C1"]
    english = c1["description"]
    assert "would have ranked 3rd, behind Vĩnh Yên (631) and Yên Lạc (593)" in english
    assert "744.213 − 113 ≈ 631" in english and "more than about 185 points" in english
    assert "Use the rank" not in english  # a statement for officials, no analysts' instruction
    vietnamese = data_text("conflict_description", english, "vi")
    assert "sẽ xếp thứ 3, sau Vĩnh Yên (631 điểm) và Yên Lạc (593 điểm)" in vietnamese
    assert "hơn khoảng 185 điểm" in vietnamese


def test_seed_facts_of_the_2024_08_21_article_are_in_the_data(tables):
    from lib.present import narrative

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


WEAK_HOSTS = ("tothethao", "ufabet", "xemdabong")


def test_no_row_cites_a_sports_or_gambling_site(tables):
    # issue 11 item 9: rows cited only to these hosts were replaced (VNBA, Agribank) or dropped
    cited = " ".join(tables["sources"]["url"].astype("string").fillna(""))
    notes = " ".join(" ".join(tables[name]["note"].astype("string").fillna(""))
                     for name in ("dti_scores", "dti_national", "indicators"))
    assert not [host for host in WEAK_HOSTS if host in cited or host in notes]


def test_the_account_share_is_vnba_about_87_percent_of_people_aged_15_plus(tables):
    indicators = tables["indicators"]
    row = indicators[indicators["indicator"] == "population_15plus_with_bank_account_share"].iloc[0]
    assert (row["value"], row["value_status"], row["reference_year"]) == (87, "approximate", 2024)
    assert row["unit_label"] == "% of people aged 15+" and "not comparable" in row["note"]
    sources = tables["sources"].set_index("source_id")
    assert sources.loc[row["source_ids"], "url"].startswith("https://vnba.org.vn/")
    cards = indicators[(indicators["indicator"] == "bank_cards_count")
                       & (indicators["reference_year"] == 2024)].iloc[0]
    assert cards["value"] == 138e6 and "agribank.com.vn" in sources.loc[cards["source_ids"], "url"]
    assert narrative.value_text(row, "vi") == "khoảng 87%" and narrative.value_text(row, "en") == "about 87%"


def test_a_figure_only_in_a_third_party_data_set_is_marked_beside_it(tables):
    scores = tables["dti_scores"]
    row = scores[(scores["unit_code"] == "46") & (scores["reference_year"] == 2020)
                 & (scores["indicator"] == "dti_total")].iloc[0]
    assert row["source_type"] == "third_party_dataset"   # 0.4097, only in the Hugging Face data set
    assert narrative.status_cell(row, "vi") == ("đã công bố; chỉ có trong một bộ dữ liệu của bên "
                                                 "thứ ba, chưa đối chiếu với nguồn chính thức")
    press = scores[(scores["unit_code"] == "246") & (scores["reference_year"] == 2023)
                   & (scores["indicator"] == "dti_total")].iloc[0]
    assert narrative.status_cell(press, "en") == "published; caveat (C8)"


def test_hue_is_thua_thien_hue_before_2025_and_hcmc_keeps_its_full_name(processed):
    # NQ 175/2024/QH15: Tỉnh Thừa Thiên Huế became Thành phố Huế on 2025-01-01 (same code 46)
    assert profiles.get_unit("46", "province", 2024).name == "Thừa Thiên Huế"
    assert narrative.unit_label(profiles.get_unit("46", "province", 2025), "vi") == "thành phố Huế"
    peers = profiles.peer_scores("province_63", 2020)
    assert peers.loc[peers["unit_code"] == "46", "unit_name"].item() == "Thừa Thiên Huế"  # 2nd, 0.4097
    hcmc = profiles.get_unit("79", "province", 2024)
    assert narrative.unit_label(hcmc, "vi") == "Thành phố Hồ Chí Minh"
    assert profiles.peer_scores("province_63", 2024).iloc[0]["unit_name"] == "Thành phố Hồ Chí Minh"


def test_2024_pages_name_both_rankings_and_their_leaders(processed):
    # VTC News (2025-10-21): HCMC 1st of the 63 pre-merger provinces, Hà Nội 1st of the 34
    unit = profiles.get_unit("48", "province", 2024)
    assert narrative.other_rankings_sentence(unit, "province_63", 2024, "vi") == (
        "Kết quả DTI năm 2024 còn được xếp hạng trong 34 tỉnh, thành phố theo địa giới sau sắp xếp "
        "năm 2025, do Hà Nội đứng đầu; trong bảng đó, thành phố Đà Nẵng xếp thứ 17/34.")
    assert narrative.other_rankings_sentence(unit, "province_63", 2023, "vi") == ""


def test_c1_disputes_lap_thach_2022_score_and_rank_not_tam_dao(processed):
    # C1: "either '161.8' or '5th' is wrong"; Tam Đảo's "gần 559" is its reference side
    peers = profiles.peer_scores("districts_of_26", 2022)
    lap_thach = dict(narrative.key_figures(peers[peers["unit_code"] == "246"].iloc[0],
                                           "vi").itertuples(index=False))
    assert lap_thach["Tình trạng của thứ hạng"] == "đã công bố; không thống nhất giữa các nguồn (C1)"
    tam_dao = peers[peers["unit_code"] == "248"].iloc[0]
    assert "C1" not in narrative.status_cell(tam_dao, "vi") and tam_dao["score"] == 559


def test_the_first_district_dti_year_is_the_reason_for_no_2021_rank(processed):
    unit = profiles.get_unit("246", "district", 2022)
    current = narrative.row_of(profiles.peer_scores("districts_of_26", 2022), "246")
    assert narrative.change_sentence(unit, None, current, 2021, 2022, lang="vi") == (
        "Năm 2022 là năm đầu tiên có kết quả DTI cấp huyện, nên không có thứ hạng năm 2021 để so sánh.")
    assert profiles.first_dti_year("province") == 2020


def test_the_2024_mean_says_it_is_over_the_34_merged_provinces(processed):
    # dti_national_aggregates.csv: provincial_dti_mean_34 = 0.6961 (34 provinces after the merger)
    unit = profiles.get_unit("48", "province", 2024)
    assert narrative.national_sentences(unit, profiles.national_dti_mean(2024), 2024, "vi") == [
        "Năm 2024, DTI bình quân của 34 tỉnh, thành phố theo địa giới sau sắp xếp năm 2025 là 0,6961."]
    assert narrative.national_sentences(unit, profiles.national_dti_mean(2023), 2023, "vi") == [
        "DTI bình quân các tỉnh, thành phố năm 2023 là 0,6783."]
