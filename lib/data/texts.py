"""Texts that come from the data, in the report's language (``vi`` or ``en``).

Raw files keep their original wording; the reviewed translations live in reference tables
beside the other reference tables (``lib/data/reference/*.csv``), one row per original text with a
Vietnamese (``*_vi``) and an English (``*_en``) form:

================================  ==========================  ==================================
kind                              table                       original text (column)
================================  ==========================  ==================================
``conflict_title``                ``conflicts.csv``           ``title`` (English; ``title_vi``)
``conflict_description``          ``conflicts.csv``           ``description`` (``description_vi``)
``indicator_name``                ``indicator_labels.csv``    raw ``indicator_label``
``value_unit``                    ``value_units.csv``         raw ``unit`` (``unit_label``)
``base``                          ``bases.csv``               catalogue ``population``
``publisher``                     ``publishers.csv``          one ``source_publisher`` of a source
``unit_name``                     ``unit_names.csv``          a unit name that is not a GSO name
``formula``                       ``formulas.csv``            ``formula`` of a DTI result
``framework``                     ``framework_names.csv``     ``framework`` of ``dti_frameworks``
``period_note``                   ``period_notes.csv``        words in a period or date
================================  ==========================  ==================================

Kinds ``source_type`` (the vocabulary of :data:`lib.data.sources.SOURCE_TYPES`), ``period`` and
``source_date`` come from the message catalogue (``lib/messages/<lang>/data.yml``, key
``data``); periods and dates are parsed into fields (:func:`lib.data.parse.parse_period_fields`) and
rendered with Babel (``babel.dates.format_date``): "theo bài viết ngày 21/8/2024",
"cuối năm 2022", "tháng 8–9/2023" / "article of 21 August 2024", "end of 2022",
"August–September 2023".

A text with no translation raises :class:`MissingText`, naming the table to complete; the
build checks every text that reaches a page beforehand (:mod:`lib.data.text_checks`). This module is
part of the data layer: it imports neither the presentation modules nor pandas.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel.dates import format_date

from lib.data.parse import (ParseError, PeriodFields, Qualifier, When, normalize_text,
                            parse_period_fields)
from lib.data.paths import REFERENCE_DIR
from lib.messages import catalogue, check_language, render


@dataclass(frozen=True)
class TextTable:
    """Where the translations of one kind live: ``file`` in ``lib/data/reference``, the column of
    the original text and the columns of its Vietnamese and English forms."""

    file: str
    original: str
    vi: str
    en: str


TEXT_TABLES = {
    "conflict_title": TextTable("conflicts.csv", "title", "title_vi", "title"),
    "conflict_description": TextTable("conflicts.csv", "description", "description_vi",
                                      "description"),
    "indicator_name": TextTable("indicator_labels.csv", "indicator_label", "name_vi", "name_en"),
    "value_unit": TextTable("value_units.csv", "unit_label", "unit_label_vi", "unit_label_en"),
    "base": TextTable("bases.csv", "population", "population_vi", "population_en"),
    "publisher": TextTable("publishers.csv", "publisher", "publisher_vi", "publisher_en"),
    "unit_name": TextTable("unit_names.csv", "unit_name", "unit_name_vi", "unit_name_en"),
    "formula": TextTable("formulas.csv", "formula", "formula_vi", "formula_en"),
    "framework": TextTable("framework_names.csv", "framework", "framework_vi", "framework_en"),
    "period_note": TextTable("period_notes.csv", "note", "note_vi", "note_en"),
}
MESSAGE_KINDS = ("source_type", "period", "source_date")
KINDS = (*TEXT_TABLES, *MESSAGE_KINDS)


class MissingText(LookupError):
    """A text that reaches a page has no translation: ``kind``, ``original``, ``lang`` and
    ``table`` (the reference table or catalogue to complete) say which."""

    def __init__(self, kind: str, original: str, lang: str, table: str, why: str = ""):
        self.kind, self.original, self.lang, self.table = kind, original, lang, table
        why = why or f"has no {lang!r} form in"
        super().__init__(f"{kind} {original!r} {why} {table}")

    def __str__(self) -> str:
        return str(self.args[0])


@lru_cache(maxsize=None)
def _table(kind: str) -> dict[str, dict[str, str]]:
    """``{original: {"vi": …, "en": …}}`` of one kind (empty cells as ``""``)."""
    spec = TEXT_TABLES[kind]
    path = REFERENCE_DIR / spec.file
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for column in (spec.original, spec.vi, spec.en):
        if rows and column not in rows[0]:
            raise MissingText(kind, "", "vi", f"lib/data/reference/{spec.file}",
                              f"cannot be looked up: no column {column!r} in")
    return {normalize_text(r[spec.original]): {"vi": normalize_text(r[spec.vi]),
                                               "en": normalize_text(r[spec.en])} for r in rows}


def table_path(kind: str) -> str:
    """The reference table (``lib/data/reference/…``) or catalogue key that holds a kind's texts."""
    if kind in TEXT_TABLES:
        return f"lib/data/reference/{TEXT_TABLES[kind].file}"
    if kind == "source_type":
        return "lib/messages/<lang>/data.yml (data.source_type)"
    if kind in ("period", "source_date"):
        return f"lib/data/reference/{TEXT_TABLES['period_note'].file}"
    raise ValueError(f"unknown data text kind {kind!r} (known: {', '.join(KINDS)})")


