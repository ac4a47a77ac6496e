"""Load, validate and save scenario files (the JSON contract, schema_version 1).

Reading is strict RFC 8259: UTF-8 only (no byte-order mark), no ``NaN`` /
``Infinity``, no duplicate keys in an object. Validation collects every
problem with its JSON path before raising one :class:`ScenarioError`.
Saving is atomic and canonical (stable key order, 2-space indent, UTF-8
without ``\\u`` escapes) so files diff well and round-trip byte for byte.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import gc
import json
import math
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable
from datetime import tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any

from monitor.model.entities import (
    RELIABILITY_GRADES,
    SCHEMA_VERSION,
    Crossing,
    CrossingKind,
    CrossingStatus,
    Event,
    Faction,
    Location,
    Moment,
    Scenario,
    ScenarioInfo,
    Side,
    Source,
    StatusEntry,
    TerritoryShare,
    Verification,
)
from monitor.model.errors import Problem, ScenarioError
from monitor.model.fast_load import CancelCheck, LoadCancelled, ProgressCallback
from monitor.model.timeutil import parse_date, parse_moment, zone

try:  # fast canonical writing (see _dumps_bytes); the stdlib writes the same bytes, slower
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - a declared dependency
    _msgspec = None

# A fixed-width number of bytes is enough to reject garbage before reading a huge file.
_SNIFF_BYTES = 64 * 1024
SHARE_TOLERANCE = 0.5  # percentage points of rounding allowed when shares per date are summed
_COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")
_MAX_PROBLEMS = 1000


# --------------------------------------------------------------------------- parsing
class _DuplicateKeys(dict):
    """A JSON object in which some key appeared more than once."""

    __slots__ = ("duplicates",)


class _NoDuplicates(dict):
    """The top-level object of a document that :func:`read_json` parsed with no
    repeated key anywhere: :func:`scenario_from_json` can skip walking the
    whole tree to look for them (seconds on a 100k-event file)."""

    __slots__ = ()


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        dup = _DuplicateKeys(obj)
        seen: set[str] = set()
        dup.duplicates = sorted({k for k, _ in pairs if k in seen or seen.add(k)})
        return dup
    return obj


class _NonFinite(ValueError):
    """NaN / Infinity seen while parsing."""


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


# A JSON string, or a bare NaN / Infinity / number with an exponent. Strings are
# matched whole so that "NaN" inside a title is never taken for the constant.
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN|-?\d+(?:\.\d+)?[eE][+-]?\d+)')


def _non_finite_problems(text: str) -> list[Problem]:
    """Every NaN / Infinity / overflowing number in ``text``, with its line and column."""
    problems = []
    for m in _TOKEN_RE.finditer(text):
        token = m.group(1)
        if token is None:
            continue
        if token[-1].isdigit():
            if math.isfinite(float(token)):
                continue
            reason = f"the number {token} is too large (not representable as a finite number)"
        else:
            reason = f"{token} is not valid JSON (RFC 8259 has no NaN or Infinity)"
        line, col = _line_col(text, m.start(1))
        problems.append(Problem("", reason, line, col))
        if len(problems) >= _MAX_PROBLEMS:
            break
    return problems


# A \uD800-\uDFFF escape somewhere (cheap test before looking for lone surrogates).
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _surrogate_problems(value: Any) -> list[Problem]:
    """JSON paths of strings holding an unpaired UTF-16 surrogate (valid JSON, not Unicode)."""
    out: list[Problem] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack and len(out) < _MAX_PROBLEMS:
        node, path = stack.pop()
        if isinstance(node, dict):
            for k, v in reversed(node.items()):
                child = f"{path}.{k}" if path else k
                if _LONE_SURROGATE_RE.search(k):
                    out.append(Problem(path or "(top level)", f"key {k!r} contains an unpaired UTF-16 surrogate escape; not valid Unicode"))
                stack.append((v, child))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, str) and _LONE_SURROGATE_RE.search(node):
            out.append(Problem(path, "contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff); not valid Unicode"))
    return out


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def _encoding_problem(data: bytes) -> Problem | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return Problem("", "starts with a UTF-8 byte-order mark; save the file as UTF-8 without BOM", 1, 1)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) >= 2 and (data[0] == 0 or data[1] == 0)):
        return Problem("", "is UTF-16/UTF-32 encoded; scenario files must be UTF-8", 1, 1)
    return None


class _NotRegularFile(OSError):
    """A FIFO, socket or device: reading could block forever or never end."""


def open_regular(path: str | Path) -> Any:
    """Open ``path`` for binary reading if it is a regular file.

    Opened non-blocking first, so that a FIFO named like a scenario cannot hang
    the app; a directory raises :class:`IsADirectoryError`, anything else that is
    not a regular file :class:`_NotRegularFile` (both ``OSError``).
    """
    nonblock = getattr(os, "O_NONBLOCK", 0)
    fh = open(path, "rb", opener=lambda name, flags: os.open(name, flags | nonblock))  # noqa: SIM115
    try:
        mode = os.fstat(fh.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise _NotRegularFile(errno.EINVAL, "not a regular file", str(path))
        if nonblock:
            os.set_blocking(fh.fileno(), True)
        return fh
    except BaseException:
        fh.close()
        raise


def _head_problem(head: bytes) -> Problem | None:
    """A certain error within the first bytes of a bigger file, found without reading the
    rest (a 1 GB file of garbage after a '{' is rejected at once): invalid UTF-8, or a
    JSON syntax error well before the cut (what follows cannot repair it)."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        before = head[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(before, len(before))
        return Problem("", f"invalid UTF-8 byte 0x{head[exc.start]:02x} at offset {exc.start}", line, col)
    try:
        json.loads(text, parse_constant=lambda name: None)
    except json.JSONDecodeError as exc:
        # Near the cut, or a string running past it, the rest of the file decides.
        if exc.pos < len(text) - 64 and not exc.msg.startswith("Unterminated string"):
            return Problem("", f"broken JSON: {exc.msg}", exc.lineno, exc.colno)
    except (ValueError, RecursionError):
        pass
    return None


