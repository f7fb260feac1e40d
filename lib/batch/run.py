"""Report runner: plan the reports of ``reports.yml``, rebuild those whose inputs changed on
warm kernels (in parallel, or on a Dask cluster), publish them and write the index of each
language (every report is built in each language of ``languages``: Vietnamese pages in
``html/``, English in ``html/en/``).

A run goes: take the outputs lock → bring ``data/processed`` up to date → expand and validate
the plan (notebook × unit × year × language; every parameter set against the notebook's
declared parameters) → decide what to rebuild → execute (:mod:`lib.batch.pool`, :mod:`lib.batch.cluster`) →
publish each result as it arrives → write the index, the state and the run manifest.

A report is rebuilt when its notebook, its parameters, the processed data (``data_version``,
which every page shows), the ``lib`` code, the pinned ``requirements.txt``, the Python
version or the kernel changed, when its last attempt failed or its files are missing, or with
``--force``. A failing report keeps its executed copy with the traceback
(``executed/<year>/<stem>.failed.ipynb``), never replaces the published HTML (the index marks
it stale) and makes the run exit with code 1. See ``docs/batch.md``.

Exit codes: 0 every planned report built or up to date; 1 some reports failed (or the
index, state or manifest could not be written: a disk that failed mid-run); 2 bad
configuration, parameters or input data (nothing was executed); 3 another run holds the lock.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _json_string  # the C string escaper
from pathlib import Path

import yaml

from lib.batch import code as code_
from lib.batch import state as state_
from lib.batch.pool import cell_source as _source
from lib.batch.pool import CELL_TIMEOUT, KERNEL_NAME, notebook_imports
from lib.data.paths import NOTEBOOKS_DIR, RAW_DIR, REPORTS_CONFIG, ROOT, outputs_dir, processed_dir
from lib.messages import DEFAULT_LANGUAGE, LANGUAGES

EXIT_OK, EXIT_REPORTS_FAILED, EXIT_BAD_CONFIG, EXIT_LOCKED = 0, 1, 2, 3
CONFIG_KEYS = {"years", "languages", "reports", "kernel", "notebooks_dir", "cell_timeout"}
ENTRY_KEYS = {"notebook", "unit_level", "unit_codes", "peer_group", "parameters", "years", "data"}
LEVELS = ("country", "province", "district", "commune")
OUTPUTS_MIN_FREE = 50 * 10**6  # bytes free in outputs/ before a run starts
RUNNER_PARAMETERS = ("unit_code", "reference_year", "unit_level", "lang")
DATA_RULES = ("scores", "overview", "infrastructure", "cashless", "all")
INPUT_LABELS = {"notebook": "notebook", "parameters": "parameters", "data": "processed data",
                "lib": "lib code", "requirements": "pinned requirements", "python": "Python",
                "runner": "runner", "kernel": "kernel"}
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


# ------------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Job:
    """One report: a notebook run for one unit and reference year in one language (``extra``:
    further parameters from the ``parameters`` of its ``reports.yml`` entry, as sorted pairs).

    Its key names the language (``vi/2023/246-scores``); its page and executed notebook lie in
    the language's folder (:func:`lib.site.portfolio.language_root`): ``2023/246-scores.html`` and
    ``executed/2023/246-scores.ipynb`` in Vietnamese, ``en/2023/…`` and ``executed/en/2023/…``
    in English. ``parameters_sha`` is the hash of its parameters in its fingerprint, computed
    when the job is made (a cached plan passes it back: a no-op hashes nothing)."""

    notebook: str
    unit_code: str
    unit_level: str
    unit_name: str
    reference_year: int
    lang: str = DEFAULT_LANGUAGE
    extra: tuple = ()
    parameters_sha: str = field(default="", repr=False, compare=False)
    key: str = field(init=False, repr=False, compare=False)  # looked up ten times per run

    def __post_init__(self):
        object.__setattr__(self, "key", f"{self.lang}/{self.reference_year}/{self.stem}")
        if not self.parameters_sha:
            object.__setattr__(self, "parameters_sha", state_.sha256_bytes(
                self.parameters_json().encode())[:20])

    def parameters_json(self) -> str:
        """:func:`lib.batch.state.canonical_json` of :attr:`parameters`, written out directly
        for the four standard parameters (a plan from the tables makes 40,000 jobs)."""
        if self.extra or type(self.reference_year) is not int:
            return state_.canonical_json(self.parameters)
        text = _json_string
        return (f'{{"lang":{text(self.lang)},"reference_year":{self.reference_year},'
                f'"unit_code":{text(self.unit_code)},"unit_level":{text(self.unit_level)}}}')

    @property
    def parameters(self) -> dict:
        return {"unit_code": self.unit_code, "reference_year": self.reference_year,
                "unit_level": self.unit_level, "lang": self.lang, **dict(self.extra)}

    @property
    def stem(self) -> str:
        return f"{self.unit_code}-{self.notebook}"

    @property
    def label(self) -> str:
        return (f"{self.reference_year} {self.unit_code} {self.unit_name}: {self.notebook} "
                f"[{self.lang}]")

    @property
    def _rel(self) -> str:
        return f"{language_root(self.lang)}{self.reference_year}/{self.stem}"

    @property
    def html_rel(self) -> str:
        return f"{self._rel}.html"

    @property
    def executed_rel(self) -> str:
        return f"executed/{self._rel}.ipynb"

    @property
    def failed_rel(self) -> str:
        return f"executed/{self._rel}.failed.ipynb"

    def executed_path(self, out: Path) -> Path:
        return Path(out) / self.executed_rel

    def failed_path(self, out: Path) -> Path:
        return Path(out) / self.failed_rel

    def html_path(self, out: Path) -> Path:
        return Path(out) / "html" / self.html_rel

    def to_dict(self) -> dict:
        # by hand: dataclasses.asdict deep-copies every field (2 s for a national plan)
        return {"notebook": self.notebook, "unit_code": self.unit_code,
                "unit_level": self.unit_level, "unit_name": self.unit_name,
                "reference_year": self.reference_year, "lang": self.lang,
                "extra": [list(p) for p in self.extra], "parameters_sha": self.parameters_sha}

    @classmethod
    def from_dict(cls, data: dict) -> Job:
        extra = data.get("extra")
        return cls(data["notebook"], data["unit_code"], data["unit_level"], data["unit_name"],
                   data["reference_year"], data.get("lang", DEFAULT_LANGUAGE),
                   tuple(tuple(p) for p in extra) if extra else (),
                   data.get("parameters_sha", ""))


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


@dataclass
class Plan:
    """Reports to build, plus the unit-years without data (shown as "no data")."""

    jobs: list[Job] = field(default_factory=list)
    no_data: list[Job] = field(default_factory=list)
    config: Config | None = None

    def __iter__(self):
        return iter(self.jobs)

    def to_dict(self) -> dict:
        return {"jobs": [j.to_dict() for j in self.jobs],
                "no_data": [j.to_dict() for j in self.no_data]}

    @classmethod
    def from_dict(cls, data: dict, config: Config) -> Plan:
        return cls([Job.from_dict(j) for j in data["jobs"]],
                   [Job.from_dict(j) for j in data["no_data"]], config)


def language_root(lang: str) -> str:
    """:func:`lib.site.portfolio.language_root` (imported when first needed: a no-op run never
    loads the page templates and their text tables)."""
    from lib.site.portfolio import language_root as root

    return root(lang)


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
        where = f"{name}: report {i}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping")
            continue
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
        entries.append({**entry, "data": data, "years": entry_years,
                        "parameters": extra if isinstance(extra, dict) else {}})
    if problems:
        raise ConfigError(problems)
    return Config(path, text, years, languages, kernel, cell_timeout, notebooks_dir, entries)


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


def parameter_problems(job: Job, declared: dict[str, Declared]) -> list[str]:
    """Unknown or missing names and wrong types of a job's parameters."""
    where = f"{job.notebook} for {job.unit_code} ({job.reference_year})"
    passed = job.parameters
    problems = [f"{where}: unknown parameter {name!r} (declared: {', '.join(declared)})"
                for name in passed if name not in declared]
    problems += [f"{where}: parameter {name!r} is declared by the notebook but not given"
                 for name in declared if name not in passed]
    for name, value in passed.items():
        expected = declared[name].type_name if name in declared else None
        if expected and (not isinstance(value, _TYPES[expected])
                         or (expected in ("int", "float") and isinstance(value, bool))):
            problems.append(f"{where}: parameter {name!r} must be {expected}, got "
                            f"{type(value).__name__} {value!r}")
    return problems


