"""An editing session on one scenario: change log, undo stack, journal, saving, outside changes.

The window owns one :class:`Session`. Every edit goes through :meth:`Session.push`: the
change is checked against the scenario's rules first (a refused change raises
:class:`~monitor.model.changes.ChangeError` to the caller and never reaches Qt's undo
stack), then applied as an undoable command and journalled at once. Undo and redo apply
new changes (the inverse, or the same edit again), so the log and the journal only grow.
"""

from __future__ import annotations

import contextlib
import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from monitor.model import Scenario
from monitor.model.changelog import ChangeLog
from monitor.model.changes import EVENT, FACTION, SOURCE, Change, ChangeError
from monitor.model.journal import JournalError
from monitor.model.storage import LockInfo, Recovery
from monitor.ui.commands import BatchCommand, ChangeCommand
from monitor.ui.context import ScenarioContext


class SessionStorage(Protocol):
    """Where a session's changes go: a file (:class:`monitor.model.storage.FileStorage`) or
    a team store (:class:`monitor.store.TeamStore`, which has no ``path``: nothing on disk
    to watch, no lock, saving has nothing to do)."""

    read_only: Any
    user: str

    @property
    def journal_error(self) -> str: ...

    @property
    def protected(self) -> bool: ...

    def load(self) -> Scenario: ...

    def append_change(self, change: Change) -> Any: ...

    def save(self, scenario: Scenario, *, force: bool = False, path: Any = None) -> None: ...

    def changed_on_disk(self) -> bool: ...

    def pending_recovery(self, scenario: Scenario | None = None) -> Recovery | None: ...

    def discard_journal(self) -> None: ...

    def acquire_lock(self) -> LockInfo | None: ...

    def close(self) -> None: ...


