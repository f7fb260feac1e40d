"""lib.data.code: a report's fingerprint covers the code its notebook imports, not the runner."""

from __future__ import annotations

import json
import shutil

from lib.data import code
from lib.batch.pool import notebook_imports
from lib.data.paths import NOTEBOOKS_DIR

LIB = code.LIB_DIR


def scores_roots() -> list[str]:
    notebook = json.loads((NOTEBOOKS_DIR / "scores.ipynb").read_text(encoding="utf-8"))
    return [*notebook_imports(notebook), *code.EXPORTER]


def test_the_scores_report_depends_on_its_imports_and_the_exporter_only():
    graph = code.import_graph()
    modules = code.closure(scores_roots(), graph)
    assert {"lib.present.narrative", "lib.present.display", "lib.messages", "lib.site.export",
            "lib.data.load"} <= modules
    assert not {m for m in modules if m.startswith(("lib.batch", "lib.staff", "lib.build"))}
    files = {p.relative_to(LIB).as_posix() for p in code.code_files(modules)}
    assert {"messages/vi/report.yml", "messages/en/report.yml",
            "data/reference/dti_indicators.csv"} <= files
    assert any(f.startswith("site/templates/dti_report/") for f in files)
    assert not any(f.startswith("batch/") for f in files)  # the runner is no dependency


def test_editing_the_runner_changes_no_report_or_data_fingerprint(tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(LIB, lib, ignore=shutil.ignore_patterns("__pycache__"))
    graph = code.import_graph(lib)

    def hashes() -> tuple[str, str]:
        return (code.code_hash(scores_roots(), graph, lib), code.code_hash(code.BUILD, graph, lib))

    report, data = hashes()
    run = lib / "batch" / "run.py"
    run.write_text(run.read_text(encoding="utf-8") + "\n# a progress line edited\n",
                   encoding="utf-8")
    assert hashes() == (report, data)
    catalogue = lib / "messages" / "vi" / "report.yml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "\n# a wording edited\n",
                         encoding="utf-8")
    edited_report, edited_data = hashes()
    assert edited_report != report
    narrative = lib / "present" / "narrative.py"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n# edited\n",
                         encoding="utf-8")
    assert hashes()[0] != edited_report and hashes()[1] == edited_data  # the build skips present
    parse = lib / "data" / "parse.py"
    parse.write_text(parse.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert hashes()[1] != edited_data
