"""lib.staff.template: the data-entry workbook validates and, once filled, builds."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest
import yaml

from lib.__main__ import main
from lib.build import pipeline
from lib.build.validate import validate_paths
from lib.data.io import DataError
from lib.data.paths import RAW_DIR
from lib.staff.template import write_template

MAXIMA = [100, 100, 100, 100, 100, 200, 150, 150]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "dti_districts_26_2024.xlsx"
    assert main(["template", "--province", "26", "--year", "2024", "--out", str(path)]) == 0
    return path


def fill(path, values_of=lambda i, k, m: round(m * (0.55 + 0.04 * i) + k * 0.5, 2)):
    """Fill the data sheet: one row per unit (rows 6–14), main indicators in columns D–K."""
    book = openpyxl.load_workbook(path)
    sheet = book["DTI 2024"]
    for i, row in enumerate(range(6, 15)):
        for k, maximum in enumerate(MAXIMA):
            sheet.cell(row, 4 + k, values_of(i, k, maximum))
    book.save(path)


def test_template_structure(template):
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["Hướng dẫn", "DTI 2024", "Chỉ số", "Đơn vị", "_meta"]
    assert book["_meta"].sheet_state == "hidden"
    sheet = book["DTI 2024"]
    codes = [sheet.cell(r, 2).value for r in range(6, 15)]
    assert codes == ["243", "244", "246", "247", "248", "249", "251", "252", "253"]
    assert sheet["D5"].value == "Nhận thức số (tối đa 100)"
    assert sheet["L4"].value == "Tổng điểm DTI (tối đa 1000)"
    rules = sheet.data_validations.dataValidation
    assert len(rules) == 10  # 8 main indicators, the total, the rank
    assert any("D6<=100" in (r.formula1 or "") for r in rules)
    sidecar = yaml.safe_load(template.with_name(template.name + ".source.yml").read_text("utf-8"))
    assert (sidecar["shape"], sidecar["province"], sidecar["reference_year"]) == \
        ("dti_workbook", "26", 2024)
    assert sidecar["feeds"] == ["dti_scores"]


def test_empty_template_validates(template):
    problems = validate_paths([template])
    assert not [p for p in problems if p.severity == "error"]


def test_filled_template_validates_and_builds(template, tmp_path):
    filled = tmp_path / "raw" / template.name
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    shutil.copy(template, filled)
    sidecar = filled.with_name(filled.name + ".source.yml")
    shutil.copy(template.with_name(template.name + ".source.yml"), sidecar)
    fill(filled)
    text = sidecar.read_text(encoding="utf-8")  # provenance completed, as its header asks
    sidecar.write_text(text.replace("TO COMPLETE: the office that provided the figures",
                                    "Sở Thông tin và Truyền thông tỉnh Vĩnh Phúc")
                       .replace("TO COMPLETE: date of the decision announcing the results",
                                "2025-01-15"), encoding="utf-8")
    book = openpyxl.load_workbook(filled)
    book["DTI 2024"]["D8"] = "87,5"  # typed as text in the Vietnamese convention
    book["DTI 2024"]["M8"] = 1  # Lập Thạch ranked first, as its total is the highest
    book["DTI 2024"]["E9"] = "chưa nhập"  # Tam Dương: published, not copied into the workbook
    book["DTI 2024"]["L9"] = 612.5  # its total as published
    book.save(filled)
    problems = validate_paths([filled], raw_dir=raw)
    assert not [p for p in problems if p.severity == "error"], problems
    out = tmp_path / "processed"
    manifest = pipeline.build(out_dir=out, raw_dir=raw, force=True)
    assert manifest["tables"]["units"]["rows"] == 245
    scores = pipeline.build_tables(raw)["dti_scores"]
    staff = scores[scores["raw_file"] == filled.name]
    assert len(staff) == 9 * 9  # 8 main indicators + the derived total, 9 units
    assert set(staff["peer_group"]) == {"districts_of_26"}
    lap_thach = staff[(staff["unit_code"] == "246")].set_index("indicator")
    assert lap_thach.at["nhan_thuc_so_digital_awareness", "score"] == 87.5
    assert lap_thach.at["nhan_thuc_so_digital_awareness", "raw_row"] == 8
    assert lap_thach.at["dti_total", "value_status"] == "derived"
    assert lap_thach.at["dti_total", "score_max"] == 1000
    tam_duong = staff[(staff["raw_row"] == 9)].set_index("indicator")
    assert tam_duong.at["the_che_so_digital_institutions", "value_status"] == "not_entered"
    assert pd.isna(tam_duong.at["the_che_so_digital_institutions", "score"])
    assert tam_duong.at["dti_total", "score"] == 612.5
    assert len(scores) - len(staff) == 297  # the curated rows are unchanged


def test_filled_template_with_mistakes_is_refused(template, tmp_path):
    path = tmp_path / template.name
    shutil.copy(template, path)
    shutil.copy(template.with_name(template.name + ".source.yml"),
                path.with_name(path.name + ".source.yml"))
    fill(path)
    book = openpyxl.load_workbook(path)
    book["DTI 2024"]["E7"] = 130  # Phúc Yên, digital institutions: above 100
    book["DTI 2024"]["F9"] = "744.213"  # text with '.' in a Vietnamese-convention file
    book.save(path)
    problems = validate_paths([path])
    messages = {(p.row, p.column, p.problem) for p in problems if p.severity == "error"}
    assert (7, "Thể chế số (tối đa 100)", "score above the maximum of 100") in messages
    assert any(row == 9 and "maximum of 100" in problem for row, _, problem in messages)
    assert main(["validate", str(path)]) == 2


def test_template_for_a_province_without_districts(tmp_path):
    # (a year after 2025, when districts ended, is refused first: no framework covers it)
    with pytest.raises(DataError, match="no district-level units of province '01' in 2023"):
        write_template(tmp_path / "x.xlsx", province="01", year=2023)
    assert main(["template", "--province", "01", "--year", "2023", "--out",
                 str(tmp_path / "y.xlsx")]) == 2


def test_template_does_not_overwrite(template):
    assert main(["template", "--out", str(template)]) == 2
