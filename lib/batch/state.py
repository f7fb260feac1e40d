"""What the report runner remembers between runs: fingerprints, per-report state, the run lock,
run manifests and logs.

Layout under the outputs folder (``outputs/`` or ``DTI_OUTPUTS_DIR``)::

    .lock                      held by the running ``python -m lib reports`` (flock)
    state/state.json           one record per report ever built, failed or found without data
    state/journal.jsonl        records of the current run, appended as reports finish
    state/plan.json            the last expanded plan and the key of its inputs
    state/plan_facts.json      what the plan took from the processed data, and their key
    runs/<run id>/manifest.json, run.log, and runs/LATEST (the last run id)

Only the standard library is imported here, so that a run with nothing to rebuild stays fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from lib.data.files import (hash_files, sha256_bytes, sha256_file, write_bytes_atomic,
                            write_json_atomic)
from lib.data.paths import ROOT

RUNNER_VERSION = 1  # bump when the runner changes what it writes for the same inputs
LIB_DIR = ROOT / "lib"
REQUIREMENTS = ROOT / "requirements.txt"
STATE_VERSION = 2  # 2: report keys name the language ("vi/2023/246-scores")
LOCK_NAME = ".lock"

log = logging.getLogger("lib.batch")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)  # one encoder: a national run hashes 20,000 values


def canonical_json(value) -> str:
    """Deterministic JSON (sorted keys, no spaces) used for hashing."""
    return _CANONICAL.encode(value)


def lib_hash(lib_dir: Path = LIB_DIR) -> str:
    """SHA-256 over every file of the ``lib`` package (code, reference tables, templates),
    by relative path and content; caches (``__pycache__``, ``*.pyc``) are left out."""
    return hash_files((p for p in Path(lib_dir).rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts and p.suffix != ".pyc"), lib_dir)


def requirements_hash(path: Path = REQUIREMENTS) -> str:
    """SHA-256 of the pinned ``requirements.txt``."""
    return sha256_file(path, missing_ok=True)


def code_identity() -> dict:
    """What a worker must share with the orchestrator for its reports to be comparable."""
    return {"lib": lib_hash(), "requirements": requirements_hash(),
            "python": ".".join(map(str, sys.version_info[:2])), "runner": RUNNER_VERSION}


def report_fingerprint(components: dict) -> str:
    """One hash over a report's input components (see :func:`lib.batch.run.inputs_of`)."""
    return sha256_bytes(canonical_json(components).encode())[:20]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------- lock


class LockHeld(RuntimeError):
    """Another run holds the outputs lock."""


@dataclass
class RunLock:
    """An exclusive lock on an outputs folder (``fcntl.flock`` on ``<out>/.lock``).

    The kernel releases it when the process ends, however it ends, so a crashed run never
    leaves a stale lock. The file holds the holder's pid, host, start time and command line,
    which the message of a second run quotes. ``wait`` blocks until the lock is free (at most
    ``timeout`` seconds; None waits forever).
    """

    out: Path
    wait: bool = False
    timeout: float | None = None
    _file: object = None

    @property
    def path(self) -> Path:
        return Path(self.out) / LOCK_NAME

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another run"
        return (f"run {info.get('run_id', '?')} (pid {info.get('pid', '?')} on "
                f"{info.get('host', '?')}, started {info.get('started', '?')}: "
                f"{info.get('command', '?')})")

    def acquire(self, run_id: str = "") -> RunLock:
        import fcntl

        Path(self.out).mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while held
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not self.wait or (deadline is not None and time.monotonic() >= deadline):
                    holder = self.holder()
                    handle.close()
                    raise LockHeld(f"{self.path} is held by {holder}") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                                 "started": now_iso(), "command": " ".join(sys.argv)}))
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            import fcntl

            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# -------------------------------------------------------------------------------------- state


