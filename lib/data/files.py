"""Atomic file writes and SHA-256 hashes: the one place for both.

A file is written into a temporary sibling and renamed over its path, so a reader sees the old
file or the new one, never half of one; a full disk or a killed process leaves the old file and
no temporary file. No pandas here: the batch runner's no-op imports this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import orjson

Content = bytes | Callable[[Path], None]  # the bytes, or a function that writes the given path


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, missing_ok: bool = False) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks. Raises ``FileNotFoundError`` when
    the file does not exist, unless ``missing_ok`` (then ``""``)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise
    return digest.hexdigest()


def hash_files(paths: Iterable[Path], root: Path) -> str:
    """Hex SHA-256 over files by their path relative to ``root`` and their bytes, in sorted
    order (a renamed, added or edited file changes it)."""
    root = Path(root)
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _stage(path: Path, content: Content, sync: bool) -> Path:
    """Write ``content`` into a temporary sibling of ``path`` and return it. On any error (a
    full disk) the temporary file is removed and the error raised, its ``filename`` ``path``."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "wb") as handle:
            if not callable(content):
                handle.write(content)
        if callable(content):
            content(tmp)
        if sync:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; published files must be readable
    except BaseException as err:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            err.filename = str(path)  # the file that could not be written, not its temp
        raise
    return tmp


def write_files_atomic(files: Mapping[str | Path, Content], sync: bool = True) -> list[Path]:
    """Write several files (``{path: bytes or writer}``) so that none is replaced unless all
    could be written: every temporary file first, then the renames (which need no space).
    ``sync``: flushed to the disk before the renames. Raises ``OSError`` (its ``filename`` the
    file that failed) with no file replaced and no temporary file left. Returns the paths."""
    staged: dict[Path, Path] = {}
    try:
        for path, content in files.items():
            staged[Path(path)] = _stage(Path(path), content, sync)
        for path, tmp in staged.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in staged.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        raise
    return list(staged)


def write_atomic(path: str | Path, write: Callable[[Path], None], sync: bool = False) -> Path:
    """Write a file through ``write(temporary path)`` (a Parquet or Excel writer), then rename
    it over ``path``; if ``write`` raises, the old file is untouched. Returns ``path``."""
    return write_files_atomic({path: write}, sync)[0]


def write_bytes_atomic(path: str | Path, data: bytes, sync: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`write_files_atomic`)."""
    return write_files_atomic({path: data}, sync)[0]


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"), sync=False)


def write_json_atomic(path: str | Path, value: object, indent: bool = True) -> Path:
    """Write ``value`` as UTF-8 JSON atomically, non-ASCII kept, with orjson (about five times
    the speed of ``json`` on the 40,000 records of a national run); values JSON has no type
    for become text, keys that are not text become text. ``indent=False``: compact."""
    option = (orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
              | (orjson.OPT_INDENT_2 if indent else 0))
    data = orjson.dumps(value, default=str, option=option)
    return write_bytes_atomic(path, data + b"\n" if indent else data, sync=False)