# Strings (skipped whole) and brackets: enough to find where nesting gets too deep.
_NESTING_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_MAX_REPORTED_DEPTH = 500  # the parser gives up near the interpreter's recursion limit


def _nesting_problem(text: str) -> Problem:
    """'nested too deeply', placed where the nesting passes a depth no scenario needs."""
    depth = 0
    for m in _NESTING_RE.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > _MAX_REPORTED_DEPTH:
                line, col = _line_col(text, m.start())
                return Problem("", f"JSON nested too deeply (more than {_MAX_REPORTED_DEPTH} levels)", line, col)
        elif token in "]}":
            depth -= 1
    return Problem("", "JSON nested too deeply", 1, 1)


def _value_problem(text: str, exc: ValueError) -> Problem:
    """A value Python's parser refused (an integer with thousands of digits), placed."""
    if "digits" in str(exc):
        for m in re.finditer(r'"(?:[^"\\]|\\.)*"|(\d{4000,})', text, re.ASCII):
            if m.group(1):  # a number, not a string of digits
                line, col = _line_col(text, m.start(1))
                return Problem("", f"a number with {len(m.group(1))} digits is too long to read", line, col)
    return Problem("", f"broken JSON: {exc}", 1, 1)


# Bytes that never occur in a UTF-8 JSON text: raw control characters (only tab, LF and
# CR may appear unescaped) and bytes no UTF-8 sequence uses.
_NEVER_IN_JSON = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\xc0\xc1\xf5-\xff]")
_READ_CHUNK = 8 * 1024 * 1024


def _read_rest(path: Path, fh: Any, head: bytes) -> bytearray:
    """The whole file, read in chunks; stops at the first byte that cannot be in a JSON text
    (a file whose tail is zeros after a crash, or garbage, is not read to its end)."""
    data = bytearray(head)
    while chunk := fh.read(_READ_CHUNK):
        m = _NEVER_IN_JSON.search(chunk)
        if m is not None:
            offset = len(data) + m.start()
            data += chunk[: m.start()]
            before = data.decode("utf-8", "replace")
            line, col = _line_col(before, len(before))
            byte = chunk[m.start()]
            what = "a control character" if byte < 0x20 else "an invalid UTF-8 byte"
            reason = f"{what} (0x{byte:02x}) at offset {offset}: not JSON text (a damaged file?)"
            raise ScenarioError(path, [Problem("", reason, line, col)])
        data += chunk
    return data


def read_json(path: str | Path) -> Any:
    """Read ``path`` as strict UTF-8 JSON; every failure is a :class:`ScenarioError`."""
    p = Path(path)
    try:
        with open_regular(p) as fh:
            head = fh.read(_SNIFF_BYTES)
            problem = _encoding_problem(head)
            if problem is None and head.strip() == b"" and fh.read(1) == b"":
                problem = Problem("", "the file is empty", 1, 1)
            elif problem is None:
                first = head.lstrip(b" \t\r\n")[:1]
                if first and first != b"{":
                    line, col = _line_col(head.decode("utf-8", "replace"), len(head) - len(head.lstrip(b" \t\r\n")))
                    problem = Problem(
                        "", f"a scenario file must be a JSON object starting with '{{', found {first!r}", line, col
                    )
            if problem is None and len(head) == _SNIFF_BYTES:
                problem = _head_problem(head)
            if problem is not None:
                raise ScenarioError(p, [problem])
            data = _read_rest(p, fh, head)
    except ScenarioError:
        raise
    except _NotRegularFile:
        reason = "is not a regular file (a pipe, socket or device), not a scenario file"
        raise ScenarioError(p, [Problem("", reason)], unreadable=True) from None
    except FileNotFoundError:
        raise ScenarioError(p, [Problem("", "no such file")], unreadable=True) from None
    except IsADirectoryError:
        raise ScenarioError(p, [Problem("", "is a directory, not a scenario file")], unreadable=True) from None
    except PermissionError:
        raise ScenarioError(p, [Problem("", "permission denied")], unreadable=True) from None
    except OSError as exc:
        raise ScenarioError(p, [Problem("", f"cannot be read: {exc.strerror or exc}")], unreadable=True) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(before, len(before))  # characters, not bytes
        raise ScenarioError(p, [Problem("", f"invalid UTF-8 byte 0x{data[exc.start]:02x} at offset {exc.start}", line, col)]) from None
    del data
    duplicates = 0

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicates
        obj = dict(pairs)
        if len(obj) != len(pairs):
            duplicates += 1
            return _pairs_hook(pairs)
        return obj

    # (No parse_float hook to catch 1e400 -> inf here: a Python hook on every
    # number slows parsing by ~40%. Validation rejects non-finite values.)
    try:
        obj = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError(p, [Problem("", f"broken JSON: {exc.msg}", exc.lineno, exc.colno)]) from None
    except _NonFinite as exc:
        problems = _non_finite_problems(text) or [Problem("", f"{exc} is not a finite JSON number")]
        raise ScenarioError(p, problems) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ScenarioError(p, [_value_problem(text, exc)]) from None
    except RecursionError:
        raise ScenarioError(p, [_nesting_problem(text)]) from None
    if _SURROGATE_ESCAPE_RE.search(text):
        problems = _surrogate_problems(obj)
        if problems:
            raise ScenarioError(p, problems)
    if not duplicates and type(obj) is dict:
        obj = _NoDuplicates(obj)
    return obj