class StateStore:
    """Per-report records of an outputs folder.

    A record is keyed ``<year>/<unit code>-<notebook>`` and holds the report's identity (unit
    name and level), ``status`` (``built``, ``failed`` or ``no_data``), the ``fingerprint`` and
    ``inputs`` of the last attempt, ``good`` (fingerprint, time and run of the last good build,
    whose HTML is the published one), ``failure`` (error, time, executed copy) and the paths
    relative to the outputs folder. Records of the running run are appended to the journal as
    reports finish, so a killed run loses nothing it published; the next run (or this one at
    its end) folds the journal into ``state.json``. A run that changed nothing (a no-op)
    does not rewrite it. Caches keyed by their inputs (the expanded plan in ``plan.json``, its
    data facts in ``plan_facts.json``) are kept apart (:meth:`cached`, :meth:`store`).
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.dir = self.out / "state"
        self.path = self.dir / "state.json"
        self.journal = self.dir / "journal.jsonl"
        self.data: dict = {"version": STATE_VERSION, "reports": {}}
        self.changed = False  # anything to write at save()
        self._stored: dict[str, dict] = {}
        self._journal_handle = None
        self.journal_error: OSError | None = None

    def load(self) -> StateStore:
        try:
            data = orjson.loads(self.path.read_bytes())
            if data.get("version") == STATE_VERSION:
                self.data = data
        except FileNotFoundError:
            pass
        except ValueError:
            log.warning("ignoring unreadable %s; every report will be rebuilt", self.path)
        self.data.setdefault("reports", {})
        if self.data.pop("plan_cache", None) is not None:  # kept in plan.json now
            self.changed = True
        if self.journal.exists():  # a previous run ended before folding its journal
            self.changed = True
            for line in self.journal.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    self.data["reports"][record["key"]] = record
        return self

    def set(self, name: str, value) -> None:
        """Store a run-level entry of the state (such as ``data_check``)."""
        if self.data.get(name) != value:
            self.data[name] = value
            self.changed = True

    def cached(self, name: str, key: str) -> dict | None:
        """The value stored by :meth:`store` as ``name`` under ``key`` (``state/<name>.json``);
        None when there is none, it is unreadable or its key is another."""
        try:
            cached = orjson.loads((self.dir / f"{name}.json").read_bytes())
        except (OSError, ValueError):
            return None
        return cached.get("value") if isinstance(cached, dict) and cached.get("key") == key \
            else None

    def store(self, name: str, key: str, value: dict) -> None:
        """Keep ``value`` (JSON-able) as ``name`` under ``key``; :meth:`save` writes it."""
        self._stored[name] = {"key": key, "value": value}

    @property
    def reports(self) -> dict:
        return self.data["reports"]

    def get(self, key: str) -> dict | None:
        return self.reports.get(key)

    def put(self, record: dict, journal: bool = True) -> None:
        """Store a record; with ``journal``, append it to the journal (flushed) at once. A
        journal that cannot be written (a full disk) is given up for this run, with a warning:
        the records stay in memory for :meth:`save`."""
        self.reports[record["key"]] = record
        self.changed = True
        if not journal or self.journal_error:
            return
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        try:
            if self._journal_handle is None:
                self.dir.mkdir(parents=True, exist_ok=True)
                self._journal_handle = open(self.journal, "a+b")  # noqa: SIM115
                self._journal_handle.seek(0, os.SEEK_END)
                if self._journal_handle.tell():  # a line cut by an earlier fault stays alone
                    self._journal_handle.seek(-1, os.SEEK_END)
                    if self._journal_handle.read(1) != b"\n":
                        line = "\n" + line
            self._journal_handle.write(line.encode("utf-8"))
            self._journal_handle.flush()
        except OSError as err:
            self.journal_error = err
            log.warning("cannot append to %s (%s): records are kept until the end of the run",
                        self.journal, err)
            self._close_journal()

    def _close_journal(self) -> None:
        handle, self._journal_handle = self._journal_handle, None
        if handle is not None:
            with contextlib.suppress(OSError):  # unwritten bytes of a full disk are dropped
                handle.close()

    def save(self) -> Path:
        """Write ``state.json`` atomically if anything changed (or it does not exist), then
        drop the journal it now contains; write the caches stored (:meth:`store`)."""
        self._close_journal()
        for name, cached in self._stored.items():
            write_json_atomic(self.dir / f"{name}.json", cached, indent=False)
        self._stored = {}
        if self.changed or not self.path.exists():
            write_json_atomic(self.path, self.data, indent=False)
            self.changed = False
        with contextlib.suppress(FileNotFoundError):
            self.journal.unlink()
        return self.path


# ------------------------------------------------------------------------------ manifest, log


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


def run_dir(out: Path, run_id: str) -> Path:
    return Path(out) / "runs" / run_id


class _RunLogHandler(logging.FileHandler):
    """The run log: lines that cannot be written (a full disk) are dropped silently, not
    printed as a logging traceback nor raised when the log is closed; the run reports the
    fault itself."""

    def handleError(self, record) -> None:  # noqa: N802 - logging's name
        pass

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            super().flush()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            super().close()


def start_log(out: Path, run_id: str) -> Path:
    """Send the ``lib.batch.pool`` logger to ``runs/<run id>/run.log``; return the log's path."""
    path = run_dir(out, run_id) / "run.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _RunLogHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.set_name(f"dti-run-{run_id}")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    return path


