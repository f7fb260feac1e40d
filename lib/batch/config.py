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
from pathlib import Path

import yaml

from lib.batch.pool import cell_source as _source
from lib.batch.pool import CELL_TIMEOUT, KERNEL_NAME
from lib.data.paths import NOTEBOOKS_DIR, REPORTS_CONFIG, ROOT
from lib.messages import LANGUAGES

CONFIG_KEYS = {"years", "languages", "reports", "kernel", "notebooks_dir", "cell_timeout"}
ENTRY_KEYS = {"notebook", "unit_level", "unit_codes", "peer_group", "parameters", "years", "data"}
LEVELS = ("country", "province", "district", "commune")
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


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # notebook names and unit codes


def load_config(path: Path = REPORTS_CONFIG) -> Config:
    """Read and check ``reports.yml``; raise :class:`ConfigError` listing every problem.

    Checked: known keys only; ``years`` integers; ``languages`` a list of distinct languages
    with a message catalogue (default ``[vi, en]``: every report is built in each; the old
    ``lang`` key is an error saying so); each entry names an existing notebook, a unit level,
    either ``unit_codes`` (quoted strings) or a ``peer_group``, optional extra ``parameters``
    and the ``data`` that decide which unit-years have a report. Units, peer groups and parameter types are checked by
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
    problems = [f"{name}: unknown key {k!r} (known: {', '.join(sorted(CONFIG_KEYS))})"
                for k in raw if k not in CONFIG_KEYS and k != "lang"]  # lang: below
    years = raw.get("years", [])
    if not isinstance(years, list) or not all(_is_int(y) for y in years):
        problems.append(f"{name}: years must be a list of integers, e.g. [2022, 2023]; "
                        f"got {years!r}")
        years = []
    if "lang" in raw:
        problems.append(f"{name}: 'lang' is replaced by 'languages', a list: every report is "
                        f"built in each language listed, e.g. languages: [{', '.join(LANGUAGES)}]")
    languages = raw.get("languages", list(LANGUAGES))
    if not isinstance(languages, list) or not languages \
            or any(lang not in LANGUAGES for lang in languages) \
            or len(set(languages)) != len(languages):
        problems.append(f"{name}: languages must be a list of distinct languages among "
                        f"{', '.join(LANGUAGES)}, e.g. [{', '.join(LANGUAGES)}]; got {languages!r}")
        languages = []
    kernel = raw.get("kernel", KERNEL_NAME)
    if not isinstance(kernel, str):
        problems.append(f"{name}: kernel must be a kernel name; got {kernel!r}")
    cell_timeout = raw.get("cell_timeout", CELL_TIMEOUT)
    if not _is_int(cell_timeout) or cell_timeout <= 0:
        problems.append(f"{name}: cell_timeout must be a positive number of seconds")
    notebooks_dir = (path.parent / raw["notebooks_dir"]).resolve() if raw.get("notebooks_dir") \
        else NOTEBOOKS_DIR
    entries = []
    for i, entry in enumerate(raw["reports"], 1):
        checked = _check_entry(entry, f"{name}: report {i}", years, notebooks_dir, problems)
        if checked is not None:
            entries.append(checked)
    if problems:
        raise ConfigError(problems)
    return Config(path, text, years, languages, kernel, cell_timeout, notebooks_dir, entries)


def _check_entry(entry, where: str, years: list, notebooks_dir: Path,
                 problems: list[str]) -> dict | None:
    """One ``reports`` entry with its defaults filled in (None when it is not a mapping);
    its problems are appended to ``problems``."""
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a mapping")
        return None
    problems += [f"{where}: unknown key {k!r} (known: {', '.join(sorted(ENTRY_KEYS))})"
                 for k in entry if k not in ENTRY_KEYS]
    notebook = entry.get("notebook")
    if isinstance(notebook, str) and not _SAFE_NAME.fullmatch(notebook):
        # a name is also part of output paths: nothing may leave notebooks/ or outputs/
        problems.append(f"{where}: notebook {notebook!r} must be the name of a notebook in "
                        f"{notebooks_dir.name}/ (letters, digits, '_' and '-'), not a path")
    elif not isinstance(notebook, str) or not (notebooks_dir / f"{notebook}.ipynb").exists():
        problems.append(f"{where}: no notebook {notebooks_dir.name}/{notebook}.ipynb")
    if entry.get("unit_level") not in LEVELS:
        problems.append(f"{where}: unit_level must be one of {', '.join(LEVELS)}; "
                        f"got {entry.get('unit_level')!r}")
    if ("unit_codes" in entry) == ("peer_group" in entry):
        problems.append(f"{where}: give either unit_codes or peer_group")
    codes = entry.get("unit_codes", [])
    if not isinstance(codes, list):
        problems.append(f"{where}: unit_codes must be a list")
    else:
        problems += [f"{where}: unit code {c!r} must be a quoted string, e.g. \"{c}\" "
                     "(codes keep their leading zeros)"
                     for c in codes if not isinstance(c, str)]
    if "peer_group" in entry and not isinstance(entry["peer_group"], str):
        problems.append(f"{where}: peer_group must be a string")
    extra = entry.get("parameters", {})
    if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
        problems.append(f"{where}: parameters must be a mapping of names to values")
    else:
        problems += [f"{where}: parameter {k!r} is set by the runner, not in reports.yml"
                     for k in extra if k in RUNNER_PARAMETERS]
    entry_years = entry.get("years", years)
    if not isinstance(entry_years, list) or not all(_is_int(y) for y in entry_years):
        problems.append(f"{where}: years must be a list of integers; got {entry_years!r}")
    data = entry.get("data", notebook if notebook in DATA_RULES else None)
    if data not in DATA_RULES:
        problems.append(f"{where}: say which data decide the unit-years of notebook "
                        f"{notebook!r}: data: one of {', '.join(DATA_RULES)}")
    return {**entry, "data": data, "years": entry_years,
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


def declared_parameters(notebook: dict) -> dict[str, Declared]:
    """The parameters a notebook declares in its one cell tagged ``parameters``, like
    ``unit_code: str = "246"  # comment``. Raises ``ValueError`` when there is no such cell,
    several, or it is not valid Python."""
    cells = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"
             and "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{len(cells)} cells tagged 'parameters' (expected 1)")
    try:
        tree = ast.parse(_source(cells[0]))
    except SyntaxError as err:
        raise ValueError(f"parameters cell is not valid Python: {err}") from None
    declared = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation, value = node.target.id, ast.unparse(node.annotation), node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            continue
        try:
            default, has_default = ast.literal_eval(value), True
        except (ValueError, TypeError, SyntaxError):
            default, has_default = None, False
        declared[name] = Declared(name, annotation, default, has_default)
    return declared
