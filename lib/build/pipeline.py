"""Raw → processed: read every raw file, clean, validate all tables, then publish them as a set.

Nothing is written unless every table validates. The new set (tables and manifest) is written
into a temporary folder beside the published ones, and the ``current`` link is switched to it in
one atomic rename (see :mod:`lib.data.paths`), so readers see the old set or the new one, never a
mix, and a failed build (bad data, full disk) leaves the previous set in use.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

import lib
from lib.data import code as lib_code
from lib.data import datasets
from lib.data.datasets.indicators import build_catalogue, catalogue_schema
from lib.data.files import sha256_bytes, sha256_file, write_json_atomic
from lib.data.io import DataError, StorageError, read_raw_csv, storage_problem
from lib.data.paths import CURRENT_LINK, RAW_DIR, processed_root, read_manifest, resolve_processed
from lib.data.schemas import validate_table
from lib.data.sources import build_sources, load_sidecar, raw_data_files
from lib.data.text_checks import require_texts
from lib.staff import ingest

MANIFEST = "manifest.json"
SETS = "sets"  # published sets: <processed>/sets/<id>/, the one in use linked as `current`
KEEP_SETS = 2  # the set in use and the one before (a run that started on it can finish)


def code_hash() -> str:
    """SHA-256 over the code this module runs, transitively, and its packages' data files
    (reference tables, message catalogues): a change forces a rebuild. The batch runner's data
    check hashes the same files (:data:`lib.data.code.BUILD`)."""
    return lib_code.code_hash(lib_code.BUILD)


def input_hashes(raw_dir: Path = RAW_DIR) -> dict[str, str]:
    """SHA-256 of every raw data file and its sidecar, keyed by file name."""
    files = raw_data_files(raw_dir)
    return {p.name: sha256_file(p) for p in files} | {
        p.name + ".source.yml": sha256_file(p.with_name(p.name + ".source.yml"))
        for p in files if p.with_name(p.name + ".source.yml").exists()}


def build_tables(raw_dir: Path = RAW_DIR, staff_files: bool = True) -> dict[str, pd.DataFrame]:
    """Clean and validate every processed table in memory.

    Returns ``{table name: DataFrame}`` for ``units``, ``dti_scores``, ``dti_national``,
    ``indicators``, ``indicator_catalogue`` and ``sources``. With ``staff_files``, the rows of
    staff workbooks and exports in ``raw_dir`` (sidecar with ``shape``, see :mod:`lib.staff.ingest`)
    are added to the tables their sidecar ``feeds``. Raises :class:`lib.data.io.DataError`
    (unreadable raw cell, missing sidecar) or :class:`lib.data.schemas.ValidationError` (listing
    every error of every staff file, or every text that reaches a page without its Vietnamese
    and English forms: :mod:`lib.data.text_checks`).
    """
    raw_dir = Path(raw_dir)
    for path in raw_data_files(raw_dir):
        load_sidecar(path)
    needed = {f for module in datasets.DATASETS.values() for f in module.RAW_FILES}
    raw = {name: read_raw_csv(raw_dir / name) for name in sorted(needed)}
    tables = {}
    for name, module in datasets.DATASETS.items():
        tables[name] = validate_table(module.clean(raw), module.schema(), name)
    if staff_files:
        fed, fed_sources = ingest.read_fed_files(raw_dir, reference=tables["dti_scores"])
        for name, rows in fed.items():
            table = datasets.DATASETS[name].add_rows(tables[name], rows)
            tables[name] = validate_table(table, datasets.DATASETS[name].schema(), name)
        raw = {**raw, **fed_sources}
    tables["indicator_catalogue"] = validate_table(
        build_catalogue(tables["indicators"]), catalogue_schema(), "indicator_catalogue")
    tables["sources"] = build_sources(raw)
    require_texts(tables)  # every text that reaches a page has its vi and en forms
    return tables


def unit_name_problems(tables: dict[str, pd.DataFrame], severity: str = "warning"
                       ) -> list[DataError]:
    """Units spelled two ways in one fact table (e.g. "TP. Vĩnh Yên" in 2022, "Vĩnh Yên" in
    2023): each spelling that is not a name of the code in the ``units`` table is a problem at
    its first row (column ``unit_name``) naming both spellings. Codes decide identity, so this
    never stops a report; ``validate`` reports them as errors, ``make data`` as warnings. (A
    code reused after the 2025 merger has one units-table name per period: both are names.)"""
    known: dict[str, set] = {}
    for code, unit_name in zip(tables["units"]["unit_code"], tables["units"]["unit_name"]):
        known.setdefault(code, set()).add(unit_name)
    problems = []
    for name, table in tables.items():
        if name == "units" or not {"unit_code", "unit_name", "raw_file"} <= set(table.columns):
            continue
        rows = table.dropna(subset=["unit_code"]).drop_duplicates(["unit_code", "unit_name"])
        spellings = rows.groupby("unit_code")["unit_name"].agg(set)
        for r in rows.itertuples():
            names = known.get(r.unit_code, set())
            if len(spellings[r.unit_code]) < 2 or r.unit_name in names:
                continue
            others = " or ".join(repr(n) for n in sorted(names or spellings[r.unit_code]
                                                           - {r.unit_name}))
            problems.append(DataError(
                r.raw_file, f"unit {r.unit_code} is named {r.unit_name!r} here but {others} in "
                "the units table" if names else f"unit {r.unit_code} is named {r.unit_name!r} "
                f"here but {others} in other rows", int(r.raw_row), "unit_name", r.unit_name,
                "units are matched by code; use the units table's spelling", severity=severity))
    return problems


def expected_bytes(tables: dict[str, pd.DataFrame]) -> int:
    """Bytes a set of ``tables`` is expected to take on disk (Parquet + CSV + manifest): the
    tables' in-memory size (an upper bound of their CSV text) plus half for Parquet, plus 64 KB."""
    memory = sum(int(t.memory_usage(index=False, deep=True).sum()) for t in tables.values())
    return memory + memory // 2 + 65536


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tidy(root: Path, sets: Path, keep: Path) -> None:
    """Remove what a switch made obsolete: files of an older flat build directly in ``root``,
    sets older than the last :data:`KEEP_SETS`, and temporary folders of builds that died."""
    def dead(path: Path) -> bool:  # a temporary .build-<pid>-… or .current-<pid>.tmp
        pid = path.name.split("-")[1].removesuffix(".tmp")
        return pid.isdigit() and not _pid_alive(int(pid))

    for path in root.iterdir():
        if path.is_file() and not path.is_symlink() and (
                path.suffix in (".parquet", ".csv") or path.name == MANIFEST):
            path.unlink()
        elif path.name.startswith(f".{CURRENT_LINK}-") and dead(path):
            path.unlink()
    published = []
    for path in sets.iterdir():
        if not path.name.startswith(".build-"):
            published.append(path)
        elif dead(path):
            shutil.rmtree(path, ignore_errors=True)
    older = sorted((p for p in published if p != keep), key=lambda p: p.stat().st_mtime_ns)
    for path in older[:max(0, len(older) - (KEEP_SETS - 1))]:
        shutil.rmtree(path, ignore_errors=True)


