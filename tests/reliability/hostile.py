"""Hostile text for the display tests: a scenario full of it, and the checks.

Every text field gets a value made of a unique tag, markup (HTML, Qt rich text, a
``file://`` image, an ``http://`` link), bidi controls (a right-to-left override, a stray
pop-isolate that would close a naive isolate early, another override), zero-width
characters, emoji, Arabic and Qt's own specials (``&`` mnemonics, the ``[*]`` window-title
placeholder). One event title is 100 kB long.

:func:`bidi_leaks` is a small implementation of the explicit-level rules of the Unicode
Bidirectional Algorithm (UAX #9, X1-X8 with BD9 isolate matching): a shown string is safe
when no character outside the data pieces it contains gets another embedding level or
override than it would have with those pieces left out -- i.e. no data can reorder or
restyle the text around it ("spoof a neighbouring column").
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"

HTML = '<b>B</b><img src="file:///etc/hostname"><a href="http://example.com">x</a>'
BIDI = "\u202eevil\u2069\u202e"  # override, stray pop-isolate, override again
ZERO_WIDTH = "z\u200bw\u200dj\u2060\ufeff"
EMOJI = "🚧👨\u200d👩\u200d👧"
ARABIC = "معبر"
QT_SPECIALS = "&amp;&R[*]"
LONG = 100_000


def hostile(tag: str) -> str:
    return f"[{tag}]{HTML}{BIDI}{ZERO_WIDTH}{EMOJI}{ARABIC}{QT_SPECIALS}"


def hostile_doc() -> tuple[dict[str, Any], dict[str, str]]:
    """small.json with hostile text in every text field; also tag -> value."""
    doc = json.loads((DATA / "small.json").read_text(encoding="utf-8"))
    values: dict[str, str] = {}

    def h(tag: str, suffix: str = "") -> str:
        values[tag] = hostile(tag) + suffix
        return values[tag]

    doc["scenario"]["title"] = h("scenario-title")
    doc["scenario"]["description"] = h("scenario-description")
    for i, f in enumerate(doc["factions"]):
        f["name"] = h(f"faction{i}")
    for i, s in enumerate(doc["sources"]):
        s["title"] = h(f"source-title{i}")
        s["publisher"] = h(f"publisher{i}")
    doc["sources"][0]["url"] = "https://example.org/\u202egnp.exe"  # looks like ...exe.png
    doc["sources"][1]["url"] = 'https://example.org/a?b="><img src=x>'
    for i, e in enumerate(doc["events"]):
        e["title"] = h(f"event-title{i}", "L" * LONG if i == 0 else "")
        e["summary"] = h(f"event-summary{i}")
        e["category"] = h(f"category{i % 2}")
        e["actors"] = [*e["actors"], h(f"actor{i}")]
        if "location" in e:
            e["location"]["name"] = h(f"location{i}")
    for i, c in enumerate(doc["crossings"]):
        c["name"] = h(f"crossing{i}")
        c["name_local"] = h(f"crossing-local{i}")
        for j, side in enumerate(c["sides"]):
            side["country"] = h(f"country{i}{j}")
            side["place"] = h(f"place{i}{j}")
        for j, entry in enumerate(c["history"]):
            entry["note"] = h(f"note{i}{j}")
            entry["by"] = h(f"by{i}{j}")
            entry["source_ids"] = ["s1", "s2"]
    return doc, values


# ------------------------------------------------------------------ finding data in shown text
def data_ranges(shown: str, values: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, tag) of every piece of data in ``shown``: from its tag to where it stops
    matching the value (a view may cut a long value short)."""
    out = []
    for tag, value in values.items():
        marker = f"[{tag}]"
        start = shown.find(marker)
        while start >= 0:
            n = 0
            limit = min(len(value), len(shown) - start)
            while n < limit and shown[start + n] == value[n]:
                n += 1
            out.append((start, start + n, tag))
            start = shown.find(marker, start + 1)
    return sorted(out)


def shows_literally(shown: str, values: dict[str, str], *, min_chars: int = 60) -> list[str]:
    """Tags whose value appears in ``shown`` altered (not just cut short: a view may elide)."""
    bad = []
    for start, end, tag in data_ranges(shown, values):
        value = values[tag]
        if end - start < min(len(value), min_chars) and end < len(shown):
            rest = shown[end : end + 1]
            if rest not in ("…", "\u2069", ""):  # cut with an ellipsis, or isolate closed
                bad.append(f"{tag}: shown as {shown[start : end + 20]!r}")
    return bad


