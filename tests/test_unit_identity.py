"""Codes, not names, decide a unit's identity: a name spelled differently in one year is a
warning in `make data`, an error in `validate`, and never breaks a report run."""

from __future__ import annotations

import logging
import shutil

import pytest

from lib.batch import plan as planning, run as report
from lib.build import pipeline
from lib.build.validate import validate_paths
from lib.data import load
from lib.data.paths import RAW_DIR


@pytest.fixture()
def respelled(tmp_path, monkeypatch):
    """data/raw with Vĩnh Yên (243) spelled "TP. Vĩnh Yên" in its 2022 row, built."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    path = raw / "dti_district_vinhphuc.csv"
    text = path.read_text(encoding="utf-8")
    assert "\n2022,243,Vĩnh Yên," in text
    path.write_text(text.replace("\n2022,243,Vĩnh Yên,", "\n2022,243,TP. Vĩnh Yên,", 1),
                    encoding="utf-8")
    out = tmp_path / "processed"
    monkeypatch.setenv("DTI_PROCESSED_DIR", str(out))
    load._read.cache_clear()
    yield raw, out
    load._read.cache_clear()


MESSAGE = "unit 243 is named 'TP. Vĩnh Yên' here but 'Vĩnh Yên' in the units table"


def test_make_data_warns_naming_both_spellings(respelled, caplog):
    raw, out = respelled
    with caplog.at_level(logging.WARNING, logger="lib.build.pipeline"):
        pipeline.build(out_dir=out, raw_dir=raw, force=True)
    warnings = [r.getMessage() for r in caplog.records if r.name == "lib.build.pipeline"]
    assert warnings == [f"warning: file dti_district_vinhphuc.csv, row 2, column 'unit_name', "
                        f"value 'TP. Vĩnh Yên': {MESSAGE} (units are matched by code; use the "
                        "units table's spelling)"]


def test_validate_calls_it_an_error(respelled):
    raw, _ = respelled
    errors = [p for p in validate_paths(raw_dir=raw) if p.severity == "error"]
    assert [(p.file, p.row, p.column, p.problem) for p in errors] == [
        ("dti_district_vinhphuc.csv", 2, "unit_name", MESSAGE)]


def test_report_plan_is_by_code(respelled):
    raw, out = respelled
    pipeline.build(out_dir=out, raw_dir=raw, force=True)
    plan = planning.expand(report.load_config())  # once raised "report … is configured twice"
    jobs = [j for j in plan.jobs + plan.no_data if j.unit_code == "243"]
    keys = [j.key for j in jobs]
    assert len(keys) == len(set(keys)) > 0
    assert {j.unit_name for j in jobs} == {"Vĩnh Yên"}  # the units table's name
    scores = [j for j in plan.jobs if j.unit_code == "243" and j.key.endswith("scores") and j.lang == "vi"]
    assert [j.reference_year for j in scores] == [2022]
