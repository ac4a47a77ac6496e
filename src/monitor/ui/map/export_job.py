"""The map export off the GUI thread (issue 16, item 5): progress, Cancel, a clear failure.

The GUI thread only records what the panel shows: ``QGraphicsView.render()`` of the view
with the title line and the legend, painted into a :class:`QPicture` at the output's
resolution (see :func:`monitor.ui.map.export.record`). That is the part that must touch the
scene, and the event layer's image is stamped there. A :class:`MapExportJob` then replays the
picture onto a ``QPdfWriter`` (vector land and borders, real text, the crossing symbols as
vectors, the event layer as its one image) or rasterises it onto a ``QImage`` and encodes the
PNG, and writes the file atomically. No widget is touched in the worker.

:class:`MapExports` (one per panel) runs one job at a time under a progress dialog: Cancel
leaves no file (nothing is written before the bytes are complete, and the write is a
rename); a failure names the file and the reason; the window closing cancels the job and
waits for it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QMarginsF,
    QObject,
    QPointF,
    QSizeF,
    Qt,
    QThread,
    Signal,
)
from PySide6.QtGui import (
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPicture,
    QTransform,
)
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from monitor.model.io import atomic_write_bytes
from monitor.ui.loader import LoadProgressDialog

if TYPE_CHECKING:
    from monitor.ui.map.export_layers import CapturedImage

Progress = Callable[[float, str], None]


class ExportCancelled(Exception):
    """Cancel was pressed (or the window closed) before the file was written."""


def end_painting(painter: QPainter) -> bool:
    """``painter.end()`` without holding Python's GIL (see :func:`_released`): on a
    ``QPdfWriter`` that is where the fonts are embedded and the page compressed (about 70 ms
    for the map with 100k events)."""
    end = _released("_ZN8QPainter3endEv", 1)  # QPainter::end()
    if end is None:
        return painter.end()
    return bool(end(_address(painter)))


def draw_picture(painter: QPainter, picture: QPicture) -> None:
    """``painter.drawPicture(0, 0, picture)`` without holding Python's GIL (the replay of
    the map onto the PDF: 20-30 ms at 100k events)."""
    draw = _released("_ZN8QPainter11drawPictureERK7QPointFRK8QPicture", 3)
    if draw is None:
        painter.drawPicture(0, 0, picture)
        return
    origin = QPointF(0, 0)
    draw(_address(painter), _address(origin), _address(picture))


def draw_image(painter: QPainter, where: QPointF, image: QImage) -> None:
    """``painter.drawImage(where, image)`` without holding Python's GIL (into a PDF, the event
    layer's image is compressed here: 0.1-0.2 s for a 3,900 × 2,600 layer)."""
    draw = _released("_ZN8QPainter9drawImageERK7QPointFRK6QImage", 3)
    if draw is None:
        painter.drawImage(where, image)
        return
    draw(_address(painter), _address(where), _address(image))


def _address(obj: object) -> int:
    import shiboken6

    return int(shiboken6.getCppPointer(obj)[0])


@functools.cache
def _released(symbol: str, nargs: int):
    """A C++ method of Qt GUI called through ``ctypes``, which releases the GIL around a
    foreign call. PySide6 keeps the GIL through ``QPainter.end()`` and ``drawPicture()``, so
    the GUI thread would stall as long as the worker paints; called this way the same C++
    code runs beside it (nothing in it calls back into Python unguarded: PySide's virtual
    overrides and Qt's message handler take the GIL themselves). ``None`` where the symbol
    is not found (another platform's library name or ABI): the plain call is used then."""
    import ctypes

    import PySide6

    lib = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Gui.so.6"
    try:
        fn = getattr(ctypes.CDLL(str(lib)), symbol)  # (the Itanium C++ ABI's name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p] * nargs
    fn.restype = ctypes.c_bool if symbol.endswith("3endEv") else None
    return fn


