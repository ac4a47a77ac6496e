"""The one exception type for a scenario file that cannot be used."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Bidi controls (embeddings, overrides, isolates, marks) besides control and separator
# characters (categories Cc, Zl, Zp): shown escaped in messages.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f"  # Arabic letter mark, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)


def visible(text: str) -> str:
    """``text`` with line breaks, other control characters and bidi controls escaped
    (``\\n``, ``\\u202e``), so that a string quoted from a file cannot add lines to a
    message or reorder the text around it."""
    if text.isprintable() and not _BIDI_CONTROLS.intersection(text):
        return text
    out = []
    for ch in text:
        if ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(repr(ch)[1:-1] if ch in "\n\r\t" else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


#: ``progress(fraction, message)``: how far a load has got (fraction 0..1 rising).
ProgressCallback = Callable[[float, str], None]
#: ``cancel()``: true when a load should stop (it then raises :class:`LoadCancelled`).
CancelCheck = Callable[[], bool]


class LoadCancelled(Exception):
    """Loading was cancelled (the ``cancel`` check returned true); nothing was changed."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: where (JSON path, or line/column) and why."""

    where: str
    reason: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        place = visible(self.where) or "(file)"
        if self.line is not None:
            place += f" (line {self.line}, column {self.column})"
        return f"{place}: {visible(self.reason)}"


class ScenarioError(Exception):
    """A scenario file is unreadable or invalid.

    Carries every problem found, not just the first. ``unreadable`` is true
    when the file could not be read at all (missing, a directory, no
    permission), as opposed to read but rejected.
    """

    def __init__(self, path: str | Path, problems: list[Problem], *, unreadable: bool = False):
        self.path = str(path)
        self.problems = list(problems)
        self.unreadable = unreadable
        super().__init__(self.describe())

    def __reduce__(self):
        # Exceptions pickle as ``cls(*args)`` by default, which does not match
        # this signature; a scenario loaded in a worker process must be able
        # to send its error back.
        return (_rebuild, (type(self), self.path, self.problems, self.unreadable))

    def describe(self, limit: int | None = 50) -> str:
        n = len(self.problems)
        path = visible(self.path)
        head = f"{path}: {'cannot be read' if self.unreadable else 'invalid scenario'}"
        head += f" ({n} problem{'s' if n != 1 else ''})" if n > 1 else ""
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [head, *(f"  {path}: {p}" for p in shown)]
        if limit is not None and n > limit:
            lines.append(f"  ... and {n - limit} more")
        return "\n".join(lines)


def _rebuild(
    cls: type[ScenarioError], path: str, problems: list[Problem], unreadable: bool
) -> ScenarioError:
    return cls(path, problems, unreadable=unreadable)
