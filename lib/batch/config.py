"""``reports.yml``: read and checked (:func:`load_config`), and the parameters a notebook
declares in its ``parameters`` cell (:func:`declared_parameters`).

Every problem is collected and raised together as a :class:`ConfigError`, before any kernel
starts.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError, field_validator

from lib.batch.pool import CELL_TIMEOUT, KERNEL_NAME, skip_unused_iri_grammar
from lib.batch.pool import cell_source as _source
from lib.data.constants import UNIT_LEVELS
from lib.data.paths import NOTEBOOKS_DIR, REPORTS_CONFIG, ROOT
from lib.messages import LANGUAGES

RUNNER_PARAMETERS = ("unit_code", "reference_year", "unit_level", "lang")
DATA_RULES = ("scores", "overview", "infrastructure", "cashless", "all")
# libyaml's safe loader when PyYAML has it (10× faster on a national configuration)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,),
          "dict": (dict,)}


class ConfigError(ValueError):
    """``reports.yml``, a parameter set or a command-line selection is invalid; ``problems``
    lists every problem found (all are checked before anything runs)."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Config:
    """A validated ``reports.yml``: ``entries`` are its ``reports``, with defaults filled in."""

    path: Path
    text: str
    years: list
    languages: list
    kernel: str
    cell_timeout: int
    notebooks_dir: Path
    entries: list

    def notebook_file(self, notebook: str) -> Path:
        return self.notebooks_dir / f"{notebook}.ipynb"

    def notebook_display_path(self, notebook: str) -> str:
        path = self.notebook_file(notebook).resolve()
        return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # notebook names and unit codes


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_list(value, example: str = "") -> list:
    if not isinstance(value, list) or not all(_is_int(y) for y in value):
        raise ValueError(f"years must be a list of integers{example}; got {value!r}")
    return value


def _unless(value, problems: list[str]):
    """``value``, or a ``ValueError`` listing ``problems`` when there are any."""
    if problems:
        raise ValueError("; ".join(problems))
    return value


class ReportEntry(BaseModel):
    """One ``reports`` entry of ``reports.yml`` (the checks that need no data or notebook)."""

    model_config = ConfigDict(extra="forbid")

    notebook: Any = None
    unit_level: Any = None
    unit_codes: Any = None
    peer_group: Any = None
    parameters: Any = {}
    years: Any = None
    data: Any = None

    @field_validator("unit_level", mode="before")
    @classmethod
    def _level(cls, value):
        if value not in UNIT_LEVELS:
            raise ValueError(f"unit_level must be one of {', '.join(UNIT_LEVELS)}; got {value!r}")
        return value

    @field_validator("unit_codes", mode="before")
    @classmethod
    def _codes(cls, value):
        if value is None:
            return value
        if not isinstance(value, list):
            raise ValueError("unit_codes must be a list")
        return _unless(value, [f"unit code {c!r} must be a quoted string, e.g. \"{c}\" (codes "
                               "keep their leading zeros)" for c in value if not isinstance(c, str)])

    @field_validator("peer_group", mode="before")
    @classmethod
    def _group(cls, value):
        if value is not None and not isinstance(value, str):
            raise ValueError("peer_group must be a string")
        return value

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, value):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ValueError("parameters must be a mapping of names to values")
        return _unless(value, [f"parameter {k!r} is set by the runner, not in reports.yml"
                               for k in value if k in RUNNER_PARAMETERS])

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value):
        return value if value is None else _int_list(value)


class ReportsFile(BaseModel):
    """The top level of ``reports.yml``; its ``reports`` are checked one by one
    (:class:`ReportEntry`), so that each problem names its entry."""

    model_config = ConfigDict(extra="forbid")

    years: Any = []
    languages: Any = list(LANGUAGES)
    reports: list
    kernel: StrictStr = KERNEL_NAME
    notebooks_dir: StrictStr | None = None
    cell_timeout: Any = CELL_TIMEOUT

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value):
        return _int_list(value, ", e.g. [2022, 2023]")

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value):
        if not isinstance(value, list) or not value or any(v not in LANGUAGES for v in value) \
                or len(set(value)) != len(value):
            raise ValueError(f"languages must be a list of distinct languages among "
                             f"{', '.join(LANGUAGES)}, e.g. [{', '.join(LANGUAGES)}]; got {value!r}")
        return value

    @field_validator("cell_timeout", mode="before")
    @classmethod
    def _timeout(cls, value):
        if not _is_int(value) or value <= 0:
            raise ValueError("cell_timeout must be a positive number of seconds")
        return value


def _messages(err: ValidationError, where: str, known) -> list[str]:
    """The problems of a pydantic error in the words of this file: "reports.yml: unknown key
    'colour' (known: …)", "reports.yml: report 3: unit_level must be one of …"."""
    out = []
    for e in err.errors():
        if e["type"] == "extra_forbidden":
            out.append(f"{where}: unknown key {e['loc'][0]!r} (known: {', '.join(sorted(known))})")
        elif e["type"] == "value_error":
            out.append(f"{where}: {e['ctx']['error']}")
        else:
            out.append(f"{where}: {'.'.join(map(str, e['loc']))} {e['msg'].lower()}; "
                       f"got {e['input']!r}")
    return out