def _availability(rule: str):
    """The (unit code, unit level or None, year) with data for ``rule``, or None for "all"."""
    import pandas as pd

    from lib.analysis import queries as profiles
    from lib.data.load import load_table

    if rule == "all":
        return None
    # columns as Python lists (.tolist()): iterating Arrow strings one by one is slow
    if rule in ("scores", "overview"):
        totals = profiles.dti_totals()
        totals = totals[totals["score"].notna() | totals["rank_low"].notna()]
        if rule == "scores":
            return set(zip(totals["unit_code"].tolist(), totals["unit_level"].tolist(),
                           totals["reference_year"].tolist()))
        parent = totals["peer_group"].str.extract(r"s_of_(.+)$", expand=False)
        return {(code, None, year) for code, year in zip(parent.tolist(),
                                                         totals["reference_year"].tolist())
                if isinstance(code, str)}
    themes = (profiles.INFRASTRUCTURE_THEMES if rule == "infrastructure"
              else profiles.CASHLESS_THEMES)
    indicators = load_table("indicators")
    rows = indicators[indicators["theme"].isin(themes) & ~indicators["is_target"]]
    figure_years = profiles.figure_years(rows)  # as profiles.unit_indicators
    keep = figure_years.notna().to_numpy(dtype=bool)
    pairs = pd.DataFrame({"code": rows["unit_code"][keep],
                          "year": figure_years[keep].astype("int64")}).drop_duplicates()
    return set(zip(pairs["code"].tolist(), [None] * len(pairs), pairs["year"].tolist()))


class PlanFacts:
    """What a plan takes from the processed data: the unit names of each level, the members
    of each peer group and, per ``data:`` rule, the unit-years with data. Each is computed
    from the tables (with pandas) when first asked, or read from ``cached`` — what
    :attr:`data` held after an earlier plan of the same data and code (the runner keeps it
    in ``state/plan_facts.json``), so that a changed ``reports.yml`` is planned without
    reading a table. ``changed`` says whether anything was computed."""

    def __init__(self, cached: dict | None = None):
        self.data: dict = cached if cached is not None else {}
        self.changed = False
        self._available: dict[str, set | None] = {}

    def _get(self, name: str, compute):
        if name not in self.data:
            self.data[name] = compute()
            self.changed = True
        return self.data[name]

    def names(self, level: str) -> dict[str, str]:
        """Unit code → name of the units of ``level`` (``units`` table)."""
        def compute():
            from lib.data.load import load_table

            units = load_table("units")
            at_level = units[units["unit_level"] == level]
            return dict(zip(at_level["unit_code"].tolist(), at_level["unit_name"].tolist()))

        return self._get(f"names:{level}", compute)

    def groups(self) -> dict[str, dict[str, str]]:
        """Peer group → {unit code: name} of the units with a DTI total in it."""
        def compute():
            from lib.analysis import queries as profiles

            return {g: dict(zip(rows["unit_code"].tolist(), rows["unit_name"].tolist()))
                    for g, rows in profiles.dti_totals().groupby("peer_group", sort=False)}

        return self._get("groups", compute)

    def available(self, rule: str) -> set | None:
        """:func:`_availability` of ``rule`` as a set of tuples (None for "all")."""
        if rule not in self._available:
            rows = self._get(f"available:{rule}", lambda: None if rule == "all" else
                             list(_availability(rule)))
            self._available[rule] = None if rows is None else {tuple(r) for r in rows}
        return self._available[rule]


