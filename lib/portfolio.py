"""The report portfolio: ``outputs/html/index.html`` and one page per unit, linking every report.

``index.html`` lists the years and units with the status of each report (built, stale, failed,
no data); ``units/<unit code>.html`` lists one unit's reports over the years. Every report
links back to both (see :mod:`lib.export`). Pages are plain, self-contained HTML with the
reports' stylesheet inlined and relative links only, so the ``outputs/html`` folder can be
zipped, e-mailed or served as it is. Every value from the data is escaped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from lib.formatting import escape, level_name
from lib.io import write_text_atomic
from lib.load import read_manifest
from lib.paths import TEMPLATES_DIR

NOTEBOOK_ORDER = ("scores", "infrastructure", "cashless", "overview")
NOTEBOOK_LABELS = {
    "en": {"scores": "DTI score and rank", "infrastructure": "Digital infrastructure",
           "cashless": "Cashless payments", "overview": "Province overview"},
    "vi": {"scores": "Điểm và thứ hạng DTI", "infrastructure": "Hạ tầng số",
           "cashless": "Thanh toán không dùng tiền mặt", "overview": "Tổng quan tỉnh"},
}
STATUSES = ("built", "stale", "failed", "no_data")
LEVEL_ORDER = {"country": 0, "province": 1, "district": 2, "commune": 3}
UNITS_DIR = "units"

LABELS = {
    "en": {
        "title": "Digital Transformation Index reports", "skip": "Skip to the content",
        "breadcrumb": "You are here", "all_reports": "All reports",
        "intro": "Reports on the Digital Transformation Index (DTI) of administrative units, built "
                 "from the published data in data/raw. Each report is one self-contained page "
                 "that works offline and prints on A4.",
        "legend": "Status: “built” links to the report; “stale” means the last rebuild failed "
                  "and the previous report is shown; “failed” means the report could not be "
                  "built (see the run summary); “no data” means nothing is published for that "
                  "unit and year in the sources used.",
        "summary": "{built} reports built, {stale} stale, {failed} failed; {no_data} "
                   "unit-years without data.",
        "years": "Years", "units": "Units", "unit": "Unit", "level": "Level", "code": "GSO code",
        "reports": "Reports built", "year": "Year", "unit_page": "All reports of {unit}",
        "status": {"built": "built", "stale": "stale", "failed": "failed", "no_data": "no data"},
        "stale_note": "last rebuild failed", "open": "{report}, {unit}, {year}",
        "synthetic": "Synthetic example data — not real results.",
        "data_version": "Data version (hash of the processed data)", "built": "Built",
        "project": "Project version", "unit_intro": "{level} · GSO code {code}",
        "unit_title": "{unit}: DTI reports",
    },
    "vi": {
        "title": "Báo cáo Chỉ số chuyển đổi số (DTI)", "skip": "Đến nội dung",
        "breadcrumb": "Vị trí", "all_reports": "Tất cả báo cáo",
        "intro": "Báo cáo Chỉ số chuyển đổi số (DTI) của các đơn vị hành chính, lập từ số liệu đã "
                 "công bố trong data/raw. Mỗi báo cáo là một trang độc lập, xem được khi không "
                 "có mạng và in trên khổ A4.",
        "legend": "Tình trạng: “đã tạo” dẫn tới báo cáo; “cũ” nghĩa là lần tạo lại gần nhất bị "
                  "lỗi và báo cáo trước được giữ; “lỗi” nghĩa là không tạo được báo cáo; “không "
                  "có số liệu” nghĩa là chưa có số liệu công bố cho đơn vị và năm đó.",
        "summary": "{built} báo cáo đã tạo, {stale} cũ, {failed} lỗi; {no_data} đơn vị-năm "
                   "không có số liệu.",
        "years": "Năm", "units": "Đơn vị", "unit": "Đơn vị", "level": "Cấp", "code": "Mã GSO",
        "reports": "Số báo cáo", "year": "Năm", "unit_page": "Các báo cáo của {unit}",
        "status": {"built": "đã tạo", "stale": "cũ", "failed": "lỗi",
                   "no_data": "không có số liệu"},
        "stale_note": "lần tạo lại gần nhất bị lỗi", "open": "{report}, {unit}, {year}",
        "synthetic": "Dữ liệu ví dụ tổng hợp — không phải kết quả thật.",
        "data_version": "Phiên bản dữ liệu (mã băm của dữ liệu đã xử lý)", "built": "Tạo lúc",
        "project": "Phiên bản dự án", "unit_intro": "{level} · Mã GSO {code}",
        "unit_title": "{unit}: báo cáo DTI",
    },
}


@dataclass(frozen=True)
class IndexEntry:
    """One cell of the portfolio: a notebook for a unit and year, and what became of it.

    ``status`` is ``built``, ``stale`` (the last build failed; the previous good HTML is kept),
    ``failed`` (no good HTML exists) or ``no_data``; ``html`` is the report's path relative to
    ``outputs/html`` (None unless built or stale).
    """

    notebook: str
    unit_code: str
    unit_name: str
    unit_level: str
    reference_year: int
    status: str
    html: str | None = None


def unit_page_href(unit_code: str) -> str:
    """Path of a unit's page relative to ``outputs/html``: ``units/246.html``.

    GSO codes are unique across levels (2 digits for provinces, 3 for districts, 5 for
    communes); any character other than a letter, digit, ``-`` or ``_`` becomes ``_``.
    """
    return f"{UNITS_DIR}/{re.sub(r'[^A-Za-z0-9_-]', '_', str(unit_code)) or '_'}.html"


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The reports' stylesheet (``lib/templates/dti_report/report.css``), inlined in each page."""
    return (TEMPLATES_DIR / "dti_report" / "report.css").read_text(encoding="utf-8")


