"""Words every report uses: unit and peer-group labels, headings, reasons, statuses, source
names, conflict notes and the findings box, in the report's language (messages ``report.``).
"""

from __future__ import annotations

import pandas as pd

from lib.data.datasets.units import Unit
from lib.analysis.base import Reason
from lib.data import texts
from lib.data.load import load_table
from lib.data.sources import WEAK_SOURCE_TYPES
from lib.messages import render
from lib.present.formatting import is_missing, level_name, status_note


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


def gap_sentence(key: str, lang: str = "vi", **params) -> str:
    """A sentence saying what the data used here do not contain (``report.gap.<key>``)."""
    return render(f"report.gap.{key}", lang, **params)


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
    """A value's status in words, with its rank's when that is not plainly published, its
    conflicts, caveats and a weak source: "đã công bố", "số tính từ số liệu công bố; không
    thống nhất (C1)", "chỉ có thứ hạng; thứ hạng: số tính từ số liệu công bố"."""
    notes = [status_note(row["value_status"], lang) or render("report.status.published", lang),
             weak_source_note(row.get("source_type"), lang)]
    rank_status = row.get("rank_status")
    if isinstance(rank_status, str) and rank_status not in ("reported", "missing", "not_entered") \
            and status_note(rank_status, lang):  # "Hải Phòng 3/63" read from a listing's order
        notes.append(render("report.status.rank", lang, status=status_note(rank_status, lang)))
    for kind in ("conflict", "caveat"):
        ids = conflict_ids(row, kind)
        if ids:
            notes.append(render(f"report.status.{kind}", lang, ids=", ".join(ids)))
    return "; ".join(note for note in notes if note)


def display_table(columns: dict[str, list], lang: str) -> pd.DataFrame:
    """A display frame whose headers are catalogue keys ``report.column.<key>``."""
    return pd.DataFrame({render(f"report.column.{key}", lang): values
                         for key, values in columns.items()})


def and_list(pieces: list[str], lang: str) -> str:
    """"a, b và c" / "a, b and c" (any list of words, not only years)."""
    if len(pieces) == 1:
        return pieces[0]
    return ", ".join(pieces[:-1]) + render("report.and", lang) + pieces[-1]


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


def with_indicator_names(table: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """``table`` (rows of a :mod:`lib.analysis` result) with ``indicator_name`` in the report's
    language, for charts."""
    return table.assign(indicator_name=[indicator_name(i, lang) for i in table["indicator"]])


MAX_FINDINGS = 5


def staff_words(unit: Unit, lang: str = "vi") -> str:
    """Who can enter ``unit``'s results: "cán bộ của tỉnh Vĩnh Phúc"; for a unit merged since
    (:func:`lib.analysis.queries.merger_of`), its successor's staff: "cán bộ của tỉnh Phú Thọ
    (hợp nhất từ tỉnh Vĩnh Phúc, tỉnh Hòa Bình và tỉnh Phú Thọ từ ngày 1/7/2025)"."""
    from lib.analysis.queries import merger_of

    merger = merger_of(unit)
    if merger is None:
        return render("report.findings.staff_of", lang, unit=unit_label(unit, lang))
    return render("report.findings.staff_of_merged", lang,
                  unit=unit_label(merger.successor, lang),
                  units=and_list([unit_label(u, lang) for u in merger.merged], lang),
                  date=texts.date_text(merger.effective_date, lang))


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
    who = staff_words(staff, lang) if staff else render("report.findings.staff_of_province", lang)
    tail = [render("report.findings.more_data", lang, data=more_data, staff=who)] if more_data else []
    return kept[:MAX_FINDINGS - len(tail)] + tail
