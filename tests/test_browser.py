"""Built pages opened in a real browser: Debian's chromium, driven by Playwright, network blocked.

One small portfolio (Lập Thạch's 2023 scores and 2024 indicator reports, its unit page and
the index) is built once into
a temporary folder through the real runner; every page is opened offline and must make no
request to another host, log no console error, show every image and link, and have its
sections. axe-core (npm, installed by ``.ci/run`` into tests/assets) checks accessibility. A
second build, from raw data whose unit name and source publisher carry markup, must show that
markup as text and run nothing.

Without chromium, Playwright or axe-core these tests skip with the reason, except when
``DTI_REQUIRE_BROWSER=1`` or ``CI`` is set (``.ci/run`` sets it): then they fail.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil

import nbformat
import pytest

from lib.batch import plan as planning, run as report
from lib.build import pipeline
from lib.data.paths import NOTEBOOKS_DIR, RAW_DIR
from lib.present import narrative
from lib.site.browser import (
    REPORT_SECTIONS,
    BrowserUnavailable,
    axe_script,
    check_page,
    chromium_path,
    launch,
    offline_context,
    page_kind,
    portfolio_pages,
    print_layout_overflow,
    print_pdfs,
    required_sections,
    run_axe,
    screen_layout_problems,
)
from lib.site.export import make_exporter
from lib.site.portfolio import IndexEntry, write_portfolio

pytestmark = pytest.mark.slow

REQUIRED = (os.environ.get("DTI_REQUIRE_BROWSER") == "1"
            or os.environ.get("CI", "") not in ("", "0", "false"))
MAX_PAGE_BYTES = 1_500_000
EVIL_NAME = 'Lập Thạch "><script>alert(1)</script><img src=x onerror=alert(2)>'
# Publishers need a reviewed translation (lib/data/reference/publishers.csv), so the markup rides
# on the source address, which pages show as it is.
EVIL_URL = 'https://mic.gov.vn/lap-thach"><img src=x onerror=alert(3)><b>bold</b>'


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser test cannot run: {reason}")
    pytest.skip(f"{reason} (DTI_REQUIRE_BROWSER=1 makes this a failure; .ci/run sets it)")


@pytest.fixture(scope="session")
def browser():
    try:
        chromium_path()
        import playwright.sync_api  # noqa: F401
    except (BrowserUnavailable, ImportError) as err:
        unavailable(str(err))
    with launch() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def axe():
    try:
        return axe_script()
    except FileNotFoundError as err:
        unavailable(str(err))


@pytest.fixture
def offline(browser):
    context = offline_context(browser)
    yield context
    context.close()


def build_portfolio(out, only=None) -> list:
    report.ensure_kernel()
    jobs = planning.plan(report.load_config(), only=only, units=["246"], years=[2023, 2024])
    outcomes = report.run(jobs, out=out, progress=False)
    assert outcomes and all(o.status == "built" for o in outcomes), [o.error for o in outcomes]
    return outcomes


@pytest.fixture(scope="session")
def portfolio(browser, processed, tmp_path_factory):
    """Lập Thạch's 2023 scores and 2024 infrastructure and cashless reports (the 2024-08-21
    snapshot), with index and unit page."""
    out = tmp_path_factory.mktemp("outputs")
    build_portfolio(out)
    return out / "html"


def mandatory_headings(notebook: str, lang: str = "en") -> list[str]:
    """Section headings a notebook always shows (``show_heading`` calls outside any ``if``)."""
    cells = nbformat.read(NOTEBOOKS_DIR / f"{notebook}.ipynb", as_version=4).cells
    source = "\n".join(c.source for c in cells if c.cell_type == "code")
    keys = re.findall(r'^show\.show_heading\(say\.heading\("(\w+)", lang\)\)', source, re.M)
    return [narrative.heading(key, lang) for key in keys]


def test_every_page_opens_offline_with_its_sections_images_and_links(portfolio, offline):
    pages = portfolio_pages(portfolio)
    one_language = ["2024/246-cashless.html", "2024/246-infrastructure.html",
                    "2023/246-scores.html", "index.html", "units/246.html"]
    assert sorted(p.relative_to(portfolio).as_posix() for p in pages) == sorted(
        one_language + [f"en/{page}" for page in one_language])
    problems = []
    for page in pages:
        kind = page_kind(page, portfolio)
        lang = "en" if page.relative_to(portfolio).parts[0] == "en" else "vi"
        expected = (mandatory_headings(page.stem.split("-", 1)[1], lang) if kind == "report"
                    else ["Lập Thạch"])
        assert expected
        required = {**required_sections(kind), f"lang of the page ({lang})": f"html[lang='{lang}']",
                    "link to the other language": "nav.dti-languages a[hreflang]"}
        check = check_page(offline, page, required, expected)
        problems += [f"{page.name}: {p}" for p in check.problems]
    assert problems == []


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_reads_at_desktop_and_phone_width(portfolio, offline, width):
    """No horizontal page overflow, no word or number broken inside a table cell, no page text
    under 10 px (charts: lib.present.plots.MIN_FONT, tests/test_plots.py)."""
    found = {p.relative_to(portfolio).as_posix(): screen_layout_problems(offline, p, width)
             for p in portfolio_pages(portfolio)}
    assert found == {page: [] for page in found}


def test_the_layout_check_catches_broken_words_overflow_and_small_text(offline, tmp_path):
    bad = tmp_path / "squeezed.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><body style="margin:0">'
                   '<table style="width:60px"><tr><td style="overflow-wrap:anywhere">reported '
                   '1000000000</td><td>one-stop</td></tr></table><div style="width:600px">wide</div>'
                   '<p style="font-size:8px">tiny</p></body></html>', encoding="utf-8")
    problems = screen_layout_problems(offline, bad, 390)
    assert problems[0] == "page 600px wide in a 390px window"
    assert 'word broken in a table cell: "reported"' in problems
    assert not any("one-" in p for p in problems)
    assert 'word broken in a table cell: "1000000000"' in problems
    assert "text under 10px: p 8px: tiny" in problems
    assert screen_layout_problems(offline, bad, 1280)[:1] != ["page 600px wide in a 1280px window"]


def test_index_filter_box_works_offline(portfolio, offline):
    page = offline.context.new_page()
    try:
        page.goto((portfolio / "en" / "index.html").as_uri())
        items = page.locator("#dti-reports li")
        assert items.count() == 3  # Lập Thạch's scores, infrastructure and cashless reports
        page.fill("#dti-filter-text", "lap thach cashless")
        assert [t.strip() for t in items.evaluate_all(
            "els => els.filter(e => !e.hidden).map(e => e.textContent)")] == [
            "Cashless payments 2024 — Lập Thạch"]
        page.fill("#dti-filter-text", "nothing like this")
        assert page.locator("#dti-filter-none").is_visible()
    finally:
        page.close()


def test_pages_stay_under_1_5_mb(portfolio):
    sizes = {p.name: p.stat().st_size for p in portfolio_pages(portfolio)}
    assert max(sizes.values()) < MAX_PAGE_BYTES, sizes


def test_axe_finds_no_serious_or_critical_violation(portfolio, offline, axe):
    found = {}
    for page in ("2023/246-scores.html", "index.html", "units/246.html", "en/2023/246-scores.html",
                 "en/index.html"):
        violations = run_axe(offline, portfolio / page, axe)
        found[page] = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert found == {page: [] for page in found}


def test_report_prints_on_a4_without_overflow(portfolio, offline, browser):
    page = portfolio / "2023" / "246-scores.html"
    assert print_layout_overflow(offline, page) == []
    [pdf] = print_pdfs([page], force=True, browser=browser)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = {tuple(round(float(x)) for x in box)
             for box in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)}
    assert boxes == {(595, 842)}  # A4 in points
    assert 1 <= len(re.findall(rb"/Type\s*/Page(?!s)", data)) <= 8
    assert print_pdfs([page], browser=browser) == []  # up to date: not printed again


def test_the_checker_reports_external_requests_errors_and_broken_parts(offline, axe, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head>'
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<script src="https://cdn.jsdelivr.net/npm/require.js"></script></head>'
        '<body><h2>No title</h2>'
        '<img src="missing.png" alt="missing"><img src="data:image/png;base64,AAAA">'
        '<a href="https://example.org/">a cited source</a><a href="/root.html">root</a>'
        '<a href="#nowhere">in</a>'
        '<a href="gone.html">gone</a>'
        '<p style="color:#bbb;background:#fff">pale</p>'
        '<script>console.error("boom"); alert("injected")</script></body></html>', encoding="utf-8")
    check = check_page(offline, bad, REPORT_SECTIONS)
    assert any("fonts.googleapis.com" in u for u in check.external_requests)
    assert any("cdn.jsdelivr.net" in u for u in check.external_requests)
    assert any("boom" in m for m in check.console_errors)
    assert check.dialogs == ["alert: injected"]
    assert len(check.broken_images) == 2 and len(check.images_without_alt) == 1
    assert len(check.broken_links) == 3  # a link to another host is fine, an absolute path is not
    assert not any("example.org" in p for p in check.broken_links)
    assert len(check.missing_sections) == len(REPORT_SECTIONS)
    assert check.heading_problems
    impacts = {v["id"]: v["impact"] for v in run_axe(offline, bad, axe)}
    assert impacts.get("image-alt") == "critical" and impacts.get("html-has-lang") == "serious"
    assert impacts.get("color-contrast") == "serious"


def _rewrite_csv(path, change) -> int:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    changed = sum(bool(change(row)) for row in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return changed


@pytest.fixture(scope="module")
def evil_portfolio(browser, processed, tmp_path_factory):
    """The scores report of Lập Thạch 2023, built from raw data where the district's name and
    the MIC article's address carry HTML and script."""
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(RAW_DIR, raw, dirs_exist_ok=True)

    def rename(row):
        if row["unit_code"] == "246" and row["unit_name"] == "Lập Thạch":
            row["unit_name"] = EVIL_NAME
            return True

    def republish(row):
        if "mic.gov.vn" in row["source_url"]:
            row["source_url"] = EVIL_URL
            return True

    assert _rewrite_csv(raw / "admin_districts_vinhphuc.csv", rename) == 1
    assert _rewrite_csv(raw / "dti_district_vinhphuc.csv", rename) >= 1
    assert _rewrite_csv(raw / "dti_district_vinhphuc.csv", republish) >= 1
    processed_evil = tmp_path_factory.mktemp("processed-evil")
    manifest = pipeline.build(out_dir=processed_evil, raw_dir=raw, force=True)
    out = tmp_path_factory.mktemp("outputs-evil")
    patch = pytest.MonkeyPatch()
    patch.setenv("DTI_PROCESSED_DIR", str(processed_evil))
    try:  # one job, run directly: the runner would rebuild the data from data/raw
        report.ensure_kernel()
        entries = []
        for lang in ("vi", "en"):
            job = report.Job("scores", "246", "district", EVIL_NAME, 2023, lang)
            outcome = report.run_job(job, out, make_exporter(), manifest["data_version"])
            assert outcome.status == "built", outcome.error
            html = outcome.html.relative_to(out / "html").as_posix()
            entries.append(IndexEntry("scores", "246", EVIL_NAME, "district", 2023, "built",
                                      html, lang))
        write_portfolio(entries, out / "html")
    finally:
        patch.undo()
    return out / "html"


