"""Undo commands: the only way the UI changes a scenario.

Each command wraps one :class:`~monitor.model.changes.Change`. Redo applies it (the first
time) or the same edit again as a new change; undo applies its inverse, also a new change:
the change log only grows, as a shared log must. Nothing raised while applying ever leaves
``redo``/``undo`` (an exception inside a Qt virtual aborts the process): a change that no
longer fits marks the command obsolete and says why in the session's ``last_error``.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand

from monitor.model.changes import Change


class Applier(Protocol):
    """What a command needs from the session (:class:`monitor.ui.session.Session`)."""

    author: str
    last_error: str

    def apply(self, change: Change) -> None: ...


class ChangeCommand(QUndoCommand):
    """Apply a :class:`Change` (redo) or its inverse (undo) through the session."""

    def __init__(self, session: Applier, change: Change):
        label = change.label or "Edit"
        # Before the newline: the Undo History entry (text()); after it: the menu text
        # (actionText(), "Undo …", with '&' doubled so data never becomes a mnemonic).
        super().__init__(f"{label}\n{label.replace('&', '&&')}")
        self._session = session
        self.change = change  # the edit as first recorded
        self._last: Change | None = None  # the forward change applied most recently

    def _run(self, change: Change) -> bool:
        try:
            self._session.apply(change)
        except Exception as exc:
            self._session.last_error = f"{change.label or 'Edit'}: {exc}"
            return False
        self._session.last_error = ""
        return True

    def redo(self) -> None:
        change = self.change if self._last is None else self._last.again(self._session.author)
        if self._run(change):
            self._last = change
        else:
            self.setObsolete(True)

    def undo(self) -> None:
        if self._last is None:
            return
        if not self._run(self._last.inverse(self._session.author)):
            self.setObsolete(True)


class BatchApplier(Protocol):
    """What a batch command needs from the session."""

    author: str
    last_error: str

    def apply_batch(self, changes: list[Change]) -> None: ...


class BatchCommand(QUndoCommand):
    """Many changes as one undoable step (an import): redo applies them all (the first time
    they were applied already, by :meth:`Session.push_batch`), undo their inverses in
    reverse order; each all or nothing."""

    def __init__(self, session: BatchApplier, changes: list[Change], label: str):
        super().__init__(f"{label}\n{label.replace('&', '&&')}")
        self._session = session
        self.changes = changes  # the forward changes applied most recently
        self._applied = True

    def _run(self, changes: list[Change]) -> bool:
        try:
            self._session.apply_batch(changes)
        except Exception as exc:
            self._session.last_error = f"{self.text()}: {exc}"
            return False
        self._session.last_error = ""
        return True

    def redo(self) -> None:
        if self._applied:
            return  # pushed after being applied
        again = [c.again(self._session.author) for c in self.changes]
        if self._run(again):
            self.changes = again
            self._applied = True
        else:
            self.setObsolete(True)

    def undo(self) -> None:
        if not self._applied:
            return
        author = self._session.author
        if self._run([c.inverse(author) for c in reversed(self.changes)]):
            self._applied = False
        else:
            self.setObsolete(True)
