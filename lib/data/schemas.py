"""Table schemas: run a pandera schema over a processed table and turn its failures into
messages that name the raw file, row and column; the provenance columns every fact table ends
with."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from lib.data.io import RAW_ROW, DataError, Problems

if TYPE_CHECKING:  # pandera is imported where a schema is built or run, not to read tables
    import pandera.pandas as pa


class ValidationError(ValueError):
    """One or more schema failures; ``problems`` is a :class:`lib.data.io.Problems` of
    :class:`lib.data.io.DataError` (a plain list is converted; past 1,000 problems are counted)."""

    def __init__(self, table_name: str, problems: list[DataError]):
        problems = problems if isinstance(problems, Problems) else Problems(problems)
        self.table_name, self.problems = table_name, problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {problems.total - 50:,} more" if problems.total > 50 else ""
        super().__init__(f"{problems.total:,} problem(s) in table {table_name!r}:\n{lines}{more}")


def describe_failures(failures: pd.DataFrame, table: pd.DataFrame, table_name: str) -> list[DataError]:
    """Turn pandera ``failure_cases`` into located problems.

    A failure on a row of ``table`` is reported against that row's ``raw_file`` and
    ``raw_row`` when the table has them (so the message points into ``data/raw``), else
    against the processed table and its 0-based index.
    """
    problems = []
    for case in failures.itertuples(index=False):
        index = case.index
        column = case.column if isinstance(case.column, str) else None
        file, row = f"processed table {table_name}", None
        if index is not None and not pd.isna(index) and index in table.index:
            if "raw_file" in table and table.at[index, "raw_file"]:
                file, row = table.at[index, "raw_file"], int(table.at[index, RAW_ROW])
            else:
                row = int(index)
        check = str(case.check)
        if column == table_name or column is None:
            column = None  # a table-wide check: name the row only
        problems.append(DataError(file, f"fails check {check}", row, column, case.failure_case))
    # one message per (file, row, check): table-wide checks list every cell of the row
    unique = {(p.file, p.row, p.column, p.problem): p for p in problems}
    return list(unique.values())


def validate_table(table: pd.DataFrame, schema: pa.DataFrameSchema, table_name: str) -> pd.DataFrame:
    """Validate ``table`` against ``schema`` and return it.

    Raises :class:`ValidationError` listing every failure (all checks run: lazy validation).
    """
    from pandera.errors import SchemaErrors

    try:
        return schema.validate(table, lazy=True)
    except SchemaErrors as err:
        raise ValidationError(table_name, describe_failures(err.failure_cases, table,
                                                             table_name)) from None


def provenance_columns() -> dict[str, pa.Column]:
    """The columns every processed fact table ends with, so each value traces back to a raw
    file row and its cited sources: ``formula``, ``conflict_ids``, ``conflict_status``
    (``conflicting``, ``caveat`` or ``""``), ``source_ids``, ``source_type``, ``note``,
    ``raw_file`` (str) and ``raw_row`` (int64)."""
    import pandera.pandas as pa

    from lib.data.sources import SOURCE_TYPES

    return {
        "formula": pa.Column(str),
        "conflict_ids": pa.Column(str),
        "conflict_status": pa.Column(str, pa.Check.isin(["conflicting", "caveat", ""])),
        "source_ids": pa.Column(str),
        "source_type": pa.Column(str, pa.Check.isin([*SOURCE_TYPES, ""])),
        "note": pa.Column(str),
        "raw_file": pa.Column(str),
        RAW_ROW: pa.Column("int64"),
    }
