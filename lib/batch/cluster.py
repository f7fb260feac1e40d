"""Run report tasks on a Dask distributed cluster (``--scheduler`` / ``--cluster local``).

The tasks are those of the local pool (:class:`lib.batch.pool.ReportTask`); nothing assumes a
shared filesystem:

- the processed data travel as a :class:`DataBundle` (the Parquet tables and
  ``manifest.json`` as bytes), scattered once to every worker, which writes them into its own
  temporary folder (:func:`stage_bundle`) and points the kernel at it;
- the notebook travels inside each task; the executed notebook and the HTML come back in the
  result, and only the orchestrator writes into the outputs folder;
- the code does not travel: every worker must run the same commit and environment. Before
  anything is submitted, :func:`check_workers` compares each worker's hash of ``lib`` and of
  ``requirements.txt`` (and its Python version and Jupyter kernel) with the orchestrator's.

Each worker thread keeps a warm kernel (:class:`lib.batch.pool.KernelSession`) for the whole run;
the sessions are shut down when the run ends. Start workers with ``--nthreads 1`` (one kernel
per worker process) and ``--preload lib.batch.cluster`` (imports at worker start).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lib.batch import pool as batch
from lib.batch import workers
from lib.batch.state import code_identity

log = logging.getLogger("lib.batch")


class DaskConfigError(RuntimeError):
    """The scheduler cannot be reached, or a worker differs from the orchestrator."""


@dataclass
class DataBundle:
    """The processed data a report reads, as bytes: ``files`` maps file names to contents."""

    version: str
    files: dict = field(default_factory=dict)

    @classmethod
    def from_dir(cls, directory: Path, version: str) -> DataBundle:
        """Every Parquet table and ``manifest.json`` of ``directory`` (the CSV copies stay)."""
        directory = Path(directory)
        files = {p.name: p.read_bytes() for p in sorted(directory.iterdir())
                 if p.is_file() and (p.suffix == ".parquet" or p.name == "manifest.json")}
        return cls(version, files)

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.files.values())


_STAGED: dict[str, str] = {}
_STAGE_LOCK = threading.Lock()


def stage_bundle(bundle: DataBundle) -> str:
    """Write the bundle into this worker's temporary folder once per data version; return
    the folder of the tables. It lies in a ``dti-data-*`` folder with this worker's ``pid``:
    :func:`unstage_bundles` removes it at the end of a run, and the next run on this machine
    (:func:`lib.batch.state.remove_dead_temp_dirs`) if the worker was killed."""
    with _STAGE_LOCK:
        if bundle.version in _STAGED and Path(_STAGED[bundle.version]).is_dir():
            return _STAGED[bundle.version]
        owner = Path(tempfile.mkdtemp(prefix=f"dti-data-{bundle.version[:12]}-"))
        (owner / "pid").write_text(str(os.getpid()))
        directory = owner / "data"
        directory.mkdir()
        for name, data in bundle.files.items():
            (directory / name).write_bytes(data)
        _STAGED[bundle.version] = str(directory)
        return str(directory)


def unstage_bundles() -> int:
    """Remove this worker's staged copies of the data; return how many there were."""
    import shutil

    with _STAGE_LOCK:
        staged = list(_STAGED.values())
        _STAGED.clear()
    for directory in staged:
        shutil.rmtree(Path(directory).parent, ignore_errors=True)
    return len(staged)


def dask_task(task: batch.ReportTask, bundle: DataBundle, sources: dict) -> batch.ReportResult:
    """Run one report on this Dask worker, reading the staged copy of the bundle; the
    notebooks travel once per run (``sources``: notebook name → JSON), not in every task."""
    batch.skip_unused_iri_grammar()
    task.data_dir = stage_bundle(bundle)
    task.source = task.source or sources[task.notebook]
    return workers.run_task(task)


LOADED_IDENTITY = code_identity()  # the code this process imported (a worker: at its start)


def worker_identity() -> dict:
    """What :func:`check_workers` compares (runs on each worker): the code on disk, the code
    the worker process loaded when it started, and its Jupyter kernels."""
    from jupyter_client.kernelspec import KernelSpecManager

    identity = code_identity()
    identity["loaded_lib"] = LOADED_IDENTITY["lib"]
    identity["kernels"] = sorted(KernelSpecManager().find_kernel_specs())
    identity["pid"] = os.getpid()
    return identity


def close_worker_sessions() -> int:
    """Shut down this worker's kernels and remove its staged data (runs on each worker at
    the end of a run); return how many kernel sessions there were."""
    sessions = workers.close_sessions()
    unstage_bundles()
    return sessions


def check_workers(client, kernel_name: str) -> dict:
    """Compare every worker with this process; raise :class:`DaskConfigError` listing the
    differences. Returns ``{worker address: identity}``."""
    expected = code_identity()
    found = client.run(worker_identity)
    if not found:
        raise DaskConfigError("the Dask cluster has no workers")
    problems = []
    for address, identity in found.items():
        for key, value in expected.items():
            if identity.get(key) != value:
                problems.append(f"{address}: {key} is {identity.get(key)!r}, expected {value!r}")
        if identity.get("loaded_lib") != identity.get("lib"):
            problems.append(f"{address}: lib changed on disk since the worker started "
                            "(restart the workers)")
        if kernel_name not in identity.get("kernels", []):
            problems.append(f"{address}: no Jupyter kernel {kernel_name!r} "
                            "(run `make setup` there)")
    if problems:
        raise DaskConfigError("workers differ from this checkout (deploy the same commit and "
                              "run `make setup` on every machine):\n  " + "\n  ".join(problems))
    return found