# --------------------------------------------------------------------------- validation helpers
_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number", type(None): "null"}


def _short_number(value: int | float) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"


def _kind(value: Any) -> str:
    # isinstance, not type(): objects with duplicate keys are a dict subclass.
    name = next((n for t, n in _TYPE_NAMES.items() if isinstance(value, t)), type(value).__name__)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{name} ({_short_number(value)})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"{name} ({shown!r})"
    return name


class _Invalid(Exception):
    pass


# JSON has no NaN/Infinity, but Python parses an overflowing literal (1e400) as inf.
_TOO_LARGE = "number too large to represent (overflows to infinity)"


def _non_finite_paths(value: Any, where: str) -> list[str]:
    """Paths of non-finite floats inside an unknown field's value (kept verbatim,
    so it must stay savable: json.dumps(allow_nan=False) would fail on save)."""
    out = []
    stack = [(value, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, float):
            if not math.isfinite(node):
                out.append(path)
        elif isinstance(node, dict):
            stack.extend((v, f"{path}.{k}") for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
    return sorted(out)


Checker = Callable[[Any], Any]


def _string(value: Any, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_kind(value)}")
    if not empty and not value.strip():
        raise _Invalid("must not be empty")
    return value


def _text(value: Any) -> str:
    return _string(value, empty=True)


def _number(lo: float, hi: float) -> Checker:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid(f"expected a number, got {_kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _Invalid(_TOO_LARGE)
        # Huge JSON integers stay Python ints: compare them without converting
        # to float (math.isfinite(10**400) raises OverflowError).
        if not lo <= value <= hi:
            raise _Invalid(f"{_short_number(value)} is out of range {lo:g}..{hi:g}")
        return value

    return check


def _integer(lo: int, hi: int) -> Checker:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"expected a whole number {lo}..{hi}, got {_kind(value)}")
        if not lo <= value <= hi:
            raise _Invalid(f"{value} is out of range {lo}..{hi}")
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, got {_kind(value)}")
    return value


def _enum(enum: type[StrEnum]) -> Checker:
    allowed = " | ".join(m.value for m in enum)

    def check(value: Any) -> StrEnum:
        try:
            return enum(value)
        except (ValueError, TypeError):
            raise _Invalid(f"expected one of {allowed}, got {_kind(value)}") from None

    return check


def _grade(value: Any) -> str:
    if value not in RELIABILITY_GRADES:
        raise _Invalid(f"expected a reliability grade A..F, got {_kind(value)}")
    return value


def _color(value: Any) -> str:
    if not isinstance(value, str) or not _COLOR_RE.fullmatch(value):
        raise _Invalid(f"expected a colour as #rrggbb, got {_kind(value)}")
    return value


def _url(value: Any) -> str:
    value = _string(value, empty=True)
    if value and not re.match(r"https?://[^\s/]+", value, re.IGNORECASE):
        raise _Invalid(f"expected an http(s) URL or an empty string, got {_kind(value)}")
    return value


def _is_str_list(value: Any) -> bool:
    """``value`` would pass :func:`_str_list` (its references can be checked)."""
    return isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value)


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid(f"expected an array of strings, got {_kind(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(f"item [{i}] must be a non-empty string, got {_kind(item)}")
    return list(value)


class _Validator:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, where: str, reason: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(where, reason))
        elif len(self.problems) == _MAX_PROBLEMS:  # say so rather than undercount silently
            self.problems.append(Problem("", f"too many problems; stopped listing after {_MAX_PROBLEMS}"))

    def obj(self, value: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(where, f"expected an object, got {_kind(value)}")
            return None
        return value

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.error(where, f"expected an array, got {_kind(value)}")
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
            except _Invalid as exc:
                self.error(f"{where}.{key}", str(exc))
                ok = False
        for key, check in optional.items():
            if key not in d or d[key] is None:
                values[key] = None
                continue
            try:
                values[key] = check(d[key])
            except _Invalid as exc:
                self.error(f"{where}.{key}", str(exc))
                ok = False
        extra = {k: v for k, v in d.items() if k not in required and k not in optional}
        if extra:
            ok = self.finite(extra, where) and ok
        return (values, extra) if ok else None

    def finite(self, extra: dict[str, Any], where: str) -> bool:
        bad = _non_finite_paths(extra, where) if extra else []
        for path in bad:
            self.error(path.removeprefix("."), _TOO_LARGE)
        return not bad

    def unique(self, ids: Iterable[tuple[str, str]], what: str) -> set[str]:
        seen: dict[str, str] = {}
        for where, ident in ids:
            if ident in seen:
                self.error(f"{where}.id", f'duplicate {what} id "{ident}" (first used at {seen[ident]})')
            else:
                seen[ident] = where
        return set(seen)

    def refs(self, values: Iterable[str], known: set[str], where: str, what: str) -> None:
        for i, ref in enumerate(values):
            if ref not in known:
                self.error(f"{where}[{i}]", f'unknown {what} id "{ref}"')


def _duplicates(value: Any, where: str, out: list[Problem]) -> None:
    """Report every object with a repeated key (found while parsing) by JSON path."""
    stack = [(value, where)]
    while stack and len(out) < _MAX_PROBLEMS:
        node, path = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, _DuplicateKeys):
                for key in node.duplicates:
                    out.append(Problem(path or "(top level)", f'duplicate key "{key}" (a value would be silently lost)'))
            stack.extend((v, f"{path}.{k}" if path else k) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(node))))


