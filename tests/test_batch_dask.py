"""`python -m lib reports --cluster local`: the same tasks on a Dask LocalCluster, with the
processed data shipped to the workers and the results shipped back."""

from __future__ import annotations

import json
import os

import nbformat
import pytest

from lib.batch import run as report
from tests.test_batch import LIGHT, last_manifest, make_notebook

pytestmark = pytest.mark.slow


def test_dask_local_cluster_builds_from_shipped_data(tmp_path, monkeypatch, processed):
    out = tmp_path / "outputs"
    monkeypatch.setenv("DTI_OUTPUTS_DIR", str(out))
    make_notebook(tmp_path / "notebooks" / "scores.ipynb", *LIGHT)
    config = tmp_path / "reports.yml"
    config.write_text("years: [2022, 2023]\nnotebooks_dir: notebooks\nreports:\n"
                      "  - {notebook: scores, unit_level: district, peer_group: districts_of_26}\n",
                      encoding="utf-8")
    code = report.main(units=["246"], cluster="local", jobs=2, config=config, progress=False)
    assert code == report.EXIT_OK
    manifest = last_manifest(out)
    assert manifest["executor"]["kind"] == "dask" and manifest["executor"]["workers"] == 2
    assert manifest["executor"]["data_bundle_bytes"] > 0
    built = [r for r in manifest["reports"] if r["status"] == "built"]
    assert len(built) == 4  # no `languages`: every report in Vietnamese and English
    assert sorted(r["key"] for r in built) == ["en/2022/246-scores", "en/2023/246-scores",
                                               "vi/2022/246-scores", "vi/2023/246-scores"]
    assert all(not r["worker"].endswith(f":{os.getpid()}") for r in built)
    for year in (2022, 2023):
        executed = nbformat.read(out / "executed" / str(year) / "246-scores.ipynb", as_version=4)
        printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code"
                          for o in c.outputs)
        # the kernel read the worker's staged copy of the data, not the orchestrator's folder
        assert "Lập Thạch" in printed and str(processed) not in printed and "dti-data-" in printed
        assert (out / "html" / str(year) / "246-scores.html").is_file()
        assert (out / "html" / "en" / str(year) / "246-scores.html").is_file()
        assert (out / "executed" / "en" / str(year) / "246-scores.ipynb").is_file()
    # a second run on the cluster has nothing to do and starts no cluster
    assert report.main(units=["246"], cluster="local", jobs=2, config=config, progress=False) == 0
    assert last_manifest(out)["counts"] == {"up_to_date": 4}
    reports = json.loads((out / "state" / "state.json").read_text())["reports"]
    assert reports["vi/2023/246-scores"]["status"] == reports["en/2023/246-scores"]["status"] \
        == "built"
