"""Scene items of the map: the base map (land, borders), country labels and the crossing
markers. Coordinates are degrees (x = longitude, y = latitude) inside the view box; labels
and markers are drawn in pixels (they do not grow with the zoom)."""

from __future__ import annotations

import functools
import logging
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsPathItem

from monitor.model.basemap import BaseMap, Lines, label_rank_limit
from monitor.ui.map.colors import MapColors

ICON_PX = 18  # crossing symbol size
# The crossings table's status icons (resources/icons), for vector output (PDF export).
_ICON_FILES = {
    "open": "status-open.svg",
    "restricted": "status-restricted.svg",
    "closed": "status-closed.svg",
    None: "status-unknown.svg",
}
_VECTOR_ENGINES = (QPaintEngine.Type.Pdf, QPaintEngine.Type.Picture, QPaintEngine.Type.SVG)

_log = logging.getLogger(__name__)


def safe_paint(paint):
    """A paint override that never lets an exception out: PySide6 6.11 crashes while printing
    one raised inside a virtual called from C++ (shiboken's PepException_GetArgs)."""

    @functools.wraps(paint)
    def wrapper(self, painter, *args):
        try:
            paint(self, painter, *args)
        except Exception as exc:
            self.paint_error = f"{type(exc).__name__}: {exc}"
            _log.warning("%s not drawn: %s", type(self).__name__, self.paint_error)

    return wrapper


@functools.cache
def status_svg(status) -> QSvgRenderer:
    """The status icon (``CrossingStatus``, its value, or ``None``) as an SVG renderer: the
    same drawing as the table's icon, painted as vectors."""
    from monitor.paths import resource_path

    name = _ICON_FILES.get(None if status is None else str(status), _ICON_FILES[None])
    return QSvgRenderer(str(resource_path("icons", name)))


def is_vector_device(painter: QPainter) -> bool:
    engine = painter.paintEngine()
    return engine is not None and engine.type() in _VECTOR_ENGINES


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one line for a map label: control characters (except bidi marks) become
    spaces, overlong text is cut with an ellipsis."""
    out = "".join(
        " " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029") else c for c in text
    )
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "\u2026"


def lines_path(lines: Lines, *, fill: bool) -> QPainterPath:
    if not lines.n_points:
        return QPainterPath()
    path = pg.arrayToQPath(lines.x, lines.y, connect=lines.connect())
    if fill:
        path.setFillRule(Qt.FillRule.WindingFill)  # exteriors CCW, holes CW (see the build script)
    return path


def marker_basis(crossings) -> list[tuple]:
    """What crossing markers are made of: each crossing's id, names and place."""
    return [
        (
            c.id,
            c.name,
            c.name_local,
            getattr(c.location, "lat", None),
            getattr(c.location, "lon", None),
        )
        for c in crossings
    ]


class BaseMapItems:
    """The land and border paths of every base-map layer (world below, detail above)."""

    def __init__(self, basemap: BaseMap, view_box: pg.ViewBox):
        self.land: list[QGraphicsPathItem] = []
        self.borders: list[QGraphicsPathItem] = []
        for z, layer in enumerate(basemap.layers):
            land = QGraphicsPathItem(lines_path(layer.land, fill=True))
            land.setZValue(-20 + z)
            land.setPen(QPen(Qt.PenStyle.NoPen))
            border = QGraphicsPathItem(lines_path(layer.borders, fill=False))
            border.setZValue(-10 + z)
            border.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            view_box.addItem(land, ignoreBounds=True)
            view_box.addItem(border, ignoreBounds=True)
            self.land.append(land)
            self.borders.append(border)

    def set_colors(self, colors: MapColors) -> None:
        for item in self.land:
            item.setBrush(QBrush(colors.land))
        pen = QPen(colors.border)
        pen.setCosmetic(True)
        pen.setWidthF(1.0)
        for item in self.borders:
            item.setPen(pen)


class CountryLabelsItem(pg.GraphicsObject):
    """Country names at Natural Earth label points; larger countries first, fewer as the view
    widens (:func:`~monitor.model.basemap.label_rank_limit`), never two overlapping."""

    def __init__(self, basemap: BaseMap):
        super().__init__()
        self._labels = basemap.labels
        self._lon, self._lat, self._rank = basemap.label_arrays()
        self._color = QColor("#555555")
        self._halo = QColor(255, 255, 255, 190)
        self.shown: list[str] = []  # names drawn by the last paint
        self.setZValue(5)

    def set_colors(self, colors: MapColors) -> None:
        self._color, self._halo = QColor(colors.label), QColor(colors.halo)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-540.0, -90.0, 1080.0, 180.0)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        return None

    @safe_paint
    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.shown = []
        vb = self.getViewBox()
        if vb is None or not len(self._labels):
            return
        rect = vb.viewRect()
        limit = label_rank_limit(rect.width())
        inside = np.flatnonzero(
            (self._rank <= limit)
            & (self._lon >= rect.left())
            & (self._lon <= rect.right())
            & (self._lat >= rect.top())
            & (self._lat <= rect.bottom())
        )
        if not len(inside):
            return
        # The world transform, not deviceTransform(): inside a window the device transform
        # also holds the widget's offset in the backing store, which resetTransform() keeps.
        tr = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        font = QFont(painter.font())
        font.setCapitalization(QFont.Capitalization.AllUppercase)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        taken: list[QRectF] = []
        for i in inside.tolist():  # already in rank order (the file is sorted by rank)
            label = self._labels[i]
            at = tr.map(QPointF(label.lon, label.lat))
            text = one_line(label.name, 40)
            box = metrics.boundingRect(text)
            box.moveCenter(at)
            box.adjust(-3, -1, 3, 1)
            if any(box.intersects(t) for t in taken):
                continue
            taken.append(box)
            base = QPointF(box.left() + 3, box.top() + 1 + metrics.ascent())
            painter.setPen(self._halo)
            for ddx, ddy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                painter.drawText(base + QPointF(ddx, ddy), text)
            painter.setPen(self._color)
            painter.drawText(base, text)
            self.shown.append(label.name)
        painter.restore()


