"""Show report blocks in a notebook as static HTML: headings, findings, tables, source lines.

All data text is escaped (:func:`lib.formatting.escape`); output is plain HTML that nbconvert
embeds, so exported reports need no scripts and work offline.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
from IPython.display import HTML, display

from lib import texts
from lib.formatting import escape, is_missing, no_data
from lib.load import load_table, read_manifest
from lib.messages import render


def show_html(markup: str) -> None:
    """Display trusted markup (built by this module from escaped parts)."""
    display(HTML(markup))


def heading_id(text: str) -> str:
    """A stable ASCII anchor for a heading: "Change from the previous year" →
    ``s-change-from-the-previous-year``; Vietnamese letters lose their marks (đ → d)."""
    ascii_text = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = ascii_text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return f"s-{slug[:60].rstrip('-') or 'section'}"


def show_heading(text: str, level: int = 2) -> None:
    """A section heading (``<h2>`` by default) with an ``id`` from :func:`heading_id`; the
    exported report's table of contents links the ``<h2>`` headings by that id."""
    show_html(f'<h{level} id="{heading_id(text)}">{escape(text)}</h{level}>')


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def show_finding(text: str) -> None:
    """The one-sentence finding that opens a section (first letter upper-case)."""
    show_html(f'<p class="dti-finding">{escape(_capitalise(text))}</p>')


def show_note(text: str, kind: str = "note") -> None:
    """A note paragraph; ``kind`` is ``note``, ``warning`` (definitions differ, conflicts) or
    ``gap`` (data not published). An empty text shows nothing."""
    if not text:
        return
    show_html(f'<p class="dti-{escape(kind)}">{escape(_capitalise(text))}</p>')


def show_table(table: pd.DataFrame, caption: str = "", lang: str = "vi") -> None:
    """A static table with header cells; missing cells read "chưa có số liệu" / "no data"."""
    shown = table.astype(object).where(table.notna(), no_data(lang))
    markup = shown.to_html(index=False, escape=True, border=0, classes="dti-table")
    markup = markup.replace("<th>", '<th scope="col">').replace(' style="text-align: right;"', "")
    if caption:
        markup = markup.replace(">", f"><caption>{escape(caption)}</caption>", 1)
    show_html(markup)


def show_synthetic_banner(lang: str = "vi") -> None:
    """Show the synthetic-data banner when the processed data are the synthetic panel."""
    if read_manifest().get("synthetic"):
        show_html(f'<p class="dti-synthetic-banner" role="alert">'
                  f'{escape(render("report.synthetic_banner", lang))}</p>')


def cite(source_ids: "pd.Series | list[str] | str", raw_refs: "list[tuple[str, int]] | None" = None,
         lang: str = "vi") -> str:
    """Source line text for a set of ``;``-joined source ids, with the raw file rows.

    Returns e.g. "Nguồn: Bộ Thông tin và Truyền thông (mic.gov.vn), ngày 21/8/2024, https://… —
    tệp data/raw/dti_district_vinhphuc.csv, dòng 13." (publisher and date in the report's
    language, from :mod:`lib.texts`).
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
            items = (texts.data_text("publisher", s["publisher"], lang),
                     texts.data_text("source_date", s["date"], lang), s["url"])
            parts.append(", ".join(str(i) for i in items if not is_missing(i) and str(i)))
    text = render("report.source.line", lang, sources="; ".join(parts)) if parts else \
        render("report.source.not_recorded", lang)
    if raw_refs:
        by_file: dict[str, list[int]] = {}
        for file, row in raw_refs:
            if file:
                by_file.setdefault(file, []).append(int(row))
        refs = "; ".join(render("report.source.raw_rows", lang, file=f"data/raw/{f}", count=len(set(r)),
                                rows=", ".join(str(x) for x in sorted(set(r))))
                         for f, r in by_file.items())
        text += f" — {refs}"
    return text + "."


def show_source(table: pd.DataFrame, lang: str = "vi") -> None:
    """Show the source line under a chart or table built from rows of a processed table
    (uses its ``source_ids``, ``raw_file`` and ``raw_row`` columns)."""
    refs = list(zip(table["raw_file"], table["raw_row"])) if "raw_file" in table else None
    ids = sorted({i for cell in table["source_ids"] if not is_missing(cell)
                  for i in str(cell).split(";") if i})
    # The ids travel in the output's metadata: the exported page lists these sources in its footer.
    display(HTML(f'<p class="dti-source">{escape(cite(table["source_ids"], refs, lang))}</p>'),
            metadata={"dti": {"source_ids": ids}})


def figure_image(fig, dpi: int = 150) -> tuple[str, int, int]:
    """Encode a matplotlib figure for embedding: the smaller of an SVG (text drawn as paths, so
    it needs no font on the reader's machine) and a PNG at ``dpi``.

    Returns ``(data URI, width, height)``, the size in CSS pixels (the figure's size at 100 dpi,
    so a 150-dpi PNG prints sharper without looking bigger on screen).
    """
    import base64
    import io
    import struct

    import matplotlib.pyplot as plt

    svg, png = io.BytesIO(), io.BytesIO()
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "dti-notebooks"}):
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    fig.savefig(png, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    png_bytes = png.getvalue()
    width_px, height_px = struct.unpack(">II", png_bytes[16:24])  # the PNG header (IHDR)
    width, height = round(width_px * 100 / dpi), round(height_px * 100 / dpi)
    if len(svg.getvalue()) < len(png_bytes):
        mime, data = "image/svg+xml", svg.getvalue()
    else:
        mime, data = "image/png", png_bytes
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", width, height


def show_figure(fig, alt: str, caption: str = "") -> None:
    """Embed a matplotlib figure inside a ``<figure>`` with alt text and a caption, then close it.

    The image travels inside the HTML as a data URI (no external file, works offline); see
    :func:`figure_image`. ``alt`` must state the chart's finding (the sentence a reader would
    take from it); an empty ``alt`` raises ``ValueError``.
    """
    import matplotlib.pyplot as plt

    if not str(alt or "").strip():
        plt.close(fig)
        raise ValueError("a figure needs alt text that states its finding")
    src, width, height = figure_image(fig)
    plt.close(fig)
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    show_html(f'<figure class="dti-figure"><img src="{src}" width="{width}" height="{height}" '
              f'alt="{escape(_capitalise(alt))}">{caption_html}</figure>')