# --------------------------------------------------------------------------- building
def scenario_from_json(obj: Any, path: str | Path = "<memory>") -> Scenario:
    """Validate a parsed JSON document and build a :class:`Scenario`."""
    v = _Validator()
    if not isinstance(obj, _NoDuplicates):  # read_json() already knows there are none
        _duplicates(obj, "", v.problems)
    root = v.obj(obj, "(top level)")
    if root is None:
        raise ScenarioError(path, v.problems)
    version = root.get("schema_version")
    if "schema_version" not in root:
        v.error("schema_version", 'missing required field "schema_version" (expected 1)')
    elif isinstance(version, bool) or not isinstance(version, int):
        v.error("schema_version", f"expected the number 1, got {_kind(version)}")
    elif version != SCHEMA_VERSION:
        hint = " (written by a newer version of the app)" if version > SCHEMA_VERSION else ""
        v.error("schema_version", f"unsupported schema_version {version}; this app reads {SCHEMA_VERSION}{hint}")
        raise ScenarioError(path, v.problems)

    known_top = {"schema_version", "scenario", "factions", "sources", "events", "crossings", "territory"}
    v.finite({k: val for k, val in root.items() if k not in known_top}, "")
    for key in ("scenario", "factions", "sources", "events", "crossings", "territory"):
        if key not in root:
            v.error("(top level)", f'missing required field "{key}"')

    info, tz = _scenario_info(v, root.get("scenario", {}))
    factions = _factions(v, root.get("factions", []))
    faction_ids = v.unique(((f"factions[{i}]", f.id) for i, f in factions), "faction")
    sources = _sources(v, root.get("sources", []), tz)
    source_ids = v.unique(((f"sources[{i}]", s.id) for i, s in sources), "source")
    events = _events(v, root.get("events", []), tz, source_ids)
    v.unique(((f"events[{i}]", e.id) for i, e in events), "event")
    crossings = _crossings(v, root.get("crossings", []), tz, source_ids, faction_ids)
    v.unique(((f"crossings[{i}]", c.id) for i, c in crossings), "crossing")
    territory = _territory(v, root.get("territory", []), source_ids, faction_ids)

    if v.problems:
        raise ScenarioError(path, v.problems)
    assert info is not None
    return Scenario(
        info=info,
        factions=[f for _, f in factions],
        sources=[s for _, s in sources],
        events=[e for _, e in events],
        crossings=[c for _, c in crossings],
        territory=territory,
        schema_version=SCHEMA_VERSION,
        extra={k: val for k, val in root.items() if k not in known_top},
    )


def _scenario_info(v: _Validator, value: Any) -> tuple[ScenarioInfo | None, tzinfo]:
    d = v.obj(value, "scenario")
    tz: tzinfo = zone("UTC")
    if d is None:
        return None, tz

    def check_zone(name: Any) -> str:
        name = _string(name)
        try:
            zone(name)
        except ValueError as exc:
            raise _Invalid(str(exc)) from None
        return name

    got = v.fields(d, "scenario", {"id": _string, "title": _string, "timezone": check_zone}, {"description": _text})
    if got is None:
        return None, tz
    vals, extra = got
    return ScenarioInfo(vals["id"], vals["title"], vals["timezone"], vals["description"], extra), zone(vals["timezone"])


