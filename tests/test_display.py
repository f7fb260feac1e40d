"""Report blocks of lib/present/display.py: tables that read, CSV downloads, source lines with the full
provenance collapsed, the findings box; on the real processed data."""

from __future__ import annotations

import base64
import csv
import io
import re

import pandas as pd

from lib.analysis import queries as profiles
from lib.data.load import load_table
from lib.present import display, narrative


def _csv_rows(markup: str) -> tuple[bytes, list[list[str]]]:
    uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="([^"]+)"', markup)
    data = base64.b64decode(uri.group(1))
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_number_columns_are_right_aligned_and_text_columns_are_not():
    table = pd.DataFrame({"Đơn vị": ["Lập Thạch", "Vĩnh Yên"], "Điểm": ["744,213", None],
                          "Thứ hạng": ["1/9", "2/9"], "Tỷ lệ": ["97,4%", "−2,5%"], "Năm": [2023, 2022]})
    assert display.numeric_columns(table) == [False, True, True, True, True]
    markup = display.table_html(table, lang="vi")
    assert '<th scope="col" class="num">Điểm</th>' in markup
    assert '<td class="num">744,213</td>' in markup and "<td>Lập Thạch</td>" in markup
    assert '<td class="num">chưa có số liệu</td>' in markup
    assert 'class="dti-table-wrap" role="region" tabindex="0" aria-label="Bảng số liệu"' in markup
    assert "<details" not in markup


def test_every_table_downloads_as_utf8_csv_with_bom_holding_the_values():
    table = pd.DataFrame({"Đơn vị": ["Lập Thạch", "Vĩnh Yên"], "Điểm": ["744,213", None]})
    data, rows = _csv_rows(display.table_html(table, "Điểm DTI năm 2023", lang="vi"))
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows == [["Đơn vị", "Điểm"], ["Lập Thạch", "744,213"], ["Vĩnh Yên", ""]]
    markup = display.table_html(table, "Điểm DTI năm 2023", lang="en")
    assert 'download="diem-dti-nam-2023.csv"' in markup and ">Download table (CSV)</a>" in markup
    assert ">Tải bảng (CSV)</a>" in display.table_html(table, lang="vi")


def test_long_or_mostly_empty_tables_become_a_sentence_and_a_collapsed_table():
    long = pd.DataFrame({"Tỉnh": [f"P{i}" for i in range(57)],
                         "Điểm": ["0,5"] * 3 + [None] * 54})
    markup = display.table_html(long, lang="vi")
    assert '<p class="dti-table-summary">Bảng có 57 dòng; 3 dòng có số liệu.' in markup
    assert "<summary>Xem toàn bộ bảng (57 dòng)</summary>" in markup
    assert markup.count("<tr>") == 58  # the full table is still there, collapsed
    empty = pd.DataFrame({"Unit": ["A", "B"], "Score": [None, "no data"], "Rank": [None, "1/9"]})
    english = display.table_html(empty, lang="en")
    assert "The table has 2 rows; 1 with data." in english
    short = pd.DataFrame({"Unit": ["A"] * 15, "Score": ["1"] * 15})
    assert "<details" not in display.table_html(short, lang="en")


def test_source_line_is_short_with_a_link_and_the_provenance_is_collapsed(processed):
    scores = load_table("dti_scores")
    rows = scores[(scores["unit_code"] == "246") & (scores["reference_year"] == 2022)
                  & (scores["indicator"] == "dti_total")]
    markup = display.source_html(rows, "vi")
    line, details = markup.split("<details", 1)
    assert ('<a href="https://mic.gov.vn/lap-thach-dan-dau-ve-chuyen-doi-so-197240821085124281.htm">'
            'mic.gov.vn</a>') in line
    assert "ngày 21/8/2024" in line
    assert "data/raw" not in line and "C1" not in line  # no file paths or ids in the visible line
    assert "<summary>Dành cho người phân tích: nguồn và ghi chú số liệu</summary>" in details
    assert "tệp data/raw/dti_district_vinhphuc.csv, dòng" in details
    assert "Mã mâu thuẫn, lưu ý: C1" in details
    assert "Phiên bản dữ liệu: " in details
    english = display.source_html(rows, "en")
    assert "<summary>For analysts: sources and data notes</summary>" in english
    assert "Value statuses: derived from published figures" in english


