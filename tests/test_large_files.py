"""Large staff files: bounded problem lists, rows parsed on access, the plain-number fast path.

Speed and memory targets are in ``benchmarks/staff_file.py`` (printed, not timed here).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lib.__main__ import main
from lib.build.validate import validate_paths
from lib.data.io import DataError, Problems, read_csv_grid
from lib.data.parse import parse_value
from lib.staff.reading import read_file
from lib.staff.tables import read_cell

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import staff_file  # noqa: E402  (the benchmark's file writer)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """5,000 rows: the 9 districts over and over, every row after the ninth a repeat."""
    return staff_file.write_file(tmp_path_factory.mktemp("big") / "staff.csv", 5000)


def test_problems_past_the_limit_are_counted_by_kind(big_file):
    problems = validate_paths([big_file])
    assert isinstance(problems, Problems) and len(problems) == 1000
    assert problems.total == problems.count_of("error") == 4991
    assert dict(problems.more) == {("error", "unit × year given twice"): 3991}
    first = problems[0]
    assert (first.row, first.problem, first.hint) == (
        12, "Vĩnh Yên 2023 given twice (9 indicators)", "first in staff.csv, row 3")


def test_validate_prints_the_limit_and_the_count_per_kind(big_file, capsys):
    assert main(["validate", str(big_file)]) == 2
    out = capsys.readouterr().out
    assert "… and 3,991 more of the same kinds: 3,991 × error 'unit × year given twice'" in out
    assert f"4,991 error(s), 0 warning(s) in {big_file}" in out
    assert out.count("\n") < 1010  # header, rule, 1,000 problems, summary


def test_repeated_rows_keep_only_the_first_values(big_file):
    result = read_file(big_file, staff_file_meta())
    obs = result.observations
    assert len(obs) == 9 * 9  # 9 units × (8 main indicators + total), nothing of the repeats
    lap_thach = obs[(obs["unit_code"] == "246") & (obs["indicator"] == "dti_total")]
    assert (lap_thach["row"].item(), lap_thach["score"].item()) == (5, 62 + 64 + 66 + 68 + 70
                                                                     + 142 + 102 + 107)


def staff_file_meta() -> dict:
    import yaml

    return yaml.safe_load(staff_file.SIDECAR)


def test_errors_displace_warnings_past_the_limit():
    problems = Problems(limit=3)
    for i in range(3):
        problems.append(DataError("f.csv", f"unusual value {i}", row=i, severity="warning"))
    problems.append(DataError("f.csv", "negative score", row=9))
    problems += [DataError("f.csv", "negative score", row=10)]
    assert [(p.severity, p.row) for p in problems] == [
        ("warning", 0), ("error", 9), ("error", 10)]
    assert dict(problems.more) == {("warning", "unusual value …"): 2}
    assert problems.summary() == ("… and 2 more of the same kinds: 2 × warning "
                                  "'unusual value …'")
    assert problems.of_severity("warning").total == 3


def test_csv_rows_are_parsed_on_access_like_a_csv_reader(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('Tên đơn vị,Ghi chú,Tổng điểm\n"Lập Thạch","two\nlines",744.213\n\n'
                    'Vĩnh Yên,"a ""quote""",631\n', encoding="utf-8")
    grid = read_csv_grid(path)
    assert len(grid.rows) == 4 and list(grid.row_numbers) == [1, 2, 4, 5]
    assert grid.rows[1] == ["Lập Thạch", "two lines", "744.213"]
    assert grid.rows[2] == [] and grid.rows[-1] == ["Vĩnh Yên", 'a "quote"', "631"]
    assert grid.rows[1:3] == [grid.rows[1], []]
    with pytest.raises(IndexError):
        grid.rows[4]


@pytest.mark.parametrize("text,decimal,decimals", [
    ("62", None, 0), ("62", ".", 0), ("-5", ",", 0), ("62.5", ".", 1), ("62,25", ",", 2),
    ("1.234", ".", 3), ("007", ".", 0)])
def test_plain_numbers_read_as_the_parser_reads_them(text, decimal, decimals):
    cell = read_cell(text, decimal)
    assert cell.parsed == parse_value(text, decimal=decimal)
    assert (cell.decimals, cell.problem) == (decimals, "")
