"""Plain-language sentences and display tables for the reports, in the report's language.

Each function takes facts already looked up (rows of the processed tables, :class:`Result`
objects of :mod:`lib.analysis`) and a language (``vi`` default, ``en``) and returns a sentence or
a display table. Every word comes from the message catalogue (:mod:`lib.messages`, keys under
``report.``); texts that come from the data (conflict descriptions, bases, publishers, periods)
come from the reviewed reference tables through :mod:`lib.data.texts`. Nothing here reads raw files
or computes statistics; missing values become explicit sentences, never blanks.
"""

from __future__ import annotations

import pandas as pd

from lib.analysis.base import Reason
from lib.data import texts
from lib.data.load import load_table
from lib.data.sources import WEAK_SOURCE_TYPES
from lib.messages import catalogue, render
from lib.present.formatting import (format_number, format_percent, format_rank, format_score,
                            is_missing, level_name, no_data, ordinal, status_note)
from lib.analysis.queries import Unit

CONCEPTS = ("fibre", "mobile_3g_4g", "broadband", "video_conference", "online_procedures",
            "e_documents", "pos",
            "qr", "account_ownership", "e_invoices", "cashless_facilities", "mobile_payments",
            "dt_targets")
#: Order of unit types when a peer group mixes them ("huyện, thành phố").
UNIT_TYPE_ORDER = ("tinh", "huyen", "quan", "thi_xa", "thanh_pho_tw", "thanh_pho", "xa", "phuong",
                   "thi_tran", "dac_khu", "quoc_gia")


def heading(key: str, lang: str = "vi") -> str:
    """A section heading in the report language (``report.heading.<key>``)."""
    return render(f"report.heading.{key}", lang)


def unit_type_key(unit_type: str) -> str:
    """``"Thành phố"`` → ``"thanh_pho"``: the catalogue key of a GSO unit type."""
    from lib.present.display import heading_id

    return heading_id(unit_type).removeprefix("s-").replace("-", "_")


def unit_label(unit: Unit, lang: str = "vi") -> str:
    """The unit named with its type: "huyện Lập Thạch" / "Lập Thạch district"; a name that holds
    its type ("Thành phố Hồ Chí Minh") stands alone."""
    if unit.unit_type and unit.name.startswith(unit.unit_type + " "):
        return unit.name
    return render("report.unit_named", lang, name=unit.name,
                  type=render(f"unit_type.{unit_type_key(unit.unit_type)}", lang, count=1))


def unit_kind(unit: Unit, lang: str = "vi") -> str:
    """The unit's type in words; a province-level city is "thành phố trực thuộc trung ương" /
    "centrally governed city"."""
    key = unit_type_key(unit.unit_type)
    if unit.level == "province" and key == "thanh_pho":
        key = "thanh_pho_tw"
    return render(f"unit_type.{key}", lang, count=1)


def parent_unit(unit: Unit) -> Unit | None:
    """The unit's parent (a district's province) from the ``units`` table, or None."""
    if not unit.parent_code:
        return None
    units = load_table("units")
    rows = units[units["unit_code"] == unit.parent_code]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return Unit(row["unit_code"], row["unit_name"], row["unit_type"], row["unit_level"],
                None, None)


def report_title(notebook: str, unit: Unit, year: int, lang: str = "vi") -> str:
    """"Điểm và thứ hạng DTI năm 2023 — huyện Lập Thạch"."""
    return render("report.title", lang, report=heading(notebook, lang), year=year,
                  unit=unit_label(unit, lang))


def _peer_types(peer_group: str) -> list[str]:
    from lib.analysis.queries import dti_totals

    totals = dti_totals()
    codes = totals.loc[totals["peer_group"] == peer_group, "unit_code"].unique()
    units = load_table("units")
    types = {unit_type_key(t) for t in units.loc[units["unit_code"].isin(codes), "unit_type"]}
    return sorted(types, key=lambda t: UNIT_TYPE_ORDER.index(t) if t in UNIT_TYPE_ORDER else 99)


