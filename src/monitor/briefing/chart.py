"""The territory chart for print: a pyqtgraph plot built offscreen, exported as SVG.

The plot (stacked areas per faction in faction colours, a date axis, a
percent axis) is exported with pyqtgraph's ``SVGExporter`` and painted into
the PDF through ``QSvgRenderer``, so the chart stays vectors and its tick
labels stay real text. Painting the plot's scene straight into a PDF painter
gives misplaced, oversized tick labels, which is why the SVG detour exists.

The legend is painted by :mod:`monitor.briefing.pdf` under the chart with
plain ``QPainter`` text: pyqtgraph's ``LegendItem`` labels are HTML, and
faction names come from an untrusted file.
"""

from __future__ import annotations

import calendar
import functools
import importlib
import itertools
import re
import sys
from datetime import UTC, date, datetime, timedelta, tzinfo
from xml.dom import minidom

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from monitor.briefing.content import Chart

# --------------------------------------------------------------------------- pyqtgraph SVG patch
# pyqtgraph 0.14.0's SVGExporter.correctCoordinates splits every <path d="..."> on spaces and
# unpacks each token as "x,y". Qt 6.11's QSvgGenerator closes sub-paths with a bare "Z" token
# ("M0,0 L10,0 L10,5 Z "), so the unpack raises "ValueError: not enough values to unpack". The
# wrapper below removes the Z tokens (remembering after which coordinate each one stood), runs
# the original function, and puts them back in the same places. The original rewrites the path
# one coordinate token for one, so positions carry over. Applied once, idempotent, and harmless
# with a pyqtgraph that already copes with "Z" (there are then no Z tokens left to trip on).
_Z_TOKEN = re.compile(r"^[Zz]$")
_PATCH_FLAG = "_monitor_close_path_patch"


def _split_close_path(d: str) -> tuple[str, list[int]]:
    """Remove bare ``Z`` tokens; return the rest and the count of coordinates before each Z."""
    kept: list[str] = []
    marks: list[int] = []
    for token in d.split():
        if _Z_TOKEN.match(token):
            marks.append(len(kept))
        else:
            kept.append(token)
    return " ".join(kept), marks


def _restore_close_path(d: str, marks: list[int]) -> str:
    tokens = d.split()
    out: list[str] = []
    pending = list(marks)
    for i, token in enumerate(tokens):
        while pending and pending[0] == i:
            out.append("Z")
            pending.pop(0)
        out.append(token)
    out += ["Z"] * len(pending)
    return " ".join(out) + " "


def patch_svg_exporter() -> None:
    module = sys.modules.get("pyqtgraph.exporters.SVGExporter") or importlib.import_module(
        "pyqtgraph.exporters.SVGExporter"
    )
    original = module.correctCoordinates
    if getattr(original, _PATCH_FLAG, False):
        return

    @functools.wraps(original)
    def correct_coordinates(node, defs, item, options):
        marked: list[tuple[minidom.Element, list[int]]] = []
        for path in node.getElementsByTagName("path"):
            d = path.getAttribute("d")
            if "Z" in d or "z" in d:
                stripped, marks = _split_close_path(d)
                if marks:
                    path.setAttribute("d", stripped)
                    marked.append((path, marks))
        result = original(node, defs, item, options)
        for path, marks in marked:  # the elements are moved between groups, never copied
            path.setAttribute("d", _restore_close_path(path.getAttribute("d"), marks))
        return result

    setattr(correct_coordinates, _PATCH_FLAG, True)
    module.correctCoordinates = correct_coordinates


# --------------------------------------------------------------------------- the chart
TEXT_COLOR = "#333333"
AXIS_COLOR = "#8a8f98"
GRID_COLOR = QColor(255, 255, 255, 150)


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


def _line_item(
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    color: QColor,
    width: float,
    style: Qt.PenStyle = Qt.PenStyle.SolidLine,
) -> QGraphicsPathItem:
    path = QPainterPath(QPointF(x0, y0))
    path.lineTo(QPointF(x1, y1))
    item = QGraphicsPathItem(path)
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setStyle(style)
    item.setPen(pen)
    return item


