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

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from monitor.model import Moment
from monitor.model.series import territory_series
from monitor.model.text import isolate
from monitor.ui.context import ScenarioContext
from monitor.ui.territory.areas import DAY_S, StackedAreas
from monitor.ui.territory.axis import DateAxis
from monitor.ui.territory.colors import color, mix
from monitor.ui.territory.legend import Legend, LegendEntry
from monitor.ui.territory.markers import VERIFICATION_STYLE, EventLane, marker_colour
from monitor.ui.territory.navigation import ChartNavigation

if TYPE_CHECKING:
    from monitor.briefing import BriefingOptions

NO_TERRITORY = "No territory data in this scenario"
MAX_TITLE = 90  # event titles in the read-out are cut to this many characters
CLUSTER_GAP_S = 30 * DAY_S  # data further apart than this is a separate cluster (see _core_range)


def _with_margin(lo: float, hi: float) -> tuple[float, float]:
    margin = max(0.5 * DAY_S, 0.03 * (hi - lo))
    return lo - margin, hi + margin


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
        self._territory = territory_series(ctx.scenario)
        self._frame_range: tuple[float, float] = (0.0, DAY_S)
        self._initial_range: tuple[float, float] = (0.0, DAY_S)
        self._top = 100.0  # the chart's top share (%)
        self._hovering = False
        self._applying_palette = False
        self._legend_kind: tuple[bool | None] | None = None  # the legend's (refresh_markers)

        self.date_axis = DateAxis(orientation="bottom")  # (no labels drawn over others)
        self.plot_widget = pg.PlotWidget(parent=self, axisItems={"bottom": self.date_axis})
        self.plot_widget.setObjectName("territoryPlot")
        self.plot_widget.setAccessibleName("Controlled territory chart")
        self.plot_widget.setMinimumHeight(160)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.plot_item.setMouseEnabled(x=True, y=False)
        self.plot_item.getViewBox().disableAutoRange()
        self.plot_item.setLabel("left", "% of area")

        self.areas = StackedAreas(self.plot_item)
        self.lane = EventLane(self.plot_item)
        self.markers = self.lane.scatter
        self.markers.sigClicked.connect(self._on_markers_clicked)
        self.navigation = ChartNavigation(self)  # Home / button / menu: reset; edge boxes
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

        self.legend = Legend(self)
        self.faction_legend: dict[str, LegendEntry] = {}

        self.readout = QLabel(self)
        self.readout.setObjectName("territoryReadout")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        # The legend and read-out scroll below the chart when the dock is short, instead of
        # squeezing the chart under them (their texts grow with the factions and the hover).
        below = QWidget(self)
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.setSpacing(4)
        below_layout.addWidget(self.legend)
        below_layout.addWidget(self.readout)
        below_layout.addStretch(1)
        self.below = QScrollArea(self)
        self.below.setObjectName("territoryLegendArea")
        self.below.setWidget(below)
        self.below.setWidgetResizable(True)
        self.below.setFrameShape(QFrame.Shape.NoFrame)
        self.below.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.plot_widget, 3)
        layout.addWidget(self.below, 2)

        self.plot_widget.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.plot_widget.viewport().installEventFilter(self)
        self.plot_item.getViewBox().sigXRangeChanged.connect(self._on_view_range_changed)

        ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        ctx.events_changed.connect(self._on_ctx_events_changed)
        ctx.entity_changed.connect(self._on_ctx_entity_changed)
        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.event_selected.connect(self._on_ctx_event_selected)
        ctx.display_changed.connect(self._on_ctx_display_changed)

        self._rebuild()

    # -- public ------------------------------------------------------------------------
    @property
    def fills(self) -> dict[str, tuple[pg.FillBetweenItem, pg.FillBetweenItem]]:
        """Faction id -> (measured fill, estimated fill)."""
        return self.areas.fills

    def legend_entries(self) -> list[tuple[str, str, bool]]:
        """(faction name, "#rrggbb", any share of it estimated), in drawing order."""
        t = self._territory
        if t.empty:
            return []
        return [
            (f.name, color(f.color).name(), bool(t.estimated[:, k].any()))
            for k, f in enumerate(t.factions)
        ]

    def marker_positions(self) -> list[tuple[str, float]]:
        """(event id, x in epoch seconds) of every marker.

        An aggregated (per-day) marker names the first event of its day.
        """
        m = self.lane.markers
        if m is None:
            return []
        return [(eid, float(x)) for eid, x in zip(m.ids, m.xs, strict=True)]

    def marker_point(self, event_id: str) -> tuple[float, float] | None:
        """View coordinates (x seconds, y) of the marker that stands for ``event_id``."""
        m = self.lane.markers
        i = self.lane.index_of(event_id, self.ctx.events_frame, self.ctx.tz)
        if i is None or m is None:
            return None
        return float(m.xs[i]), float(m.ys[i])

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
        values, est = t.at(xd)
        return day, {f.id: (float(values[k]), bool(est[k])) for k, f in enumerate(t.factions)}

    def frame_range(self) -> tuple[float, float]:
        """The x extent (epoch seconds) of all the data (territory and events) plus a margin.

        The view can be zoomed and panned within it; it opens on :meth:`initial_range`.
        """
        return self._frame_range

    def initial_range(self) -> tuple[float, float]:
        """The main x range of the data: all of it, unless a few far-off events would squash
        it, then the territory dates and the events around them. The chart opens on it
        widened to the cursor (``navigation.default_range()``)."""
        return self._initial_range

    def export_pdf(self, out: str | Path, options: BriefingOptions) -> Path:
        """The chart as a PDF over the time range it shows now."""
        from monitor.briefing import export_territory_pdf

        x0, x1 = self.plot_item.getViewBox().viewRange()[0]
        tz = self.ctx.tz
        rng = (datetime.fromtimestamp(x0, tz), datetime.fromtimestamp(x1, tz))
        return Path(export_territory_pdf(self.ctx.scenario, out, options, rng).path)

    # -- building ----------------------------------------------------------------------
    def _rebuild(self) -> None:
        self._territory = territory_series(self.ctx.scenario)
        self.areas.build(self._territory)
        self.lane.rebin_paused = True  # (the framing changes the range thrice: binned once)
        try:
            version = getattr(self.ctx.scenario.events, "version", None)
            self.lane.set_events(self.ctx.events_frame, self.ctx.tz, version)
            self._frame_view()
        finally:
            self.lane.rebin_paused = False
        self.lane.rebin(notify=False)
        ticks = [(v, str(v)) for v in range(0, int(self._top) + 1, 25)]
        if self.lane.markers is not None:
            ticks.append((self.lane.middle, "events"))
        self.plot_item.getAxis("left").setTicks([ticks, []])
        self._apply_palette()  # sets the markers' data and builds the legend, in its colours
        self._update_cursor_line()
        self.lane.update_edge_hints(*self.plot_item.getViewBox().viewRange()[0])
        self._update_highlight()
        self._fit_readout_height()
        self._show_readout_for_cursor()

    def _day_of(self, x: float) -> date:
        return datetime.fromtimestamp(x, self.ctx.tz).date()

    def _frame_view(self) -> None:
        """Frame the data's own time range (territory dates and events), never "now" or 1970."""
        t = self._territory
        lo: list[float] = []
        hi: list[float] = []
        if not t.empty:
            lo.append(float(t.xs[0]))
            hi.append(float(t.xs[-1]) + (DAY_S if len(t.xs) == 1 else 0.0))
        markers = self.lane.markers
        if markers is not None:
            lo.append(float(markers.xs.min()))
            hi.append(float(markers.xs.max()))
        if not lo:
            c = self.ctx.cursor_time().timestamp()
            lo, hi = [c - 3 * DAY_S], [c + 3 * DAY_S]
        x0, x1 = _with_margin(min(lo), max(hi))
        self._frame_range = (x0, x1)
        # A few far-off events (say, follow-ups a year later) would squash the chart into a
        # sliver: then open on the main cluster of data and let the user zoom or pan out to
        # the rest (the edge hints count the events out of view).
        view0, view1 = x0, x1
        if markers is not None:
            c0, c1 = _with_margin(*self._core_range())
            if (x1 - x0) > 2 * (c1 - c0):
                view0, view1 = max(x0, c0), min(x1, c1)
        self._initial_range = (view0, view1)
        top = 100.0
        if not t.empty:
            top = max(100.0, float(np.cumsum(t.shares, axis=1)[:, -1].max()))
        bottom = markers.lane_bottom - 1.0 if markers is not None else -1.0
        vb = self.plot_item.getViewBox()
        vb.setLimits(xMin=x0, xMax=x1, minXRange=DAY_S, yMin=bottom, yMax=top + 2)
        vb.setRange(xRange=(view0, view1), yRange=(bottom, top + 2), padding=0)
        self.navigation.reset()  # widened to the cursor, unless it is far from all the data
        self.date_axis.utcOffset = -int(
            datetime.fromtimestamp((x0 + x1) / 2, self.ctx.tz).utcoffset().total_seconds()
        )
        self._top = top  # (the left ticks are set once the lane is binned: see _rebuild)
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
        xs, weights = self.lane.sorted_xs()
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
        return mix(self._fg(), self._bg(), 0.45)

    def _build_legend(self) -> None:
        legend = self.legend
        legend.clear()
        self.faction_legend = {}
        bg, fg, mid = self._bg(), self._fg(), self._mid()
        t = self._territory
        if not t.empty:
            for f in t.factions:
                swatch = legend.area_swatch(color(f.color), False, bg, fg)
                self.faction_legend[f.id] = legend.add(swatch, f.name, True)
            if t.estimated.any():
                legend.add(
                    legend.area_swatch(mid, True, bg, fg),
                    "faded fill, dashed edge, (est.): estimate",
                )
        markers = self.lane.markers
        self._legend_kind = self._markers_kind()
        if markers is not None:
            if markers.aggregated:
                legend.add(legend.marker_swatch(mid, fg), "events per day or more (size: count)")
            else:
                present = set(self.ctx.events_frame["verification"].astype(str).unique())
                for key, (colour, label) in VERIFICATION_STYLE.items():
                    if key in present:
                        legend.add(
                            legend.marker_swatch(marker_colour(colour, fg), fg), f"{label} event"
                        )
        legend.setVisible(bool(legend.entries))

    def _apply_palette(self) -> None:
        """Take the chart's colours from the widget palette (light or dark), not pg options."""
        self._applying_palette = True
        try:
            bg, fg = self._bg(), self._fg()
            self.plot_widget.setBackground(bg)
            for name in ("left", "bottom"):
                axis = self.plot_item.getAxis(name)
                axis.setPen(pg.mkPen(mix(fg, bg, 0.3)))
                axis.setTextPen(pg.mkPen(fg))
            self.plot_item.getAxis("left").setLabel("% of area", color=fg.name())
            self.areas.apply_palette(bg)
            highlight = self.palette().color(QPalette.ColorRole.Highlight)
            self.cursor_line.setPen(pg.mkPen(highlight, width=2))
            self.cursor_line.label.setColor(highlight)
            self.cursor_line.label.fill = pg.mkBrush(mix(bg, fg, 0.0))
            self._hover_line.setPen(pg.mkPen(mix(fg, bg, 0.5), width=1, style=Qt.PenStyle.DotLine))
            self.note_item.setColor(fg)
            self.lane.apply_palette(self.ctx.events_frame, fg, bg, highlight)
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

    def refresh_markers(self) -> None:
        """The lane re-binned with the zoom and drew its marks: the legend if its entry changed."""
        if self._legend_kind is None:
            self._apply_palette()
        elif self._legend_kind != self._markers_kind():
            self._build_legend()
        self._update_highlight()

    def _markers_kind(self) -> tuple[bool | None]:
        """The legend's marker entry: (None,) for no events, else (aggregated?,)."""
        return (None if self.lane.markers is None else self.lane.markers.aggregated,)

    def _update_highlight(self) -> None:
        self.lane.highlight(self.marker_point(self.ctx.selected_event))

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
            f"{isolate(self.ctx.scenario.faction_name(fid))} {entry.value.text()}"
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
        m = self.lane.markers
        i = self.lane.hit(scene_pos)
        if m is None or i is None:
            return ""
        if m.aggregated:  # "N events on DAY", or over the bin's days
            return self.lane.bin_text(i, self._format_day)
        event = self.ctx.scenario.event(m.ids[i])
        if event is None:
            return ""
        when = self.ctx.format_moment(event.time)
        title = (  # the ellipsis outside the isolate: the title's bidi cannot touch it
            isolate(event.title)
            if len(event.title) <= MAX_TITLE
            else isolate(event.title[: MAX_TITLE - 1]) + "\u2026"
        )
        return f"Event: {title} ({when}, {event.verification.value})"

    # -- slots -----------------------------------------------------------------------------
    def _on_markers_clicked(self, _item, points, event) -> None:
        m = self.lane.markers
        if len(points) == 0 or m is None:
            return
        i = self.lane.nearest(points, event.scenePos()) if event is not None else points[0].index()
        self.ctx.select_event(m.ids[i])

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
        self.lane.update_edge_hints(*self.plot_item.getViewBox().viewRange()[0])

    def _on_ctx_scenario_replaced(self) -> None:
        self._hovering = False
        self._hover_line.hide()
        self._rebuild()

    def _on_ctx_events_changed(self, _event_id: str) -> None:
        # Only the event markers (the shares and the framing stay as they are).
        done = self.lane.take_events(self.ctx.events_frame, self.ctx.tz, self.ctx.scenario.events)
        if done == "made":
            self._apply_palette()
        if done != "same":
            self.lane.update_edge_hints(*self.plot_item.getViewBox().viewRange()[0])
            self._update_highlight()

    def _on_ctx_entity_changed(self, entity: str, _key: str) -> None:
        if entity in ("territory", "faction"):  # the shares, or a faction's name or colour
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
