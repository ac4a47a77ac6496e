"""Controlled-territory timeline: each faction's share of the reference area, stacked.

The chart is a pyqtgraph plot with a date axis. Between two territory dates the
shares are interpolated **linearly** (the read-out says so); a stretch between
two dates counts as an estimate when either end is estimated and is drawn with
a lighter fill and a dashed top edge. Below the areas, a lane of event markers
(one per event, or one per day when there are too many events to draw one by
one); clicking a marker selects the event through the context. A vertical line
shows the time cursor.

All text from the data file (faction names, event titles) is shown as plain
text: the legend and the read-out are ``QLabel`` widgets in plain-text format,
never pyqtgraph's HTML labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from monitor.model import Faction, Moment
from monitor.model.frames import territory_frame
from monitor.model.text import isolate
from monitor.ui.context import ScenarioContext

DAY_S = 86_400.0
NS_PER_S = 1_000_000_000
FSI, PDI = "\u2068", "\u2069"  # Unicode first-strong isolate / pop isolate

# Above this many events, markers are aggregated to one per day (count in the read-out).
MAX_INDIVIDUAL_MARKERS = 5000

# Event lane geometry, in y units (the areas use 0..100).
LANE_TOP = -2.0
LANE_STEP_MAX = 3.0
LANE_MIN_HEIGHT = 12.0
LANE_MAX_HEIGHT = 24.0

NO_TERRITORY = "No territory data in this scenario"

ESTIMATE_MIX = 0.5  # how far an estimated fill is blended towards the background
MAX_TITLE = 90  # event titles in the read-out are cut to this many characters
VALUE_SAMPLE = "100.0% (est.)"  # widest share read-out
CLUSTER_GAP_S = 30 * DAY_S  # data further apart than this is a separate cluster (see _core_range)

VERIFICATION_STYLE = {
    # verification -> (brush colour or None for "use foreground"/hollow, label)
    "confirmed": ("fg", "confirmed"),
    "reported": ("#8c8c8c", "reported"),
    "disputed": ("#e67e22", "disputed"),
    "denied": (None, "denied"),
}


def _isolate(text: str) -> str:
    """Wrap data text so right-to-left names don't reorder the Latin text around them
    (balanced: a stray U+2069 in the data cannot end the isolate early)."""
    return isolate(text)


def _color(value: str) -> QColor:
    c = QColor(value)
    return c if c.isValid() else QColor("#888888")


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def _with_margin(lo: float, hi: float) -> tuple[float, float]:
    margin = max(0.5 * DAY_S, 0.03 * (hi - lo))
    return lo - margin, hi + margin


def _segments(values: np.ndarray) -> np.ndarray:
    """Per-interval point pairs: [v0, v1, v1, v2, v2, v3, ...] (2 * (n - 1) values)."""
    return np.column_stack([values[:-1], values[1:]]).ravel()


@dataclass
class _Territory:
    """The territory table prepared for drawing and for the read-out."""

    factions: list[Faction] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    xs: np.ndarray = field(default_factory=lambda: np.empty(0))  # day starts, epoch seconds
    shares: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # dates x factions
    estimated: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=bool))

    @property
    def empty(self) -> bool:
        return len(self.dates) == 0


@dataclass
class _Markers:
    """Event markers as drawn: one point per event, or per day when aggregated."""

    xs: np.ndarray
    ys: np.ndarray
    ids: list[str]  # the event a click selects (first of the day when aggregated)
    counts: np.ndarray  # events behind each point (all 1 unless aggregated)
    aggregated: bool
    day_of_point: np.ndarray  # local day number of each point
    lane_bottom: float


class _FlowLayout(QLayout):
    """Lays items out left to right, wrapping to a new line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 10):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._hspace = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line_height = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line_height > 0:
                x = rect.x()
                y += line_height + 2
                line_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._hspace
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y()


