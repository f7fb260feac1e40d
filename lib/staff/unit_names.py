"""Administrative units: resolve unit names as people write them to GSO codes.

A name is matched after NFC normalisation, case folding and removal of diacritics, and after
its type prefix ("Huyện", "TP.", "Thành phố", "UBND huyện"…, listed in
``lib/data/reference/aliases.csv`` as ``unit_prefix``) is split off. So "Huyện Lập Thạch",
"Lập Thạch", "Lap Thach", "H. Lập Thạch" and the NFD spelling all give ``246``. Only units valid
in the data's year are candidates; an unknown or ambiguous name raises
:class:`UnitNameError`, which suggests the closest matches.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib.data.datasets.units import Unit
from lib.data.parse import fold_text, normalize_text
from lib.data.paths import RAW_DIR, REFERENCE_DIR

ALIASES_FILE = REFERENCE_DIR / "aliases.csv"


class UnitNameError(LookupError):
    """A unit name that matches no unit, or several; ``suggestions`` lists close matches."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        self.message, self.suggestions = message, suggestions or []
        super().__init__(message)

    @property
    def hint(self) -> str:
        """'did you mean …?' text, or ``""``."""
        return f"did you mean {' or '.join(self.suggestions)}?" if self.suggestions else ""


@lru_cache(maxsize=1)
def read_aliases() -> pd.DataFrame:
    """The alias table ``lib/data/reference/aliases.csv``.

    Returns
    -------
    DataFrame
        ``kind`` str (``column``, ``indicator``, ``unit_prefix``, ``row_label``), ``canonical``
        str, ``alias`` str, ``lang`` str, ``note`` str, and ``folded`` str (the alias as
        :func:`lib.data.parse.fold_text` folds it, for matching).
    """
    aliases = pd.read_csv(ALIASES_FILE, dtype=str, keep_default_na=False)
    aliases["folded"] = aliases["alias"].map(fold_text)
    return aliases


@lru_cache(maxsize=1)
def _prefixes() -> list[tuple[list[str], str]]:
    table = read_aliases()
    table = table[table["kind"] == "unit_prefix"]
    pairs = [(row.folded.split(), row.canonical) for row in table.itertuples()]
    return sorted(pairs, key=lambda p: -len(p[0]))  # longest first: "thi tran" before "tt"


def split_unit_prefix(name: str) -> tuple[str, str]:
    """``"TP. Vĩnh Yên"`` → ``("Thành phố", "vinh yen")``: the canonical type (``""`` when none)
    and the folded rest of the name. Several prefixes are removed ("UBND huyện Lập Thạch")."""
    words = fold_text(name).split()
    unit_type = ""
    changed = True
    while changed and len(words) > 1:
        changed = False
        for prefix, canonical in _prefixes():
            if words[: len(prefix)] == prefix and len(words) > len(prefix):
                words, changed = words[len(prefix):], True
                unit_type = canonical or unit_type
                break
    return unit_type, " ".join(words)


@lru_cache(maxsize=4)
def load_units(raw_dir: str = str(RAW_DIR)) -> pd.DataFrame:
    """The ``units`` table built from the administrative raw files (no processed data needed).

    Returns the columns of :func:`lib.data.datasets.units.schema`. Raises
    :class:`lib.data.io.DataError` when an administrative raw file cannot be read.
    """
    from lib.data.datasets import units
    from lib.data.io import read_raw_csv

    raw = {name: read_raw_csv(Path(raw_dir) / name) for name in units.RAW_FILES}
    return units.clean(raw)


def _valid_in(row, year: int | None) -> bool:
    if year is None:
        return True
    start, end = row.valid_from, row.valid_to
    return (pd.isna(start) or str(start) <= f"{year}-12-31") and \
        (pd.isna(end) or str(end) >= f"{year}-01-01")


class UnitResolver:
    """Resolve unit names (or codes) to :class:`Unit` records.

    Parameters
    ----------
    units
        A ``units`` table (see :func:`load_units`); by default the one built from ``data/raw``.
    """

    def __init__(self, units: pd.DataFrame | None = None):
        self.units = load_units() if units is None else units
        self._by_key: dict[str, list] = {}
        for row in self.units.itertuples(index=False):
            names = {row.unit_name, *re.split(r"[;|]", row.name_variants or "")}
            for name in filter(None, map(normalize_text, names)):
                key = split_unit_prefix(name)[1]
                entries = self._by_key.setdefault(key, [])
                if not any(e is row for e in entries):
                    entries.append(row)

    @staticmethod
    def _unit(row) -> Unit:
        parent = None if pd.isna(row.parent_code) else str(row.parent_code)
        return Unit(row.unit_code, row.unit_name, row.unit_type, row.unit_level, parent)

    def _label(self, row) -> str:
        return f"{row.unit_type} {row.unit_name} ({row.unit_code})".strip()

    def resolve(self, text: object, year: int | None = None, level: str | None = None,
                parent_code: str | None = None) -> Unit:
        """The unit that ``text`` names (a name in any common form, or a GSO code).

        ``year`` keeps units valid in that calendar year; ``level`` and ``parent_code``
        (e.g. ``"district"``, ``"26"``) narrow the candidates.

        Raises
        ------
        UnitNameError
            No unit, or several, match; the error suggests the closest names.
        """
        raw = normalize_text(text)
        if not raw:
            raise UnitNameError("empty unit name")

        def keep(row, check_year=True) -> bool:
            return (level is None or row.unit_level == level) and \
                (parent_code is None or row.parent_code == parent_code) and \
                (not check_year or _valid_in(row, year))

        if re.fullmatch(r"\d{2,5}", raw):
            rows = [r for r in self.units.itertuples(index=False)
                    if r.unit_code == raw and keep(r)]
            if rows:
                return self._unit(rows[0])
            raise UnitNameError(f"unknown unit code {raw!r}"
                                + (f" for level {level}" if level else "")
                                + (f" in {year}" if year else ""))
        unit_type, key = split_unit_prefix(raw)
        found = self._by_key.get(key, [])
        rows = [r for r in found if keep(r)]
        if len(rows) > 1 and unit_type:
            typed = [r for r in rows if r.unit_type == unit_type]
            rows = typed or rows
        codes = {r.unit_code: r for r in rows}
        if len(codes) == 1:
            return self._unit(next(iter(codes.values())))
        if len(codes) > 1:
            raise UnitNameError(f"ambiguous unit name {raw!r}",
                                [self._label(r) for r in codes.values()])
        outside_year = [r for r in found if keep(r, check_year=False)]
        if outside_year:
            r = outside_year[0]
            raise UnitNameError(
                f"{self._label(r)} did not exist in {year} "
                f"(valid {r.valid_from if not pd.isna(r.valid_from) else '…'} to "
                f"{r.valid_to if not pd.isna(r.valid_to) else '…'})")
        candidates = {k: rs for k, rs in self._by_key.items() if any(keep(r) for r in rs)}
        close = difflib.get_close_matches(key, list(candidates), n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(self._label(r) for k in close for r in candidates[k]
                                         if keep(r)))
        where = (f" among {level} units" if level else "") + \
            (f" of {parent_code}" if parent_code else "") + (f" in {year}" if year else "")
        raise UnitNameError(f"unknown unit name {raw!r}{where}", suggestions[:3])


@lru_cache(maxsize=4)
def default_resolver(raw_dir: str = str(RAW_DIR)) -> UnitResolver:
    """A cached :class:`UnitResolver` over the units built from ``raw_dir``."""
    return UnitResolver(load_units(raw_dir))
