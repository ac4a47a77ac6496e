"""Colour helpers of the territory chart: data colours made safe, and blends towards the
background (estimates, muted marks) that work on light and dark palettes."""

from __future__ import annotations

from PySide6.QtGui import QColor

ESTIMATE_MIX = 0.5  # how far an estimated fill is blended towards the background


def color(value: str) -> QColor:
    """A colour from the data; grey when it is not a valid colour."""
    c = QColor(value)
    return c if c.isValid() else QColor("#888888")


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )
