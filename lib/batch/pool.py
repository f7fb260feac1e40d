"""Execute reports in warm Jupyter kernels: the worker side of the batch runner.

A *task* (:class:`ReportTask`) carries everything a report needs except the processed data:
the notebook's JSON, its parameters, the report's title and paths, and where the processed
data are on the worker. A worker runs it in a :class:`KernelSession`, a Jupyter kernel it
keeps for many reports, and returns a :class:`ReportResult` holding the executed notebook
and the HTML as text; the orchestrator (:mod:`lib.batch.run`) publishes them. Workers never
write into the outputs folder, so the same task runs in a local process pool or on a Dask
worker on another machine (:mod:`lib.batch.cluster`).

Each report is a real papermill execution: papermill parameterizes the notebook (a cell
tagged ``injected-parameters``, ``metadata.papermill.parameters``), executes it through
nbclient with the papermill engine :class:`WarmEngine` (which reuses the session's kernel
instead of starting one) and records per-cell timings; a failing cell leaves its traceback
and papermill's error markers in the executed notebook. Before each report the kernel is put
back to a clean state (:mod:`lib.batch.kernel`); after a failed report, or every
:data:`MAX_REPORTS_PER_KERNEL` reports, or when the kernel grows past
:data:`MAX_KERNEL_RSS`, it is replaced by a new one.

Module-level imports are light on purpose: a worker process starts its kernel first and
imports papermill, nbconvert and pandas while the kernel boots.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lib.messages import LANGUAGES

KERNEL_NAME = "dti-notebooks"
ENGINE_NAME = "dti-warm"
KERNEL_START_ATTEMPTS = 3   # a kernel that dies at start or does not answer is started again
STARTUP_TIMEOUT = 60        # s from launching a kernel until it answers kernel_info
IOPUB_TIMEOUT = 30          # s to wait for a cell's last outputs after its reply (nbclient: 4)
CELL_TIMEOUT = 600          # s per cell; a cell running longer fails the report
PREPARE_TIMEOUT = 120       # s for the reset between reports (and the preload imports at boot)
MAX_REPORTS_PER_KERNEL = 200
MAX_KERNEL_RSS = 768 * 2**20

log = logging.getLogger("lib.batch")


_LIB_DIR = Path(__file__).resolve().parents[1]


def cell_source(cell: dict) -> str:
    """The source of a notebook cell as one string (nbformat stores a list of lines or one)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def notebook_imports(notebook: dict) -> list[str]:
    """Modules a notebook's code cells import (what a warm kernel preloads)."""
    modules: dict[str, None] = {}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        lines = [line for line in cell_source(cell).splitlines()
                 if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules[node.module] = None
                if node.module == "lib" or node.module.startswith("lib."):
                    # `from lib.present import display`: the module lib.present.display
                    folder = _LIB_DIR.joinpath(*node.module.split(".")[1:])
                    modules.update((f"{node.module}.{alias.name}", None) for alias in node.names
                                   if (folder / alias.name).is_dir()
                                   or (folder / f"{alias.name}.py").is_file())
    return list(modules)


def skip_unused_iri_grammar() -> None:
    """Keep ``jsonschema`` from compiling the IRI grammar of ``rfc3987_syntax`` (a Lark parser,
    1.5–3.5 s of every process that imports nbformat). nbformat's schemas use no ``iri``
    format, and jsonschema treats the module as optional. Call before importing nbformat."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


class KernelStartError(RuntimeError):
    """The kernel did not start after :data:`KERNEL_START_ATTEMPTS` attempts."""


class KernelPrepareError(RuntimeError):
    """The reset between reports failed inside the kernel."""


@dataclass
class ReportTask:
    """One report to execute, self-contained apart from the processed data (``data_dir`` on
    the worker: the orchestrator's folder locally, a staged copy on a Dask worker)."""

    key: str                 # "2023/246-scores"
    notebook: str            # "scores"
    notebook_path: str       # recorded as papermill's input_path: "notebooks/scores.ipynb"
    source: str              # the notebook's JSON
    parameters: dict
    title: str
    lang: str
    data_version: str
    html_rel: str            # "2023/246-scores.html", relative to the html folder
    executed_rel: str        # "executed/2023/246-scores.ipynb", relative to the outputs folder
    data_dir: str | None = None
    kernel_name: str = KERNEL_NAME
    cell_timeout: int = CELL_TIMEOUT
    preload: tuple = ()
    languages: tuple = LANGUAGES  # of the portfolio: the page links to its counterparts


@dataclass
class ReportResult:
    """What a worker sends back: ``status`` is ``built`` or ``failed``."""

    key: str
    status: str
    error: str = ""
    executed: str | None = None   # executed notebook JSON (with the traceback when failed)
    html: str | None = None
    xlsx: bytes | None = None     # the page's workbook of its tables (None: the page has none)
    timings: dict = field(default_factory=dict)
    cell_seconds: float = 0.0
    worker: str = ""
    kernel: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)
    tables_read: list | None = None  # processed tables the notebook and export read (None: unknown)


def _peak_rss(pid: int) -> tuple[int, int]:
    """(peak, current) resident memory of a process in bytes (Linux ``VmHWM``/``VmRSS``)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        return (int(fields["VmHWM"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024)
    except (OSError, KeyError, ValueError):
        try:
            import psutil

            rss = psutil.Process(pid).memory_info().rss
            return rss, rss
        except Exception:  # noqa: BLE001 - memory figures are informative only
            return 0, 0


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key)


def kernel_env() -> dict:
    """The kernel's environment: this process's, with the project on ``PYTHONPATH``."""
    from lib.data.paths import ROOT

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


_ENGINE_REGISTERED = False


def _register_engine() -> None:
    global _ENGINE_REGISTERED
    if _ENGINE_REGISTERED:
        return
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine, on the session's running kernel and client."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     session=None, **kwargs):
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.log import logger

            session._last_nb = nb_man.nb
            client = PapermillNotebookClient(
                nb_man, km=session.km, kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file, startup_timeout=start_timeout,
                timeout=execution_timeout, iopub_timeout=IOPUB_TIMEOUT,
                raise_on_iopub_timeout=True)
            client.kc = session.kc  # reuse the warm kernel's client: no start, no shutdown
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmEngine)
    _ENGINE_REGISTERED = True


_EXPORT_LOCK = threading.Lock()


class KernelSession:
    """A warm Jupyter kernel that executes reports one after another.

    All kernel I/O happens on the session's own thread (one asyncio loop for the kernel
    client's sockets), whichever thread calls :meth:`run`. ``preload`` lists modules the
    kernel imports once at boot (those the notebooks import). ``exporter`` is an nbconvert
    exporter to reuse (one is made on first use).
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, preload=(), exporter=None,
                 scratch: Path | None = None):
        self.kernel_name = kernel_name
        self.preload = tuple(preload)
        self.scratch = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="dti-k-"))
        self._own_scratch = scratch is None
        if self._own_scratch:  # who owns it: the next run removes it if this process died
            (self.scratch / "pid").write_text(str(os.getpid()))
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="dti-kernel")
        self._exporter = exporter
        self.km = self.kc = None
        self.reports = 0          # reports run in the current kernel
        self.total_reports = 0
        self.starts = 0           # kernels started, including failed attempts
        self.restarts = 0
        self.dirty = False        # the last report failed: replace the kernel before the next
        self._last_nb = None
        self.boot_seconds = 0.0
        self.ready_at = 0.0
        self._boot_info = None

    # ---------------------------------------------------------------- public (any thread)

    def start(self) -> Future:
        """Start the kernel in the background; the future fails with :class:`KernelStartError`."""
        return self._thread.submit(self._ensure_kernel)

    def run(self, task: ReportTask) -> ReportResult:
        """Execute one report and export its HTML; never raises for a report's failure."""
        return self._thread.submit(self._run, task).result()

    def close(self) -> None:
        """Shut the kernel down and remove the session's scratch folder."""
        try:
            self._thread.submit(self._stop_kernel).result(timeout=30)
        except Exception:  # noqa: BLE001 - closing must not fail a run
            log.debug("kernel shutdown failed", exc_info=True)
        self._thread.shutdown(wait=False)
        if self._own_scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    # --------------------------------------------------------------- kernel (own thread)

    def _alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return self.km is not None and run_sync(self.km.is_alive)()
        except Exception:  # noqa: BLE001
            return False

    def _kernel_pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def _ensure_kernel(self) -> None:
        if self.km is not None and not self.dirty and self.reports < reports_per_kernel() \
                and self._alive():
            pid = self._kernel_pid()
            if pid is None or _peak_rss(pid)[1] < MAX_KERNEL_RSS:
                return
            log.info("kernel %s uses more than %d MiB: replacing it", pid, MAX_KERNEL_RSS >> 20)
        if self.km is not None:
            self._stop_kernel()
            self.restarts += 1
        self._start_kernel()

    def _start_kernel(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        started = time.perf_counter()
        errors = []
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            self.starts += 1
            # connection file and sockets in the scratch folder, which a later run removes
            # if this process was killed (jupyter_client's default is a file in /tmp)
            options = {"transport": "ipc", "ip": str(self.scratch / f"k{self.starts}"),
                       "connection_file": str(self.scratch / f"k{self.starts}.json")} \
                if os.name == "posix" else {}
            km = AsyncKernelManager(kernel_name=self.kernel_name, **options)
            kc = None
            try:
                run_sync(km.start_kernel)(cwd=str(self.scratch), env=kernel_env())
                kc = km.client()
                kc.start_channels()
                run_sync(kc.wait_for_ready)(timeout=STARTUP_TIMEOUT)
                self.km, self.kc = km, kc
                self._silent(f"import lib.batch.kernel as _h\n_h.boot({list(self.preload)!r})",
                             PREPARE_TIMEOUT)
                self.reports = 0
                self.dirty = False
                self.boot_seconds = time.perf_counter() - started
                self.ready_at = time.time()
                log.debug("kernel %s ready in %.1f s (attempt %d)", self._kernel_pid(),
                          self.boot_seconds, attempt)
                return
            except Exception as err:  # noqa: BLE001 - retried, then reported
                errors.append(f"attempt {attempt}: {type(err).__name__}: {err}".strip())
                log.warning("kernel %r failed to start (attempt %d of %d): %s", self.kernel_name,
                            attempt, KERNEL_START_ATTEMPTS, err)
                self.km, self.kc = km, kc
                self._stop_kernel()
                if attempt < KERNEL_START_ATTEMPTS:
                    time.sleep(0.5 * 2 ** (attempt - 1))
        raise KernelStartError(f"kernel {self.kernel_name!r} did not start after "
                               f"{KERNEL_START_ATTEMPTS} attempts: " + "; ".join(errors))

    def _stop_kernel(self) -> None:
        from jupyter_core.utils import run_sync

        km, kc, self.km, self.kc = self.km, self.kc, None, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        if km is not None:
            try:
                if run_sync(km.is_alive)():
                    run_sync(km.shutdown_kernel)(now=True)
                else:
                    run_sync(km.cleanup_resources)(restart=False)
            except Exception:  # noqa: BLE001 - a kernel that is already gone
                log.debug("kernel cleanup failed", exc_info=True)

    def _silent(self, code: str, timeout: float) -> None:
        """Run ``code`` in the kernel without history, execution count or outputs, and wait
        until the kernel is idle again. Raises :class:`KernelPrepareError` on an error or when
        no reply comes within ``timeout`` seconds."""
        from jupyter_core.utils import run_sync

        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        reply = None
        while reply is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KernelPrepareError(f"no reply within {timeout:.0f} s")
            try:
                msg = run_sync(self.kc.get_shell_msg)(timeout=remaining)
            except Exception as err:  # queue.Empty on timeout
                raise KernelPrepareError(f"no reply within {timeout:.0f} s") from err
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg
        idle = False
        while not idle:  # drain this request's IOPub messages so none reach the notebook
            remaining = deadline - time.monotonic()
            try:
                msg = run_sync(self.kc.get_iopub_msg)(timeout=max(remaining, 1))
            except Exception:  # noqa: BLE001 - no idle status: the kernel is reset anyway
                break
            idle = (msg["parent_header"].get("msg_id") == msg_id
                    and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle")
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelPrepareError(f"{content.get('ename')}: {content.get('evalue')}")

    # ---------------------------------------------------------------- reports (own thread)

    def _failed(self, task: ReportTask, error: str, started: float, executed: str | None = None,
                timings: dict | None = None) -> ReportResult:
        self.dirty = True
        return ReportResult(task.key, "failed", error, executed=executed,
                            timings={**(timings or {}), "total": time.perf_counter() - started},
                            worker=f"{socket.gethostname()}:{os.getpid()}",
                            kernel=self._kernel_info(), memory=self._memory())

    def _kernel_info(self) -> dict:
        info = {"pid": self._kernel_pid(), "reports": self.reports, "restarts": self.restarts,
                "starts": self.starts, "boot_seconds": round(self.boot_seconds, 3)}
        if self._boot_info:  # when this worker reached each start-up step (epoch seconds)
            info["worker_boot"], self._boot_info = self._boot_info, None
        return info

    def _memory(self) -> dict:
        worker_peak, worker_rss = _peak_rss(os.getpid())
        pid = self._kernel_pid()
        kernel_peak, kernel_rss = _peak_rss(pid) if pid else (0, 0)
        return {"worker_peak": worker_peak, "worker_rss": worker_rss,
                "kernel_peak": kernel_peak, "kernel_rss": kernel_rss}

    def _extend_preload(self, preload) -> None:
        """Add modules to preload: at once on a kernel that has run no report yet, else by
        starting a new kernel before the next report."""
        wanted = tuple(dict.fromkeys(self.preload + tuple(preload)))
        if wanted == self.preload:
            return
        self.preload = wanted
        if self.km is not None and self.reports == 0 and not self.dirty:
            try:
                self._silent(f"import lib.batch.kernel as _h\n_h.boot({list(wanted)!r})",
                             PREPARE_TIMEOUT)
                return
            except KernelPrepareError:
                pass
        self.dirty = True

    def _run(self, task: ReportTask) -> ReportResult:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        try:
            restarts = self.starts
            self._extend_preload(task.preload)
            self._ensure_kernel()
            if self.starts != restarts:
                timings["kernel_start"] = self.boot_seconds
            if WORKER_BOOT and "reported" not in WORKER_BOOT:  # first report of the worker
                WORKER_BOOT["reported"] = True
                self._boot_info = {**{k: v for k, v in WORKER_BOOT.items() if k != "reported"},
                                   "kernel_ready": self.ready_at}
        except KernelStartError as err:
            return self._failed(task, str(err), started, timings=timings)
        workdir = self.scratch / "jobs" / _safe(task.key)
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        try:
            return self._run_in(task, workdir, started, timings)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _prepare(self, task: ReportTask, workdir: Path) -> None:
        env = {"DTI_PROCESSED_DIR": task.data_dir} if task.data_dir else {}
        cwd = workdir / "cwd"  # the report's own empty working directory
        cwd.mkdir()
        code = f"import lib.batch.kernel as _h\n_h.prepare({str(cwd)!r}, {env!r})"
        try:
            self._silent(code, PREPARE_TIMEOUT)
        except KernelPrepareError as err:  # one more try on a new kernel
            log.warning("kernel reset failed (%s): starting a new kernel", err)
            self.dirty = True
            self._ensure_kernel()
            self._silent(code, PREPARE_TIMEOUT)

    def _run_in(self, task: ReportTask, workdir: Path, started: float,
                timings: dict) -> ReportResult:
        import nbformat

        notebook_file = workdir / f"{task.notebook}.ipynb"
        notebook_file.write_text(task.source, encoding="utf-8")
        mark = time.perf_counter()
        try:
            self._prepare(task, workdir)
        except (KernelPrepareError, KernelStartError) as err:
            return self._failed(task, f"kernel reset failed: {err}", started, timings=timings)
        timings["prepare"] = time.perf_counter() - mark

        mark = time.perf_counter()
        notebook, error = self._execute(task, notebook_file)
        timings["execute"] = time.perf_counter() - mark
        self.reports += 1
        self.total_reports += 1
        cells = sum(float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0)
                    for c in notebook.cells if c.cell_type == "code")
        executed = nbformat.writes(notebook) + "\n"  # as nbformat.write would save it
        if error:
            result = self._failed(task, error, started, executed, timings)
            result.cell_seconds = cells
            return result
        kernel_tables = self._tables_read(workdir / "tables_read.json")

        mark = time.perf_counter()
        try:
            html, export_tables, xlsx = self._export(task, notebook, workdir)
        except Exception as err:  # noqa: BLE001 - an export failure fails this report only
            log.debug("export of %s failed", task.key, exc_info=True)
            result = self._failed(task, f"HTML export failed: {type(err).__name__}: {err}",
                                  started, executed, timings)
            result.cell_seconds = cells
            return result
        timings["export"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        tables = None if kernel_tables is None else sorted({*kernel_tables, *export_tables})
        return ReportResult(task.key, "built", executed=executed, html=html, xlsx=xlsx,
                            timings=timings,
                            tables_read=tables,
                            cell_seconds=cells, worker=f"{socket.gethostname()}:{os.getpid()}",
                            kernel=self._kernel_info(), memory=self._memory())

    def _execute(self, task: ReportTask, notebook_file: Path):
        """Run papermill on the warm kernel; return (executed notebook, error or "")."""
        skip_unused_iri_grammar()
        import nbformat
        import papermill
        from papermill.exceptions import PapermillExecutionError

        _register_engine()
        self._last_nb = None
        error = ""
        try:
            notebook = papermill.execute_notebook(
                str(notebook_file), None, parameters=task.parameters, engine_name=ENGINE_NAME,
                kernel_name=task.kernel_name, language="python", progress_bar=False,
                report_mode=True, log_output=False, execution_timeout=task.cell_timeout,
                start_timeout=STARTUP_TIMEOUT, session=self)
        except PapermillExecutionError as err:
            notebook = self._last_nb
            error = f"{err.ename}: {err.evalue}".strip(": ") + f" (cell [{err.exec_count}])"
        except Exception as err:  # noqa: BLE001 - timeouts, a dead kernel, a bad notebook
            notebook = self._last_nb
            error = f"{type(err).__name__}: {err}".strip()
            if notebook is not None:
                marker = nbformat.v4.new_markdown_cell(
                    f"**Execution stopped: {error}**")
                marker.metadata["tags"] = ["papermill-error-cell-tag"]
                notebook.cells.insert(0, marker)
        if notebook is None:
            notebook = nbformat.reads(task.source, as_version=4)
            notebook.metadata.setdefault("papermill", {})["parameters"] = task.parameters
        if error:
            notebook.metadata.setdefault("papermill", {})["exception"] = True
        notebook.metadata.papermill["input_path"] = task.notebook_path
        notebook.metadata.papermill["output_path"] = task.executed_rel
        return notebook, error

    def _tables_read(self, path: Path) -> list | None:
        """The processed tables the report read in the kernel (None when unknown)."""
        try:
            self._silent(f"import lib.batch.kernel as _h\n_h.save_tables_read({str(path)!r})",
                         PREPARE_TIMEOUT)
            return json.loads(path.read_text(encoding="utf-8"))
        except (KernelPrepareError, OSError, ValueError):
            return None

    def _export(self, task: ReportTask, notebook, workdir: Path) -> tuple[str, list, bytes | None]:
        """Export to HTML; return the page, the processed tables the export read and the
        page's workbook (``None`` when the page has no table)."""
        from lib.data import load
        from lib.site.export import export_html

        if self._exporter is None:
            self._exporter = _shared_exporter()
        html_dir = workdir / "html"
        html_path = html_dir / task.html_rel
        with _EXPORT_LOCK:  # the exporter reads the processed data named by the environment
            previous = os.environ.get("DTI_PROCESSED_DIR")
            if task.data_dir:
                os.environ["DTI_PROCESSED_DIR"] = task.data_dir
            try:
                load.reset_tables_read()
                export_html(notebook, html_path, task.title, task.data_version,
                            self._exporter, task.lang, html_dir=html_dir,
                            languages=task.languages)
                tables = load.tables_read()
            finally:
                if previous is None:
                    os.environ.pop("DTI_PROCESSED_DIR", None)
                else:
                    os.environ["DTI_PROCESSED_DIR"] = previous
        workbook = html_path.with_suffix(".xlsx")
        return (html_path.read_text(encoding="utf-8"), tables,
                workbook.read_bytes() if workbook.is_file() else None)


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


_EXPORTER = None


def _shared_exporter():
    """This process's nbconvert exporter (exports run one at a time, under a lock)."""
    global _EXPORTER
    if _EXPORTER is None:
        from lib.site.export import make_exporter

        _EXPORTER = make_exporter()
    return _EXPORTER


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

    _register_engine()
    with tempfile.TemporaryDirectory(prefix="dti-warm-") as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nbformat.write(nbformat.v4.new_notebook(), empty)
        try:
            with _EXPORT_LOCK:
                export_html(empty, Path(tmp) / "html" / "empty.html", "warm-up", "",
                            _shared_exporter())
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


WORKER_BOOT: dict = {}  # seconds since the epoch at which this worker reached each step
PRELOAD_MODULES = ["lib.batch.preload"]


def use_forkserver() -> bool:
    """Whether worker processes fork from a preloaded forkserver: where available, unless
    ``DTI_NO_FORKSERVER`` is set (the benchmark measures what it saves)."""
    import multiprocessing

    return "forkserver" in multiprocessing.get_all_start_methods() \
        and not os.environ.get("DTI_NO_FORKSERVER")


def reports_per_kernel() -> int:
    """Reports a warm kernel runs before it is replaced: :data:`MAX_REPORTS_PER_KERNEL`, or
    ``DTI_KERNEL_REPORTS`` (``1``: a new kernel per report, what the benchmark compares
    warm kernels with)."""
    return int(os.environ.get("DTI_KERNEL_REPORTS") or MAX_REPORTS_PER_KERNEL)


def worker_context(extra_preload=()):
    """The multiprocessing context of worker processes: a forkserver (where available) that
    has imported :mod:`lib.batch.preload`, so workers fork with everything imported instead
    of importing it each; ``spawn`` elsewhere or with ``DTI_NO_FORKSERVER``. (A forkserver is
    single-threaded, so forking from it is safe; the preload list applies when it starts,
    once per process.)"""
    import multiprocessing

    if not use_forkserver():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*extra_preload, *PRELOAD_MODULES])
    return context


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
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        pending = {task.key: task for task in tasks}
        broken = 0
        while pending:
            pool = ProcessPoolExecutor(
                max_workers=min(self.workers, len(pending)), mp_context=worker_context(),
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
