"""The territory chart for print, painted with plain ``QPainter`` calls.

Stacked areas per faction in faction colours (an estimated stretch lighter, with a dashed
top edge), faint gridlines, the as-of cursor as a dashed line, a date axis and a percent
axis, painted straight onto the page (``QPdfWriter``) at render time: vectors and real
text, and no widget, scene or pyqtgraph object, so a worker thread can draw it (QPainter on
a ``QPdfWriter``, ``QImage`` or ``QPicture`` is safe outside the GUI thread). The same code
serves the window's exports and ``monitor brief``.

:func:`chart_geometry` works out what to draw in chart units (points, origin top left);
:func:`paint_territory` paints it into a rectangle of a painter. The legend is painted by
:mod:`monitor.briefing.layout` under the chart with plain ``QPainter`` text (faction names
come from an untrusted file).

Sizes and strokes match the earlier pyqtgraph/SVG rendering: an 8-unit tick font, the
plot inset 33 units left, 9 top and 22.5 right and bottom; hairline strokes.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from monitor.briefing.content import Chart

TEXT_COLOR = "#333333"
AXIS_COLOR = "#8a8f98"
GRID_COLOR = QColor(255, 255, 255, 150)
FRAME_COLOR = "#000000"
MARKER_COLOR = "#1b1f24"
ESTIMATE_MIX = 0.5  # as the panel: an estimated fill is blended this far towards white
FILL_ALPHA = 0.88

# The plot inside the chart rectangle (chart units = points), as the pyqtgraph layout had it.
PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM = 33.0, 9.0, 22.5, 22.5
TICK_FONT_SIZE = 8.0  # units (pixel size under the chart's scale: points on the page)
TICK_LENGTH = 4.0  # inward
TICK_TEXT_OFFSET = 3.0
OVERHANG = 40.0  # a date label may reach this far past the plot's ends
# Stroke widths in chart units (the SVG's non-scaling strokes came out this thin in print).
BAND_PEN, EDGE_PEN, GRID_PEN, MARKER_PEN, AXIS_PEN, FRAME_PEN = 0.2, 0.35, 0.15, 0.25, 0.2, 0.25
Y_TICKS = (0, 25, 50, 75, 100)


def x_seconds(when: date | datetime, tz: tzinfo) -> float:
    """Axis coordinate: wall-clock time in the scenario zone, counted as if UTC (a date: its
    midnight). The date axis then labels ticks with the scenario's dates on any machine."""
    if isinstance(when, datetime):
        local = when.astimezone(tz).replace(tzinfo=None)
        return calendar.timegm(local.timetuple()) + local.microsecond / 1e6
    return float(calendar.timegm(when.timetuple()))


def _stack(
    c: Chart,
) -> tuple[np.ndarray, list[tuple[str, np.ndarray]], np.ndarray]:
    """Axis x of each date (plus the carried-forward point), each drawn faction's colour and
    values, and per stretch between two x (rows) and drawn faction (columns) whether it is an
    estimate (the model's rule: either end estimated; a carried-forward stretch as the last
    date)."""
    s = c.series
    x = [x_seconds(d, s.tz) for d in s.dates]
    shares, intervals = s.shares, s.interval_estimated()
    extra = False
    if c.hold_to is not None and x_seconds(c.hold_to, s.tz) > x[-1]:
        x.append(x_seconds(c.hold_to, s.tz))
        extra = True
    elif len(x) == 1:  # a single date and nothing to carry it to: a narrow column
        x = [x[0] - 43200.0, x[0] + 43200.0]
        extra = True
    if extra:
        shares = np.vstack([shares, shares[-1:]])
        intervals = np.vstack([intervals, s.estimated[-1:]])
    drawn = c.drawn()
    stacks = [(s.factions[j].color, shares[:, j].astype(float)) for j in drawn]
    return np.asarray(x, dtype=float), stacks, intervals[:, drawn]