def _notebook_label(notebook: str, lang: str) -> str:
    return NOTEBOOK_LABELS[lang].get(notebook, notebook)


def _status_cell(entry: IndexEntry, prefix: str, lang: str) -> str:
    """A table cell's content: a link for built/stale reports, the status in words otherwise."""
    words = LABELS[lang]
    status = entry.status if entry.status in STATUSES else "failed"
    if status in ("built", "stale") and entry.html:
        label = words["open"].format(report=_notebook_label(entry.notebook, lang),
                                     unit=entry.unit_name, year=entry.reference_year)
        link = (f'<a class="status-built" href="{escape(prefix + entry.html)}" '
                f'aria-label="{escape(words["status"]["built"] + ": " + label)}">'
                f'{escape(words["status"]["built"])}</a>')
        if status == "stale":
            link += (f' <span class="status-stale">({escape(words["status"]["stale"])}: '
                     f'{escape(words["stale_note"])})</span>')
        return link
    if status in ("built", "stale"):  # no HTML path recorded: nothing to link
        status = "failed"
    return f'<span class="status-{status}">{escape(words["status"][status])}</span>'


def _page(title: str, body: str, lang: str, crumbs: list[tuple[str, str | None]]) -> str:
    """A complete portfolio page. ``crumbs`` are (text, href or None for the current page)."""
    words = LABELS[lang]
    trail = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' if href else
                    f'<li aria-current="page">{escape(text)}</li>' for text, href in crumbs)
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>\n{stylesheet()}\n</style>\n</head>\n"
            '<body class="dti-portfolio">\n'
            f'<a class="dti-skip" href="#content">{escape(words["skip"])}</a>\n'
            f'<header class="dti-top"><nav aria-label="{escape(words["breadcrumb"])}">'
            f'<ol class="dti-breadcrumb">{trail}</ol></nav></header>\n'
            f'<main id="content">\n{body}\n</main>\n{_footer(lang)}\n</body>\n</html>\n')


def _footer(lang: str) -> str:
    from lib.export import project_version

    words = LABELS[lang]
    built_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    version = read_manifest().get("data_version", "unknown")
    return ('<footer class="dti-footer"><dl class="dti-build">'
            f'<div><dt>{escape(words["data_version"])}</dt><dd><code>{escape(version)}</code></dd></div>'
            f'<div><dt>{escape(words["built"])}</dt><dd>{escape(built_at)}</dd></div>'
            f'<div><dt>{escape(words["project"])}</dt>'
            f'<dd>dti-notebooks {escape(project_version())}</dd></div>'
            "</dl></footer>")


def _unit_key(entry: IndexEntry) -> tuple:
    return (LEVEL_ORDER.get(entry.unit_level, 9), entry.unit_code)


