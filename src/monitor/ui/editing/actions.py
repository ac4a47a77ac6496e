"""The editing actions of the window: events, sources, factions, crossings, territory.

Edit menu: an "Events" group (New event… Ctrl+N, Edit event… F2 / Enter in the feed,
Delete event — the Delete key in the feed) and a "Scenario data" submenu (new, edit and
delete sources, factions, crossings, territory entries; the deletions in
:mod:`~monitor.ui.editing.deleting`). The feed's context menu offers the event actions;
the crossings table's menu offers New / Edit / Delete crossing; the audit panel's menu
offers "Edit status entry…"; the map's and the territory chart's menus are in
:mod:`~monitor.ui.editing.chart_menus`. Every dialog pushes one change through the session (one
undo command with its author, journalled at once). ``last_dialog`` is the dialog opened
last (tests drive it instead of clicking).
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from monitor.model.changelog import entity_json
from monitor.model.changes import EVENT, ChangeError, entity_change
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.chart_menus import ChartMenus
from monitor.ui.editing.crossing_dialog import CrossingDialog
from monitor.ui.editing.deleting import Deleter
from monitor.ui.editing.event_dialog import EventDialog, short
from monitor.ui.editing.faction_dialog import FactionDialog
from monitor.ui.editing.form import FormDialog
from monitor.ui.editing.source_dialog import SourceDialog
from monitor.ui.editing.territory_dialog import TerritoryDialog

D = TypeVar("D", bound=FormDialog)


def new_event_keys() -> tuple[QKeySequence, QKeySequence]:
    """Ctrl+N unless another action of the window has it already. (Made when asked: a
    standard key needs the application, which importing this module must not.)"""
    return (QKeySequence(QKeySequence.StandardKey.New), QKeySequence("Ctrl+Shift+N"))


def _action(parent: QObject, text: str, name: str, tip: str = "") -> QAction:
    act = QAction(text, parent)
    act.setObjectName(name)
    if tip:
        act.setToolTip(tip)
        act.setStatusTip(tip)
    return act


class EditingActions(QObject):
    """Owns the editing actions of one window (see the module's text)."""

    def __init__(self, window: Any):
        super().__init__(window)
        self._window = window
        self._ctx = window.ctx
        self._session = window.session
        self.last_dialog: FormDialog | None = None
        self._feed_view: QWidget | None = None
        self.deleter = Deleter(window, self._session)
        self._build_actions()
        self._build_menus()
        window.crossing_actions.context_actions[:0] = [
            self.new_crossing_action,
            self.edit_crossing_action,
            self.delete_crossing_action,
        ]
        self._install_history_menu()
        self.chart_menus = ChartMenus(self, window)  # the map's and the chart's menus
        # The feed is built after the window (possibly after its first paint): its table
        # gets the shortcuts and the context menu when it lands in its dock.
        window.feed_dock.installEventFilter(self)
        self._adopt_feed()
        self._ctx.event_selected.connect(self._update_enabled)
        self._ctx.events_changed.connect(self._update_enabled)  # (the selected one deleted)
        self._ctx.scenario_replaced.connect(self._update_enabled)
        self._update_enabled()

    # -- construction --------------------------------------------------------------------
    def _build_actions(self) -> None:
        w = self._window
        self.new_event_action = _action(self, "&New event…", "newEventAction", "Log a new event")
        taken = {
            a.shortcut().toString()
            for a in w.findChildren(QAction)
            if a is not self.new_event_action and not a.shortcut().isEmpty()
        }
        keys = next((k for k in new_event_keys() if k.toString() not in taken), None)
        if keys is not None:
            self.new_event_action.setShortcut(keys)
        self.new_event_action.triggered.connect(self.new_event)

        self.edit_event_action = _action(
            self, "&Edit event…", "editEventAction", "Edit the selected event (F2 or Enter)"
        )
        self.edit_event_action.setShortcuts(
            [
                QKeySequence(Qt.Key.Key_F2),
                QKeySequence(Qt.Key.Key_Return),
                QKeySequence(Qt.Key.Key_Enter),
            ]
        )
        self.edit_event_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.edit_event_action.triggered.connect(self.edit_event)

        self.delete_event_action = _action(
            self,
            "&Delete event",
            "deleteEventAction",
            "Delete the selected event (Delete in the feed; undo brings it back)",
        )
        self.delete_event_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_event_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_event_action.triggered.connect(self.delete_event)

        self.new_source_action = _action(self, "New &source…", "newSourceAction")
        self.new_source_action.triggered.connect(lambda: self.new_source())
        self.edit_source_action = _action(self, "Edit s&ource…", "editSourceAction")
        self.edit_source_action.triggered.connect(lambda: self.edit_source())
        self.new_faction_action = _action(self, "New &faction…", "newFactionAction")
        self.new_faction_action.triggered.connect(lambda: self.new_faction())
        self.edit_faction_action = _action(self, "Edit f&action…", "editFactionAction")
        self.edit_faction_action.triggered.connect(lambda: self.edit_faction())
        self.new_crossing_action = _action(self, "New &crossing…", "newCrossingAction")
        self.new_crossing_action.triggered.connect(lambda: self.new_crossing())
        self.edit_crossing_action = _action(
            self, "Edit c&rossing…", "editCrossingAction", "Names, sides, coordinates, kind"
        )
        self.edit_crossing_action.triggered.connect(lambda: self.edit_crossing())
        self.edit_territory_action = _action(
            self, "&Territory entries…", "editTerritoryAction", "Add or edit a territory share"
        )
        self.edit_territory_action.triggered.connect(lambda: self.edit_territory())
        self.delete_source_action = _action(
            self, "Delete so&urce…", "deleteSourceAction", "Delete a source no item cites"
        )
        self.delete_source_action.triggered.connect(lambda: self.deleter.delete_source())
        self.delete_faction_action = _action(
            self, "Delete fa&ction…", "deleteFactionAction", "Delete a faction no item names"
        )
        self.delete_faction_action.triggered.connect(lambda: self.deleter.delete_faction())
        self.delete_crossing_action = _action(
            self,
            "Delete cro&ssing",
            "deleteCrossingAction",
            "Delete the selected crossing with its status entries (undo brings them back)",
        )
        self.delete_crossing_action.triggered.connect(lambda: self.deleter.delete_crossing())
        self.delete_territory_action = _action(
            self, "Delete territory entr&y…", "deleteTerritoryAction", "Delete a territory share"
        )
        self.delete_territory_action.triggered.connect(lambda: self.deleter.delete_territory())
        self.edit_audit_entry_action = _action(
            self,
            "Edit status entry…",
            "editAuditEntryAction",
            "Edit the selected entry's note, sources, time or status",
        )
        self.edit_audit_entry_action.triggered.connect(self.edit_audit_entry)
        self.event_actions = [
            self.new_event_action,
            self.edit_event_action,
            self.delete_event_action,
        ]
        self.data_actions = [
            self.new_source_action,
            self.edit_source_action,
            self.delete_source_action,
            self.new_faction_action,
            self.edit_faction_action,
            self.delete_faction_action,
            self.new_crossing_action,
            self.edit_crossing_action,
            self.delete_crossing_action,
            self.edit_territory_action,
            self.delete_territory_action,
        ]
        w.addAction(self.new_event_action)  # Ctrl+N anywhere in the window

    def _build_menus(self) -> None:
        menu: QMenu = self._window.edit_menu
        seps = [a for a in menu.actions() if a.isSeparator()]
        # [Undo, Redo, history | toggle, marks | find, judgements | preferences]: the
        # events go before the crossings' group, the rest after it.
        first = seps[0] if seps else None
        second = seps[1] if len(seps) > 1 else None
        self.events_section = (
            menu.insertSection(first, "Events") if first else menu.addSection("Events")
        )
        for act in self.event_actions:
            menu.insertAction(first, act)
        crossing_actions = self._window.crossing_actions
        menu.insertAction(second, crossing_actions.record_action)
        menu.insertAction(second, crossing_actions.edit_entry_action)
        menu.insertSeparator(second)
        self.data_menu = QMenu("Scenario &data", menu)
        self.data_menu.setObjectName("scenarioDataMenu")
        for i, act in enumerate(self.data_actions):
            if i in (3, 6, 9):
                self.data_menu.addSeparator()
            self.data_menu.addAction(act)
        menu.insertMenu(second, self.data_menu)

    def _install_history_menu(self) -> None:
        view = self._window.history_panel.view
        view.addAction(self.edit_audit_entry_action)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ChildAdded and watched is self._window.feed_dock:
            self._adopt_feed()
        return super().eventFilter(watched, event)

    def _adopt_feed(self) -> None:
        """Give the feed's table its keys and context menu, once it is in its dock (it may
        sit inside a scroll area there)."""
        if self._feed_view is not None:
            return
        dock = self._window.feed_dock
        panel = dock.widget()
        if panel is None or panel.objectName() != "feedPanel":
            panel = dock.findChild(QWidget, "feedPanel")
        if panel is None or not hasattr(panel, "add_context_actions"):
            return
        view = panel.view
        self._feed_view = view
        for act in (self.edit_event_action, self.delete_event_action):
            view.addAction(act)  # F2 / Enter / Delete while the table has the focus
        panel.add_context_actions(self.event_actions)
        dock.removeEventFilter(self)

    def _update_enabled(self, *_args: object) -> None:
        has = (
            bool(self._ctx.selected_event)
            and self._ctx.scenario.event(self._ctx.selected_event) is not None
        )
        self.edit_event_action.setEnabled(has)
        self.delete_event_action.setEnabled(has)

    # -- events --------------------------------------------------------------------------------
    def _open(self, dialog: D) -> D:
        self.last_dialog = dialog
        if isinstance(dialog, EventDialog):
            dialog.show()  # modeless: the map can be clicked to place the event
        else:
            dialog.open()  # window-modal, never blocking the caller
        dialog.raise_()
        return dialog

    def _map_panel(self) -> Any:
        try:
            return self._window.map_panel
        except (AttributeError, RuntimeError):
            return None

    def new_event(self) -> EventDialog:
        return self._open(
            EventDialog(self._ctx, self._session, None, self._window, map_panel=self._map_panel())
        )

    def edit_event(self, event_id: str | None = None) -> EventDialog | None:
        event_id = event_id or self._ctx.selected_event
        if not event_id or self._ctx.scenario.event(event_id) is None:
            self._window.statusBar().showMessage("Select an event to edit", 3000)
            return None
        return self._open(
            EventDialog(
                self._ctx, self._session, event_id, self._window, map_panel=self._map_panel()
            )
        )

    def delete_event(self, event_id: str | None = None) -> bool:
        """Delete the selected event: one undoable change (undo restores it exactly)."""
        event_id = event_id or self._ctx.selected_event
        before = entity_json(self._ctx.scenario, EVENT, event_id) if event_id else None
        if before is None:
            self._window.statusBar().showMessage("Select an event to delete", 3000)
            return False
        title = isolate_if_needed(short(before.get("title") or event_id))
        change = entity_change(EVENT, event_id, before, None, f"Delete event: {title}")
        try:
            self._session.push(change)
        except ChangeError as exc:
            self._window.show_error("Event not deleted", str(exc))
            return False
        self._ctx.select_event("")
        undo = self._window.undo_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self._window.statusBar().showMessage(f"Event deleted — {undo} brings it back", 5000)
        return True

    # -- scenario data ---------------------------------------------------------------------------
    def new_source(self) -> SourceDialog:
        return self._open(SourceDialog(self._ctx, self._session, None, self._window, new=True))

    def edit_source(self, source_id: str | None = None) -> SourceDialog:
        return self._open(SourceDialog(self._ctx, self._session, source_id, self._window))

    def new_faction(self) -> FactionDialog:
        return self._open(FactionDialog(self._ctx, self._session, None, self._window, new=True))

    def edit_faction(self, faction_id: str | None = None) -> FactionDialog:
        return self._open(FactionDialog(self._ctx, self._session, faction_id, self._window))

    def new_crossing(self) -> CrossingDialog:
        return self._open(CrossingDialog(self._ctx, self._session, None, self._window, new=True))

    def edit_crossing(self, crossing_id: str | None = None) -> CrossingDialog:
        crossing_id = crossing_id or self._ctx.selected_crossing or None
        return self._open(CrossingDialog(self._ctx, self._session, crossing_id, self._window))

    def edit_territory(self, key: str | None = None) -> TerritoryDialog:
        return self._open(TerritoryDialog(self._ctx, self._session, key, self._window))

    def edit_audit_entry(self) -> Any:
        """The audit panel's selected entry in the status entry dialog."""
        panel = self._window.history_panel
        rows = panel.view.selectionModel().selectedRows()
        if not rows:
            self._window.statusBar().showMessage("Select a status entry in the audit panel", 3000)
            return None
        crossing, entry = panel.model.entry_at(rows[0].row())
        return self._window.crossing_actions.edit_entry(crossing.id, entry)
