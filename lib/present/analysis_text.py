"""Sentences and display tables of the analyses on main-indicator scores (decomposition, change
split, strengths, benchmarks, rank uncertainty, stability), in the report's language.
"""

from __future__ import annotations

import pandas as pd

from lib.data.datasets.units import Unit
from lib.messages import render
from lib.present.formatting import (
    format_number, format_percent, format_rank, is_missing, no_data, ordinal)
from lib.present.labels import and_list, display_table, first_int, indicator_name, unit_label


def _points(value: object, lang: str) -> str:
    return render("score.points", lang, points=format_number(value, 1, lang))


def decomposition_sentence(unit: Unit, rows: pd.DataFrame, lang: str = "vi") -> str:
    """Where the unit's points come from and where the most points can still be won."""
    scored = rows.dropna(subset=["points"])
    top = scored.loc[scored["points"].idxmax()]
    room = scored.loc[scored["headroom_points"].idxmax()]
    return render("report.analysis.decomposition", lang, unit=unit_label(unit, lang),
                  total=_points(scored["total_points"].iloc[0], lang),
                  top=indicator_name(top["indicator"], lang), top_points=_points(top["points"], lang),
                  top_max=format_number(top["max_points"], 0, lang),
                  room=indicator_name(room["indicator"], lang),
                  room_points=_points(room["headroom_points"], lang))


