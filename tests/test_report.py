"""The report runner's plan: expansion of reports.yml, validation before any kernel starts,
narrowing, dry runs, exit codes and the outputs lock. No notebook runs here."""

from __future__ import annotations

import json
import threading
import time

import pytest

from lib.batch import plan as planning, run as report, state as batch_state
from lib.batch.config import declared_parameters


def write_notebook(path, parameters: str, *cells: str) -> None:
    """A minimal notebook: a ``parameters`` cell, then code cells."""
    def cell(source, tags=()):
        return {"cell_type": "code", "execution_count": None, "id": f"c{abs(hash(source)) % 10**8}",
                "metadata": {"tags": list(tags)}, "outputs": [], "source": source}

    notebook = {"cells": [cell(parameters, ["parameters"]), *(cell(c) for c in cells)],
                "metadata": {"kernelspec": {"name": "dti-notebooks", "display_name": "Python",
                                            "language": "python"},
                             "language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")


STANDARD = ('unit_code: str = "246"  # unit\nreference_year: int = 2023  # year\n'
            'unit_level: str = "district"  # level\nlang: str = "en"  # language\n')


@pytest.fixture
def outputs(tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    monkeypatch.setenv("DTI_OUTPUTS_DIR", str(out))
    return out


def test_plan_expands_units_and_years_with_codes_as_text(processed):
    plan = planning.plan(report.load_config())
    keys = {job.key for job in plan.jobs}
    assert {"vi/2023/246-scores", "vi/2022/246-scores", "vi/2024/246-infrastructure",
            "vi/2022/26-overview", "en/2023/246-scores", "en/2022/26-overview"} <= keys
    assert all(isinstance(job.unit_code, str) for job in plan.jobs + plan.no_data)
    no_data = {job.key for job in plan.no_data}
    assert {"vi/2024/246-scores", "en/2024/246-scores"} <= no_data  # nothing published for 2024
    # the 2024-08-21 snapshot is a 2024 figure: the 2023 infrastructure report has no data
    assert {"vi/2023/246-infrastructure", "vi/2023/246-cashless"} <= no_data
    # every report in every language, nothing else differs
    assert {k[3:] for k in keys if k.startswith("vi/")} == {k[3:] for k in keys
                                                             if k.startswith("en/")}
    lap_thach = next(job for job in plan.jobs if job.key == "vi/2023/246-scores")
    assert lap_thach.parameters == {"unit_code": "246", "reference_year": 2023,
                                    "unit_level": "district", "lang": "vi"}
    assert (lap_thach.html_rel, lap_thach.executed_rel) == (
        "2023/246-scores.html", "executed/2023/246-scores.ipynb")
    english = next(job for job in plan.jobs if job.key == "en/2023/246-scores")
    assert english.parameters["lang"] == "en"
    assert (english.html_rel, english.executed_rel, english.failed_rel) == (
        "en/2023/246-scores.html", "executed/en/2023/246-scores.ipynb",
        "executed/en/2023/246-scores.failed.ipynb")
    narrowed = planning.plan(report.load_config(), only=["scores"], units=["246"], years=[2023])
    assert [job.key for job in narrowed.jobs] == ["vi/2023/246-scores", "en/2023/246-scores"]
    english_only = planning.plan(report.load_config(), only=["scores"], units=["246"],
                               years=[2023], languages=["en"])
    assert [job.key for job in english_only.jobs] == ["en/2023/246-scores"]


def test_languages_are_validated(processed, outputs, tmp_path, capsys):
    config = tmp_path / "reports.yml"
    for languages, expected in (
            ("lang: en", "'lang' is replaced by 'languages', a list: every report is built in "
                         "each language listed, e.g. languages: [vi, en]"),
            ("languages: [vi, fr]", "languages must be a list of distinct languages among vi, "
                                    "en, e.g. [vi, en]; got ['vi', 'fr']"),
            ("languages: [en, en]", "got ['en', 'en']"),
            ("languages: []", "got []"),
            ("languages: vi", "got 'vi'")):
        config.write_text(f"years: [2023]\n{languages}\nreports:\n"
                          "  - {notebook: scores, unit_level: district, unit_codes: [\"246\"]}\n",
                          encoding="utf-8")
        assert report.main(config=config, dry_run=True) == report.EXIT_BAD_CONFIG
        err = capsys.readouterr().err
        assert expected in err, (languages, err)
        assert "unknown key" not in err
    config.write_text("years: [2023]\nlanguages: [en]\nreports:\n"
                      "  - {notebook: scores, unit_level: district, unit_codes: [\"246\"]}\n",
                      encoding="utf-8")
    assert [j.key for j in planning.plan(report.load_config(config)).jobs] == ["en/2023/246-scores"]
    assert report.main(config=config, languages=["vi"], dry_run=True) == report.EXIT_BAD_CONFIG
    assert "no report is configured for language vi (configured: en)" in capsys.readouterr().err


def test_declared_parameters_and_type_checks(tmp_path):
    notebook = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                           "source": STANDARD + "threshold: float = 0.5  # share\nflag = False\n",
                           "id": "parameters", "execution_count": None, "outputs": []}],
                "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                            "display_name": "Python 3"}},
                "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    declared = declared_parameters(path)
    assert list(declared) == ["unit_code", "reference_year", "unit_level", "lang", "threshold",
                              "flag"]
    assert declared["threshold"].type_name == "float" and declared["flag"].type_name == "bool"
    job = report.Job("x", "246", "district", "Lập Thạch", 2023,
                     extra=(("threshold", 1), ("flag", True)))
    assert planning.parameter_problems(job, declared) == []
    bad = report.Job("x", "246", "district", "Lập Thạch", 2023,
                     extra=(("threshold", True), ("other", 1)))
    problems = planning.parameter_problems(bad, declared)
    assert any("unknown parameter 'other'" in p for p in problems)
    assert any("'flag' is declared by the notebook but not given" in p for p in problems)
    assert any("'threshold' must be float, got bool" in p for p in problems)


