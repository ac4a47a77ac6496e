"""The window fits the screen it is on, at any scale factor.

A new window takes :data:`SHARE` of the screen's available area (without task bars), at
most :data:`MAX_SIZE`, centred; a saved geometry from a bigger screen (or another scale
factor) is shrunk and moved into the available area. The panels sit in scroll areas, so a
window smaller than the sum of their minimum sizes still fits (a panel scrolls instead of
pushing the window off the screen).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

SHARE = 0.9
MAX_SIZE = QSize(1600, 1000)


def fitted_size(available: QSize, maximum: QSize = MAX_SIZE, share: float = SHARE) -> QSize:
    """The size of a new window on a screen whose available area is ``available``."""
    return QSize(
        max(1, min(maximum.width(), int(available.width() * share))),
        max(1, min(maximum.height(), int(available.height() * share))),
    )


def clamped(frame: QRect, available: QRect) -> QRect:
    """``frame`` shrunk to fit ``available`` and moved inside it (unchanged if it fits)."""
    width = min(frame.width(), available.width())
    height = min(frame.height(), available.height())
    left = min(max(frame.left(), available.left()), available.right() + 1 - width)
    top = min(max(frame.top(), available.top()), available.bottom() + 1 - height)
    return QRect(left, top, width, height)


def _available(window: QWidget) -> QRect | None:
    screen = window.screen()
    return screen.availableGeometry() if screen is not None else None


def fit_to_screen(window: QWidget) -> None:
    """Size a new window to its screen and centre it there."""
    available = _available(window)
    if available is None:
        return
    size = fitted_size(available.size())
    window.resize(size)
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    window.move(rect.topLeft())


def clamp_to_screen(window: QWidget) -> None:
    """After a saved geometry was restored: keep the whole window on its screen. A window
    larger than the screen gets a new window's size; one partly off the screen is moved in.
    Checked again once the window is shown (its frame is known then)."""
    _clamp(window)
    if not window.isVisible():
        _ClampOnShow(window)


def _clamp(window: QWidget) -> None:
    available = _available(window)
    if available is None or window.isMaximized() or window.isFullScreen():
        return
    frame = window.frameGeometry()
    if frame.width() > available.width() or frame.height() > available.height():
        fit_to_screen(window)
        return
    fit = clamped(frame, available)
    if fit != frame:
        window.move(fit.topLeft())


class _ClampOnShow(QObject):
    """Clamps ``window`` once more right after it is first shown, then goes away."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Show:
            window = self._window
            window.removeEventFilter(self)
            # The window as the timer's context: a window closed meanwhile is left alone.
            QTimer.singleShot(0, window, lambda: _clamp(window))
            self.deleteLater()
        return False


def scrollable(panel: QWidget, name: str = "") -> QScrollArea:
    """``panel`` in a frameless scroll area: it fills the dock, and scrolls when the dock is
    smaller than the panel's minimum size. The area itself takes no keyboard focus."""
    area = QScrollArea()
    area.setObjectName(f"{name or panel.objectName() or 'panel'}Scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(panel)
    return area
