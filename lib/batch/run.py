"""Report runner: plan the reports of ``reports.yml``, rebuild those whose inputs changed on
warm kernels (in parallel, or on a Dask cluster), publish them and write the index of each
language (every report is built in each language of ``languages``: Vietnamese pages in
``html/``, English in ``html/en/``).

A run goes: take the outputs lock → bring ``data/processed`` up to date → expand and validate
the plan (notebook × unit × year × language; every parameter set against the notebook's
declared parameters) → decide what to rebuild → execute (:mod:`lib.batch.pool`, :mod:`lib.batch.cluster`) →
publish each result as it arrives → write the index, the state and the run manifest.

A report is rebuilt when its notebook, its parameters, the processed data (``data_version``,
which every page shows), the ``lib`` code, the pinned ``requirements.txt``, the Python
version or the kernel changed, when its last attempt failed or its files are missing, or with
``--force``. A failing report keeps its executed copy with the traceback
(``executed/<year>/<stem>.failed.ipynb``), never replaces the published HTML (the index marks
it stale) and makes the run exit with code 1. See ``docs/batch.md``.

Exit codes: 0 every planned report built or up to date; 1 some reports failed (or the
index, state or manifest could not be written: a disk that failed mid-run); 2 bad
configuration, parameters or input data (nothing was executed); 3 another run holds the lock.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from lib.data.files import sha256_file, write_bytes_atomic
from lib.batch import state as state_
from lib.batch.config import Config, ConfigError, load_config
from lib.batch.fingerprints import OutputFiles, rebuild_reason
from lib.batch.plan import Job, Plan, language_root, narrow
from lib.batch.pool import KERNEL_NAME
from lib.batch.runner import BatchRun, Outcome, write_report
from lib.data.constants import EXIT_BAD_INPUT as EXIT_BAD_CONFIG  # a bad reports.yml is bad input
from lib.data.constants import EXIT_LOCKED, EXIT_OK, EXIT_REPORTS_FAILED
from lib.data.paths import processed_dir
from lib.messages import DEFAULT_LANGUAGE

OUTPUTS_MIN_FREE = 50 * 10**6  # bytes free in outputs/ before a run starts


def ensure_kernel(name: str = KERNEL_NAME) -> None:
    """Install the project's Jupyter kernel into this environment if it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        if name != KERNEL_NAME:
            raise ConfigError(f"no Jupyter kernel {name!r}") from None
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL_NAME, display_name="Python (dti-notebooks)", prefix=sys.prefix)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run(plan_: Plan, out: Path | None = None, progress: bool = True, jobs: int | None = None,
        force: bool = True, scheduler: str | None = None,
        cluster: str | None = None) -> list[Outcome]:
    """Build the jobs of a plan into ``out`` and write the index; return the outcomes.

    With ``force`` (the default here) every job runs; otherwise up-to-date reports are
    skipped (``up_to_date`` outcomes). Takes the outputs lock (raises
    :class:`lib.batch.state.LockHeld` if another run holds it).
    """
    config = plan_.config or load_config()
    batch = BatchRun(out, config.path, progress)
    batch.acquire()
    try:
        manifest = batch.ensure_data()
        outcomes, exit_code = _build(batch, plan_, config, manifest, jobs or default_jobs(),
                                     force, scheduler, cluster)
        if not batch.save_state():
            exit_code = EXIT_REPORTS_FAILED
        batch.write_manifest(config, manifest, {"force": force, "jobs": jobs}, exit_code)
        return outcomes
    finally:
        batch.save_state()
        batch.release()


def _build(batch: BatchRun, plan_: Plan, config: Config, manifest: dict, workers: int,
           force: bool, scheduler: str | None, cluster: str | None,
           notebook_sha: dict | None = None) -> tuple[list[Outcome], int]:
    notebook_sha = notebook_sha or {n: sha256_file(config.notebook_file(n), missing_ok=True)
                                    for n in {j.notebook for j in plan_.jobs}}
    inputs = batch.inputs_for(plan_.jobs, notebook_sha, manifest, config)
    files = OutputFiles(batch.out)
    reasons = {j.key: rebuild_reason(batch.state.get(j.key), inputs[j.key], batch.out, force,
                                     files) for j in plan_.jobs}
    todo = [j for j in plan_.jobs if reasons[j.key]]
    skipped = [j for j in plan_.jobs if not reasons[j.key]]
    changed = batch.record_no_data(plan_.no_data)
    outcomes = batch.record_skipped(skipped)
    if todo:
        ensure_kernel(config.kernel)
        outcomes += batch.execute(todo, config, manifest, inputs, reasons, workers, scheduler,
                                  cluster)
    indexes = [batch.out / "html" / language_root(lang) / "index.html" for lang in config.languages]
    index_failed = False
    if todo or changed or not all(index.exists() for index in indexes):
        try:
            batch.write_index(config.languages)
            batch.phase("index written")
        except OSError as err:  # a disk that failed mid-run: the pages written stay
            index_failed = True
            batch.storage_error("the index pages in", err, "the published reports stay; "
                                "the next run writes them", batch.out / "html")
    failed = index_failed or any(o.status == "failed" for o in outcomes)
    return outcomes, EXIT_REPORTS_FAILED if failed else EXIT_OK


