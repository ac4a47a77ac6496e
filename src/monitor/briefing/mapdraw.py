"""The situation map painted into the PDF: base-map land and borders as vector paths, country
names and crossing labels as real text, crossing status symbols as vector shapes (the
crossings table's icons re-drawn with QPainter), and the events either as vector dots (few
places) or stamped with numpy into ONE raster image at :data:`DPI` (many places).

The status symbols repeat ``resources/icons/status-*.svg`` (the UI's icons): open = green
disc with a tick, restricted = amber triangle with "!", closed = red octagon with a bar,
unknown = grey dashed circle with "?". Shape and colour both carry the status.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)

from monitor.briefing.blocks import MapFigure
from monitor.briefing.typeset import INK, MUTED, RESOLUTION, RULE, Face, TextBox, make_font
from monitor.model.basemap import BaseMap, Lines, label_rank_limit, load_basemap

DPI = 240  # the event layer's raster resolution (when it is one image)
VECTOR_MAX = 1500  # places drawn as vector dots at most; more: one stamped image
COUNT_LABELS_MAX = 150  # places with a count written beside the dot at most
SEA = QColor("#dde8f1")
LAND = QColor("#f6f3ec")
COAST = QColor("#b7c4cf")
BORDER = QColor("#7d858e")
COUNTRY = QColor("#8b939c")
HALO = QColor(255, 255, 255, 215)
OUTLINE = QColor("#1b1f24")
SYMBOL_PT = 11.0  # status symbol size (points)
STATUS_WORDS = (
    ("open", "Open"),
    ("restricted", "Restricted"),
    ("closed", "Closed"),
    (None, "Unknown"),
)


GRID = QColor(120, 135, 150, 70)


def degree_step(span: float) -> float:
    """A round graticule step giving about 3 to 8 lines across ``span`` degrees."""
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 45, 90):
        if span / step <= 8:
            return float(step)
    return 90.0


def degrees(value: float, pos: str, neg: str) -> str:
    v = round(value, 6)
    text = f"{abs(v):g}°"
    return text + (pos if v > 0 else neg if v < 0 else "")


def dot_radius_pt(count: int) -> float:
    """Radius of a place's dot: grows with its number of events (as the panel's dots)."""
    return 1.7 if count <= 1 else 2.1 if count < 10 else 2.6 if count < 100 else 3.1


# --------------------------------------------------------------------------- status symbols
def draw_status_symbol(p: QPainter, status: str | None, cx: float, cy: float, size: float) -> None:
    """The status symbol (16-unit design of the UI's icons) centred at (cx, cy), ``size`` wide."""
    p.save()
    p.translate(cx - size / 2, cy - size / 2)
    p.scale(size / 16, size / 16)

    def pen(color: str, width: float, dash: list[float] | None = None) -> QPen:
        q = QPen(QColor(color), width)
        q.setCapStyle(Qt.PenCapStyle.RoundCap)
        q.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        if dash:
            q.setDashPattern([d / width for d in dash])
        return q

    if status == "open":
        p.setPen(pen("#1b5e20", 0.5))
        p.setBrush(QColor("#2e7d32"))
        p.drawEllipse(QPointF(8, 8), 7.25, 7.25)
        tick = QPainterPath(QPointF(4.3, 8.4))
        tick.lineTo(6.9, 11)
        tick.lineTo(11.8, 5.4)
        p.setPen(pen("#ffffff", 1.9))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(tick)
    elif status == "restricted":
        p.setPen(pen("#8d6e00", 0.6))
        p.setBrush(QColor("#f9a825"))
        p.drawPolygon(QPolygonF([QPointF(8, 0.9), QPointF(15.4, 14.6), QPointF(0.6, 14.6)]))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#212121"))
        p.drawRoundedRect(QRectF(7.1, 5.2, 1.8, 5.2), 0.6, 0.6)
        p.drawEllipse(QPointF(8, 12.3), 1.05, 1.05)
    elif status == "closed":
        pts = [(5.1, 0.8), (10.9, 0.8), (15.2, 5.1), (15.2, 10.9), (10.9, 15.2), (5.1, 15.2)]
        pts += [(0.8, 10.9), (0.8, 5.1)]
        p.setPen(pen("#8e0000", 0.5))
        p.setBrush(QColor("#c62828"))
        p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in pts]))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#ffffff"))
        p.drawRoundedRect(QRectF(3.6, 6.7, 8.8, 2.6), 0.6, 0.6)
    else:
        p.setPen(pen("#757575", 1.1, [2.2, 1.4]))
        p.setBrush(QColor("#eeeeee"))
        p.drawEllipse(QPointF(8, 8), 6.9, 6.9)
        q = QPainterPath(QPointF(5.8, 6.2))
        q.cubicTo(5.8, 4.9, 6.8, 4.1, 8, 4.1)
        q.cubicTo(9.3, 4.1, 10.2, 4.9, 10.2, 6)
        q.cubicTo(10.2, 7.5, 8, 7.6, 8, 9.3)
        p.setPen(pen("#424242", 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(q)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#424242"))
        p.drawEllipse(QPointF(8, 11.6), 0.95, 0.95)
    p.restore()


# --------------------------------------------------------------------------- geometry
def _parts_in(lines: Lines, box: tuple[float, float, float, float]) -> np.ndarray:
    """Indices of the parts whose bounding box meets ``box`` (west, south, east, north)."""
    if not len(lines):
        return np.zeros(0, dtype=np.int64)
    starts = lines.starts
    x0 = np.minimum.reduceat(lines.x, starts)
    x1 = np.maximum.reduceat(lines.x, starts)
    y0 = np.minimum.reduceat(lines.y, starts)
    y1 = np.maximum.reduceat(lines.y, starts)
    w, s, e, n = box
    return np.flatnonzero((x1 >= w) & (x0 <= e) & (y1 >= s) & (y0 <= n))


def lines_path(lines: Lines, box, tr: QTransform, *, close: bool) -> QPainterPath:
    """The parts of ``lines`` near ``box`` as one path in page coordinates (``tr`` maps
    degrees to the page)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)  # exteriors CCW, holes CW (see the build script)
    ends = np.r_[lines.starts[1:], lines.n_points] if len(lines) else lines.starts
    sx, sy, dx, dy = tr.m11(), tr.m22(), tr.dx(), tr.dy()
    for i in _parts_in(lines, box).tolist():
        a, b = int(lines.starts[i]), int(ends[i])
        xs = (lines.x[a:b] * sx + dx).tolist()
        ys = (lines.y[a:b] * sy + dy).tolist()
        poly = QPolygonF([QPointF(x, y) for x, y in zip(xs, ys, strict=True)])
        if close:
            path.addPolygon(poly)
            path.closeSubpath()
        else:
            path.addPolygon(poly)
    return path


# --------------------------------------------------------------------------- the figure
class MapBlock:
    """The map laid out at a width: :attr:`height` on the page; :meth:`draw` paints it."""

    def __init__(self, r, fig: MapFigure, width: float, max_height: float, basemap=None):
        self.r, self.fig = r, fig
        k = r.k
        self.k = k
        self.basemap: BaseMap = basemap if basemap is not None else load_basemap()
        self.f_label = Face(make_font(7.2, bold=True), r.writer)
        country = make_font(6.4)
        country.setCapitalization(QFont.Capitalization.AllUppercase)
        country.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 110)
        self.f_country = Face(country, r.writer)
        self.f_legend = Face(make_font(7.0), r.writer)
        self.legend, legend_h = self._legend(width)
        self.caption = r.text(fig.caption, r.f_small, width, MUTED) if fig.caption else None
        below = 6 * k + legend_h + (4 * k + self.caption.height if self.caption else 0.0)
        map_h = min(width * fig.aspect, max_height - below)
        map_w = map_h / fig.aspect
        self.map_w, self.map_h = map_w, map_h
        self.x_off = (width - map_w) / 2
        self.height = map_h + below

    # -- legend -------------------------------------------------------------------
    def _legend(self, width: float):
        """Legend entries (kind, what, text, x, y) in rows, and its height."""
        k, r = self.k, self.r
        fig = self.fig
        entries = []
        x = y = line_h = 0.0
        gap = 12 * k

        def add(kind, what, text: str) -> None:
            nonlocal x, y, line_h
            t = TextBox(r.writer, text, self.f_legend, width * 0.6, INK)
            w = 12 * k + t.natural_width() + gap
            if x > 0 and x + w > width:
                x, y = 0.0, y + line_h + 3 * k
            entries.append((kind, what, t, x, y))
            line_h = max(line_h, t.height, SYMBOL_PT * k * 0.8)
            x += w

        for status, word in STATUS_WORDS:
            add("status", status, f"{word} crossing")
        used = set(np.unique(fig.points.cls).tolist()) if len(fig.points) else set()
        x = x + gap if x else x
        for code, (name, color) in enumerate(fig.classes):
            if code in used:
                add("dot", color, f"event: {name}")
        if len(fig.points):
            add("text", None, "larger dot: more events at one place")
        return entries, y + line_h

    # -- painting -------------------------------------------------------------------
    def transform(self, left: float, top: float) -> QTransform:
        """Degrees (x = lon, y = lat) to page coordinates of the map rectangle at (left, top)."""
        w, s, e, n = self.fig.frame
        sx = self.map_w / (e - w)
        sy = -self.map_h / (n - s)
        return QTransform(sx, 0, 0, sy, left - w * sx, top - n * sy)

    def draw(self, p: QPainter, x: float, y: float) -> None:
        k = self.k
        left, top = x + self.x_off, y
        rect = QRectF(left, top, self.map_w, self.map_h)
        tr = self.transform(left, top)
        p.save()
        p.setClipRect(rect)
        p.fillRect(rect, SEA)
        self._base(p, tr)
        self._graticule(p, tr, rect)
        self._country_labels(p, tr, rect)
        self._events(p, tr, rect)
        self._crossings(p, tr, rect)
        self._scale_bar(p, tr, rect)
        p.restore()
        p.setPen(QPen(INK, 0.6 * k))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        self._draw_legend(p, x, top + self.map_h + 6 * k)

    def _base(self, p: QPainter, tr: QTransform) -> None:
        k = self.k
        w, s, e, n = self.fig.frame
        box = (w - 1, s - 1, e + 1, n + 1)
        for layer in self.basemap.layers:
            land = lines_path(layer.land, box, tr, close=True)
            p.setPen(QPen(COAST, 0.35 * k))
            p.setBrush(LAND)
            p.drawPath(land)
        border_pen = QPen(BORDER, 0.6 * k)
        border_pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        for layer in self.basemap.layers:
            p.setPen(border_pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(lines_path(layer.borders, box, tr, close=False))

    def _graticule(self, p: QPainter, tr: QTransform, rect: QRectF) -> None:
        """Faint meridians and parallels every :func:`degree_step`, labelled inside the frame."""
        k = self.k
        w, s, e, n = self.fig.frame
        step = degree_step(e - w)
        p.setPen(QPen(GRID, 0.35 * k))
        p.setBrush(Qt.BrushStyle.NoBrush)
        labels = []
        for lon in np.arange(math.ceil(w / step) * step, e, step).tolist():
            x = tr.map(QPointF(lon, 0)).x()
            p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            labels.append((degrees(lon, "E", "W"), x, None))
        for lat in np.arange(math.ceil(s / step) * step, n, step).tolist():
            y = tr.map(QPointF(0, lat)).y()
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            labels.append((degrees(lat, "N", "S"), None, y))
        for text, x, y in labels:
            t = TextBox(self.r.writer, text, self.f_legend, 60 * k, MUTED)
            if x is not None:
                at = QPointF(x + 1.5 * k, rect.bottom() - t.height - 1 * k)
            else:
                at = QPointF(rect.left() + 1.5 * k, y - t.height - 0.5 * k)
            t.draw(p, at.x(), at.y())

    def _scale_bar(self, p: QPainter, tr: QTransform, rect: QRectF) -> None:
        """A bar of a round length in km at the bottom right (true at the central latitude)."""
        k = self.k
        w, s, e, n = self.fig.frame
        km_per_deg = 111.32 * math.cos(math.radians((s + n) / 2))
        if km_per_deg <= 0:
            return
        want = (e - w) * km_per_deg / 5
        length = max(
            (v * 10**d for d in range(6) for v in (1, 2, 5) if v * 10**d <= want), default=1
        )
        bar = length / km_per_deg * tr.m11()
        t = TextBox(self.r.writer, f"{length:,} km", self.f_legend, 80 * k, INK)
        x1 = rect.right() - 8 * k
        x0 = x1 - bar
        y = rect.bottom() - 17 * k  # above the meridians' labels
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(HALO)
        p.drawRoundedRect(
            QRectF(x0 - 4 * k, y - t.height - 4 * k, bar + 8 * k, t.height + 8 * k), 2 * k, 2 * k
        )
        p.setPen(QPen(INK, 1.0 * k))
        p.drawLine(QPointF(x0, y), QPointF(x1, y))
        for x in (x0, x1):
            p.drawLine(QPointF(x, y - 2.5 * k), QPointF(x, y))
        t.draw(p, x0 + (bar - t.natural_width()) / 2, y - t.height - 1 * k)

    def _country_labels(self, p: QPainter, tr: QTransform, rect: QRectF) -> None:
        if not self.basemap.labels:
            return
        w, s, e, n = self.fig.frame
        lon, lat, rank = self.basemap.label_arrays()
        limit = label_rank_limit(e - w) + 1  # print is larger than the panel: one rank more
        inside = np.flatnonzero((rank <= limit) & (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n))
        taken: list[QRectF] = []
        for i in inside.tolist():
            label = self.basemap.labels[i]
            at = tr.map(QPointF(label.lon, label.lat))
            t = TextBox(
                self.r.writer, " ".join(label.name.split()), self.f_country, rect.width(), COUNTRY
            )
            bw = t.natural_width()
            box = QRectF(at.x() - bw / 2, at.y() - t.height / 2, bw, t.height)
            if not rect.contains(box) or any(box.intersects(o) for o in taken):
                continue
            taken.append(box)
            t.draw(p, box.left(), box.top())

    def _events(self, p: QPainter, tr: QTransform, rect: QRectF) -> None:
        pts = self.fig.points
        if not len(pts):
            return
        colors = [QColor(c) for _n, c in self.fig.classes]
        cls = np.clip(pts.cls, 0, len(colors) - 1)
        if len(pts) <= VECTOR_MAX:
            self._vector_dots(p, tr, pts, cls, colors)
        else:
            self._stamped(p, tr, rect, pts, cls, colors)

    def _vector_dots(self, p: QPainter, tr: QTransform, pts, cls, colors) -> None:
        k = self.k
        order = np.argsort(pts.count, kind="stable")  # bigger places over smaller ones
        p.setPen(QPen(OUTLINE, 0.45 * k))
        labelled = []
        for i in order.tolist():
            at = tr.map(QPointF(float(pts.lon[i]), float(pts.lat[i])))
            r = dot_radius_pt(int(pts.count[i])) * k
            p.setBrush(QBrush(colors[int(cls[i])]))
            p.drawEllipse(at, r, r)
            if pts.count[i] > 1:
                labelled.append((at, r, int(pts.count[i])))
        if len(labelled) <= COUNT_LABELS_MAX:
            for at, r, count in labelled:
                t = TextBox(self.r.writer, str(count), self.r.f_detail, 40 * k, INK)
                box = QRectF(
                    at.x() + r + 0.8 * k, at.y() - r - t.height * 0.6, t.natural_width(), t.height
                )
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(HALO)
                p.drawRoundedRect(box.adjusted(-0.6 * k, 0, 0.6 * k, 0), 1.5 * k, 1.5 * k)
                t.draw(p, box.left(), box.top())

    def _stamped(self, p: QPainter, tr: QTransform, rect: QRectF, pts, cls, colors) -> None:
        """Every place stamped with numpy into one ARGB32 image at :data:`DPI`."""
        scale = DPI / RESOLUTION  # image pixels per page unit
        w = max(1, math.ceil(rect.width() * scale))
        h = max(1, math.ceil(rect.height() * scale))
        px_per_pt = DPI / 72.0
        biggest = math.ceil(dot_radius_pt(10**9) * px_per_pt) + 2
        pad = biggest + 1
        stride = w + 2 * pad
        ix = np.floor((pts.lon * tr.m11() + tr.dx() - rect.left()) * scale).astype(np.int64)
        iy = np.floor((pts.lat * tr.m22() + tr.dy() - rect.top()) * scale).astype(np.int64)
        vis = np.flatnonzero((ix >= -pad) & (ix < w + pad) & (iy >= -pad) & (iy < h + pad))
        img = np.zeros((h + 2 * pad) * stride, dtype=np.uint32)
        flat = (iy[vis] + pad) * stride + (ix[vis] + pad)
        words = np.array([_argb(c) for c in colors], dtype=np.uint32)
        outline = np.uint32(_argb(OUTLINE))
        count = pts.count[vis]
        size = np.searchsorted(np.array([2, 10, 100]), count, side="right")
        ring_w = max(1.0, 0.45 * px_per_pt)
        for s_ in range(4):
            sel = np.flatnonzero(size == s_)
            if not len(sel):
                continue
            radius = dot_radius_pt((1, 2, 10, 100)[s_]) * px_per_pt
            where = flat[sel]
            ox, oy = _ring(radius, radius + ring_w)
            for off in (oy * stride + ox).tolist():
                img[where + off] = outline
            ox, oy = _disk(radius)
            fill = words[cls[vis][sel]]
            for off in (oy * stride + ox).tolist():
                img[where + off] = fill
        image = img.reshape(h + 2 * pad, stride)[pad : pad + h, pad : pad + w].copy()
        qimg = QImage(image.data, w, h, image.strides[0], QImage.Format.Format_ARGB32_Premultiplied)
        p.save()
        p.setRenderHint(QPainter.RenderHint.LosslessImageRendering, True)
        p.drawImage(rect, qimg)
        p.restore()
        del image

    def _crossings(self, p: QPainter, tr: QTransform, rect: QRectF) -> None:
        k = self.k
        size = SYMBOL_PT * k
        placed = []
        for c in self.fig.crossings:
            at = tr.map(QPointF(c.lon, c.lat))
            placed.append((c, at, QRectF(at.x() - size / 2, at.y() - size / 2, size, size)))
        taken = [box for _c, _at, box in placed]
        labels = []
        for c, at, _box in placed:
            t = TextBox(self.r.writer, c.label, self.f_label, rect.width() * 0.6, INK)
            tw, th = t.natural_width(), t.height
            gap = size / 2 + 2 * k
            options = [
                QRectF(at.x() + gap, at.y() - th / 2, tw, th),
                QRectF(at.x() - gap - tw, at.y() - th / 2, tw, th),
                QRectF(at.x() - tw / 2, at.y() - gap - th, tw, th),
                QRectF(at.x() - tw / 2, at.y() + gap, tw, th),
            ]

            def cost(b: QRectF) -> float:
                clash = sum(1 for o in taken if b.intersects(o))
                return clash * 10 + (0 if rect.contains(b) else 5)

            best = min(options, key=cost)
            taken.append(best)
            labels.append((t, best))
        for c, at, _box in placed:
            draw_status_symbol(p, c.status, at.x(), at.y(), size)
        for t, box in labels:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(HALO)
            p.drawRoundedRect(box.adjusted(-1.5 * k, -0.3 * k, 1.5 * k, 0.3 * k), 2 * k, 2 * k)
            t.draw(p, box.left(), box.top())

    def _draw_legend(self, p: QPainter, x: float, y: float) -> None:
        k = self.k
        for kind, what, t, ex, ey in self.legend:
            cy = y + ey + t.height / 2
            if kind == "status":
                draw_status_symbol(p, what, x + ex + 4.5 * k, cy, 9 * k)
            elif kind == "dot":
                p.setPen(QPen(OUTLINE, 0.45 * k))
                p.setBrush(QColor(what))
                p.drawEllipse(QPointF(x + ex + 4.5 * k, cy), 2.6 * k, 2.6 * k)
            t.draw(p, x + ex + (12 * k if kind != "text" else 0.0), y + ey)
        if self.caption is not None:
            legend_h = max((ey + t.height for _k, _w, t, _x, ey in self.legend), default=0.0)
            self.caption.draw(p, x, y + legend_h + 4 * k)
        p.setPen(QPen(RULE, 0.5 * k))


def _argb(c: QColor) -> int:
    return (255 << 24) | (c.red() << 16) | (c.green() << 8) | c.blue()


_disks: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _ring(inner: float, outer: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of ``_disk(outer)`` outside ``_disk(inner)`` (the outline under a dot)."""
    ox, oy = _disk(outer)
    ix, iy = _disk(inner)
    r = math.ceil(outer) + 1
    inside = np.zeros((2 * r + 1, 2 * r + 1), dtype=bool)
    inside[iy + r, ix + r] = True
    keep = ~inside[oy + r, ox + r]
    return ox[keep], oy[keep]


def _disk(radius: float) -> tuple[np.ndarray, np.ndarray]:
    got = _disks.get(radius)
    if got is None:
        r = math.ceil(radius)
        oy, ox = np.mgrid[-r : r + 1, -r : r + 1]
        inside = ox * ox + oy * oy <= radius * radius + radius * 0.6
        got = _disks[radius] = (ox[inside].astype(np.int64), oy[inside].astype(np.int64))
    return got
