"""Charts that read (lib/present/plots.py): a title, labelled axes, text at least MIN_FONT points,
integer rank ticks within 1…N, no empty year, the unit highlighted, markers apart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from lib.present import plots


def _texts(fig) -> list:
    fig.canvas.draw()
    return [t for t in fig.findobj(plt.Text) if t.get_text().strip() and t.get_visible()]


def _check_readable(fig) -> None:
    ax = fig.axes[0]
    assert ax.get_title(loc="left")
    assert ax.get_xlabel() or ax.get_ylabel()
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < plots.MIN_FONT]
    assert small == []
    assert plots.MIN_FONT * 100 / 72 >= 11  # px at the 100 px per inch of lib.present.display


def test_rank_chart_has_integer_ticks_within_1_to_n_and_no_empty_year():
    history = pd.DataFrame({"reference_year": [2020, 2021, 2022, 2024, 2022],
                            "unit_code": ["26", "26", "26", "26", "01"],
                            "unit_name": ["Vĩnh Phúc"] * 4 + ["Hà Nội"],
                            "rank": [55, 12, 18, None, 1]})
    fig = plots.rank_lines(history, "26", 63, [2022], "vi")
    ax = fig.axes[0]
    ticks = [int(t) for t in ax.get_yticks()]
    assert ticks[0] == 1 and ticks[-1] == 63 and all(1 <= t <= 63 for t in ticks)
    assert ax.get_ylim() == (63.5, 0.5)  # 1st on top
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2020", "2021", "2022"]  # no 2024
    assert ax.get_xlabel() == "Năm đánh giá"
    assert ax.get_title(loc="left") == "Thứ hạng DTI qua các năm 2020–2022"
    _check_readable(fig)
    plt.close(fig)


def test_overview_bars_use_the_unit_colour_and_name_approximate_values_in_the_legend():
    peers = pd.DataFrame({"unit_code": ["243", "251", "249"], "reference_year": [2022] * 3,
                          "unit_name": ["Vĩnh Yên", "Yên Lạc", "Tam Đảo"],
                          "score": [631.0, 593.0, 559.0],
                          "value_status": ["reported", "reported", "approximate"]})
    fig = plots.score_bars(peers, "", "Điểm DTI (thang điểm 1.000)", lang="vi")
    ax = fig.axes[0]
    assert {p.get_facecolor()[:3] for p in ax.patches[:3]} == {tuple(plots.HIGHLIGHT)}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["xấp xỉ hoặc tính từ số liệu công bố"]
    assert ax.get_title(loc="left") == "Điểm DTI năm 2022"
    _check_readable(fig)
    plt.close(fig)
    fig = plots.score_bars(peers, "249", "DTI", lang="en")
    colours = {p.get_facecolor()[:3] for p in fig.axes[0].patches[:3]}
    assert colours == {tuple(plots.HIGHLIGHT), tuple(int(plots.OTHER[i:i + 2], 16) / 255 for i in (1, 3, 5))}
    assert [t.get_fontweight() for t in fig.axes[0].get_yticklabels()] == ["bold", "normal", "normal"]
    plt.close(fig)


def test_markers_on_one_row_are_drawn_apart():
    rows = pd.DataFrame({"indicator": ["fibre"], "label": ["Fibre"], "value": [100.0]})
    comparisons = pd.DataFrame({"indicator": ["fibre"] * 3, "comparator_unit": ["26", "VN", "26"],
                                "comparator_label": ["Vĩnh Phúc", "Việt Nam", "2025"],
                                "comparator_value": [100.0, 100.0, 100.0],
                                "is_target": [False, False, True], "same_definition": [True] * 3})
    fig = plots.indicator_dots(rows, comparisons, "Lập Thạch", "en")
    ys = sorted(float(c.get_offsets()[0][1]) for c in fig.axes[0].collections)
    assert ys == pytest.approx([-0.22, 0.0, 0.22])
    _check_readable(fig)
    plt.close(fig)


def test_coverage_heatmap_text_is_readable():
    matrix = pd.DataFrame({2022: ["score", "rank only"], 2023: ["none", "score"]},
                          index=["Vĩnh Yên", "Lập Thạch"])
    fig = plots.coverage_heatmap(matrix, {"score": "có điểm", "rank only": "chỉ có thứ hạng",
                                          "none": "chưa có"}, "vi")
    cells = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert cells == {"có điểm": "white", "chỉ có thứ hạng": "black", "chưa có": "black"}
    assert fig.axes[0].get_xlabel() == "Năm đánh giá"
    _check_readable(fig)
    plt.close(fig)


def test_axis_numbers_use_the_report_language_decimal_mark():
    peers = pd.DataFrame({"unit_code": ["48", "79"], "reference_year": [2022] * 2,
                          "unit_name": ["Đà Nẵng", "Hồ Chí Minh"], "score": [0.8002, 0.7163],
                          "value_status": ["reported"] * 2})
    for lang, mark in (("vi", "0,2"), ("en", "0.2")):
        fig = plots.score_bars(peers, "48", "DTI", lang=lang)
        fig.canvas.draw()
        assert mark in [t.get_text() for t in fig.axes[0].get_xticklabels()]
        plt.close(fig)


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_titles_stand_clear_of_their_legends_and_hollow_markers_are_named():
    rows = pd.DataFrame({"indicator": ["fibre"], "label": ["Fibre"], "value": [100.0]})
    comparisons = pd.DataFrame({"indicator": ["fibre"] * 2, "comparator_unit": ["26", "VN"],
                                "comparator_label": ["Vĩnh Phúc", "Việt Nam"],
                                "comparator_value": [100.0, 82.4], "is_target": [False, False],
                                "same_definition": [True, False]})
    main = pd.DataFrame({"indicator": ["a", "b"], "indicator_name": ["Nhận thức số", "Thể chế số"],
                         "pct_of_max": [100.0, 90.0]})
    for fig in (plots.indicator_dots(rows, comparisons, "Lập Thạch", "en"),
                plots.pct_of_max_bars(main, pd.Series({"a": 95.0, "b": 90.0}), "vi")):
        ax = fig.axes[0]
        renderer = fig.canvas.get_renderer()
        legend = ax.get_legend().get_window_extent(renderer)
        assert not _overlap(ax.title.get_window_extent(renderer), legend)
        names = [t.get_text() for t in ax.get_legend().get_texts()]
        plt.close(fig)
    assert names == ["Trung vị các đơn vị cùng cấp"]


def test_hollow_markers_have_a_legend_entry():
    rows = pd.DataFrame({"indicator": ["fibre"], "label": ["Fibre"], "value": [100.0]})
    comparisons = pd.DataFrame({"indicator": ["fibre"], "comparator_unit": ["VN"],
                                "comparator_label": ["Việt Nam"], "comparator_value": [82.4],
                                "is_target": [False], "same_definition": [False]})
    fig = plots.indicator_dots(rows, comparisons, "Lập Thạch", "vi")
    names = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert names == ["Lập Thạch", "Việt Nam", "chỉ tiêu khác, chỉ để tham khảo (ký hiệu rỗng)"]
    plt.close(fig)


def test_end_labels_of_close_ranks_are_moved_apart():
    placed = plots._spread([1.0, 1.5, 2.0, 30.0], 3.0)
    assert all(b - a >= 3.0 - 1e-6 for a, b in zip(placed, placed[1:]))
    assert placed[1] == pytest.approx(1.5) and placed[3] == pytest.approx(30.0)


def test_ranges_are_drawn_as_ranges_and_lower_bounds_with_an_arrow(processed):
    # Lập Thạch 2024: Vĩnh Phúc's and the national 65–70 % account targets, the "ít nhất 70 %" fibre target
    from lib.analysis import queries as profiles
    from lib.present import narrative

    unit = profiles.get_unit("246", "district", 2024)
    drawn = {}
    for themes in (profiles.CASHLESS_THEMES, profiles.INFRASTRUCTURE_THEMES):
        figures = profiles.unit_indicators("246", 2024, themes)
        comparisons = profiles.comparators(figures, profiles.comparison_areas(unit), 2024)
        fig = plots.indicator_dots(narrative.percent_rows(figures, "en"),
                                   narrative.with_comparator_labels(comparisons, "en"), "Lập Thạch", "en")
        ax = fig.axes[0]
        drawn[themes] = {
            "segments": sorted({tuple(round(x, 1) for x in seg[:, 0]) for c in ax.collections
                                if hasattr(c, "get_segments") for seg in c.get_segments()
                                if len(seg) == 2 and seg[0, 1] == seg[1, 1]}),
            "points": sorted(round(float(x), 1) for c in ax.collections if hasattr(c, "get_offsets")
                             for x, _ in c.get_offsets()),
            "arrows": [a.xy[0] - a.xyann[0] for a in ax.texts if getattr(a, "arrow_patch", None)],
            "legend": [t.get_text() for t in ax.get_legend().get_texts()],
        }
    cashless = drawn[profiles.CASHLESS_THEMES]
    assert (65.0, 70.0) in cashless["segments"] and 67.5 not in cashless["points"]
    assert "a range (from low to high)" in cashless["legend"]
    infrastructure = drawn[profiles.INFRASTRUCTURE_THEMES]
    assert infrastructure["arrows"] == [7.0] and "at least (arrow)" in infrastructure["legend"]
