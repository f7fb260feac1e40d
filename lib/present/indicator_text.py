"""Sentences and display tables of the infrastructure and cashless reports: published figures,
comparisons with national figures, coverage, target gaps, in the report's language.
"""

from __future__ import annotations

import pandas as pd

from lib.data.datasets.units import Unit
from lib.analysis.base import Reason
from lib.data import texts
from lib.data.load import load_table
from lib.messages import render
from lib.present.formatting import (
    format_number, format_percent, is_missing, level_name, no_data, status_note)
from lib.present.labels import (
    CONCEPTS, and_list, display_table, capitalise, explain, findings, gap_sentence, unit_label,
    weak_source_note)


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
    return display_table({
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
    return display_table({
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
                  themes=and_list(themes, lang))


def indicator_counts_source(lang: str = "vi") -> str:
    """Source line of the indicator-count table (counts of rows of the raw indicator file)."""
    return render("report.overview.indicator_counts_source", lang)


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
    return display_table({
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


def with_comparator_labels(comparisons: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """:func:`lib.analysis.queries.comparators` rows with ``comparator_label`` (the area in words)."""
    return comparisons.assign(comparator_label=[comparator_name(u, lang)
                                                for u in comparisons["comparator_unit"]])


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
