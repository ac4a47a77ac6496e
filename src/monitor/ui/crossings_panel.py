"""Crossing-status panel: a sortable table of the border crossings, status as of the time cursor.

The panel only talks to the shared :class:`ScenarioContext`: it follows the
cursor and the crossing selection, and selecting a row selects the crossing
for every other panel.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QLineF,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QBrush, QColor, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from monitor.model import CrossingStatus, Moment, StatusEntry
from monitor.ui.context import ScenarioContext
from monitor.ui.crossing_model import (
    COLUMN_TITLES,
    STATUS_COLORS,
    CrossingColumn,
    CrossingRole,
    CrossingTableModel,
    StripData,
    status_color,
    status_icon,
    status_word,
)
from monitor.ui.text import set_text_steady
from monitor.ui.views import RangeTableView

_Index = QModelIndex | QPersistentModelIndex

__all__ = [
    "STATUS_COLORS",
    "CrossingColumn",
    "CrossingRole",
    "CrossingTableModel",
    "CrossingsPanel",
    "StatusStripDelegate",
]

# Widest a column gets when fitted to its contents (pixels); the strip takes the rest.
_MAX_WIDTH = {
    CrossingColumn.NAME: 210,
    CrossingColumn.LOCAL_NAME: 170,
    CrossingColumn.SIDES: 260,
    CrossingColumn.KIND: 90,
    CrossingColumn.HELD_BY: 170,
    CrossingColumn.STATUS: 120,
    CrossingColumn.SINCE: 190,
    CrossingColumn.NOTE: 200,
}
# How far long text columns may shrink before a less important column is hidden
# instead, in the order they give up width (tooltips keep the full text) ...
_COMFORT_WIDTH = {
    CrossingColumn.SIDES: 170,
    CrossingColumn.NOTE: 130,
    CrossingColumn.HELD_BY: 120,
    CrossingColumn.LOCAL_NAME: 120,
}
# ... and how far when even the shortest layout does not fit.
_MIN_WIDTH = {
    CrossingColumn.SIDES: 110,
    CrossingColumn.NOTE: 90,
    CrossingColumn.HELD_BY: 100,
    CrossingColumn.LOCAL_NAME: 80,
    CrossingColumn.NAME: 120,
}
_STRIP_MIN_WIDTH = 160
# Hidden in this order when the panel is too narrow for all columns (a 1366-pixel
# screen gives the crossings dock about 700 pixels).
_AUTO_HIDE = (
    CrossingColumn.SIDES,
    CrossingColumn.KIND,
    CrossingColumn.NOTE,
    CrossingColumn.HELD_BY,
)
_NEUTRAL = QColor("#e0e0e0")  # no status known (before the first entry, or hidden future)
_HATCH = QColor("#9e9e9e")
# Texture per status, so the strip does not rely on hue alone.
_PATTERN = {
    CrossingStatus.OPEN: None,
    CrossingStatus.RESTRICTED: (Qt.BrushStyle.BDiagPattern, QColor(0, 0, 0, 80)),
    CrossingStatus.CLOSED: (Qt.BrushStyle.DiagCrossPattern, QColor(255, 255, 255, 70)),
}


_STATUS_BY_CODE = tuple(CrossingStatus)
_STATUS_CODE = {status: code for code, status in enumerate(_STATUS_BY_CODE)}
_MAX_KNOWN_ENTRIES = 2_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _to_us(when: datetime) -> int:
    """Epoch microseconds of an aware datetime (exact integer arithmetic)."""
    return (when - _EPOCH) // _MICROSECOND


_BOUNDARY = QColor(255, 255, 255, 220)
_FRAME = QColor("#757575")
_DARK = QColor("#212121")
_HALO = QColor(255, 255, 255, 200)


class StatusStripDelegate(QStyledItemDelegate):
    """Paints a crossing's whole status history as coloured bands, with the cursor as a line.

    Reads :data:`CrossingRole.STRIP` (a :class:`StripData` holding the
    crossing's own timeline); every row shares the same time span.

    The bands of a strip are drawn once into a pixmap per crossing and reused
    on every repaint (a cursor step only moves the cursor line): the pixmap is
    redrawn when the strip's key (the crossing's history, the scenario), the
    span, the cell size, the palette or the device pixel ratio changes. In
    future mode the part after the cursor is taken from a picture of the same
    strip without its history.
    """

    MARGIN_X = 4
    MARGIN_Y = 4

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        # crossing key -> (cache key, full strip, strip without history); one entry per crossing.
        self._cache: dict[tuple, tuple[tuple, QPixmap, QPixmap | None]] = {}
        # crossing key -> (the entries list, their instants in epoch microseconds, status codes).
        self._arrays: dict[tuple, tuple[list, np.ndarray, np.ndarray]] = {}
        # id(entry) -> (entry, its instant in epoch microseconds, its status code).
        self._entry_values: dict[int, tuple[StatusEntry, int, int]] = {}
        self.renders = 0  # pixmaps drawn so far (tests: the cache is reused, or redrawn)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._arrays.clear()
        self._entry_values.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        base = super().sizeHint(option, index)
        return QSize(max(base.width(), _STRIP_MIN_WIDTH), max(base.height(), 22))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
        data = index.data(CrossingRole.STRIP)
        if not isinstance(data, StripData):
            return
        painter.save()
        try:
            self._paint_strip(painter, opt, data)
        finally:
            painter.restore()

    def _bar(self, cell: QRectF) -> QRectF:
        return cell.adjusted(self.MARGIN_X, self.MARGIN_Y, -self.MARGIN_X, -self.MARGIN_Y)

    def _paint_strip(self, painter: QPainter, opt: QStyleOptionViewItem, data: StripData) -> None:
        cell = QRectF(opt.rect)
        bar = self._bar(cell)
        if bar.width() < 4 or bar.height() < 2:
            return
        total = (data.end - data.start).total_seconds()
        if total <= 0:
            return
        full, blank = self._pixmaps(painter, opt, data)
        origin = QPointF(opt.rect.topLeft())
        cursor_x = bar.left() + min(max((data.cursor - data.start).total_seconds() / total, 0.0), 1.0) * bar.width()
        if data.hide_after_cursor and data.cursor < data.end and blank is not None:
            # Replay mode: nothing after the cursor is revealed.
            painter.save()
            painter.setClipRect(QRectF(cell.left(), cell.top(), cursor_x - cell.left(), cell.height()))
            painter.drawPixmap(origin, full)
            painter.setClipRect(QRectF(cursor_x, cell.top(), cell.right() + 1 - cursor_x, cell.height()))
            painter.drawPixmap(origin, blank)
            painter.restore()
        else:
            painter.drawPixmap(origin, full)

        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # The time cursor: a dark line with a light halo (visible on every colour).
        if data.start <= data.cursor <= data.end:
            x = cursor_x
            painter.setPen(QPen(_HALO, 4))
            painter.drawLine(QPointF(x, cell.top() + 1), QPointF(x, cell.bottom() - 1))
            painter.setPen(QPen(_DARK, 2))
            painter.drawLine(QPointF(x, cell.top() + 1), QPointF(x, cell.bottom() - 1))
        else:
            # Cursor outside the span (e.g. Live, long after the scenario): an arrow at that edge.
            right = data.cursor > data.end
            edge = cell.right() - 1 if right else cell.left() + 1
            step = -6 if right else 6
            mid = cell.center().y()
            painter.setPen(QPen(_HALO, 1))
            painter.setBrush(_DARK)
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(edge, mid),
                        QPointF(edge + step, mid - 5),
                        QPointF(edge + step, mid + 5),
                    ]
                )
            )

    def _pixmaps(
        self, painter: QPainter, opt: QStyleOptionViewItem, data: StripData
    ) -> tuple[QPixmap, QPixmap | None]:
        """The strip's cached pictures (drawn now if anything they depend on changed)."""
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        size = opt.rect.size()
        key = (data.start, data.end, size.width(), size.height(), ratio, opt.palette.cacheKey())
        slot = data.key or (id(data.entries),)
        cached = self._cache.get(slot)
        if cached is not None and cached[0] == key:
            full, blank = cached[1], cached[2]
            if data.hide_after_cursor and blank is None:
                blank = self._render(size, ratio, data, with_history=False)
                self._cache[slot] = (key, full, blank)
            return full, blank
        full = self._render(size, ratio, data, with_history=True)
        blank = self._render(size, ratio, data, with_history=False) if data.hide_after_cursor else None
        if not data.key:
            self._cache.pop(slot, None)  # no stable key: do not keep it
        else:
            self._cache[slot] = (key, full, blank)
        return full, blank

    def _instants_us(self, data: StripData) -> np.ndarray:
        """The entries' effective instants in epoch microseconds (kept per strip key)."""
        return self._columns(data)[0]

    def _status_codes(self, data: StripData) -> np.ndarray:
        return self._columns(data)[1]

    def _columns(self, data: StripData) -> tuple[np.ndarray, np.ndarray]:
        slot = data.key or (id(data.entries),)
        cached = self._arrays.get(slot)
        if cached is None or cached[0] is not data.entries:
            # An edit keeps every other entry object of the history: their values are known.
            known = self._entry_values
            if len(known) > _MAX_KNOWN_ENTRIES:
                known.clear()
            values = []
            for e in data.entries:
                hit = known.get(id(e))
                if hit is None or hit[0] is not e:
                    hit = known[id(e)] = (e, _to_us(e.time.instant), _STATUS_CODE[e.status])
                values.append(hit)
            n = len(values)
            instants = np.fromiter((v[1] for v in values), np.int64, n)
            codes = np.fromiter((v[2] for v in values), np.int8, n)
            cached = (data.entries, instants, codes)
            if data.key:
                self._arrays[slot] = cached
        return cached[1], cached[2]

    def _render(self, size: QSize, ratio: float, data: StripData, *, with_history: bool) -> QPixmap:
        pixmap = QPixmap(QSize(max(1, round(size.width() * ratio)), max(1, round(size.height() * ratio))))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            self._draw_bands(painter, QRectF(0, 0, size.width(), size.height()), data, with_history)
        finally:
            painter.end()
        self.renders += 1
        return pixmap

    def _draw_bands(self, painter: QPainter, cell: QRectF, data: StripData, with_history: bool) -> None:
        """The strip without the cursor: bands, change boundaries, the early-history chevron
        and the frame, in cell coordinates (``cell`` at the origin of the pixmap)."""
        bar = self._bar(cell)
        total = (data.end - data.start).total_seconds()
        left, width = bar.left(), bar.width()

        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.PenStyle.NoPen)
        # Unknown (before the first entry) stays neutral and hatched.
        painter.fillRect(bar, _NEUTRAL)
        painter.fillRect(bar, QBrush(_HATCH, Qt.BrushStyle.BDiagPattern))

        entries = data.entries if with_history else []
        top, height, bottom = bar.top(), bar.height(), bar.bottom()
        bands: list[tuple[CrossingStatus, list[QRectF]]] = []
        boundaries: list[QLineF] = []
        if entries and total > 0:
            # Microseconds, exact as timedelta.total_seconds() is, vectorised over the history.
            begin_us = self._instants_us(data)
            start_us, end_us = _to_us(data.start), _to_us(data.end)
            # Drawn: every entry that starts before the end and is still in force after the start.
            stop = int(np.searchsorted(begin_us, end_us, side="left"))
            finish_us = np.minimum(np.append(begin_us[1:stop], end_us), end_us)[:stop]
            shown = np.flatnonzero(finish_us > start_us)
            if len(shown):
                b, f = begin_us[shown], finish_us[shown]
                x0 = left + np.clip(((b - start_us) / 1e6) / total, 0.0, 1.0) * width
                x1 = left + np.clip(((f - start_us) / 1e6) / total, 0.0, 1.0) * width
                # A status shorter than a pixel still gets one ...
                x1 = np.where(x1 - x0 < 1.0, np.minimum(x0 + 1.0, bar.right()), x1)
                # ... and the next band is drawn over it: each band ends where the next starts.
                x1[:-1] = np.minimum(x1[:-1], x0[1:])
                # One line per change, but at most one per pixel column, and none closer than
                # two pixels to the previous one: a dense history shows its bands, not a
                # white wall of lines (and a thousand changes cost a few dozen lines).
                xs = np.unique(np.floor(x0[b > start_us]))
                if len(xs) > 1:
                    keep = np.r_[True, np.diff(xs) >= 2.0]
                    xs = xs[keep]
                boundaries = [QLineF(x, top, x, bottom) for x in xs.tolist()]
                codes = self._status_codes(data)[shown]
                # Several bands starting in one pixel column: the last one shows there (it is
                # drawn over the others), so only it is drawn, reaching back to where the
                # first of them began: at most one band per pixel, whatever the history.
                px = np.floor(x0)
                keep = np.r_[px[1:] != px[:-1], True]
                if not keep.all():
                    begin = x0[0]
                    x0, x1, codes = x0[keep], x1[keep], codes[keep]
                    x0[0] = begin
                    x1[:-1] = np.maximum(x1[:-1], x0[1:])
                # Consecutive bands of one status as one rectangle (same pixels, fewer calls).
                first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
                last = np.r_[first[1:] - 1, len(codes) - 1]
                by_status: dict[int, list[QRectF]] = {}
                for code, a, z in zip(codes[first].tolist(), x0[first].tolist(), x1[last].tolist()):
                    by_status.setdefault(code, []).append(QRectF(a, top, z - a, height))
                bands = [(_STATUS_BY_CODE[code], rects) for code, rects in by_status.items()]
        for status, rects in bands:
            painter.setBrush(status_color(status))
            painter.drawRects(rects)
            pattern = _PATTERN.get(status)
            if pattern is not None:
                painter.setBrush(QBrush(pattern[1], pattern[0]))
                painter.drawRects(rects)

        # Change boundaries as thin light lines: adjacent bands stay distinguishable.
        if boundaries:
            painter.setPen(QPen(_BOUNDARY, 1))
            painter.drawLines(boundaries)

        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if data.entries and data.entries[0].time.instant < data.start:
            # History goes back further than the strip: a small chevron at the left edge.
            mid = bar.center().y()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 230))
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(bar.left() + 1, mid),
                        QPointF(bar.left() + 6, mid - 4),
                        QPointF(bar.left() + 6, mid + 4),
                    ]
                )
            )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(_FRAME, 1))
        painter.drawRect(bar)


