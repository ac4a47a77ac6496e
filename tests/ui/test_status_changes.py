"""Status changes done right (issue 14): a parked cursor asks when the change took effect
(never a silent backdate), times to the minute, sources and a note recorded and edited
later, restricted reachable from the keyboard like open and closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest

from monitor.model import CrossingStatus, load_scenario
from monitor.model.changes import STATUS
from monitor.ui.crossings.actions import AT_CURSOR, NOW
from monitor.ui.editing.status_dialog import StatusEntryDialog

BAGHDAD = ZoneInfo("Asia/Baghdad")
PARKED = datetime(2024, 12, 1, 9, 30, 45, tzinfo=BAGHDAD)  # seconds on the cursor


def _mine(window, crossing_id: str):
    return [h for h in window.ctx.scenario.crossing(crossing_id).history if h.by == "Analyst One"]


def _asked(window, monkeypatch, answer):
    calls = []

    def ask(crossing, status, now_status=None):
        call = (crossing.id, status) if now_status is None else (crossing.id, status, now_status)
        calls.append(call)
        return answer

    monkeypatch.setattr(window.crossing_actions, "ask_effective_time", ask)
    return calls


@pytest.mark.parametrize("trigger", ["toggle", "mark"])
def test_parked_cursor_asks_and_at_the_cursor_records_then(window, monkeypatch, trigger) -> None:
    calls = _asked(window, monkeypatch, AT_CURSOR)
    window.ctx.set_cursor(PARKED)
    window.ctx.select_crossing("semalka")
    if trigger == "toggle":
        window.toggle_crossing_action.trigger()  # open at the cursor -> closed
    else:
        window.set_status_actions[CrossingStatus.CLOSED].trigger()
    assert calls == [("semalka", CrossingStatus.CLOSED)]
    (entry,) = _mine(window, "semalka")
    assert entry.status == CrossingStatus.CLOSED
    assert entry.time.instant == PARKED.replace(second=0)  # to the minute
    assert not entry.time.day


def test_parked_cursor_answer_now_records_the_present(window, monkeypatch) -> None:
    calls = _asked(window, monkeypatch, NOW)
    window.ctx.set_cursor(PARKED)
    window.ctx.select_crossing("qaim")
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    window.set_status_actions[CrossingStatus.RESTRICTED].trigger()
    after = datetime.now(UTC)
    assert calls
    (entry,) = _mine(window, "qaim")
    assert entry.status == CrossingStatus.RESTRICTED
    assert before <= entry.time.instant <= after and entry.time.instant.second == 0
    # The cursor stays where it was: the table shows the status then (closed on 1 Dec).
    assert window.ctx.scenario.crossing("qaim").status_at(PARKED) == CrossingStatus.CLOSED


def test_parked_cursor_cancelled_records_nothing(window, monkeypatch) -> None:
    _asked(window, monkeypatch, None)
    window.ctx.set_cursor(PARKED)
    window.ctx.select_crossing("qaim")
    count = window.session.undo_stack.count()
    window.toggle_crossing_action.trigger()
    assert window.session.undo_stack.count() == count and not _mine(window, "qaim")
    assert not window.isWindowModified()


def test_the_real_question_is_asked_and_cancel_changes_nothing(window) -> None:
    # conftest makes every QMessageBox.exec return Cancel: the real dialog, no answer.
    window.ctx.set_cursor(PARKED)
    window.ctx.select_crossing("qaim")
    assert (
        window.crossing_actions.ask_effective_time(
            window.ctx.scenario.crossing("qaim"), CrossingStatus.OPEN
        )
        is None
    )
    assert not window.set_selected_crossing_status(CrossingStatus.OPEN)
    assert not _mine(window, "qaim")


def test_live_cursor_never_asks_and_records_now_to_the_minute(window, monkeypatch) -> None:
    def never(*_a):
        raise AssertionError("asked while Live")

    monkeypatch.setattr(window.crossing_actions, "ask_effective_time", never)
    window.ctx.select_crossing("qaim")
    window.toggle_crossing_action.trigger()
    (entry,) = _mine(window, "qaim")
    now = datetime.now(UTC)
    assert entry.time.instant.second == 0 and now - entry.time.instant < timedelta(minutes=2)


def test_open_closed_restricted_each_have_a_key_on_the_crossings_table(window) -> None:
    panel = window.crossings_panel
    window.ctx.select_crossing("qaim")
    panel.view.setFocus()
    for key, status in (
        (Qt.Key.Key_R, CrossingStatus.RESTRICTED),
        (Qt.Key.Key_O, CrossingStatus.OPEN),
        (Qt.Key.Key_C, CrossingStatus.CLOSED),
    ):
        QTest.keyClick(panel.view, key)
        crossing = window.ctx.scenario.crossing("qaim")
        assert crossing.status_at(datetime.now(UTC) + timedelta(minutes=1)) == status
        assert (
            len(_mine(window, "qaim"))
            == [CrossingStatus.RESTRICTED, CrossingStatus.OPEN, CrossingStatus.CLOSED].index(status)
            + 1
        )
    # The menu says which key: "Mark restricted  R".
    act = window.set_status_actions[CrossingStatus.RESTRICTED]
    assert act.shortcut().toString() == "R" and "R" in act.toolTip()


def test_a_status_change_carries_sources_and_a_note_editable_later(window, small_path) -> None:
    w = window
    w.ctx.select_crossing("qaim")
    w.findChild(QAction, "recordStatusAction").trigger()
    d = w.crossing_actions.last_dialog
    assert isinstance(d, StatusEntryDialog) and d.isVisible()
    d.status_combo.setCurrentText("restricted")
    d.time_edit.setText("2024-12-06 08:00")
    d.note_edit.setPlainText("Trucks only")
    d.sources_list.set_checked(["s2"])
    assert d.ok_button.isEnabled(), d.problems
    d.accept()
    (entry,) = _mine(w, "qaim")
    assert (entry.status, entry.note, entry.source_ids) == ("restricted", "Trucks only", ("s2",))
    assert entry.time.iso() == "2024-12-06T08:00:00+03:00"

    # Later: the entry in force at the cursor, edited (E on the crossings table).
    w.ctx.set_cursor(datetime(2024, 12, 7, tzinfo=BAGHDAD))
    w.crossings_panel.view.setFocus()
    QTest.keyClick(w.crossings_panel.view, Qt.Key.Key_E)
    d = w.crossing_actions.last_dialog
    assert d.entry == entry and d.note_edit.toPlainText() == "Trucks only"
    d.note_edit.setPlainText("Trucks and buses")
    d.sources_list.set_checked(["s1", "s2"])
    d.time_edit.setText("2024-12-06 08:00:30")  # seconds typed: kept
    d.time_edit.setText("2024-13-06 08:00")
    assert d.reason("time") and not d.ok_button.isEnabled()
    d.time_edit.setText("2024-12-06 08:00:30")
    d.accept()
    change = w.session.undo_stack.command(w.session.undo_stack.index() - 1).change
    assert change.entity == STATUS and change.before is not None and change.after is not None
    assert change.author == "Analyst One"
    (edited,) = _mine(w, "qaim")
    assert edited.note == "Trucks and buses" and edited.source_ids == ("s1", "s2")
    assert edited.time.iso() == "2024-12-06T08:00:30+03:00"
    w.undo_action.trigger()
    assert _mine(w, "qaim")[0].note == "Trucks only"
    w.redo_action.trigger()
    assert w.save()
    saved = [h for h in load_scenario(small_path).crossing("qaim").history if h.by]
    assert saved[0].note == "Trucks and buses" and saved[0].source_ids == ("s1", "s2")


def test_the_audit_panel_edits_its_selected_entry(window) -> None:
    w = window
    w.ctx.select_crossing("semalka")
    panel = w.history_panel
    assert panel.model.rowCount() == 2
    act = w.findChild(QAction, "editAuditEntryAction")
    assert act in panel.view.actions()
    assert panel.view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    panel.view.selectRow(0)  # the newest: 3 Dec, restricted, "Humanitarian only"
    act.trigger()
    d = w.crossing_actions.last_dialog
    assert d.entry.note == "Humanitarian only"
    d.sources_list.set_checked(["s1"])
    d.accept()
    entry = next(e for e in w.ctx.scenario.crossing("semalka").history if e.status == "restricted")
    assert entry.source_ids == ("s1",) and entry.note == "Humanitarian only"
    assert panel.model.flagged_count() == 1  # the restricted entry has a source now


def test_hostile_note_stays_plain_in_the_question_and_dialog(window, monkeypatch) -> None:
    hostile = "\u202e<b>closed</b> <img src=x>"
    window.ctx.select_crossing("qaim")
    window.findChild(QAction, "recordStatusAction").trigger()
    d = window.crossing_actions.last_dialog
    d.note_edit.setPlainText(hostile)
    d.accept()
    assert _mine(window, "qaim")[0].note == hostile
    window.findChild(QAction, "editStatusEntryAction").trigger()
    d = window.crossing_actions.last_dialog
    assert d.note_edit.toPlainText() == hostile
    from PySide6.QtWidgets import QLabel

    assert all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in d.findChildren(QLabel))
    d.reject()


def test_recording_with_a_parked_cursor_shows_its_time_and_offers_now(window) -> None:
    window.ctx.set_cursor(PARKED)
    window.ctx.select_crossing("qaim")
    d = window.crossing_actions.record_selected()
    assert d.time_edit.text() == "2024-12-01 09:30"  # the cursor's, to the minute
    assert "parked" in d.parked_note.text() and not d.parked_note.isHidden()
    d.now_button.click()
    d.accept()
    (entry,) = _mine(window, "qaim")
    assert datetime.now(UTC) - entry.time.instant < timedelta(minutes=2)
    assert entry.time.instant.second == 0
    # Shown in the undo history with the crossing's name.
    model = window.undo_view.model()
    texts = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert texts[-1] == "Al-Qaim – Al-Bukamal: open"  # closed at the cursor: the toggle opens


def _open_since_10_december(window) -> None:
    """qaim: closed since 30 Nov (the file), open from 10 Dec on (recorded here)."""
    when = datetime(2024, 12, 10, 8, 0, tzinfo=BAGHDAD)
    from monitor.model import Moment

    assert window.crossing_actions.set_status(
        "qaim", CrossingStatus.OPEN, effective=Moment(when, False)
    )


@pytest.mark.parametrize(
    ("answer", "expected"), [(NOW, CrossingStatus.CLOSED), (AT_CURSOR, CrossingStatus.OPEN)]
)
def test_toggle_answered_now_flips_the_status_in_force_now(
    window, monkeypatch, answer, expected
) -> None:
    """Closed at the cursor but open now: "now" records closed now (the present status
    flipped), "at the cursor" records open then (the shown status flipped)."""
    _open_since_10_december(window)
    calls = _asked(window, monkeypatch, answer)
    window.ctx.set_cursor(PARKED)  # 1 Dec: closed
    window.ctx.select_crossing("qaim")
    crossing = window.ctx.scenario.crossing("qaim")
    assert crossing.status_at(PARKED) == CrossingStatus.CLOSED
    assert crossing.status_at(datetime.now(UTC)) == CrossingStatus.OPEN
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    window.toggle_crossing_action.trigger()
    assert calls == [("qaim", CrossingStatus.OPEN, CrossingStatus.CLOSED)]
    newest = max(_mine(window, "qaim"), key=lambda e: e.recorded_at.instant)
    assert newest.status == expected
    crossing = window.ctx.scenario.crossing("qaim")
    if answer == NOW:
        assert newest.time.instant >= before
        assert crossing.status_at(datetime.now(UTC) + timedelta(minutes=1)) == CrossingStatus.CLOSED
        assert crossing.status_at(PARKED) == CrossingStatus.CLOSED  # the past unchanged
    else:
        assert newest.time.instant == PARKED.replace(second=0)
        assert crossing.status_at(PARKED) == CrossingStatus.OPEN


def test_the_question_says_the_status_at_both_times_and_what_each_records(window) -> None:
    _open_since_10_december(window)
    window.ctx.set_cursor(PARKED)
    window.ctx.select_crossing("qaim")
    # conftest makes every QMessageBox.exec return Cancel: the real question, no answer.
    window.toggle_crossing_action.trigger()
    box = window.crossing_actions.last_question
    assert box is not None and box.textFormat() == Qt.TextFormat.PlainText
    info = box.informativeText()
    assert "open now, records closed" in info
    assert "closed then, records open" in info
    assert len(_mine(window, "qaim")) == 1  # cancelled: nothing more recorded
