"""The crossings' edit actions: toggle the selected crossing (Space, a double click on its
status), mark it open / restricted / closed, and the table's context menu.

Every change is recorded through the session (undoable, journalled at once) and takes
effect now when the cursor is Live, else at the parked cursor. The window builds these
actions before the panel exists (its Edit menu shows them); the panel installs them on
its table (:meth:`CrossingActions.install`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QTableView

from monitor.model import CrossingStatus, Moment
from monitor.model.changes import ChangeError, next_status, status_change
from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.status import CrossingColumn
from monitor.ui.icons import icon

if TYPE_CHECKING:
    from monitor.ui.preferences import Preferences
    from monitor.ui.session import Session

Notify = Callable[[str, int], None]  # (message, milliseconds) for the status bar


class CrossingActions(QObject):
    """``toggle_action`` and ``status_actions`` (status -> "Mark …" action), enabled while a
    crossing is selected; ``context_actions`` are added after them to the table's menu."""

    def __init__(
        self,
        ctx: ScenarioContext,
        session: Session,
        preferences: Callable[[], Preferences],
        notify: Notify,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._ctx = ctx
        self._session = session
        self._preferences = preferences
        self._notify = notify
        self._view: QTableView | None = None
        self.context_actions: list[QAction] = []

        self.toggle_action = QAction(icon("toggle"), "&Toggle crossing status", self)
        self.toggle_action.setObjectName("toggleCrossingAction")
        self.toggle_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.toggle_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.toggle_action.setToolTip(
            "Flip the selected crossing open ↔ closed, effective now (Live) or at the "
            "'as of' time (Space)"
        )
        self.toggle_action.triggered.connect(self.toggle_selected)
        self.status_actions: dict[CrossingStatus, QAction] = {}
        for status in CrossingStatus:
            act = QAction(f"Mark {status.value}", self)
            act.setObjectName(f"mark{status.value.capitalize()}Action")
            act.triggered.connect(lambda _checked=False, st=status: self.set_selected_status(st))
            self.status_actions[status] = act
        ctx.crossing_selected.connect(self._update_enabled)
        self._update_enabled()

    def install(self, view: QTableView) -> None:
        """Give the crossings table its shortcut, double click and context menu."""
        self._view = view
        view.addAction(self.toggle_action)
        view.doubleClicked.connect(self._on_view_double_clicked)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_view_context_menu)

    # -- recording ----------------------------------------------------------------------
    def effective_moment(self) -> Moment:
        """When a change recorded now takes effect: now if Live, else the parked cursor."""
        if self._ctx.is_live:
            return Moment.now(self._ctx.tz)
        return Moment(self._ctx.cursor_time(), False)

    def set_status(self, crossing_id: str, status: CrossingStatus, note: str | None = None) -> bool:
        """Record ``status`` for a crossing as an undoable change; True if recorded."""
        prefs = self._preferences()
        try:
            change = status_change(
                self._ctx.scenario,
                crossing_id,
                status,
                self.effective_moment(),
                note=note if note is not None else (prefs.default_note or None),
                by=prefs.analyst,
            )
            self._session.push(change)  # checked against the file's rules first
        except ChangeError as exc:
            self._notify(str(exc), 5000)
            return False
        return True  # (a journal that cannot be written is the window's notice to give)

    def toggle_selected(self) -> bool:
        crossing = self._ctx.scenario.crossing(self._ctx.selected_crossing)
        if crossing is None:
            self._notify("Select a crossing to toggle its status", 3000)
            return False
        current = crossing.status_at(self.effective_moment().instant)
        return self.set_status(crossing.id, next_status(current))

    def set_selected_status(self, status: CrossingStatus) -> bool:
        if not self._ctx.selected_crossing:
            return False
        return self.set_status(self._ctx.selected_crossing, status)

    # -- slots --------------------------------------------------------------------------
    def _update_enabled(self, *_args: object) -> None:
        has = bool(self._ctx.selected_crossing)
        self.toggle_action.setEnabled(has)
        for act in self.status_actions.values():
            act.setEnabled(has)

    def _on_view_double_clicked(self, index: QModelIndex) -> None:
        if index.column() == CrossingColumn.STATUS:
            self.toggle_selected()

    def _on_view_context_menu(self, pos: QPoint) -> None:
        view = self._view
        if view is None:
            return
        menu = QMenu(view)
        menu.addAction(self.toggle_action)
        menu.addSeparator()
        for act in self.status_actions.values():
            menu.addAction(act)
        if self.context_actions:
            menu.addSeparator()
            for act in self.context_actions:
                menu.addAction(act)
        menu.popup(view.viewport().mapToGlobal(pos))
