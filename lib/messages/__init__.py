"""Every word a reader sees, from one reviewed catalogue per language.

Catalogues are the YAML files under ``lib/messages/<lang>/`` (``vi`` and ``en``); their nested
keys are flattened with dots (``report.heading.result``). A message is a template with named
parameters (``"Năm {year}, {unit} đạt {score} điểm"``) or, when its wording depends on a count, a
mapping of forms chosen by the parameter ``count``: an exact form (``"=0"``, ``"=1"``) first, then
the language's CLDR plural category (``one``, ``other`` …, from Babel), then ``other``. A mapping
with ``_rule: ordinal`` chooses by the CLDR ordinal category ("1st", "2nd", "3rd", "4th").

Parameters are formatted for the language by :func:`render`: integers and floats through Babel
(``744,213`` in Vietnamese, ``744.213`` in English; ``{x:.1f}`` fixes one decimal), strings as they
are; years (parameters named ``year``, ``year_*``, ``*_year``) without grouping. Nothing here decides wording by language: every difference lives in the catalogues.

Errors: :class:`MessageError` (a ``KeyError``) for an unknown language or key, a missing
parameter, or a catalogue file that is not a mapping of strings.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import yaml
from babel import Locale
from babel.numbers import format_decimal

CATALOGUE_DIR = Path(__file__).resolve().parent
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


class MessageError(KeyError):
    """An unknown message key or language, a missing parameter, or a malformed catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def check_language(lang: str) -> str:
    """Return ``lang`` if a catalogue exists for it (``vi``, ``en``); raise ``ValueError``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


def _flatten(prefix: str, node, out: dict, origin: Path) -> None:
    if isinstance(node, dict) and not _is_forms(node):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out, origin)
    elif isinstance(node, (str, dict)):
        if prefix in out:
            raise MessageError(f"{origin}: message {prefix!r} is defined twice")
        out[prefix] = node
    else:
        raise MessageError(f"{origin}: message {prefix!r} must be text or a mapping of forms, "
                           f"not {type(node).__name__}")


FORM_KEYS = {"zero", "one", "two", "few", "many", "other", "_rule"}


def _is_forms(node: dict) -> bool:
    return "other" in node and all(str(k) in FORM_KEYS or str(k).startswith("=") for k in node)


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str | dict]:
    """All messages of one language: ``{"report.heading.result": "Kết quả", …}``.

    Read from every ``lib/messages/<lang>/*.yml`` file (sorted); a key defined in two files is
    an error. Raises :class:`MessageError` for a language without a catalogue folder.
    """
    folder = CATALOGUE_DIR / lang
    if lang not in LANGUAGES or not folder.is_dir():
        raise MessageError(f"no message catalogue for language {lang!r} (have {', '.join(LANGUAGES)})")
    messages: dict[str, str | dict] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise MessageError(f"{path}: a catalogue file must be a mapping of message keys")
        _flatten("", data, messages, path)
    return messages


class _Formatter(string.Formatter):
    def __init__(self, lang: str):
        super().__init__()
        self.locale = Locale.parse(lang)

    def format_field(self, value, format_spec: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return super().format_field(value, format_spec)
        return format_number(value, self.locale, format_spec)


def format_number(value: float, locale: Locale | str, format_spec: str = "") -> str:
    """A number in the locale's symbols: ``format_number(744.213, "vi")`` → ``"744,213"``.

    ``format_spec`` ``".Nf"`` fixes N decimals; ``""`` keeps up to 4 significant decimals of a
    float (none for an integer). Thousands are grouped (``1.000`` / ``1,000``).
    """
    if format_spec.startswith(".") and format_spec.endswith("f"):
        decimals = int(format_spec[1:-1])
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    elif format_spec:
        raise MessageError(f"unsupported number format {format_spec!r} (use '.Nf' or nothing)")
    else:
        pattern = "#,##0.####"
    return format_decimal(value, format=pattern, locale=locale, decimal_quantization=True)


def _choose(forms: dict, params: dict, key: str, lang: str) -> str:
    if "count" not in params:
        raise MessageError(f"message {key!r} has plural forms and needs the parameter 'count'")
    count = params["count"]
    exact = f"={count}"
    if exact in forms:
        return forms[exact]
    locale = Locale.parse(lang)
    category = (locale.ordinal_form if forms.get("_rule") == "ordinal" else locale.plural_form)(count)
    if count == 0 and "zero" in forms and forms.get("_rule") != "ordinal":
        return forms["zero"]
    return forms.get(category, forms["other"])


def _is_year(name: str, value) -> bool:
    """Years are written without grouping ("2023", not "2.023"): parameters named ``year``,
    ``year_*`` or ``*_year``."""
    return isinstance(value, int) and (name == "year" or name.startswith("year_") or name.endswith("_year"))


def render(key: str, lang: str, /, **params) -> str:
    """The message ``key`` in ``lang`` with its parameters filled in.

    >>> render("rank.of", "vi", rank=1, rank_of=9)
    '1/9'

    Raises :class:`MessageError` for an unknown key or a parameter the template needs but was
    not given.
    """
    messages = catalogue(lang)
    if key not in messages:
        raise MessageError(f"message {key!r} is not in the {lang!r} catalogue")
    template = messages[key]
    if isinstance(template, dict):
        template = _choose(template, params, key, lang)
    params = {name: str(value) if _is_year(name, value) else value for name, value in params.items()}
    try:
        return _Formatter(lang).format(template, **params)
    except KeyError as missing:
        raise MessageError(f"message {key!r} ({lang}) needs the parameter {missing}") from None


def parameters(template: str | dict) -> set[str]:
    """The named parameters of a message (all forms together): used to check the catalogues."""
    texts = template.values() if isinstance(template, dict) else [template]
    names = set()
    for text in texts:
        if text in ("ordinal",):
            continue
        names |= {field for _, field, _, _ in string.Formatter().parse(str(text)) if field}
    return names


class Messages:
    """The catalogue bound to one language: ``say = Messages("vi"); say("report.heading.result")``."""

    def __init__(self, lang: str):
        self.lang = check_language(lang)

    def __call__(self, key: str, /, **params) -> str:
        return render(key, self.lang, **params)

    def has(self, key: str) -> bool:
        """True when ``key`` exists in this language's catalogue."""
        return key in catalogue(self.lang)