def _factions(v: _Validator, value: Any) -> list[tuple[int, Faction]]:
    out = []
    for i, item in enumerate(v.array(value, "factions")):
        where = f"factions[{i}]"
        d = v.obj(item, where)
        got = d is not None and v.fields(d, where, {"id": _string, "name": _string, "color": _color})
        if got:
            vals, extra = got
            out.append((i, Faction(vals["id"], vals["name"], vals["color"], extra)))
    return out


def _sources(v: _Validator, value: Any, tz: tzinfo) -> list[tuple[int, Source]]:
    def published(text: Any) -> str:
        try:
            parse_moment(text, tz)
        except ValueError as exc:
            raise _Invalid(str(exc)) from None
        return text

    out = []
    for i, item in enumerate(v.array(value, "sources")):
        where = f"sources[{i}]"
        d = v.obj(item, where)
        got = d is not None and v.fields(
            d,
            where,
            {"id": _string, "title": _string, "publisher": _text, "url": _url},
            {"published": published, "reliability": _grade},
        )
        if got:
            vals, extra = got
            out.append((i, Source(extra=extra, **vals)))
    return out


def _moment(tz: tzinfo) -> Checker:
    def check(text: Any) -> Moment:
        try:
            return parse_moment(text, tz)
        except ValueError as exc:
            raise _Invalid(str(exc)) from None

    return check


def _location(v: _Validator, value: Any, where: str, *, named: bool) -> Location | None:
    d = v.obj(value, where)
    if d is None:
        return None
    lat, lon = _number(-90, 90), _number(-180, 180)
    if named:
        got = v.fields(d, where, {"name": _string}, {"lat": lat, "lon": lon})
    else:
        got = v.fields(d, where, {"lat": lat, "lon": lon}, {"name": _text})
    if not got:
        return None
    vals, extra = got
    if (vals["lat"] is None) != (vals["lon"] is None):
        v.error(where, "give both lat and lon, or neither")
        return None
    return Location(vals["name"], vals["lat"], vals["lon"], extra)


def _events(v: _Validator, value: Any, tz: tzinfo, sources: set[str]) -> list[tuple[int, Event]]:
    out = []
    moment = _moment(tz)
    verification = _enum(Verification)
    credibility = _integer(1, 6)
    required = {
        "id": _string,
        "time": moment,
        "title": _string,
        "category": _string,
        "actors": _str_list,
        "source_ids": _str_list,
        "verification": verification,
    }
    optional = {"summary": _text, "credibility": credibility, "reliability": _grade}
    for i, item in enumerate(v.array(value, "events")):
        where = f"events[{i}]"
        d = v.obj(item, where)
        if d is None:
            continue
        got = v.fields(d, where, required, {**optional, "location": lambda x: x})
        # The location and references are checked even if a field failed: every problem
        # is reported at once.
        raw_loc = d.get("location")
        loc = None if raw_loc is None else _location(v, raw_loc, f"{where}.location", named=True)
        if _is_str_list(d.get("source_ids")):
            v.refs(d["source_ids"], sources, f"{where}.source_ids", "source")
        if not got or (raw_loc is not None and loc is None):
            continue
        vals, extra = got
        vals.pop("location")
        out.append((i, Event(location=loc, extra=extra, **vals)))
    return out


def _crossings(
    v: _Validator, value: Any, tz: tzinfo, sources: set[str], factions: set[str]
) -> list[tuple[int, Crossing]]:
    out = []
    moment = _moment(tz)
    for i, item in enumerate(v.array(value, "crossings")):
        where = f"crossings[{i}]"
        d = v.obj(item, where)
        if d is None:
            continue
        raw = lambda x: x  # noqa: E731 - nested objects are checked below
        got = v.fields(
            d,
            where,
            {"id": _string, "name": _string, "sides": raw, "location": raw, "kind": _enum(CrossingKind), "history": raw},
            {"name_local": _text, "controlled_by": _string},
        )
        # The nested parts are checked even if a field failed: every problem is reported
        # at once (a part that is missing was reported as missing).
        if got:
            vals, extra = got
        else:
            vals, extra = {k: d.get(k) for k in ("sides", "location", "history")}, {}
            by = d.get("controlled_by")
            vals["controlled_by"] = by if isinstance(by, str) and by.strip() else None
        present = {"sides", "location", "history"} if got else set(d)
        ok = bool(got)
        sides = []
        raw_sides = v.array(vals["sides"], f"{where}.sides") if "sides" in present else []
        if isinstance(vals["sides"], list) and len(raw_sides) != 2:
            v.error(f"{where}.sides", f"expected exactly 2 sides, got {len(raw_sides)}")
            ok = False
        for j, s in enumerate(raw_sides):
            sw = f"{where}.sides[{j}]"
            sd = v.obj(s, sw)
            sg = sd is not None and v.fields(sd, sw, {"country": _string, "place": _string})
            if sg:
                sides.append(Side(sg[0]["country"], sg[0]["place"], sg[1]))
            else:
                ok = False
        loc = _location(v, vals["location"], f"{where}.location", named=False) if "location" in present else None
        if vals["controlled_by"] is not None and vals["controlled_by"] not in factions:
            v.error(f"{where}.controlled_by", f'unknown faction id "{vals["controlled_by"]}"')
            ok = False
        history = []
        status = _enum(CrossingStatus)
        for j, h in enumerate(v.array(vals["history"], f"{where}.history") if "history" in present else []):
            hw = f"{where}.history[{j}]"
            hd = v.obj(h, hw)
            hg = hd is not None and v.fields(
                hd, hw, {"time": moment, "status": status, "source_ids": _str_list},
                {"recorded_at": moment, "note": _text, "by": _text},
            )
            if hd is not None and _is_str_list(hd.get("source_ids")):
                v.refs(hd["source_ids"], sources, f"{hw}.source_ids", "source")
            if not hg:
                ok = False
                continue
            hv, hextra = hg
            history.append(
                StatusEntry(
                    time=hv["time"], status=hv["status"], source_ids=tuple(hv["source_ids"]),
                    recorded_at=hv["recorded_at"], note=hv["note"], by=hv["by"], extra=tuple(hextra.items()),
                )
            )
        if ok and loc is not None and isinstance(vals["history"], list):
            out.append((i, Crossing(
                id=vals["id"], name=vals["name"], sides=sides, location=loc, kind=vals["kind"],
                history=tuple(history), name_local=vals["name_local"], controlled_by=vals["controlled_by"], extra=extra,
            )))
    return out


