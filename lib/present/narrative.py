"""Plain-language sentences and display tables for the reports, in the report's language.

Each function takes facts already looked up (rows of the processed tables, :class:`Result`
objects of :mod:`lib.analysis`) and a language (``vi`` default, ``en``) and returns a sentence or
a display table. Every word comes from the message catalogue (:mod:`lib.messages`, keys under
``report.``); texts that come from the data (conflict descriptions, bases, publishers, periods)
come from the reviewed reference tables through :mod:`lib.data.texts`. Nothing here reads raw files
or computes statistics; missing values become explicit sentences, never blanks.

This module holds the scores and overview reports' words (score, rank, change, peers, history,
national context) and gathers the public names of :mod:`.labels` (words every report uses),
:mod:`.indicator_text` (infrastructure and cashless) and :mod:`.analysis_text` (analyses of
main-indicator scores), so that a notebook needs one import (``narrative as say``).
"""

from __future__ import annotations

import pandas as pd

from lib.data.datasets.units import Unit
from lib.data import texts
from lib.data.load import load_table
from lib.messages import catalogue, render
from lib.present.formatting import (
    format_number, format_percent, format_rank, format_score, is_missing, level_name, ordinal,
    status_note)
from lib.present.labels import (
    CONCEPTS, MAX_FINDINGS, UNIT_TYPE_ORDER, and_list, display_table, capitalise, conflict_ids,
    conflict_notes, data_notes, explain, findings, first_int, gap_sentence, heading,
    indicator_name, not_entered_text, parent_unit, peer_kinds, peer_label, report_title, row_of,
    source_names, status_cell, unit_kind, unit_label, unit_type_key, weak_source_note,
    with_indicator_names)
from lib.present.indicator_text import (
    BARE_PERCENT_LABELS, base_text, comparator_name, comparator_value_text, comparison_sentence,
    comparison_table, concept_gaps_sentence, coverage_labels, coverage_sentence,
    definition_warnings, indicator_counts_sentence, indicator_counts_source,
    indicator_counts_table, indicator_findings, indicator_names, indicator_table,
    indicators_sentence, percent_rows, target_sentence, target_table, undated_sentence,
    value_text, with_comparator_labels)
from lib.present.analysis_text import (
    MIN_MAIN_FOR_PROFILE, benchmark_peers_note, benchmark_sentence, change_split_sentence,
    decomposition_sentence, decomposition_table, no_main_sentence, rank_interval_table,
    rank_interval_text, robustness_sentence, sigma_sentence, stability_sentence,
    strengths_sentence, strengths_table, too_few_sentence)


def score_text(row: pd.Series, lang: str = "vi") -> str:
    """A DTI score as a reader should see it: "744,213 điểm", "gần 559 điểm", "ít nhất …",
    or why it is not shown ("không dùng: số tính từ số liệu công bố, không thống nhất (C1)")."""
    if is_missing(row["score"]):
        if row["value_status"] == "not_entered":
            return not_entered_text(row, lang)
        if row["value_status"] == "derived" and row["conflict_status"] == "conflicting":
            return render("report.score.withheld", lang, ids=", ".join(conflict_ids(row)))
        return render("status.missing", lang)  # the words of the page's header tile
    text = format_score(row["score"], row["scale"], lang)
    if row["value_status"] == "approximate" and row.get("score_high") == row["score"]:
        return render("report.score.just_under", lang, score=text)
    if row["value_status"] == "approximate":
        return render("report.score.about", lang, score=text)
    if row["value_status"] == "lower_bound":
        return render("report.score.at_least", lang, score=text)
    return text


