"""The audit of the built pages against data/raw and the founding article (issue 11, follow-up):
each test checks one fault on the real data."""

from __future__ import annotations

import pytest

from lib.data.texts import period_label_full
from lib.present.facts import header_facts


@pytest.mark.parametrize("notebook", ["infrastructure", "cashless"])
def test_a_snapshot_header_states_its_period_not_only_the_report_year(processed, notebook):
    # the 2024-08-21 article's figures cover 2023-2024 and are filed under 2024 only
    params = {"unit_code": "246", "unit_level": "district", "reference_year": 2024}
    vi = header_facts(notebook, params, "vi")
    en = header_facts(notebook, params, "en")
    assert vi["period"] == "Số liệu giai đoạn 2023–2024 (theo bài viết ngày 21/8/2024), xếp vào năm 2024"
    assert en["period"] == "Figures for 2023–2024 (article of 21 August 2024), filed under 2024"
    assert "period" not in header_facts(notebook, dict(params, reference_year=2023), "vi")
    assert period_label_full("2023-2024 (article of 2024-08-21)", "en") == \
        "2023–2024 (article of 21 August 2024)"


def test_seed_items_use_the_founding_articles_wording(processed):
    # mic.gov.vn 2024-08-21: "100% đơn vị, địa phương trao đổi, xử lý văn bản và ký số trên môi
    # trường điện tử; 100% thủ tục hành chính được tiếp nhận, xử lý trên hệ thống một cửa điện tử"
    from lib.analysis import queries as profiles
    from lib.present import narrative

    rows = profiles.unit_indicators("246", 2024, profiles.INFRASTRUCTURE_THEMES)
    vi = list(narrative.indicator_table(rows, "vi").iloc[:, 0])
    en = list(narrative.indicator_table(rows, "en").iloc[:, 0])
    assert "Tỷ lệ đơn vị, địa phương trao đổi, xử lý văn bản và ký số trên môi trường điện tử" in vi
    assert "Tỷ lệ thủ tục hành chính được tiếp nhận, xử lý trên Hệ thống thông tin một cửa " \
           "điện tử" in vi
    assert not any("cơ quan, đơn vị" in name for name in vi)
    assert "Units and localities that exchange, process and digitally sign documents " \
           "electronically" in en
    assert "Administrative procedures received and processed in the electronic one-stop " \
           "system" in en
    table = narrative.indicator_table(rows, "vi")
    assert "% số đơn vị, địa phương" in table.iloc[:, 2].tolist()


def test_a_different_definition_is_called_a_different_indicator(processed):
    from lib.analysis import core as analysis, queries as profiles
    from lib.data.load import load_table
    from lib.present import narrative

    indicators, catalogue = load_table("indicators"), load_table("indicator_catalogue")
    gaps = analysis.measure_target_gaps(indicators, catalogue, "246",
                                        themes=profiles.CASHLESS_THEMES).table
    vi = narrative.target_table(gaps, "vi")
    en = narrative.target_table(gaps, "en")
    assert "không tính (chỉ tiêu khác)" in vi.iloc[:, 3].tolist()  # adults 18+ against people 15+
    assert "not computed (different indicator)" in en.iloc[:, 3].tolist()
    for lang in ("vi", "en"):
        text = " ".join(" ".join(map(str, t.iloc[:, 3])) for t in (vi, en))
        assert "khác định nghĩa" not in text and "different definition" not in text


def test_source_lines_name_each_publisher_once_with_its_own_date(processed):
    import pandas as pd

    from lib.data.load import load_table
    from lib.present import display

    rows = load_table("indicators")
    vnexpress = rows[rows["indicator"] == "households_with_fibre_share_target"]
    for lang in ("vi", "en"):
        line = display.source_html(vnexpress, lang).split("</p>")[0]
        assert "DTI 2020" not in line  # the fibre target's date is the article's, early 2022
        assert "đầu năm 2022" in line if lang == "vi" else "early 2022" in line
    national = rows[(rows["indicator"] == "households_with_fibre_broadband_share")
                    & rows["period"].astype(str).str.startswith("2024")]
    for lang in ("vi", "en"):
        line = display.source_html(national, lang).split("</p>")[0]
        assert line.count("vietnam.vn (") == 1 and line.count("<a href") == 2  # two articles
    article = rows[rows["indicator"] == "units_exchanging_and_signing_documents_electronically_share"]
    line = display.source_html(pd.concat([article]), "vi").split("</p>")[0]
    assert line.count("Bộ Thông tin và Truyền thông") == 1


