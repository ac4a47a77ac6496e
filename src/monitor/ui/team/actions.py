"""File → Connect to team store…, the recent stores, and what changes while on a store.

:class:`TeamActions` (``window.team``) owns:

* ``connect_action`` (``connectStoreAction``): asks for a connection string
  (:meth:`ask_dsn`, patched by tests) and opens the store like File → Open opens a file:
  the current scenario stays as it was until the store has loaded;
* the recent stores, listed in File → Open Recent below the recent files (display form,
  never a password);
* while a store is shown: the live link (:class:`monitor.ui.team.live.TeamLink`, ``link``),
  the team notifications dock, the analyst named as the server names them, no Save / Save
  As (every change is on the server or in the outbox already; the undo stack stays
  "clean"), and for a reader every edit action disabled (the protection notice says
  read-only).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.model.errors import ScenarioError
from monitor.store.dsn import display_dsn, password_of, scrub
from monitor.ui.team import is_store, shown_name
from monitor.ui.team.dialog import ConnectDialog
from monitor.ui.team.notices import TeamNotifications
from monitor.ui.team.recent import add_recent_store, clear_recent_stores, recent_stores

_Button = QMessageBox.StandardButton


def _group(parent: QObject) -> QActionGroup:
    group = QActionGroup(parent)
    group.setExclusionPolicy(QActionGroup.ExclusionPolicy.None_)
    return group


class TeamActions(QObject):
    """See the module's text. ``outbox_folder``: where stores opened from the app keep
    unsent changes (None: the store's default, per store under ``$XDG_DATA_HOME``)."""

    def __init__(self, window: Any):
        super().__init__(window)
        self._window = window
        self.link: Any = None  # TeamLink while a store is shown
        self.notifications: TeamNotifications | None = None
        self.outbox_folder: Any = None
        self.last_dialog: ConnectDialog | None = None
        self._prefs_before: Any = None
        self._read_only = _group(self)  # edits, disabled for a reader
        self._file_only = _group(self)  # Save / Save As, disabled on a store

        self.connect_action = QAction("Connect to &team store…", window)
        self.connect_action.setObjectName("connectStoreAction")
        self.connect_action.setToolTip(
            "Open a scenario shared in a PostgreSQL team store (live with the team)"
        )
        self.connect_action.triggered.connect(self._on_connect_triggered)
        self._insert_in_file_menu()
        recent = window.files.recent_menu
        recent.aboutToShow.connect(self._add_recent_stores)  # after the files are listed
        window.ctx.scenario_replaced.connect(self._on_scenario_replaced)
        window.session.undo_stack.indexChanged.connect(self._keep_clean)
        if is_store(window.session.storage):
            self._start(window.session.storage)

    # -- menus ------------------------------------------------------------------------------
    def _insert_in_file_menu(self) -> None:
        menu = self._window.file_menu
        actions = menu.actions()
        anchor = self._window.files.recent_menu.menuAction()
        at = actions.index(anchor) + 1 if anchor in actions else 0
        before = actions[at] if at < len(actions) else None
        menu.insertAction(before, self.connect_action)

    def _add_recent_stores(self) -> None:
        """Below the recent files: "Team stores" and each recent store (display form)."""
        menu = self._window.files.recent_menu
        stores = recent_stores()
        if not stores:
            return
        actions = menu.actions()
        for a in actions:
            if a.text() == "(none)" and not a.isEnabled():
                menu.removeAction(a)
        files = [a for a in actions if not a.isSeparator() and a.isEnabled()]
        clear = next((a for a in actions if a.text() == "Clear list"), None)
        before: QAction | None = None
        if clear is not None:
            at = actions.index(clear)
            before = actions[at - 1] if at and actions[at - 1].isSeparator() else clear
            clear.triggered.connect(clear_recent_stores)
            files.remove(clear)

        def put(action: QAction) -> None:
            if before is None:
                menu.addAction(action)
            else:
                menu.insertAction(before, action)

        if files:
            separator = QAction(menu)
            separator.setSeparator(True)
            put(separator)
        head = QAction("Team stores", menu)
        head.setEnabled(False)
        put(head)
        for shown in stores:
            act = QAction(shown, menu)
            act.setObjectName("recentStoreAction")
            act.setToolTip(f"Connect to the team store {shown}")
            act.triggered.connect(lambda _checked=False, s=shown: self.connect_store(s))
            put(act)
        if clear is None:
            menu.addSeparator()
            menu.addAction("Clear list").triggered.connect(clear_recent_stores)

    # -- connecting ---------------------------------------------------------------------------
    def _on_connect_triggered(self) -> None:
        dsn = self.ask_dsn(self._last_store())
        if dsn:
            self.connect_store(dsn)

    def _last_store(self) -> str:
        stores = recent_stores()
        return stores[0] if stores else ""

    def ask_dsn(self, default: str = "") -> str | None:
        """The connection string to open (None: cancelled). Tests patch this."""
        dialog = ConnectDialog(self._window, default)
        self.last_dialog = dialog
        if dialog.exec() != ConnectDialog.DialogCode.Accepted:
            return None
        return dialog.take() or None

    def connect_store(self, dsn: str) -> bool:
        """Open the team store ``dsn`` in this window; on failure say why (never with the
        password) and keep the current scenario exactly as it was."""
        window = self._window
        session = window.session
        if session.dirty:
            answer = window.files.ask_unsaved_changes()
            if answer == _Button.Save:
                if not window.files.save():
                    return False
            elif answer != _Button.Discard:
                return False
        shown = display_dsn(dsn)
        try:
            from monitor.store.team import StoreError, TeamStore
        except ImportError as exc:
            window.show_error(
                "Cannot connect to team store",
                f"PostgreSQL support is not installed ({exc.name or 'psycopg'}): "
                "install the app with its 'store' dependencies (psycopg).",
            )
            return False
        store = TeamStore(dsn, outbox_folder=self.outbox_folder)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            scenario = store.load()
        except (StoreError, ScenarioError) as exc:
            QApplication.restoreOverrideCursor()
            store.close()
            text = exc.describe() if isinstance(exc, ScenarioError) else str(exc)
            window.show_error(
                "Cannot connect to team store",
                f"{shown} could not be opened; the current scenario stays open.\n\n"
                f"{scrub(text, password_of(dsn))}",
            )
            return False
        QApplication.restoreOverrideCursor()
        self._adopt(store, scenario)
        return True

    def _adopt(self, store: Any, scenario: Any) -> None:
        window = self._window
        window.session.close(keep_journal=False)
        window.session.switch_storage(store)
        window.ctx.replace_scenario(scenario, None)  # (stops the link to a previous store)
        self._start(store)
        window.notices.refresh()
        window.update_title()
        add_recent_store(shown_name(store))
        window.statusBar().showMessage(f"Connected to the team store {shown_name(store)}", 5000)
        window.files.after_open()

    # -- while a store is shown -----------------------------------------------------------------
    def _start(self, store: Any) -> None:
        from monitor.ui.team.live import TeamLink

        self._stop()
        window = self._window
        if self.notifications is None:
            self.notifications = TeamNotifications(window)
            view = getattr(window, "view_menu", None)
            if view is not None:
                view.addAction(self.notifications.toggleViewAction())
        self.link = TeamLink(window, store, self.notifications)
        # Changes are signed by the server's name for the analyst (the login role).
        self._prefs_before = window.prefs
        window.prefs = dataclasses.replace(window.prefs, analyst=store.user, analyst_chosen=True)
        for act in (window.files.save_action, window.files.save_as_action):
            self._file_only.addAction(act)
        self._file_only.setEnabled(False)
        self.set_read_only(bool(store.read_only))
        window.session.undo_stack.setClean()

    def _stop(self) -> None:
        if self.link is None:
            return
        self.link.stop()
        self.link = None
        window = self._window
        before = self._prefs_before
        if before is not None:  # the analyst's own name again (other preferences as set)
            window.prefs = dataclasses.replace(
                window.prefs, analyst=before.analyst, analyst_chosen=before.analyst_chosen
            )
        self._prefs_before = None
        self._file_only.setEnabled(True)
        for act in self._file_only.actions():
            self._file_only.removeAction(act)
        self.set_read_only(False)

    def _on_scenario_replaced(self) -> None:
        if self.link is not None and self._window.session.storage is not self.link.store:
            self._stop()

    def _keep_clean(self, *_args: object) -> None:
        # On a store every change is kept as it is made: nothing is ever "unsaved".
        if self.link is not None:
            with contextlib.suppress(RuntimeError):  # (the window is being torn down)
                self._window.session.undo_stack.setClean()

    # -- the reader role -------------------------------------------------------------------
    def edit_actions(self) -> list[QAction]:
        """Every action of the window that changes the scenario."""
        w = self._window
        found: list[QAction] = [w.undo_action, w.redo_action]
        crossing = w.crossing_actions
        found += [crossing.toggle_action, crossing.record_action, crossing.edit_entry_action]
        found += list(crossing.status_actions.values())
        for owner in (getattr(w, "editing", None),):
            if owner is not None:
                found += [v for v in vars(owner).values() if isinstance(v, QAction)]
        importer = getattr(getattr(w, "interchange", None), "import_action", None)
        if isinstance(importer, QAction):
            found.append(importer)
        judgements = getattr(w, "key_judgements_action", None)
        if isinstance(judgements, QAction):
            found.append(judgements)
        return found

    def set_read_only(self, read_only: bool) -> None:
        """Disable (or give back) every edit action: a reader may only view."""
        if read_only:
            for act in self.edit_actions():
                self._read_only.addAction(act)
            self._read_only.setEnabled(False)
        else:
            self._read_only.setEnabled(True)
            for act in self._read_only.actions():
                self._read_only.removeAction(act)

    @property
    def read_only(self) -> bool:
        return bool(self._read_only.actions()) and not self._read_only.isEnabled()