def table_hint(kind: str) -> str:
    """What to write to translate a text of ``kind``: "add a row to lib/data/reference/x.csv with
    the columns a, a_vi, a_en"."""
    spec = TEXT_TABLES.get("period_note" if kind in ("period", "source_date") else kind)
    if spec is None:
        return f"add the key to {table_path(kind)} in every language"
    columns = ", ".join(dict.fromkeys((spec.original, spec.vi, spec.en)))
    return f"add a row to lib/data/reference/{spec.file} with the columns {columns}"


def find_text(kind: str, original: object, lang: str) -> str | None:
    """:func:`data_text`, or None where the translation is missing (for code that fills what
    it can and leaves the error to the build's check, :mod:`lib.data.text_checks`)."""
    try:
        return data_text(kind, original, lang)
    except MissingText:
        return None


def data_text(kind: str, original: object, lang: str) -> str:
    """A text from the data in ``lang``.

    Parameters
    ----------
    kind
        One of :data:`KINDS`: ``conflict_title``, ``conflict_description``,
        ``indicator_name`` (raw ``indicator_label``), ``value_unit`` (raw ``unit``, e.g.
        "% of households"), ``base`` (catalogue ``population``), ``publisher`` (one source's
        publisher), ``unit_name``, ``formula``, ``framework`` (a DTI framework's name),
        ``period_note``, ``source_type``, ``period``,
        ``source_date``.
    original
        The text as it stands in the raw file or reference table (compared after NFC and
        white-space normalisation). ``""`` / None give ``""``.
    lang
        ``vi`` or ``en``.

    Returns the reviewed translation, e.g. ``data_text("publisher", "Ministry of Information and
    Communications (mic.gov.vn)", "vi")`` → "Bộ Thông tin và Truyền thông (mic.gov.vn)". A
    ``unit_name`` that is not in ``unit_names.csv`` is a GSO name and is returned as it is.

    Raises :class:`MissingText` when there is no translation (naming the table to complete),
    ``ValueError`` for an unknown kind or language.
    """
    check_language(lang)
    text = normalize_text(original) if original is not None else ""
    if kind not in KINDS:
        raise ValueError(f"unknown data text kind {kind!r} (known: {', '.join(KINDS)})")
    if not text:
        return ""
    if kind in ("period", "source_date"):
        return period_label(text, lang)
    if kind == "source_type":
        key = f"data.source_type.{text}"
        if key not in catalogue(lang):
            raise MissingText(kind, text, lang, table_path(kind))
        return render(key, lang)
    found = _table(kind).get(text)
    if found is None and kind == "unit_name":
        return text
    if not found or not found[lang]:
        raise MissingText(kind, text, lang, table_path(kind))
    return found[lang]


