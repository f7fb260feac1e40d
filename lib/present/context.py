"""The opening every report notebook shares (:func:`open_report`): the language checked, the
unit looked up, the synthetic-data banner and the title with its key figures shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.analysis import queries as profiles
from lib.data.datasets.units import Unit
from lib.present import display as show, facts
from lib.present import labels as say
from lib.present.formatting import check_lang


@dataclass(frozen=True)
class ReportContext:
    """What a report's cells share: ``notebook`` (its name), ``unit`` (as valid in ``year``),
    ``year`` (the reference year), ``lang`` (``vi`` or ``en``) and ``name`` (the unit's
    label in that language, e.g. "huyện Lập Thạch")."""

    notebook: str
    unit: Unit
    year: int
    lang: str
    name: str


def open_report(notebook: str, unit_code: str, unit_level: str, reference_year: int,
                lang: str = "vi") -> ReportContext:
    """Start report ``notebook`` (``scores``, ``overview``, ``infrastructure``, ``cashless``)
    for a unit from its papermill parameters: show the synthetic-data banner (when the processed
    data are the synthetic panel) and the title with its key figures
    (:func:`lib.present.facts.header_for`), and return the :class:`ReportContext`.

    Raises ``ValueError`` for an unknown language and
    :class:`lib.analysis.queries.UnknownUnit` for a unit code not in the ``units`` table at
    that level and year."""
    lang = check_lang(lang)
    unit = profiles.get_unit(unit_code, unit_level, reference_year)
    show.show_synthetic_banner(lang)
    show.show_title(say.report_title(notebook, unit, reference_year, lang),
                    facts.header_for(notebook, unit, reference_year, lang))
    return ReportContext(notebook, unit, reference_year, lang, say.unit_label(unit, lang))