def test_the_derived_2022_score_is_not_called_unused_beside_its_formula(processed):
    from lib.analysis import queries as profiles
    from lib.present import narrative

    peers = profiles.peer_scores("districts_of_26", 2022)
    row = peers[peers["unit_code"] == "246"].iloc[0]
    vi, en = narrative.score_text(row, "vi"), narrative.score_text(row, "en")
    assert vi == "số tính từ số liệu công bố (xem cách tính); các nguồn không thống nhất (C1)"
    assert en == "derived from published figures (see the formula); the sources disagree (C1)"
    assert "không sử dụng" not in vi and "not used" not in en


def test_the_c8_break_sentence_says_may_as_c8_does(processed):
    from lib.present import narrative

    vi = narrative.break_sentence(2023, "district", "vi")
    en = narrative.break_sentence(2023, "district", "en")
    assert "có thể không so sánh trực tiếp được (C8)" in vi and "có thể đã thay đổi" in vi
    assert "may not be directly comparable (C8)" in en


def test_a_page_explains_each_conflict_once(processed):
    # scores.ipynb notes the conflicts of the change section, then of the peers: C8 once
    from lib.analysis import queries as profiles
    from lib.present import narrative

    history = profiles.unit_history("246", "districts_of_26")
    change = [history[history["reference_year"] == y].iloc[0] for y in (2022, 2023)]
    peers = [row for _, row in profiles.peer_scores("districts_of_26", 2023).iterrows()]
    alone = narrative.conflict_notes(peers, "vi")
    assert sum("C8" in n for n in alone) == 1
    noted: set[str] = set()
    first = narrative.conflict_notes(change, "vi", noted)
    second = narrative.conflict_notes(peers, "vi", noted)
    assert "C8" in noted and len(first) >= 1
    assert not [n for n in second if any(cid in n for cid in ("C1", "C8"))]
    assert len(first) + len(second) == len(set(noted))


def test_a_rank_not_entered_is_worded_as_its_score(processed):
    # Vĩnh Phúc 2023 among the 63 provinces: score and rank published at dti.gov.vn, not entered
    from lib.analysis import queries as profiles
    from lib.present import narrative

    national = profiles.unit_history("26", "province_63")
    table = narrative.history_table(national[national["reference_year"] == 2023], "vi")
    assert table.iloc[0, 1].startswith("chưa có trong bộ số liệu này (") and "có công bố" in table.iloc[0, 1]
    assert table.iloc[0, 2] == "chưa có trong bộ số liệu này"
    en = narrative.history_table(national[national["reference_year"] == 2023], "en")
    assert en.iloc[0, 2] == "not in this data set"
    ranked = narrative.history_table(national[national["reference_year"] == 2021], "vi")
    assert ranked.iloc[0, 2] == "12/63"


def test_the_2021_edition_is_its_own_methodology_and_is_named(processed):
    # 2021: "không phải là tổng điểm của 3 trụ cột ... mà là tổng điểm của 9 chỉ số chính"
    from lib.present import narrative

    vi = narrative.break_sentence(2021, "province", "vi")
    en = narrative.break_sentence(2021, "province", "en")
    assert "từ năm 2021: bộ chỉ số DTI năm 2021 (tổng điểm của 9 chỉ số chính" in vi
    assert "in 2021: the 2021 DTI edition (the total of 9 main indicators" in en
    assert ": ." not in vi and ": ." not in en


def test_the_overview_states_the_2025_merger_with_its_act(processed):
    from lib.analysis import queries as profiles
    from lib.present import narrative

    vinh_phuc = profiles.get_unit("26", "province", 2023)
    assert narrative.merger_sentence(vinh_phuc, "vi") == (
        "Từ ngày 1/7/2025, tỉnh Vĩnh Phúc, tỉnh Hoà Bình và tỉnh Phú Thọ được hợp nhất thành "
        "tỉnh Phú Thọ mới theo Nghị quyết 202/2025/QH15 ngày 12/6/2025 của Quốc hội.")
    assert narrative.merger_sentence(vinh_phuc, "en").startswith(
        "On 1 July 2025, Vĩnh Phúc province, Hoà Bình province and Phú Thọ province were merged "
        "into the new Phú Thọ province under Resolution 202/2025/QH15")
    assert narrative.merger_sentence(profiles.get_unit("01", "province", 2023), "vi") == ""
    assert narrative.merger_sentence(profiles.get_unit("246", "district", 2023), "vi") == ""


def test_a_source_line_names_its_host_once(processed):
    # "Bộ Thông tin và Truyền thông (mic.gov.vn), ngày 21/8/2024, mic.gov.vn": the host twice
    from lib.data.load import load_table
    from lib.present import display

    scores = load_table("dti_scores")
    rows = scores[(scores["unit_code"] == "246") & (scores["reference_year"] == 2023)
                  & (scores["indicator"] == "dti_total")]
    for lang in ("vi", "en"):
        line = display.source_html(rows, lang).split("</p>")[0]
        assert line.count("mic.gov.vn") == 2  # the link's address and its text, nothing more
        assert ">mic.gov.vn</a>" in line