# --- periods and dates -------------------------------------------------------------------------

def _say(key: str, lang: str, **params) -> str:
    return render(f"data.period.{key}", lang, **params)


def _date(year: int, month: int, day: int, pattern_key: str, lang: str) -> str:
    pattern = render(pattern_key, lang)
    try:
        return format_date(date(year, month, day), pattern, locale=lang)
    except ValueError as err:
        raise ParseError(f"not a calendar date: {year}-{month:02d}-{day:02d} ({err})") from None


def date_text(iso: str, lang: str) -> str:
    """An ISO date as a reader writes it: "2025-07-01" → "1/7/2025" (vi), "1 July 2025" (en).
    Raises :class:`ParseError` for a text that is not an ISO calendar date."""
    parts = str(iso).split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ParseError(f"not an ISO date (YYYY-MM-DD): {iso!r}")
    return _date(int(parts[0]), int(parts[1]), int(parts[2]), "formats.date", lang)


def _month_text(w: When, lang: str) -> str:
    return _date(w.year, w.month, 1, "formats.month_year", lang)


def _join(items: list[str], conjunction: str, lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return _say(conjunction, lang, items=", ".join(items[:-1]), last=items[-1])


def _span(a: When, b: When, lang: str) -> str:
    if a.kind == b.kind == "year":
        return _say("years", lang, start=str(a.year), end=str(b.year))
    if a.kind == b.kind == "month" and a.year == b.year:
        return _say("months", lang, year=str(a.year),
                    start=_date(a.year, a.month, 1, "data.formats.month", lang),
                    end=_date(b.year, b.month, 1, "data.formats.month", lang))
    if a.kind == b.kind == "date" and (a.year, a.month) == (b.year, b.month):
        return _say("days", lang, start=str(a.day), end=str(b.day), month=_month_text(a, lang))
    return _say("span", lang, start=_when(a, lang), end=_when(b, lang))


def _when(w: When, lang: str) -> str:
    if w.kind == "year":
        return _say("year", lang, year=str(w.year))
    if w.kind == "month":
        return _say("month", lang, month=_month_text(w, lang))
    if w.kind == "date":
        return _say("date", lang, date=_date(w.year, w.month, w.day, "formats.date", lang))
    if w.kind == "early":
        return _say("early", lang, year=str(w.year))
    if w.kind == "half":
        return _say("half", lang, count=w.n, year=str(w.year))
    if w.kind == "first_months":
        return _say("first_months", lang, count=w.n)
    if w.kind == "end":
        inner = w.parts[0]
        return (_say("end_year", lang, year=str(inner.year)) if inner.kind == "year"
                else _say("end_month", lang, month=_month_text(inner, lang)))
    if w.kind == "span":
        return _span(*w.parts, lang)
    if w.kind == "either":
        return _join([_when(p, lang) for p in w.parts], "or", lang)
    if w.kind == "undated":
        return _say("undated", lang)
    raise ParseError(f"unknown kind of time {w.kind!r}")


def _qualifier(q: Qualifier, lang: str) -> str:
    if q.relation == "note":
        return data_text("period_note", q.text, lang)
    if q.relation in ("target", "estimate"):
        return _say(q.relation, lang)
    if q.relation == "when":
        return _when(q.when, lang)
    return _say(q.relation, lang, when=_when(q.when, lang))


def _years(w: When) -> tuple[int, int] | None:
    if w.kind == "year":
        return w.year, w.year
    if w.kind == "span" and all(p.kind == "year" for p in w.parts):
        return w.parts[0].year, w.parts[1].year
    return None


def _first_year(w: When) -> int | None:
    return w.year if w.year is not None else (_first_year(w.parts[0]) if w.parts else None)


def _leading(fields: PeriodFields) -> Qualifier | None:
    """The article or as-of date that says all a plain year (or years) says: "2022 (as of
    2022-07)" reads "as of July 2022", "2023-2024 (article of 2024-08-21)" "article of …"."""
    for q in fields.qualifiers:
        if q.relation in ("article", "as_of"):
            if not fields.main:
                return q
            span = _years(fields.main[0]) if len(fields.main) == 1 else None
            year = _first_year(q.when)
            if span and year is not None and span[0] <= year <= span[1]:
                return q
    return None


def _label(fields: PeriodFields, lang: str, without: tuple[str, ...] = ()) -> str:
    if fields.note:
        return data_text("period_note", fields.note, lang)
    lead = _leading(fields)
    head = _qualifier(lead, lang) if lead else \
        _join([_when(w, lang) for w in fields.main], fields.conjunction, lang)
    rest = [_qualifier(q, lang) for q in fields.qualifiers
            if q is not lead and q.relation not in without]
    return _say("qualified", lang, main=head, qualifiers=", ".join(rest)) if rest else head


def period_label(row_or_fields, lang: str, without: tuple[str, ...] = ()) -> str:
    """A period or date in ``lang``, rendered from structured fields.

    ``row_or_fields`` is the published text (``"end 2022"``), a row / mapping with a
    ``period`` (``indicators``) or ``date`` (``sources``) field, or the result of
    :func:`lib.data.parse.parse_period_fields`. Parts separated by ``;`` in the source are joined
    with "; ". Qualifiers whose relation is in ``without`` are left out (``("target",)`` where
    the row already says it is a target).

    >>> period_label("2023-2024 (article of 2024-08-21)", "vi")
    'theo bài viết ngày 21/8/2024'
    >>> period_label("Aug/Sep 2023", "en")
    'August–September 2023'

    Raises :class:`MissingText` for words of the text that have no translation in
    ``lib/data/reference/period_notes.csv``, :class:`lib.data.parse.ParseError` for an empty text or an
    impossible date.
    """
    check_language(lang)
    if isinstance(row_or_fields, tuple) and all(isinstance(f, PeriodFields) for f in row_or_fields):
        parts = row_or_fields
    elif isinstance(row_or_fields, PeriodFields):
        parts = (row_or_fields,)
    else:
        text = row_or_fields
        if not isinstance(row_or_fields, str):
            text = row_or_fields["period"] if "period" in row_or_fields else row_or_fields["date"]
        parts = parse_period_fields(text)
    return "; ".join(_label(part, lang, without) for part in parts)


def period_label_full(row_or_fields, lang: str) -> str:
    """A period with every part it names, the years as well as the article or as-of date:
    "2023-2024 (article of 2024-08-21)" reads "giai đoạn 2023–2024 (theo bài viết ngày
    21/8/2024)" where :func:`period_label` keeps only the article's date.

    >>> period_label_full("2023-2024 (article of 2024-08-21)", "vi")
    'giai đoạn 2023–2024 (theo bài viết ngày 21/8/2024)'
    >>> period_label_full("2023-2024 (article of 2024-08-21)", "en")
    '2023–2024 (article of 21 August 2024)'
    """
    check_language(lang)
    text = row_or_fields
    if not isinstance(row_or_fields, str):
        text = row_or_fields["period"] if "period" in row_or_fields else row_or_fields["date"]
    labels = []
    for fields in parse_period_fields(text):
        if fields.note or not fields.main:
            labels.append(_label(fields, lang))
            continue
        head = _join([_when(w, lang) for w in fields.main], fields.conjunction, lang)
        rest = [_qualifier(q, lang) for q in fields.qualifiers]
        labels.append(_say("qualified", lang, main=head, qualifiers=", ".join(rest))
                      if rest else head)
    return "; ".join(labels)
