"""Read raw tables as text and write processed tables atomically."""

from __future__ import annotations

import codecs
import hashlib
import io as _io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from lib.parse import normalize_text

RAW_ROW = "raw_row"  # line number of a row in its raw file (header = line 1)


class DataError(ValueError):
    """A problem in an input file, located by file, row and column.

    ``row`` is the 1-based line number in the file (the header is line 1) or, for Excel, the
    sheet row; ``column`` is the column name as written in the file.
    """

    def __init__(self, file: str | Path, problem: str, row: int | None = None,
                 column: str | None = None, value: object = None, hint: str = ""):
        self.file, self.problem, self.row, self.column = str(file), problem, row, column
        self.value, self.hint = value, hint
        where = [f"file {Path(self.file).name}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        if value is not None:
            where.append(f"value {value!r}")
        super().__init__(", ".join(where) + f": {problem}" + (f" ({hint})" if hint else ""))


def detect_encoding(data: bytes, path: str | Path = "<bytes>") -> str:
    """Return the text encoding of a raw file: ``utf-8-sig`` (BOM), ``utf-16`` (BOM) or ``utf-8``.

    Raises :class:`DataError` when the bytes are not valid UTF-8 and carry no BOM, rather than
    guessing a legacy code page silently.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(path, "not valid UTF-8 text", row=line,
                        hint="save the file as 'CSV UTF-8' in Excel") from None
    return "utf-8"


def read_raw_csv(path: str | Path) -> pd.DataFrame:
    """Read a raw CSV with every cell as NFC-normalised text.

    Returns
    -------
    DataFrame
        The file's columns (object dtype, ``""`` for empty cells) plus ``raw_row`` (int64, the
        line number of the row in the file, so that messages and reports can point back to it).

    Raises
    ------
    DataError
        Unreadable encoding, or rows with a different number of fields than the header.
    """
    path = Path(path)
    data = path.read_bytes()
    text = data.decode(detect_encoding(data, path))
    try:
        table = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False,
                            na_filter=False, on_bad_lines="error", engine="python")
    except pd.errors.ParserError as err:
        raise DataError(path, f"malformed CSV: {err}") from None
    table.columns = [normalize_text(c) for c in table.columns]
    table = table.map(normalize_text).astype(object)
    table[RAW_ROW] = range(2, len(table) + 2)
    return table


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write a file through ``write(tmp_path)`` into a temporary sibling, then rename it.

    The rename is atomic on one filesystem, so readers see either the old file or the new one,
    never a half-written file; if ``write`` raises, the old file is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`write_atomic`)."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json_atomic(path: str | Path, obj: object) -> Path:
    """Write JSON (UTF-8, indented, non-ASCII kept) atomically."""
    return write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def write_table_atomic(table: pd.DataFrame, directory: str | Path, name: str) -> list[Path]:
    """Write ``name.parquet`` and ``name.csv`` (UTF-8) into ``directory``, each atomically."""
    directory = Path(directory)
    return [
        write_atomic(directory / f"{name}.parquet", lambda tmp: table.to_parquet(tmp, index=False)),
        write_atomic(directory / f"{name}.csv",
                     lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8")),
    ]
