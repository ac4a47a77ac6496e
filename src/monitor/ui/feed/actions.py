"""The feed's own actions: put the "as of" cursor on an event, clear the filters, and the
table's context menu that offers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from monitor.ui.feed.panel import FeedPanel


class FeedActions(QObject):
    """``set_cursor_action`` (also a double click on a row) and ``clear_filters_action``."""

    def __init__(self, panel: FeedPanel):
        super().__init__(panel)
        self._panel = panel
        self.set_cursor_action = QAction("Set 'as of' to this event", panel)
        self.set_cursor_action.setObjectName("feedSetCursorAction")
        self.set_cursor_action.triggered.connect(panel.set_cursor_to_selected)
        self.clear_filters_action = QAction("Clear all filters", panel)
        self.clear_filters_action.setObjectName("feedClearFiltersAction")
        self.clear_filters_action.triggered.connect(panel.clear_filters)
        self.extra_actions: list[QAction] = []  # added by others (the editing actions)

    def context_menu(self, point: QPoint) -> QMenu:
        """The table's context menu for a click at ``point`` (selects the row under it)."""
        view = self._panel.view
        index = view.indexAt(point)
        menu = QMenu(self._panel)
        if index.isValid():
            view.selectRow(index.row())
            menu.addAction(self.set_cursor_action)
            menu.addSeparator()
        if self.extra_actions:
            menu.addActions(self.extra_actions)
            menu.addSeparator()
        menu.addAction(self.clear_filters_action)
        return menu

    def show_context_menu(self, point: QPoint) -> None:
        self.context_menu(point).exec(self._panel.view.viewport().mapToGlobal(point))
