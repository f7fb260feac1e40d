"""Group analyses computed once per peer group, year and data version, shared by every report.

The rank table, the rank-uncertainty Monte Carlo, the dominance pairs, the points
decomposition and the stability measures of :mod:`lib.analysis` depend only on the peer
group, the year(s), the options and the data, not on the unit a report is about. Each report
of a group used to recompute them (300 reports of a 300-commune province: 300 identical
Monte Carlos). :func:`run` computes one the first time any kernel asks for it and stores the
:class:`lib.analysis.Result` on disk; every other report, in any kernel or worker process,
reads it back and selects its unit's rows (:func:`unit_rows`).

The cache key is a hash of the analysis name, its arguments, the data version (the SHA-256
of ``dti_scores`` and ``dti_frameworks`` in the data manifest, and their file signatures) and
the code (the source of :mod:`lib.analysis`, :mod:`lib.data.datasets` and this module, and the
pandas / numpy / scipy versions), so a result is never served for other data, code or
options. The cache lives in ``<processed data>/.group_cache/<data key>/`` (``DTI_GROUP_CACHE_DIR``
overrides the parent folder): on a Dask worker that is the worker's own copy of the data, so
each worker computes a group's result at most once. Entries of older data versions are
removed when a new version's folder is created.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.analysis import core as analysis
from lib.analysis.base import Result
from lib.data.code import code_hash
from lib.data.files import sha256_bytes, write_atomic
from lib.data.load import load_table, table_signature
from lib.data.paths import processed_dir, read_manifest

log = logging.getLogger(__name__)

CACHE_ENV = "DTI_GROUP_CACHE_DIR"
CACHE_FOLDER = ".group_cache"
DATA_TABLES = ("dti_scores", "dti_frameworks")

# name → call taking (usable scores, frameworks, peer_group, *args, **options); functions that
# take frameworks as an option always get them, so break notes are the same in every report.
ANALYSES = {
    "rank_units": lambda s, f, g, *a, **k: analysis.rank_units(s, g, *a, frameworks=f, **k),
    "rank_history": lambda s, f, g, *a, **k: analysis.rank_history(s, g, *a, frameworks=f, **k),
    "decompose_points": lambda s, f, g, *a, **k: analysis.decompose_points(s, f, g, *a, **k),
    "simulate_rank_uncertainty":
        lambda s, f, g, *a, **k: analysis.simulate_rank_uncertainty(s, f, g, *a, **k),
    "find_dominance_pairs": lambda s, f, g, *a, **k: analysis.find_dominance_pairs(s, g, *a, **k),
    "measure_rank_stability":
        lambda s, f, g, *a, **k: analysis.measure_rank_stability(s, g, *a, frameworks=f, **k),
    "measure_sigma_convergence":
        lambda s, f, g, *a, **k: analysis.measure_sigma_convergence(s, g, *a, **k),
}


@lru_cache(maxsize=1)
def code_key() -> str:
    """Hash of the code a group result depends on: this module's imports, transitively, with
    their packages' data files (:func:`lib.data.code.code_hash`), and the pandas, numpy and
    scipy versions (16 hex digits)."""
    import numpy
    import scipy

    versions = f"{pd.__version__} {numpy.__version__} {scipy.__version__}"
    return sha256_bytes(f"{code_hash([__name__])} {versions}".encode())[:16]


def data_key(directory: Path | None = None) -> str:
    """Hash of the data a group result depends on (16 hex digits): the manifest's SHA-256 and
    the file signature of ``dti_scores`` and ``dti_frameworks``. Counts both tables as read
    (:func:`lib.data.load.tables_read`). Raises ``FileNotFoundError`` when the data are not built."""
    tables = read_manifest(directory).get("tables", {})
    parts = {name: [tables.get(name, {}).get("sha256", ""),
                    *table_signature(name, directory)[1:]] for name in DATA_TABLES}
    return sha256_bytes(json.dumps(parts, sort_keys=True).encode())[:16]


def cache_dir(directory: Path | None = None) -> Path:
    """The folder that holds the group results (``DTI_GROUP_CACHE_DIR`` or
    ``<processed data>/.group_cache``)."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(directory or processed_dir()) / CACHE_FOLDER


