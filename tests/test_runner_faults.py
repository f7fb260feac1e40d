"""Runner faults: a read-only or full outputs folder is one sentence and exit code 2 before any
kernel starts; notebook names in reports.yml cannot leave notebooks/ (nor outputs/)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from lib import report

CONFIG = "reports:\n  - notebook: {notebook}\n    unit_level: district\n    unit_codes: ['246']\n"


@pytest.mark.parametrize("options,sentence", [
    ("ro,size=1m", "cannot write to {out} (the file system is read-only); nothing was built"),
    ("size=4m", "not enough free space in {out}: 4.2 MB free, at least 50 MB needed; nothing "
                "was built")])
def test_unusable_outputs_folder_is_one_sentence_before_any_kernel(tmpfs, monkeypatch, capsys,
                                                                   options, sentence):
    out = tmpfs(options)
    monkeypatch.setenv("DTI_OUTPUTS_DIR", str(out))
    assert report.main(units=["246"], years=[2023], progress=False) == report.EXIT_BAD_CONFIG
    captured = capsys.readouterr()
    assert captured.err == f"error: {sentence.format(out=out)}\n"
    assert list(out.iterdir()) == []  # no lock, no executed notebook, no .tmp


@pytest.mark.parametrize("notebook", ["../../../tmp/nb", "sub/../../scores", ".hidden"])
def test_notebook_names_cannot_leave_notebooks(tmp_path, notebook):
    config = tmp_path / "reports.yml"
    config.write_text(CONFIG.format(notebook=f"'{notebook}'"), encoding="utf-8")
    with pytest.raises(report.ConfigError) as err:
        report.load_config(config)
    assert f"notebook {notebook!r} must be the name of a notebook in notebooks/" in str(err.value)


def test_plain_notebook_name_still_loads(tmp_path):
    config = tmp_path / "reports.yml"
    config.write_text(CONFIG.format(notebook="scores"), encoding="utf-8")
    assert report.load_config(config).entries[0]["notebook"] == "scores"


def test_kill_9_of_the_runner_leaves_no_process_and_the_next_run_tidies(tmp_path, processed):
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from test_batch import make_notebook

    from lib import batch_state
    from lib.paths import ROOT

    make_notebook(tmp_path / "notebooks" / "slow.ipynb", "import time\ntime.sleep(120)")
    config = tmp_path / "reports.yml"
    config.write_text("years: [2022]\nnotebooks_dir: notebooks\nreports:\n  - {notebook: slow, "
                      "unit_level: district, peer_group: districts_of_26, data: all}\n",
                      encoding="utf-8")
    env = {**os.environ, "DTI_OUTPUTS_DIR": str(tmp_path / "outputs"),
           "DTI_PROCESSED_DIR": str(processed)}
    runner = subprocess.Popen([sys.executable, "-m", "lib", "reports", "--config", str(config),
                               "--jobs", "2", "--force"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(runner.pid)
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until two kernels run the slow cell
        for child in parent.children(recursive=True):
            seen.setdefault(child.pid, child)
        kernels = [p for p in seen.values() if p.is_running()
                   and "ipykernel" in " ".join(p.cmdline()) or "batch_zygote" in " ".join(
                       p.cmdline() if p.is_running() else [])]
        if len(kernels) >= 2:
            time.sleep(3)
            break
        time.sleep(0.5)
    for child in parent.children(recursive=True):
        seen.setdefault(child.pid, child)
    assert len(seen) >= 3, "the run did not start its workers and kernels"
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait()
    time.sleep(10)
    alive = [p for p in seen.values()
             if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], [" ".join(p.cmdline()) for p in alive]
    # the next run removes the temporary folders the dead run left
    left = [p for p in Path(tempfile.gettempdir()).glob("dti-[kz]-*")
            if (p / "pid").exists() and int((p / "pid").read_text()) in seen.keys() | {runner.pid}]
    removed = batch_state.remove_dead_temp_dirs()
    assert set(left) <= set(removed) and not any(p.exists() for p in left)
