"""The report portfolio: an index and one page per unit in every language, linking every report.

Layout of ``outputs/html`` (the *portfolio folder*): the default language (Vietnamese) at the
top — ``index.html``, ``units/<unit code>.html``, ``<year>/<unit code>-<notebook>.html`` — and
every other language in a folder of its own with the same paths (``en/index.html``,
``en/units/246.html``, ``en/2023/246-scores.html``); see :func:`language_root`. ``index.html``
lists the years and units with the status of each report (built, stale, failed, no data);
a unit page lists one unit's reports over the years. Every page (reports included, see
:mod:`lib.site.export`) links to the same page in the other languages, and its ``<html lang>`` is
its language.

Every word comes from the ``site`` messages of :mod:`lib.messages` (``lib/messages/<lang>/
site.yml``); pages are rendered by Jinja2 with autoescape from ``lib/site/templates/dti_report``
(``portfolio_*.html.j2``, sharing the page top and build facts of ``frame.html.j2`` with the
reports), with the reports' stylesheet inlined and relative links only, so the folder can be
zipped, e-mailed or served as it is.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import lib
from lib.data import texts
from lib.data.files import write_text_atomic
from lib.data.paths import ROOT, TEMPLATES_DIR, read_manifest
from lib.messages import DEFAULT_LANGUAGE, LANGUAGES, Messages, check_language, render

VIETNAM_TIME = timezone(timedelta(hours=7))

NOTEBOOK_ORDER = ("scores", "infrastructure", "cashless", "overview")
STATUSES = ("built", "stale", "failed", "no_data")
LEVEL_ORDER = {"country": 0, "province": 1, "district": 2, "commune": 3}
UNITS_DIR = "units"
TEMPLATE_DIR = TEMPLATES_DIR / "dti_report"


@dataclass(frozen=True)
class IndexEntry:
    """One cell of the portfolio: a notebook for a unit and year in one language, and what
    became of it.

    ``status`` is ``built``, ``stale`` (the last build failed; the previous good HTML is kept),
    ``failed`` (no good HTML exists) or ``no_data``; ``html`` is the report's path relative to
    the portfolio folder (``2023/246-scores.html``, ``en/2023/246-scores.html``; None unless
    built or stale); ``lang`` the report's language (``vi``, ``en``).
    """

    notebook: str
    unit_code: str
    unit_name: str
    unit_level: str
    reference_year: int
    status: str
    html: str | None = None
    lang: str = DEFAULT_LANGUAGE


# ------------------------------------------------------------------------------ layout


def language_root(lang: str) -> str:
    """The folder of a language's pages relative to the portfolio folder, with a trailing
    slash: ``""`` for the default language (``vi``), ``"en/"`` for English. Raises
    ``ValueError`` for a language without a catalogue."""
    return "" if check_language(lang) == DEFAULT_LANGUAGE else f"{lang}/"


def unit_page_href(unit_code: str) -> str:
    """Path of a unit's page relative to its language's folder: ``units/246.html``.

    GSO codes are unique across levels (2 digits for provinces, 3 for districts, 5 for
    communes); any character other than a letter, digit, ``-`` or ``_`` becomes ``_``.
    """
    return f"{UNITS_DIR}/{re.sub(r'[^A-Za-z0-9_-]', '_', str(unit_code)) or '_'}.html"


def href(target: Path, page: Path) -> str:
    """The relative link from ``page`` to ``target`` (both files), with ``/`` separators."""
    return Path(os.path.relpath(target, Path(page).parent)).as_posix()


# ------------------------------------------------------------------------------- words


def notebook_label(notebook: str, lang: str) -> str:
    """The reader's name of a notebook (message ``site.notebook.<name>``: "Điểm và thứ hạng
    DTI"); a notebook without a message keeps its file name."""
    key = f"site.notebook.{notebook}"
    return render(key, lang) if Messages(lang).has(key) else notebook


def report_title(notebook: str, unit_name: str, year: int, lang: str) -> str:
    """A report's page title: "Điểm và thứ hạng DTI 2023 — Lập Thạch" (``vi``), "DTI score and
    rank 2023 — Lập Thạch" (``en``); message ``site.report_title``."""
    return render("site.report_title", lang, report=notebook_label(notebook, lang),
                  year=str(year), unit=unit_name)


def built_at(lang: str, when: datetime | None = None) -> str:
    """The build time in words, in Vietnam's time (UTC+7, where the readers are): "16:05 (giờ
    Việt Nam) ngày 21/8/2024", "21 August 2024, 16:05 Vietnam time (UTC+7)" (date through
    :func:`lib.data.texts.period_label`; message ``site.build.built_at``)."""
    when = (when or datetime.now(timezone.utc)).astimezone(VIETNAM_TIME)
    return render("site.build.built_at", lang, time=when.strftime("%H:%M"),
                  date=texts.period_label(when.date().isoformat(), lang))