class Sheet(QPicture):
    """A :class:`QPicture` at the output's resolution (``dpi``): fonts sized in points get
    the output's pixels as they did when painted on it, and replaying it on a device of the
    same resolution does not scale it."""

    _DPI = (
        QPaintDevice.PaintDeviceMetric.PdmDpiX,
        QPaintDevice.PaintDeviceMetric.PdmDpiY,
        QPaintDevice.PaintDeviceMetric.PdmPhysicalDpiX,
        QPaintDevice.PaintDeviceMetric.PdmPhysicalDpiY,
    )

    def __init__(self, dpi: int):
        super().__init__()
        self.dpi = dpi

    def metric(self, m: QPaintDevice.PaintDeviceMetric) -> int:
        return self.dpi if m in self._DPI else super().metric(m)


class Recording:
    """One export's page, made on the GUI thread. A PDF: ``picture`` (a :class:`Sheet`)
    holds the drawing in device pixels at ``dpi``, on a page of ``page`` points. A PNG:
    ``image`` is the painted image (what must touch the scene). :meth:`output` makes the
    file's bytes on any thread (replays the picture onto a ``QPdfWriter``, or encodes the
    image) and touches no widget. ``encoded_in``: the thread that last did (tests check it
    is not the GUI thread)."""

    def __init__(
        self,
        kind: str,
        *,
        picture: Sheet | None = None,
        overlay: Sheet | None = None,
        images: Sequence[CapturedImage] = (),
        image: QImage | None = None,
        title: str = "",
        page: QSizeF | None = None,
    ):
        if (picture is None) == (image is None):
            raise ValueError("a recording is a picture (PDF) or an image (PNG)")
        self.kind = kind
        self.picture = picture
        self.overlay = overlay
        self.images = list(images)
        self.image = image
        self.title = title
        self.page = page
        self.encoded_in: threading.Thread | None = None

    def output(
        self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> bytes:
        """The file's bytes (``ExportCancelled`` as soon as ``cancelled()`` says so between
        the steps; ``OSError`` if Qt cannot paint or encode)."""
        say = progress or (lambda _f, _m: None)
        stop = cancelled or (lambda: False)
        if stop():
            raise ExportCancelled
        self.encoded_in = threading.current_thread()
        data = self._pdf(say) if self.picture is not None else self._png(say)
        if stop():
            raise ExportCancelled
        return data

    def _pdf(self, say: Progress) -> bytes:
        say(0.1, "Writing the PDF page")
        picture, page = self.picture, self.page
        assert picture is not None and page is not None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QPdfWriter(buffer)
        writer.setResolution(picture.dpi)
        writer.setPageSize(QPageSize(page, QPageSize.Unit.Point, "map"))
        writer.setPageOrientation(QPageLayout.Orientation.Portrait)
        writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
        writer.setTitle(self.title)
        writer.setCreator("Situation Monitor")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError("cannot start painting the PDF")
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering, True)
            # QPicture.play() scales by the device's DPI over Qt's default one (what a plain
            # QPicture has): the pictures are in the device's pixels already.
            plain = QPicture()
            played = QTransform.fromScale(
                plain.logicalDpiX() / writer.logicalDpiX(),
                plain.logicalDpiY() / writer.logicalDpiY(),
            )
            painter.setWorldTransform(played)
            draw_picture(painter, picture)
            for captured in self.images:  # the event layer, between the two
                captured.paint(painter)
            if self.overlay is not None:
                painter.setWorldTransform(played)
                draw_picture(painter, self.overlay)
        finally:
            end_painting(painter)  # (the fonts and the file's end are written here)
        buffer.close()
        return bytes(data.data())

    def _png(self, say: Progress) -> bytes:
        say(0.1, "Encoding the PNG")
        assert self.image is not None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.image.save(buffer, "PNG"):
            raise OSError("cannot encode the PNG")
        buffer.close()
        return bytes(data.data())


