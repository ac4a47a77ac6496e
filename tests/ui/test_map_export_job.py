"""The map export off the GUI thread (issue 16, item 5): the panel's actions and File → Export
panel → Map record the view on the GUI thread and write the file in a worker, with progress
and Cancel; Cancel and failures leave no file; the window closing stops the job."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import numpy as np
import pytest
import test_map_export
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog
from test_map_export import needs_poppler, pdf_text, pixels

from monitor.ui.map.export import start_export
from monitor.ui.map.export_job import MapExports

panel = test_map_export.panel  # (the Andes test scenario's map panel, a fixture)


def choose(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(path), "")))


def run_action(qtbot, widget, action, monkeypatch, path):
    """Trigger an export action; return the recording the worker wrote (after it ended)."""
    choose(monkeypatch, path)
    exports = MapExports.of(widget)
    action.trigger()
    job = exports.job
    assert job is not None and not path.exists()  # the GUI thread is free while it runs
    recording = job.recording
    qtbot.waitUntil(lambda: exports.job is None, timeout=30_000)
    return recording


@needs_poppler
def test_the_pdf_action_writes_vectors_and_text_from_the_worker(
    panel, qtbot, monkeypatch, tmp_path
):
    widget, _ctx = panel
    out = tmp_path / "map.pdf"
    recording = run_action(qtbot, widget, widget.map_actions.export_pdf_action, monkeypatch, out)
    assert recording.encoded_in is not None
    assert recording.encoded_in is not threading.main_thread()  # painted and written there
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    for piece in ("Desaguadero", "map as of 2024-06-15", "closed", "1 event has no location"):
        assert piece in text, piece
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert len(fonts.splitlines()) > 2  # real text in embedded fonts
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True)
    rows = [ln.split() for ln in listing.stdout.splitlines()[2:] if ln.strip()]
    assert len([r for r in rows if r[2] == "image"]) <= 1, rows  # only the event layer
    assert all(int(r[12]) >= 200 for r in rows), rows
    # The same page as the synchronous export (scripts): one recording, two ways to write it.
    same = widget.export(tmp_path / "sync.pdf")
    assert pdf_text(same) == text
    assert sorted(os.listdir(tmp_path)) == ["andes.json", "map.pdf", "sync.pdf"]


def test_the_png_action_encodes_in_the_worker(panel, qtbot, monkeypatch, tmp_path):
    widget, _ctx = panel
    out = tmp_path / "map.png"
    recording = run_action(qtbot, widget, widget.map_actions.export_png_action, monkeypatch, out)
    assert recording.encoded_in is not None
    assert recording.encoded_in is not threading.main_thread()
    image = QImage(str(out))
    view = widget.view.viewport()
    assert image.width() == 2 * view.width() and image.height() > 2 * view.height()
    arr = pixels(out)
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 50  # not blank
    # Exactly the synchronous export's pixels.
    assert (pixels(widget.export(tmp_path / "sync.png")) == arr).all()


def test_cancel_leaves_no_file_and_no_temporary_file(panel, qtbot, monkeypatch, tmp_path):
    widget, _ctx = panel
    exports = MapExports.of(widget)
    before = sorted(os.listdir(tmp_path))
    for action, name in (
        (widget.map_actions.export_png_action, "c.png"),
        (widget.map_actions.export_pdf_action, "c.pdf"),
    ):
        choose(monkeypatch, tmp_path / name)
        action.trigger()
        assert exports.dialog is not None
        exports.dialog.reject()  # the dialog's Cancel (or Esc)
        qtbot.waitUntil(lambda: exports.job is None, timeout=30_000)
        assert not (tmp_path / name).exists()
    assert sorted(os.listdir(tmp_path)) == before
    assert exports.last_error == ""


def test_an_unwritable_target_names_the_file_and_the_reason(panel, qtbot, tmp_path):
    widget, _ctx = panel
    exports = MapExports.of(widget)
    out = tmp_path / "missing-folder" / "map.pdf"
    assert start_export(widget, out) is not None
    qtbot.waitUntil(lambda: exports.job is None, timeout=30_000)
    assert str(out) in exports.last_error
    assert "No such file or directory" in exports.last_error
    assert "No file was left half-written" in exports.last_error
    box = exports.last_error_dialog
    assert box is not None and box.text() == exports.last_error
    box.close()
    assert not out.parent.exists()
    # A suffix the map cannot be written as: said at once, nothing started.
    assert start_export(widget, tmp_path / "map.jpg") is None
    assert "map.jpg" in exports.last_error and not (tmp_path / "map.jpg").exists()
    exports.last_error_dialog.close()


def test_one_export_at_a_time_and_closing_the_window_stops_it(panel, qtbot, tmp_path):
    widget, _ctx = panel
    exports = MapExports.of(widget)
    first = start_export(widget, tmp_path / "a.png")
    assert first is not None
    assert start_export(widget, tmp_path / "b.png") is None  # refused while one runs
    widget.close()  # the window closing: the job is cancelled and waited for
    assert exports.job is None and first.isFinished()
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "b.png").exists()
    assert sorted(os.listdir(tmp_path)) == ["andes.json"]


@needs_poppler
def test_file_export_panel_map_runs_off_the_gui_thread(qtbot, small_path, monkeypatch, tmp_path):
    from monitor.ui import MainWindow

    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.prefs.marking = "SECRET//TEST"
    out = tmp_path / "map.pdf"
    actions = window.briefings
    monkeypatch.setattr(actions, "ask_pdf_path", lambda suggested: str(out))
    exports = MapExports.of(window.map_panel)
    window.export_panel_actions["map"].trigger()
    assert exports.job is not None and not out.exists()  # the window is free while it runs
    qtbot.waitUntil(lambda: exports.job is None, timeout=30_000)
    text = pdf_text(out)
    assert "SECRET//TEST" in text
    assert "Semalka" in text
    assert f"Wrote {out}" in window.statusBar().currentMessage()
    # Closing the window during an export stops it; nothing is written.
    later = tmp_path / "later.pdf"
    monkeypatch.setattr(actions, "ask_pdf_path", lambda suggested: str(later))
    window.export_panel_actions["map"].trigger()
    assert exports.job is not None
    window.close()
    assert exports.job is None and not later.exists()
    if shutil.which("pdfinfo"):
        assert subprocess.run(["pdfinfo", str(out)], capture_output=True).returncode == 0


def rasterise(path, tmp_path, name: str) -> np.ndarray:
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / name)],
        check=True,
    )
    return pixels(tmp_path / f"{name}.png").astype(int)


@pytest.fixture
def plain_panel(qtbot, tmp_path):
    """The Andes map without the crossing whose name holds a U+202E (a QPicture replays each
    text run on its own, so that run's override is not applied again: see the module
    :mod:`monitor.ui.map.export_layers`)."""
    import json

    from test_map_panel import CURSOR, andes_doc

    from monitor.model import load_scenario
    from monitor.ui.context import ScenarioContext
    from monitor.ui.map import MapPanel

    doc = andes_doc()
    for crossing in doc["crossings"]:
        if crossing["id"] == "kasani":
            crossing["name"] = "Kasani"
    path = tmp_path / "andes.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ctx = ScenarioContext(load_scenario(path), path)
    ctx.set_cursor(CURSOR)
    widget = MapPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(900, 650)
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit_to_scenario()
    return widget, ctx


@needs_poppler
def test_the_layered_pdf_is_the_page_one_render_paints(plain_panel, qtbot, tmp_path):
    """The PDF is recorded in two pictures around the event layer (whose image is captured,
    not serialised): the page must be the one a single QGraphicsView.render() paints, zoomed
    out (density) and in (dots), and the view must be left as it was."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    from monitor.ui.map.export import PDF_DPI, _Frame

    widget, ctx = plain_panel
    ctx.select_event("e-puno")
    widget.points_item.density_threshold = 1  # zoomed out: the density layer
    for mode in ("density", "points"):
        if mode == "points":
            widget.points_item.density_threshold = 10**9
        widget.view.viewport().update()
        qtbot.wait(20)
        out = widget.export(tmp_path / f"{mode}.pdf")
        assert widget.points_item.mode == mode
        view = widget.view.viewport()
        frame = _Frame(widget, view.width(), view.height(), 96.0)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QPdfWriter(buffer)
        writer.setResolution(PDF_DPI)
        size = QSizeF(frame.width * 0.75, frame.height * 0.75)
        writer.setPageSize(QPageSize(size, QPageSize.Unit.Point, "map"))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
        painter = QPainter(writer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering, True)
        frame.paint(painter, PDF_DPI / 96.0)
        painter.end()
        (tmp_path / f"direct-{mode}.pdf").write_bytes(bytes(data.data()))
        ours = rasterise(out, tmp_path, f"ours-{mode}")
        direct = rasterise(tmp_path / f"direct-{mode}.pdf", tmp_path, f"direct-{mode}")
        assert ours.shape == direct.shape
        differ = np.abs(ours - direct).max(axis=2) > 48
        assert differ.mean() < 0.00005, (mode, differ.mean())  # (one missing dot: 0.0001)
    # The view is as it was: every item painted again, its background, its own paint.
    assert all(item.opacity() == 1.0 for item in widget.view_box.childGroup.childItems())
    assert widget.view_box.background.opacity() == 1.0
    assert widget.view.backgroundBrush().style() != 0
    assert "paint" not in widget.points_item.__dict__


def test_a_failing_write_in_the_worker_is_reported_with_the_file(
    panel, qtbot, monkeypatch, tmp_path
):
    """A full disk while writing (the worker's atomic write fails): the message names the
    file and the reason, the window stays usable, no file is left."""
    import monitor.ui.map.export_job as job_module

    def full_disk(path, data):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(job_module, "atomic_write_bytes", full_disk)
    widget, _ctx = panel
    exports = MapExports.of(widget)
    out = tmp_path / "full.png"
    assert start_export(widget, out) is not None
    qtbot.waitUntil(lambda: exports.job is None, timeout=30_000)
    assert exports.last_error == (
        f"Could not write the map to {out}: No space left on device. No file was left half-written."
    )
    exports.last_error_dialog.close()
    assert not out.exists()
    monkeypatch.undo()
    assert start_export(widget, out) is not None  # the next export runs
    qtbot.waitUntil(lambda: exports.job is None, timeout=30_000)
    assert QImage(str(out)).width() > 0
