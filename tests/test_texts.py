"""Texts from the data in both languages: reference tables, periods and dates, the build check."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest

from lib.build import pipeline, synthetic
from lib.build.validate import validate_paths
from lib.data.parse import ParseError, When, parse_period_fields
from lib.data.paths import RAW_DIR, REFERENCE_DIR, ROOT
from lib.data.schemas import ValidationError
from lib.data.text_checks import missing_texts
from lib.data.texts import KINDS, TEXT_TABLES, MissingText, data_text, period_label
from lib.messages import catalogue, parameters

MIC = "Ministry of Information and Communications (mic.gov.vn)"


def _conflict(cid: str) -> dict:
    with (REFERENCE_DIR / "conflicts.csv").open(encoding="utf-8") as handle:
        return next(r for r in csv.DictReader(handle) if r["conflict_id"] == cid)


def test_c1_description_in_vietnamese_uses_decimal_commas():
    c1 = _conflict("C1")
    vi = data_text("conflict_description", c1["description"], "vi")
    assert "744,213" in vi and "582,413" in vi and "161,8" in vi
    assert "744.213" not in vi and "Bộ TT&TT" in vi
    assert data_text("conflict_title", c1["title"], "vi") == "Điểm và thứ hạng năm 2022 của Lập Thạch"
    assert data_text("conflict_description", c1["description"], "en") == c1["description"]


def test_publisher_of_mic_rows(tables):
    mic = tables["sources"][tables["sources"]["url"].str.contains("mic.gov.vn/lap-thach")]
    assert mic["publisher"].tolist() == [MIC]
    assert data_text("publisher", MIC, "vi") == "Bộ Thông tin và Truyền thông (mic.gov.vn)"
    assert data_text("publisher", MIC, "en") == MIC
    # Vietnamese originals have an English form too
    assert data_text("publisher", "Đại biểu Nhân dân", "en") == \
        "Đại biểu Nhân dân (newspaper of the National Assembly)"


def test_indicator_names_bases_and_units():
    label = "People aged 18+ with a transaction account at a credit institution"
    assert data_text("indicator_name", label, "vi") == \
        "Tỷ lệ người dân từ 18 tuổi trở lên có tài khoản giao dịch tại tổ chức tín dụng"
    assert data_text("indicator_name", label, "en") == label
    assert data_text("base", "households", "vi") == "hộ gia đình"
    assert data_text("value_unit", "% of households", "vi") == "% hộ gia đình"
    assert data_text("value_unit", "% of communes/towns", "vi") == "% số xã, thị trấn"
    assert data_text("unit_name", "Vietnam", "vi") == "Cả nước"
    assert data_text("unit_name", "Lập Thạch", "en") == "Lập Thạch"  # a GSO name stays
    assert data_text("source_type", "press", "vi") == "báo chí"
    assert data_text("formula", "170 / 310 = 0.548", "vi") == "170 / 310 = 0,548"
    assert data_text("framework", "Vĩnh Phúc QĐ 2074/QĐ-UBND (09/11/2022)", "vi") == \
        "Quyết định 2074/QĐ-UBND (9/11/2022) của UBND tỉnh Vĩnh Phúc"


@pytest.mark.parametrize("text, vi, en", [
    ("2023-2024 (article of 2024-08-21)", "theo bài viết ngày 21/8/2024", "article of 21 August 2024"),
    ("end 2022", "cuối năm 2022", "end of 2022"),
    ("Aug/Sep 2023", "tháng 8–9/2023", "August–September 2023"),
    ("2025 (refers to 2024)", "năm 2025 (số liệu năm 2024)", "2025 (refers to 2024)"),
    ("2022 (as of 2022-07)", "tính đến tháng 7/2022", "as of July 2022"),
    ("2022 (H1, as of 2022-08)", "6 tháng đầu năm 2022 (tính đến tháng 8/2022)",
     "first half of 2022 (as of August 2022)"),
    ("Jan-Aug 2023", "tháng 1–8/2023", "January–August 2023"),
    ("end Aug 2023", "cuối tháng 8/2023", "end of August 2023"),
    ("undated (≤2024)", "không rõ thời điểm (không muộn hơn năm 2024)", "undated (2024 or earlier)"),
    ("2014-2024", "giai đoạn 2014–2024", "2014–2024"),
    ("2025-10-21/22", "ngày 21–22/10/2025", "21–22 October 2025"),
    ("2022-12/2023-01", "từ tháng 12/2022 đến tháng 1/2023", "December 2022 to January 2023"),
    ("2024 (Findex 2025 report)", "năm 2024 (báo cáo Global Findex 2025)", "2024 (Findex 2025 report)"),
    ("2020-10-12 (decision); blog undated", "ngày 12/10/2020 (quyết định); bài blog không ghi ngày",
     "12 October 2020 (decision); blog undated"),
])
def test_period_labels(text, vi, en):
    assert period_label(text, "vi") == vi
    assert period_label(text, "en") == en
    assert data_text("source_date", text, "vi") == vi


def test_period_fields_are_structured():
    (fields,) = parse_period_fields("2023-2024 (article of 2024-08-21)")
    assert fields.main == (When("span", parts=(When("year", 2023), When("year", 2024))),)
    assert fields.qualifiers[0].relation == "article"
    assert fields.qualifiers[0].when == When("date", 2024, 8, 21)
    assert period_label(fields, "vi") == "theo bài viết ngày 21/8/2024"
    (fields,) = parse_period_fields("end 2022")
    assert fields.main == (When("end", parts=(When("year", 2022),)),)
    # a row of `indicators` or `sources` works too
    assert period_label({"period": "end 2022"}, "en") == "end of 2022"
    assert period_label({"date": "2024-08-21"}, "vi") == "ngày 21/8/2024"


def test_years_are_not_grouped_and_impossible_dates_fail():
    assert period_label("2024", "vi") == "năm 2024"
    with pytest.raises(ParseError, match="not a calendar date"):
        period_label("2024-02-30", "vi")
    with pytest.raises(ParseError):
        period_label("", "vi")


def test_missing_translation_names_the_table():
    with pytest.raises(MissingText, match="indicator_labels.csv"):
        data_text("indicator_name", "Cats with a smartphone", "vi")
    with pytest.raises(MissingText, match="period_notes.csv"):
        period_label("2024 (cat census)", "en")
    with pytest.raises(ValueError, match="unknown data text kind"):
        data_text("colour", "red", "vi")
    assert data_text("base", "", "vi") == ""


def test_reference_tables_are_complete_and_unique():
    for kind, spec in TEXT_TABLES.items():
        with (REFERENCE_DIR / spec.file).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        originals = [r[spec.original] for r in rows]
        assert len(originals) == len(set(originals)), spec.file
        for row in rows:
            assert row[spec.vi].strip() and row[spec.en].strip(), (spec.file, row[spec.original])
    assert set(KINDS) >= {"conflict_title", "indicator_name", "publisher", "period"}


def test_data_catalogue_has_the_same_keys_and_parameters_in_both_languages():
    vi = {k: v for k, v in catalogue("vi").items() if k.startswith("data.")}
    en = {k: v for k, v in catalogue("en").items() if k.startswith("data.")}
    assert vi.keys() == en.keys() and len(vi) > 30
    assert all(parameters(vi[k]) == parameters(en[k]) for k in vi)


def test_every_current_raw_text_is_covered(tables):
    assert missing_texts(tables) == []
    texts = {(kind, t) for kind, column in (("indicator_name", "indicator_label"),
                                            ("value_unit", "unit_label"), ("period", "period"))
             for t in tables["indicators"][column]}
    texts |= {("publisher", p) for p in tables["sources"]["publisher"]}
    texts |= {("source_date", d) for d in tables["sources"]["date"]}
    assert len(texts) > 250
    for kind, text in texts:
        assert data_text(kind, text, "vi") and data_text(kind, text, "en")


@pytest.mark.parametrize("options", [{}, {"break_year": 2023, "n_provinces": 3, "gaps": True}])
def test_every_synthetic_text_is_covered(options):
    assert missing_texts(synthetic.generate_panel(**options)) == []


def _raw_with(tmp_path, old: str, new: str):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    path = raw / "indicators_local.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return raw


def test_build_and_validate_fail_on_an_untranslated_text(tmp_path):
    raw = _raw_with(tmp_path, ",Online video-conference points,", ",Online meeting rooms,")
    with pytest.raises(ValidationError) as err:
        pipeline.build(out_dir=tmp_path / "out", raw_dir=raw, force=True)
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("indicators_local.csv", 5, "indicator_label")
    assert "indicator_labels.csv" in str(err.value) and "Online meeting rooms" in str(err.value)
    assert "name_vi, name_en" in problem.hint
    assert not (tmp_path / "out" / "indicators.parquet").exists()
    problems = validate_paths(raw_dir=raw)
    assert [(p.file, p.row, p.column) for p in problems] == [("indicators_local.csv", 5,
                                                               "indicator_label")]


def test_build_fails_on_an_untranslated_period_word(tmp_path):
    raw = _raw_with(tmp_path, "2022 (as of 2022-07),", "2022 (mid-year census),")
    with pytest.raises(ValidationError) as err:
        pipeline.build_tables(raw)
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("indicators_local.csv", 14, "period")
    assert "period_notes.csv" in str(err.value)


def test_texts_are_a_data_layer_module():
    """The presentation calls lib.data.texts; lib.data.texts and its checks import no presentation
    module, and pandera only where tables are validated."""
    code = ("import sys, lib.data.texts, lib.data.text_checks; print(sorted(m for m in sys.modules if m in "
            "{'lib.present.narrative', 'lib.present.display', 'lib.present.plots', 'lib.site.export', 'lib.site.portfolio', "
            "'lib.present.formatting', 'lib.analysis.queries', 'pandera'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "[]"


def test_catalogue_has_a_vietnamese_name_for_every_indicator(tables):
    catalogue = tables["indicator_catalogue"].set_index("indicator")
    assert catalogue["name_vi"].notna().all()
    # the reviewed catalogue name wins; the label's translation fills the rest
    assert catalogue.at["pos_terminals_count", "name_vi"] == "Số thiết bị POS"
    assert catalogue.at["bank_cards_count", "name_vi"] == "Số thẻ ngân hàng"
