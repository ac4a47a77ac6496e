"""The map's legend bar: crossing status symbols (shape and word, as in the crossings table),
the event colours, and the note counting shown events that have no location."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QWidget

from monitor.model import CrossingStatus
from monitor.ui.crossings.status import isolate_rtl, status_icon, status_word

MAX_CLASSES = 10  # event classes listed (more categories: "+N more")


def _plain(text: str, parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    if name:
        label.setObjectName(name)
    return label


def dot_pixmap(color: QColor, size: int = 12) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor("#000000"))
    p.setBrush(color)
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return pm


class MapLegend(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mapLegend")
        self.unlocated = 0
        # One line when it fits, else its parts one under another (a narrow map dock is not
        # held at the whole line's width).
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._row = row
        row.setContentsMargins(6, 3, 6, 3)
        row.setSpacing(6)
        self._statuses = QWidget(self)
        status_row = QHBoxLayout(self._statuses)
        status_row.setContentsMargins(0, 0, 10, 0)
        status_row.setSpacing(6)
        for status in (CrossingStatus.OPEN, CrossingStatus.RESTRICTED, CrossingStatus.CLOSED, None):
            icon = _plain("", self._statuses)
            icon.setPixmap(status_icon(status).pixmap(QSize(14, 14)))
            status_row.addWidget(icon)
            status_row.addWidget(_plain(status_word(status), self._statuses))
        status_row.addStretch(1)
        row.addWidget(self._statuses)
        self._classes = QWidget(self)
        self._class_row = QHBoxLayout(self._classes)
        self._class_row.setContentsMargins(0, 0, 0, 0)
        self._class_row.setSpacing(4)
        row.addWidget(self._classes)
        row.addStretch(1)
        self.note = _plain("", self, "mapNoLocationNote")
        self.note.setToolTip(
            "Events the feed shows that have no coordinates cannot be drawn on the map"
        )
        self.note.hide()
        row.addWidget(self.note)
        self.class_names: list[str] = []

    def set_classes(
        self, classes: list[tuple[str, QColor]], by_category: bool, dimmed_future: bool
    ) -> None:
        while self._class_row.count():
            item = self._class_row.takeAt(0)
            old = item.widget()
            if old is not None:
                old.hide()
                old.setParent(None)  # out of the legend now, freed later
                old.deleteLater()
        self.class_names = []
        self._class_row.addWidget(
            _plain("Events by category:" if by_category else "Events:", self._classes)
        )
        for name, color in classes[:MAX_CLASSES]:
            dot = _plain("", self._classes)
            dot.setPixmap(dot_pixmap(color))
            self._class_row.addWidget(dot)
            shown = isolate_rtl(name) if name else "(none)"
            self._class_row.addWidget(_plain(shown, self._classes))
            self.class_names.append(name)
        if len(classes) > MAX_CLASSES:
            self._class_row.addWidget(_plain(f"+{len(classes) - MAX_CLASSES} more", self._classes))
        if dimmed_future:
            self._class_row.addWidget(_plain("(faint: after the cursor)", self._classes))
        self._class_row.addStretch(1)
        self._fit()

    def set_unlocated(self, n: int) -> None:
        self.unlocated = n
        if n:
            self.note.setText(
                f"{n:,} event{'s' if n != 1 else ''} {'have' if n != 1 else 'has'} no location"
            )
            self.note.show()
        else:
            self.note.setText("")
            self.note.hide()
        self._fit()

    def _parts(self) -> list[QWidget]:
        return [w for w in (self._statuses, self._classes, self.note) if not w.isHidden()]

    def minimumSizeHint(self) -> QSize:
        m = self._row.contentsMargins()
        width = max((w.minimumSizeHint().width() for w in self._parts()), default=0)
        return QSize(width + m.left() + m.right(), super().minimumSizeHint().height())

    def _fit(self, width: int | None = None) -> None:
        m = self._row.contentsMargins()
        parts = self._parts()
        line = sum(w.sizeHint().width() for w in parts) + self._row.spacing() * len(parts)
        one_line = (self.width() if width is None else width) >= line + m.left() + m.right()
        Direction = QBoxLayout.Direction
        direction = Direction.LeftToRight if one_line else Direction.TopToBottom
        if self._row.direction() != direction:
            self._row.setDirection(direction)
            self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit(event.size().width())
        super().resizeEvent(event)
