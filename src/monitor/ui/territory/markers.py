"""The territory chart's event lane: one marker per event under the areas (stacked per day),
or one per day when there are too many to draw one by one; the selected event's ring; and
the counts of events left and right of the visible range."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, tzinfo

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from monitor.ui.territory.bins import EventBasis, bin_x, follow_bins, local_days
from monitor.ui.territory.colors import mix

NS_PER_S = 1_000_000_000

# Above this many events, markers are aggregated to one per day, or per several days when
# days would be closer than MIN_BIN_PX at the zoom shown (count in the read-out): at 100k
# events over years the lane shows a few dozen bins, each sized by its count.
MAX_INDIVIDUAL_MARKERS = 5000
MIN_BIN_PX = 12.0
# Fewer events, one marker each, unless more are in view than the lane holds without
# piling up: about STACKED_PER_MARK markers (a day's stack) per MARK_PX of its width.
MARK_PX = 9.0
STACKED_PER_MARK = 4
BIN_DAYS = (1, 2, 7, 14, 30, 91, 182, 365, 730, 1826, 3652, 36525)

# Event lane geometry, in y units (the areas use 0..100).
LANE_TOP = -2.0
LANE_STEP_MAX = 3.0
LANE_MIN_HEIGHT = 12.0
LANE_MAX_HEIGHT = 24.0

VERIFICATION_STYLE = {
    # verification -> (brush colour or None for "use foreground"/hollow, label)
    "confirmed": ("fg", "confirmed"),
    "reported": ("#8c8c8c", "reported"),
    "disputed": ("#e67e22", "disputed"),
    "denied": (None, "denied"),
}


@dataclass
class Markers:
    """Event markers as drawn: one point per event, or per bin of days when aggregated."""

    xs: np.ndarray
    ys: np.ndarray
    ids: list[str]  # the event a click selects (the bin's first when aggregated)
    counts: np.ndarray  # events behind each point (all 1 unless aggregated)
    aggregated: bool
    day_of_point: np.ndarray  # local day number of each point (a bin's first day)
    lane_bottom: float
    bin_days: int = 1  # days per bin when aggregated
    first_day: int = 0  # the day the bins count from (aggregated)
    first_rows: np.ndarray | None = None  # (aggregated) the frame row of each bin's first event


def bin_days_for(seconds_per_pixel: float) -> int:
    """The fewest days per bin (from BIN_DAYS) whose markers are MIN_BIN_PX apart or more."""
    for days in BIN_DAYS:
        if days * 86_400 >= MIN_BIN_PX * seconds_per_pixel:
            return days
    return BIN_DAYS[-1]


def compute_markers(
    frame: pd.DataFrame,
    tz: tzinfo,
    bin_days: int = 1,
    days_order: tuple[np.ndarray, np.ndarray] | None = None,
    aggregate: bool | None = None,
    day_starts: dict[int, float] | None = None,
) -> Markers | None:
    """The markers of the events ``frame`` (None without events): one per event, or
    (``aggregate``; by default over MAX_INDIVIDUAL_MARKERS events) one per ``bin_days``
    local days, its count behind it. ``days_order``: the events' local days and their time
    order, if known already; ``day_starts``: see :func:`bin_x`."""
    n = len(frame)
    if n == 0:
        return None
    t_ns = frame["time_ns"].to_numpy(dtype=np.int64)
    if days_order is None:
        days_order = (local_days(t_ns, tz), np.lexsort((np.arange(n), t_ns)))
    days, order = days_order  # order: time order, then file order
    days_sorted = days[order]
    if aggregate is None:
        aggregate = n > MAX_INDIVIDUAL_MARKERS
    if aggregate:
        first_day = int(days_sorted[0])
        bins = (days_sorted - first_day) // bin_days
        starts = np.r_[True, bins[1:] != bins[:-1]]
        first = order[starts]
        counts = np.diff(np.r_[np.flatnonzero(starts), n])
        day_vals = first_day + bins[starts] * bin_days
        xs = np.array([bin_x(int(d), bin_days, tz, day_starts) for d in day_vals], dtype=float)
        height = LANE_MIN_HEIGHT
        ys = np.full(len(xs), LANE_TOP - height / 2)
        # Only the first event of each bin: not the whole id column as Python objects.
        first_ids = frame["id"].take(first).to_numpy(dtype=object)
        return Markers(
            xs,
            ys,
            [str(i) for i in first_ids],
            counts,
            True,
            day_vals,
            LANE_TOP - height,
            bin_days,
            first_day,
            np.asarray(first, dtype=np.int64),
        )
    starts = np.r_[True, days_sorted[1:] != days_sorted[:-1]]
    ids = frame["id"].to_numpy(dtype=object)
    idx = np.arange(n)
    group_start = np.maximum.accumulate(np.where(starts, idx, 0))
    rank_sorted = idx - group_start
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_sorted
    per_day = int(rank.max()) + 1
    step = min(LANE_STEP_MAX, LANE_MAX_HEIGHT / per_day)
    height = min(LANE_MAX_HEIGHT, max(LANE_MIN_HEIGHT, step * per_day))
    ys = LANE_TOP - step * (rank + 0.5)
    xs = t_ns / NS_PER_S
    return Markers(
        xs, ys, [str(i) for i in ids], np.ones(n, dtype=np.int64), False, days, LANE_TOP - height
    )


def marker_colour(colour: str | None, fg: QColor) -> QColor:
    """A VERIFICATION_STYLE colour: hollow for None, the foreground for "fg"."""
    if colour is None:
        return QColor(0, 0, 0, 0)
    if colour == "fg":
        return QColor(fg)
    return QColor(colour)


class Ring(pg.ScatterPlotItem):
    """The selected-event highlight: drawn over the markers, never takes their clicks."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class EdgeHint(pg.TextItem):
    """An "N earlier / later events" box: it looks clickable and is (``on_click``)."""

    def __init__(self, anchor: tuple[float, float]):
        super().__init__("", anchor=anchor)
        self.on_click = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to bring these events into view")

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and self.on_click is not None:
            ev.accept()
            self.on_click()
        else:
            ev.ignore()


