"""lib.staff.ingest and `python -m lib validate`: every malformed file of the corpus gives its message."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from lib.__main__ import main
from lib.build import pipeline
from lib.build.validate import validate_paths
from lib.data.io import read_csv_grid
from lib.data.paths import RAW_DIR, ROOT, resolve_processed
from lib.data.schemas import ValidationError
from lib.staff.reading import read_file
from lib.staff.tables import locate_table, match_header, read_cell

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = list(csv.DictReader((CORPUS / "expected.csv").open(encoding="utf-8")))


def test_corpus_is_large_enough():
    assert len(EXPECTED) >= 25
    listed = {row["file"] for row in EXPECTED}
    present = {p.name for p in (CORPUS / "files").iterdir() if not p.name.endswith(".yml")}
    assert listed == present


@pytest.mark.parametrize("case", EXPECTED, ids=[row["file"] for row in EXPECTED])
def test_corpus_file_gives_expected_problem(case, capsys):
    path = CORPUS / "files" / case["file"]
    assert main(["validate", str(path)]) == int(case["exit_code"])
    assert "error(s)" in capsys.readouterr().out
    problems = validate_paths([path])
    matching = [p for p in problems if case["problem"] in p.problem
                and p.severity == case["severity"]
                and (not case["row"] or p.row == int(case["row"]))
                and (not case["column"] or p.column == case["column"])
                and (not case["sheet"] or p.sheet == case["sheet"])]
    assert matching, "\n".join(str(p) for p in problems)
    assert all(Path(p.file).name.startswith(case["file"]) for p in problems)


def test_no_traceback_for_any_corpus_file():
    files = [str(p) for p in sorted((CORPUS / "files").iterdir()) if not p.name.endswith(".yml")]
    run = subprocess.run([sys.executable, "-m", "lib", "validate", *files], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert "error(s)" in run.stdout


def test_validate_real_raw_data_is_clean(capsys):
    assert main(["validate"]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_validate_writes_csv_report(tmp_path, capsys):
    report = tmp_path / "report.csv"
    code = main(["validate", str(CORPUS / "files" / "chk_empty_cell.csv"), "--csv", str(report)])
    assert code == 2
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    columns = {"severity", "file", "sheet", "row", "column", "value", "problem", "hint"}
    assert columns <= set(rows[0])
    assert any(r["problem"] == "empty cell" and r["row"] == "6" for r in rows)


# --- cells


@pytest.mark.parametrize("value, decimal, score, problem", [
    (87.5, None, 87.5, ""), (100, None, 100.0, ""), ("87,5", ",", 87.5, ""),
    ("1.234,5", ",", 1234.5, ""), ("n/a", ",", None, ""), (None, ",", None, ""),
    (dt.datetime(2023, 5, 12), ",", None, "a date"), (True, ",", None, "TRUE/FALSE"),
    ("#DIV/0!", ",", None, "Excel error value"), ("abc", ",", None, "cannot read"),
    ("744.213", None, None, "ambiguous"), (float("nan"), ",", None, "not a finite number"),
])
def test_read_cell(value, decimal, score, problem):
    cell = read_cell(value, decimal)
    if problem:
        assert cell.parsed is None and problem in cell.problem
    else:
        assert cell.parsed.value == score


def test_unsaved_formula_cell():
    assert "formula without a saved result" in read_cell(None, ",", unsaved_formula=True).problem


@pytest.mark.parametrize("label, kind, canonical, maximum", [
    ("Tên đơn vị", "column", "unit_name", None), ("Unit name", "column", "unit_name", None),
    ("3. Hạ tầng số (tối đa 100 điểm)", "indicator", "ha_tang_so_digital_infrastructure", 100),
    ("Tổng điểm DTI (tối đa 1000)", "indicator", "dti_total", 1000),
    ("Digital economy activities", "indicator", "hoat_dong_kinh_te_so_digital_economy_activities",
     None),
    ("Xếp hạng", "column", "rank", None), ("STT", "column", "order", None),
    ("Chỉ số chính", "", "", None),
])
def test_match_header(label, kind, canonical, maximum):
    head = match_header(label)
    assert (head.kind, head.canonical, head.maximum) == (kind, canonical, maximum)


def test_header_with_year():
    head = match_header("Điểm DTI 2023")
    assert (head.canonical, head.year) == ("dti_total", 2023)


# --- shapes


def test_merged_multi_row_header_with_notes(tmp_path):
    path = CORPUS / "files" / "xlsx_merged_header_code_mismatch.xlsx"
    result = read_file(path)
    obs = result.observations
    assert set(obs["sheet"]) == {"Kết quả"}
    assert obs["reference_year"].eq(2023).all()  # from the title row above the table
    assert obs["unit_code"].nunique() == 8  # the mismatched row is refused
    assert obs.loc[obs["unit_code"] == "243", "row"].iloc[0] == 7  # rows 4-5 header, 6 numbers


def test_wide_csv_semicolon_decimal_comma(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffKẾT QUẢ DTI NĂM 2023\nĐơn vị;Tổng điểm;Xếp hạng\n"
                     "Huyện Lập Thạch;744,213;1\nTP. Vĩnh Yên;631,5;2\n".encode("utf-8"))
    grid = read_csv_grid(path)
    assert (grid.encoding, grid.delimiter) == ("utf-8-sig", ";")
    result = read_file(path)
    assert not result.errors
    got = dict(zip(result.observations["unit_code"], result.observations["score"]))
    assert got == {"246": 744.213, "243": 631.5}


def test_long_format_english_headers(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("Unit,Year,Indicator,Value\nLap Thach,2023,Digital awareness,80.5\n"
                    "Lap Thach,2023,Total,744.213\n", encoding="utf-8")
    result = read_file(path)
    assert not result.errors
    assert dict(zip(result.observations["indicator"], result.observations["score"])) == {
        "nhan_thuc_so_digital_awareness": 80.5, "dti_total": 744.213}


def test_layout_skips_column_number_row():
    grid = openpyxl.load_workbook(CORPUS / "files" / "xlsx_merged_header_code_mismatch.xlsx")
    from lib.data.io import read_workbook_grids

    layout = locate_table(read_workbook_grids(CORPUS / "files" /
                                              "xlsx_merged_header_code_mismatch.xlsx")[0])
    assert layout.header_rows == [3, 4, 5] and layout.first_data == 6
    assert grid is not None


def test_tied_ranks_with_equal_scores_are_accepted(tmp_path):
    path = tmp_path / "tie.csv"
    path.write_text("Năm,Đơn vị,Tổng điểm,Xếp hạng\n2023,Lập Thạch,700,1\n2023,Vĩnh Yên,700,1\n"
                    "2023,Yên Lạc,650.5,3\n", encoding="utf-8")
    assert not [p for p in validate_paths([path]) if p.severity == "error"]


def test_missing_ranks_are_derived(tmp_path):
    path = tmp_path / "norank.csv"
    path.write_text("Năm,Đơn vị,Tổng điểm\n2023,Lập Thạch,700.5\n2023,Vĩnh Yên,710.25\n",
                    encoding="utf-8")
    from lib.staff.ingest import read_files

    _, obs, problems = read_files([(path, None)])
    ranks = dict(zip(obs["unit_code"], obs["rank"]))
    assert ranks == {"246": 2, "243": 1}
    assert set(obs["rank_status"]) == {"derived"}


# --- the build refuses files with errors and leaves processed data intact


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_data_refuses_a_staff_file_with_errors(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    out = tmp_path / "processed"
    pipeline.build(out_dir=out, raw_dir=raw, force=True)
    before = _digest(resolve_processed(out))
    bad = CORPUS / "files" / "chk_sum_mismatch.csv"
    shutil.copy(bad, raw / "dti_staff_2023.csv")
    (raw / "dti_staff_2023.csv.source.yml").write_text(
        "title: t\npublisher: p\nurl: ''\npublished: p\naccessed: a\nlicence: l\n"
        "number_format: {decimal: '.'}\ntrust: t\nfeeds: [dti_scores]\nshape: dti_workbook\n"
        "province: '26'\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        pipeline.build(out_dir=out, raw_dir=raw, force=True)
    assert any("main indicators sum to" in p.problem and p.row == 9 for p in err.value.problems)
    assert _digest(resolve_processed(out)) == before