def _territory(v: _Validator, value: Any, sources: set[str], factions: set[str]) -> list[TerritoryShare]:
    out = []
    seen: dict[tuple[Any, str], str] = {}
    totals: dict[Any, float] = {}

    def day(text: Any) -> Any:
        try:
            return parse_date(text)
        except ValueError as exc:
            raise _Invalid(str(exc)) from None

    for i, item in enumerate(v.array(value, "territory")):
        where = f"territory[{i}]"
        d = v.obj(item, where)
        got = d is not None and v.fields(
            d, where,
            {"date": day, "faction": _string, "share_pct": _number(0, 100), "source_ids": _str_list, "estimated": _boolean},
        )
        if not got:
            if d is not None:  # still report its dangling references
                if isinstance(d.get("faction"), str) and d["faction"].strip() and d["faction"] not in factions:
                    v.error(f"{where}.faction", f'unknown faction id "{d["faction"]}"')
                if _is_str_list(d.get("source_ids")):
                    v.refs(d["source_ids"], sources, f"{where}.source_ids", "source")
            continue
        vals, extra = got
        if vals["faction"] not in factions:
            v.error(f"{where}.faction", f'unknown faction id "{vals["faction"]}"')
            continue
        v.refs(vals["source_ids"], sources, f"{where}.source_ids", "source")
        key = (vals["date"], vals["faction"])
        if key in seen:
            v.error(where, f'second share for faction "{key[1]}" on {key[0]} (first at {seen[key]})')
            continue
        seen[key] = where
        totals[vals["date"]] = totals.get(vals["date"], 0.0) + vals["share_pct"]
        out.append(TerritoryShare(extra=extra, **vals))
    for d, total in sorted(totals.items()):
        if total > 100 + SHARE_TOLERANCE:
            v.error("territory", f"shares on {d} add up to {total:g}%, more than 100%")
    return out


