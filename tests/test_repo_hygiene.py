"""Repository rules: clean notebooks, provenance for every raw file, lib/ tracked, pins."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from lib.batch.config import declared_parameters, load_config
from lib.data.paths import NOTEBOOKS_DIR, RAW_DIR, ROOT
from lib.data.sources import SIDECAR_KEYS, load_sidecar, raw_data_files

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
REPORT_NOTEBOOKS = ["cashless", "infrastructure", "overview", "scores"]


def test_the_four_report_notebooks_and_explore_exist():
    assert [p.stem for p in NOTEBOOKS] == ["cashless", "explore", "infrastructure", "overview",
                                           "scores"]


@pytest.mark.parametrize("config", ["reports.yml", "reports-demo.yml"])
def test_explore_is_not_a_published_report(config):
    # the runner builds only the notebooks a configuration lists
    entries = load_config(ROOT / config).entries
    assert sorted({entry["notebook"] for entry in entries}) == REPORT_NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_are_typed_with_a_default_and_a_comment(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    lines = "".join(cell["source"]).splitlines()
    assert lines and all(re.fullmatch(r"\w+: (str|int|float|bool) = \S.*  # \S.*", line)
                         for line in lines)
    assert "unit_code" in declared_parameters(path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_are_in_the_first_code_cell_and_no_warning_is_hidden(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"
            and "parameters" not in c["metadata"].get("tags", [])]
    importing = [i for i, source in enumerate(code)
                 if re.search(r"^(import|from) \S", source, flags=re.M)]
    assert importing == [0]
    assert "filterwarnings" not in "".join(code) and "noqa: E402" not in "".join(code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs_and_one_parameters_cell(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert notebook["cells"][0]["cell_type"] == "markdown"


@pytest.mark.parametrize("path", raw_data_files(RAW_DIR), ids=lambda p: p.name)
def test_raw_file_has_a_complete_sidecar(path):
    meta = load_sidecar(path)
    assert set(SIDECAR_KEYS) <= set(meta)
    assert meta["url"] and meta["trust"] and meta["number_format"]["decimal"] in (".", ",")


def test_lib_is_not_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", "lib/__init__.py"], cwd=ROOT)
    assert result.returncode == 1  # 1 = not ignored


def test_requirements_are_all_pinned():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines and all("==" in line for line in lines)
    names = {line.split("==")[0].lower() for line in lines}
    assert {"jupyterlab", "pandas", "matplotlib", "seaborn", "scipy", "papermill",
            "nbconvert", "pandera", "pyarrow"} <= names


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_layout_names_every_module_of_lib():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    listed, folder = set(), []
    for line in layout.splitlines():
        name = line.split()[0] if line.strip() else ""
        depth = (len(line) - len(line.lstrip())) // 2
        if name.endswith("/"):
            folder[depth:] = [name]
        elif name.endswith(".py"):
            listed.add("".join(folder[:depth]) + name)
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "lib").rglob("*.py")
               if p.name != "__init__.py" or p.parent.name == "lib"}
    modules = {m for m in modules if "/datasets/" not in m}  # one line for the folder
    assert sorted(modules - listed) == [] and sorted(listed - modules) == []
