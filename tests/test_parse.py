"""Table-driven tests of lib.data.parse (one table per kind of messy value) and round-trip properties."""

from __future__ import annotations

import codecs
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.data.io import detect_encoding, read_raw_csv
from lib.data.parse import (ParseError, fold_text, infer_decimal_mark, normalize_text, parse_number,
                       parse_period, parse_rank, parse_value, share_convention)

# --- approximate values ("just under 559", "gần 559", "about 750")


@pytest.mark.parametrize("text, value, high", [
    ("just under 559", 559.0, 559.0),
    ("gần 559", 559.0, 559.0),
    ("about 750", 750.0, None),
    ("khoảng 750", 750.0, None),
    ("~ 0,75", 0.75, None),
])
def test_approximate_values(text, value, high):
    parsed = parse_value(text, decimal=None)
    assert (parsed.value, parsed.status, parsed.high) == (value, "approximate", high)


# --- ranges ("65-70")


@pytest.mark.parametrize("text, low, high", [
    ("65-70", 65, 70), ("65–70%", 65, 70), ("từ 65 đến 70", 65, 70), ("0,5 - 1,5", 0.5, 1.5),
])
def test_ranges(text, low, high):
    parsed = parse_value(text, decimal=",")
    assert (parsed.status, parsed.low, parsed.high, parsed.value) == \
        ("range", low, high, (low + high) / 2)


def test_backward_range_is_an_error():
    with pytest.raises(ParseError, match="backwards"):
        parse_value("70-65")


# --- fractions ("17/17")


@pytest.mark.parametrize("text, value, denominator", [
    ("17/17", 17, 17), ("12 of 89 (13.48%)", 12, 89), ("3 trên 9", 3, 9),
])
def test_fractions(text, value, denominator):
    parsed = parse_value(text)
    assert (parsed.value, parsed.denominator, parsed.status) == (value, denominator, "reported")


def test_zero_denominator_is_an_error():
    with pytest.raises(ParseError, match="zero denominator"):
        parse_value("3/0")


# --- "more than" values and other bounds


@pytest.mark.parametrize("text, decimal, status, value", [
    ("more than 873", ".", "lower_bound", 873),
    ("hơn 2.000", ",", "lower_bound", 2000),
    ("trên 90%", ",", "lower_bound", 90),
    ("at least 5", ".", "lower_bound", 5),
    ("dưới 10", ".", "upper_bound", 10),
    ("top 15", ".", "upper_bound", 15),
])
def test_bounds(text, decimal, status, value):
    parsed = parse_value(text, decimal=decimal)
    assert (parsed.status, parsed.value) == (status, value)
    assert (parsed.low if status == "lower_bound" else parsed.high) == value


# --- missing values: empty vs zero vs "-" vs "n/a", footnote markers


@pytest.mark.parametrize("text, value, status, footnote", [
    ("", None, "missing", ""), ("-", None, "missing", ""), ("n/a", None, "missing", ""),
    ("không có", None, "missing", ""), ("0", 0.0, "reported", ""),
    ("744,21*", 744.21, "reported", "*"), ("85 (1)", 85.0, "reported", "(1)"),
    ("631²", 631.0, "reported", "²"),
])
def test_missing_zero_and_footnotes(text, value, status, footnote):
    parsed = parse_value(text, decimal=",")
    assert (parsed.value, parsed.status, parsed.footnote) == (value, status, footnote)


# --- periods written as text


@pytest.mark.parametrize("text, start, end, target", [
    ("2023", 2023, 2023, False), ("end 2022", 2022, 2022, False),
    ("2021 (as of 2021-05-30)", 2021, 2021, False), ("2023-2024 (article of 2024-08-21)", 2023,
                                                      2024, False),
    ("Jan-Aug 2023", 2023, 2023, False), ("2025 (target)", 2025, 2025, True),
    ("undated (≤2024)", None, None, False), ("năm 2024 (mục tiêu)", 2024, 2024, True),
])
def test_periods(text, start, end, target):
    period = parse_period(text)
    assert (period.start_year, period.end_year, period.is_target) == (start, end, target)


def test_period_without_year_is_an_error():
    with pytest.raises(ParseError, match="cannot find a year"):
        parse_period("gần đây")


# --- 0–1 index vs 1,000-point scales, "%" vs 0–1 shares


@pytest.mark.parametrize("index_text, points_text, decimal", [
    ("0,4880", "488", ","), ("0.7442", "744.2", "."), ("0,744213", "744,213", ","),
])
def test_index_and_points_scales_agree(index_text, points_text, decimal):
    index = parse_value(index_text, decimal=decimal).value
    points = parse_value(points_text, decimal=decimal).value
    assert index * 1000 == pytest.approx(points)


@pytest.mark.parametrize("texts, convention", [
    (["85%", "0.9"], "percent"), (["0.85", "0.9", "1"], "0-1"), (["85", "90"], "percent"),
    (["0", "1"], "percent"), ([], "percent"),
])
def test_share_convention(texts, convention):
    assert share_convention([parse_value(t) for t in texts]) == convention


# --- ranks, including ties


