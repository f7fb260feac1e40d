"""Report charts. Each function returns a matplotlib ``Figure``; the caller shows it with
:func:`lib.present.display.show_figure` (alt text + source line).

Colour-blind-safe palette (seaborn ``colorblind``); the unit of interest is highlighted in
the first colour, other units in grey; approximate values are hatched and named in the legend;
rank axes put 1st on top with integer ticks within 1…N. Every chart has a title and labelled
axes. Fonts: DejaVu Sans, which has every Vietnamese diacritic; no text is smaller than
:data:`MIN_FONT` points, i.e. at least 11 px where the figure is shown at its own width (a
figure is embedded at 100 px per inch, at most 8 inches wide, so a 1280 px page never shrinks
it).
"""

from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.ticker
from matplotlib.lines import Line2D

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from lib.messages import render  # noqa: E402
from lib.present.formatting import format_number  # noqa: E402

PALETTE = sns.color_palette("colorblind")
MIN_FONT = 8.5
"""Smallest text in a chart, in points: 8.5 pt at 100 dpi is 11.8 px."""
HIGHLIGHT, OTHER, TARGET = PALETTE[0], "#9a9a9a", PALETTE[3]


def _label(key: str, lang: str, **params) -> str:
    """An axis or legend label from the catalogue (``report.axis.<key>``)."""
    return render(f"report.axis.{key}", lang, **params)


def _number(value: float, lang: str, decimals: int | None = None) -> str:
    return format_number(value, decimals, lang)


def _locale_ticks(axis, lang: str) -> None:
    """Tick labels of a numeric axis in the report's number format ("0,5", not "0.5")."""
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _number(round(v, 6), lang)))


def _title(ax, key: str, lang: str, legend_above: int = 0, **params) -> None:
    """The chart's title from the catalogue (``report.chart.<key>``), left-aligned; with
    ``legend_above`` (a number of lines, or True for one) it stands that many lines higher,
    over a legend placed at the top of the axes (:func:`_legend_above`), so the two never
    overlap."""
    ax.set_title(render(f"report.chart.{key}", lang, **params), loc="left", fontsize=11,
                 fontweight="bold", pad=10 + 17 * int(legend_above))


def _legend_above(ax, *args, ncol: int = 4, **kwargs) -> int:
    """A legend between the title and the axes, left-aligned under the title, ``ncol``
    entries a line; returns its number of lines (for :func:`_title`)."""
    legend = ax.legend(*args, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False,
                       borderaxespad=0.2, ncol=ncol, **kwargs)
    return -(-len(legend.get_texts()) // ncol)


def _spread(positions: list[float], gap: float) -> list[float]:
    """Label positions moved apart (in order, by as little as possible) so that neighbours
    are at least ``gap`` apart; ``positions`` must be sorted."""
    placed = list(positions)
    for _ in range(50):
        moved = False
        for i in range(1, len(placed)):
            overlap = gap - (placed[i] - placed[i - 1])
            if overlap > 1e-9:
                placed[i - 1] -= overlap / 2
                placed[i] += overlap / 2
                moved = True
        if not moved:
            break
    return placed


def _year_of(table: pd.DataFrame) -> str:
    years = sorted(table["reference_year"].dropna().unique()) if "reference_year" in table else []
    return "–".join(str(int(y)) for y in (years[:1] + years[-1:] if len(years) > 1 else years))


def rank_ticks(ax, axis: str, n: int) -> None:
    """Integer rank ticks within 1…``n`` only (1 and ``n`` always shown), 1st at the top or
    left; the axis spans 0.5…n + 0.5."""
    locator = matplotlib.ticker.MaxNLocator(nbins=8, integer=True, min_n_ticks=2)
    ticks = sorted({1, n} | {int(t) for t in locator.tick_values(1, n) if 1 <= t <= n})
    ticks = [t for t in ticks if t in (1, n) or (t - 1 >= n / 20 and n - t >= n / 20)]
    if axis == "y":
        ax.set_yticks(ticks)
        ax.set_ylim(n + 0.5, 0.5)
    else:
        ax.set_xticks(ticks)
        ax.set_xlim(0.5, n + 0.5)

plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 10, "axes.spines.top": False,
                     "axes.spines.right": False, "figure.dpi": 100, "legend.fontsize": 9,
                     "xtick.labelsize": 9.5, "ytick.labelsize": 9.5, "axes.labelsize": 10})