@lru_cache(maxsize=1)
def project_version() -> str:
    """``lib.__version__``, with the short git commit when the code is a git checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{lib.__version__} (git {commit})" if commit else lib.__version__


def frame(lang: str, page: Path, html_dir: Path, languages=LANGUAGES,
          data_version: str = "unknown") -> dict:
    """What every page's frame needs (the ``d`` of ``frame.html.j2``), for a page at ``page``
    in the portfolio folder ``html_dir``.

    Returns ``{"t": Messages(lang), "lang", "index_href", "counterparts": [{"lang", "name",
    "href"}], "data_version", "built_at", "project_version"}``: ``counterparts`` link the same
    page in each other language of ``languages`` (its name in that language, message
    ``language.name``); none when ``page`` is not inside its language's folder.
    """
    page, html_dir = Path(page), Path(html_dir)
    try:
        relative = page.resolve().relative_to((html_dir / language_root(lang)).resolve())
    except ValueError:
        relative = None
    counterparts = [{"lang": other, "name": render("language.name", other),
                     "href": href(html_dir / language_root(other) / relative, page)}
                    for other in languages if other != lang and relative is not None]
    return {"t": Messages(lang), "lang": lang, "counterparts": counterparts,
            "index_href": href(html_dir / language_root(lang) / "index.html", page),
            "data_version": data_version, "built_at": built_at(lang),
            "project_version": project_version()}


# ------------------------------------------------------------------------------- pages


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)


def _unit_key(entry: IndexEntry) -> tuple:
    return (LEVEL_ORDER.get(entry.unit_level, 9), entry.unit_code)


def _notebooks_of(rows) -> list[str]:
    present = {n for row in rows for n in row}
    return [n for n in NOTEBOOK_ORDER if n in present] + sorted(present - set(NOTEBOOK_ORDER))


class _Portfolio:
    """One language's entries grouped for the index and unit pages, with the cell, link and
    unit-row dictionaries the templates render."""

    def __init__(self, entries: list[IndexEntry], html_dir: Path, lang: str):
        self.html_dir, self.lang = Path(html_dir), lang
        self.root = self.html_dir / language_root(lang)
        self.entries = [e for e in entries if e.lang == lang]
        self.by_year: dict[int, dict[tuple, dict[str, IndexEntry]]] = defaultdict(
            lambda: defaultdict(dict))
        self.by_unit: dict[tuple, dict[int, dict[str, IndexEntry]]] = defaultdict(
            lambda: defaultdict(dict))
        self.units: dict[tuple, IndexEntry] = {}
        for entry in self.entries:
            key = _unit_key(entry)
            self.units.setdefault(key, entry)
            self.by_year[entry.reference_year][key][entry.notebook] = entry
            self.by_unit[key][entry.reference_year][entry.notebook] = entry

    def cell(self, entry: IndexEntry | None, page: Path) -> dict | None:
        """A report's status, link (built or stale only) and accessible label."""
        if entry is None:
            return None
        status = entry.status if entry.status in STATUSES else "failed"
        if status in ("built", "stale") and not entry.html:
            status = "failed"  # no HTML path recorded: nothing to link
        link = href(self.html_dir / entry.html, page) if status in ("built", "stale") else None
        return {"status": status, "href": link, "label": render(
            "site.index.open", self.lang, report=notebook_label(entry.notebook, self.lang),
            unit=entry.unit_name, year=str(entry.reference_year))}

    def report_link(self, entry: IndexEntry, page: Path) -> dict | None:
        c = self.cell(entry, page)
        if c is None or not c["href"]:
            return None
        return {**c, "title": report_title(entry.notebook, entry.unit_name, entry.reference_year,
                                           self.lang)}

    def unit_row(self, key: tuple, page: Path) -> dict:
        unit = self.units[key]
        return {"name": unit.unit_name, "code": unit.unit_code,
                "level": render(f"site.level.{unit.unit_level}", self.lang),
                "href": href(self.root / unit_page_href(unit.unit_code), page),
                "built": sum(c["status"] in ("built", "stale")
                             for c in (self.cell(e, page) for row in self.by_unit[key].values()
                                       for e in row.values()))}

    def index_context(self, page: Path) -> dict:
        """The index template's variables besides the frame: summary, reports, year tables."""
        lang, by_year = self.lang, self.by_year
        counts = {s: sum(e.status == s for e in self.entries) for s in STATUSES}
        years = sorted(by_year, reverse=True)
        order = {n: i for i, n in enumerate(NOTEBOOK_ORDER)}
        reports = [link for entry in sorted(self.entries, key=lambda e: (
            -e.reference_year, _unit_key(e), order.get(e.notebook, 99), e.notebook))
            if (link := self.report_link(entry, page))]
        all_units = [self.unit_row(key, page) for key in sorted(self.units)]
        built_years = [y for y in years if any(self.report_link(e, page)
                                               for row in by_year[y].values()
                                               for e in row.values())]
        empty_units = [u["name"] for u in all_units if not u["built"]]
        return dict(
            summary=render("site.index.summary", lang, **{
                s: render(f"site.index.count_{s}", lang, count=counts[s]) for s in STATUSES}),
            reports=reports,
            empty_years=[render("site.index.empty_year", lang, year=str(y), count=len(by_year[y]))
                         for y in years if y not in built_years],
            empty_units=render("site.index.empty_units", lang, count=len(empty_units),
                               units=", ".join(empty_units)) if empty_units else "",
            years=[str(y) for y in built_years],
            units=[u for u in all_units if u["built"]],
            tables=[{"year": str(year), "notebooks": [notebook_label(n, lang) for n in notebooks],
                     "rows": [{**self.unit_row(key, page),
                               "cells": [self.cell(by_year[year][key].get(n), page)
                                         for n in notebooks]}
                              for key in sorted(by_year[year])]}
                    for year in built_years for notebooks in [_notebooks_of(by_year[year].values())]])

    def unit_context(self, key: tuple, page: Path) -> dict:
        """A unit page's variables besides the frame: the unit and one row per year."""
        per_year = self.by_unit[key]
        notebooks = _notebooks_of(per_year.values())
        return dict(unit=self.unit_row(key, page),
                    notebooks=[notebook_label(n, self.lang) for n in notebooks],
                    rows=[{"year": str(year), "cells": [self.cell(per_year[year].get(n), page)
                                                         for n in notebooks]}
                          for year in sorted(per_year, reverse=True)])


