"""The contract of a scenario file (schema_version 1), declared once.

Every reader of the format uses what is here: the field names of each part, the
checkers of their values (types, ranges, enumerations, non-blank text), the
duplicate-key and unknown-value rules (non-finite numbers, nesting depth), id
uniqueness and references (:class:`Validator`), and the Admiralty grade. The
window-by-window event reader (:mod:`monitor.model.columns`) checks whole columns at
a time, with the enumerations, ranges and field sets taken from here; the builders of
:mod:`monitor.model.sections` check parsed JSON value by value and word every problem.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from monitor.model.errors import Problem
from monitor.model.parts import RELIABILITY_GRADES, SCHEMA_VERSION, CrossingStatus, Verification

__all__ = ["SCHEMA_VERSION"]

MAX_PROBLEMS = 1000  # problems listed per file (then "too many problems")
#: How deep a value of a field this version does not know may nest (objects and arrays
#: inside it). Deeper is refused: saving, hashing and comparing such values would recurse.
MAX_UNKNOWN_DEPTH = 64
SHARE_TOLERANCE = 0.5  # percentage points of rounding allowed when shares per date are summed

# -- the parts and their fields -------------------------------------------------------------------
TOP_KEYS = ("schema_version", "scenario", "factions", "sources", "events", "crossings", "territory")
EVENT_REQUIRED = ("id", "time", "title", "category", "actors", "source_ids", "verification")
EVENT_OPTIONAL = ("summary", "location", "credibility", "reliability")
EVENT_KEYS = frozenset(EVENT_REQUIRED + EVENT_OPTIONAL)
LOCATION_KEYS = frozenset(("name", "lat", "lon"))
ENTRY_KEYS = frozenset(("time", "recorded_at", "status", "note", "source_ids", "by"))
LAT_RANGE = (-90, 90)
LON_RANGE = (-180, 180)
CREDIBILITY_RANGE = (1, 6)
SHARE_RANGE = (0, 100)
GRADES = RELIABILITY_GRADES
VERIFICATIONS = frozenset(v.value for v in Verification)
STATUSES = frozenset(s.value for s in CrossingStatus)
COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")
URL_RE = re.compile(r"https?://[^\s/]+", re.IGNORECASE)


def admiralty_grade(reliability: str | None, credibility: int | None) -> str:
    """The Admiralty grade shown for an event ("B2"; "?" for the part that is unknown;
    "" when neither is known). ``reliability`` is the event's own or its best source's."""
    if not reliability and not credibility:
        return ""
    return f"{reliability or '?'}{credibility or '?'}"


def best_reliability(
    source_ids: Iterable[str], reliability_of: dict[str, str | None]
) -> str | None:
    """The best (most reliable) grade among the given sources (None: none graded)."""
    grades = [g for s in source_ids if (g := reliability_of.get(s))]
    return min(grades) if grades else None


# -- values as they are named in messages ---------------------------------------------------------
_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def short_number(value: int | float) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"


def shown_id(ref: object) -> str:
    """An id from the file inside a message: cut when long (a 1 MB id made a 1 MB message)."""
    text = str(ref)
    return text if len(text) <= 60 else f"{text[:57]}...({len(text)} characters)"


def kind(value: Any) -> str:
    """``value`` described for a message: 'a string ('x')', 'a number (12)', 'an array'."""
    # isinstance, not type(): objects with duplicate keys are a dict subclass.
    name = next((n for t, n in _TYPE_NAMES.items() if isinstance(value, t)), type(value).__name__)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{name} ({short_number(value)})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"{name} ({shown!r})"
    return name


# -- checkers: each returns the value or raises Invalid with the reason ---------------------------
class Invalid(Exception):
    """A value breaks the contract; the message is the reason."""


Checker = Callable[[Any], Any]
TOO_LARGE = "number too large to represent (overflows to infinity)"


def string(value: Any, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {kind(value)}")
    if not empty and not value.strip():
        raise Invalid("must not be empty")
    return value


def text(value: Any) -> str:
    return string(value, empty=True)


def number(lo: float, hi: float) -> Checker:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number, got {kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid(TOO_LARGE)
        # Huge JSON integers stay Python ints: compared without converting to float.
        if not lo <= value <= hi:
            raise Invalid(f"{short_number(value)} is out of range {lo:g}..{hi:g}")
        return value

    return check


def integer(lo: int, hi: int) -> Checker:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number {lo}..{hi}, got {kind(value)}")
        if not lo <= value <= hi:
            raise Invalid(f"{value} is out of range {lo}..{hi}")
        return value

    return check


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {kind(value)}")
    return value


def enum(kind_: type[StrEnum]) -> Checker:
    allowed = " | ".join(m.value for m in kind_)

    def check(value: Any) -> StrEnum:
        try:
            return kind_(value)
        except (ValueError, TypeError):
            raise Invalid(f"expected one of {allowed}, got {kind(value)}") from None

    return check


def grade(value: Any) -> str:
    if value not in GRADES:
        raise Invalid(f"expected a reliability grade A..F, got {kind(value)}")
    return value


def color(value: Any) -> str:
    if not isinstance(value, str) or not COLOR_RE.fullmatch(value):
        raise Invalid(f"expected a colour as #rrggbb, got {kind(value)}")
    return value


def url(value: Any) -> str:
    value = string(value, empty=True)
    if value and not URL_RE.match(value):
        raise Invalid(f"expected an http(s) URL or an empty string, got {kind(value)}")
    return value


def is_str_list(value: Any) -> bool:
    """``value`` would pass :func:`str_list` (its references can be checked)."""
    return isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value)


def str_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(f"expected an array of strings, got {kind(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise Invalid(f"item [{i}] must be a non-empty string, got {kind(item)}")
    return list(value)


# -- values of fields this version does not know --------------------------------------------------
def unknown_value_problems(value: Any, where: str) -> list[Problem]:
    """What is wrong with a value kept verbatim because this version does not know its
    field: a non-finite number (1e400 parses as infinity; saving could not write it) or
    nesting deeper than :data:`MAX_UNKNOWN_DEPTH`. Iterative: any depth is safe."""
    out: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack and len(out) < MAX_PROBLEMS:
        node, path, depth = stack.pop()
        t = type(node)
        if t is float:
            if not math.isfinite(node):
                out.append(Problem(path.removeprefix("."), TOO_LARGE))
        elif t is dict or t is list or isinstance(node, (dict, list)):
            if depth >= MAX_UNKNOWN_DEPTH:
                out.append(
                    Problem(
                        path.removeprefix("."),
                        f"nested too deeply (more than {MAX_UNKNOWN_DEPTH} levels)",
                    )
                )
                continue
            if isinstance(node, dict):
                stack.extend((v, f"{path}.{k}", depth + 1) for k, v in node.items())
            else:
                stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
    out.sort(key=lambda p: p.where)
    return out


def plain_float(x: float) -> bool:
    """True if ``repr(x)`` has no exponent and the value is finite: msgspec writes it as
    ``json.dumps`` does (the writer and the events' unknown-field column use msgspec only then)."""
    a = abs(x)
    return a == 0.0 or 1e-4 <= a < 1e16


def unknown_fields_ok(extra: dict[str, Any]) -> bool:
    """True if :func:`unknown_value_problems` finds nothing in these fields."""
    return not extra or not unknown_value_problems(extra, "")


# -- duplicate keys -------------------------------------------------------------------------------
class DuplicateKeys(dict):
    """A parsed JSON object in which some key appeared more than once."""

    __slots__ = ("duplicates",)
    duplicates: list[str]


def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for the stdlib parser: objects with a repeated key come back
    as :class:`DuplicateKeys` naming them (:func:`duplicate_problems` reports them)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        dup = DuplicateKeys(obj)
        counts = Counter(k for k, _ in pairs)
        dup.duplicates = sorted(k for k, n in counts.items() if n > 1)
        return dup
    return obj


def has_duplicates(value: Any) -> bool:
    return bool(duplicate_problems(value, "", limit=1))


def duplicate_problems(value: Any, where: str = "", *, limit: int = MAX_PROBLEMS) -> list[Problem]:
    """Every object with a repeated key (found while parsing with :func:`pairs_hook`)."""
    out: list[Problem] = []
    stack = [(value, where)]
    while stack and len(out) < limit:
        node, path = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, DuplicateKeys):
                for key in node.duplicates:
                    out.append(
                        Problem(
                            path or "(top level)",
                            f'duplicate key "{key}" (a value would be silently lost)',
                        )
                    )
            stack.extend((v, f"{path}.{k}" if path else k) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(node))))
    return out


