"""MainWindow.open_file, the one way to open another scenario (File → Open, recent files,
drops): a failed open leaves the current session exactly as it was (issue 12, defect 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from monitor.model import CrossingStatus, load_scenario
from monitor.model.storage import FileStorage
from monitor.ui import MainWindow
from monitor.ui.file_actions import FileActions

Button = QMessageBox.StandardButton


@pytest.fixture
def window(qtbot, small_path):
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _broken(tmp_path: Path) -> Path:
    bad = tmp_path / "broken.json"
    bad.write_text('{"schema_version": 1, "scenario": ', encoding="utf-8")  # cut short
    return bad


def _other(tmp_path: Path, small_path: Path, title: str = "Another region") -> Path:
    doc = json.loads(small_path.read_text(encoding="utf-8"))
    doc["scenario"]["title"] = title
    doc["events"] = doc["events"][:2]
    other = tmp_path / "other" / "other.json"
    other.parent.mkdir()
    other.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return other


def _answer(monkeypatch, answer: QMessageBox.StandardButton) -> list[int]:
    asked: list[int] = []
    monkeypatch.setattr(FileActions, "ask_unsaved_changes", lambda self: asked.append(1) or answer)
    return asked


def _session_state(w: MainWindow) -> dict:
    journal = w.session.storage.journal_path
    return {
        "title": w.windowTitle(),
        "modified": w.isWindowModified(),
        "dirty": w.session.dirty,
        "undo": (
            w.session.undo_stack.count(),
            w.session.undo_stack.index(),
            w.session.undo_stack.undoText(),
        ),
        "journal": journal.read_bytes() if journal.exists() else None,
        "qaim": w.ctx.scenario.crossing("qaim").history[-1].status,
        "path": w.ctx.path,
        "storage": w.session.storage,
    }


def _assert_unchanged(w: MainWindow, before: dict, monkeypatch) -> None:
    assert _session_state(w) == before
    assert before["journal"] is not None and b"qaim" in before["journal"]
    # The lock is still ours: another session on the file is told someone has it.
    assert FileStorage(w.ctx.path).lock_holder() is not None
    # Ctrl+Q still asks about the change the window shows (and Cancel keeps the window).
    asked = _answer(monkeypatch, Button.Cancel)
    assert w.close() is False
    assert asked == [1] and w.isVisible()
    _answer(monkeypatch, Button.Discard)  # (so that the test's teardown can close it)


@pytest.mark.parametrize("background", [False, True], ids=["in-process", "background"])
def test_discard_then_a_broken_file_keeps_the_change_journal_undo_marker_and_lock(
    window, qtbot, tmp_path, monkeypatch, background
):
    assert window.set_crossing_status("qaim", CrossingStatus.CLOSED, note="closed at noon")
    before = _session_state(window)
    assert before["modified"] and before["dirty"] and before["qaim"] is CrossingStatus.CLOSED
    asked = _answer(monkeypatch, Button.Discard)
    with qtbot.waitSignal(window.open_finished, timeout=10000) as finished:
        started = window.open_file(_broken(tmp_path), background=background)
    assert started is background  # a background open only says that it started
    assert finished.args == [False] and asked == [1]
    box = window.last_error_dialog
    assert isinstance(box, QMessageBox) and "broken.json" in box.text()
    assert "stays open with your unsaved changes" in box.text()
    box.close()
    _assert_unchanged(window, before, monkeypatch)


def test_discard_then_a_missing_file_keeps_everything(window, tmp_path, monkeypatch):
    assert window.set_crossing_status("qaim", CrossingStatus.CLOSED)
    before = _session_state(window)
    _answer(monkeypatch, Button.Discard)
    assert window.open_file(tmp_path / "no-such-file.json") is False
    window.last_error_dialog.close()
    _assert_unchanged(window, before, monkeypatch)


def test_cancel_keeps_everything_and_opens_nothing(window, tmp_path, small_path, monkeypatch):
    assert window.set_crossing_status("qaim", CrossingStatus.CLOSED)
    before = _session_state(window)
    _answer(monkeypatch, Button.Cancel)
    assert window.open_file(_other(tmp_path, small_path)) is False
    _assert_unchanged(window, before, monkeypatch)


def test_discard_takes_effect_once_the_new_file_is_open(window, tmp_path, small_path, monkeypatch):
    assert window.set_crossing_status("qaim", CrossingStatus.CLOSED)
    journal = window.session.storage.journal_path
    assert journal.exists()
    _answer(monkeypatch, Button.Discard)
    other = _other(tmp_path, small_path)
    assert window.open_file(other)
    assert window.ctx.path == other and "Another region" in window.windowTitle()
    assert not window.isWindowModified() and window.session.undo_stack.count() == 0
    assert not journal.exists()  # the discarded changes' journal is gone ...
    assert FileStorage(small_path).lock_holder() is None  # ... and so is the old file's lock
    assert (
        load_scenario(small_path).crossing("qaim").history[-1].status is not CrossingStatus.CLOSED
    )


def test_save_then_a_broken_file_keeps_the_saved_scenario_open(
    window, tmp_path, small_path, monkeypatch
):
    assert window.set_crossing_status("qaim", CrossingStatus.CLOSED)
    _answer(monkeypatch, Button.Save)
    assert window.open_file(_broken(tmp_path)) is False
    window.last_error_dialog.close()
    assert window.ctx.path == small_path and not window.isWindowModified()
    assert load_scenario(small_path).crossing("qaim").history[-1].status is CrossingStatus.CLOSED


def test_recent_files_menu_opens_through_open_file(window, tmp_path, small_path):
    other = _other(tmp_path, small_path, "From the recent list")
    assert window.open_file(other)
    assert window.open_file(small_path)
    window.recent_menu.aboutToShow.emit()
    entry = next(a for a in window.recent_menu.actions() if a.text() == str(other.resolve()))
    entry.trigger()
    assert "From the recent list" in window.windowTitle()


def test_a_dropped_scenario_file_opens(window, qtbot, tmp_path, small_path):
    other = _other(tmp_path, small_path, "Dropped here")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    event = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert event.isAccepted()
    qtbot.waitUntil(lambda: "Dropped here" in window.windowTitle(), timeout=5000)
