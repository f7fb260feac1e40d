"""Read DTI results as staff keep them: Excel workbooks and CSV exports of any common shape.

Load inputs / process / save outputs, per file:

1. **Load**: :func:`lib.data.io.read_csv_grid` (encoding and delimiter detected) or
   :func:`lib.data.io.read_workbook_grids` (every sheet, merged cells filled).
2. **Find the table** in each sheet: the header rows are the first rows whose cells match the
   alias table ``lib/data/reference/aliases.csv`` (a unit column and indicator or value columns);
   group headers above them, column-number rows ("(1) (2) (3)") below them, title and note rows
   above or below the table are recognised and skipped.
3. **Shape**: *wide* (one row per unit, one column per indicator: ``dti_workbook``) or *long*
   (one row per unit × indicator with a value column: ``dti_long``).
4. **Cells → observations**: unit names → GSO codes (:mod:`lib.staff.unit_names`), numbers through
   :func:`lib.data.parse.parse_value` with the file's decimal mark (from the sidecar, else detected
   from unambiguous cells), ranks through :func:`lib.data.parse.parse_rank`.
5. **Checks** (:func:`check_observations`): scores within 0–maximum, the 0–1 vs points scale,
   main indicators summing to the total, ranks consistent with scores, shares within 0–100, one
   value per unit × year × indicator; warnings for values equal to the previous year's and for
   outliers.

Every problem is collected as a :class:`lib.data.io.DataError` (``severity`` error or warning) naming
file, sheet, row, column and value; nothing raises half-way, so a report lists every problem
(the first 1,000 in full, the others counted by kind: :class:`lib.data.io.Problems`). CSV rows
are parsed as they are read and a value given twice in a table is refused while reading, so
memory follows the distinct values, not the rows (see ``benchmarks/staff_file.py``).
:func:`to_dti_scores` turns clean observations into rows of ``dti_scores``.

Sidecar keys used (``<file>.source.yml``, besides the provenance keys): ``shape``
(``dti_workbook`` | ``dti_long``), ``feeds`` (``[dti_scores]``), ``province`` (GSO code of the
province whose units are scored, e.g. ``"26"``), ``unit_level`` (default ``district``),
``reference_year`` (when the file has no year column), ``scale`` (``points`` default, or
``0-1``), ``framework_id``, ``source_type`` (default ``official``),
``number_format: {decimal: "," | "."}``, ``encoding`` (``utf-8``, ``utf-16``, ``windows-1258``
or ``viscii``; default: detected).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lib.data.io import DataError, Problems
from lib.data.paths import RAW_DIR
from lib.staff.checks import check_observations
from lib.staff.reading import FileResult, read_file
from lib.staff.tables import OBSERVATION_COLUMNS, FileOptions

# ------------------------------------------------------------------ to dti_scores


def to_dti_scores(obs: pd.DataFrame, options: dict[str, FileOptions]) -> pd.DataFrame:
    """Turn checked observations into ``dti_scores`` rows (see :mod:`lib.data.datasets.dti_scores`).

    ``peer_group`` is ``<unit_level>s_of_<province>`` (``districts_of_26``), ``scale`` the
    file's (``points`` or ``0-1``), ``score_max`` the indicator's maximum, ``raw_file`` the
    file name and ``raw_row`` the sheet row (the sheet is named in ``note``). The
    ``preferred_*`` and ``rank_tied`` flags are set when the rows join the table.
    """
    from lib.data.datasets.dti_scores import indicator_level, schema
    from lib.data.sources import source_id

    if obs.empty:
        return pd.DataFrame(columns=list(schema().columns))
    rows = []
    for _, r in obs.iterrows():
        opts = options.get(r["file"], FileOptions())
        province = opts.province or r["parent_code"]
        url = opts.source_url or f"file:{r['file']}"
        note = " ".join(filter(None, [f"sheet {r['sheet']!r}." if r["sheet"] else "",
                                      r["note"] or ""]))
        rows.append({
            "reference_year": int(r["reference_year"]), "unit_code": r["unit_code"],
            "unit_name": r["unit_name"], "unit_level": opts.unit_level,
            "parent_code": r["parent_code"], "peer_group": f"{opts.unit_level}s_of_{province}",
            "indicator": r["indicator"], "indicator_level": indicator_level(r["indicator"]),
            "score": r["score"], "score_low": r["score_low"], "score_high": r["score_high"],
            "score_max": r["score_max"], "scale": opts.scale, "pct_of_max": r["pct_of_max"],
            "value_status": r["value_status"], "formula": r["formula"] or "",
            "rank": r["rank"], "rank_low": r["rank_low"], "rank_high": r["rank_high"],
            "rank_of": r["rank_of"], "rank_status": r["rank_status"],
            "rank_text": r["rank_text"] or "", "rank_tied": False, "conflict_ids": "",
            "conflict_status": "", "framework_id": opts.framework_id,
            "source_ids": source_id(url), "source_type": opts.source_type,
            "preferred_score": False, "preferred_rank": False, "note": note,
            "raw_file": r["file"], "raw_row": int(r["row"]),
        })
    scores = pd.DataFrame(rows)
    for column in ("score", "score_low", "score_high", "score_max", "pct_of_max"):
        scores[column] = pd.to_numeric(scores[column]).astype("float64")
    missing_pct = scores["pct_of_max"].isna() & scores["score"].notna()
    scores.loc[missing_pct, "pct_of_max"] = 100 * scores["score"] / scores["score_max"]
    for column in ("rank", "rank_low", "rank_high", "rank_of"):
        scores[column] = pd.array(scores[column].astype(object).where(scores[column].notna(), None),
                                  dtype="Int64")
    scores["reference_year"] = scores["reference_year"].astype("int64")
    scores["raw_row"] = scores["raw_row"].astype("int64")
    return scores[list(schema().columns)]


def source_rows(results: list[FileResult]) -> dict[str, pd.DataFrame]:
    """One provenance row per staff file, shaped like a raw table for
    :func:`lib.data.sources.build_sources` (``source_url``, ``source_publisher``, ``source_type``,
    ``source_date``, ``raw_row``)."""
    out = {}
    for result in results:
        opts = result.options
        out[result.path.name] = pd.DataFrame([{
            "source_url": opts.source_url or f"file:{result.path.name}",
            "source_publisher": opts.publisher, "source_type": opts.source_type,
            "source_date": opts.published, "raw_row": 0}])
    return out


# ------------------------------------------------------------------ files and folders


def is_staff_file(meta: dict | None) -> bool:
    """A raw file read by this module (its sidecar has ``shape``), not a curated CSV."""
    return bool(meta) and "shape" in meta


def read_files(paths: list[tuple[Path, dict | None]], reference: pd.DataFrame | None = None
               ) -> tuple[list[FileResult], pd.DataFrame, list[DataError]]:
    """Read and check several files together (the checks of :mod:`lib.staff.checks` run over
    all their observations).

    Returns the per-file results, the checked observations of all files and every problem.
    Unexpected failures while reading a file are reported as errors, never raised.
    """
    results, problems = [], Problems()
    for path, meta in paths:
        try:
            result = read_file(path, meta)
        except Exception as exc:  # noqa: BLE001 - a report line, never a traceback for a user
            problems.append(DataError(path, f"could not be read ({type(exc).__name__}: {exc})",
                                      hint="please report this file to the maintainers"))
            continue
        results.append(result)
        problems += result.problems
    frames = [r.observations for r in results if not r.observations.empty]
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=OBSERVATION_COLUMNS)
    options = {r.path.name: r.options for r in results}
    obs, checks = check_observations(obs, options, reference)
    problems += checks
    return results, obs, problems


def read_fed_files(raw_dir: Path = RAW_DIR, reference: pd.DataFrame | None = None
                   ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Read every staff file of ``raw_dir`` for the build.

    Returns
    -------
    (tables, sources)
        ``tables`` maps a processed table name (``dti_scores``) to the rows the staff files add;
        ``sources`` maps each staff file name to its provenance row (see :func:`source_rows`).

    Raises
    ------
    lib.data.schemas.ValidationError
        Any file has an error; every error of every file is listed. Warnings are logged.
    """
    import logging

    from lib.data.schemas import ValidationError
    from lib.data.sources import load_sidecar, raw_data_files

    staff = []
    for path in raw_data_files(raw_dir):
        meta = load_sidecar(path)
        if is_staff_file(meta):
            staff.append((path, meta))
    if not staff:
        return {}, {}
    results, obs, problems = read_files(staff, reference)
    errors = problems.of_severity("error")
    if errors:
        raise ValidationError("staff files in data/raw", errors)
    for warning in problems:
        logging.getLogger(__name__).warning("warning: %s", warning)
    options = {r.path.name: r.options for r in results}
    fed = {r.path.name for r in results if "dti_scores" in r.options.feeds}
    scores = to_dti_scores(obs[obs["file"].isin(fed)], options)
    return {"dti_scores": scores}, source_rows([r for r in results if r.path.name in fed])