def _widest(texts, metrics, enough: int) -> int:
    """The largest advance of ``texts``, or the first one at least ``enough`` (each distinct
    text measured once)."""
    widest = 0
    seen: set[str] = set()
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        width = metrics.horizontalAdvance(text)
        if width > widest:
            widest = width
            if widest >= enough:
                break
    return widest


class CrossingsPanel(QWidget):
    """The crossing-status table.

    Attributes: ``view`` (QTableView, showing ``proxy``), ``model``
    (CrossingTableModel), ``proxy`` (the sorting proxy between them).
    """

    def __init__(self, ctx: ScenarioContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._syncing = False
        self._fitting = False
        self._user_sized = False  # once the user drags a column, stop re-fitting on resize
        self._user_columns = False  # once the user picks columns, stop hiding them automatically
        self._widths: dict[str, tuple] = {}  # crossing id -> (history, options..., widths)
        self._natural: tuple | None = None  # (key, {column: content width}), see _content_widths
        self.setObjectName("CrossingsPanel")

        self.model = CrossingTableModel(ctx, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(CrossingRole.SORT)
        self.proxy.setDynamicSortFilter(True)

        self.view = RangeTableView(self)  # a cursor step repaints the strips column, not every cell
        self.view.setObjectName("crossingsView")
        self.view.setAccessibleName("Border crossings")
        self.view.setModel(self.proxy)
        self.strip_delegate = StatusStripDelegate(self.view)
        self.view.setItemDelegateForColumn(CrossingColumn.STRIP, self.strip_delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.verticalHeader().setVisible(False)
        row_height = max(self.view.fontMetrics().height() + 12, 26)
        self.view.verticalHeader().setDefaultSectionSize(row_height)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)

        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(CrossingColumn.STRIP, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorClearable(True)  # third click: back to file order
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_context_menu)
        header.sectionResized.connect(self._on_header_section_resized)
        self.view.viewport().installEventFilter(self)
        # Any change of what the view shows invalidates the content widths kept for re-fitting.
        for signal in (
            self.proxy.dataChanged,
            self.proxy.headerDataChanged,
            self.proxy.layoutChanged,
            self.proxy.modelReset,
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.rowsMoved,
            self.proxy.columnsInserted,
            self.proxy.columnsRemoved,
            self.proxy.columnsMoved,
        ):
            signal.connect(self._on_proxy_changed)

        self.as_of_label = QLabel(self)
        self.as_of_label.setTextFormat(Qt.TextFormat.PlainText)
        self.as_of_label.setObjectName("crossingsAsOf")

        legend = QHBoxLayout()
        legend.setContentsMargins(4, 2, 4, 0)
        legend.setSpacing(4)
        for status in (CrossingStatus.OPEN, CrossingStatus.RESTRICTED, CrossingStatus.CLOSED, None):
            icon = QLabel(self)
            icon.setPixmap(status_icon(status).pixmap(14, 14))
            icon.setToolTip(status_word(status))
            text = QLabel(status_word(status), self)
            text.setTextFormat(Qt.TextFormat.PlainText)
            legend.addWidget(icon)
            legend.addWidget(text)
            legend.addSpacing(8)
        legend.addStretch(1)
        legend.addWidget(self.as_of_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(legend)
        layout.addWidget(self.view, 1)

        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.model.modelReset.connect(self._on_model_reset)
        ctx.crossing_selected.connect(self._on_ctx_crossing_selected)
        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.display_changed.connect(self._on_ctx_display_changed)

        self._update_as_of()
        self.fit_columns()
        self._on_ctx_crossing_selected(ctx.selected_crossing)

    # -- public ----------------------------------------------------------------------
    def selected_crossing_id(self) -> str:
        """Id of the crossing selected in the table, "" if none."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return ""
        return rows[0].data(CrossingRole.ID) or ""

    def source_index(self, view_index: QModelIndex) -> QModelIndex:
        """The model index behind an index of the view (the view shows a sorting proxy)."""
        return self.proxy.mapToSource(view_index)

    def view_index(self, crossing_id: str, column: int = 0) -> QModelIndex:
        """The view's index of ``crossing_id``'s cell in ``column`` (invalid if unknown)."""
        row = self.model.row_of(crossing_id)
        if row < 0:
            return QModelIndex()
        return self.proxy.mapFromSource(self.model.index(row, column))

    def fit_columns(self) -> None:
        """Size columns to their contents (capped), leaving the status strip room to be read.

        When the panel is narrow the long text columns give up width first,
        then (unless the user picked columns from the header menu) the least
        important columns are hidden; the name's tooltip still has everything.
        """
        header = self.view.horizontalHeader()
        has_local = any(c.name_local for c in self.ctx.scenario.crossings)
        natural: dict[CrossingColumn, int] = {}
        possible = self._possible_widths()
        content = self._content_widths()
        for column, cap in _MAX_WIDTH.items():
            if column == CrossingColumn.LOCAL_NAME and not has_local:
                continue
            natural[column] = min(max(content[column], possible.get(column, 0)), cap)
        room = self.view.viewport().width() - _STRIP_MIN_WIDTH

        # Candidate layouts, best first: hide nothing, then the least important
        # columns one by one, letting long text columns shrink to a readable width;
        # last resort: everything auto-hidden and text columns at their narrowest.
        if self._user_columns:
            chosen = tuple(c for c in CrossingColumn if self.view.isColumnHidden(c))
            candidates = [(chosen, _COMFORT_WIDTH), (chosen, _MIN_WIDTH)]
        else:
            always = () if has_local else (CrossingColumn.LOCAL_NAME,)
            candidates = [
                (always + _AUTO_HIDE[:k], _COMFORT_WIDTH) for k in range(len(_AUTO_HIDE) + 1)
            ]
            candidates.append((always + _AUTO_HIDE, _MIN_WIDTH))
        for hidden, floor in candidates:
            widths = {c: w for c, w in natural.items() if c not in hidden}
            excess = sum(widths.values()) - room
            for column, least in floor.items():  # in the order they give up width
                if excess <= 0:
                    break
                if column in widths and widths[column] > least:
                    cut = min(widths[column] - least, excess)
                    widths[column] -= cut
                    excess -= cut
            if excess <= 0:
                break

        self._fitting = True
        try:
            if not self._user_columns:
                for column in CrossingColumn:
                    self.view.setColumnHidden(column, column in hidden)
            for column, width in widths.items():
                header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _content_widths(self) -> dict[CrossingColumn, int]:
        """Width each fitted column's cells and title ask for, kept until the view's data,
        rows, font or style change (a window is fitted on every resize; showing the window
        alone resizes the view twice)."""
        view, header = self.view, self.view.horizontalHeader()
        view.ensurePolished()
        header.ensurePolished()
        rows = self.proxy.rowCount()
        key = (
            view.font().key(),
            header.font().key(),
            id(view.style()),
            rows,
            header.sortIndicatorSection(),
            header.sortIndicatorOrder(),
        )
        # Past the header's precision Qt measures only the rows around the visible ones.
        known = self._natural
        if known is not None and known[0] == key and rows <= header.resizeContentsPrecision():
            return known[1]
        widths = {
            column: max(view.sizeHintForColumn(column), header.sectionSizeHint(column))
            for column in _MAX_WIDTH
        }
        self._natural = (key, widths)
        return widths

    def _possible_widths(self) -> dict[CrossingColumn, int]:
        """Widths the cursor-dependent columns can need at any cursor time.

        Fitting only what the current cursor shows would elide "restricted"
        as soon as the cursor moves to a time when a crossing is restricted.
        """
        metrics = self.view.fontMetrics()
        pad = 2 * self.view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 12
        words = [status_word(s) for s in (*CrossingStatus, None)]
        icon = self.view.iconSize().width() if self.view.iconSize().width() > 0 else 16
        # Past its cap a column's width no longer depends on the texts: measuring stops there.
        since_enough = _MAX_WIDTH[CrossingColumn.SINCE] - pad
        note_enough = _MAX_WIDTH[CrossingColumn.NOTE] - pad
        since = notes = 0
        for crossing in self.ctx.scenario.crossings:
            s, n = self._history_widths(
                crossing,
                metrics,
                since_enough if since < since_enough else 0,
                note_enough if notes < note_enough else 0,
            )
            since, notes = max(since, s), max(notes, n)
        return {
            CrossingColumn.STATUS: max(metrics.horizontalAdvance(w) for w in words) + icon + pad + 4,
            CrossingColumn.SINCE: since + pad,
            CrossingColumn.NOTE: notes + pad,
        }

    def _history_widths(
        self, crossing, metrics, since_enough: int, note_enough: int
    ) -> tuple[int, int]:
        """Widest "since" time and note of one crossing's history, kept until its history,
        the font or the time format changes (a window is fitted on every resize).

        A width is exact below its ``enough``; at or above it, it may be any width at least
        that large (the texts are measured only until one is that wide).
        """
        key = (
            crossing.history,
            self.ctx.military_time,
            self.view.font().key(),
            self.ctx.tz,
            since_enough,
            note_enough,
        )
        known = self._widths.get(crossing.id)
        if known is not None and known[0] is key[0] and known[1:6] == key[1:]:
            return known[6], known[7]
        history = crossing.history
        times = (self.ctx.format_moment(e.time) for e in history) if since_enough > 0 else ()
        notes = (e.note for e in history if e.note) if note_enough > 0 else ()
        since = _widest(times, metrics, since_enough)
        note = _widest(notes, metrics, note_enough)
        self._widths[crossing.id] = (*key, since, note)
        return since, note

    # -- slots -----------------------------------------------------------------------
    def _on_view_selection_changed(
        self, _selected: QItemSelection, _deselected: QItemSelection
    ) -> None:
        if not self._syncing:
            self.ctx.select_crossing(self.selected_crossing_id())

    def _on_ctx_crossing_selected(self, crossing_id: str) -> None:
        if crossing_id == self.selected_crossing_id():
            return
        self._syncing = True
        try:
            index = self.view_index(crossing_id)
            selection = self.view.selectionModel()
            if index.isValid():
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.view.scrollTo(index)
            else:
                selection.clearSelection()
        finally:
            self._syncing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view.viewport()
            and event.type() == QEvent.Type.Resize
            and not self._user_sized
        ):
            self.fit_columns()
        return super().eventFilter(watched, event)

    def _on_header_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column != CrossingColumn.STRIP and self.isVisible():
            self._user_sized = True

    def _on_proxy_changed(self, *_args) -> None:
        self._natural = None

    def _on_model_reset(self) -> None:
        self._natural = None
        self.fit_columns()
        self._on_ctx_crossing_selected(self.ctx.selected_crossing)

    def _on_ctx_cursor_changed(self, _when: datetime) -> None:
        self._update_as_of()

    def _on_ctx_display_changed(self) -> None:
        self._update_as_of()
        if not self._user_sized:
            self.fit_columns()  # military time changes the width of the times

    def _update_as_of(self) -> None:
        when = self.ctx.format_moment(Moment(self.model.cursor_time()))
        prefix = "Live: status now" if self.ctx.is_live else "Status as of"
        set_text_steady(self.as_of_label, f"{prefix} {when}")  # no window layout per cursor step

    def _on_header_context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for column in CrossingColumn:
            if column == CrossingColumn.NAME:
                continue  # the name always stays
            action = QAction(COLUMN_TITLES[column], menu)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self._on_column_action_toggled(c, on))
            menu.addAction(action)
        menu.addSeparator()
        fit = menu.addAction("Automatic columns and widths")
        fit.triggered.connect(self._on_fit_action_triggered)
        menu.exec(self.view.horizontalHeader().mapToGlobal(pos))

    def _on_column_action_toggled(self, column: CrossingColumn, shown: bool) -> None:
        self._user_columns = True
        self._fitting = True  # hiding a column resizes its section: not a user drag
        try:
            self.view.setColumnHidden(column, not shown)
        finally:
            self._fitting = False
        if shown and not self._user_sized:
            self.fit_columns()

    def _on_fit_action_triggered(self) -> None:
        self._user_sized = False
        self._user_columns = False
        self.fit_columns()
