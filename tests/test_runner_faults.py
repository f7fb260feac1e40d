"""Runner faults: a read-only or full outputs folder is one sentence and exit code 2 before any
kernel starts; notebook names in reports.yml cannot leave notebooks/ (nor outputs/)."""

from __future__ import annotations

import contextlib
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


@pytest.mark.parametrize("executor,extra_env", [
    (["--jobs", "2"], {}),
    (["--jobs", "2"], {"DTI_NO_ZYGOTE": "1"}),
    (["--cluster", "local", "--jobs", "2"], {}),
    (["--cluster", "local", "--jobs", "2"], {"DTI_NO_ZYGOTE": "1"})],
    ids=["local-pool", "local-pool-no-zygote", "dask-local-cluster", "dask-no-zygote"])
def test_kill_9_of_the_runner_leaves_no_process_and_the_next_run_tidies(tmp_path, processed,
                                                                       executor, extra_env):
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from test_batch import make_notebook

    from lib import batch_state
    from lib.paths import ROOT

    started = tmp_path / "started"  # each kernel that runs the slow cell leaves a file here
    started.mkdir()
    make_notebook(tmp_path / "notebooks" / "slow.ipynb",
                  "import os, pathlib, time\n"
                  "pathlib.Path(os.environ['DTI_TEST_STARTED'], str(os.getpid())).touch()\n"
                  "time.sleep(120)")
    config = tmp_path / "reports.yml"
    config.write_text("years: [2022]\nnotebooks_dir: notebooks\nreports:\n  - {notebook: slow, "
                      "unit_level: district, peer_group: districts_of_26, data: all}\n",
                      encoding="utf-8")
    env = {**os.environ, "DTI_OUTPUTS_DIR": str(tmp_path / "outputs"),
           "DTI_PROCESSED_DIR": str(processed), "DTI_TEST_STARTED": str(started), **extra_env}
    runner = subprocess.Popen([sys.executable, "-m", "lib", "reports", "--config", str(config),
                               *executor, "--force"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(runner.pid)
    seen: dict[int, psutil.Process] = {}

    def record() -> None:  # every descendant of the runner, as long as it is one
        try:
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            pass

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(list(started.iterdir())) < 2:
        record()  # until two kernels run the slow cell
        time.sleep(0.2)
    record()
    kernels = {int(p.name) for p in started.iterdir()}
    assert len(kernels) == 2 and kernels <= seen.keys(), "the run did not start two kernels"
    assert runner.poll() is None, "the runner ended before it was killed"
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait()
    time.sleep(10)
    alive = [p for p in seen.values()
             if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    survivors = []
    for process in alive:  # named, then killed: leave nothing behind for the other tests
        with contextlib.suppress(psutil.Error):
            survivors.append(f"{process.pid}: {' '.join(process.cmdline())}")
            process.kill()
    assert survivors == []
    # the next run removes the temporary folders the dead run left
    left = [p for p in Path(tempfile.gettempdir()).glob("dti-[kz]-*")
            if (p / "pid").exists() and int((p / "pid").read_text()) in seen.keys() | {runner.pid}]
    removed = batch_state.remove_dead_temp_dirs()
    assert set(left) <= set(removed) and not any(p.exists() for p in left)