# -- collecting problems --------------------------------------------------------------------------
class Validator:
    """Collects every problem of one file (up to :data:`MAX_PROBLEMS`)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, where: str, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, reason))
        elif len(self.problems) == MAX_PROBLEMS:  # say so rather than undercount silently
            self.problems.append(
                Problem("", f"too many problems; stopped listing after {MAX_PROBLEMS}")
            )

    def obj(self, value: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(where, f"expected an object, got {kind(value)}")
            return None
        return value

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.error(where, f"expected an array, got {kind(value)}")
            return []
        return value

    def fields(
        self,
        d: dict[str, Any],
        where: str,
        required: dict[str, Checker],
        optional: dict[str, Checker] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Check known fields; return (values, unknown extras) or None if any failed."""
        optional = optional or {}
        ok = True
        values: dict[str, Any] = {}
        for key, check in required.items():
            if key not in d:
                self.error(where, f'missing required field "{key}"')
                ok = False
                continue
            try:
                values[key] = check(d[key])
            except Invalid as exc:
                self.error(f"{where}.{key}", str(exc))
                ok = False
        for key, check in optional.items():
            if key not in d or d[key] is None:
                values[key] = None
                continue
            try:
                values[key] = check(d[key])
            except Invalid as exc:
                self.error(f"{where}.{key}", str(exc))
                ok = False
        extra = {k: v for k, v in d.items() if k not in required and k not in optional}
        if extra:
            ok = self.unknown(extra, where) and ok
        return (values, extra) if ok else None

    def unknown(self, extra: dict[str, Any], where: str) -> bool:
        """Check the values of fields this version does not know; True if they are fine."""
        bad = unknown_value_problems(extra, where) if extra else []
        for p in bad:
            self.error(p.where, p.reason)
        return not bad

    def unique(self, ids: Iterable[tuple[str, str]], what: str) -> set[str]:
        seen: dict[str, str] = {}
        for where, ident in ids:
            if ident in seen:
                self.error(
                    f"{where}.id",
                    f'duplicate {what} id "{shown_id(ident)}" (first used at {seen[ident]})',
                )
            else:
                seen[ident] = where
        return set(seen)

    def refs(
        self, values: Iterable[str], known: set[str] | dict[str, Any], where: str, what: str
    ) -> None:
        for i, ref in enumerate(values):
            if ref not in known:
                self.error(f"{where}[{i}]", f'unknown {what} id "{shown_id(ref)}"')


