"""Build, manifest, atomic writes, and errors that name the file, row and column."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from lib import pipeline
from lib.io import DataError, write_atomic
from lib.paths import RAW_DIR
from lib.validate import ValidationError


def test_manifest_records_inputs_rows_and_version(processed):
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is False
    assert manifest["tables"]["dti_scores"]["rows"] == 300
    assert manifest["tables"]["units"]["rows"] == 244
    assert "dti_district_vinhphuc.csv" in manifest["inputs"]
    assert len(manifest["inputs"]["dti_district_vinhphuc.csv"]) == 64
    assert (processed / "dti_scores.csv").exists() and (processed / "dti_scores.parquet").exists()


def test_up_to_date_build_is_not_rebuilt(processed):
    before = (processed / "manifest.json").stat().st_mtime_ns
    pipeline.build(out_dir=processed)
    assert (processed / "manifest.json").stat().st_mtime_ns == before


def test_parquet_round_trip_keeps_codes_as_strings(processed):
    units = pd.read_parquet(processed / "units.parquet")
    assert units.loc[units["unit_code"] == "08707", "unit_level"].item() == "commune"
    csv = pd.read_csv(processed / "units.csv", dtype=str)
    assert "08707" in set(csv["unit_code"])


@pytest.fixture()
def raw_copy(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    return raw


def _corrupt(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bad_value_names_file_row_and_column_and_keeps_previous_output(raw_copy, tmp_path):
    out = tmp_path / "processed"
    pipeline.build(out_dir=out, raw_dir=raw_copy, force=True)
    before = (out / "dti_scores.parquet").read_bytes()
    _corrupt(raw_copy / "dti_district_vinhphuc.csv", ",744.213,", ",7a4.213,")
    with pytest.raises(DataError) as err:
        pipeline.build(out_dir=out, raw_dir=raw_copy, force=True)
    message = str(err.value)
    assert "dti_district_vinhphuc.csv" in message and "row 13" in message
    assert "'score'" in message and "7a4.213" in message
    assert (out / "dti_scores.parquet").read_bytes() == before


def test_schema_failure_names_raw_file_and_row(raw_copy, tmp_path):
    _corrupt(raw_copy / "dti_district_vinhphuc.csv", ",744.213,1000,", ",1744.213,1000,")
    with pytest.raises(ValidationError) as err:
        pipeline.build(out_dir=tmp_path / "out", raw_dir=raw_copy, force=True)
    problem = err.value.problems[0]
    assert problem.file == "dti_district_vinhphuc.csv" and problem.row == 13
    assert "maximum" in str(err.value)
    assert not (tmp_path / "out" / "dti_scores.parquet").exists()


def test_missing_sidecar_is_an_error(raw_copy, tmp_path):
    (raw_copy / "indicators_local.csv.source.yml").unlink()
    with pytest.raises(DataError, match="no provenance sidecar"):
        pipeline.build(out_dir=tmp_path / "out", raw_dir=raw_copy, force=True)


def test_write_atomic_keeps_old_file_when_writer_fails(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old", encoding="utf-8")

    def broken(tmp):
        tmp.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomic(target, broken)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]