def _refusal(storage: SessionStorage) -> str:
    """Why no change may be made at all ("" normally): a team store opened by a reader."""
    if getattr(storage, "kind", "file") == "team" and storage.read_only:
        return str(storage.read_only)
    return ""


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What a recovery did: ``recovered`` changes applied in order; ``problem`` says why the
    rest (``not_recovered``) could not be used ("" if none was left out)."""

    recovered: int
    not_recovered: int
    problem: str = ""

    def describe(self) -> str:
        text = f"Recovered {self.recovered} change{'s' if self.recovered != 1 else ''}."
        if self.not_recovered:
            text += (
                f" {self.not_recovered} change{'s were' if self.not_recovered != 1 else ' was'} "
                f"not recovered: {self.problem}."
            )
        return text


class Session(QObject):
    """Signals: ``disk_changed()`` — the file was changed on disk by someone else;
    ``protection_changed(str)`` — the journal stopped working (the reason) or works again ("")."""

    disk_changed = Signal()
    protection_changed = Signal(str)

    def __init__(
        self, ctx: ScenarioContext, storage: SessionStorage, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.storage = storage
        self._log = self._new_log()
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
        self._offered: Recovery | None = None
        self.last_error = ""  # why the last undo/redo could not be applied
        self.lock_holder: LockInfo | None = None if storage.read_only else storage.acquire_lock()
        self._watch()

    # -- editing ---------------------------------------------------------------------
    @property
    def log(self) -> ChangeLog:
        """The change log of the scenario now shown (a new one when the scenario is replaced)."""
        if self._log.scenario is not self.ctx.scenario:
            self._log = self._new_log()
        return self._log

    def _new_log(self) -> ChangeLog:
        # A team store derived the scenario by its own log: keep it (it knows every id).
        kept = getattr(self.storage, "changelog", None)
        if isinstance(kept, ChangeLog) and kept.scenario is self.ctx.scenario:
            return kept
        return ChangeLog(self.ctx.scenario)

    @property
    def author(self) -> str:
        return self.storage.user

    def push(self, change: Change) -> None:
        """Apply ``change`` as an undoable, journalled command. Raises ChangeError (and
        changes nothing) if the scenario's rules refuse it."""
        refusal = _refusal(self.storage)
        if refusal:
            raise ChangeError(refusal)
        change = change.stamped(change.author or self.author)
        if change.id in self.log:
            return  # already applied (a replayed or re-sent change): nothing to undo either
        self.log.check(change)
        self.undo_stack.push(ChangeCommand(self, change))

    def push_batch(self, changes: list[Change], label: str) -> None:
        """Apply many changes (an import) as one undoable, journalled command, all or
        nothing: raises ChangeError (and changes nothing) if the scenario's rules refuse
        any of them."""
        refusal = _refusal(self.storage)
        if refusal:
            raise ChangeError(refusal)
        changes = [c.stamped(c.author or self.author) for c in changes]
        self.apply_batch(changes)
        self.undo_stack.push(BatchCommand(self, changes, label))

    def apply_batch(self, changes: list[Change]) -> None:
        """Apply changes now in one batch (the batch command calls this); journal them with
        one write; tell the views once per kind of entity."""
        import gc

        paused = gc.isenabled()
        gc.disable()  # (no cycles among the many new objects; each collection walks them all)
        try:
            self.log.apply_batch(changes)
            was = self.storage.journal_error
            with contextlib.suppress(JournalError):
                append = getattr(self.storage, "append_changes", None)
                if append is not None:
                    append(changes)
                else:
                    for change in changes:
                        self.storage.append_change(change)
        finally:
            if paused:
                gc.enable()
        now = self.storage.journal_error
        if now != was:
            self.protection_changed.emit(now)
        touched: dict[str, set[str]] = {}
        for change in changes:
            touched.setdefault(change.entity, set()).add(change.key)
        for entity, keys in touched.items():
            if len(keys) == 1 or entity not in (EVENT, SOURCE, FACTION):
                for key in sorted(keys):
                    self.ctx.notify_changed(entity, key)
            else:
                self.ctx.notify_changed(entity, "")  # many: the views re-read them all

    def apply(self, change: Change) -> None:
        """Apply one change now (the undo commands call this); journal it; tell the views.
        Raises ChangeError if it does not fit (nothing changed then)."""
        if self.log.apply(change) is None:
            return
        was = self.storage.journal_error
        # On failure the edit stays in memory; the window says that changes are unprotected.
        with contextlib.suppress(JournalError):
            self.storage.append_change(change)
        now = self.storage.journal_error
        if now != was:
            self.protection_changed.emit(now)
        self.ctx.notify_changed(change.entity, change.key)

    @property
    def journal_error(self) -> str:
        """Why unsaved changes are not all on disk ("" when they are)."""
        return self.storage.journal_error

    @property
    def protected(self) -> bool:
        return self.storage.protected

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    # -- recovery --------------------------------------------------------------------------
    def pending_recovery(self) -> Recovery | None:
        """Unsaved changes of a session on this file that is no longer running (the oldest)."""
        if self._offered is not None:
            self._offered.release()
        self._offered = self.storage.pending_recovery(self.ctx.scenario)
        return self._offered

    def recover(self, recovery: Recovery) -> list[str]:
        """Replay a dead session's changes, in order, as one undoable step; stops at the
        first that does not fit. Returns what could not be recovered (empty: everything);
        :attr:`last_recovery` has the whole report."""
        applied = 0
        problem = ""
        self.undo_stack.beginMacro("Recover unsaved changes")
        try:
            for i, change in enumerate(recovery.changes):
                try:
                    self.push(change)
                except ChangeError as exc:
                    problem = (
                        f"change {i + 1} ({change.label or change.entity}) no longer fits: {exc}"
                    )
                    break
                applied += 1
        finally:
            self.undo_stack.endMacro()
        not_recovered = len(recovery.changes) - applied
        if recovery.problem:
            not_recovered += recovery.lost + 1
            problem = problem or f"{recovery.problem} ({recovery.lost} later line(s) not read)"
        self.last_recovery = RecoveryReport(applied, not_recovered, problem)
        # The recovered changes are in this session's journal now: the old one can go.
        if self.storage.protected:
            recovery.delete()
        else:
            recovery.release()
        self._offered = None
        return [problem] if problem else []

    last_recovery: RecoveryReport | None = None

    def discard_recovery(self, recovery: Recovery | None = None) -> None:
        """Delete a dead session's journal that the analyst chose not to recover (by default
        the one last offered). This session's own changes are not touched."""
        recovery = recovery or self._offered
        if recovery is not None:
            recovery.delete()
        if recovery is self._offered:
            self._offered = None

    def discard_changes(self) -> None:
        """The analyst discarded this session's unsaved changes: forget its journal."""
        self.storage.discard_journal()

    # -- saving ----------------------------------------------------------------------------
    def save(self, *, force: bool = False, path: str | Path | None = None) -> None:
        """Save (or Save As). Raises ConflictError if the file changed on disk (unless
        ``force``) and OSError if writing fails; in both cases nothing on disk changed and the
        edits stay unsaved in memory (and in the journal, if :attr:`protected`)."""
        if path is not None and getattr(self.storage, "path", None) is None:
            raise OSError(
                errno.EPERM,
                "a team store is not saved as a file here "
                "(write a copy with 'monitor store export DSN -o FILE')",
            )
        self._unwatch()
        try:
            self.storage.save(self.ctx.scenario, force=force, path=path)
        finally:
            self._watch()
        if path is not None:
            self.ctx.set_path(self.storage.path)
            self.lock_holder = self.storage.acquire_lock()
        self.undo_stack.setClean()
        self._disk_notified = False
        self.protection_changed.emit(self.storage.journal_error)

    def reload(self) -> Scenario:
        """Drop in-memory edits and load the file as it is on disk now (raises ScenarioError
        and changes nothing if the file cannot be loaded)."""
        scenario = self.storage.load()
        self.storage.discard_journal()
        self.undo_stack.clear()
        self._disk_notified = False
        self.ctx.replace_scenario(scenario, self.storage.path)
        return scenario

    def switch_storage(self, storage: SessionStorage) -> None:
        """Start editing another file (the old session must be closed first)."""
        self._unwatch()
        if self._offered is not None:
            self._offered.release()
            self._offered = None
        self.storage = storage
        self.undo_stack.clear()
        self._disk_notified = False
        self.lock_holder = None if storage.read_only else storage.acquire_lock()
        self._watch()

    def close(self, *, keep_journal: bool) -> None:
        if not keep_journal:
            self.storage.discard_journal()
        if self._offered is not None:
            self._offered.release()
            self._offered = None
        self.storage.close()
        self._unwatch()

    # -- watching -------------------------------------------------------------------------------
    def _watch(self) -> None:
        where = getattr(self.storage, "path", None)
        if where is None:
            return  # a team store: nothing on disk to watch
        path = str(where)
        if path not in self._watcher.files():
            self._watcher.addPath(path)
        folder = str(where.parent)
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