def default_preload() -> tuple:
    """The modules the project's notebooks import (read from this worker's checkout)."""
    import json

    from lib.batch.pool import notebook_imports
    from lib.data.paths import NOTEBOOKS_DIR

    modules: dict[str, None] = {}
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        try:
            modules.update((m, None) for m in notebook_imports(json.loads(path.read_text("utf-8"))))
        except (OSError, ValueError):
            continue
    return tuple(modules)


def _warm_worker() -> None:
    session = workers.acquire_session(batch.KERNEL_NAME, default_preload())
    try:
        session.start()  # boots while the rest of the cluster starts and the data travel
    finally:
        workers.release_session(session)
    workers.warm_imports()


# Dask settings for a batch of long tasks: the LocalCluster starts with them, and workers
# started with `--preload lib.batch.cluster` apply them in dask_setup. The defaults poll for an
# interactive dashboard (the event-loop check every 20 ms, the system monitor every 500 ms,
# the memory monitor every 100 ms, the task profiler every 10 ms, in every process): CPU taken
# from the kernels when a worker runs on each core.
BATCH_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.profile.enabled": False,
}
_CALLBACK_INTERVALS = {"tick": "distributed.admin.tick.interval",
                       "monitor": "distributed.admin.system-monitor.interval",
                       "memory_monitor": "distributed.worker.memory.monitor-interval"}


def dask_setup(worker=None) -> None:
    """``--preload lib.batch.cluster`` hook: start a warm kernel and import papermill,
    nbconvert and the exporter when the worker starts, not in its first report; give the
    worker's periodic checks the intervals of :data:`BATCH_CONFIG` and stop its sampling
    profiler (task profiles nobody reads here)."""
    from dask.utils import parse_timedelta

    callbacks = getattr(worker, "periodic_callbacks", None)
    if callbacks is not None:  # preloads run before the worker starts its callbacks
        for name in ("profile", "profile-cycle"):
            callback = callbacks.pop(name, None)
            if callback is not None:
                callback.stop()
        for name, key in _CALLBACK_INTERVALS.items():
            if name in callbacks:
                callbacks[name].callback_time = parse_timedelta(BATCH_CONFIG[key], "s") * 1000
    threading.Thread(target=_warm_worker, name="dti-warm-worker", daemon=True).start()


class DaskPool:
    """Run tasks on a Dask cluster: an existing scheduler (``address``) or a LocalCluster of
    ``workers`` single-threaded worker processes."""

    kind = "dask"

    def __init__(self, address: str | None = None, workers: int = 1,
                 kernel_name: str = batch.KERNEL_NAME):
        self.address = address
        self.workers = workers
        self.kernel_name = kernel_name
        self.client = self.cluster = None

    def describe(self) -> dict:
        info = {"kind": self.kind, "scheduler": self.address or "LocalCluster",
                "workers": self.workers}
        if self.client is not None:
            info["scheduler_address"] = self.client.scheduler.address
        return info

    def connect(self) -> None:
        """Connect to the scheduler (or start the LocalCluster) and check the workers."""
        import dask
        from distributed import Client, LocalCluster

        try:
            if self.address:
                self.client = Client(self.address, timeout=15)
            else:
                with dask.config.set(BATCH_CONFIG):
                    self.cluster = LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=logging.ERROR,
                        preload=["lib.batch.cluster"])
                self.client = Client(self.cluster)
        except OSError as err:
            raise DaskConfigError(f"cannot reach the Dask scheduler {self.address}: "
                                  f"{err}") from None
        workers = check_workers(self.client, self.kernel_name)
        self.workers = len(workers)

    def run(self, tasks: list[batch.ReportTask],
            bundle: DataBundle) -> Iterator[batch.ReportResult]:
        from distributed import as_completed

        if self.client is None:
            self.connect()
        data = self.client.scatter(bundle, broadcast=True, hash=False)
        sources = {task.notebook: task.source for task in tasks}
        notebooks = self.client.scatter([sources], broadcast=True, hash=False)[0]  # one object
        futures = {}
        for task in tasks:
            task = dataclasses.replace(task, source="")
            future = self.client.submit(dask_task, task, data, notebooks, pure=False,
                                        key=f"dti-report-{task.key}-{os.getpid()}-{id(task)}")
            futures[future] = task
        try:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - a worker died, a task was lost
                    result = workers.failed_result(
                        task, f"Dask task failed: {type(err).__name__}: {err}")
                future.release()
                yield result
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.run(close_worker_sessions)
            except Exception:  # noqa: BLE001 - workers that are gone have no kernels
                log.debug("closing worker sessions failed", exc_info=True)
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None