class _Ring(pg.ScatterPlotItem):
    """The selected-event highlight: drawn over the markers, never takes their clicks."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class _LegendEntry(QWidget):
    """A colour swatch, a plain-text name and, for factions, the share read-out.

    The value label has a fixed width so that changing values never reflow the legend.
    """

    def __init__(self, swatch: QPixmap, text: str, with_value: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.swatch = QLabel(self)
        self.swatch.setPixmap(swatch)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setText(text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.swatch)
        layout.addWidget(self.label)
        self.value: QLabel | None = None
        if with_value:
            self.value = QLabel(self)
            self.value.setTextFormat(Qt.TextFormat.PlainText)
            # Fixed in both directions: a new value then never makes the window lay out again.
            self.value.setFixedSize(
                self.value.fontMetrics().horizontalAdvance(VALUE_SAMPLE) + 4,
                self.value.sizeHint().height(),
            )
            layout.addWidget(self.value)


class TerritoryPanel(QWidget):
    """Stacked-area chart of territory share per faction, with event markers and the time cursor.

    The legend doubles as the read-out: next to each faction's name it shows the share at
    the pointer (while hovering) or at the time cursor; the line under it gives the date,
    how the value was obtained (a territory date, or linear between two) and the event
    under the pointer.

    Public API:
      plot_widget: the ``pg.PlotWidget``; plot_item: its ``pg.PlotItem`` (for export).
      faction_legend: faction id -> legend entry (``.label`` name, ``.value`` share; QLabels).
      readout: the plain-text ``QLabel`` with the date line (and the event under the pointer);
      readout_text(): date line, every faction's share and the event line as one text.
      note_item: ``pg.TextItem`` (plain text) in the chart: "No territory data in this scenario".
      fills: faction id -> (measured fill, estimated fill) ``pg.FillBetweenItem``.
      markers: the event ``pg.ScatterPlotItem``; cursor_line: the cursor ``pg.InfiniteLine``.
      legend_entries() -> [(name, "#rrggbb", any_estimated)], marker_positions() ->
      [(event id, x seconds)], marker_point(id) -> (x, y), shares_at(x) -> (date,
      {faction id: (share, estimated)}) | None, x_of(datetime | date) -> x,
      frame_range() / initial_range() -> (x0, x1).
    """

    def __init__(self, ctx: ScenarioContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._territory = _Territory()
        self._markers: _Markers | None = None
        self._boundaries: list[pg.PlotCurveItem] = []  # not added to the plot: fill edges only
        self._edges: list[tuple[pg.PlotCurveItem, pg.PlotCurveItem]] = []
        self.fills: dict[str, tuple[pg.FillBetweenItem, pg.FillBetweenItem]] = {}
        self._frame_range: tuple[float, float] = (0.0, DAY_S)
        self._initial_range: tuple[float, float] = (0.0, DAY_S)
        self._sorted_xs: tuple[np.ndarray, np.ndarray] | None = None
        self._hovering = False
        self._applying_palette = False

        self.date_axis = pg.DateAxisItem(orientation="bottom")
        self.plot_widget = pg.PlotWidget(parent=self, axisItems={"bottom": self.date_axis})
        self.plot_widget.setObjectName("territoryPlot")
        self.plot_widget.setMinimumHeight(160)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.plot_item.setMouseEnabled(x=True, y=False)
        self.plot_item.getViewBox().disableAutoRange()
        self.plot_item.setLabel("left", "% of area")

        self.markers = pg.ScatterPlotItem(pxMode=True, symbol="d", size=9)
        self.markers.setZValue(10)
        self.markers.sigClicked.connect(self._on_markers_clicked)
        self.plot_item.addItem(self.markers)
        self._highlight = _Ring(pxMode=True, symbol="o", size=17)
        self._highlight.setZValue(11)
        self.plot_item.addItem(self._highlight)
        self.cursor_line = pg.InfiniteLine(
            angle=90, movable=False, label="", labelOpts={"position": 0.93}
        )
        self.cursor_line.setZValue(20)
        self.plot_item.addItem(self.cursor_line, ignoreBounds=True)
        self._hover_line = pg.InfiniteLine(angle=90, movable=False)
        self._hover_line.setZValue(19)
        self._hover_line.hide()
        self.plot_item.addItem(self._hover_line, ignoreBounds=True)
        # Shown in the middle of an empty chart; TextItem.setText sets plain text.
        self.note_item = pg.TextItem("", anchor=(0.5, 0.5))
        self.note_item.setZValue(30)
        self.note_item.hide()
        self.plot_item.addItem(self.note_item, ignoreBounds=True)
        self._hint_left = pg.TextItem("", anchor=(0, 0.5))
        self._hint_right = pg.TextItem("", anchor=(1, 0.5))
        for hint in (self._hint_left, self._hint_right):
            hint.setZValue(25)
            hint.hide()
            self.plot_item.addItem(hint, ignoreBounds=True)

        self.legend = QWidget(self)
        self.legend.setObjectName("territoryLegend")
        self._legend_layout = _FlowLayout(self.legend)
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._legend_widgets: list[_LegendEntry] = []
        self.faction_legend: dict[str, _LegendEntry] = {}

        self.readout = QLabel(self)
        self.readout.setObjectName("territoryReadout")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.readout)

        self.plot_widget.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.plot_widget.viewport().installEventFilter(self)
        self.plot_item.getViewBox().sigXRangeChanged.connect(self._on_view_range_changed)

        ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.event_selected.connect(self._on_ctx_event_selected)
        ctx.display_changed.connect(self._on_ctx_display_changed)
        ctx.crossing_changed.connect(self._on_ctx_crossing_changed)

        self._rebuild()

    # -- public ------------------------------------------------------------------------
    def legend_entries(self) -> list[tuple[str, str, bool]]:
        """(faction name, "#rrggbb", any share of it estimated), in drawing order."""
        t = self._territory
        if t.empty:
            return []
        return [
            (
                f.name,
                _color(f.color).name(),
                bool(t.estimated[:, k].any()) if not t.empty else False,
            )
            for k, f in enumerate(t.factions)
        ]

    def marker_positions(self) -> list[tuple[str, float]]:
        """(event id, x in epoch seconds) of every marker.

        An aggregated (per-day) marker names the first event of its day.
        """
        m = self._markers
        if m is None:
            return []
        return [(eid, float(x)) for eid, x in zip(m.ids, m.xs, strict=True)]

    def marker_point(self, event_id: str) -> tuple[float, float] | None:
        """View coordinates (x seconds, y) of the marker that stands for ``event_id``."""
        i = self._marker_index(event_id)
        if i is None or self._markers is None:
            return None
        return float(self._markers.xs[i]), float(self._markers.ys[i])

    def x_of(self, when: datetime | date) -> float:
        """Chart x (epoch seconds) of an instant, or of a day's start in the scenario's zone."""
        if isinstance(when, datetime):
            return when.timestamp()
        return Moment.of_day(when, self.ctx.tz).instant.timestamp()

    def shares_at(self, x: float) -> tuple[date, dict[str, tuple[float, bool]]] | None:
        """Shares at the start of the scenario day containing ``x``, linear between dates.

        Returns (that day, {faction id: (percent, estimated)}); after the last
        territory date the last values are held; ``None`` before the first date
        or with no territory data.
        """
        t = self._territory
        if t.empty:
            return None
        day = self._day_of(x)
        xd = self.x_of(day)
        if xd < t.xs[0]:
            return None
        i = int(np.searchsorted(t.xs, xd, side="right")) - 1
        if xd == t.xs[i] or i == len(t.xs) - 1:
            values = t.shares[i]
            est = t.estimated[i]
        else:
            frac = (xd - t.xs[i]) / (t.xs[i + 1] - t.xs[i])
            values = t.shares[i] + (t.shares[i + 1] - t.shares[i]) * frac
            est = t.estimated[i] | t.estimated[i + 1]
        return day, {f.id: (float(values[k]), bool(est[k])) for k, f in enumerate(t.factions)}

    def frame_range(self) -> tuple[float, float]:
        """The x extent (epoch seconds) of all the data (territory and events) plus a margin.

        The view can be zoomed and panned within it; it opens on :meth:`initial_range`.
        """
        return self._frame_range

    def initial_range(self) -> tuple[float, float]:
        """The x range the chart opens on: all the data, unless a few far-off events would
        squash it, then the territory dates and the central 90 % of the events."""
        return self._initial_range

    # -- building ----------------------------------------------------------------------
    def _rebuild(self) -> None:
        self._territory = self._load_territory()
        self._build_areas()
        self._markers = self._compute_markers()
        self._sorted_xs = None
        self._frame_view()
        self._apply_palette()  # sets the markers' data and builds the legend, in its colours
        self._update_cursor_line()
        self._update_edge_hints()
        self._update_highlight()
        self._fit_readout_height()
        self._show_readout_for_cursor()

    def _load_territory(self) -> _Territory:
        scenario = self.ctx.scenario
        frame = territory_frame(scenario)
        by_id = {f.id: f for f in scenario.factions}
        # Factions with no territory entry at all (e.g. outside the reference area) are not drawn.
        present = {t.faction for t in scenario.territory}
        factions = [by_id[c] for c in frame.columns if c in by_id and c in present]
        if frame.empty or not factions:
            return _Territory(factions=factions)
        frame = frame[[f.id for f in factions]]
        est = frame.attrs["estimated"].reindex(
            index=frame.index, columns=frame.columns, fill_value=False
        )
        dates = [d if isinstance(d, date) else pd.Timestamp(d).date() for d in frame.index]
        xs = np.array([self.x_of(d) for d in dates], dtype=float)
        return _Territory(
            factions=factions,
            dates=dates,
            xs=xs,
            shares=frame.to_numpy(dtype=float),
            estimated=est.to_numpy(dtype=bool),
        )

    def _build_areas(self) -> None:
        """Create (once per scenario) the boundary curves, fills and edges, then set their data."""
        for measured, estimated in self.fills.values():
            self.plot_item.removeItem(measured)
            self.plot_item.removeItem(estimated)
        for solid, dashed in self._edges:
            self.plot_item.removeItem(solid)
            self.plot_item.removeItem(dashed)
        self.fills, self._edges, self._boundaries = {}, [], []
        t = self._territory
        if t.empty:
            return
        clear = pg.mkPen(
            QColor(0, 0, 0, 0)
        )  # invisible boundaries (pen=None can leave a fill empty)
        # Per faction: bottom (top of the faction below), measured top, estimated top.
        for k, f in enumerate(t.factions):
            bottom = pg.PlotCurveItem(pen=clear)
            top_measured = pg.PlotCurveItem(pen=clear)
            top_estimated = pg.PlotCurveItem(pen=clear)
            self._boundaries += [bottom, top_measured, top_estimated]
            measured = pg.FillBetweenItem(bottom, top_measured)
            estimated = pg.FillBetweenItem(bottom, top_estimated)
            measured.setZValue(k * 0.01)
            estimated.setZValue(k * 0.01)
            self.plot_item.addItem(measured)
            self.plot_item.addItem(estimated)
            self.fills[f.id] = (measured, estimated)
            solid = pg.PlotCurveItem()
            dashed = pg.PlotCurveItem()
            solid.setZValue(5 + k * 0.01)
            dashed.setZValue(5 + k * 0.01)
            self.plot_item.addItem(solid)
            self.plot_item.addItem(dashed)
            self._edges.append((solid, dashed))
        self._set_area_data()

    def _set_area_data(self) -> None:
        t = self._territory
        xs, shares, est = t.xs, t.shares, t.estimated
        if len(xs) == 1:  # a single date: show it as one day wide
            xs = np.array([xs[0], xs[0] + DAY_S])
            shares = np.repeat(shares, 2, axis=0)
            est = np.repeat(est, 2, axis=0)
        cum = np.cumsum(shares, axis=1)
        seg_x = _segments(xs)
        interval_est = est[:-1] | est[1:]  # a stretch is an estimate when either end is
        flag = np.repeat(interval_est, 2, axis=0)  # per segment point
        below = np.zeros(len(seg_x))
        for k in range(len(t.factions)):
            top = _segments(cum[:, k])
            bottom_c, top_m, top_e = self._boundaries[3 * k : 3 * k + 3]
            bottom_c.setData(seg_x, below)
            top_m.setData(seg_x, np.where(flag[:, k], below, top))
            top_e.setData(seg_x, np.where(flag[:, k], top, below))
            connect_solid = np.zeros(len(seg_x), dtype=bool)
            connect_solid[0::2] = ~interval_est[:, k]
            connect_dashed = np.zeros(len(seg_x), dtype=bool)
            connect_dashed[0::2] = interval_est[:, k]
            solid, dashed = self._edges[k]
            solid.setData(seg_x, top, connect=connect_solid)
            dashed.setData(seg_x, top, connect=connect_dashed)
            below = top

    def _compute_markers(self) -> _Markers | None:
        frame = self.ctx.events_frame
        n = len(frame)
        if n == 0:
            return None
        t_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        days = self._local_days(t_ns)
        order = np.lexsort((np.arange(n), t_ns))  # time order, then file order
        days_sorted = days[order]
        starts = np.r_[True, days_sorted[1:] != days_sorted[:-1]]
        if n > MAX_INDIVIDUAL_MARKERS:
            first = order[starts]
            counts = np.diff(np.r_[np.flatnonzero(starts), n])
            day_vals = days_sorted[starts]
            xs = np.array([self.x_of(date.fromordinal(int(d))) for d in day_vals], dtype=float)
            height = LANE_MIN_HEIGHT
            ys = np.full(len(xs), LANE_TOP - height / 2)
            # Only the first event of each day: not the whole id column as Python objects.
            first_ids = frame["id"].take(first).to_numpy(dtype=object)
            return _Markers(
                xs, ys, [str(i) for i in first_ids], counts, True, day_vals, LANE_TOP - height
            )
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
        return _Markers(
            xs,
            ys,
            [str(i) for i in ids],
            np.ones(n, dtype=np.int64),
            False,
            days,
            LANE_TOP - height,
        )

    def _local_days(self, t_ns: np.ndarray) -> np.ndarray:
        """Proleptic ordinal of the scenario-local calendar day of each instant."""
        local = pd.DatetimeIndex(pd.to_datetime(t_ns, unit="ns", utc=True)).tz_convert(self.ctx.tz)
        naive = local.tz_localize(None).as_unit("ns").asi8
        return naive // (86_400 * NS_PER_S) + date(1970, 1, 1).toordinal()

    def _day_of(self, x: float) -> date:
        return datetime.fromtimestamp(x, self.ctx.tz).date()

    def _update_markers(self) -> None:
        m = self._markers
        if m is None:
            self.markers.setData(x=[], y=[])
            return
        fg = self._fg()
        frame = self.ctx.events_frame
        pen = pg.mkPen(fg, width=1)
        if m.aggregated:
            sizes = np.clip(7 + 2.5 * np.log10(m.counts), 7, 16)
            self.markers.setData(
                x=m.xs,
                y=m.ys,
                size=sizes,
                pen=pen,
                brush=pg.mkBrush(self._mid()),
                data=np.array(m.ids, dtype=object),
            )
            return
        verification = frame["verification"].astype(str).to_numpy()
        brushes = {}
        for key, (colour, _label) in VERIFICATION_STYLE.items():
            brushes[key] = pg.mkBrush(self._marker_colour(colour))
        fallback = pg.mkBrush(self._mid())
        brush_list = [brushes.get(v, fallback) for v in verification]
        self.markers.setData(
            x=m.xs, y=m.ys, size=9, pen=pen, brush=brush_list, data=np.array(m.ids, dtype=object)
        )

    def _marker_colour(self, colour: str | None) -> QColor:
        if colour is None:
            return QColor(0, 0, 0, 0)
        if colour == "fg":
            return self._fg()
        return QColor(colour)

    def _build_legend(self) -> None:
        for w in self._legend_widgets:
            self._legend_layout.removeWidget(w)
            w.hide()  # deleteLater alone leaves it painted until the event loop runs
            w.deleteLater()
        self._legend_widgets = []
        self.faction_legend = {}
        t = self._territory
        if not t.empty:
            for f in t.factions:
                entry = self._add_legend(self._swatch(_color(f.color), False), f.name, True)
                self.faction_legend[f.id] = entry
            if t.estimated.any():
                self._add_legend(
                    self._swatch(self._mid(), estimated=True),
                    "faded fill, dashed edge, (est.): estimate",
                )
        if self._markers is not None:
            if self._markers.aggregated:
                self._add_legend(self._marker_swatch(self._mid()), "events per day (click: first)")
            else:
                present = set(self.ctx.events_frame["verification"].astype(str).unique())
                for key, (colour, label) in VERIFICATION_STYLE.items():
                    if key in present:
                        self._add_legend(
                            self._marker_swatch(self._marker_colour(colour)), f"{label} event"
                        )
        self.legend.setVisible(bool(self._legend_widgets))

    def _add_legend(self, swatch: QPixmap, text: str, with_value: bool = False) -> _LegendEntry:
        entry = _LegendEntry(swatch, text, with_value, self.legend)
        self._legend_layout.addWidget(entry)
        self._legend_widgets.append(entry)
        return entry

    def _swatch(self, colour: QColor, estimated: bool) -> QPixmap:
        h = max(10, self.fontMetrics().height() - 4)
        pix = QPixmap(int(h * 1.6), h)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        fill = _mix(colour, self._bg(), ESTIMATE_MIX) if estimated else colour
        p.fillRect(0, 2, pix.width(), h - 2, fill)
        pen = QPen(colour.darker(130), 2)
        if estimated:
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setColor(self._fg())
        p.setPen(pen)
        p.drawLine(0, 1, pix.width(), 1)
        p.end()
        return pix

    def _marker_swatch(self, colour: QColor) -> QPixmap:
        h = max(10, self.fontMetrics().height() - 4)
        pix = QPixmap(h, h)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(self._fg(), 1))
        p.setBrush(colour)
        c = h / 2
        r = h / 2 - 1
        p.drawPolygon([QPointF(c, c - r), QPointF(c + r, c), QPointF(c, c + r), QPointF(c - r, c)])
        p.end()
        return pix

    def _frame_view(self) -> None:
        """Frame the data's own time range (territory dates and events), never "now" or 1970."""
        t = self._territory
        lo: list[float] = []
        hi: list[float] = []
        if not t.empty:
            lo.append(float(t.xs[0]))
            hi.append(float(t.xs[-1]) + (DAY_S if len(t.xs) == 1 else 0.0))
        if self._markers is not None:
            lo.append(float(self._markers.xs.min()))
            hi.append(float(self._markers.xs.max()))
        if not lo:
            c = self.ctx.cursor_time().timestamp()
            lo, hi = [c - 3 * DAY_S], [c + 3 * DAY_S]
        x0, x1 = _with_margin(min(lo), max(hi))
        self._frame_range = (x0, x1)
        # A few far-off events (say, follow-ups a year later) would squash the chart into a
        # sliver: then open on the main cluster of data and let the user zoom or pan out to
        # the rest (the edge hints count the events out of view).
        view0, view1 = x0, x1
        if self._markers is not None:
            c0, c1 = _with_margin(*self._core_range())
            if (x1 - x0) > 2 * (c1 - c0):
                view0, view1 = max(x0, c0), min(x1, c1)
        self._initial_range = (view0, view1)
        top = 100.0
        if not t.empty:
            top = max(100.0, float(np.cumsum(t.shares, axis=1)[:, -1].max()))
        bottom = self._markers.lane_bottom - 1.0 if self._markers is not None else -1.0
        vb = self.plot_item.getViewBox()
        vb.setLimits(xMin=x0, xMax=x1, minXRange=DAY_S, yMin=bottom, yMax=top + 2)
        vb.setRange(xRange=(view0, view1), yRange=(bottom, top + 2), padding=0)
        self.date_axis.utcOffset = -int(
            datetime.fromtimestamp((x0 + x1) / 2, self.ctx.tz).utcoffset().total_seconds()
        )
        ticks = [(v, str(v)) for v in range(0, int(top) + 1, 25)]
        if self._markers is not None:
            ticks.append(((LANE_TOP + self._markers.lane_bottom) / 2, "events"))
        self.plot_item.getAxis("left").setTicks([ticks, []])
        if t.empty:
            self.note_item.setText(NO_TERRITORY)
            self.note_item.setPos((view0 + view1) / 2, 50)
            self.note_item.show()
        else:
            self.note_item.hide()

    def _core_range(self) -> tuple[float, float]:
        """The main cluster of data: the territory dates with the events that run on from them
        without a gap longer than CLUSTER_GAP_S (with no territory: the cluster holding the
        most events)."""
        xs, weights = self._sorted_event_xs()
        spans = [(float(x), float(x), int(w), False) for x, w in zip(xs, weights, strict=True)]
        t = self._territory
        if not t.empty:
            end = float(t.xs[-1]) + (DAY_S if len(t.xs) == 1 else 0.0)
            spans.append((float(t.xs[0]), end, 0, True))
            spans.sort(key=lambda sp: sp[0])
        clusters: list[list] = []
        for lo, hi, weight, territory in spans:
            if clusters and lo - clusters[-1][1] <= CLUSTER_GAP_S:
                c = clusters[-1]
                c[1] = max(c[1], hi)
                c[2] += weight
                c[3] = c[3] or territory
            else:
                clusters.append([lo, hi, weight, territory])
        best = max(clusters, key=lambda c: (c[3], c[2]))
        return best[0], best[1]

    def _sorted_event_xs(self) -> tuple[np.ndarray, np.ndarray]:
        m = self._markers
        assert m is not None
        if self._sorted_xs is None:
            order = np.argsort(m.xs, kind="stable")
            self._sorted_xs = (m.xs[order], m.counts[order])
        return self._sorted_xs

    def _update_edge_hints(self) -> None:
        """Count the events left and right of the visible range at the ends of the event lane."""
        m = self._markers
        if m is None:
            self._hint_left.hide()
            self._hint_right.hide()
            return
        (vx0, vx1), _ = self.plot_item.getViewBox().viewRange()
        xs, weights = self._sorted_event_xs()
        cw = np.r_[0, np.cumsum(weights)]
        left = int(cw[np.searchsorted(xs, vx0, side="left")])
        right = int(cw[-1] - cw[np.searchsorted(xs, vx1, side="right")])
        y = (LANE_TOP + m.lane_bottom) / 2
        for item, count, x, text in (
            (self._hint_left, left, vx0, f"\u25c2 {left} earlier event{'s' if left != 1 else ''}"),
            (
                self._hint_right,
                right,
                vx1,
                f"{right} later event{'s' if right != 1 else ''} \u25b8",
            ),
        ):
            if count:
                item.setText(text)
                item.setPos(x, y)
                item.show()
            else:
                item.hide()

    def _fit_readout_height(self) -> None:
        """Fix the read-out's height to its longest possible text, so hovering never
        makes the chart jump."""
        sample = "\n".join(
            [
                "Pointer 2024-11-30: linear between 2024-11-26 and 2024-12-05",
                "Event: " + "x" * MAX_TITLE + " (2024-11-30 23:59 UTC+03:00, confirmed)",
            ]
        )
        width = max(100, self.width() - 8)
        current = self.readout.text()
        self.readout.setText(sample)
        height = self.readout.heightForWidth(width)
        self.readout.setText(current)
        # Width fixed too: a widget of fixed size does not ask the window to lay out again when
        # its text changes (on every cursor step).
        self.readout.setFixedSize(width, max(height, self.readout.fontMetrics().lineSpacing() * 2))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_readout_height()

    # -- colours -----------------------------------------------------------------------
    def _bg(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Base)

    def _fg(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.WindowText)

    def _mid(self) -> QColor:
        return _mix(self._fg(), self._bg(), 0.45)

    def _apply_palette(self) -> None:
        """Take the chart's colours from the widget palette (light or dark), not pg options."""
        self._applying_palette = True
        try:
            bg, fg = self._bg(), self._fg()
            self.plot_widget.setBackground(bg)
            for name in ("left", "bottom"):
                axis = self.plot_item.getAxis(name)
                axis.setPen(pg.mkPen(_mix(fg, bg, 0.3)))
                axis.setTextPen(pg.mkPen(fg))
            self.plot_item.getAxis("left").setLabel("% of area", color=fg.name())
            for k, f in enumerate(self._territory.factions):
                if f.id not in self.fills:
                    continue
                colour = _color(f.color)
                measured, estimated = self.fills[f.id]
                measured.setBrush(pg.mkBrush(colour))
                estimated.setBrush(pg.mkBrush(_mix(colour, bg, ESTIMATE_MIX)))
                # Edges stand out from the fill: darker on a light chart, lighter on a dark one.
                edge = colour.darker(135) if bg.lightness() >= 128 else colour.lighter(140)
                solid, dashed = self._edges[k]
                solid.setPen(pg.mkPen(edge, width=1.5))
                dashed.setPen(pg.mkPen(edge, width=1.5, style=Qt.PenStyle.DashLine))
            highlight = self.palette().color(QPalette.ColorRole.Highlight)
            self.cursor_line.setPen(pg.mkPen(highlight, width=2))
            self.cursor_line.label.setColor(highlight)
            self.cursor_line.label.fill = pg.mkBrush(_mix(bg, fg, 0.0))
            self._hover_line.setPen(pg.mkPen(_mix(fg, bg, 0.5), width=1, style=Qt.PenStyle.DotLine))
            self._highlight.setPen(pg.mkPen(highlight, width=2.5))
            self._highlight.setBrush(pg.mkBrush(QColor(0, 0, 0, 0)))
            self.note_item.setColor(fg)
            for hint in (self._hint_left, self._hint_right):
                hint.setColor(fg)
                hint.fill = pg.mkBrush(bg)
                hint.border = pg.mkPen(_mix(fg, bg, 0.6))
            self._update_markers()
            self._build_legend()
            if not self._hovering:
                self._show_readout_for_cursor()
        finally:
            self._applying_palette = False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._applying_palette:
            self._apply_palette()

    # -- cursor, selection, read-out -----------------------------------------------------
    def _update_cursor_line(self) -> None:
        when = self.ctx.cursor_time()
        x = when.timestamp()
        vx0, vx1 = self.plot_item.getViewBox().viewRange()[0]
        pad = (vx1 - vx0) * 0.002
        label = "Live" if self.ctx.is_live else self.ctx.format_moment(Moment(when, False))
        if x > vx1:
            x, label = vx1 - pad, f"{label} \u25b8"
        elif x < vx0:
            x, label = vx0 + pad, f"\u25c2 {label}"
        self.cursor_line.setPos(x)
        self.cursor_line.label.setFormat(label.replace("{", "{{").replace("}", "}}"))

    def _marker_index(self, event_id: str) -> int | None:
        m = self._markers
        if m is None or not event_id:
            return None
        if not m.aggregated:
            try:
                return m.ids.index(event_id)
            except ValueError:
                return None
        frame = self.ctx.events_frame
        rows = np.flatnonzero((frame["id"] == event_id).to_numpy(dtype=bool, na_value=False))
        if not len(rows):
            return None
        day = self._local_days(frame["time_ns"].to_numpy(dtype=np.int64)[rows[:1]])[0]
        hits = np.flatnonzero(m.day_of_point == day)
        return int(hits[0]) if len(hits) else None

    def _update_highlight(self) -> None:
        point = self.marker_point(self.ctx.selected_event)
        if point is None:
            self._highlight.setData(x=[], y=[])
        else:
            self._highlight.setData(x=[point[0]], y=[point[1]])

    def _format_day(self, day: date) -> str:
        return self.ctx.format_moment(Moment.of_day(day, self.ctx.tz))

    def _readout(self, x: float, prefix: str) -> tuple[str, dict[str, tuple[float, bool]]]:
        """The date line for ``x`` and the shares there (empty before the first date)."""
        t = self._territory
        day = self._day_of(x)
        head = f"{prefix} {self._format_day(day)}"
        if t.empty:
            return head, {}  # the chart itself says there is no territory data
        result = self.shares_at(x)
        if result is None:
            first = self._format_day(t.dates[0])
            return f"{head}: before the first territory data ({first})", {}
        _day, values = result
        xd = self.x_of(day)
        if xd >= t.xs[-1]:
            note = (
                "territory data for this date"
                if xd == t.xs[-1]
                else f"latest territory data is {self._format_day(t.dates[-1])}"
            )
        else:
            i = int(np.searchsorted(t.xs, xd, side="right")) - 1
            if xd == t.xs[i]:
                note = "territory data for this date"
            else:
                a, b = self._format_day(t.dates[i]), self._format_day(t.dates[i + 1])
                note = f"linear between {a} and {b}"
        return f"{head}: {note}", values

    def _show_readout(self, x: float, prefix: str, event_line: str = "") -> None:
        head, values = self._readout(x, prefix)
        self.readout.setText(f"{head}\n{event_line}" if event_line else head)
        for fid, entry in self.faction_legend.items():
            if entry.value is None:
                continue
            if fid in values:
                share, est = values[fid]
                entry.value.setText(f"{share:.1f}%" + (" (est.)" if est else ""))
            else:
                entry.value.setText("\u2013")

    def readout_text(self) -> str:
        """What the read-out shows, as one plain text: the date line, then each faction's
        share as the legend shows it, then the event under the pointer if any."""
        lines = self.readout.text().split("\n")
        shares = [
            f"{_isolate(self.ctx.scenario.faction_name(fid))} {entry.value.text()}"
            for fid, entry in self.faction_legend.items()
            if entry.value is not None
        ]
        return "\n".join([lines[0], *shares, *lines[1:]])

    def _show_readout_for_cursor(self) -> None:
        prefix = "Cursor (Live)" if self.ctx.is_live else "Cursor"
        self._show_readout(self.ctx.cursor_time().timestamp(), prefix)

    def _show_readout_for_pointer(self, view_pos: QPointF, scene_pos: QPointF) -> None:
        self._show_readout(view_pos.x(), "Pointer", self._event_under(scene_pos))

    def _event_under(self, scene_pos: QPointF) -> str:
        m = self._markers
        if m is None:
            return ""
        pts = self.markers.pointsAt(self.markers.mapFromScene(scene_pos))
        if len(pts) == 0:
            return ""
        i = self._nearest_point(pts, scene_pos)
        if m.aggregated:
            count = int(m.counts[i])
            day = self._format_day(date.fromordinal(int(m.day_of_point[i])))
            return f"{count} event{'s' if count != 1 else ''} on {day}"
        event = self.ctx.scenario.event(m.ids[i])
        if event is None:
            return ""
        when = self.ctx.format_moment(event.time)
        title = (  # the ellipsis outside the isolate: the title's bidi cannot touch it
            _isolate(event.title)
            if len(event.title) <= MAX_TITLE
            else _isolate(event.title[: MAX_TITLE - 1]) + "\u2026"
        )
        return f"Event: {title} ({when}, {event.verification.value})"

    def _nearest_point(self, pts, scene_pos: QPointF) -> int:
        vb = self.plot_item.getViewBox()
        best, best_d = pts[0].index(), math.inf
        for p in pts:
            sp = vb.mapViewToScene(p.pos())
            d = (sp.x() - scene_pos.x()) ** 2 + (sp.y() - scene_pos.y()) ** 2
            if d < best_d:
                best, best_d = p.index(), d
        return best

    # -- slots -----------------------------------------------------------------------------
    def _on_markers_clicked(self, _item, points, event) -> None:
        if len(points) == 0 or self._markers is None:
            return
        i = (
            self._nearest_point(points, event.scenePos())
            if event is not None
            else points[0].index()
        )
        self.ctx.select_event(self._markers.ids[i])

    def _on_scene_mouse_moved(self, scene_pos: QPointF) -> None:
        vb = self.plot_item.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self._end_hover()
            return
        view_pos = vb.mapSceneToView(scene_pos)
        self._hovering = True
        self._hover_line.setPos(view_pos.x())
        self._hover_line.show()
        self._show_readout_for_pointer(view_pos, scene_pos)

    def _end_hover(self) -> None:
        if self._hovering:
            self._hovering = False
            self._hover_line.hide()
            self._show_readout_for_cursor()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.plot_widget.viewport() and event.type() == QEvent.Type.Leave:
            self._end_hover()
        return super().eventFilter(watched, event)

    def _on_view_range_changed(self, *_args) -> None:
        self._update_cursor_line()
        self._update_edge_hints()

    def _on_ctx_scenario_replaced(self) -> None:
        self._hovering = False
        self._hover_line.hide()
        self._rebuild()

    def _on_ctx_cursor_changed(self, _when: datetime) -> None:
        self._update_cursor_line()
        if not self._hovering:
            self._show_readout_for_cursor()

    def _on_ctx_event_selected(self, _event_id: str) -> None:
        self._update_highlight()

    def _on_ctx_display_changed(self) -> None:
        self._update_cursor_line()
        if not self._hovering:
            self._show_readout_for_cursor()

    def _on_ctx_crossing_changed(self, _crossing_id: str) -> None:
        """Crossings are not drawn here."""


__all__ = ["TerritoryPanel"]