# --------------------------------------------------------------------- UAX #9, explicit levels
LRE, RLE, PDF, LRO, RLO = "\u202a\u202b\u202c\u202d\u202e"
LRI, RLI, FSI, PDI = "\u2066\u2067\u2068\u2069"
_MAX_DEPTH = 125
# Paragraph separator, and the frame (table cell) markers of QTextDocument.toRawText().
_BLOCK_BREAKS = frozenset("\u2029\ufdd0\ufdd1")
_CONTROLS = frozenset(LRE + RLE + PDF + LRO + RLO + LRI + RLI + FSI + PDI + "\u200e\u200f\u061c")


def explicit_levels(text: str, paragraph_level: int = 0) -> list[tuple[int, str | None]]:
    """(embedding level, override) of every character after rules X1-X8 of UAX #9.

    Paragraph separators (U+2029, and the block breaks QTextDocument reports) start over.
    FSI is taken as LRI: the content's own level does not matter to the text around it.
    """
    out: list[tuple[int, str | None]] = []
    stack: list[tuple[int, str | None, bool]] = [(paragraph_level, None, False)]
    overflow_isolates = overflow_embeddings = valid_isolates = 0

    def next_level(odd: bool) -> int:
        level = stack[-1][0] + 1
        return level if (level % 2 == 1) == odd else level + 1

    for ch in text:
        level, override, _ = stack[-1]
        if ch in _BLOCK_BREAKS:
            out.append((level, override))
            stack = [(paragraph_level, None, False)]
            overflow_isolates = overflow_embeddings = valid_isolates = 0
        elif ch in (RLE, LRE, RLO, LRO):
            out.append((level, override))
            new = next_level(ch in (RLE, RLO))
            if new <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                stack.append((new, "R" if ch == RLO else "L" if ch == LRO else None, False))
            elif not overflow_isolates:
                overflow_embeddings += 1
        elif ch in (RLI, LRI, FSI):
            out.append((level, override))
            new = next_level(ch == RLI)
            if new <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                valid_isolates += 1
                stack.append((new, None, True))
            else:
                overflow_isolates += 1
        elif ch == PDI:
            if overflow_isolates:
                overflow_isolates -= 1
            elif valid_isolates:
                overflow_embeddings = 0
                while not stack[-1][2]:
                    stack.pop()
                stack.pop()
                valid_isolates -= 1
            level, override, _ = stack[-1]
            out.append((level, override))
        elif ch == PDF:
            out.append((level, override))
            if overflow_isolates:
                pass
            elif overflow_embeddings:
                overflow_embeddings -= 1
            elif not stack[-1][2] and len(stack) >= 2:
                stack.pop()
        else:
            out.append((level, override))
    return out


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zl", "Zp", "Cn")


def bidi_leaks(shown: str, values: dict[str, str]) -> list[str]:
    """Characters outside the data in ``shown`` whose bidi state the data changes."""
    ranges = data_ranges(shown, values)
    if not ranges:
        return []
    inside = [False] * len(shown)
    for start, end, _ in ranges:
        # The isolates the view put around the piece belong to it (they may be several,
        # to balance pop-isolates inside the data).
        while start > 0 and shown[start - 1] in _CONTROLS:
            start -= 1
        while end < len(shown) and shown[end] in _CONTROLS:
            end += 1
        for i in range(start, end):
            inside[i] = True
    kept = [i for i in range(len(shown)) if not inside[i]]
    without = "".join(shown[i] for i in kept)
    with_states = explicit_levels(shown)
    without_states = explicit_levels(without)
    leaks = []
    for j, i in enumerate(kept):
        if _visible(shown[i]) and with_states[i] != without_states[j]:
            leaks.append(f"{shown[i]!r} at {i} ({shown[max(0, i - 30) : i + 10]!r})")
            break
    return leaks


def mnemonic_text(text: str) -> str:
    """What Qt shows for a QAction/QAbstractButton text: '&&' -> '&', a lone '&' marks a
    mnemonic and is not shown."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "&" and i + 1 < len(text):  # "&&" shows "&", "&x" shows "x"
            out.append(text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)
