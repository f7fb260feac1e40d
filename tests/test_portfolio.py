"""The portfolio: index.html by year and unit, one page per unit, relative links, escaping."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import visible_text

from lib.site.portfolio import (IndexEntry, built_at, language_root, report_title, unit_page_href,
                           write_index, write_portfolio)

FILTER_JS = (Path(__file__).parents[1] / "lib/site/templates/dti_report/filter.js").read_text(encoding="utf-8")
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
    """Lập Thạch's and Vĩnh Phúc's reports in Vietnamese (html/) and English (html/en/)."""
    html_dir = tmp_path / "html"
    entries = []
    for lang, root in (("vi", ""), ("en", "en/")):
        for year, name in ((2023, "246-scores"), (2023, "246-infrastructure"), (2022, "246-scores")):
            (html_dir / f"{root}{year}").mkdir(parents=True, exist_ok=True)
            (html_dir / f"{root}{year}" / f"{name}.html").write_text("<p>report</p>",
                                                                     encoding="utf-8")
        entries += [
            IndexEntry("scores", "246", EVIL, "district", 2023, "built",
                       f"{root}2023/246-scores.html", lang),
            IndexEntry("infrastructure", "246", EVIL, "district", 2023, "stale",
                       f"{root}2023/246-infrastructure.html", lang),
            IndexEntry("cashless", "246", EVIL, "district", 2023, "failed", None, lang),
            IndexEntry("scores", "246", EVIL, "district", 2022, "built",
                       f"{root}2022/246-scores.html", lang),
            IndexEntry("scores", "26", "Vĩnh Phúc", "province", 2023, "no_data", None, lang),
            IndexEntry("overview", "26", "Vĩnh Phúc", "province", 2023, "failed", None, lang),
        ]
    indexes = write_portfolio(entries, html_dir)
    return html_dir, indexes


def pages_of(html_dir: Path) -> list[Path]:
    return [html_dir / "index.html", *(html_dir / "units").iterdir(),
            html_dir / "en" / "index.html", *(html_dir / "en" / "units").iterdir()]


def test_index_and_one_page_per_unit_in_each_language(portfolio):
    html_dir, indexes = portfolio
    assert indexes == [html_dir / "index.html", html_dir / "en" / "index.html"]
    for root in (html_dir, html_dir / "en"):
        assert sorted(p.name for p in (root / "units").iterdir()) == ["246.html", "26.html"]


def test_english_index_lists_years_units_and_statuses(portfolio):
    html_dir, _ = portfolio
    page = (html_dir / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert page.index('id="y2023"') < page.index('id="y2022"')  # newest first
    assert "2 reports built, 1 stale, 2 failed; 1 unit and year without data." in page
    assert '<span class="status-failed">failed</span>' in page
    assert '<span class="status-no_data">no data</span>' in page
    assert "(stale: last rebuild failed)" in page
    assert 'href="2023/246-scores.html"' in page and 'href="units/246.html"' in page
    assert "<td>district</td><td>246</td>" in page and "<th scope=\"col\">Unit code</th>" in page


def test_vietnamese_index_is_the_default_and_reads_vietnamese(portfolio):
    html_dir, _ = portfolio
    page = (html_dir / "index.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in page
    assert "<title>Báo cáo Chỉ số chuyển đổi số (DTI)</title>" in page
    assert ("Đã lập 2 báo cáo, 1 bản cũ, 2 báo cáo lỗi; 1 trường hợp đơn vị và năm chưa có "
            "số liệu.") in page
    assert '<span class="status-no_data">chưa có số liệu</span>' in page
    assert "(bản cũ: lần lập lại gần nhất bị lỗi)" in page
    assert '<th scope="col">Mã ĐVHC</th>' in page and "<td>cấp huyện</td><td>246</td>" in page
    assert '<th scope="col">Điểm và thứ hạng DTI</th>' in page
    text = visible_text(page)
    for english in ("GSO", "built", "no data", "stale", "failed", "Unit", "reports"):
        assert english not in text, english
    assert 'href="2023/246-scores.html"' in page and 'href="units/246.html"' in page


def test_summary_counts_read_differently_at_zero(tmp_path):
    entries = [IndexEntry("scores", "246", "Lập Thạch", "district", 2023, "built",
                          "2023/246-scores.html")]
    (tmp_path / "2023").mkdir()
    (tmp_path / "2023" / "246-scores.html").write_text("x", encoding="utf-8")
    page = write_index(entries, tmp_path, "vi").read_text(encoding="utf-8")
    assert ("Đã lập 1 báo cáo, không có bản cũ, không có báo cáo lỗi; đơn vị nào cũng có số "
            "liệu trong các năm đã chọn.") in page


def test_every_page_links_its_counterpart_in_the_other_language(portfolio):
    html_dir, _ = portfolio
    expected = {"index.html": ('hreflang="en"', "en/index.html"),
                "units/246.html": ('hreflang="en"', "../en/units/246.html"),
                "en/index.html": ('hreflang="vi"', "../index.html"),
                "en/units/246.html": ('hreflang="vi"', "../../units/246.html")}
    for page, (hreflang, link) in expected.items():
        text = (html_dir / page).read_text(encoding="utf-8")
        nav = text[text.index('<nav class="dti-languages"'):]
        nav = nav[:nav.index("</nav>")]
        assert f'<a href="{link}" {hreflang}' in nav, (page, nav)
        assert (html_dir / page).parent.joinpath(link).resolve() == \
            (html_dir / ("en/" + page if hreflang.endswith('"en"') else page[3:])).resolve()
    assert ">English</a>" in (html_dir / "index.html").read_text(encoding="utf-8")
    assert ">Tiếng Việt</a>" in (html_dir / "en" / "index.html").read_text(encoding="utf-8")


def test_unit_page_links_its_reports_and_back(portfolio):
    html_dir, _ = portfolio
    page = (html_dir / "en" / "units" / "246.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert 'href="../index.html"' in page
    assert 'href="../2023/246-scores.html"' in page and 'href="../2022/246-scores.html"' in page
    assert '<span class="status-failed">failed</span>' in page  # cashless 2023
    assert page.index('<th scope="row">2023</th>') < page.index('<th scope="row">2022</th>')
    vi = (html_dir / "units" / "246.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in vi and "Đơn vị hành chính cấp huyện · mã ĐVHC 246" in vi
    assert 'href="../2023/246-scores.html"' in vi and '<span class="status-failed">lỗi</span>' in vi


def test_every_link_is_relative_and_resolves(portfolio):
    html_dir, _ = portfolio
    for page in pages_of(html_dir):
        for url in parse(page).urls:
            assert not re.match(r"^([a-z]+:|//|/)", url), (page, url)
            target = url.split("#")[0]
            if target:
                assert (page.parent / target).resolve().is_file(), (page, url)


def test_unit_names_with_markup_show_as_text(portfolio):
    html_dir, _ = portfolio
    for page in pages_of(html_dir):
        if page.name == "26.html":
            continue
        text = page.read_text(encoding="utf-8")
        parsed = parse(page)
        # the index's filter box is the only script; injected markup adds none
        assert parsed.tags.count("script") == (page.name == "index.html") and "img" not in parsed.tags
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in text
        assert "<script>alert" not in text


def test_pages_are_self_contained(portfolio):
    html_dir, _ = portfolio
    for page in pages_of(html_dir):
        text = page.read_text(encoding="utf-8")
        assert "<style>" in text and "<link" not in text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S)
        assert scripts == ([("", FILTER_JS)] if page.name == "index.html" else [])
        assert ".dti-build > div" in text  # the stylesheet is inlined as it is, not escaped


@pytest.mark.parametrize("code, href", [("246", "units/246.html"), ("08761", "units/08761.html"),
                                        ("../x", "units/___x.html"), ("", "units/_.html")])
def test_unit_page_names_are_safe(code, href):
    assert unit_page_href(code) == href


def test_report_titles_and_build_times_in_each_language():
    from datetime import datetime, timezone

    assert report_title("scores", "Lập Thạch", 2023, "vi") == "Điểm và thứ hạng DTI 2023 — Lập Thạch"
    assert report_title("scores", "Lập Thạch", 2023, "en") == "DTI score and rank 2023 — Lập Thạch"
    assert report_title("custom", "Lập Thạch", 2023, "vi") == "custom 2023 — Lập Thạch"
    when = datetime(2024, 8, 21, 9, 5, tzinfo=timezone.utc)
    assert built_at("vi", when) == "16:05 (giờ Việt Nam) ngày 21/8/2024"
    assert built_at("en", when) == "21 August 2024, 16:05 Vietnam time (UTC+7)"
    assert language_root("vi") == "" and language_root("en") == "en/"
    with pytest.raises(ValueError, match="lang must be one of vi, en"):
        language_root("fr")


def test_site_messages_have_the_same_keys_and_parameters_in_both_languages():
    from lib.messages import catalogue, parameters

    site = {lang: {k: parameters(v) for k, v in catalogue(lang).items() if k.startswith("site.")}
            for lang in ("vi", "en")}
    assert site["vi"] == site["en"]
    assert len(site["vi"]) > 50


def _report_page(path: Path, built: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<html><body><main id="content"><h1>Lập Thạch</h1></main><footer>'
                    f'<dl class="dti-build"><div><dt>Thời điểm lập</dt><dd>{built}</dd></div></dl>'
                    f'</footer></body></html>', encoding="utf-8")


def test_index_lists_built_reports_first_by_title_and_collapses_empty_years_and_units(tmp_path):
    html_dir = tmp_path / "html"
    _report_page(html_dir / "2023/246-scores.html", "x")
    _report_page(html_dir / "2022/246-scores.html", "x")
    entries = [IndexEntry("scores", "246", "Lập Thạch", "district", 2023, "built", "2023/246-scores.html"),
               IndexEntry("scores", "246", "Lập Thạch", "district", 2022, "built", "2022/246-scores.html"),
               IndexEntry("scores", "246", "Lập Thạch", "district", 2024, "no_data"),
               IndexEntry("scores", "247", "Tam Dương", "district", 2024, "no_data"),
               IndexEntry("scores", "247", "Tam Dương", "district", 2023, "no_data")]
    page = write_index(entries, html_dir, "vi").read_text(encoding="utf-8")
    reports = re.search(r'<ul class="dti-reports" id="dti-reports">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', reports) == [
        ("2023/246-scores.html", "Điểm và thứ hạng DTI 2023 — Lập Thạch"),
        ("2022/246-scores.html", "Điểm và thứ hạng DTI 2022 — Lập Thạch")]
    assert page.index('id="dti-reports"') < page.index('id="units"')
    assert '<p class="dti-empty">Năm 2024: chưa có báo cáo nào cho 2 đơn vị.</p>' in page
    assert 'id="y2024"' not in page and 'id="y2023"' in page
    assert '<p class="dti-empty">Chưa có báo cáo cho 1 đơn vị: Tam Dương.</p>' in page
    units = page[page.index('id="units"'):page.index('id="y2023"')]
    assert '<a href="units/246.html">' in units and '<a href="units/247.html">' not in units
    english = write_index([IndexEntry(**{**e.__dict__, "lang": "en"}) for e in entries],
                          html_dir, "en").read_text(encoding="utf-8")
    assert '<p class="dti-empty">2024: no report for any of the 2 units.</p>' in english
    assert '<label for="dti-filter-text">Filter by unit, year or kind of report</label>' in english


def test_a_stale_report_says_so_at_the_top_once(tmp_path):
    html_dir = tmp_path / "html"
    _report_page(html_dir / "2023/246-scores.html", "22:40 (giờ UTC) ngày 1/12/2026")
    entry = IndexEntry("scores", "246", "Lập Thạch", "district", 2023, "stale", "2023/246-scores.html")
    for _ in range(2):
        write_index([entry], html_dir, "vi")
    page = (html_dir / "2023/246-scores.html").read_text(encoding="utf-8")
    banner = ('<main id="content"><p class="dti-stale-banner" role="status" id="dti-stale">Trang này là '
              'bản lập lúc 22:40 (giờ UTC) ngày 1/12/2026; lần lập lại gần nhất bị lỗi nên trang chưa '
              'được cập nhật.</p><h1>')
    assert banner in page and page.count('id="dti-stale"') == 1
    built = IndexEntry(**{**entry.__dict__, "status": "built"})
    _report_page(html_dir / "2023/246-scores.html", "23:00")  # the rebuilt page replaces it
    write_index([built], html_dir, "vi")
    assert 'id="dti-stale"' not in (html_dir / "2023/246-scores.html").read_text(encoding="utf-8")