def _rank_phrase(row: pd.Series, peers_text: str, lang: str) -> str:
    if not is_missing(row["rank"]):
        key = "report.rank.of_peers" if not is_missing(row["rank_of"]) else "report.rank.among"
        text = render(key, lang, rank=int(row["rank"]),
                      rank_of=0 if is_missing(row["rank_of"]) else int(row["rank_of"]),
                      ordinal=ordinal(row["rank"], lang), peers=peers_text)
        return text + (render("report.rank.tied", lang) if row["rank_tied"] else "")
    if row["rank_text"]:
        return render("report.rank.band", lang, band=row["rank_text"], peers=peers_text)
    return ""


def score_sentence(unit: Unit, row: pd.Series | None, peers_text: str, year: int,
                   lang: str = "vi") -> str:
    """The headline: "Năm 2023, huyện Lập Thạch đạt 744,213 điểm, xếp thứ 1/9 huyện, thành phố
    của tỉnh Vĩnh Phúc." — with the qualifier of a score or a rank, and what the sources used do not give."""
    name = unit_label(unit, lang)
    no_rank = row is None or (is_missing(row["rank"]) and is_missing(row["rank_low"]))
    if no_rank and row is not None and row["value_status"] == "not_entered":
        return render("report.result.not_entered", lang, year=year, unit=name,
                      why=not_entered_text(row, lang))
    if no_rank and (row is None or is_missing(row["score"])):
        return render("report.result.none", lang, year=year, unit=name)
    rank = _rank_phrase(row, peers_text, lang)
    if not is_missing(row["score"]):
        key = "report.result.score_rank" if rank else "report.result.score_no_rank"
        out_of = row["scale"] == "points" and row["score_max"] == 1000
        return render(key, lang, year=year, unit=name, score=score_text(row, lang), rank=rank,
                      scale=render("report.result.out_of_1000" if out_of else "report.empty", lang))
    withheld = row["value_status"] == "derived" and conflict_ids(row, "conflict")
    key = "report.result.rank_not_entered" if row["value_status"] == "not_entered" \
        else "report.result.nothing" if not rank \
        else "report.result.rank_withheld_score" if withheld else "report.result.rank_no_score"
    return render(key, lang, year=year, unit=name, rank=rank, why=score_text(row, lang),
                  ids=", ".join(conflict_ids(row, "conflict")))


def change_sentence(unit: Unit, previous: pd.Series | None, current: pd.Series | None,
                    previous_year: int, year: int, framework_break: bool = False,
                    lang: str = "vi") -> str:
    """Rank and score change from the previous year, refusing to use conflicting or missing
    values silently; across a framework break the score change is given in % of maximum."""
    name = unit_label(unit, lang)

    def has_rank(row):
        return row is not None and not is_missing(row["rank"])

    if not (has_rank(previous) and has_rank(current)):
        from lib.analysis.queries import first_dti_year

        if previous is None and first_dti_year(unit.level) == year:
            return render("report.change.first_year", lang, year=year, year_a=previous_year,
                          level=level_name(unit.level, False, lang))
        return render("report.change.no_ranks", lang, year_a=previous_year, year_b=year)
    before, after = int(previous["rank"]), int(current["rank"])
    direction = "up" if after < before else "down" if after > before else "same"
    text = render(f"report.change.rank_{direction}", lang, unit=name, year_a=previous_year,
                  year_b=year, before=ordinal(before, lang), after=ordinal(after, lang))
    usable = (not is_missing(previous["score"]) and not is_missing(current["score"])
              and previous["conflict_status"] != "conflicting"
              and previous["value_status"] not in ("derived", "missing"))
    if usable and framework_break:
        delta = float(current["pct_of_max"]) - float(previous["pct_of_max"])
        tail = render(f"report.change.pct_across_break_{'up' if delta >= 0 else 'down'}", lang,
                      delta=format_number(abs(delta), 1, lang),
                      pct_a=format_percent(previous["pct_of_max"], 1, lang),
                      pct_b=format_percent(current["pct_of_max"], 1, lang))
    elif usable:
        factor = 1000.0 if current["scale"] == "0-1" else 1.0
        delta = (float(current["score"]) - float(previous["score"])) * factor
        decimals = 1 if factor == 1000.0 else None
        points = {when: render("score.points", lang,
                               points=format_number(float(row["score"]) * factor, decimals, lang))
                  for when, row in (("previous", previous), ("current", current))}
        key = "up" if delta > 0 else "down" if delta < 0 else "same"
        tail = render(f"report.change.points_{key}", lang,
                      delta=format_number(abs(delta), 1, lang), **points)
    else:
        reasons = _change_reasons(previous, current, previous_year, year, lang)
        tail = render("report.change.not_computed", lang,
                      reasons=render("report.and", lang).join(reasons))
    return render("report.change.joined", lang, rank=text, score=tail)