class MapExportJob(QThread):
    """Paints, encodes and writes one :class:`Recording` to ``out``; ``stop`` cancels it."""

    progressed = Signal(int, str)
    succeeded = Signal(str)
    failed = Signal(str)
    was_cancelled = Signal()

    def __init__(self, recording: Recording, out: str | Path, parent: QObject | None = None):
        super().__init__(parent)
        self.recording: Recording | None = recording
        self.out = Path(out)
        self.stop = threading.Event()

    def run(self) -> None:
        recording = self.recording
        assert recording is not None
        try:
            data = recording.output(
                lambda f, m: self.progressed.emit(int(f * 100), m), self.stop.is_set
            )
            if self.stop.is_set():
                raise ExportCancelled
            self.progressed.emit(90, "Writing the file")
            atomic_write_bytes(self.out, data)
        except ExportCancelled:
            self.was_cancelled.emit()
            return
        except (OSError, ValueError, RuntimeError, MemoryError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            self.failed.emit(reason)
            return
        except Exception as exc:  # a bug must reach the user as a message, not kill the thread
            self.failed.emit(f"unexpected error while writing the map: {exc!r}")
            return
        self.succeeded.emit(str(self.out))


def top_window(widget: QWidget) -> QWidget:
    """The main window ``widget`` is in (a floating dock's too), or its own top level."""
    top = widget.window()
    while top.parentWidget() is not None:
        top = top.parentWidget().window()
    return top


class MapExports(QObject):
    """The map panel's exports: one job at a time, with a progress dialog (Cancel), a
    message when it fails (``last_error``: its text), stopped when the window closes."""

    def __init__(self, panel: QWidget):
        super().__init__(panel)
        self.setObjectName("mapExports")
        self._panel = panel
        self.job: MapExportJob | None = None
        self.dialog: LoadProgressDialog | None = None
        self.last_error = ""
        self.last_error_dialog: QMessageBox | None = None
        self._watched: QWidget | None = None

    @classmethod
    def of(cls, panel: QWidget) -> MapExports:
        found = panel.findChild(MapExports, "mapExports", Qt.FindChildOption.FindDirectChildrenOnly)
        return found if found is not None else cls(panel)

    # -- running -------------------------------------------------------------------------
    def start(self, recording: Recording, out: str | Path, delay_ms: int = 400):
        """Write ``recording`` to ``out`` in a worker; ``None`` if an export still runs."""
        if self.job is not None:
            self.status("An export of the map is still running")
            return None
        what = "PDF" if recording.kind == ".pdf" else "PNG"
        window = top_window(self._panel)
        job = MapExportJob(recording, out, self)
        dialog = LoadProgressDialog(
            f"Writing the map {what}…", f"Export map as {what}", window, delay_ms
        )
        dialog.setObjectName("mapExportProgressDialog")
        dialog.bar.setRange(0, 100)
        dialog.canceled.connect(job.stop.set)
        job.progressed.connect(lambda v, m: (dialog.setValue(v), dialog.setLabelText(m)))
        job.succeeded.connect(lambda path: self.status(f"Wrote {path}"))
        job.failed.connect(lambda reason: self.report_error(job.out, reason))
        job.was_cancelled.connect(
            lambda: self.status(f"Export of the map cancelled; {job.out.name} was not written")
        )
        job.finished.connect(lambda: self._finish(job, dialog))
        self.job, self.dialog = job, dialog
        if window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            window.installEventFilter(self)  # the window closing stops the job
            self._watched = window
        job.start()
        return job

    def cancel(self) -> None:
        """Cancel the running export (as its dialog's Cancel button does)."""
        if self.job is not None:
            self.job.stop.set()

    def stop(self) -> None:
        """Cancel the running export and wait for it to end (nothing is written)."""
        job, dialog = self.job, self.dialog
        if job is None:
            return
        job.stop.set()
        job.succeeded.disconnect()
        job.wait()
        if dialog is not None:
            self._finish(job, dialog)

    def _finish(self, job: MapExportJob, dialog: LoadProgressDialog) -> None:
        dialog.finish()
        if self.job is job:
            self.job, self.dialog = None, None
        job.wait()
        job.recording = None  # (the picture and the event layer's image go on this thread)
        job.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._watched and event.type() == QEvent.Type.Close:
            self.stop()
        return False

    # -- telling the user ---------------------------------------------------------------
    def status(self, text: str) -> None:
        window = top_window(self._panel)
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 8000)

    def report_error(self, out: Path, reason: str) -> None:
        """A plain-text warning that does not block (``last_error_dialog``)."""
        self.last_error = (
            f"Could not write the map to {out}: {reason}. No file was left half-written."
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Export failed",
            self.last_error,
            QMessageBox.StandardButton.Ok,
            top_window(self._panel),
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_error_dialog = box
        box.open()
