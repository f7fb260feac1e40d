"""Export an executed notebook to a static, self-contained, offline HTML report with nbconvert.

The project's template (``lib/templates/dti_report``, based on JupyterLab's) drops code,
prompts, stderr and the parameters cells, loads nothing from any other host (no require.js,
MathJax, Mermaid, widget or font CDN, and none of JupyterLab's stylesheets: the page carries its
own small stylesheet), and frames the notebook's outputs with:

- a breadcrumb back to the portfolio (``index.html``) and the unit's page (``units/<code>.html``);
- after the title, the key figures (unit, year and the figures of the report's question, looked
  up by :func:`header_facts` in the same processed data the notebook used) and a table of
  contents of the ``<h2>`` sections (their ids come from :func:`lib.display.show_heading`);
- a footer listing the sources the report cites (the ids that :func:`lib.display.show_source`
  stores in each source line's output metadata), the data version (hash of the processed data),
  the build date and the project version.

Everything that comes from data is escaped by the template (``| e``) or by :mod:`lib.display`.
Nothing here edits a notebook output: the outline is read from the outputs and handed to the
template through ``resources``.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

import lib
from lib.io import write_text_atomic
from lib.paths import ROOT, TEMPLATES_DIR

HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell"}
SOURCES_ANCHOR = "dti-sources"

LABELS = {
    "en": {
        "skip": "Skip to the report", "breadcrumb": "You are here", "all_reports": "All reports",
        "unit_reports": "all reports of {unit}", "key_figures": "Key figures", "unit": "Unit",
        "year": "Reference year", "code": "GSO code", "contents": "Contents",
        "sources": "Sources cited", "sources_none": "See the source line under each table.",
        "data_version": "Data version (hash of the processed data)", "built": "Built",
        "project": "Project version", "trace": "Every number is traceable to a file in data/raw "
        "(see the source line under each table) and to the source it cites.",
        "score": "DTI score", "rank": "Rank", "previous": "Rank in {year}",
        "national_rank": "National DTI rank",
        "children_scored": "{children} with a published score",
        "first": "First", "published": "Published figures", "not_published": "not published",
        "of": "{level} of {parent}", "among": "among {peers}",
    },
    "vi": {
        "skip": "Đến nội dung báo cáo", "breadcrumb": "Vị trí", "all_reports": "Tất cả báo cáo",
        "unit_reports": "các báo cáo của {unit}", "key_figures": "Số liệu chính", "unit": "Đơn vị",
        "year": "Năm số liệu", "code": "Mã GSO", "contents": "Mục lục",
        "sources": "Nguồn trích dẫn", "sources_none": "Xem dòng nguồn dưới mỗi bảng.",
        "data_version": "Phiên bản dữ liệu (mã băm của dữ liệu đã xử lý)", "built": "Tạo lúc",
        "project": "Phiên bản dự án", "trace": "Mỗi con số đều truy được về một tệp trong "
        "data/raw (xem dòng nguồn dưới mỗi bảng) và nguồn mà tệp đó trích dẫn.",
        "score": "Điểm DTI", "rank": "Thứ hạng", "previous": "Thứ hạng năm {year}",
        "national_rank": "Thứ hạng DTI quốc gia", "children_scored": "Số {children} có điểm",
        "first": "Đứng đầu", "published": "Số liệu đã công bố", "not_published": "không công bố",
        "of": "{level} thuộc {parent}", "among": "trong {peers}",
    },
}

_H1 = re.compile(r"<h1[\s>]")
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_TAG = re.compile(r"<[^>]+>")


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
    exporter.optimistic_validation = True  # validate once, not after each preprocessor
    return exporter


def drop_stderr(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove stderr streams (warnings, progress bars) from code-cell outputs, in place."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return notebook


def _html_of(output: dict) -> str:
    value = output.get("data", {}).get("text/html", "")
    return "".join(value) if isinstance(value, list) else value


def outline(notebook: nbformat.NotebookNode) -> dict:
    """What the page frame needs from the notebook's visible outputs, read without changing them.

    Returns ``{"toc": [(anchor, text)], "source_ids": [...], "title_cell": index or None}``:
    the ``<h2 id=…>`` section headings in order (text unescaped, the template escapes it again),
    the source ids stored in output metadata (first appearance order, no repeats), and the index
    of the first cell whose output holds the ``<h1>`` title (the key figures follow it).
    """
    toc, source_ids, title_cell = [], [], None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            markup = _html_of(output)
            if title_cell is None and _H1.search(markup):
                title_cell = index
            toc += [(anchor, html.unescape(_TAG.sub("", text)).strip())
                    for anchor, text in _H2.findall(markup)]
            source_ids += output.get("metadata", {}).get("dti", {}).get("source_ids", [])
    return {"toc": toc, "source_ids": list(dict.fromkeys(source_ids)), "title_cell": title_cell}


def cited_sources(source_ids: list[str]) -> list[dict]:
    """Rows of the ``sources`` table for ``source_ids`` (in that order): ``publisher``, ``type``,
    ``date`` and ``url``, as text. Unknown ids are skipped."""
    from lib.load import load_table

    if not source_ids:
        return []
    sources = load_table("sources").set_index("source_id")
    return [{key: "" if sources.loc[sid, key] is None else str(sources.loc[sid, key])
             for key in ("publisher", "type", "date", "url")}
            for sid in source_ids if sid in sources.index]


def header_facts(notebook_name: str, parameters: dict, lang: str = "en") -> dict:
    """The key figures shown under a report's title, looked up in the processed data.

    ``parameters`` are the notebook's papermill parameters (``unit_code``, ``unit_level``,
    ``reference_year``). Returns ``{"unit_name", "unit_line", "year", "facts": [(label, value)]}``
    with plain text (the template escapes it): for ``scores`` the DTI score, the rank among peers
    and the previous year's rank; for ``overview`` how many children have a published score, who
    is first and the province's national rank; for ``infrastructure`` and ``cashless`` the
    number of published figures and the first three of them. A value that is not published
    says so. Returns ``{}`` when the parameters do not name a unit.
    """
    from lib import narrative as say
    from lib import profiles
    from lib.formatting import format_rank, format_score, is_missing, level_name, no_data, ordinal

    if not {"unit_code", "unit_level", "reference_year"} <= set(parameters):
        return {}
    words = LABELS[lang]
    year = int(parameters["reference_year"])
    unit = profiles.get_unit(str(parameters["unit_code"]), parameters["unit_level"], year)
    level = level_name(unit.level, lang=lang)
    parent = unit.parent_name or unit.parent_code
    unit_line = words["of"].format(level=level, parent=parent) if parent else level
    facts: list[tuple[str, str]] = []

    def rank_text(row) -> str:
        if row is None:
            return words["not_published"]
        text = format_rank(row["rank"], row["rank_of"], row["rank_text"], lang)
        return words["not_published"] if text == no_data(lang) else text

    if notebook_name == "scores":
        group = profiles.peer_group_of(unit.code, unit.level, year)
        row = say.row_of(profiles.peer_scores(group, year), unit.code) if group else None
        score = None if row is None or is_missing(row["score"]) else row["score"]
        facts.append((words["score"], words["not_published"] if score is None
                      else format_score(score, row["scale"], lang)))
        rank = rank_text(row)
        if group and rank != words["not_published"]:
            rank += " " + words["among"].format(peers=say.peer_label(group, unit, lang))
        facts.append((words["rank"], rank))
        previous = say.row_of(profiles.unit_history(unit.code, group), unit.code, year - 1) \
            if group else None
        facts.append((words["previous"].format(year=year - 1),
                      words["not_published"] if previous is None or is_missing(previous["rank"])
                      else ordinal(previous["rank"], lang)))
    elif notebook_name == "overview":
        level_below = profiles.child_level(unit.level)
        children = profiles.peer_scores(profiles.child_peer_group(unit, level_below), year)
        plural = level_name(level_below, plural=True, lang=lang)
        scored = int(children["score"].notna().sum())
        facts.append((words["children_scored"].format(children=plural).capitalize(),
                      f"{scored} / {len(children)}"))
        first = children[children["rank"] == 1]["unit_name"].tolist()
        facts.append((words["first"], ", ".join(first) or words["not_published"]))
        national = profiles.unit_history(unit.code, "province_63")
        facts.append((words["national_rank"], rank_text(say.row_of(national, unit.code, year))))
    elif notebook_name in ("infrastructure", "cashless"):
        themes = (profiles.INFRASTRUCTURE_THEMES if notebook_name == "infrastructure"
                  else profiles.CASHLESS_THEMES)
        figures = profiles.unit_indicators(unit.code, year, themes)
        facts.append((words["published"], str(len(figures))))
        if len(figures):
            table = say.indicator_table(figures, lang)
            facts += [(str(name), str(value))
                      for name, value in table.iloc[:3, :2].itertuples(index=False)]
    return {"unit_name": unit.name, "unit_code": unit.code, "unit_line": unit_line,
            "year": year, "facts": facts}


@lru_cache(maxsize=1)
def project_version() -> str:
    """``lib.__version__``, with the short git commit when the code is a git checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{lib.__version__} (git {commit})" if commit else lib.__version__


