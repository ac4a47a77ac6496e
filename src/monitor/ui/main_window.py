"""The dashboard window: three docked panels around one shared ScenarioContext.

``MainWindow`` keeps the window itself: docks, menus, toolbar, status bar and layout.
What the menus do lives with its owner: File actions and their dialogs in
:mod:`monitor.ui.file_actions`, briefings and key judgements in
:mod:`monitor.ui.briefing_actions`, the crossings' edit actions in
:mod:`monitor.ui.crossings.actions`; each panel owns its own actions.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QUndoView, QWidget

from monitor.briefing import BriefingOptions
from monitor.model import CrossingStatus, Scenario
from monitor.model.storage import FileStorage
from monitor.model.timeutil import format_offset, military_dtg
from monitor.ui import editing, interchange_actions, keyboard, team, theme
from monitor.ui import settings as prefs
from monitor.ui.analyst import AnalystGate
from monitor.ui.briefing_actions import BriefingActions
from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.actions import CrossingActions
from monitor.ui.cursor_bar import CursorBar
from monitor.ui.file_actions import FileActions
from monitor.ui.history_panel import HistoryPanel
from monitor.ui.icons import icon
from monitor.ui.notices import SessionNotices
from monitor.ui.preferences import Preferences, PreferencesDialog
from monitor.ui.session import Session
from monitor.ui.text import set_text_steady
from monitor.ui.window_size import clamp_to_screen, fit_to_screen, scrollable

# Bump when the dock set changes so an old saved layout is not applied to a new window.
STATE_VERSION = 2
DOCK_NAMES = ("feedDock", "mapDock", "crossingsDock", "territoryDock", "historyDock", "undoDock")
PANEL_NAMES = ("feed", "crossings", "territory", "map")


def _placeholder() -> QWidget:
    label = QLabel("Loading…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class MainWindow(QMainWindow):
    """Main window, constructed from a scenario path.

    ``MainWindow(path)`` loads the file (raising :class:`ScenarioError` if it is
    invalid); pass ``scenario=`` and ``storage=`` to reuse an already-loaded one. Another
    file is opened with :meth:`open_file` (File → Open, recent files, drops, tests).

    Parts: ``files`` (:class:`FileActions`), ``briefings`` (:class:`BriefingActions`),
    ``crossing_actions`` (:class:`CrossingActions`), ``session``, ``ctx``.
    """

    open_finished = Signal(bool)  # an open ended: True = the new scenario is in

    def __init__(
        self,
        path: str | Path,
        scenario: Scenario | None = None,
        parent: QWidget | None = None,
        *,
        storage: FileStorage | None = None,
        defer_panels: bool = False,
    ):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        if storage is None or scenario is None:
            # A file, or a team store for a connection string (postgresql://…, service=…).
            storage, scenario = team.open_storage(path)
        target, path = path, team.context_path(storage, path)
        self.prefs = Preferences.load()
        self.theme = theme.Theme(self)  # the system's light / dark, or View → Theme
        self.ctx = ScenarioContext(scenario, path, self)
        self.ctx.hide_future = self.prefs.hide_future
        storage.user = self.prefs.analyst
        self.session = Session(self.ctx, storage, self)
        # Asks the analyst's name on the first change (the login is not who made it).
        self.analyst = AnalystGate(self)
        self.last_error_dialog: QMessageBox | None = None
        self.last_warning_dialog: QMessageBox | None = None
        self.files = FileActions(self)
        self.files.open_finished.connect(self.open_finished)
        self.briefings = BriefingActions(self)
        self.crossing_actions = CrossingActions(
            self.ctx, self.session, self.analyst.preferences, self.statusBar().showMessage, self
        )

        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.setDockNestingEnabled(True)

        # The three data panels import pandas and pyqtgraph; with defer_panels the window is
        # painted first with placeholders and the panels are built right after (fast start).
        self._panels: dict[str, QWidget] = {}
        self.feed_dock = self._make_dock("feedDock", "Event feed", _placeholder())
        self.crossings_dock = self._make_dock("crossingsDock", "Border crossings", _placeholder())
        self.territory_dock = self._make_dock(
            "territoryDock", "Controlled territory", _placeholder()
        )
        self.map_dock = self._make_dock("mapDock", "Map", _placeholder())
        self.history_panel = HistoryPanel(self.ctx, self.session.push, self)
        self.history_dock = self._make_dock(
            "historyDock", "Status history (audit)", self.history_panel
        )
        self.undo_view = QUndoView(self.session.undo_stack)
        self.undo_view.setEmptyLabel("<opened file>")
        self.undo_dock = self._make_dock("undoDock", "Undo history", self.undo_view)
        self.crossing_actions.context_actions.append(self.history_dock.toggleViewAction())

        self.cursor_bar = CursorBar(self.ctx, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.cursor_bar)

        self._build_default_layout()
        self._default_state = self.saveState(STATE_VERSION)
        self._build_actions()
        # Ctrl+Tab / Ctrl+Shift+Tab: the next / previous panel, in the order they are laid out.
        self.panel_cycler = keyboard.PanelCycler(self, self._docks_in_order)
        self._build_menus()
        self._build_status_bar()
        # Parts that add their own actions to the menus and panels (each owns its module).
        self.editing = editing.install(self)
        self.interchange = interchange_actions.install(self)
        self.team = team.install(self)

        self.ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        self.ctx.live_changed.connect(
            lambda _live: self._on_ctx_cursor_changed(self.ctx.cursor_time())
        )
        self.ctx.scenario_replaced.connect(self.update_title)
        self.ctx.display_changed.connect(
            lambda: self._on_ctx_cursor_changed(self.ctx.cursor_time())
        )
        self.session.undo_stack.cleanChanged.connect(self._on_undo_clean_changed)

        fit_to_screen(self)  # (90 % of the screen's available area, at most 1600×1000)
        self._restore_layout()
        self.update_title()
        self._on_ctx_cursor_changed(self.ctx.cursor_time())
        team.remember(storage, target)
        self._defer_panels = defer_panels
        if defer_panels:
            # Built right after the first paint (see paintEvent); the timer covers a window
            # that is never painted.
            QTimer.singleShot(1000, self, self.ensure_panels)
        else:
            self.ensure_panels()
        QTimer.singleShot(0, self, self.files.after_open)  # (not once closed)

    # -- panels ---------------------------------------------------------------------------
    def ensure_panels(self) -> None:
        """Build the feed, crossings and chart panels (once)."""
        if self._panels:
            return
        from monitor.ui.crossings.panel import CrossingsPanel
        from monitor.ui.feed import FeedPanel
        from monitor.ui.map import MapPanel
        from monitor.ui.territory import TerritoryPanel

        self.theme.refresh_tables()  # (their colour tables are imported only now)
        self._panels["feed"] = FeedPanel(self.ctx, self)
        self._panels["crossings"] = CrossingsPanel(self.ctx, self, actions=self.crossing_actions)
        self._panels["territory"] = TerritoryPanel(self.ctx, self)
        self._panels["map"] = MapPanel(self.ctx, self)
        for name, dock in zip(PANEL_NAMES, self._panel_docks(), strict=True):
            old = dock.widget()
            dock.setWidget(scrollable(self._panels[name], name))
            if old is not None:
                old.deleteLater()
        keyboard.untrap_tab(self)  # Tab leaves the tables (arrows move between cells)
        keyboard.name_controls(self, self._docks_in_order())

    def _docks_in_order(self) -> list[QDockWidget]:
        docks = (self.feed_dock, self.map_dock, self.crossings_dock, self.territory_dock)
        return [*docks, self.history_dock, self.undo_dock]

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._defer_panels and not self._panels:
            self._defer_panels = False
            QTimer.singleShot(0, self, self.ensure_panels)

    def _panel_docks(self) -> tuple[QDockWidget, ...]:
        return (self.feed_dock, self.crossings_dock, self.territory_dock, self.map_dock)

    def panel(self, name: str) -> Any:
        """The panel ``feed``, ``crossings``, ``territory`` or ``map`` (built if need be)."""
        if name not in PANEL_NAMES:
            raise ValueError(f"unknown panel {name!r}")
        self.ensure_panels()
        return self._panels[name]

    @property
    def feed_panel(self):  # -> FeedPanel
        return self.panel("feed")

    @property
    def crossings_panel(self):  # -> CrossingsPanel
        return self.panel("crossings")

    @property
    def territory_panel(self):  # -> TerritoryPanel
        return self.panel("territory")

    @property
    def map_panel(self):  # -> MapPanel
        return self.panel("map")

    # -- construction -------------------------------------------------------------
    def _make_dock(self, name: str, title: str, panel: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        # In a scroll area: a dock smaller than the panel's minimum scrolls, so the window
        # fits small screens and large scale factors.
        dock.setWidget(panel if name == "undoDock" else scrollable(panel, name))
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        return dock

    def _build_default_layout(self) -> None:
        # The map in the middle, the largest; the feed beside it; crossings and the chart
        # below the map, side by side (the audit and undo history tabbed with the chart).
        for dock in self._panel_docks():
            if self.dockWidgetArea(dock) != Qt.DockWidgetArea.NoDockWidgetArea:
                self.removeDockWidget(dock)
            dock.setFloating(False)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.feed_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.map_dock)
        self.splitDockWidget(self.map_dock, self.crossings_dock, Qt.Orientation.Vertical)
        self.splitDockWidget(self.crossings_dock, self.territory_dock, Qt.Orientation.Horizontal)
        for dock in (self.history_dock, self.undo_dock):
            if self.dockWidgetArea(dock) != Qt.DockWidgetArea.NoDockWidgetArea:
                self.removeDockWidget(dock)
            dock.setFloating(False)
        self.tabifyDockWidget(self.territory_dock, self.history_dock)
        self.tabifyDockWidget(self.history_dock, self.undo_dock)
        for dock in (*self._panel_docks(), self.history_dock):
            dock.show()
        self.undo_dock.hide()
        self.territory_dock.raise_()
        self.resizeDocks([self.feed_dock, self.map_dock], [520, 840], Qt.Orientation.Horizontal)
        self.resizeDocks([self.map_dock, self.crossings_dock], [450, 400], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.crossings_dock, self.territory_dock], [420, 460], Qt.Orientation.Horizontal
        )

    def _build_actions(self) -> None:
        self.open_action = self.files.open_action
        self.save_action = self.files.save_action
        self.save_as_action = self.files.save_as_action
        self.toggle_crossing_action = self.crossing_actions.toggle_action
        self.set_status_actions = self.crossing_actions.status_actions
        self.export_briefing_action = self.briefings.export_briefing_action
        self.export_panel_actions = self.briefings.export_panel_actions
        self.key_judgements_action = self.briefings.key_judgements_action
        for name, dock in zip(PANEL_NAMES, self._panel_docks(), strict=True):
            # Right-click on the dock's title bar offers the export.
            dock.addAction(self.export_panel_actions[name])
            dock.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(
            QKeySequence("Ctrl+Q")
        )  # StandardKey.Quit is empty on some platforms
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.close)

        self.find_action = QAction("&Find in feed", self)
        self.find_action.setObjectName("findAction")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)

        self.reset_layout_action = QAction(icon("reset-layout"), "&Reset layout", self)
        self.reset_layout_action.setObjectName("resetLayoutAction")
        self.reset_layout_action.triggered.connect(self.reset_layout)

        self.military_time_action = QAction("&Military date-time groups (DTG)", self)
        self.military_time_action.setObjectName("militaryTimeAction")
        self.military_time_action.setCheckable(True)
        self.military_time_action.setToolTip(
            "Show times as Zulu date-time groups, e.g. 301430Z NOV 24"
        )
        self.military_time_action.toggled.connect(self.ctx.set_military_time)

        self.hide_future_action = QAction("&Hide events after the 'as of' time", self)
        self.hide_future_action.setObjectName("hideFutureAction")
        self.hide_future_action.setCheckable(True)
        self.hide_future_action.setToolTip("When off, later events are shown dimmed")
        self.hide_future_action.toggled.connect(self.ctx.set_hide_future)

        stack = self.session.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setObjectName("undoAction")
        self.undo_action.setIcon(icon("undo"))
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setObjectName("redoAction")
        self.redo_action.setIcon(icon("redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        # Qt derives the tooltips from the command text and would render markup in it: escape.
        stack.indexChanged.connect(self._update_undo_tooltips)
        self._update_undo_tooltips()

        self.preferences_action = QAction("&Preferences…", self)
        self.preferences_action.setObjectName("preferencesAction")
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.triggered.connect(self.edit_preferences)

        self.addActions(
            [
                self.export_briefing_action,
                self.find_action,
                self.quit_action,
                self.open_action,
                self.save_action,
                self.save_as_action,
                self.undo_action,
                self.redo_action,
            ]
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.open_action)
        self.recent_menu = self.files.recent_menu
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_briefing_action)
        export_menu = file_menu.addMenu("E&xport panel as PDF")
        for act in self.export_panel_actions.values():
            export_menu.addAction(act)
        self.file_menu = file_menu
        self._file_menu_tail = file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.edit_menu = bar.addMenu("&Edit")
        self.edit_menu.setObjectName("editMenu")
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        self.edit_menu.addAction(self.undo_dock.toggleViewAction())
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.toggle_crossing_action)
        for act in self.set_status_actions.values():
            self.edit_menu.addAction(act)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.find_action)
        self.edit_menu.addAction(self.key_judgements_action)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.preferences_action)

        view = bar.addMenu("&View")
        view.setObjectName("viewMenu")
        for dock in (*self._panel_docks(), self.history_dock, self.undo_dock):
            view.addAction(dock.toggleViewAction())
        view.addAction(self.cursor_bar.toggleViewAction())
        view.addAction(self.panel_cycler.next_action)
        view.addAction(self.panel_cycler.previous_action)
        view.addSeparator()
        view.addAction(self.military_time_action)
        view.addAction(self.hide_future_action)
        self.hide_future_action.setChecked(self.ctx.hide_future)
        view.addSeparator()
        view.addAction(self.cursor_bar.live_action)
        view.addSeparator()
        view.addAction(self.reset_layout_action)
        view.addMenu(self.theme.menu)

        self.view_menu = view

        help_menu = bar.addMenu("&Help")
        about = help_menu.addAction("&About Situation Monitor")
        about.triggered.connect(self._on_about_triggered)

    def _build_status_bar(self) -> None:
        self.file_label = QLabel()
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.cursor_label = QLabel()
        self.cursor_label.setObjectName("cursorStatusLabel")
        self.cursor_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.file_label, 1)
        self.statusBar().addPermanentWidget(self.cursor_label)
        # Read-only file, changes not protected by the journal: said for as long as it is true.
        self.notices = SessionNotices(self, self.session)

    # -- layout persistence ----------------------------------------------------------
    def _restore_layout(self) -> None:
        s = prefs.settings()
        geometry = s.value("window/geometry")
        state = s.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
            clamp_to_screen(self)  # saved on a bigger screen or at another scale factor
        restored = isinstance(state, QByteArray) and not state.isEmpty()
        if restored and not self.restoreState(state, STATE_VERSION):
            self.restoreState(self._default_state, STATE_VERSION)

    def save_layout(self) -> None:
        s = prefs.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(STATE_VERSION))
        s.sync()

    def reset_layout(self) -> None:
        """Put every dock and toolbar back where a new install has them."""
        self._build_default_layout()
        self.cursor_bar.show()
        self.statusBar().showMessage("Layout reset", 3000)

    # -- title / status -----------------------------------------------------------------
    def update_title(self) -> None:
        path = self.ctx.path
        store = None if path else team.shown_name(self.session.storage)  # (no password)
        name = path.name if path else store or "untitled"
        # "[*]" is Qt's modified-marker placeholder; a literal one in the data is written "[*][*]".
        title = f"{self.ctx.scenario.info.title} — {name}".replace("[*]", "[*][*]")
        self.setWindowTitle(f"{title}[*]")
        self.setWindowModified(self.session.dirty)
        self.file_label.setText(str(path) if path else store or "")
        self.file_label.setToolTip(str(path) if path else store or "")

    def _on_ctx_cursor_changed(self, when) -> None:
        local = when.astimezone(self.ctx.tz)
        if self.ctx.military_time:
            text = military_dtg(when)
        else:
            text = f"{local:%Y-%m-%d %H:%M} {format_offset(local)}"
        state = "Live" if self.ctx.is_live else "parked"
        set_text_steady(self.cursor_label, f"As of {text} ({state})")  # no window layout per step

    # -- window actions -----------------------------------------------------------------
    def focus_search(self) -> None:
        self.feed_dock.show()
        self.feed_dock.raise_()
        self.feed_panel.focus_search()

    def _update_undo_tooltips(self, *_args) -> None:
        stack = self.session.undo_stack
        for action, text in (
            (self.undo_action, stack.undoText()),
            (self.redo_action, stack.redoText()),
        ):
            verb = "Undo" if action is self.undo_action else "Redo"
            action.setToolTip(html.escape(f"{verb} {text}" if text else verb))

    def _on_undo_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def show_error(self, title: str, text: str, details: str = "") -> QMessageBox:
        """A plain-text error box that does not block the caller (``last_error_dialog``)."""
        box = QMessageBox(
            QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_error_dialog = box
        box.open()
        return box

    def show_warning(self, title: str, text: str) -> QMessageBox:
        """A plain-text warning box that does not block the caller (``last_warning_dialog``)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_warning_dialog = box
        box.open()
        return box

    def _on_about_triggered(self) -> None:
        from monitor import __version__

        QMessageBox.about(
            self,
            "About Situation Monitor",
            f"Situation Monitor {__version__}\n"
            "A desktop dashboard for analysts watching a fast-moving situation.",
        )

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.prefs, self)
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            self.prefs = dialog.preferences()
            self.prefs.store()
            self.session.storage.user = self.prefs.analyst
            self.hide_future_action.setChecked(self.prefs.hide_future)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.save_layout()
        self.files.stop_loading()
        self.session.close(keep_journal=False)
        super().closeEvent(event)

    # -- drops: a scenario file dropped on the window opens like File → Open ------------------
    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        local = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        return local[0] if len(local) == 1 else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            # After the drop returns: the drag source is not kept waiting on dialogs.
            QTimer.singleShot(0, self, lambda: self.open_file(path))

    # -- the window's public operations (the parts above do the work) ---------------------
    def open_file(self, path: str | Path, *, background: bool | None = None) -> bool:
        """The one way to open another scenario (see :meth:`FileActions.open_file`): a failed
        open leaves the current scenario and its unsaved changes exactly as they were."""
        return self.files.open_file(path, background=background)

    def save(self, *, force: bool = False) -> bool:
        return self.files.save(force=force)

    def save_as(self, path: str | Path) -> bool:
        return self.files.save_as(path)

    def set_crossing_status(
        self, crossing_id: str, status: CrossingStatus, note: str | None = None
    ) -> bool:
        return self.crossing_actions.set_status(crossing_id, status, note)

    def toggle_selected_crossing(self) -> bool:
        return self.crossing_actions.toggle_selected()

    def set_selected_crossing_status(self, status: CrossingStatus) -> bool:
        return self.crossing_actions.set_selected_status(status)

    def briefing_options(self, **overrides: Any) -> BriefingOptions:
        return self.briefings.briefing_options(**overrides)

    def export_panel(self, name: str, out: str | Path) -> Path:
        return self.briefings.export_panel(name, out)

    def export_briefing(self, out: str | Path) -> Path:
        return self.briefings.export_briefing(out)

    def set_key_judgements(self, text: str) -> None:
        self.briefings.set_key_judgements(text)
