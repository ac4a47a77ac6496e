"""One event added, replaced or removed, as the feed's table model follows it: which edit
it was, and the display order kept up to date by one insertion or deletion (numpy, no
re-sort of a million rows), and the table model's part that applies it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QModelIndex, Qt

from monitor.model import search
from monitor.model.entities import Verification
from monitor.ui.feed.columns import EventColumn, LabelColumn, StringColumn

REPLACE, ADD, REMOVE = "replace", "add", "remove"


@dataclass(frozen=True, slots=True)
class RowEdit:
    """``kind`` of edit and the row it touched: in the new frame for a replacement or an
    addition, in the old one for a removal."""

    kind: str
    position: int


def row_edit(table: Any, event_id: str, n_old: int, n_new: int, old_id_at: Any) -> RowEdit | None:
    """What happened to ``event_id`` between a frame of ``n_old`` rows and the table's
    frame of ``n_new`` (``old_id_at(i)``: the old frame's id at row i); None when it is
    not one event's edit that can be followed row by row (then everything is re-read)."""
    finder = getattr(table, "position", None)
    if not event_id or finder is None:
        return None
    now = finder(event_id)
    if n_new == n_old and now is not None and old_id_at(now) == event_id:
        return RowEdit(REPLACE, now)
    if n_new == n_old + 1 and now == n_old:  # (the table appends what it adds)
        return RowEdit(ADD, now)
    return None


def removed_row(
    table: Any, event_id: str, n_old: int, n_new: int, old_id_at: Any, old_position: Any
) -> RowEdit | None:
    """``event_id`` removed since the old frame, and its row there (the table says which
    row it removed last; else ``old_position(id)`` finds it)."""
    if not event_id or n_new != n_old - 1 or getattr(table, "position", None) is None:
        return None
    if table.position(event_id) is not None:
        return None
    last = getattr(table, "last_edit", None)
    if last is not None and last[1] == REMOVE and last[3] == event_id:
        at = last[2]
    else:
        at = old_position(event_id)
    if at is None or not 0 <= at < n_old or old_id_at(at) != event_id:
        return None
    return RowEdit(REMOVE, int(at))


def order_keys(time_ns: np.ndarray, order: np.ndarray, descending: bool) -> np.ndarray:
    """The time key of each place in ``order`` (ascending either way: newest first is the
    negated time)."""
    times = time_ns[order]
    return -times if descending else times


def insert_position(order: np.ndarray, keys: np.ndarray, position: int, key: int) -> int:
    """Where ``position`` (with time key ``key``) goes in ``order``: among equal keys, the
    positions ascend (the stable sort's file order)."""
    lo = int(np.searchsorted(keys, key, side="left"))
    hi = int(np.searchsorted(keys, key, side="right"))
    if lo == hi:
        return lo
    return lo + int(np.searchsorted(order[lo:hi], position))


def place_of(order: np.ndarray, keys: np.ndarray, position: int, key: int) -> int:
    """Where ``position`` is in ``order`` (its time key ``key``): a binary search."""
    lo = int(np.searchsorted(keys, key, side="left"))
    hi = int(np.searchsorted(keys, key, side="right"))
    hits = np.flatnonzero(order[lo:hi] == position)
    if len(hits):
        return lo + int(hits[0])
    return int(np.flatnonzero(order == position)[0])  # (keys out of date: the slow way)


def shifted_after_removal(order: np.ndarray, position: int, at: int | None = None) -> np.ndarray:
    """``order`` without ``position`` (at index ``at`` if known), later positions one less
    (their rows moved up)."""
    if at is None or not (0 <= at < len(order) and order[at] == position):
        at = int(np.flatnonzero(order == position)[0])
    out = np.delete(order, at)  # (a slice copy, not a boolean mask over a million)
    out -= out > position
    return out


class RowFollowing:
    """The feed's table model following one event's edit (mixed into
    :class:`monitor.ui.feed.model.EventTableModel`, whose state it updates)."""

    # (Set by the model; declared for the type checker.)
    _ctx: Any
    _frame: pd.DataFrame

    def _on_ctx_events_changed(self, event_id: str) -> None:
        # One event added, edited or deleted, sorted by time: followed row by row (one row
        # inserted, changed or removed; the order kept by one insertion). Else the rows are
        # read again from the event table's frame (the panel re-applies its filter right
        # after); sorted by time and no time changed: the order stands.
        frame = self._ctx.events_frame
        table = self._ctx.scenario.events
        n_new = len(frame)
        old_id = self._ids.__getitem__
        edit = row_edit(table, event_id, self._n, n_new, old_id) or removed_row(
            table, event_id, self._n, n_new, old_id, self.position_of_old_id
        )
        if edit is not None and self._sort_column == EventColumn.TIME and frame is not self._frame:
            self._follow(frame, edit)
            return
        time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        if (
            self._sort_column == EventColumn.TIME
            and n_new == self._n
            and np.array_equal(time_ns, self._time_basis)
        ):
            order, rank = self._order, self._rank
            self.beginResetModel()
            self._load(order=order)
            self._rank = rank
            self.endResetModel()
            return
        self.reload()

    def position_of_old_id(self, event_id: str) -> int | None:
        """Row of ``event_id`` in the frame the model shows (before it follows an edit)."""
        if self._id_index is None:
            self._id_index = pd.Index(self._frame["id"])
        try:
            loc = self._id_index.get_loc(event_id)
        except KeyError:
            return None
        return int(loc) if isinstance(loc, (int, np.integer)) else None

    def _follow(self, frame: pd.DataFrame, edit: RowEdit) -> None:
        """Take one event's edit from ``frame`` without re-reading a million rows."""
        p, kind = edit.position, edit.kind
        old_frame = self._frame
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        sign = -1 if descending else 1
        keys = self._order_keys
        if keys is None or len(keys) != len(self._order):
            keys = order_keys(self._time_basis, self._order, descending)
        order, basis = self._order, self._time_basis
        new_time = int(frame["time_ns"].iat[p]) if kind != REMOVE else 0
        if kind == REPLACE and new_time != int(basis[p]):
            i = place_of(order, keys, p, sign * int(basis[p]))
            order, keys = np.delete(order, i), np.delete(keys, i)
            basis = basis.copy()
            basis[p] = new_time
        elif kind == REMOVE:
            i = place_of(order, keys, p, sign * int(basis[p]))
            keys = np.delete(keys, i)
            order = shifted_after_removal(order, p, i)
            basis = np.delete(basis, p)
        if kind == ADD:
            basis = np.append(basis, new_time)
        if kind == ADD or (kind == REPLACE and order is not self._order):
            i = insert_position(order, keys, p, sign * new_time)
            order, keys = np.insert(order, i, p), np.insert(keys, i, sign * new_time)
        matches = self._matches
        if matches is not None and kind != REPLACE:  # (the panel sets the filter's result next)
            matches = np.delete(matches, p) if kind == REMOVE else np.append(matches, False)
        old_rows = self._rows
        old_row = self.row_of_position(p) if kind == REMOVE else -1
        # The frame's columns, without re-reading them (the row's texts are read when shown).
        self._superseded, self._frame, self._n = old_frame, frame, len(frame)
        self._read_columns(frame, p, kind)
        self._time_basis, self._matches = basis, matches
        self._cells.pop(p, None) if kind == REPLACE else self._cells.clear()
        if kind != REPLACE:
            self._id_index = None
        moved = order is not self._order
        self._order, self._order_keys = order, keys
        if moved:
            self._rank, self._base_keys = None, None
            self._base = self._matching(order)
        rows, span = self._visible_rows()
        root = QModelIndex()
        if kind == REMOVE and old_row >= 0 and len(rows) == len(old_rows) - 1:
            self.beginRemoveRows(root, old_row, old_row)
            self._rows, self._span = rows, span
            self.endRemoveRows()
        elif kind == ADD and len(rows) == len(old_rows) + 1:
            row = self.row_of_position(p, rows)
            self.beginInsertRows(root, row, row)
            self._rows, self._span = rows, span
            self.endInsertRows()
        elif kind == REPLACE and not moved:
            self._rows, self._span = rows, span
            if rows is order:  # every event shown, in time order: found by binary search
                row = place_of(order, keys, p, sign * int(basis[p]))
            else:
                row = self.row_of_position(p)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(EventColumn) - 1))
        elif (kind == REMOVE and old_row < 0 and len(rows) == len(old_rows)) or (
            len(rows) == len(old_rows) and np.array_equal(rows, old_rows)
        ):  # the same events shown (a hidden one removed: the others' positions moved up)
            self._rows, self._span = rows, span
        else:  # moved in time (or shown / hidden by the cursor): the rows anew, cheaply
            self.beginResetModel()
            self._rows, self._span = rows, span
            self.endResetModel()
        indexed = self._index_search and self._n >= search.MIN_INDEXED_ROWS
        if indexed and not search.follow_edit(frame, old_frame, kind, p):
            search.start_index(frame, supersedes=old_frame)

    def _read_columns(self, frame: pd.DataFrame, p: int, kind: str) -> None:
        """The model's columns from ``frame``, one event's edit (``kind`` at ``p``) since."""
        self._time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        self._day = frame["day"].to_numpy(dtype=bool)
        self._lat = frame["lat"].to_numpy(dtype=float)
        self._lon = frame["lon"].to_numpy(dtype=float)
        self._credibility = frame["credibility"].to_numpy()
        self._ids = StringColumn.of(frame["id"], self._ids)
        self._titles = StringColumn.of(frame["title"], self._titles)
        self._actors = StringColumn.of(frame["actors"], self._actors)
        self._locations = StringColumn.of(frame["location"], self._locations)
        self._grades = StringColumn.of(frame["grade"], self._grades)
        self._categories = _edited_labels(self._categories, frame["category"], p, kind)
        self._reliability = _edited_labels(self._reliability, frame["reliability"], p, kind)
        verif = frame["verification"]
        states = [*(Verification(c) for c in verif.cat.categories), None]
        if states != self._verif_states:
            self._verif_states = states
            self._sort_keys.pop(EventColumn.VERIFICATION, None)
        self._verif_codes = np.asarray(verif.array.codes)  # (a view: no copy of a million)
        self._sort_keys = {k: v for k, v in self._sort_keys.items() if k == EventColumn.TIME}
        self._sort_keys[EventColumn.TIME] = self._time_ns


def _edited_labels(labels: LabelColumn, values: pd.Series, p: int, kind: str) -> LabelColumn:
    """``labels`` after one row's edit, its codes patched when the categories stand."""
    cat = values.array  # (the Categorical: its codes without a copy)
    if [str(c) for c in cat.categories] != labels.categories:
        return LabelColumn(values)
    code = int(cat.codes[p]) if kind != REMOVE else 0
    if kind == REPLACE:
        labels.codes[p] = code
    elif kind == ADD:
        labels.codes = np.append(labels.codes, code)
    else:
        labels.codes = np.delete(labels.codes, p)
    return labels


__all__ = [
    "ADD",
    "REMOVE",
    "REPLACE",
    "RowEdit",
    "RowFollowing",
    "insert_position",
    "order_keys",
    "place_of",
    "removed_row",
    "row_edit",
    "shifted_after_removal",
]
