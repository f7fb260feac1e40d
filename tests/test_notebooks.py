"""End to end: papermill runs a notebook on the real data and nbconvert exports its HTML."""

from __future__ import annotations

import re

import nbformat
import pytest

from lib.batch import run as report
from lib.data.paths import NOTEBOOKS_DIR
from lib.site.export import make_exporter

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lap_thach_scores(processed, tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    report.ensure_kernel()
    job = report.Job("scores", "246", "district", "Lập Thạch", 2023, "en")
    outcome = report.run_job(job, out, make_exporter(), "test-version")
    assert outcome.status == "built", outcome.error
    return outcome


@pytest.fixture(scope="module")
def lap_thach_scores_vi(processed, tmp_path_factory):
    """The same report in Vietnamese (the default language), in the same outputs layout."""
    out = tmp_path_factory.mktemp("outputs")
    report.ensure_kernel()
    outcome = report.run_job(report.Job("scores", "246", "district", "Lập Thạch", 2023), out,
                             make_exporter(), "test-version")
    assert outcome.status == "built", outcome.error
    return outcome, out


def test_the_vietnamese_report_is_the_default_and_links_the_english_one(lap_thach_scores_vi):
    outcome, out = lap_thach_scores_vi
    assert outcome.html == out / "html" / "2023" / "246-scores.html"
    assert outcome.executed == out / "executed" / "2023" / "246-scores.ipynb"
    notebook = nbformat.read(outcome.executed, as_version=4)
    assert notebook.metadata.papermill.parameters["lang"] == "vi"
    page = outcome.html.read_text(encoding="utf-8")
    assert '<html lang="vi">' in page
    assert "<title>Điểm và thứ hạng DTI 2023 — Lập Thạch</title>" in page
    assert "<dt>Điểm DTI</dt><dd>744,213 điểm</dd>" in page
    assert '<a href="../en/2023/246-scores.html" hreflang="en" lang="en" rel="alternate">' \
           "English</a>" in page
    assert '<a href="../index.html">Tất cả báo cáo</a>' in page


def test_parameters_are_recorded_and_no_cell_failed(lap_thach_scores):
    notebook = nbformat.read(lap_thach_scores.executed, as_version=4)
    assert notebook.metadata.papermill.parameters == {
        "unit_code": "246", "reference_year": 2023, "unit_level": "district", "lang": "en"}
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []


def test_html_shows_lap_thach_744_213_and_rank_1_of_9(lap_thach_scores):
    assert lap_thach_scores.html.relative_to(lap_thach_scores.html.parents[2]).as_posix() == \
        "en/2023/246-scores.html"
    page = lap_thach_scores.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "<title>DTI score and rank 2023 — Lập Thạch</title>" in page
    assert 'href="../../2023/246-scores.html" hreflang="vi"' in page
    assert "Lập Thạch" in page
    assert "744.213 points out of 1,000" in page
    assert "ranked 1st of 9 among the districts and cities of Vĩnh Phúc province" in page
    assert "<td>1 of 9</td>" in page
    assert "rose from 5th in 2022 to 1st in 2023" in page
    assert "data/raw/dti_district_vinhphuc.csv, row 13" in page


def test_html_contains_no_code_and_loads_nothing_external(lap_thach_scores):
    page = lap_thach_scores.html.read_text(encoding="utf-8")
    for code in ("import ", "show.show_", "profiles.", "unit_code =", "reference_year ="):
        assert code not in page
    assert 'class="jp-CodeMirrorEditor' not in page and 'class="highlight' not in page
    assert "In&nbsp;[" not in page and "python -m lib" not in page
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"""src=["']https?://""", page)
    assert not re.search(r"""<link[^>]+href=["']https?://""", page)
    # the only links to another host are the cited sources, in the source lines
    linked = set(re.findall(r"""<a href="(https?://[^"]+)">""", page))
    assert "https://mic.gov.vn/lap-thach-dan-dau-ve-chuyen-doi-so-197240821085124281.htm" in linked
    assert linked == set(re.findall(r'<span class="dti-url">(https?://[^<]+)</span>', page))


