"""Analyst session: toggles, undo/redo, audit, saving, crash recovery, outside changes, locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from monitor.model import CrossingStatus, load_scenario
from monitor.model.io import status_entry_json
from monitor.ui import MainWindow
from monitor.ui.crossings.status import CrossingColumn
from monitor.ui.file_actions import FileActions

BAGHDAD = timezone(timedelta(hours=3))



def _select_crossing_row(w: MainWindow, crossing_id: str) -> None:
    view = w.crossings_panel.view
    idx = w.crossings_panel.view_index(crossing_id, CrossingColumn.STATUS)
    view.setCurrentIndex(idx)
    view.selectionModel().select(
        idx,
        view.selectionModel().SelectionFlag.ClearAndSelect
        | view.selectionModel().SelectionFlag.Rows,
    )
    view.setFocus()
    assert w.ctx.selected_crossing == crossing_id


def _status_cell(w: MainWindow, crossing_id: str) -> str:
    return str(w.crossings_panel.view_index(crossing_id, CrossingColumn.STATUS).data())


def _histories(scenario) -> dict:
    return {c.id: [status_entry_json(h) for h in c.history] for c in scenario.crossings}


def test_space_flips_selected_crossing_and_undo_redo(window, qtbot):
    before = _histories(window.ctx.scenario)
    assert _status_cell(window, "qaim").startswith("closed")  # Live: closed since 2024-11-30
    _select_crossing_row(window, "qaim")
    QTest.keyClick(window.crossings_panel.view, Qt.Key.Key_Space)
    assert _status_cell(window, "qaim").startswith("open")
    assert (
        window.ctx.scenario.crossing("qaim").status_at(window.ctx.cursor_time())
        == CrossingStatus.OPEN
    )
    assert window.isWindowModified()
    entry = window.ctx.scenario.crossing("qaim").history[-1]
    assert entry.by == "Analyst One" and entry.recorded_at is not None

    window.undo_action.trigger()
    assert _histories(window.ctx.scenario) == before
    assert _status_cell(window, "qaim").startswith("closed")
    assert not window.isWindowModified()

    window.redo_action.trigger()
    assert _status_cell(window, "qaim").startswith("open")
    assert window.isWindowModified()


def test_double_click_on_status_cell_toggles(window, qtbot):
    _select_crossing_row(window, "qaim")
    view = window.crossings_panel.view
    rect = view.visualRect(window.crossings_panel.view_index("qaim", CrossingColumn.STATUS))
    # A real double-click is a press/release followed by the double-click event; wait first so an
    # earlier click cannot pair with ours.
    QTest.qWait(QApplication.doubleClickInterval() + 50)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert _status_cell(window, "qaim").startswith("open")


def test_parked_cursor_records_late_report_at_cursor_time(window, monkeypatch):
    # The analyst is asked (issue 14) and answers: at the cursor's time.
    monkeypatch.setattr(
        window.crossing_actions, "ask_effective_time", lambda crossing, status: "cursor"
    )
    parked = datetime(2024, 12, 1, 9, 0, tzinfo=BAGHDAD)
    window.ctx.set_cursor(parked)
    window.ctx.select_crossing("semalka")
    assert window.set_selected_crossing_status(CrossingStatus.CLOSED)
    (entry,) = [h for h in window.ctx.scenario.crossing("semalka").history if h.by == "Analyst One"]
    assert entry.time.instant == parked and entry.status == CrossingStatus.CLOSED
    assert _status_cell(window, "semalka").startswith("closed")
    # Later in time the existing 3 Dec restriction still applies.
    assert (
        window.ctx.scenario.crossing("semalka").status_at(datetime(2024, 12, 4, tzinfo=BAGHDAD))
        == "restricted"
    )


def test_save_then_reload_shows_entry_with_time_by_note(window, small_path):
    window.ctx.select_crossing("qaim")
    assert window.set_crossing_status(
        "qaim", CrossingStatus.RESTRICTED, note="Rabia closed, per Rudaw 14:05"
    )
    assert window.save()
    assert not window.isWindowModified()
    assert not window.session.storage.journal_path.exists()
    reloaded = load_scenario(small_path)
    entry = max(
        reloaded.crossing("qaim").history,
        key=lambda e: e.recorded_at.instant if e.recorded_at else datetime.min.replace(tzinfo=UTC),
    )
    assert entry.status == CrossingStatus.RESTRICTED
    assert entry.by == "Analyst One"
    assert entry.note == "Rabia closed, per Rudaw 14:05"
    assert abs(entry.time.instant - datetime.now(UTC)) < timedelta(minutes=5)


def test_audit_view_lists_changes_flags_missing_note_and_edits_are_undoable(window):
    window.ctx.select_crossing("qaim")
    window.set_crossing_status("qaim", CrossingStatus.OPEN)
    model = window.history_panel.model
    assert model.rowCount() == 3
    top = [model.index(0, c).data() for c in range(model.columnCount())]
    assert "closed → open" in top
    assert "no note" in " ".join(map(str, top)) and "no source" in " ".join(map(str, top))
    assert "without note or source" in window.history_panel.title_label.text()

    from monitor.ui.history_panel import HistoryColumn

    assert model.setData(model.index(0, HistoryColumn.NOTE), "per Rudaw")
    assert window.ctx.scenario.crossing("qaim").history[-1].note == "per Rudaw"
    window.history_panel.view.selectRow(0)
    window.history_panel.delete_selected()
    assert len(window.ctx.scenario.crossing("qaim").history) == 2
    window.undo_action.trigger()  # undo delete
    window.undo_action.trigger()  # undo note edit
    assert window.ctx.scenario.crossing("qaim").history[-1].note is None
    assert len(window.ctx.scenario.crossing("qaim").history) == 3


def test_failed_save_keeps_previous_file_and_unsaved_changes(window, small_path, monkeypatch):
    original = small_path.read_bytes()
    window.set_crossing_status("qaim", CrossingStatus.OPEN, note="x")

    def boom(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    assert window.save() is False
    assert small_path.read_bytes() == original
    assert window.isWindowModified()
    assert window.ctx.scenario.crossing("qaim").history[-1].note == "x"
    assert not [p for p in small_path.parent.iterdir() if p.name.endswith(".tmp")]
    window.last_error_dialog.close()


def test_file_changed_on_disk_warns_and_never_overwrites_silently(window, small_path, qtbot):
    window.set_crossing_status("qaim", CrossingStatus.OPEN, note="mine")
    outside = json.loads(small_path.read_text(encoding="utf-8"))
    outside["scenario"]["title"] = "Edited by a colleague"
    small_path.write_text(json.dumps(outside, ensure_ascii=False, indent=2), encoding="utf-8")
    theirs = small_path.read_bytes()
    qtbot.waitUntil(lambda: window.files.disk_change_dialog is not None, timeout=5000)
    assert "changed on disk" in window.files.disk_change_dialog.text()

    # Ctrl+S asks first; cancelling leaves their version on disk.
    asked = []
    window.files.ask_overwrite_newer = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    assert window.save() is False
    assert asked and small_path.read_bytes() == theirs
    assert window.isWindowModified()

    # Overwrite only with consent.
    window.files.ask_overwrite_newer = lambda: QMessageBox.StandardButton.Save
    assert window.save() is True
    assert "mine" in [h.note for h in load_scenario(small_path).crossing("qaim").history]


def test_reload_from_disk_takes_their_version(window, small_path, qtbot):
    outside = json.loads(small_path.read_text(encoding="utf-8"))
    outside["scenario"]["title"] = "Edited by a colleague"
    small_path.write_text(json.dumps(outside), encoding="utf-8")
    assert window.session.check_disk()
    assert window.files.reload_from_disk()
    assert "Edited by a colleague" in window.windowTitle()


HOLD_LOCK = textwrap.dedent(
    """
    import fcntl, json, os, socket, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "user": "colleague",
                             "since": "2024-12-01T10:00:00+00:00"}).encode())
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_second_writer_is_warned_and_stale_lock_is_taken_over(qtbot, small_path):
    lock = small_path.with_name(f".{small_path.name}.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        w = MainWindow(small_path)
        qtbot.addWidget(w)
        assert w.session.lock_holder is not None and w.session.lock_holder.user == "colleague"
        w.files.after_open()
        assert "colleague" in w.last_warning_dialog.text()
        w.last_warning_dialog.close()
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone (its lock went with it): the next window takes the lock silently,
    # whatever the old lock file says.
    w2 = MainWindow(small_path)
    qtbot.addWidget(w2)
    assert w2.session.lock_holder is None
    assert json.loads(lock.read_text())["pid"] == os.getpid()


CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from monitor.app import create_application
    from monitor.model import CrossingStatus
    from monitor.model.io import status_entry_json
    from monitor.ui import MainWindow
    app = create_application()
    w = MainWindow(sys.argv[1])
    w.ctx.select_crossing("qaim")
    for _ in range(3):
        w.toggle_selected_crossing()
    w.set_crossing_status("semalka", CrossingStatus.CLOSED, note="flood again")
    w.undo_action.trigger()
    w.redo_action.trigger()
    w.set_crossing_status("qaim", CrossingStatus.RESTRICTED, note="humanitarian only")
    app.processEvents()
    hist = {c.id: [status_entry_json(h) for h in c.history] for c in w.ctx.scenario.crossings}
    print(json.dumps(hist), flush=True)
    time.sleep(120)
    """
)


def test_killed_session_is_recovered_exactly(qtbot, small_path, monkeypatch):
    original = small_path.read_bytes()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(small_path)], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        line = child.stdout.readline()
        expected = json.loads(line)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert small_path.read_bytes() == original  # never saved

    monkeypatch.setattr(FileActions, "ask_recovery", lambda self, rec: True)
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    assert w.files.offer_recovery()
    assert _histories(w.ctx.scenario) == expected
    assert w.isWindowModified()
    # The recovered changes are undoable and saving makes them permanent.
    assert w.save()
    assert _histories(load_scenario(small_path)) == expected


def test_declined_recovery_discards_journal(qtbot, small_path):
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.set_crossing_status("qaim", CrossingStatus.OPEN)
    journal = w.session.storage.journal_path
    assert journal.exists()
    w.session.storage.close()  # as if the process died: the journal stays
    w2 = MainWindow(small_path)
    qtbot.addWidget(w2)
    assert w2.files.offer_recovery() is False  # ask_recovery answers "Discard" in tests
    assert not journal.exists()


def test_quit_with_unsaved_changes_asks(window, monkeypatch):
    window.set_crossing_status("qaim", CrossingStatus.OPEN)
    monkeypatch.setattr(
        FileActions, "ask_unsaved_changes", lambda self: QMessageBox.StandardButton.Cancel
    )
    assert window.close() is False
    assert window.isVisible()
    monkeypatch.setattr(
        FileActions, "ask_unsaved_changes", lambda self: QMessageBox.StandardButton.Save
    )
    assert window.close() is True
    assert load_scenario(window.ctx.path).crossing("qaim").history[-1].status == CrossingStatus.OPEN


def test_journal_lives_beside_file(window, small_path: Path):
    window.set_crossing_status("qaim", CrossingStatus.OPEN)
    (journal,) = small_path.parent.glob(f".{small_path.name}.*.journal")
    assert journal == window.session.storage.journal_path
    lines = journal.read_text(encoding="utf-8").splitlines()
    change = json.loads(lines[1])["change"]
    assert len(lines) == 2 and change["entity"] == "status" and change["key"] == "qaim"
    assert change["author"] == "Analyst One" and change["after"]["status"] == "open"


def test_opening_removes_old_temp_files_of_killed_saves(qtbot, small_path):
    old = small_path.with_name(f".{small_path.name}.deadbeef.tmp")
    fresh = small_path.with_name(f".{small_path.name}.cafef00d.tmp")
    old.write_text("partial")
    fresh.write_text("partial")
    os.utime(old, (0, 0))
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    assert not old.exists()
    assert fresh.exists()  # may belong to a save in progress elsewhere


def test_cursor_editor_stays_within_storable_years(window):
    edit = window.cursor_bar.edit
    assert edit.minimumDateTime().date().year() >= 1678
    assert edit.maximumDateTime().date().year() <= 2261