def _change_reasons(previous: pd.Series, current: pd.Series, previous_year: int, year: int,
                    lang: str) -> list[str]:
    """Every reason a score change is not computed, in words: the earlier score derived or in
    conflict (its ids), and each year whose score is missing or not entered in this data set."""
    reasons = []
    for when, row in ((previous_year, previous), (year, current)):
        ids = conflict_ids(row) if row is previous else []
        derived = row["value_status"] == "derived" and row is previous
        if derived:
            key = "derived_conflict" if ids else "derived"
        elif is_missing(row["score"]):
            key = "not_entered" if row["value_status"] == "not_entered" else "no_score"
        elif ids:
            key = "conflict"
        else:
            continue
        reasons.append(render(f"report.change.reason.{key}", lang, year=when, ids=", ".join(ids)))
    return reasons


def key_figures(row: pd.Series, lang: str = "vi") -> pd.DataFrame:
    """Two-column table (measure, value) of a DTI result: score, scale, rank, statuses and how
    a derived figure was computed."""
    scale = "points" if row["scale"] == "points" else "index"
    rank = rank_text(row, lang) + (render("report.rank.tied", lang) if row["rank_tied"] else "")
    items = [
        ("score", score_text(row, lang)),
        ("scale", render(f"report.scale.{scale}", lang)),
        ("rank", rank),
        ("value_status", status_cell(row, lang)),
        ("rank_status", "; ".join(
            [status_note(row["rank_status"], lang) or render("report.status.published", lang)]
            + ([render("report.status.conflict", lang, ids=", ".join(conflict_ids(row)))]
               if conflict_ids(row) else []))),
    ]
    if not is_missing(row["formula"]) and row["formula"]:
        items.append(("formula", texts.data_text("formula", row["formula"], lang)))
    return display_table({"measure": [render(f"report.measure.{k}", lang) for k, _ in items],
                   "value": [v for _, v in items]}, lang)


