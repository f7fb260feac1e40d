"""Provenance: raw-file sidecars (``<file>.source.yml``) and the table of cited sources."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import yaml

from lib.data.io import RAW_ROW, DataError
from lib.data.paths import RAW_DIR

SIDECAR_SUFFIX = ".source.yml"
SIDECAR_KEYS = ("title", "publisher", "url", "published", "accessed", "licence",
                "number_format", "trust", "feeds")
# most to least trusted; "synthetic" marks the generated example panel (lib.build.synthetic), never real data
SOURCE_TYPES = ("official", "legal_database", "press", "aggregator", "secondary",
                "third_party_dataset", "weak_republication", "synthetic")
# a figure whose most trusted source is one of these is marked beside the number on the pages
WEAK_SOURCE_TYPES = ("third_party_dataset", "weak_republication")
SOURCE_COLUMNS = ("source_url", "source_publisher", "source_type", "source_date")


def sidecar_path(raw_file: str | Path) -> Path:
    """``data/raw/x.csv`` → ``data/raw/x.csv.source.yml``."""
    raw_file = Path(raw_file)
    return raw_file.with_name(raw_file.name + SIDECAR_SUFFIX)


def raw_data_files(raw_dir: str | Path = RAW_DIR) -> list[Path]:
    """The data files of ``raw_dir`` (CSV and Excel), sorted by name."""
    return sorted(p for p in Path(raw_dir).iterdir()
                  if p.suffix.lower() in {".csv", ".xlsx", ".xls"} and p.is_file()
                  and not p.name.startswith(("~$", ".")))  # Excel lock files, hidden files


def load_sidecar(raw_file: str | Path) -> dict:
    """Load and check the provenance sidecar of a raw file.

    Returns the YAML mapping (keys in ``SIDECAR_KEYS``; ``number_format`` holds ``decimal``,
    ``thousands`` and ``encoding``). Raises :class:`DataError` naming the sidecar when it is
    missing, not YAML, or lacks a key.
    """
    path = sidecar_path(raw_file)
    if not path.exists():
        raise DataError(raw_file, f"no provenance sidecar {path.name}")
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataError(path, f"not valid YAML: {getattr(err, 'problem', None) or err}",
                        row=mark.line + 1 if mark else None) from None
    if not isinstance(meta, dict):
        raise DataError(path, "expected a mapping of provenance fields")
    missing = [k for k in SIDECAR_KEYS if k not in meta]
    if missing:
        raise DataError(path, f"missing provenance fields: {', '.join(missing)}")
    return meta


def source_id(url: str) -> str:
    """Stable short id of a cited source: ``src-`` + the first 10 hex digits of SHA-1(url)."""
    return "src-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def split_sources(row: pd.Series) -> list[dict]:
    """Split a raw row's ``source_*`` cells (``" ; "``-separated, aligned) into one dict each."""
    urls = [u.strip() for u in row.get("source_url", "").split(" ; ") if u.strip()]
    fields = {}
    for column in SOURCE_COLUMNS[1:]:
        values = [v.strip() for v in row.get(column, "").split(" ; ")]
        if len(values) == 1 < len(urls) and len(row.get(column, "").split(";")) == len(urls):
            values = [v.strip() for v in row[column].split(";")]  # "a; b" aligned with the URLs
        fields[column] = values
    out = []
    for i, url in enumerate(urls):
        item = {"source_id": source_id(url), "url": url}
        for column, values in fields.items():
            # a single publisher/date/type may cover every URL of the row
            item[column.removeprefix("source_")] = values[i] if i < len(values) else values[-1]
        out.append(item)
    return out


def row_source_ids(table: pd.DataFrame) -> pd.Series:
    """``;``-joined source ids of each raw row (``""`` when the row cites no source)."""
    return table.apply(lambda r: ";".join(s["source_id"] for s in split_sources(r)), axis=1)


def best_source_type(table: pd.DataFrame) -> pd.Series:
    """The most trusted ``source_type`` cited by each raw row (``""`` when none)."""
    def best(cell: str) -> str:
        types = [t.strip() for t in cell.split(";") if t.strip() in SOURCE_TYPES]
        return min(types, key=SOURCE_TYPES.index) if types else ""
    return table.get("source_type", pd.Series("", index=table.index)).map(best)


def build_sources(raw_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per cited source across the raw tables.

    Returns
    -------
    DataFrame
        ``source_id`` (str), ``url`` (str), ``publisher`` (str), ``type`` (str, one of
        ``SOURCE_TYPES`` or ``""``), ``date`` (str, as published, ``undated`` possible),
        ``raw_files`` (str, ``;``-joined raw file names), ``n_rows`` (int64, rows citing it).
    """
    records = []
    for name, table in raw_tables.items():
        if "source_url" not in table:
            continue
        for _, row in table.iterrows():
            for item in split_sources(row):
                records.append({**item, "raw_file": name, RAW_ROW: row[RAW_ROW]})
    if not records:
        raise DataError("data/raw", "no source URLs found in any raw file")
    cited = pd.DataFrame.from_records(records)
    grouped = cited.groupby("source_id", sort=True)
    sources = grouped.agg(
        url=("url", "first"),
        publisher=("publisher", "first"),
        type=("type", "first"),
        date=("date", "first"),
        raw_files=("raw_file", lambda s: ";".join(sorted(set(s)))),
        n_rows=(RAW_ROW, "size"),
    ).reset_index()
    sources["n_rows"] = sources["n_rows"].astype("int64")
    return sources
