"""Read raw tables as text and write processed tables atomically."""

from __future__ import annotations

import codecs
import csv
import io as _io
import re
import tempfile
import unicodedata
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lib.data.parse import normalize_text

if TYPE_CHECKING:  # pandas is imported where tables are read: a no-op run never needs it
    import pandas as pd

RAW_ROW = "raw_row"  # line number of a row in its raw file (header = line 1)


SEVERITIES = ("error", "warning")


class DataError(ValueError):
    """A problem in an input file, located by file, sheet, row and column.

    ``row`` is the 1-based line number in the file (the header is line 1) or, for Excel, the
    sheet row; ``column`` is the column name as written in the file; ``sheet`` the Excel sheet
    (None for CSV). ``severity`` is ``"error"`` (blocks a build) or ``"warning"`` (reported only);
    ``kind`` groups problems of one sort when they are only counted (see :class:`Problems`).
    """

    def __init__(self, file: str | Path, problem: str, row: int | None = None,
                 column: str | None = None, value: object = None, hint: str = "",
                 sheet: str | None = None, severity: str = "error", kind: str | None = None):
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        self.file, self.problem, self.row, self.column = str(file), problem, row, column
        self.value, self.hint, self.sheet, self.severity = value, hint, sheet, severity
        # the kind of problem, to count problems past a limit: the text without its numbers
        # and quoted values ("score above the maximum of …") unless the caller names it
        self.kind = kind or re.sub(r"'[^']*'|\"[^\"]*\"|\d+(?:[.,]\d+)*", "…", problem)
        where = [f"file {Path(self.file).name}"]
        if sheet is not None:
            where.append(f"sheet {sheet!r}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        if value is not None:
            where.append(f"value {value!r}")
        super().__init__(", ".join(where) + f": {problem}" + (f" ({hint})" if hint else ""))


PROBLEM_LIMIT = 1000  # problems kept in full per check; the rest are counted by kind


class Problems(list):
    """A list of :class:`DataError` that keeps the first ``limit`` problems and only counts the
    others, by severity and kind, so a file with a million bad rows costs bounded memory.

    Errors take precedence: past the limit, a new error replaces the last kept warning.
    ``more`` is a ``Counter`` of ``(severity, kind)`` over the problems not kept.
    """

    def __init__(self, problems=(), limit: int = PROBLEM_LIMIT):
        super().__init__()
        self.limit, self.more, self._warnings = limit, Counter(), 0  # _warnings: kept ones
        self.extend(problems)

    def append(self, problem: DataError) -> None:
        if len(self) >= self.limit:
            if problem.severity == "warning" or not self._warnings:
                self.more[(problem.severity, problem.kind)] += 1
                return
            dropped = self.pop(max(i for i, p in enumerate(self) if p.severity == "warning"))
            self.more[(dropped.severity, dropped.kind)] += 1
            self._warnings -= 1
        self._warnings += problem.severity == "warning"
        super().append(problem)

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)
        if isinstance(problems, Problems):
            self.more.update(problems.more)

    def __iadd__(self, problems):
        self.extend(problems)
        return self

    def count_of(self, severity: str) -> int:
        """Problems of ``severity`` (``"error"``/``"warning"``), kept or only counted."""
        return sum(p.severity == severity for p in self) + sum(
            n for (s, _), n in self.more.items() if s == severity)

    @property
    def total(self) -> int:
        """Every problem, kept or only counted."""
        return len(self) + sum(self.more.values())

    def of_severity(self, severity: str) -> Problems:
        """The problems of one severity (with their counts past the limit)."""
        out = Problems([p for p in self if p.severity == severity], self.limit)
        out.more.update({k: n for k, n in self.more.items() if k[0] == severity})
        return out

    def summary(self) -> str:
        """``"… and 98,996 more of the same kinds: 98,990 × error '… given twice', …"`` (``""``
        when nothing was left out)."""
        if not self.more:
            return ""
        kinds = ", ".join(f"{n:,} × {severity} {kind!r}"
                          for (severity, kind), n in self.more.most_common())
        return f"… and {sum(self.more.values()):,} more of the same kinds: {kinds}"


class StorageError(RuntimeError):
    """A fault of the machine, not of the data: a full disk, a read-only or unwritable
    folder. Its message is one sentence for the command line and says what was kept."""


def storage_problem(err: OSError) -> str:
    """A short reason for a failed write (``"no space left on the device"``, …)."""
    import errno

    reasons = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied"}
    return reasons.get(err.errno, err.strerror or type(err).__name__)


