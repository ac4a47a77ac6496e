"""The window by keyboard alone: Tab reaches and leaves every control, Ctrl+Tab /
Ctrl+Shift+Tab move between the panels, and every panel and control has an accessible name.

* Tables do not keep Tab for moving between cells (``setTabKeyNavigation(False)``: the
  arrow keys do that), and editable text fields pass Tab on (``setTabChangesFocus``), so
  Tab never stays in the feed of a million events.
* :class:`PanelCycler` gives the window "Next panel" (Ctrl+Tab) and "Previous panel"
  (Ctrl+Shift+Tab): the next open dock is raised (a tabbed one comes to the front) and its
  first control takes the focus.
* :func:`name_controls` gives every focusable widget that a screen reader would announce
  without a name one: a known name by ``objectName``, else its placeholder or tooltip, else
  its panel's title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAccessible, QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QDockWidget,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

#: Names for controls whose text alone says nothing to a screen reader (by objectName).
KNOWN_NAMES = {
    "feedSearch": "Search the event feed",
    "feedTable": "Event feed: events, newest first",
    "feedDetail": "Event details and sources",
    "crossingsView": "Border crossings: status as of the cursor",
    "mapView": "Map of crossings and events",
    "historyView": "Status history of the crossings",
    "cursorEdit": "As of",
    "cursorSlider": "As-of time slider",
    "territoryPlot": "Controlled territory chart",
    "territoryLegendArea": "Controlled territory legend",
}


def is_focusable(widget: QWidget) -> bool:
    """Tab can reach ``widget`` (it is shown, enabled and takes focus by Tab)."""
    return (
        bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.isEnabled()
        and widget.isVisible()
        and widget.focusProxy() is None
    )


def accessible_name(widget: QWidget) -> str:
    """What a screen reader announces as ``widget``'s name ("" if nothing)."""
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name).strip() if iface is not None else ""


def untrap_tab(root: QWidget) -> None:
    """Tab leaves every table and editable text field under ``root``."""
    for view in root.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)
    for edit in (*root.findChildren(QTextEdit), *root.findChildren(QPlainTextEdit)):
        edit.setTabChangesFocus(True)


def _dock_of(widget: QWidget) -> QDockWidget | None:
    parent = widget
    while parent is not None:
        if isinstance(parent, QDockWidget):
            return parent
        parent = parent.parentWidget()
    return None


def _fallback_name(widget: QWidget) -> str:
    known = KNOWN_NAMES.get(widget.objectName())
    if known:
        return known
    if isinstance(widget, QLineEdit) and widget.placeholderText():
        return widget.placeholderText()
    tip = widget.toolTip().strip()
    if tip and "<" not in tip:
        return tip.split("\n", 1)[0]
    parent = widget.parentWidget()
    if isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget:
        return accessible_name(parent) or _fallback_name(parent)
    dock = _dock_of(widget)
    return dock.windowTitle() if dock is not None else ""


def name_controls(root: QWidget, docks: Iterable[QDockWidget] = ()) -> list[QWidget]:
    """Give every focusable widget under ``root`` without an accessible name one, and each
    dock's panel its dock's title. Returns the widgets still without a name (none, unless
    nothing describes them)."""
    for dock in docks:
        dock.setAccessibleName(dock.windowTitle())
        panel = dock.widget()
        if panel is not None:
            if isinstance(panel, QAbstractScrollArea) and hasattr(panel, "widget"):
                inner = panel.widget()
                if inner is not None and not inner.accessibleName():
                    inner.setAccessibleName(dock.windowTitle())
            if not panel.accessibleName():
                panel.setAccessibleName(dock.windowTitle())
    unnamed = []
    for widget in root.findChildren(QWidget):
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or accessible_name(widget):
            continue
        name = _fallback_name(widget)
        if name:
            widget.setAccessibleName(name)
        else:
            unnamed.append(widget)
    return unnamed


def first_control(root: QWidget) -> QWidget | None:
    """The first widget under ``root``, in Tab order, that Tab can reach."""
    candidates = {id(w) for w in root.findChildren(QWidget) if is_focusable(w)}
    if not candidates:
        return None
    window = root.window()
    widget = window
    for _ in range(len(window.findChildren(QWidget)) + 1):
        widget = widget.nextInFocusChain()
        if widget is None or widget is window:
            break
        if id(widget) in candidates:
            return widget
    return None


class PanelCycler(QObject):
    """Ctrl+Tab / Ctrl+Shift+Tab: the focus goes to the next / previous open panel."""

    def __init__(self, window: QMainWindow, docks: Callable[[], list[QDockWidget]]):
        super().__init__(window)
        self._window = window
        self._docks = docks
        self.next_action = QAction("Next panel", window)
        self.next_action.setObjectName("nextPanelAction")
        self.next_action.setShortcut(QKeySequence("Ctrl+Tab"))
        self.next_action.triggered.connect(lambda: self.cycle(1))
        self.previous_action = QAction("Previous panel", window)
        self.previous_action.setObjectName("previousPanelAction")
        # Shift+Tab arrives as Backtab: both spellings, so every platform matches.
        self.previous_action.setShortcuts(
            [QKeySequence("Ctrl+Shift+Tab"), QKeySequence("Ctrl+Shift+Backtab")]
        )
        self.previous_action.triggered.connect(lambda: self.cycle(-1))
        for action in (self.next_action, self.previous_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)

    def open_docks(self) -> list[QDockWidget]:
        return [d for d in self._docks() if d.toggleViewAction().isChecked()]

    def current(self) -> QDockWidget | None:
        focus = QApplication.focusWidget()
        return _dock_of(focus) if focus is not None else None

    def cycle(self, step: int) -> QDockWidget | None:
        """Move the focus ``step`` panels on (wrapping round); the panel it went to."""
        docks = self.open_docks()
        if not docks:
            return None
        here = self.current()
        start = docks.index(here) if here in docks else (-1 if step > 0 else 0)
        for i in range(1, len(docks) + 1):
            dock = docks[(start + step * i) % len(docks)]
            dock.show()
            dock.raise_()
            target = first_control(dock)
            if target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)
                return dock
        return None
