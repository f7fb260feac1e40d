"""Check that every text from the data that reaches a page has its Vietnamese and English form.

The build (:func:`lib.build.pipeline.build_tables`) and ``python -m lib validate`` run
:func:`require_texts` on the processed tables: a missing translation stops them with a message
naming the raw file, row and column of the text and the reference table to complete
(:mod:`lib.data.texts`), so a page never falls back to the original wording.
"""

from __future__ import annotations

import pandas as pd

from lib.data.io import RAW_ROW, DataError
from lib.data.parse import ParseError
from lib.data.paths import REFERENCE_DIR
from lib.data.texts import MissingText, data_text, table_hint, table_path
from lib.messages import LANGUAGES

# processed table → (column, kind of text) that reaches a page
TABLE_TEXTS = {
    "indicators": (("indicator_label", "indicator_name"), ("unit_label", "value_unit"),
                   ("period", "period"), ("unit_name", "unit_name")),
    "dti_scores": (("formula", "formula"), ("unit_name", "unit_name")),
    "dti_national": (("unit_name", "unit_name"),),
    "dti_frameworks": (("framework", "framework"),),
}
# where a processed column comes from in the raw files
RAW_COLUMNS = {"unit_label": "unit", "conflict_ids": "conflict_id"}
SOURCE_TEXTS = (("publisher", "source_publisher", "publisher"), ("date", "source_date", "source_date"),
                ("type", "source_type", "source_type"))


def _problem(kind: str, text: str, file: str, row: int | None, column: str,
             err: Exception) -> DataError:
    if isinstance(err, MissingText):
        return DataError(file, f"no translation: {err}", row, column, text,
                         hint=table_hint(err.kind))
    return DataError(file, str(err), row, column, text,
                     hint="write the period or date as data/raw/README.md shows")


def _check(kind: str, text: str, where: tuple[str, int | None, str], seen: set,
           problems: list[DataError]) -> None:
    if not isinstance(text, str) or not text or (kind, text) in seen:
        return
    seen.add((kind, text))
    for lang in LANGUAGES:
        try:
            data_text(kind, text, lang)
        except (MissingText, ParseError) as err:
            problems.append(_problem(kind, text, *where, err))
            return


def _where(row, column: str) -> tuple[str, int | None, str]:
    return (row.get("raw_file") or "processed data", int(row[RAW_ROW]) if RAW_ROW in row else None,
            RAW_COLUMNS.get(column, column))


def missing_texts(tables: dict[str, pd.DataFrame]) -> list[DataError]:
    """Every text of the processed ``tables`` that would reach a page without a translation.

    Checks ``indicators`` (indicator label, unit label, period, unit names that are not GSO
    names of ``units``), ``dti_scores`` (formulas, unit names), ``dti_national`` (unit names),
    ``dti_frameworks`` (names), the conflicts and caveats cited by any fact
    table (``lib/data/reference/conflicts.csv``), the catalogue's populations (bases) and the
    publisher, date and type of every source a fact row cites. Each text is reported once, at
    the first row that holds it: raw file, line and column, the text, and in the hint the
    reference table to complete. Returns ``[]`` when every text is covered.
    """
    problems: list[DataError] = []
    seen: set = set()
    gso_names = set(tables["units"]["unit_name"]) if "units" in tables else set()
    for name, columns in TABLE_TEXTS.items():
        table = tables.get(name)
        if table is None:
            continue
        for row in table.to_dict("records"):
            for column, kind in columns:
                if kind == "unit_name" and row[column] in gso_names:
                    continue
                _check(kind, row[column], _where(row, column), seen, problems)
    conflicts = pd.read_csv(REFERENCE_DIR / "conflicts.csv", dtype=str, keep_default_na=False)
    conflicts = conflicts.set_index("conflict_id")
    sources = tables.get("sources")
    sources = sources.set_index("source_id") if sources is not None else None
    for name, table in tables.items():
        if "raw_file" not in table or name == "sources":
            continue
        for row in table.to_dict("records"):
            for cid in str(row.get("conflict_ids") or "").split(";"):
                cid = cid.strip()
                if not cid:
                    continue
                if cid not in conflicts.index:
                    file, line, column = _where(row, "conflict_ids")
                    problems.append(DataError(file, "unknown conflict id", line, column, cid,
                                              hint=f"add it to {table_path('conflict_title')}"))
                    continue
                for field, kind in (("title", "conflict_title"), ("description", "conflict_description")):
                    _check(kind, conflicts.at[cid, field], _where(row, "conflict_ids"), seen, problems)
            if sources is None:
                continue
            for sid in str(row.get("source_ids") or "").split(";"):
                if sid in sources.index:
                    for field, column, kind in SOURCE_TEXTS:
                        where = (*_where(row, column)[:2], column)
                        _check(kind, sources.at[sid, field], where, seen, problems)
    catalogue = tables.get("indicator_catalogue")
    if catalogue is not None:
        reference = pd.read_csv(REFERENCE_DIR / "indicator_catalogue.csv", dtype=str)
        lines = {indicator: i + 2 for i, indicator in enumerate(reference["indicator"])}
        for row in catalogue.to_dict("records"):
            where = ("lib/data/reference/indicator_catalogue.csv", lines.get(row["indicator"]),
                     "population")
            _check("base", row["population"], where, seen, problems)
    return problems


def require_texts(tables: dict[str, pd.DataFrame]) -> None:
    """Raise :class:`lib.data.schemas.ValidationError` (table ``texts``) listing every text of
    :func:`missing_texts`; return None when all are translated."""
    from lib.data.schemas import ValidationError

    problems = missing_texts(tables)
    if problems:
        raise ValidationError("texts", problems)
