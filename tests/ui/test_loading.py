"""Opening scenarios in a worker thread: progress, Cancel keeps the old scenario, errors reach
the user."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QPushButton

from monitor.model.storage import FileStorage
from monitor.ui import MainWindow
from monitor.ui.file_actions import FileActions


@pytest.fixture
def window(qtbot, small_path):
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    return w


def _bigger(tmp_path, small_path, n=3000):
    doc = json.loads(small_path.read_text(encoding="utf-8"))
    doc["scenario"]["title"] = "Bigger scenario"
    base = doc["events"][0]
    doc["events"] = [dict(base, id=f"ev{i}", title=f"Generated event {i}") for i in range(n)]
    p = tmp_path / "bigger.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def test_background_load_reports_progress_and_swaps_in(window, qtbot, tmp_path, small_path):
    path = _bigger(tmp_path, small_path)
    seen = []
    with qtbot.waitSignal(window.open_finished, timeout=20000) as blocker:
        assert window.open_file(path, background=True)
        window.files.loader.progress.connect(lambda f, msg: seen.append((f, msg)))
    assert blocker.args == [True]
    assert window.ctx.scenario.info.title == "Bigger scenario"
    assert window.feed_panel.count_label.text() == "3000 of 3000 events"
    assert seen and seen[-1][0] == pytest.approx(1.0)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


def test_cancel_keeps_the_open_scenario(window, qtbot, tmp_path, small_path):
    path = _bigger(tmp_path, small_path)
    with qtbot.waitSignal(window.open_finished, timeout=20000) as blocker:
        window.open_file(path, background=True)
        window.files.progress_dialog.findChild(QPushButton).click()  # the user presses Cancel
    assert blocker.args == [False]
    assert window.ctx.scenario.info.title == "Small test scenario"
    assert "cancelled" in window.statusBar().currentMessage()
    qtbot.wait(200)  # a worker finishing late must not swap anything in
    assert window.ctx.scenario.info.title == "Small test scenario"


def test_invalid_file_in_worker_shows_problem_dialog(window, qtbot, tmp_path, small_path):
    bad = tmp_path / "bad.json"
    doc = json.loads(small_path.read_text(encoding="utf-8"))
    doc["events"][1]["verification"] = "rumoured"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with qtbot.waitSignal(window.open_finished, timeout=20000) as blocker:
        window.open_file(bad, background=True)
    assert blocker.args == [False]
    assert "events[1].verification" in window.last_error_dialog.detailedText()
    assert window.ctx.scenario.info.title == "Small test scenario"


def test_unexpected_worker_error_reaches_the_user(window, qtbot, tmp_path, small_path, monkeypatch):
    path = _bigger(tmp_path, small_path, n=10)

    def broken(self, progress=None, cancelled=None):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(FileStorage, "load", broken)
    with qtbot.waitSignal(window.open_finished, timeout=20000):
        window.open_file(path, background=True)
    assert "disk on fire" in window.last_error_dialog.detailedText()
    assert window.ctx.scenario.info.title == "Small test scenario"


def test_large_file_asks_first(window, tmp_path, small_path, monkeypatch):
    path = _bigger(tmp_path, small_path)
    window.prefs.large_file_mb = 0
    asked = []
    monkeypatch.setattr(
        FileActions, "ask_large_file", lambda self, p, size: asked.append(size) or False
    )
    assert window.open_file(path) is False
    assert asked and asked[0] == path.stat().st_size
    assert window.ctx.scenario.info.title == "Small test scenario"


def test_a_big_file_is_indexed_for_search_in_the_worker(
    window, qtbot, tmp_path, small_path, monkeypatch
):
    from monitor.model import search

    monkeypatch.setattr("monitor.ui.loader.INDEX_SHARE_MIN_BYTES", 0)  # a bar shared with the index
    monkeypatch.setattr(search, "MIN_INDEXED_ROWS", 100)
    monkeypatch.setattr("monitor.ui.loader.INDEX_IN_WORKER_ROWS", 100)
    path = _bigger(tmp_path, small_path)
    seen = []
    with qtbot.waitSignal(window.open_finished, timeout=30000) as blocker:
        assert window.open_file(path, background=True)
        window.files.loader.progress.connect(lambda f, msg: seen.append((f, msg)))
    assert blocker.args == [True]
    assert search.index_for(window.ctx.events_frame) is not None  # typing needs no scan at once
    assert any("Indexing" in msg for _, msg in seen)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][0] == pytest.approx(1.0)
    window.feed_panel.search_edit.setText("event 2999")
    window.feed_panel._apply_filter()
    assert window.feed_panel.count_label.text() == "1 of 3000 events"
