"""Display formatting for reports: numbers (en / vi), ranks, statuses, and escaped HTML blocks.

Every string that comes from data is HTML-escaped here, so a unit name containing markup
shows as text and runs nothing.
"""

from __future__ import annotations

import html
import math

import pandas as pd

LANGS = ("en", "vi")
NO_DATA = {"en": "no data", "vi": "không có số liệu"}

STATUS_NOTES = {
    "en": {
        "reported": "",
        "approximate": "approximate",
        "lower_bound": "lower bound (“more than”)",
        "upper_bound": "upper bound",
        "range": "range",
        "rank_only": "rank only, score not published",
        "derived": "derived, not published",
        "missing": "not published",
    },
    "vi": {
        "reported": "",
        "approximate": "xấp xỉ",
        "lower_bound": "cận dưới (“hơn”)",
        "upper_bound": "cận trên",
        "range": "khoảng",
        "rank_only": "chỉ có thứ hạng, không công bố điểm",
        "derived": "suy ra, không công bố",
        "missing": "không công bố",
    },
}

LEVEL_NAMES = {
    "en": {"province": ("province", "provinces"), "district": ("district", "districts"),
           "commune": ("commune", "communes"), "country": ("country", "countries")},
    "vi": {"province": ("tỉnh", "tỉnh"), "district": ("huyện", "huyện"),
           "commune": ("xã", "xã"), "country": ("quốc gia", "quốc gia")},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported (``en``, ``vi``); raise ``ValueError`` otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas NA."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def format_number(value: object, decimals: int | None = None, lang: str = "en") -> str:
    """Format a number for reading: ``744.213`` (en) / ``744,213`` (vi); thousands separated
    (``1,300,000`` / ``1.300.000``). ``decimals=None`` keeps the significant decimals (up to 4).
    Missing values give the language's "no data".
    """
    if is_missing(value):
        return NO_DATA[lang]
    value = float(value)
    if decimals is None:
        decimals = 0 if value == int(value) else min(4, len(f"{value:.4f}".rstrip("0").split(".")[1]))
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_score(score: object, scale: str, lang: str = "en") -> str:
    """``744.213`` points → "744.213 points"; a 0–1 index → "0.8002 (800.2 points)"."""
    if is_missing(score):
        return NO_DATA[lang]
    points_word = "points" if lang == "en" else "điểm"
    if scale == "0-1":
        return f"{format_number(score, 4, lang)} ({format_number(float(score) * 1000, 1, lang)} {points_word})"
    return f"{format_number(score, None, lang)} {points_word}"


def ordinal(rank: object, lang: str = "en") -> str:
    """1 → "1st" (en) / "thứ 1" (vi)."""
    if is_missing(rank):
        return NO_DATA[lang]
    n = int(rank)
    if lang == "vi":
        return f"thứ {n}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_rank(rank: object, rank_of: object, rank_text: str = "", lang: str = "en") -> str:
    """Rank with the number ranked: "1 of 9" / "1/9"; a range keeps its printed text."""
    if is_missing(rank):
        return rank_text or NO_DATA[lang]
    of = "" if is_missing(rank_of) else (f" of {int(rank_of)}" if lang == "en" else f"/{int(rank_of)}")
    return f"{int(rank)}{of}"


def status_note(status: str, lang: str = "en") -> str:
    """Plain words for a value status (``""`` for reported values)."""
    return STATUS_NOTES[lang].get(status, status)


def level_name(level: str, plural: bool = False, lang: str = "en") -> str:
    """``district`` → "district" / "districts" (or Vietnamese)."""
    names = LEVEL_NAMES[lang].get(level, (level, level + "s"))
    return names[1] if plural else names[0]


def change_arrow(change: object) -> str:
    """Rank change (positive = moved up) → "▲4", "▼2", "=" or ""."""
    if is_missing(change):
        return ""
    change = int(change)
    return f"▲{change}" if change > 0 else f"▼{-change}" if change < 0 else "="


def escape(text: object) -> str:
    """HTML-escape any value (``None``/NaN → "")."""
    return "" if is_missing(text) else html.escape(str(text))


def finite(value: object) -> bool:
    """True for a real, finite number."""
    return not is_missing(value) and math.isfinite(float(value))
