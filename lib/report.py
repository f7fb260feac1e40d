"""Report runner: expand ``reports.yml`` into jobs, execute notebooks with papermill, export HTML
with nbconvert, and write ``outputs/html/index.html``.

A failing notebook does not stop the others: its executed copy (with the traceback) stays in
``outputs/executed``, it is listed at the end, and the run exits with code 1.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lib.paths import NOTEBOOKS_DIR, REPORTS_CONFIG, ROOT, outputs_dir

KERNEL_NAME = "dti-notebooks"
NOTEBOOK_TITLES = {"scores": "DTI score and rank", "infrastructure": "Digital infrastructure",
                   "cashless": "Cashless payments", "overview": "Province overview"}


class ConfigError(ValueError):
    """``reports.yml`` or a command-line selection is invalid."""


@dataclass(frozen=True)
class Job:
    """One report: a notebook run for one unit and reference year."""

    notebook: str
    unit_code: str
    unit_level: str
    unit_name: str
    reference_year: int
    lang: str = "en"

    @property
    def parameters(self) -> dict:
        return {"unit_code": self.unit_code, "reference_year": self.reference_year,
                "unit_level": self.unit_level, "lang": self.lang}

    @property
    def stem(self) -> str:
        return f"{self.unit_code}-{self.notebook}"

    @property
    def label(self) -> str:
        return f"{self.reference_year} {self.unit_code} {self.unit_name}: {self.notebook}"

    def executed_path(self, out: Path) -> Path:
        return out / "executed" / str(self.reference_year) / f"{self.stem}.ipynb"

    def html_path(self, out: Path) -> Path:
        return out / "html" / str(self.reference_year) / f"{self.stem}.html"


@dataclass
class Outcome:
    """What happened to a job: ``built`` or ``failed`` (with the error and executed notebook)."""

    job: Job
    status: str
    seconds: float = 0.0
    error: str = ""
    executed: Path | None = None
    html: Path | None = None


@dataclass
class Plan:
    """Jobs to run, plus the unit-years skipped for lack of data (shown as "no data")."""

    jobs: list[Job] = field(default_factory=list)
    no_data: list[Job] = field(default_factory=list)

    def __iter__(self):
        return iter(self.jobs)


def load_config(path: Path = REPORTS_CONFIG) -> dict:
    """Read ``reports.yml``; raise :class:`ConfigError` naming the problem."""
    try:
        config = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from None
    if not isinstance(config, dict) or not isinstance(config.get("reports"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'reports' list")
    for i, entry in enumerate(config["reports"], 1):
        notebook = entry.get("notebook")
        if not (NOTEBOOKS_DIR / f"{notebook}.ipynb").exists():
            raise ConfigError(f"{path}: report {i}: no notebook notebooks/{notebook}.ipynb")
        if "unit_level" not in entry or not ("unit_codes" in entry or "peer_group" in entry):
            raise ConfigError(f"{path}: report {i}: needs unit_level and unit_codes or peer_group")
        codes = entry.get("unit_codes", [])
        if any(not isinstance(c, str) for c in codes):
            raise ConfigError(f"{path}: report {i}: unit codes must be quoted strings, e.g. \"26\"")
    return config


def _years_with_data(notebook: str, unit_code: str, unit_level: str, years: list[int]) -> list[int]:
    from lib import profiles

    if notebook == "scores":
        totals = profiles.dti_totals()
        rows = totals[(totals["unit_code"] == unit_code) & (totals["unit_level"] == unit_level)
                      & (totals["score"].notna() | totals["rank_low"].notna())]
        return [y for y in years if y in set(rows["reference_year"])]
    if notebook == "overview":
        totals = profiles.dti_totals()
        rows = totals[totals["peer_group"].str.endswith(f"s_of_{unit_code}")
                      & (totals["score"].notna() | totals["rank_low"].notna())]
        return [y for y in years if y in set(rows["reference_year"])]
    themes = profiles.INFRASTRUCTURE_THEMES if notebook == "infrastructure" else profiles.CASHLESS_THEMES
    return [y for y in years if len(profiles.unit_indicators(unit_code, y, themes))]


def _units_of(entry: dict) -> list[tuple[str, str]]:
    from lib import profiles
    from lib.load import load_table

    if "unit_codes" in entry:
        units = load_table("units")
        names = dict(zip(units["unit_code"], units["unit_name"]))
        return [(c, names.get(c, c)) for c in entry["unit_codes"]]
    totals = profiles.dti_totals()
    members = totals[totals["peer_group"] == entry["peer_group"]]
    return sorted(set(zip(members["unit_code"], members["unit_name"])))


def plan(config: dict, only: list[str] | None = None, units: list[str] | None = None,
         years: list[int] | None = None) -> Plan:
    """Expand the configuration into jobs (notebook × unit × year with data).

    ``only``, ``units`` and ``years`` narrow the plan. Raises :class:`ConfigError` for an
    unknown notebook name in ``only``.
    """
    known = {e["notebook"] for e in config["reports"]}
    if only and set(only) - known:
        raise ConfigError(f"unknown notebook(s) {sorted(set(only) - known)}; known: {sorted(known)}")
    all_years = [int(y) for y in config.get("years", [])]
    wanted_years = [y for y in all_years if not years or y in years]
    result = Plan()
    for entry in config["reports"]:
        if only and entry["notebook"] not in only:
            continue
        for code, name in _units_of(entry):
            if units and code not in units:
                continue
            with_data = set(_years_with_data(entry["notebook"], code, entry["unit_level"], wanted_years))
            for year in wanted_years:
                job = Job(entry["notebook"], code, entry["unit_level"], name, year,
                          config.get("lang", "en"))
                (result.jobs if year in with_data else result.no_data).append(job)
    return result


def ensure_kernel() -> None:
    """Install the project's Jupyter kernel into this environment if it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL_NAME, display_name="Python (dti-notebooks)", prefix=sys.prefix)


