"""Table views that repaint only what changed.

``QAbstractItemView.dataChanged`` repaints the whole viewport for any change that spans
more than one cell: a time-cursor step marking one column of every row (the crossings'
strips), or rows far below the visible ones (the feed), would repaint every cell on
screen. These views repaint the part of the changed range that is on screen, or nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractItemView, QTableView


class RangeTableView(QTableView):
    """A ``QTableView`` whose ``dataChanged`` repaints only the visible part of the range.

    Tab leaves the table (the arrow keys move between cells): a feed of a million rows
    must not keep the focus for a million key presses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setTabKeyNavigation(False)

    def dataChanged(self, top_left, bottom_right, roles=()) -> None:
        if (
            not top_left.isValid()
            or not bottom_right.isValid()
            or self.state() == QAbstractItemView.State.EditingState  # the editor follows the data
        ):
            super().dataChanged(top_left, bottom_right, roles)
            return
        rect = self._visible_rect(
            top_left.row(), bottom_right.row(), top_left.column(), bottom_right.column()
        )
        if rect is not None:
            self.viewport().update(rect)

    def _visible_rect(self, top: int, bottom: int, left: int, right: int) -> QRect | None:
        viewport = self.viewport()
        first = self.rowAt(0)
        last = self.rowAt(viewport.height() - 1)
        if first < 0:
            return None  # no rows on screen
        if last < 0:
            last = self.model().rowCount(self.rootIndex()) - 1
        top, bottom = max(top, first), min(bottom, last)
        if top > bottom:
            return None
        xs = [
            (self.columnViewportPosition(c), self.columnWidth(c))
            for c in range(left, right + 1)
            if not self.isColumnHidden(c)
        ]
        xs = [(x, w) for x, w in xs if x >= 0 or x + w > 0]
        if not xs:
            return None
        x0 = min(x for x, _ in xs)
        x1 = max(x + w for x, w in xs)
        y0 = self.rowViewportPosition(top)
        y1 = self.rowViewportPosition(bottom) + self.rowHeight(bottom)
        return QRect(x0, y0, x1 - x0, y1 - y0).intersected(viewport.rect())
