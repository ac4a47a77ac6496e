"""Read-only table model for the event feed: a window of row positions over the events frame.

The model never copies events into Qt items. It keeps the frame's columns as
numpy arrays (built once per scenario) and an array ``rows`` of frame
positions in display order; filtering (pandas, in the panel) and sorting
(numpy ``lexsort``, here) only replace that array, so 1M events stay fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)

from monitor.model.entities import (
    CREDIBILITY_MEANING,
    RELIABILITY_MEANING,
    Event,
    Moment,
    Verification,
)
from monitor.model.frames import to_ns
from monitor.model.text import isolate_if_needed, needs_isolation
from monitor.model.timeutil import format_moment, format_utc
from monitor.ui.text import plain_tooltip

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext


class EventColumn(IntEnum):
    TIME = 0
    TITLE = 1
    CATEGORY = 2
    ACTORS = 3
    LOCATION = 4
    VERIFICATION = 5
    GRADE = 6


HEADERS = {
    EventColumn.TIME: "Time",
    EventColumn.TITLE: "Title",
    EventColumn.CATEGORY: "Category",
    EventColumn.ACTORS: "Actors",
    EventColumn.LOCATION: "Location",
    EventColumn.VERIFICATION: "Verification",
    EventColumn.GRADE: "Grade",
}

HEADER_TIPS = {
    EventColumn.TIME: "When the event happened, in the scenario's time zone (hover a cell for UTC)",
    EventColumn.VERIFICATION: "Confirmed, reported (unconfirmed), disputed or denied",
    EventColumn.GRADE: (
        "Admiralty grade: source reliability A (completely reliable) to F (cannot be judged), "
        "then information credibility 1 (confirmed) to 6 (cannot be judged)"
    ),
}

# The event id of a row (str), for views and tests.
EventIdRole = Qt.ItemDataRole.UserRole + 1

# Verification states in their natural order (also the sort order of the column).
VERIFICATION_ORDER = (
    Verification.CONFIRMED,
    Verification.REPORTED,
    Verification.DISPUTED,
    Verification.DENIED,
)
VERIFICATION_LABEL = {
    Verification.CONFIRMED: "Confirmed",
    Verification.REPORTED: "Reported",
    Verification.DISPUTED: "Disputed",
    Verification.DENIED: "Denied",
}
VERIFICATION_MEANING = {
    Verification.CONFIRMED: "confirmed by independent sources",
    Verification.REPORTED: "reported, not yet confirmed",
    Verification.DISPUTED: "disputed: sources contradict each other",
    Verification.DENIED: "denied by a party with knowledge of it",
}
# Colours are never the only cue: each state also has its own word, font and icon shape.
VERIFICATION_COLOR = {
    Verification.DISPUTED: QColor("#b36200"),  # amber, dark enough to read on white
    Verification.DENIED: QColor("#c62828"),  # red
}

FUTURE_NOTE = "After the 'as of' time"

EN_DASH = "\u2013"


# A cell shows a few hundred characters at most, and eliding or wrapping a 100 kB title
# on every paint made the table sluggish (~0.1 s a repaint) and its tooltip freeze.
MAX_CELL_CHARS = 1_000
MAX_TOOLTIP_CHARS = 2_000


def cut(text: str, limit: int) -> str:
    """``text`` up to ``limit`` characters; longer text is cut, isolated, and ends in "…"."""
    if len(text) <= limit:
        return text
    return f"{isolate_if_needed(text[:limit])}… ({len(text) - limit:,} more characters)"


def isolate(text: str) -> str:
    """Wrap ``text`` in Unicode first-strong isolates if it contains right-to-left script
    or bidi controls (U+202E...), balanced so that it cannot close the isolate itself."""
    return isolate_if_needed(text)


def grade_meaning(reliability: str, credibility: int) -> str:
    """``"B – usually reliable, 2 – probably true"`` (parts not given say so)."""  # noqa: RUF002
    rel = (
        f"{reliability} {EN_DASH} {RELIABILITY_MEANING[reliability]}"
        if reliability in RELIABILITY_MEANING
        else "source reliability not given"
    )
    cred = (
        f"{credibility} {EN_DASH} {CREDIBILITY_MEANING[credibility]}"
        if credibility in CREDIBILITY_MEANING
        else "credibility not given"
    )
    return f"{rel}, {cred}"


def event_cursor_time(event: Event) -> datetime:
    """The "as of" time that makes ``event`` current: its instant, or the end of its day."""
    m = event.time
    return m.end - timedelta(seconds=1) if m.day else m.instant


def _verification_icon(state: Verification) -> QIcon:
    """A small glyph whose *shape* differs per state (filled check, ring, triangle, cross)."""
    size = 14
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if state is Verification.CONFIRMED:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2e7d32"))
        p.drawEllipse(1, 1, 12, 12)
        p.setPen(QPen(QColor("white"), 1.8))
        p.drawPolyline(QPolygonF([QPointF(4, 7.2), QPointF(6.2, 9.5), QPointF(10, 4.8)]))
    elif state is Verification.REPORTED:
        p.setPen(QPen(QColor("#607d8b"), 1.6))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(7, 7), 5.2, 5.2)
    elif state is Verification.DISPUTED:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(VERIFICATION_COLOR[Verification.DISPUTED])
        p.drawPolygon(QPolygonF([QPointF(7, 1), QPointF(13.5, 12.5), QPointF(0.5, 12.5)]))
        p.setPen(QPen(QColor("white"), 1.6))
        p.drawLine(QPointF(7, 5), QPointF(7, 8.6))
        p.drawPoint(QPointF(7, 10.6))
    else:
        p.setPen(QPen(VERIFICATION_COLOR[Verification.DENIED], 2.2))
        p.drawLine(QPointF(3, 3), QPointF(11, 11))
        p.drawLine(QPointF(11, 3), QPointF(3, 11))
    p.end()
    return QIcon(pix)


class EventTableModel(QAbstractTableModel):
    """Read-only table model for event feed rows over ``ctx.events_frame``.

    ``rows`` holds frame positions (row i of the frame is ``scenario.events[i]``)
    in display order. Default order: newest first. Events after the context's
    "as of" time are greyed, or left out when ``ctx.hide_future`` is on.
    """

    def __init__(self, ctx: ScenarioContext, parent: QObject | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._sort_column = EventColumn.TIME
        self._sort_order = Qt.SortOrder.DescendingOrder
        self._icons: dict[tuple[Verification, bool], QIcon] = {}
        self._fonts: dict[Verification, QFont] = {}
        self._dim: QColor | None = None
        self._load()
        ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.display_changed.connect(self._on_ctx_display_changed)

    # -- data loading ---------------------------------------------------------------
    def _load(self) -> None:
        frame = self._ctx.events_frame
        self._frame = frame
        n = len(frame)
        self._n = n
        self._ids = frame["id"].to_numpy(dtype=object)
        self._time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        self._end_ns = frame["end_ns"].to_numpy(dtype=np.int64)
        self._titles = frame["title"].to_numpy(dtype=object)
        self._categories = frame["category"].astype(object).to_numpy(dtype=object)
        self._actors = frame["actors"].to_numpy(dtype=object)
        self._locations = frame["location"].to_numpy(dtype=object)
        self._lat = frame["lat"].to_numpy(dtype=float)
        self._lon = frame["lon"].to_numpy(dtype=float)
        self._grades = frame["grade"].to_numpy(dtype=object)
        self._reliability = frame["reliability"].astype(object).to_numpy(dtype=object)
        self._credibility = frame["credibility"].to_numpy(dtype=np.int64)
        verif = frame["verification"]
        cats = [Verification(c) for c in verif.cat.categories]
        self._verif_states = np.array([*cats, None], dtype=object)  # code -1 -> None
        self._verif_codes = verif.cat.codes.to_numpy(dtype=np.int64)
        self._id_index: pd.Index | None = None
        self._sort_keys: dict[EventColumn, np.ndarray] = {}
        self._matches: np.ndarray | None = None  # bool mask over positions, None = all
        self._cursor_ns = to_ns(self._ctx.cursor_time())
        self._order = self._compute_order()
        self._rows = self._visible_rows()

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
        return str(self._ids[self._rows[row]])

    def event_at(self, row: int) -> Event:
        return self._ctx.scenario.events[self.position(row)]

    def position_of_id(self, event_id: str) -> int | None:
        """Frame position of the event ``event_id`` (filtered or not), None if unknown."""
        if self._id_index is None:
            self._id_index = pd.Index(self._ids)
        try:
            loc = self._id_index.get_loc(event_id)
        except KeyError:
            return None
        if isinstance(loc, (int, np.integer)):
            return int(loc)
        hits = np.flatnonzero(loc) if isinstance(loc, np.ndarray) else np.arange(self._n)[loc]
        return int(hits[0]) if len(hits) else None

    def row_of_position(self, position: int) -> int:
        """Display row of a frame position, -1 if it is filtered out or hidden."""
        hits = np.flatnonzero(self._rows == position)
        return int(hits[0]) if len(hits) else -1

    def row_of_id(self, event_id: str) -> int:
        pos = self.position_of_id(event_id)
        return -1 if pos is None else self.row_of_position(pos)

    def set_matches(self, positions: Iterable[int] | np.ndarray | None) -> None:
        """Show only these frame positions (the filter result); None shows every event."""
        if positions is None:
            self._matches = None
        else:
            mask = np.zeros(self._n, dtype=bool)
            mask[np.asarray(positions, dtype=np.int64)] = True
            self._matches = mask
        self._refresh_rows(force=True)

    def reload(self) -> None:
        """Re-read the context's frame (after the scenario was replaced)."""
        self.beginResetModel()
        self._load()
        self.endResetModel()

    # -- Qt model interface -------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(EventColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(EventColumn):
            return None
        column = EventColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[column]
        if role == Qt.ItemDataRole.ToolTipRole and column in HEADER_TIPS:
            return plain_tooltip(HEADER_TIPS[column])
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= col < len(EventColumn)):
            return None
        pos = int(self._rows[row])
        column = EventColumn(col)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(pos, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._time_ns[pos] > self._cursor_ns:
                return self._dim_color()
            if column == EventColumn.VERIFICATION:
                return VERIFICATION_COLOR.get(self._verif_states[self._verif_codes[pos]])
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column == EventColumn.VERIFICATION:
                state = self._verif_states[self._verif_codes[pos]]
                return self._font(state) if state is not None else None
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            if column == EventColumn.VERIFICATION:
                state = self._verif_states[self._verif_codes[pos]]
                if state is None:
                    return None
                return self._icon(state, dimmed=bool(self._time_ns[pos] > self._cursor_ns))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(pos, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == EventColumn.GRADE:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == EventIdRole:
            return str(self._ids[pos])
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(EventColumn):
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        persistent = self.persistentIndexList()
        self._sort_column = EventColumn(column)
        self._sort_order = order
        self._order = self._compute_order()
        self._rows = self._visible_rows()
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
    def _event(self, pos: int) -> Event:
        return self._ctx.scenario.events[pos]

    def _display(self, pos: int, column: EventColumn) -> str | None:
        if column == EventColumn.TIME:
            return self._ctx.format_moment(self._event(pos).time)
        if column == EventColumn.TITLE:
            return cut(self._titles[pos], MAX_CELL_CHARS)
        if column == EventColumn.CATEGORY:
            return self._categories[pos]
        if column == EventColumn.ACTORS:
            return self._actors_text(pos)
        if column == EventColumn.LOCATION:
            return self._locations[pos]
        if column == EventColumn.VERIFICATION:
            state = self._verif_states[self._verif_codes[pos]]
            return VERIFICATION_LABEL.get(state, "")
        if column == EventColumn.GRADE:
            return self._grades[pos]
        return None

    def _actors_text(self, pos: int) -> str:
        """The actors, each isolated if it could reorder the others (Arabic, U+202E...)."""
        text = self._actors[pos]
        if needs_isolation(text):
            text = "; ".join(isolate(part) for part in text.split("; "))
        return text

    def _tooltip(self, pos: int, column: EventColumn) -> str | None:
        lines: list[str] = []
        if column == EventColumn.TIME:
            m = self._event(pos).time
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
            if self._locations[pos]:
                lines.append(self._locations[pos])
            if not np.isnan(self._lat[pos]):
                lines.append(f"{self._lat[pos]:.4f}, {self._lon[pos]:.4f}")
        elif column == EventColumn.VERIFICATION:
            state = self._verif_states[self._verif_codes[pos]]
            if state is not None:
                lines.append(f"{VERIFICATION_LABEL[state]}: {VERIFICATION_MEANING[state]}")
        elif column == EventColumn.GRADE:
            if self._grades[pos]:
                meaning = grade_meaning(self._reliability[pos], int(self._credibility[pos]))
                lines.append(f"{self._grades[pos]}: {meaning}")
            else:
                lines.append("No grade given")
        if self._time_ns[pos] > self._cursor_ns:
            as_of = self._ctx.format_moment(Moment(self._ctx.cursor_time()))
            lines.append(f"{FUTURE_NOTE} ({as_of})")
        lines = [line for line in lines if line]
        return plain_tooltip("\n".join(lines)) if lines else None

    def _dim_color(self) -> QColor:
        if self._dim is None:
            pal = QGuiApplication.palette()
            text = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
            base = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Base)
            # Halfway between text and background: clearly "greyed", still legible.
            self._dim = QColor(
                (text.red() + base.red()) // 2,
                (text.green() + base.green()) // 2,
                (text.blue() + base.blue()) // 2,
            )
        return self._dim

    def _font(self, state: Verification) -> QFont:
        font = self._fonts.get(state)
        if font is None:
            font = QFont()
            if state is Verification.REPORTED:
                font.setItalic(True)
            elif state is Verification.DISPUTED:
                font.setBold(True)
            elif state is Verification.DENIED:
                font.setStrikeOut(True)
            self._fonts[state] = font
        return font

    def _icon(self, state: Verification, *, dimmed: bool = False) -> QIcon:
        icon = self._icons.get((state, dimmed))
        if icon is None:
            icon = _verification_icon(state)
            if dimmed:  # same shape, greyed like the rest of a future row
                icon = QIcon(icon.pixmap(14, 14, QIcon.Mode.Disabled))
            self._icons[(state, dimmed)] = icon
        return icon

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

    def _visible_rows(self) -> np.ndarray:
        keep = self._matches
        if self._ctx.hide_future:
            present = self._time_ns <= self._cursor_ns
            keep = present if keep is None else keep & present
        if keep is None:
            return self._order
        return self._order[keep[self._order]]

    def _refresh_rows(self, *, force: bool = False) -> None:
        rows = self._visible_rows()
        if not force and np.array_equal(rows, self._rows):
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

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
        self._cursor_ns = to_ns(when)
        if self._ctx.hide_future:
            self._refresh_rows()
        # Dimming is computed in data(): one dataChanged over the table repaints it.
        self._emit_all_changed(
            [
                Qt.ItemDataRole.ForegroundRole,
                Qt.ItemDataRole.ToolTipRole,
                Qt.ItemDataRole.DecorationRole,
            ]
        )

    def _on_ctx_display_changed(self) -> None:
        self._dim = None  # the palette may have changed too
        self._refresh_rows()  # hide_future may have been switched
        self._emit_all_changed(
            [
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.ToolTipRole,
                Qt.ItemDataRole.ForegroundRole,
            ],
        )