def test_markup_in_data_shows_as_text_and_runs_nothing(evil_portfolio, offline):
    for name in ("2023/246-scores.html", "index.html", "units/246.html"):
        path = evil_portfolio / name
        check = check_page(offline, path, required_sections(page_kind(path, evil_portfolio)))
        assert check.problems == [], name  # no dialog, no script error, no request, no broken img
        source = path.read_text(encoding="utf-8")
        scripts = 1 if name == "index.html" else 0  # the index's own filter box
        assert source.lower().count("<script") == scripts and "<img src=x" not in source
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
        page = offline.context.new_page()
        page.goto(path.as_uri())
        assert page.evaluate("document.scripts.length") == scripts
        assert page.locator("[onerror], img[src='x'], b").count() == 0
        assert EVIL_NAME in page.locator("main h1" if name != "index.html" else "main").inner_text()
        if name.startswith("2023"):
            assert EVIL_NAME in page.title()
            assert EVIL_NAME in page.locator(".dti-summary").inner_text()
            assert EVIL_URL in page.locator("footer .dti-sources").inner_text()
            assert page.locator("p.dti-source a").first.get_attribute("href") == EVIL_URL
            assert any(EVIL_NAME in (alt or "") for alt in
                       page.locator("img").evaluate_all("els => els.map(e => e.alt)"))
        page.close()
