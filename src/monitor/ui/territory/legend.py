"""The territory chart's legend, which doubles as the read-out: a swatch and a plain-text
name per faction (with its share at the pointer or cursor) and per marker kind, laid out
left to right and wrapped to the panel's width."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QLayoutItem, QSizePolicy, QWidget

from monitor.ui.territory.colors import ESTIMATE_MIX, mix

VALUE_SAMPLE = "100.0% (est.)"  # widest share read-out


class FlowLayout(QLayout):
    """Lays items out left to right, wrapping to a new line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 10):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._hspace = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line_height = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line_height > 0:
                x = rect.x()
                y += line_height + 2
                line_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._hspace
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y()


class LegendEntry(QWidget):
    """A colour swatch, a plain-text name and, for factions, the share read-out.

    The value label has a fixed width so that changing values never reflow the legend.
    """

    def __init__(self, swatch: QPixmap, text: str, with_value: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.swatch = QLabel(self)
        self.swatch.setPixmap(swatch)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setText(text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.swatch)
        layout.addWidget(self.label)
        self.value: QLabel | None = None
        if with_value:
            self.value = QLabel(self)
            self.value.setTextFormat(Qt.TextFormat.PlainText)
            # Fixed in both directions: a new value then never makes the window lay out again.
            self.value.setFixedSize(
                self.value.fontMetrics().horizontalAdvance(VALUE_SAMPLE) + 4,
                self.value.sizeHint().height(),
            )
            layout.addWidget(self.value)


class Legend(QWidget):
    """The legend's entries (``entries``, in order), wrapped like text."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("territoryLegend")
        self._layout = FlowLayout(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.entries: list[LegendEntry] = []

    def clear(self) -> None:
        for w in self.entries:
            self._layout.removeWidget(w)
            w.hide()  # deleteLater alone leaves it painted until the event loop runs
            w.deleteLater()
        self.entries = []

    def add(self, swatch: QPixmap, text: str, with_value: bool = False) -> LegendEntry:
        entry = LegendEntry(swatch, text, with_value, self)
        self._layout.addWidget(entry)
        self.entries.append(entry)
        return entry

    def swatch_height(self) -> int:
        return max(10, self.fontMetrics().height() - 4)

    def area_swatch(self, colour: QColor, estimated: bool, bg: QColor, fg: QColor) -> QPixmap:
        """A band of ``colour`` with its top edge; faded with a dashed edge for estimates."""
        h = self.swatch_height()
        pix = QPixmap(int(h * 1.6), h)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        fill = mix(colour, bg, ESTIMATE_MIX) if estimated else colour
        p.fillRect(0, 2, pix.width(), h - 2, fill)
        pen = QPen(colour.darker(130), 2)
        if estimated:
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setColor(fg)
        p.setPen(pen)
        p.drawLine(0, 1, pix.width(), 1)
        p.end()
        return pix

    def marker_swatch(self, colour: QColor, fg: QColor) -> QPixmap:
        """An event marker (a diamond) filled with ``colour``."""
        h = self.swatch_height()
        pix = QPixmap(h, h)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(fg, 1))
        p.setBrush(colour)
        c = h / 2
        r = h / 2 - 1
        p.drawPolygon([QPointF(c, c - r), QPointF(c + r, c), QPointF(c, c + r), QPointF(c - r, c)])
        p.end()
        return pix
