"""One rule for reference years: a year no DTI framework covers is an error in `validate`,
`make data` and `template` alike, naming the years the frameworks cover."""

from __future__ import annotations

import shutil

import pytest

from lib.__main__ import main
from lib.build import pipeline
from lib.build.validate import validate_paths
from lib.data.io import DataError
from lib.data.paths import RAW_DIR
from lib.data.schemas import ValidationError
from lib.staff.template import write_template

COVER = "is not covered by any DTI framework: the frameworks cover 2020–2025"
SIDECAR = ("title: t\npublisher: p\nurl: ''\npublished: p\naccessed: a\nlicence: l\n"
           "number_format: {decimal: '.'}\ntrust: t\nfeeds: [dti_scores]\nshape: dti_workbook\n"
           "province: '26'\n")


def staff_file(folder, year):
    path = folder / "dti_staff.csv"
    path.write_text(f"Năm,Tên đơn vị,Tổng điểm\n{year},Lập Thạch,700.5\n{year},Vĩnh Yên,650.5\n",
                    encoding="utf-8")
    (folder / "dti_staff.csv.source.yml").write_text(SIDECAR, encoding="utf-8")
    return path


@pytest.mark.parametrize("year", [2019, 1999, 2031])
def test_validate_and_make_data_refuse_the_year_alike(tmp_path, year):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    path = staff_file(raw, year)
    errors = [p for p in validate_paths([path], raw_dir=raw) if p.severity == "error"]
    assert [(p.row, p.column, p.problem) for p in errors] == [
        (2, "Năm", f"reference year {year} {COVER}"), (3, "Năm", f"reference year {year} {COVER}")]
    with pytest.raises(ValidationError) as err:
        pipeline.build(out_dir=tmp_path / "out", raw_dir=raw, force=True)
    assert [(p.row, p.problem) for p in err.value.problems] == [(p.row, p.problem) for p in errors]


def test_sidecar_year_is_one_error_at_the_header(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("Tên đơn vị,Tổng điểm\nLập Thạch,700.5\n", encoding="utf-8")
    (tmp_path / "staff.csv.source.yml").write_text(SIDECAR + "reference_year: 2019\n",
                                                   encoding="utf-8")
    errors = [p for p in validate_paths([path]) if p.severity == "error"]
    assert [(p.row, p.problem) for p in errors] == [(1, f"reference year 2019 {COVER}")]


def test_curated_file_with_such_a_year_is_refused(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    path = raw / "dti_district_vinhphuc.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n2022,243,", "\n2019,243,", 1), encoding="utf-8")
    problems = validate_paths(raw_dir=raw)
    assert [(p.file, p.row, p.column, p.problem) for p in problems] == [
        ("dti_district_vinhphuc.csv", 2, "reference_year", f"reference year 2019 {COVER}")]
    with pytest.raises(DataError, match=f"row 2, column 'reference_year', value 2019: .*{COVER}"):
        pipeline.build(out_dir=tmp_path / "out", raw_dir=raw, force=True)


def test_template_refuses_the_year(tmp_path, capsys):
    with pytest.raises(DataError, match=f"reference year 2019 {COVER}"):
        write_template(tmp_path / "t.xlsx", year=2019)
    assert main(["template", "--year", "2019", "--out", str(tmp_path / "t.xlsx")]) == 2
    assert f"reference year 2019 {COVER}" in capsys.readouterr().err
    assert not (tmp_path / "t.xlsx").exists()
