"""The report portfolio: ``outputs/html/index.html`` linking every report by year and unit.

Plain, self-contained HTML with relative links only, so the ``outputs/html`` folder can be
zipped, e-mailed or served as it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import lib
from lib.formatting import escape
from lib.io import write_text_atomic
from lib.load import read_manifest

CSS = """body{font-family:"DejaVu Sans","Segoe UI",Arial,sans-serif;max-width:60rem;margin:0 auto;
padding:0 1rem;color:#1a1a1a;line-height:1.5}h1{font-size:1.7rem}h2{font-size:1.25rem;
border-bottom:2px solid #0173b2;margin-top:2rem}table{border-collapse:collapse}th,td{border-bottom:
1px solid #ddd;padding:.3rem .7rem;text-align:left}th{background:#f2f2f2}.failed{color:#a00;
font-weight:700}.nodata{color:#666;font-style:italic}.banner{background:#7a0000;color:#fff;
padding:.6rem 1rem;font-weight:700}footer{margin-top:3rem;border-top:1px solid #ccc;font-size:.85rem;
color:#444}"""
NOTEBOOK_ORDER = ("scores", "infrastructure", "cashless", "overview")


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


def _cell(entry: IndexEntry) -> str:
    if entry.status in ("built", "stale") and entry.html:
        link = f'<a href="{escape(entry.html)}">{escape(entry.notebook)}</a>'
        return link + (' <span class="failed">(stale: last rebuild failed)</span>'
                       if entry.status == "stale" else "")
    if entry.status == "failed":
        return '<span class="failed">failed</span>'
    return '<span class="nodata">no data</span>'


def write_index(entries: list[IndexEntry], html_dir: Path) -> Path:
    """Write ``index.html``: per year, one row per unit, one cell per notebook (a link when
    built, "failed" or "no data" otherwise). Returns its path."""
    html_dir = Path(html_dir)
    cells: dict[int, dict[tuple[str, str], dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for entry in entries:
        cells[entry.reference_year][(entry.unit_code, entry.unit_name)][entry.notebook] = _cell(entry)
    manifest = read_manifest()
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             f"<title>DTI reports</title><style>{CSS}</style></head><body><main>"]
    if manifest.get("synthetic"):
        parts.append('<p class="banner" role="alert">Synthetic example data — not real results.</p>')
    parts.append("<h1>Digital Transformation Index reports</h1>"
                 "<p>Reports built from the published data in <code>data/raw</code>. "
                 "“No data” means nothing is published for that unit and year in the sources "
                 "used; “failed” means the report could not be built (see the run summary).</p>")
    for year in sorted(cells, reverse=True):
        notebooks = [n for n in NOTEBOOK_ORDER if any(n in c for c in cells[year].values())]
        parts.append(f"<h2 id=\"y{year}\">{year}</h2><table><thead><tr><th scope=\"col\">Code</th>"
                     "<th scope=\"col\">Unit</th>"
                     + "".join(f"<th scope=\"col\">{escape(n)}</th>" for n in notebooks)
                     + "</tr></thead><tbody>")
        for (code, name), row in sorted(cells[year].items()):
            parts.append(f"<tr><td>{escape(code)}</td><th scope=\"row\">{escape(name)}</th>"
                         + "".join(f"<td>{row.get(n, '')}</td>" for n in notebooks) + "</tr>")
        parts.append("</tbody></table>")
    built_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer><p>Data version {escape(manifest.get('data_version', 'unknown'))} · "
                 f"built {built_at} · dti-notebooks {lib.__version__}</p></footer>"
                 "</main></body></html>")
    return write_text_atomic(html_dir / "index.html", "\n".join(parts))
