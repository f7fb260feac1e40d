"""Check raw files without building anything and list every problem as a table (the schema
helpers themselves are in :mod:`lib.data.schemas`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.data.io import DataError, Problems
from lib.data.schemas import ValidationError


REPORT_COLUMNS = ["severity", "file", "sheet", "row", "column", "value", "problem", "hint"]


def problems_table(problems: list[DataError]) -> pd.DataFrame:
    """One row per problem, errors first.

    Returns
    -------
    DataFrame
        ``severity`` str (``error``/``warning``), ``file`` str (file name), ``sheet`` str,
        ``row`` Int64 (line or sheet row), ``column`` str, ``value`` str, ``problem`` str,
        ``hint`` str; ``""`` where a field does not apply.
    """
    records = [{
        "severity": p.severity, "file": Path(p.file).name, "sheet": p.sheet or "",
        "row": p.row, "column": p.column or "",
        "value": "" if p.value is None else str(p.value), "problem": p.problem, "hint": p.hint,
    } for p in problems]
    table = pd.DataFrame.from_records(records, columns=REPORT_COLUMNS)
    table["row"] = table["row"].astype("Int64")
    order = table["severity"].map({"error": 0, "warning": 1})
    return table.assign(_o=order).sort_values(["_o", "file", "sheet", "row"], kind="stable") \
        .drop(columns="_o").reset_index(drop=True)


def format_problems(problems: list[DataError], width: int = 60) -> str:
    """A plain-text table of :func:`problems_table` (long cells shortened to ``width``)."""
    table = problems_table(problems)
    if table.empty:
        return ""
    cells = table.astype(object).where(table.notna(), "").astype(str)
    cells = cells.map(lambda s: s if len(s) <= width else s[: width - 1] + "…")
    widths = {c: max(len(c), *cells[c].map(len)) for c in cells}
    lines = ["  ".join(c.ljust(widths[c]) for c in cells)]
    lines.append("  ".join("-" * widths[c] for c in cells))
    lines += ["  ".join(row[c].ljust(widths[c]) for c in cells).rstrip()
              for _, row in cells.iterrows()]
    return "\n".join(lines)


def validate_paths(paths: list[str | Path] | None = None, raw_dir: Path | None = None
                   ) -> list[DataError]:
    """Check raw files without building anything; return every problem found.

    Parameters
    ----------
    paths
        Files or folders (each data file in them) to check; None or empty checks every data
        file of ``raw_dir``.
    raw_dir
        The raw folder (default ``data/raw``); curated CSVs there are checked by running their
        cleaning and schemas in memory, staff files (sidecar with ``shape``) and files outside
        it by :mod:`lib.staff.ingest`.

    Returns
    -------
    Problems
        Errors and warnings (``severity``), the first 1,000 in full and the others counted by
        kind (:class:`lib.data.io.Problems`); never raises for a problem in the input.
    """
    from lib.build import pipeline
    from lib.data.datasets import DATASETS
    from lib.data.paths import RAW_DIR
    from lib.data.sources import load_sidecar, raw_data_files, sidecar_path
    from lib.staff import ingest
    from lib.staff.tables import DATA_SUFFIXES

    raw_dir = Path(raw_dir or RAW_DIR).resolve()
    paths = [f for p in map(Path, paths) for f in (raw_data_files(p) if p.is_dir() else [p])] \
        if paths else raw_data_files(raw_dir)
    curated = {f for module in DATASETS.values() for f in module.RAW_FILES}
    problems = Problems()
    staff: list[tuple[Path, dict | None]] = []
    check_curated = False
    for path in paths:
        in_raw = path.resolve().parent == raw_dir
        if not path.is_file():
            problems.append(DataError(path, "file not found"))
            continue
        if path.suffix.lower() not in DATA_SUFFIXES:
            problems.append(DataError(path, f"unsupported file type {path.suffix!r}",
                                      hint="give a .csv, .txt (tab-separated) or .xlsx file"))
            continue
        meta = None
        if sidecar_path(path).exists() or in_raw:
            try:
                meta = load_sidecar(path)
            except DataError as err:
                problems.append(err)
                if in_raw:
                    continue
        else:
            problems.append(DataError(
                path, f"no provenance sidecar {sidecar_path(path).name}", severity="warning",
                hint="`python -m lib data` uses a file only with a sidecar that says what it "
                     "feeds (see README)"))
        if in_raw and not ingest.is_staff_file(meta):
            # a curated CSV: checked by the build's own cleaning (files no table uses are
            # not read by the build, so they cannot fail it)
            check_curated = check_curated or path.name in curated
        else:
            staff.append((path, meta))
    reference = None
    if check_curated:
        try:
            tables = pipeline.build_tables(raw_dir, staff_files=False)
            reference = tables["dti_scores"]
            problems += pipeline.unit_name_problems(tables, "error")
        except DataError as err:  # a bad sidecar stops the build: it is reported above already
            if not any((p.file, p.problem) == (err.file, err.problem) for p in problems):
                problems.append(err)
        except ValidationError as err:
            problems += err.problems
    elif staff:
        reference = published_scores(str(raw_dir))
    if staff:
        _, _, found = ingest.read_files(staff, reference)
        problems += found
    return problems


@lru_cache(maxsize=2)
def published_scores(raw_dir: str) -> pd.DataFrame | None:
    """``dti_scores`` cleaned from the curated raw files of ``raw_dir`` (None if they fail);
    used to compare staff files with already-published values."""
    from lib.data.datasets import dti_scores
    from lib.data.io import read_raw_csv

    try:
        raw = {name: read_raw_csv(Path(raw_dir) / name) for name in dti_scores.RAW_FILES}
        return dti_scores.clean(raw)
    except (DataError, OSError):
        return None