@pytest.mark.parametrize("text, rank_of, rank, low, high, status, tied", [
    ("5", None, 5, 5, 5, "reported", False), ("5th", None, 5, 5, 5, "reported", False),
    ("thứ 5", None, 5, 5, 5, "reported", False), ("8-9", 9, None, 8, 9, "range", False),
    ("last", 9, 9, 9, 9, "reported", False), ("last two", 63, None, 62, 63, "range", False),
    ("bottom 3", 34, None, 32, 34, "range", False), ("=15", 63, 15, 15, 15, "reported", True),
    ("15=", 63, 15, 15, 15, "reported", True), ("đồng hạng 15", 63, 15, 15, 15, "reported", True),
    ("15 (tied)", 63, 15, 15, 15, "reported", True), ("", 9, None, None, None, "missing", False),
])
def test_ranks_and_ties(text, rank_of, rank, low, high, status, tied):
    parsed = parse_rank(text, rank_of)
    assert (parsed.rank, parsed.low, parsed.high, parsed.status, parsed.tied) == \
        (rank, low, high, status, tied)


@pytest.mark.parametrize("text, rank_of", [("12", 9), ("abc", None), ("0-2", 9)])
def test_bad_ranks(text, rank_of):
    with pytest.raises(ParseError):
        parse_rank(text, rank_of)


# --- Vietnamese and English decimal and thousands separators


@pytest.mark.parametrize("text, decimal, expected", [
    ("1.234,5", ",", 1234.5), ("1,234.5", ".", 1234.5), ("0,4880", ",", 0.488),
    ("2.700", ",", 2700.0), ("2.700", ".", 2.7), ("2 700", ",", 2700.0),
    ("1.234.567", ",", 1234567),
    ("1.234", ",", 1234.0), ("1.234", ".", 1.234), ("-12,5", ",", -12.5),
    ("1.234,5", None, 1234.5), ("0,4880", None, 0.488), ("12.5", None, 12.5),
])
def test_separators(text, decimal, expected):
    assert parse_number(text, decimal) == expected


@pytest.mark.parametrize("text, decimal, message", [
    ("1.234", None, "ambiguous"), ("1,23", ".", "not a thousands separator"),
    ("0.488", ",", "not a thousands separator"), ("1,2,3", ",", "several decimal marks"),
    ("12a", ".", "not a number"), ("1.234.5", ".", "several decimal marks"),
])
def test_separator_errors(text, decimal, message):
    with pytest.raises(ParseError, match=message):
        parse_number(text, decimal)


@pytest.mark.parametrize("texts, mark", [
    (["87,5", "1.234"], ","), (["744.213", "631"], None), (["0.4880"], "."),
    (["1.234.567"], ","), (["1,234.5"], "."), (["0,75", "12"], ","),
])
def test_infer_decimal_mark(texts, mark):
    assert infer_decimal_mark(texts)[0] == mark


def test_infer_decimal_mark_refuses_mixed_conventions():
    with pytest.raises(ParseError, match="both decimal marks"):
        infer_decimal_mark(["12,5", "0.75"])


# --- UTF-8 with or without BOM


@pytest.mark.parametrize("prefix, encoding", [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8-sig")])
def test_utf8_with_or_without_bom(tmp_path, prefix, encoding):
    data = prefix + "unit_name,score\nLập Thạch,744.213\n".encode("utf-8")
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    assert detect_encoding(data) == encoding
    table = read_raw_csv(path)
    assert list(table.columns) == ["unit_name", "score", "raw_row"]
    assert table.loc[0, "unit_name"] == "Lập Thạch"


# --- NFC / NFD diacritics


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize("name", ["Lập Thạch", "Vĩnh Phúc", "Tam Đảo", "Thành phố Vĩnh Yên"])
def test_nfc_nfd(name, form):
    written = unicodedata.normalize(form, name)
    assert normalize_text(written) == unicodedata.normalize("NFC", name)
    assert fold_text(written) == fold_text(name)
    assert fold_text(written).isascii()


# --- properties: format a number in either convention and parse it back


def _format(value: Decimal, decimal: str, grouping: bool) -> str:
    thousands = "," if decimal == "." else "."
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    if grouping:
        integer = f"{int(integer):,}".replace(",", thousands)
    return sign + integer + (decimal + fraction if fraction else "")


numbers = st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False,
                      allow_infinity=False)


@given(numbers, st.sampled_from([".", ","]), st.booleans())
def test_round_trip_either_convention(value, decimal, grouping):
    text = _format(value, decimal, grouping)
    assert parse_number(text, decimal) == pytest.approx(float(value), abs=1e-9)
    assert parse_value(text, decimal).value == pytest.approx(float(value), abs=1e-9)


@given(numbers, st.sampled_from([".", ","]))
def test_inferred_mark_never_gives_a_wrong_number(value, decimal):
    text = _format(value, decimal, grouping=True)
    try:
        parsed = parse_number(text, None)
    except ParseError:
        return  # ambiguous text is refused, never guessed
    assert parsed == pytest.approx(float(value), abs=1e-9)


@given(numbers, st.sampled_from([".", ","]))
def test_wrong_convention_never_passes_silently_with_a_fraction(value, decimal):
    """A number with a fraction part of 1–2 digits, read in the other convention, is refused."""
    value = value.quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        return
    text = _format(value, decimal, grouping=False)
    other = "," if decimal == "." else "."
    with pytest.raises(ParseError):
        parse_number(text, other)
