"""Putting untrusted text next to other text safely (Unicode bidi isolation).

Text from a scenario file may hold right-to-left script (Arabic names) or explicit bidi
controls such as U+202E RIGHT-TO-LEFT OVERRIDE. Shown next to other text (a list of
actors, "Name: 12 %", a tooltip line), either can reorder that other text. Wrapping each
piece in a first-strong isolate (U+2068 ... U+2069) confines it -- but only if the piece
cannot close the isolate itself: a stray U+2069 inside it would end the isolate early
and let an override that follows run over the rest of the line. :func:`isolate` balances
that. Pure Python, no Qt.
"""

from __future__ import annotations

import re

FSI, PDI = "\u2068", "\u2069"
_INITIATORS = "\u2066\u2067\u2068"  # LRI, RLI, FSI
# Explicit bidi formatting characters (embeddings, overrides, isolates, marks).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NEEDS = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff"
    + BIDI_CONTROLS
    + "]"
)


def isolate(text: str) -> str:
    """``text`` in a first-strong isolate that nothing inside it can break out of.

    Pop-isolates in ``text`` without an opener get extra openers in front; isolates that
    ``text`` opens and never closes get closers at the end. (Embeddings and overrides
    inside are ended by the closing U+2069 anyway.)
    """
    open_ = stray = 0
    for ch in text:
        if ch in _INITIATORS:
            open_ += 1
        elif ch == PDI:
            if open_:
                open_ -= 1
            else:
                stray += 1
    return FSI * (1 + stray) + text + PDI * (1 + open_)


def needs_isolation(text: str) -> bool:
    """True if ``text`` holds right-to-left letters or bidi controls."""
    return _NEEDS.search(text) is not None


def isolate_if_needed(text: str) -> str:
    """:func:`isolate` for text that could reorder its neighbours; other text unchanged
    (plain Latin stays free of invisible characters)."""
    return isolate(text) if needs_isolation(text) else text
