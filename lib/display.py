"""Show report blocks in a notebook as static HTML: headings, findings, tables, source lines.

All data text is escaped (:func:`lib.formatting.escape`); output is plain HTML that nbconvert
embeds, so exported reports need no scripts and work offline.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from lib.formatting import NO_DATA, escape, is_missing
from lib.load import load_table, read_manifest

SYNTHETIC_BANNER = {
    "en": "Synthetic example data — not real results. Generated for testing and demonstration.",
    "vi": "Dữ liệu ví dụ tổng hợp — không phải kết quả thật. Chỉ dùng để kiểm thử và minh họa.",
}


def show_html(markup: str) -> None:
    """Display trusted markup (built by this module from escaped parts)."""
    display(HTML(markup))


def show_heading(text: str, level: int = 2) -> None:
    """A section heading (``<h2>`` by default)."""
    show_html(f"<h{level}>{escape(text)}</h{level}>")


def show_finding(text: str) -> None:
    """The one-sentence finding that opens a section."""
    show_html(f'<p class="dti-finding">{escape(text)}</p>')


def show_note(text: str, kind: str = "note") -> None:
    """A note paragraph; ``kind`` is ``note``, ``warning`` (definitions differ, conflicts) or
    ``gap`` (data not published)."""
    show_html(f'<p class="dti-{escape(kind)}">{escape(text)}</p>')


def show_table(table: pd.DataFrame, caption: str = "", lang: str = "en") -> None:
    """A static table with header cells; missing cells read "no data"."""
    shown = table.astype(object).where(table.notna(), NO_DATA[lang])
    markup = shown.to_html(index=False, escape=True, border=0, classes="dti-table")
    if caption:
        markup = markup.replace(">", f"><caption>{escape(caption)}</caption>", 1)
    show_html(markup)


def show_synthetic_banner(lang: str = "en") -> None:
    """Show the synthetic-data banner when the processed data are the synthetic panel."""
    if read_manifest().get("synthetic"):
        show_html(f'<p class="dti-synthetic-banner" role="alert">{escape(SYNTHETIC_BANNER[lang])}</p>')


def cite(source_ids: "pd.Series | list[str] | str", raw_refs: "list[tuple[str, int]] | None" = None,
         lang: str = "en") -> str:
    """Source line text for a set of ``;``-joined source ids, with the raw file rows.

    Returns e.g. "Source: Ministry of Information and Communications (mic.gov.vn), 2024-08-21,
    https://… — data/raw/dti_district_vinhphuc.csv, row 13."
    """
    if isinstance(source_ids, str):
        source_ids = [source_ids]
    ids = list(dict.fromkeys(i for cell in source_ids if not is_missing(cell)
                             for i in str(cell).split(";") if i))
    sources = load_table("sources").set_index("source_id")
    parts = []
    for sid in ids:
        if sid in sources.index:
            s = sources.loc[sid]
            parts.append(f"{s['publisher']}, {s['date']}, {s['url']}")
    label = "Source" if lang == "en" else "Nguồn"
    text = f"{label}: " + ("; ".join(parts) if parts else ("not recorded" if lang == "en" else "không ghi"))
    if raw_refs:
        by_file: dict[str, list[int]] = {}
        for file, row in raw_refs:
            if file:
                by_file.setdefault(file, []).append(int(row))
        refs = "; ".join(f"data/raw/{f}, row{'s' if len(r) > 1 else ''} "
                         f"{', '.join(str(x) for x in sorted(set(r)))}" for f, r in by_file.items())
        text += f" — {refs}"
    return text + "."


def show_source(table: pd.DataFrame, lang: str = "en") -> None:
    """Show the source line under a chart or table built from rows of a processed table
    (uses its ``source_ids``, ``raw_file`` and ``raw_row`` columns)."""
    refs = list(zip(table["raw_file"], table["raw_row"])) if "raw_file" in table else None
    show_html(f'<p class="dti-source">{escape(cite(table["source_ids"], refs, lang))}</p>')


def show_figure(fig, alt: str, caption: str = "") -> None:
    """Embed a matplotlib figure as a PNG inside a ``<figure>`` with alt text and a caption,
    then close it. The image travels inside the HTML (no external file, works offline)."""
    import base64
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    show_html(f'<figure class="dti-figure"><img src="data:image/png;base64,{data}" '
              f'alt="{escape(alt)}">{caption_html}</figure>')
