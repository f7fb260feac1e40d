"""Headless Chromium for the portfolio: open built pages offline, check them, print them to PDF.

The browser is Debian's ``chromium`` package (``/usr/bin/chromium``, or ``DTI_CHROMIUM``)
driven by Playwright's Python driver; nothing here downloads a browser (never run
``playwright install``). Every page is opened with the network blocked: a request for anything
other than a local file or a ``data:`` URI is aborted and recorded.

Command line::

    python -m lib.site.browser check [outputs/html]    # open every page; exit 1 on any problem
    python -m lib.site.browser pdf [outputs/html]      # print every report to A4 PDF beside its HTML
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lib.data.paths import ROOT, outputs_dir

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps", "--no-default-browser-check"]
AXE_JS = ROOT / "tests" / "assets" / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_SCHEMES = ("file", "data", "about", "blob")

# What each kind of page must show (CSS selectors that must match at least one element).
REPORT_SECTIONS = {
    "language": "html[lang]",
    "title": "main h1",
    "breadcrumb back to the portfolio": "header nav a[href$='index.html']",
    "key figures": ".dti-summary .dti-keyfigures dd",
    "table of contents": "nav.dti-toc li a[href^='#s-']",
    "a section": "main h2[id^='s-']",
    "footer sources": "footer.dti-footer #dti-sources",
    "footer data version": "footer.dti-footer .dti-build code",
}
INDEX_SECTIONS = {"language": "html[lang]", "title": "main h1",
                  "years table": "main table th[scope='col']", "unit links": "a[href^='units/']"}
UNIT_SECTIONS = {"language": "html[lang]", "title": "main h1",
                 "link back to the portfolio": "a[href='../index.html']",
                 "reports table": "main table th[scope='row']"}

_PAGE_FACTS_JS = """() => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => (i.getAttribute('src') || '').slice(0, 80));
  const unnamed = [...document.images].filter(i => !(i.getAttribute('alt') || '').trim())
    .map(i => (i.getAttribute('src') || '').slice(0, 80));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
  return {broken, unnamed, links, ids, levels, lang: document.documentElement.lang};
}"""


class BrowserUnavailable(RuntimeError):
    """Chromium or the Playwright driver is not installed."""


def chromium_path() -> Path:
    """The Chromium executable: ``DTI_CHROMIUM``, else ``chromium`` on the PATH, else
    ``/usr/bin/chromium``. Raises :class:`BrowserUnavailable` naming the fix when missing."""
    candidate = os.environ.get("DTI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        raise BrowserUnavailable(f"no Chromium at {candidate}: install Debian's package "
                                 "(apt-get install -y chromium) or set DTI_CHROMIUM")
    return Path(candidate)


@contextmanager
def launch():
    """A headless Chromium (Playwright ``Browser``), closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise BrowserUnavailable("the Playwright driver is missing: pip install -r "
                                 "requirements.txt") from err
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflineContext:
    """A browser context whose requests to any host are aborted and listed in ``blocked``."""

    context: object
    blocked: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()


def offline_context(browser, **options) -> OfflineContext:
    """A new context of ``browser`` (Playwright ``new_context`` options) with the network
    blocked: only ``file:``, ``data:``, ``about:`` and ``blob:`` URLs load."""
    context = browser.new_context(service_workers="block", **options)
    offline = OfflineContext(context)

    def route(route_):
        url = route_.request.url
        if urlsplit(url).scheme in LOCAL_SCHEMES:
            route_.continue_()
        else:
            offline.blocked.append(url)
            route_.abort("blockedbyclient")

    context.route("**/*", route)
    return offline


