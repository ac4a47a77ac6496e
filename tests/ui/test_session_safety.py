"""What the window tells the analyst about the safety of their changes (issue 12, defects
4, 6 and 10), through the real MainWindow (offscreen)."""

from __future__ import annotations

import errno
import json
import stat

import pytest
from PySide6.QtWidgets import QLabel

from monitor.model import CrossingStatus, load_scenario
from monitor.model import journal as journal_module
from monitor.model.changes import SCENARIO, Change
from monitor.ui import MainWindow


def _notice(w: MainWindow) -> QLabel:
    return w.findChild(QLabel, "protectionLabel")


def test_a_failing_journal_is_shown_at_once_and_until_it_works_again(window, monkeypatch) -> None:
    label = _notice(window)
    assert label is not None and not label.isVisible()

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module, "write_all", no_space)
    assert window.set_crossing_status("qaim", CrossingStatus.OPEN)
    assert label.isVisible() and "not protected" in label.text()
    assert "No space left on device" in label.text()
    box = window.notices.last_warning
    assert box is not None and "cannot be written" in box.text()
    box.close()
    # A failed save now must not claim that the edits are in the journal.
    monkeypatch.setattr(window.session.storage, "save", _failing_save)
    shown = []
    monkeypatch.setattr(
        MainWindow, "show_error", lambda self, title, text, details="": shown.append(text)
    )
    assert not window.save()
    assert shown and "NOT in the recovery journal" in shown[-1]
    monkeypatch.undo()
    assert window.set_crossing_status("qaim", CrossingStatus.CLOSED)
    assert not label.isVisible()
    journal = window.session.storage.journal_path.read_text(encoding="utf-8").splitlines()
    assert len(journal) == 1 + 2  # header + both changes: nothing missing after the gap


def _failing_save(*args, **kwargs):
    raise OSError(errno.EIO, "Input/output error")


def test_a_read_only_file_opens_with_a_notice_and_save_does_not_overwrite_it(
    qtbot, small_path
) -> None:
    original = small_path.read_bytes()
    small_path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    assert "Read-only" in _notice(w).text() and _notice(w).isVisible()
    assert w.set_crossing_status("qaim", CrossingStatus.OPEN)
    errors = []
    w.show_error = lambda title, text, details="": errors.append(text)  # type: ignore[method-assign]
    assert not w.save()
    assert errors and "read-only" in errors[-1]
    assert small_path.read_bytes() == original


def test_a_change_that_breaks_the_rules_is_refused_without_touching_qt(window) -> None:
    from monitor.model.changes import ChangeError

    before = window.session.undo_stack.count()
    for change in (
        Change(SCENARIO, "events", None, []),
        Change(SCENARIO, "key_judgements", None, {"nested": [1]}),
        Change(
            "status",
            "qaim",
            None,
            {"time": "2024-12-01", "status": "open", "note": 42, "source_ids": []},
        ),
    ):
        with pytest.raises(ChangeError):
            window.session.push(change)
    assert window.session.undo_stack.count() == before
    assert not window.isWindowModified()
    assert window.save()
    assert len(load_scenario(window.ctx.path).events) == 4


def test_undo_of_an_edit_that_no_longer_fits_never_crashes(window) -> None:
    """An exception inside QUndoCommand.undo/redo aborts the process; it must not happen."""
    assert window.set_crossing_status("qaim", CrossingStatus.OPEN)
    qaim = window.ctx.scenario.crossing("qaim")
    qaim.history = qaim.history[:-1]  # the entry vanished behind the undo stack's back
    window.undo_action.trigger()
    assert "not found" in window.session.last_error
    window.redo_action.trigger()  # nothing to redo, and no crash either


def test_two_windows_on_one_file_keep_their_journals_apart(qtbot, small_path) -> None:
    a = MainWindow(small_path)
    qtbot.addWidget(a)
    b = MainWindow(small_path)
    qtbot.addWidget(b)
    assert b.session.lock_holder is not None  # told that another session has it open
    a.set_crossing_status("qaim", CrossingStatus.OPEN)
    b.set_crossing_status("semalka", CrossingStatus.CLOSED)
    assert a.session.storage.journal_path != b.session.storage.journal_path
    assert b.session.pending_recovery() is None  # a's live journal is not offered to b
    b.session.close(keep_journal=False)
    lines = a.session.storage.journal_path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["change"]["key"] == "qaim"
