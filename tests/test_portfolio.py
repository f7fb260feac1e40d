"""The portfolio: index.html by year and unit, one page per unit, relative links, escaping."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lib.portfolio import IndexEntry, unit_page_href, write_index

EVIL = 'Lập Thạch "><script>alert(1)</script><img src=x onerror=alert(2)>'


class Links(HTMLParser):
    """Every href/src value, and whether the page holds a script or an <img> element."""

    def __init__(self):
        super().__init__()
        self.urls, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("href", "src") and v is not None]


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def portfolio(tmp_path):
    html_dir = tmp_path / "html"
    for year, name in ((2023, "246-scores"), (2023, "246-infrastructure"), (2022, "246-scores")):
        (html_dir / str(year)).mkdir(parents=True, exist_ok=True)
        (html_dir / str(year) / f"{name}.html").write_text("<p>report</p>", encoding="utf-8")
    entries = [
        IndexEntry("scores", "246", EVIL, "district", 2023, "built", "2023/246-scores.html"),
        IndexEntry("infrastructure", "246", EVIL, "district", 2023, "stale",
                   "2023/246-infrastructure.html"),
        IndexEntry("cashless", "246", EVIL, "district", 2023, "failed"),
        IndexEntry("scores", "246", EVIL, "district", 2022, "built", "2022/246-scores.html"),
        IndexEntry("scores", "26", "Vĩnh Phúc", "province", 2023, "no_data"),
        IndexEntry("overview", "26", "Vĩnh Phúc", "province", 2023, "failed"),
    ]
    index = write_index(entries, html_dir)
    return html_dir, index


def test_index_and_one_page_per_unit(portfolio):
    html_dir, index = portfolio
    assert index == html_dir / "index.html"
    assert sorted(p.name for p in (html_dir / "units").iterdir()) == ["246.html", "26.html"]


def test_index_lists_years_units_and_statuses(portfolio):
    html_dir, index = portfolio
    page = index.read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert page.index('id="y2023"') < page.index('id="y2022"')  # newest first
    assert "2 reports built, 1 stale, 2 failed; 1 unit-years without data." in page
    assert '<span class="status-failed">failed</span>' in page
    assert '<span class="status-no_data">no data</span>' in page
    assert "(stale: last rebuild failed)" in page
    assert 'href="2023/246-scores.html"' in page and 'href="units/246.html"' in page


def test_unit_page_links_its_reports_and_back(portfolio):
    html_dir, _ = portfolio
    page = (html_dir / "units" / "246.html").read_text(encoding="utf-8")
    assert 'href="../index.html"' in page
    assert 'href="../2023/246-scores.html"' in page and 'href="../2022/246-scores.html"' in page
    assert '<span class="status-failed">failed</span>' in page  # cashless 2023
    assert page.index('<th scope="row">2023</th>') < page.index('<th scope="row">2022</th>')


def test_every_link_is_relative_and_resolves(portfolio):
    html_dir, _ = portfolio
    for page in [html_dir / "index.html", *(html_dir / "units").iterdir()]:
        for url in parse(page).urls:
            assert not re.match(r"^([a-z]+:|//|/)", url), (page, url)
            target = url.split("#")[0]
            if target:
                assert (page.parent / target).resolve().is_file(), (page, url)


def test_unit_names_with_markup_show_as_text(portfolio):
    html_dir, _ = portfolio
    for page in (html_dir / "index.html", html_dir / "units" / "246.html"):
        text = page.read_text(encoding="utf-8")
        parsed = parse(page)
        assert "script" not in parsed.tags and "img" not in parsed.tags
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in text
        assert "<script>" not in text


def test_pages_are_self_contained(portfolio):
    html_dir, _ = portfolio
    for page in [html_dir / "index.html", *(html_dir / "units").iterdir()]:
        text = page.read_text(encoding="utf-8")
        assert "<style>" in text and "<link" not in text and "<script" not in text


@pytest.mark.parametrize("code, href", [("246", "units/246.html"), ("08761", "units/08761.html"),
                                        ("../x", "units/___x.html"), ("", "units/_.html")])
def test_unit_page_names_are_safe(code, href):
    assert unit_page_href(code) == href


def test_vietnamese_portfolio(tmp_path):
    index = write_index([IndexEntry("scores", "246", "Lập Thạch", "district", 2023, "no_data")],
                        tmp_path, lang="vi")
    page = index.read_text(encoding="utf-8")
    assert '<html lang="vi">' in page and "không có số liệu" in page