@dataclass
class PageCheck:
    """What opening one page showed. ``problems`` is empty for a good page."""

    path: Path
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)
    missing_sections: list[str] = field(default_factory=list)
    heading_problems: list[str] = field(default_factory=list)
    size_bytes: int = 0

    @property
    def problems(self) -> list[str]:
        """One line per problem: ``"<kind>: <detail>"``."""
        kinds = ("external_requests", "console_errors", "page_errors", "dialogs",
                 "failed_requests", "broken_images", "images_without_alt", "broken_links",
                 "missing_sections", "heading_problems")
        return [f"{kind.replace('_', ' ')}: {item}"
                for kind in kinds for item in getattr(self, kind)]


def page_kind(path: Path, html_dir: Path) -> str:
    """``index``, ``unit`` or ``report``, from the page's place in the portfolio folder (in
    the default language's pages or a language folder such as ``en/``)."""
    from lib.messages import LANGUAGES

    parts = Path(path).resolve().relative_to(Path(html_dir).resolve()).parts
    if len(parts) > 1 and parts[0] in LANGUAGES:
        parts = parts[1:]
    if parts == ("index.html",):
        return "index"
    return "unit" if parts[0] == "units" else "report"


def required_sections(kind: str) -> dict[str, str]:
    """The selectors a page of that kind must match (see the module's constants)."""
    return {"index": INDEX_SECTIONS, "unit": UNIT_SECTIONS}.get(kind, REPORT_SECTIONS)


def _link_problem(href: str, page: Path, ids: set[str]) -> str | None:
    parts = urlsplit(href)
    if parts.scheme == "data" or (parts.scheme in ("http", "https") and parts.netloc):
        return None  # a table's CSV download, or a link to a cited source (opened, never loaded)
    if parts.scheme or parts.netloc or href.startswith("/"):
        return f"{href} is not a relative link"
    if not parts.path:
        return None if unquote(parts.fragment) in ids else f"{href}: no element with that id"
    target = (page.parent / unquote(parts.path)).resolve()
    return None if target.is_file() else f"{href}: {target} does not exist"


def check_page(offline: OfflineContext, path: Path, required: dict[str, str] | None = None,
               expected_text: list[str] | None = None) -> PageCheck:
    """Open a local page in ``offline`` and record every problem.

    Problems: requests to other hosts (blocked), console errors, uncaught script errors,
    dialogs (``alert`` and the like: a page has no script, so any dialog is injected content),
    failed local requests, images that do not load or have no alt text, links that are not
    relative or point to a missing file or id, ``required`` selectors that match nothing,
    ``expected_text`` missing from the page's text, and headings that skip a level or do not
    start with one ``<h1>``.
    """
    path = Path(path).resolve()
    check = PageCheck(path, size_bytes=path.stat().st_size)
    start = len(offline.blocked)
    page = offline.context.new_page()
    page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda err: check.page_errors.append(str(err)))

    def on_dialog(dialog):
        check.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("requestfailed", lambda r: None if r.url in offline.blocked else
            check.failed_requests.append(f"{r.url} ({r.failure})"))
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(50)  # let late console messages arrive
        facts = page.evaluate(_PAGE_FACTS_JS)
        check.broken_images = facts["broken"]
        check.images_without_alt = facts["unnamed"]
        ids = set(facts["ids"])
        check.broken_links = [p for p in (_link_problem(h, path, ids) for h in facts["links"]) if p]
        for name, selector in (required or {}).items():
            if page.locator(selector).count() == 0:
                check.missing_sections.append(f"{name} ({selector})")
        text = page.locator("body").inner_text()
        check.missing_sections += [f"text {t!r}" for t in expected_text or [] if t not in text]
        levels = facts["levels"]
        if levels.count(1) != 1 or (levels and levels[0] != 1):
            check.heading_problems.append(f"expected one <h1> first, got levels {levels}")
        check.heading_problems += [f"<h{b}> follows <h{a}>" for a, b in zip(levels, levels[1:])
                                   if b > a + 1]
    finally:
        page.close()
    check.external_requests = offline.blocked[start:]
    return check