def write_index(entries: list[IndexEntry], html_dir: Path, lang: str = DEFAULT_LANGUAGE,
                languages=LANGUAGES) -> Path:
    """Write one language's index and unit pages into the portfolio folder ``html_dir``.

    Uses the ``entries`` of language ``lang`` (others are ignored): ``<root>index.html`` has,
    per year (newest first), one row per unit and one column per notebook, each cell a link
    when built (or stale) and "failed" or "no data" otherwise, and a table of units linking
    their pages; ``<root>units/<code>.html`` has one row per year. ``<root>`` is
    :func:`language_root`; every page links to its counterpart in each other language of
    ``languages``. Returns the index's path. Raises ``ValueError`` for an unknown language.
    """
    portfolio = _Portfolio(entries, html_dir, lang)
    data = read_manifest()
    data_version = data.get("data_version", "unknown")
    common = {"synthetic": bool(data.get("synthetic"))}
    index_path = portfolio.root / "index.html"
    index = _environment().get_template("portfolio_index.html.j2").render(
        d=frame(lang, index_path, portfolio.html_dir, languages, data_version), **common,
        **portfolio.index_context(index_path))
    written = write_text_atomic(index_path, index)
    for entry in portfolio.entries:
        if entry.status == "stale" and entry.html:
            mark_stale(portfolio.html_dir / entry.html, lang)
    template = _environment().get_template("portfolio_unit.html.j2")
    for key, unit in portfolio.units.items():
        page = portfolio.root / unit_page_href(unit.unit_code)
        write_text_atomic(page, template.render(
            d=frame(lang, page, portfolio.html_dir, languages, data_version), **common,
            **portfolio.unit_context(key, page)))
    return written


STALE_MARK = 'id="dti-stale"'
_STALE_BANNER = re.compile(r'<p class="dti-stale-banner"[^>]*id="dti-stale"[^>]*>.*?</p>', re.S)


def mark_stale(page: Path, lang: str = DEFAULT_LANGUAGE) -> bool:
    """Put the stale banner at the top of a report kept from an earlier build (its last
    rebuild failed): "Trang này là bản lập lúc … ; lần lập lại gần nhất bị lỗi …" (message
    ``site.page.stale``, the build time read from the page's own footer). Rewrites the page
    atomically; a page already marked gets the banner once. Returns False (page unchanged)
    when the file is missing or has no ``<main id="content">``."""

    page = Path(page)
    if not page.is_file():
        return False
    text = _STALE_BANNER.sub("", page.read_text(encoding="utf-8"))
    built = re.search(r"<dt>" + re.escape(html.escape(render("site.build.built", lang), quote=False))
                      + r"</dt>\s*<dd>(.*?)</dd>", text, re.S)
    when = html.unescape(built.group(1)).strip() if built else render("site.page.stale_unknown", lang)
    banner = (f'<p class="dti-stale-banner" role="status" {STALE_MARK}>'
              f'{html.escape(render("site.page.stale", lang, built=when))}</p>')
    main = '<main id="content">'
    if main not in text:
        return False
    write_text_atomic(page, text.replace(main, main + banner, 1))
    return True


def write_portfolio(entries: list[IndexEntry], html_dir: Path, languages=LANGUAGES) -> list[Path]:
    """:func:`write_index` for each language of ``languages``; returns the index paths
    (``html_dir/index.html``, ``html_dir/en/index.html``)."""
    return [write_index(entries, html_dir, lang, languages) for lang in languages]
