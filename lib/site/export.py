"""Export an executed notebook to a static, self-contained, offline HTML report with nbconvert.

The project's template (``lib/site/templates/dti_report``, based on JupyterLab's) drops code,
prompts, stderr and the parameters cells, loads nothing from any other host (no require.js,
MathJax, Mermaid, widget or font CDN, and none of JupyterLab's stylesheets: the page carries its
own small stylesheet), and frames the notebook's outputs with:

- a breadcrumb back to the portfolio (``index.html``) and the unit's page (``units/<code>.html``)
  of the report's language, and links to the same report in the other languages (the layout
  of :mod:`lib.site.portfolio`: ``2023/246-scores.html`` and ``en/2023/246-scores.html``);
- after the title, the key figures (unit, year and the figures of the report's question) that
  the notebook passed in its title's output metadata (:func:`lib.present.display.show_title`,
  :mod:`lib.present.facts`), and a table of contents of the ``<h2>`` sections (their ids come from :func:`lib.present.display.show_heading`);
- under the key figures, a link to the report's workbook (``2023/246-scores.xlsx`` beside the
  page, relative, so it works offline and from the zipped folder): every table of the page
  and a sheet of their sources (:func:`write_workbook`);
- a footer listing the sources the report cites (the ids that :func:`lib.present.display.show_source`
  stores in each source line's output metadata), the data version (hash of the processed data),
  the build date and the project version.

Every word of the frame is a ``site`` message of :mod:`lib.messages` (``site.yml``), in the
report's language; the page's ``<html lang>`` is that language.
Everything that comes from data is escaped by the template (``| e``) or by :mod:`lib.present.display`.
Nothing here edits a notebook output: the outline is read from the outputs and handed to the
template through ``resources``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from lib.data import texts
from lib.data.files import write_atomic, write_text_atomic
from lib.data.paths import TEMPLATES_DIR
from lib.messages import DEFAULT_LANGUAGE, LANGUAGES, Messages, check_language
from lib.present import display
from lib.site.portfolio import frame, href, language_root, notebook_label, unit_page_href

HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell"}
SOURCES_ANCHOR = display.SOURCES_ANCHOR

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


def title_header(notebook: nbformat.NotebookNode, title_cell: int | None) -> dict:
    """The key figures the title's output carries in its metadata
    (:func:`lib.present.display.show_title`); ``{}`` when there is no title or none."""
    if title_cell is None:
        return {}
    for output in notebook.cells[title_cell].get("outputs", []):
        if _H1.search(_html_of(output)):
            return dict(output.get("metadata", {}).get("dti", {}).get("header", {}))
    return {}


def cited_sources(source_ids: list[str], lang: str = DEFAULT_LANGUAGE) -> list[dict]:
    """Rows of the ``sources`` table for ``source_ids`` (in that order): ``publisher``, ``type``,
    ``date`` and ``url``, as text. Publisher, type and date are in ``lang`` (:mod:`lib.data.texts`:
    "Bộ Thông tin và Truyền thông (mic.gov.vn)", "báo chí", "ngày 21/8/2024"; a text without a
    translation raises :class:`lib.data.texts.MissingText`). Unknown ids are skipped."""
    from lib.data.load import load_table

    if not source_ids:
        return []
    sources = load_table("sources").set_index("source_id")
    rows = [{key: "" if sources.loc[sid, key] is None else str(sources.loc[sid, key])
             for key in ("publisher", "type", "date", "url")}
            for sid in source_ids if sid in sources.index]
    out = []
    for row in rows:
        publisher = texts.data_text("publisher", row["publisher"], lang)
        kind = texts.data_text("source_type", row["type"], lang)
        out.append({**row, "publisher": publisher, "type": "" if kind in publisher else kind,
                    "date": texts.data_text("source_date", row["date"], lang)})
    return out


def report_tables(notebook: nbformat.NotebookNode) -> list[dict]:
    """The tables a report shows, in page order, read from the output metadata that
    :func:`lib.present.display.show_table` and :func:`lib.present.display.show_source` write.

    Returns one ``{"heading", "caption", "columns", "rows", "source_ids"}`` per table: the
    ``<h2>`` section it sits in (plain text, ``""`` before the first section), its cells
    (:func:`lib.present.display.table_cells`) and the source ids of the first source line after it in
    the same section (``[]`` when none follows).
    """
    tables, heading, waiting = [], "", []
    for cell in notebook.cells:
        if cell.cell_type != "code" or HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            found = _H2.findall(_html_of(output))
            if found:
                heading, waiting = html.unescape(_TAG.sub("", found[-1][1])).strip(), []
            meta = output.get("metadata", {}).get("dti", {})
            if "table" in meta:
                table = {"heading": heading, "caption": meta["table"].get("caption", ""),
                         "columns": list(meta["table"]["columns"]),
                         "rows": [list(r) for r in meta["table"]["rows"]], "source_ids": []}
                tables.append(table)
                waiting.append(table)
            if meta.get("source_ids"):
                for table in waiting:
                    table["source_ids"] = list(meta["source_ids"])
                waiting = []
    return tables


_PLAIN_NUMBER = re.compile(r"(?P<number>[-+]?\d[\d.,]*)(?P<percent>%?)(?P<unit>(?: [^\W\d_]+){0,3})")
"""A number, maybe a percent, maybe followed by up to three words of its unit ("744,213 điểm")."""


def excel_number(value, lang: str = DEFAULT_LANGUAGE) -> tuple[float | int, str] | None:
    """A cell the page shows as a number, as an Excel number and its number format, read with
    Babel in the report's language: "744,213" → ``(744.213, "0.000")`` in Vietnamese (the
    same text in English is 744 thousand), "1.000" → ``(1000, "#,##0")``, "97,4%" →
    ``(0.974, "0.0%")``, ``2023`` → ``(2023, "0")``; a unit after the number stays in the
    format, so the cell reads as on the page and computes as a number: "744,213 điểm" →
    ``(744.213, '0.000" điểm"')``. ``None`` for anything else ("1/9", "gần 559",
    "0,8002 (800,2 điểm)", "chưa có số liệu"), which stays text."""
    from decimal import Decimal

    from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal

    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value, "0" if isinstance(value, int) else "General"
    match = _PLAIN_NUMBER.fullmatch(" ".join(str(value).replace("\u2212", "-").split()))
    if not match:
        return None
    text, percent, unit = match["number"], bool(match["percent"]), match["unit"]
    try:
        number = parse_decimal(text, locale=lang, strict=True)
    except NumberFormatError:
        return None
    decimals = len(text.split(get_decimal_symbol(lang))[1]) if get_decimal_symbol(lang) in text else 0
    grouped = get_group_symbol(lang) in text
    pattern = ("#,##0" if grouped else "0") + ("." + "0" * decimals if decimals else "")
    unit = f'"{unit}"' if unit else ""
    if percent:
        return float(number / Decimal(100)), pattern + "%" + unit
    return (float(number) if decimals else int(number)), pattern + unit


def _sheet_name(number: int, heading: str, taken: set, words: Messages) -> str:
    """An Excel sheet name (at most 31 characters, none of ``[]:*?/\\``, unique)."""
    name = words("site.workbook.sheet", number=str(number), heading=heading) if heading \
        else words("site.workbook.sheet_untitled", number=str(number))
    name = re.sub(r"[\[\]:*?/\\]", " ", name).strip()
    if len(name) > 31:
        name = name[:30].rsplit(" ", 1)[0].rstrip(" ,.;–-") + "…"
    while name in taken:
        name = name[:28] + f" {number}"
    taken.add(name)
    return name


def write_workbook(tables: list[dict], path: Path, title: str,
                   lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write a report's tables (:func:`report_tables`) into one ``.xlsx`` with
    :class:`pandas.ExcelWriter` (openpyxl) and return its path (written atomically).

    One sheet per table, named "1. Kết quả" (its number and section, cut to Excel's 31
    characters): the section heading on the first row, then the table with its header row as
    the page shows it; numbers are Excel numbers (:func:`excel_number`), everything else the
    page's text. A last sheet "Nguồn" / "Sources" lists, per table, each cited source's
    publisher, type, date and link (:func:`cited_sources`). Every word comes from the ``site``
    messages of ``lang``.
    """
    import pandas as pd

    words = Messages(lang)

    def write(tmp: Path) -> None:
        taken: set[str] = set()
        source_rows = []
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for number, table in enumerate(tables, start=1):
                name = _sheet_name(number, table["heading"], taken, words)
                _table_sheet(writer, name, table, title, lang)
                cited = cited_sources(table["source_ids"], lang)
                source_rows += [[name, s["publisher"], s["type"], s["date"], s["url"]]
                                for s in cited] \
                    or [[name, words("site.workbook.not_recorded"), "", "", ""]]
            _sources_sheet(writer, source_rows, title, words)

    return write_atomic(path, write)