def test_findings_box_has_at_most_five_sentences_and_says_which_data_would_say_more(processed):
    many = narrative.findings([f"câu {i}" for i in range(8)], "kết quả DTI", "vi")
    assert len(many) == 5 and many[:4] == ["Câu 0", "Câu 1", "Câu 2", "Câu 3"]
    assert "kết quả DTI" in many[4] and "mẫu nhập liệu DTI" in many[4]
    assert "make" not in many[4]  # no command names for officials
    assert narrative.findings(["a", "a", ""], "", "en") == ["A"]
    unit = profiles.get_unit("246", "district", 2023)
    group = profiles.peer_group_of("246", "district", 2023)
    peers = profiles.peer_scores(group, 2023)
    history = profiles.unit_history("246", group)
    found = narrative.scores_findings(unit, narrative.row_of(peers, "246"),
                                      narrative.row_of(history, "246", 2022), peers,
                                      narrative.peer_label(group, unit, "en"), group, 2023,
                                      False, "en")
    assert found[0].startswith("In 2023, Lập Thạch district scored 744.213 points out of 1,000")
    assert "from 5th in 2022 to 1st in 2023" in found[1]
    assert len(found) == 3 and "the 2023 DTI results of all" in found[2]
    box = display.findings_html(found, "en")
    assert box.startswith('<section class="dti-findings"') and box.count("<li>") == 3
    assert "<h2 class=" in box  # not picked up as a section of the contents


def test_a_short_table_with_most_rows_filled_stays_open():
    # Vĩnh Phúc's national ranks 2020–2024: 3 of 5 years have a result
    history = pd.DataFrame({"Năm": [2020, 2021, 2022, 2023, 2024],
                            "Điểm": [None, "0,4880", None, None, None],
                            "Thứ hạng": ["55/63", "12/63", "18/63", None, None]})
    assert "<details" not in display.table_html(history, lang="vi")


def test_a_source_line_names_three_sources_and_links_the_others(processed):
    history = profiles.group_history("province_63")
    markup = display.source_html(history[history["rank"].notna()], lang="vi")
    line = markup.split("</p>")[0]
    assert line.count("<a href=\"http") == 3
    assert line.startswith('<p class="dti-source">Nguồn: Cổng thông tin DTI của Bộ TT&amp;TT, ')  # host in the link only
    assert re.search(r' và <a href="#dti-sources">\d+ nguồn khác</a>\.$', line)
    assert "Tất cả các nguồn của mục này: " in markup  # the full list, collapsed


def test_many_warnings_under_a_table_become_one_box_with_the_list_collapsed():
    notes = [f"Chỉ tiêu {i} so với cả nước: khác định nghĩa, chỉ để tham khảo." for i in range(8)]
    markup = display.warnings_html(notes, "vi", "report.notes.definitions")
    assert markup.startswith('<div class="dti-warning dti-warning-group"><p>8 số liệu so sánh trong '
                             'bảng trên là chỉ tiêu khác (đo một nội dung khác hoặc tính trên đối tượng khác) nên chỉ '
                             'để tham khảo.</p>')
    assert "<summary>Xem 8 lưu ý</summary>" in markup and markup.count("<li>") == 8
    two = display.warnings_html(notes[:2], "en")
    assert two.count('<p class="dti-warning">') == 2 and "<details" not in two


def test_a_table_without_name_or_caption_names_its_csv_after_its_columns():
    table = pd.DataFrame({"Đơn vị": ["huyện Lập Thạch"], "Điểm DTI": ["744,213"],
                          "Thứ hạng": ["1/9"], "Ghi chú": [""]})
    assert 'download="don-vi-diem-dti-thu-hang.csv"' in display.table_html(table, lang="vi")