# --------------------------------------------------------------------------- public API
def load_scenario(
    path: str | Path,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Scenario:
    """Read, validate and return the scenario at ``path``.

    Raises :class:`ScenarioError` naming the file, each JSON path and reason.

    For loading in a worker thread: ``progress(fraction, message)`` is called
    now and then (fraction 0..1 rising), and ``cancel()`` is polled as often;
    when it returns true the load stops with :class:`LoadCancelled` (it may
    also raise :class:`LoadCancelled` itself). Both are called in the loading
    thread.

    Valid files take a streaming fast path (:mod:`monitor.model.fast_load`);
    anything it does not decide is loaded again by the strict path
    (:func:`read_json` + :func:`scenario_from_json`), which reports problems.
    """
    from monitor.model.fast_load import Fallback, load_fast

    # The garbage collector would walk the growing heap again and again while
    # millions of objects are created (none of them in a cycle): pause it.
    # Afterwards, move what exists to the permanent generation (gc.freeze):
    # otherwise the next collections walk every new object once more (~0.4 s
    # per 100k events, holding the GIL, so the UI thread would freeze too).
    # The scenario's objects are still freed by reference counting when the
    # scenario is dropped; only cyclic garbage among them would stay, and
    # they make no cycles.
    paused = gc.isenabled()
    gc.disable()
    try:
        scenario = None
        try:
            fh = open_regular(path)
        except OSError:
            pass  # the strict path words the error
        else:
            with fh:
                try:
                    scenario = load_fast(fh, progress, cancel)
                except Fallback:
                    pass
        if scenario is None:
            scenario = _load_strict(path, progress, cancel)
        gc.freeze()
    finally:
        if paused:
            gc.enable()
    if progress is not None:
        progress(1.0, "Loaded")
    return scenario


def _load_strict(path: str | Path, progress: ProgressCallback | None, cancel: CancelCheck | None) -> Scenario:
    def step(fraction: float, message: str) -> None:
        if cancel is not None and cancel():
            raise LoadCancelled
        if progress is not None:
            progress(fraction, message)

    step(0.0, "Checking the file")
    obj = read_json(path)
    step(0.5, "Checking the scenario")
    return scenario_from_json(obj, path)


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in the file at ``path`` (empty list: the file is valid)."""
    try:
        load_scenario(path)
    except ScenarioError as exc:
        return exc.problems
    return []


def _put(d: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        d[key] = value


def _location_json(loc: Location, *, named: bool) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if named or loc.name is not None:
        d["name"] = loc.name
    _put(d, "lat", loc.lat)
    _put(d, "lon", loc.lon)
    d.update(loc.extra)
    return d


def status_entry_json(h: StatusEntry) -> dict[str, Any]:
    d: dict[str, Any] = {"time": h.time.iso()}
    _put(d, "recorded_at", h.recorded_at.iso() if h.recorded_at else None)
    d["status"] = h.status.value
    _put(d, "note", h.note)
    d["source_ids"] = list(h.source_ids)
    _put(d, "by", h.by)
    d.update(h.extra)
    return d


def scenario_to_json(s: Scenario) -> dict[str, Any]:
    """The scenario as a JSON-ready dict in canonical key order."""
    if hasattr(s.events, "json_pieces"):
        # Column-wise events (monitor.model.columnar) write their canonical text, not dicts:
        # read back, it is the same document (rarely wanted for a big file; saving skips this).
        return json.loads(_dumps_bytes(s))
    return _scenario_json(s, None)


def _scenario_json(s: Scenario, odd: list[Any] | None) -> dict[str, Any]:
    """:func:`scenario_to_json`; with a list ``odd``, events' floats that msgspec
    would write differently from json.dumps are noted in it (see _dumps_bytes)."""
    info: dict[str, Any] = {"id": s.info.id, "title": s.info.title}
    _put(info, "description", s.info.description)
    info["timezone"] = s.info.timezone
    info.update(s.info.extra)

    def source(x: Source) -> dict[str, Any]:
        d: dict[str, Any] = {"id": x.id, "title": x.title, "publisher": x.publisher, "url": x.url}
        _put(d, "published", x.published)
        _put(d, "reliability", x.reliability)
        d.update(x.extra)
        return d

    def crossing(c: Crossing) -> dict[str, Any]:
        d: dict[str, Any] = {"id": c.id, "name": c.name}
        _put(d, "name_local", c.name_local)
        d["sides"] = [{"country": sd.country, "place": sd.place, **sd.extra} for sd in c.sides]
        d["location"] = _location_json(c.location, named=False)
        d["kind"] = c.kind.value
        _put(d, "controlled_by", c.controlled_by)
        d["history"] = [status_entry_json(h) for h in c.history]
        d.update(c.extra)
        return d

    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scenario": info,
        "factions": [{"id": f.id, "name": f.name, "color": f.color, **f.extra} for f in s.factions],
        "sources": [source(x) for x in s.sources],
        "events": [_event_json(e, odd) for e in s.events],
        "crossings": [crossing(c) for c in s.crossings],
        "territory": [
            {"date": t.date.isoformat(), "faction": t.faction, "share_pct": t.share_pct,
             "source_ids": list(t.source_ids), "estimated": t.estimated, **t.extra}
            for t in s.territory
        ],
    }
    out.update(s.extra)
    return out


def _event_json(e: Event, odd: list[Any] | None = None) -> dict[str, Any]:
    # Written out (no helpers): this runs once per event on every save.
    d: dict[str, Any] = {"id": e.id, "time": e.time.iso(), "title": e.title}
    if e.summary is not None:
        d["summary"] = e.summary
    d["category"] = e.category
    d["actors"] = list(e.actors)
    loc = e.location
    if loc is not None:
        ld: dict[str, Any] = {"name": loc.name}
        lat, lon = loc.lat, loc.lon
        if lat is not None:
            ld["lat"] = lat
        if lon is not None:
            ld["lon"] = lon
        if odd is not None:  # _plain_float() written out
            if type(lat) is float and not ((a := abs(lat)) == 0.0 or 1e-4 <= a < 1e16):
                odd.append(lat)
            if type(lon) is float and not ((a := abs(lon)) == 0.0 or 1e-4 <= a < 1e16):
                odd.append(lon)
            if loc.extra and not _plain_value(loc.extra):
                odd.append(loc.extra)
        if loc.extra:
            ld.update(loc.extra)
        d["location"] = ld
    d["source_ids"] = list(e.source_ids)
    d["verification"] = e.verification.value
    if e.credibility is not None:
        d["credibility"] = e.credibility
    if e.reliability is not None:
        d["reliability"] = e.reliability
    if e.extra:
        if odd is not None and not _plain_value(e.extra):
            odd.append(e.extra)
        d.update(e.extra)
    return d


def dumps_scenario(s: Scenario) -> str:
    return _dumps_bytes(s).decode("utf-8")


def _dumps_bytes(s: Scenario) -> bytes:
    """The canonical file bytes: ``json.dumps(doc, ensure_ascii=False, indent=2) + "\\n"``.

    msgspec writes the same bytes about 5x faster (compact encoding, then its
    indenting formatter), except that it writes floats in exponent form
    differently (1e-05 vs 1e-5) and NaN/Infinity as null instead of refusing:
    so a scenario holding any such float goes the stdlib way.
    """
    pieces = _column_pieces(s)
    if pieces is not None:
        return b"".join(pieces)
    paused = gc.isenabled()
    gc.disable()  # the document is a tree of ~1M short-lived dicts and lists: no cycles to find
    odd: list[Any] = []
    try:
        doc = _scenario_json(s, odd)
    finally:
        if paused:
            gc.enable()
    if _msgspec is not None and not odd and _plain_floats(s, events=False):
        try:
            return _msgspec.json.format(_msgspec.json.encode(doc), indent=2) + b"\n"
        except (TypeError, ValueError, OverflowError, _msgspec.MsgspecError):  # e.g. a lone surrogate
            pass
    if _msgspec is not None:  # column-wise events are msgspec structs: plain dicts and lists for json
        doc = _msgspec.to_builtins(doc)
    return (json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _column_pieces(s: Scenario) -> list[Any] | None:
    """For column-wise events (monitor.model.columnar): the canonical bytes as a list of
    buffers, the events' text assembled by Arrow from the columns and spliced into the rest
    of the document (written as usual). None for events kept as objects."""
    pieces = getattr(s.events, "json_pieces", None)
    if pieces is None:
        return None
    head = _dumps_bytes(dataclasses.replace(s, events=[]))
    marker = b'\n  "events": [],\n'  # at the top level: strings never hold a raw newline
    at = head.index(marker)
    return [head[:at], b'\n  "events": ', *pieces(), b",\n", head[at + len(marker) :]]


def _plain_float(x: float) -> bool:
    """True if ``repr(x)`` has no exponent and the value is finite (same text from msgspec)."""
    a = abs(x)
    return a == 0.0 or 1e-4 <= a < 1e16


def _plain_value(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is float:
            if not _plain_float(v):
                return False
        elif t is dict:
            stack.extend(v.values())
        elif t is list or t is tuple:
            stack.extend(v)
        elif t not in (str, int, bool, type(None)):
            return False  # anything unusual: let the stdlib decide
    return True


def _plain_floats(s: Scenario, *, events: bool = True) -> bool:
    """No float anywhere in ``s`` that msgspec would write differently from json.dumps."""
    for e in s.events if events else ():
        loc = e.location
        if loc is not None:
            # _plain_float() written out: this runs for every event.
            lat, lon = loc.lat, loc.lon
            if type(lat) is float and not ((a := abs(lat)) == 0.0 or 1e-4 <= a < 1e16):
                return False
            if type(lon) is float and not ((a := abs(lon)) == 0.0 or 1e-4 <= a < 1e16):
                return False
            if loc.extra and not _plain_value(loc.extra):
                return False
        if e.extra and not _plain_value(e.extra):
            return False
    for t in s.territory:
        if (type(t.share_pct) is float and not _plain_float(t.share_pct)) or (t.extra and not _plain_value(t.extra)):
            return False
    rest: list[Any] = [s.extra, s.info.extra]
    rest += [f.extra for f in s.factions] + [x.extra for x in s.sources]
    for c in s.crossings:
        rest += [c.extra, c.location.lat, c.location.lon, c.location.extra]
        rest += [sd.extra for sd in c.sides] + [h.extra for h in c.history]
    return _plain_value(rest)


def _create_temp(folder: Path, name: str) -> tuple[int, str]:
    """A new, exclusive temp file next to the target.

    Created with mode 0o666 so that the process umask applies, as for any
    new file (``tempfile.mkstemp`` would make every newly saved scenario
    private, 0o600).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a unique temporary file", str(folder))


def atomic_write_bytes(path: str | Path, data: bytes | list[Any]) -> None:
    """Write ``data`` to ``path`` so that the file is always either old or new.

    Temp file in the same folder, flush + fsync, ``os.replace``, then fsync
    the folder so the rename itself survives a power cut. ``data`` is bytes, or a list of
    buffers written one after the other. A symbolic link is
    followed (the file it points to is replaced, the link stays); an existing
    file keeps its permission bits.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    mode = None
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        pass
    fd, tmp = _create_temp(folder, target.name)
    try:
        try:
            fh = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with fh:
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            else:  # buffers written one after the other (no copy of a big file joined first)
                fh.writelines(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Save atomically in canonical form. Raises ``OSError`` if the write fails;
    the previous file is then left untouched."""
    atomic_write_bytes(path, _column_pieces(scenario) or _dumps_bytes(scenario))
