"""Build, manifest, atomic writes, and errors that name the file, row and column."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from lib.build import pipeline
from lib.data import load
from lib.data.files import write_atomic
from lib.data.io import DataError, StorageError
from lib.data.paths import RAW_DIR, ROOT, read_manifest, resolve_processed
from lib.data.schemas import ValidationError


def test_manifest_records_inputs_rows_and_version(processed):
    current = resolve_processed(processed)
    manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is False
    assert manifest["tables"]["dti_scores"]["rows"] == 297
    assert manifest["tables"]["units"]["rows"] == 245
    assert "dti_district_vinhphuc.csv" in manifest["inputs"]
    assert len(manifest["inputs"]["dti_district_vinhphuc.csv"]) == 64
    assert (current / "dti_scores.csv").exists() and (current / "dti_scores.parquet").exists()


def test_up_to_date_build_is_not_rebuilt(processed):
    before = (resolve_processed(processed) / "manifest.json").stat().st_mtime_ns
    pipeline.build(out_dir=processed)
    assert (resolve_processed(processed) / "manifest.json").stat().st_mtime_ns == before


def test_parquet_round_trip_keeps_codes_as_strings(processed):
    units = pd.read_parquet(resolve_processed(processed) / "units.parquet")
    assert units.loc[units["unit_code"] == "08707", "unit_level"].item() == "commune"
    csv = pd.read_csv(resolve_processed(processed) / "units.csv", dtype=str)
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
    before = (resolve_processed(out) / "dti_scores.parquet").read_bytes()
    _corrupt(raw_copy / "dti_district_vinhphuc.csv", ",744.213,", ",7a4.213,")
    with pytest.raises(DataError) as err:
        pipeline.build(out_dir=out, raw_dir=raw_copy, force=True)
    message = str(err.value)
    assert "dti_district_vinhphuc.csv" in message and "row 13" in message
    assert "'score'" in message and "7a4.213" in message
    assert (resolve_processed(out) / "dti_scores.parquet").read_bytes() == before


def test_schema_failure_names_raw_file_and_row(raw_copy, tmp_path):
    _corrupt(raw_copy / "dti_district_vinhphuc.csv", ",744.213,1000,", ",1744.213,1000,")
    with pytest.raises(ValidationError) as err:
        pipeline.build(out_dir=tmp_path / "out", raw_dir=raw_copy, force=True)
    problem = err.value.problems[0]
    assert problem.file == "dti_district_vinhphuc.csv" and problem.row == 13
    assert "maximum" in str(err.value)
    assert not (tmp_path / "out" / "current").exists()


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


def _set_state(root):
    """What a reader sees in a published folder: the set in use, its manifest's table rows
    and the bytes of its Parquet files."""
    current = resolve_processed(root)
    manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    return current, {n: e["rows"] for n, e in manifest["tables"].items()}, {
        p.name: p.read_bytes() for p in current.glob("*.parquet")}


def test_rebuild_switches_the_whole_set_and_keeps_the_one_before(tmp_path):
    root = tmp_path / "processed"
    first = pipeline.build(out_dir=root, force=True)
    old_set = resolve_processed(root)
    (root / "units.csv").write_text("stale flat build", encoding="utf-8")  # an older layout
    pipeline.build(out_dir=root, force=True)
    new_set = resolve_processed(root)
    assert os.readlink(root / "current") == f"sets/{new_set.name}" and new_set != old_set
    assert first["data_version"] in new_set.name
    # a reader that resolved the old set before the switch still reads it, whole
    assert read_manifest(old_set)["tables"]["dti_scores"]["rows"] == 297
    assert len(load.load_table("dti_scores", old_set)) == 297
    assert not (root / "units.csv").exists()
    pipeline.build(out_dir=root, force=True)
    assert sorted(p.name for p in (root / "sets").iterdir()) == sorted(
        [new_set.name, resolve_processed(root).name])  # the oldest set is removed
    assert sorted(p.name for p in root.iterdir()) == ["current", "sets"]


def test_failed_write_keeps_the_previous_set_whole(tmp_path, monkeypatch):
    root = tmp_path / "processed"
    pipeline.build(out_dir=root, force=True)
    before = _set_state(root)
    real_to_csv, calls = pd.DataFrame.to_csv, []

    def to_csv(self, *args, **kwargs):  # the disk fills up at the third CSV file
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_to_csv(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    with pytest.raises(StorageError) as err:
        pipeline.build(out_dir=root, force=True)
    assert str(err.value) == (f"could not write the processed data to {root} (no space left "
                              "on the device); the previous processed data are unchanged")
    assert _set_state(root) == before
    assert [p.name for p in (root / "sets").iterdir()] == [before[0].name]  # no half-written set


@pytest.fixture()
def small_disk(tmpfs):
    """A 4 MB tmpfs (see ``tmpfs`` in conftest)."""
    return tmpfs("size=4m")


def _fill(disk, leave: int) -> None:
    free = shutil.disk_usage(disk).free
    with open(disk / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_full_disk_is_one_sentence_and_keeps_the_previous_set(small_disk):
    root = small_disk / "processed"
    pipeline.build(out_dir=root, force=True)
    before = _set_state(root)
    _fill(small_disk, leave=300_000)  # less than the ~1.2 MB a set is expected to need
    run = subprocess.run([sys.executable, "-m", "lib", "data", "--force"], cwd=ROOT,
                         capture_output=True, text=True,
                         env={**os.environ, "DTI_PROCESSED_DIR": str(root)})
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(f"error: not enough free space for the processed data in {root}: "
                                 "about 1.2 MB needed, 0.3 MB free;")
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert _set_state(root) == before


def test_disk_filling_up_mid_write_keeps_the_previous_set(small_disk, monkeypatch):
    root = small_disk / "processed"
    pipeline.build(out_dir=root, force=True)
    before = _set_state(root)
    _fill(small_disk, leave=100_000)
    monkeypatch.setattr(pipeline, "expected_bytes", lambda tables: 0)  # the check passes
    with pytest.raises(StorageError, match=r"\(no space left on the device\); the previous"):
        pipeline.build(out_dir=root, force=True)
    assert _set_state(root) == before
    assert [p.name for p in (root / "sets").iterdir()] == [before[0].name]