def check_writable(folder: str | Path, need_bytes: int) -> None:
    """Make sure ``folder`` exists, can be written (a probe file is created and removed) and
    has ``need_bytes`` free. Raises :class:`StorageError` with one sentence otherwise."""
    import shutil

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-", suffix=".tmp"):
            pass
        free = shutil.disk_usage(folder).free
    except OSError as err:
        raise StorageError(f"cannot write to {folder} ({storage_problem(err)}); nothing was "
                           "built") from None
    if free < need_bytes:
        raise StorageError(f"not enough free space in {folder}: {free / 1e6:.1f} MB free, at "
                           f"least {need_bytes / 1e6:.0f} MB needed; nothing was built")


# VISCII (RFC 1456): bytes 0x80–0xFF, and six C0 positions that hold capital letters.
_VISCII_HIGH = (
    "1ea0 1eae 1eb0 1eb6 1ea4 1ea6 1ea8 1eac 1ebc 1eb8 1ebe 1ec0 1ec2 1ec4 1ec6 1ed0 "
    "1ed2 1ed4 1ed6 1ed8 1ee2 1eda 1edc 1ede 1eca 1ece 1ecc 1ec8 1ee6 0168 1ee4 1ef2 "
    "00d5 1eaf 1eb1 1eb7 1ea5 1ea7 1ea9 1ead 1ebd 1eb9 1ebf 1ec1 1ec3 1ec5 1ec7 1ed1 "
    "1ed3 1ed5 1ed7 1ee0 01a0 1ed9 1edd 1edf 1ecb 1ef0 1ee8 1eea 1eec 01a1 1edb 01af "
    "00c0 00c1 00c2 00c3 1ea2 0102 1eb3 1eb5 00c8 00c9 00ca 1eba 00cc 00cd 0128 1ef3 "
    "0110 1ee9 00d2 00d3 00d4 1ea1 1ef7 1eeb 1eed 00d9 00da 1ef9 1ef5 00dd 1ee1 01b0 "
    "00e0 00e1 00e2 00e3 1ea3 0103 1eef 1eab 00e8 00e9 00ea 1ebb 00ec 00ed 0129 1ec9 "
    "0111 1ef1 00f2 00f3 00f4 00f5 1ecf 1ecd 1ee5 00f9 00fa 0169 1ee7 00fd 1ee3 1eee"
)
_VISCII_C0 = {0x02: 0x1EB2, 0x05: 0x1EB4, 0x06: 0x1EAA, 0x14: 0x1EF6, 0x19: 0x1EF8, 0x1E: 0x1EF4}
VISCII_TABLE = "".join(chr(_VISCII_C0.get(i, i)) for i in range(128)) + "".join(
    chr(int(h, 16)) for h in _VISCII_HIGH.split())
LEGACY_ENCODINGS = {"cp1258": "Windows-1258", "viscii": "VISCII"}
# what a sidecar's `encoding:` may say (lower case, "_" read as "-") → the codec used
SIDECAR_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16",
                     "windows-1258": "cp1258", "cp1258": "cp1258", "viscii": "viscii"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16",
                  "utf-16-le": "UTF-16 LE (no BOM)", "utf-16-be": "UTF-16 BE (no BOM)",
                  **LEGACY_ENCODINGS}
_HARMLESS = set("–—‘’“”…•°№€\u00a0\u200b")
_LEGACY_HINT = ("save the file as 'CSV UTF-8' in Excel, or name its encoding in the sidecar "
                "(encoding: windows-1258 or viscii); text typed with a TCVN3 (.Vn…) or VNI font "
                "must first be converted to Unicode (e.g. with Unikey's converter)")


def decode_bytes(data: bytes, encoding: str) -> str:
    """Decode with one of the encodings :func:`detect_encoding` returns (incl. ``viscii``)."""
    if encoding == "viscii":
        return codecs.charmap_decode(data, "strict", VISCII_TABLE)[0]
    return data.decode(encoding)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot
_VOWELS = set("aăâeêioôơuưy")
# Vietnamese syllables without their tone: onset, vowel nucleus, final consonant
_NUCLEI = ("a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi ua uâ "
           "uê ui uô uơ uy ưa ưi ưu ươ yê iêu yêu oai oay oeo uây uôi ươi ươu uya uyê").split()
_SYLLABLE = re.compile(
    "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    f"(?:{'|'.join(sorted(_NUCLEI, key=len, reverse=True))})"
    "(?:ch|ng|nh|[cmnpt])?")


