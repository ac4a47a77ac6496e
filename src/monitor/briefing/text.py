"""Untrusted text from a scenario file, tidied for print (plain strings, never markup).

Every piece is bounded: a title or a note of a megabyte is cut, with a marker saying how
much was left out (the full text stays in the scenario file), so no briefing grows past a
few hundred pages. Text that holds right-to-left letters or bidi controls is isolated
(:func:`monitor.model.text.isolate`) where it sits next to other text, and URLs show their
bidi controls as visible code points, so a U+202E cannot reverse or disguise what follows.
"""

from __future__ import annotations

from typing import Any

from monitor.model.text import BIDI_CONTROLS, isolate_if_needed

#: Longest text printed from one field: a paragraph of notes, or a one-line name/title.
MAX_TEXT = 20000
MAX_LINE = 300


def cut_marker(left_out: int) -> str:
    return f" […{left_out:,} more characters cut; the full text is in the scenario file]"


def bound(text: str, limit: int, dropped: int = 0) -> str:
    """``text`` cut to ``limit`` characters with a marker saying how much was left out
    (``dropped``: characters already dropped from its end before)."""
    if len(text) <= limit:
        return text + cut_marker(dropped) if dropped else text
    head = text[:limit]
    if 0xD800 <= ord(head[-1]) <= 0xDBFF:  # never split a surrogate pair
        head = head[:-1]
    return head.rstrip() + cut_marker(len(text) - len(head) + dropped)


def clean(text: Any, limit: int = MAX_TEXT) -> str:
    """Untrusted text as one tidy plain string (never None), at most ``limit`` characters
    (then cut with a marker)."""
    if text is None:
        return ""
    s = str(text)
    dropped = 0
    if len(s) > 2 * limit + 64:  # do not tidy a megabyte only to cut it
        dropped = len(s) - 2 * limit
        s = s[: 2 * limit]
    return bound(s.replace("\r\n", "\n").replace("\r", "\n").strip(), limit, dropped)


def one_line(text: Any, limit: int = MAX_LINE) -> str:
    """Untrusted text on one line, at most ``limit`` characters (then cut with a marker)."""
    if text is None:
        return ""
    if _plain(text, limit):
        return text
    s = str(text)
    dropped = 0
    if len(s) > 4 * limit + 64:  # do not split a megabyte into words only to cut it
        dropped = len(s) - 4 * limit
        s = s[: 4 * limit]
    return bound(" ".join(s.split()), limit, dropped)


def visible_controls(text: str) -> str:
    """Bidi controls shown as ``<U+202E>``: what a URL or an id really holds."""
    if not any(ch in BIDI_CONTROLS for ch in text):
        return text
    return "".join(f"<U+{ord(ch):04X}>" if ch in BIDI_CONTROLS else ch for ch in text)


def url_text(url: Any) -> str:
    """A URL as it is: one line, bounded, its bidi controls visible."""
    return visible_controls(one_line(url, 500))


def inline(text: Any, limit: int = MAX_LINE) -> str:
    """One-line text to be printed next to other text: isolated if it could reorder it."""
    if _plain(text, limit):  # (most names: printable ASCII, tidy, short)
        return text
    return isolate_if_needed(one_line(text, limit))


def _plain(text: Any, limit: int) -> bool:
    """Already one tidy line of printable ASCII within ``limit`` (no bidi, nothing to cut)."""
    return (
        isinstance(text, str)
        and len(text) <= limit
        and text.isascii()
        and text.isprintable()
        and "  " not in text
        and text == text.strip()
    )


def snippet(text: Any, limit: int) -> str:
    """The start of ``text`` on one line, cut at a word near ``limit`` with "…" (for a
    summary under a highlight; the full text is elsewhere)."""
    s = one_line(text, 4 * limit)
    if len(s) <= limit:
        return s
    cut = s.rfind(" ", 0, limit)
    return s[: cut if cut > limit // 2 else limit].rstrip(" ,;:.") + " …"
