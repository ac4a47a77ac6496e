"""The dashboard window: three docked panels around one shared ScenarioContext."""

from __future__ import annotations

import html
import os
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from monitor.briefing import BriefingOptions
from monitor.model import CrossingStatus, Moment, Scenario, ScenarioError, helpers
from monitor.model.changes import EXTRA, Change, ChangeError, next_status, status_change
from monitor.model.storage import ConflictError, FileStorage, Recovery
from monitor.model.timeutil import format_offset, military_dtg
from monitor.ui import settings as prefs
from monitor.ui.text import set_text_steady
from monitor.ui.context import ScenarioContext
from monitor.ui.crossing_model import CrossingColumn
from monitor.ui.cursor_bar import CursorBar, icon
from monitor.ui.history_panel import HistoryPanel
from monitor.ui.loader import ScenarioLoader
from monitor.ui.preferences import Preferences, PreferencesDialog
from monitor.ui.session import Session

# Bump when the dock set changes so an old saved layout is not applied to a new window.
STATE_VERSION = 1
DOCK_NAMES = ("feedDock", "crossingsDock", "territoryDock", "historyDock", "undoDock")


KEY_JUDGEMENTS = "key_judgements"

def _placeholder() -> QWidget:
    label = QLabel("Loading…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


# Files above this size load in a worker thread with a progress dialog.
BACKGROUND_LOAD_BYTES = 5_000_000


class MainWindow(QMainWindow):
    """Main window, constructed from a scenario path.

    ``MainWindow(path)`` loads the file (raising :class:`ScenarioError` if it is
    invalid); pass ``scenario=`` to reuse an already-loaded one.
    """

    open_finished = Signal(bool)  # a (background) open ended: True = the new scenario is in

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
        path = Path(path)
        if storage is None or scenario is None:
            storage = FileStorage(path)
            scenario = storage.load()
        self.prefs = Preferences.load()
        self.ctx = ScenarioContext(scenario, path, self)
        self.ctx.hide_future = self.prefs.hide_future
        storage.user = self.prefs.analyst
        self.session = Session(self.ctx, storage, self)
        self.last_error_dialog: QMessageBox | None = None
        self.disk_change_dialog: QMessageBox | None = None
        self.loader: ScenarioLoader | None = None
        self.progress_dialog: QProgressDialog | None = None

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
        self.territory_dock = self._make_dock("territoryDock", "Controlled territory", _placeholder())
        self.history_panel = HistoryPanel(self.ctx, self.session.push, self)
        self.history_dock = self._make_dock("historyDock", "Status history (audit)", self.history_panel)
        self.undo_view = QUndoView(self.session.undo_stack)
        self.undo_view.setEmptyLabel("<opened file>")
        self.undo_dock = self._make_dock("undoDock", "Undo history", self.undo_view)

        self.cursor_bar = CursorBar(self.ctx, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.cursor_bar)

        self._build_default_layout()
        self._default_state = self.saveState(STATE_VERSION)
        self._build_actions()
        self._build_menus()
        self._build_status_bar()

        self.ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        self.ctx.live_changed.connect(lambda _live: self._on_ctx_cursor_changed(self.ctx.cursor_time()))
        self.ctx.scenario_replaced.connect(self._update_title)
        self.ctx.display_changed.connect(lambda: self._on_ctx_cursor_changed(self.ctx.cursor_time()))
        self.ctx.crossing_selected.connect(lambda _id: self._update_edit_actions())
        self.session.undo_stack.cleanChanged.connect(self._on_undo_clean_changed)
        self.session.disk_changed.connect(self._on_session_disk_changed)

        self.resize(1366, 768)
        self._restore_layout()
        self._update_title()
        self._update_edit_actions()
        self._on_ctx_cursor_changed(self.ctx.cursor_time())
        prefs.add_recent_file(path)
        self._recovery_offered = False
        self._defer_panels = defer_panels
        if defer_panels:
            # Built right after the first paint (see paintEvent); the timer covers a window
            # that is never painted.
            QTimer.singleShot(1000, self.ensure_panels)
        else:
            self.ensure_panels()
        QTimer.singleShot(0, self._after_open)

    # -- panels ---------------------------------------------------------------------------
    def ensure_panels(self) -> None:
        """Build the feed, crossings and chart panels (once)."""
        if self._panels:
            return
        from monitor.ui.crossings_panel import CrossingsPanel
        from monitor.ui.feed import FeedPanel
        from monitor.ui.territory_panel import TerritoryPanel

        self._panels["feed"] = FeedPanel(self.ctx, self)
        self._panels["crossings"] = CrossingsPanel(self.ctx, self)
        self._panels["territory"] = TerritoryPanel(self.ctx, self)
        for name, dock in (("feed", self.feed_dock), ("crossings", self.crossings_dock),
                           ("territory", self.territory_dock)):
            old = dock.widget()
            dock.setWidget(self._panels[name])
            if old is not None:
                old.deleteLater()
        view = self.crossings_panel.view
        view.addAction(self.toggle_crossing_action)
        view.doubleClicked.connect(self._on_crossings_double_clicked)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_crossings_context_menu)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self._defer_panels and not self._panels:
            self._defer_panels = False
            if os.environ.get("MONITOR_EXIT_AFTER_FIRST_PAINT"):
                # Start-up benchmark hook: the process ends at the first paint.
                QTimer.singleShot(0, QApplication.instance().quit)
                return
            QTimer.singleShot(0, self.ensure_panels)

    @property
    def feed_panel(self):  # -> FeedPanel
        self.ensure_panels()
        return self._panels["feed"]

    @property
    def crossings_panel(self):  # -> CrossingsPanel
        self.ensure_panels()
        return self._panels["crossings"]

    @property
    def territory_panel(self):  # -> TerritoryPanel
        self.ensure_panels()
        return self._panels["territory"]

    # -- construction -------------------------------------------------------------
    def _make_dock(self, name: str, title: str, panel: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        return dock

    def _build_default_layout(self) -> None:
        for dock in (self.feed_dock, self.crossings_dock, self.territory_dock):
            if self.dockWidgetArea(dock) != Qt.DockWidgetArea.NoDockWidgetArea:
                self.removeDockWidget(dock)
            dock.setFloating(False)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.feed_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.crossings_dock)
        self.splitDockWidget(self.crossings_dock, self.territory_dock, Qt.Orientation.Vertical)
        for dock in (self.history_dock, self.undo_dock):
            if self.dockWidgetArea(dock) != Qt.DockWidgetArea.NoDockWidgetArea:
                self.removeDockWidget(dock)
            dock.setFloating(False)
        self.tabifyDockWidget(self.territory_dock, self.history_dock)
        self.tabifyDockWidget(self.history_dock, self.undo_dock)
        for dock in (self.feed_dock, self.crossings_dock, self.territory_dock, self.history_dock):
            dock.show()
        self.undo_dock.hide()
        self.territory_dock.raise_()
        self.resizeDocks([self.feed_dock, self.crossings_dock], [640, 720], Qt.Orientation.Horizontal)
        self.resizeDocks([self.crossings_dock, self.territory_dock], [230, 470], Qt.Orientation.Vertical)

    def _build_actions(self) -> None:
        self.open_action = QAction(icon("open"), "&Open…", self)
        self.open_action.setObjectName("openAction")
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._on_open_triggered)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # StandardKey.Quit is empty on some platforms
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
        self.military_time_action.setToolTip("Show times as Zulu date-time groups, e.g. 301430Z NOV 24")
        self.military_time_action.toggled.connect(self.ctx.set_military_time)

        self.hide_future_action = QAction("&Hide events after the 'as of' time", self)
        self.hide_future_action.setObjectName("hideFutureAction")
        self.hide_future_action.setCheckable(True)
        self.hide_future_action.setToolTip("When off, later events are shown dimmed")
        self.hide_future_action.toggled.connect(self.ctx.set_hide_future)

        self.save_action = QAction(icon("save"), "&Save", self)
        self.save_action.setObjectName("saveAction")
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)

        self.save_as_action = QAction("Save &As…", self)
        self.save_as_action.setObjectName("saveAsAction")
        self.save_as_action.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.save_as_action.triggered.connect(self._on_save_as_triggered)

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

        self.toggle_crossing_action = QAction(icon("toggle"), "&Toggle crossing status", self)
        self.toggle_crossing_action.setObjectName("toggleCrossingAction")
        self.toggle_crossing_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.toggle_crossing_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.toggle_crossing_action.setToolTip(
            "Flip the selected crossing open ↔ closed, effective now (Live) or at the 'as of' time (Space)"
        )
        self.toggle_crossing_action.triggered.connect(self.toggle_selected_crossing)
        self.set_status_actions: dict[CrossingStatus, QAction] = {}
        for status in CrossingStatus:
            act = QAction(f"Mark {status.value}", self)
            act.setObjectName(f"mark{status.value.capitalize()}Action")
            act.triggered.connect(lambda _checked=False, st=status: self.set_selected_crossing_status(st))
            self.set_status_actions[status] = act

        self.preferences_action = QAction("&Preferences…", self)
        self.preferences_action.setObjectName("preferencesAction")
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.triggered.connect(self.edit_preferences)

        self.export_briefing_action = QAction(icon("export-pdf"), "Export &briefing…", self)
        self.export_briefing_action.setObjectName("exportBriefingAction")
        self.export_briefing_action.setShortcut(QKeySequence("Ctrl+P"))
        self.export_briefing_action.setToolTip("Write a full situation briefing (PDF) as of the cursor (Ctrl+P)")
        self.export_briefing_action.triggered.connect(self._on_export_briefing_triggered)
        self.export_panel_actions: dict[str, QAction] = {}
        for name, dock in (("feed", self.feed_dock), ("crossings", self.crossings_dock),
                           ("territory", self.territory_dock)):
            act = QAction(icon("export-pdf"), f"Export {dock.windowTitle().lower()} as PDF…", self)
            act.setObjectName(f"export{name.capitalize()}Action")
            act.triggered.connect(lambda _checked=False, n=name: self._on_export_panel_triggered(n))
            self.export_panel_actions[name] = act
            # Right-click on the dock's title bar offers the export.
            dock.addAction(act)
            dock.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.key_judgements_action = QAction("&Key judgements…", self)
        self.key_judgements_action.setObjectName("keyJudgementsAction")
        self.key_judgements_action.setToolTip("Write the key judgements printed at the top of briefings")
        self.key_judgements_action.triggered.connect(self.edit_key_judgements)

        self.addActions([self.export_briefing_action, self.find_action, self.quit_action, self.open_action, self.save_action,
                         self.save_as_action, self.undo_action, self.redo_action])

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.recent_menu.aboutToShow.connect(helpers.start)  # (as for the Open dialog)
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
        for dock in (self.feed_dock, self.crossings_dock, self.territory_dock, self.history_dock, self.undo_dock):
            view.addAction(dock.toggleViewAction())
        view.addAction(self.cursor_bar.toggleViewAction())
        view.addSeparator()
        view.addAction(self.military_time_action)
        view.addAction(self.hide_future_action)
        self.hide_future_action.setChecked(self.ctx.hide_future)
        view.addSeparator()
        view.addAction(self.cursor_bar.live_action)
        view.addSeparator()
        view.addAction(self.reset_layout_action)
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

    # -- layout persistence ----------------------------------------------------------
    def _restore_layout(self) -> None:
        s = prefs.settings()
        geometry = s.value("window/geometry")
        state = s.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            if not self.restoreState(state, STATE_VERSION):
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
    def _update_title(self) -> None:
        path = self.ctx.path
        name = path.name if path else "untitled"
        # "[*]" is Qt's modified-marker placeholder; a literal one in the data is written "[*][*]".
        title = f"{self.ctx.scenario.info.title} — {name}".replace("[*]", "[*][*]")
        self.setWindowTitle(f"{title}[*]")
        self.setWindowModified(self.session.dirty)
        self.file_label.setText(str(path) if path else "")
        self.file_label.setToolTip(str(path) if path else "")

    def _on_ctx_cursor_changed(self, when) -> None:
        local = when.astimezone(self.ctx.tz)
        if self.ctx.military_time:
            text = military_dtg(when)
        else:
            text = f"{local:%Y-%m-%d %H:%M} {format_offset(local)}"
        state = "Live" if self.ctx.is_live else "parked"
        set_text_steady(self.cursor_label, f"As of {text} ({state})")  # no window layout per step

    # -- actions --------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.feed_dock.show()
        self.feed_dock.raise_()
        self.feed_panel.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.feed_panel.search_edit.selectAll()

    def _on_open_triggered(self) -> None:
        helpers.start()  # the helper for big files gets ready while the analyst picks one
        start = str(self.ctx.path.parent) if self.ctx.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", start, "Scenario files (*.json);;All files (*)")
        if path:
            self.open_path(path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = prefs.recent_files()
        for f in files:
            act = self.recent_menu.addAction(f)
            act.triggered.connect(lambda _checked=False, f=f: self.open_path(f))
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list").triggered.connect(prefs.clear_recent_files)

    def open_path(self, path: str | Path, *, background: bool | None = None) -> bool:
        """Open another scenario; on failure show every problem and keep the current one.

        Big files (or ``background=True``) load in a worker thread with a progress dialog and
        Cancel; the result then arrives through ``open_finished(bool)`` and this returns True
        once loading has started.
        """
        if not self.maybe_save():
            return False
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if size > self.prefs.large_file_mb * 1_000_000 and not self.ask_large_file(path, size):
            return False
        if background is None:
            background = size > BACKGROUND_LOAD_BYTES
        if background:
            self._start_background_load(path)
            return True
        storage = FileStorage(path, user=self.prefs.analyst)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            scenario = storage.load()
        except ScenarioError as exc:
            QApplication.restoreOverrideCursor()
            self._show_open_error(path, exc)
            self.open_finished.emit(False)
            return False
        QApplication.restoreOverrideCursor()
        self._adopt(scenario, storage, path)
        return True

    def _show_open_error(self, path: Path, exc: ScenarioError) -> None:
        self.show_error(
            "Cannot open scenario",
            f"{path.name} could not be opened; the current scenario stays open.\n\n"
            f"{len(exc.problems)} problem(s) found. First: {exc.problems[0] if exc.problems else ''}",
            exc.describe(limit=None),
        )

    def _adopt(self, scenario: Scenario, storage: FileStorage, path: Path) -> None:
        self.session.close(keep_journal=False)
        self.session.switch_storage(storage)
        self.ctx.replace_scenario(scenario, path)
        self._update_title()
        prefs.add_recent_file(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        self._recovery_offered = False
        self._after_open()
        self.open_finished.emit(True)

    def _start_background_load(self, path: Path) -> None:
        if self.loader is not None:
            self.loader.cancel()
        loader = ScenarioLoader(path, self.prefs.analyst, self)
        dialog = QProgressDialog(f"Loading {path.name}…", "Cancel", 0, 1000, self)
        dialog.setObjectName("loadProgressDialog")
        dialog.setWindowTitle("Opening scenario")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(loader.cancel)

        def finish() -> None:
            dialog.hide()
            dialog.deleteLater()
            self.loader = None
            self.progress_dialog = None

        def on_progress(fraction: float, message: str) -> None:
            dialog.setValue(int(fraction * 1000))
            dialog.setLabelText(f"{message} — {path.name}")

        def on_loaded(scenario: object, storage: object) -> None:
            finish()
            self._adopt(scenario, storage, path)

        def on_failed(exc: object) -> None:
            finish()
            self._show_open_error(path, exc)
            self.open_finished.emit(False)

        def on_cancelled() -> None:
            finish()
            self.statusBar().showMessage(f"Loading {path.name} cancelled; the current scenario stays open", 6000)
            self.open_finished.emit(False)

        loader.progress.connect(on_progress)
        loader.loaded.connect(on_loaded)
        loader.failed.connect(on_failed)
        loader.cancelled.connect(on_cancelled)
        self.loader = loader
        self.progress_dialog = dialog
        loader.start()

    def ask_large_file(self, path: Path, size: int) -> bool:
        answer = QMessageBox.question(
            self,
            "Large file",
            f"{path.name} is {size / 1e6:,.0f} MB, more than the {self.prefs.large_file_mb} MB limit set in "
            "Preferences. Loading it may take a while and a lot of memory. Open it anyway?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Open

    def show_error(self, title: str, text: str, details: str = "") -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_error_dialog = box
        box.open()
        return box

    def _on_about_triggered(self) -> None:
        from monitor import __version__

        QMessageBox.about(
            self,
            "About Situation Monitor",
            f"Situation Monitor {__version__}\nA desktop dashboard for analysts watching a fast-moving situation.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.maybe_save():
            event.ignore()
            return
        self.save_layout()
        self.session.close(keep_journal=False)
        super().closeEvent(event)

    # -- session: toggles, saving, recovery, outside changes -------------------------------------
    def _effective_moment(self) -> Moment:
        """When a change recorded now takes effect: now if Live, else the parked cursor."""
        if self.ctx.is_live:
            return Moment.now(self.ctx.tz)
        return Moment(self.ctx.cursor_time(), False)

    def set_crossing_status(self, crossing_id: str, status: CrossingStatus, note: str | None = None) -> bool:
        """Record ``status`` for a crossing as an undoable change; True if recorded."""
        try:
            change = status_change(
                self.ctx.scenario,
                crossing_id,
                status,
                self._effective_moment(),
                note=note if note is not None else (self.prefs.default_note or None),
                by=self.prefs.analyst,
            )
        except ChangeError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return False
        self.session.push(change)
        if self.session.journal_error:
            self.statusBar().showMessage(f"Journal write failed: {self.session.journal_error}", 8000)
        return True

    def toggle_selected_crossing(self) -> bool:
        crossing = self.ctx.scenario.crossing(self.ctx.selected_crossing)
        if crossing is None:
            self.statusBar().showMessage("Select a crossing to toggle its status", 3000)
            return False
        current = crossing.status_at(self._effective_moment().instant)
        return self.set_crossing_status(crossing.id, next_status(current))

    def set_selected_crossing_status(self, status: CrossingStatus) -> bool:
        if not self.ctx.selected_crossing:
            return False
        return self.set_crossing_status(self.ctx.selected_crossing, status)

    def _on_crossings_double_clicked(self, index) -> None:
        if index.column() == CrossingColumn.STATUS:
            self.toggle_selected_crossing()

    def _on_crossings_context_menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addAction(self.toggle_crossing_action)
        menu.addSeparator()
        for act in self.set_status_actions.values():
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.history_dock.toggleViewAction())
        menu.popup(self.crossings_panel.view.viewport().mapToGlobal(pos))

    def _update_edit_actions(self) -> None:
        has = bool(self.ctx.selected_crossing)
        self.toggle_crossing_action.setEnabled(has)
        for act in self.set_status_actions.values():
            act.setEnabled(has)

    def _update_undo_tooltips(self, *_args) -> None:
        stack = self.session.undo_stack
        for action, text in ((self.undo_action, stack.undoText()), (self.redo_action, stack.redoText())):
            verb = "Undo" if action is self.undo_action else "Redo"
            action.setToolTip(html.escape(f"{verb} {text}" if text else verb))

    def _on_undo_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def save(self, *, force: bool = False) -> bool:
        """Ctrl+S. Never overwrites a newer file on disk without asking; on failure the
        previous file is intact and the edits stay unsaved in memory."""
        try:
            self.session.save(force=force)
        except ConflictError:
            answer = self.ask_overwrite_newer()
            if answer == QMessageBox.StandardButton.Save:
                return self.save(force=True)
            if answer == QMessageBox.StandardButton.SaveAll:  # "Save As…"
                return self._on_save_as_triggered()
            return False
        except OSError as exc:
            self.show_error(
                "Save failed",
                f"Could not save {self.ctx.path}: {exc.strerror or exc}.\n"
                "The file on disk is unchanged and your edits are still here (and in the recovery journal).",
            )
            return False
        self._update_title()
        self.statusBar().showMessage(f"Saved {self.ctx.path}", 4000)
        return True

    def _on_save_as_triggered(self) -> bool:
        start = str(self.ctx.path) if self.ctx.path else ""
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario as", start, "Scenario files (*.json)")
        if not path:
            return False
        return self.save_as(path)

    def save_as(self, path: str | Path) -> bool:
        try:
            self.session.save(path=path)
        except OSError as exc:
            self.show_error("Save failed", f"Could not save {path}: {exc.strerror or exc}. Nothing was written.")
            return False
        self._update_title()
        prefs.add_recent_file(path)
        return True

    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel if there are unsaved changes; False means stop."""
        if not self.session.dirty:
            return True
        answer = self.ask_unsaved_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.session.discard_recovery()
            self.session.undo_stack.setClean()
            return True
        return False

    def ask_unsaved_changes(self) -> QMessageBox.StandardButton:
        return QMessageBox.question(
            self,
            "Unsaved changes",
            f"{self.ctx.path.name if self.ctx.path else 'This scenario'} has unsaved changes. Save them?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )

    def ask_overwrite_newer(self) -> QMessageBox.StandardButton:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("File changed on disk")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"{self.ctx.path} was changed on disk by someone else since you opened it.\n"
            "Overwrite their version with yours, save yours under another name, or cancel?"
        )
        box.setStandardButtons(
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.SaveAll | QMessageBox.StandardButton.Cancel
        )
        box.button(QMessageBox.StandardButton.Save).setText("Overwrite")
        box.button(QMessageBox.StandardButton.SaveAll).setText("Save As…")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return QMessageBox.StandardButton(box.exec())

    def ask_recovery(self, recovery: Recovery) -> bool:
        n = len(recovery.changes)
        text = (
            f"{n} unsaved change{'s' if n != 1 else ''} to {self.ctx.path.name if self.ctx.path else 'this file'} "
            f"from a session started {recovery.started} by {recovery.by} were not saved "
            "(the app or computer stopped). Recover them?"
        )
        if not recovery.base_matches:
            text += "\n\nWarning: the file has changed since then; changes that no longer fit will be skipped."
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Recover unsaved changes")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        box.setDetailedText("\n".join(c.label for c in recovery.changes))
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard)
        box.button(QMessageBox.StandardButton.Yes).setText("Recover")
        return box.exec() == QMessageBox.StandardButton.Yes

    def _after_open(self) -> None:
        """Once a file is open: offer crash recovery and warn about other writers."""
        self.offer_recovery()
        holder = self.session.lock_holder
        if holder is not None:
            self.statusBar().showMessage(f"Also open for writing by {holder.describe()}", 15000)
            self.show_warning(
                "File already open",
                f"{self.ctx.path} is already open for writing by {holder.describe()}.\n"
                "You can read and edit it, but saving will warn you if their version changed the file.",
            )

    def offer_recovery(self) -> bool:
        if self._recovery_offered:
            return False
        self._recovery_offered = True
        recovery = self.session.pending_recovery()
        if recovery is None:
            return False
        if self.ask_recovery(recovery):
            problems = self.session.recover(recovery)
            if problems:
                self.show_warning("Some changes could not be recovered", "\n".join(problems))
            self.statusBar().showMessage(f"Recovered {len(recovery.changes) - len(problems)} change(s)", 8000)
            return True
        self.session.discard_recovery()
        return False

    def _on_session_disk_changed(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("File changed on disk")
        box.setTextFormat(Qt.TextFormat.PlainText)
        dirty = " You have unsaved changes: reloading discards them." if self.session.dirty else ""
        box.setText(
            f"{self.ctx.path} was changed on disk by another program or analyst.{dirty}\n"
            "Reload their version, or keep yours (saving will then ask before overwriting)?"
        )
        reload_button = box.addButton("Reload", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep mine", QMessageBox.ButtonRole.RejectRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def on_done(_result: int) -> None:
            if box.clickedButton() is reload_button:
                self.reload_from_disk()
            else:
                self.session.keep_mine()
            self.disk_change_dialog = None

        box.finished.connect(on_done)
        self.disk_change_dialog = box
        self.statusBar().showMessage("The file was changed on disk by someone else", 10000)
        box.open()

    def reload_from_disk(self) -> bool:
        try:
            self.session.reload()
        except ScenarioError as exc:
            self.show_error("Cannot reload", "The file on disk is not a valid scenario; keeping yours.", exc.describe(None))
            return False
        self._update_title()
        return True

    def show_warning(self, title: str, text: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_warning_dialog = box
        box.open()
        return box

    # -- briefings ----------------------------------------------------------------------------
    def briefing_options(self, **overrides) -> BriefingOptions:
        """Options for a PDF of what the window shows now: as of the cursor, the user's marking."""
        fields = {
            "marking": self.prefs.marking,
            "page_size": self.prefs.page_size,
            "analyst": self.prefs.analyst,
            "as_of": self.ctx.cursor_time(),
            "military_time": self.ctx.military_time,  # times as the window shows them
        }
        fields.update(overrides)
        return BriefingOptions(**fields)

    def export_panel(self, name: str, out: str | Path) -> Path:
        """Write the PDF of one panel exactly as it shows now (``feed``, ``crossings``, ``territory``)."""
        from monitor.briefing import export_crossings_pdf, export_feed_pdf, export_territory_pdf

        scenario = self.ctx.scenario
        if name == "feed":
            rows = [int(r) for r in self.feed_panel.model.rows]
            options = self.briefing_options(filter_description=self.feed_panel.describe_filter())
            result = export_feed_pdf(scenario, rows, out, options)
        elif name == "crossings":
            result = export_crossings_pdf(scenario, self.ctx.cursor_time(), out, self.briefing_options())
        elif name == "territory":
            x0, x1 = self.territory_panel.plot_item.getViewBox().viewRange()[0]
            tz = self.ctx.tz
            rng = (datetime.fromtimestamp(x0, tz), datetime.fromtimestamp(x1, tz))
            result = export_territory_pdf(scenario, out, self.briefing_options(), rng)
        else:
            raise ValueError(f"unknown panel {name!r}")
        return Path(result.path)

    def export_briefing(self, out: str | Path) -> Path:
        """The full briefing as of the cursor, with the feed's search text as its event filter."""
        from monitor.briefing import export_briefing_pdf

        options = self.briefing_options(filter_text=self.feed_panel.search_edit.text().strip())
        result = export_briefing_pdf(self.ctx.scenario, out, options, frame=self.ctx.events_frame)
        return Path(result.path)

    def _ask_pdf_path(self, suggested: str) -> str:
        folder = self.ctx.path.parent if self.ctx.path else Path.home()
        path, _ = QFileDialog.getSaveFileName(self, "Export PDF", str(folder / suggested), "PDF files (*.pdf)")
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

    def _run_export(self, what: str, write) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            out = write()
        except (OSError, ValueError) as exc:
            QApplication.restoreOverrideCursor()
            self.show_error("Export failed", f"Could not write the {what}: {exc}. No file was left half-written.")
            return
        QApplication.restoreOverrideCursor()
        self.statusBar().showMessage(f"Wrote {out}", 8000)

    def _stem(self) -> str:
        stem = self.ctx.path.stem if self.ctx.path else "scenario"
        return f"{stem}-{self.ctx.cursor_time():%Y%m%d-%H%M}"

    def _on_export_panel_triggered(self, name: str) -> None:
        path = self._ask_pdf_path(f"{self._stem()}-{name}.pdf")
        if path:
            self._run_export(f"{name} PDF", lambda: self.export_panel(name, path))

    def _on_export_briefing_triggered(self) -> None:
        path = self._ask_pdf_path(f"{self._stem()}-briefing.pdf")
        if path:
            self._run_export("briefing", lambda: self.export_briefing(path))

    def set_key_judgements(self, text: str) -> None:
        """Record the key judgements (saved with the scenario) as an undoable change."""
        before = self.ctx.scenario.extra.get(KEY_JUDGEMENTS)
        after = text.strip() or None
        if after != before:
            self.session.push(Change(EXTRA, KEY_JUDGEMENTS, before, after, "Edit key judgements"))

    def edit_key_judgements(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("Key judgements")
        edit = QPlainTextEdit(dialog)
        current = self.ctx.scenario.extra.get(KEY_JUDGEMENTS)
        edit.setPlainText(current if isinstance(current, str) else "\n".join(map(str, current or [])))
        edit.setPlaceholderText("One judgement per line; start a line with '- ' for a bullet.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        hint = QLabel("Printed at the top of every briefing; saved with the scenario.")
        layout.addWidget(hint)
        layout.addWidget(edit)
        layout.addWidget(buttons)
        dialog.resize(560, 320)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_key_judgements(edit.toPlainText())

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.prefs, self)
        if dialog.exec() == PreferencesDialog.DialogCode.Accepted:
            self.prefs = dialog.preferences()
            self.prefs.store()
            self.session.storage.user = self.prefs.analyst
            self.hide_future_action.setChecked(self.prefs.hide_future)

