"""Showing untrusted text in Qt places that guess whether a string is rich text."""

from __future__ import annotations

import html


def plain_tooltip(text: str) -> str:
    """Tooltip markup showing ``text`` literally (never interpreted as HTML), line breaks kept.

    Qt renders a tooltip as HTML when it looks like markup, so ``<img src=...>`` from a
    scenario file would otherwise load and display.
    """
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"
