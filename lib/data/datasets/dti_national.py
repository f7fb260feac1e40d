"""``dti_national``: national DTI, means across provinces and ministries, ministry values.

Rows × columns: one row per published figure.

- ``reference_year`` int64; ``level`` str (``national``, ``provincial_mean``,
  ``ministerial_mean``, ``ministry``, ``count``); ``unit_name`` str; ``measure`` str.
- ``value`` float64 (NaN when missing); ``scale`` str (``0-1``, ``count``, ``percent``,
  ``unclear``); ``value_status`` str; ``rank`` Int64; ``formula``, ``conflict_ids``,
  ``conflict_status``, ``source_ids``, ``source_type``, ``note``, ``raw_file``, ``raw_row``.

Source: ``dti_national_aggregates.csv`` (press citing MIC/MOST; weak rows flagged in ``note``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from lib.data.datasets.dti_scores import _conflict_kinds, conflict_status
from lib.data.io import RAW_ROW, DataError
from lib.data.parse import VALUE_STATUSES, ParseError, parse_value
from lib.data.schemas import provenance_columns
from lib.data.sources import best_source_type, row_source_ids

if TYPE_CHECKING:
    import pandera.pandas as pa

RAW_FILES = ("dti_national_aggregates.csv",)


@lru_cache(maxsize=None)
def schema() -> pa.DataFrameSchema:
    """The pandera schema of the processed ``dti_national`` table (pandera is imported on
    first use: reading and analysing the tables does not need it)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "reference_year": pa.Column("int64"),
            "level": pa.Column(str, pa.Check.isin(
                ["national", "provincial_mean", "ministerial_mean", "ministry", "count"])),
            "unit_name": pa.Column(str),
            "measure": pa.Column(str),
            "value": pa.Column("float64", nullable=True),
            "scale": pa.Column(str, pa.Check.isin(["0-1", "count", "percent", "unclear"])),
            "value_status": pa.Column(str, pa.Check.isin(VALUE_STATUSES)),
            "rank": pa.Column("Int64", nullable=True),
            **provenance_columns(),
        },
        checks=[pa.Check(lambda t: (t["scale"] != "0-1") | t["value"].isna()
                         | t["value"].between(0, 1), name="index_within_0_1",
                         error="a 0–1 index value must be within 0–1")],
        strict=True,
        name="dti_national",
    )


def clean(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Build ``dti_national`` (columns in the module docstring). Raises ``DataError``."""
    file = RAW_FILES[0]
    table = raw[file]
    values, ranks = [], []
    for row in table.to_dict("records"):
        try:
            values.append(parse_value(row["value"], decimal=".").value)
        except ParseError as err:
            raise DataError(file, str(err), row[RAW_ROW], "value", row["value"]) from None
        if row["rank"] and not row["rank"].isdigit():
            raise DataError(file, "rank is not a whole number", row[RAW_ROW], "rank", row["rank"])
        ranks.append(int(row["rank"]) if row["rank"] else None)
    kinds = _conflict_kinds()
    return pd.DataFrame({
        "reference_year": table["reference_year"].astype("int64"),
        "level": table["level"],
        "unit_name": table["unit_name"],
        "measure": table["measure"],
        "value": pd.to_numeric(pd.Series(values, index=table.index)).astype("float64"),
        "scale": table["scale"],
        "value_status": table["value_status"],
        "rank": pd.array(ranks, dtype="Int64"),
        "formula": table["formula"],
        "conflict_ids": table["conflict_id"],
        "conflict_status": table["conflict_id"].map(lambda s: conflict_status(s, kinds)),
        "source_ids": row_source_ids(table),
        "source_type": best_source_type(table),
        "note": table["note"],
        "raw_file": file,
        RAW_ROW: table[RAW_ROW].astype("int64"),
    })