def test_structural_errors_exit_2_listing_every_problem(processed, outputs, tmp_path, capsys):
    config = tmp_path / "reports.yml"
    config.write_text("years: [2022, \"2023\"]\nlanguages: [fr]\ncolour: blue\nreports:\n"
                      "  - {notebook: scores, unit_level: district, unit_codes: [246, \"247\"]}\n"
                      "  - {notebook: nope, unit_level: district, peer_group: districts_of_26}\n"
                      "  - {notebook: scores, unit_level: town, unit_code: [\"246\"]}\n",
                      encoding="utf-8")
    assert report.main(config=config) == report.EXIT_BAD_CONFIG
    err = capsys.readouterr().err
    for expected in ("years must be a list of integers", "languages must be a list of distinct",
                     "unknown key 'colour'", "unit code 246 must be a quoted string, e.g. \"246\"",
                     "no notebook notebooks/nope.ipynb", "unit_level must be one of",
                     "unknown key 'unit_code'", "give either unit_codes or peer_group"):
        assert expected in err, expected
    assert not (outputs / "executed").exists() and not (outputs / "html").exists()


def test_parameter_and_unit_errors_exit_2_before_any_kernel(processed, outputs, tmp_path, capsys,
                                                            monkeypatch):
    write_notebook(tmp_path / "nb" / "custom.ipynb",
                   STANDARD + "threshold: float = 0.5  # share\nflag: bool = False  # flag\n",
                   "x = 1")
    config = tmp_path / "reports.yml"
    config.write_text("years: [2023]\nnotebooks_dir: nb\nreports:\n"
                      "  - notebook: custom\n    data: scores\n    unit_level: district\n"
                      "    unit_codes: [\"246\", \"999\"]\n"
                      "    parameters: {threshold: high, colour: red}\n", encoding="utf-8")

    def no_kernels(*args, **kwargs):
        raise AssertionError("a kernel was started for an invalid plan")

    monkeypatch.setattr("lib.batch.pool.KernelSession._start_kernel", no_kernels)
    assert report.main(config=config) == report.EXIT_BAD_CONFIG
    err = capsys.readouterr().err
    assert "unknown district code(s) '999'" in err
    assert "unknown parameter 'colour'" in err
    assert "parameter 'flag' is declared by the notebook but not given" in err
    assert "parameter 'threshold' must be float, got str 'high'" in err


