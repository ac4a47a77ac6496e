"""The crossings table's history strip: each crossing's whole status history painted as
coloured, textured bands (never hue alone), with the time cursor as a line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtCore import (
    QLineF,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from monitor.model import CrossingStatus, StatusEntry
from monitor.ui.crossings.status import CrossingRole, StripData, status_color

_Index = QModelIndex | QPersistentModelIndex
STRIP_MIN_WIDTH = 160  # the strip never gets narrower than this (pixels)

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


# A strip with more changes than one per MIN_BAND_PX pixels is drawn in bins of that
# width: each bin in the status that held longest in it, a dark tick on top of each bin
# with more than one change (the denser, the darker). Without it, 100k changes were a
# barcode of one-pixel bands.
MIN_BAND_PX = 4.0


def strip_bins(
    begin_us: np.ndarray, codes: np.ndarray, start_us: int, end_us: int, left: float, width: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bins of about MIN_BAND_PX pixels over ``left .. left + width`` for a history (entry
    instants ``begin_us`` in epoch microseconds, ascending, and their status ``codes``) over
    ``start_us .. end_us``: the bins' left edges (pixels), their dominant status code (-1:
    no status known), the changes that start in each (they sum to the entries starting
    inside the span) and the right edge of the last bin. Time-weighted: a status counts
    for as long as it held within the bin."""
    n_bins = max(1, int(width // MIN_BAND_PX))
    edges_us = np.linspace(start_us, end_us, n_bins + 1)
    finish = np.append(begin_us[1:], max(end_us, int(begin_us[-1]))).astype(np.float64)
    begin = begin_us.astype(np.float64)
    bounds = np.append(begin, finish[-1])
    durations = finish - begin
    time_in = np.zeros((len(_STATUS_BY_CODE), n_bins))
    for code in range(len(_STATUS_BY_CODE)):
        cum = np.r_[0.0, np.cumsum(np.where(codes == code, durations, 0.0))]
        time_in[code] = np.diff(np.interp(edges_us, bounds, cum))
    dominant = np.where(time_in.sum(axis=0) > 0, time_in.argmax(axis=0), -1)
    inside = begin_us[(begin_us > start_us) & (begin_us <= end_us)]
    changes = np.histogram(inside, bins=edges_us)[0] if len(inside) else np.zeros(n_bins, int)
    xs = left + (edges_us - start_us) / (end_us - start_us) * width
    return xs[:-1], dominant, changes, xs[-1:]


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
        self.last_drawn = 0  # rectangles and lines of the last strip drawn (tests: bounded)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._arrays.clear()
        self._entry_values.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        base = super().sizeHint(option, index)
        return QSize(max(base.width(), STRIP_MIN_WIDTH), max(base.height(), 22))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        # The strip's cell has no text, icon or background of its own: the view's option
        # (selection, focus, alternate row) is all the panel needs (no initStyleOption,
        # which asks the model for seven roles, through the sorting proxy, per strip).
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        data = index.data(CrossingRole.STRIP)
        if not isinstance(data, StripData):
            return
        painter.save()
        try:
            self._paint_strip(painter, option, data)
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
        cursor_x = (
            bar.left()
            + min(max((data.cursor - data.start).total_seconds() / total, 0.0), 1.0) * bar.width()
        )
        if data.hide_after_cursor and data.cursor < data.end and blank is not None:
            # Replay mode: nothing after the cursor is revealed.
            painter.save()
            painter.setClipRect(
                QRectF(cell.left(), cell.top(), cursor_x - cell.left(), cell.height())
            )
            painter.drawPixmap(origin, full)
            painter.setClipRect(
                QRectF(cursor_x, cell.top(), cell.right() + 1 - cursor_x, cell.height())
            )
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
        blank = (
            self._render(size, ratio, data, with_history=False) if data.hide_after_cursor else None
        )
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

    def picture(self, size: QSize, data: StripData) -> QPixmap:
        """The strip of ``data`` in a cell of ``size``, as painted (without the cursor)."""
        return self._render(size, 1.0, data, with_history=True)

    def _binned_bands(self, data: StripData, bar: QRectF) -> tuple[list, list, list]:
        """A dense history in MIN_BAND_PX bins (see :func:`strip_bins`): bands of the
        dominant status, boundaries where it changes, a tick over each bin with changes."""
        begin_us, codes = self._instants_us(data), self._status_codes(data)
        start_us, end_us = _to_us(data.start), _to_us(data.end)
        x0, dominant, changes, last = strip_bins(
            begin_us, codes, start_us, end_us, bar.left(), bar.width()
        )
        x1 = np.r_[x0[1:], last]
        top, height = bar.top(), bar.height()
        first = np.flatnonzero(np.r_[True, dominant[1:] != dominant[:-1]])
        stop = np.r_[first[1:] - 1, len(dominant) - 1]
        by_status: dict[int, list[QRectF]] = {}
        for code, a, z in zip(
            dominant[first].tolist(), x0[first].tolist(), x1[stop].tolist(), strict=True
        ):
            if code >= 0:
                by_status.setdefault(code, []).append(QRectF(a, top, z - a, height))
        bands = [(_STATUS_BY_CODE[c], rects) for c, rects in by_status.items()]
        boundaries = [QLineF(x, top, x, bar.bottom()) for x in x0[first[1:]].tolist()]
        tick = max(2.0, height / 4)
        busy = np.flatnonzero(changes > 0)
        peak = max(1, int(changes.max())) if len(changes) else 1
        ticks = [
            (int(60 + 160 * changes[i] / peak), QRectF(x0[i], top, x1[i] - x0[i], tick))
            for i in busy.tolist()
        ]
        return bands, boundaries, ticks

    def _render(self, size: QSize, ratio: float, data: StripData, *, with_history: bool) -> QPixmap:
        pixmap = QPixmap(
            QSize(max(1, round(size.width() * ratio)), max(1, round(size.height() * ratio)))
        )
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            self._draw_bands(painter, QRectF(0, 0, size.width(), size.height()), data, with_history)
        finally:
            painter.end()
        self.renders += 1
        return pixmap

    def _draw_bands(
        self, painter: QPainter, cell: QRectF, data: StripData, with_history: bool
    ) -> None:
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
        ticks: list[QRectF] = []
        if entries and total > 0 and len(entries) > width / MIN_BAND_PX:
            bands, boundaries, ticks = self._binned_bands(data, bar)
        elif entries and total > 0:
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
                for code, a, z in zip(
                    codes[first].tolist(), x0[first].tolist(), x1[last].tolist(), strict=True
                ):
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
        for alpha, rects in _by_alpha(ticks):  # dense bins: how many changes, in grey
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(33, 33, 33, alpha))
            painter.drawRects(rects)
        self.last_drawn = sum(len(r) for _s, r in bands) + len(boundaries) + len(ticks)

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


def _by_alpha(ticks: list[tuple[int, QRectF]]) -> list[tuple[int, list[QRectF]]]:
    """Ticks grouped by their alpha, in 8 steps (a few brushes for any number of ticks)."""
    groups: dict[int, list[QRectF]] = {}
    for alpha, rect in ticks:
        groups.setdefault(alpha // 32 * 32 + 16, []).append(rect)
    return sorted(groups.items())
