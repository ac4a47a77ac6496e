"""The crossings' edit actions: toggle the selected crossing (Space, a double click on its
status), mark it open (O), closed (C) or restricted (R), record a status change with its
note and sources (N), edit the entry in force later (E), and the table's context menu.

Every change is recorded through the session (undoable, journalled at once). When the
cursor is Live it takes effect now; when the cursor is parked in the past the analyst is
asked whether it took effect now or at the cursor's time (:meth:`ask_effective_time`):
never a silent backdate. A toggle flips the status in force at the time the change takes
effect: the one shown at the cursor if "at the 'as of' time", the one in force at present
if "now" (the question says both). Times are kept to the minute. The window builds these actions
before the panel exists (its Edit menu shows them); the panel installs them on its table
(:meth:`CrossingActions.install`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QTableView, QWidget

from monitor.model import Crossing, CrossingStatus, Moment, StatusEntry
from monitor.model.changes import ChangeError, next_status, status_change
from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.status import CrossingColumn
from monitor.ui.editing.form import shown_name
from monitor.ui.editing.status_dialog import StatusEntryDialog
from monitor.ui.editing.timetext import minute_moment, recorded_now
from monitor.ui.icons import icon

if TYPE_CHECKING:
    from monitor.ui.preferences import Preferences
    from monitor.ui.session import Session

Notify = Callable[[str, int], None]  # (message, milliseconds) for the status bar

#: Answers of :meth:`CrossingActions.ask_effective_time` (None: cancelled).
NOW = "now"
AT_CURSOR = "cursor"
#: One key each on the crossings table (shown in the menus).
STATUS_KEYS = {
    CrossingStatus.OPEN: Qt.Key.Key_O,
    CrossingStatus.CLOSED: Qt.Key.Key_C,
    CrossingStatus.RESTRICTED: Qt.Key.Key_R,
}


def _shown(status: CrossingStatus | None) -> str:
    return status.value if status is not None else "no status"


class CrossingActions(QObject):
    """``toggle_action`` and ``status_actions`` (status -> "Mark …" action, keys O / C / R
    on the table), ``record_action`` (a status change with note and sources, N) and
    ``edit_entry_action`` (the entry in force at the cursor, E), enabled while a crossing
    is selected; ``context_actions`` are added after them to the table's menu.
    ``last_dialog`` is the status entry dialog opened last (tests drive it)."""

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
            act.setShortcut(QKeySequence(STATUS_KEYS[status]))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(
                f"Mark the selected crossing {status.value} "
                f"({QKeySequence(STATUS_KEYS[status]).toString()} in the crossings table)"
            )
            act.triggered.connect(lambda _checked=False, st=status: self.set_selected_status(st))
            self.status_actions[status] = act
        self.record_action = QAction("Record status c&hange…", self)
        self.record_action.setObjectName("recordStatusAction")
        self.record_action.setShortcut(QKeySequence(Qt.Key.Key_N))
        self.record_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.record_action.setToolTip("A status change with its effective time, note and sources")
        self.record_action.triggered.connect(self.record_selected)
        self.edit_entry_action = QAction("Edit status e&ntry…", self)
        self.edit_entry_action.setObjectName("editStatusEntryAction")
        self.edit_entry_action.setShortcut(QKeySequence(Qt.Key.Key_E))
        self.edit_entry_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.edit_entry_action.setToolTip(
            "Edit the selected crossing's entry in force at the 'as of' time (note, sources, "
            "time, status)"
        )
        self.edit_entry_action.triggered.connect(self.edit_selected_entry)
        self.last_dialog: StatusEntryDialog | None = None
        self.last_question: QMessageBox | None = None  # the parked-cursor question asked last
        ctx.crossing_selected.connect(self._update_enabled)
        self._update_enabled()

    def install(self, view: QTableView) -> None:
        """Give the crossings table its shortcut, double click and context menu."""
        self._view = view
        view.addAction(self.toggle_action)
        for act in (*self.status_actions.values(), self.record_action, self.edit_entry_action):
            view.addAction(act)
        view.doubleClicked.connect(self._on_view_double_clicked)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_view_context_menu)

    # -- recording ----------------------------------------------------------------------
    def effective_moment(self) -> Moment:
        """When a change recorded now takes effect: now if Live, else the parked cursor
        (both to the minute)."""
        if self._ctx.is_live:
            return minute_moment(Moment.now(self._ctx.tz).instant)
        return minute_moment(self._ctx.cursor_time())

    def ask_effective_time(
        self,
        crossing: Crossing,
        status: CrossingStatus,
        now_status: CrossingStatus | None = None,
    ) -> str | None:
        """The cursor is parked: did the change take effect now (:data:`NOW`) or at the
        cursor's time (:data:`AT_CURSOR`)? None: cancelled. ``status`` is what is recorded
        at the cursor's time, ``now_status`` what is recorded now (a toggle flips the status
        in force at each time; the same as ``status`` if not given). The question says the
        status in force at both times and what each answer records. (Tests patch this.)"""
        cursor_minute = minute_moment(self._ctx.cursor_time())
        now_minute = minute_moment(Moment.now(self._ctx.tz).instant)
        now_status = now_status or status
        was_then = crossing.status_at(cursor_minute.instant)
        was_now = crossing.status_at(Moment.now(self._ctx.tz).instant)
        parent = self._view.window() if self._view is not None else None
        box = QMessageBox(parent if isinstance(parent, QWidget) else None)
        box.setObjectName("effectiveTimeQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("When did it take effect?")
        box.setTextFormat(Qt.TextFormat.PlainText)
        name = shown_name(crossing.name, 60)  # (a name from the file: short, isolated)
        box.setText(f"{name}: {status.value}" if now_status == status else f"{name}: toggle")
        box.setInformativeText(
            "The 'as of' time is parked in the past. When did this change take effect?\n\n"
            f"Now ({self._ctx.format_moment(now_minute)}): {_shown(was_now)} now, "
            f"records {now_status.value}.\n"
            f"At the 'as of' time ({self._ctx.format_moment(cursor_minute)}): "
            f"{_shown(was_then)} then, records {status.value}."
        )
        self.last_question = box
        now_button = box.addButton("&Now", QMessageBox.ButtonRole.AcceptRole)
        cursor_button = box.addButton("At the '&as of' time", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(now_button)
        box.exec()
        clicked = box.clickedButton()
        if clicked is now_button:
            return NOW
        if clicked is cursor_button:
            return AT_CURSOR
        return None

    def _effective_for(
        self,
        crossing: Crossing,
        status: CrossingStatus,
        now_status: CrossingStatus | None = None,
    ) -> tuple[Moment, CrossingStatus] | None:
        """When the change takes effect and what it records: now when Live; else what the
        analyst answers (``now_status`` if they answer now and it is given); None: they
        cancelled."""
        if self._ctx.is_live:
            return self.effective_moment(), now_status or status
        if now_status is None or now_status == status:
            answer = self.ask_effective_time(crossing, status)
        else:
            answer = self.ask_effective_time(crossing, status, now_status)
        if answer == NOW:
            return minute_moment(Moment.now(self._ctx.tz).instant), now_status or status
        if answer == AT_CURSOR:
            return minute_moment(self._ctx.cursor_time()), status
        self._notify("Status change cancelled", 3000)
        return None

    def set_status(
        self,
        crossing_id: str,
        status: CrossingStatus,
        note: str | None = None,
        *,
        effective: Moment | None = None,
        source_ids: tuple[str, ...] = (),
    ) -> bool:
        """Record ``status`` for a crossing as an undoable change; True if recorded.
        ``effective`` defaults to :meth:`effective_moment` (a caller that asked or knows)."""
        prefs = self._preferences()
        try:
            change = status_change(
                self._ctx.scenario,
                crossing_id,
                status,
                effective or self.effective_moment(),
                note=note if note is not None else (prefs.default_note or None),
                by=prefs.analyst,
                source_ids=source_ids,
                recorded_at=recorded_now(self._ctx.tz),
            )
            self._session.push(change)  # checked against the file's rules first
        except ChangeError as exc:
            self._notify(str(exc), 5000)
            return False
        return True  # (a journal that cannot be written is the window's notice to give)

    def toggle_selected(self) -> bool:
        """Flip the selected crossing's status. Live: the status in force now. Parked: the
        status at the cursor (what the table shows) flipped if the change took effect then,
        the status in force now flipped if it took effect now (the question says both)."""
        crossing = self._ctx.scenario.crossing(self._ctx.selected_crossing)
        if crossing is None:
            self._notify("Select a crossing to toggle its status", 3000)
            return False
        at_cursor = next_status(crossing.status_at(self.effective_moment().instant))
        now = next_status(crossing.status_at(Moment.now(self._ctx.tz).instant))
        answer = self._effective_for(crossing, at_cursor, None if self._ctx.is_live else now)
        if answer is None:
            return False
        effective, status = answer
        return self.set_status(crossing.id, status, effective=effective)

    def set_selected_status(self, status: CrossingStatus) -> bool:
        crossing = self._ctx.scenario.crossing(self._ctx.selected_crossing)
        if crossing is None:
            return False
        answer = self._effective_for(crossing, status)
        if answer is None:
            return False
        return self.set_status(crossing.id, status, effective=answer[0])

    # -- the status entry dialog ---------------------------------------------------------
    def record_selected(self) -> StatusEntryDialog | None:
        """Open the dialog for a new status change of the selected crossing (its time:
        now when Live, else the parked cursor; editable)."""
        crossing = self._ctx.scenario.crossing(self._ctx.selected_crossing)
        if crossing is None:
            self._notify("Select a crossing first", 3000)
            return None
        prefs = self._preferences()
        current = crossing.status_at(self.effective_moment().instant)
        return self._open_dialog(
            crossing.id,
            None,
            when=self.effective_moment(),
            status=next_status(current),
            note=prefs.default_note or None,
        )

    def edit_selected_entry(self) -> StatusEntryDialog | None:
        """Open the dialog on the selected crossing's entry in force at the cursor."""
        crossing = self._ctx.scenario.crossing(self._ctx.selected_crossing)
        entry = crossing.entry_at(self._ctx.cursor_time()) if crossing is not None else None
        if crossing is None or entry is None:
            self._notify("No status entry of the selected crossing at the 'as of' time", 3000)
            return None
        return self.edit_entry(crossing.id, entry)

    def edit_entry(self, crossing_id: str, entry: StatusEntry) -> StatusEntryDialog:
        """Open the dialog on one entry (also used by the audit panel's menu)."""
        return self._open_dialog(crossing_id, entry)

    def _open_dialog(
        self, crossing_id: str, entry: StatusEntry | None, **kwargs: object
    ) -> StatusEntryDialog:
        parent = self._view.window() if self._view is not None else None
        dialog = StatusEntryDialog(
            self._ctx,
            self._session,
            crossing_id,
            entry,
            parent if isinstance(parent, QWidget) else None,
            by=self._preferences().analyst,
            **kwargs,  # type: ignore[arg-type]
        )
        self.last_dialog = dialog
        dialog.open()
        return dialog

    # -- slots --------------------------------------------------------------------------
    def _update_enabled(self, *_args: object) -> None:
        has = bool(self._ctx.selected_crossing)
        for act in (
            self.toggle_action,
            *self.status_actions.values(),
            self.record_action,
            self.edit_entry_action,
        ):
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
        menu.addSeparator()
        menu.addAction(self.record_action)
        menu.addAction(self.edit_entry_action)
        if self.context_actions:
            menu.addSeparator()
            for act in self.context_actions:
                menu.addAction(act)
        menu.popup(view.viewport().mapToGlobal(pos))