def stop_log(run_id: str) -> None:
    for handler in list(log.handlers):
        if handler.get_name() == f"dti-run-{run_id}":
            handler.close()
            log.removeHandler(handler)


def git_commit() -> dict:
    """The checkout's commit and whether it has uncommitted changes (read without ``git``)."""
    head = ROOT / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            ref_path = ROOT / ".git" / ref[5:]
            if ref_path.exists():
                return {"commit": ref_path.read_text().strip(), "ref": ref[5:]}
            packed = (ROOT / ".git" / "packed-refs").read_text().splitlines()
            for line in packed:
                if line.endswith(" " + ref[5:]):
                    return {"commit": line.split()[0], "ref": ref[5:]}
            return {"commit": None, "ref": ref[5:]}
        return {"commit": ref, "ref": None}
    except OSError:
        return {"commit": None, "ref": None}


PACKAGES = ("papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client",
            "pandas", "matplotlib", "dask", "distributed")


def package_versions(names=PACKAGES) -> dict:
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_run_manifest(out: Path, run_id: str, manifest: dict) -> Path:
    """Write ``runs/<run id>/manifest.json`` and point ``runs/LATEST`` at it."""
    # compact: the C encoder writes the 20,000 entries of a national run in a fraction of the
    # time of an indented dump (read it with `python -m json.tool` or jq)
    path = write_json_atomic(run_dir(out, run_id) / "manifest.json", manifest, indent=False)
    write_bytes_atomic(Path(out) / "runs" / "LATEST", (run_id + "\n").encode(), sync=False)
    return path


def raw_signature(raw_dir: Path) -> str:
    """A cheap signature of a folder: every file's relative path, size and mtime."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(raw_dir).rglob("*") if p.is_file()):
        stat = path.stat()
        name = path.relative_to(raw_dir).as_posix()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


# kernel scratch and Dask workers' staged data folders, each with a `pid` file
TEMP_PREFIXES = ("dti-k-", "dti-data-")


def remove_dead_temp_dirs(root: str | Path | None = None) -> list[Path]:
    """Remove the temporary folders of runs that died (``kill -9``, power loss): those under
    ``root`` (default the system temp folder) named with :data:`TEMP_PREFIXES` whose ``pid``
    file names a process that no longer exists. Returns the folders removed."""
    import shutil
    import tempfile

    removed = []
    for path in Path(root or tempfile.gettempdir()).iterdir():
        if not path.name.startswith(TEMP_PREFIXES) or not path.is_dir():
            continue
        try:
            pid = int((path / "pid").read_text())
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except (OSError, ValueError):  # no pid file yet, or not ours to signal: leave it
            continue
    return removed