def peer_kinds(peer_group: str, level: str, lang: str = "vi") -> str:
    """The kinds of unit in a peer group: "huyện, thành phố" / "districts and cities"; the
    level's plural name when the group has no scored unit yet."""
    types = [render(f"unit_type.{t}", lang, count=2) for t in _peer_types(peer_group)]
    return render("report.peers.type_separator", lang).join(types) or \
        level_name(level, plural=True, lang=lang)


def peer_label(peer_group: str, unit: Unit, lang: str = "vi") -> str:
    """The peer group in words: "huyện, thành phố của tỉnh Vĩnh Phúc" / "districts and cities
    of Vĩnh Phúc province"; "tỉnh, thành phố cả nước" / "provinces of Vietnam"."""
    if peer_group.startswith("province_"):
        key = "national" if peer_group.removeprefix("province_").isdigit() else "example_provinces"
        return render(f"report.peers.{key}", lang)
    kinds = peer_kinds(peer_group, unit.level, lang)
    parent = parent_unit(unit)
    if parent is None:
        return kinds
    return render("report.peers.of_parent", lang, kinds=kinds, parent=unit_label(parent, lang))


def explain(reason: Reason | None, lang: str = "vi", unit: Unit | None = None,
            peers_text: str = "") -> str:
    """A :class:`lib.analysis.Reason` as a sentence (``analysis.<code>``); ``""`` for None.

    Identifiers become words: the peer group is ``peers_text``, the unit code the unit's name,
    an indicator id its name, nested reasons their own sentences, lists joined.
    """
    if reason is None:
        return ""
    params = {key: _reason_param(key, value, lang, unit, peers_text)
              for key, value in reason.params.items()}
    return capitalise(render(f"analysis.{reason.code}", lang, **params))


def _reason_param(key: str, value, lang: str, unit: Unit | None, peers_text: str):
    """One parameter of a :class:`Reason` in words (ids → names, lists joined)."""
    if isinstance(value, Reason):
        return explain(value, lang, unit, peers_text).rstrip(".")
    if isinstance(value, list):
        return "; ".join(str(_reason_param(key, v, lang, unit, peers_text)) for v in value)
    if key == "peer_group":
        return peers_text or render("report.peers.this_group", lang)
    if key == "unit_code":
        if unit is not None and value == unit.code:
            return unit_label(unit, lang)
        return render("report.unit_by_code", lang, code=value)
    if key == "indicator":
        return indicator_name(value, lang)
    if key in ("statuses",):
        return status_note(value, lang) or render("report.status.published", lang)
    if key == "themes":
        return render(f"report.theme.{value}", lang).lower()
    if key == "level":
        return level_name(value, lang=lang)
    if key == "n_ranked":
        return render("report.count.ranked_both", lang, count=value)
    if key.startswith("concept_"):
        return render(f"report.concept.{value}", lang) if value in CONCEPTS else value
    if key.startswith("population_"):
        return texts.data_text("base", value, lang) if value else \
            render("report.population_not_recorded", lang)
    if isinstance(value, bool):
        return render(f"report.yes_no.{str(value).lower()}", lang)
    return value


def capitalise(text: str) -> str:
    """The first letter upper-case ("huyện Lập Thạch …" → "Huyện Lập Thạch …")."""
    return text[:1].upper() + text[1:]


def indicator_name(indicator: str, lang: str = "vi") -> str:
    """A DTI indicator id in words (``lib/data/reference/dti_indicators.csv``: ``name_vi``/``name_en``);
    raises ``KeyError`` for an id without a name in that language."""
    from lib.data.paths import REFERENCE_DIR

    if indicator == "rounding_residual":  # the residual row of lib.analysis.decompose_change
        return render("report.analysis.residual", lang)
    names = _dti_indicator_names()
    if indicator not in names.index:
        raise KeyError(f"{indicator!r} has no name in {REFERENCE_DIR / 'dti_indicators.csv'}")
    return names.at[indicator, f"name_{lang}"]


