"""Show report blocks in a notebook as static HTML: headings, findings, tables, source lines.

All data text is escaped (:func:`lib.present.formatting.escape`); output is plain HTML that nbconvert
embeds, so exported reports need no scripts and work offline.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
from IPython.display import HTML, display

from lib.data import texts
from lib.data.load import load_table
from lib.data.paths import read_manifest
from lib.messages import render
from lib.present.formatting import escape, is_missing, no_data


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


def show_title(text: str, header: dict | None = None) -> None:
    """The report's ``<h1>`` title; ``header`` (:mod:`lib.present.facts`: the unit and the key
    figures) travels in the output's metadata, for the exported page to show under the title."""
    display(HTML(f'<h1 id="{heading_id(text)}">{escape(text)}</h1>'),
            metadata={"dti": {"header": header or {}}})


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def show_finding(text: str) -> None:
    """The one-sentence finding that opens a section (first letter upper-case)."""
    show_html(f'<p class="dti-finding">{escape(_capitalise(text))}</p>')


def findings_html(sentences: list[str], lang: str = "vi") -> str:
    """The findings box under the header: ``<section class="dti-findings">`` with the heading
    "Những điểm chính" / "Key findings" and one list item per sentence (escaped); ``""`` when
    there is no sentence."""
    if not sentences:
        return ""
    title = escape(render("report.findings.title", lang))
    items = "".join(f"<li>{escape(_capitalise(s))}</li>" for s in sentences)
    return (f'<section class="dti-findings" aria-labelledby="dti-findings-title">'
            f'<h2 class="dti-findings-title" id="dti-findings-title">{title}</h2><ul>{items}</ul></section>')


def show_findings(sentences: list[str], lang: str = "vi") -> None:
    """Show :func:`findings_html` (the sentences of :func:`lib.present.narrative.findings`)."""
    if sentences:
        show_html(findings_html(sentences, lang))


def show_note(text: str, kind: str = "note") -> None:
    """A note paragraph; ``kind`` is ``note``, ``warning`` (definitions differ, conflicts) or
    ``gap`` (data not published). An empty text shows nothing."""
    if not text:
        return
    show_html(f'<p class="dti-{escape(kind)}">{escape(_capitalise(text))}</p>')


NOTES_SHOWN = 2
"""Up to this many warnings under a table are shown one by one; more become one box with
the list collapsed (:func:`show_warnings`)."""


def warnings_html(notes: list[str], lang: str = "vi", summary: str = "report.notes.many") -> str:
    """The markup of :func:`show_warnings`: each note as a ``<p class="dti-warning">`` when
    there are at most :data:`NOTES_SHOWN`, else one warning box with the sentence of message
    ``summary`` (its ``count``: how many notes) and the notes in a collapsed ``<details>``
    list; ``""`` for none. Escaped."""
    notes = [n for n in notes if n]
    if len(notes) <= NOTES_SHOWN:
        return "".join(f'<p class="dti-warning">{escape(_capitalise(n))}</p>' for n in notes)
    items = "".join(f"<li>{escape(_capitalise(n))}</li>" for n in notes)
    return (f'<div class="dti-warning dti-warning-group"><p>'
            f'{escape(render(summary, lang, count=len(notes)))}</p>'
            f'<details><summary>{escape(render("report.notes.show_all", lang, count=len(notes)))}'
            f'</summary><ul>{items}</ul></details></div>')


def show_warnings(notes: list[str], lang: str = "vi", summary: str = "report.notes.many") -> None:
    """Show the warnings under a table (definitions differ, sources disagree) as
    :func:`warnings_html` builds them: a long list does not bury the page."""
    if markup := warnings_html(list(notes), lang, summary):
        show_html(markup)


LONG_TABLE_ROWS = 15
"""Tables with more rows than this show one sentence and the full table collapsed."""

_NUMBER = re.compile(r"^[−\-+]?[\d.,\u00a0 ]*\d[\d.,\u00a0 ]*(%| ?/ ?\d+)?$")

_TABLE = None


def _table_template():
    global _TABLE
    if _TABLE is None:
        import jinja2

        from lib.data.paths import TEMPLATES_DIR
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "dti_report"),
                                 autoescape=True, trim_blocks=True, lstrip_blocks=True)
        _TABLE = env.get_template("table.html.j2")
    return _TABLE