def expand(config: Config, facts: PlanFacts | None = None) -> Plan:
    """Expand every entry into jobs (notebook × unit × year × language) and validate them all;
    ``facts``: what the data say (default: read from the processed tables).

    Raises :class:`ConfigError` listing unknown unit codes (for the entry's level), unknown
    or empty peer groups, duplicate reports, and every parameter set that does not match its
    notebook's declared parameters (unknown or missing names, wrong types).
    """
    facts = facts or PlanFacts()
    problems: list[str] = []
    result = Plan(config=config)
    seen: set[str] = set()
    declared: dict[str, dict] = {}
    for i, entry in enumerate(config.entries, 1):
        where = f"{config.path.name}: report {i} ({entry['notebook']})"
        notebook = entry["notebook"]
        if notebook not in declared:
            try:
                declared[notebook] = declared_parameters(
                    read_notebook(config.notebook_file(notebook)))
            except ValueError as err:
                problems.append(f"{config.notebook_display_path(notebook)}: {err}")
                declared[notebook] = None
        level = entry["unit_level"]
        names = facts.names(level)
        if "unit_codes" in entry:
            unknown = [c for c in entry["unit_codes"] if c not in names]
            if unknown:
                problems.append(f"{where}: unknown {level} code(s) {', '.join(map(repr, unknown))} "
                                f"in the units table")
            members = [(c, names[c]) for c in entry["unit_codes"] if c in names]
        else:
            # codes decide identity (a name spelled differently in one year is the same unit)
            members = sorted((c, names.get(c, n))
                             for c, n in facts.groups().get(entry["peer_group"], {}).items())
            if not members:
                problems.append(f"{where}: unknown or empty peer group {entry['peer_group']!r}")
        available = facts.available(entry["data"])
        extra = tuple(sorted(entry["parameters"].items()))
        # every job of an entry passes the same names with the same types: the first job is
        # checked, and all of them only when it has a problem (so the messages stay the same)
        check_each = declared[notebook] is not None
        for code, name in members:
            if not isinstance(code, str):
                problems.append(f"{where}: unit code {code!r} is not text")
                continue
            if not _SAFE_NAME.fullmatch(code):
                problems.append(f"{where}: unit code {code!r} cannot name an output file")
                continue
            for year in entry["years"]:
                has_data = available is None or (code, level, year) in available \
                    or (code, None, year) in available
                for lang in config.languages:  # every report in every language
                    job = Job(notebook, code, level, name, int(year), lang, extra)
                    if job.key in seen:
                        problems.append(f"{where}: report {job.key} is configured twice")
                        continue
                    seen.add(job.key)
                    if check_each:
                        found = parameter_problems(job, declared[notebook])
                        problems += found
                        check_each = bool(found)
                    (result.jobs if has_data else result.no_data).append(job)
    if problems:
        unique = list(dict.fromkeys(problems))
        more = [f"… and {len(unique) - 50} more"] if len(unique) > 50 else []
        raise ConfigError(unique[:50] + more)
    return result


def narrow(full: Plan, only=None, units=None, years=None, languages=None) -> Plan:
    """The part of a plan selected by ``--only``, ``--unit``, ``--year`` and ``--lang``; a
    name, code, year or language that no configured report has is a :class:`ConfigError`."""
    everything = full.jobs + full.no_data
    selection = ((only, "notebook", "notebook"), (units, "unit_code", "unit"),
                 (years, "reference_year", "year"), (languages, "lang", "language"))
    problems = []
    for values, attribute, what in selection:
        known = {getattr(j, attribute) for j in everything}
        unknown = [v for v in values or [] if v not in known]
        if unknown:
            listed = ", ".join(map(str, sorted(known, key=str)[:30]))
            problems.append(f"no report is configured for {what} {', '.join(map(str, unknown))} "
                            f"(configured: {listed}{' …' if len(known) > 30 else ''})")
    if problems:
        raise ConfigError(problems)

    def keep(job: Job) -> bool:
        return all(not values or getattr(job, attribute) in values
                   for values, attribute, _ in selection)

    return Plan([j for j in full.jobs if keep(j)], [j for j in full.no_data if keep(j)],
                full.config)


def plan(config: Config, only: list[str] | None = None, units: list[str] | None = None,
         years: list[int] | None = None, languages: list[str] | None = None) -> Plan:
    """Expand and validate the configuration (:func:`expand`), then narrow it (:func:`narrow`)."""
    return narrow(expand(config), only, units, years, languages)


# ------------------------------------------------------------------------------- running


@dataclass
class Outcome:
    """What happened to a job: ``built``, ``failed`` or ``up_to_date``; ``executed`` and
    ``html``: the files written (None for a report up to date: its record names its files)."""

    job: Job
    status: str
    seconds: float = 0.0
    error: str = ""
    executed: Path | None = None
    html: Path | None = None
    reason: str = ""


def ensure_kernel(name: str = KERNEL_NAME) -> None:
    """Install the project's Jupyter kernel into this environment if it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        if name != KERNEL_NAME:
            raise ConfigError(f"no Jupyter kernel {name!r}") from None
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL_NAME, display_name="Python (dti-notebooks)", prefix=sys.prefix)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def read_data_manifest() -> dict:
    path = processed_dir() / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def data_id(manifest: dict, tables: list[str] | None = None) -> str:
    """The processed data's identity in fingerprints (+ ":synthetic" for the synthetic panel):
    with ``tables``, a hash of those tables' SHA-256 in the data manifest (the tables a report
    read when it was last built); without, the whole ``data_version``."""
    synthetic = ":synthetic" if manifest.get("synthetic") else ""
    if tables is None:
        return manifest.get("data_version", "none") + synthetic
    hashes = {name: manifest.get("tables", {}).get(name, {}).get("sha256", "missing")
              for name in sorted(tables)}
    return "tables:" + state_.sha256_bytes(state_.canonical_json(hashes).encode())[:12] + synthetic


def inputs_of(job: Job, notebook_sha: str, manifest: dict, identity: dict, kernel: str,
              tables: list[str] | None = None, data: str | None = None, *, code: str) -> dict:
    """The input components of a report's fingerprint; ``tables``: the processed tables the
    report read when it was last built (None: all the data); ``data``: their
    :func:`data_id` when the caller has it already; ``code``: the hash of the modules the
    notebook imports and of the exporter (:meth:`BatchRun.notebook_code`)."""
    return {"notebook": notebook_sha,
            "parameters": job.parameters_sha,
            "data": data if data is not None else data_id(manifest, tables), "lib": code,
            "requirements": identity["requirements"], "python": identity["python"],
            "runner": identity["runner"], "kernel": kernel}


class OutputFiles:
    """The files of an outputs folder, each folder listed once (``os.scandir``) instead of one
    ``stat`` per file: a no-op of 20,000 reports checks 40,000 files."""

    def __init__(self, out: Path):
        self.out = str(out)
        self._names: dict[str, set[str]] = {}

    def is_file(self, relative: str) -> bool:
        """Whether ``relative`` (a path below the outputs folder, ``/``-separated) is a file."""
        folder, _, name = relative.rpartition("/")
        names = self._names.get(folder)
        if names is None:
            try:
                with os.scandir(os.path.join(self.out, folder)) as entries:
                    names = {entry.name for entry in entries if entry.is_file()}
            except OSError:  # no such folder, or not one
                names = set()
            self._names[folder] = names
        return name in names


def rebuild_reason(record: dict | None, inputs: dict, out: Path, force: bool = False,
                   files: OutputFiles | None = None) -> str:
    """Why a report must be rebuilt ("" when it is up to date); ``files``: the outputs
    folder's :class:`OutputFiles` when many reports are checked (default: ``stat`` each)."""
    if force:
        return "forced"
    if not record or record.get("status") == "no_data" or not record.get("inputs"):
        return "new"
    if record.get("status") == "failed":
        return "last attempt failed"
    if record["inputs"] != inputs:  # one comparison when nothing changed
        changed = [INPUT_LABELS.get(k, k) for k in inputs
                   if record["inputs"].get(k) != inputs[k]]
        if changed:
            return ", ".join(changed) + " changed"
    html, executed = f"html/{record.get('html')}", str(record.get("executed"))
    is_file = files.is_file if files is not None \
        else (lambda relative: os.path.isfile(os.path.join(out, relative)))
    if not is_file(html) or not is_file(executed):
        return "output missing"
    return ""


