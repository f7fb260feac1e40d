"""The report template and export: a self-contained page with header, contents and footer.

These tests build small executed notebooks by hand (outputs as lib.present.display writes them), so
they run in a second without papermill; tests/test_notebooks.py and tests/test_browser.py run
the real notebooks.
"""

from __future__ import annotations

import re

import matplotlib
import nbformat
import pytest
from conftest import visible_text
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lib.messages import render
from lib.present import display
from lib.present.facts import header_facts
from lib.site.export import export_html, make_exporter, outline

matplotlib.use("Agg")


def html_output(markup: str, **metadata) -> nbformat.NotebookNode:
    return new_output("display_data", data={"text/html": markup, "text/plain": "<HTML>"},
                      metadata=metadata)


def executed_notebook(unit_code: str = "246", lang: str = "en", title_text: str = "Lập Thạch",
                      header: dict | None = None) -> nbformat.NotebookNode:
    """A notebook shaped like an executed report: parameters, title (with the key figures
    ``header`` in its metadata, as :func:`lib.present.display.show_title` writes), two
    sections, stderr."""
    parameters = {"unit_code": unit_code, "reference_year": 2023, "unit_level": "district",
                  "lang": lang}
    cells = [
        new_markdown_cell("# Analyst intro", metadata={"tags": ["remove-cell"]}),
        new_code_cell('unit_code = "246"', metadata={"tags": ["parameters"]}),
        new_code_cell('unit_code = "246"  # injected', metadata={"tags": ["injected-parameters"]}),
        new_code_cell("show.show_heading(title, 1)", outputs=[
            new_output("stream", name="stderr", text="UserWarning: secret warning text\n"),
            html_output(f'<h1 id="s-title">{display.escape(title_text)}</h1>',
                        **({"dti": {"header": header}} if header else {}))]),
        new_code_cell("show.show_heading('Result')", outputs=[
            html_output('<h2 id="s-result">Result</h2>'),
            html_output('<p class="dti-source">Source: MIC.</p>',
                        dti={"source_ids": ["src-unknown", "src-unknown"]})]),
        new_code_cell("show.show_heading('Change &amp; more')", outputs=[
            html_output('<h2 id="s-change-more">Change &amp; more</h2>'),
            new_output("stream", name="stdout", text="visible stdout\n")]),
    ]
    notebook = new_notebook(cells=cells)
    notebook.metadata["papermill"] = {"input_path": "notebooks/scores.ipynb",
                                      "parameters": parameters}
    return notebook


@pytest.fixture
def exported(processed, tmp_path):
    """Export the hand-made notebook in English as html/en/2023/246-scores.html; return the
    page text."""
    executed = tmp_path / "executed.ipynb"
    header = header_facts("scores", {"unit_code": "246", "unit_level": "district",
                                     "reference_year": 2023}, "en")
    nbformat.write(executed_notebook(header=header), executed)
    page = export_html(executed, tmp_path / "html" / "en" / "2023" / "246-scores.html",
                       "DTI score and rank 2023 — Lập Thạch", "abc123def456", make_exporter())
    return page.read_text(encoding="utf-8")


@pytest.fixture
def exported_vi(processed, tmp_path):
    """The same report in Vietnamese, as html/2023/246-scores.html (the default language)."""
    executed = tmp_path / "executed-vi.ipynb"
    header = header_facts("scores", {"unit_code": "246", "unit_level": "district",
                                     "reference_year": 2023}, "vi")
    nbformat.write(executed_notebook(lang="vi", header=header), executed)
    page = export_html(executed, tmp_path / "html" / "2023" / "246-scores.html",
                       "Điểm và thứ hạng DTI 2023 — Lập Thạch", "abc123def456", make_exporter(),
                       html_dir=tmp_path / "html")
    return page.read_text(encoding="utf-8")


