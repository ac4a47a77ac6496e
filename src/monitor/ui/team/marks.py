"""The "concurrent" marks: changes the team store flagged as made on an outdated view.

Both analysts' changes are kept (no lock, nothing is refused); the row of the crossing
and the audit panel's entry say "concurrent" so that an analyst can resolve it with a new
entry. The marks reach the panels through the shared context (``ctx.marks``, read by the
crossings table's tooltips and the audit panel's Check column): panels never hear of the
team package.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from monitor.model.changes import CROSSING, STATUS, Change
from monitor.model.entities import Moment
from monitor.model.text import isolate_if_needed
from monitor.model.writer import status_entry_json

if TYPE_CHECKING:
    from monitor.store.connection import LogEntry
    from monitor.store.team import TeamStore

WORD = "concurrent"


def _entry_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


class ConcurrentMarks(QObject):
    """The concurrent changes of the store shown in ``ctx`` (installed as ``ctx.marks``)."""

    def __init__(self, ctx: Any, parent: QObject | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._by_crossing: dict[str, list[Change]] = {}  # not resolved yet (the row's mark)
        self._entries: dict[str, Change] = {}  # status entry JSON -> the change that made it
        self._ids: set[str] = set()
        self._marked: set[str] = set()  # crossings with a concurrent entry, resolved or not
        self._icon: QIcon | None = None
        ctx.marks = self

    def clear(self) -> None:
        self._by_crossing.clear()
        self._marked.clear()
        self._entries.clear()
        self._ids.clear()
        if getattr(self._ctx, "marks", None) is self:
            self._ctx.marks = None

    def load_from(self, store: TeamStore) -> None:
        """The changes flagged when the store was loaded."""
        log = store.changelog
        if log is None or not store.concurrent:
            return
        for change in log.entries:  # (in the log's order)
            if change.id in store.concurrent:
                self.add_change(change)
            else:
                self.resolve(change)

    def add(self, entry: LogEntry) -> bool:
        """Mark one log entry; True if it was not marked before."""
        return self.add_change(entry.change)

    def add_change(self, change: Change) -> bool:
        if change.id in self._ids or change.entity not in (STATUS, CROSSING):
            return False
        self._ids.add(change.id)
        self._by_crossing.setdefault(change.key, []).append(change)
        self._marked.add(change.key)
        if change.entity == STATUS and change.after is not None:
            self._entries[_entry_key(change.after)] = change
        return True

    def resolve(self, change: Change) -> bool:
        """A later change to a marked crossing, made on a view that held the concurrent one
        (a new entry): the row's mark goes (the audit panel's entry keeps its mark).
        True if a mark went."""
        if change.id in self._ids or change.entity not in (STATUS, CROSSING):
            return False
        return self._by_crossing.pop(change.key, None) is not None

    def __len__(self) -> int:
        return len(self._ids)

    # -- what the panels ask ---------------------------------------------------------------
    def crossing(self, crossing_id: str) -> str:
        """A line for the crossing's row ("" if none of its changes is concurrent)."""
        changes = self._by_crossing.get(crossing_id)
        if not changes:
            return ""
        last = changes[-1]
        more = f" (and {len(changes) - 1} more)" if len(changes) > 1 else ""
        return (
            f"⚠ {WORD}: {isolate_if_needed(last.author or 'someone')} changed it at "
            f"{self._when(last.recorded)} on an outdated view{more}; both changes are kept — "
            "resolve with a new entry"
        )

    def entry(self, crossing_id: str, entry: Any) -> str:
        """``"concurrent"`` for a status entry made by a concurrent change, else ""."""
        if crossing_id not in self._marked:
            return ""
        try:
            key = _entry_key(status_entry_json(entry))
        except Exception:
            return ""
        return WORD if key in self._entries else ""

    def icon(self) -> QIcon:
        """The marker on a crossing's row (a warning sign; the tooltip says what it means)."""
        if self._icon is None:
            style = QApplication.style()
            self._icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._icon

    def _when(self, recorded: str) -> str:
        try:
            return str(self._ctx.format_moment(Moment(datetime.fromisoformat(recorded), False)))
        except (ValueError, TypeError):
            return recorded
