"""Plain-language sentences for the reports (English and Vietnamese).

Each function takes facts already looked up (rows of the processed tables) and returns one
sentence; nothing here reads files or computes statistics. Missing values become explicit
"not published" sentences, never blanks.
"""

from __future__ import annotations

import re

import pandas as pd

from lib.formatting import (NO_DATA, format_number, format_score, is_missing, level_name,
                            ordinal, status_note)
from lib.profiles import Unit

HEADINGS = {
    "en": {
        "scores": "DTI score and rank", "infrastructure": "Digital infrastructure",
        "cashless": "Cashless payments", "overview": "Province overview",
        "result": "Result", "change": "Change from the previous year",
        "peers": "Position among peers", "history": "Rank over the years",
        "province": "The province in the national ranking", "components": "Main indicators",
        "notes": "Data notes and sources", "values": "Published figures",
        "comparison": "Comparison with the province, the country and targets",
        "undated": "Figures without a date", "side_by_side": "Units side by side",
        "coverage": "What is published, per unit and year",
        "national": "The province's national DTI rank over the years",
        "decomposition": "Where the points come from", "change_split": "Change by main indicator",
        "strengths": "Strengths and weaknesses", "benchmarks": "Benchmarks",
        "robustness": "How solid is the rank?", "targets": "Distance to published targets",
        "main_analyses": "Analyses by main indicator",
        "stability": "Stability and convergence across years",
    },
    "vi": {
        "scores": "Điểm và thứ hạng DTI", "infrastructure": "Hạ tầng số",
        "cashless": "Thanh toán không dùng tiền mặt", "overview": "Tổng quan tỉnh",
        "result": "Kết quả", "change": "Thay đổi so với năm trước",
        "peers": "Vị trí so với các đơn vị cùng cấp", "history": "Thứ hạng qua các năm",
        "province": "Tỉnh trong bảng xếp hạng quốc gia", "components": "Các chỉ số chính",
        "notes": "Ghi chú số liệu và nguồn", "values": "Số liệu đã công bố",
        "comparison": "So sánh với tỉnh, cả nước và mục tiêu",
        "undated": "Số liệu không rõ thời điểm", "side_by_side": "Các đơn vị cùng cấp",
        "coverage": "Số liệu đã công bố theo đơn vị và năm",
        "national": "Thứ hạng DTI quốc gia của tỉnh qua các năm",
        "decomposition": "Cơ cấu điểm theo chỉ số chính", "change_split": "Thay đổi theo chỉ số chính",
        "strengths": "Điểm mạnh và điểm yếu", "benchmarks": "So sánh chuẩn",
        "robustness": "Thứ hạng vững đến đâu?", "targets": "Khoảng cách đến mục tiêu",
        "main_analyses": "Phân tích theo chỉ số chính",
        "stability": "Ổn định và hội tụ qua các năm",
    },
}


CONCEPT_NAMES = {
    "fibre": "fibre coverage", "mobile_3g_4g": "3G/4G coverage", "broadband": "broadband",
    "video_conference": "video-conference points", "online_procedures": "online procedures",
    "pos": "POS use by shops", "qr": "QR-code payments", "account_ownership": "account ownership",
    "e_invoices": "e-invoices", "cashless_facilities": "cashless payment at schools and clinics",
    "mobile_payments": "mobile payments", "dt_targets": "digital-transformation targets",
}
THEME_NAMES = {
    "infrastructure": "Infrastructure", "online_services": "Online services",
    "e_government": "E-government", "cashless": "Cashless payments",
    "financial_inclusion": "Financial inclusion", "digital_economy": "Digital economy",
    "digital_society": "Digital society", "dt_programme": "Digital-transformation programme",
}


def heading(key: str, lang: str = "en") -> str:
    """A section heading in the report language."""
    return HEADINGS[lang][key]


def report_title(notebook: str, unit: Unit, year: int, lang: str = "en") -> str:
    """"Lập Thạch (district) — DTI score and rank, 2023"."""
    return f"{unit.name} ({level_name(unit.level, lang=lang)}) — {heading(notebook, lang)}, {year}"


def peer_label(peer_group: str, unit: Unit, lang: str = "en") -> str:
    """"districts of Vĩnh Phúc" / "provinces of Vietnam"."""
    if peer_group.startswith("province_"):
        if not peer_group.removeprefix("province_").isdigit():
            return "provinces of the example panel" if lang == "en" else "tỉnh trong bộ dữ liệu ví dụ"
        return "provinces of Vietnam" if lang == "en" else "tỉnh, thành phố cả nước"
    plural = level_name(unit.level, plural=True, lang=lang)
    parent = unit.parent_name or unit.parent_code
    return f"{plural} of {parent}" if lang == "en" else f"{plural} của {parent}"


def plain_reason(text: str, peer_group: str | None, peers_text: str, unit: Unit) -> str:
    """An analysis reason with identifiers replaced by plain words ("districts_of_26" →
    "the districts of Vĩnh Phúc", "Unit 246" → "Lập Thạch")."""
    if peer_group:
        text = text.replace(f"{peer_group} has", f"the {peers_text} have")
        text = text.replace(peer_group, f"the {peers_text}")
    text = text.replace(f"Unit {unit.code}", unit.name).replace(f"unit {unit.code}", unit.name)
    text = text.replace("a dti_total score", "a DTI score").replace("dti_total", "DTI total")
    text = re.sub(r"\b1 (\w+)\(s\) (have|lack)", lambda m: f"1 {m[1]} {'has' if m[2] == 'have' else 'lacks'}", text)
    text = re.sub(r"\b1 (\w+)\(s\)", r"1 \1", text)
    text = re.sub(r"(\w+)\(s\)", r"\1s", text)
    return text[:1].upper() + text[1:]