def _dti_indicator_names() -> pd.DataFrame:
    from lib.data.paths import REFERENCE_DIR

    return pd.read_csv(REFERENCE_DIR / "dti_indicators.csv", dtype=str).set_index("indicator")


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


def source_names(source_ids: object, lang: str = "vi") -> str:
    """The publishers of ``;``-joined source ids in the report's language ("MIC DTI portal
    (dti.gov.vn)"), joined by "; "; ``""`` when none is recorded."""
    from lib.data.load import load_table

    sources = load_table("sources").set_index("source_id")
    ids = [i for i in str("" if is_missing(source_ids) else source_ids).split(";")
           if i in sources.index]
    names = dict.fromkeys(texts.data_text("publisher", sources.at[i, "publisher"], lang)
                          for i in ids)
    return "; ".join(names)


def not_entered_text(row: pd.Series, lang: str = "vi") -> str:
    """A value published by its source but not entered in this data set, naming the source:
    "not in this data set (published by MIC DTI portal (dti.gov.vn))"."""
    source = source_names(row.get("source_ids"), lang)
    return (render("report.score.not_entered", lang, source=source) if source
            else render("status.not_entered", lang))


def conflict_ids(row: pd.Series, kind: str = "conflict") -> list[str]:
    """The ids on a row's ``conflict_ids`` that are of ``kind`` (``conflict`` or ``caveat``), in
    number order (C2, C3, C7)."""
    from lib.analysis.queries import conflict_kinds

    kinds = conflict_kinds()
    ids = [i for i in str(row.get("conflict_ids") or "").split(";") if i and kinds.get(i) == kind]
    return sorted(ids, key=lambda i: (len(i), i))


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


def gap_sentence(key: str, lang: str = "vi", **params) -> str:
    """A sentence saying what the data used here do not contain (``report.gap.<key>``)."""
    return render(f"report.gap.{key}", lang, **params)


def value_text(row: pd.Series, lang: str = "vi") -> str:
    """A published indicator value with its unit and qualifier: "85%", "17/17", "65–70%",
    "khoảng 87%", "ít nhất 70%"."""
    if is_missing(row["value"]):
        return no_data(lang)
    percent = row["unit"] == "percent"
    if not is_missing(row.get("denominator")):
        return render("number.fraction", lang, value=format_number(row["value"], None, lang),
                      total=format_number(row["denominator"], None, lang))
    if row["value_status"] == "range":
        low, high = (format_number(row[c], None, lang) for c in ("value_low", "value_high"))
        text = render("number.range", lang, low=low, high=high)
        return render("number.percent", lang, value=text) if percent else text
    text = (format_percent(row["value"], None, lang) if percent
            else format_number(row["value"], None, lang))
    status = row["value_status"]
    if status in ("approximate", "lower_bound", "upper_bound"):
        return render(f"number.{status}", lang, value=text)
    return text


# --- rows and tables -------------------------------------------------------------------------

def row_of(table: pd.DataFrame | None, unit_code: str, year: int | None = None) -> pd.Series | None:
    """The first row of ``table`` for the unit (and year), or None."""
    if table is None or table.empty:
        return None
    rows = table[table["unit_code"] == unit_code]
    if year is not None:
        rows = rows[rows["reference_year"] == year]
    return None if rows.empty else rows.iloc[0]


def first_int(values: pd.Series) -> int | None:
    """The first non-missing value as int (e.g. ``rank_of``), or None."""
    values = values.dropna()
    return None if values.empty else int(values.iloc[0])


