"""The dashboard window: three docked panels around one shared ScenarioContext."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from monitor.model import Scenario, ScenarioError, load_scenario
from monitor.model.timeutil import format_offset, military_dtg
from monitor.ui import settings as prefs
from monitor.ui.context import ScenarioContext
from monitor.ui.cursor_bar import CursorBar, icon
from monitor.ui.crossings_panel import CrossingsPanel
from monitor.ui.feed_panel import FeedPanel
from monitor.ui.territory_panel import TerritoryPanel

# Bump when the dock set changes so an old saved layout is not applied to a new window.
STATE_VERSION = 1
DOCK_NAMES = ("feedDock", "crossingsDock", "territoryDock")


class MainWindow(QMainWindow):
    """Main window, constructed from a scenario path.

    ``MainWindow(path)`` loads the file (raising :class:`ScenarioError` if it is
    invalid); pass ``scenario=`` to reuse an already-loaded one.
    """

    def __init__(self, path: str | Path, scenario: Scenario | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        path = Path(path)
        if scenario is None:
            scenario = load_scenario(path)
        self.ctx = ScenarioContext(scenario, path, self)
        self.last_error_dialog: QMessageBox | None = None

        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.setDockNestingEnabled(True)

        self.feed_panel = FeedPanel(self.ctx, self)
        self.crossings_panel = CrossingsPanel(self.ctx, self)
        self.territory_panel = TerritoryPanel(self.ctx, self)
        self.feed_dock = self._make_dock("feedDock", "Event feed", self.feed_panel)
        self.crossings_dock = self._make_dock("crossingsDock", "Border crossings", self.crossings_panel)
        self.territory_dock = self._make_dock("territoryDock", "Controlled territory", self.territory_panel)

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

        self.resize(1366, 768)
        self._restore_layout()
        self._update_title()
        self._on_ctx_cursor_changed(self.ctx.cursor_time())
        prefs.add_recent_file(path)

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
        for dock in (self.feed_dock, self.crossings_dock, self.territory_dock):
            dock.show()
        self.resizeDocks([self.feed_dock, self.crossings_dock], [640, 720], Qt.Orientation.Horizontal)
        self.resizeDocks([self.crossings_dock, self.territory_dock], [300, 340], Qt.Orientation.Vertical)

    def _build_actions(self) -> None:
        self.open_action = QAction(icon("open"), "&Open…", self)
        self.open_action.setObjectName("openAction")
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._on_open_triggered)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
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

        self.addActions([self.find_action, self.quit_action, self.open_action])

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.file_menu = file_menu
        self._file_menu_tail = file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.edit_menu = bar.addMenu("&Edit")
        self.edit_menu.setObjectName("editMenu")
        self.edit_menu.addAction(self.find_action)

        view = bar.addMenu("&View")
        view.setObjectName("viewMenu")
        for dock in (self.feed_dock, self.crossings_dock, self.territory_dock):
            view.addAction(dock.toggleViewAction())
        view.addAction(self.cursor_bar.toggleViewAction())
        view.addSeparator()
        view.addAction(self.military_time_action)
        view.addAction(self.hide_future_action)
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
        self.setWindowTitle(f"{self.ctx.scenario.info.title} — {name}[*]")
        self.file_label.setText(str(path) if path else "")
        self.file_label.setToolTip(str(path) if path else "")

    def _on_ctx_cursor_changed(self, when) -> None:
        local = when.astimezone(self.ctx.tz)
        if self.ctx.military_time:
            text = military_dtg(when)
        else:
            text = f"{local:%Y-%m-%d %H:%M} {format_offset(local)}"
        state = "Live" if self.ctx.is_live else "parked"
        self.cursor_label.setText(f"As of {text} ({state})")

    # -- actions --------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.feed_dock.show()
        self.feed_dock.raise_()
        self.feed_panel.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.feed_panel.search_edit.selectAll()

    def _on_open_triggered(self) -> None:
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

    def open_path(self, path: str | Path) -> bool:
        """Open another scenario; on failure show every problem and keep the current one."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            QApplication.restoreOverrideCursor()
            self.show_error(
                "Cannot open scenario",
                f"{Path(path).name} could not be opened; the current scenario stays open.\n\n"
                f"{len(exc.problems)} problem(s) found. First: {exc.problems[0] if exc.problems else ''}",
                exc.describe(limit=None),
            )
            return False
        QApplication.restoreOverrideCursor()
        self.ctx.replace_scenario(scenario, path)
        prefs.add_recent_file(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

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
        self.save_layout()
        super().closeEvent(event)