def score_text(row: pd.Series, lang: str = "en") -> str:
    """A DTI score as a reader should see it: "744.213 points", "just under 559 points",
    or why it is not shown ("not used: derived and in conflict C1")."""
    if is_missing(row["score"]):
        if row["value_status"] == "derived" and row["conflict_status"] == "conflicting":
            from lib.profiles import conflict_descriptions

            kinds = conflict_descriptions().set_index("conflict_id")["kind"]
            ids = ", ".join(i for i in row["conflict_ids"].split(";") if kinds.get(i) == "conflict")
            return (f"not used: derived and in conflict {ids}" if lang == "en"
                    else f"không dùng: số suy ra, mâu thuẫn {ids}")
        return NO_DATA[lang]
    text = format_score(row["score"], row["scale"], lang)
    if row["value_status"] == "approximate" and row.get("score_high") == row["score"]:
        return ("just under " if lang == "en" else "gần ") + text
    if row["value_status"] == "lower_bound":
        return ("more than " if lang == "en" else "hơn ") + text
    return text


def score_sentence(unit: Unit, row: pd.Series | None, peers_text: str, year: int,
                   lang: str = "en") -> str:
    """The headline: score, rank among peers, and any qualifier of either."""
    if row is None or (is_missing(row["score"]) and is_missing(row["rank"])
                       and is_missing(row["rank_low"])):
        return (f"No {year} DTI result for {unit.name} is published in the sources used here."
                if lang == "en" else
                f"Chưa có kết quả DTI {year} của {unit.name} trong các nguồn đã dùng.")
    en = lang == "en"
    if not is_missing(row["score"]):
        out_of = " out of 1,000" if row["scale"] == "points" and row["score_max"] == 1000 else ""
        first = (f"In {year}, {unit.name} scored {score_text(row, lang)}{out_of}" if en else
                 f"Năm {year}, {unit.name} đạt {score_text(row, lang)}")
        qualifier = status_note(row["value_status"], lang)
        if qualifier and row["value_status"] not in ("approximate", "lower_bound"):
            first += f" ({qualifier})"
    else:
        first = (f"{unit.name}'s {year} DTI score is not published" if en else
                 f"Điểm DTI năm {year} của {unit.name} không được công bố")
    if not is_missing(row["rank"]):
        of = "" if is_missing(row["rank_of"]) else (
            f" of {int(row['rank_of'])}" if en else f"/{int(row['rank_of'])}")
        tie = (" (tied)" if en else " (đồng hạng)") if row["rank_tied"] else ""
        second = (f"ranked {ordinal(row['rank'], lang)}{of} among {peers_text}{tie}" if en else
                  f"xếp {ordinal(row['rank'], lang)}{of} trong {peers_text}{tie}")
    elif row["rank_text"]:
        second = (f"was placed “{row['rank_text']}” among {peers_text}" if en
                  else f"ở nhóm “{row['rank_text']}” trong {peers_text}")
    else:
        second = "its rank is not published" if en else "thứ hạng không được công bố"
    joiner = (" and " if not is_missing(row["score"]) else "; it ") if en else " và "
    if en and second.startswith("its rank"):
        joiner = "; "
    return f"{first}{joiner}{second}."


def change_sentence(unit: Unit, previous: pd.Series | None, current: pd.Series | None,
                    previous_year: int, year: int, framework_break: bool = False,
                    lang: str = "en") -> str:
    """Rank and score change from the previous year, refusing to use conflicting or missing
    values silently; across a framework break the score change is given in % of maximum."""
    def has_rank(row):
        return row is not None and not is_missing(row["rank"])

    if not (has_rank(previous) and has_rank(current)):
        return (f"A change in rank from {previous_year} to {year} cannot be stated: a rank is not "
                f"published for both years." if lang == "en" else
                f"Không thể nêu thay đổi thứ hạng {previous_year}–{year}: thiếu thứ hạng của một năm.")
    before, after = int(previous["rank"]), int(current["rank"])
    if lang == "en":
        verb = "rose" if after < before else "fell" if after > before else "stayed"
        text = (f"{unit.name} {verb} from {ordinal(before)} in {previous_year} to {ordinal(after)} "
                f"in {year}" if verb != "stayed" else
                f"{unit.name} stayed {ordinal(after)} in {previous_year} and {year}")
    else:
        text = f"{unit.name} từ hạng {before} năm {previous_year} lên hạng {after} năm {year}" \
            if after < before else f"{unit.name} từ hạng {before} năm {previous_year} xuống hạng {after} năm {year}" \
            if after > before else f"{unit.name} giữ hạng {after} trong {previous_year} và {year}"
    usable = (not is_missing(previous["score"]) and not is_missing(current["score"])
              and previous["conflict_status"] != "conflicting"
              and previous["value_status"] not in ("derived", "missing"))
    if usable and framework_break:
        delta = float(current["pct_of_max"]) - float(previous["pct_of_max"])
        text += (f"; across the framework change its share of the maximum moved by "
                 f"{format_number(delta, 1, lang)} percentage points (points are not compared)"
                 if lang == "en" else
                 f"; qua thay đổi bộ chỉ số, tỷ lệ so với mức tối đa thay đổi {format_number(delta, 1, lang)} điểm phần trăm")
    elif usable:
        factor = 1000.0 if current["scale"] == "0-1" else 1.0
        delta = (float(current["score"]) - float(previous["score"])) * factor
        text += (f"; its score changed by {format_number(delta, 1, lang)} points"
                 if lang == "en" else f"; điểm thay đổi {format_number(delta, 1, lang)}")
    elif previous["conflict_status"] == "conflicting" or previous["value_status"] == "derived":
        text += (f"; the score change is not computed because the {previous_year} score is "
                 f"{score_text(previous, lang).removeprefix('not used: ')}" if lang == "en" else
                 "; không tính thay đổi điểm vì điểm năm trước là số suy ra hoặc có mâu thuẫn")
    else:
        missing = [str(y) for y, r in ((previous_year, previous), (year, current))
                   if is_missing(r["score"])]
        text += (f"; no score change can be computed (no published score for {' and '.join(missing)})"
                 if lang == "en" else f"; không tính được thay đổi điểm (thiếu điểm năm {', '.join(missing)})")
    return text + "."