class EventLane:
    """The lane's plot items: ``scatter`` (the markers; its ``sigClicked`` is the panel's),
    ``ring`` (the selected event), ``hint_left`` / ``hint_right`` (events out of view)."""

    def __init__(self, plot_item: pg.PlotItem):
        self._plot = plot_item
        self.markers: Markers | None = None
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._events: EventBasis | None = None  # what the markers were made from
        self._palette: tuple | None = None  # the last apply_palette arguments
        self.on_rebinned = None  # called after the bins changed with the zoom
        self.rebin_paused = False  # (while the chart is framed: re-binned once after)
        plot_item.getViewBox().sigXRangeChanged.connect(self._on_range_changed)
        plot_item.getViewBox().sigResized.connect(self._on_range_changed)  # pixels per day
        self.scatter = pg.ScatterPlotItem(pxMode=True, symbol="d", size=9)
        self.scatter.setZValue(10)
        plot_item.addItem(self.scatter)
        self.ring = Ring(pxMode=True, symbol="o", size=17)
        self.ring.setZValue(11)
        plot_item.addItem(self.ring)
        self.hint_left = EdgeHint(anchor=(0, 0.5))
        self.hint_right = EdgeHint(anchor=(1, 0.5))
        for hint in (self.hint_left, self.hint_right):
            hint.setZValue(25)
            hint.hide()
            plot_item.addItem(hint, ignoreBounds=True)

    def set_events(self, frame: pd.DataFrame, tz: tzinfo, version: int | None = None) -> None:
        """The markers of ``frame`` (the event table's frame at ``version``), made anew."""
        self._events = EventBasis(frame, tz, version) if len(frame) else None
        aggregate, days = self._wanted()
        days_order = self._events.days_order() if self._events is not None else None
        starts = self._events.day_starts if self._events is not None else None
        self.markers = compute_markers(frame, tz, days, days_order, aggregate, starts)
        self._sorted = None

    def shows(self, frame: pd.DataFrame, tz: tzinfo) -> bool:
        """Were the markers made from events at the times and verifications of ``frame``
        (nothing to draw again)?"""
        events = self._events
        if events is None:
            return False
        return events.tz is tz and events.same(frame)

    def take_events(self, frame: pd.DataFrame, tz: tzinfo, table) -> str:
        """The events changed (``frame``: the event ``table``'s frame now): "followed" (its
        last edit taken in, markers drawn again), "same" (nothing shown changed: when, how
        verified) or "made" (made anew: the caller applies the palette)."""
        version = getattr(table, "version", None)
        followed = None
        if version is not None:
            followed = self.follow(frame, tz, version, getattr(table, "last_edit", None))
        if followed:
            self.redraw()
            return "followed"
        if followed is False:
            return "same"
        if self.shows(frame, tz):
            assert self._events is not None
            self._events.frame, self._events.version = frame, version
            return "same"
        self.set_events(frame, tz, version)
        return "made"

    def follow(self, frame: pd.DataFrame, tz: tzinfo, version: int, last_edit) -> bool | None:
        """Take the event table's last edit (``last_edit``: its version, "add" / "replace" /
        "remove", the row, the id) into the markers, ``frame`` being the table's frame now:
        None if it cannot be followed (then :meth:`set_events`), else whether the markers
        changed (to be drawn again). Aggregated markers (a big table) are followed bin by
        bin: a million events are not binned again for one."""
        events, m = self._events, self.markers
        if (
            events is None
            or m is None
            or not m.aggregated
            or m.first_rows is None
            or events.tz is not tz
            or events.version is None
            or last_edit is None
            or last_edit[0] != events.version + 1
            or version != last_edit[0]
        ):
            return None
        _v, kind, row, _id = last_edit
        n = len(events.t_ns)
        if min(n, len(frame)) <= MAX_INDIVIDUAL_MARKERS:
            return None  # (might be drawn one by one now)
        changed = follow_bins(m, events, frame, kind, int(row))
        if changed is None:
            self._events = None
            return None
        events.frame, events.version = frame, version
        if changed:
            self._sorted = None
        return changed

    def _wanted(self) -> tuple[bool, int]:
        """(aggregate?, days per bin) for the events and the zoom shown."""
        events = self._events
        if events is None:
            return False, 1
        vb = self._plot.getViewBox()
        (x0, x1), width = vb.viewRange()[0], vb.width()
        if len(events.t_ns) > MAX_INDIVIDUAL_MARKERS:
            aggregate = True
        else:
            times = events.sorted_seconds()
            shown = int(np.searchsorted(times, x1, "right") - np.searchsorted(times, x0, "left"))
            aggregate = width > 1 and shown > width / MARK_PX * STACKED_PER_MARK
        return aggregate, (self._bin_days() if aggregate else 1)

    def _bin_days(self) -> int:
        vb = self._plot.getViewBox()
        (x0, x1), width = vb.viewRange()[0], vb.width()
        return bin_days_for((x1 - x0) / width) if width > 1 and x1 > x0 else 1

    def _on_range_changed(self, *_args) -> None:
        """Re-bin when the zoom asks for other bins (a few levels: not on every pan)."""
        if not self.rebin_paused:
            self.rebin()

    def rebin(self, notify: bool = True) -> None:
        """The bins the zoom shown asks for, made if they are not the markers' (then drawn in
        the last palette and, if ``notify``, ``on_rebinned`` called)."""
        m, events = self.markers, self._events
        if m is None or events is None:
            return
        aggregate, days = self._wanted()
        if (aggregate, days) == (m.aggregated, m.bin_days):
            return
        frame, tz = events.frame, events.tz
        self.markers = compute_markers(
            frame, tz, days, events.days_order(), aggregate, events.day_starts
        )
        self._sorted = None
        if self._palette is not None:
            self.apply_palette(events.frame, *self._palette[1:])
        if notify and self.on_rebinned is not None:
            self.on_rebinned()

    def redraw(self) -> None:
        """Draw the markers again in the last palette (after :meth:`follow` changed them)."""
        if self._palette is not None and self._events is not None:
            self.apply_palette(self._events.frame, *self._palette[1:])

    def bin_text(self, i: int, format_day) -> str:
        """``12 events on 2024-11-30`` or ``340 events, 2024-11-01 to 2024-11-07``."""
        m = self.markers
        assert m is not None
        count = int(m.counts[i])
        what = f"{count} event{'s' if count != 1 else ''}"
        first = int(m.day_of_point[i])
        if m.bin_days == 1:
            return f"{what} on {format_day(date.fromordinal(first))}"
        last = date.fromordinal(first + m.bin_days - 1)
        return f"{what}, {format_day(date.fromordinal(first))} to {format_day(last)}"

    @property
    def middle(self) -> float:
        """The lane's vertical middle (y)."""
        return (LANE_TOP + self.markers.lane_bottom) / 2 if self.markers is not None else LANE_TOP

    # -- colours --------------------------------------------------------------------------
    def apply_palette(self, frame: pd.DataFrame, fg: QColor, bg: QColor, highlight: QColor) -> None:
        self._palette = (frame, fg, bg, highlight)
        self.ring.setPen(pg.mkPen(highlight, width=2.5))
        self.ring.setBrush(pg.mkBrush(QColor(0, 0, 0, 0)))
        for hint in (self.hint_left, self.hint_right):
            hint.setColor(fg)
            hint.fill = pg.mkBrush(bg)
            hint.border = pg.mkPen(mix(fg, bg, 0.6))
        m = self.markers
        if m is None:
            self.scatter.setData(x=[], y=[])
            return
        pen = pg.mkPen(fg, width=1)
        mid = mix(fg, bg, 0.45)
        data = np.array(m.ids, dtype=object)
        if m.aggregated:
            sizes = np.clip(7 + 2.5 * np.log10(m.counts), 7, 16)
            self.scatter.setData(
                x=m.xs, y=m.ys, size=sizes, pen=pen, brush=pg.mkBrush(mid), data=data
            )
            return
        verification = frame["verification"].astype(str).to_numpy()
        brushes = {
            key: pg.mkBrush(marker_colour(colour, fg))
            for key, (colour, _label) in VERIFICATION_STYLE.items()
        }
        fallback = pg.mkBrush(mid)
        brush_list = [brushes.get(v, fallback) for v in verification]
        self.scatter.setData(x=m.xs, y=m.ys, size=9, pen=pen, brush=brush_list, data=data)

    # -- looking up -----------------------------------------------------------------------
    def index_of(self, event_id: str, frame: pd.DataFrame, tz: tzinfo) -> int | None:
        """The marker that stands for ``event_id`` (its day's marker when aggregated)."""
        m = self.markers
        if m is None or not event_id:
            return None
        if not m.aggregated:
            try:
                return m.ids.index(event_id)
            except ValueError:
                return None
        rows = np.flatnonzero((frame["id"] == event_id).to_numpy(dtype=bool, na_value=False))
        if not len(rows):
            return None
        day = local_days(frame["time_ns"].to_numpy(dtype=np.int64)[rows[:1]], tz)[0]
        first = m.first_day + (int(day) - m.first_day) // m.bin_days * m.bin_days
        hits = np.flatnonzero(m.day_of_point == first)
        return int(hits[0]) if len(hits) else None

    def highlight(self, point: tuple[float, float] | None) -> None:
        if point is None:
            self.ring.setData(x=[], y=[])
        else:
            self.ring.setData(x=[point[0]], y=[point[1]])

    def hit(self, scene_pos: QPointF) -> int | None:
        """The marker under a scene position (the nearest if several), or None."""
        if self.markers is None:
            return None
        pts = self.scatter.pointsAt(self.scatter.mapFromScene(scene_pos))
        if len(pts) == 0:
            return None
        return self.nearest(pts, scene_pos)

    def nearest(self, pts, scene_pos: QPointF) -> int:
        vb = self._plot.getViewBox()
        best, best_d = pts[0].index(), math.inf
        for p in pts:
            sp = vb.mapViewToScene(p.pos())
            d = (sp.x() - scene_pos.x()) ** 2 + (sp.y() - scene_pos.y()) ** 2
            if d < best_d:
                best, best_d = p.index(), d
        return best

    def sorted_xs(self) -> tuple[np.ndarray, np.ndarray]:
        """Marker xs in ascending order, with the events behind each."""
        m = self.markers
        assert m is not None
        if self._sorted is None:
            order = np.argsort(m.xs, kind="stable")
            self._sorted = (m.xs[order], m.counts[order])
        return self._sorted

    def update_edge_hints(self, vx0: float, vx1: float) -> None:
        """Count the events left and right of the visible range at the ends of the lane."""
        if self.markers is None:
            self.hint_left.hide()
            self.hint_right.hide()
            return
        xs, weights = self.sorted_xs()
        cw = np.r_[0, np.cumsum(weights)]
        left = int(cw[np.searchsorted(xs, vx0, side="left")])
        right = int(cw[-1] - cw[np.searchsorted(xs, vx1, side="right")])
        y = self.middle
        for item, count, x, text in (
            (self.hint_left, left, vx0, f"\u25c2 {left} earlier event{'s' if left != 1 else ''}"),
            (self.hint_right, right, vx1, f"{right} later event{'s' if right != 1 else ''} \u25b8"),
        ):
            if count:
                item.setText(text)
                item.setPos(x, y)
                item.show()
            else:
                item.hide()
