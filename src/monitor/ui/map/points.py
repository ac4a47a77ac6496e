"""The event layer's one scene item: every visible cluster stamped with numpy into one
``uint32`` image per paint (never one scene item per event), or, when more clusters are in
view than :attr:`EventPointsItem.density_threshold`, a density image of the same pixels."""

from __future__ import annotations

import logging
import math
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from monitor.ui.map.layer import SIZE_BREAKS, Points, stamp_radius

MAX_IMAGE = 8192  # pixels per side of one stamped image (a huge export is drawn coarser)
MAX_COUNT_LABELS = 400  # cluster counts written on the dots when at most this many are in view
DENSITY_CELL = 4  # pixels per density cell

_log = logging.getLogger(__name__)


@cache
def disk(radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (dx, dy) of a filled disk."""
    r = math.ceil(radius)
    oy, ox = np.mgrid[-r : r + 1, -r : r + 1]
    inside = ox * ox + oy * oy <= radius * radius + radius * 0.6
    return ox[inside].astype(np.int64), oy[inside].astype(np.int64)


@cache
def ring(inner: float, outer: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets of ``disk(outer)`` that ``disk(inner)`` does not cover (the outline
    drawn under a dot: its inside is painted over by the dot anyway)."""
    ox, oy = disk(outer)
    ix, iy = disk(inner)
    inside = set(zip(ix.tolist(), iy.tolist(), strict=True))
    keep = np.array([(x, y) not in inside for x, y in zip(ox.tolist(), oy.tolist(), strict=True)])
    return ox[keep], oy[keep]


class EventPointsItem(pg.GraphicsObject):
    """Draws :class:`~monitor.ui.map.layer.Points` (in degrees) in device pixels."""

    def __init__(self) -> None:
        super().__init__()
        self._points = Points.empty()
        self._fill = np.zeros(1, dtype=np.uint32)  # per class, full colour
        self._dim = np.zeros(1, dtype=np.uint32)  # per class, events after the cursor
        self._outline = 0xFF000000
        self._outline_dim = 0x59000000
        self._density = QColor("#d55e00")
        self._text = QColor(Qt.GlobalColor.black)  # cluster counts, on a halo
        self._halo = QColor(255, 255, 255, 200)
        self.density_threshold = 60_000  # clusters in view above which the density is drawn
        self.pixel_scale = 1.0  # dot sizes are multiplied by this (exports at a higher DPI)
        self.mode = "points"  # what the last paint drew: "points", "density" or "none"
        self.paint_count = 0
        self.drawn = 0  # clusters drawn by the last paint
        self.error = ""  # why the last paint failed ("" when it did not)
        # (places, view, their pixels) and (what, image, buffer) of the last paint
        self._projected: tuple | None = None
        self._image: tuple | None = None
        # (projection, counts, each point's density cell or -1, cell sums, grid size)
        self._grid: tuple | None = None
        self.setZValue(20)

    # -- data ---------------------------------------------------------------------------
    def set_points(self, points: Points) -> None:
        old, self._points = self._points, points
        if (
            self.mode == "density"
            and points.lon is old.lon
            and points.lat is old.lat
            and points.count is old.count
        ):
            return  # the density shows places and counts only: the same picture (cursor step)
        self.update()

    @property
    def points(self) -> Points:
        return self._points

    def set_colors(
        self,
        fill: np.ndarray,
        dim: np.ndarray,
        outline: QColor,
        density: QColor,
        text: QColor | None = None,
        halo: QColor | None = None,
    ) -> None:
        self._fill, self._dim = fill, dim
        self._text = QColor(text) if text is not None else QColor(Qt.GlobalColor.black)
        self._halo = QColor(halo) if halo is not None else QColor(255, 255, 255, 200)
        a = 255
        self._outline = (a << 24) | (outline.red() << 16) | (outline.green() << 8) | outline.blue()
        d = 0.35
        self._outline_dim = (
            (int(255 * d) << 24)
            | (int(outline.red() * d) << 16)
            | (int(outline.green() * d) << 8)
            | int(outline.blue() * d)
        )
        self._density = QColor(density)
        self._image = None  # (drawn in the old colours)
        self.update()

    # -- QGraphicsItem ------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-540.0, -90.0, 1080.0, 180.0)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        return None  # never widens an auto-range: the panel sets the view itself

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # An exception escaping a paint override crashes PySide6 6.11 while it prints it
        # (shiboken's PepException_GetArgs): never let one out; the layer is skipped instead.
        self.error = ""
        try:
            self._paint(painter)
        except Exception as exc:
            self.mode = "error"
            self.error = f"{type(exc).__name__}: {exc}"
            _log.warning("map event layer not drawn: %s", self.error)

    def _paint(self, painter: QPainter) -> None:
        self.paint_count += 1
        self.drawn = 0
        pts = self._points
        vb = self.getViewBox()
        # The world transform, not deviceTransform(): inside a window the device transform
        # also holds the widget's offset in the backing store, which resetTransform() keeps.
        tr = painter.worldTransform()
        if vb is None or not len(pts) or tr.m12() != 0 or tr.m21() != 0:
            self.mode = "none"
            return
        area = tr.mapRect(vb.viewRect())
        x0, y0 = math.floor(area.left()), math.floor(area.top())
        w = min(math.ceil(area.width()) + 1, MAX_IMAGE)
        h = min(math.ceil(area.height()) + 1, MAX_IMAGE)
        if w < 1 or h < 1:
            self.mode = "none"
            return
        sx, sy, dx, dy = tr.m11(), tr.m22(), tr.dx() - x0, tr.dy() - y0
        # A dot reaches ``reach`` pixels from its centre; dots centred up to ``reach`` outside
        # the view show their edge. The image has ``pad = 2 * reach`` more on every side, so
        # that no stamp offset can leave it.
        reach = math.ceil(stamp_radius(10**9) * self.pixel_scale + max(1.0, self.pixel_scale)) + 1
        pad = 2 * reach
        # The same places in the same view (a repaint, a cursor step): projected once.
        where = (sx, sy, dx, dy, w, h, self.pixel_scale)
        cached = self._projected
        if (
            cached is not None
            and cached[0] is pts.lon
            and cached[1] is pts.lat
            and cached[2] == where
        ):
            ix, iy, vis = cached[3]
        else:
            ix = np.floor(pts.lon * sx + dx).astype(np.int64)
            iy = np.floor(pts.lat * sy + dy).astype(np.int64)
            vis = np.flatnonzero(
                (ix >= -reach) & (ix < w + reach) & (iy >= -reach) & (iy < h + reach)
            )
            self._projected = (pts.lon, pts.lat, where, (ix, iy, vis))
            self._image = None
        if not len(vis):
            self.mode = "none"
            return
        density = len(vis) > self.density_threshold
        made = self._image
        if made is not None and (made[0] is pts if not density else made[0] is pts.count):
            image, keep = made[1], made[2]
        elif density:
            image, keep = self._density_of(pts, vis, ix, iy, w, h)
            self._image = (pts.count, image, keep)
        else:
            image, keep = self._stamped(pts, vis, ix, iy, w, h, pad)
            self._image = (pts, image, keep)
        self.mode = "density" if density else "points"
        self.drawn = len(vis)
        qimg = QImage(
            image.data,
            image.shape[1],
            image.shape[0],
            image.strides[0],
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        painter.save()
        painter.resetTransform()
        if self.mode == "density":
            painter.drawImage(QRectF(x0, y0, w, h), qimg)
        else:
            painter.drawImage(QPointF(x0 - pad, y0 - pad), qimg)
            self._count_labels(painter, pts, vis, ix + x0, iy + y0)
        painter.restore()
        del keep

    # -- drawing ------------------------------------------------------------------------
    def _stamped(self, pts: Points, vis, ix, iy, w: int, h: int, pad: int):
        stride = w + 2 * pad
        img = np.zeros((h + 2 * pad) * stride, dtype=np.uint32)
        flat = (iy[vis] + pad) * stride + (ix[vis] + pad)
        count = pts.count[vis]
        future = pts.future[vis]
        cls = np.clip(pts.cls[vis], 0, len(self._fill) - 1)
        size = np.searchsorted(np.asarray(SIZE_BREAKS), count, side="right")
        # Dimmed (after the cursor) below, then bigger clusters over smaller ones.
        for dimmed in (True, False):
            for s in range(len(SIZE_BREAKS) + 1):
                sel = np.flatnonzero((future == dimmed) & (size == s))
                if not len(sel):
                    continue
                r = stamp_radius((1, 2, 10, 100)[s]) * self.pixel_scale
                where = flat[sel]
                ox, oy = ring(r, r + max(1.0, self.pixel_scale))
                outline = self._outline_dim if dimmed else self._outline
                for off in oy * stride + ox:
                    img[where + off] = outline
                colors = (self._dim if dimmed else self._fill)[cls[sel]]
                ox, oy = disk(r)
                for off in oy * stride + ox:
                    img[where + off] = colors
        return img.reshape(h + 2 * pad, stride), img

    def _density_of(self, pts: Points, vis, ix, iy, w: int, h: int):
        """The density image; after an edit that changed some clusters' counts only (the
        same places in the same view), only their cells' sums change."""
        held = self._grid
        if held is not None and held[0] is self._projected and len(held[1]) == len(pts.count):
            _proj, old, cell_of, grid, bw, bh = held
            changed = np.flatnonzero(old != pts.count)
            cells = cell_of[changed]
            seen = cells >= 0
            np.add.at(grid, cells[seen], (pts.count[changed] - old[changed])[seen])
        else:
            cell = max(1, round(DENSITY_CELL * self.pixel_scale))  # (an export: screen cells)
            bw, bh = (w + cell - 1) // cell, (h + cell - 1) // cell
            bx = np.clip(ix[vis] // cell, 0, bw - 1)
            by = np.clip(iy[vis] // cell, 0, bh - 1)
            cell_of = np.full(len(pts.count), -1, dtype=np.int64)
            cell_of[vis] = by * bw + bx
            grid = np.bincount(cell_of[vis], weights=pts.count[vis], minlength=bw * bh)
        self._grid = (self._projected, pts.count, cell_of, grid, bw, bh)
        return self._density_image(grid, bw, bh)

    def _density_image(self, grid: np.ndarray, bw: int, bh: int):
        top = grid.max()
        level = np.where(grid > 0, 0.25 + 0.7 * np.log1p(grid) / math.log1p(max(top, 1.0)), 0.0)
        c = self._density
        a = np.round(level * 255).astype(np.uint32)
        words = (
            (a << 24)
            | ((a * c.red() // 255) << 16)
            | ((a * c.green() // 255) << 8)
            | (a * c.blue() // 255)
        )
        img = np.ascontiguousarray(words.reshape(bh, bw).astype(np.uint32))
        return img, img

    def _count_labels(self, painter: QPainter, pts: Points, vis, px, py) -> None:
        many = vis[pts.count[vis] > 1]
        if not len(many) or len(many) > MAX_COUNT_LABELS:
            return
        font = QFont(painter.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8) if font.pointSizeF() > 0 else 7.0)
        painter.setFont(font)
        for k in many.tolist():
            r = stamp_radius(int(pts.count[k])) * self.pixel_scale
            at = QPointF(float(px[k]) + r + 2, float(py[k]) - r)
            text = str(int(pts.count[k]))
            painter.setPen(self._halo)
            for ddx, ddy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                painter.drawText(at + QPointF(ddx, ddy), text)
            painter.setPen(self._text)
            painter.drawText(at, text)
