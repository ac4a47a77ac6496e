"""The map export off the GUI thread (issue 16, item 5): the panel's actions and File → Export
panel → Map record the view on the GUI thread and write the file in a worker, with progress
and Cancel; Cancel and failures leave no file; the window closing stops the job."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import numpy as np
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