def numeric_columns(table: pd.DataFrame) -> list[bool]:
    """For each column, True when every filled cell reads as a number ("744,213", "1/9",
    "−2,5", "97,4%"), so the column is right-aligned; a column of numbers (dtype int/float)
    counts too. Missing cells are ignored; a column with no filled cell is not numeric."""
    flags = []
    for column in table.columns:
        values = [v for v in table[column] if not is_missing(v)]
        flags.append(bool(values) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) or bool(_NUMBER.match(str(v).strip()))
            for v in values))
    return flags


def csv_data_uri(table: pd.DataFrame) -> str:
    """The table as a CSV download link target: UTF-8 with a byte-order mark (so Excel reads
    Vietnamese letters), comma-separated, header row, no index, base64 in a ``data:`` URI
    (works offline and from a zipped folder)."""
    import base64

    data = ("\ufeff" + table.to_csv(index=False)).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")


def _empty_cells(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Cells without a value: NaN, "chưa có số liệu", or a status word that says the value is
    not in the sources used / not in this data set."""
    words = (no_data(lang), render("status.missing", lang), render("status.not_entered", lang))
    return table.isna() | table.map(lambda value: str(value).startswith(words))


def table_html(table: pd.DataFrame, caption: str = "", lang: str = "vi", name: str = "") -> str:
    """The markup of :func:`show_table`: a ``<table class="dti-table">`` inside a wrapper that
    scrolls sideways on narrow screens, number columns right-aligned (``class="num"``), missing
    cells "chưa có số liệu" / "no data", and a "Tải bảng (CSV)" / "Download table (CSV)" link.
    A table longer than :data:`LONG_TABLE_ROWS` rows, or mostly empty (at most half its rows
    with a value beside the first column),
    shows one sentence (rows, units with data) and the table collapsed in ``<details>``.
    ``name`` (or the caption, else the first three column headers) names the CSV file (ASCII,
    from :func:`heading_id`: "Đơn vị, Điểm DTI, Thứ hạng" → ``don-vi-diem-dti-thu-hang.csv``)."""
    empty = no_data(lang)
    shown = table.astype(object).where(table.notna(), empty)
    empty_cells = _empty_cells(table, lang)
    values = empty_cells.iloc[:, 1:] if len(table.columns) > 1 else empty_cells  # beside the labels
    filled = int((~values).any(axis=1).sum())
    collapse = len(table) > LONG_TABLE_ROWS or (values.size > 0 and 2 * filled <= len(table))
    stem = heading_id(name or caption or " ".join(map(str, table.columns[:3])) or "table")[2:]
    return _table_template().render(
        caption=caption, columns=[str(c) for c in shown.columns],
        numeric=numeric_columns(table), rows=shown.itertuples(index=False, name=None),
        csv_href=csv_data_uri(table), csv_name=f"{stem}.csv",
        csv_label=render("report.table.download_csv", lang), table_label=render("report.table.label", lang),
        collapse=collapse,
        summary_text=render("report.table.collapsed", lang, count=filled, rows=len(table)),
        open_label=render("report.table.show_all", lang, count=len(table), rows=len(table)))


def table_cells(table: pd.DataFrame, lang: str = "vi") -> dict:
    """The cells of a shown table as plain JSON values, for the report's workbook
    (:mod:`lib.site.export` writes every table of a page into one ``.xlsx``): ``{"columns": [...],
    "rows": [[...], ...]}``, numbers kept as numbers, text as the page shows it and missing
    cells "chưa có số liệu" / "no data"."""
    def plain(value):
        if is_missing(value):
            return no_data(lang)
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        return value if isinstance(value, (int, float, str)) and not isinstance(value, bool) \
            else str(value)

    return {"columns": [str(c) for c in table.columns],
            "rows": [[plain(v) for v in row] for row in table.itertuples(index=False, name=None)]}


def show_table(table: pd.DataFrame, caption: str = "", lang: str = "vi", name: str = "") -> None:
    """Show a table as :func:`table_html` builds it (``table``: any columns; values shown as
    text, missing values as "chưa có số liệu"). Its cells (:func:`table_cells`) and caption
    travel in the output's metadata: the exported report writes them into its workbook."""
    display(HTML(table_html(table, caption, lang, name)),
            metadata={"dti": {"table": {**table_cells(table, lang), "caption": caption}}})


def show_synthetic_banner(lang: str = "vi") -> None:
    """Show the synthetic-data banner when the processed data are the synthetic panel."""
    if read_manifest().get("synthetic"):
        show_html(f'<p class="dti-synthetic-banner" role="alert">'
                  f'{escape(render("report.synthetic_banner", lang))}</p>')


def _ids(cells) -> list[str]:
    """The distinct ids of ``;``-joined cells, in order of appearance."""
    return list(dict.fromkeys(i.strip() for cell in cells if not is_missing(cell)
                              for i in str(cell).split(";") if i.strip()))


def _cited_sources(source_ids, lang: str, most_cited_first: bool = False) -> list[tuple[str, str]]:
    """``(text, url)`` per cited source: publisher and date in the report's language; with
    ``most_cited_first``, the sources of the most rows first (ties in order of appearance)."""
    if isinstance(source_ids, str):
        source_ids = [source_ids]
    sources = load_table("sources").set_index("source_id")
    ids = _ids(source_ids)
    if most_cited_first:
        counts = {sid: 0 for sid in ids}
        for cell in source_ids:
            for sid in _ids([cell]):
                counts[sid] += 1
        ids = sorted(ids, key=lambda sid: -counts[sid])
    cited = []
    for sid in ids:
        if sid in sources.index:
            s = sources.loc[sid]
            items = (texts.data_text("publisher", s["publisher"], lang),
                     texts.data_text("source_date", s["date"], lang))
            url = "" if is_missing(s["url"]) else str(s["url"])
            cited.append((", ".join(str(i) for i in items if not is_missing(i) and str(i)), url))
    return cited


def _raw_refs_text(raw_refs: "list[tuple[str, int]] | None", lang: str) -> str:
    by_file: dict[str, list[int]] = {}
    for file, row in raw_refs or []:
        if file and not is_missing(row):
            by_file.setdefault(file, []).append(int(row))
    return "; ".join(render("report.source.raw_rows", lang, file=f"data/raw/{f}", count=len(set(r)),
                            rows=", ".join(str(x) for x in sorted(set(r))))
                     for f, r in by_file.items())


def cite(source_ids: "pd.Series | list[str] | str", raw_refs: "list[tuple[str, int]] | None" = None,
         lang: str = "vi") -> str:
    """Source line text for a set of ``;``-joined source ids, with the raw file rows.

    Returns e.g. "Nguồn: Bộ Thông tin và Truyền thông (mic.gov.vn), ngày 21/8/2024, https://… —
    tệp data/raw/dti_district_vinhphuc.csv, dòng 13." (publisher and date in the report's
    language, from :mod:`lib.data.texts`).
    """
    parts = [", ".join(p for p in (text, *urls) if p)
             for text, urls in _grouped(_cited_sources(source_ids, lang))]
    text = render("report.source.line", lang, sources="; ".join(parts)) if parts else \
        render("report.source.not_recorded", lang)
    refs = _raw_refs_text(raw_refs, lang)
    return text + (f" — {refs}" if refs else "") + "."


def _grouped(cited: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """``(text, [urls])`` per publisher and date: two articles of one publisher on one date are
    one source with two links, not the publisher named twice."""
    groups: dict[str, list[str]] = {}
    for text, url in cited:
        urls = groups.setdefault(text, [])
        if url and url not in urls:
            urls.append(url)
    return list(groups.items())


def _link_text(url: str, lang: str, text: str = "", urls=(), number: int = 1) -> str:
    """The host of ``url``; "link 1", "link 2" when one publisher and date have several links
    (the host would repeat)."""
    from urllib.parse import urlsplit

    if len(urls) > 1:
        return render("report.source.link_n", lang, number=str(number))
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host or render("report.source.link", lang)


def _status_words(values, lang: str) -> str:
    words = [render(f"status.{v}", lang) or render("report.status.published", lang)
             for v in dict.fromkeys(v for v in values if not is_missing(v) and str(v))]
    return "; ".join(words)


SOURCE_LINE_LIMIT = 3
"""A source line names at most this many sources (those of the most rows); the others are
counted and linked to the page's list of sources (:data:`SOURCES_ANCHOR`)."""

SOURCES_ANCHOR = "dti-sources"
"""The id of the footer's list of sources on an exported page (:mod:`lib.site.export`)."""


def source_html(table: pd.DataFrame, lang: str = "vi") -> str:
    """The markup of :func:`show_source` for rows of a processed table (columns
    ``source_ids``; optionally ``raw_file``, ``raw_row``, ``value_status``, ``rank_status``,
    ``conflict_ids``): one short visible line — "Nguồn: publisher, date, <a href=URL>host</a>",
    at most :data:`SOURCE_LINE_LIMIT` sources, the others counted ("và 22 nguồn khác", a link
    to the page's list of sources) — then a collapsed ``<details class="dti-analyst">`` "Dành cho người phân tích: nguồn và ghi
    chú số liệu" with the raw files and rows, the value and rank statuses in words, the conflict
    ids and the data version of ``data/processed/manifest.json``. Everything escaped."""
    cited = _cited_sources(table["source_ids"], lang, most_cited_first=True)
    notes = []
    if cited:
        parts = []
        grouped = _grouped(cited)
        for text, urls in grouped[:SOURCE_LINE_LIMIT]:
            if len(urls) == 1:  # the link shows the host: the publisher's name need not repeat it
                text = text.replace(f" ({_link_text(urls[0], lang)})", "")
            links = [f'<a href="{escape(url)}">{escape(_link_text(url, lang, text, urls, i))}</a>'
                     for i, url in enumerate(urls, 1)]
            parts.append(", ".join(p for p in (escape(text), *links) if p))
        shown = "; ".join(parts)
        if len(grouped) > SOURCE_LINE_LIMIT:  # the rest: in the footer's list and the analyst block
            more = render("report.source.more", lang, count=len(grouped) - SOURCE_LINE_LIMIT)
            shown += (escape(render("report.source.more_joiner", lang))
                      + f'<a href="#{SOURCES_ANCHOR}">{escape(more)}</a>')
            notes.append(render("report.source.all", lang, sources="; ".join(
                ", ".join(p for p in (text, url) if p) for text, url in cited)))
        line = escape(render("report.source.line", lang, sources="\x00")).replace("\x00", shown)
    else:
        line = escape(render("report.source.not_recorded", lang))
    refs = _raw_refs_text(list(zip(table["raw_file"], table["raw_row"])) if "raw_file" in table else None, lang)
    if refs:
        notes.append(render("report.source.raw", lang, refs=refs))
    statuses = table[[c for c in ("value_status", "rank_status") if c in table]].copy()
    if len(statuses.columns) == 2:  # a rank published with a value not entered: not entered too
        statuses.loc[(statuses["value_status"] == "not_entered")
                     & (statuses["rank_status"] == "missing"), "rank_status"] = "not_entered"
    for column, key in (("value_status", "value_statuses"), ("rank_status", "rank_statuses")):
        if column in statuses and (words := _status_words(statuses[column], lang)):
            notes.append(render(f"report.source.{key}", lang, statuses=words))
    if "conflict_ids" in table and (ids := _ids(table["conflict_ids"])):
        notes.append(render("report.source.conflicts", lang, ids=", ".join(ids)))
    if version := read_manifest().get("data_version"):
        notes.append(render("report.source.data_version", lang, version=version))
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return (f'<p class="dti-source">{line}.</p>'
            f'<details class="dti-analyst"><summary>{escape(render("report.source.analyst", lang))}'
            f'</summary><ul>{items}</ul></details>')


def show_source(table: pd.DataFrame, lang: str = "vi") -> None:
    """Show the source line under a chart or table built from rows of a processed table, with
    its collapsed full provenance (:func:`source_html`)."""
    ids = sorted(_ids(table["source_ids"]))
    # The ids travel in the output's metadata: the exported page lists these sources in its footer.
    display(HTML(source_html(table, lang)), metadata={"dti": {"source_ids": ids}})


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
    # tabindex: on a phone the chart scrolls sideways, and a scrolled region takes the focus
    show_html(f'<figure class="dti-figure" tabindex="0"><img src="{src}" width="{width}" height="{height}" '
              f'alt="{escape(_capitalise(alt))}">{caption_html}</figure>')
