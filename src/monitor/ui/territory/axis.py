"""The territory chart's date axis: pyqtgraph's, without a finer tick whose label would be
drawn over a coarser one's (at a month's start, "Jan" and the "02" of the next day)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics


class DateAxis(pg.DateAxisItem):
    def label_gap(self) -> int:
        """Least distance in pixels between two labelled ticks of different levels."""
        font = self.style.get("tickFont") or self.font()
        return QFontMetrics(font).horizontalAdvance("Sep") + 8

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        if size <= 0 or maxVal <= minVal:
            return levels
        per_px = (maxVal - minVal) / size  # seconds a pixel
        gap = self.label_gap() * per_px
        taken: list[float] = []
        kept_levels = []
        for spacing, values in levels:  # coarsest first
            kept = [v for v in values if all(abs(v - t) >= gap for t in taken)]
            taken.extend(kept)
            kept_levels.append((spacing, kept))
        return kept_levels