ESTIMATE_MIX = 0.5  # as the panel: an estimated fill is blended this far towards white


def _band_item(
    x: np.ndarray, lower: np.ndarray, upper: np.ndarray, color: str, estimated: bool = False
) -> QGraphicsPathItem:
    """One faction's stacked band as a filled polygon (view coordinates); an estimated
    stretch lighter."""
    path = QPainterPath()
    path.moveTo(QPointF(float(x[0]), float(upper[0])))
    for xi, yi in zip(x[1:], upper[1:], strict=True):
        path.lineTo(QPointF(float(xi), float(yi)))
    for xi, yi in zip(x[::-1], lower[::-1], strict=True):
        path.lineTo(QPointF(float(xi), float(yi)))
    path.closeSubpath()
    item = QGraphicsPathItem(path)
    fill = QColor(color)
    if estimated:
        fill = QColor.fromRgbF(
            *(c + (1.0 - c) * ESTIMATE_MIX for c in (fill.redF(), fill.greenF(), fill.blueF()))
        )
    fill.setAlphaF(0.88)
    item.setBrush(fill)
    pen = QPen(QColor("#ffffff"))
    pen.setCosmetic(True)
    pen.setWidthF(0.8)
    item.setPen(pen)
    return item


def _edge_item(x: np.ndarray, y: np.ndarray, color: str) -> QGraphicsPathItem:
    """The dashed top edge of an estimated stretch."""
    path = QPainterPath(QPointF(float(x[0]), float(y[0])))
    for xi, yi in zip(x[1:], y[1:], strict=True):
        path.lineTo(QPointF(float(xi), float(yi)))
    item = QGraphicsPathItem(path)
    pen = QPen(QColor(color).darker(140))
    pen.setCosmetic(True)
    pen.setWidthF(1.4)
    pen.setStyle(Qt.PenStyle.DashLine)
    item.setPen(pen)
    return item


_QUOTED_FAMILY = re.compile(rb'font-family="[^"]*"')
_CLIP_PATH = re.compile(rb"<clipPath\b.*?</clipPath>", re.S)
_CLIP_USE = re.compile(rb'\s+clip-path="url\(#[^)"]*\)"')
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