def test_page_loads_nothing_from_another_host_and_has_no_script(exported):
    assert "<script" not in exported.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", exported)
    assert "@import" not in exported and "url(http" not in exported
    assert '<link rel="stylesheet"' not in exported
    for cdn in ("require.js", "requirejs", "mathjax", "MathJax", "plotly", "fonts.googleapis",
                "cdnjs", "unpkg", "jsdelivr", "mermaid"):
        assert cdn not in exported
    assert "jp-InputArea" not in exported  # no JupyterLab stylesheet either (it is 250 kB)


def test_no_code_prompts_stderr_or_parameters(exported):
    assert "show.show_heading" not in exported and "unit_code =" not in exported
    assert "injected" not in exported and "Analyst intro" not in exported
    assert "secret warning text" not in exported
    assert "In&nbsp;[" not in exported and "Out[" not in exported
    assert "visible stdout" in exported


def test_header_has_unit_year_and_key_figures_after_the_title(exported):
    title = exported.index("<h1")
    summary = exported.index('class="dti-summary"')
    assert title < summary < exported.index('id="s-result"')
    block = exported[summary:exported.index("</section>", summary)]
    assert "Lập Thạch" in block and "district of Vĩnh Phúc" in block and "2023" in block
    assert "<dt>DTI score</dt><dd>744.213 points</dd>" in block
    assert "<dt>Rank</dt><dd>1 of 9 among districts and cities of Vĩnh Phúc province</dd>" in block
    assert "<dt>Rank in 2022</dt><dd>5th</dd>" in block


def test_table_of_contents_links_every_section_in_order(exported):
    start = exported.index('class="dti-toc"')
    toc = exported[start:exported.index("</nav>", start)]
    assert re.findall(r'href="#([^"]+)"', toc) == ["s-result", "s-change-more", "dti-sources"]
    assert ">Change &amp; more<" in toc  # unescaped from the output, escaped once again


def test_footer_has_sources_data_version_build_date_and_project_version(exported):
    footer = exported[exported.index('<footer class="dti-footer"'):]
    assert 'id="dti-sources"' in footer
    analyst = footer[footer.index('<details class="dti-analyst">'):footer.index("</details>")]
    assert "For analysts: data and program versions" in analyst
    assert "abc123def456" in analyst and "dti-notebooks 0." in analyst  # not in the first read
    assert "abc123def456" not in footer.replace(analyst, "")
    assert re.search(r"<dd>\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} Vietnam time \(UTC\+7\)</dd>", footer)
    assert "dti-notebooks 0." in footer
    assert 'href="../index.html"' in footer and 'href="../units/246.html"' in footer


def test_breadcrumb_links_back_relatively(exported):
    header = exported[exported.index('<header class="dti-top"'):exported.index("</header>")]
    assert 'href="../index.html"' in header and 'href="../units/246.html"' in header


def test_footer_lists_the_sources_the_outputs_cite(processed, tmp_path):
    from lib.data.load import load_table

    source = load_table("sources").iloc[0]
    notebook = executed_notebook()
    notebook.cells[4].outputs[1].metadata["dti"]["source_ids"] = [source["source_id"]]
    executed = tmp_path / "executed.ipynb"
    nbformat.write(notebook, executed)
    page = export_html(executed, tmp_path / "html" / "2023" / "246-scores.html", "t", "v")
    footer = page.read_text(encoding="utf-8").split('<footer class="dti-footer"')[1]
    assert display.escape(source["url"]) in footer and display.escape(source["publisher"]) in footer


def test_source_types_and_dates_in_the_report_language(processed):
    from lib.data.load import load_table
    from lib.site.export import cited_sources

    sources = load_table("sources")
    dated = sources[sources["date"] == "2022-07-26"].iloc[0]
    [vi] = cited_sources([dated["source_id"]], "vi")
    [en] = cited_sources([dated["source_id"]], "en")
    assert (vi["date"], en["date"]) == ("ngày 26/7/2022", "26 July 2022")
    kind = render(f"data.source_type.{dated['type']}", "vi")
    assert kind != dated["type"]
    # the type is said once: beside the publisher, unless the publisher's name already says it
    assert (vi["type"], kind in vi["publisher"]) in ((kind, False), ("", True))
    press = sources[sources["type"] == "press"].iloc[0]["source_id"]
    assert [cited_sources([press], lang)[0]["type"] for lang in ("vi", "en")] == \
        ["báo chí", "press"]


