"""Status history / audit view: every change of the selected crossing (or of all crossings).

Edits (effective time, status, note) and deletions are requested through a
``push`` callback that turns them into undoable commands; the panel itself
never mutates the scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from monitor.model import Crossing, CrossingStatus, Moment, StatusEntry
from monitor.model.changes import Change, ChangeError, delete_entry, edit_entry
from monitor.model.text import isolate_if_needed
from monitor.model.timeutil import MAX_YEAR, MIN_YEAR
from monitor.ui.cellcache import CachedCellDelegate, hashable
from monitor.ui.context import ScenarioContext
from monitor.ui.datefield import DateTimeField
from monitor.ui.history_columns import HistoryColumn, HistoryColumns
from monitor.ui.text import plain_tooltip

Push = Callable[[Change], None]
_Index = QModelIndex | QPersistentModelIndex


_HEADERS = {
    HistoryColumn.CROSSING: "Crossing",
    HistoryColumn.TIME: "Effective",
    HistoryColumn.CHANGE: "Change",
    HistoryColumn.NOTE: "Note",
    HistoryColumn.SOURCES: "Sources",
    HistoryColumn.BY: "By",
    HistoryColumn.RECORDED: "Recorded",
    HistoryColumn.FLAGS: "Check",
}

EntryRole = Qt.ItemDataRole.UserRole + 1


_ROOT = QModelIndex()  # the invalid index: the model's root (a default that is never mutated)


class HistoryTableModel(QAbstractTableModel):
    """Rows are (crossing, entry) pairs, newest effective time first.

    ``refused(str)``: an edit was not taken (the reason, for the status bar)."""

    refused = Signal(str)

    def __init__(self, ctx: ScenarioContext, push: Push, parent: Any = None):
        super().__init__(parent)
        self._ctx = ctx
        self._push = push
        self._rows: list[tuple[Crossing, StatusEntry, StatusEntry | None]] = []
        # Per crossing shown: its history as shown, and its place in the scenario's order.
        self._shown: dict[str, tuple[StatusEntry, ...]] = {}
        self._order: dict[str, int] = {}
        self._flagged = 0  # rows without a note or a source
        self.crossing_id = ""
        self.all_crossings = False

    def refresh(self) -> None:
        self.beginResetModel()
        rows = []
        crossings = (
            self._ctx.scenario.crossings
            if self.all_crossings
            else [c for c in self._ctx.scenario.crossings if c.id == self.crossing_id]
        )
        for c in crossings:
            timeline = c.timeline()
            for i, e in enumerate(timeline):
                rows.append((c, e, timeline[i - 1] if i else None))
        rows.sort(key=lambda r: r[1].sort_key(), reverse=True)
        self._rows = rows
        self._shown = {c.id: c.history for c in crossings}
        self._order = {c.id: i for i, c in enumerate(crossings)}
        self._flagged = sum(1 for _c, e, _p in rows if _flagged(e))
        self.endResetModel()

    def add_entry(self, crossing: Crossing) -> bool:
        """A shown crossing got one entry more (a toggle): insert its row, no reset (the
        list of a long history, or of every crossing's, is not rebuilt). False if it is not
        that simple: the caller refreshes."""
        old, history = self._shown.get(crossing.id), crossing.history
        if old is None or (not self.all_crossings and crossing.id != self.crossing_id):
            return False
        entry = _one_inserted(old, history)
        if entry is None:
            return False
        timeline = crossing.timeline()
        at = next((i for i in range(len(timeline) - 1, -1, -1) if timeline[i] is entry), None)
        if at is None:
            return False
        before = timeline[at - 1] if at else None
        after = timeline[at + 1] if at + 1 < len(timeline) else None
        # Newest first; equal keys keep the order refresh() gives them (crossing after
        # crossing, each in timeline order): below the rows whose keys are greater, and
        # below the equal ones of this crossing and of those before it.
        key, rows = entry.sort_key(), self._rows
        lo, hi = 0, len(rows)
        while lo < hi:  # (a binary search of a list sorted in descending order)
            mid = (lo + hi) // 2
            if rows[mid][1].sort_key() >= key:
                lo = mid + 1
            else:
                hi = mid
        pos, order = lo, self._order
        mine = order[crossing.id]
        while pos and rows[pos - 1][1].sort_key() == key and order[rows[pos - 1][0].id] > mine:
            pos -= 1
        # The change after it in time now follows the new entry: its row, above.
        follower = None
        if after is not None:
            follower = next((r for r in range(pos - 1, -1, -1) if rows[r][1] is after), None)
            if follower is None:
                return False
        self.beginInsertRows(QModelIndex(), pos, pos)
        rows.insert(pos, (crossing, entry, before))
        self.endInsertRows()
        if follower is not None:
            c, e, _ = rows[follower]
            rows[follower] = (c, e, entry)
            last = len(HistoryColumn) - 1
            self.dataChanged.emit(self.index(follower, 0), self.index(follower, last))
        self._shown[crossing.id] = history
        self._flagged += _flagged(entry)
        return True

    def flagged_count(self) -> int:
        """How many rows lack a note or a source."""
        return self._flagged

    def entry_at(self, row: int) -> tuple[Crossing, StatusEntry]:
        c, e, _ = self._rows[row]
        return c, e

    # -- Qt overrides ------------------------------------------------------------------
    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(HistoryColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[HistoryColumn(section)]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() in (
            HistoryColumn.TIME,
            HistoryColumn.CHANGE,
            HistoryColumn.NOTE,
        ):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c, e, prev = self._rows[index.row()]
        col = HistoryColumn(index.column())
        scenario = self._ctx.scenario
        marks = self._ctx.marks  # (a team store's "concurrent" entries)
        mark = marks.entry(c.id, e) if marks is not None else ""
        flags = [*_flags(e), mark] if mark else _flags(e)
        if role == EntryRole:
            return e
        if role == Qt.ItemDataRole.DisplayRole:
            if col == HistoryColumn.CROSSING:
                return c.name
            if col == HistoryColumn.TIME:
                return self._ctx.format_moment(e.time)
            if col == HistoryColumn.CHANGE:
                before = prev.status.value if prev else "unknown"
                return f"{before} → {e.status.value}"
            if col == HistoryColumn.NOTE:
                return e.note or ""
            if col == HistoryColumn.SOURCES:  # each title isolated: it cannot reorder the next
                return "; ".join(
                    isolate_if_needed(scenario.source(s).title if scenario.source(s) else s)
                    for s in e.source_ids
                )
            if col == HistoryColumn.BY:
                return e.by or ""
            if col == HistoryColumn.RECORDED:
                return self._ctx.format_moment(e.recorded_at) if e.recorded_at else ""
            if col == HistoryColumn.FLAGS:
                return ", ".join(flags) or "ok"
        if role == Qt.ItemDataRole.EditRole:
            if col == HistoryColumn.TIME:
                local = e.time.instant.astimezone(self._ctx.tz)
                return QDateTime(
                    local.year, local.month, local.day, local.hour, local.minute, local.second
                )
            if col == HistoryColumn.CHANGE:
                return e.status.value
            if col == HistoryColumn.NOTE:
                return e.note or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                f"{isolate_if_needed(c.name)}: {e.status.value}",
                f"Effective: {self._ctx.format_moment(e.time)}",
            ]
            if e.note:
                lines.append(f"Note: {isolate_if_needed(e.note)}")
            # What columns hidden in a narrow dock hold, too.
            sources = self.data(index.siblingAtColumn(HistoryColumn.SOURCES))
            if sources:
                lines.append(f"Sources: {sources}")
            if e.by:
                lines.append(f"By: {isolate_if_needed(e.by)}")
            if e.recorded_at:
                lines.append(f"Recorded: {self._ctx.format_moment(e.recorded_at)}")
            if flags:
                lines.append("Check: " + ", ".join(flags))
            return plain_tooltip("\n".join(lines))
        if role == Qt.ItemDataRole.ForegroundRole and col == HistoryColumn.FLAGS and flags:
            return QBrush(QColor("#b26a00"))
        if role == Qt.ItemDataRole.FontRole and col == HistoryColumn.FLAGS and flags:
            f = QFont()
            f.setBold(True)
            return f
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        c, e, _ = self._rows[index.row()]
        col = HistoryColumn(index.column())
        if col == HistoryColumn.NOTE:
            note = str(value).strip() or None
            if note == e.note:
                return False
            return self._apply(edit_entry(c.name, c.id, e, note=note))
        elif col == HistoryColumn.CHANGE:
            try:
                status = CrossingStatus(str(value))
            except ValueError:
                return False
            if status == e.status:
                return False
            return self._apply(edit_entry(c.name, c.id, e, status=status))
        elif col == HistoryColumn.TIME:
            if not isinstance(value, QDateTime) or not value.isValid():
                return False
            d, t = value.date(), value.time()
            when = datetime(
                d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), tzinfo=self._ctx.tz
            )
            if not e.time.day and when == e.time.instant:
                return False
            try:  # a time outside the supported years is refused
                change = edit_entry(c.name, c.id, e, time=Moment(when, False))
            except ChangeError:
                return False
            return self._apply(change)
        else:
            return False
        return True

    def paint_values(self, row: int, col: int) -> tuple | None:
        """What cell (``row``, ``col``) shows when painted, in one call (the view's delegate
        keeps each cell's picture, see :mod:`monitor.ui.cellcache`): its text, colour and
        font (no icon, background, alignment or check box in this table)."""
        if not (0 <= row < len(self._rows) and 0 <= col < len(HistoryColumn)):
            return None
        index = self.index(row, col)
        try:
            return (
                self.data(index, Qt.ItemDataRole.DisplayRole),
                hashable(self.data(index, Qt.ItemDataRole.ForegroundRole)),
                hashable(self.data(index, Qt.ItemDataRole.FontRole)),
            )
        except TypeError:
            return None

    def _apply(self, change: Change) -> bool:
        """Push ``change``; a change the scenario's rules refuse is not an error here (Qt
        called us: nothing may propagate) — the edit is simply not taken."""
        try:
            self._push(change)
        except ChangeError as exc:
            self.refused.emit(str(exc))
            return False
        return True


def _one_inserted(old: tuple, new: tuple) -> StatusEntry | None:
    """The entry ``new`` holds beyond ``old`` when it is ``old`` with one entry inserted
    (the same entry objects around it; appended, or placed by its time), else None."""
    if len(new) != len(old) + 1:
        return None
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a is not b), len(old))
    if any(a is not b for a, b in zip(old[at:], new[at + 1 :], strict=True)):
        return None
    return new[at]


def _flagged(e: StatusEntry) -> bool:
    return not e.note or not e.source_ids


def _flags(e: StatusEntry) -> list[str]:
    out = []
    if not e.note:
        out.append("no note")
    if not e.source_ids:
        out.append("no source")
    return out


class _HistoryDelegate(CachedCellDelegate):
    """Date-time editor for the effective time (typed text taken as typed, see
    DateTimeField), a status combo for the change; cells painted from kept pictures (a
    toggle inserts a row: every row below moves, none changes)."""

    def __init__(self, model: HistoryTableModel, parent: QWidget | None = None):
        super().__init__(lambda index: model.paint_values(index.row(), index.column()), parent)

    def createEditor(self, parent: QWidget, option: Any, index: QModelIndex) -> QWidget:
        if index.column() == HistoryColumn.TIME:
            edit = DateTimeField(parent, with_time=True)
            edit.setMinimumDateTime(QDateTime(QDate(MIN_YEAR, 1, 1), QTime(0, 0)))
            edit.setMaximumDateTime(QDateTime(QDate(MAX_YEAR, 12, 31), QTime(23, 59)))
            edit.setMaximumWidth(16_777_215)  # the cell's width
            return edit
        if index.column() == HistoryColumn.CHANGE:
            combo = QComboBox(parent)
            combo.addItems([s.value for s in CrossingStatus])
            return combo
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, DateTimeField):
            editor.setDateTime(value)
            editor.selectAll()  # typing replaces it
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: QModelIndex) -> None:
        if isinstance(editor, DateTimeField):
            editor.commit()  # the typed text, if not read yet
            if editor.reason:
                model.refused.emit(f"Effective time not changed: {editor.reason}")
                return
            model.setData(index, editor.dateTime(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


class HistoryPanel(QWidget):
    """Audit trail of crossing status changes with undoable edits."""

    def __init__(self, ctx: ScenarioContext, push: Push, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._push = push
        self.model = HistoryTableModel(ctx, push, self)
        self.title_label = QLabel()
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setWordWrap(True)  # a long crossing name wraps: the dock may be narrow
        self.all_check = QCheckBox("All crossings")
        self.all_check.setToolTip("Show the status changes of every crossing (session audit)")
        self.all_check.toggled.connect(self._on_all_toggled)
        self.delete_button = QPushButton("Delete entry")
        self.delete_button.setToolTip("Delete the selected (mistaken) history entry — undoable")
        self.delete_button.clicked.connect(self.delete_selected)

        self.view = QTableView(self)
        self.view.setObjectName("historyView")
        self.view.setAccessibleName("Status history")
        self.view.setModel(self.model)
        self.view.setItemDelegate(_HistoryDelegate(self.model, self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(HistoryColumn.NOTE, QHeaderView.ResizeMode.Stretch)
        self.columns = HistoryColumns(self.view)

        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.all_check)
        top.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view)
        # Why an edit was not taken (a refused time, a rule of the file), until the next one.
        self.refusal_label = QLabel(self)
        self.refusal_label.setObjectName("historyRefusal")
        self.refusal_label.setTextFormat(Qt.TextFormat.PlainText)
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setStyleSheet("color: #c62828;")
        self.refusal_label.hide()
        layout.addWidget(self.refusal_label)
        self.model.refused.connect(self._show_refusal)
        self.model.modelReset.connect(self.refusal_label.hide)

        ctx.crossing_selected.connect(self._on_ctx_crossing_selected)
        ctx.crossing_changed.connect(self._on_ctx_crossing_changed)
        ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)  # (bound: dropped with it)
        ctx.display_changed.connect(self.refresh)
        self._on_ctx_crossing_selected(ctx.selected_crossing)

    def _on_all_toggled(self, on: bool) -> None:
        self.model.all_crossings = on
        self.refresh()

    def _on_ctx_crossing_changed(self, crossing_id: str) -> None:
        if self.model.all_crossings or crossing_id == self.model.crossing_id:
            crossing = self._ctx.scenario.crossing(crossing_id)
            if crossing is not None and self.model.add_entry(crossing):
                self._update_title()  # one row inserted (a toggle): no rebuild
            else:
                self.refresh()  # another crossing's change does not show here

    def _on_ctx_scenario_replaced(self) -> None:
        self.model.crossing_id = ""
        self.refresh()

    def _on_ctx_crossing_selected(self, crossing_id: str) -> None:
        self.model.crossing_id = crossing_id
        if self.model.all_crossings:
            return  # every crossing's changes are shown already (not rebuilt per selection)
        self.refresh()

    def refresh(self) -> None:
        self.model.refresh()
        self._update_title()

    def _show_refusal(self, reason: str) -> None:
        self.refusal_label.setText(reason)
        self.refusal_label.show()

    def _update_title(self) -> None:
        if self.model.all_crossings:
            text = "Status changes of all crossings"
        else:
            c = self._ctx.scenario.crossing(self.model.crossing_id)
            text = (
                f"Status history: {c.name}" if c else "Select a crossing to see its status history"
            )
        flagged = self.model.flagged_count()
        if flagged:
            text += f"  ({flagged} without note or source)"
        self.title_label.setText(text)
        # Refitted for another crossing or time style, not for each toggle (a long history
        # would be measured again every time).
        self.columns.all_crossings = self.model.all_crossings
        self.columns.follow(
            (self.model.all_crossings, self.model.crossing_id, self._ctx.military_time)
        )
        self.delete_button.setEnabled(self.model.rowCount() > 0)

    def delete_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return
        c, e = self.model.entry_at(rows[0].row())
        try:
            self._push(delete_entry(c.name, c.id, e, history=c.history))
        except ChangeError as exc:
            self.model.refused.emit(str(exc))
