"""Run table schemas and turn failures into messages that name the file, row and column."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from lib.io import RAW_ROW, DataError


class ValidationError(ValueError):
    """One or more schema failures; ``problems`` is a list of :class:`lib.io.DataError`."""

    def __init__(self, table_name: str, problems: list[DataError]):
        self.table_name, self.problems = table_name, problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in table {table_name!r}:\n{lines}{more}")


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
    try:
        return schema.validate(table, lazy=True)
    except SchemaErrors as err:
        raise ValidationError(table_name, describe_failures(err.failure_cases, table,
                                                             table_name)) from None
