"""The map panel's own export (PDF or PNG): exactly what the panel shows.

The view is painted with ``QGraphicsView.render()`` (the current view rectangle, the base map,
the event layer in its colour mode with the feed's filters and the cursor, the crossings'
status symbols, the selection highlight), under a title line (scenario, "as of" the cursor)
and above a legend like the panel's. Into a ``QPdfWriter`` the land and borders stay vector
paths, every name stays real text, the crossing symbols are drawn from their SVG icons as
vectors, and the event layer is the one image it is on screen (its dots scaled with the
output resolution through :attr:`EventPointsItem.pixel_scale`).

From the window (:func:`start_export`) only the recording runs on the GUI thread: the PNG's
image is painted there and encoded in a worker; the PDF is recorded into pictures (see
:mod:`monitor.ui.map.export_layers`) that the worker replays onto the ``QPdfWriter``.
Known difference of the PDF: a ``QPicture`` replays each text run on its own, left to
right, so a run under an explicit bidi override (U+202E) prints in its logical order, and a
space at the edge of a right-to-left run inside a left-to-right label can move to the run's
other side. The PNG is the same pixels as a direct render.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontInfo, QFontMetricsF, QImage, QPainter, QPen

from monitor.model.io import atomic_write_bytes
from monitor.model.text import isolate_if_needed
from monitor.ui.map.colors import class_colors
from monitor.ui.map.export_job import MapExportJob, MapExports, Recording, Sheet
from monitor.ui.map.export_layers import CapturedImage, capturing, layers
from monitor.ui.map.items import one_line, status_svg

if TYPE_CHECKING:
    from monitor.ui.map.panel import MapPanel

PDF_DPI = 300
PNG_SCALE = 2.0  # PNG pixels per view pixel (crisp when printed or zoomed)
MAX_CLASSES = 10
STATUSES = ("open", "restricted", "closed", None)  # the legend's order


def export_map(
    panel: MapPanel,
    path: str | os.PathLike[str],
    *,
    scale: float | None = None,
    marking: str = "",
) -> Path:
    """Write what ``panel`` shows to ``path``: PDF or PNG by its suffix (``ValueError`` for
    another). ``scale``: PNG pixels per view pixel (default :data:`PNG_SCALE`); ``marking``
    (e.g. "UNCLASSIFIED") is printed at the right of the title line. The file is written
    atomically (a temporary file, then a rename). Synchronous (scripts and tests): the window's
    actions use :func:`start_export`, which writes the same recording off the GUI thread."""
    out = Path(path)
    data = record(panel, out.suffix, scale, marking).output()
    atomic_write_bytes(out, data)
    return out


def start_export(
    panel: MapPanel,
    path: str | os.PathLike[str],
    *,
    scale: float | None = None,
    marking: str = "",
) -> MapExportJob | None:
    """Record what ``panel`` shows (on the GUI thread, briefly) and write it to ``path`` in a
    worker thread, with a progress dialog and Cancel; a failure is shown in a message naming
    the file and the reason. Returns the running job (``None`` if it could not start)."""
    out = Path(path)
    exports = MapExports.of(panel)
    if exports.job is not None:
        exports.status("An export of the map is still running")
        return None
    try:
        recording = record(panel, out.suffix, scale, marking)
    except (OSError, ValueError) as exc:
        exports.report_error(out, str(exc))
        return None
    except Exception as exc:  # a bug must reach the user as a message, not end the app
        exports.report_error(out, f"unexpected error while drawing the map: {exc!r}")
        return None
    return exports.start(recording, out)


def ask_and_export(panel: MapPanel, suffix: str) -> MapExportJob | None:
    """The export actions: ask where (a save dialog), then write off the GUI thread (see
    :func:`start_export`). ``suffix``: ".pdf" or ".png"."""
    from PySide6.QtWidgets import QFileDialog

    ctx = panel._ctx
    folder = ctx.path.parent if ctx.path else Path.home()
    stem = f"{ctx.path.stem if ctx.path else 'scenario'}-{ctx.cursor_time():%Y%m%d-%H%M}-map"
    kind = "PDF files (*.pdf)" if suffix == ".pdf" else "PNG images (*.png)"
    path, _ = QFileDialog.getSaveFileName(panel, "Export map", str(folder / (stem + suffix)), kind)
    if not path:
        return None
    if not path.lower().endswith(suffix):
        path += suffix
    return start_export(panel, path)


# --------------------------------------------------------------------------- the two formats
def record(
    panel: MapPanel, suffix: str, scale: float | None = None, marking: str = ""
) -> Recording:
    """What the panel shows, recorded for a PDF or a PNG (``suffix``; ``ValueError`` for
    another): the only part of an export that runs on the GUI thread."""
    kind = suffix.lower()
    if kind == ".pdf":
        return _record_pdf(panel, marking)
    if kind == ".png":
        return _record_png(panel, scale or PNG_SCALE, marking)
    raise ValueError(f"cannot export the map as {kind or 'a file without a suffix'!r}")


def pdf_bytes(panel: MapPanel, marking: str = "") -> bytes:
    """A one-page PDF the size of the view (at the screen's logical DPI), plus title and legend."""
    return _record_pdf(panel, marking).output()


def png_bytes(panel: MapPanel, scale: float = PNG_SCALE, marking: str = "") -> bytes:
    return _record_png(panel, scale, marking).output()


def _frame(panel: MapPanel, marking: str) -> tuple[_Frame, float]:
    view = panel.view.viewport()
    base_dpi = float(panel.view.logicalDpiX() or 96)
    return _Frame(panel, view.width(), view.height(), base_dpi, marking), base_dpi


def _record_pdf(panel: MapPanel, marking: str) -> Recording:
    """Two pictures around the event layer, whose image is captured rather than recorded
    (see :mod:`monitor.ui.map.export_layers`)."""
    frame, base_dpi = _frame(panel, marking)
    scale = PDF_DPI / base_dpi  # device pixels per view pixel
    target = QRectF(0, frame.title_h * scale, frame.view_w * scale, frame.view_h * scale)
    images: list[CapturedImage] = []
    with layers(panel, under=True):
        under = _sheet(lambda p: frame.paint(p, scale))
    with layers(panel, under=False), capturing(panel.points_item, images):
        over = _sheet(lambda p: render_view(panel, p, target, scale))
    inch = 72.0 / base_dpi  # points per view pixel
    page = QSizeF(frame.width * inch, frame.height * inch)
    return Recording(
        ".pdf", picture=under, overlay=over, images=images, title=frame.title, page=page
    )


def _sheet(paint) -> Sheet:
    picture = Sheet(PDF_DPI)
    painter = QPainter()
    if not painter.begin(picture):
        raise OSError("cannot record the map")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering, True)
        paint(painter)
    finally:
        painter.end()
    return picture


