"""Exports from the window draw nothing on the GUI thread: the briefing's and the territory
panel's chart are painted by the export worker (no plot widget is made for them), the chart
is still on its page (axis and legend text, coloured bands), and Cancel while the briefing
is being assembled stops it there and writes nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from pdfcheck import DEFAULT_SCENARIO, page_count, pdf_text, with_events

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

BAGHDAD = timezone(timedelta(hours=3))
AS_OF = datetime(2024, 12, 9, 12, 0, tzinfo=BAGHDAD)
LEGEND = ("Syrian government (Assad)", "HTS-led opposition / Military Operations Command")


@pytest.fixture(autouse=True)
def _no_blocking_dialogs(monkeypatch):
    from monitor.ui.file_actions import FileActions

    button = QMessageBox.StandardButton
    monkeypatch.setattr(FileActions, "ask_unsaved_changes", lambda self: button.Discard)
    monkeypatch.setattr(FileActions, "ask_recovery", lambda self, recovery: False)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: button.Cancel)


def _window(qtbot, path: Path, as_of: datetime):
    from monitor.ui import MainWindow

    w = MainWindow(path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.ctx.set_cursor(as_of)
    return w


@pytest.fixture
def window(qtbot, tmp_path):
    path = tmp_path / "scenario.json"
    shutil.copy(DEFAULT_SCENARIO, path)
    return _window(qtbot, path, AS_OF)


@pytest.fixture
def chart_threads(monkeypatch):
    """The threads the territory chart is painted on (the layout's call of it)."""
    from monitor.briefing import chart

    seen: list[threading.Thread] = []
    real = chart.paint_territory

    def paint(*args, **kwargs):
        seen.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(chart, "paint_territory", paint)
    return seen


@pytest.fixture
def plot_widgets(monkeypatch):
    """The pyqtgraph plot widgets made while the test runs."""
    import pyqtgraph as pg

    made: list = []
    real = pg.PlotWidget.__init__

    def init(self, *args, **kwargs):
        made.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(pg.PlotWidget, "__init__", init)
    return made


def _export(window, qtbot, monkeypatch, out: Path, trigger) -> None:
    from monitor.ui.briefing_actions import BriefingChoices

    actions = window.briefings
    monkeypatch.setattr(actions, "ask_briefing_choices", lambda result: BriefingChoices())
    monkeypatch.setattr(actions, "ask_pdf_path", lambda suggested: str(out))
    trigger()
    assert actions.job is not None  # the window is free while it runs
    qtbot.waitUntil(lambda: actions.job is None, timeout=60_000)


def _chart_page(path: Path) -> int:
    for page in range(1, page_count(path) + 1):
        text = pdf_text(path, page)
        if re.search(r"^100%$", text, re.M) and re.search(r"^0%$", text, re.M):
            return page
    raise AssertionError("no page with the chart's percent axis")


def _coloured_share(path: Path, page: int, tmp_path: Path) -> float:
    """Share of the chart's plot area (between the "100%" and "0%" labels, right of them)
    covered by coloured (not grey) pixels over its first 150 points, in a 60 dpi render of
    ``page``."""
    box = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    words = {
        m.group(5): (float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)))
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            box,
        )
    }
    top, bottom = words["100%"], words["0%"]
    stem = tmp_path / f"page{page}"
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", *pages, "-singlefile", str(path), str(stem)], check=True
    )
    img = QImage(str(stem) + ".png")
    scale = 60 / 72
    x0, x1 = int((top[2] + 6) * scale), int((top[2] + 150) * scale)
    y0, y1 = int((top[3] + 4) * scale), int((bottom[1] - 2) * scale)
    assert x1 < img.width() and y1 > y0
    coloured = total = 0
    for x in range(x0, x1):
        for y in range(y0, y1):
            c = img.pixelColor(x, y)
            coloured += max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 40
            total += 1
    return coloured / total


def test_the_briefing_chart_is_painted_by_the_worker(
    window, qtbot, monkeypatch, tmp_path, chart_threads, plot_widgets
):
    out = tmp_path / "briefing.pdf"
    _export(window, qtbot, monkeypatch, out, window.export_briefing_action.trigger)
    assert out.exists()
    assert chart_threads and all(t is not threading.main_thread() for t in chart_threads)
    assert plot_widgets == []  # no plot widget made to draw the chart
    page = _chart_page(out)
    text = pdf_text(out, page)
    for piece in ("Controlled territory", "75%", "50%", "25%", "26 Nov 2024", "8 Dec", *LEGEND):
        assert piece in text, piece
    assert _coloured_share(out, page, tmp_path) > 0.9  # the stacked bands fill the plot


def test_the_territory_panel_export_paints_its_chart_in_the_worker(
    window, qtbot, monkeypatch, tmp_path, chart_threads, plot_widgets
):
    out = tmp_path / "territory.pdf"
    trigger = window.export_panel_actions["territory"].trigger
    _export(window, qtbot, monkeypatch, out, trigger)
    assert chart_threads and all(t is not threading.main_thread() for t in chart_threads)
    assert plot_widgets == []
    text = pdf_text(out, 1)
    for piece in ("CONTROLLED TERRITORY", "100%", "0%", *LEGEND):
        assert piece in text, piece
    assert _coloured_share(out, 1, tmp_path) > 0.9


def test_cancel_while_the_briefing_is_assembled_stops_it_and_writes_nothing(
    qtbot, monkeypatch, tmp_path
):
    """The annex of 3,000 events is built 250 rows at a time; Cancel pressed while the
    first chunk is made stops the build before the next one: nothing is laid out, painted,
    written or recorded."""
    from monitor.briefing import layout, sections

    path = tmp_path / "big.json"
    path.write_text(json.dumps(with_events(3000)), encoding="utf-8")
    window = _window(qtbot, path, datetime(2025, 4, 1, tzinfo=BAGHDAD))
    actions = window.briefings
    chunks: list[int] = []
    rendered: list[int] = []
    real_rows = sections._compact_rows
    real_render = layout.Renderer.render

    def rows(scenario, positions, *args):
        chunks.append(len(positions))
        actions.job.stop.set()  # the user presses Cancel while the annex is being built
        return real_rows(scenario, positions, *args)

    monkeypatch.setattr(sections, "_compact_rows", rows)
    monkeypatch.setattr(
        layout.Renderer, "render", lambda self: rendered.append(1) or real_render(self)
    )
    out = tmp_path / "cancelled.pdf"
    before = len(window.ctx.scenario.extra.get("briefings") or [])
    _export(window, qtbot, monkeypatch, out, window.export_briefing_action.trigger)
    assert chunks == [sections.CHUNK_ROWS]  # stopped at the next chunk of the annex
    assert rendered == []
    assert not out.exists() and list(tmp_path.glob("*.pdf")) == []
    assert list(tmp_path.glob("*.tmp*")) == []
    assert "cancelled" in window.statusBar().currentMessage()
    assert len(window.ctx.scenario.extra.get("briefings") or []) == before  # not recorded
