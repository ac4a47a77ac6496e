"""Read-only table model for the event feed: a window of row positions over the events frame.

The model never copies events into Qt items, nor the frame's text into Python
strings: it reads the frame's Arrow-backed columns for the rows on screen
only (their cell texts are cached per row) and keeps an array ``rows`` of
frame positions in display order. Filtering (a mask from the panel) and
sorting (numpy ``argsort``/``lexsort``, here) only replace that array, so
1M events stay fast. Moving the "as of" cursor changes no rows unless future
events are hidden; then, in time order, the shown rows are a slice of the
sorted matches found by binary search, and the view gets rows inserted or
removed at one end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from monitor.model import search
from monitor.model.entities import Event, Moment, Verification
from monitor.model.frames import to_ns
from monitor.model.text import needs_isolation
from monitor.model.timeutil import format_moment, format_utc
from monitor.ui.feed.columns import (
    FUTURE_NOTE,
    HEADER_TIPS,
    MAX_CELL_CHARS,
    MAX_TOOLTIP_CHARS,
    VERIFICATION_COLOR,
    VERIFICATION_LABEL,
    VERIFICATION_MEANING,
    VERIFICATION_ORDER,
    CellStyle,
    EventColumn,
    EventIdRole,
    LabelColumn,
    StringColumn,
    cut,
    grade_meaning,
    isolate,
)
from monitor.ui.feed.edits import RowFollowing
from monitor.ui.text import plain_tooltip

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext

# data() runs for every cell and role on each paint: plain ints compare fastest.
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_DECORATION = Qt.ItemDataRole.DecorationRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_FONT = Qt.ItemDataRole.FontRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_EVENT_ID = int(EventIdRole)
_N_COLUMNS = len(EventColumn)
_VERIFICATION_COLUMN = EventColumn.VERIFICATION.value
_GRADE_COLUMN = EventColumn.GRADE.value
_CENTER = int(Qt.AlignmentFlag.AlignCenter.value)
_CELL_CACHE_ROWS = 4096  # rows whose cell texts are kept (a screenful is ~50)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EventTableModel(RowFollowing, QAbstractTableModel):
    """Read-only table model for event feed rows over ``ctx.events_frame``.

    ``rows`` holds frame positions (row i of the frame is ``scenario.events[i]``)
    in display order. Default order: newest first. Events after the context's
    "as of" time are greyed, or left out when ``ctx.hide_future`` is on.
    """

    def __init__(
        self, ctx: ScenarioContext, parent: QObject | None = None, *, index_search: bool = True
    ):
        super().__init__(parent)
        self._ctx = ctx
        # False: the search index waits for start_search_index() (the feed calls it once
        # painted: a thread building it would slow the window's construction and first paint).
        self._index_search = index_search
        self._sort_column = EventColumn.TIME
        self._sort_order = Qt.SortOrder.DescendingOrder
        self._style = CellStyle()
        self._flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
        self._load()
        ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        ctx.events_changed.connect(self._on_ctx_events_changed)
        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.display_changed.connect(self._on_ctx_display_changed)

    # -- data loading ---------------------------------------------------------------
    def _load(self, order: np.ndarray | None = None) -> None:
        frame = self._ctx.events_frame
        self._superseded = getattr(self, "_frame", None)
        self._frame = frame
        n = len(frame)
        self._n = n
        # Numbers as numpy arrays (no copies for most); text read per shown row.
        self._time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        self._time_basis = self._time_ns.copy()  # what the order is made of (edits are in place)
        self._day = frame["day"].to_numpy(dtype=bool)
        self._lat = frame["lat"].to_numpy(dtype=float)
        self._lon = frame["lon"].to_numpy(dtype=float)
        self._credibility = frame["credibility"].to_numpy()  # (int8: no copy)
        self._ids = StringColumn(frame["id"])
        self._titles = StringColumn(frame["title"])
        self._actors = StringColumn(frame["actors"])
        self._locations = StringColumn(frame["location"])
        self._grades = StringColumn(frame["grade"])
        self._categories = LabelColumn(frame["category"])
        self._reliability = LabelColumn(frame["reliability"])
        verif = frame["verification"]
        cats = [Verification(c) for c in verif.cat.categories]
        self._verif_states = [*cats, None]  # code -1 -> None
        self._verif_codes = verif.cat.codes.to_numpy()  # (-1 -> None, the last state)
        self._cells: dict[int, tuple[str, ...]] = {}
        self._id_index: pd.Index | None = None
        self._sort_keys: dict[EventColumn, np.ndarray] = {}
        self._matches: np.ndarray | None = None  # bool mask over positions, None = all
        self._cursor_ns = to_ns(self._ctx.cursor_time())
        self._order = self._compute_order() if order is None else order
        self._order_keys: np.ndarray | None = None  # time key per place in the order, if made
        self._rank: np.ndarray | None = None  # display rank of each position, made when needed
        self._base = self._matching(self._order)
        self._base_keys: np.ndarray | None = None
        self._rows, self._span = self._visible_rows()
        if self._index_search:
            self.start_search_index()

    def start_search_index(self) -> None:
        """Build the search index off the GUI thread (once per frame; small ones are scanned)."""
        self._index_search = True
        if self._n >= search.MIN_INDEXED_ROWS:
            search.start_index(self._frame, supersedes=getattr(self, "_superseded", None))

    # -- public API -----------------------------------------------------------------
    @property
    def rows(self) -> np.ndarray:
        """Frame positions of the shown rows, in display order (do not modify)."""
        return self._rows

    @property
    def total_count(self) -> int:
        """Number of events in the scenario (filtered or not)."""
        return self._n

    @property
    def sort_column(self) -> EventColumn:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    @property
    def time_ns(self) -> np.ndarray:
        return self._time_ns

    @property
    def cursor_ns(self) -> int:
        return self._cursor_ns

    def is_future(self, position: int) -> bool:
        return bool(self._time_ns[position] > self._cursor_ns)

    def position(self, row: int) -> int:
        return int(self._rows[row])

    def event_id(self, row: int) -> str:
        return self._ids[int(self._rows[row])]

    def event_at(self, row: int) -> Event:
        return self._ctx.scenario.events[self.position(row)]

    def moment(self, position: int) -> Moment:
        """The event's time as a Moment, from the frame (no Event object needed)."""
        instant = _EPOCH + timedelta(microseconds=int(self._time_ns[position]) // 1000)
        if self._day[position]:
            # A day's instant is its local midnight: the day is the date there.
            return Moment(instant.astimezone(self._ctx.tz), True)
        return Moment(instant, False)

    def position_of_id(self, event_id: str) -> int | None:
        """Frame position of the event ``event_id`` (filtered or not), None if unknown."""
        table = self._ctx.scenario.events
        if self._frame is self._ctx.events_frame and hasattr(table, "position"):
            return table.position(event_id)  # (kept up to date by every edit: no index to build)
        if self._id_index is None:
            self._id_index = pd.Index(self._frame["id"])
        try:
            loc = self._id_index.get_loc(event_id)
        except KeyError:
            return None
        if isinstance(loc, (int, np.integer)):
            return int(loc)
        hits = np.flatnonzero(loc) if isinstance(loc, np.ndarray) else np.arange(self._n)[loc]
        return int(hits[0]) if len(hits) else None

    def row_of_position(self, position: int, rows: np.ndarray | None = None) -> int:
        """Display row of a frame position, -1 if it is filtered out or hidden."""
        hits = np.flatnonzero((self._rows if rows is None else rows) == position)
        return int(hits[0]) if len(hits) else -1

    def row_of_id(self, event_id: str) -> int:
        pos = self.position_of_id(event_id)
        return -1 if pos is None else self.row_of_position(pos)

    def set_matches(self, matches: Iterable[int] | np.ndarray | None) -> None:
        """Show only these events (the filter result): frame positions, or a boolean
        mask over the frame's rows; None shows every event."""
        if matches is None:
            self._matches = None
        else:
            array = np.asarray(matches)
            if array.dtype == bool and len(array) == self._n:
                self._matches = array
            else:
                mask = np.zeros(self._n, dtype=bool)
                mask[array.astype(np.int64, copy=False)] = True
                self._matches = mask
        base = self._matching(self._order)
        if base is not self._base:
            self._base, self._base_keys = base, None
        self._refresh_rows()  # (the same rows, e.g. the filter re-applied after an edit: no reset)

    def reload(self) -> None:
        """Re-read the context's frame (after the scenario was replaced)."""
        self.beginResetModel()
        self._load()
        self.endResetModel()

    # -- Qt model interface -------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _N_COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(EventColumn):
            return None
        column = EventColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._style.header(self._ctx, column)  # Time: with the zone
        if role == Qt.ItemDataRole.ToolTipRole and column in HEADER_TIPS:
            return plain_tooltip(self._style.header_tip(self._ctx, column) or "")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return self._flags

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # Called for every cell and role on each paint: no enums, no Event objects.
        row, col = index.row(), index.column()
        rows = self._rows
        if not (0 <= row < len(rows) and 0 <= col < _N_COLUMNS):
            return None
        pos = int(rows[row])
        if role == _DISPLAY:
            cells = self._cells.get(pos)
            return (cells if cells is not None else self._row_cells(pos))[col]
        if role == _FOREGROUND:
            if self._time_ns[pos] > self._cursor_ns:
                return self._style.dim_color()
            if col == _VERIFICATION_COLUMN:
                return VERIFICATION_COLOR.get(self._verif_states[self._verif_codes[pos]])
            return None
        if role == _FONT:
            if col == _VERIFICATION_COLUMN:
                state = self._verif_states[self._verif_codes[pos]]
                return self._style.font(state) if state is not None else None
            return None
        if role == _DECORATION:
            if col == _VERIFICATION_COLUMN:
                state = self._verif_states[self._verif_codes[pos]]
                if state is None:
                    return None
                return self._style.icon(state, dimmed=bool(self._time_ns[pos] > self._cursor_ns))
            return None
        if role == _ALIGNMENT:
            return _CENTER if col == _GRADE_COLUMN else None
        if role == _TOOLTIP:
            return self._tooltip(pos, EventColumn(col))
        if role == _EVENT_ID:
            return self._ids[pos]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(EventColumn):
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        persistent = self.persistentIndexList()
        same = (EventColumn(column), order) == (self._sort_column, self._sort_order)
        self._sort_column = EventColumn(column)
        self._sort_order = order
        if not same:  # the same sort again (e.g. the view's setSortingEnabled) keeps the order
            self._order = self._compute_order()
        self._rank: np.ndarray | None = None  # display rank of each position, made when needed
        self._base = self._matching(self._order)
        self._base_keys = None
        self._rows, self._span = self._visible_rows()
        if persistent:
            new_row = np.full(self._n, -1, dtype=np.int64)
            new_row[self._rows] = np.arange(len(self._rows))
            moved = []
            for idx in persistent:
                r = int(new_row[old_rows[idx.row()]]) if 0 <= idx.row() < len(old_rows) else -1
                moved.append(self.index(r, idx.column()) if r >= 0 else QModelIndex())
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    # -- cells ------------------------------------------------------------------------
    def _row_cells(self, pos: int) -> tuple[str, ...]:
        """The display texts of one row's cells, made once and cached."""
        if len(self._cells) >= _CELL_CACHE_ROWS:
            self._cells.clear()
        state = self._verif_states[self._verif_codes[pos]]
        cells = (
            self._style.time_cell(self._ctx, self.moment(pos)),  # compact, no zone
            cut(self._titles[pos], MAX_CELL_CHARS),
            self._categories[pos],
            self._actors_text(pos),
            self._locations[pos],
            VERIFICATION_LABEL.get(state, ""),
            self._grades[pos],
        )
        self._cells[pos] = cells
        return cells

    def _display(self, pos: int, column: EventColumn) -> str | None:
        return self._row_cells(pos)[column]

    def _actors_text(self, pos: int) -> str:
        """The actors, each isolated if it could reorder the others (Arabic, U+202E...)."""
        text = self._actors[pos]
        if needs_isolation(text):
            text = "; ".join(isolate(part) for part in text.split("; "))
        return text

    def _tooltip(self, pos: int, column: EventColumn) -> str | None:
        lines: list[str] = []
        if column == EventColumn.TIME:
            m = self.moment(pos)
            local = format_moment(m, self._ctx.tz, seconds=True)
            if m.day:
                lines += [f"{local} (whole day; no time of day given)"]
            else:
                lines += [local, f"UTC: {format_utc(m)}"]
        elif column == EventColumn.TITLE:
            lines.append(cut(self._titles[pos], MAX_TOOLTIP_CHARS))
        elif column == EventColumn.ACTORS:
            lines.append(self._actors_text(pos))
        elif column == EventColumn.LOCATION:
            location = self._locations[pos]
            if location:
                lines.append(location)
            if not np.isnan(self._lat[pos]):
                lines.append(f"{self._lat[pos]:.4f}, {self._lon[pos]:.4f}")
        elif column == EventColumn.VERIFICATION:
            state = self._verif_states[self._verif_codes[pos]]
            if state is not None:
                lines.append(f"{VERIFICATION_LABEL[state]}: {VERIFICATION_MEANING[state]}")
        elif column == EventColumn.GRADE:
            grade = self._grades[pos]
            if grade:
                meaning = grade_meaning(self._reliability[pos], int(self._credibility[pos]))
                lines.append(f"{grade}: {meaning}")
            else:
                lines.append("No grade given")
        if self._time_ns[pos] > self._cursor_ns:
            as_of = self._ctx.format_moment(Moment(self._ctx.cursor_time()))
            lines.append(f"{FUTURE_NOTE} ({as_of})")
        lines = [line for line in lines if line]
        return plain_tooltip("\n".join(lines)) if lines else None

    # -- ordering and visibility --------------------------------------------------------
    def _sort_key(self, column: EventColumn) -> np.ndarray:
        """An integer (or int64 time) key per frame position for ``column``, cached."""
        key = self._sort_keys.get(column)
        if key is not None:
            return key
        frame = self._frame
        if column == EventColumn.TIME:
            key = self._time_ns
        elif column == EventColumn.VERIFICATION:
            rank = {v.value: i for i, v in enumerate(VERIFICATION_ORDER)}
            per_code = np.array(
                [rank.get(c, len(rank)) for c in frame["verification"].cat.categories]
                + [len(rank)],
                dtype=np.int64,
            )
            key = per_code[self._verif_codes]
        else:
            name = {
                EventColumn.TITLE: "title",
                EventColumn.CATEGORY: "category",
                EventColumn.ACTORS: "actors",
                EventColumn.LOCATION: "location",
                EventColumn.GRADE: "grade",
            }[column]
            values = frame[name].astype("string").str.lower()
            codes, _ = pd.factorize(values, sort=True)
            key = np.asarray(codes, dtype=np.int64)
        self._sort_keys[column] = key
        return key

    def _compute_order(self) -> np.ndarray:
        """All frame positions in display order (ties: newest first, then file order)."""
        if self._n == 0:
            return np.empty(0, dtype=np.int64)
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        time_key = self._time_ns
        if self._sort_column == EventColumn.TIME:
            return np.argsort(-time_key if descending else time_key, kind="stable")
        key = self._sort_key(self._sort_column)
        # np.lexsort: last key is primary; it is stable, so equal keys keep file order.
        return np.lexsort((-time_key, -key if descending else key))

    def _matching(self, order: np.ndarray) -> np.ndarray:
        """``order`` without the positions the filter leaves out."""
        keep = self._matches
        if keep is None:
            return order
        if np.count_nonzero(keep) * 32 < len(order):
            # Few matches: sorting them by display rank beats a pass over every position.
            if self._rank is None:
                self._rank = np.empty(len(order), dtype=np.int64)
                self._rank[order] = np.arange(len(order))
            found = np.flatnonzero(keep)
            return found[np.argsort(self._rank[found])]
        return order[keep[order]]

    def _visible_rows(self) -> tuple[np.ndarray, tuple[int, int] | None]:
        """The rows to show and, when they are a slice of ``_base``, its bounds."""
        base = self._base
        if not self._ctx.hide_future:
            return base, (0, len(base))
        if self._sort_column == EventColumn.TIME:
            lo, hi = self._present_span()
            return base[lo:hi], (lo, hi)
        return base[self._time_ns[base] <= self._cursor_ns], None

    def _present_span(self) -> tuple[int, int]:
        """Bounds, within ``_base`` in time order, of the events at or before the cursor.

        Binary search on the matches' times (sorted once per filter or sort), so
        a cursor step costs O(log n), not a pass over a million events.
        """
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        keys = self._base_keys
        if keys is None:
            times = self._time_ns[self._base]
            keys = self._base_keys = -times if descending else times  # ascending either way
        if descending:  # newest first: the present is the tail
            return int(np.searchsorted(keys, -self._cursor_ns, side="left")), len(keys)
        return 0, int(np.searchsorted(keys, self._cursor_ns, side="right"))

    def _reset_rows(self) -> None:
        rows, span = self._visible_rows()
        self.beginResetModel()
        self._rows, self._span = rows, span
        self.endResetModel()

    def _refresh_rows(self) -> None:
        """Show what the filter, order and "as of" time give; reset only if that differs."""
        rows, span = self._visible_rows()
        if rows is self._rows or (
            len(rows) == len(self._rows) and np.array_equal(rows, self._rows)
        ):
            self._rows, self._span = rows, span
            return
        self.beginResetModel()
        self._rows, self._span = rows, span
        self.endResetModel()

    def _move_present_edge(self) -> None:
        """After a cursor step with future events hidden: insert or remove the rows that
        crossed the cursor at one end of the table (selection and scrolling stay put)."""
        rows, span = self._visible_rows()
        old = self._span
        if span is None or old is None:
            self._refresh_rows()
            return
        (lo, hi), (old_lo, old_hi) = span, old
        if span == old:
            return
        root = QModelIndex()
        if hi == old_hi and lo < old_lo:  # newest first: later events now shown at the top
            self.beginInsertRows(root, 0, old_lo - lo - 1)
            self._rows, self._span = rows, span
            self.endInsertRows()
        elif hi == old_hi:  # ... or hidden again
            self.beginRemoveRows(root, 0, lo - old_lo - 1)
            self._rows, self._span = rows, span
            self.endRemoveRows()
        elif lo == old_lo and hi > old_hi:  # oldest first: shown at the bottom
            self.beginInsertRows(root, old_hi - lo, hi - lo - 1)
            self._rows, self._span = rows, span
            self.endInsertRows()
        elif lo == old_lo:
            self.beginRemoveRows(root, hi - lo, old_hi - lo - 1)
            self._rows, self._span = rows, span
            self.endRemoveRows()
        else:
            self._refresh_rows()

    def _emit_all_changed(
        self, roles: list[Qt.ItemDataRole], first: int = 0, last: int | None = None
    ) -> None:
        if not len(self._rows):
            return
        last = len(EventColumn) - 1 if last is None else last
        self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last), roles)

    # -- context signals ------------------------------------------------------------------
    def _on_ctx_scenario_replaced(self) -> None:
        self.reload()

    def _on_ctx_cursor_changed(self, when: datetime) -> None:
        old, self._cursor_ns = self._cursor_ns, to_ns(when)
        if self._ctx.hide_future:
            # Every row shown is at or before the cursor (none dimmed): rows come and go at one end.
            self._move_present_edge()
            return
        # Dimming is computed in data(): only the rows whose events the cursor passed change
        # (none on screen, often: then nothing is repainted).
        crossed = self._rows_between(old, self._cursor_ns)
        if crossed is not None:
            self.dataChanged.emit(
                self.index(crossed[0], 0),
                self.index(crossed[1], len(EventColumn) - 1),
                [
                    Qt.ItemDataRole.ForegroundRole,
                    Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.DecorationRole,
                ],
            )

    def _rows_between(self, a: int, b: int) -> tuple[int, int] | None:
        """First and last row whose event time lies between two cursor times (``(lo, hi]``):
        the rows that turn from past to future or back. Binary search in time order."""
        lo, hi = min(a, b), max(a, b)
        if lo == hi or not len(self._rows):
            return None
        if self._sort_column == EventColumn.TIME and self._span is not None:
            descending = self._sort_order == Qt.SortOrder.DescendingOrder
            keys = self._base_keys
            if keys is None:
                times = self._time_ns[self._base]
                keys = self._base_keys = -times if descending else times  # ascending either way
            if descending:
                first, stop = np.searchsorted(keys, [-hi, -lo], side="left")
            else:
                first, stop = np.searchsorted(keys, [lo, hi], side="right")
            start = self._span[0]
            first, last = max(int(first) - start, 0), min(int(stop) - start, len(self._rows)) - 1
            return (first, last) if first <= last else None
        times = self._time_ns[self._rows]
        hit = np.flatnonzero((times > lo) & (times <= hi))
        return (int(hit[0]), int(hit[-1])) if len(hit) else None

    def _on_ctx_display_changed(self) -> None:
        self._style.forget_palette()  # the palette may have changed too
        self._cells.clear()  # 24-hour times or DTG
        self._refresh_rows()  # hide_future may have been switched
        self._emit_all_changed(
            [
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.ToolTipRole,
                Qt.ItemDataRole.ForegroundRole,
            ],
        )