class NoDuplicates(dict):
    """The top-level object of a document parsed with no repeated key anywhere (see
    :func:`monitor.model.jsontext.read_json`): nothing to look for again."""

    __slots__ = ()


# -- scenario-level fields: key judgements and the record of briefings ---------------------------
#: The estimative-language scale (ICD 203), from least to most likely, with its ranges.
LIKELIHOODS = (
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
)
LIKELIHOOD_RANGES = dict(
    zip(
        LIKELIHOODS,
        ("1–5 %", "5–20 %", "20–45 %", "45–55 %", "55–80 %", "80–95 %", "95–99 %"),
        strict=True,
    )
)
CONFIDENCES = ("low", "moderate", "high")
#: How a crossing, or the situation overall, moved since the last briefing.
TRENDS = ("deteriorated", "unchanged", "improved")
MAX_JUDGEMENTS = 5
MAX_BRIEFINGS = 200  # records kept in the scenario (the oldest are dropped)
JUDGEMENT_KEYS = frozenset(("text", "likelihood", "confidence", "source_ids"))
KEY_JUDGEMENTS_KEYS = frozenset(("bluf", "judgements"))
BRIEFING_KEYS = frozenset(("as_of", "produced", "by", "since", "overall", "crossings", "events"))


def aware_time(value: Any) -> str:
    """An ISO 8601 date-time with an offset (as text)."""
    from datetime import datetime

    value = string(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"expected an ISO 8601 date-time, got {kind(value)}") from None
    if parsed.tzinfo is None:
        raise Invalid(f"expected a date-time with a UTC offset, got {kind(value)}")
    return value


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise Invalid(f"expected one of {' | '.join(allowed)}, got {kind(value)}")
    return value