def score_bars(peers: pd.DataFrame, highlight_code: str, xlabel: str,
               value_column: str = "score", lang: str = "vi") -> plt.Figure:
    """Horizontal bars of the peers' scores, best on top, the unit highlighted (with no
    ``highlight_code``, e.g. a province's overview of its units, every bar is in the unit
    colour); values that are not reported as such (approximate, derived…) are hatched and the
    legend says so. Title: the year(s) of ``reference_year``.

    ``peers`` needs ``unit_code``, ``unit_name``, ``value_status`` and ``value_column``; rows
    without a value are left out (the caller says so in text).
    """
    from matplotlib.patches import Patch

    shown = peers[peers[value_column].notna()].sort_values(value_column)
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(shown) + 1.6))
    colors = [HIGHLIGHT if c == highlight_code or not highlight_code else OTHER
              for c in shown["unit_code"]]
    bars = ax.barh(shown["unit_name"], shown[value_column], color=colors)
    hatched = False
    for bar, status in zip(bars, shown["value_status"]):
        if status != "reported":
            bar.set_hatch("//")
            bar.set_edgecolor("white")
            hatched = True
    for bar, value, status, high in zip(bars, shown[value_column], shown["value_status"],
                                        shown.get("score_high", shown[value_column])):
        label = _number(value, lang)
        if status == "approximate":
            label = render("report.score.just_under" if high == value else "report.score.about",
                           lang, score=label)
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {label}",
                va="center", fontsize=9)
    if highlight_code in set(shown["unit_code"]):
        for tick, code in zip(ax.get_yticklabels(), shown["unit_code"]):
            if code == highlight_code:
                tick.set_fontweight("bold")
    if hatched:
        _legend_above(ax, handles=[Patch(facecolor=OTHER, hatch="//", edgecolor="white",
                                         label=_label("approximate", lang))])
    ax.set_xlabel(xlabel)
    _locale_ticks(ax.xaxis, lang)
    ax.margins(x=0.12)
    if "reference_year" in shown:
        _title(ax, "scores", lang, legend_above=hatched, year=_year_of(shown))
    fig.tight_layout()
    return fig


