"""Recording the map for a PDF in three layers, so that the event layer's image is never
serialised on the GUI thread.

A :class:`QPicture` stores every image drawn into it as PNG bytes, at once: for the event
layer at 300 dpi (a 3,900 × 2,600 image when zoomed in) that took 0.6 s on the GUI thread,
more than the whole export used to. So the view is recorded in two pictures around the
event layer: what lies under it (land, borders, country names: z below the layer's), the
title line and the legend; then what lies over it (the highlight, the crossings) with the
layer itself, whose image is captured as it is drawn (:class:`ImageCapture`) instead of
recorded. The worker paints the first picture, the captured image, then the second picture:
the same page as one ``QGraphicsView.render()`` would paint.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QImage, QPainter, QPainterPath, QTransform

if TYPE_CHECKING:
    from monitor.ui.map.panel import MapPanel


@dataclass(slots=True)
class CapturedImage:
    """One ``drawImage`` of the event layer: where (in the device's pixels), under which
    transform and clip, and the image (which keeps its pixels alive)."""

    transform: QTransform
    clip: QPainterPath | None
    where: Any  # QPointF or QRectF, as the layer drew it
    image: QImage

    def paint(self, painter: QPainter) -> None:
        painter.save()
        painter.setWorldTransform(self.transform)
        if self.clip is not None:
            painter.setClipPath(self.clip)
        if isinstance(self.where, QPointF):
            from monitor.ui.map.export_job import draw_image  # (the GIL released meanwhile)

            draw_image(painter, self.where, self.image)
        else:
            painter.drawImage(self.where, self.image)
        painter.restore()


class ImageCapture:
    """A painter for the event layer's ``paint``: forwards every call to ``painter`` except
    ``drawImage(where, image)``, which it keeps in ``into`` (the layer's count labels are
    still drawn, as text)."""

    def __init__(self, painter: QPainter, into: list[CapturedImage]):
        self._painter = painter
        self._into = into

    def __getattr__(self, name: str):
        return getattr(self._painter, name)

    def drawImage(self, where, image, *rest) -> None:
        p = self._painter
        if rest or not isinstance(image, QImage):
            p.drawImage(where, image, *rest)
            return
        clip = QPainterPath(p.clipPath()) if p.hasClipping() else None
        self._into.append(CapturedImage(QTransform(p.worldTransform()), clip, where, image))


@contextmanager
def layers(panel: MapPanel, *, under: bool) -> Iterator[None]:
    """While inside: the view shows only the items under the event layer (``under``), or
    only the layer and what is over it (the view's and the box's background transparent).
    Everything is put back as it was on leaving."""
    z = panel.points_item.zValue()
    saved: list[tuple[Any, float]] = []
    for item in panel.view_box.childGroup.childItems():  # (every item added to the box)
        if (item.zValue() >= z) == under:
            saved.append((item, item.opacity()))
    view = panel.view
    brush = QBrush(view.backgroundBrush())
    background = getattr(panel.view_box, "background", None)
    if not under and background is not None:
        saved.append((background, background.opacity()))
    try:
        for item, _opacity in saved:
            item.setOpacity(0.0)  # (not painted; nothing about the view's layout changes)
        if not under:
            view.setBackgroundBrush(QBrush(Qt.BrushStyle.NoBrush))
        yield
    finally:
        for item, opacity in saved:
            item.setOpacity(opacity)
        view.setBackgroundBrush(brush)


@contextmanager
def capturing(item: Any, into: list[CapturedImage]) -> Iterator[None]:
    """While inside, ``item.paint`` draws through an :class:`ImageCapture` (an override on
    this one object; the class is untouched)."""
    paint = type(item).paint

    def captured(self, painter, option, widget=None):
        paint(self, ImageCapture(painter, into), option, widget)

    item.paint = types.MethodType(captured, item)
    try:
        yield
    finally:
        del item.paint