def gap_sentence(what: str, lang: str = "en") -> str:
    """"No … is published in the sources used here."""
    return (f"No {what} is published in the sources used here." if lang == "en"
            else f"Chưa có {what} trong các nguồn đã dùng.")


def missing_list_sentence(names: list[str], year: int, lang: str = "en") -> str:
    """"Not published for 2023: A, B, C." (empty string when nothing is missing)."""
    if not names:
        return ""
    return (f"Not published for {year}: {', '.join(names)}." if lang == "en"
            else f"Không công bố cho năm {year}: {', '.join(names)}.")


def value_text(row: pd.Series, lang: str = "en") -> str:
    """A published indicator value with its unit and qualifier: "85 %", "22 points",
    "17/17", "65–70 % (range)"."""
    if is_missing(row["value"]):
        return NO_DATA[lang]
    if not is_missing(row.get("denominator")):
        text = f"{format_number(row['value'], None, lang)}/{format_number(row['denominator'], None, lang)}"
    elif row["value_status"] == "range":
        text = f"{format_number(row['value_low'], None, lang)}–{format_number(row['value_high'], None, lang)}"
    else:
        text = format_number(row["value"], None, lang)
    if row["unit"] == "percent":
        text += " %"
    qualifier = status_note(row["value_status"], lang)
    return f"{text} ({qualifier})" if qualifier and row["value_status"] != "range" else text


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


def _status_cell(row: pd.Series, lang: str) -> str:
    notes = [status_note(row["value_status"], lang) or ("reported" if lang == "en" else "đã công bố")]
    if row.get("conflict_status") == "conflicting":
        notes.append(("conflicting: " if lang == "en" else "mâu thuẫn: ") + row["conflict_ids"])
    elif row.get("conflict_status") == "caveat":
        notes.append(("caveat: " if lang == "en" else "lưu ý: ") + row["conflict_ids"])
    return "; ".join(n for n in notes if n)


def key_figures(row: pd.Series, lang: str = "en") -> pd.DataFrame:
    """Two-column table (measure, value) of a DTI result: score, scale, % of maximum, rank,
    statuses and conflict flags."""
    from lib.formatting import format_rank

    en = lang == "en"
    items = [
        ("DTI score" if en else "Điểm DTI", score_text(row, lang)),
        ("Scale" if en else "Thang điểm",
         ("points out of 1,000" if row["scale"] == "points" else "index 0–1 (points ÷ 1,000)")
         if en else ("điểm trên 1.000" if row["scale"] == "points" else "chỉ số 0–1")),
        ("Rank" if en else "Thứ hạng",
         format_rank(row["rank"], row["rank_of"], row["rank_text"], lang)
         + ((" (tied)" if en else " (đồng hạng)") if row["rank_tied"] else "")),
        ("Value status" if en else "Tình trạng số liệu", _status_cell(row, lang)),
        ("Rank status" if en else "Tình trạng thứ hạng",
         status_note(row["rank_status"], lang) or ("reported" if en else "đã công bố")),
    ]
    if not is_missing(row["formula"]) and row["formula"]:
        items.append(("How derived" if en else "Cách suy ra", row["formula"]))
    return pd.DataFrame(items, columns=["Measure" if en else "Chỉ tiêu",
                                        "Value" if en else "Giá trị"])