def _record_png(panel: MapPanel, scale: float, marking: str) -> Recording:
    frame, base_dpi = _frame(panel, marking)
    image = QImage(
        round(frame.width * scale), round(frame.height * scale), QImage.Format.Format_ARGB32
    )
    if image.isNull():
        raise OSError(f"not enough memory for a {image.width()}×{image.height()} image")
    dpm = round(base_dpi * scale / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    image.fill(panel.palette().window().color())
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        frame.paint(painter, scale)
    finally:
        painter.end()
    return Recording(".png", image=image, title=frame.title)


# --------------------------------------------------------------------------- the page
class _Frame:
    """Title line, the view, the legend: laid out in view pixels (``scale`` device pixels each)."""

    PAD = 8.0

    def __init__(
        self, panel: MapPanel, view_w: int, view_h: int, base_dpi: float, marking: str = ""
    ):
        self.panel = panel
        self.marking = one_line(marking, 60)
        self.view_w, self.view_h = view_w, view_h
        ctx = panel._ctx
        scenario = ctx.scenario
        title = one_line(scenario.info.title or scenario.info.id or "Map")
        self.title = f"{title} — map as of {describe_cursor(ctx.cursor_time(), scenario.tz)}"
        # Fonts in view pixels: the output's own DPI must not enlarge them again.
        self.font = QFont(panel.font())
        self.font.setPixelSize(max(1, QFontInfo(panel.font()).pixelSize()))
        self.bold = QFont(self.font)
        self.bold.setBold(True)
        fm = QFontMetricsF(self.font)
        self.line = fm.height()
        self.title_h = self.line + self.PAD
        self.legend = self._legend_entries()
        self.legend_rows = self._layout_legend(fm)
        self.legend_h = len(self.legend_rows) * (self.line + 4) + self.PAD
        self.width = float(view_w)
        self.height = self.title_h + view_h + self.legend_h

    # -- legend contents --------------------------------------------------------------
    def _legend_entries(self) -> list[tuple[str, object, str]]:
        """(kind, what, text): the panel's legend, in its order."""
        panel = self.panel
        entries: list[tuple[str, object, str]] = []
        for status in STATUSES:  # the words of the panel's legend and the crossings table
            entries.append(("status", status, status or "unknown"))
        by_category = panel.color_action.isChecked()
        clusters = panel.clusters()
        names = tuple(clusters.categories if by_category else clusters.verifications)
        colors = class_colors(names, by_category)
        entries.append(("text", None, "Events by category:" if by_category else "Events:"))
        for name, color in list(zip(names, colors, strict=True))[:MAX_CLASSES]:
            entries.append(
                ("dot", color, isolate_if_needed(one_line(name, 40)) if name else "(none)")
            )
        if len(names) > MAX_CLASSES:
            entries.append(("text", None, f"+{len(names) - MAX_CLASSES} more"))
        if not panel._ctx.hide_future:
            entries.append(("text", None, "(faint: after the cursor)"))
        n = panel.unlocated_count
        if n:
            entries.append(
                (
                    "text",
                    None,
                    f"{n:,} event{'s' if n != 1 else ''} {'have' if n != 1 else 'has'} no location",
                )
            )
        return entries

    def _layout_legend(self, fm: QFontMetricsF) -> list[list[tuple[float, int]]]:
        rows: list[list[tuple[float, int]]] = [[]]
        x = self.PAD
        for i, (kind, _what, text) in enumerate(self.legend):
            w = (0 if kind == "text" else self.line + 3) + fm.horizontalAdvance(text) + 12
            if rows[-1] and x + w > self.view_w - self.PAD:
                rows.append([])
                x = self.PAD
            rows[-1].append((x, i))
            x += w
        return rows

    # -- painting ---------------------------------------------------------------------
    def paint(self, p: QPainter, scale: float) -> None:
        panel = self.panel
        p.save()
        p.scale(scale, scale)  # from here on: view pixels
        p.fillRect(QRectF(0, 0, self.width, self.height), panel.palette().window())
        text_color = panel.palette().windowText().color()
        p.setFont(self.bold)
        p.setPen(text_color)
        line = QRectF(self.PAD, 0, self.width - 2 * self.PAD, self.title_h)
        room = line.width()
        if self.marking:
            p.drawText(
                line, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), self.marking
            )
            room -= QFontMetricsF(self.bold).horizontalAdvance(self.marking) + 2 * self.PAD
        title = QFontMetricsF(self.bold).elidedText(self.title, Qt.TextElideMode.ElideRight, room)
        p.drawText(line, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
        p.restore()
        target = QRectF(0, self.title_h * scale, self.view_w * scale, self.view_h * scale)
        render_view(panel, p, target, scale)
        p.save()
        p.scale(scale, scale)
        p.setFont(self.font)
        y = self.title_h + self.view_h + self.PAD / 2
        for row in self.legend_rows:
            for x, i in row:
                kind, what, text = self.legend[i]
                tx = x
                box = QRectF(x, y + 1, self.line - 2, self.line - 2)
                if kind == "status":
                    status_svg(what).render(p, box)
                    tx = x + self.line + 3
                elif kind == "dot":
                    p.setPen(QPen(QColor("#000000"), 1.0))
                    p.setBrush(QColor(what))
                    p.drawEllipse(box.adjusted(2, 2, -2, -2))
                    tx = x + self.line + 3
                p.setPen(text_color)
                p.drawText(QPointF(tx, y + QFontMetricsF(self.font).ascent()), text)
            y += self.line + 4
        p.restore()


def render_view(panel: MapPanel, p: QPainter, target: QRectF, scale: float) -> None:
    """Paint the panel's view into ``target`` (``scale`` device pixels per view pixel): the
    event dots and the highlight grow with the scale, as the text does."""
    view = panel.view
    points = panel.points_item
    old = points.pixel_scale
    points.pixel_scale = old * scale
    markers = [panel.crossing_marker(cid) for cid in panel.crossing_ids()]
    for marker in markers:
        marker.export_scale = scale
    panel.highlight.setExportMode(True, {"resolutionScale": scale, "antialias": True})
    try:
        view.render(p, target, view.viewport().rect(), Qt.AspectRatioMode.IgnoreAspectRatio)
    finally:
        points.pixel_scale = old
        for marker in markers:
            marker.export_scale = 1.0
        panel.highlight.setExportMode(False)


def describe_cursor(when: datetime, tz) -> str:
    local = when.astimezone(tz)
    offset = local.strftime("%z")
    return (
        f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"
        if offset
        else f"{local:%Y-%m-%d %H:%M}"
    )