def portfolio_pages(html_dir: Path) -> list[Path]:
    """Every page of a portfolio folder, per language (the default language's first, then
    each language folder such as ``en/``): ``index.html``, ``units/*.html``,
    ``<year>/*.html``."""
    from lib.messages import LANGUAGES
    from lib.site.portfolio import language_root

    pages = []
    for lang in LANGUAGES:
        root = Path(html_dir) / language_root(lang)
        pages += [root / "index.html"] if (root / "index.html").exists() else []
        pages += sorted(root.glob("units/*.html")) + sorted(
            p for p in root.glob("*/*.html") if p.parent.name not in ("units", *LANGUAGES))
    return pages


def check_portfolio(html_dir: Path, browser=None) -> list[PageCheck]:
    """Open every page of ``html_dir`` offline (see :func:`check_page`); one result per page."""
    if browser is None:
        with launch() as own:
            return check_portfolio(html_dir, own)
    offline = offline_context(browser)
    try:
        return [check_page(offline, page, required_sections(page_kind(page, html_dir)))
                for page in portfolio_pages(html_dir)]
    finally:
        offline.close()


def axe_script(path: Path | None = None) -> str:
    """The source of axe-core (``axe.min.js`` of the npm package, installed by ``.ci/run`` into
    ``tests/assets/node_modules``; ``DTI_AXE_JS`` overrides). Raises ``FileNotFoundError``."""
    path = Path(path or os.environ.get("DTI_AXE_JS") or AXE_JS)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `npm ci --prefix tests/assets` "
                                "(.ci/run does it)")
    return path.read_text(encoding="utf-8")


def run_axe(offline: OfflineContext, path: Path, script: str | None = None,
            tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
            ) -> list[dict]:
    """Run axe-core on a local page; return its violations (``id``, ``impact``, ``help``,
    ``nodes``: the first few offending elements' HTML)."""
    page = offline.context.new_page()
    try:
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        page.add_script_tag(content=script or axe_script())
        result = page.evaluate("""async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.html.slice(0, 200))}));
        }""", list(tags))
    finally:
        page.close()
    return result


def print_layout_overflow(offline: OfflineContext, path: Path, width_mm: float = 182) -> list[str]:
    """Elements wider than the printable width of A4 (210 mm less the page margins) when the
    page is laid out for print; empty when the page fits."""
    page = offline.context.new_page()
    try:
        page.set_viewport_size({"width": round(width_mm / 25.4 * 96), "height": 1100})
        page.emulate_media(media="print")
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        return page.evaluate("""() => {
            const limit = document.documentElement.clientWidth + 1;
            return [...document.querySelectorAll('main *, header *, footer *')]
              .filter(e => e.getBoundingClientRect().right > limit)
              .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                        + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
              .slice(0, 10);
        }""")
    finally:
        page.close()


_LAYOUT_JS = """(minPx) => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth + 1)
        problems.push(`page ${root.scrollWidth}px wide in a ${window.innerWidth}px window`);
    const broken = new Set();
    for (const cell of document.querySelectorAll('td, th, caption')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            // a line may end after a hyphen or dash ("one-|stop", "2023–|2024"), never elsewhere
            for (const m of node.data.matchAll(/[^\\s\\-\u2010\u2013\u2014]+[\\-\u2010\u2013\u2014]?/g)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                      .map(r => Math.round(r.top)));
                if (tops.size > 1) broken.add(m[0]);
            }
        }
    }
    broken.forEach(w => problems.push(`word broken in a table cell: ${JSON.stringify(w)}`));
    const small = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.data.trim() || !el || !el.getClientRects().length) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < minPx) small.add(`${el.tagName.toLowerCase()} ${size}px: ${node.data.trim().slice(0, 30)}`);
    }
    small.forEach(t => problems.push(`text under ${minPx}px: ${t}`));
    return problems.slice(0, 20);
}"""