def load_config(path: Path = REPORTS_CONFIG) -> Config:
    """Read and check ``reports.yml``; raise :class:`ConfigError` listing every problem.

    Checked (pydantic models :class:`ReportsFile` and :class:`ReportEntry`): known keys only;
    ``years`` integers; ``languages`` a list of distinct languages with a message catalogue
    (default ``[vi, en]``: every report is built in each; the old ``lang`` key is an error saying
    so); each entry names an existing notebook, a unit level, either ``unit_codes`` (quoted
    strings) or a ``peer_group``, optional extra ``parameters`` and the ``data`` that decide
    which unit-years have a report. Units, peer groups and parameter types are checked by
    :func:`plan`, against the data and the notebooks.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from None
    name = path.name
    if not isinstance(raw, dict) or not isinstance(raw.get("reports"), list):
        raise ConfigError(f"{name}: expected a mapping with a 'reports' list")
    problems = []
    if "lang" in raw:
        problems.append(f"{name}: 'lang' is replaced by 'languages', a list: every report is "
                        f"built in each language listed, e.g. languages: [{', '.join(LANGUAGES)}]")
    top = None  # valid whenever no problem is found
    try:
        top = ReportsFile.model_validate({k: v for k, v in raw.items() if k != "lang"})
    except ValidationError as err:
        problems += _messages(err, name, ReportsFile.model_fields)
    years = raw.get("years", [])  # the entries' default, checked above
    years = years if isinstance(years, list) and all(map(_is_int, years)) else []
    notebooks_dir = (path.parent / raw["notebooks_dir"]).resolve() \
        if isinstance(raw.get("notebooks_dir"), str) and raw["notebooks_dir"] else NOTEBOOKS_DIR
    entries = []
    for i, entry in enumerate(raw["reports"], 1):
        checked = _check_entry(entry, f"{name}: report {i}", years, notebooks_dir, problems)
        if checked is not None:
            entries.append(checked)
    if problems:
        raise ConfigError(problems)
    return Config(path, text, years, list(top.languages), top.kernel, top.cell_timeout,
                  notebooks_dir, entries)


def _check_entry(entry, where: str, years: list, notebooks_dir: Path,
                 problems: list[str]) -> dict | None:
    """One ``reports`` entry with its defaults filled in (None when it is not a mapping);
    its problems are appended to ``problems``."""
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a mapping")
        return None
    try:
        ReportEntry.model_validate(entry)
    except ValidationError as err:
        problems += _messages(err, where, ReportEntry.model_fields)
    notebook = entry.get("notebook")
    if isinstance(notebook, str) and not _SAFE_NAME.fullmatch(notebook):
        # a name is also part of output paths: nothing may leave notebooks/ or outputs/
        problems.append(f"{where}: notebook {notebook!r} must be the name of a notebook in "
                        f"{notebooks_dir.name}/ (letters, digits, '_' and '-'), not a path")
    elif not isinstance(notebook, str) or not (notebooks_dir / f"{notebook}.ipynb").exists():
        problems.append(f"{where}: no notebook {notebooks_dir.name}/{notebook}.ipynb")
    if ("unit_codes" in entry) == ("peer_group" in entry):
        problems.append(f"{where}: give either unit_codes or peer_group")
    data = entry.get("data", notebook if notebook in DATA_RULES else None)
    if data not in DATA_RULES:
        problems.append(f"{where}: say which data decide the unit-years of notebook "
                        f"{notebook!r}: data: one of {', '.join(DATA_RULES)}")
    extra = entry.get("parameters", {})
    return {**entry, "data": data, "years": entry.get("years", years),
            "parameters": extra if isinstance(extra, dict) else {}}


@dataclass(frozen=True)
class Declared:
    """A parameter declared in a notebook's ``parameters`` cell."""

    name: str
    annotation: str | None
    default: object = None
    has_default: bool = False

    @property
    def type_name(self) -> str | None:
        if self.annotation in _TYPES:
            return self.annotation
        if self.annotation is None and self.has_default and type(self.default).__name__ in _TYPES:
            return type(self.default).__name__
        return None


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def inspect_parameters(path: str | Path) -> dict[str, dict[str, str]]:
    """``papermill.inspect_notebook`` of the notebook at ``path``: name → ``name``,
    ``inferred_type_name`` (the annotation, or ``"None"``), ``default`` and ``help`` (the
    comment), all str, in the cell's order. Raises ``ValueError`` when no cell or several are
    tagged ``parameters`` (papermill would take the first) or the cell is not valid Python
    (papermill would find no parameters)."""
    cells = [c for c in read_notebook(path).get("cells", []) if c.get("cell_type") == "code"
             and "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{len(cells)} cells tagged 'parameters' (expected 1)")
    try:
        compile(_source(cells[0]), str(path), "exec")
    except SyntaxError as err:
        raise ValueError(f"parameters cell is not valid Python: {err}") from None
    skip_unused_iri_grammar()
    import papermill

    return papermill.inspect_notebook(str(path))


def as_declared(inspected: dict[str, dict[str, str]]) -> dict[str, Declared]:
    """:func:`inspect_parameters`' answer as :class:`Declared` parameters (defaults evaluated
    as Python literals; a default that is not one has ``has_default`` False)."""
    result = {}
    for name, found in inspected.items():
        annotation = None if found["inferred_type_name"] == "None" else found["inferred_type_name"]
        try:
            default, has_default = ast.literal_eval(found["default"]), True
        except (ValueError, TypeError, SyntaxError):
            default, has_default = None, False
        result[name] = Declared(name, annotation, default, has_default)
    return result


def declared_parameters(path: str | Path) -> dict[str, Declared]:
    """The parameters the notebook at ``path`` declares in its cell tagged ``parameters``
    (``unit_code: str = "246"  # comment``); raises as :func:`inspect_parameters`."""
    return as_declared(inspect_parameters(path))