def rank_lines(history: pd.DataFrame, highlight_code: str, rank_of: int | None,
               break_years: list[int] | None = None, lang: str = "vi") -> plt.Figure:
    """Rank per year for each unit (a bump chart), 1st on top, the unit highlighted; in groups
    of more than 12 units only the unit is named.

    ``history`` needs ``reference_year``, ``unit_code``, ``unit_name``, ``rank``. Framework
    breaks are marked with dotted vertical lines between years.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ranked = history.dropna(subset=["rank"])
    label_all = ranked["unit_code"].nunique() <= 12  # beyond that, name only the unit
    labels = []  # (year, rank, name, highlighted) at each line's last point
    for code, rows in ranked.groupby("unit_code"):
        rows = rows.sort_values("reference_year")
        mine = code == highlight_code
        ax.plot(rows["reference_year"], rows["rank"].astype(float), marker="o",
                color=HIGHLIGHT if mine else OTHER, linewidth=2.5 if mine else 1,
                zorder=3 if mine else 2, label=rows["unit_name"].iloc[0] if mine else None)
        last = rows.iloc[-1]
        if mine or label_all:
            labels.append((int(last["reference_year"]), float(last["rank"]), last["unit_name"], mine))
    for year in break_years or []:
        ax.axvline(year - 0.5, color="#555555", linestyle=":", linewidth=1)
        ax.annotate(_label("break", lang), (year - 0.5, 1), xycoords=("data", "axes fraction"),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=MIN_FONT, color="#555555")
    years = sorted(int(y) for y in ranked["reference_year"].unique())  # no empty years
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(min(years) - 0.5, max(years) + 0.9)
    n = int(rank_of) if rank_of else int(ranked["rank"].max())
    n = max(n, int(ranked["rank"].max()))
    rank_ticks(ax, "y", n)
    # Names at the end of the lines, moved apart where ranks are close (a line of text is
    # about 1.3 × the font size; the axes are about 280 pt high for n + 1 rank steps).
    gap = (n + 1) * MIN_FONT * 1.35 / (ax.get_position().height * fig.get_figheight() * 72)
    for year in sorted({label[0] for label in labels}):
        at_year = sorted((label for label in labels if label[0] == year), key=lambda l: l[1])
        placed = _spread([l[1] for l in at_year], gap)
        shift = max(0.0, 0.7 - placed[0]) or min(0.0, n + 0.3 - placed[-1])  # stay inside 1…n
        for (x, rank, name, mine), y in zip(at_year, [p + shift for p in placed]):
            ax.annotate(name, (x, rank), xytext=(x + 0.08, y), textcoords="data", va="center",
                        fontsize=MIN_FONT, color=HIGHLIGHT if mine else "#555555",
                        fontweight="bold" if mine else "normal", annotation_clip=False)
    ax.set_ylabel(_label("rank_of", lang, count=rank_of) if rank_of else _label("rank", lang))
    ax.set_xlabel(_label("year", lang))
    _title(ax, "rank_history", lang, legend_above=bool(break_years), years=f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]))
    fig.tight_layout()
    return fig


def coverage_heatmap(matrix: pd.DataFrame, labels: dict[str, str], lang: str = "vi") -> plt.Figure:
    """Units × years grid of what is published (``score``, ``rank only``, ``none``), the
    words in each cell at :data:`MIN_FONT` or more, dark text on light cells and white on dark
    ones (seaborn picks the contrast)."""
    codes = {"score": 2, "rank only": 1, "none": 0}
    numeric = matrix.replace(codes).astype(float)
    fig, ax = plt.subplots(figsize=(min(8, 1.7 * len(matrix.columns) + 2.6), 0.5 * len(matrix) + 1.6))
    cmap = matplotlib.colors.ListedColormap(["#eeeeee", PALETTE[1], PALETTE[0]])
    sns.heatmap(numeric, cmap=cmap, vmin=-0.5, vmax=2.5, cbar=False, linewidths=1,
                linecolor="white", annot=matrix.replace(labels), fmt="", ax=ax,
                annot_kws={"fontsize": 9})
    for text, value in zip(ax.texts, numeric.to_numpy().ravel()):
        text.set_color("white" if value == 2 else "black")  # white on blue, black on orange, grey
    ax.set_xlabel(_label("year", lang))
    ax.set_ylabel("")
    _title(ax, "coverage", lang)
    ax.tick_params(left=False, bottom=False)
    fig.tight_layout()
    return fig


def indicator_dots(rows: pd.DataFrame, comparisons: pd.DataFrame, unit_name: str,
                   lang: str = "vi") -> plt.Figure:
    """Percent indicators (0–100) of the unit as bars, with comparison areas and targets as
    markers on the same row (hollow markers where the definition differs, named in the legend).

    Each comparison area has its own colour and marker shape; targets are diamonds.
    ``rows``: ``indicator``, ``label``, ``value``; ``comparisons``: ``indicator``,
    ``comparator_unit``, ``comparator_label`` (its name in the report's language),
    ``comparator_value``, ``is_target``, ``same_definition``, and optionally
    ``comparator_status`` with ``comparator_low`` / ``comparator_high``: a ``range`` is drawn
    as a segment from low to high (not its midpoint), a ``lower_bound`` as a marker with an
    arrow towards higher values; both are named in the legend.
    """
    rows = rows.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.8, 0.75 * len(rows) + 1.4))
    y = range(len(rows))
    ax.barh(list(y), rows["value"], color=HIGHLIGHT, height=0.5, label=unit_name)
    markers, shapes = {}, set()
    areas = list(dict.fromkeys(comparisons.loc[~comparisons["is_target"], "comparator_unit"]))
    for i, row in rows.iterrows():
        mine = comparisons[comparisons["indicator"] == row["indicator"]]
        for j, comp in enumerate(mine.itertuples()):
            offset = (j - (len(mine) - 1) / 2) * 0.22  # markers on one row never hide each other
            key = (f"{_label('target', lang)}: " if comp.is_target else "") + comp.comparator_label
            # area colours skip the unit's and the targets' colours
            color = TARGET if comp.is_target else PALETTE[(2, 4, 5, 6, 8, 9)[areas.index(comp.comparator_unit) % 6]]
            style = "D" if comp.is_target else "os^v"[areas.index(comp.comparator_unit) % 4]
            status = getattr(comp, "comparator_status", "")
            if status == "range":
                ax.errorbar([(comp.comparator_low + comp.comparator_high) / 2], [i + offset],
                            xerr=[[(comp.comparator_high - comp.comparator_low) / 2]], fmt="none",
                            ecolor=color, elinewidth=2.5, capsize=4, zorder=3)
                shapes.add("range")
            handle = ax.scatter([] if status == "range" else comp.comparator_value, [] if status == "range"
                                else i + offset, marker=style, s=55, zorder=3,
                                facecolors=color if comp.same_definition else "white",
                                edgecolors=color, linewidths=1.5)
            if status == "lower_bound":
                ax.annotate("", xy=(min(comp.comparator_value + 7, 104), i + offset),
                            xytext=(comp.comparator_value, i + offset),
                            arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5}, zorder=3)
                shapes.add("lower_bound")
            markers.setdefault(key, handle)
    ax.set_yticks(list(y), [textwrap.fill(label, 34) for label in rows["label"]])
    ax.set_xlim(0, 105)
    ax.set_xlabel(_label("percent", lang))
    _locale_ticks(ax.xaxis, lang)
    ax.invert_yaxis()
    handles = [ax.patches[0], *markers.values()] if len(ax.patches) else list(markers.values())
    names = [unit_name, *markers.keys()]
    if not comparisons["same_definition"].all():  # say what a hollow marker means
        handles.append(ax.scatter([], [], marker="o", s=55, facecolors="white",
                                  edgecolors="#555555", linewidths=1.5))
        names.append(_label("other_definition", lang))
    if "range" in shapes:
        handles.append(Line2D([], [], color="#555555", lw=2.5, marker="|", markersize=8))
        names.append(_label("range_marker", lang))
    if "lower_bound" in shapes:
        handles.append(Line2D([], [], color="#555555", lw=1.5, marker=">", markersize=5))
        names.append(_label("lower_bound_marker", lang))
    lines = _legend_above(ax, handles, names, ncol=2, fontsize=9)
    _title(ax, "comparison", lang, legend_above=lines)
    fig.tight_layout()
    return fig


def pct_of_max_bars(rows: pd.DataFrame, peer_median: pd.Series | None = None,
                    lang: str = "vi") -> plt.Figure:
    """% of maximum per main indicator (bars) with the peer median as a marker.

    ``rows``: ``indicator``, ``indicator_name``, ``pct_of_max``; ``peer_median``: % of max
    indexed by ``indicator``.
    """
    rows = rows.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(rows) + 1.3))
    ax.barh(rows["indicator_name"], rows["pct_of_max"], color=HIGHLIGHT, height=0.55)
    if peer_median is not None:
        medians = rows["indicator"].map(peer_median)
        ax.scatter(medians, range(len(rows)), marker="|", s=260, color="#222222", zorder=3,
                   label=_label("median", lang))
        _legend_above(ax)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_label("pct_max", lang))
    _locale_ticks(ax.xaxis, lang)
    _title(ax, "decomposition", lang, legend_above=peer_median is not None)
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def waterfall(table: pd.DataFrame, value: str = "points_change", lang: str = "vi") -> plt.Figure:
    """Change of the total split by main indicator, in points of the total: a bar per main
    indicator starting where the previous one ended (rises in the first colour, falls in
    orange), so the bars end at the change of the total.

    ``table``: rows of :func:`lib.analysis.decompose_change` for one unit.
    """
    steps = table[table["indicator_level"] == "main_indicator"].dropna(subset=[value])
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(steps) + 1.5))
    start = 0.0
    for i, row in enumerate(steps.itertuples()):
        delta = getattr(row, value)
        ax.barh(i, delta, left=start, color=HIGHLIGHT if delta >= 0 else PALETTE[1], height=0.55)
        sign = "+" if delta >= 0 else "−"
        ax.text(start + delta, i, f" {sign}{_number(abs(delta), lang, 1)}", va="center", fontsize=9)
        start += delta
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(range(len(steps)), steps["indicator_name"])
    ax.invert_yaxis()
    ax.set_xlabel(_label("change_pct" if value.startswith("pct") else "change_points", lang))
    _locale_ticks(ax.xaxis, lang)
    ax.margins(x=0.15)
    _title(ax, "change_split", lang)
    fig.tight_layout()
    return fig


def rank_intervals(table: pd.DataFrame, highlight_code: str, lang: str = "vi") -> plt.Figure:
    """Median rank and interval per unit (from :func:`lib.analysis.simulate_rank_uncertainty`),
    1st on top, the unit highlighted."""
    table = table.sort_values("median_rank").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    for i, row in table.iterrows():
        color = HIGHLIGHT if row["unit_code"] == highlight_code else OTHER
        ax.plot([row["rank_low"], row["rank_high"]], [i, i], color=color, linewidth=4,
                solid_capstyle="round")
        mine = row["unit_code"] == highlight_code  # the unit's dot shows even when its interval is one rank
        ax.scatter(row["median_rank"], i, color=HIGHLIGHT if mine else "black", zorder=3,
                   s=60 if mine else 18, edgecolors="black" if mine else "none")
    ax.set_yticks(range(len(table)), table["unit_name"])
    for tick, code in zip(ax.get_yticklabels(), table["unit_code"]):
        if code == highlight_code:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    rank_ticks(ax, "x", len(table))
    ax.set_xlabel(_label("interval", lang))
    _title(ax, "robustness", lang)
    fig.tight_layout()
    return fig