def _runs(flags: np.ndarray) -> list[tuple[int, int, bool]]:
    """Runs of equal flags: (first, last + 1, flag)."""
    edges = np.flatnonzero(np.diff(flags.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(flags)]
    return [(a, b, bool(flags[a])) for a, b in itertools.pairwise(bounds)]


def _clip_grid(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The x positions of a band cut to [lo, hi]: the edges plus every data point inside."""
    start, stop = max(lo, float(x[0])), min(hi, float(x[-1]))
    if stop <= start:
        return np.empty(0)
    inside = x[(x > start) & (x < stop)]
    return np.concatenate(([start], inside, [stop]))


def _light(color: QColor) -> QColor:
    return QColor.fromRgbF(
        *(c + (1.0 - c) * ESTIMATE_MIX for c in (color.redF(), color.greenF(), color.blueF()))
    )


@dataclass(slots=True)
class Band:
    """One faction's stacked band over one run of stretches: the polygon (upper edge left
    to right, then the lower edge back), its fill and, if estimated, its dashed top edge."""

    polygon: list[tuple[float, float]]
    fill: QColor
    edge: list[tuple[float, float]] | None = None
    edge_color: QColor | None = None


@dataclass(slots=True)
class ChartGeometry:
    """What :func:`paint_territory` draws, in chart units (origin top left)."""

    width: float
    height: float
    plot: QRectF
    bands: list[Band] = field(default_factory=list)
    marker_x: float | None = None
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)


def x_range_seconds(c: Chart) -> tuple[float, float]:
    """The chart's visible range in axis seconds (never empty)."""
    tz = c.series.tz
    if c.x_range is not None:
        lo, hi = (x_seconds(v, tz) for v in c.x_range)
    else:
        lo = x_seconds(c.series.dates[0], tz)
        hi = x_seconds(c.hold_to or c.series.dates[-1], tz)
    if hi <= lo:
        lo, hi = lo - 86400.0, hi + 86400.0
    return lo, hi


def chart_geometry(c: Chart, width: float, height: float) -> ChartGeometry:
    """The chart ``c`` laid out in a ``width`` × ``height`` rectangle (chart units).

    The bands are cut to the visible range by interpolation at its edges, so nothing
    reaches outside the plot.
    """
    plot = QRectF(
        PLOT_LEFT, PLOT_TOP, width - PLOT_LEFT - PLOT_RIGHT, height - PLOT_TOP - PLOT_BOTTOM
    )
    g = ChartGeometry(width, height, plot)
    lo, hi = x_range_seconds(c)
    sx = plot.width() / (hi - lo)
    sy = plot.height() / 100.0

    def px(sec: np.ndarray) -> np.ndarray:
        return plot.left() + (sec - lo) * sx

    def py(v: np.ndarray) -> np.ndarray:
        return plot.bottom() - v * sy

    x, stacks, intervals = _stack(c)
    grid = _clip_grid(x, lo, hi)
    if grid.size:
        # Each piece of the grid lies in one interval between two dates, whose estimate
        # flag the model gives (as in the panel).
        mids = (grid[:-1] + grid[1:]) / 2
        k = np.clip(np.searchsorted(x, mids, side="right") - 1, 0, max(len(x) - 2, 0))
        gx = px(grid)
        lower = np.zeros(grid.size)
        edges: list[Band] = []
        for j, (color, vals) in enumerate(stacks):
            upper = lower + np.interp(grid, x, vals)
            pieces = intervals[k, j]
            base = QColor(color)
            for a, b, estimated in _runs(pieces) if len(pieces) else [(0, 0, False)]:
                sl = slice(a, b + 1)
                top = list(zip(gx[sl].tolist(), py(upper[sl]).tolist(), strict=True))
                bottom = list(zip(gx[sl].tolist(), py(lower[sl]).tolist(), strict=True))
                fill = _light(base) if estimated else QColor(base)
                fill.setAlphaF(FILL_ALPHA)
                g.bands.append(Band(top + bottom[::-1], fill))
                if estimated and (upper[sl] - lower[sl]).max() > 0.05:  # (not along a 0 % band)
                    edges.append(Band([], fill, top, base.darker(140)))
            lower = upper
        g.bands += edges  # the dashed edges over every band
    if c.marker is not None and lo <= x_seconds(c.marker, c.series.tz) <= hi:
        g.marker_x = float(px(np.float64(x_seconds(c.marker, c.series.tz))))
    g.x_ticks = [(float(px(np.float64(sec))), label) for sec, label in date_ticks(lo, hi, width)]
    g.y_ticks = [(float(py(np.float64(v))), f"{v}%") for v in Y_TICKS]
    return g


def _pen(color: QColor | str, width: float, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setStyle(style)
    pen.setCapStyle(Qt.PenCapStyle.SquareCap)
    pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
    return pen


def _polygon(points: list[tuple[float, float]]) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points])


def tick_font(font: QFont) -> QFont:
    """The axes' font: the body families at the tick size (a pixel size, so that it scales
    with the chart and not with the device's resolution)."""
    f = QFont(font)
    f.setPixelSize(round(TICK_FONT_SIZE))
    f.setBold(False)
    return f