def write_tables(tables: dict[str, pd.DataFrame], out_dir: Path, inputs: dict[str, str],
                 synthetic: bool = False) -> dict:
    """Publish ``tables`` (Parquet + CSV each) and ``manifest.json`` as one set in ``out_dir``;
    return the manifest.

    The set is written into ``out_dir/sets/.build-<pid>-…`` (same file system), renamed to
    ``sets/<UTC time>-<data_version>`` and switched in by replacing the ``current`` link in one
    atomic rename; then obsolete sets and dead builds' folders are removed (see :func:`_tidy`).
    The manifest holds ``built_at`` (UTC ISO), ``lib_version``, ``code_hash``, ``synthetic``,
    ``inputs`` (file → sha256), ``tables`` (name → rows, columns, sha256 of the Parquet file)
    and ``data_version`` (the first 12 hex digits of a hash over the table hashes).

    Raises
    ------
    StorageError
        Less free space than :func:`expected_bytes`, or a write that failed (full disk,
        read-only or unwritable folder); the set in use is unchanged and nothing half-written
        is left.
    """
    root = Path(out_dir)
    sets = root / SETS
    staging = link = None
    try:
        sets.mkdir(parents=True, exist_ok=True)
        need, free = expected_bytes(tables), shutil.disk_usage(sets).free
        if free < need:
            raise StorageError(
                f"not enough free space for the processed data in {root}: about "
                f"{need / 1e6:.1f} MB needed, {free / 1e6:.1f} MB free; the previous "
                "processed data are unchanged")
        staging = Path(tempfile.mkdtemp(prefix=f".build-{os.getpid()}-", dir=sets))
        entries = {}
        for name, table in tables.items():
            table.to_parquet(staging / f"{name}.parquet", index=False)
            table.to_csv(staging / f"{name}.csv", index=False, encoding="utf-8")
            entries[name] = {"rows": int(len(table)), "columns": list(table.columns),
                             "sha256": sha256_file(staging / f"{name}.parquet")}
        version = sha256_bytes("".join(e["sha256"] for e in entries.values()).encode())
        built = datetime.now(timezone.utc)
        manifest = {
            "built_at": built.isoformat(timespec="seconds"),
            "lib_version": lib.__version__,
            "code_hash": code_hash(),
            "synthetic": synthetic,
            "inputs": inputs,
            "tables": entries,
            "data_version": version[:12],
        }
        write_json_atomic(staging / MANIFEST, manifest)
        os.chmod(staging, 0o755)  # mkdtemp creates 0700; published data must be readable
        final = sets / f"{built:%Y%m%dT%H%M%S}-{version[:12]}-{staging.name.rsplit('-', 1)[1]}"
        os.rename(staging, final)
        staging = final
        link = root / f".{CURRENT_LINK}-{os.getpid()}.tmp"
        link.unlink(missing_ok=True)
        os.symlink(Path(SETS) / final.name, link)
        os.replace(link, root / CURRENT_LINK)
        link = staging = None
    except OSError as err:
        raise StorageError(f"could not write the processed data to {root} "
                           f"({storage_problem(err)}); the previous processed data are "
                           "unchanged") from None
    finally:
        if link is not None:
            link.unlink(missing_ok=True)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    try:
        _tidy(root, sets, final)
    except OSError:  # the new set is in use; what is left is removed by the next build
        pass
    return manifest


def is_up_to_date(out_dir: Path | None = None, raw_dir: Path = RAW_DIR) -> bool:
    """True when ``out_dir`` holds a real-data build of the current raw files and code."""
    manifest = read_manifest(out_dir)
    return bool(manifest) and not manifest.get("synthetic") \
        and manifest.get("inputs") == input_hashes(raw_dir) \
        and manifest.get("code_hash") == code_hash() \
        and all((resolve_processed(out_dir or processed_root()) / f"{t}.parquet").exists()
                for t in manifest.get("tables", {}))


def build(out_dir: Path | None = None, raw_dir: Path = RAW_DIR, force: bool = False) -> dict:
    """Build ``data/processed`` from ``data/raw`` unless it is up to date; return the manifest."""
    out_dir = Path(out_dir or processed_root())
    if not force and is_up_to_date(out_dir, raw_dir):
        return read_manifest(out_dir)
    tables = build_tables(raw_dir)
    for problem in unit_name_problems(tables):
        logging.getLogger(__name__).warning("warning: %s", problem)
    return write_tables(tables, out_dir, input_hashes(raw_dir))
