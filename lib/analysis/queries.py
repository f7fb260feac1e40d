"""What the reports ask of the processed data: a unit, its peers, its scores, its indicators.

Every returned table keeps ``source_ids``, ``raw_file`` and ``raw_row`` so that each number a
report shows can be traced to a raw file row and its cited source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from lib.data.datasets.dti_scores import best_estimates, usable_scores
from lib.data.datasets.units import Unit
from lib.data.load import load_table, table_signature
from lib.data.parse import ParseError, parse_period_fields

INFRASTRUCTURE_THEMES = ("infrastructure", "online_services", "e_government")
CASHLESS_THEMES = ("cashless", "financial_inclusion")
PEER_GROUP_ORDER = ("districts_of_", "communes_of_", "province_63", "province_34")


@dataclass(frozen=True)
class Merger:
    """A unit merged with others into a successor on ``effective_date`` (ISO date), under the
    act named in ``lib/data/reference/admin_reforms.csv`` (``document_vi``/``document_en``,
    empty when none is recorded for the level and date)."""

    effective_date: str
    successor: Unit
    merged: tuple[Unit, ...]  # the unit first, then the others merged with it, by code
    document: dict[str, str]  # by language
    source_url: str


class UnknownUnit(LookupError):
    """No administrative unit with that code and level in the ``units`` table."""


def _valid_in_year(units: pd.DataFrame, year) -> pd.Series:
    """Rows valid at some day of ``year`` (an int, or a Series of year strings)."""
    start, end = (year + "-01-01", year + "-12-31") if isinstance(year, pd.Series) \
        else (f"{year}-01-01", f"{year}-12-31")
    valid_from = units["valid_from"].fillna("0000")
    valid_to = units["valid_to"].fillna("9999")
    return (valid_from <= end) & (valid_to >= start)


def get_unit(unit_code: str, level: str, year: int) -> Unit:
    """The unit with ``unit_code`` at ``level`` valid during ``year``.

    When two units share a code within the year (province 25 before and after 1 July 2025),
    the earlier one is returned. Raises :class:`UnknownUnit` listing codes of that level (each
    once), or for a code that is not text (a hint to pass it with papermill's ``-r``).
    """
    if not isinstance(unit_code, str):  # papermill -p unit_code 01 gives the integer 1
        raise UnknownUnit(f"unit code {unit_code!r} is a {type(unit_code).__name__}, not text: "
                          "pass it as text with papermill's -r (raw) option, e.g. "
                          "`papermill -r unit_code 01 …`, not -p")
    units = load_table("units")
    rows = units[(units["unit_code"] == unit_code) & (units["unit_level"] == level)]
    valid = rows[_valid_in_year(rows, year)]
    if valid.empty:
        valid = rows
    if valid.empty:
        known = ", ".join(sorted(set(units.loc[units["unit_level"] == level, "unit_code"]))[:20])
        raise UnknownUnit(f"no {level} with code {unit_code!r}; known codes include: {known}")
    row = valid.sort_values("valid_to", na_position="last").iloc[0]
    parent = units[units["unit_code"] == row["parent_code"]]
    parent_name = None if parent.empty else parent.iloc[0]["unit_name"]
    return Unit(row["unit_code"], row["unit_name"], row["unit_type"], row["unit_level"],
                None if pd.isna(row["parent_code"]) else row["parent_code"], parent_name)


def merger_of(unit: Unit) -> Merger | None:
    """The merger that ended ``unit`` (``units.successor_code``, ``valid_to``): Vĩnh Phúc (26),
    Phú Thọ (25) and Hòa Bình (17) → Phú Thọ (25) on 2025-07-01 (NQ 202/2025/QH15). None for a
    unit still valid, or one that only took a new code with no other unit merged into it."""
    from lib.data.paths import REFERENCE_DIR

    units = load_table("units")
    level = units[units["unit_level"] == unit.level]
    mine = level[(level["unit_code"] == unit.code) & level["successor_code"].notna()]
    if mine.empty:
        return None
    ended, successor_code = mine.iloc[0]["valid_to"], mine.iloc[0]["successor_code"]
    merged = level[(level["successor_code"] == successor_code) & (level["valid_to"] == ended)]
    if len(merged) < 2:
        return None
    starts = (pd.Timestamp(ended) + pd.Timedelta(days=1)).date().isoformat()
    new = level[(level["unit_code"] == successor_code) & (level["valid_from"] == starts)]
    if new.empty:
        return None

    def as_unit(row: pd.Series) -> Unit:
        return Unit(row["unit_code"], row["unit_name"], row["unit_type"], row["unit_level"],
                    None if pd.isna(row["parent_code"]) else row["parent_code"], None)

    order = merged.assign(first=merged["unit_code"] != unit.code).sort_values(["first", "unit_code"])
    reforms = pd.read_csv(REFERENCE_DIR / "admin_reforms.csv", dtype=str, keep_default_na=False)
    reform = reforms[(reforms["unit_level"] == unit.level) & (reforms["effective_date"] == starts)]
    document = ({column.removeprefix("document_"): reform.iloc[0][column]
                 for column in reforms.columns if column.startswith("document_")}
                if len(reform) else {})
    return Merger(starts, as_unit(new.iloc[0]), tuple(as_unit(r) for _, r in order.iterrows()),
                  document, reform.iloc[0]["source_url"] if len(reform) else "")


def dti_totals() -> pd.DataFrame:
    """Best estimate of every DTI total: one row per year × peer group × unit
    (``dti_scores`` columns, see :func:`lib.data.datasets.dti_scores.best_estimates`); derived
    scores in a flagged conflict are blanked (:func:`lib.data.datasets.dti_scores.usable_scores`).
    Computed once per version of the ``dti_scores`` file; returns a copy."""
    return _dti_totals(*table_signature("dti_scores")).copy()


@lru_cache(maxsize=4)
def _dti_totals(directory: str, mtime_ns: int, size: int) -> pd.DataFrame:
    scores = usable_scores(load_table("dti_scores", Path(directory)))
    totals = best_estimates(scores[scores["indicator"] == "dti_total"])
    return with_names_of_the_year(totals, load_table("units", Path(directory)))


def with_names_of_the_year(rows: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (``unit_code``, ``unit_level``, ``reference_year``, ``unit_name``) with each
    ``unit_name`` replaced by the ``units`` name valid that year (the earlier one when two are):
    code 46 is "Thừa Thiên Huế" up to 2024 and "Huế" from 2025, whatever the source printed.
    Rows whose unit is not in ``units`` keep their name."""
    keys = rows[["unit_code", "unit_level", "reference_year"]].drop_duplicates()
    pairs = keys.merge(units[["unit_code", "unit_level", "unit_name", "valid_from", "valid_to"]],
                       on=["unit_code", "unit_level"])
    pairs = pairs[_valid_in_year(pairs, pairs["reference_year"].astype(str))]
    names = pairs.sort_values("valid_to", na_position="last") \
        .drop_duplicates(["unit_code", "unit_level", "reference_year"])
    out = rows.merge(names[["unit_code", "unit_level", "reference_year", "unit_name"]],
                     on=["unit_code", "unit_level", "reference_year"], how="left",
                     suffixes=("", "_of_year"))
    out["unit_name"] = out["unit_name_of_year"].fillna(out["unit_name"])
    return out.drop(columns="unit_name_of_year").set_axis(rows.index)


def peer_group_of(unit_code: str, level: str, year: int) -> str | None:
    """The peer group in which the unit's DTI total of ``year`` is ranked (None if none).

    Districts and communes: their province's group; provinces: the 63-province ranking
    before the 2025 merger, else the 34-province ranking.
    """
    totals = dti_totals()
    rows = totals[(totals["unit_code"] == unit_code) & (totals["unit_level"] == level)
                  & (totals["reference_year"] == year)]
    if rows.empty:
        return None
    groups = list(rows["peer_group"])
    return min(groups, key=lambda g: next(
        (i for i, prefix in enumerate(PEER_GROUP_ORDER) if g.startswith(prefix)), 99))


def peer_scores(peer_group: str, year: int) -> pd.DataFrame:
    """DTI totals of every unit in ``peer_group`` for ``year``, best first.

    Rows with neither score nor rank are kept (they say what is not published). Sorted by
    rank, then score (descending), then name. Columns: those of :func:`dti_totals`.
    """
    totals = dti_totals()
    peers = totals[(totals["peer_group"] == peer_group) & (totals["reference_year"] == year)]
    return peers.assign(_r=peers["rank"].fillna(peers["rank_low"]).astype("Float64")) \
        .sort_values(["_r", "score", "unit_name"], ascending=[True, False, True],
                     na_position="last").drop(columns="_r").reset_index(drop=True)


def unit_history(unit_code: str, peer_group: str) -> pd.DataFrame:
    """The unit's DTI total per year in ``peer_group``, oldest first (:func:`dti_totals` columns)."""
    totals = dti_totals()
    rows = totals[(totals["unit_code"] == unit_code) & (totals["peer_group"] == peer_group)]
    return rows.sort_values("reference_year").reset_index(drop=True)


def group_ranks(unit_code: str, peer_group: str, year: int) -> pd.DataFrame:
    """Ranks of the unit in component groups / main indicators for ``year`` (``dti_scores``
    rows of indicator level ``group``, ``pillar`` or ``main_indicator``, best estimates)."""
    scores = load_table("dti_scores")
    rows = scores[(scores["unit_code"] == unit_code) & (scores["peer_group"] == peer_group)
                  & (scores["reference_year"] == year) & (scores["indicator"] != "dti_total")]
    return best_estimates(rows) if not rows.empty else rows


def coverage(peer_group: str) -> pd.DataFrame:
    """What is published per unit and year in ``peer_group``.

    Returns a units × years frame (index ``unit_name``, columns reference years) of labels:
    ``score`` (a source publishes the score: not derived by us; a conflict elsewhere in the
    argument, such as C1 citing Tam Đảo's score, does not unpublish it), ``rank only``, or
    ``none``.
    """
    totals = dti_totals()
    rows = totals[totals["peer_group"] == peer_group]
    published = rows["score"].notna() & (rows["value_status"] != "derived")
    label = published.map({True: "score", False: None}).fillna(
        rows["rank_low"].notna().map({True: "rank only", False: "none"}))
    return rows.assign(label=label).pivot_table(index="unit_name", columns="reference_year",
                                                values="label", aggfunc="first").fillna("none")


#: qualifiers of a period that name the moment a figure describes
_SNAPSHOT_RELATIONS = ("as_of", "article", "refers_to")


def figure_year(period: str, start_year: object, end_year: object) -> int | None:
    """The one report year of an indicator figure — the rule every report follows:

    1. a period that names the moment it describes has that moment's year: "as of", the date
       of the article that gives the figure, "refers to" ("2023-2024 (article of 2024-08-21)"
       → 2024; "2025 (refers to 2024)" → 2024);
    2. otherwise a single-year period has its year ("end 2022" → 2022, "Jan-Aug 2023" → 2023);
    3. otherwise a multi-year period has its last year, the state at its end ("2014-2024"
       → 2024);
    4. an undated figure has none (``None``): reports list it apart, never under a year.

    So a snapshot appears in one report year only; the other years say "no data". Inputs are
    the ``indicators`` columns ``period``, ``period_start_year`` and ``period_end_year``.
    """
    if pd.isna(start_year) or pd.isna(end_year):
        return None
    try:
        parts = parse_period_fields(period)
    except ParseError:
        parts = ()
    for part in parts:
        for qualifier in part.qualifiers:
            when = qualifier.when
            if qualifier.relation in _SNAPSHOT_RELATIONS and when is not None and when.year:
                return int(when.year)
    return int(end_year)


def figure_years(indicators: pd.DataFrame) -> pd.Series:
    """:func:`figure_year` of every row of an ``indicators`` frame (Int64, NA when undated)."""
    # each distinct period parsed once: a country has 46,000 rows but a few dozen periods
    columns = [indicators[c] for c in ("period", "period_start_year", "period_end_year")]
    codes = np.stack([pd.factorize(c, use_na_sentinel=True)[0] for c in columns], axis=1)
    _, first, inverse = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    distinct = pd.array([figure_year(*(c.iloc[i] for c in columns)) for i in first],
                        dtype="Int64")
    return pd.Series(distinct[inverse.reshape(-1)], index=indicators.index, dtype="Int64")


def unit_indicators(unit_code: str, year: int, themes: tuple[str, ...]) -> pd.DataFrame:
    """The unit's published indicator values whose report year (:func:`figure_year`) is
    ``year`` (targets excluded).

    Returns ``indicators`` rows joined with the catalogue columns ``name_en``, ``name_vi``,
    ``concept``, ``population``, sorted by theme and indicator.
    """
    indicators = load_table("indicators")
    catalogue = load_table("indicator_catalogue")[["indicator", "name_en", "name_vi", "concept",
                                                   "population", "higher_is_better"]]
    rows = indicators[(indicators["unit_code"] == unit_code) & indicators["theme"].isin(themes)
                      & ~indicators["is_target"]]
    rows = rows[(figure_years(rows) == year).fillna(False).astype(bool)]
    return rows.merge(catalogue, on="indicator", how="left").sort_values(
        ["theme", "indicator"]).reset_index(drop=True)


def undated_indicators(unit_code: str, themes: tuple[str, ...]) -> pd.DataFrame:
    """The unit's indicator values with no stated year (shown apart, never assigned a year)."""
    indicators = load_table("indicators")
    return indicators[(indicators["unit_code"] == unit_code) & indicators["theme"].isin(themes)
                      & indicators["period_start_year"].isna()].reset_index(drop=True)


def comparators(unit_rows: pd.DataFrame, area_codes: list[str], year: int) -> pd.DataFrame:
    """Values of the same concept and unit for comparison areas (the parent province, ``VN``)
    and published targets: one per area (and one target per area), preferring the same
    definition, then the period nearest to ``year``.

    Returns one row per unit indicator × comparison row with columns ``indicator`` (the unit's),
    ``comparator_indicator``, ``comparator_unit``, ``comparator_value``, ``comparator_text`` (as
    published), ``comparator_low`` / ``comparator_high`` / ``comparator_denominator`` (float64),
    ``comparator_unit_of_measure`` (``percent`` …),
    ``comparator_period``, ``is_target``, ``same_definition`` (bool: same indicator or same
    population), ``comparator_unit_label`` (the comparator's base as published), and the
    comparator's ``source_ids``, ``raw_file``, ``raw_row``.
    """
    indicators = load_table("indicators")
    catalogue = load_table("indicator_catalogue").set_index("indicator")
    out = []
    for row in unit_rows.itertuples(index=False):
        same_concept = catalogue.index[catalogue["concept"] == row.concept]
        in_area = indicators["unit_code"].isin(area_codes)
        own_target = indicators["is_target"] & (indicators["unit_code"] == row.unit_code)
        candidates = indicators[indicators["indicator"].isin(same_concept)
                                & (in_area | own_target) & (indicators["unit"] == row.unit)
                                & indicators["value"].notna()]
        if candidates.empty:
            continue
        populations = candidates["indicator"].map(catalogue["population"])
        same = (candidates["indicator"] == row.indicator) | (
            (populations != "") & (populations == row.population))
        distance = (candidates["period_end_year"].fillna(9999) - year).abs()
        candidates = candidates.assign(same_def=same, distance_years=distance)
        # one comparison per area (and per target): same definition first, then nearest year
        best = candidates.sort_values(["same_def", "distance_years"], ascending=[False, True]) \
            .groupby(["unit_code", "is_target"], sort=False).head(1)
        for cand in best.itertuples(index=False):
            out.append({
                "indicator": row.indicator, "comparator_indicator": cand.indicator,
                "comparator_unit": cand.unit_name, "comparator_value": cand.value,
                "comparator_text": cand.value_text, "comparator_unit_label": cand.unit_label,
                "comparator_low": cand.value_low, "comparator_high": cand.value_high,
                "comparator_denominator": cand.denominator, "comparator_unit_of_measure": cand.unit,
                "comparator_period": cand.period, "comparator_status": cand.value_status,
                "is_target": bool(cand.is_target), "same_definition": bool(cand.same_def),
                "source_ids": cand.source_ids,
                "raw_file": cand.raw_file, "raw_row": cand.raw_row,
            })
    return pd.DataFrame(out)


def national_dti_mean(year: int) -> pd.DataFrame:
    """Provincial mean DTI (0–1) rows of ``dti_national`` for ``year`` (may be several sources)."""
    national = load_table("dti_national")
    return national[(national["reference_year"] == year)
                    & national["measure"].str.startswith("provincial_dti_mean")].reset_index(drop=True)


def group_history(peer_group: str) -> pd.DataFrame:
    """DTI totals of every unit of ``peer_group`` in every year (:func:`dti_totals` columns)."""
    totals = dti_totals()
    return totals[totals["peer_group"] == peer_group].sort_values(
        ["reference_year", "unit_name"]).reset_index(drop=True)


def first_dti_year(level: str) -> int | None:
    """The first reference year of any DTI framework for units of ``level`` (``dti_frameworks``,
    ``index_name == "dti"``): 2022 for Vĩnh Phúc's districts (QĐ 2074/QĐ-UBND), 2020 for
    provinces; None when no framework names the level."""
    frameworks = load_table("dti_frameworks")
    dti = frameworks[frameworks["index_name"] == "dti"]
    years = dti.loc[dti["level"].str.split(";").map(lambda levels: level in levels),
                    "first_reference_year"].dropna()
    return int(years.min()) if len(years) else None


def framework_breaks(history: pd.DataFrame) -> list[int]:
    """Years in which a new DTI methodology starts, strictly inside the years of a peer
    group's history (see :func:`lib.analysis.list_framework_breaks`)."""
    from lib.analysis.base import list_framework_breaks

    if history.empty:
        return []
    years = history["reference_year"]
    found = list_framework_breaks(load_table("dti_frameworks"), int(years.min()),
                                  int(years.max()), history["unit_level"].iloc[0])
    return [int(y) for y in found.table["break_year"]]


def national_group(province_code: str) -> str:
    """The ranking of provinces that a province appears in most (``province_63`` for the real
    pre-2025 provinces); ``province_63`` when it appears in none."""
    totals = dti_totals()
    rows = totals[(totals["unit_code"] == province_code) & (totals["unit_level"] == "province")]
    if rows.empty:
        return "province_63"
    return rows["peer_group"].value_counts().sort_index().idxmax()


def national_context(unit: Unit, year: int) -> pd.DataFrame:
    """For a district or commune: its province's national DTI totals (all years, 63-province
    ranking). For a province: the provincial mean DTI rows of ``year`` from ``dti_national``
    (columns differ: ``dti_totals`` rows, or ``dti_national`` rows). The provinces' ranking is
    :func:`national_group`."""
    if unit.level == "province":
        return national_dti_mean(year)
    if unit.parent_code is None:
        return pd.DataFrame(columns=["source_ids", "raw_file", "raw_row"])
    return unit_history(unit.parent_code, national_group(unit.parent_code))


def comparison_areas(unit: Unit) -> list[str]:
    """Codes to compare a unit with: its province (for a district, its parent) and ``VN``."""
    areas = [unit.parent_code] if unit.level in ("district", "commune") and unit.parent_code else []
    if unit.level == "commune":
        units = load_table("units")
        parent = units[units["unit_code"] == unit.parent_code]
        areas += [c for c in parent["parent_code"].dropna() if c != "VN"]
    return [*areas, "VN"] if unit.code != "VN" else []


def child_level(level: str) -> str:
    """The level below: province → district (the historical series), district → commune."""
    return {"country": "province", "province": "district", "district": "commune"}[level]


def child_peer_group(unit: Unit, level: str) -> str:
    """The peer group of a unit's children: ``districts_of_26``, ``province_63`` for Vietnam."""
    return "province_63" if unit.level == "country" else f"{level}s_of_{unit.code}"


def indicator_counts(province_code: str) -> pd.DataFrame:
    """Number of published (non-target) indicator values per district of a province and theme.

    Returns ``unit_code``, ``unit_name`` (str) and one int64 column per theme id (e.g.
    ``cashless``), plus ``undated`` (values without a year). Districts without any value are
    listed with zeros. :func:`lib.present.narrative.indicator_counts_table` gives the display table.
    """
    units = load_table("units")
    districts = units[(units["unit_level"] == "district") & (units["parent_code"] == province_code)]
    indicators = load_table("indicators")
    rows = indicators[indicators["unit_code"].isin(districts["unit_code"])
                      & ~indicators["is_target"]]
    if districts.empty:
        return pd.DataFrame()
    counts = rows.pivot_table(index="unit_code", columns="theme", values="indicator",
                              aggfunc="count", fill_value=0)
    undated = rows[rows["period_start_year"].isna()].groupby("unit_code").size()
    table = districts[["unit_code", "unit_name"]].set_index("unit_code").join(counts)
    table["undated"] = undated
    table = table.fillna(0).astype({c: "int64" for c in table.columns if c != "unit_name"})
    return table.reset_index()


def conflict_descriptions() -> pd.DataFrame:
    """The flagged conflicts and caveats (``conflict_id``, ``kind``, ``title``, ``description``)
    from ``lib/data/reference/conflicts.csv`` (transcribed from ``data/raw/README.md``); a copy
    of the table read once per process (pages ask for it once per table row)."""
    return _conflicts().copy()


@lru_cache(maxsize=1)
def conflict_kinds() -> dict[str, str]:
    """``{conflict_id: kind}`` (``conflict`` or ``caveat``) of :func:`conflict_descriptions`."""
    return dict(zip(_conflicts()["conflict_id"], _conflicts()["kind"]))


@lru_cache(maxsize=1)
def _conflicts() -> pd.DataFrame:
    from lib.data.paths import REFERENCE_DIR

    return pd.read_csv(REFERENCE_DIR / "conflicts.csv", dtype=str)


def target_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """The ``indicators`` rows of the targets named in a :func:`lib.analysis.measure_target_gaps`
    table (for the source line under it)."""
    indicators = load_table("indicators")
    if gaps.empty:
        return indicators.iloc[0:0]
    return indicators[indicators["indicator"].isin(gaps["target_indicator"])
                      & indicators["unit_code"].isin(gaps["target_unit_code"])
                      & indicators["is_target"]]


def national_cited_rows(unit: Unit, context: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of :func:`national_context` that the national sentence states: the province's
    row of ``year``, else its latest ranked year before; all rows for a province (means)."""
    if unit.level == "province" or context.empty:
        return context
    rows = context[(context["reference_year"] <= year) & context["rank"].notna()]
    this_year = rows[rows["reference_year"] == year]
    return this_year if len(this_year) else rows.tail(1)


DISPLAY_LIMIT = 40  # peer groups above this size are shown in part (peers_for_display)
TABLE_LIMIT = 500  # a peer table lists every unit up to this size (collapsed above 15 rows)


def peers_for_display(peers: pd.DataFrame, unit_code: str, limit: int = DISPLAY_LIMIT,
                      neighbours: int = 3, ends: int = 3) -> pd.DataFrame:
    """The rows of a peer table that a page shows, so that charts and tables do not grow with
    the peer group.

    Parameters
    ----------
    peers
        Any table with a ``unit_code`` column, in display order (best first), e.g.
        :func:`peer_scores` or the table of :func:`lib.analysis.simulate_rank_uncertainty`.
    unit_code
        The report's unit (``""`` for none, e.g. a province overview).
    limit
        Up to this many rows, every row is shown.
    neighbours
        Above ``limit``: the rows within ``neighbours`` places of the unit, either side.
    ends
        Above ``limit``: the first and the last ``ends`` rows (the top and the bottom).

    Returns
    -------
    pandas.DataFrame
        The selected rows of ``peers``, same columns and dtypes, in the order of ``peers``
        (index reset): all of them when ``len(peers) <= limit``, else at most
        ``2 × ends + 2 × neighbours + 1`` rows. A unit that is not in ``peers`` only gets
        the top and the bottom.

    Raises
    ------
    ValueError
        ``peers`` has no ``unit_code`` column, or a negative ``limit``, ``neighbours`` or
        ``ends``.
    """
    if "unit_code" not in peers.columns:
        raise ValueError("peers lacks column unit_code")
    if min(limit, neighbours, ends) < 0:
        raise ValueError("limit, neighbours and ends must not be negative")
    table = peers.reset_index(drop=True)
    n = len(table)
    if n <= limit:
        return table
    keep = set(range(min(ends, n))) | set(range(max(0, n - ends), n))
    for place in table.index[table["unit_code"] == unit_code]:
        keep |= set(range(max(0, place - neighbours), min(n, place + neighbours + 1)))
    return table.iloc[sorted(keep)].reset_index(drop=True)


def history_for_display(history: pd.DataFrame, peers: pd.DataFrame, unit_code: str,
                        limit: int = DISPLAY_LIMIT) -> pd.DataFrame:
    """The rows of a peer group's history (:func:`group_history`) that a rank chart draws: all
    of them when the history has at most ``limit`` units, else those of the unit and of the
    units :func:`peers_for_display` picks from ``peers`` (this year's :func:`peer_scores`), so
    that a year with all 63 provinces ranked does not draw 63 lines (same columns)."""
    if history["unit_code"].nunique() <= limit:
        return history
    shown = {unit_code, *peers_for_display(peers, unit_code, limit)["unit_code"]}
    return history[history["unit_code"].isin(shown)].reset_index(drop=True)
