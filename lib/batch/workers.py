"""The worker side's processes: the warm sessions a process keeps (:func:`acquire_session`,
:func:`run_task`, used by the local pool and by Dask workers) and the local process pool
(:class:`LocalPool`, spawned worker processes).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from lib.batch.pool import KERNEL_NAME, WORKER_BOOT, KernelSession, ReportResult, ReportTask, \
    EXPORT_LOCK, register_engine, shared_exporter, log, skip_unused_iri_grammar

# ------------------------------------------------------------------ sessions of a process

_IDLE: list[KernelSession] = []
_ALL: list[KernelSession] = []
_SESSIONS_LOCK = threading.Lock()


def acquire_session(kernel_name: str = KERNEL_NAME, preload=()) -> KernelSession:
    """An idle session of this process for that kernel, or a new one (preloading
    ``preload``; a session's preload list grows with the tasks it runs)."""
    with _SESSIONS_LOCK:
        for session in _IDLE:
            if session.kernel_name == kernel_name:
                _IDLE.remove(session)
                return session
        session = KernelSession(kernel_name, preload)
        _ALL.append(session)
        return session


def release_session(session: KernelSession) -> None:
    with _SESSIONS_LOCK:
        _IDLE.append(session)


def close_sessions() -> int:
    """Shut down every kernel session of this process; return how many there were."""
    with _SESSIONS_LOCK:
        sessions = list(_ALL)
        _ALL.clear()
        _IDLE.clear()
    for session in sessions:
        session.close()
    return len(sessions)


def run_task(task: ReportTask) -> ReportResult:
    """Execute a task on a warm session of this process (local pool and Dask workers)."""
    session = acquire_session(task.kernel_name, task.preload)
    try:
        return session.run(task)
    finally:
        release_session(session)


def warm_imports(data: bool = False) -> None:
    """Do what the first report would otherwise pay for: import papermill, nbclient and
    nbconvert, compile the HTML template (by exporting an empty notebook) and, with ``data``,
    read the processed tables the exporter looks up (from ``DTI_PROCESSED_DIR``)."""
    skip_unused_iri_grammar()
    import IPython.paths  # noqa: F401 - jupyter_client imports it to find kernel specs
    import nbformat
    import papermill  # noqa: F401
    from papermill.clientwrap import PapermillNotebookClient  # noqa: F401

    from lib.site.export import export_html

    register_engine()
    with tempfile.TemporaryDirectory(prefix="dti-warm-") as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nbformat.write(nbformat.v4.new_notebook(), empty)
        try:
            with EXPORT_LOCK:
                export_html(empty, Path(tmp) / "html" / "empty.html", "warm-up", "",
                            shared_exporter())
        except Exception:  # noqa: BLE001 - only a warm-up
            log.debug("exporter warm-up failed", exc_info=True)
    if data:
        try:
            from lib.analysis import queries  # noqa: F401
            from lib.data import load  # noqa: F401

            for table in load.TABLES:
                load.load_table(table)
        except Exception:  # noqa: BLE001 - only a warm-up
            log.debug("data warm-up failed", exc_info=True)


def failed_result(task: ReportTask, error: str) -> ReportResult:
    """A result for a task that never reached a kernel (e.g. its worker process died)."""
    return ReportResult(task.key, "failed", error, worker="")


# ---------------------------------------------------------------------- local process pool


def _watch_runner(runner: int) -> None:
    """Worker thread: end this worker (its kernels end with it: ipykernel's parent poller,
    ``JPY_PARENT_PID``) once the runner process is gone, e.g. killed with ``kill -9``."""
    while True:
        time.sleep(1)
        try:
            os.kill(runner, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _pool_init(kernel_name: str, preload: tuple, env: dict, runner: int | None = None) -> None:
    import multiprocessing.util

    if runner:
        threading.Thread(target=_watch_runner, args=(runner,), daemon=True,
                         name="dti-watch-runner").start()
    WORKER_BOOT["init"] = time.time()
    os.environ.update(env)
    session = acquire_session(kernel_name, preload)
    session.start()  # the kernel boots while this process imports the rest
    warm_imports(data=True)
    WORKER_BOOT["imports_done"] = time.time()
    release_session(session)
    multiprocessing.util.Finalize(None, close_sessions, exitpriority=100)


class LocalPool:
    """Run tasks on ``workers`` processes of this machine, each with one warm kernel.

    With one worker the session runs in this process (no worker process to start). A worker
    process that dies takes its pool down: the unfinished tasks are resubmitted once to a new
    pool, then reported as failed.
    """

    kind = "local"

    def __init__(self, workers: int, kernel_name: str = KERNEL_NAME, preload=(), env=None):
        self.workers = max(1, int(workers))
        self.kernel_name = kernel_name
        self.preload = tuple(preload)
        self.env = dict(env or {})

    def describe(self) -> dict:
        return {"kind": self.kind, "workers": self.workers}

    def run(self, tasks: list[ReportTask]) -> Iterator[ReportResult]:
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            yield from self._run_here(tasks)
        else:
            yield from self._run_pool(tasks)

    def _run_here(self, tasks: list[ReportTask]) -> Iterator[ReportResult]:
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        session = KernelSession(self.kernel_name, self.preload)
        try:
            session.start()
            warm_imports(data=True)
            for task in tasks:
                yield session.run(task)
        finally:
            session.close()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _run_pool(self, tasks: list[ReportTask]) -> Iterator[ReportResult]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        pending = {task.key: task for task in tasks}
        broken = 0
        while pending:
            pool = ProcessPoolExecutor(
                max_workers=min(self.workers, len(pending)),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_pool_init,
                initargs=(self.kernel_name, self.preload, self.env, os.getpid()))
            try:
                futures = {pool.submit(run_task, task): task for task in pending.values()}
                for future in as_completed(futures):
                    task = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as err:  # noqa: BLE001 - e.g. a result that cannot pickle
                        result = failed_result(task, f"worker error: {type(err).__name__}: {err}")
                    del pending[task.key]
                    yield result
            except BrokenProcessPool as err:
                broken += 1
                log.warning("a worker process died (%s); %d report(s) unfinished", err,
                            len(pending))
                if broken >= 2:
                    for task in list(pending.values()):
                        del pending[task.key]
                        yield failed_result(task, "worker process died (twice)")
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