def run_job(job: Job, out: Path, exporter=None, data_version: str = "unknown",
            config: Config | None = None) -> Outcome:
    """Execute one job in a kernel of this process and write its executed notebook and HTML
    into ``out`` (no lock, state or index). Never raises for a notebook error."""
    from lib.batch.pool import KernelSession

    config = config or load_config()
    batch = BatchRun(out, config.path, progress=False)
    task = batch.tasks_for([job], config, {"data_version": data_version}, str(processed_dir()))[0]
    session = KernelSession(config.kernel, task.preload, exporter=exporter)
    try:
        result = session.run(task)
    finally:
        session.close()
    if result.status == "built":
        write_report(job, out, result)
        html = job.html_path(out)
        return Outcome(job, "built", result.timings.get("total", 0.0),
                       executed=job.executed_path(out), html=html)
    executed = write_bytes_atomic(job.failed_path(out), result.executed.encode("utf-8")) \
        if result.executed else None
    return Outcome(job, "failed", result.timings.get("total", 0.0), result.error, executed)


# ---------------------------------------------------------------------------------- main


def _print_plan(batch: BatchRun, selected: Plan, inputs: dict, force: bool) -> None:
    build = up = 0
    files = OutputFiles(batch.out)
    for job in selected.jobs:
        reason = rebuild_reason(batch.state.get(job.key), inputs[job.key], batch.out, force,
                                files)
        build += bool(reason)
        up += not reason
        print(f"{'build' if reason else 'ok   '}  {job.label}  ({reason or 'up to date'})")
    count = len(selected.jobs)
    print(f"{count} report{'s' if count != 1 else ''} planned: {build} to build, {up} up to date; "
          f"{len(selected.no_data)} unit-years without data{_per_language(selected)}")


def _per_language(plan: Plan) -> str:
    """`` (counted in each language: vi, en)`` when the plan has more than one language (the
    index of each language counts its own), else ``""``."""
    languages = sorted({job.lang for job in plan.jobs}, key=lambda lang: lang != DEFAULT_LANGUAGE)
    return f" (counted in each language: {', '.join(languages)})" if len(languages) > 1 else ""


def _argument_problem(jobs: int | None, cluster: str | None) -> str | None:
    """What is wrong with ``--jobs`` or ``--cluster`` (None: nothing)."""
    if jobs is not None and jobs < 1:
        return "--jobs must be at least 1"
    if cluster not in (None, "local"):
        return (f"--cluster must be 'local' (got {cluster!r}); use --scheduler "
                "tcp://HOST:PORT for an existing cluster")
    return None


def _acquire(batch: BatchRun, wait: bool) -> bool:
    """Take the outputs lock; False, with one sentence on stderr, when another run holds it."""
    try:
        batch.acquire(wait)
    except state_.LockHeld as err:
        print(f"error: another report run is in progress: {err}. It releases the lock when it "
              "ends; pass --wait to queue behind it.", file=sys.stderr)
        return False
    return True


def _dry_run(batch: BatchRun, only, units, years, languages, force: bool) -> int:
    """``--dry-run``: print what would be built and why, without the lock or a kernel."""
    batch.state.load()
    try:
        cfg = load_config(batch.config_path)
        manifest = batch.ensure_data(build=False)
        if not manifest:
            raise ConfigError(f"no processed data in {processed_dir()}: run "
                              "`python -m lib data` (a real run builds them first)")
        full, notebook_sha = batch.full_plan(cfg, manifest)
        selected = narrow(full, only, units, years, languages)
    except ConfigError as err:
        _print_config_error(err)
        return EXIT_BAD_CONFIG
    inputs = batch.inputs_for(selected.jobs, notebook_sha, manifest, cfg)
    for note in batch.notes:
        print(f"note: {note}")
    _print_plan(batch, selected, inputs, force)
    return EXIT_OK


