"""The map panel's own export (issue 13, item 6): PDF and PNG of exactly what the panel shows
(view rectangle, layers, colour mode, cursor), read back with poppler and QImage."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from test_map_panel import CURSOR, andes_doc

from monitor.model import load_scenario
from monitor.ui.context import ScenarioContext
from monitor.ui.map import MapPanel

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")
RED = QColor("#c62828")  # closed (the crossings table's colour)
GREEN = QColor("#2e7d32")  # open


@pytest.fixture
def panel(qtbot, tmp_path):
    import json

    path = tmp_path / "andes.json"
    path.write_text(json.dumps(andes_doc(), ensure_ascii=False), encoding="utf-8")
    scenario = load_scenario(path)
    ctx = ScenarioContext(scenario, path)
    ctx.set_cursor(CURSOR)
    widget = MapPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(900, 650)
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit_to_scenario()
    QApplication.processEvents()
    return widget, ctx


def pdf_text(path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return unicodedata.normalize("NFKC", out)


def images(path) -> list[list[str]]:
    out = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return [ln.split() for ln in out.splitlines()[2:] if ln.strip()]


def pixels(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    ptr = image.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=image.sizeInBytes())
    rows = arr.reshape(image.height(), image.bytesPerLine() // 4, 4)
    return rows[:, : image.width(), :3].copy()  # a copy: the QImage's memory goes with it


def near(arr: np.ndarray, x: int, y: int, color: QColor, reach: int = 6, tol: int = 40) -> bool:
    """Whether a pixel of ``color`` (BGR in memory) is within ``reach`` of (x, y)."""
    box = arr[max(0, y - reach) : y + reach + 1, max(0, x - reach) : x + reach + 1].astype(int)
    want = np.array([color.blue(), color.green(), color.red()])
    return bool((np.abs(box - want).max(axis=2) <= tol).any())


def map_pixel(
    widget: MapPanel, lon: float, lat: float, scale: float, top: float
) -> tuple[int, int]:
    """Where (lon, lat) lands in the exported PNG (``top``: height of the title line)."""
    pos = widget.view_pos(lon, lat)
    return round(pos.x() * scale), round((top + pos.y()) * scale)


def title_height(path, widget: MapPanel, scale: float) -> float:
    view = widget.view.viewport()
    image = QImage(str(path))
    assert image.width() == round(view.width() * scale)
    # title + view + legend: the legend's height is the rest; the title line is the font's
    # height plus a pad (see monitor.ui.map.export._Frame).
    from monitor.ui.map.export import _Frame

    return _Frame(widget, view.width(), view.height(), 96.0).title_h


@needs_poppler
def test_pdf_export_has_names_as_text_the_cursor_and_at_most_one_image(panel, tmp_path):
    widget, ctx = panel
    ctx.select_event("e-puno")  # the highlight ring (a pyqtgraph scatter item) is drawn too
    QApplication.processEvents()
    assert widget.highlighted() is not None
    out = widget.export(tmp_path / "map.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    assert "Desaguadero" in text
    assert "<b>bold</b> <a href='x'>link</a>" in text  # hostile name: literal text
    assert "map as of 2024-06-15" in text
    for word in ("open", "restricted", "closed", "unknown", "confirmed", "reported"):
        assert word in text  # the legend
    assert "1 event has no location" in text
    rows = images(out)
    assert len([r for r in rows if r[2] == "image"]) <= 1, rows  # the event layer
    assert all(r[2] in ("image", "smask", "mask") for r in rows), rows
    assert all(int(r[12]) >= 200 for r in rows), rows  # at the output's resolution


def test_png_export_shows_the_view_its_symbols_and_dots(panel, tmp_path):
    widget, _ctx = panel
    out = widget.export(tmp_path / "map.png")
    image = QImage(str(out))
    view = widget.view.viewport()
    assert image.width() == 2 * view.width() and image.height() > 2 * view.height()
    arr = pixels(out)
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 50  # not blank
    top = title_height(out, widget, 2.0)
    # Desaguadero is closed as of the cursor (red octagon); Puno a confirmed dot.
    assert near(arr, *map_pixel(widget, -69.04, -16.566, 2.0, top), RED)
    assert near(arr, *map_pixel(widget, -70.02, -15.84, 2.0, top), QColor("#0072b2"))


def test_png_at_scale_one_is_what_the_panel_shows(panel, tmp_path):
    widget, _ctx = panel
    out = widget.export(tmp_path / "map.png", scale=1.0)
    shot = tmp_path / "shot.png"
    assert widget.view.viewport().grab().save(str(shot))
    exported, screen = pixels(out).astype(int), pixels(shot).astype(int)
    top = round(title_height(out, widget, 1.0))
    part = exported[top : top + screen.shape[0], : screen.shape[1]]
    differ = np.abs(part - screen).max(axis=2) > 48
    assert differ.mean() < 0.01, differ.mean()  # the same picture, up to antialiasing


def test_export_follows_the_cursor_the_view_and_the_colour_mode(panel, tmp_path):
    widget, ctx = panel
    ctx.set_cursor(datetime(2024, 6, 5, tzinfo=UTC))  # Desaguadero still open
    QApplication.processEvents()
    out = widget.export(tmp_path / "before.png")
    top = title_height(out, widget, 2.0)
    arr = pixels(out)
    assert near(arr, *map_pixel(widget, -69.04, -16.566, 2.0, top), GREEN)
    assert not near(arr, *map_pixel(widget, -69.04, -16.566, 2.0, top), RED, reach=3)
    puno = (-70.02, -15.84)  # confirmed (blue), category "protest" (the second: vermilion)
    assert near(arr, *map_pixel(widget, *puno, 2.0, top), QColor("#0072b2"))
    widget.color_action.setChecked(True)
    QApplication.processEvents()
    by_category = pixels(widget.export(tmp_path / "category.png"))
    assert near(by_category, *map_pixel(widget, *puno, 2.0, top), QColor("#d55e00"))
    assert not near(by_category, *map_pixel(widget, *puno, 2.0, top), QColor("#0072b2"), 3)
    widget.show_region(10.0, 40.0, 12.0, 42.0)  # Italy: no crossing in view
    QApplication.processEvents()
    if shutil.which("pdftotext"):
        text = pdf_text(widget.export(tmp_path / "italy.pdf"))
        assert "Desaguadero" not in text and "Andes border test" in text


def test_unknown_suffix_is_refused(panel, tmp_path):
    widget, _ctx = panel
    with pytest.raises(ValueError):
        widget.export(tmp_path / "map.jpg")
    assert not (tmp_path / "map.jpg").exists()


@needs_poppler
def test_export_pdf_like_the_other_panels_prints_the_marking(panel, tmp_path):
    from monitor.briefing import BriefingOptions

    widget, _ctx = panel
    out = widget.export_pdf(tmp_path / "panel", BriefingOptions(marking="SECRET//TEST"))
    assert out.suffix == ".pdf" and out.exists()
    text = pdf_text(out)
    assert "SECRET//TEST" in text and "Desaguadero" in text


def test_the_panels_export_actions_ask_where_and_write(panel, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    widget, _ctx = panel
    acts = widget.map_actions
    assert acts.export_pdf_action in widget.actions()
    assert acts.export_png_action in widget.toolbar.actions()
    asked = []

    def fake_dialog(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(tmp_path / "chosen"), ""  # no suffix typed: the format's is added

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    from monitor.ui.map.export_job import MapExports

    exports = MapExports.of(widget)
    for act in (acts.export_png_action, acts.export_pdf_action):  # (written off the GUI thread)
        act.trigger()
        qtbot.waitUntil(lambda: exports.job is None, timeout=30_000)
    assert asked[0].endswith("-map.png") and asked[1].endswith("-map.pdf")
    assert QImage(str(tmp_path / "chosen.png")).width() > 0
    assert (tmp_path / "chosen.pdf").read_bytes().startswith(b"%PDF")
