"""The batch runner on real kernels: warm-kernel isolation, timeouts, kernel start retries,
and whole runs of `python -m lib reports` (parallel build, no-op rebuild, a failing report
kept stale, the index of everything in outputs)."""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap

import nbformat
import pytest

from lib.batch import fingerprints, pool as batch, run as report
from lib.data.paths import resolve_processed
from lib.site.portfolio import IndexEntry

pytestmark = pytest.mark.slow

STANDARD = ('unit_code: str = "246"  # unit\nreference_year: int = 2023  # year\n'
            'unit_level: str = "district"  # level\nlang: str = "en"  # language\n')


def make_notebook(path, *cells: str) -> str:
    """Write a notebook with the standard parameters cell and ``cells``; return its JSON."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "dti-notebooks", "display_name": "Python",
                                       "language": "python"}
    parameters = nbformat.v4.new_code_cell(STANDARD)
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, *(nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path.read_text(encoding="utf-8")


def task_for(source: str, name: str, key: str, **options) -> batch.ReportTask:
    return batch.ReportTask(
        key=key, notebook=name, notebook_path=f"notebooks/{name}.ipynb", source=source,
        parameters={"unit_code": "246", "reference_year": 2023, "unit_level": "district",
                    "lang": "en"},
        title="Test", lang="en", data_version="test", html_rel=f"2023/246-{name}.html",
        executed_rel=f"executed/2023/246-{name}.ipynb", **options)


LEAKER = [
    """
    import os, random, sys, warnings
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import lib.build.synthetic  # not preloaded: must be unloaded after this report
    import lib.present.formatting as formatting
    import lib.analysis.queries as profiles
    leaked_variable = 42
    formatting.LANGS = ("xx",)           # rebinding a lib global
    import lib.data.texts as texts
    texts.TEXT_TABLES["leaked"] = None   # mutating a lib dict in place
    profiles.ADDED_BY_A_REPORT = True    # adding a lib global
    matplotlib.rcParams["figure.dpi"] = 17
    plt.figure()                          # left open
    warnings.simplefilter("error")
    pd.set_option("display.max_rows", 3)
    np.seterr(all="raise")
    np.random.seed(0)
    random.seed(0)
    os.environ["DTI_LEAK"] = "1"
    sys.path.append("/leaked")
    open("scratch.txt", "w").write("leak")
    os.chdir("/")
    """]

CHECKER = [
    """
    import os, random, sys, warnings
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import lib.present.formatting as formatting
    import lib.analysis.queries as profiles
    problems = []
    if "leaked_variable" in globals(): problems.append("user variable")
    import lib.data.texts as texts
    if formatting.LANGS != ("vi", "en"): problems.append("rebound lib global")
    if "leaked" in texts.TEXT_TABLES: problems.append("mutated lib dict")
    if hasattr(profiles, "ADDED_BY_A_REPORT"): problems.append("added lib global")
    if "lib.build.synthetic" in sys.modules: problems.append("lib module imported by a report")
    if matplotlib.rcParams["figure.dpi"] == 17: problems.append("rcParams")
    if plt.get_fignums(): problems.append("open figure")
    if warnings.filters and warnings.filters[0][0] == "error": problems.append("warning filter")
    if pd.get_option("display.max_rows") == 3: problems.append("pandas option")
    if np.geterr()["divide"] == "raise": problems.append("numpy error state")
    np.random.seed(0); seeded = np.random.rand()
    np.random.seed(); random.seed()
    if "DTI_LEAK" in os.environ: problems.append("environment")
    if "/leaked" in sys.path: problems.append("sys.path")
    if os.listdir(".") or os.getcwd() == "/": problems.append("working directory")
    assert not problems, "state leaked between reports: " + ", ".join(problems)
    print("clean", os.getcwd())
    """]


PRELOAD = ("warnings", "lib.present.display", "lib.present.formatting", "lib.analysis.queries", "matplotlib.pyplot")


@pytest.fixture(scope="module")
def session(processed):
    report.ensure_kernel()
    session = batch.KernelSession(preload=PRELOAD)
    session.start().result()
    yield session
    session.close()


def test_reports_share_a_warm_kernel_but_no_state(session, tmp_path):
    leaker = session.run(task_for(make_notebook(tmp_path / "leak.ipynb", *LEAKER), "leak", "a"))
    assert leaker.status == "built", leaker.error
    checker = session.run(task_for(make_notebook(tmp_path / "check.ipynb", *CHECKER), "check", "b"))
    assert checker.status == "built", checker.error
    assert checker.kernel["pid"] == leaker.kernel["pid"]  # same warm kernel
    executed = nbformat.reads(checker.executed, as_version=4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3]  # numbered as in a fresh kernel
    assert executed.cells[1].metadata.tags == ["injected-parameters"]
    assert executed.metadata.papermill.parameters["unit_code"] == "246"
    assert "clean" in "".join(o.get("text", "") for o in executed.cells[2].outputs)


def test_a_failing_or_timed_out_report_gets_a_new_kernel(session, tmp_path):
    before = session.run(task_for(make_notebook(tmp_path / "ok.ipynb", "x = 1"), "ok", "c"))
    bad = make_notebook(tmp_path / "bad.ipynb", "raise ValueError('boom')")
    failing = session.run(task_for(bad, "bad", "d"))
    assert failing.status == "failed" and failing.error.startswith("ValueError: boom")
    executed = nbformat.reads(failing.executed, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError" and errors[0].traceback
    sleeper = make_notebook(tmp_path / "slow.ipynb", "import time; time.sleep(30)")
    slow = session.run(task_for(sleeper, "slow", "e", cell_timeout=2))
    assert slow.status == "failed" and "Timeout" in slow.error
    after = session.run(task_for(make_notebook(tmp_path / "ok2.ipynb", "x = 2"), "ok2", "f"))
    assert after.status == "built", after.error
    assert len({before.kernel["pid"], slow.kernel["pid"], after.kernel["pid"]}) == 3
    assert after.kernel["restarts"] >= 2


def flaky_kernel(tmp_path, monkeypatch, failures: int) -> str:
    """A kernelspec whose kernel exits at start ``failures`` times, then starts normally."""
    counter = tmp_path / "starts"
    script = textwrap.dedent(f"""
        import pathlib, runpy, sys
        counter = pathlib.Path({str(counter)!r})
        count = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(count + 1))
        if count < {failures}:
            sys.exit(1)  # dies at start
        sys.argv = ["ipykernel_launcher", "-f", sys.argv[1]]
        runpy.run_module("ipykernel_launcher", run_name="__main__")
        """)
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", script, "{connection_file}"],
        "display_name": "flaky", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "flaky"


def test_kernel_start_failures_are_retried(processed, tmp_path, monkeypatch):
    session = batch.KernelSession(flaky_kernel(tmp_path, monkeypatch, failures=2))
    try:
        session.start().result()
        assert session.starts == 3
        result = session.run(task_for(make_notebook(tmp_path / "ok.ipynb", "x = 1"), "ok", "g",
                                      kernel_name="flaky"))
        assert result.status == "built", result.error
    finally:
        session.close()


def test_a_kernel_that_never_starts_fails_its_reports_clearly(processed, tmp_path, monkeypatch):
    session = batch.KernelSession(flaky_kernel(tmp_path, monkeypatch, failures=99))
    try:
        result = session.run(task_for(make_notebook(tmp_path / "ok.ipynb", "x = 1"), "ok", "h",
                                      kernel_name="flaky"))
    finally:
        session.close()
    assert result.status == "failed"
    assert "did not start after 3 attempts" in result.error


# ------------------------------------------------------------------ whole runs of the CLI

LIGHT = ["""
    import os
    from lib.analysis import queries as profiles
    from lib.present import display as show, facts
    unit = profiles.get_unit(unit_code, unit_level, reference_year)
    show.show_title(unit.name, facts.scores_header(unit, reference_year, lang))  # as scores does
    print(unit.name, os.environ["DTI_PROCESSED_DIR"])
    """]


@pytest.fixture
def light_config(tmp_path, monkeypatch, processed):
    """A configuration of the districts of Vĩnh Phúc with a light stand-in "scores" notebook."""
    monkeypatch.setenv("DTI_OUTPUTS_DIR", str(tmp_path / "outputs"))
    notebook = tmp_path / "notebooks" / "scores.ipynb"
    make_notebook(notebook, *LIGHT)
    config = tmp_path / "reports.yml"
    config.write_text("years: [2022, 2023]\nlanguages: [vi, en]\nnotebooks_dir: notebooks\n"
                      "reports:\n"
                      "  - {notebook: scores, unit_level: district, peer_group: districts_of_26}\n",
                      encoding="utf-8")
    return config, notebook, tmp_path / "outputs"


def last_manifest(out):
    run_id = (out / "runs" / "LATEST").read_text().strip()
    return json.loads((out / "runs" / run_id / "manifest.json").read_text())


def index_statuses(out) -> dict:
    state = json.loads((out / "state" / "state.json").read_text())
    return {f"{e.lang}/{e.reference_year}/{e.unit_code}": e.status
            for e in fingerprints.index_entries(state["reports"].values(), out)}


def test_build_noop_failure_kept_stale_and_index_of_everything(light_config, capsys):
    config, notebook, out = light_config
    # 1. four reports (two years, two languages) in parallel (two worker processes)
    assert report.main(units=["246"], jobs=2, config=config, progress=False) == report.EXIT_OK
    first = last_manifest(out)
    assert first["counts"]["built"] == 4
    assert first["executor"] == {"kind": "local", "workers": 2}
    assert first["config"]["languages"] == ["vi", "en"]
    assert sorted((r["lang"], r["key"], r["html"]) for r in first["reports"]) == [
        ("en", "en/2022/246-scores", "en/2022/246-scores.html"),
        ("en", "en/2023/246-scores", "en/2023/246-scores.html"),
        ("vi", "vi/2022/246-scores", "2022/246-scores.html"),
        ("vi", "vi/2023/246-scores", "2023/246-scores.html")]
    html_2023 = out / "html" / "2023" / "246-scores.html"
    good_page = html_2023.read_bytes()
    assert b"L\xe1\xba\xadp Th\xe1\xba\xa1ch" in good_page
    vi_page = good_page.decode("utf-8")
    en_page = (out / "html" / "en" / "2023" / "246-scores.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in vi_page and '<html lang="en">' in en_page
    assert "<title>Điểm và thứ hạng DTI 2023 — Lập Thạch</title>" in vi_page
    assert "<title>DTI score and rank 2023 — Lập Thạch</title>" in en_page
    assert 'href="../en/2023/246-scores.html" hreflang="en"' in vi_page
    assert 'href="../../2023/246-scores.html" hreflang="vi"' in en_page
    for executed in ("executed/2023/246-scores.ipynb", "executed/en/2023/246-scores.ipynb"):
        assert (out / executed).is_file()
    assert nbformat.read(out / "executed" / "en" / "2023" / "246-scores.ipynb",
                         as_version=4).metadata.papermill.parameters["lang"] == "en"
    vi_index = (out / "html" / "index.html").read_text(encoding="utf-8")
    en_index = (out / "html" / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in vi_index and 'href="2023/246-scores.html"' in vi_index
    assert '<html lang="en">' in en_index and 'href="2023/246-scores.html"' in en_index
    assert 'href="en/index.html" hreflang="en"' in vi_index
    assert 'href="../index.html" hreflang="vi"' in en_index
    assert '<html lang="en">' in (out / "html" / "en" / "units" / "246.html").read_text("utf-8")

    # 2. nothing changed in either language: no notebook runs, and it says so
    capsys.readouterr()
    assert report.main(units=["246"], config=config, progress=False) == report.EXIT_OK
    assert "Nothing to rebuild: all 4 reports are up to date; no notebook was executed" \
        in capsys.readouterr().out
    noop = last_manifest(out)
    assert noop["counts"] == {"up_to_date": 4} and noop["executor"] == {}
    assert {r["lang"] for r in noop["reports"]} == {"vi", "en"}

    # 3. the notebook changes and fails for 2023: exit 1, the 2023 page stays as it was (stale)
    make_notebook(notebook, *LIGHT, "if reference_year == 2023:\n    raise ValueError('boom 2023')")
    assert report.main(units=["246"], jobs=1, config=config, progress=False) \
        == report.EXIT_REPORTS_FAILED
    captured = capsys.readouterr()
    assert "2023 246 Lập Thạch: scores [vi]: ValueError: boom 2023" in captured.err
    assert "2023 246 Lập Thạch: scores [en]: ValueError: boom 2023" in captured.err
    # the page as it was, with the stale banner at the top (lib.site.portfolio.mark_stale)
    kept = html_2023.read_text(encoding="utf-8")
    banner = re.search(r'<p class="dti-stale-banner" role="status" id="dti-stale">[^<]*'
                       r'lần lập lại gần nhất bị lỗi[^<]*</p>', kept)
    assert banner and kept.replace(banner.group(0), "", 1).encode("utf-8") == good_page
    assert (out / "executed" / "en" / "2023" / "246-scores.failed.ipynb").is_file()
    failed_copy = out / "executed" / "2023" / "246-scores.failed.ipynb"
    errors = [o for c in nbformat.read(failed_copy, as_version=4).cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert errors[0].evalue == "boom 2023"
    third = last_manifest(out)
    statuses = {r["key"]: (r["status"], r.get("reason")) for r in third["reports"]}
    for lang in ("vi", "en"):
        assert statuses[f"{lang}/2022/246-scores"] == ("built", "notebook changed")
        assert statuses[f"{lang}/2023/246-scores"] == ("failed", "notebook changed")
        assert index_statuses(out)[f"{lang}/2023/246"] == "stale"
    assert third["exit_code"] == 1

    # 4. another unit's run (Vĩnh Yên: a 2022 result only): the index still lists every
    # report in outputs, not only this run's
    assert report.main(units=["243"], jobs=1, config=config, progress=False) == report.EXIT_OK
    statuses = index_statuses(out)
    for lang in ("vi", "en"):
        assert statuses[f"{lang}/2022/246"] == "built" and statuses[f"{lang}/2023/246"] == "stale"
        assert statuses[f"{lang}/2022/243"] == "built"
        assert statuses[f"{lang}/2023/243"] == "no_data"
    for index in (out / "html" / "index.html", out / "html" / "en" / "index.html"):
        page = index.read_text(encoding="utf-8")
        assert "2023/246-scores.html" in page and "2022/243-scores.html" in page


def test_a_report_is_rebuilt_only_when_a_table_it_read_changed(light_config, processed, tmp_path,
                                                               monkeypatch, capsys):
    config, _, out = light_config
    data = tmp_path / "processed-copy"
    shutil.copytree(processed, data, symlinks=True)
    monkeypatch.setenv("DTI_PROCESSED_DIR", str(data))

    def run() -> dict:
        assert report.main(units=["246"], years=[2023], jobs=1, config=config,
                           progress=False) == report.EXIT_OK
        return last_manifest(out)["reports"][0]

    def change(table: str) -> None:  # as a rebuild of data/processed would change the manifest
        path = resolve_processed(data) / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["tables"][table]["sha256"] = "0" * 64
        manifest["data_version"] = f"new-{table}"
        path.write_text(json.dumps(manifest), encoding="utf-8")

    first = run()
    # the notebook reads units (profiles.get_unit); the page header reads the DTI scores
    assert first["status"] == "built"
    assert {"units", "dti_scores"} <= set(first["tables_read"])
    assert "indicators" not in first["tables_read"]

    change("indicators")
    capsys.readouterr()
    assert report.main(units=["246"], years=[2023], dry_run=True, config=config,
                       progress=False) == report.EXIT_OK
    assert "2 reports planned: 0 to build, 2 up to date" in capsys.readouterr().out
    assert run()["status"] == "up_to_date"
    change("units")
    rebuilt = run()
    assert (rebuilt["status"], rebuilt["reason"]) == ("built", "processed data changed")


def test_index_entries_from_records(tmp_path):
    (tmp_path / "html" / "2023").mkdir(parents=True)
    (tmp_path / "html" / "2023" / "1-scores.html").write_text("ok")
    base = {"notebook": "scores", "unit_name": "U", "unit_level": "district",
            "reference_year": 2023}
    records = [{**base, "key": "vi/2023/1-scores", "unit_code": "1", "status": "failed",
                "html": "2023/1-scores.html", "lang": "vi"},
               {**base, "key": "vi/2023/2-scores", "unit_code": "2", "status": "failed",
                "html": None, "lang": "en"},
               {**base, "key": "vi/2023/3-scores", "unit_code": "3", "status": "no_data",
                "lang": "vi"}]
    assert fingerprints.index_entries(records, tmp_path) == [
        IndexEntry("scores", "1", "U", "district", 2023, "stale", "2023/1-scores.html", "vi"),
        IndexEntry("scores", "2", "U", "district", 2023, "failed", None, "en"),
        IndexEntry("scores", "3", "U", "district", 2023, "no_data", None, "vi")]