def _record_base(job: Job) -> dict:
    return {"key": job.key, "notebook": job.notebook, "unit_code": job.unit_code,
            "unit_name": job.unit_name, "unit_level": job.unit_level,
            "reference_year": job.reference_year, "lang": job.lang, "parameters": job.parameters}


def index_entries(records, out: Path) -> list:
    """Portfolio entries for every report recorded in the outputs folder's state (built,
    failed or without data), whatever part of the plan the last run covered. A failed report
    whose previous HTML still exists is ``stale``."""
    from lib.site.portfolio import IndexEntry

    out = Path(out)
    entries = []
    for record in sorted(records, key=lambda r: r["key"]):
        status, html = record.get("status"), record.get("html")
        has_html = bool(html) and (out / "html" / html).is_file()
        if status == "failed":
            status = "stale" if has_html else "failed"
        elif status == "built" and not has_html:
            status = "failed"
        entries.append(IndexEntry(record["notebook"], record["unit_code"], record["unit_name"],
                                  record["unit_level"], int(record["reference_year"]), status,
                                  html if status in ("built", "stale") else None, record["lang"]))
    return entries


class Progress:
    """A bar on a terminal; otherwise a line per report (per tenth of a run of more than 50
    reports; failures at once)."""

    def __init__(self, total: int, enabled: bool = True):
        self.total, self.done, self.failed = total, 0, 0
        self.enabled = enabled
        self.started = time.perf_counter()
        self.bar = None
        self.step = 1 if total <= 50 else total // 10
        self.next_line = self.step
        if enabled and sys.stdout.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="reports", unit="report", file=sys.stdout)

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status == "failed"
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(f"{outcome.job.key} {outcome.status}", refresh=False)
            self.bar.update(1)
        elif outcome.status == "failed" or self.done >= self.next_line or self.done == self.total:
            self.next_line = self.done + self.step
            print(f"  [{self.done}/{self.total}] {time.perf_counter() - self.started:6.1f} s  "
                  f"{outcome.status:6s} {outcome.job.label}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class BatchRun:
    """One ``reports`` run on an outputs folder (see the module docstring)."""

    def __init__(self, out: Path | None = None, config_path: Path | None = None,
                 progress: bool = True):
        self.out = Path(out or outputs_dir())
        self.config_path = Path(config_path or REPORTS_CONFIG)
        self.progress = progress
        self.run_id = state_.new_run_id()
        self.state = state_.StateStore(self.out)
        self.lock = None
        self.started = time.time()
        self.identity = state_.code_identity()
        self._code_graph: dict | None = None
        self._code_hashes: dict[tuple, str] = {}
        self.manifest: dict = {}
        self.entries: list[dict] = []
        self.executor_info: dict = {}
        self.notes: list[str] = []
        self.storage_faults: list[str] = []  # why writes into the outputs folder failed
        self.unwritten: list[str] = []       # reports whose files could not be written
        self._state_saved = False
        self.phases: dict[str, float] = {}
        self._clock = time.perf_counter()
        self._epoch = time.time()

    def phase(self, name: str) -> None:
        """Record that ``name`` ended now (seconds since the run started, in the manifest)."""
        self.phases[name] = round(time.perf_counter() - self._clock, 3)
        state_.log.debug("phase %s at %.2f s", name, self.phases[name])

    # ----------------------------------------------------------------- lock, data, plan

    def acquire(self, wait: bool = False) -> None:
        self.lock = state_.RunLock(self.out, wait=wait).acquire(self.run_id)
        self.log_path = state_.start_log(self.out, self.run_id)
        state_.log.info("run %s: %s", self.run_id, " ".join(sys.argv))
        self.state.load()
        self.phase("locked")

    def release(self) -> None:
        state_.stop_log(self.run_id)
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def ensure_data(self, build: bool = True) -> dict:
        """Bring the processed data up to date (unless they are the synthetic panel) and
        return their manifest. A stat check of ``data/raw`` and the ``lib`` hash skip the
        full check when nothing changed since the last run that verified them."""
        manifest = read_data_manifest()
        if manifest.get("synthetic"):
            self.notes.append("processed data are the synthetic panel: not rebuilt from data/raw")
            return manifest
        check = {"raw": state_.raw_signature(RAW_DIR), "lib": self.code_hash(code_.BUILD),
                 "processed": str(processed_dir()), "data_version": manifest.get("data_version")}
        tables_exist = bool(manifest) and all(
            (processed_dir() / f"{t}.parquet").exists() for t in manifest.get("tables", {}))
        if tables_exist and self.state.data.get("data_check") == check:
            self.phase("data_checked")
            return manifest
        if not build:
            from lib.build import pipeline

            if not pipeline.is_up_to_date():
                self.notes.append("processed data are out of date: a real run rebuilds them first")
            return manifest
        from lib.build import pipeline

        manifest = pipeline.build()
        self.state.set("data_check", {**check, "data_version": manifest.get("data_version")})
        self.phase("data_checked")
        return manifest

    def full_plan(self, config: Config, manifest: dict) -> tuple[Plan, dict]:
        """The whole configuration's plan (cached by configuration, notebooks, data and code)
        and the SHA-256 of each notebook."""
        notebook_sha = {e["notebook"]: state_.sha256_path(config.notebook_file(e["notebook"]))
                        for e in config.entries}
        key = state_.sha256_bytes(state_.canonical_json({
            "config": config.text, "config_path": str(config.path.resolve()),
            "notebooks": notebook_sha, "data": data_id(manifest), "lib": self.identity["lib"],
            "runner": state_.RUNNER_VERSION}).encode())
        cached = self.state.cached("plan", key)
        if cached is not None:
            self.phase("planned (cached)")
            return Plan.from_dict(cached, config), notebook_sha
        facts_key = state_.sha256_bytes(state_.canonical_json({
            "data": data_id(manifest), "processed": str(processed_dir()),
            "lib": self.identity["lib"], "runner": state_.RUNNER_VERSION}).encode())
        facts = PlanFacts(self.state.cached("plan_facts", facts_key))
        full = expand(config, facts)
        self.state.store("plan", key, full.to_dict())
        if facts.changed:
            self.state.store("plan_facts", facts_key, facts.data)
        self.phase("planned and validated")
        return full, notebook_sha

    # ------------------------------------------------------------------------ execution

    def tasks_for(self, jobs: list[Job], config: Config, manifest: dict, data_dir: str | None):
        from lib.batch.pool import ReportTask
        from lib.site.portfolio import report_title

        sources = {n: config.notebook_file(n).read_text(encoding="utf-8")
                   for n in {j.notebook for j in jobs}}
        preload: dict[str, None] = {}
        for source in sources.values():
            preload.update((m, None) for m in notebook_imports(json.loads(source)))
        return [ReportTask(
            key=job.key, notebook=job.notebook,
            notebook_path=config.notebook_display_path(job.notebook), source=sources[job.notebook],
            parameters=job.parameters,
            title=report_title(job.notebook, job.unit_name, job.reference_year, job.lang),
            lang=job.lang, languages=tuple(config.languages),
            data_version=manifest.get("data_version", "unknown"),
            html_rel=job.html_rel, executed_rel=job.executed_rel, data_dir=data_dir,
            kernel_name=config.kernel, cell_timeout=config.cell_timeout,
            preload=tuple(preload)) for job in jobs]

    def longest_first(self, tasks: list) -> list:
        """Tasks by their last duration, longest (or never built) first, so that no worker
        is left with a long report at the end of the run."""
        def last(task) -> float:
            return (self.state.get(task.key) or {}).get("seconds") or float("inf")

        return sorted(tasks, key=last, reverse=True)

    def prestart(self, config: Config, cluster: str | None, workers: int) -> None:
        """Start the forkserver this machine's worker processes fork from once the plan is
        valid and has reports to build (a no-op starts none), in the background while the
        tasks are prepared; it ends with this process."""
        import multiprocessing.forkserver

        from lib.batch.pool import use_forkserver, worker_context

        if (cluster or workers > 1) and use_forkserver():
            worker_context(["distributed", "lib.batch.cluster"] if cluster else [])
            multiprocessing.forkserver.ensure_running()
        self.phase("helpers started")

    def execute(self, jobs: list[Job], config: Config, manifest: dict, inputs: dict,
                reasons: dict, workers: int, scheduler: str | None = None,
                cluster: str | None = None) -> list[Outcome]:
        """Run ``jobs`` on the chosen executor, publishing each result as it arrives."""
        if scheduler or cluster:
            from lib.batch.cluster import DataBundle, DaskPool

            executor = DaskPool(scheduler, workers, config.kernel)
            executor.connect()
            self.phase("cluster connected")
            tasks = self.longest_first(self.tasks_for(jobs, config, manifest, None))
            bundle = DataBundle.from_dir(processed_dir(), data_id(manifest))
            results = executor.run(tasks, bundle)
            self.executor_info = {**executor.describe(), "data_bundle_bytes": bundle.size}
        else:
            from lib.batch.pool import LocalPool

            tasks = self.tasks_for(jobs, config, manifest, str(processed_dir()))
            executor = LocalPool(workers, config.kernel, env={
                "DTI_PROCESSED_DIR": str(processed_dir())})
            results = executor.run(self.longest_first(tasks))
            self.executor_info = executor.describe()
        by_key = {job.key: job for job in jobs}
        progress = Progress(len(jobs), self.progress)
        outcomes = []
        try:
            for result in results:
                if not outcomes:
                    self.phase("first result")
                job = by_key[result.key]
                outcome = self.publish(job, result, inputs[job.key], reasons.get(job.key, ""),
                                       manifest)
                outcomes.append(outcome)
                progress.update(outcome)
            self.phase("last result")
        finally:
            progress.close()
            if hasattr(executor, "close"):
                executor.close()
            self.phase("executor closed")
        return outcomes

    def code_graph(self) -> dict[str, list[str]]:
        """The import graph of ``lib`` (:func:`lib.batch.code.import_graph`), kept in
        ``state/code_graph.json`` per version of ``lib``."""
        if self._code_graph is None:
            self._code_graph = self.state.cached("code_graph", self.identity["lib"])
            if self._code_graph is None:
                self._code_graph = code_.import_graph()
                self.state.store("code_graph", self.identity["lib"], self._code_graph)
        return self._code_graph

    def code_hash(self, roots) -> str:
        """:func:`lib.batch.code.code_hash` of ``roots`` (module names), once per run."""
        roots = tuple(sorted(roots))
        if roots not in self._code_hashes:
            self._code_hashes[roots] = code_.code_hash(roots, self.code_graph())
        return self._code_hashes[roots]

    def notebook_code(self, config: Config, notebook: str) -> str:
        """The code a notebook's reports depend on: the modules it imports, transitively, and
        the exporter with its templates."""
        imports = notebook_imports(read_notebook(config.notebook_file(notebook)))
        return self.code_hash([*imports, *code_.EXPORTER])

    def inputs_for(self, jobs: list[Job], notebook_sha: dict, manifest: dict,
                   config: Config) -> dict:
        """Each report's fingerprint inputs (:func:`inputs_of`), its data being the tables
        it read when last built."""
        shared: dict[tuple, dict] = {}  # one set per notebook and tables read, not per report
        get = self.state.get

        def inputs(job: Job) -> dict:
            tables = (get(job.key) or {}).get("tables_read")
            key = (job.notebook, None if tables is None else tuple(tables))
            base = shared.get(key)
            if base is None:
                base = shared[key] = inputs_of(
                    job, notebook_sha[job.notebook], manifest, self.identity, config.kernel,
                    tables, code=self.notebook_code(config, job.notebook))
            own = base.copy()
            own["parameters"] = job.parameters_sha
            return own

        return {j.key: inputs(j) for j in jobs}

    def publish(self, job: Job, result, inputs: dict, reason: str, manifest: dict) -> Outcome:
        """Write a result into the outputs folder and record it (journal first); a built
        report's data input becomes the tables it read (``manifest``: the data manifest).

        A write that fails (a full or read-only disk, ``OSError``) fails this report only: its
        executed notebook and HTML are replaced together or not at all, no temporary file
        stays, the previous page stays published (the index marks it stale), and the error
        names the file and the fault (also in :attr:`storage_faults`). Never raises for it."""
        out = self.out
        record = dict(self.state.get(job.key) or {})
        if result.status == "built":
            try:
                write_report(job, out, result)
            except OSError as err:
                result = dataclasses.replace(result, status="failed", executed=None,
                                             error=self._storage_fault(err, job, record))
        if result.status == "built":  # depend on the tables the report read, no others
            inputs = {**inputs, "data": data_id(manifest, result.tables_read)}
            record["tables_read"] = result.tables_read
        fingerprint = state_.report_fingerprint(inputs)
        now = state_.now_iso()
        record.update(_record_base(job))
        record.update({"fingerprint": fingerprint, "inputs": inputs, "run_id": self.run_id,
                       "updated_at": now, "seconds": round(result.timings.get("total", 0.0), 3)})
        if result.status == "built":
            html = job.html_path(out)
            with contextlib.suppress(OSError):
                job.failed_path(out).unlink(missing_ok=True)
            record.update({"status": "built", "html": job.html_rel, "executed": job.executed_rel,
                           "good": {"fingerprint": fingerprint, "built_at": now,
                                    "run_id": self.run_id},
                           "failure": None})
            outcome = Outcome(job, "built", result.timings.get("total", 0.0),
                              executed=job.executed_path(out), html=html, reason=reason)
        else:
            executed = None
            if result.executed:
                try:
                    executed = state_.write_bytes_atomic(job.failed_path(out),
                                                         result.executed.encode("utf-8"))
                except OSError as err:
                    result = dataclasses.replace(result, error=f"{result.error}; "
                                                 + self._storage_fault(err, job, record))
            had_html = bool(record.get("html")) and (out / "html" / record["html"]).is_file()
            record.update({"status": "failed",
                           "html": record.get("html") if had_html else None,
                           "executed": record.get("executed"),
                           "failure": {"error": result.error, "at": now, "run_id": self.run_id,
                                       "executed": job.failed_rel if executed else None}})
            outcome = Outcome(job, "failed", result.timings.get("total", 0.0), result.error,
                              executed=executed, html=out / "html" / record["html"] if had_html
                              else None, reason=reason)
        self.state.put(record)
        self.entries.append({**_record_base(job), "status": outcome.status, "reason": reason,
                             "fingerprint": fingerprint, "inputs": inputs,
                             "tables_read": record.get("tables_read"),
                             "error": result.error or None, "timings": result.timings,
                             "cell_seconds": result.cell_seconds, "worker": result.worker,
                             "kernel": result.kernel, "memory": result.memory,
                             "executed": str(outcome.executed.relative_to(out))
                             if outcome.executed else None,
                             "html": job.html_rel if outcome.status == "built"
                             else record.get("html")})
        state_.log.info("%s %s in %.2f s (%s)", outcome.status, job.key,
                        result.timings.get("total", 0.0), result.error or reason)
        boot = (result.kernel or {}).get("worker_boot")
        if boot:  # a worker's start-up, relative to this run's start
            self.entries[-1]["kernel"]["worker_boot"] = {
                k: round(v - self._epoch, 3) for k, v in boot.items()}
        return outcome

    def _storage_fault(self, err: OSError, job: Job, record: dict) -> str:
        """The sentence for a report that could not be written, noted in
        :attr:`storage_faults`."""
        from lib.data.io import storage_problem

        problem = storage_problem(err)
        self.storage_faults.append(problem)
        self.unwritten.append(job.key)
        kept = bool(record.get("html")) and (self.out / "html" / record["html"]).is_file()
        return (f"cannot write {err.filename or job.html_path(self.out)} ({problem}); "
                + ("its previous page stays published" if kept else "nothing was published"))

    def record_skipped(self, jobs: list[Job]) -> list[Outcome]:
        """Manifest entries for up-to-date reports: key, language, fingerprint and files only
        (their parameters and inputs are in the state record the fingerprint names)."""
        outcomes = []
        get = self.state.get
        for job in jobs:
            record = get(job.key) or {}
            self.entries.append({"key": job.key, "lang": job.lang, "status": "up_to_date",
                                 "fingerprint": record.get("fingerprint"),
                                 "html": record.get("html"), "executed": record.get("executed")})
            outcomes.append(Outcome(job, "up_to_date"))  # its files: those of its record
        return outcomes

    def record_no_data(self, jobs: list[Job]) -> int:
        """Record the unit-years without data; return how many records changed."""
        changed = 0
        for job in jobs:
            record = self.state.get(job.key)
            if record is None or record.get("status") != "no_data" \
                    or record.get("unit_name") != job.unit_name:
                self.state.put({**_record_base(job), "status": "no_data", "run_id": self.run_id,
                                "updated_at": state_.now_iso()})
                changed += 1
            self.entries.append({**_record_base(job), "status": "no_data"})
        return changed

    def write_index(self, languages: list[str]) -> list[Path]:
        """Write the index and unit pages of each language
        (:func:`lib.site.portfolio.write_portfolio`)."""
        from lib.site.portfolio import write_portfolio

        return write_portfolio(index_entries(self.state.reports.values(), self.out),
                               self.out / "html", languages)

    def storage_error(self, what: str, err: OSError, consequence: str,
                      where: Path | None = None) -> None:
        """Print one sentence for a write into the outputs folder that failed (``what``: "the
        index"; ``where``: the file or folder, else the error's file name), and note it in
        the run log and :attr:`storage_faults`."""
        from lib.data.io import storage_problem

        problem = storage_problem(err)
        self.storage_faults.append(problem)
        where = f" {where or err.filename}" if where or err.filename else ""
        sentence = f"cannot write {what}{where} ({problem}); {consequence}"
        state_.log.error("%s", sentence)
        print(f"error: {sentence}", file=sys.stderr)

    def save_state(self) -> bool:
        """Write the state (once per run; later calls do nothing). A state that cannot be
        written is one sentence on stderr (the journal, if written, keeps the records);
        returns False then."""
        if self._state_saved:
            return True
        self._state_saved = True
        try:
            self.state.save()
            return True
        except OSError as err:
            self.storage_error("the state", err, "the next run rebuilds the reports it has no "
                               "record of")
            return False

    def write_manifest(self, config: Config | None, manifest: dict, args: dict,
                       exit_code: int | None) -> Path | None:
        """Write ``runs/<run id>/manifest.json`` (with ``exit_code``; None: the run was
        interrupted) and return its path; None, with one sentence on stderr, when it cannot
        be written."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        peaks: dict[str, int] = {}
        for entry in self.entries:
            memory, worker = entry.get("memory") or {}, entry.get("worker")
            if worker and memory:
                peak = memory.get("worker_peak", 0) + memory.get("kernel_peak", 0)
                peaks[worker] = max(peaks.get(worker, 0), peak)
        self.manifest = {
            "run_id": self.run_id, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z",
                                                             time.localtime(self.started)),
            "finished": state_.now_iso(), "wall_seconds": round(time.time() - self.started, 3),
            "exit_code": exit_code, "command": sys.argv, "arguments": args,
            "host": os.uname().nodename if hasattr(os, "uname") else "", "git": state_.git_commit(),
            "code": self.identity, "packages": state_.package_versions(),
            "config": {"path": str(config.path) if config else str(self.config_path),
                       "sha256": state_.sha256_bytes(config.text.encode()) if config else None,
                       "languages": config.languages if config else None},
            "data": {"processed_dir": str(processed_dir()),
                     "data_version": manifest.get("data_version"),
                     "synthetic": bool(manifest.get("synthetic")),
                     "tables": {k: v.get("sha256") for k, v in manifest.get("tables", {}).items()},
                     "raw_inputs": manifest.get("inputs", {})},
            "executor": self.executor_info, "counts": counts, "phases": self.phases,
            "peak_memory_per_worker": peaks, "notes": self.notes,
            "storage_faults": self.storage_faults, "reports": self.entries,
        }
        try:
            return state_.write_run_manifest(self.out, self.run_id, self.manifest)
        except OSError as err:
            self.storage_error("the run manifest", err, "the run log and the state keep what "
                               "could be written")
            return None


def run(plan_: Plan, out: Path | None = None, progress: bool = True, jobs: int | None = None,
        force: bool = True, scheduler: str | None = None,
        cluster: str | None = None) -> list[Outcome]:
    """Build the jobs of a plan into ``out`` and write the index; return the outcomes.

    With ``force`` (the default here) every job runs; otherwise up-to-date reports are
    skipped (``up_to_date`` outcomes). Takes the outputs lock (raises
    :class:`lib.batch.state.LockHeld` if another run holds it).
    """
    config = plan_.config or load_config()
    batch = BatchRun(out, config.path, progress)
    batch.acquire()
    try:
        manifest = batch.ensure_data()
        outcomes, exit_code = _build(batch, plan_, config, manifest, jobs or default_jobs(),
                                     force, scheduler, cluster)
        if not batch.save_state():
            exit_code = EXIT_REPORTS_FAILED
        batch.write_manifest(config, manifest, {"force": force, "jobs": jobs}, exit_code)
        return outcomes
    finally:
        batch.save_state()
        batch.release()


def _build(batch: BatchRun, plan_: Plan, config: Config, manifest: dict, workers: int,
           force: bool, scheduler: str | None, cluster: str | None,
           notebook_sha: dict | None = None) -> tuple[list[Outcome], int]:
    notebook_sha = notebook_sha or {n: state_.sha256_path(config.notebook_file(n))
                                    for n in {j.notebook for j in plan_.jobs}}
    inputs = batch.inputs_for(plan_.jobs, notebook_sha, manifest, config)
    files = OutputFiles(batch.out)
    reasons = {j.key: rebuild_reason(batch.state.get(j.key), inputs[j.key], batch.out, force,
                                     files) for j in plan_.jobs}
    todo = [j for j in plan_.jobs if reasons[j.key]]
    skipped = [j for j in plan_.jobs if not reasons[j.key]]
    changed = batch.record_no_data(plan_.no_data)
    outcomes = batch.record_skipped(skipped)
    if todo:
        ensure_kernel(config.kernel)
        if scheduler is None:  # only now: a no-op starts no helper process
            batch.prestart(config, cluster, workers)
        outcomes += batch.execute(todo, config, manifest, inputs, reasons, workers, scheduler,
                                  cluster)
    indexes = [batch.out / "html" / language_root(lang) / "index.html" for lang in config.languages]
    index_failed = False
    if todo or changed or not all(index.exists() for index in indexes):
        try:
            batch.write_index(config.languages)
            batch.phase("index written")
        except OSError as err:  # a disk that failed mid-run: the pages written stay
            index_failed = True
            batch.storage_error("the index pages in", err, "the published reports stay; "
                                "the next run writes them", batch.out / "html")
    failed = index_failed or any(o.status == "failed" for o in outcomes)
    return outcomes, EXIT_REPORTS_FAILED if failed else EXIT_OK


def write_report(job: Job, out: Path, result) -> None:
    """Write a built report's executed notebook, HTML and, when the page has tables, its
    workbook beside it (``2023/246-scores.xlsx``, linked relatively) all together or none
    (:func:`lib.batch.state.write_files_atomic`; raises its ``OSError``); a page without tables
    removes its old workbook."""
    workbook = job.html_path(out).with_suffix(".xlsx")
    files = {job.executed_path(out): result.executed.encode("utf-8"),
             job.html_path(out): result.html.encode("utf-8")}
    if getattr(result, "xlsx", None):
        files[workbook] = result.xlsx
    state_.write_files_atomic(files)
    if workbook not in files:
        workbook.unlink(missing_ok=True)


def run_job(job: Job, out: Path, exporter=None, data_version: str = "unknown",
            config: Config | None = None) -> Outcome:
    """Execute one job in a kernel of this process and write its executed notebook and HTML
    into ``out`` (no lock, state or index). Never raises for a notebook error."""
    from lib.batch.pool import KernelSession

    config = config or load_config()
    batch = BatchRun(out, config.path, progress=False)
    task = batch.tasks_for([job], config, {"data_version": data_version}, str(processed_dir()))[0]
    session = KernelSession(config.kernel, task.preload, exporter=exporter)
    try:
        result = session.run(task)
    finally:
        session.close()
    if result.status == "built":
        write_report(job, out, result)
        html = job.html_path(out)
        return Outcome(job, "built", result.timings.get("total", 0.0),
                       executed=job.executed_path(out), html=html)
    executed = state_.write_bytes_atomic(job.failed_path(out), result.executed.encode("utf-8")) \
        if result.executed else None
    return Outcome(job, "failed", result.timings.get("total", 0.0), result.error, executed)


# ---------------------------------------------------------------------------------- main


def _print_plan(batch: BatchRun, selected: Plan, inputs: dict, force: bool) -> None:
    build = up = 0
    files = OutputFiles(batch.out)
    for job in selected.jobs:
        reason = rebuild_reason(batch.state.get(job.key), inputs[job.key], batch.out, force,
                                files)
        build += bool(reason)
        up += not reason
        print(f"{'build' if reason else 'ok   '}  {job.label}  ({reason or 'up to date'})")
    count = len(selected.jobs)
    print(f"{count} report{'s' if count != 1 else ''} planned: {build} to build, {up} up to date; "
          f"{len(selected.no_data)} unit-years without data")


def main(only: list[str] | None = None, units: list[str] | None = None,
         years: list[int] | None = None, dry_run: bool = False, jobs: int | None = None,
         force: bool = False, scheduler: str | None = None, cluster: str | None = None,
         wait: bool = False, config: str | Path | None = None,
         progress: bool = True, languages: list[str] | None = None) -> int:
    """``python -m lib reports``: plan, rebuild what changed, publish, summarize.

    Returns :data:`EXIT_OK` (0), :data:`EXIT_REPORTS_FAILED` (1), :data:`EXIT_BAD_CONFIG` (2) or
    :data:`EXIT_LOCKED` (3). Input data errors (``lib.data.io.DataError``,
    ``lib.data.schemas.ValidationError``) propagate to ``lib.__main__``, which exits with 2.
    """
    started = time.perf_counter()
    workers = jobs or default_jobs()
    if jobs is not None and jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return EXIT_BAD_CONFIG
    if cluster not in (None, "local"):
        print(f"error: --cluster must be 'local' (got {cluster!r}); use --scheduler "
              "tcp://HOST:PORT for an existing cluster", file=sys.stderr)
        return EXIT_BAD_CONFIG
    batch = BatchRun(None, config, progress)
    args = {"only": only, "units": units, "years": years, "languages": languages,
            "jobs": workers, "force": force,
            "scheduler": scheduler, "cluster": cluster, "config": str(batch.config_path)}
    if dry_run:
        batch.state.load()
        try:
            cfg = load_config(batch.config_path)
            manifest = batch.ensure_data(build=False)
            if not manifest:
                raise ConfigError(f"no processed data in {processed_dir()}: run "
                                  "`python -m lib data` (a real run builds them first)")
            full, notebook_sha = batch.full_plan(cfg, manifest)
            selected = narrow(full, only, units, years, languages)
        except ConfigError as err:
            _print_config_error(err)
            return EXIT_BAD_CONFIG
        inputs = batch.inputs_for(selected.jobs, notebook_sha, manifest, cfg)
        for note in batch.notes:
            print(f"note: {note}")
        _print_plan(batch, selected, inputs, force)
        return EXIT_OK

    from lib.data.io import StorageError, check_writable

    try:  # a read-only or full outputs folder: one sentence before any kernel starts
        check_writable(batch.out, OUTPUTS_MIN_FREE)
    except StorageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    state_.remove_dead_temp_dirs()
    try:
        batch.acquire(wait)
    except state_.LockHeld as err:
        print(f"error: another report run is in progress: {err}. It releases the lock when it "
              "ends; pass --wait to queue behind it.", file=sys.stderr)
        return EXIT_LOCKED
    cfg, manifest, exit_code = None, {}, EXIT_BAD_CONFIG
    previous_sigterm = _exit_on_sigterm()
    try:
        try:
            cfg = load_config(batch.config_path)
            manifest = batch.ensure_data()
            full, notebook_sha = batch.full_plan(cfg, manifest)
            selected = narrow(full, only, units, years, languages)
        except ConfigError as err:
            _print_config_error(err)
            state_.log.error("bad configuration: %s", err)
            batch.write_manifest(cfg, manifest, args, EXIT_BAD_CONFIG)
            return EXIT_BAD_CONFIG
        for note in batch.notes:
            print(f"note: {note}")
        if not selected.jobs:
            print("nothing to build: no unit and year in the selection has data", file=sys.stderr)
            batch.record_no_data(selected.no_data)
            if selected.no_data:
                batch.write_index(cfg.languages)
            batch.write_manifest(cfg, manifest, args, EXIT_BAD_CONFIG)
            return EXIT_BAD_CONFIG
        try:
            outcomes, exit_code = _build(batch, selected, cfg, manifest, workers, force, scheduler,
                                         cluster, notebook_sha)
        except Exception as err:
            from lib.batch.cluster import DaskConfigError

            if not isinstance(err, DaskConfigError):
                raise
            print(f"error: {err}", file=sys.stderr)
            batch.write_manifest(cfg, manifest, args, EXIT_BAD_CONFIG)
            return EXIT_BAD_CONFIG
        if not batch.save_state():
            exit_code = EXIT_REPORTS_FAILED
        manifest_path = batch.write_manifest(cfg, manifest, args, exit_code)
        _summarize(batch, selected, outcomes, manifest_path, time.perf_counter() - started)
        return exit_code if manifest_path else EXIT_REPORTS_FAILED
    except BaseException as err:
        state_.log.exception("run ended by %s", type(err).__name__)
        batch.notes.append(f"run ended by {type(err).__name__}: {err}")
        batch.write_manifest(cfg, manifest, args, None)
        raise
    finally:
        batch.save_state()
        batch.release()
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _exit_on_sigterm():
    """Turn SIGTERM (``systemctl stop``, a scheduler's kill) into ``SystemExit`` so that the
    run stops its workers, saves its state and writes its manifest. Returns the previous
    handler (None when not in the main thread)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


def _print_config_error(err: ConfigError) -> None:
    print("error: bad configuration; nothing was run:", file=sys.stderr)
    for problem in err.problems:
        print(f"  - {problem}", file=sys.stderr)


def _summarize(batch: BatchRun, selected: Plan, outcomes: list[Outcome], manifest_path: Path,
               wall: float) -> None:
    built = [o for o in outcomes if o.status == "built"]
    failed = [o for o in outcomes if o.status == "failed"]
    up = [o for o in outcomes if o.status == "up_to_date"]
    out = batch.out
    if not built and not failed:
        print(f"Nothing to rebuild: all {len(up)} reports are up to date; no notebook was "
              f"executed ({wall:.2f} s; --force rebuilds them).")
    else:
        where = batch.executor_info
        on = (f"{where.get('workers')} Dask worker(s) at {where.get('scheduler')}"
              if where.get("kind") == "dask" else f"{where.get('workers')} local worker(s)")
        print(f"\n{len(built)} built, {len(failed)} failed, {len(up)} up to date of "
              f"{len(outcomes)} reports; {len(selected.no_data)} unit-years without data. "
              f"{wall:.1f} s on {on}.")
    if failed:
        print("Failed (a previous good HTML stays published, marked stale in the index; the "
              "executed notebook named below a report holds its traceback):", file=sys.stderr)
        for o in failed:
            print(f"  - {o.job.label}: {o.error}", file=sys.stderr)
            if o.executed:
                print(f"    {o.executed}", file=sys.stderr)
    unwritten = len(batch.unwritten)
    if unwritten:  # a fault of the machine, not of the reports: say it once
        problems = ", ".join(dict.fromkeys(batch.storage_faults))
        print(f"error: {unwritten} report{'s' if unwritten != 1 else ''} could not be written "
              f"into {out} ({problems}); fix the disk and run again: failed reports are "
              "rebuilt", file=sys.stderr)
    if manifest_path is not None:
        print(f"Run manifest {manifest_path}; log {manifest_path.with_name('run.log')}")
    print("Open " + ", ".join(str(out / "html" / language_root(lang) / "index.html")
                              for lang in selected.config.languages))
