"""Raw → processed: read every raw file, clean, validate all tables, then write atomically.

Nothing is written unless every table validates, and each file is replaced by an atomic
rename, so a failed build leaves the previous ``data/processed`` intact.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

import lib
from lib import datasets, ingest
from lib.datasets.indicators import build_catalogue, catalogue_schema
from lib.io import read_raw_csv, sha256_file, write_json_atomic, write_table_atomic
from lib.paths import RAW_DIR, processed_dir
from lib.sources import build_sources, load_sidecar, raw_data_files
from lib.text_checks import require_texts
from lib.validate import validate_table

MANIFEST = "manifest.json"
LIB_DIR = Path(lib.__file__).parent


def code_hash() -> str:
    """SHA-256 over the cleaning code and reference tables (a change forces a rebuild)."""
    digest = hashlib.sha256()
    for path in sorted([*LIB_DIR.glob("*.py"), *LIB_DIR.glob("datasets/*.py"),
                        *LIB_DIR.glob("reference/*")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


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
    staff workbooks and exports in ``raw_dir`` (sidecar with ``shape``, see :mod:`lib.ingest`)
    are added to the tables their sidecar ``feeds``. Raises :class:`lib.io.DataError`
    (unreadable raw cell, missing sidecar) or :class:`lib.validate.ValidationError` (listing
    every error of every staff file, or every text that reaches a page without its Vietnamese
    and English forms: :mod:`lib.text_checks`).
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


def write_tables(tables: dict[str, pd.DataFrame], out_dir: Path, inputs: dict[str, str],
                 synthetic: bool = False) -> dict:
    """Write each table (Parquet + CSV) atomically, then ``manifest.json``; return the manifest.

    The manifest holds ``built_at`` (UTC ISO), ``lib_version``, ``code_hash``, ``synthetic``,
    ``inputs`` (file → sha256), ``tables`` (name → rows, columns, sha256 of the Parquet file)
    and ``data_version`` (the first 12 hex digits of a hash over the table hashes).
    """
    out_dir = Path(out_dir)
    entries = {}
    for name, table in tables.items():
        parquet, _ = write_table_atomic(table, out_dir, name)
        entries[name] = {"rows": int(len(table)), "columns": list(table.columns),
                         "sha256": sha256_file(parquet)}
    version = hashlib.sha256("".join(e["sha256"] for e in entries.values()).encode()).hexdigest()
    manifest = {
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "lib_version": lib.__version__,
        "code_hash": code_hash(),
        "synthetic": synthetic,
        "inputs": inputs,
        "tables": entries,
        "data_version": version[:12],
    }
    write_json_atomic(out_dir / MANIFEST, manifest)
    return manifest


def is_up_to_date(out_dir: Path | None = None, raw_dir: Path = RAW_DIR) -> bool:
    """True when ``out_dir`` holds a real-data build of the current raw files and code."""
    from lib.load import read_manifest

    manifest = read_manifest(out_dir)
    return bool(manifest) and not manifest.get("synthetic") \
        and manifest.get("inputs") == input_hashes(raw_dir) \
        and manifest.get("code_hash") == code_hash() \
        and all((Path(out_dir or processed_dir()) / f"{t}.parquet").exists()
                for t in manifest.get("tables", {}))


def build(out_dir: Path | None = None, raw_dir: Path = RAW_DIR, force: bool = False) -> dict:
    """Build ``data/processed`` from ``data/raw`` unless it is up to date; return the manifest."""
    from lib.load import read_manifest

    out_dir = Path(out_dir or processed_dir())
    if not force and is_up_to_date(out_dir, raw_dir):
        return read_manifest(out_dir)
    tables = build_tables(raw_dir)
    return write_tables(tables, out_dir, input_hashes(raw_dir))