def _sheets(path) -> dict:
    """Every sheet of a workbook as its rows of values (openpyxl)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets}, workbook


def test_the_report_workbook_holds_every_table_with_numbers_and_a_sources_sheet(lap_thach_scores_vi):
    outcome, out = lap_thach_scores_vi
    workbook_path = out / "html" / "2023" / "246-scores.xlsx"
    page = outcome.html.read_text(encoding="utf-8")
    assert 'download="" href="246-scores.xlsx"' in page  # relative: works from the zipped folder
    assert "Tải tất cả các bảng của báo cáo (Excel, kèm nguồn)</a>" in page
    sheets, workbook = _sheets(workbook_path)
    assert list(sheets) == ["1. Kết quả", "2. Vị trí so với các đơn vị…", "3. Kết quả thành phần",
                            "Nguồn"]
    result = sheets["1. Kết quả"]
    assert result[0][0] == "Kết quả" and result[2] == ["Nội dung", "Giá trị"]
    values = {row[0]: row[1] for row in result[3:]}
    assert values["Điểm DTI"] == 744.213  # a number, shown as on the page: 744,213 điểm
    assert workbook["1. Kết quả"]["B4"].number_format == '0.000" điểm"'
    assert values["Thứ hạng"] == "1/9"
    peers = sheets["2. Vị trí so với các đơn vị…"]
    assert peers[2] == ["Đơn vị", "Điểm", "Thứ hạng", "Tình trạng số liệu"]
    assert peers[3][:3] == ["Lập Thạch", 744.213, "1/9"] and len(peers) == 3 + 9
    sources = sheets["Nguồn"]
    assert sources[2] == ["Bảng", "Cơ quan công bố", "Loại nguồn", "Thời điểm công bố", "Liên kết"]
    first = sources[3]
    assert first[:4] == ["1. Kết quả", "Bộ Thông tin và Truyền thông (mic.gov.vn)", "cơ quan nhà nước",
                         "ngày 21/8/2024"]
    assert first[4].startswith("https://mic.gov.vn/lap-thach-dan-dau-ve-chuyen-doi-so")
    assert workbook["Nguồn"]["E4"].hyperlink.target == first[4]


def test_the_english_workbook_speaks_english(lap_thach_scores):
    sheets, _ = _sheets(lap_thach_scores.html.with_suffix(".xlsx"))
    assert list(sheets)[0] == "1. Result" and list(sheets)[-1] == "Sources"
    values = {row[0]: row[1] for row in sheets["1. Result"][3:]}
    assert values["DTI score"] == 744.213 and values["Rank"] == "1 of 9"
    assert sheets["Sources"][3][1] == "Ministry of Information and Communications (mic.gov.vn)"
    assert sheets["Sources"][3][3] == "21 August 2024"


def test_the_report_shows_no_warning(lap_thach_scores):
    # no blanket filter: a warning would be a stderr stream of the executed notebook
    notebook = nbformat.read(lap_thach_scores.executed, as_version=4)
    assert [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type == "stream" and o.name == "stderr"] == []


@pytest.fixture(scope="module")
def explore(processed, tmp_path_factory):
    """notebooks/explore.ipynb executed with its defaults (Lập Thạch, 2023) on the real data."""
    import papermill

    report.ensure_kernel()
    out = tmp_path_factory.mktemp("explore") / "explore.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS_DIR / "explore.ipynb"), str(out),
                               kernel_name=report.KERNEL_NAME, cwd=str(NOTEBOOKS_DIR),
                               progress_bar=False)
    return nbformat.read(out, as_version=4)


def _outputs(notebook, mime: str) -> list[str]:
    return [o["data"][mime] for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if mime in o.get("data", {})]


def test_explore_answers_the_three_questions_from_the_real_data(explore):
    answers = _outputs(explore, "text/markdown")
    assert answers[1] == ("**Scores.** Lập Thạch, 2023: 744.213 points out of 1,000, rank 1 of 9 "
                          "in `districts_of_26` (rank 5 in 2022); 8 of 9 units have no published "
                          "score.")
    # Lập Thạch's figures come from an article of 2024-08-21: they count for 2024, not 2023
    assert answers[2].startswith("**Infrastructure.** Lập Thạch: nothing counts for 2023; "
                                 "6 figures count for 2024 (period 2023-2024 (article of "
                                 "2024-08-21)): ")
    assert "Communes and towns reached by the fibre-optic telecom transmission network 100 %" \
        in answers[2]
    assert answers[3].startswith("**Cashless.** Lập Thạch: nothing counts for 2023; 4 figures "
                                 "count for 2024")
    assert "Stores displaying QR codes for bank payment 68 %" in answers[3]
    assert answers[3].endswith("with the same definition: 0 of 4.")


def test_explore_lists_the_tables_looks_up_the_unit_and_charts_the_indicator(explore):
    plain = _outputs(explore, "text/plain")
    tables = next(text for text in plain if text.lstrip().startswith("table"))
    assert re.search(r"units\s+245\b", tables) and re.search(r"dti_scores\s+297\b", tables)
    assert ("Unit(code='246', name='Lập Thạch', unit_type='Huyện', level='district', "
            "parent_code='26', parent_name='Vĩnh Phúc')") in plain
    assert len(_outputs(explore, "image/png")) == 1
    assert any("82.40" in text and "% of households" in text for text in plain)  # Vietnam, 2024
    assert not [o for c in explore.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type in ("error", "stream")]