def test_lang_attribute_and_labels_follow_the_report_language(exported_vi):
    page = exported_vi
    assert '<html lang="vi">' in page
    assert render("site.report.contents", "vi") in page and "Mục lục" in page
    assert "<dt>Điểm DTI</dt>" in page and "Mã ĐVHC 246" in page and "Năm đánh giá 2023" in page
    assert re.search(r"<dd>\d{2}:\d{2} \(giờ Việt Nam\) ngày \d{1,2}/\d{1,2}/\d{4}</dd>", page)
    assert '<a href="../index.html">Tất cả báo cáo</a>' in page
    assert 'href="../units/246.html">các báo cáo của Lập Thạch</a>' in page
    for english in ("Key figures", "Contents", "Sources cited", "Reference year", "GSO"):
        assert english not in visible_text(page), english


def test_each_report_links_its_counterpart_in_the_other_language(exported, exported_vi):
    nav = '<nav aria-label="{}" class="dti-languages"><ul>\n<li><a href="{}" hreflang="{}" lang="{}"'
    assert nav.format("Ngôn ngữ khác", "../en/2023/246-scores.html", "en", "en") in exported_vi
    assert ">English</a>" in exported_vi
    assert nav.format("Other languages", "../../2023/246-scores.html", "vi", "vi") in exported
    assert ">Tiếng Việt</a>" in exported


def test_title_and_header_text_from_data_are_escaped(processed, tmp_path):
    executed = tmp_path / "executed.ipynb"
    nbformat.write(executed_notebook(), executed)
    page = export_html(executed, tmp_path / "246-scores.html", '<script>alert("t")</script> & co',
                       "<b>v</b>").read_text(encoding="utf-8")
    assert '<title>&lt;script&gt;alert("t")&lt;/script&gt; &amp; co</title>' in page
    assert "<b>v</b>" not in page and "&lt;b&gt;v&lt;/b&gt;" in page


def test_outline_reads_headings_sources_and_title_cell_without_changing_outputs():
    notebook = executed_notebook()
    before = nbformat.writes(notebook)
    found = outline(notebook)
    assert found == {"toc": [("s-result", "Result"), ("s-change-more", "Change & more")],
                     "source_ids": ["src-unknown"], "title_cell": 3}
    assert nbformat.writes(notebook) == before


@pytest.mark.parametrize("notebook, labels", [
    ("scores", ["DTI score", "Rank", "Rank in 2022"]),
    ("infrastructure", ["Published figures"]),
    ("cashless", ["Published figures"]),
])
def test_header_facts_per_report(processed, notebook, labels):
    facts = header_facts(notebook, {"unit_code": "246", "unit_level": "district",
                                    "reference_year": 2023}, "en")
    assert facts["unit_name"] == "Lập Thạch" and facts["year"] == 2023
    assert [label for label, _ in facts["facts"]][:len(labels)] == labels
    assert all(value for _, value in facts["facts"])


def test_header_facts_of_the_province_overview(processed):
    facts = dict(header_facts("overview", {"unit_code": "26", "unit_level": "province",
                                           "reference_year": 2022}, "en")["facts"])
    assert facts["National DTI rank"] == "18 of 63"
    assert facts["Districts and cities with a published score"] == "3 of 9"
    vi = dict(header_facts("overview", {"unit_code": "26", "unit_level": "province",
                                        "reference_year": 2022}, "vi")["facts"])
    assert vi["Số huyện, thành phố có điểm"] == "3/9" and vi["Đứng đầu"] == "Vĩnh Yên"