def weak_source_note(source_type: object, lang: str = "vi") -> str:
    """Words marking a figure whose most trusted source is weak (:data:`lib.data.sources.WEAK_SOURCE_TYPES`):
    "chỉ có trong một bộ dữ liệu của bên thứ ba, …"; ``""`` for any other source type."""
    return render(f"report.status.weak.{source_type}", lang) if source_type in WEAK_SOURCE_TYPES else ""


def status_cell(row: pd.Series, lang: str = "vi") -> str:
    """A value's status in words, with its conflicts, caveats and a weak source: "đã công bố",
    "số tính từ số liệu công bố; không thống nhất (C1)"."""
    notes = [status_note(row["value_status"], lang) or render("report.status.published", lang),
             weak_source_note(row.get("source_type"), lang)]
    for kind in ("conflict", "caveat"):
        ids = conflict_ids(row, kind)
        if ids:
            notes.append(render(f"report.status.{kind}", lang, ids=", ".join(ids)))
    return "; ".join(note for note in notes if note)


def _table(columns: dict[str, list], lang: str) -> pd.DataFrame:
    """A display frame whose headers are catalogue keys ``report.column.<key>``."""
    return pd.DataFrame({render(f"report.column.{key}", lang): values
                         for key, values in columns.items()})


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
    return _table({"measure": [render(f"report.measure.{k}", lang) for k, _ in items],
                   "value": [v for _, v in items]}, lang)


