"""Read the processed tables (what notebooks use; no file paths in notebooks)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.paths import processed_dir

TABLES = ("units", "dti_scores", "dti_national", "indicators", "indicator_catalogue", "sources",
          "dti_frameworks")


def read_manifest(directory: Path | None = None) -> dict:
    """The processed data's ``manifest.json`` as a dict (``{}`` when there is none)."""
    path = Path(directory or processed_dir()) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def table_signature(name: str, directory: Path | None = None) -> tuple[str, int, int]:
    """``(folder, modification time in ns, size in bytes)`` of a processed table's Parquet
    file: a cache key that changes whenever the table is rebuilt. Raises
    ``FileNotFoundError`` when the data have not been built."""
    path = Path(directory or processed_dir()) / f"{name}.parquet"
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist: run `make data` (python -m lib data)") \
            from None
    return str(path.parent), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=32)
def _read(name: str, directory: str, mtime_ns: int, size: int) -> pd.DataFrame:
    return pd.read_parquet(Path(directory) / f"{name}.parquet")


def load_table(name: str, directory: Path | None = None) -> pd.DataFrame:
    """A processed table by name (one of ``TABLES``), as written by :mod:`lib.pipeline`.

    Read once per process and file version (a rebuilt table is read again); returns a copy,
    so callers may modify it. Raises ``KeyError`` for an unknown name and
    ``FileNotFoundError`` when the data have not been built.
    """
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")
    return _read(name, *table_signature(name, directory)).copy()
