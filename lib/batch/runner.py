"""One run of the batch runner over an outputs folder (:class:`BatchRun`): the lock, the data
check, the cached plan, the executor, publishing each result as it arrives, the index, the
state and the run manifest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lib.batch import state as state_
from lib.batch.config import Config, read_notebook
from lib.batch.fingerprints import data_id, index_entries, inputs_of, record_base
from lib.batch.plan import Job, Plan, PlanFacts, expand
from lib.batch.pool import notebook_imports
from lib.data import code as code_
from lib.data.files import sha256_bytes, sha256_file, write_bytes_atomic, write_files_atomic
from lib.data.paths import RAW_DIR, REPORTS_CONFIG, outputs_dir, processed_dir, read_manifest


@dataclass
class Outcome:
    """What happened to a job: ``built``, ``failed`` or ``up_to_date``; ``executed`` and
    ``html``: the files written (None for a report up to date: its record names its files)."""

    job: Job
    status: str
    seconds: float = 0.0
    error: str = ""
    executed: Path | None = None
    html: Path | None = None
    reason: str = ""


class Progress:
    """A bar on a terminal; otherwise a line per report (per tenth of a run of more than 50
    reports; failures at once)."""

    def __init__(self, total: int, enabled: bool = True):
        self.total, self.done, self.failed = total, 0, 0
        self.enabled = enabled
        self.started = time.perf_counter()
        self.bar = None
        self.step = 1 if total <= 50 else total // 10
        self.next_line = self.step
        if enabled and sys.stdout.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="reports", unit="report", file=sys.stdout)

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status == "failed"
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(f"{outcome.job.key} {outcome.status}", refresh=False)
            self.bar.update(1)
        elif outcome.status == "failed" or self.done >= self.next_line or self.done == self.total:
            self.next_line = self.done + self.step
            print(f"  [{self.done}/{self.total}] {time.perf_counter() - self.started:6.1f} s  "
                  f"{outcome.status:6s} {outcome.job.label}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class BatchRun:
    """One ``reports`` run on an outputs folder (see the module docstring)."""

    def __init__(self, out: Path | None = None, config_path: Path | None = None,
                 progress: bool = True):
        self.out = Path(out or outputs_dir())
        self.config_path = Path(config_path or REPORTS_CONFIG)
        self.progress = progress
        self.run_id = state_.new_run_id()
        self.state = state_.StateStore(self.out)
        self.lock = None
        self.started = time.time()
        self.identity = state_.code_identity()
        self._code_graph: dict | None = None
        self._code_hashes: dict[tuple, str] = {}
        self.manifest: dict = {}
        self.entries: list[dict] = []
        self.executor_info: dict = {}
        self.notes: list[str] = []
        self.storage_faults: list[str] = []  # why writes into the outputs folder failed
        self.unwritten: list[str] = []       # reports whose files could not be written
        self._state_saved = False
        self.phases: dict[str, float] = {}
        self._clock = time.perf_counter()
        self._epoch = time.time()

    def phase(self, name: str) -> None:
        """Record that ``name`` ended now (seconds since the run started, in the manifest)."""
        self.phases[name] = round(time.perf_counter() - self._clock, 3)
        state_.log.debug("phase %s at %.2f s", name, self.phases[name])

    # ----------------------------------------------------------------- lock, data, plan

    def acquire(self, wait: bool = False) -> None:
        self.lock = state_.RunLock(self.out, wait=wait).acquire(self.run_id)
        self.log_path = state_.start_log(self.out, self.run_id)
        state_.log.info("run %s: %s", self.run_id, " ".join(sys.argv))
        self.state.load()
        self.phase("locked")

    def release(self) -> None:
        state_.stop_log(self.run_id)
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def ensure_data(self, build: bool = True) -> dict:
        """Bring the processed data up to date (unless they are the synthetic panel) and
        return their manifest. A stat check of ``data/raw`` and the ``lib`` hash skip the
        full check when nothing changed since the last run that verified them."""
        manifest = read_manifest()
        if manifest.get("synthetic"):
            self.notes.append("processed data are the synthetic panel: not rebuilt from data/raw")
            return manifest
        check = {"raw": state_.raw_signature(RAW_DIR), "lib": self.code_hash(code_.BUILD),
                 "processed": str(processed_dir()), "data_version": manifest.get("data_version")}
        tables_exist = bool(manifest) and all(
            (processed_dir() / f"{t}.parquet").exists() for t in manifest.get("tables", {}))
        if tables_exist and self.state.data.get("data_check") == check:
            self.phase("data_checked")
            return manifest
        if not build:
            from lib.build import pipeline

            if not pipeline.is_up_to_date():
                self.notes.append("processed data are out of date: a real run rebuilds them first")
            return manifest
        from lib.build import pipeline

        manifest = pipeline.build()
        self.state.set("data_check", {**check, "data_version": manifest.get("data_version")})
        self.phase("data_checked")
        return manifest

    def full_plan(self, config: Config, manifest: dict) -> tuple[Plan, dict]:
        """The whole configuration's plan (cached by configuration, notebooks, data and code)
        and the SHA-256 of each notebook."""
        notebook_sha = {e["notebook"]: sha256_file(config.notebook_file(e["notebook"]),
                                                   missing_ok=True) for e in config.entries}
        key = sha256_bytes(state_.canonical_json({
            "config": config.text, "config_path": str(config.path.resolve()),
            "notebooks": notebook_sha, "data": data_id(manifest), "lib": self.identity["lib"],
            "runner": state_.RUNNER_VERSION}).encode())
        cached = self.state.cached("plan", key)
        if cached is not None:
            self.phase("planned (cached)")
            return Plan.from_dict(cached, config), notebook_sha
        facts_key = sha256_bytes(state_.canonical_json({
            "data": data_id(manifest), "processed": str(processed_dir()),
            "lib": self.identity["lib"], "runner": state_.RUNNER_VERSION}).encode())
        facts = PlanFacts(self.state.cached("plan_facts", facts_key))
        full = expand(config, facts)
        self.state.store("plan", key, full.to_dict())
        if facts.changed:
            self.state.store("plan_facts", facts_key, facts.data)
        self.phase("planned and validated")
        return full, notebook_sha

    # ------------------------------------------------------------------------ execution

    def tasks_for(self, jobs: list[Job], config: Config, manifest: dict, data_dir: str | None):
        from lib.batch.pool import ReportTask
        from lib.site.portfolio import report_title

        sources = {n: config.notebook_file(n).read_text(encoding="utf-8")
                   for n in {j.notebook for j in jobs}}
        preload: dict[str, None] = {}
        for source in sources.values():
            preload.update((m, None) for m in notebook_imports(json.loads(source)))
        return [ReportTask(
            key=job.key, notebook=job.notebook,
            notebook_path=config.notebook_display_path(job.notebook), source=sources[job.notebook],
            parameters=job.parameters,
            title=report_title(job.notebook, job.unit_name, job.reference_year, job.lang),
            lang=job.lang, languages=tuple(config.languages),
            data_version=manifest.get("data_version", "unknown"),
            html_rel=job.html_rel, executed_rel=job.executed_rel, data_dir=data_dir,
            kernel_name=config.kernel, cell_timeout=config.cell_timeout,
            preload=tuple(preload)) for job in jobs]

    def longest_first(self, tasks: list) -> list:
        """Tasks by their last duration, longest (or never built) first, so that no worker
        is left with a long report at the end of the run."""
        def last(task) -> float:
            return (self.state.get(task.key) or {}).get("seconds") or float("inf")

        return sorted(tasks, key=last, reverse=True)

    def execute(self, jobs: list[Job], config: Config, manifest: dict, inputs: dict,
                reasons: dict, workers: int, scheduler: str | None = None,
                cluster: str | None = None) -> list[Outcome]:
        """Run ``jobs`` on the chosen executor, publishing each result as it arrives."""
        if scheduler or cluster:
            from lib.batch.cluster import DaskPool, DataBundle

            executor = DaskPool(scheduler, workers, config.kernel)
            executor.connect()
            self.phase("cluster connected")
            tasks = self.longest_first(self.tasks_for(jobs, config, manifest, None))
            bundle = DataBundle.from_dir(processed_dir(), data_id(manifest))
            results = executor.run(tasks, bundle)
            self.executor_info = {**executor.describe(), "data_bundle_bytes": bundle.size}
        else:
            from lib.batch.workers import LocalPool

            tasks = self.tasks_for(jobs, config, manifest, str(processed_dir()))
            executor = LocalPool(workers, config.kernel, env={
                "DTI_PROCESSED_DIR": str(processed_dir())})
            results = executor.run(self.longest_first(tasks))
            self.executor_info = executor.describe()
        by_key = {job.key: job for job in jobs}
        progress = Progress(len(jobs), self.progress)
        outcomes = []
        try:
            for result in results:
                if not outcomes:
                    self.phase("first result")
                job = by_key[result.key]
                outcome = self.publish(job, result, inputs[job.key], reasons.get(job.key, ""),
                                       manifest)
                outcomes.append(outcome)
                progress.update(outcome)
            self.phase("last result")
        finally:
            progress.close()
            if hasattr(executor, "close"):
                executor.close()
            self.phase("executor closed")
        return outcomes

    def code_graph(self) -> dict[str, list[str]]:
        """The import graph of ``lib`` (:func:`lib.data.code.import_graph`), kept in
        ``state/code_graph.json`` per version of ``lib``."""
        if self._code_graph is None:
            self._code_graph = self.state.cached("code_graph", self.identity["lib"])
            if self._code_graph is None:
                self._code_graph = code_.import_graph()
                self.state.store("code_graph", self.identity["lib"], self._code_graph)
        return self._code_graph

    def code_hash(self, roots) -> str:
        """:func:`lib.data.code.code_hash` of ``roots`` (module names), once per run."""
        roots = tuple(sorted(roots))
        if roots not in self._code_hashes:
            self._code_hashes[roots] = code_.code_hash(roots, self.code_graph())
        return self._code_hashes[roots]

    def notebook_code(self, config: Config, notebook: str) -> str:
        """The code a notebook's reports depend on: the modules it imports, transitively, and
        the exporter with its templates."""
        imports = notebook_imports(read_notebook(config.notebook_file(notebook)))
        return self.code_hash([*imports, *code_.EXPORTER])

    def inputs_for(self, jobs: list[Job], notebook_sha: dict, manifest: dict,
                   config: Config) -> dict:
        """Each report's fingerprint inputs (:func:`inputs_of`), its data being the tables
        it read when last built."""
        shared: dict[tuple, dict] = {}  # one set per notebook and tables read, not per report
        get = self.state.get

        def inputs(job: Job) -> dict:
            tables = (get(job.key) or {}).get("tables_read")
            key = (job.notebook, None if tables is None else tuple(tables))
            base = shared.get(key)
            if base is None:
                base = shared[key] = inputs_of(
                    job, notebook_sha[job.notebook], manifest, self.identity, config.kernel,
                    tables, code=self.notebook_code(config, job.notebook))
            own = base.copy()
            own["parameters"] = job.parameters_sha
            return own

        return {j.key: inputs(j) for j in jobs}

    def publish(self, job: Job, result, inputs: dict, reason: str, manifest: dict) -> Outcome:
        """Write a result into the outputs folder and record it (journal first); a built
        report's data input becomes the tables it read (``manifest``: the data manifest).

        A write that fails (a full or read-only disk, ``OSError``) fails this report only: its
        executed notebook and HTML are replaced together or not at all, no temporary file
        stays, the previous page stays published (the index marks it stale), and the error
        names the file and the fault (also in :attr:`storage_faults`). Never raises for it."""
        out = self.out
        record = dict(self.state.get(job.key) or {})
        if result.status == "built":
            try:
                write_report(job, out, result)
            except OSError as err:
                result = dataclasses.replace(result, status="failed", executed=None,
                                             error=self._storage_fault(err, job, record))
        if result.status == "built":  # depend on the tables the report read, no others
            inputs = {**inputs, "data": data_id(manifest, result.tables_read)}
            record["tables_read"] = result.tables_read
        fingerprint = state_.report_fingerprint(inputs)
        now = state_.now_iso()
        record.update(record_base(job))
        record.update({"fingerprint": fingerprint, "inputs": inputs, "run_id": self.run_id,
                       "updated_at": now, "seconds": round(result.timings.get("total", 0.0), 3)})
        if result.status == "built":
            html = job.html_path(out)
            with contextlib.suppress(OSError):
                job.failed_path(out).unlink(missing_ok=True)
            record.update({"status": "built", "html": job.html_rel, "executed": job.executed_rel,
                           "good": {"fingerprint": fingerprint, "built_at": now,
                                    "run_id": self.run_id},
                           "failure": None})
            outcome = Outcome(job, "built", result.timings.get("total", 0.0),
                              executed=job.executed_path(out), html=html, reason=reason)
        else:
            executed = None
            if result.executed:
                try:
                    executed = write_bytes_atomic(job.failed_path(out),
                                                  result.executed.encode("utf-8"))
                except OSError as err:
                    result = dataclasses.replace(result, error=f"{result.error}; "
                                                 + self._storage_fault(err, job, record))
            had_html = bool(record.get("html")) and (out / "html" / record["html"]).is_file()
            record.update({"status": "failed",
                           "html": record.get("html") if had_html else None,
                           "executed": record.get("executed"),
                           "failure": {"error": result.error, "at": now, "run_id": self.run_id,
                                       "executed": job.failed_rel if executed else None}})
            outcome = Outcome(job, "failed", result.timings.get("total", 0.0), result.error,
                              executed=executed, html=out / "html" / record["html"] if had_html
                              else None, reason=reason)
        self.state.put(record)
        self.entries.append({**record_base(job), "status": outcome.status, "reason": reason,
                             "fingerprint": fingerprint, "inputs": inputs,
                             "tables_read": record.get("tables_read"),
                             "error": result.error or None, "timings": result.timings,
                             "cell_seconds": result.cell_seconds, "worker": result.worker,
                             "kernel": result.kernel, "memory": result.memory,
                             "executed": str(outcome.executed.relative_to(out))
                             if outcome.executed else None,
                             "html": job.html_rel if outcome.status == "built"
                             else record.get("html")})
        state_.log.info("%s %s in %.2f s (%s)", outcome.status, job.key,
                        result.timings.get("total", 0.0), result.error or reason)
        boot = (result.kernel or {}).get("worker_boot")
        if boot:  # a worker's start-up, relative to this run's start
            self.entries[-1]["kernel"]["worker_boot"] = {
                k: round(v - self._epoch, 3) for k, v in boot.items()}
        return outcome

    def _storage_fault(self, err: OSError, job: Job, record: dict) -> str:
        """The sentence for a report that could not be written, noted in
        :attr:`storage_faults`."""
        from lib.data.io import storage_problem

        problem = storage_problem(err)
        self.storage_faults.append(problem)
        self.unwritten.append(job.key)
        kept = bool(record.get("html")) and (self.out / "html" / record["html"]).is_file()
        return (f"cannot write {err.filename or job.html_path(self.out)} ({problem}); "
                + ("its previous page stays published" if kept else "nothing was published"))

    def record_skipped(self, jobs: list[Job]) -> list[Outcome]:
        """Manifest entries for up-to-date reports: key, language, fingerprint and files only
        (their parameters and inputs are in the state record the fingerprint names)."""
        outcomes = []
        get = self.state.get
        for job in jobs:
            record = get(job.key) or {}
            self.entries.append({"key": job.key, "lang": job.lang, "status": "up_to_date",
                                 "fingerprint": record.get("fingerprint"),
                                 "html": record.get("html"), "executed": record.get("executed")})
            outcomes.append(Outcome(job, "up_to_date"))  # its files: those of its record
        return outcomes

    def record_no_data(self, jobs: list[Job]) -> int:
        """Record the unit-years without data; return how many records changed."""
        changed = 0
        for job in jobs:
            record = self.state.get(job.key)
            if record is None or record.get("status") != "no_data" \
                    or record.get("unit_name") != job.unit_name:
                self.state.put({**record_base(job), "status": "no_data", "run_id": self.run_id,
                                "updated_at": state_.now_iso()})
                changed += 1
            self.entries.append({**record_base(job), "status": "no_data"})
        return changed

    def write_index(self, languages: list[str]) -> list[Path]:
        """Write the index and unit pages of each language
        (:func:`lib.site.portfolio.write_portfolio`)."""
        from lib.site.portfolio import write_portfolio

        return write_portfolio(index_entries(self.state.reports.values(), self.out),
                               self.out / "html", languages)

    def storage_error(self, what: str, err: OSError, consequence: str,
                      where: Path | None = None) -> None:
        """Print one sentence for a write into the outputs folder that failed (``what``: "the
        index"; ``where``: the file or folder, else the error's file name), and note it in
        the run log and :attr:`storage_faults`."""
        from lib.data.io import storage_problem

        problem = storage_problem(err)
        self.storage_faults.append(problem)
        where = f" {where or err.filename}" if where or err.filename else ""
        sentence = f"cannot write {what}{where} ({problem}); {consequence}"
        state_.log.error("%s", sentence)
        print(f"error: {sentence}", file=sys.stderr)

    def save_state(self) -> bool:
        """Write the state (once per run; later calls do nothing). A state that cannot be
        written is one sentence on stderr (the journal, if written, keeps the records);
        returns False then."""
        if self._state_saved:
            return True
        self._state_saved = True
        try:
            self.state.save()
            return True
        except OSError as err:
            self.storage_error("the state", err, "the next run rebuilds the reports it has no "
                               "record of")
            return False

    def write_manifest(self, config: Config | None, manifest: dict, args: dict,
                       exit_code: int | None) -> Path | None:
        """Write ``runs/<run id>/manifest.json`` (with ``exit_code``; None: the run was
        interrupted) and return its path; None, with one sentence on stderr, when it cannot
        be written."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        peaks: dict[str, int] = {}
        for entry in self.entries:
            memory, worker = entry.get("memory") or {}, entry.get("worker")
            if worker and memory:
                peak = memory.get("worker_peak", 0) + memory.get("kernel_peak", 0)
                peaks[worker] = max(peaks.get(worker, 0), peak)
        self.manifest = {
            "run_id": self.run_id, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z",
                                                             time.localtime(self.started)),
            "finished": state_.now_iso(), "wall_seconds": round(time.time() - self.started, 3),
            "exit_code": exit_code, "command": sys.argv, "arguments": args,
            "host": os.uname().nodename if hasattr(os, "uname") else "", "git": state_.git_commit(),
            "code": self.identity, "packages": state_.package_versions(),
            "config": {"path": str(config.path) if config else str(self.config_path),
                       "sha256": sha256_bytes(config.text.encode()) if config else None,
                       "languages": config.languages if config else None},
            "data": {"processed_dir": str(processed_dir()),
                     "data_version": manifest.get("data_version"),
                     "synthetic": bool(manifest.get("synthetic")),
                     "tables": {k: v.get("sha256") for k, v in manifest.get("tables", {}).items()},
                     "raw_inputs": manifest.get("inputs", {})},
            "executor": self.executor_info, "counts": counts, "phases": self.phases,
            "peak_memory_per_worker": peaks, "notes": self.notes,
            "storage_faults": self.storage_faults, "reports": self.entries,
        }
        try:
            return state_.write_run_manifest(self.out, self.run_id, self.manifest)
        except OSError as err:
            self.storage_error("the run manifest", err, "the run log and the state keep what "
                               "could be written")
            return None


def write_report(job: Job, out: Path, result) -> None:
    """Write a built report's executed notebook, HTML and, when the page has tables, its
    workbook beside it (``2023/246-scores.xlsx``, linked relatively) all together or none
    (:func:`lib.data.files.write_files_atomic`; raises its ``OSError``); a page without tables
    removes its old workbook."""
    workbook = job.html_path(out).with_suffix(".xlsx")
    files = {job.executed_path(out): result.executed.encode("utf-8"),
             job.html_path(out): result.html.encode("utf-8")}
    if getattr(result, "xlsx", None):
        files[workbook] = result.xlsx
    write_files_atomic(files)
    if workbook not in files:
        workbook.unlink(missing_ok=True)
