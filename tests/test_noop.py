"""The no-op path of `python -m lib reports` on a small synthetic country: nothing changed
starts no kernel, helper or heavy import and rewrites no state; a changed input rebuilds
exactly the reports it feeds; the plan caches (state/plan.json, state/plan_facts.json) give the
plan an expansion from the tables gives. No notebook runs here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from lib.data.paths import read_manifest
from lib.data import files
from lib.analysis import queries as profiles
from lib.batch import fingerprints, plan as planning, run as report
from lib.batch import state as state_
from lib.build.synthetic import PROVINCE_PEER_GROUP, write_synthetic
from lib.data import load
from lib.data.paths import ROOT, resolve_processed

NOTEBOOKS = ("scores", "infrastructure", "cashless")
# what each notebook is recorded to have read (as a build records it)
READS = {"scores": ["dti_scores", "units"], "infrastructure": ["indicators", "units"],
         "cashless": ["indicators", "units"]}


@pytest.fixture
def country(tmp_path, monkeypatch):
    """A country of 40 communes in 3 provinces, a configuration of every report of it (two
    years, two languages, notebooks copied so that a test may change one) and outputs where
    every report is recorded as built; returns (config path, outputs, plan)."""
    processed = tmp_path / "processed"
    write_synthetic(processed, n_units=40, n_years=2, country=True, n_provinces=3)
    monkeypatch.setenv("DTI_PROCESSED_DIR", str(processed))
    out = tmp_path / "outputs"
    monkeypatch.setenv("DTI_OUTPUTS_DIR", str(out))
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", notebooks)
    units = load.load_table("units")
    provinces = sorted(units.loc[units["unit_level"] == "province", "unit_code"])
    years = sorted(int(y) for y in load.load_table("dti_scores")["reference_year"].unique())
    entries = [f"  - {{notebook: {n}, unit_level: commune, peer_group: communes_of_{p}}}"
               for n in NOTEBOOKS for p in provinces]
    entries.append(f"  - {{notebook: scores, unit_level: province, "
                   f"peer_group: {PROVINCE_PEER_GROUP}}}")
    config = tmp_path / "reports.yml"
    config.write_text(f"years: {json.dumps(years)}\nlanguages: [vi, en]\n"
                      f"notebooks_dir: notebooks\nreports:\n" + "\n".join(entries) + "\n",
                      encoding="utf-8")
    cfg = report.load_config(config)
    plan = planning.expand(cfg)
    batch = report.BatchRun(out, config, progress=False)
    manifest = read_manifest()
    sha = {n: files.sha256_file(cfg.notebook_file(n), missing_ok=True) for n in NOTEBOOKS}
    for job in plan.jobs:  # as publish() records a built report
        for path in (job.executed_path(out), job.html_path(out)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{}" if path.suffix == ".ipynb" else "<p>built</p>")
        inputs = fingerprints.inputs_of(job, sha[job.notebook], manifest, batch.identity, cfg.kernel,
                                  READS[job.notebook], code=batch.notebook_code(cfg, job.notebook))
        batch.state.put({**fingerprints.record_base(job), "status": "built",
                         "fingerprint": state_.report_fingerprint(inputs), "inputs": inputs,
                         "tables_read": READS[job.notebook], "html": job.html_rel,
                         "executed": job.executed_rel, "seconds": 1.0}, journal=False)
    batch.state.save()
    batch.write_index(cfg.languages)
    return config, out, plan


class Executed(Exception):
    pass


@pytest.fixture
def no_execution(monkeypatch):
    """Fail the test if a run starts a kernel or a helper, or executes anything."""
    def refuse(*args, **kwargs):
        raise Executed("a no-op must not start kernels, helpers or executors")

    monkeypatch.setattr(report.BatchRun, "execute", refuse)
    monkeypatch.setattr(report, "ensure_kernel", refuse)


def rebuilt(monkeypatch, config) -> dict:
    """Run on ``config`` with the executor replaced; return {key: reason} of what it would
    build (the helpers and the kernel are not started)."""
    asked = {}

    def execute(self, jobs, config, manifest, inputs, reasons, *args, **kwargs):
        asked.update({j.key: reasons[j.key] for j in jobs})
        return []

    monkeypatch.setattr(report.BatchRun, "execute", execute)
    monkeypatch.setattr(report, "ensure_kernel", lambda *a, **k: None)
    assert report.main(config=config, progress=False) == report.EXIT_OK
    return asked


def last_manifest(out) -> dict:
    run_id = (out / "runs" / "LATEST").read_text().strip()
    return json.loads((out / "runs" / run_id / "manifest.json").read_text())


def test_a_noop_starts_nothing_and_rewrites_no_state(country, no_execution, capsys):
    config, out, plan = country
    n = len(plan.jobs)
    assert n == (40 * 3 + 3) * 2 * 2
    assert report.main(config=config, progress=False) == report.EXIT_OK  # plans, caches
    assert {p.name for p in (out / "state").iterdir()} >= {"state.json", "plan.json",
                                                            "plan_facts.json"}
    state = out / "state" / "state.json"
    before = state.stat().st_mtime_ns, state.read_bytes()
    capsys.readouterr()
    assert report.main(config=config, progress=False) == report.EXIT_OK
    assert f"Nothing to rebuild: all {n} reports are up to date" in capsys.readouterr().out
    assert (state.stat().st_mtime_ns, state.read_bytes()) == before
    manifest = last_manifest(out)
    assert manifest["counts"] == {"up_to_date": n} and manifest["executor"] == {}
    assert "planned (cached)" in manifest["phases"]


def test_a_noop_imports_no_heavy_module(country):
    """In a new interpreter, a no-op — with the plan cached, and after an edit of
    reports.yml (planned from the cached facts) — imports neither pandas nor the notebook
    machinery."""
    config, out, plan = country
    assert report.main(config=config, progress=False) == report.EXIT_OK
    script = ("import sys\nfrom lib.__main__ import main\n"
              f"assert main(['reports', '--config', {str(config)!r}]) == 0\n"
              "heavy = [m for m in ('pandas', 'numpy', 'pyarrow', 'papermill', 'nbformat', "
              "'nbclient', 'nbconvert', 'matplotlib', 'dask', 'distributed', 'jupyter_client', "
              "'ipykernel') if m in sys.modules]\n"
              "assert not heavy, heavy\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    for edit in ("", "# an edit the plan cache has not seen\n"):
        config.write_text(config.read_text(encoding="utf-8") + edit, encoding="utf-8")
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Nothing to rebuild" in done.stdout
        assert last_manifest(out)["counts"] == {"up_to_date": len(plan.jobs)}


def test_changed_inputs_rebuild_exactly_the_reports_they_feed(country, monkeypatch):
    config, out, plan = country
    keys = {j.key: j for j in plan.jobs}
    assert rebuilt(monkeypatch, config) == {}
    # a notebook changes: its reports, in both languages and years, and no other
    notebook = config.parent / "notebooks" / "cashless.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    asked = rebuilt(monkeypatch, config)
    assert set(asked) == {k for k, j in keys.items() if j.notebook == "cashless"}
    assert set(asked.values()) == {"notebook changed"}
    # (the executor was replaced: the state still has the old fingerprints) put it back
    shutil.copy(ROOT / "notebooks" / "cashless.ipynb", notebook)
    assert rebuilt(monkeypatch, config) == {}
    # one page is missing: that report only
    victim = next(j for j in plan.jobs if j.notebook == "scores" and j.lang == "en")
    victim.html_path(out).unlink()
    assert rebuilt(monkeypatch, config) == {victim.key: "output missing"}
    victim.html_path(out).write_text("<p>built</p>")
    # a table changes: the reports that read it (infrastructure, cashless), not the scores
    path = resolve_processed(os.environ["DTI_PROCESSED_DIR"]) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["tables"]["indicators"]["sha256"] = "0" * 64
    manifest["data_version"] = "new-indicators"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    asked = rebuilt(monkeypatch, config)
    assert set(asked) == {k for k, j in keys.items() if j.notebook != "scores"}
    assert set(asked.values()) == {"processed data changed"}


def test_the_cached_plan_and_facts_give_the_expanded_plan(country, monkeypatch):
    config, out, plan = country
    cfg = report.load_config(config)
    facts = planning.PlanFacts()
    assert planning.expand(cfg, facts).to_dict() == plan.to_dict()
    assert facts.changed
    cached = planning.PlanFacts(json.loads(json.dumps(facts.data)))  # as read back from disk

    def no_table(*args, **kwargs):
        raise AssertionError("the cached facts must be used")

    monkeypatch.setattr(load, "load_table", no_table)
    monkeypatch.setattr(profiles, "dti_totals", no_table)
    assert planning.expand(cfg, cached).to_dict() == plan.to_dict()
    assert not cached.changed
    # the plan cache keeps each job's parameter hash: the fingerprint input is the same
    for job in report.Plan.from_dict(plan.to_dict(), cfg).jobs[:50]:
        assert job.parameters_sha == files.sha256_bytes(
            state_.canonical_json(job.parameters).encode())[:20]


def test_new_data_recompute_the_plan_facts(country, monkeypatch):
    config, out, _ = country
    assert rebuilt(monkeypatch, config) == {}
    facts = json.loads((out / "state" / "plan_facts.json").read_text(encoding="utf-8"))
    # a new data version whose tables are the same: facts computed again (same values), and
    # no report rebuilt, since none of the tables any report read changed
    path = resolve_processed(os.environ["DTI_PROCESSED_DIR"]) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["data_version"] = "other-data"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert rebuilt(monkeypatch, config) == {}
    again = json.loads((out / "state" / "plan_facts.json").read_text(encoding="utf-8"))
    assert again["key"] != facts["key"] and again["value"] == facts["value"]


def test_the_parameters_hash_is_that_of_the_canonical_json():
    """The plan writes the four standard parameters out directly; the hash in every state
    record must stay that of :func:`lib.batch.state.canonical_json`."""
    from lib.batch import state

    jobs = [report.Job("scores", "246", "district", "Lập Thạch", 2023, "vi"),
            report.Job("cashless", '9"01', "commune", "x", 2025, "en"),
            report.Job("scores", "246", "district", "Lập Thạch", 2023, "vi", extra=(("n", 1),))]
    for job in jobs:
        assert job.parameters_json() == state.canonical_json(job.parameters)
    assert jobs[0].parameters_json() == ('{"lang":"vi","reference_year":2023,'
                                         '"unit_code":"246","unit_level":"district"}')