def peer_table(peers: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of a peer group: unit, score, rank, status (missing cells say so)."""
    return _table({
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


# --- sentences -------------------------------------------------------------------------------

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
                            names=_and_list(list(gaps["unit_name"]), lang)))
    return notes


def _and_list(pieces: list[str], lang: str) -> str:
    """"a, b và c" / "a, b and c" (any list of words, not only years)."""
    if len(pieces) == 1:
        return pieces[0]
    return ", ".join(pieces[:-1]) + render("report.and", lang) + pieces[-1]


def history_sentence(unit: Unit, mine: pd.DataFrame, lang: str = "vi") -> str:
    """"Huyện Lập Thạch xếp thứ 5 năm 2022 và thứ 1 năm 2023."""
    ranked = mine.dropna(subset=["rank"])
    pieces = [render("report.history.rank_in_year", lang, rank=ordinal(r, lang), year=int(y))
              for y, r in zip(ranked["reference_year"], ranked["rank"])]
    return render("report.history.sentence", lang, unit=unit_label(unit, lang),
                  ranks=_and_list(pieces, lang))


def break_sentence(year: int, level: str, lang: str = "vi") -> str:
    """Warning for a new DTI methodology starting in ``year`` for units of ``level``; the
    frameworks are named from ``lib/data/reference/dti_framework_years.csv`` (``name_vi``/``name_en``)."""
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
                  units=_and_list([unit_label(u, lang) for u in merger.merged], lang),
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
    return _table({
        "component": [indicator_name(i, lang) for i in components["indicator"]],
        "value": [format_number(v, 4, lang) for v in components["score"]],
        "rank": [format_rank(r, o, t, lang) for r, o, t in
                 zip(components["rank"], components["rank_of"], components["rank_text"])],
    }, lang)


def conflict_notes(rows: list[pd.Series | None], lang: str = "vi",
                   noted: set[str] | None = None) -> list[str]:
    """One note per conflict or caveat flagged on the given rows, with its description.

    ``noted`` holds the ids already explained on the page: they are skipped, and the ids
    explained here are added to it, so that a page explains each conflict once."""
    from lib.analysis.queries import conflict_descriptions

    ids = [i for r in rows if r is not None for i in str(r.get("conflict_ids") or "").split(";") if i]
    table = conflict_descriptions().set_index("conflict_id")
    noted = set() if noted is None else noted
    notes = []
    for cid in dict.fromkeys(ids):
        if cid in table.index and cid not in noted:
            noted.add(cid)
            notes.append(render(f"report.conflict.{table.at[cid, 'kind']}", lang, id=cid,
                                title=texts.data_text("conflict_title", table.at[cid, "title"], lang),
                                description=texts.data_text("conflict_description",
                                                            table.at[cid, "description"], lang)))
    return notes


def data_notes(lang: str = "vi", figures: bool = False) -> list[str]:
    """Standing notes on the data: provenance, what "no data" means, the 2025 reform; with
    ``figures`` (infrastructure and cashless reports) also the one-report-year rule of
    :func:`lib.analysis.queries.figure_year`."""
    keys = ("provenance", "no_data") + (("figure_year",) if figures else ()) + ("reform",)
    return [render(f"report.data_notes.{key}", lang) for key in keys]


def indicators_sentence(unit: Unit, figures: pd.DataFrame, year: int, lang: str = "vi") -> str:
    """How many figures are published for the unit and year, and for what period."""
    if figures.empty:
        return gap_sentence("figures", lang, unit=unit_label(unit, lang), year=year)
    periods = "; ".join(dict.fromkeys(texts.period_label(r, lang) for _, r in figures.iterrows()))
    return render("report.indicators.count", lang, count=len(figures), unit=unit_label(unit, lang),
                  year=year, periods=periods)


def indicator_names(figures: pd.DataFrame, lang: str = "vi") -> pd.Series:
    """Display names of ``indicators`` rows in the report's language."""
    return pd.Series([texts.data_text("indicator_name", label, lang)
                      for ind, label in zip(figures["indicator"], figures["indicator_label"])],
                     index=figures.index, dtype=object)


def indicator_table(figures: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of indicator values: name, value, base, period, status."""
    return _table({
        "indicator": list(indicator_names(figures, lang)),
        "value": [value_text(r, lang) for _, r in figures.iterrows()],
        "base": [base_text(u, i, lang) for u, i in zip(figures["unit_label"], figures["indicator"])],
        "period": [texts.period_label(r, lang) for _, r in figures.iterrows()],
        "status": ["; ".join(filter(None, [status_note(s, lang) or render("report.status.published", lang),
                                            weak_source_note(t, lang)]))
                   for s, t in zip(figures["value_status"], figures["source_type"])],
    }, lang)


def concept_gaps_sentence(unit: Unit, figures: pd.DataFrame, themes: tuple[str, ...],
                          lang: str = "vi") -> str:
    """Which standard measures of these themes have no published value for the unit."""
    catalogue = load_table("indicator_catalogue")
    concepts = catalogue.loc[catalogue["theme"].isin(themes), "concept"].unique()
    have = set(figures["concept"].dropna()) if "concept" in figures else set()
    missing = [render(f"report.concept.{c}", lang) for c in concepts if c in CONCEPTS and c not in have]
    if not missing:
        return ""
    return render("report.indicators.missing_concepts", lang, unit=unit_label(unit, lang),
                  concepts=", ".join(missing))


def percent_rows(figures: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The unit's percent (0–100) indicators with a display ``label``, for the chart."""
    rows = figures[(figures["unit"] == "percent") & figures["value"].notna()].copy()
    rows["label"] = indicator_names(rows, lang)
    return rows


def comparator_name(name: str, lang: str = "vi") -> str:
    """A comparison area in words ("Việt Nam" → "Cả nước" / "Vietnam")."""
    return render("report.comparison.country", lang) if name in ("Việt Nam", "Vietnam") else name


BARE_PERCENT_LABELS = ("%", "% (all)")
"""Published bases that name no population: the catalogue's population is shown instead."""


def base_text(unit_label: str, indicator: str, lang: str = "vi") -> str:
    """The base of a figure in words: its published unit label translated ("% số xã, thị
    trấn"), or, for a bare "%", the share of the catalogue's population ("% phòng, ban cấp
    huyện và UBND cấp xã"). Raises :class:`lib.data.texts.MissingText` for an untranslated label."""
    if unit_label in BARE_PERCENT_LABELS:
        catalogue = load_table("indicator_catalogue").set_index("indicator")
        population = catalogue["population"].get(indicator, "")
        if isinstance(population, str) and population and "not stated" not in population:
            return render("report.base_percent_of", lang,
                          population=texts.data_text("base", population, lang))
    return texts.data_text("value_unit", unit_label, lang)


def comparator_value_text(row: pd.Series, lang: str = "vi") -> str:
    """The comparison value of a :func:`lib.analysis.queries.comparators` row, formatted as
    :func:`value_text` formats the unit's own ("78,3%", "ít nhất 70%", "65–70%")."""
    return value_text(pd.Series({
        "value": row["comparator_value"], "value_status": row["comparator_status"],
        "value_low": row["comparator_low"], "value_high": row["comparator_high"],
        "denominator": row["comparator_denominator"], "unit": row["comparator_unit_of_measure"]}), lang)


def comparison_sentence(unit: Unit, figures: pd.DataFrame, comparisons: pd.DataFrame,
                        lang: str = "vi") -> str:
    """How many of the unit's figures have a value of the same definition to compare with, and how
    many only values of another definition (indicative only)."""
    same = set(comparisons.loc[comparisons["same_definition"], "indicator"])
    n = len(same)
    differ = len(set(comparisons["indicator"]) - same)
    targets = int(comparisons["is_target"].sum())
    text = render("report.comparison.count", lang, count=n, total=len(figures),
                  unit=unit_label(unit, lang))
    if differ:
        text += render("report.comparison.differ", lang, count=differ)
    if targets:
        text += render("report.comparison.targets", lang, count=targets)
    return text + "."


def comparison_table(figures: pd.DataFrame, comparisons: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table: the unit's value beside each comparison value, with the definition check."""
    names = figures.assign(_name=indicator_names(figures, lang))
    merged = comparisons.merge(names[["indicator", "_name", "value", "value_text", "unit",
                                      "value_status", "value_low", "value_high", "denominator"]],
                               on="indicator")
    compared = [capitalise(render("report.comparison.target_of" if t else "report.comparison.area",
                                  lang, area=comparator_name(u, lang)))
                for t, u in zip(merged["is_target"], merged["comparator_unit"])]
    return _table({
        "indicator": list(merged["_name"]),
        "this_unit": [value_text(r, lang) for _, r in merged.iterrows()],
        "compared_with": compared,
        "value": [render("report.comparison.value_base", lang, value=comparator_value_text(r, lang),
                         base=base_text(r["comparator_unit_label"], r["comparator_indicator"], lang))
                  for _, r in merged.iterrows()],
        "period": [texts.period_label(p, lang, ("target",) if t else ())
                   for p, t in zip(merged["comparator_period"], merged["is_target"])],
        "same_definition": [render(f"report.yes_no.{str(bool(s)).lower()}", lang)
                            for s in merged["same_definition"]],
    }, lang)


def definition_warnings(figures: pd.DataFrame, comparisons: pd.DataFrame, lang: str = "vi") -> list[str]:
    """One warning per comparison whose definitions differ, naming both bases."""
    labels = pd.Series(indicator_names(figures, lang).values, index=figures["indicator"])
    bases = pd.Series(figures["unit_label"].values, index=figures["indicator"])
    out = []
    for row in comparisons[~comparisons["same_definition"]].itertuples():
        out.append(render("report.comparison.definition_differs", lang,
                          indicator=labels.get(row.indicator, row.indicator),
                          area=comparator_name(row.comparator_unit, lang),
                          base=base_text(bases.get(row.indicator, ""), row.indicator, lang),
                          other_base=base_text(row.comparator_unit_label, row.comparator_indicator,
                                               lang)))
    return out


def undated_sentence(unit: Unit, lang: str = "vi") -> str:
    """Warning that undated figures are not assigned to any year."""
    return render("report.indicators.undated", lang, unit=unit_label(unit, lang))


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


def coverage_labels(lang: str = "vi") -> dict[str, str]:
    """Cell labels of the coverage grid."""
    return {key: render(f"report.coverage.{key.replace(' ', '_')}", lang)
            for key in ("score", "rank only", "none")}


def coverage_sentence(matrix: pd.DataFrame, lang: str = "vi") -> str:
    """What is published across the units and years of the grid."""
    cells = matrix.size
    scored = int((matrix == "score").sum().sum())
    ranked = int((matrix == "rank only").sum().sum())
    return render("report.coverage.sentence", lang, cells=cells, units=len(matrix), years=len(matrix.columns),
                  scored=render("report.count.figures_with_score", lang, count=scored),
                  ranked=render("report.count.figures_rank_only", lang, count=ranked),
                  empty=render("report.count.figures_none", lang, count=cells - scored - ranked))


def indicator_counts_table(counts: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of :func:`lib.analysis.queries.indicator_counts`: unit, one column per theme, undated."""
    out = {render("report.column.unit", lang): counts["unit_name"].to_numpy()}
    for column in counts.columns.drop(["unit_code", "unit_name"]):
        out[render(f"report.theme.{column}", lang)] = counts[column].to_numpy()
    return pd.DataFrame(out)


def indicator_counts_sentence(unit: Unit, counts: pd.DataFrame, lang: str = "vi",
                              peers_text: str = "") -> str:
    """How many of the province's units have any published non-DTI indicator (every year of
    the data set and undated figures), naming the themes counted."""
    numbers = counts.drop(columns=["unit_code", "unit_name"])
    with_any = int((numbers.sum(axis=1) > 0).sum())
    themes = [render(f"report.theme.{t}", lang).lower() for t in numbers.columns if t != "undated"]
    return render("report.overview.indicator_counts", lang, count=with_any, n=len(counts),
                  peers=peers_text or level_name("district", plural=True, lang=lang),
                  themes=_and_list(themes, lang))


def indicator_counts_source(lang: str = "vi") -> str:
    """Source line of the indicator-count table (counts of rows of the raw indicator file)."""
    return render("report.overview.indicator_counts_source", lang)


# --- sentences from lib.analysis results ------------------------------------------------------

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
    return _table({
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
        return text + (" " + render("report.analysis.main_ranks", lang, items=_and_list(items, lang))
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
    return _table({
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
    return _table({
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


def target_sentence(unit: Unit, gaps: pd.DataFrame, lang: str = "vi") -> str:
    """How many published targets apply and are met, and how many cannot be compared."""
    comparable = gaps[gaps["comparable"].astype(bool)]
    met = int(comparable["met"].fillna(False).astype(bool).sum())
    other = len(gaps) - len(comparable)
    if comparable.empty:
        return render("report.targets.none_comparable", lang, unit=unit_label(unit, lang), count=other)
    text = render("report.targets.met", lang, unit=unit_label(unit, lang), count=len(comparable), met=met)
    if other:
        text += render("report.targets.other", lang, count=other)
    return text + "."


def _measure(value: object, unit: str, lang: str) -> str:
    return format_percent(value, None, lang) if unit == "percent" else format_number(value, None, lang)


def _target_value_text(row: pd.Series, lang: str) -> str:
    """A target as published: "65–70%" for a range, "ít nhất 70%" for a lower bound."""
    return value_text(pd.Series({
        "value": row["target_value"], "value_status": row["target_status"],
        "value_low": row["target_low"], "value_high": row["target_high"],
        "denominator": None, "unit": row["unit"]}), lang)


def target_table(gaps: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Display table of target gaps."""
    return _table({
        "indicator": [texts.data_text("indicator_name", n, lang)
                      for i, n in zip(gaps["indicator"], gaps["indicator_name"])],
        "value": [_measure(v, u, lang) for v, u in zip(gaps["value"], gaps["unit"])],
        "target": [render("report.targets.target_cell", lang, value=_target_value_text(row, lang),
                          area=comparator_name(row["target_unit_name"], lang),
                          period=texts.period_label(row["target_period"], lang, ("target",)))
                   for _, row in gaps.iterrows()],
        "gap": [format_number(v, 1, lang) if c else render("report.targets.gap_not_computed", lang)
                for v, c in zip(gaps["gap"], gaps["comparable"])],
        "comparable": [render(f"report.yes_no.{str(bool(c)).lower()}", lang) for c in gaps["comparable"]],
        "explanation": [explain(e, lang) if isinstance(e, Reason) else "" for e in gaps["explanation"]],
    }, lang)


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


def with_indicator_names(table: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """``table`` (rows of a :mod:`lib.analysis` result) with ``indicator_name`` in the report's
    language, for charts."""
    return table.assign(indicator_name=[indicator_name(i, lang) for i in table["indicator"]])


def with_comparator_labels(comparisons: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """:func:`lib.analysis.queries.comparators` rows with ``comparator_label`` (the area in words)."""
    return comparisons.assign(comparator_label=[comparator_name(u, lang)
                                                for u in comparisons["comparator_unit"]])


# --------------------------------------------------------------------------- findings box

MAX_FINDINGS = 5


def findings(sentences: list[str], more_data: str = "", lang: str = "vi",
             staff: Unit | None = None) -> list[str]:
    """The findings box under a report's header: at most :data:`MAX_FINDINGS` sentences.

    ``sentences`` are the report's own sentences (where the unit stands, how that changed,
    strongest and weakest areas, what is missing), in that order; empty ones and repeats are
    dropped, the rest cut to leave room for the last line. ``more_data`` names the data that
    would let the report say more ("kết quả DTI năm 2023 của cả 9 huyện, thành phố"); when
    given, the last line says so and points to the DTI data-entry template, to be filled in by
    the staff of ``staff``, the unit that holds those results (default: "the province's
    staff"; ``report.findings.more_data``).
    Returns plain sentences (first letter upper-case).
    """
    kept = list(dict.fromkeys(capitalise(s.strip()) for s in sentences if s and s.strip()))
    who = (render("report.findings.staff_of", lang, unit=unit_label(staff, lang)) if staff
           else render("report.findings.staff_of_province", lang))
    tail = [render("report.findings.more_data", lang, data=more_data, staff=who)] if more_data else []
    return kept[:MAX_FINDINGS - len(tail)] + tail


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


def indicator_findings(unit: Unit, figures: pd.DataFrame, comparisons: pd.DataFrame,
                       themes: tuple[str, ...], year: int, lang: str = "vi") -> list[str]:
    """:func:`findings` of the infrastructure and cashless reports: what is published
    (:func:`indicators_sentence`), how it compares (:func:`comparison_sentence`) and which
    topics have no figure (:func:`concept_gaps_sentence`)."""
    sentences = [indicators_sentence(unit, figures, year, lang)]
    if len(comparisons) and len(percent_rows(figures, lang)):
        sentences.append(comparison_sentence(unit, figures, comparisons, lang))
    sentences.append(concept_gaps_sentence(unit, figures, themes, lang))
    return findings(sentences, "", lang)


def overview_findings(unit: Unit, children: pd.DataFrame, child_level: str, year: int,
                      peers_text: str, lang: str = "vi") -> list[str]:
    """:func:`findings` of the overview: what is published for the province's units
    (:func:`overview_sentence`) and, when some have no score, the data that would complete it."""
    complete = len(children) and bool(children["score"].notna().all())
    more = "" if complete else render("report.findings.need_scores", lang, year=year,
                                      peers=peers_text or level_name(child_level, True, lang))
    return findings([overview_sentence(unit, children, child_level, year, lang, peers_text)], more,
                    lang, unit if unit.level == "province" else None)
