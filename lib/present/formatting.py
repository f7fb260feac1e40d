"""Display formatting for reports: numbers, scores, ranks and statuses in the report's language.

Numbers go through Babel for the language's locale (``744,213`` and ``1.000`` in Vietnamese,
``744.213`` and ``1,000`` in English); every word comes from the message catalogue
(:mod:`lib.messages`). Every string that comes from data is HTML-escaped by :func:`escape`, so a
unit name containing markup shows as text and runs nothing.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from lib.messages import format_number as _babel_number
from lib.messages import LANGUAGES, check_language, render

LANGS = LANGUAGES


def check_lang(lang: str) -> str:
    """Return ``lang`` if it has a message catalogue (``vi``, ``en``); raise ``ValueError``."""
    return check_language(lang)


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas NA."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def no_data(lang: str) -> str:
    """The words for a missing value ("chưa có số liệu" / "no data")."""
    return render("no_data", lang)


def format_number(value: object, decimals: int | None = None, lang: str = "vi") -> str:
    """A number for reading: ``744.213`` → "744,213" (vi) / "744.213" (en); thousands grouped
    ("1.300.000" / "1,300,000"). ``decimals=None`` keeps the significant decimals (up to 4).
    Missing values give the language's "no data".
    """
    if is_missing(value):
        return no_data(lang)
    return _babel_number(float(value), lang, "" if decimals is None else f".{decimals}f")


def format_percent(value: object, decimals: int | None = None, lang: str = "vi") -> str:
    """A value already in percent (0–100): ``85`` → "85%" (both languages, no space)."""
    if is_missing(value):
        return no_data(lang)
    return render("number.percent", lang, value=format_number(value, decimals, lang))


def format_score(score: object, scale: str, lang: str = "vi") -> str:
    """``744.213`` points → "744,213 điểm"; a 0–1 index → "0,8002 (800,2 điểm)"."""
    if is_missing(score):
        return no_data(lang)
    if scale == "0-1":
        return render("score.index", lang, index=format_number(score, 4, lang),
                      points=format_number(float(score) * 1000, 1, lang))
    return render("score.points", lang, points=format_number(score, None, lang))


def ordinal(rank: object, lang: str = "vi") -> str:
    """1 → "thứ 1" (vi) / "1st" (en)."""
    if is_missing(rank):
        return no_data(lang)
    return render("ordinal", lang, count=int(rank), n=int(rank))


def format_rank(rank: object, rank_of: object, rank_text: str = "", lang: str = "vi") -> str:
    """Rank with the number ranked: "1/9" / "1 of 9"; a printed range keeps its text."""
    if is_missing(rank):
        return rank_text or no_data(lang)
    if is_missing(rank_of):
        return render("rank.alone", lang, rank=int(rank))
    return render("rank.of", lang, rank=int(rank), rank_of=int(rank_of))


def status_note(status: str, lang: str = "vi") -> str:
    """Plain words for a value status (``""`` for reported values)."""
    return render(f"status.{status}", lang)


def level_name(level: str, plural: bool = False, lang: str = "vi") -> str:
    """``district`` → "huyện" / "district" (or "districts" with ``plural``)."""
    return render(f"level.{level}", lang, count=2 if plural else 1)


def escape(text: object) -> str:
    """HTML-escape any value (``None``/NaN → "")."""
    return "" if is_missing(text) else html.escape(str(text))


def finite(value: object) -> bool:
    """True for a real, finite number."""
    return not is_missing(value) and math.isfinite(float(value))
