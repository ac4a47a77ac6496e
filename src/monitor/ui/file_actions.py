"""The window's File actions and their dialogs: open (dialog, recent files, drops, the
command line: all through :meth:`FileActions.open_file`), save, save as, reload after an
outside change, crash recovery and the warnings that go with them.

Opening never touches the current session until the new file has loaded: the analyst's
answer to "Save your changes?" is acted on only then (a failed or cancelled open leaves
the changes, the journal, the undo history, the unsaved marker and the lock as they were).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox

from monitor.model import Scenario, ScenarioError
from monitor.model.storage import ConflictError, FileStorage, Recovery
from monitor.ui import settings as prefs
from monitor.ui.icons import icon
from monitor.ui.loader import LoadProgressDialog, ScenarioLoader
from monitor.ui.notices import unsaved_whereabouts

if TYPE_CHECKING:
    from monitor.ui.main_window import MainWindow

# Files above this size load in a worker thread with a progress dialog.
BACKGROUND_LOAD_BYTES = 5_000_000

_Button = QMessageBox.StandardButton


class FileActions(QObject):
    """File → Open / Open Recent / Save / Save As, and what happens around a file.

    Signals: ``open_finished(bool)`` — an open ended (True: the new scenario is in).
    Attributes for tests and the window: ``open_action``, ``save_action``,
    ``save_as_action``, ``recent_menu``; ``loader`` / ``progress_dialog`` while a file loads
    in the background; ``disk_change_dialog`` while the "changed on disk" question is open.
    Messages go through the window's ``show_error`` / ``show_warning``.
    """

    open_finished = Signal(bool)

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.ctx = window.ctx
        self.session = window.session
        self.disk_change_dialog: QMessageBox | None = None
        self.loader: ScenarioLoader | None = None
        self.progress_dialog: LoadProgressDialog | None = None
        self._loaders: list[ScenarioLoader] = []
        self._checked_storage: object = None  # the storage after_open() last looked at
        self.closed = False  # the window closed: nothing more is asked or warned
        self._recovery_offered = False

        self.open_action = QAction(icon("open"), "&Open…", window)
        self.open_action.setObjectName("openAction")
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._on_open_triggered)
        self.save_action = QAction(icon("save"), "&Save", window)
        self.save_action.setObjectName("saveAction")
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(lambda: self.save())
        self.save_as_action = QAction("Save &As…", window)
        self.save_as_action.setObjectName("saveAsAction")
        self.save_as_action.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.save_as_action.triggered.connect(self._on_save_as_triggered)
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)

        self.session.disk_changed.connect(self._on_session_disk_changed)

    def _status(self, text: str, ms: int) -> None:
        self._window.statusBar().showMessage(text, ms)

    # -- opening --------------------------------------------------------------------------
    def _on_open_triggered(self) -> None:
        start = str(self.ctx.path.parent) if self.ctx.path else ""
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open scenario", start, "Scenario files (*.json);;All files (*)"
        )
        if path:
            self.open_file(path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = prefs.recent_files()
        for f in files:
            act = self.recent_menu.addAction(f)
            act.triggered.connect(lambda _checked=False, f=f: self.open_file(f))
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list").triggered.connect(prefs.clear_recent_files)

    def open_file(self, path: str | Path, *, background: bool | None = None) -> bool:
        """Open another scenario; on failure show every problem and keep the current one,
        exactly as it was.

        With unsaved changes the analyst is asked first: Save saves now (a failed save stops
        the open), Discard drops the changes only once the new file has loaded. Big files (or
        ``background=True``) load in a worker thread with a progress dialog and Cancel; the
        result then arrives through ``open_finished(bool)`` and this returns True once
        loading has started.
        """
        path = Path(path)
        if self.session.dirty:
            answer = self.ask_unsaved_changes()
            if answer == _Button.Save:
                if not self.save():
                    return False
            elif answer != _Button.Discard:
                return False
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the load words the problem
        limit_mb = self._window.prefs.large_file_mb
        if size > limit_mb * 1_000_000 and not self.ask_large_file(path, size):
            return False
        if background is None:
            background = size > BACKGROUND_LOAD_BYTES
        if background:
            self._start_background_load(path)
            return True
        storage = FileStorage(path, user=self._window.prefs.analyst)
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
        first = exc.problems[0] if exc.problems else ""
        self._window.show_error(
            "Cannot open scenario",
            f"{path.name} could not be opened; the current scenario stays open"
            f"{' with your unsaved changes' if self.session.dirty else ''}.\n\n"
            f"{len(exc.problems)} problem(s) found. First: {first}",
            exc.describe(limit=None),
        )

    def _adopt(self, scenario: Scenario, storage: FileStorage, path: Path) -> None:
        """The new file loaded: close the old session (its changes were saved or the analyst
        discarded them) and start editing the new one."""
        self.session.close(keep_journal=False)
        self.session.switch_storage(storage)
        self.ctx.replace_scenario(scenario, path)
        self._window.notices.refresh()
        self._window.update_title()
        prefs.add_recent_file(path)
        self._status(f"Opened {path}", 5000)
        self._recovery_offered = False
        self.after_open()
        self.open_finished.emit(True)

    def _start_background_load(self, path: Path) -> None:
        if self.loader is not None:
            self.loader.cancel()
        # Loaders stay referenced until their thread has ended (a cancelled one runs on to
        # its next check): freeing one whose thread still runs would abort the process.
        self._loaders = [old for old in self._loaders if old.running()]
        loader = ScenarioLoader(path, self._window.prefs.analyst, self)
        self._loaders.append(loader)
        # Never a QProgressDialog: its setValue runs the event loop while modal, so the
        # load's end was handled inside a progress update (a crash).
        dialog = LoadProgressDialog(f"Loading {path.name}…", "Opening scenario", self._window)
        dialog.canceled.connect(loader.cancel)
        loader.notify_waiting_input(self._window, dialog)  # typed keys: "input waits"

        def finish() -> None:
            dialog.finish()
            if self.loader is loader:
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
            self._status(f"Loading {path.name} cancelled; the current scenario stays open", 6000)
            self.open_finished.emit(False)

        # (The loader's signals come from queued slots: a load's end is handled from the
        # event loop, and no progress update runs the event loop.)
        loader.progress.connect(on_progress)
        loader.loaded.connect(on_loaded)
        loader.failed.connect(on_failed)
        loader.cancelled.connect(on_cancelled)
        self.loader = loader
        self.progress_dialog = dialog
        loader.start()

    def stop_loading(self, wait_ms: int = 30_000) -> None:
        """The window closes: cancel a load in progress and wait for every loader's thread
        to end (no thread outlives its window)."""
        self.closed = True
        if self.loader is not None:
            self.loader.cancel()
        for loader in self._loaders:
            loader.cancel()
            loader.wait(wait_ms)
        self._loaders = [old for old in self._loaders if old.running()]

    def after_open(self) -> None:
        """Once a file is open: offer crash recovery and warn about other writers (the
        status bar says when it is read-only). Once for each file opened, and never once the
        window is closed (the window schedules this when it opens; callers may run it first)."""
        storage = self.session.storage
        if self.closed or storage is self._checked_storage:
            return
        self._checked_storage = storage
        self.offer_recovery()
        holder = self.session.lock_holder
        if holder is not None:
            self._status(f"Also open for writing by {holder.describe()}", 15000)
            self._window.show_warning(
                "File already open",
                f"{self.ctx.path} is already open for writing by {holder.describe()}.\n"
                "You can read and edit it, but saving will warn you if their version changed "
                "the file.",
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
            report = self.session.last_recovery
            summary = report.describe() if report is not None else ""
            if problems:
                self._window.show_warning(
                    "Some changes could not be recovered", "\n".join([summary, *problems])
                )
            self._status(summary, 8000)
            return True
        self.session.discard_recovery()
        return False

    # -- saving ---------------------------------------------------------------------------
    def save(self, *, force: bool = False) -> bool:
        """Ctrl+S. Never overwrites a newer file on disk without asking; on failure the
        previous file is intact and the edits stay unsaved in memory."""
        try:
            self.session.save(force=force)
        except ConflictError:
            answer = self.ask_overwrite_newer()
            if answer == _Button.Save:
                return self.save(force=True)
            if answer == _Button.SaveAll:  # "Save As…"
                return self._on_save_as_triggered()
            return False
        except OSError as exc:
            self._window.show_error(
                "Save failed",
                f"Could not save {self.ctx.path}: {exc.strerror or exc}.\n"
                f"The file on disk is unchanged. {unsaved_whereabouts(self.session)}",
            )
            return False
        self._window.update_title()
        self._status(f"Saved {self.ctx.path}", 4000)
        return True

    def _on_save_as_triggered(self) -> bool:
        start = str(self.ctx.path) if self.ctx.path else ""
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Save scenario as", start, "Scenario files (*.json)"
        )
        if not path:
            return False
        return self.save_as(path)

    def save_as(self, path: str | Path) -> bool:
        try:
            self.session.save(path=path)
        except OSError as exc:
            self._window.show_error(
                "Save failed", f"Could not save {path}: {exc.strerror or exc}. Nothing was written."
            )
            return False
        self._window.notices.refresh()
        self._window.update_title()
        prefs.add_recent_file(path)
        return True

    def maybe_save(self) -> bool:
        """Before closing: ask Save / Discard / Cancel if there are unsaved changes; False
        means stop. Discard drops the changes and their journal at once."""
        if not self.session.dirty:
            return True
        answer = self.ask_unsaved_changes()
        if answer == _Button.Save:
            return self.save()
        if answer == _Button.Discard:
            self.session.discard_changes()
            self.session.undo_stack.setClean()
            return True
        return False

    # -- outside changes ----------------------------------------------------------------
    def _on_session_disk_changed(self) -> None:
        box = QMessageBox(self._window)
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
        self._status("The file was changed on disk by someone else", 10000)
        box.open()

    def reload_from_disk(self) -> bool:
        try:
            self.session.reload()
        except ScenarioError as exc:
            self._window.show_error(
                "Cannot reload",
                "The file on disk is not a valid scenario; keeping yours.",
                exc.describe(None),
            )
            return False
        self._window.update_title()
        return True

    # -- dialogs (tests patch the ask_* methods) ------------------------------------------
    def _question(self, icon_kind: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        box = QMessageBox(self._window)
        box.setIcon(icon_kind)
        box.setWindowTitle(title)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        return box

    def ask_unsaved_changes(self) -> QMessageBox.StandardButton:
        name = self.ctx.path.name if self.ctx.path else "This scenario"
        box = self._question(
            QMessageBox.Icon.Question, "Unsaved changes", f"{name} has unsaved changes. Save them?"
        )
        box.setStandardButtons(_Button.Save | _Button.Discard | _Button.Cancel)
        box.setDefaultButton(_Button.Save)
        return _Button(box.exec())

    def ask_overwrite_newer(self) -> QMessageBox.StandardButton:
        box = self._question(
            QMessageBox.Icon.Warning,
            "File changed on disk",
            f"{self.ctx.path} was changed on disk by someone else since you opened it.\n"
            "Overwrite their version with yours, save yours under another name, or cancel?",
        )
        box.setStandardButtons(_Button.Save | _Button.SaveAll | _Button.Cancel)
        box.button(_Button.Save).setText("Overwrite")
        box.button(_Button.SaveAll).setText("Save As…")
        box.setDefaultButton(_Button.Cancel)
        return _Button(box.exec())

    def ask_recovery(self, recovery: Recovery) -> bool:
        n = len(recovery.changes)
        name = self.ctx.path.name if self.ctx.path else "this file"
        text = (
            f"{n} unsaved change{'s' if n != 1 else ''} to {name} from a session started "
            f"{recovery.started} by {recovery.by} were not saved (the app or computer stopped). "
            "Recover them?"
        )
        if not recovery.base_matches:
            text += (
                "\n\nWarning: the file has changed since then; changes that no longer fit "
                "will be skipped."
            )
        box = self._question(QMessageBox.Icon.Question, "Recover unsaved changes", text)
        box.setDetailedText("\n".join(c.label for c in recovery.changes))
        box.setStandardButtons(_Button.Yes | _Button.Discard)
        box.button(_Button.Yes).setText("Recover")
        return box.exec() == _Button.Yes

    def ask_large_file(self, path: Path, size: int) -> bool:
        limit = self._window.prefs.large_file_mb
        box = self._question(
            QMessageBox.Icon.Question,
            "Large file",
            f"{path.name} is {size / 1e6:,.0f} MB, more than the {limit} MB limit set in "
            "Preferences. Loading it may take a while and a lot of memory. Open it anyway?",
        )
        box.setStandardButtons(_Button.Open | _Button.Cancel)
        box.setDefaultButton(_Button.Cancel)
        return box.exec() == _Button.Open
