"""Parse the messy values found in published statistics: numbers, ranks, periods, text.

Every parser either returns a value *with a status* or raises :class:`ParseError`; none returns
a silent NaN. Status vocabulary (shared with ``data/raw/README.md``): ``reported``,
``approximate``, ``lower_bound``, ``upper_bound``, ``range``, ``rank_only``, ``derived``,
``missing`` (a known gap in the public record) and ``not_entered`` (published by the cited source
but not entered in this data set: the source has the value, we have not copied it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

VALUE_STATUSES = (
    "reported",
    "approximate",
    "lower_bound",
    "upper_bound",
    "range",
    "rank_only",
    "derived",
    "missing",
    "not_entered",
)
# statuses whose value cell is empty
EMPTY_STATUSES = ("missing", "rank_only", "not_entered")

NOT_ENTERED_TOKENS = {"not entered", "not in this data set", "chưa nhập",
                      "chưa có trong bộ số liệu này"}
MISSING_TOKENS = {"", "-", "–", "—", "n/a", "na", "n.a.", "..", "...", "x", "không có", "kxđ", "nan"}

# Qualifier words, longest first so that "just under" wins over "under".
_QUALIFIERS = [
    ("just under", "approximate_below"),
    ("gần như", "approximate"),
    ("approximately", "approximate"),
    ("xấp xỉ", "approximate"),
    ("khoảng", "approximate"),
    ("around", "approximate"),
    ("nearly", "approximate"),
    ("almost", "approximate"),
    ("about", "approximate"),
    ("gần", "approximate_below"),
    ("~", "approximate"),
    ("≈", "approximate"),
    ("more than", "lower_bound"),
    ("at least", "lower_bound"),
    ("ít nhất", "lower_bound"),
    ("tối thiểu", "lower_bound"),
    ("trên", "lower_bound"),
    ("over", "lower_bound"),
    ("hơn", "lower_bound"),
    ("≥", "lower_bound"),
    (">=", "lower_bound"),
    (">", "lower_bound"),
    ("less than", "upper_bound"),
    ("at most", "upper_bound"),
    ("tối đa", "upper_bound"),
    ("dưới", "upper_bound"),
    ("under", "upper_bound"),
    ("≤", "upper_bound"),
    ("<=", "upper_bound"),
    ("<", "upper_bound"),
    ("top", "upper_bound"),
]
_FOOTNOTE = re.compile(r"(\s*(\*+|\(\d{1,2}\)|\[\d{1,2}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+))+$")
_NUMBER = r"[+-]?\d[\d.,\s]*"
_RANGE = re.compile(rf"^(?:từ\s+)?({_NUMBER})\s*(?:-|–|—|to|đến)\s*({_NUMBER})$")
_FRACTION = re.compile(rf"^({_NUMBER})\s*(?:/|of|trên)\s*({_NUMBER})(?:\s*\([^)]*\))?$")
_COUNT_PART = re.compile(rf"^({_NUMBER})\s+\S.*$")


class ParseError(ValueError):
    """A value that cannot be read without guessing. The message says why and what to do."""


@dataclass(frozen=True)
class ParsedValue:
    """A parsed value.

    ``value`` is the best single number (the midpoint of a range, the bound of a bound); ``low``
    and ``high`` bracket it where the source does; ``denominator`` is set for fractions
    ("17/17": value 17, denominator 17); ``is_percent`` records a "%" sign.
    """

    value: float | None
    status: str
    low: float | None = None
    high: float | None = None
    denominator: float | None = None
    is_percent: bool = False
    formula: str = ""
    footnote: str = ""


_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: object) -> str:
    """NFC-normalise, strip and collapse internal white space (non-breaking spaces included)."""
    if text is None:
        return ""
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFC", s).replace("\u00a0", " ").replace("\ufeff", "")
    return _WHITESPACE.sub(" ", s).strip()


@lru_cache(maxsize=8192)  # called for every unit cell of a staff file, which repeat
def fold_text(text: object) -> str:
    """Lower-case ASCII form for matching: no diacritics, ``đ`` → ``d``, single spaces."""
    s = normalize_text(text).lower().replace("đ", "d")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def parse_number(text: str, decimal: str | None = ".") -> float:
    """Parse one number written with Vietnamese or English separators.

    Parameters
    ----------
    text
        Digits with optional sign, decimal mark and thousands separators (``"1.234,5"``,
        ``"1,234.5"``, ``"0,4880"``, ``"2 700"``).
    decimal
        The file's decimal mark: ``"."`` (English), ``","`` (Vietnamese), or ``None`` to infer it
        from the text when that is unambiguous.

    Returns
    -------
    float

    Raises
    ------
    ParseError
        Not a number, separators inconsistent with ``decimal`` (``"1,23"`` in an English file),
        or, with ``decimal=None``, a form such as ``"1.234"`` that reads as 1.234 in English and
        1234 in Vietnamese.
    """
    s = normalize_text(text).replace(" ", "")
    if not re.fullmatch(r"[+-]?\d[\d.,]*", s) or s.endswith((".", ",")):
        raise ParseError(f"not a number: {text!r}")
    if decimal is None:
        decimal = _infer_decimal(s)
    if decimal not in (".", ","):
        raise ParseError(f"decimal mark must be '.' or ',', not {decimal!r}")
    thousands = "," if decimal == "." else "."
    if s.count(decimal) > 1:
        raise ParseError(f"{text!r} has several decimal marks {decimal!r}")
    integer, _, fraction = s.partition(decimal)
    if thousands in integer:
        groups = integer.lstrip("+-").split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])) \
                or groups[0].startswith("0"):
            raise ParseError(
                f"{text!r}: {thousands!r} is not a thousands separator here "
                f"(the file's decimal mark is {decimal!r})"
            )
        integer = integer.replace(thousands, "")
    if thousands in fraction:
        raise ParseError(f"{text!r}: thousands separator after the decimal mark")
    return float(f"{integer}.{fraction}" if fraction else integer)


def _infer_decimal(s: str) -> str:
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        return "." if s.rfind(".") > s.rfind(",") else ","
    mark = "." if has_dot else "," if has_comma else "."
    if s.count(mark) > 1:
        return "," if mark == "." else "."  # repeated mark = thousands separator
    if (has_dot or has_comma) and re.fullmatch(r"[+-]?\d{1,3}[.,]\d{3}", s):
        raise ParseError(
            f"{s!r} is ambiguous: 1.234 in English, 1234 in Vietnamese format; "
            "state the file's decimal mark"
        )
    return mark


_DECIMAL_EVIDENCE = (
    (re.compile(r"\d,\d{3}\.\d"), "."),        # 1,234.5
    (re.compile(r"\d\.\d{3},\d"), ","),        # 1.234,5
    (re.compile(r"(?<![\d.,])\d+\.(\d{1,2}|\d{4,})(?![\d.,])"), "."),  # 12.5, 0.4880
    (re.compile(r"(?<![\d.,])\d+,(\d{1,2}|\d{4,})(?![\d.,])"), ","),  # 12,5, 0,4880
    # 0.488: a thousands group never starts with 0
    (re.compile(r"(?<![\d.,])0\.\d+(?![\d.,])"), "."),
    (re.compile(r"(?<![\d.,])0,\d+(?![\d.,])"), ","),
    (re.compile(r"\d{1,3}(\.\d{3}){2,}(?![\d,])"), ","),  # 1.234.567
    (re.compile(r"\d{1,3}(,\d{3}){2,}(?![\d.])"), "."),
)


def infer_decimal_mark(texts) -> tuple[str | None, dict[str, str]]:
    """Infer a file's decimal mark from the numbers written in it.

    Parameters
    ----------
    texts
        Cell texts (any iterable of str; other values are ignored).

    Returns
    -------
    (mark, evidence)
        ``mark`` is ``"."``, ``","`` or None when no cell decides it (``"1.234"`` and whole
        numbers do not); ``evidence`` maps each mark seen to the first cell that shows it.

    Raises
    ------
    ParseError
        Cells show both conventions (``"12,5"`` and ``"0.75"``).
    """
    evidence: dict[str, str] = {}
    for text in texts:
        if not isinstance(text, str) or not any(c.isdigit() for c in text):
            continue
        s = normalize_text(text).replace(" ", "")
        for pattern, mark in _DECIMAL_EVIDENCE:
            if pattern.search(s):
                evidence.setdefault(mark, text)
                break
    if len(evidence) > 1:
        raise ParseError(
            f"numbers use both decimal marks: {evidence['.']!r} (decimal point) and "
            f"{evidence[',']!r} (decimal comma)")
    return (next(iter(evidence)) if evidence else None), evidence


def share_convention(values: list[ParsedValue]) -> str:
    """``"percent"`` (0–100) or ``"0-1"`` for a column of shares.

    A "%" sign anywhere means percent; otherwise a column whose values all lie in 0–1 with at
    least one strictly between (``0.85``) holds 0–1 shares. Percent is the default.
    """
    numbers = [v.value for v in values if v.value is not None]
    if any(v.is_percent for v in values) or not numbers:
        return "percent"
    if all(0 <= n <= 1 for n in numbers) and any(0 < n < 1 for n in numbers):
        return "0-1"
    return "percent"


def parse_value(text: object, decimal: str | None = ".") -> ParsedValue:
    """Parse a published value into a number and a status.

    Handles: plain numbers in either convention, "%" signs, footnote markers (``*``, ``(1)``,
    ``¹``), missing tokens (empty, ``-``, ``n/a``), approximations (``"just under 559"``,
    ``"gần 559"``, ``"about 750"``), bounds (``"more than 873"``, ``"hơn 2.000"``, ``"top 15"``),
    ranges (``"65-70"``, ``"từ 65 đến 70"``), fractions (``"17/17"``, ``"12 of 89 (13.48%)"``)
    and lists of counts
    (``"3 directives; 18 decisions"`` → 21, ``derived``).

    Returns
    -------
    ParsedValue
        ``value`` is None only with status ``missing`` (tokens such as ``n/a``) or
        ``not_entered`` (``"not entered"``, ``"chưa nhập"``: the source has a value that was
        not copied into this data set).

    Raises
    ------
    ParseError
        Text that is none of the above, or an ambiguous number (see :func:`parse_number`).
    """
    raw = normalize_text(text)
    s = _FOOTNOTE.sub("", raw).strip()
    footnote = raw[len(s):].strip()
    if s.lower() in MISSING_TOKENS:
        return ParsedValue(None, "missing", footnote=footnote)
    if s.lower() in NOT_ENTERED_TOKENS:
        return ParsedValue(None, "not_entered", footnote=footnote)
    value = _parse_value_text(s, raw, decimal)
    return replace(value, footnote=footnote) if footnote else value


def _parse_value_text(s: str, raw: str, decimal: str | None) -> ParsedValue:
    if ";" in s:
        parts = [p.strip() for p in s.split(";") if p.strip()]
        counts = []
        for part in parts:
            m = _COUNT_PART.match(part.replace(" and ", " "))
            if not m:
                raise ParseError(f"cannot read list item {part!r} in {raw!r}")
            counts.append(parse_number(m.group(1).strip(), decimal))
        total = sum(counts)
        formula = " + ".join(f"{c:g}" for c in counts)
        return ParsedValue(total, "derived", formula=f"sum of listed counts: {formula}")
    kind = "reported"
    low_s = s.lower()
    for word, qualifier in _QUALIFIERS:
        if low_s.startswith(word) and (not word[0].isalpha() or not low_s[len(word):][:1].isalpha()):
            kind, s = qualifier, s[len(word):].strip()
            break
    is_percent = s.endswith("%")
    s = s.rstrip("%").strip()
    if m := _RANGE.match(s):
        low, high = (parse_number(g.strip(), decimal) for g in m.groups())
        if low > high:
            raise ParseError(f"range {raw!r} runs backwards")
        return ParsedValue((low + high) / 2, "range", low, high, is_percent=is_percent)
    if m := _FRACTION.match(s):
        num, den = (parse_number(g.strip(), decimal) for g in m.groups())
        if den == 0:
            raise ParseError(f"fraction {raw!r} has a zero denominator")
        return ParsedValue(num, "reported", denominator=den, is_percent=is_percent)
    try:
        number = parse_number(s, decimal)
    except ParseError as err:
        raise ParseError(f"cannot read {raw!r} as a value: {err}") from None
    if kind == "approximate_below":
        return ParsedValue(number, "approximate", high=number, is_percent=is_percent)
    if kind == "lower_bound":
        return ParsedValue(number, "lower_bound", low=number, is_percent=is_percent)
    if kind == "upper_bound":
        return ParsedValue(number, "upper_bound", high=number, is_percent=is_percent)
    return ParsedValue(number, kind, is_percent=is_percent)


@dataclass(frozen=True)
class ParsedRank:
    """A rank as published: ``rank`` (1 = best) when exact, ``low``–``high`` always set."""

    rank: int | None
    low: int | None
    high: int | None
    status: str
    text: str
    tied: bool = False


_TIE = re.compile(r"^=|=$|\bđồng hạng\b|\btied?\b|\(\s*(?:đồng hạng|tied?)\s*\)")
_ORDINAL = re.compile(r"^(?:thứ\s+)?(\d+)(?:st|nd|rd|th)?$")


def parse_rank(text: object, rank_of: int | None = None) -> ParsedRank:
    """Parse a published rank: ``"5"``, ``"5th"``, ``"8-9"``, ``"last"``, ``"last two"``,
    ``"bottom 3"``, ``"top 3"``; a tie (``"=15"``, ``"15="``, ``"đồng hạng 15"``,
    ``"15 (tied)"``) sets ``tied``.

    Relative forms ("last", "bottom 3") are resolved with ``rank_of`` (the number of ranked
    units); without it they keep only their text (status ``range``, no bounds). Raises
    :class:`ParseError` for other text, or when the rank is outside 1..rank_of.
    """
    raw = normalize_text(text)
    s = raw.lower()
    if s in MISSING_TOKENS:
        return ParsedRank(None, None, None, "missing", raw)
    tie = _TIE.search(s)
    if tie:  # "=15", "15=", "đồng hạng 15", "15 (tied)": a shared rank
        s = _TIE.sub(" ", s).strip()
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
    if m := _ORDINAL.match(s):
        r = int(m.group(1))
        result = ParsedRank(r, r, r, "reported", raw)
    elif m := re.fullmatch(r"(\d+)\s*(?:-|–|to)\s*(\d+)", s):
        lo, hi = int(m.group(1)), int(m.group(2))
        result = ParsedRank(None, lo, hi, "range", raw)
    elif m := re.fullmatch(r"(last|bottom|top)(?:\s+(\d+|one|two|three|four|five))?", s):
        n = m.group(2)
        n = 1 if n is None else int(words.get(n, n))
        if m.group(1) == "top":
            result = ParsedRank(1 if n == 1 else None, 1, n, "reported" if n == 1 else "range", raw)
        else:
            if rank_of is None:  # "last" of an unstated number: position known only as text
                return ParsedRank(None, None, None, "range", raw)
            lo = rank_of - n + 1
            result = ParsedRank(rank_of if n == 1 else None, lo, rank_of,
                                "reported" if n == 1 else "range", raw)
    else:
        raise ParseError(f"cannot read {raw!r} as a rank")
    if rank_of is not None and result.high is not None and not 1 <= result.low <= result.high <= rank_of:
        raise ParseError(f"rank {raw!r} is outside 1..{rank_of}")
    return replace(result, tied=True) if tie else result


@dataclass(frozen=True)
class ParsedPeriod:
    """A reporting period: first and last calendar year covered (None when undated)."""

    start_year: int | None
    end_year: int | None
    is_target: bool
    text: str

    @property
    def reference_year(self) -> int | None:
        """The single year the period refers to, or None for multi-year and undated periods."""
        return self.start_year if self.start_year == self.end_year else None


def parse_period(text: object) -> ParsedPeriod:
    """Parse a period written as text: ``"2023"``, ``"end 2022"``, ``"2023-03"``,
    ``"2021 (as of 2021-05-30)"``, ``"2023-2024 (article of 2024-08-21)"``, ``"Jan-Aug 2023"``,
    ``"2025 (target)"``, ``"undated (≤2024)"``.

    Years are read from the text before any parenthesis; a parenthesis is used only when the
    main text has none (``"as of early 2024"``). ``undated``/``unstated`` periods have no years.
    """
    raw = normalize_text(text)
    low = raw.lower()
    is_target = "target" in low or "mục tiêu" in low
    if not low or "undated" in low or "unstated" in low or "không rõ" in low:
        return ParsedPeriod(None, None, is_target, raw)
    main = raw.split("(", 1)[0]
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", main)]
    if not years:
        years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", raw)]
    if not years:
        raise ParseError(f"cannot find a year in period {raw!r}")
    return ParsedPeriod(min(years), max(years), is_target, raw)


# --- periods and dates as structured fields (rendered by lib.data.texts.period_label) -------------

_MONTH_NAMES = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DASH = r"\s*[-–]\s*"


@dataclass(frozen=True)
class When:
    """One point or stretch of time, as a source states it.

    ``kind`` is ``year`` (``year``), ``month`` (``year``, ``month``), ``date`` (``year``,
    ``month``, ``day``), ``early`` (early in ``year``), ``half`` (half ``n`` = 1 or 2 of
    ``year``), ``first_months`` (the first ``n`` months of an unstated year), ``end`` (the end of
    ``parts[0]``, a year or a month), ``span`` (from ``parts[0]`` to ``parts[1]``), ``either``
    (one of ``parts``, "2024 or 2025") or ``undated``. Fields that do not apply are None.
    """

    kind: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    n: int | None = None
    parts: tuple["When", ...] = ()


@dataclass(frozen=True)
class Qualifier:
    """What the text in parentheses says about a period.

    ``relation`` is ``as_of``, ``article`` (the date of the article that gives the figure),
    ``refers_to``, ``after``, ``not_after`` (≤), ``circa``, ``probably``, ``when`` (a bare
    time, e.g. the likely year of an undated source) with ``when`` set; ``target`` or
    ``estimate`` without it; or ``note``: free text (``text``) that is translated through
    ``lib/data/reference/period_notes.csv``.
    """

    relation: str
    when: When | None = None
    text: str = ""


@dataclass(frozen=True)
class PeriodFields:
    """A period or date parsed into fields (see :func:`parse_period_fields`).

    ``main`` holds the times the text names (several for "2021–2022, 2023–2024 and 2025"),
    joined by ``conjunction`` (``and`` / ``or``); ``qualifiers`` what its parentheses add;
    ``note`` the whole text when it has no recognisable time ("reproduction undated"), to be
    translated through ``lib/data/reference/period_notes.csv``; ``text`` the text as published.
    """

    main: tuple[When, ...]
    qualifiers: tuple[Qualifier, ...] = ()
    conjunction: str = "and"
    note: str = ""
    text: str = ""


def _when(kind: str, *fields: str) -> When:
    """A ``When`` of ``kind`` from matched fields (year, month, day); a month may be a name."""
    return When(kind, *(int(f) if f.isdigit() else _MONTH_NAMES[f[:3]] for f in fields))


def _span(a: When, b: When) -> When:
    return When("span", parts=(a, b))


# The time expressions without nesting, each a full-match pattern and its fields.
_ATOM_FORMS = tuple((re.compile(pattern), make) for pattern, make in (
    (r"(\d{4})-(\d{2})-(\d{2})", lambda m: _when("date", m[1], m[2], m[3])),
    (r"(\d{4})-(\d{2})-(\d{2})/(\d{2})",
     lambda m: _span(_when("date", m[1], m[2], m[3]), _when("date", m[1], m[2], m[4]))),
    (r"(\d{4})-(\d{2})", lambda m: _when("month", m[1], m[2])),
    (r"(\d{4})-(\d{2})/(\d{2})",
     lambda m: _span(_when("month", m[1], m[2]), _when("month", m[1], m[3]))),
    (r"(\d{4})-(\d{2})/(\d{4})-(\d{2})",
     lambda m: _span(_when("month", m[1], m[2]), _when("month", m[3], m[4]))),
    (r"(19|20)\d\d", lambda m: When("year", int(m[0]))),
    (rf"{_MON} (\d{{4}})", lambda m: _when("month", m[2], m[1])),
    (rf"{_MON}\s*[-–/]\s*{_MON} (\d{{4}})",
     lambda m: _span(_when("month", m[3], m[1]), _when("month", m[3], m[2]))),
    (r"early (\d{4})", lambda m: When("early", int(m[1]))),
    (r"h([12]) (\d{4})", lambda m: When("half", int(m[2]), n=int(m[1]))),
    (r"first (\d+) months of an unstated year", lambda m: When("first_months", n=int(m[1]))),
    (r"undated", lambda m: When("undated")),
))


def _atom(s: str) -> When | None:
    """One time expression (lower case, no parentheses), or None when it is not one."""
    s = s.strip()
    for pattern, make in _ATOM_FORMS:
        if m := pattern.fullmatch(s):
            return make(m)
    if m := re.fullmatch(r"end (.+)", s):
        inner = _atom(m[1])
        return When("end", parts=(inner,)) if inner and inner.kind in ("year", "month") else None
    for separator in (" to ", "–", "-"):
        if separator in s:
            start, end = s.split(separator, 1)
            a, b = _atom(start), _atom(end)
            if a and b and a.kind != "span" and b.kind != "span":
                return _span(a, b)
    return None


def _times(s: str) -> tuple[tuple[When, ...], str] | None:
    """A list of times ("2021–2022, 2023–2024 and 2025", "2024 or 2025") with its
    conjunction, or None."""
    for conjunction in ("and", "or"):
        if f" {conjunction} " in s:
            head, last = s.rsplit(f" {conjunction} ", 1)
            items = [_atom(x) for x in [*head.split(","), last]]
            if all(items):
                return tuple(items), conjunction
    one = _atom(s)
    return ((one,), "and") if one else None


_RELATIONS = (("as of ", "as_of"), ("article of ", "article"), ("refers to ", "refers_to"),
              ("after ", "after"), ("≤", "not_after"), ("c. ", "circa"),
              ("probably ", "probably"))


def _qualifier(s: str) -> Qualifier | None:
    s = s.strip()
    if s in ("target", "estimate"):
        return Qualifier(s)
    if m := re.fullmatch(r"h([12])", s):
        return Qualifier("half", When("half", n=int(m[1])))
    for prefix, relation in _RELATIONS:
        if s.startswith(prefix) and (when := _atom(s[len(prefix):])):
            return Qualifier(relation, when)
    times = _times(s)
    if times and len(times[0]) == 1:
        return Qualifier("when", times[0][0])
    if times and times[1] == "or":  # "2024 or 2025"
        return Qualifier("when", When("either", parts=times[0]))
    return None


def _parse_part(raw: str) -> PeriodFields:
    low = raw.lower()
    main_text, _, rest = low.partition("(")
    main_text = main_text.strip()
    qualifiers: list[Qualifier] = []
    if rest:
        inner = rest.rsplit(")", 1)[0] if ")" in rest else rest
        found = [_qualifier(x) for x in inner.split(",")]
        if rest.rstrip().endswith(")") and all(found):
            qualifiers = list(found)
        else:  # free text: translated whole, as in the source's own words
            original = raw[raw.index("(") + 1:].rstrip()
            qualifiers = [Qualifier("note", text=original.removesuffix(")").strip())]
    for prefix, relation in _RELATIONS[:1]:  # "as of 2023-09-04" with no other time
        if main_text.startswith(prefix) and (when := _atom(main_text[len(prefix):])):
            return PeriodFields((), (Qualifier(relation, when), *qualifiers), text=raw)
    times = _times(main_text)
    if times is None:
        return PeriodFields((), note=raw, text=raw)
    main, conjunction = times
    half = [q for q in qualifiers if q.relation == "half"]
    if half and len(main) == 1 and main[0].kind == "year":  # "2022 (H1, …)" is the first half
        main = (When("half", main[0].year, n=half[0].when.n),)
        qualifiers = [q for q in qualifiers if q.relation != "half"]
    return PeriodFields(main, tuple(qualifiers), conjunction, text=raw)


def parse_period_fields(text: object) -> tuple[PeriodFields, ...]:
    """Parse a period or date as published into structured fields, one :class:`PeriodFields`
    per ``;``-separated part.

    ``"2023-2024 (article of 2024-08-21)"`` → main ``span(2023, 2024)``, qualifier
    ``article`` ``date(2024-08-21)``; ``"end 2022"`` → ``end(year 2022)``; ``"Aug/Sep 2023"`` →
    ``span(month 2023-08, month 2023-09)``; ``"2025 (refers to 2024)"`` → ``year 2025`` with
    ``refers_to`` ``year 2024``; ``"undated (≤2024)"`` → ``undated`` with ``not_after`` 2024.
    Parenthesised text that is not a time ("(Findex 2025 report)") becomes a ``note``
    qualifier, a part with no time at all a ``note`` field; both are translated through
    ``lib/data/reference/period_notes.csv``. Raises :class:`ParseError` for an empty text.
    """
    raw = normalize_text(text)
    if not raw:
        raise ParseError("empty period or date")
    return tuple(_parse_part(part.strip()) for part in raw.split(";") if part.strip())