def _key(name: str, peer_group: str, args: tuple, options: dict) -> str:
    call = json.dumps([name, peer_group, list(args), sorted(options.items()), code_key()],
                      default=str)
    return sha256_bytes(call.encode())[:24]


def _read(path: Path) -> Result | None:
    try:
        with open(path, "rb") as handle:
            result = pickle.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as err:
        log.warning("group result %s is unreadable (%s): computing it again", path, err)
        return None
    return result if isinstance(result, Result) else None


def _folder(name: str, directory: Path | None) -> Path:
    """This data version's folder (created; other versions' folders are removed)."""
    root = cache_dir(directory)
    folder = root / name
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        for other in root.iterdir():
            if other.is_dir() and other.name != name:
                shutil.rmtree(other, ignore_errors=True)
    return folder


def run(name: str, peer_group: str, *args, directory: Path | None = None,
        **options) -> Result:
    """A group analysis of :mod:`lib.analysis`, computed once per group, arguments, data and
    code, then read from the cache.

    Parameters
    ----------
    name
        One of :data:`ANALYSES`: ``rank_units``, ``rank_history``, ``decompose_points``,
        ``simulate_rank_uncertainty``, ``find_dominance_pairs``, ``measure_rank_stability``,
        ``measure_sigma_convergence``.
    peer_group
        The peer group (e.g. ``districts_of_26``).
    *args, **options
        The analysis' own arguments after the peer group (``year``; ``year_a, year_b``;
        ``n_runs=1000``, ``seed=…``), JSON-serialisable.
    directory
        Processed-data folder (default :func:`lib.data.paths.processed_dir`).

    Returns
    -------
    Result
        Exactly what the :mod:`lib.analysis` function returns for
        ``usable_scores(load_table("dti_scores"))`` and ``load_table("dti_frameworks")``
        (``frameworks=`` is always passed to the functions that take it), as a fresh copy.

    Raises
    ------
    ValueError
        Unknown ``name`` (and whatever the analysis raises for bad options).
    FileNotFoundError
        The processed data are not built.

    Notes
    -----
    A cache folder that cannot be written (read-only data folder, full disk) costs only the
    speed: the result is computed, returned and a warning logged. Two kernels asking for the
    same new result at once may both compute it; each writes it atomically (same bytes).
    """
    if name not in ANALYSES:
        raise ValueError(f"unknown group analysis {name!r}; known: {', '.join(ANALYSES)}")
    version = data_key(directory)
    key = _key(name, peer_group, args, options)
    path = cache_dir(directory) / version / f"{key}.pkl"
    cached = _read(path)
    if cached is not None:
        return cached
    from lib.data.datasets.dti_scores import usable_scores

    scores = usable_scores(load_table("dti_scores", directory))
    result = ANALYSES[name](scores, load_table("dti_frameworks", directory), peer_group,
                            *args, **options)
    try:
        folder = _folder(version, directory)
        write_atomic(folder / path.name,
                     lambda tmp: tmp.write_bytes(pickle.dumps(result, protocol=5)))
    except OSError as err:
        log.warning("cannot store group result in %s (%s): it is recomputed per report",
                    path.parent, err)
    return result


def unit_rows(result: Result, unit_code: str,
              columns=("unit_code", "dominated_unit_code")) -> pd.DataFrame:
    """The rows of a group result's table that concern one unit: those where any of
    ``columns`` present in the table equals ``unit_code`` (same columns and dtypes; an empty
    table when none)."""
    table = result.table
    present = [c for c in columns if c in table.columns]
    if not present:
        raise ValueError(f"the table has none of the columns {', '.join(columns)}")
    mask = pd.Series(False, index=table.index)
    for column in present:
        mask |= table[column] == unit_code
    return table[mask].reset_index(drop=True)
