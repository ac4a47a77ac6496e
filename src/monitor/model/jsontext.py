"""Reading a scenario file as strict JSON (RFC 8259), every failure a clear problem.

UTF-8 only (no byte-order mark), no ``NaN`` / ``Infinity``, no duplicate keys (found
with :func:`monitor.model.schema.pairs_hook`), no unpaired surrogate escapes; broken
JSON, too deep nesting and over-long numbers are placed by line and column. Used by
the loader for the precise report of a file its window-by-window reader does not
accept, and by :func:`read_json`.
"""

from __future__ import annotations

import codecs
import errno
import json
import json.scanner
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from monitor.model.errors import Problem, ScenarioError
from monitor.model.schema import MAX_PROBLEMS, NoDuplicates, pairs_hook

# A fixed-width number of bytes is enough to reject garbage before reading a huge file.
SNIFF_BYTES = 64 * 1024


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
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


# A \uD800-\uDFFF escape somewhere (cheap test before looking for lone surrogates).
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _surrogate_problems(value: Any) -> list[Problem]:
    """JSON paths of strings holding an unpaired UTF-16 surrogate (valid JSON, not Unicode)."""
    out: list[Problem] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack and len(out) < MAX_PROBLEMS:
        node, path = stack.pop()
        if isinstance(node, dict):
            for k, v in reversed(node.items()):
                child = f"{path}.{k}" if path else k
                if _LONE_SURROGATE_RE.search(k):
                    out.append(
                        Problem(
                            path or "(top level)",
                            f"key {k!r} contains an unpaired UTF-16 surrogate escape;"
                            " not valid Unicode",
                        )
                    )
                stack.append((v, child))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, str) and _LONE_SURROGATE_RE.search(node):
            out.append(
                Problem(
                    path,
                    "contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff);"
                    " not valid Unicode",
                )
            )
    return out


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def encoding_problem(data: bytes) -> Problem | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return Problem(
            "", "starts with a UTF-8 byte-order mark; save the file as UTF-8 without BOM", 1, 1
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(data) >= 2 and (data[0] == 0 or data[1] == 0)
    ):
        return Problem("", "is UTF-16/UTF-32 encoded; scenario files must be UTF-8", 1, 1)
    return None


class NotRegularFile(OSError):
    """A FIFO, socket or device: reading could block forever or never end."""


def open_regular(path: str | Path) -> Any:
    """Open ``path`` for binary reading if it is a regular file.

    Opened non-blocking first, so that a FIFO named like a scenario cannot hang
    the app; a directory raises :class:`IsADirectoryError`, anything else that is
    not a regular file :class:`NotRegularFile` (both ``OSError``).
    """
    nonblock = getattr(os, "O_NONBLOCK", 0)
    fh = open(path, "rb", opener=lambda name, flags: os.open(name, flags | nonblock))  # noqa: SIM115
    try:
        mode = os.fstat(fh.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
        if nonblock:
            os.set_blocking(fh.fileno(), True)
        return fh
    except BaseException:
        fh.close()
        raise


def head_problem(head: bytes) -> Problem | None:
    """A certain error within the first bytes of a bigger file, found without reading the
    rest (a 1 GB file of garbage after a '{' is rejected at once): invalid UTF-8, or a
    JSON syntax error well before the cut (what follows cannot repair it)."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        before = head[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(before, len(before))
        return Problem(
            "", f"invalid UTF-8 byte 0x{head[exc.start]:02x} at offset {exc.start}", line, col
        )
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
                return Problem(
                    "",
                    f"JSON nested too deeply (more than {_MAX_REPORTED_DEPTH} levels)",
                    line,
                    col,
                )
        elif token in "]}":
            depth -= 1
    return Problem("", "JSON nested too deeply", 1, 1)


def _value_problem(text: str, exc: ValueError) -> Problem:
    """A value Python's parser refused (an integer with thousands of digits), placed."""
    if "digits" in str(exc):
        for m in re.finditer(r'"(?:[^"\\]|\\.)*"|(\d{4000,})', text, re.ASCII):
            if m.group(1):  # a number, not a string of digits
                line, col = _line_col(text, m.start(1))
                return Problem(
                    "", f"a number with {len(m.group(1))} digits is too long to read", line, col
                )
    return Problem("", f"broken JSON: {exc}", 1, 1)


# Bytes that never occur in a UTF-8 JSON text: raw control characters (only tab, LF and
# CR may appear unescaped) and bytes no UTF-8 sequence uses.
NEVER_IN_JSON = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\xc0\xc1\xf5-\xff]")
_READ_CHUNK = 8 * 1024 * 1024


