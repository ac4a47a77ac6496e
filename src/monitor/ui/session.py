"""An editing session on one scenario: undo stack, journal, saving, outside changes.

The window owns one :class:`Session`. Every edit goes through :meth:`push`
(an undoable command that is journalled at once); :meth:`save` writes
atomically and refuses to overwrite a file changed on disk by someone else.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from monitor.model import Scenario
from monitor.model.changes import Change, ChangeError
from monitor.model.storage import FileStorage, LockInfo, Recovery
from monitor.ui.commands import ChangeCommand
from monitor.ui.context import ScenarioContext


class Session(QObject):
    """Signals: ``disk_changed()`` — the file was changed on disk by someone else."""

    disk_changed = Signal()

    def __init__(self, ctx: ScenarioContext, storage: FileStorage, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.storage = storage
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(0)  # unlimited: a day of toggles is small
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_file_changed)
        self._watcher.directoryChanged.connect(self._on_watcher_file_changed)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(200)
        self._check_timer.timeout.connect(self.check_disk)
        self._disk_notified = False
        self.lock_holder: LockInfo | None = storage.acquire_lock()
        self._watch()

    # -- editing ---------------------------------------------------------------------
    def push(self, change: Change) -> None:
        """Apply ``change`` as an undoable, journalled command."""
        self.undo_stack.push(ChangeCommand(self.ctx, change, self._journal))

    def _journal(self, change: Change) -> None:
        try:
            self.storage.append_change(change)
        except OSError as exc:  # the edit stays in memory; the user is told in the status bar
            self.journal_error = str(exc)

    journal_error = ""

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    # -- recovery --------------------------------------------------------------------------
    def pending_recovery(self) -> Recovery | None:
        return self.storage.pending_recovery(self.ctx.scenario)

    def recover(self, recovery: Recovery) -> list[str]:
        """Replay a crashed session's changes as undoable commands; returns changes that no
        longer fit (skipped)."""
        self.storage.discard_journal()
        problems = []
        self.undo_stack.beginMacro("Recover unsaved changes")
        for i, change in enumerate(recovery.changes):
            try:
                self.push(change)
            except ChangeError as exc:
                problems.append(f"change {i + 1} ({change.label}): {exc}")
        self.undo_stack.endMacro()
        return problems

    def discard_recovery(self) -> None:
        self.storage.discard_journal()

    # -- saving ----------------------------------------------------------------------------
    def save(self, *, force: bool = False, path: str | Path | None = None) -> None:
        """Save (or Save As). Raises ConflictError if the file changed on disk (unless
        ``force``) and OSError if writing fails; in both cases nothing on disk changed and the
        edits stay unsaved in memory."""
        self._unwatch()
        try:
            self.storage.save(self.ctx.scenario, force=force, path=path)
        finally:
            self._watch()
        if path is not None:
            self.ctx.set_path(self.storage.path)
            self.storage.acquire_lock()
        self.undo_stack.setClean()
        self._disk_notified = False

    def reload(self) -> Scenario:
        """Drop in-memory edits and load the file as it is on disk now."""
        scenario = self.storage.load()
        self.storage.discard_journal()
        self.undo_stack.clear()
        self._disk_notified = False
        self.ctx.replace_scenario(scenario, self.storage.path)
        return scenario

    def switch_storage(self, storage: FileStorage) -> None:
        """Start editing another file (the old session must be closed first)."""
        self._unwatch()
        self.storage = storage
        self.undo_stack.clear()
        self._disk_notified = False
        self.lock_holder = storage.acquire_lock()
        self._watch()

    def close(self, *, keep_journal: bool) -> None:
        if not keep_journal:
            self.storage.discard_journal()
        self.storage.close()
        self._unwatch()

    # -- watching -------------------------------------------------------------------------------
    def _watch(self) -> None:
        path = str(self.storage.path)
        if path not in self._watcher.files():
            self._watcher.addPath(path)
        folder = str(self.storage.path.parent)
        if folder not in self._watcher.directories():
            self._watcher.addPath(folder)

    def _unwatch(self) -> None:
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)

    def _on_watcher_file_changed(self, _path: str) -> None:
        # An atomic replace by another program drops the watch on the old inode: re-add.
        self._watch()
        self._check_timer.start()

    def check_disk(self) -> bool:
        """Compare the file on disk with ours; announce a change once per change."""
        if self.storage.changed_on_disk():
            if not self._disk_notified:
                self._disk_notified = True
                self.disk_changed.emit()
            return True
        return False

    def keep_mine(self) -> None:
        """The analyst chose to keep their version; saving will still ask before overwriting."""
        self._disk_notified = True