def _href(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def export_html(executed: Path | nbformat.NotebookNode, html_path: Path, title: str,
                data_version: str, exporter: HTMLExporter | None = None, lang: str = "en",
                html_dir: Path | None = None) -> Path:
    """Write the HTML report of an executed notebook atomically; return its path.

    ``executed`` is the executed notebook's file, or the notebook itself (then changed in
    place: stderr outputs dropped, page metadata added).
    ``html_dir`` is the portfolio folder holding ``index.html`` and ``units/`` (by default the
    parent of the year folder, ``html_path.parent.parent``); the page links to them relatively.
    The notebook's papermill metadata (input path and parameters) says which report it is and
    for which unit, to look up the key figures.
    """
    from lib.portfolio import NOTEBOOK_LABELS, unit_page_href

    html_path = Path(html_path)
    html_dir = Path(html_dir) if html_dir else html_path.parent.parent
    if isinstance(executed, nbformat.NotebookNode):
        notebook, file_name = executed, "notebook.ipynb"
    else:
        notebook, file_name = nbformat.read(executed, as_version=4), Path(executed).name
    notebook = drop_stderr(notebook)
    notebook.metadata["title"] = title
    papermill = notebook.metadata.get("papermill", {})
    parameters = dict(papermill.get("parameters", {}))
    input_path = papermill.get("input_path") or file_name
    notebook_name = Path(input_path).stem
    lang = parameters.get("lang", lang) if parameters.get("lang") in LABELS else lang

    found = outline(notebook)
    if found["title_cell"] is not None:
        notebook.cells[found["title_cell"]].metadata["dti_header_after"] = True
    header = header_facts(notebook_name, parameters, lang)
    unit_href = _href(html_dir / unit_page_href(header["unit_code"]), html_path) if header else ""
    resources = {
        "language_code": lang,
        "dti": {
            "lang": lang,
            "title": title,
            "labels": LABELS[lang],
            "header": header,
            "header_first": found["title_cell"] is None,
            "notebook_label": NOTEBOOK_LABELS.get(lang, NOTEBOOK_LABELS["en"]).get(
                notebook_name, notebook_name),
            "toc": found["toc"],
            "sources_anchor": SOURCES_ANCHOR,
            "sources": cited_sources(found["source_ids"]),
            "data_version": data_version,
            "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "project_version": project_version(),
            "index_href": _href(html_dir / "index.html", html_path),
            "unit_href": unit_href,
        },
    }
    body, _ = (exporter or make_exporter()).from_notebook_node(notebook, resources=resources)
    return write_text_atomic(html_path, body)
