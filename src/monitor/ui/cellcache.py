"""A table cell painted once and then copied: a delegate that keeps each cell's picture.

A table's cells are painted again far more often than they change: the window repaints
the crossings table for a cursor step or a toggle, and the audit table shifts every row
down by one for a new entry. Qt's delegate asks the model for seven roles of every
painted cell (each a call into Python, through the sorting proxy) and lays out its text
again. :class:`CachedCellDelegate` asks one function for what the cell shows (a hashable
tuple, usually kept by the model) and copies the picture painted the first time the cell
showed that in that size, state and palette: the picture is the default delegate's own
painting, so a copied cell looks as a freshly painted one. A cell is kept from its second
showing on: what shows once (a time that changes at every cursor step) is painted as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

_Index = QModelIndex | QPersistentModelIndex
# What a cell shows, for its index (None: paint it the ordinary way, nothing kept).
Values = Callable[[_Index], Hashable | None]

# Roles QStyledItemDelegate.initStyleOption reads for a painted cell.
PAINT_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.CheckStateRole,
)

MAX_PICTURES = 4096  # pictures kept (a few screens of cells in a few states)


def hashable(value: Any) -> Hashable | None:
    """A role's value as a key: strings and numbers as they are, an icon or a colour by
    its identity, a flag by its value; None for a value that cannot be told apart."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, QIcon):
        return ("icon", value.cacheKey())
    if isinstance(value, QColor):
        return ("color", value.rgba(), int(value.spec().value))
    if isinstance(value, QBrush):
        return ("brush", value.color().rgba(), value.style().value, value.texture().cacheKey())
    if isinstance(value, QFont):
        return ("font", value.key())
    inner = getattr(value, "value", None)  # Qt enums and flags
    if isinstance(inner, int):
        return (type(value).__name__, inner)
    raise TypeError(f"cannot key a cell on {type(value).__name__}")


class CachedCellDelegate(QStyledItemDelegate):
    """Paints a cell by copying its picture (see the module's text).

    ``values(index)`` gives what the cell shows: everything the painting reads from the
    model (display text, icon, background, alignment, font, colours, check state), as a
    hashable tuple. The picture is also keyed by the cell's size, style state, features,
    palette, font, direction and device pixel ratio.
    """

    def __init__(self, values: Values, parent: QObject | None = None):
        super().__init__(parent)
        self._values = values
        self._pictures: dict[tuple, QPixmap] = {}
        self._once: set[tuple] = set()  # keys painted once, not kept yet
        self.renders = 0  # pictures painted so far (tests: they are reused)

    def clear_cache(self) -> None:
        self._pictures.clear()
        self._once.clear()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        values = self._values(index)
        rect = option.rect
        if values is None or rect.width() <= 0 or rect.height() <= 0:
            super().paint(painter, option, index)
            return
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        key = (
            values,
            rect.width(),
            rect.height(),
            option.state,
            option.features,
            option.palette.cacheKey(),
            option.font.key(),
            option.direction,
            option.decorationSize.width(),
            option.decorationSize.height(),
            option.textElideMode,
            ratio,
        )
        picture = self._pictures.get(key)
        if picture is None:
            if key not in self._once:
                # Shown for the first time: painted as usual. A cell that changes at every
                # cursor step (the time a status took effect) would cost a picture per step
                # and be copied never; one seen twice is kept.
                if len(self._once) >= MAX_PICTURES:
                    self._once.clear()
                self._once.add(key)
                super().paint(painter, option, index)
                return
            picture = self._render(option, index, ratio)
            if len(self._pictures) >= MAX_PICTURES:
                self._pictures.clear()
            self._pictures[key] = picture
        painter.drawPixmap(rect.topLeft(), picture)

    def _render(self, option: QStyleOptionViewItem, index: _Index, ratio: float) -> QPixmap:
        size = option.rect.size()
        picture = QPixmap(QSize(round(size.width() * ratio), round(size.height() * ratio)))
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        opt = QStyleOptionViewItem(option)
        opt.rect = QRect(QPoint(0, 0), size)
        painter = QPainter(picture)
        try:
            super().paint(painter, opt, index)
        finally:
            painter.end()
        self.renders += 1
        return picture


def model_values(index: _Index) -> tuple | None:
    """What a cell shows, asked of its model role by role (for models that keep nothing)."""
    try:
        return tuple(hashable(index.data(role)) for role in PAINT_ROLES)
    except TypeError:
        return None