def test_a_national_peer_table_says_what_it_lists_and_why_vinh_phuc_is_in_it(processed):
    # 2024 among the 63 provinces: 5 ranked (HCM 1, Đà Nẵng 2, Hải Phòng 3, Hà Nội 4, Huế 5)
    # and Vĩnh Phúc, the case province, recorded as published but not entered
    from lib.analysis import queries as profiles
    from lib.present import narrative

    unit = profiles.get_unit("48", "province", 2024)
    peers = profiles.peer_scores("province_63", 2024)
    assert len(peers) == 6 and peers["rank"].notna().sum() == 5
    vi = narrative.peer_table_notes(unit, peers, narrative.peer_label("province_63", unit, "vi"),
                                    2024, "vi")
    assert vi == ["Bảng chỉ liệt kê 6 trong 63 tỉnh, thành phố cả nước: các đơn vị được ghi "
                  "trong bộ số liệu này.",
                  "Với Vĩnh Phúc, bộ số liệu này ghi rằng kết quả năm 2024 đã được công bố nhưng "
                  "chưa được nhập."]
    en = narrative.peer_table_notes(unit, peers, "63 provinces", 2024, "en")
    assert en[1] == ("For Vĩnh Phúc, this data set records that the 2024 result was published "
                     "but has not been entered.")
    # Lập Thạch 2023: all 9 districts listed, every result in the table: nothing to explain
    lap_thach = profiles.get_unit("246", "district", 2023)
    assert narrative.peer_table_notes(lap_thach, profiles.peer_scores("districts_of_26", 2023),
                                      "huyện", 2023, "vi") == []


def test_the_data_entry_hint_asks_a_province_for_its_own_result(processed):
    from lib.analysis import queries as profiles
    from lib.present import narrative

    unit = profiles.get_unit("48", "province", 2024)
    peers = profiles.peer_scores("province_63", 2024)
    current = narrative.row_of(peers, "48")
    line = narrative.scores_findings(unit, current, None, peers, "63 tỉnh, thành phố",
                                     "province_63", 2024, False, "vi")[-1]
    assert "kết quả DTI năm 2024 của thành phố Đà Nẵng, có điểm từng chỉ số chính" in line
    # Đà Nẵng merged with Quảng Nam on 1/7/2025: its staff are the merged city's
    assert "cán bộ của thành phố Đà Nẵng (hợp nhất từ thành phố Đà Nẵng và tỉnh Quảng Nam từ " \
           "ngày 1/7/2025) có thể điền" in line and "tất cả" not in line
    # a district: its province's staff enter the results of all its districts
    lap_thach = profiles.get_unit("246", "district", 2024)
    peers = profiles.peer_scores("districts_of_26", 2024)
    line = narrative.scores_findings(lap_thach, narrative.row_of(peers, "246"), None, peers,
                                     "huyện, thành phố của tỉnh Vĩnh Phúc", "districts_of_26",
                                     2024, False, "vi")[-1]
    assert "của tất cả huyện, thành phố của tỉnh Vĩnh Phúc" in line
    assert "cán bộ của tỉnh Phú Thọ (hợp nhất từ tỉnh Vĩnh Phúc, " in line  # Vĩnh Phúc ended 30/6/2025


def test_the_rank_chart_of_a_short_year_does_not_draw_all_63_provinces(processed):
    from lib.analysis import queries as profiles

    history = profiles.group_history("province_63")
    assert history["unit_code"].nunique() > 40  # all 63 ranked in some years
    drawn = profiles.history_for_display(history, profiles.peer_scores("province_63", 2024), "48")
    assert set(drawn["unit_code"]) == {"79", "48", "31", "01", "46", "26"}


def test_a_score_missing_from_the_sources_reads_the_same_in_tile_and_tables(processed):
    # Đà Nẵng 2024: VTC gives the rank (2/63) only
    from lib.analysis import queries as profiles
    from lib.present import narrative

    facts = dict(header_facts("scores", {"unit_code": "48", "unit_level": "province",
                                         "reference_year": 2024}, "vi")["facts"])
    peers = profiles.peer_scores("province_63", 2024)
    row = narrative.row_of(peers, "48")
    key = narrative.key_figures(row, "vi").set_index("Nội dung")["Giá trị"]
    table = narrative.peer_table(peers, "vi").set_index("Đơn vị")
    assert facts["Điểm DTI"] == key["Điểm DTI"] == table.loc["Đà Nẵng", "Điểm"] == \
        "không có trong các nguồn đã dùng"
    assert key["Thứ hạng"] == "2/63"