def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` is spelled as a Vietnamese syllable: an onset, a vowel nucleus and a
    final consonant from the language's inventory, and at most one tone mark, on a vowel.
    ``"điểm"`` and ``"thao"`` are; ``"ðõn"``, ``"viò"``, ``"TôÒng"`` (VISCII readings of
    Windows-1258 bytes) are not."""
    letters = unicodedata.normalize("NFD", word.lower())
    tones = [i for i, c in enumerate(letters) if c in _TONES]
    if len(tones) > 1:
        return False
    bare = "".join(c for c in letters if c not in _TONES)
    if tones:
        base = unicodedata.normalize("NFC", "".join(
            c for c in letters[:tones[0]] if c not in _TONES))
        if not base or base[-1] not in _VOWELS:
            return False
    return _SYLLABLE.fullmatch(unicodedata.normalize("NFC", bare)) is not None


def vietnamese_plausibility(text: str) -> float:
    """How plausible a decoded text is as Vietnamese, 0–1 (1.0 when every letter is ASCII):
    the share of its words with non-ASCII letters that are Vietnamese syllables
    (:func:`is_vietnamese_syllable`), counting each occurrence; stray symbols that are
    neither letters nor :data:`_HARMLESS` punctuation count as implausible words."""
    counts: Counter = Counter()
    odd = 0
    for match in re.finditer(r"[^\W\d_]+|[^\w\s]", unicodedata.normalize("NFC", text)):
        token = match.group()
        if token.isascii():
            continue
        if token[0].isalpha():
            counts[token] += 1
        elif token not in _HARMLESS:
            odd += 1
    total = sum(counts.values()) + odd
    if not total:
        return 1.0
    return sum(n for w, n in counts.items() if is_vietnamese_syllable(w)) / total


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def detect_encoding(data: bytes, path: str | Path = "<bytes>", legacy: bool = False) -> str:
    """Return the text encoding of a raw file.

    ``utf-8-sig`` and ``utf-16`` are recognised by their BOM, ``utf-16-le``/``-be`` without a
    BOM by their zero bytes, else ``utf-8`` when the bytes are valid UTF-8. With
    ``legacy=True`` the Vietnamese legacy code pages ``cp1258`` (Windows-1258, what Excel's
    plain "CSV" writes on Vietnamese Windows) and ``viscii`` are tried as well: the reading whose
    words are more plausibly Vietnamese (:func:`vietnamese_plausibility`: valid syllables, one
    tone mark on a vowel) wins, provided most of its words are; equally plausible different
    readings are ambiguous. A message never shows undecoded bytes as if they were text.

    Raises
    ------
    DataError
        Bytes that are no such encoding (or, with ``legacy=False``, not UTF-8), rather than
        guessing a code page silently.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf16 := _utf16_without_bom(data):
        return utf16
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        first_error = err.start
    else:
        return "utf-8"
    if not legacy:
        raise DataError(path, "not valid UTF-8 text", row=line,
                        hint="save the file as 'CSV UTF-8' in Excel")
    readings = {}
    for encoding in LEGACY_ENCODINGS:
        try:
            text = decode_bytes(data, encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
            continue
        readings[encoding] = (vietnamese_plausibility(text), _first_word_at(text, first_error))
    ranked = sorted(readings, key=lambda e: readings[e][0], reverse=True)
    # the more plausible reading wins; one that most words do not support is no reading at all
    if ranked and readings[ranked[0]][0] >= 0.5 and (
            len(ranked) == 1 or readings[ranked[0]][0] > readings[ranked[1]][0]
            or readings[ranked[0]][1] == readings[ranked[1]][1]):
        return ranked[0]
    byte = f"byte 0x{data[first_error]:02X} (the first that is not UTF-8)"
    if len(ranked) == 2 and readings[ranked[0]][0] >= 0.5:
        shown = " or ".join(f"{LEGACY_ENCODINGS[e]} {readings[e][1]!r}" for e in ranked)
        problem = (f"text encoding is ambiguous: {byte} reads as {shown}, both plausible "
                   "Vietnamese")
    else:
        problem = (f"text encoding not recognised: not UTF-8, UTF-16, Windows-1258 or VISCII "
                   f"({byte})")
    raise DataError(path, problem, row=line, hint=_LEGACY_HINT)


def _first_word_at(text: str, offset: int) -> str:
    """The word around character ``offset`` of ``text`` (a reading of the first non-UTF-8
    byte, shown labelled with its encoding, never as the cell's value)."""
    offset = min(offset, len(text) - 1)
    start = offset
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in ",;\t":
        start -= 1
    end = offset
    while end < len(text) and not text[end].isspace() and text[end] not in ",;\t":
        end += 1
    return unicodedata.normalize("NFC", text[start:end])


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
    import pandas as pd

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


@dataclass
class Grid:
    """The cells of one CSV file or one Excel sheet, before any header is recognised.

    ``rows`` holds cell values: NFC text for CSV (a :class:`CsvRows`); for Excel the stored
    value (``str``, ``int``, ``float``, ``bool``, ``datetime``) or None for an empty cell, with
    merged ranges filled from their top-left cell. ``row_numbers`` are the 1-based line or sheet-row numbers of
    ``rows``. ``unsaved_formulas`` lists (row number, column index) of formula cells that have no
    saved result. ``encoding``/``delimiter`` are set for CSV.
    """

    file: Path
    sheet: str | None
    rows: Sequence[list[object]]
    row_numbers: Sequence[int]
    encoding: str | None = None
    delimiter: str | None = None
    unsaved_formulas: set = field(default_factory=set)
    hidden: bool = False


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t"):
        counts = [len(next(csv.reader([ln], delimiter=delimiter))) - 1 for ln in lines]
        # the delimiter that splits most lines into the same, largest number of fields
        common = max(set(counts), key=counts.count) if counts else 0
        score = common * counts.count(common) if common else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


class CsvRows(Sequence):
    """The records of a CSV text as a read-only list of NFC text cells, each parsed when it is
    read: a large file costs its text and one offset per record, not a list of cells per row.

    ``starts`` holds the offset of each record in ``text`` and, last, the end of the text.
    """

    def __init__(self, text: str, delimiter: str, starts: array):
        self._text, self._delimiter, self._starts = text, delimiter, starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        chunk = self._text[self._starts[index]:self._starts[index + 1]]
        record = next(csv.reader(_io.StringIO(chunk, newline=""), delimiter=self._delimiter), [])
        return [normalize_text(c) for c in record]


def read_csv_grid(path: str | Path, encoding: str | None = None) -> Grid:
    """Read a CSV (or tab-separated "Unicode text") file as a grid of NFC text cells.

    The encoding is ``encoding`` (a codec of :data:`SIDECAR_ENCODINGS`, from the file's
    sidecar) or detected (:func:`detect_encoding` with ``legacy=True``); the delimiter (``,``,
    ``;`` or tab) is sniffed from the first lines. The grid's ``rows`` are a :class:`CsvRows`
    (parsed on access), so memory grows with the file's size, not its cells. Raises
    :class:`DataError` for an unrecognised encoding, bytes that are not the stated one, or
    broken quoting.
    """
    path = Path(path)
    data = path.read_bytes()
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    encoding = encoding or detect_encoding(data, path, legacy=True)
    try:
        text = decode_bytes(data, encoding)
    except UnicodeDecodeError as err:
        raise DataError(path, f"not valid {ENCODING_NAMES[encoding]} text, as the sidecar's "
                        f"encoding says (byte 0x{data[err.start]:02X})",
                        row=data[:err.start].count(b"\n") + 1,
                        hint="correct the sidecar's encoding, or remove it to detect the "
                             "encoding") from None
    del data
    delimiter = "\t" if encoding.startswith("utf-16") and "\t" in text[:2000] \
        else _sniff_delimiter(text[:200_000])
    consumed = [0]

    def lines():  # the reader pulls lines one by one: after a record, `consumed` is its end
        for piece in _io.StringIO(text, newline=""):
            consumed[0] += len(piece)
            yield piece

    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    starts, numbers = array("q", [0]), array("q")
    try:
        line = 1
        for _ in reader:
            starts.append(consumed[0])
            numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as err:
        raise DataError(path, f"malformed CSV: {err}", row=reader.line_num,
                        hint="check quotes (\") in that line") from None
    return Grid(path, None, CsvRows(text, delimiter, starts), numbers, encoding=encoding,
                delimiter=delimiter)


def read_workbook_grids(path: str | Path) -> list[Grid]:
    """Read every sheet of an .xlsx workbook as a grid (hidden sheets flagged ``hidden``).

    Raises :class:`DataError` for an old binary ``.xls`` file or a file that is not a readable
    workbook.
    """
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    if path.suffix.lower() == ".xls":
        raise DataError(path, "old Excel 97–2003 workbook (.xls) cannot be read",
                        hint="open it in Excel and save it as .xlsx (Excel Workbook)")
    try:
        values = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as err:
        raise DataError(path, f"not a readable .xlsx workbook ({type(err).__name__})",
                        hint="open it in Excel and save it again as .xlsx") from None
    grids = []
    for sheet in values.worksheets:
        cells = [[normalize_text(v) if isinstance(v, str) else v for v in row]
                 for row in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            top_left = cells[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(
                cells) else None
            for r in range(merged.min_row, min(merged.max_row, len(cells)) + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if c <= len(cells[r - 1]):
                        cells[r - 1][c - 1] = top_left
        unsaved = set()
        for r, row in enumerate(formulas[sheet.title].iter_rows(values_only=True), start=1):
            for c, v in enumerate(row):
                if isinstance(v, str) and v.startswith("=") and r <= len(cells) \
                        and cells[r - 1][c] is None:
                    unsaved.add((r, c))
        grids.append(Grid(path, sheet.title, cells, list(range(1, len(cells) + 1)),
                          unsaved_formulas=unsaved, hidden=sheet.sheet_state != "visible"))
    return grids