def write_index(entries: list[IndexEntry], html_dir: Path, lang: str = "en") -> Path:
    """Write ``index.html`` and one ``units/<code>.html`` page per unit in ``entries``.

    The index has, per year (newest first), one row per unit and one column per notebook, each
    cell a link when built (or stale) and "failed" or "no data" otherwise; a table of units
    links their pages. A unit page has one row per year. Returns the index's path.
    """
    html_dir = Path(html_dir)
    words = LABELS[lang]
    manifest = read_manifest()
    by_year: dict[int, dict[tuple, dict[str, IndexEntry]]] = defaultdict(lambda: defaultdict(dict))
    by_unit: dict[tuple, dict[int, dict[str, IndexEntry]]] = defaultdict(lambda: defaultdict(dict))
    units: dict[tuple, IndexEntry] = {}
    for entry in entries:
        key = _unit_key(entry)
        units.setdefault(key, entry)
        by_year[entry.reference_year][key][entry.notebook] = entry
        by_unit[key][entry.reference_year][entry.notebook] = entry
    counts = {s: sum(e.status == s for e in entries) for s in STATUSES}

    def notebooks_of(cells) -> list[str]:
        present = {n for row in cells for n in row}
        return [n for n in NOTEBOOK_ORDER if n in present] + sorted(present - set(NOTEBOOK_ORDER))

    def header_row(first: list[str], notebooks: list[str]) -> str:
        return ("<thead><tr>" + "".join(f'<th scope="col">{escape(t)}</th>' for t in first)
                + "".join(f'<th scope="col">{escape(_notebook_label(n, lang))}</th>'
                          for n in notebooks) + "</tr></thead>")

    def unit_link(key: tuple, prefix: str = "") -> str:
        unit = units[key]
        href = escape(prefix + unit_page_href(unit.unit_code))
        return f'<a href="{href}">{escape(unit.unit_name)}</a>'

    body = [f"<h1>{escape(words['title'])}</h1>"]
    if manifest.get("synthetic"):
        body.append(f'<p class="banner" role="alert">{escape(words["synthetic"])}</p>')
    body.append(f"<p>{escape(words['intro'])}</p>"
                f"<p class=\"dti-legend\">{escape(words['legend'])}</p>"
                f"<p><strong>{escape(words['summary'].format(**counts))}</strong></p>")
    years = sorted(by_year, reverse=True)
    if years:
        body.append(f'<nav aria-label="{escape(words["years"])}"><p>{escape(words["years"])}: '
                    + " · ".join(f'<a href="#y{y}">{y}</a>' for y in years) + "</p></nav>")
    body.append(f'<h2 id="units">{escape(words["units"])}</h2><table>'
                + header_row([words["unit"], words["level"], words["code"], words["reports"]], [])
                + "<tbody>")
    for key in sorted(units):
        unit = units[key]
        built = sum(e.status in ("built", "stale") and bool(e.html)
                    for row in by_unit[key].values() for e in row.values())
        body.append(f'<tr><th scope="row">{unit_link(key)}</th>'
                    f"<td>{escape(level_name(unit.unit_level, lang=lang))}</td>"
                    f"<td>{escape(unit.unit_code)}</td><td>{built}</td></tr>")
    body.append("</tbody></table>")
    for year in years:
        notebooks = notebooks_of(by_year[year].values())
        body.append(f'<h2 id="y{year}">{year}</h2><table>'
                    + header_row([words["unit"], words["code"]], notebooks) + "<tbody>")
        for key in sorted(by_year[year]):
            row = by_year[year][key]
            body.append(f'<tr><th scope="row">{unit_link(key)}</th>'
                        f'<td>{escape(units[key].unit_code)}</td>'
                        + "".join(f"<td>{_status_cell(row[n], '', lang) if n in row else ''}</td>"
                                  for n in notebooks) + "</tr>")
        body.append("</tbody></table>")
    index = write_text_atomic(html_dir / "index.html", _page(
        words["title"], "\n".join(body), lang, [(words["all_reports"], None)]))

    for key, per_year in by_unit.items():
        unit = units[key]
        notebooks = notebooks_of(per_year.values())
        page = [f"<h1>{escape(words['unit_title'].format(unit=unit.unit_name))}</h1>",
                "<p>" + escape(words["unit_intro"].format(
                    level=level_name(unit.unit_level, lang=lang).capitalize(), code=unit.unit_code))
                + "</p>"]
        if manifest.get("synthetic"):
            page.append(f'<p class="banner" role="alert">{escape(words["synthetic"])}</p>')
        page.append("<table>" + header_row([words["year"]], notebooks) + "<tbody>")
        for year in sorted(per_year, reverse=True):
            page.append(f'<tr><th scope="row">{year}</th>'
                        + "".join(f"<td>{_status_cell(per_year[year][n], '../', lang)}</td>"
                                  if n in per_year[year] else "<td></td>" for n in notebooks)
                        + "</tr>")
        page.append("</tbody></table>")
        write_text_atomic(html_dir / unit_page_href(unit.unit_code), _page(
            words["unit_title"].format(unit=unit.unit_name), "\n".join(page), lang,
            [(words["all_reports"], "../index.html"), (unit.unit_name, None)]))
    return index