class CrossingMarker(QGraphicsObject):
    """One crossing: its status icon (shape and colour, as in the crossings table) at its
    place, and its name and local name beside it, plain text on a halo."""

    def __init__(self, crossing_id: str, label: str):
        super().__init__()
        self.crossing_id = crossing_id
        self.label = label
        self.status = None  # CrossingStatus | None as of the cursor
        self.icon = None
        self.selected = False
        # Set while the panel is exported: output pixels per view pixel (the marker ignores
        # the view's transformations, so the export's scale is applied here).
        self.export_scale = 1.0
        self._color = QColor("#202020")
        self._halo = QColor(255, 255, 255, 190)
        self._accent = QColor("#1565c0")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(40)
        self._font = QFont()
        self._text_rect = QRectF()
        self._relayout()

    def _relayout(self) -> None:
        self.prepareGeometryChange()
        metrics = QFontMetricsF(self._font)
        r = metrics.boundingRect(self.label)
        self._text_rect = QRectF(
            ICON_PX / 2 + 4, -metrics.height() / 2, r.width() + 6, metrics.height()
        )
        s = ICON_PX / 2 + 4
        self._bounds = QRectF(-s, -s, 2 * s, 2 * s).united(self._text_rect.adjusted(-1, -1, 1, 1))
        self._cached: dict[tuple, QPixmap] = {}  # what it shows -> its picture on screen

    def set_status(self, status, icon) -> None:
        if status == self.status and self.icon is not None and icon is not None:
            return  # (the same status, the same icon: a cursor step repaints nothing here)
        self.status, self.icon = status, icon
        self.update()

    def set_selected(self, on: bool) -> None:
        if on != self.selected:
            self.selected = on
            self.setZValue(41 if on else 40)
            self.update()

    def set_colors(self, text: QColor, halo: QColor, accent: QColor) -> None:
        self._color, self._halo, self._accent = QColor(text), QColor(halo), QColor(accent)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    @safe_paint
    def paint(self, painter: QPainter, option, widget=None) -> None:
        device = painter.device()
        if self.export_scale != 1.0 or device is None or is_vector_device(painter):
            self._draw(painter)  # (an export: vectors and real text, at its scale)
            return
        # On screen: drawn once into a picture, which every repaint copies (a window's
        # repaint paints each of a hundred crossings again; their look rarely changes).
        ratio = max(1.0, device.devicePixelRatioF())  # (the item ignores the view's scale)
        key = (
            self.status,
            self.icon is not None,
            self.selected,
            self._color.rgba(),
            self._halo.rgba(),
            self._accent.rgba(),
            ratio,
        )
        cached = self._cached.get(key)
        if cached is None:
            bounds = self._bounds
            size = QSize(math.ceil(bounds.width() * ratio), math.ceil(bounds.height() * ratio))
            picture = QPixmap(size)
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            p = QPainter(picture)
            p.setRenderHints(painter.renderHints())
            p.translate(-bounds.left(), -bounds.top())
            self._draw(p)
            p.end()
            if len(self._cached) >= 8:  # (a status per crossing, selected or not)
                self._cached.clear()
            self._cached[key] = cached = picture
        painter.drawPixmap(self._bounds.topLeft(), cached)

    def _draw(self, painter: QPainter) -> None:
        half = ICON_PX / 2
        font = self._font
        if self.export_scale != 1.0:
            painter.scale(self.export_scale, self.export_scale)
            # The screen's pixel size: the output device's own DPI must not enlarge it again.
            font = QFont(self._font)
            font.setPixelSize(max(1, QFontInfo(self._font).pixelSize()))
        if self.selected:
            pen = QPen(self._accent)
            pen.setWidthF(2.5)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), half + 3, half + 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._halo)
        painter.drawRoundedRect(self._text_rect, 3, 3)
        painter.setPen(self._color)
        painter.setFont(font)
        painter.drawText(
            self._text_rect.adjusted(3, 0, 0, 0),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self.label,
        )
        if self.icon is not None and is_vector_device(painter):
            # Into a PDF: the icon's SVG as vectors (a pixmap would be one image per crossing).
            status_svg(self.status).render(painter, QRectF(-half, -half, ICON_PX, ICON_PX))
        elif self.icon is not None:
            ratio = max(1.0, painter.device().devicePixelRatioF() if painter.device() else 1.0)
            scale = math.hypot(painter.deviceTransform().m11(), painter.deviceTransform().m12())
            px = self.icon.pixmap(QSize(ICON_PX, ICON_PX), max(ratio, scale))
            painter.drawPixmap(QRectF(-half, -half, ICON_PX, ICON_PX), px, QRectF(px.rect()))