def decomposition_table(rows: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table: main indicator, points, maximum, % of maximum, headroom."""
    return display_table({
        "main_indicator": [indicator_name(i, lang) for i in rows["indicator"]],
        "points": [format_number(v, 1, lang) for v in rows["points"]],
        "maximum": [format_number(v, 0, lang) for v in rows["max_points"]],
        "pct_of_max": [format_percent(v, 1, lang) for v in rows["pct_of_max"]],
        "headroom": [format_number(v, 1, lang) for v in rows["headroom_points"]],
    }, lang)


def change_split_sentence(unit: Unit, table: pd.DataFrame, year_a: int, year_b: int,
                          lang: str = "vi") -> str:
    """The change of the total in points, and the main indicators that added and took most."""
    mains = table[table["indicator_level"] == "main_indicator"].dropna(subset=["points_change"])
    total = table[table["indicator_level"] == "total"].iloc[0]
    if is_missing(total["points_change"]):  # across a framework break: % of maximum only
        return render("report.analysis.change_total_pct", lang, unit=unit_label(unit, lang),
                      year_a=year_a, year_b=year_b,
                      pct=format_number(total["pct_of_max_change"], 1, lang))
    text = render("report.analysis.change_total", lang, unit=unit_label(unit, lang),
                  year_a=year_a, year_b=year_b,
                  delta=format_number(total["points_change"], 1, lang),
                  pct=format_number(total["pct_of_max_change"], 1, lang))
    if len(mains):
        up, down = mains.loc[mains["points_change"].idxmax()], mains.loc[mains["points_change"].idxmin()]
        if up["points_change"] > 0:
            text += render("report.analysis.change_up", lang, indicator=indicator_name(up["indicator"], lang),
                           delta=format_number(up["points_change"], 1, lang))
        if down["points_change"] < 0:
            text += render("report.analysis.change_down", lang,
                           indicator=indicator_name(down["indicator"], lang),
                           delta=format_number(-down["points_change"], 1, lang))
    return text + "."


MIN_MAIN_FOR_PROFILE = 3
"""Fewer main indicators with a score than this: no strength or weakness is named (with two,
one is always "stronger" than the other)."""


def strengths_sentence(unit: Unit, table: pd.DataFrame, lang: str = "vi") -> str:
    """Strengths and weaknesses by % of maximum, naming weaknesses all peers share. With fewer
    than :data:`MIN_MAIN_FOR_PROFILE` scored main indicators it names none and lists the
    published main-indicator ranks (scored or not) instead."""
    def names(mask):
        return ", ".join(indicator_name(i, lang) for i in table.loc[mask, "indicator"])

    scored = table["pct_of_max"].notna().sum()
    if scored < MIN_MAIN_FOR_PROFILE:
        text = render("report.analysis.too_few_main", lang, count=scored, unit=unit_label(unit, lang),
                      needed=MIN_MAIN_FOR_PROFILE)
        ranked = table.dropna(subset=["rank"])
        items = [render("report.analysis.main_rank", lang, indicator=indicator_name(i, lang),
                        rank=format_rank(r, o, "", lang))
                 for i, r, o in zip(ranked["indicator"], ranked["rank"], ranked["rank_of"])]
        return text + (" " + render("report.analysis.main_ranks", lang, items=and_list(items, lang))
                       if items else "")
    none = render("report.analysis.not_distinguishable", lang)
    strengths = names(table["by_pct"] == "strength") or none
    weaknesses = names(table["by_pct"] == "weakness") or none
    shared = names(table["shared_weakness"].fillna(False).astype(bool))
    text = render("report.analysis.strengths", lang, unit=unit_label(unit, lang),
                  strengths=strengths, weaknesses=weaknesses)
    if shared:
        text += " " + render("report.analysis.shared_weakness", lang, names=shared)
    return text


def strengths_table(table: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table: main indicator, % of maximum, rank, vs peer median, assessment."""
    shared = table["shared_weakness"].fillna(False).astype(bool)
    verdicts = []
    if table["pct_of_max"].notna().sum() < MIN_MAIN_FOR_PROFILE:  # see strengths_sentence
        table, shared = table.assign(by_pct=None), shared & False
    for verdict, is_shared in zip(table["by_pct"], shared):
        text = render(f"report.analysis.verdict_{verdict}", lang) if verdict else ""
        verdicts.append(text + (render("report.analysis.verdict_shared", lang) if is_shared else ""))
    return display_table({
        "main_indicator": [indicator_name(i, lang) for i in table["indicator"]],
        "pct_of_max": [format_percent(v, 1, lang) for v in table["pct_of_max"]],
        "rank_among_scored": [format_rank(r, o, "", lang) for r, o in zip(table["rank"], table["rank_of"])],
        "vs_median": [format_number(v, 1, lang) for v in table["pct_vs_median"]],
        "assessment": verdicts,
    }, lang)


def benchmark_sentence(unit: Unit, bench: pd.DataFrame, nearest: pd.DataFrame,
                       lang: str = "vi") -> str:
    """Level band, peer median and best, and the nearest-profile peer."""
    total = bench[bench["indicator_level"] == "total"]
    row = total.iloc[0] if len(total) else bench.iloc[0]
    text = render("report.analysis.benchmark", lang, unit=unit_label(unit, lang),
                  pct=format_percent(row["pct_of_max"], 1, lang),
                  band=render(f"report.band.{row['band'].replace(' ', '_')}", lang),
                  median=format_percent(row["peer_median_pct"], 1, lang),
                  best=format_percent(row["best_pct"], 1, lang), best_unit=row["best_unit_name"])
    if len(nearest):
        text += render("report.analysis.nearest", lang, name=nearest.iloc[0]["peer_unit_name"])
    return text + "."


def rank_interval_text(row: pd.Series, lang: str = "vi") -> str:
    """Median rank and its 90 % interval: "thứ 1 (1–2)" / "1st (1–2)"."""
    if is_missing(row["median_rank"]):
        return no_data(lang)
    return render("report.analysis.rank_interval", lang, rank=ordinal(row["median_rank"], lang),
                  low=int(row["rank_low"]), high=int(row["rank_high"]))


def robustness_sentence(unit: Unit, mc: pd.DataFrame, dominance: pd.DataFrame, n_runs: int,
                        lang: str = "vi") -> str:
    """The rank interval under alternative weights, normalisations and aggregations."""
    row = mc[mc["unit_code"] == unit.code].iloc[0]
    beats = int((dominance["unit_code"] == unit.code).sum()) if len(dominance) else 0
    beaten = int((dominance["dominated_unit_code"] == unit.code).sum()) if len(dominance) else 0
    return render("report.analysis.robustness", lang, runs=n_runs, unit=unit_label(unit, lang),
                  n=len(mc), interval=rank_interval_text(row, lang),
                  ahead=render("report.count.units", lang, count=beats),
                  behind=render("report.count.behind_units", lang, count=beaten))


def rank_interval_table(mc: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of Monte Carlo rank intervals."""
    return display_table({
        "unit": list(mc["unit_name"]),
        "official_rank": [format_rank(r, None, "", lang) for r in mc["official_rank"]],
        "median_rank": [rank_interval_text(r, lang) for _, r in mc.iterrows()],
    }, lang)


def _p_value(p: float, lang: str = "vi") -> str:
    """"= 0,045" or "< 0,001"."""
    return "< " + format_number(0.001, 3, lang) if p < 0.001 else "= " + format_number(p, 3, lang)


def stability_sentence(result, year_a: int, year_b: int, lang: str = "vi") -> str:
    """Kendall τ / Spearman ρ between two years' orderings."""
    s = result.summary
    return render("report.analysis.stability", lang, year_a=year_a, year_b=year_b,
                  count=len(result.table), tau=format_number(s["kendall_tau"], 2, lang),
                  p=_p_value(s["kendall_p"], lang), rho=format_number(s["spearman_rho"], 2, lang))


def sigma_sentence(table: pd.DataFrame, lang: str = "vi") -> str:
    """Whether the spread of scores across units narrowed (σ-convergence)."""
    first, last = table.iloc[0], table.iloc[-1]
    trend = "narrowed" if last["cv"] < first["cv"] else "widened"
    return render(f"report.analysis.sigma_{trend}", lang,
                  cv_a=format_number(first["cv"], 3, lang), year_a=int(first["reference_year"]),
                  cv_b=format_number(last["cv"], 3, lang), year_b=int(last["reference_year"]))


def too_few_sentence(peers_text: str, year: int, lang: str = "vi") -> str:
    """Why no benchmark against peers is computed."""
    return render("report.analysis.too_few_benchmark", lang, peers=peers_text, year=year)


def no_main_sentence(unit: Unit, peers_text: str, year: int, lang: str = "vi") -> str:
    """Why the analyses by main indicator are not shown."""
    return render("report.analysis.no_main", lang, peers=peers_text, year=year,
                  unit=unit_label(unit, lang))


def benchmark_peers_note(bench: pd.DataFrame, peers: pd.DataFrame, lang: str = "vi") -> str:
    """Says when benchmarks use only the peers with published main-indicator scores."""
    n_used, n_all = int(bench["n_units"].max()), first_int(peers["rank_of"]) or len(peers)
    if n_used >= n_all:
        return ""
    return render("report.analysis.benchmark_subset", lang, count=n_used, n=n_all)