def paint_territory(
    p: QPainter, c: Chart, target: QRectF, size: tuple[float, float], font: QFont
) -> ChartGeometry:
    """Paint chart ``c`` laid out at ``size`` (chart units, e.g. points) into ``target``
    (the painter's coordinates). Works on any paint device, in any thread."""
    width, height = size
    g = chart_geometry(c, width, height)
    plot = g.plot
    p.save()
    try:
        p.translate(target.topLeft())
        p.scale(target.width() / width, target.height() / height)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        band_pen = _pen("#ffffff", BAND_PEN)
        for band in g.bands:
            if band.edge is None:
                p.setPen(band_pen)
                p.setBrush(QBrush(band.fill))
                p.drawPolygon(_polygon(band.polygon))
            else:
                p.setPen(_pen(band.edge_color or band.fill, EDGE_PEN, Qt.PenStyle.DashLine))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawPolyline(_polygon(band.edge))
        p.setPen(_pen(GRID_COLOR, GRID_PEN))  # faint gridlines over the bands
        for y, _label in g.y_ticks[1:-1]:
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        if g.marker_x is not None:
            p.setPen(_pen(MARKER_COLOR, MARKER_PEN, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(g.marker_x, plot.top()), QPointF(g.marker_x, plot.bottom()))
        _paint_axes(p, g, tick_font(font))
    finally:
        p.restore()
    return g


def _paint_axes(p: QPainter, g: ChartGeometry, font: QFont) -> None:
    plot = g.plot
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(_pen(FRAME_COLOR, FRAME_PEN))
    p.drawLine(plot.topLeft(), plot.topRight())
    p.drawLine(plot.topRight(), plot.bottomRight())
    p.setPen(_pen(AXIS_COLOR, AXIS_PEN))
    p.drawLine(plot.topLeft(), plot.bottomLeft())
    p.drawLine(plot.bottomLeft(), plot.bottomRight())
    for y, _label in g.y_ticks:
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.left() + TICK_LENGTH, y))
    for x, _label in g.x_ticks:
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() - TICK_LENGTH))
    fm = QFontMetricsF(font)
    p.setFont(font)
    p.setPen(QColor(TEXT_COLOR))
    line_h = fm.height()
    for y, label in g.y_ticks:
        w = fm.horizontalAdvance(label)
        box = QRectF(plot.left() - TICK_TEXT_OFFSET - w - 2, y - line_h / 2, w + 2, line_h)
        p.drawText(box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label)
    right_edge = 0.0
    for x, label in x_tick_labels(g, fm):
        box = QRectF(x, plot.bottom() + TICK_TEXT_OFFSET, fm.horizontalAdvance(label), line_h)
        if box.left() < right_edge:
            continue  # (overlapping labels are left out, as pyqtgraph did)
        p.drawText(box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), label)
        right_edge = box.right() + 2


def x_tick_labels(g: ChartGeometry, fm: QFontMetricsF) -> list[tuple[float, str]]:
    """Date labels (left x, text) centred on their ticks, those that fit: within the chart
    and at most :data:`OVERHANG` units past either end of the plot."""
    out = []
    lo = max(0.0, g.plot.left() - OVERHANG)
    hi = min(g.width, g.plot.right() + OVERHANG)
    for x, label in g.x_ticks:
        w = fm.horizontalAdvance(label)
        left = x - w / 2
        if left >= lo and left + w <= hi:
            out.append((left, label))
    return out


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_ticks(lo: float, hi: float, width: float) -> list[tuple[float, str]]:
    """Labelled date ticks between axis seconds ``lo`` and ``hi`` (dates counted as UTC midnights).

    At most one label per ~55 points; the first label and every January 1st carry the year.
    """
    span_days = max((hi - lo) / 86400.0, 1e-9)
    room = max(2, int(width // 55))
    first = datetime.fromtimestamp(lo, UTC).date()
    last = datetime.fromtimestamp(hi, UTC).date()
    days: list[date] = []
    for step in (1, 2, 3, 7, 14):
        if span_days / step <= room:
            d = first if lo <= _secs(first) else first + timedelta(days=1)
            if step == 7:  # weeks start on Mondays
                d += timedelta(days=(7 - d.weekday()) % 7)
            while d <= last:
                days.append(d)
                d += timedelta(days=step)
            break
    else:
        months = next((m for m in (1, 2, 3, 6, 12) if span_days / (30.4 * m) <= room), 24)
        y, m = first.year, first.month
        while True:
            d = date(y, m, 1)
            if d > last:
                break
            if _secs(d) >= lo and (m - 1) % months == 0:
                days.append(d)
            m += 1
            if m == 13:
                y, m = y + 1, 1
    ticks = []
    for i, d in enumerate(days):
        label = f"{d.day} {_MONTHS[d.month - 1]}"
        if i == 0 or (d.month == 1 and d.day == 1) or (d.day == 1 and span_days > 90):
            label += f" {d.year}"
        ticks.append((_secs(d), label))
    return ticks


def _secs(d: date) -> float:
    return float(calendar.timegm(d.timetuple()))
