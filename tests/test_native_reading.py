"""The passages a native official found weakest on the Vietnamese pages (issue 10 review), each
checked on the real data: tables that count what they hold, findings that claim no more than the
scores allow, ranges and definitions kept, directions named, no command names."""

from __future__ import annotations

import pandas as pd

from lib.analysis import core as analysis
from lib.analysis import queries as profiles
from lib.data.datasets.dti_scores import usable_scores
from lib.data.load import load_table
from lib.present import display, narrative


def test_a_collapsed_table_counts_only_rows_with_a_value(processed):
    peers = profiles.peer_scores("districts_of_26", 2023)
    markup = display.table_html(narrative.peer_table(peers, "vi"), lang="vi")
    # 9 districts and cities, only Lập Thạch (744,213 points, 1st) has a result in 2023
    assert "Bảng có 9 dòng; 1 dòng có số liệu." in markup
    empty = pd.DataFrame({"Đơn vị": ["A", "B"], "Điểm": [None, None]})
    assert "chưa có dòng nào có số liệu" in display.table_html(empty, lang="vi")


def test_component_results_of_a_province_lead_the_country_not_the_province(processed):
    unit = profiles.get_unit("48", "province", 2022)
    scores = load_table("dti_scores")
    components = scores[(scores["unit_code"] == "48") & (scores["reference_year"] == 2022)
                        & (scores["indicator"] != "dti_total")].assign(rank=1)
    sentence = narrative.components_sentence(unit, components, "vi")
    assert "đứng đầu cả nước" in sentence and "đứng đầu tỉnh" not in sentence
    district = profiles.get_unit("246", "district", 2023)
    assert narrative.components_sentence(district, components.head(2), "vi").endswith(
        "Cả hai đều đứng đầu tỉnh.")


def test_two_main_indicators_are_too_few_to_name_a_strength(processed):
    profile = analysis.find_strengths_weaknesses(usable_scores(load_table("dti_scores")),
                                                 "province_63", 2022, "48")
    unit = profiles.get_unit("48", "province", 2022)
    full = narrative.strengths_sentence(unit, profile.table, "vi")
    assert full.startswith("Điểm mạnh của thành phố Đà Nẵng: ")
    two = profile.table.head(2)
    sentence = narrative.strengths_sentence(unit, two, "vi")
    assert sentence == ("Các nguồn đã dùng mới có điểm 2 chỉ số chính của thành phố Đà Nẵng; cần điểm "
                        "của ít nhất 3 chỉ số chính mới nêu được điểm mạnh, điểm yếu. Thứ hạng chỉ "
                        "số chính trong các nguồn đã dùng: Nhận thức số (thứ hạng 1/5) và Thể chế "
                        "số (thứ hạng 1/5).")
    assert "điểm mạnh" not in " ".join(narrative.strengths_table(two, "vi").iloc[:, -1])
    # Đà Nẵng 2023: ranks only (1st in 5 of the 8 main indicators, Báo Mới), no score
    profile = analysis.find_strengths_weaknesses(usable_scores(load_table("dti_scores")),
                                                 "province_63", 2023, "48")
    sentence = narrative.strengths_sentence(profiles.get_unit("48", "province", 2023),
                                            profile.table, "en")
    assert sentence.startswith("The sources used here give no main-indicator score of Đà Nẵng city;")
    assert sentence.count("(rank 1 of 63)") == 5 and "strongest" not in sentence
    none = narrative.strengths_sentence(unit, two.iloc[0:0], "vi")
    assert none.startswith("Các nguồn đã dùng chưa có điểm chỉ số chính nào của thành phố Đà Nẵng;")


def test_a_score_change_names_its_direction(processed):
    history = profiles.unit_history("48", "province_63")
    unit = profiles.get_unit("48", "province", 2023)
    sentence = narrative.change_sentence(unit, narrative.row_of(history, "48", 2022),
                                         narrative.row_of(history, "48", 2023), 2022, 2023,
                                         lang="vi")
    # 0.8002 in 2022 → 0.8340 in 2023 (dti.gov.vn; Báo Mới and others)
    assert sentence.endswith("điểm tăng 33,8 điểm (từ 800,2 điểm lên 834,0 điểm).")


def test_a_range_target_stays_a_range_and_its_gap_is_not_computed(processed):
    indicators, catalogue = load_table("indicators"), load_table("indicator_catalogue")
    gaps = analysis.measure_target_gaps(indicators, catalogue, "246",
                                        themes=profiles.CASHLESS_THEMES).table
    table = narrative.target_table(gaps, "vi")
    account = table[table.iloc[:, 0].str.contains("18 tuổi")].iloc[0]
    assert account.iloc[2] == "65–70% (cả nước, năm 2022)"  # the national target 65–70 % for 2022
    assert account.iloc[3] == "không tính (chỉ tiêu khác)"  # 18+ against 15+


def test_the_overview_count_names_the_themes_it_counts(processed):
    unit = profiles.get_unit("26", "province", 2023)
    counts = profiles.indicator_counts("26")
    sentence = narrative.indicator_counts_sentence(unit, counts, "vi",
                                                   "huyện, thành phố của tỉnh Vĩnh Phúc")
    with_any = int((counts.drop(columns=["unit_code", "unit_name"]).sum(axis=1) > 0).sum())
    assert sentence.startswith(f"{with_any}/9 huyện, thành phố của tỉnh Vĩnh Phúc có ít nhất một")
    assert "chính quyền điện tử" in sentence and "tính mọi năm" in sentence
    assert "có ít nhất một số liệu của chính đơn vị (không tính số liệu của xã, thôn trực thuộc)" in sentence


def test_zero_ranked_units_read_as_words_not_as_0(processed):
    reason = analysis.Reason("too_few_for_stability", {
        "count": 0, "n_ranked": 0, "peer_group": "districts_of_26", "year_a": 2023,
        "year_b": 2024, "needed": 3})
    sentence = narrative.explain(reason, "vi", peers_text="huyện, thành phố của tỉnh Vĩnh Phúc")
    assert "(chưa có đơn vị nào có thứ hạng cả hai năm)" in sentence and "0 đơn vị" not in sentence


def test_the_more_data_line_names_no_command(processed):
    line = narrative.findings([], "kết quả DTI năm 2023 của tất cả huyện, thành phố", "vi")[-1]
    assert "make" not in line and "mẫu nhập liệu DTI" in line


def test_a_bare_percent_shows_whose_share_it_is(processed):
    assert narrative.base_text("% (all)", "offices_with_broadband_share", "vi") == \
        "% phòng, ban cấp huyện và UBND cấp xã"
    assert narrative.base_text("%", "dossiers_processed_in_electronic_one_stop_share", "en") == \
        "% of administrative procedures or dossiers"
    assert narrative.base_text("% of households", "x", "vi") == "% hộ gia đình"


def test_conflict_ids_read_in_number_order():
    row = pd.Series({"conflict_ids": "C7;C2;C3;C8"})  # C8 is a caveat (conflicts.csv)
    assert narrative.conflict_ids(row) == ["C2", "C3", "C7"]
    assert narrative.conflict_ids(row, "caveat") == ["C8"]