def _table_sheet(writer, name: str, table: dict, title: str, lang: str) -> None:
    """One report table on its own sheet: heading, header row, rows (numbers as numbers)."""
    import pandas as pd
    from openpyxl.styles import Font

    pd.DataFrame(table["rows"], columns=table["columns"]).to_excel(
        writer, sheet_name=name, index=False, startrow=2)
    sheet = writer.sheets[name]
    sheet.cell(row=1, column=1, value=table["caption"] or table["heading"] or title).font = \
        Font(bold=True, size=12)
    for r, row in enumerate(table["rows"], start=4):
        for c, value in enumerate(row, start=1):
            number = excel_number(value, lang)
            if number is not None:
                cell = sheet.cell(row=r, column=c, value=number[0])
                cell.number_format = number[1]
    for c, column in enumerate(table["columns"], start=1):
        longest = max([len(str(column))] + [len(str(r[c - 1])) for r in table["rows"]])
        sheet.column_dimensions[sheet.cell(row=3, column=c).column_letter].width = \
            min(60, max(10, longest + 2))
    sheet.freeze_panes = "A4"


def _sources_sheet(writer, source_rows: list[list[str]], title: str, words: Messages) -> None:
    """The last sheet: each table's cited sources (publisher, type, date, link)."""
    import pandas as pd
    from openpyxl.styles import Font

    columns = [words(f"site.workbook.column.{key}")
               for key in ("sheet", "publisher", "type", "date", "link")]
    sheet_name = words("site.workbook.sources_sheet")
    pd.DataFrame(source_rows, columns=columns).to_excel(writer, sheet_name=sheet_name,
                                                        index=False, startrow=2)
    sheet = writer.sheets[sheet_name]
    sheet.cell(row=1, column=1, value=words("site.workbook.sources_title", title=title)).font = \
        Font(bold=True, size=12)
    for r, row in enumerate(source_rows, start=4):
        if row[4]:
            sheet.cell(row=r, column=5).hyperlink = row[4]
            sheet.cell(row=r, column=5).style = "Hyperlink"
    for letter, width in zip("ABCDE", (32, 50, 18, 22, 60)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"


def export_html(executed: Path | nbformat.NotebookNode, html_path: Path, title: str,
                data_version: str, exporter: HTMLExporter | None = None,
                lang: str = DEFAULT_LANGUAGE, html_dir: Path | None = None,
                languages=LANGUAGES) -> Path:
    """Write the HTML report of an executed notebook atomically; return its path.

    ``executed`` is the executed notebook's file, or the notebook itself (then changed in
    place: stderr outputs dropped, page metadata added). ``lang`` is the report's language
    unless the notebook's papermill parameters name one.
    ``html_dir`` is the portfolio folder (see :mod:`lib.site.portfolio`; by default the folder above
    the year folder and the language's folder); the page links relatively to its language's
    index and unit page, and to the same report in each other language of ``languages``.
    The notebook's papermill metadata (input path and parameters) says which report it is (its
    label) and its language; the key figures are those its title's output carries. When the page shows tables, their workbook
    (:func:`write_workbook`) is written beside the page with the same name and ``.xlsx``. Raises ``ValueError`` for an unknown language.
    """
    html_path = Path(html_path)
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
    lang = check_language(parameters.get("lang", lang))
    if html_dir is None:
        html_dir = html_path.parent.parent
        html_dir = html_dir.parent if language_root(lang) and html_dir.name == lang else html_dir
    html_dir = Path(html_dir)

    found = outline(notebook)
    if found["title_cell"] is not None:
        notebook.cells[found["title_cell"]].metadata["dti_header_after"] = True
    header = title_header(notebook, found["title_cell"])
    unit_page = html_dir / language_root(lang) / unit_page_href(header["unit_code"]) \
        if header else None
    resources = {
        "language_code": lang,
        "dti": {
            **frame(lang, html_path, html_dir, languages, data_version),
            "title": title,
            "header": header,
            "header_first": found["title_cell"] is None,
            "notebook_label": notebook_label(notebook_name, lang),
            "toc": found["toc"],
            "sources_anchor": SOURCES_ANCHOR,
            "sources": cited_sources(found["source_ids"], lang),
            "unit_href": href(unit_page, html_path) if unit_page else "",
        },
    }
    tables = report_tables(notebook)
    if tables:  # the workbook lies beside the page, linked relatively (works from a zip)
        workbook = write_workbook(tables, html_path.with_suffix(".xlsx"), title, lang)
        resources["dti"]["xlsx_href"] = workbook.name
    body, _ = (exporter or make_exporter()).from_notebook_node(notebook, resources=resources)
    return write_text_atomic(html_path, body)