def _read_rest(path: Path, fh: Any, head: bytes) -> bytearray:
    """The whole file, read in chunks; stops at the first byte that cannot be in a JSON text
    (a file whose tail is zeros after a crash, or garbage, is not read to its end)."""
    data = bytearray(head)
    while chunk := fh.read(_READ_CHUNK):
        m = NEVER_IN_JSON.search(chunk)
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


def os_problem(path: str | Path, exc: OSError) -> ScenarioError:
    """The :class:`ScenarioError` (unreadable) for an ``OSError`` on opening or reading."""
    if isinstance(exc, NotRegularFile):
        reason = "is not a regular file (a pipe, socket or device), not a scenario file"
    elif isinstance(exc, FileNotFoundError):
        reason = "no such file"
    elif isinstance(exc, IsADirectoryError):
        reason = "is a directory, not a scenario file"
    elif isinstance(exc, PermissionError):
        reason = "permission denied"
    else:
        reason = f"cannot be read: {exc.strerror or exc}"
    return ScenarioError(path, [Problem("", reason)], unreadable=True)


def first_problem(head: bytes, fh: Any) -> Problem | None:
    """A problem certain from the first :data:`SNIFF_BYTES` of a file (``head``): an
    encoding that is not UTF-8, an empty file, not a JSON object, broken early."""
    problem = encoding_problem(head)
    if problem is None and head.strip() == b"" and fh.read(1) == b"":
        return Problem("", "the file is empty", 1, 1)
    if problem is None:
        first = head.lstrip(b" \t\r\n")[:1]
        if first and first != b"{":
            line, col = _line_col(
                head.decode("utf-8", "replace"), len(head) - len(head.lstrip(b" \t\r\n"))
            )
            return Problem(
                "",
                f"a scenario file must be a JSON object starting with '{{', found {first!r}",
                line,
                col,
            )
    if problem is None and len(head) == SNIFF_BYTES:
        problem = head_problem(head)
    return problem


def read_open(path: str | Path, fh: Any) -> tuple[Any, bytes]:
    """Read the open file ``fh`` (at its start) as strict UTF-8 JSON: (document, the
    bytes read). Every failure is a :class:`ScenarioError` naming ``path``."""
    p = Path(path)
    try:
        head = fh.read(SNIFF_BYTES)
        problem = first_problem(head, fh)
        if problem is not None:
            raise ScenarioError(p, [problem])
        data = bytes(_read_rest(p, fh, head))
    except OSError as exc:
        raise os_problem(p, exc) from None
    return parse_bytes(p, data), data


def parse_bytes(path: str | Path, data: bytes) -> Any:
    """``data`` parsed as strict UTF-8 JSON (see the module docstring)."""
    p = Path(path)
    problem = encoding_problem(data[:SNIFF_BYTES])
    if problem is not None:
        raise ScenarioError(p, [problem])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(before, len(before))  # characters, not bytes
        raise ScenarioError(
            p,
            [
                Problem(
                    "",
                    f"invalid UTF-8 byte 0x{data[exc.start]:02x} at offset {exc.start}",
                    line,
                    col,
                )
            ],
        ) from None
    if not text.strip():
        raise ScenarioError(p, [Problem("", "the file is empty", 1, 1)])
    duplicates = 0

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicates
        obj = dict(pairs)
        if len(obj) != len(pairs):
            duplicates += 1
            return pairs_hook(pairs)
        return obj

    # (No parse_float hook to catch 1e400 -> inf here: a Python hook on every
    # number slows parsing by ~40%. Validation rejects non-finite values.)
    try:
        obj = json.loads(text, object_pairs_hook=hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            p, [Problem("", f"broken JSON: {exc.msg}", exc.lineno, exc.colno)]
        ) from None
    except _NonFinite as exc:
        problems = _non_finite_problems(text) or [Problem("", f"{exc} is not a finite JSON number")]
        raise ScenarioError(p, problems) from None
    except RecursionError:
        raise ScenarioError(p, [_nesting_problem(text)]) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ScenarioError(p, [_value_problem(text, exc)]) from None
    if _SURROGATE_ESCAPE_RE.search(text):
        problems = _surrogate_problems(obj)
        if problems:
            raise ScenarioError(p, problems)
    if not duplicates and type(obj) is dict:
        obj = NoDuplicates(obj)
    return obj