def _object(value: Any, keys: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"expected an object, got {kind(value)}")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise Invalid(f'unknown field "{unknown[0]}" (expected {", ".join(sorted(keys))})')
    return value


def key_judgements_problems(value: Any, source_ids: Iterable[str] | None = None) -> list[Problem]:
    """What is wrong with a ``key_judgements`` value: text or a list of texts (the older
    forms), or ``{"bluf": text, "judgements": [{"text", "likelihood", "confidence",
    "source_ids"}, …]}`` with at most :data:`MAX_JUDGEMENTS` judgements, a likelihood from
    :data:`LIKELIHOODS`, a confidence from :data:`CONFIDENCES` and known source ids."""
    where = "key_judgements"
    if value is None or isinstance(value, str):
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return []
    out: list[Problem] = []
    try:
        d = _object(value, KEY_JUDGEMENTS_KEYS)
        text(d.get("bluf", ""))
        items = d.get("judgements", [])
        if not isinstance(items, list):
            raise Invalid(f'"judgements" must be an array, got {kind(items)}')
        if len(items) > MAX_JUDGEMENTS:
            raise Invalid(f"at most {MAX_JUDGEMENTS} key judgements, got {len(items)}")
    except Invalid as exc:
        return [Problem(where, str(exc))]
    known = set(source_ids) if source_ids is not None else None
    for i, item in enumerate(items):
        at = f"{where}.judgements[{i}]"
        try:
            j = _object(item, JUDGEMENT_KEYS)
            for key in ("text", "likelihood", "confidence"):
                if key not in j:
                    raise Invalid(f'missing required field "{key}"')
        except Invalid as exc:
            out.append(Problem(at, str(exc)))
            continue
        checks: dict[str, Checker] = {
            "text": string,
            "likelihood": lambda v: _choice(v, LIKELIHOODS),
            "confidence": lambda v: _choice(v, CONFIDENCES),
            "source_ids": str_list,
        }
        bad = False
        for key, check in checks.items():
            try:
                check(j.get(key, []))
            except Invalid as exc:
                out.append(Problem(f"{at}.{key}", str(exc)))
                bad = True
        if bad:
            continue
        refs = j.get("source_ids", [])
        if known is not None:
            out += [
                Problem(f"{at}.source_ids[{n}]", f'unknown source id "{shown_id(r)}"')
                for n, r in enumerate(refs)
                if r not in known
            ]
    return out


def briefings_problems(value: Any) -> list[Problem]:
    """What is wrong with a ``briefings`` value: the record of exported briefings, a list
    (at most :data:`MAX_BRIEFINGS`) of ``{"as_of", "produced", "by", "since", "overall",
    "crossings": {crossing id: trend}, "events": {category: count}}``."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [Problem("briefings", f"expected an array, got {kind(value)}")]
    if len(value) > MAX_BRIEFINGS:
        return [Problem("briefings", f"at most {MAX_BRIEFINGS} records, got {len(value)}")]
    out: list[Problem] = []
    for i, item in enumerate(value):
        try:
            d = _object(item, BRIEFING_KEYS)
            for key in ("as_of", "produced"):
                if key not in d:
                    raise Invalid(f'missing required field "{key}"')
                aware_time(d[key])
            if d.get("since") is not None:
                aware_time(d["since"])
            text(d.get("by", ""))
            if d.get("overall") is not None:
                _choice(d["overall"], TRENDS)
            crossings = d.get("crossings", {})
            if not isinstance(crossings, dict):
                raise Invalid(f'"crossings" must be an object, got {kind(crossings)}')
            for trend in crossings.values():
                _choice(trend, TRENDS)
            events = d.get("events", {})
            if not isinstance(events, dict):
                raise Invalid(f'"events" must be an object, got {kind(events)}')
            for n in events.values():
                integer(0, 10**12)(n)
        except Invalid as exc:
            out.append(Problem(f"briefings[{i}]", str(exc)))
    return out


def scenario_field_problems(
    name: str, value: Any, source_ids: Iterable[str] | None = None
) -> list[Problem]:
    """The contract of the scenario-level fields declared here (others: no problem)."""
    if name == "key_judgements":
        return key_judgements_problems(value, source_ids)
    if name == "briefings":
        return briefings_problems(value)
    return []
