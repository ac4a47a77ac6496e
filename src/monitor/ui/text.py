"""Showing untrusted text in Qt places that guess whether a string is rich text."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel


def plain_tooltip(text: str) -> str:
    """Tooltip markup showing ``text`` literally (never interpreted as HTML), line breaks kept.

    Qt renders a tooltip as HTML when it looks like markup, so ``<img src=...>`` from a
    scenario file would otherwise load and display.
    """
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def set_text_steady(label: QLabel, text: str) -> None:
    """``label.setText(text)`` without asking the window to lay itself out again.

    A label whose text changes (an "as of" time on every cursor step) would make Qt
    recompute the layout of every widget up to the main window, which then repaints
    whole. A widget of fixed size skips that, so the label keeps a fixed size that only
    ever grows (when a longer text comes).
    """
    if text == label.text():
        return
    metrics = label.fontMetrics()
    width = metrics.horizontalAdvance(text) + 2 * label.margin() + 6
    height = max(metrics.height() + 2 * label.margin(), 1)
    fixed = label.minimumWidth() == label.maximumWidth()
    if not fixed or width > label.width() or label.height() != height:
        label.setFixedSize(max(width, label.width() if fixed else 0), height)
    label.setText(text)