def screen_layout_problems(offline: OfflineContext, path: Path, width: int,
                           min_font_px: float = 10) -> list[str]:
    """Layout problems of a page shown in a window ``width`` CSS px wide, with every
    ``<details>`` opened: the page wider than the window (horizontal page overflow; a table
    that scrolls inside its own wrapper is fine), a word or number broken across two lines
    inside a table cell ("10/0", "Statu/s"; a line may end after a hyphen or a dash), and page
    text under ``min_font_px``. Returns up
    to 20 problems as sentences; empty when the page reads."""
    page = offline.context.new_page()
    try:
        page.set_viewport_size({"width": int(width), "height": 900})
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        return page.evaluate(_LAYOUT_JS, min_font_px)
    finally:
        page.close()


PDF_FOOTER = ('<div style="font-size:7pt;width:100%;padding:0 14mm;color:#333;'
              'font-family:DejaVu Sans,Arial,sans-serif;display:flex;'
              'justify-content:space-between">'
              '<span class="title"></span><span><span class="pageNumber"></span> / '
              '<span class="totalPages"></span></span></div>')


def print_pdfs(html_paths: list[Path], force: bool = False, browser=None) -> list[Path]:
    """Print each HTML page to an A4 PDF beside it (same name, ``.pdf``), network blocked.

    Pages keep their print stylesheet (A4, margins from ``@page``); each PDF page carries the
    report's title and "page / pages" at the foot. A PDF newer than its HTML is kept unless
    ``force``. Returns the PDFs written.
    """
    html_paths = [Path(p) for p in html_paths]
    todo = [p for p in html_paths if force or not p.with_suffix(".pdf").exists()
            or p.with_suffix(".pdf").stat().st_mtime < p.stat().st_mtime]
    if not todo:
        return []
    if browser is None:
        with launch() as own:
            return print_pdfs(todo, True, own)
    from lib.data.files import write_atomic

    offline = offline_context(browser)
    written = []
    try:
        page = offline.context.new_page()
        for html_path in todo:
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                           display_header_footer=True, header_template="<div></div>",
                           footer_template=PDF_FOOTER)
            written.append(write_atomic(html_path.with_suffix(".pdf"),
                                        lambda tmp: tmp.write_bytes(pdf)))
        page.close()
    finally:
        offline.close()
    if offline.blocked:
        raise RuntimeError(f"pages asked for other hosts while printing: {offline.blocked[:5]}")
    return written


def report_pages(html_dir: Path) -> list[Path]:
    """The report pages of a portfolio folder (``<year>/*.html``, ``en/<year>/*.html``)."""
    return [p for p in portfolio_pages(html_dir) if page_kind(p, html_dir) == "report"]


def main(argv: list[str] | None = None) -> int:
    """``python -m lib.site.browser check|pdf [HTML_DIR]``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m lib.site.browser", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("check", "pdf"))
    parser.add_argument("html_dir", nargs="?", type=Path, default=None,
                        help="portfolio folder (default outputs/html)")
    parser.add_argument("--force", action="store_true", help="pdf: reprint up-to-date PDFs")
    args = parser.parse_args(argv)
    html_dir = args.html_dir or outputs_dir() / "html"
    if args.command == "pdf":
        written = print_pdfs(report_pages(html_dir), force=args.force)
        print(f"{len(written)} PDF(s) written in {html_dir}")
        return 0
    checks = check_portfolio(html_dir)
    bad = [c for c in checks if c.problems]
    for check in bad:
        print(f"{check.path}:", *(f"  - {p}" for p in check.problems), sep="\n")
    largest = max(checks, key=lambda c: c.size_bytes, default=None)
    print(f"{len(checks) - len(bad)} of {len(checks)} pages OK"
          + (f"; largest {largest.path.name} {largest.size_bytes / 1e6:.2f} MB" if largest else ""))
    return 1 if bad or not checks else 0


if __name__ == "__main__":
    sys.exit(main())
