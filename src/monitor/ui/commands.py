"""Undo commands: the only way the UI changes a scenario.

Each command wraps one pure :class:`~monitor.model.changes.Change`; redo applies
it, undo applies its inverse. Both are journalled at once (crash recovery) and
announced through the context so every view updates.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from monitor.model.changes import EXTRA, HISTORY, Change, apply_change
from monitor.ui.context import ScenarioContext

Journal = Callable[[Change], None]


class ChangeCommand(QUndoCommand):
    """Apply a :class:`Change` (redo) or its inverse (undo)."""

    def __init__(self, ctx: ScenarioContext, change: Change, journal: Journal | None = None):
        label = change.label or "Edit"
        # Before the newline: the Undo History entry (text()); after it: the menu text
        # (actionText(), "Undo …", with '&' doubled so data never becomes a mnemonic).
        super().__init__(f"{label}\n{label.replace('&', '&&')}")
        self._ctx = ctx
        self.change = change
        self._journal = journal

    def _do(self, change: Change) -> None:
        apply_change(self._ctx.scenario, change)
        if self._journal is not None:
            self._journal(change)
        if change.kind == HISTORY:
            self._ctx.notify_crossing_changed(change.target)
        elif change.kind == EXTRA:
            self._ctx.notify_extra_changed(change.target)

    def redo(self) -> None:
        self._do(self.change)

    def undo(self) -> None:
        self._do(self.change.inverse())


class ToggleCrossingCommand(ChangeCommand):
    """A status change recorded by the analyst (toggle or explicit status)."""


class EditEntryCommand(ChangeCommand):
    """An edit to, or deletion of, one history entry."""


class SetExtraCommand(ChangeCommand):
    """A scenario-level text such as the key judgements."""
