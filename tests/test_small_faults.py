"""Smaller faults: header-only files, `validate DIR`, `make data` listing every problem,
non-text unit codes, and a Monte Carlo seeded from the data."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from lib.analysis import core as analysis
from lib.analysis import queries as profiles
from lib.__main__ import main
from lib.build.validate import validate_paths
from lib.data import paths
from lib.data.paths import read_manifest

CORPUS = paths.ROOT / "tests" / "corpus" / "files"


def test_header_only_file_is_an_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("Tên đơn vị,Tổng điểm,Xếp hạng\n", encoding="utf-8")
    problems = validate_paths([path])
    assert [(p.severity, p.row, p.problem) for p in problems if p.severity == "error"] == [
        ("error", 1, "the table has a header but no data rows")]


def test_validate_a_folder_checks_each_file_in_it(tmp_path, capsys):
    for name in ("chk_score_above_max.csv", "num_negative.csv"):
        shutil.copy(CORPUS / name, tmp_path / name)
    assert main(["validate", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "file not found" not in out
    assert "score above the maximum of 100" in out and "negative score" in out


def test_make_data_lists_every_problem_once(tmp_path, monkeypatch, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW_DIR, raw)
    for name in ("dti_district_vinhphuc.csv", "indicators_local.csv"):
        (raw / f"{name}.source.yml").write_text("title: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(paths, "RAW_DIR", raw)
    monkeypatch.setenv("DTI_PROCESSED_DIR", str(tmp_path / "processed"))
    assert main(["data"]) == 2
    captured = capsys.readouterr()
    lines = [ln for ln in captured.out.splitlines() if ln.startswith("error ")]
    assert [ln.split()[1] for ln in lines] == [  # each bad sidecar once (no second report)
        "dti_district_vinhphuc.csv.source.yml", "indicators_local.csv.source.yml"]
    assert all("2    " in ln and "not valid YAML: expected ',' or ']'" in ln for ln in lines)
    assert captured.err == ("error: 2 error(s) in data/raw: nothing was built; the previous "
                            "processed data are unchanged\n")
    assert not (tmp_path / "processed" / "current").exists()


def test_non_text_unit_code_gets_the_papermill_hint(processed):
    with pytest.raises(profiles.UnknownUnit) as err:
        profiles.get_unit(1, "province", 2023)  # `papermill -p unit_code 01`
    assert str(err.value) == ("unit code 1 is a int, not text: pass it as text with papermill's "
                              "-r (raw) option, e.g. `papermill -r unit_code 01 …`, not -p")


def test_known_codes_are_listed_once(processed):
    with pytest.raises(profiles.UnknownUnit) as err:
        profiles.get_unit("99", "province", 2023)
    known = str(err.value).split("known codes include: ")[1].split(", ")
    assert len(known) == len(set(known)) == 20 and known[:3] == ["01", "02", "04"]


def test_monte_carlo_seed_follows_the_data_and_the_peer_group(processed):
    version = read_manifest()["data_version"]
    expected = int(hashlib.sha256(f"{version}|districts_of_26|2022".encode()).hexdigest()[:8], 16)
    assert analysis.rank_seed("districts_of_26", 2022) == expected
    assert analysis.rank_seed("provinces_of_vn", 2022) != expected