def test_unknown_selection_exits_2_and_dry_run_says_what_and_why(processed, outputs, capsys):
    assert report.main(units=["999"], dry_run=True) == report.EXIT_BAD_CONFIG
    assert "no report is configured for unit 999" in capsys.readouterr().err
    assert report.main(units=["246"], years=[2031], dry_run=True) == report.EXIT_BAD_CONFIG
    assert report.main(only=["scores"], units=["246"], dry_run=True) == report.EXIT_OK
    printed = capsys.readouterr().out
    assert "build  2023 246 Lập Thạch: scores [vi]  (new)" in printed
    assert "build  2023 246 Lập Thạch: scores [en]  (new)" in printed
    assert "4 reports planned: 4 to build, 0 up to date; 6 unit-years without data" in printed
    assert report.main(only=["scores"], units=["246"], languages=["en"], dry_run=True) == 0
    printed = capsys.readouterr().out
    assert "[vi]" not in printed and "2 reports planned: 2 to build" in printed
    assert not (outputs / "executed").exists()


def test_a_second_run_exits_3_naming_the_holder(outputs, capsys):
    lock = batch_state.RunLock(outputs).acquire("first-run")
    try:
        assert report.main(units=["246"]) == report.EXIT_LOCKED
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert "another report run is in progress" in err and "first-run" in err and "--wait" in err


def test_lock_wait_queues_behind_the_holder(tmp_path):
    holder = batch_state.RunLock(tmp_path).acquire("first")
    with pytest.raises(batch_state.LockHeld):
        batch_state.RunLock(tmp_path, wait=True, timeout=0.3).acquire("second")
    threading.Timer(0.5, holder.release).start()
    started = time.monotonic()
    waiter = batch_state.RunLock(tmp_path, wait=True, timeout=10).acquire("second")
    assert 0.3 < time.monotonic() - started < 5
    assert json.loads(waiter.path.read_text())["run_id"] == "second"
    waiter.release()


def test_rebuild_reasons(tmp_path):
    inputs = {"notebook": "a", "parameters": "p", "data": "d", "lib": "l", "requirements": "r",
              "python": "3.11", "runner": 1, "kernel": "k"}
    assert report.rebuild_reason(None, inputs, tmp_path) == "new"
    (tmp_path / "html" / "2023").mkdir(parents=True)
    (tmp_path / "html" / "2023" / "x.html").write_text("x")
    (tmp_path / "x.ipynb").write_text("{}")
    record = {"status": "built", "inputs": dict(inputs), "html": "2023/x.html",
              "executed": "x.ipynb"}
    assert report.rebuild_reason(record, inputs, tmp_path) == ""
    assert report.rebuild_reason(record, inputs, tmp_path, force=True) == "forced"
    changed = {**inputs, "data": "d2", "requirements": "r2"}
    assert report.rebuild_reason(record, changed, tmp_path) == \
        "processed data, pinned requirements changed"
    assert report.rebuild_reason({**record, "status": "failed"}, inputs, tmp_path) == \
        "last attempt failed"
    (tmp_path / "html" / "2023" / "x.html").unlink()
    assert report.rebuild_reason(record, inputs, tmp_path) == "output missing"


def test_dry_run_says_its_counts_are_in_each_language(processed, outputs, capsys):
    assert report.main(only=["scores"], units=["246"], dry_run=True) == report.EXIT_OK
    assert ("4 reports planned: 4 to build, 0 up to date; 6 unit-years without data "
            "(counted in each language: vi, en)\n") in capsys.readouterr().out
    assert report.main(only=["scores"], units=["246"], languages=["en"], dry_run=True) == 0
    assert "2 reports planned: 2 to build, 0 up to date; 3 unit-years without data\n" \
        in capsys.readouterr().out