def test_header_facts_say_a_rank_absent_from_the_sources_is_not_in_them(processed):
    facts = dict(header_facts("scores", {"unit_code": "246", "unit_level": "district",
                                         "reference_year": 2022}, "vi")["facts"])
    # the district DTI starts in 2022 (QĐ 2074/QĐ-UBND); 2021 had none
    assert facts["Thứ hạng năm 2021"] == "chưa có DTI cấp huyện"
    assert facts["Điểm DTI"] == "số tính từ số liệu công bố; các nguồn không thống nhất (C1)"  # 582.413 derived
    facts = dict(header_facts("scores", {"unit_code": "48", "unit_level": "province",
                                         "reference_year": 2024}, "vi")["facts"])
    assert facts["Thứ hạng năm 2023"] == "thứ 1"
    assert facts["Điểm DTI"] == "không có trong các nguồn đã dùng"  # VTC gives the rank only


def test_header_facts_say_not_published_instead_of_blank(processed):
    facts = dict(header_facts("scores", {"unit_code": "26", "unit_level": "province",
                                         "reference_year": 2024}, "en")["facts"])
    # dti.gov.vn publishes the 2024 score of Vĩnh Phúc; it is not entered here
    assert facts["DTI score"] == "not in this data set"
    assert facts["Rank in 2023"] == "not in this data set"
    facts = dict(header_facts("scores", {"unit_code": "26", "unit_level": "province",
                                         "reference_year": 2024})["facts"])
    assert facts["Điểm DTI"] == "chưa có trong bộ số liệu này"  # Vietnamese by default


@pytest.mark.parametrize("text, anchor", [
    ("Result", "s-result"),
    ("Change from the previous year", "s-change-from-the-previous-year"),
    ("Thứ hạng DTI quốc gia của tỉnh qua các năm", "s-thu-hang-dti-quoc-gia-cua-tinh-qua-cac-nam"),
    ("Đà Nẵng", "s-da-nang"),
    ("<script>", "s-script"),
    ("!!!", "s-section"),
])
def test_heading_ids_are_ascii_anchors(text, anchor):
    assert display.heading_id(text) == anchor


def test_figures_need_alt_text_and_carry_their_size():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([1, 2], [3, 1])
    src, width, height = display.figure_image(fig)
    assert src.startswith(("data:image/svg+xml;base64,", "data:image/png;base64,"))
    assert 300 < width < 420 and 120 < height < 220  # CSS pixels at 100 dpi, tight bbox
    with pytest.raises(ValueError, match="alt text"):
        display.show_figure(fig, alt="  ")
    plt.close("all")


@pytest.mark.parametrize("text, lang, expected", [
    ("744,213 điểm", "vi", (744.213, '0.000" điểm"')),
    ("744.213 points", "en", (744.213, '0.000" points"')),
    ("1.000", "vi", (1000, "#,##0")),
    ("97,4%", "vi", (0.974, "0.0%")),
    ("−2,5", "vi", (-2.5, "0.0")),
    (2023, "vi", (2023, "0")),
    ("1/9", "vi", None), ("1 of 9", "en", None), ("gần 559", "vi", None),
    ("0,8002 (800,2 điểm)", "vi", None), ("chưa có số liệu", "vi", None),
])
def test_workbook_cells_read_numbers_in_the_report_language(text, lang, expected):
    from lib.site.export import excel_number

    assert excel_number(text, lang) == expected


def test_report_tables_follow_their_section_and_source_line():
    from lib.site.export import report_tables

    notebook = executed_notebook()
    table = {"columns": ["Unit", "Score"], "rows": [["Lập Thạch", "744.213 points"]], "caption": ""}
    notebook.cells[4].outputs.insert(1, html_output("<table></table>", dti={"table": table}))
    found = report_tables(notebook)
    assert found == [{"heading": "Result", "caption": "", "columns": ["Unit", "Score"],
                      "rows": [["Lập Thạch", "744.213 points"]],
                      "source_ids": ["src-unknown", "src-unknown"]}]
