"""Table model of the border crossings: one row per crossing, status as of the time cursor.

The model adapts the domain objects in ``ctx.scenario.crossings`` directly (no
copies): every ``data()`` call reads the crossing, so an undo command that
replaces ``crossing.history`` and then calls ``ctx.notify_crossing_changed(id)``
is shown at once.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from monitor.model import Crossing, CrossingStatus, Moment, StatusEntry
from monitor.model.timeutil import format_utc
from monitor.ui.cellcache import hashable
from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.status import (
    COLUMN_TIPS,
    COLUMN_TITLES,
    CURSOR_COLUMNS,
    FSI,
    PDI,
    STATUS_RANK,
    TIME_COLUMNS,
    CrossingColumn,
    CrossingRole,
    StripData,
    event_focus,
    history_instants,
    isolate,
    isolate_rtl,
    status_color,
    status_icon,
    status_word,
    strip_span,
)
from monitor.ui.text import plain_tooltip

_TINT_ALPHA = 56  # status cell background: a tint that works on light and dark palettes
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

# The roles a view asks for each painted cell (QStyledItemDelegate.initStyleOption): their
# values are kept until the cursor, the crossing or a display option changes, so a repaint
# (a cursor step repaints every visible cell) costs a dictionary look-up per role.
_PAINT_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
    )
)
_PAINT_ROLE_ORDER = tuple(sorted(_PAINT_ROLES))
_PAINT_KEY = -1  # (column, _PAINT_KEY): a cell's paint_values, beside its roles' values
# Asked for every painted cell too, never set by this model.
_UNUSED_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.CheckStateRole,
    )
)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, last) runs of consecutive rows."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


_COLUMNS = tuple(CrossingColumn)
_COLUMN_COUNT = len(_COLUMNS)
_FIRST_CURSOR_COLUMN = int(CURSOR_COLUMNS[0])


class CrossingTableModel(QAbstractTableModel):
    """One row per crossing (file order); columns are :class:`CrossingColumn`."""

    def __init__(self, ctx: ScenarioContext, parent: QObject | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._rows = len(ctx.scenario.crossings)  # as the views know it (a crossing added: reset)
        self._cursor = ctx.cursor_time()
        self._cursor_utc = self._cursor.astimezone(UTC)  # for comparisons
        # Per crossing id: (the history tuple they were taken from, its sorted instants).
        self._instants: dict[str, tuple[tuple, list[datetime]]] = {}
        # Strip keys: bumped per crossing change, and per scenario (see StripData.key).
        self._generation = 0
        self._revisions: dict[str, int] = {}
        # Per crossing id: (entry in force at the cursor, its start, the next change or None).
        self._in_force: dict[str, tuple[StatusEntry | None, datetime | None, datetime | None]] = {}
        # Paint-role values: row -> {(column, role): value}; cursor columns apart.
        self._cells: dict[int, dict[tuple[int, int], Any]] = {}
        self._cursor_cells: dict[int, dict[tuple[int, int], Any]] = {}
        self._focus = event_focus(ctx.scenario, ctx.events_frame)
        self._span = strip_span(ctx, self._focus, self._history_instants)
        ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.crossing_changed.connect(self._on_ctx_crossing_changed)
        ctx.display_changed.connect(self._on_ctx_display_changed)

    # -- public helpers --------------------------------------------------------------
    @property
    def ctx(self) -> ScenarioContext:
        return self._ctx

    def crossing_at(self, row: int) -> Crossing:
        return self._ctx.scenario.crossings[row]

    def row_of(self, crossing_id: str) -> int:
        """Row of the crossing with ``crossing_id``, or -1."""
        for row, crossing in enumerate(self._ctx.scenario.crossings):
            if crossing.id == crossing_id:
                return row
        return -1

    def cursor_time(self) -> datetime:
        """The cursor time the model last received (consistent across one repaint)."""
        return self._cursor

    def time_span(self) -> tuple[datetime, datetime]:
        """The span every status strip covers (same for all rows)."""
        return self._span

    def _history_instants(self, crossing: Crossing) -> list[datetime]:
        cached = self._instants.get(crossing.id)
        if cached is not None and cached[0] is crossing.history:
            return cached[1]
        instants = history_instants(crossing)
        self._instants[crossing.id] = (crossing.history, instants)
        return instants

    def strip_key(self, crossing: Crossing) -> tuple:
        """What identifies the strip's picture apart from span and cursor (see StripData.key)."""
        return (
            self._generation,
            crossing.id,
            self._revisions.get(crossing.id, 0),
            id(crossing.history),
        )

    def _entry_now(self, crossing: Crossing) -> StatusEntry | None:
        """``crossing.entry_at(cursor)``, kept with the times between which it stays in force
        (a cursor step then checks two times per crossing instead of searching)."""
        known = self._in_force.get(crossing.id)
        if known is not None:
            return known[0]
        instants = self._history_instants(crossing)
        i = bisect.bisect_right(instants, self._cursor_utc)
        entry = crossing.timeline()[i - 1] if i else None
        since = instants[i - 1] if i else None
        until = instants[i] if i < len(instants) else None
        self._in_force[crossing.id] = (entry, since, until)
        return entry

    def _status_now(self, crossing: Crossing) -> CrossingStatus | None:
        entry = self._entry_now(crossing)
        return entry.status if entry else None

    def entry_in_force(self, row: int) -> StatusEntry | None:
        return self._entry_now(self.crossing_at(row))

    # -- Qt model interface ----------------------------------------------------------
    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ctx.scenario.crossings)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else _COLUMN_COUNT

    def index(self, row: int, column: int, parent: _Index = _ROOT) -> QModelIndex:
        # One call instead of the base class's rowCount() + columnCount() (the view and
        # its sorting proxy ask for an index for every role of every painted cell).
        if (
            0 <= row < len(self._ctx.scenario.crossings)
            and 0 <= column < _COLUMN_COUNT
            and not parent.isValid()
        ):
            return self.createIndex(row, column)
        return QModelIndex()

    # flags(): QAbstractTableModel's own (enabled, selectable, no children) is what this
    # model needs; not overriding it keeps the view's and the selection's per-cell
    # questions in C++ (a Python override was called three times per painted cell).

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(CrossingColumn):
            return None
        column = CrossingColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:  # the zone once, in the Since title
            title = COLUMN_TITLES[column]
            timed = column == CrossingColumn.SINCE and self._ctx.crossing_times_of_day()
            return self._ctx.time_title(title) if timed else title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMN_TIPS[column]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()  # -1 for an invalid index
        if not (0 <= row < len(self._ctx.scenario.crossings) and 0 <= col < _COLUMN_COUNT):
            return None
        if role not in _PAINT_ROLES:
            return None if role in _UNUSED_ROLES else self._data(row, col, role)
        return self._kept(row, col, role)

    def _kept(self, row: int, col: int, role: int) -> Any:
        """A paint role's value of a cell, worked out once (see _PAINT_ROLES)."""
        cells = self._cursor_cells if col >= _FIRST_CURSOR_COLUMN else self._cells
        row_cells = cells.get(row)
        if row_cells is None:
            row_cells = cells[row] = {}
        key = (col, role)
        try:
            return row_cells[key]
        except KeyError:
            value = row_cells[key] = self._data(row, col, role)
            return value

    def paint_values(self, row: int, col: int) -> tuple | None:
        """What cell (``row``, ``col``) shows when painted, as a key for the table's cell
        pictures (:class:`monitor.ui.cellcache.CachedCellDelegate`): its paint roles'
        values, kept with them (forgotten when they are)."""
        if not (0 <= row < len(self._ctx.scenario.crossings) and 0 <= col < _COLUMN_COUNT):
            return None
        cells = self._cursor_cells if col >= _FIRST_CURSOR_COLUMN else self._cells
        row_cells = cells.get(row)
        key = (col, _PAINT_KEY)
        if row_cells is not None:
            known = row_cells.get(key)
            if known is not None:
                return known
        try:
            values = tuple(hashable(self._kept(row, col, role)) for role in _PAINT_ROLE_ORDER)
        except TypeError:
            return None
        cells[row][key] = values  # (the row's dictionary exists now: _kept made it)
        return values

    def _data(self, row: int, col: int, role: int) -> Any:
        crossing = self._ctx.scenario.crossings[row]
        column = _COLUMNS[col]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(crossing, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(crossing, column)
        if role == CrossingRole.ID:
            return crossing.id
        if role == CrossingRole.STATUS:
            return self._status_now(crossing)
        if role == CrossingRole.SORT:
            return self._sort_key(crossing, column)
        if role == CrossingRole.TIMELINE:
            return crossing.timeline()
        if role == CrossingRole.STRIP and column == CrossingColumn.STRIP:
            start, end = self._span
            return StripData(
                crossing.timeline(),
                start,
                end,
                self._cursor,
                self._ctx.hide_future,
                self.strip_key(crossing),
            )
        if column == CrossingColumn.STATUS:
            status = self._status_now(crossing)
            if role == Qt.ItemDataRole.DecorationRole:
                return status_icon(status)
            if role == Qt.ItemDataRole.BackgroundRole:
                tint = status_color(status)
                tint.setAlpha(_TINT_ALPHA)
                return tint
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return self._status_sentence(crossing)
        if column == CrossingColumn.NAME and role == Qt.ItemDataRole.DecorationRole:
            marks = self._ctx.marks
            return marks.icon() if marks is not None and marks.crossing(crossing.id) else None
        if column == CrossingColumn.HELD_BY and role == Qt.ItemDataRole.DecorationRole:
            faction = self._ctx.scenario.faction(crossing.controlled_by or "")
            if faction is not None and QColor.isValidColorName(faction.color):
                return QColor(faction.color)
        if column == CrossingColumn.LOCAL_NAME and role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if column == CrossingColumn.STRIP and role == Qt.ItemDataRole.AccessibleTextRole:
            return self._history_text(crossing)
        return None

    # -- cell contents ---------------------------------------------------------------
    def _display(self, crossing: Crossing, column: CrossingColumn) -> str | None:
        if column == CrossingColumn.NAME:
            return crossing.name
        if column == CrossingColumn.LOCAL_NAME:
            return crossing.name_local or ""
        if column == CrossingColumn.SIDES:
            return self._sides_text(crossing)
        if column == CrossingColumn.KIND:
            return crossing.kind.value
        if column == CrossingColumn.HELD_BY:
            return self._held_by(crossing)
        entry = self._entry_now(crossing)
        if column == CrossingColumn.STATUS:
            return status_word(entry.status if entry else None)
        if column == CrossingColumn.SINCE:
            return self._ctx.format_compact(entry.time) if entry else ""  # zone: in the title
        if column == CrossingColumn.NOTE:
            return (entry.note or "") if entry else ""
        return None  # the strip is painted by its delegate

    @staticmethod
    def _sides_text(crossing: Crossing) -> str:
        return " ↔ ".join(
            f"{isolate_rtl(side.country)}: {isolate_rtl(side.place)}" for side in crossing.sides
        )

    def _held_by(self, crossing: Crossing) -> str:
        if not crossing.controlled_by:
            return ""
        return self._ctx.scenario.faction_name(crossing.controlled_by)

    def _sort_key(self, crossing: Crossing, column: CrossingColumn) -> Any:
        if column in (CrossingColumn.STATUS, CrossingColumn.SINCE, CrossingColumn.STRIP):
            entry = self._entry_now(crossing)
            if column == CrossingColumn.STATUS:
                return STATUS_RANK[entry.status if entry else None]
            if column == CrossingColumn.SINCE:
                return entry.time.instant.timestamp() if entry else float("-inf")
            timeline = crossing.timeline()  # strip: by the time of the latest change
            return timeline[-1].time.instant.timestamp() if timeline else float("-inf")
        text = self._display(crossing, column) or ""
        return text.replace(FSI, "").replace(PDI, "").casefold()

    def _tooltip(self, crossing: Crossing, column: CrossingColumn) -> str | None:
        if column in (CrossingColumn.NAME, CrossingColumn.LOCAL_NAME):
            # Everything about the crossing: the narrow layout hides some columns.
            lines = [crossing.name]
            if crossing.name_local:
                lines.append(isolate(crossing.name_local))
            lines.append(f"{self._sides_text(crossing)} ({crossing.kind.value})")
            if crossing.controlled_by:
                lines.append(f"Far side held by {isolate(self._held_by(crossing))}")
            lines.append(self._status_sentence(crossing))
            return plain_tooltip("\n".join(lines))
        if column == CrossingColumn.SIDES:
            return plain_tooltip(self._sides_text(crossing))
        if column == CrossingColumn.HELD_BY:
            if not crossing.controlled_by:
                return plain_tooltip("No faction recorded for the far side")
            return plain_tooltip(f"Far side held by {isolate(self._held_by(crossing))}")
        if column in (CrossingColumn.STATUS, CrossingColumn.SINCE, CrossingColumn.NOTE):
            return plain_tooltip(self._status_details(crossing))
        if column == CrossingColumn.STRIP:
            return plain_tooltip(self._history_text(crossing))
        return None

    def _status_sentence(self, crossing: Crossing) -> str:
        sentence = self._bare_status_sentence(crossing)
        marks = self._ctx.marks  # (a team store's "concurrent": both changes kept)
        mark = marks.crossing(crossing.id) if marks is not None else ""
        return f"{sentence}\n{mark}" if mark else sentence

    def _bare_status_sentence(self, crossing: Crossing) -> str:
        entry = self._entry_now(crossing)
        if entry is None:
            timeline = crossing.timeline()
            if timeline and not self._hidden(timeline[0]):
                first = self._ctx.format_moment(timeline[0].time)
                return f"Unknown: no status recorded before {first}"
            return "Unknown: no status recorded yet"
        word = entry.status.value.capitalize()
        return f"{word} since {self._ctx.format_moment(entry.time)} ({self._utc(entry)})"

    def _status_details(self, crossing: Crossing) -> str:
        lines = [self._status_sentence(crossing)]
        entry = self._entry_now(crossing)
        if entry is not None:
            if entry.note:
                lines.append(f"Note: {isolate_rtl(entry.note)}")
            titles = self._source_titles(entry)
            if titles:
                lines.append("Sources: " + "; ".join(titles))
        lines.append(f"As of {self._ctx.format_moment(Moment(self._cursor))}")
        return "\n".join(lines)

    def _source_titles(self, entry: StatusEntry) -> list[str]:
        by_id = self._ctx.scenario.sources_by_id()
        titles = []
        for sid in entry.source_ids:
            source = by_id.get(sid)
            if source is None:
                titles.append(f"[{isolate_rtl(sid)}]")
            elif source.publisher:
                titles.append(f"{isolate(source.title)} ({isolate(source.publisher)})")
            else:
                titles.append(isolate(source.title))
        return titles

    def _utc(self, entry: StatusEntry) -> str:
        if entry.time.day:
            return f"whole day, {self._ctx.scenario.info.timezone} time"
        return "UTC " + format_utc(entry.time)

    def _hidden(self, entry: StatusEntry) -> bool:
        return self._ctx.hide_future and entry.time.instant > self._cursor

    def _history_text(self, crossing: Crossing) -> str:
        timeline = crossing.timeline()
        name = isolate_rtl(crossing.name)
        if not timeline:
            return f"{name}: no status history"
        in_force = self._entry_now(crossing)
        lines = [f"{name}: status history"]
        hidden = 0
        for entry in timeline:
            if self._hidden(entry):
                hidden += 1
                continue
            mark = "▶ " if entry is in_force else "   "
            line = f"{mark}{self._ctx.format_moment(entry.time)}  {entry.status.value}"
            if entry.note:
                line += f" — {isolate(entry.note)}"
            lines.append(line)
        if hidden:
            lines.append(f"({hidden} later change{'s' if hidden != 1 else ''} hidden: future mode)")
        return "\n".join(lines)

    # -- context signals -------------------------------------------------------------
    def _emit_columns(self, first: CrossingColumn, last: CrossingColumn) -> None:
        rows = self.rowCount()
        if rows:
            self.dataChanged.emit(self.index(0, first), self.index(rows - 1, last))

    def _forget_cells(self) -> None:
        self._cells.clear()
        self._cursor_cells.clear()
        self._in_force.clear()

    def _on_ctx_cursor_changed(self, when: datetime) -> None:
        self._cursor = when
        self._cursor_utc = when = when.astimezone(UTC)
        # The status, since and note cells show the entry in force: keep what was worked
        # out for the rows whose entry stays in force at the new time.
        cells, in_force = self._cursor_cells, self._in_force
        changed: list[int] = []  # rows whose entry in force may be another one now
        for row, crossing in enumerate(self._ctx.scenario.crossings):
            known = in_force.get(crossing.id)
            if known is None:
                cells.pop(row, None)
                changed.append(row)
                continue
            _entry, since, until = known
            if (since is not None and when < since) or (until is not None and when >= until):
                del in_force[crossing.id]
                cells.pop(row, None)
                changed.append(row)
        # The strips' cursor line moves on every row; status, since and note only where the
        # entry in force may have changed (the views repaint just those cells).
        self._emit_columns(CrossingColumn.STRIP, CrossingColumn.STRIP)
        text_columns = [c for c in CURSOR_COLUMNS if c != CrossingColumn.STRIP]
        for first, last in _runs(changed):
            self.dataChanged.emit(
                self.index(first, min(text_columns)), self.index(last, max(text_columns))
            )

    def _on_ctx_crossing_changed(self, crossing_id: str) -> None:
        if len(self._ctx.scenario.crossings) != self._rows:  # a crossing added or deleted
            self._on_ctx_scenario_replaced()
            return
        row = self.row_of(crossing_id)
        if row < 0:
            return
        self._cells.pop(row, None)
        self._cursor_cells.pop(row, None)
        self._in_force.pop(crossing_id, None)
        self._revisions[crossing_id] = self._revisions.get(crossing_id, 0) + 1
        span = strip_span(self._ctx, self._focus, self._history_instants)
        if span != self._span:  # a change outside the old span moves every strip
            self._span = span
            self._emit_columns(CrossingColumn.STRIP, CrossingColumn.STRIP)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(CrossingColumn) - 1))

    def _on_ctx_scenario_replaced(self) -> None:
        self.beginResetModel()
        self._rows = len(self._ctx.scenario.crossings)
        self._forget_cells()
        self._cursor = self._ctx.cursor_time()
        self._cursor_utc = self._cursor.astimezone(UTC)
        self._instants.clear()
        self._revisions.clear()
        self._generation += 1
        self._focus = event_focus(self._ctx.scenario, self._ctx.events_frame)
        self._span = strip_span(self._ctx, self._focus, self._history_instants)
        self.endResetModel()

    def _on_ctx_display_changed(self) -> None:
        self._forget_cells()
        self._emit_columns(TIME_COLUMNS[0], TIME_COLUMNS[-1])