def read_json(path: str | Path) -> Any:
    """Read ``path`` as strict UTF-8 JSON; every failure is a :class:`ScenarioError`."""
    try:
        fh = open_regular(path)
    except OSError as exc:
        raise os_problem(path, exc) from None
    with fh:
        return read_open(path, fh)[0]


# -- the streaming reader's scanner (monitor.model.loader) ----------------------------------
CHUNK_BYTES = 4 * 1024 * 1024  # read at a time (decoding a chunk holds the GIL: ~20 ms)
_WS = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class Fallback(Exception):
    """The streaming reader does not decide this file: the strict reader must."""


def _fail(*_args: Any) -> Any:
    raise Fallback


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise Fallback  # the strict reader reports where
    return d


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_fail)
_SCAN = json.scanner.make_scanner(_DECODER)  # type: ignore[arg-type]


class TextScanner:
    """Decoded text over the stream, for the small parts of the document; ``pos`` indexes it."""

    def __init__(self, stream: Any, first: bytes):
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.text = ""
        self.pos = 0
        self._append(first, final=False)

    def _append(self, data: bytes, *, final: bool) -> None:
        try:
            new = self.decoder.decode(data, final)
        except UnicodeDecodeError:
            raise Fallback from None
        self.text = self.text[self.pos :] + new
        self.pos = 0
        if _SURROGATE_ESCAPE_RE.search(new):
            raise Fallback  # \ud800-\udfff escapes: the strict reader looks for unpaired ones

    def more(self) -> bool:
        if self.stream.eof:
            if self.decoder.getstate()[0]:  # a UTF-8 sequence cut off by the end of the file
                self._append(b"", final=True)  # (raises Fallback)
            return False
        data = self.stream.read(CHUNK_BYTES)
        self._append(data, final=not data)
        return True

    def take(self) -> bytes:
        """The bytes read but not parsed yet (the text is emptied)."""
        pending = self.decoder.getstate()[0]
        rest = self.text[self.pos :].encode("utf-8") + pending
        self.decoder.reset()
        self.text, self.pos = "", 0
        return rest

    def give(self, data: bytes) -> None:
        """Go on from these bytes (read from the stream already)."""
        self._append(data, final=False)

    def peek(self) -> str:
        """Skip white space; the next character ('' at the end of the file)."""
        while True:
            m = _WS.match(self.text, self.pos)
            self.pos = m.end() if m else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise Fallback
        self.pos += 1

    def value(self) -> Any:
        """Scan one JSON value at ``pos`` (reading on until it is complete)."""
        if self.peek() == "":
            raise Fallback
        while True:
            try:
                obj, end = _SCAN(self.text, self.pos)
            except (StopIteration, ValueError, RecursionError) as exc:
                if _cut_off(exc, len(self.text)) and self.more():
                    continue
                raise Fallback from None
            if end >= len(self.text) and self.more():  # a number needs one more character
                continue
            self.pos = end
            return obj


def _cut_off(exc: BaseException, window: int) -> bool:
    """Could more text complete the value that failed to scan?"""
    if isinstance(exc, json.JSONDecodeError):
        return exc.pos >= window - 64 or exc.msg.startswith("Unterminated string")
    if isinstance(exc, StopIteration):
        return isinstance(exc.value, int) and exc.value >= window - 64
    return False  # nested too deeply, an integer too long: the strict reader words it