def main(only: list[str] | None = None, units: list[str] | None = None,
         years: list[int] | None = None, dry_run: bool = False, jobs: int | None = None,
         force: bool = False, scheduler: str | None = None, cluster: str | None = None,
         wait: bool = False, config: str | Path | None = None,
         progress: bool = True, languages: list[str] | None = None) -> int:
    """``python -m lib reports``: plan, rebuild what changed, publish, summarize.

    Returns :data:`EXIT_OK` (0), :data:`EXIT_REPORTS_FAILED` (1), :data:`EXIT_BAD_CONFIG` (2) or
    :data:`EXIT_LOCKED` (3). Input data errors (``lib.data.io.DataError``,
    ``lib.data.schemas.ValidationError``) propagate to ``lib.__main__``, which exits with 2.
    """
    started = time.perf_counter()
    workers = jobs or default_jobs()
    if problem := _argument_problem(jobs, cluster):
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    batch = BatchRun(None, config, progress)
    args = {"only": only, "units": units, "years": years, "languages": languages,
            "jobs": workers, "force": force,
            "scheduler": scheduler, "cluster": cluster, "config": str(batch.config_path)}
    if dry_run:
        return _dry_run(batch, only, units, years, languages, force)

    from lib.data.io import StorageError, check_writable

    try:  # a read-only or full outputs folder: one sentence before any kernel starts
        check_writable(batch.out, OUTPUTS_MIN_FREE)
    except StorageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    state_.remove_dead_temp_dirs()
    if not _acquire(batch, wait):
        return EXIT_LOCKED
    cfg, manifest, exit_code = None, {}, EXIT_BAD_CONFIG
    previous_sigterm = _exit_on_sigterm()
    try:
        try:
            cfg = load_config(batch.config_path)
            manifest = batch.ensure_data()
            full, notebook_sha = batch.full_plan(cfg, manifest)
            selected = narrow(full, only, units, years, languages)
        except ConfigError as err:
            _print_config_error(err)
            state_.log.error("bad configuration: %s", err)
            batch.write_manifest(cfg, manifest, args, EXIT_BAD_CONFIG)
            return EXIT_BAD_CONFIG
        for note in batch.notes:
            print(f"note: {note}")
        if not selected.jobs:
            print("nothing to build: no unit and year in the selection has data", file=sys.stderr)
            batch.record_no_data(selected.no_data)
            if selected.no_data:
                batch.write_index(cfg.languages)
            batch.write_manifest(cfg, manifest, args, EXIT_BAD_CONFIG)
            return EXIT_BAD_CONFIG
        try:
            outcomes, exit_code = _build(batch, selected, cfg, manifest, workers, force, scheduler,
                                         cluster, notebook_sha)
        except Exception as err:
            from lib.batch.cluster import DaskConfigError

            if not isinstance(err, DaskConfigError):
                raise
            print(f"error: {err}", file=sys.stderr)
            batch.write_manifest(cfg, manifest, args, EXIT_BAD_CONFIG)
            return EXIT_BAD_CONFIG
        if not batch.save_state():
            exit_code = EXIT_REPORTS_FAILED
        manifest_path = batch.write_manifest(cfg, manifest, args, exit_code)
        _summarize(batch, selected, outcomes, manifest_path, time.perf_counter() - started)
        return exit_code if manifest_path else EXIT_REPORTS_FAILED
    except BaseException as err:
        state_.log.exception("run ended by %s", type(err).__name__)
        batch.notes.append(f"run ended by {type(err).__name__}: {err}")
        batch.write_manifest(cfg, manifest, args, None)
        raise
    finally:
        batch.save_state()
        batch.release()
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _exit_on_sigterm():
    """Turn SIGTERM (``systemctl stop``, a scheduler's kill) into ``SystemExit`` so that the
    run stops its workers, saves its state and writes its manifest. Returns the previous
    handler (None when not in the main thread)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


def _print_config_error(err: ConfigError) -> None:
    print("error: bad configuration; nothing was run:", file=sys.stderr)
    for problem in err.problems:
        print(f"  - {problem}", file=sys.stderr)


def _summarize(batch: BatchRun, selected: Plan, outcomes: list[Outcome], manifest_path: Path,
               wall: float) -> None:
    built = [o for o in outcomes if o.status == "built"]
    failed = [o for o in outcomes if o.status == "failed"]
    up = [o for o in outcomes if o.status == "up_to_date"]
    out = batch.out
    if not built and not failed:
        print(f"Nothing to rebuild: all {len(up)} reports are up to date; no notebook was "
              f"executed ({wall:.2f} s; --force rebuilds them).")
    else:
        where = batch.executor_info
        on = (f"{where.get('workers')} Dask worker(s) at {where.get('scheduler')}"
              if where.get("kind") == "dask" else f"{where.get('workers')} local worker(s)")
        print(f"\n{len(built)} built, {len(failed)} failed, {len(up)} up to date of "
              f"{len(outcomes)} reports; {len(selected.no_data)} unit-years without data"
              f"{_per_language(selected)}. {wall:.1f} s on {on}.")
    if failed:
        print("Failed (a previous good HTML stays published, marked stale in the index; the "
              "executed notebook named below a report holds its traceback):", file=sys.stderr)
        for o in failed:
            print(f"  - {o.job.label}: {o.error}", file=sys.stderr)
            if o.executed:
                print(f"    {o.executed}", file=sys.stderr)
    unwritten = len(batch.unwritten)
    if unwritten:  # a fault of the machine, not of the reports: say it once
        problems = ", ".join(dict.fromkeys(batch.storage_faults))
        print(f"error: {unwritten} report{'s' if unwritten != 1 else ''} could not be written "
              f"into {out} ({problems}); fix the disk and run again: failed reports are "
              "rebuilt", file=sys.stderr)
    if manifest_path is not None:
        print(f"Run manifest {manifest_path}; log {manifest_path.with_name('run.log')}")
    print("Open " + ", ".join(str(out / "html" / language_root(lang) / "index.html")
                              for lang in selected.config.languages))
