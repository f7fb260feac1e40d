"""``units``: administrative units (country, provinces, districts, communes) with GSO codes.

Rows × columns: one row per unit and validity period (a code can be reused: province 25 is
Phú Thọ before and after the 2025 merger, with different territory).

- ``unit_code`` str: GSO code, zero-padded (``"26"`` province, ``"246"`` district,
  ``"08707"`` commune); ``"VN"`` for Vietnam.
- ``unit_name`` str (NFC, as published, without the type prefix, except where the type is part
  of the proper name: "Thành phố Hồ Chí Minh", :data:`NAMES_WITH_TYPE`);
  ``unit_type`` str (``Tỉnh``, ``Thành phố``, ``Huyện``, ``Phường``, ``Xã``, ``Thị trấn``…).
- ``unit_level`` str: ``country``, ``province``, ``district`` or ``commune``.
- ``parent_code`` str or NA; ``valid_from`` / ``valid_to`` date strings (ISO) or NA (open).
- ``successor_code`` str or NA: the unit that took over after 2025-07-01.
- ``name_variants`` str (``;``-joined other spellings); ``raw_file`` str; ``raw_row`` int64;
  ``source_ids`` str.

A unit renamed under the same code (``admin_unit_renames.csv``: Tỉnh Thừa Thiên Huế became
Thành phố Huế on 2025-01-01, NQ 175/2024/QH15) has one row per name: the old name ends the day
before ``renamed_on``.

Sources: GSO administrative-unit snapshots (daohoangson/dvhcvn), the 2025 crosswalk
(dvhcvn/20250701, NQ 202/2025/QH15, NQ 1676/NQ-UBTVQH15) and the renames' legal bases; see the
raw files' sidecars.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from lib.data.constants import UNIT_LEVELS
from lib.data.io import RAW_ROW
from lib.data.sources import row_source_ids

if TYPE_CHECKING:
    import pandera.pandas as pa


@dataclass(frozen=True)
class Unit:
    """One administrative unit as valid in a reference year: ``code`` (GSO, str), ``name``
    (NFC, without the type word), ``unit_type``, ``level`` (:data:`UNIT_LEVELS`),
    ``parent_code`` (None for a province or the country) and ``parent_name`` (None when the
    caller did not look it up). Built by :func:`lib.analysis.queries.get_unit` and by the
    staff workbooks' name resolver (:mod:`lib.staff.unit_names`)."""

    code: str
    name: str
    unit_type: str
    level: str
    parent_code: str | None
    parent_name: str | None = None


RAW_FILES = ("admin_provinces_2025_merger.csv", "admin_districts_vinhphuc.csv",
             "admin_communes_vinhphuc.csv", "admin_unit_renames.csv")
REFORM_DATE = "2025-07-01"
LAST_DAY_BEFORE_REFORM = "2025-06-30"
# names whose type word is part of the proper name ("Hồ Chí Minh" alone names a person)
NAMES_WITH_TYPE = ("Thành phố Hồ Chí Minh",)
_TYPE_PREFIXES = ("Thành phố", "Tỉnh", "Huyện", "Thị xã", "Quận", "Phường", "Xã", "Thị trấn")


