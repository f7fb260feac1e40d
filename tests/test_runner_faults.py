"""Runner faults: a read-only or full outputs folder is one sentence and exit code 2 before any
kernel starts; notebook names in reports.yml cannot leave notebooks/ (nor outputs/)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from lib.data import files
from lib.batch import run as report

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


@pytest.mark.parametrize("executor", [
    ["--jobs", "2"],
    ["--cluster", "local", "--jobs", "2"]],
    ids=["local-pool", "dask-local-cluster"])
def test_kill_9_of_the_runner_leaves_no_process_and_the_next_run_tidies(tmp_path, processed,
                                                                       executor):
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from test_batch import make_notebook

    from lib.batch import state as batch_state
    from lib.data.paths import ROOT

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
    temp = tmp_path / "tmp"  # the run's own temp folder: another run's tidying cannot touch it
    temp.mkdir()
    env = {**os.environ, "DTI_OUTPUTS_DIR": str(tmp_path / "outputs"), "TMPDIR": str(temp),
           "DTI_PROCESSED_DIR": str(processed), "DTI_TEST_STARTED": str(started)}
    runner = subprocess.Popen([sys.executable, "-m", "lib", "reports", "--config", str(config),
                               *executor, "--force"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(runner.pid)
    seen: dict[int, psutil.Process] = {}
    commands: dict[int, list] = {}

    def record() -> None:  # every descendant of the runner, as long as it is one
        try:
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
                with contextlib.suppress(psutil.Error):
                    commands.setdefault(child.pid, child.cmdline())
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

    def still_alive():
        alive = []
        for process in seen.values():
            with contextlib.suppress(psutil.NoSuchProcess):
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
        return alive

    time.sleep(10)  # the workers watch the runner's pid; their kernels end with them
    deadline = time.monotonic() + 30  # a loaded machine is slower
    while still_alive() and time.monotonic() < deadline:
        time.sleep(0.5)
    alive = still_alive()
    survivors = []
    for process in alive:  # named, then killed: leave nothing behind for the other tests
        with contextlib.suppress(psutil.Error):
            survivors.append(f"{process.pid}: {' '.join(process.cmdline())}")
            process.kill()
    assert survivors == []
    # what the dead run left in the temp folder lies in folders that name their process
    # (kernel connection files too, not jupyter_client's /tmp/tmp*.json) ...
    for command in commands.values():
        if "ipykernel_launcher" in command:
            connection = Path(command[command.index("-f") + 1])
            assert connection.parent.name.startswith("dti-k-"), command
    left = [p for p in temp.glob("dti-*")
            if p.name.startswith(batch_state.TEMP_PREFIXES) and (p / "pid").exists()
            and int((p / "pid").read_text()) in seen.keys() | {runner.pid}]
    assert left, "the killed run left no temporary folder to tidy"
    if "--cluster" in executor:  # the workers' copies of the data
        assert any(p.name.startswith("dti-data-") for p in left)
    # ... which the next run removes
    removed = batch_state.remove_dead_temp_dirs(temp)
    assert set(left) <= set(removed) and not any(p.exists() for p in left)


def test_files_written_together_are_replaced_together_or_not_at_all(tmp_path, monkeypatch):
    import errno
    import os

    from lib.batch import state as batch_state

    first, second = tmp_path / "a" / "report.ipynb", tmp_path / "b" / "report.html"
    for path in (first, second):
        path.parent.mkdir()
        path.write_bytes(b"old")
    calls = []

    def fsync(fd):  # the disk fills up while the second file is written
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch_state.os, "fsync", fsync)
    with pytest.raises(OSError) as err:
        files.write_files_atomic({first: b"new", second: b"new"})
    assert err.value.filename == str(second)  # the file that failed, not its temporary copy
    assert first.read_bytes() == second.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "report.html",
                                                           "report.ipynb"]
    monkeypatch.setattr(batch_state.os, "fsync", os.fsync)
    files.write_files_atomic({first: b"new", second: b"new"})
    assert first.read_bytes() == second.read_bytes() == b"new"


def test_a_journal_that_cannot_be_written_keeps_its_records_for_the_state(tmp_path):
    from lib.batch import state as batch_state

    store = batch_state.StateStore(tmp_path).load()
    store.put({"key": "vi/2023/1-scores", "status": "built"})
    store.journal.write_bytes(store.journal.read_bytes()[:-5])  # a line cut by a full disk
    store._close_journal()
    store._journal_handle = open(store.journal, "rb")  # noqa: SIM115 - writes now fail
    store.put({"key": "vi/2023/2-scores", "status": "built"})
    assert isinstance(store.journal_error, OSError) and store._journal_handle is None
    store.put({"key": "vi/2023/3-scores", "status": "failed"})  # no second attempt, no error
    # a later run appends after the cut line, on a line of its own
    later = batch_state.StateStore(tmp_path).load()
    later.put({"key": "vi/2023/4-scores", "status": "built"})
    later._close_journal()
    assert list(batch_state.StateStore(tmp_path).load().reports) == ["vi/2023/4-scores"]
    store.save()
    assert sorted(batch_state.StateStore(tmp_path).load().reports) == [
        "vi/2023/1-scores", "vi/2023/2-scores", "vi/2023/3-scores"]
    assert not store.journal.exists()


def _fill(disk: Path) -> Path:
    """Fill ``disk`` to its last byte, as another program would; return the file."""
    import errno
    import os

    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, bytes(1 << 16))
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def _without_banner(page: Path) -> bytes:
    import re

    return re.sub(r'<p class="dti-stale-banner"[^>]*>[^<]*</p>', "",
                  page.read_text(encoding="utf-8"), count=1).encode("utf-8")


@pytest.mark.slow
def test_a_disk_that_fills_up_mid_run_fails_only_the_reports_it_cannot_write(
        tmpfs, tmp_path, monkeypatch, capsys, processed):
    from test_batch import LIGHT, index_statuses, last_manifest, make_notebook

    out = tmpfs("size=64m")
    monkeypatch.setenv("DTI_OUTPUTS_DIR", str(out))
    make_notebook(tmp_path / "notebooks" / "scores.ipynb", *LIGHT)
    config = tmp_path / "reports.yml"
    config.write_text("years: [2022, 2023]\nlanguages: [vi, en]\nnotebooks_dir: notebooks\n"
                      "reports:\n"
                      "  - {notebook: scores, unit_level: district, peer_group: districts_of_26}\n",
                      encoding="utf-8")

    def run(force: bool = False) -> tuple[int, str]:
        capsys.readouterr()
        code = report.main(units=["246"], jobs=1, force=force, config=config, progress=False)
        return code, capsys.readouterr().err

    def no_tmp_files() -> list:
        return [p for p in out.rglob("*") if p.name.endswith(".tmp")]

    # 1. four good pages
    assert run()[0] == report.EXIT_OK
    good = {p: p.read_bytes() for p in (out / "html").rglob("*-scores.html")}
    assert len(good) == 4

    # 2. another program fills the disk while the second report is written, then frees it
    published, fill_at, free_after = [], {2}, {2}
    original = report.BatchRun.publish

    def publish(self, job, *args):
        published.append(job)
        filler = _fill(out) if len(published) in fill_at else out / "filler"
        try:
            return original(self, job, *args)
        finally:
            if len(published) in free_after:
                filler.unlink()

    monkeypatch.setattr(report.BatchRun, "publish", publish)
    code, err = run(force=True)
    assert code == report.EXIT_REPORTS_FAILED
    victim = published[1]
    page = victim.html_path(out)
    assert (f"  - {victim.label}: cannot write {victim.executed_path(out)} (no space left on "
            "the device); its previous page stays published\n") in err
    assert f"error: 1 report could not be written into {out} (no space left on the device)" in err
    assert "Traceback" not in err and "Errno" not in err
    manifest = last_manifest(out)  # the index and the manifest are written after the fault
    assert manifest["exit_code"] == report.EXIT_REPORTS_FAILED
    assert {r["key"]: r["status"] for r in manifest["reports"]} == {
        job.key: "failed" if job is victim else "built" for job in published}
    statuses = index_statuses(out)
    assert statuses[f"{victim.lang}/{victim.reference_year}/246"] == "stale"
    assert b'id="dti-stale"' in page.read_bytes()
    assert _without_banner(page) == good[page]  # the good page, with the stale banner
    assert not no_tmp_files()

    # 3. the disk stays full from the second report to the end of the run
    published.clear()
    fill_at, free_after = {2}, set()
    before = {p: p.read_bytes() for p in (out / "html").rglob("*.html")}
    code, err = run(force=True)
    (out / "filler").unlink()
    assert code == report.EXIT_REPORTS_FAILED
    for job in published[1:]:
        assert f"  - {job.label}: cannot write {job.executed_path(out)} (no space left on the " \
               "device); its previous page stays published\n" in err
        assert job.html_path(out).read_bytes() == before[job.html_path(out)]
    assert "error: 3 reports could not be written" in err
    assert f"error: cannot write the index pages in {out / 'html'} (no space left on the " \
        "device); the published reports stay; the next run writes them\n" in err
    for what in ("the state", "the run manifest"):
        assert f"error: cannot write {what} {out}/" in err
    assert "Traceback" not in err and "Errno" not in err
    assert not no_tmp_files()

    # 4. with space again, the next run rebuilds what failed; nothing is stale any more
    code, err = run()
    assert code == report.EXIT_OK, err
    rebuilt = {r["key"]: r["reason"] for r in last_manifest(out)["reports"]
               if r["status"] == "built"}
    assert rebuilt.get(victim.key) == "last attempt failed"
    assert set(index_statuses(out).values()) == {"built"}
    assert [p for p in good if b'id="dti-stale"' in p.read_bytes()] == []
    assert not no_tmp_files()