def territory_svg(c: Chart, width: float, height: float, font: QFont) -> bytes:
    """SVG of the stacked chart ``c``, ``width`` × ``height`` user units (draw it at that
    many points).

    A QApplication must exist (pyqtgraph's scene is a QGraphicsScene).
    """
    from pyqtgraph.exporters import SVGExporter

    patch_svg_exporter()
    view = _plot_widget(font)
    plot = view.getPlotItem()
    try:
        view.resize(round(width), round(height))
        view.resizeEvent(None)  # lay the plot out now: the widget is never shown

        tz = c.series.tz
        if c.x_range is not None:
            lo, hi = (x_seconds(v, tz) for v in c.x_range)
        else:
            lo = x_seconds(c.series.dates[0], tz)
            hi = x_seconds(c.hold_to or c.series.dates[-1], tz)
        if hi <= lo:
            lo, hi = lo - 86400.0, hi + 86400.0

        # Plot x in days from the left edge: QSvgGenerator writes coordinates with six significant
        # digits, which at epoch-seconds scale (1.7e9) would shift the areas by hours.
        def days(sec):
            return (sec - lo) / 86400.0

        # QSvgRenderer ignores SVG clip paths, so nothing may reach outside the plot:
        # the bands are cut to the visible range here, by interpolation at its edges.
        x, stacks, intervals = _stack(c)
        grid = _clip_grid(x, lo, hi)
        if grid.size:
            # Each piece of the grid lies in one interval between two dates, whose estimate
            # flag the model gives (as in the panel).
            mids = (grid[:-1] + grid[1:]) / 2
            k = np.clip(np.searchsorted(x, mids, side="right") - 1, 0, max(len(x) - 2, 0))
            lower = np.zeros(grid.size)
            edges = []
            for j, (color, vals) in enumerate(stacks):
                upper = lower + np.interp(grid, x, vals)
                pieces = intervals[k, j]
                for a, b, estimated in _runs(pieces) if len(pieces) else [(0, 0, False)]:
                    sl = slice(a, b + 1)
                    gx = days(grid[sl])
                    plot.addItem(_band_item(gx, lower[sl], upper[sl], color, estimated))
                    if estimated and (upper[sl] - lower[sl]).max() > 0.05:  # (not along a 0 % band)
                        edges.append(_edge_item(gx, upper[sl], color))
                lower = upper
            for edge in edges:  # over every band
                plot.addItem(edge)
        span = days(hi)
        for level in (
            25,
            50,
            75,
        ):  # faint gridlines over the bands (the axis grid would hide edge labels)
            plot.addItem(_line_item(0.0, level, span, level, GRID_COLOR, 0.6))
        if c.marker is not None and lo <= x_seconds(c.marker, tz) <= hi:
            at = days(x_seconds(c.marker, tz))
            plot.addItem(_line_item(at, 0, at, 100, QColor("#1b1f24"), 1.0, Qt.PenStyle.DashLine))
        plot.getAxis("bottom").setTicks(
            [[(days(sec), label) for sec, label in date_ticks(lo, hi, width)]]
        )
        plot.setXRange(0.0, span, padding=0)
        plot.setYRange(0, 100, padding=0)

        # Nothing has been painted yet: settle the layout and the view transform by hand.
        plot.layout.activate()
        view.scene().prepareForPaint()
        plot.vb.updateMatrix()

        exporter = SVGExporter(plot)
        exporter.params["background"] = QColor(255, 255, 255, 0)
        data = exporter.export(toBytes=True)
        # pyqtgraph quotes family names with spaces (font-family="&quot;DejaVu Sans&quot;"), which
        # QSvgRenderer takes literally and falls back to another font: unquote them.
        data = _QUOTED_FAMILY.sub(lambda m: m.group(0).replace(b"&quot;", b""), data)
        # QSvgRenderer does not apply <clipPath> and would stroke its rectangle as a black frame.
        return _CLIP_USE.sub(b"", _CLIP_PATH.sub(b"", data))
    finally:
        plot.clear()  # the widget is reused: drop this chart's items


# Building a PlotWidget costs about as much as exporting it, so one is kept per
# QApplication (never shown; its items are cleared after every export).
_cached: tuple[object, object, str] | None = None


def _plot_widget(font: QFont):
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    global _cached
    app = QApplication.instance()
    family = (font.families() or [font.family()])[0]
    if _cached is not None and _cached[0] is app and _cached[2] == family:
        return _cached[1]
    view = pg.PlotWidget(background="w")
    plot = view.getPlotItem()
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setContentsMargins(2, 8, 22, 2)
    plot.vb.setMouseEnabled(False, False)
    # One family only: QSvgRenderer reads a written family list ("A,B") as a single unknown name.
    tick_font = QFont(family)
    tick_font.setPixelSize(8)
    for name in ("bottom", "left"):
        axis = plot.getAxis(name)
        # Labels may overhang the axis ends by up to 40 units (the first date, "0%", "100%").
        axis.setStyle(tickFont=tick_font, tickTextOffset=3, tickLength=-4, hideOverlappingLabels=40)
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.setPen(pg.mkPen(AXIS_COLOR, width=0.8))
    left = plot.getAxis("left")
    left.setWidth(30)
    left.setTicks([[(v, f"{v}%") for v in range(0, 101, 25)], []])
    plot.getAxis("bottom").setHeight(20)
    if app is not None:  # forget the widget with the application that owns it
        app.aboutToQuit.connect(_forget_widget)
    _cached = (app, view, family)
    return view


def _forget_widget() -> None:
    global _cached
    if _cached is not None:
        _cached[1].deleteLater()
    _cached = None


def svg_viewbox(data: bytes) -> QRectF:
    m = re.search(rb'viewBox\s*=\s*"([\d.\s-]+)"', data)
    if not m:
        return QRectF()
    vals = [float(v) for v in m.group(1).split()]
    return QRectF(*vals) if len(vals) == 4 else QRectF()