@lru_cache(maxsize=None)
def schema() -> pa.DataFrameSchema:
    """The pandera schema of the processed ``units`` table (pandera is imported on
    first use: reading and analysing the tables does not need it)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "unit_code": pa.Column(str, pa.Check.str_matches(r"^(VN|\d{2}|\d{3}|\d{5})$")),
            "unit_name": pa.Column(str, pa.Check.str_length(min_value=1)),
            "unit_type": pa.Column(str),
            "unit_level": pa.Column(str, pa.Check.isin(UNIT_LEVELS)),
            "parent_code": pa.Column(str, nullable=True),
            "valid_from": pa.Column(str, nullable=True),
            "valid_to": pa.Column(str, nullable=True),
            "successor_code": pa.Column(str, nullable=True),
            "name_variants": pa.Column(str),
            "raw_file": pa.Column(str),
            RAW_ROW: pa.Column("int64"),
            "source_ids": pa.Column(str),
        },
        unique=["unit_level", "unit_code", "valid_from"],
        strict=True,
        name="units",
    )


def split_type(name: str) -> tuple[str, str]:
    """``"Tỉnh Vĩnh Phúc"`` → ``("Tỉnh", "Vĩnh Phúc")``; a name without prefix → ``("", name)``."""
    for prefix in _TYPE_PREFIXES:
        if name.startswith(prefix + " "):
            return prefix, name[len(prefix) + 1:]
    return "", name


def _provinces(merger: pd.DataFrame) -> pd.DataFrame:
    sources = row_source_ids(merger)
    old = pd.DataFrame({
        "unit_code": merger["old_province_code"],
        "full_name": merger["old_province_name"],
        "valid_from": pd.NA,
        "valid_to": LAST_DAY_BEFORE_REFORM,
        "successor_code": merger["new_province_code_2025_07"],
        RAW_ROW: merger[RAW_ROW],
        "source_ids": sources,
    })
    new = pd.DataFrame({
        "unit_code": merger["new_province_code_2025_07"],
        "full_name": merger["new_province_name_2025_07"],
        "valid_from": REFORM_DATE,
        "valid_to": pd.NA,
        "successor_code": pd.NA,
        RAW_ROW: merger[RAW_ROW],
        "source_ids": sources,
    }).drop_duplicates("unit_code")
    both = pd.concat([old, new], ignore_index=True)
    split = both["full_name"].map(split_type)
    both["unit_type"] = [t or "Tỉnh" for t, _ in split]
    both["unit_name"] = [full if full in NAMES_WITH_TYPE else n
                         for full, (_, n) in zip(both["full_name"], split)]
    both["name_variants"] = both["full_name"]
    both["unit_level"] = "province"
    both["parent_code"] = "VN"
    both["raw_file"] = RAW_FILES[0]
    return both.drop(columns="full_name")


def _districts(districts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_code": districts["unit_code"],
        "unit_name": districts["unit_name"],
        "unit_type": districts["unit_type"],
        "unit_level": "district",
        "parent_code": districts["parent_code"],
        "valid_from": pd.NA,
        "valid_to": LAST_DAY_BEFORE_REFORM,
        "successor_code": pd.NA,  # the district level was abolished: no successor unit
        "name_variants": districts["unit_type"] + " " + districts["unit_name"],
        "raw_file": RAW_FILES[1],
        RAW_ROW: districts[RAW_ROW],
        "source_ids": row_source_ids(districts),
    })


def _communes(communes: pd.DataFrame) -> pd.DataFrame:
    split = communes["unit_name"].map(split_type)
    ended_early = communes["exists_2025_03_01"].str.lower() != "true"
    return pd.DataFrame({
        "unit_code": communes["unit_code"],
        "unit_name": [n for _, n in split],
        "unit_type": communes["unit_type"],
        "unit_level": "commune",
        "parent_code": communes["parent_code"],
        "valid_from": pd.NA,
        # communes merged before the 2025 reform end at their last GSO snapshot
        "valid_to": communes["last_seen_snapshot"].where(ended_early, LAST_DAY_BEFORE_REFORM),
        "successor_code": communes["new_unit_code_2025_07"].replace("", pd.NA),
        "name_variants": (communes["unit_name"] + ";" + communes["name_variants"]).str.strip(";"),
        "raw_file": RAW_FILES[2],
        RAW_ROW: communes[RAW_ROW],
        "source_ids": row_source_ids(communes),
    })


def _apply_renames(units: pd.DataFrame, renames: pd.DataFrame) -> pd.DataFrame:
    """Split each renamed unit's row valid on ``renamed_on`` in two: the old name until the day
    before, the new one from that day; either name is a variant of every row of the code. Raises :class:`lib.data.io.DataError` naming the row when no
    unit of that level and code is valid on that day."""
    from lib.data.io import DataError

    for _, change in renames.iterrows():
        day = change["renamed_on"]
        mask = ((units["unit_level"] == change["unit_level"]) & (units["unit_code"] == change["unit_code"])
                & (units["valid_from"].isna() | (units["valid_from"] < day))
                & (units["valid_to"].isna() | (units["valid_to"] >= day)))
        if not mask.any():
            raise DataError(RAW_FILES[3], f"row {change[RAW_ROW]}, column unit_code: no "
                            f"{change['unit_level']} {change['unit_code']} is valid on {day}")
        current = units[mask].iloc[0]
        before_type, before_name = split_type(change["name_before"])
        sources = row_source_ids(renames.loc[[change.name]]).iloc[0]
        before = current.copy()
        before[["unit_name", "unit_type", "valid_to", "successor_code", "name_variants", "raw_file",
                RAW_ROW, "source_ids"]] = [
            before_name, before_type or current["unit_type"],
            (pd.Timestamp(day) - pd.Timedelta(days=1)).date().isoformat(), change["unit_code"],
            f"{change['name_before']};{change['name_after']}", RAW_FILES[3], change[RAW_ROW], sources]
        # the same unit under either name: a file that writes "Huế" for 2023 still resolves
        same = (units["unit_level"] == change["unit_level"]) & (units["unit_code"] == change["unit_code"])
        units.loc[same, "name_variants"] = units.loc[same, "name_variants"] + ";" + change["name_before"]
        units.loc[mask, "valid_from"] = day
        units = pd.concat([units, before.to_frame().T], ignore_index=True)
    return units


def clean(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Build ``units`` from the administrative raw files (see the module docstring)."""
    country = pd.DataFrame([{
        "unit_code": "VN", "unit_name": "Việt Nam", "unit_type": "Quốc gia",
        "unit_level": "country", "parent_code": pd.NA, "valid_from": pd.NA, "valid_to": pd.NA,
        "successor_code": pd.NA, "name_variants": "Vietnam;Viet Nam", "raw_file": "",
        RAW_ROW: 0, "source_ids": "",
    }])
    units = pd.concat(
        [country, _provinces(raw[RAW_FILES[0]]), _districts(raw[RAW_FILES[1]]),
         _communes(raw[RAW_FILES[2]])],
        ignore_index=True,
    )
    units = _apply_renames(units, raw[RAW_FILES[3]])
    units[RAW_ROW] = units[RAW_ROW].astype("int64")
    columns = list(schema().columns)
    return units[columns].astype({c: object for c in columns if c != RAW_ROW})
