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


@lru_cache(maxsize=32)
def _read(name: str, directory: str) -> pd.DataFrame:
    path = Path(directory) / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `make data` (python -m lib data)")
    return pd.read_parquet(path)


def load_table(name: str, directory: Path | None = None) -> pd.DataFrame:
    """A processed table by name (one of ``TABLES``), as written by :mod:`lib.pipeline`.

    Returns a copy, so callers may modify it. Raises ``KeyError`` for an unknown name and
    ``FileNotFoundError`` when the data have not been built.
    """
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")
    return _read(name, str(directory or processed_dir())).copy()