def peer_table(peers: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table of a peer group: unit, score, rank, status (missing cells say so)."""
    from lib.formatting import format_rank

    en = lang == "en"
    return pd.DataFrame({
        "Unit" if en else "Đơn vị": peers["unit_name"],
        "Score" if en else "Điểm": [score_text(r, lang) for _, r in peers.iterrows()],
        "Rank" if en else "Hạng": [format_rank(r, o, t, lang) for r, o, t in
                                   zip(peers["rank"], peers["rank_of"], peers["rank_text"])],
        "Status" if en else "Tình trạng": [_status_cell(r, lang) for _, r in peers.iterrows()],
    })


def history_table(history: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table of one unit's DTI results per year."""
    table = peer_table(history, lang)
    table.insert(0, "Year" if lang == "en" else "Năm", history["reference_year"].to_numpy())
    return table.drop(columns=table.columns[1])


def score_axis_label(peers: pd.DataFrame, lang: str = "en") -> str:
    """Axis label for the peers' scale."""
    scale = peers["scale"].dropna().iloc[0] if peers["scale"].notna().any() else "points"
    if lang == "en":
        return "DTI score, points out of 1,000" if scale == "points" else "DTI, index 0–1"
    return "Điểm DTI (trên 1.000)" if scale == "points" else "Chỉ số DTI (0–1)"


# --- sentences -------------------------------------------------------------------------------

def peers_sentence(unit: Unit, peers: pd.DataFrame, peers_text: str, year: int,
                   lang: str = "en") -> str:
    """How much of the peer group's result is published, and who leads."""
    scored, ranked = peers[peers["score"].notna()], peers[peers["rank"].notna()]
    n = first_int(peers["rank_of"]) or len(peers)
    if lang == "en":
        verb = "has" if len(scored) == 1 else "have"
        text = (f"Of the {n} {peers_text}, {len(scored)} {verb} a published {year} score and "
                f"{len(ranked)} a published rank in the sources used here.")
    else:
        text = f"Trong {n} {peers_text}, {len(scored)} có điểm {year} và {len(ranked)} có thứ hạng được công bố."
    best = ranked[ranked["rank"] == ranked["rank"].min()] if len(ranked) else ranked
    if len(best):
        names = ", ".join(best["unit_name"])
        text += f" First: {names}." if lang == "en" else f" Đứng đầu: {names}."
    return text


def history_sentence(unit: Unit, mine: pd.DataFrame, lang: str = "en") -> str:
    """"Lập Thạch ranked 5th in 2022 and 1st in 2023."""
    ranked = mine.dropna(subset=["rank"])
    pieces = [f"{ordinal(r, lang)} in {y}" if lang == "en" else f"{ordinal(r, lang)} năm {y}"
              for y, r in zip(ranked["reference_year"], ranked["rank"])]
    joined = ", ".join(pieces[:-1]) + (" and " if lang == "en" else " và ") + pieces[-1]
    return f"{unit.name} ranked {joined}." if lang == "en" else f"{unit.name} xếp {joined}."


def break_sentence(year: int, level: str, lang: str = "en") -> str:
    """Warning for a new DTI methodology starting in ``year`` for units of ``level``."""
    from lib.load import load_table

    frameworks = load_table("dti_frameworks")
    starts = frameworks[(frameworks["first_reference_year"] == year) & (frameworks["index_name"] == "dti")
                        & (frameworks["framework_id"] == frameworks["methodology_id"])
                        & frameworks["level"].str.split(";").map(lambda levels: level in levels)]
    names = "; ".join(starts.drop_duplicates("framework_id")["framework"])
    return (f"The DTI framework changed in {year} — {names}. Results before and after are not "
            "directly comparable; compare ranks or % of maximum, not raw points." if lang == "en"
            else f"Bộ chỉ số DTI thay đổi từ năm {year} ({names}): kết quả trước và sau không "
            "so sánh trực tiếp được; hãy so sánh thứ hạng hoặc % mức tối đa.")


def national_sentences(unit: Unit, context: pd.DataFrame, year: int, lang: str = "en") -> list[str]:
    """The province's national rank in ``year`` (districts) or the provincial mean (provinces)."""
    if unit.level == "province":
        if context.empty:
            return [gap_sentence(f"provincial mean DTI for {year}", lang)]
        values = " / ".join(format_number(v, 4, lang) for v in context["value"].dropna())
        flag = (" (two published values differ; both are shown)" if lang == "en" else
                " (hai nguồn khác nhau)") if context["value"].nunique() > 1 else ""
        return [f"The mean DTI of Vietnam's provinces in {year} was {values}{flag}." if lang == "en"
                else f"DTI bình quân các tỉnh năm {year} là {values}{flag}."]
    province = unit.parent_name or unit.parent_code
    row = row_of(context, unit.parent_code, year) if len(context) else None
    out = []
    if row is not None and not is_missing(row["rank"]):
        out.append(f"{province} ranked {ordinal(row['rank'])} of {int(row['rank_of'])} provinces "
                   f"in the DTI ranking of provinces in {year}." if lang == "en" else
                   f"Năm {year}, {province} xếp {ordinal(row['rank'], lang)}/{int(row['rank_of'])} tỉnh, thành phố.")
    else:
        out.append(f"{province}'s national DTI rank for {year} is not published in the sources "
                   "used here." if lang == "en" else
                   f"Thứ hạng DTI quốc gia năm {year} của {province} chưa có trong các nguồn đã dùng.")
        known = context.dropna(subset=["rank"]) if len(context) else context
        if len(known):
            last = known.iloc[-1]
            out.append(f"Latest published: {ordinal(last['rank'])} of {int(last['rank_of'])} in "
                       f"{int(last['reference_year'])}." if lang == "en" else
                       f"Gần nhất: {ordinal(last['rank'], lang)}/{int(last['rank_of'])} năm {int(last['reference_year'])}.")
    return out


def national_history_sentence(unit: Unit, national: pd.DataFrame, lang: str = "en") -> str:
    """"Vĩnh Phúc ranked 55th in 2020, 12th in 2021 and 18th in 2022; not published for …"."""
    ranked = national.dropna(subset=["rank"])
    if ranked.empty:
        return gap_sentence(f"national DTI rank for {unit.name}", lang)
    text = history_sentence(unit, ranked, lang)
    missing = national.loc[national["rank"].isna(), "reference_year"].tolist()
    if missing:
        years = ", ".join(str(y) for y in missing)
        text += (f" Not published here for {years}." if lang == "en" else f" Chưa có số liệu năm {years}.")
    return text


def components_sentence(unit: Unit, components: pd.DataFrame, lang: str = "en") -> str:
    """Summary of published pillar / main-indicator / group results."""
    firsts = components[components["rank"] == 1]
    n = len(components)
    if lang == "en":
        text = f"{n} component result{'s are' if n > 1 else ' is'} published for {unit.name}"
        if len(firsts):
            text += f"; it ranked 1st in {len(firsts)} of them"
        return text + "."
    return f"Có {n} kết quả thành phần của {unit.name}" + (f"; đứng đầu {len(firsts)}" if len(firsts) else "") + "."


def components_table(components: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table of component results: indicator name, value (0–1 or points), rank."""
    from lib.formatting import format_rank
    from lib.paths import REFERENCE_DIR

    names = pd.read_csv(REFERENCE_DIR / "dti_indicators.csv").set_index("indicator")
    column = "name_en" if lang == "en" else "name_vi"
    en = lang == "en"
    return pd.DataFrame({
        "Indicator" if en else "Chỉ số": [names[column].get(i, i) for i in components["indicator"]],
        "Value" if en else "Giá trị": [format_number(v, 4, lang) for v in components["score"]],
        "Rank" if en else "Hạng": [format_rank(r, o, t, lang) for r, o, t in
                                   zip(components["rank"], components["rank_of"], components["rank_text"])],
    })


def conflict_notes(rows: list[pd.Series | None], lang: str = "en") -> list[str]:
    """One warning per conflict or caveat flagged on the given rows, with its description."""
    from lib.profiles import conflict_descriptions

    ids = [i for r in rows if r is not None for i in str(r.get("conflict_ids") or "").split(";") if i]
    table = conflict_descriptions().set_index("conflict_id")
    notes = []
    for cid in dict.fromkeys(ids):
        if cid in table.index:
            kind = table.at[cid, "kind"]
            label = ("Conflict" if kind == "conflict" else "Caveat") if lang == "en" else \
                ("Mâu thuẫn" if kind == "conflict" else "Lưu ý")
            notes.append(f"{label} {cid} — {table.at[cid, 'title']}: {table.at[cid, 'description']}")
    return notes


def data_notes(lang: str = "en") -> list[str]:
    """Standing notes on the data: provenance, statuses, the 2025 reform."""
    if lang == "vi":
        return ["Mọi số liệu lấy từ các tệp trong data/raw, mỗi tệp có nguồn gốc ghi trong tệp .source.yml; dòng “Nguồn” dưới mỗi bảng nêu tệp và dòng cụ thể.",
                "“Không có số liệu” nghĩa là giá trị chưa được công bố trong các nguồn đã dùng; không có giá trị nào được ước tính hay điền thêm.",
                "Cấp huyện đã bãi bỏ từ 1/7/2025: chuỗi số liệu cấp huyện kết thúc năm 2024."]
    return ["Every number comes from a file in data/raw whose provenance is in its .source.yml "
            "sidecar; the source line under each table names the file and row.",
            "“No data” means the value is not published in the sources used here; nothing is "
            "estimated or filled in. Values marked approximate, derived or conflicting keep that "
            "status wherever they appear.",
            "Vietnam abolished the district level on 1 July 2025: district series end with 2024."]


def indicators_sentence(unit: Unit, figures: pd.DataFrame, year: int, lang: str = "en") -> str:
    """How many figures are published for the unit and year, and for what period."""
    if figures.empty:
        return gap_sentence(f"figure on this topic for {unit.name} covering {year}", lang)
    periods = ", ".join(dict.fromkeys(figures["period"]))
    n = len(figures)
    return (f"{n} figure{'s are' if n > 1 else ' is'} published for {unit.name} covering {year} "
            f"(period as stated: {periods})." if lang == "en" else
            f"Có {n} số liệu của {unit.name} cho năm {year} (thời kỳ: {periods}).")


def indicator_names(figures: pd.DataFrame, lang: str = "en") -> pd.Series:
    """Display names of ``indicators`` rows: in Vietnamese the catalogue's ``name_vi`` where
    there is one, else (and in English) the label as published (``indicator_label``)."""
    if lang == "vi" and "name_vi" in figures:
        return figures["name_vi"].fillna(figures["indicator_label"])
    return figures["indicator_label"]


def indicator_table(figures: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table of indicator values: name, value, base, period, status."""
    en = lang == "en"
    names = indicator_names(figures, lang)
    return pd.DataFrame({
        "Indicator" if en else "Chỉ tiêu": names,
        "Value" if en else "Giá trị": [value_text(r, lang) for _, r in figures.iterrows()],
        "Base (as published)" if en else "Cơ sở tính": figures["unit_label"],
        "Period" if en else "Thời kỳ": figures["period"],
        "Status" if en else "Tình trạng": [status_note(s, lang) or ("reported" if en else "đã công bố")
                                           for s in figures["value_status"]],
    })


def concept_gaps_sentence(unit: Unit, figures: pd.DataFrame, themes: tuple[str, ...],
                          lang: str = "en") -> str:
    """Which standard measures of these themes have no published value for the unit."""
    from lib.paths import REFERENCE_DIR

    reference = pd.read_csv(REFERENCE_DIR / "indicator_catalogue.csv", dtype=str)
    concepts = reference.loc[reference["theme"].isin(themes), "concept"].unique()
    have = set(figures["concept"].dropna()) if "concept" in figures else set()
    missing = [CONCEPT_NAMES.get(c, c.replace("_", " ")) for c in concepts if c not in have]
    if not missing:
        return ""
    return (f"Not published for {unit.name} in this period: {', '.join(missing)}." if lang == "en"
            else f"Chưa công bố cho {unit.name} trong kỳ này: {', '.join(missing)}.")


def percent_rows(figures: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The unit's percent (0–100) indicators with a display ``label``, for the chart."""
    rows = figures[(figures["unit"] == "percent") & figures["value"].notna()].copy()
    rows["label"] = indicator_names(rows, lang)
    return rows


def comparison_sentence(unit: Unit, figures: pd.DataFrame, comparisons: pd.DataFrame,
                        lang: str = "en") -> str:
    """How many of the unit's figures have a comparable value, and how many differ in definition."""
    n = comparisons["indicator"].nunique()
    differ = comparisons[~comparisons["same_definition"]]["indicator"].nunique()
    targets = int(comparisons["is_target"].sum())
    if lang == "en":
        text = f"{n} of {unit.name}'s {len(figures)} figures can be set beside a province, national or target value"
        if differ:
            text += f"; for {differ} of them the definitions differ, so the comparison is indicative only"
        if targets:
            text += f"; {targets} published target{'s apply' if targets > 1 else ' applies'}"
        return text + "."
    return f"{n}/{len(figures)} số liệu của {unit.name} có giá trị để so sánh" + \
        (f"; {differ} số liệu khác định nghĩa nên chỉ mang tính tham khảo" if differ else "") + "."


def comparison_table(figures: pd.DataFrame, comparisons: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table: the unit's value beside each comparison value, with the definition check."""
    en = lang == "en"
    names = figures.assign(_name=indicator_names(figures, lang))
    merged = comparisons.merge(names[["indicator", "_name", "value", "value_text", "unit",
                                      "value_status", "value_low", "value_high", "denominator"]],
                               on="indicator")
    target = "target: " if en else "mục tiêu: "
    return pd.DataFrame({
        "Indicator" if en else "Chỉ tiêu": merged["_name"],
        "This unit" if en else "Đơn vị": [value_text(r, lang) for _, r in merged.iterrows()],
        "Compared with" if en else "So với": [(target if t else "") + u for t, u in
                                              zip(merged["is_target"], merged["comparator_unit"])],
        "Value" if en else "Giá trị": merged["comparator_text"] + " (" + merged["comparator_unit_label"] + ")",
        "Period" if en else "Thời kỳ": merged["comparator_period"],
        "Same definition" if en else "Cùng định nghĩa": merged["same_definition"].map(
            {True: "yes" if en else "có", False: "no" if en else "không"}),
    })


def definition_warnings(figures: pd.DataFrame, comparisons: pd.DataFrame, lang: str = "en") -> list[str]:
    """One warning per comparison whose definitions differ."""
    out = []
    labels = pd.Series(indicator_names(figures, lang).values, index=figures["indicator"])
    for row in comparisons[~comparisons["same_definition"]].itertuples():
        out.append(f"{labels.get(row.indicator, row.indicator)} vs {row.comparator_unit}: "
                   f"{row.definition_note}." if lang == "en" else
                   f"{labels.get(row.indicator, row.indicator)} so với {row.comparator_unit}: khác định nghĩa.")
    return out


def undated_sentence(unit: Unit, lang: str = "en") -> str:
    """Warning that undated figures are not assigned to any year."""
    return (f"These figures for {unit.name} are published without a date; they are shown for "
            "context and not assigned to any year." if lang == "en" else
            f"Các số liệu này của {unit.name} không rõ thời điểm; chỉ để tham khảo.")


def overview_sentence(unit: Unit, children: pd.DataFrame, child_level: str, year: int,
                      lang: str = "en") -> str:
    """What is known of the province's units in ``year``."""
    plural = level_name(child_level, plural=True, lang=lang)
    if children.empty:
        return gap_sentence(f"{year} DTI result for the {plural} of {unit.name}", lang)
    scored = children["score"].notna().sum()
    ranked = children["rank"].notna().sum()
    verb = "has" if scored == 1 else "have"
    text = (f"For {year}, {scored} of {unit.name}'s {len(children)} {plural} {verb} a published DTI "
            f"score and {ranked} a published rank." if lang == "en" else
            f"Năm {year}, {scored}/{len(children)} {plural} của {unit.name} có điểm DTI và {ranked} có thứ hạng được công bố.")
    top = children[children["rank"] == 1]
    if len(top):
        row = top.iloc[0]
        text += (f" First: {row['unit_name']} ({format_score(row['score'], row['scale'], lang)})."
                 if lang == "en" else f" Đứng đầu: {row['unit_name']}.")
    return text


def coverage_labels(lang: str = "en") -> dict[str, str]:
    """Cell labels of the coverage grid."""
    return {"score": "score", "rank only": "rank only", "none": "none"} if lang == "en" else \
        {"score": "có điểm", "rank only": "chỉ hạng", "none": "không có"}


def coverage_sentence(matrix: pd.DataFrame, lang: str = "en") -> str:
    """Share of unit-years with a published score."""
    cells = matrix.size
    scored = int((matrix == "score").sum().sum())
    ranked = int((matrix == "rank only").sum().sum())
    return (f"Of {cells} unit-years, {scored} have a published score, {ranked} only a rank, and "
            f"{cells - scored - ranked} nothing." if lang == "en" else
            f"Trong {cells} đơn vị-năm, {scored} có điểm, {ranked} chỉ có hạng, {cells - scored - ranked} không có số liệu.")


def indicator_counts_sentence(unit: Unit, counts: pd.DataFrame, lang: str = "en") -> str:
    """How many districts have any published non-DTI indicator."""
    numbers = counts.drop(columns=counts.columns[0])
    with_any = int((numbers.sum(axis=1) > 0).sum())
    return (f"{with_any} of {unit.name}'s {len(counts)} districts have at least one published "
            "infrastructure, online-service or cashless figure; the table counts them by theme."
            if lang == "en" else
            f"{with_any}/{len(counts)} huyện của {unit.name} có ít nhất một số liệu hạ tầng, dịch vụ "
            "công trực tuyến hoặc thanh toán không dùng tiền mặt.")


def indicator_counts_source(lang: str = "en") -> str:
    """Source line of the indicator-count table (counts of rows of the raw indicator file)."""
    return ("Source: counts of rows of data/raw/indicators_local.csv (targets excluded); each "
            "figure's own source is shown in the district's infrastructure and cashless reports."
            if lang == "en" else
            "Nguồn: số dòng trong data/raw/indicators_local.csv (không tính mục tiêu).")


# --- sentences from lib.analysis results ------------------------------------------------------

def _points(value: object, lang: str) -> str:
    return f"{format_number(value, 1, lang)} " + ("points" if lang == "en" else "điểm")


def decomposition_sentence(unit: Unit, rows: pd.DataFrame, lang: str = "en") -> str:
    """Where the unit's points come from and where the most points can still be won."""
    scored = rows.dropna(subset=["points"])
    top = scored.loc[scored["points"].idxmax()]
    room = scored.loc[scored["headroom_points"].idxmax()]
    total = scored["total_points"].iloc[0]
    if lang == "en":
        return (f"Of {unit.name}'s {_points(total, lang)}, the most come from "
                f"{top['indicator_name'].lower()} ({_points(top['points'], lang)} of "
                f"{format_number(top['max_points'], 0, lang)}); the most points can still be won in "
                f"{room['indicator_name'].lower()} ({_points(room['headroom_points'], lang)} short "
                "of the maximum).")
    return (f"Trong {_points(total, lang)} của {unit.name}, nhiều nhất từ {top['indicator_name']} "
            f"({_points(top['points'], lang)}); dư địa lớn nhất ở {room['indicator_name']} "
            f"({_points(room['headroom_points'], lang)}).")


def decomposition_table(rows: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table: main indicator, points, maximum, % of maximum, headroom."""
    en = lang == "en"
    return pd.DataFrame({
        "Main indicator" if en else "Chỉ số chính": rows["indicator_name"],
        "Points" if en else "Điểm": [format_number(v, 1, lang) for v in rows["points"]],
        "Maximum" if en else "Tối đa": [format_number(v, 0, lang) for v in rows["max_points"]],
        "% of maximum" if en else "% tối đa": [format_number(v, 1, lang) for v in rows["pct_of_max"]],
        "Headroom (points)" if en else "Dư địa (điểm)": [format_number(v, 1, lang)
                                                          for v in rows["headroom_points"]],
    })


def change_split_sentence(unit: Unit, table: pd.DataFrame, year_a: int, year_b: int,
                          lang: str = "en") -> str:
    """The largest rise and fall among main indicators between two years."""
    mains = table[table["indicator_level"] == "main_indicator"].dropna(subset=["pct_of_max_change"])
    total = table[table["indicator_level"] == "total"].iloc[0]
    up = mains.loc[mains["pct_of_max_change"].idxmax()] if len(mains) else None
    down = mains.loc[mains["pct_of_max_change"].idxmin()] if len(mains) else None
    if lang == "en":
        text = (f"From {year_a} to {year_b}, {unit.name}'s DTI moved by "
                f"{format_number(total['pct_of_max_change'], 2, lang)} percentage points of the maximum")
        if up is not None and up["pct_of_max_change"] > 0:
            text += f"; {up['indicator_name'].lower()} rose most ({format_number(up['pct_of_max_change'], 2)})"
        if down is not None and down["pct_of_max_change"] < 0:
            text += f"; {down['indicator_name'].lower()} fell most ({format_number(down['pct_of_max_change'], 2)})"
        return text + "."
    return (f"Từ {year_a} đến {year_b}, DTI của {unit.name} thay đổi "
            f"{format_number(total['pct_of_max_change'], 2, lang)} điểm phần trăm so với mức tối đa.")


def strengths_sentence(unit: Unit, table: pd.DataFrame, lang: str = "en") -> str:
    """Strengths and weaknesses by % of maximum, naming weaknesses all peers share."""
    def names(mask):
        return ", ".join(table.loc[mask, "indicator_name"].str.lower())

    strengths, weaknesses = names(table["by_pct"] == "strength"), names(table["by_pct"] == "weakness")
    shared = names(table["shared_weakness"].fillna(False).astype(bool))
    if lang == "en":
        text = f"{unit.name}'s strongest main indicators are {strengths or 'not distinguishable'}"
        text += f"; its weakest are {weaknesses or 'not distinguishable'}"
        if shared:
            text += f". Weak for every peer too: {shared}"
        return text + "."
    return f"Điểm mạnh của {unit.name}: {strengths}; điểm yếu: {weaknesses}" + \
        (f". Điểm yếu chung của mọi đơn vị: {shared}" if shared else "") + "."


def strengths_table(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table: main indicator, % of maximum, rank, vs peer median, assessment."""
    from lib.formatting import format_rank

    en = lang == "en"
    verdict = table["by_pct"].replace({"strength": "strength" if en else "mạnh",
                                       "weakness": "weakness" if en else "yếu"})
    shared = table["shared_weakness"].fillna(False).astype(bool)
    return pd.DataFrame({
        "Main indicator" if en else "Chỉ số chính": table["indicator_name"],
        "% of maximum" if en else "% tối đa": [format_number(v, 1, lang) for v in table["pct_of_max"]],
        "Rank among units with a score" if en else "Hạng (trong các đơn vị có điểm)":
            [format_rank(r, o, "", lang) for r, o in zip(table["rank"], table["rank_of"])],
        "vs peer median (points of %)" if en else "so với trung vị": [format_number(v, 1, lang) for v in table["pct_vs_median"]],
        "Among its own main indicators" if en else "So với các chỉ số khác của đơn vị": [v + ((" (shared by all peers)" if en else " (chung)") if s else "")
                                             for v, s in zip(verdict, shared)],
    })


def benchmark_sentence(unit: Unit, bench: pd.DataFrame, nearest: pd.DataFrame,
                       lang: str = "en") -> str:
    """Level band, peer mean/median and the nearest-profile peer."""
    total = bench[bench["indicator_level"] == "total"]
    row = total.iloc[0] if len(total) else bench.iloc[0]
    text = (f"{unit.name} reaches {format_number(row['pct_of_max'], 1, lang)} % of the maximum "
            f"(“{row['band']}” level), against a peer median of "
            f"{format_number(row['peer_median_pct'], 1, lang)} % and a best of "
            f"{format_number(row['best_pct'], 1, lang)} % ({row['best_unit_name']})"
            if lang == "en" else
            f"{unit.name} đạt {format_number(row['pct_of_max'], 1, lang)} % mức tối đa (mức “{row['band']}”), "
            f"trung vị {format_number(row['peer_median_pct'], 1, lang)} %")
    if len(nearest):
        text += (f"; the most similar profile is {nearest.iloc[0]['peer_unit_name']}" if lang == "en"
                 else f"; đơn vị có cơ cấu gần nhất: {nearest.iloc[0]['peer_unit_name']}")
    return text + "."


def robustness_sentence(unit: Unit, mc: pd.DataFrame, dominance: pd.DataFrame, n_runs: int,
                        lang: str = "en") -> str:
    """The rank interval under alternative weights, normalisations and aggregations."""
    row = mc[mc["unit_code"] == unit.code].iloc[0]
    beats = int((dominance["unit_code"] == unit.code).sum()) if len(dominance) else 0
    beaten = int((dominance["dominated_unit_code"] == unit.code).sum()) if len(dominance) else 0
    if lang == "en":
        text = (f"Across {n_runs:,} alternative weightings, normalisations and aggregations, "
                f"{unit.name}'s rank among the {len(mc)} units with every main indicator is "
                f"{row['rank_interval']} (median and 90 % interval)")
        text += (f"; whatever the (positive) weights, it stays ahead of {beats} and behind "
                 f"{beaten} of them.")
        return text
    return (f"Qua {n_runs} phương án trọng số, chuẩn hóa và tổng hợp, thứ hạng của {unit.name} là "
            f"{row['rank_interval']}; luôn hơn {beats} và luôn kém {beaten} đơn vị.")


def rank_interval_table(mc: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table of Monte Carlo rank intervals."""
    en = lang == "en"
    return pd.DataFrame({
        "Unit" if en else "Đơn vị": mc["unit_name"],
        "Official rank" if en else "Hạng chính thức": mc["official_rank"],
        "Median rank (90 % interval)" if en else "Hạng trung vị (khoảng 90 %)": mc["rank_interval"],
    })


def _p_value(p: float, lang: str = "en") -> str:
    """"= 0.045" or "< 0.001"."""
    return "< " + format_number(0.001, 3, lang) if p < 0.001 else "= " + format_number(p, 3, lang)


def stability_sentence(result, year_a: int, year_b: int, lang: str = "en") -> str:
    """Kendall τ / Spearman ρ between two years' orderings."""
    s = result.summary
    return (f"Between {year_a} and {year_b}, the order of the {len(result.table)} units ranked in "
            f"both years agrees with Kendall τ = {format_number(s['kendall_tau'], 2, lang)} "
            f"(p {_p_value(s['kendall_p'], lang)}) and Spearman ρ = "
            f"{format_number(s['spearman_rho'], 2, lang)}." if lang == "en" else
            f"Giữa {year_a} và {year_b}, thứ tự của {len(result.table)} đơn vị có Kendall τ = "
            f"{format_number(s['kendall_tau'], 2, lang)}, Spearman ρ = {format_number(s['spearman_rho'], 2, lang)}.")


def sigma_sentence(table: pd.DataFrame, lang: str = "en") -> str:
    """Whether the spread of scores across units narrowed (σ-convergence)."""
    first, last = table.iloc[0], table.iloc[-1]
    trend = "narrowed" if last["cv"] < first["cv"] else "widened"
    return (f"The spread of scores across units {trend} from a coefficient of variation of "
            f"{format_number(first['cv'], 3, lang)} in {int(first['reference_year'])} to "
            f"{format_number(last['cv'], 3, lang)} in {int(last['reference_year'])}." if lang == "en" else
            f"Hệ số biến thiên từ {format_number(first['cv'], 3, lang)} ({int(first['reference_year'])}) "
            f"đến {format_number(last['cv'], 3, lang)} ({int(last['reference_year'])}).")


def target_sentence(unit: Unit, gaps: pd.DataFrame, lang: str = "en") -> str:
    """How many published targets apply and are met, and how many cannot be compared."""
    comparable = gaps[gaps["comparable"].astype(bool)]
    met = int(comparable["met"].fillna(False).astype(bool).sum())
    other = len(gaps) - len(comparable)
    if lang == "en":
        if comparable.empty:
            return (f"No published target on these topics uses the same definition as "
                    f"{unit.name}'s figures ({other} checked), so no distance to target is "
                    "computed; the table shows why.")
        text = (f"{unit.name} meets {met} of the {len(comparable)} published targets that use the "
                "same definition as its figures")
        if other:
            text += f"; {other} other targets measure a different population and are not compared"
        return text + "."
    return f"{len(comparable)} mục tiêu có thể so sánh, {met} đã đạt; {other} mục tiêu khác định nghĩa."


def target_table(gaps: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Display table of target gaps."""
    en = lang == "en"
    return pd.DataFrame({
        "Indicator" if en else "Chỉ tiêu": gaps["indicator_name"],
        "Value" if en else "Giá trị": [format_number(v, None, lang) for v in gaps["value"]],
        "Target" if en else "Mục tiêu": [f"{format_number(v, None, lang)} ({u}, {p})" for v, u, p in
                                         zip(gaps["target_value"], gaps["target_unit_name"], gaps["target_period"])],
        "Gap" if en else "Chênh lệch": [format_number(v, 1, lang) for v in gaps["gap"]],
        "Comparable" if en else "So sánh được": [("yes" if c else "no") if en else ("có" if c else "không")
                                                 for c in gaps["comparable"]],
        "Explanation" if en else "Giải thích": gaps["explanation"],
    })


def too_few_sentence(peers_text: str, year: int, lang: str = "en") -> str:
    """Why no benchmark against peers is computed."""
    return (f"Fewer than three {peers_text} have a published {year} score, so no benchmark "
            "against peers is computed." if lang == "en" else
            f"Chưa đến ba {peers_text} có điểm năm {year}, nên không so sánh chuẩn.")


def no_main_sentence(unit: Unit, peers_text: str, year: int, lang: str = "en") -> str:
    """Why the analyses by main indicator are not shown."""
    return (f"No main-indicator scores are published for the {peers_text} for {year}, so the "
            f"split of {unit.name}'s points, the change by main indicator, strengths and "
            "weaknesses, benchmarks and rank intervals cannot be computed. They appear as soon as "
            "the full results are loaded." if lang == "en" else
            f"Chưa có điểm các chỉ số chính của {peers_text} năm {year}, nên chưa thể phân tích "
            "cơ cấu điểm, điểm mạnh, điểm yếu và độ vững của thứ hạng.")


def benchmark_peers_note(bench: pd.DataFrame, peers: pd.DataFrame, lang: str = "en") -> str:
    """Says when benchmarks use only the peers with published main-indicator scores."""
    n_used, n_all = int(bench["n_units"].max()), first_int(peers["rank_of"]) or len(peers)
    if n_used >= n_all:
        return ""
    return (f"Peer figures use the {n_used} units whose scores are published, not all {n_all}; "
            "the median and mean of all units are not known." if lang == "en" else
            f"So sánh dựa trên {n_used} đơn vị có điểm công bố, không phải cả {n_all}.")
