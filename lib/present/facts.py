"""The key figures under a report's title, looked up in the processed data the notebook reads.

A notebook passes them with its title (:func:`lib.present.display.show_title`), in the title
output's metadata; the exporter (:mod:`lib.site.export`) renders what it finds there and knows no
notebook. Each function returns ``{"unit_name", "unit_code", "unit_line", "year", "facts":
[(label, value)]}`` (plus ``"period"`` for a snapshot's report) as plain text: the template
escapes it. A value not in the sources used says so, a score published but not entered says
"not in this data set", and a derived value withheld for a conflict names it (words: messages
``site.facts.*``).
"""

from __future__ import annotations

from lib.analysis import queries as profiles
from lib.data.datasets.units import Unit
from lib.messages import Messages
from lib.present import labels as say
from lib.present.formatting import format_rank, is_missing, level_name, no_data, ordinal
from lib.present.indicator_text import indicator_table
from lib.present.narrative import score_text


def _header(unit: Unit, year: int, facts: list[tuple[str, str]], lang: str) -> dict:
    words = Messages(lang)
    kind = say.unit_kind(unit, lang)
    parent = say.parent_unit(unit)
    parent = None if parent is None or parent.level == "country" else parent
    unit_line = words("site.facts.of", level=kind, parent=say.unit_label(parent, lang)) \
        if parent is not None else kind
    return {"unit_name": unit.name, "unit_code": unit.code, "unit_line": unit_line,
            "year": year, "facts": facts}


def _absent(row, lang: str) -> str:
    """No row: not in the sources used; a row not entered: not in this data set; a row whose
    value is withheld (derived, in conflict): the sources disagree, with the ids."""
    words = Messages(lang)
    if row is not None and row["value_status"] == "not_entered":
        return words("status.not_entered")
    conflicts = [] if row is None else say.conflict_ids(row, "conflict")
    if conflicts and row["value_status"] == "derived":
        return words("site.facts.withheld", ids=", ".join(conflicts))
    return words("status.missing")


def _rank(row, lang: str) -> str:
    if row is None:
        return _absent(row, lang)
    text = format_rank(row["rank"], row["rank_of"], row["rank_text"], lang)
    return _absent(row, lang) if text == no_data(lang) else text


def scores_header(unit: Unit, year: int, lang: str = "vi") -> dict:
    """The scores report's key figures: the DTI score (as its table cell words it), the rank
    among the peer group and the previous year's rank (or "before the first district DTI")."""
    words = Messages(lang)
    group = profiles.peer_group_of(unit.code, unit.level, year)
    row = say.row_of(profiles.peer_scores(group, year), unit.code) if group else None
    score = None if row is None or is_missing(row["score"]) else row["score"]
    facts = [(words("site.facts.score"),
              _absent(row, lang) if score is None else score_text(row, lang))]  # "gần 559 điểm"
    rank = _rank(row, lang)
    if group and rank != _absent(row, lang):
        rank += " " + words("site.facts.among", peers=say.peer_label(group, unit, lang))
    facts.append((words("site.facts.rank"), rank))
    previous = say.row_of(profiles.unit_history(unit.code, group), unit.code, year - 1) \
        if group else None
    first_year = previous is None and profiles.first_dti_year(unit.level) == year
    facts.append((words("site.facts.previous", year=str(year - 1)),
                  words("site.facts.before_first", level=level_name(unit.level, False, lang))
                  if first_year else _absent(previous, lang)
                  if previous is None or is_missing(previous["rank"])
                  else ordinal(previous["rank"], lang)))
    return _header(unit, year, facts, lang)


def overview_header(unit: Unit, year: int, lang: str = "vi") -> dict:
    """The overview's key figures: how many of the units below have a published score, who is
    first, and the province's national rank."""
    words = Messages(lang)
    level_below = profiles.child_level(unit.level)
    child_group = profiles.child_peer_group(unit, level_below)
    children = profiles.peer_scores(child_group, year)
    plural = say.peer_kinds(child_group, level_below, lang)
    scored = int(children["score"].notna().sum())
    first = children[children["rank"] == 1]["unit_name"].tolist()
    national = profiles.unit_history(unit.code, "province_63")
    facts = [(say.capitalise(words("site.facts.children_scored", children=plural)),
              words("rank.of", rank=scored, rank_of=len(children))),
             (words("site.facts.first"), ", ".join(first) or words("status.missing")),
             (words("site.facts.national_rank"), _rank(say.row_of(national, unit.code, year), lang))]
    return _header(unit, year, facts, lang)


def indicators_header(unit: Unit, year: int, themes: tuple[str, ...], lang: str = "vi") -> dict:
    """The infrastructure or cashless report's key figures (``themes``: e.g.
    :data:`lib.analysis.queries.INFRASTRUCTURE_THEMES`): the number of published figures, the
    first three, and the period the figures cover when there are any."""
    from lib.data.texts import period_label_full

    words = Messages(lang)
    figures = profiles.unit_indicators(unit.code, year, themes)
    facts = [(words("site.facts.published"), str(len(figures)))]
    header = _header(unit, year, facts, lang)
    if len(figures):
        table = indicator_table(figures, lang)
        facts += [(str(name), str(value))
                  for name, value in table.iloc[:3, :2].itertuples(index=False)]
        period = "; ".join(dict.fromkeys(period_label_full(r, lang) for _, r in figures.iterrows()))
        header["period"] = words("site.report.snapshot", year=str(year), period=period)
    return header


def header_for(notebook: str, unit: Unit, year: int, lang: str = "vi") -> dict:
    """The key figures of report ``notebook`` for ``unit`` in reference year ``year``; ``{}``
    for a notebook that shows none (analysts' checks)."""
    headers = {"scores": lambda: scores_header(unit, year, lang),
               "overview": lambda: overview_header(unit, year, lang),
               "infrastructure": lambda: indicators_header(unit, year,
                                                           profiles.INFRASTRUCTURE_THEMES, lang),
               "cashless": lambda: indicators_header(unit, year, profiles.CASHLESS_THEMES, lang)}
    return headers[notebook]() if notebook in headers else {}


def header_facts(notebook_name: str, parameters: dict, lang: str = "vi") -> dict:
    """:func:`header_for` the unit its papermill ``parameters`` name (``unit_code``,
    ``unit_level``, ``reference_year``); ``{}`` when they name none."""
    if not {"unit_code", "unit_level", "reference_year"} <= set(parameters):
        return {}
    year = int(parameters["reference_year"])
    unit = profiles.get_unit(str(parameters["unit_code"]), parameters["unit_level"], year)
    return header_for(notebook_name, unit, year, lang)
