"""The plan: every report of ``reports.yml`` (notebook × unit × year × language) expanded
from what the processed data hold (:class:`PlanFacts`) and validated against the notebooks'
declared parameters (:func:`expand`), then narrowed to a selection (:func:`plan`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from json.encoder import encode_basestring as _json_string  # the C string escaper
from pathlib import Path

from lib.batch import state as state_
from lib.batch.config import _SAFE_NAME, _TYPES, Config, ConfigError, Declared, \
    as_declared, inspect_parameters
from lib.data.files import sha256_bytes, sha256_file
from lib.messages import DEFAULT_LANGUAGE


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
            object.__setattr__(self, "parameters_sha", sha256_bytes(
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

    def _rel(self, suffix: str, folder: str = "") -> str:
        return f"{folder}{language_root(self.lang)}{self.reference_year}/{self.stem}{suffix}"

    html_rel = property(lambda self: self._rel(".html"), doc="The page, below ``html/``.")
    executed_rel = property(lambda self: self._rel(".ipynb", "executed/"),
                            doc="The executed notebook, below the outputs folder.")
    failed_rel = property(lambda self: self._rel(".failed.ipynb", "executed/"),
                          doc="A failed run's notebook, below the outputs folder.")

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

    def parameters(self, notebook: Path) -> dict[str, Declared]:
        """The parameters the notebook declares (:func:`lib.batch.config.inspect_parameters`),
        kept by the notebook's SHA-256: a changed ``reports.yml`` is planned without papermill."""
        return as_declared(self._get(f"parameters:{sha256_file(notebook)}",
                                  lambda: inspect_parameters(notebook)))

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
                declared[notebook] = facts.parameters(config.notebook_file(notebook))
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
