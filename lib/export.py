"""Export an executed notebook to a static, offline HTML report with nbconvert.

The project's template (``lib/templates/dti_report``, based on JupyterLab's) drops code,
prompts, stderr and the parameters cells, loads no script from any other host (no require.js,
MathJax or Mermaid), and adds a header and a footer with the sources, the data version, the
build date and the project version.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config

import lib
from lib.io import write_text_atomic
from lib.paths import TEMPLATES_DIR

HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell"}


def make_exporter() -> HTMLExporter:
    """An HTML exporter configured for reports (create once, reuse for many notebooks)."""
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = HIDDEN_TAGS
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="dti_report",
                            extra_template_basedirs=[str(TEMPLATES_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return exporter


def drop_stderr(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove stderr streams (warnings, progress bars) from code-cell outputs, in place."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return notebook


def export_html(executed: Path, html_path: Path, title: str, data_version: str,
                exporter: HTMLExporter | None = None, lang: str = "en") -> Path:
    """Write the HTML report of an executed notebook atomically; return its path."""
    notebook = drop_stderr(nbformat.read(executed, as_version=4))
    notebook.metadata["title"] = title
    resources = {
        "language_code": lang,
        "dti": {
            "title": title,
            "data_version": data_version,
            "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "project_version": lib.__version__,
            "index_href": "../index.html",
        },
    }
    body, _ = (exporter or make_exporter()).from_notebook_node(notebook, resources=resources)
    return write_text_atomic(html_path, body)
