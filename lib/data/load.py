"""Read the processed tables (what notebooks use; no file paths in notebooks)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.data.paths import processed_root, resolve_processed

TABLES = ("units", "dti_scores", "dti_national", "indicators", "indicator_catalogue", "sources",
          "dti_frameworks")


# Tables read by this process (the batch runner resets it per report, to rebuild a report
# only when a table it read changed).
_TABLES_READ: set[str] = set()


def tables_read() -> list[str]:
    """Names of the processed tables read (directly or through a cache) since the process
    started or :func:`reset_tables_read` was called, sorted."""
    return sorted(_TABLES_READ)


def reset_tables_read() -> None:
    """Start a new :func:`tables_read` record."""
    _TABLES_READ.clear()


def table_signature(name: str, directory: Path | None = None) -> tuple[str, int, int]:
    """``(folder, modification time in ns, size in bytes)`` of a processed table's Parquet
    file: a cache key that changes whenever the table is rebuilt. Every cache of derived
    tables calls it, so the table counts as read. Raises ``FileNotFoundError`` when the data
    have not been built."""
    _TABLES_READ.add(name)
    path = resolve_processed(directory or processed_root()) / f"{name}.parquet"
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
    """A processed table by name (one of ``TABLES``), as written by :mod:`lib.build.pipeline`.

    Read once per process and file version (a rebuilt table is read again); returns a copy,
    so callers may modify it. Raises ``KeyError`` for an unknown name and
    ``FileNotFoundError`` when the data have not been built.
    """
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")
    return _read(name, *table_signature(name, directory)).copy()
