"""lib.staff.unit_names: names in any common form resolve to the GSO code valid in the data's year."""

from __future__ import annotations

import unicodedata

import pytest

from lib.staff.unit_names import UnitNameError, default_resolver, split_unit_prefix


@pytest.fixture(scope="module")
def resolver():
    return default_resolver()


@pytest.mark.parametrize("name, code", [
    ("Huyện Lập Thạch", "246"), ("Lập Thạch", "246"), ("Lap Thach", "246"), ("lap thach", "246"),
    ("H. Lập Thạch", "246"), ("UBND huyện Lập Thạch", "246"), ("TP. Vĩnh Yên", "243"),
    ("Thành phố Vĩnh Yên", "243"), ("TP Vinh Yen", "243"), ("Thị xã Phúc Yên", "244"),
    ("Tam Đảo", "248"), ("Sông Lô", "253"), ("246", "246"),
    (unicodedata.normalize("NFD", "Huyện Lập Thạch"), "246"),
    (unicodedata.normalize("NFD", "Thành phố Vĩnh Yên"), "243"),
])
def test_district_names_resolve(resolver, name, code):
    assert resolver.resolve(name, year=2023, level="district", parent_code="26").code == code


@pytest.mark.parametrize("name, level, code", [
    ("Thị trấn Lập Thạch", "commune", "08761"), ("Huyện Lập Thạch", None, "246"),
    ("TT Lập Thạch", None, "08761"), ("Tỉnh Vĩnh Phúc", "province", "26"),
])
def test_type_prefix_disambiguates(resolver, name, level, code):
    assert resolver.resolve(name, year=2024, level=level).code == code


def test_ambiguous_name_lists_candidates(resolver):
    with pytest.raises(UnitNameError, match="ambiguous") as err:
        resolver.resolve("Lập Thạch", year=2024)
    assert "Huyện Lập Thạch (246)" in err.value.hint
    assert "Thị trấn Lập Thạch (08761)" in err.value.hint


@pytest.mark.parametrize("name, suggestion", [
    ("Lập Thạc", "Huyện Lập Thạch (246)"), ("Vinh Tuong x", "Huyện Vĩnh Tường (252)"),
    ("Tam Dươngg", "Huyện Tam Dương (247)"),
])
def test_unknown_name_suggests_closest(resolver, name, suggestion):
    with pytest.raises(UnitNameError, match="unknown unit name") as err:
        resolver.resolve(name, year=2023, level="district")
    assert suggestion in err.value.suggestions


def test_unit_outside_its_validity(resolver):
    with pytest.raises(UnitNameError, match="did not exist in 2026"):
        resolver.resolve("Huyện Lập Thạch", year=2026, level="district")


def test_reused_province_code_is_one_unit(resolver):
    assert resolver.resolve("Phú Thọ", year=2024, level="province").code == "25"
    assert resolver.resolve("Phú Thọ", year=2026, level="province").code == "25"


def test_unknown_code(resolver):
    with pytest.raises(UnitNameError, match="unknown unit code '999'"):
        resolver.resolve("999", year=2023)


@pytest.mark.parametrize("text, unit_type, rest", [
    ("TP. Vĩnh Yên", "Thành phố", "vinh yen"), ("Huyện Lập Thạch", "Huyện", "lap thach"),
    ("UBND huyện Sông Lô", "Huyện", "song lo"), ("Lập Thạch", "", "lap thach"),
    ("Thị trấn Tam Đảo", "Thị trấn", "tam dao"), ("Huyện", "", "huyen"),
])
def test_split_unit_prefix(text, unit_type, rest):
    assert split_unit_prefix(text) == (unit_type, rest)
