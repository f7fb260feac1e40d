"""Target gaps of infrastructure and cashless indicators, and which indicators are comparable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analysis.base import (
    Comparability, Result, TARGET_THEMES, empty_result, require_columns, typed_frame, why)


def check_comparable(catalogue: pd.DataFrame, indicator: str, other: str) -> Comparability:
    """Can two indicators be compared (same thing, same definition)?

    Parameters
    ----------
    catalogue
        The ``indicator_catalogue`` table (``concept``, ``population``, ``unit``,
        ``target_indicator``).
    indicator, other
        Indicator ids (e.g. a measured share and a target).

    Returns
    -------
    Comparability
        ``(True, "")``, or ``(False, explanation)`` in plain English, e.g.
        ``"people aged 18+ vs people aged 15+: different populations, so the values are not
        compared"``.

    Notes
    -----
    Two indicators are comparable when they share a ``concept`` (or the catalogue names one as
    the other's ``target_indicator``), are in the same ``unit`` and have the same
    ``population``. A population that is not recorded is not assumed to match.
    """
    found = catalogue.set_index("indicator")
    for name in (indicator, other):
        if name not in found.index:
            return Comparability(False, why("not_in_catalogue", indicator=name))
    a, b = found.loc[indicator], found.loc[other]
    linked = b.name == a["target_indicator"] or a.name == b["target_indicator"]
    if a["concept"] != b["concept"] and not linked:
        return Comparability(False, why("different_concepts", concept_a=a["concept"], concept_b=b["concept"]))
    if a["unit"] != b["unit"]:
        return Comparability(False, why("different_units", unit_a=a["unit"], unit_b=b["unit"]))
    if a["population"] != b["population"] and (a["population"] or b["population"]) \
            and not (linked and not (a["population"] and b["population"])):
        return Comparability(False, why("different_populations", population_a=a["population"] or "",
                                        population_b=b["population"] or ""))
    return Comparability(True, None)


TARGET_COLUMNS = {
    "unit_code": "str", "unit_name": "str", "indicator": "str", "indicator_name": "str",
    "period": "str", "reference_year": "Int64", "value": "float64", "unit": "str",
    "value_status": "str", "target_indicator": "str", "target_unit_code": "str",
    "target_unit_name": "str", "target_period": "str", "target_year": "Int64",
    "target_value": "float64", "target_low": "float64", "target_high": "float64",
    "target_status": "str", "comparable": "bool",
    "explanation": "object", "gap": "float64", "met": "boolean",
}


def _ancestors(indicators: pd.DataFrame, unit_code: str) -> list[str]:
    """The unit, its parents as recorded in ``indicators``, then ``VN``."""
    parents = indicators.dropna(subset=["unit_code"]).drop_duplicates("unit_code").set_index(
        "unit_code")["parent_code"]
    chain, code = [unit_code], unit_code
    while code in parents.index and parents[code] and parents[code] not in chain:
        code = parents[code]
        chain.append(code)
    return chain + ([] if "VN" in chain else ["VN"])


def measure_target_gaps(indicators: pd.DataFrame, catalogue: pd.DataFrame, unit_code: str,
                        themes=TARGET_THEMES) -> Result:
    """Distance of a unit's indicators to published targets, refusing mixed definitions.

    Parameters
    ----------
    indicators
        The ``indicators`` table (targets are rows with ``is_target``).
    catalogue
        The ``indicator_catalogue`` table.
    unit_code
        The unit whose values are compared.
    themes
        Themes of the measured indicators (default infrastructure, cashless and financial
        inclusion).

    Returns
    -------
    Result
        ``table``: one row per value × target of the same concept set for the unit, its
        province or Vietnam:

        - ``unit_code``, ``unit_name``, ``indicator``, ``indicator_name``, ``period`` str;
          ``reference_year`` Int64; ``value`` float64 in ``unit`` (``percent`` = 0–100);
          ``value_status`` str;
        - ``target_indicator``, ``target_unit_code``, ``target_unit_name``, ``target_period``
          str; ``target_year`` Int64 (end of the target period); ``target_value`` float64 (the
          lower end of a range target); ``target_low``, ``target_high`` float64 (the range as
          published, NaN for a point target); ``target_status`` str;
        - ``comparable`` bool and ``explanation`` str (see :func:`check_comparable`);
        - ``gap`` float64 = target − value for a higher-is-better indicator (percentage
          points for shares; NaN when not comparable); ``met`` boolean (NA when not comparable).

        ``reason`` when the unit has no value in ``themes`` or no published target shares a
        concept with its values.

    Notes
    -----
    A province or national target applied to a district is a reference point, not the
    district's own commitment (``target_unit_code`` shows whose target it is). Periods are
    kept as published; undated values are compared but their ``reference_year`` is NA.
    """
    require_columns(indicators, ("unit_code", "is_target", "indicator", "theme", "value", "period"),
             "indicators")
    catalogue_by = catalogue.set_index("indicator")
    values = indicators[(indicators["unit_code"] == unit_code) & ~indicators["is_target"]
                        & indicators["theme"].isin(list(themes)) & indicators["value"].notna()]
    if values.empty:
        return empty_result(TARGET_COLUMNS, why("no_indicator_values", unit_code=unit_code,
                                          themes=list(themes)))
    ancestors = _ancestors(indicators, unit_code)
    targets = indicators[indicators["is_target"] & indicators["unit_code"].isin(ancestors)
                         & indicators["value"].notna()]
    rows = []
    for value in values.to_dict("records"):
        measured = catalogue_by.loc[value["indicator"]]
        for target in targets.to_dict("records"):
            aim = catalogue_by.loc[target["indicator"]]
            if aim["concept"] != measured["concept"] and \
                    measured["target_indicator"] != target["indicator"]:
                continue
            verdict = check_comparable(catalogue, value["indicator"], target["indicator"])
            threshold = target["value_low"] if pd.notna(target["value_low"]) else target["value"]
            gap = np.nan
            if verdict.comparable:
                gap = (threshold - value["value"]) if measured["higher_is_better"] \
                    else (value["value"] - threshold)
            rows.append({
                **{k: value[k] for k in ("unit_code", "unit_name", "indicator", "period",
                                         "reference_year", "value", "unit", "value_status")},
                "indicator_name": measured["name_en"],
                "target_indicator": target["indicator"], "target_unit_code": target["unit_code"],
                "target_unit_name": target["unit_name"], "target_period": target["period"],
                "target_year": target["period_end_year"], "target_value": threshold,
                "target_low": target["value_low"], "target_high": target["value_high"],
                "target_status": target["value_status"], "comparable": verdict.comparable,
                "explanation": verdict.explanation, "gap": gap,
                "met": (gap <= 0) if verdict.comparable else pd.NA,
            })
    if not rows:
        return empty_result(TARGET_COLUMNS, why("no_comparable_target", unit_code=unit_code))
    table = pd.DataFrame(rows).sort_values(["indicator", "target_indicator", "target_unit_code"])
    notes = []
    refused = table[~table["comparable"]]
    if len(refused):
        notes.append(why("pairs_not_compared", count=len(refused),
                         explanations=list(dict.fromkeys(refused["explanation"]))))
    return Result(typed_frame(table, TARGET_COLUMNS), notes=tuple(notes))