def run_job(job: Job, out: Path, exporter, data_version: str) -> Outcome:
    """Execute one notebook with papermill and export its HTML. Never raises for a notebook
    error: the outcome says ``failed`` and keeps the executed notebook's path."""
    import papermill

    from lib.export import export_html

    executed = job.executed_path(out)
    executed.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / f"{job.notebook}.ipynb"), str(executed),
            parameters=job.parameters, kernel_name=KERNEL_NAME, cwd=str(ROOT),
            progress_bar=False, report_mode=True, execution_timeout=600,
        )
        title = f"{job.unit_name} — {NOTEBOOK_TITLES.get(job.notebook, job.notebook)}, {job.reference_year}"
        html = export_html(executed, job.html_path(out), title, data_version, exporter, job.lang)
    except Exception as err:  # noqa: BLE001 - any notebook failure is reported, not raised
        message = str(err).strip().splitlines()
        return Outcome(job, "failed", time.perf_counter() - start,
                       message[-1] if message else type(err).__name__, executed)
    return Outcome(job, "built", time.perf_counter() - start, executed=executed, html=html)


def run(plan_: Plan, out: Path | None = None, progress: bool = True) -> list[Outcome]:
    """Run every job of the plan serially, write the index, return the outcomes."""
    from tqdm import tqdm

    from lib.export import make_exporter
    from lib.load import read_manifest
    from lib.portfolio import write_index

    out = Path(out or outputs_dir())
    ensure_kernel()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    exporter = make_exporter()
    data_version = read_manifest().get("data_version", "unknown")
    outcomes = []
    bar = tqdm(plan_.jobs, desc="reports", unit="report", disable=not progress, file=sys.stdout)
    for job in bar:
        bar.set_postfix_str(f"{job.reference_year} {job.unit_code} {job.notebook}")
        outcomes.append(run_job(job, out, exporter, data_version))
    write_index(index_entries(outcomes, plan_.no_data, out / "html"), out / "html")
    return outcomes


def index_entries(outcomes: list[Outcome], no_data: list[Job], html_dir: Path) -> list:
    """Portfolio entries for this run's outcomes and the unit-years without data."""
    from lib.portfolio import IndexEntry

    def entry(job: Job, status: str, html: Path | None = None) -> IndexEntry:
        href = html.relative_to(html_dir).as_posix() if html else None
        return IndexEntry(job.notebook, job.unit_code, job.unit_name, job.unit_level,
                          job.reference_year, status, href)

    return [entry(o.job, o.status, o.html) for o in outcomes] + [entry(j, "no_data") for j in no_data]


def main(only: list[str] | None = None, units: list[str] | None = None,
         years: list[int] | None = None, dry_run: bool = False) -> int:
    """``python -m lib reports``: build data if needed, run the plan, print a summary.

    Returns 0 when every report was built, 1 when some failed, 2 for a bad configuration.
    """
    from lib import pipeline

    pipeline.build()
    try:
        jobs = plan(load_config(), only, units, years)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if dry_run:
        for job in jobs:
            print(job.label)
        print(f"{len(jobs.jobs)} reports planned; {len(jobs.no_data)} unit-years without data")
        return 0
    if not jobs.jobs:
        print("nothing to build: no unit and year in the selection has data", file=sys.stderr)
        return 2
    outcomes = run(jobs)
    failed = [o for o in outcomes if o.status == "failed"]
    out = outputs_dir()
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} reports built; "
          f"{len(jobs.no_data)} unit-years without data listed in the index.")
    if failed:
        print("Failed (the executed notebook holds the traceback):", file=sys.stderr)
        for o in failed:
            print(f"  - {o.job.label}: {o.error}\n    {o.executed}", file=sys.stderr)
    print(f"Open {out / 'html' / 'index.html'}")
    return 1 if failed else 0