def peer_table(peers: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of a peer group: unit, score, rank, status (missing cells say so)."""
    return display_table({
        "unit": list(peers["unit_name"]),
        "score": [score_text(r, lang) for _, r in peers.iterrows()],
        "rank": [rank_text(r, lang) for _, r in peers.iterrows()],
        "status": [status_cell(r, lang) for _, r in peers.iterrows()],
    }, lang)


def rank_text(row: pd.Series, lang: str = "vi") -> str:
    """A rank cell: "1/9"; a printed range as printed; no rank in the same words as a score
    cell: "not in this data set" for a result published by its source but not entered here,
    else "not in the sources used"."""
    if is_missing(row["rank"]) and not row["rank_text"]:
        return render("status.not_entered" if row["value_status"] == "not_entered"
                      else "status.missing", lang)
    return format_rank(row["rank"], row["rank_of"], row["rank_text"], lang)


def history_table(history: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of one unit's DTI results per year."""
    table = peer_table(history, lang)
    table.insert(0, render("report.column.year", lang), history["reference_year"].to_numpy())
    return table.drop(columns=table.columns[1])


def score_axis_label(peers: pd.DataFrame, lang: str = "vi") -> str:
    """Axis label for the peers' scale."""
    scale = peers["scale"].dropna().iloc[0] if peers["scale"].notna().any() else "points"
    return render("report.axis.score_points" if scale == "points" else "report.axis.score_index", lang)


def other_rankings_sentence(unit: Unit, peer_group: str, year: int, lang: str = "vi") -> str:
    """The other national rankings of ``year`` (DTI 2024 was ranked among the 63 provinces
    before the 2025 merger and among the 34 after it; Thành phố Hồ Chí Minh leads one, Hà Nội
    the other), with their leader and the unit's rank there; ``""`` when there is none.
    Rankings whose name has no message ``report.peers.ranking.<group>`` are left out."""
    from lib.analysis.queries import dti_totals

    totals = dti_totals()
    others = totals[(totals["reference_year"] == year) & (totals["peer_group"] != peer_group)
                    & (totals["unit_level"] == unit.level)]
    sentences = []
    for group, rows in others.groupby("peer_group", sort=True):
        key = f"report.peers.ranking.{group}"
        leaders = rows.loc[rows["rank"] == 1, "unit_name"].tolist()
        if not leaders or key not in catalogue(lang):
            continue
        mine = rows[rows["unit_code"] == unit.code]
        row = None if mine.empty or mine.iloc[0][["rank", "rank_of"]].isna().any() else mine.iloc[0]
        rank = "" if row is None else render(
            "report.peers.other_ranking_mine", lang, unit=unit_label(unit, lang),
            ordinal=ordinal(row["rank"], lang), rank_of=int(row["rank_of"]))
        sentences.append(render("report.peers.other_ranking", lang, year=year,
                                group=render(key, lang), leader=", ".join(leaders), mine=rank))
    return " ".join(sentences)


def peers_sentence(unit: Unit, peers: pd.DataFrame, peers_text: str, year: int,
                   lang: str = "vi") -> str:
    """How much of the peer group's result is published, and who leads."""
    scored, ranked = peers[peers["score"].notna()], peers[peers["rank"].notna()]
    n = first_int(peers["rank_of"]) or len(peers)
    text = render("report.peers.published", lang, n=n, peers=peers_text, year=year,
                  scored=render("report.count.units_with_score", lang, count=len(scored)),
                  ranked=render("report.count.units_with_rank", lang, count=len(ranked)))
    best = ranked[ranked["rank"] == ranked["rank"].min()] if len(ranked) else ranked
    if len(best):
        text += " " + render("report.peers.first", lang, names=", ".join(best["unit_name"]))
    return text


def peer_table_notes(unit: Unit, peers: pd.DataFrame, peers_text: str, year: int,
                     lang: str = "vi") -> list[str]:
    """What a peer table leaves out and why a row without a result is in it: "Bảng chỉ liệt kê
    6 trong 63 tỉnh, thành phố …: các đơn vị có trong bộ số liệu này." when fewer units are
    listed than are ranked, and, when other units have results, the units (other than
    ``unit``) whose result is published but not entered ("Với Vĩnh Phúc, …"). ``[]`` when
    the table lists the whole group with nothing to explain."""
    notes = []
    n = first_int(peers["rank_of"]) or len(peers)
    if len(peers) < n:
        notes.append(render("report.peers.table_lists", lang, listed=len(peers), n=n,
                            peers=peers_text))
    has_result = peers["score"].notna() | peers["rank"].notna()
    gaps = peers[~has_result & (peers["value_status"] == "not_entered")
                 & (peers["unit_code"] != unit.code)]
    if len(gaps) and has_result.any():
        notes.append(render("report.peers.table_not_entered", lang, year=year,
                            names=and_list(list(gaps["unit_name"]), lang)))
    return notes


def history_sentence(unit: Unit, mine: pd.DataFrame, lang: str = "vi") -> str:
    """"Huyện Lập Thạch xếp thứ 5 năm 2022 và thứ 1 năm 2023."""
    ranked = mine.dropna(subset=["rank"])
    pieces = [render("report.history.rank_in_year", lang, rank=ordinal(r, lang), year=int(y))
              for y, r in zip(ranked["reference_year"], ranked["rank"])]
    return render("report.history.sentence", lang, unit=unit_label(unit, lang),
                  ranks=and_list(pieces, lang))


def break_sentence(year: int, level: str, lang: str = "vi", noted: set | None = None) -> str:
    """Warning for a new DTI methodology starting in ``year`` for units of ``level``; the
    frameworks are named from ``lib/data/reference/dti_framework_years.csv`` (``name_vi``/``name_en``).
    A change only suspected by caveats already explained on the page (ids in ``noted``) gets
    the advice alone, pointing to them, not the explanation again."""
    from lib.data.paths import REFERENCE_DIR

    frameworks = load_table("dti_frameworks")
    starts = frameworks[(frameworks["first_reference_year"] == year) & (frameworks["index_name"] == "dti")
                        & (frameworks["framework_id"] == frameworks["methodology_id"])
                        & frameworks["level"].str.split(";").map(lambda levels: level in levels)]
    named = pd.read_csv(REFERENCE_DIR / "dti_framework_years.csv", dtype=str).set_index("framework_id")
    names = "; ".join(dict.fromkeys(named.at[f, f"name_{lang}"] for f in starts["framework_id"]))
    # a change the sources only suspect (a caveat such as C8: "may not be comparable") is said
    # as strongly as the caveat says it, with its id
    caveats = sorted({c.strip() for cell in starts.get("conflict_ids", pd.Series(dtype=str)).dropna()
                      for c in str(cell).split(";") if c.strip()})
    if caveats and noted is not None and set(caveats) <= noted:
        return render("report.history.break_noted", lang, year=year, ids=", ".join(caveats))
    if caveats:
        return render("report.history.break_possible", lang, year=year, frameworks=names,
                      ids=", ".join(caveats))
    return render("report.history.break", lang, year=year, frameworks=names)


def national_sentences(unit: Unit, context: pd.DataFrame, year: int, lang: str = "vi") -> list[str]:
    """The province's national rank in ``year`` (districts) or the provincial mean (provinces)."""
    if unit.level == "province":
        if context.empty:
            return [gap_sentence("provincial_mean", lang, year=year)]
        values = " / ".join(format_number(v, 4, lang) for v in context["value"].dropna())
        # "provincial_dti_mean_34": the mean over the 34 provinces after the 2025 merger
        group = f"report.peers.ranking.province_{context['measure'].iloc[0].rpartition('mean')[2].strip('_')}"
        if context["value"].nunique() == 1 and group in catalogue(lang):
            return [render("report.national.mean_of_group", lang, year=year, values=values,
                           group=render(group, lang))]
        key = "report.national.mean_two" if context["value"].nunique() > 1 else "report.national.mean"
        return [render(key, lang, year=year, values=values)]
    parent = parent_unit(unit)
    province = unit_label(parent, lang) if parent else unit.parent_code
    row = row_of(context, unit.parent_code, year) if len(context) else None
    if row is not None and not is_missing(row["rank"]):
        return [render("report.national.rank", lang, year=year, province=province,
                       rank=int(row["rank"]), rank_of=int(row["rank_of"]))]
    out = [render("report.national.no_rank", lang, year=year, province=province)]
    known = context.dropna(subset=["rank"]) if len(context) else context
    if len(known):
        last = known.iloc[-1]
        out.append(render("report.national.latest", lang, rank=int(last["rank"]),
                          rank_of=int(last["rank_of"]), year=int(last["reference_year"])))
    return out


def merger_sentence(unit: Unit, lang: str = "vi") -> str:
    """"Từ ngày 1/7/2025, tỉnh Vĩnh Phúc, tỉnh Phú Thọ và tỉnh Hòa Bình hợp nhất thành tỉnh
    Phú Thọ (Nghị quyết 202/2025/QH15 …)." from :func:`lib.analysis.queries.merger_of`;
    ``""`` when the unit was not merged."""
    from lib.analysis.queries import merger_of

    merger = merger_of(unit)
    if merger is None:
        return ""
    params = dict(date=texts.date_text(merger.effective_date, lang),
                  units=and_list([unit_label(u, lang) for u in merger.merged], lang),
                  successor=unit_label(merger.successor, lang))
    if merger.document.get(lang):
        return render("report.national.merger", lang, document=merger.document[lang], **params)
    return render("report.national.merger_no_document", lang, **params)


def national_history_sentence(unit: Unit, national: pd.DataFrame, lang: str = "vi") -> str:
    """"Tỉnh Vĩnh Phúc xếp thứ 55 năm 2020, …; chưa có trong bộ số liệu này năm …"."""
    ranked = national.dropna(subset=["rank"])
    if ranked.empty:
        return gap_sentence("national_rank", lang, unit=unit_label(unit, lang))
    text = history_sentence(unit, ranked, lang)
    missing = national.loc[national["rank"].isna(), "reference_year"].tolist()
    if missing:
        text += " " + render("report.national.missing_years", lang,
                             years=", ".join(str(y) for y in missing))
    return text


def components_sentence(unit: Unit, components: pd.DataFrame, lang: str = "vi") -> str:
    """Summary of published pillar / main-indicator / group results."""
    firsts = int((components["rank"] == 1).sum())
    text = render("report.components.results", lang, unit=unit_label(unit, lang),
                  count=len(components))
    if firsts:
        key = "report.components.all_first" if firsts == len(components) else "report.components.some_first"
        text += " " + render(key, lang, count=firsts,
                             scope=render(f"report.components.scope.{unit.level}", lang))
    return text


def components_table(components: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of component results: indicator name, value (0–1 or points), rank."""
    return display_table({
        "component": [indicator_name(i, lang) for i in components["indicator"]],
        "value": [format_number(v, 4, lang) for v in components["score"]],
        "rank": [format_rank(r, o, t, lang) for r, o, t in
                 zip(components["rank"], components["rank_of"], components["rank_text"])],
    }, lang)


"""Published bases that name no population: the catalogue's population is shown instead."""


def overview_sentence(unit: Unit, children: pd.DataFrame, child_level: str, year: int,
                      lang: str = "vi", peers_text: str = "") -> str:
    """What is known of the province's units in ``year``."""
    peers_text = peers_text or level_name(child_level, plural=True, lang=lang)
    if children.empty:
        return gap_sentence("children", lang, year=year, peers=peers_text)
    text = render("report.overview.published", lang, year=year, n=len(children), peers=peers_text,
                  scored=render("report.count.units_with_score", lang,
                                count=int(children["score"].notna().sum())),
                  ranked=render("report.count.units_with_rank", lang,
                                count=int(children["rank"].notna().sum())))
    top = children[children["rank"] == 1]
    if len(top):
        row = top.iloc[0]
        text += " " + render("report.overview.first", lang, name=row["unit_name"],
                             score=score_text(row, lang))
    return text


"""Fewer main indicators with a score than this: no strength or weakness is named (with two,
one is always "stronger" than the other)."""


def scores_findings(unit: Unit, current: pd.Series | None, previous: pd.Series | None,
                    peers: pd.DataFrame | None, peers_text: str, peer_group: str, year: int,
                    framework_break: bool = False, lang: str = "vi") -> list[str]:
    """:func:`findings` of the scores report: the headline (:func:`score_sentence`), the
    change from ``year - 1`` (:func:`change_sentence`), strengths and weaknesses when
    main-indicator scores exist (:func:`strengths_sentence`), and, when the peers' results or
    the main-indicator scores are missing, the data that would complete them."""
    from lib.analysis import core as analysis
    from lib.data.datasets.dti_scores import usable_scores

    sentences = [score_sentence(unit, current, peers_text, year, lang),
                 change_sentence(unit, previous, current, year - 1, year, framework_break, lang)]
    profile = analysis.find_strengths_weaknesses(usable_scores(load_table("dti_scores")),
                                                 peer_group or "", year, unit.code)
    if profile.ok and len(profile.table):
        sentences.append(strengths_sentence(unit, profile.table, lang))
    if unit.level == "province":  # a province can enter only its own result
        complete = current is not None and not is_missing(current["score"])
    else:
        complete = (peers is not None and len(peers) and bool(peers["score"].notna().all())
                    and profile.ok and len(profile.table))
    return findings(sentences, "" if complete else _needed_scores(unit, peers_text, year, lang),
                    lang, _results_holder(unit))


def _results_holder(unit: Unit) -> Unit | None:
    """Whose staff can enter a unit's DTI result: a province its own (the ministry ranks the
    provinces), a district or commune's province those of its units; None at country level."""
    return unit if unit.level == "province" else parent_unit(unit)


def _needed_scores(unit: Unit, peers_text: str, year: int, lang: str) -> str:
    """The results a scores report lacks, as the data-entry hint asks for them: a province's
    own result; the results of a district's or commune's whole peer group (its province's)."""
    if unit.level == "province":
        return render("report.findings.need_own_scores", lang, year=year,
                      unit=unit_label(unit, lang))
    return render("report.findings.need_scores", lang, year=year,
                  peers=peers_text or level_name(unit.level, True, lang))


def overview_findings(unit: Unit, children: pd.DataFrame, child_level: str, year: int,
                      peers_text: str, lang: str = "vi") -> list[str]:
    """:func:`findings` of the overview: what is published for the province's units
    (:func:`overview_sentence`) and, when some have no score, the data that would complete it."""
    complete = len(children) and bool(children["score"].notna().all())
    more = "" if complete else render("report.findings.need_scores", lang, year=year,
                                      peers=peers_text or level_name(child_level, True, lang))
    return findings([overview_sentence(unit, children, child_level, year, lang, peers_text)], more,
                    lang, unit if unit.level == "province" else None)


# The words of every report, gathered so that a notebook needs one import (`narrative as say`)
__all__ = [
    "score_text", "score_sentence", "change_sentence", "key_figures", "peer_table", "rank_text",
    "history_table", "score_axis_label", "other_rankings_sentence", "peers_sentence",
    "peer_table_notes", "history_sentence", "break_sentence", "national_sentences",
    "merger_sentence", "national_history_sentence", "components_sentence", "components_table",
    "overview_sentence", "scores_findings", "overview_findings", "CONCEPTS", "MAX_FINDINGS",
    "UNIT_TYPE_ORDER", "capitalise", "conflict_ids", "conflict_notes", "data_notes", "explain",
    "findings", "first_int", "gap_sentence", "heading", "indicator_name", "not_entered_text",
    "parent_unit", "peer_kinds", "peer_label", "report_title", "row_of", "source_names",
    "status_cell", "unit_kind", "unit_label", "unit_type_key", "weak_source_note",
    "with_indicator_names", "BARE_PERCENT_LABELS", "base_text", "comparator_name",
    "comparator_value_text", "comparison_sentence", "comparison_table", "concept_gaps_sentence",
    "coverage_labels", "coverage_sentence", "definition_warnings", "indicator_counts_sentence",
    "indicator_counts_source", "indicator_counts_table", "indicator_findings", "indicator_names",
    "indicator_table", "indicators_sentence", "percent_rows", "target_sentence", "target_table",
    "undated_sentence", "value_text", "with_comparator_labels", "MIN_MAIN_FOR_PROFILE",
    "benchmark_peers_note", "benchmark_sentence", "change_split_sentence",
    "decomposition_sentence", "decomposition_table", "no_main_sentence", "rank_interval_table",
    "rank_interval_text", "robustness_sentence", "sigma_sentence", "stability_sentence",
    "strengths_sentence", "strengths_table", "too_few_sentence",
]
