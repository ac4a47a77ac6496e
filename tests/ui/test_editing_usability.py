"""A new user in the editing dialogs (issue 14): Tab goes down the form, Esc cancels, Enter
accepts only when the form is valid, every input has an accessible name, a refusal is shown
under its own field; a hostile 10,000-character name (bidi override, HTML tags) neither
widens a dialog nor turns into markup, and a crossing with such a name can still be edited."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from monitor.ui import MainWindow
from monitor.ui.editing.form import FormDialog, inputs_of

HOSTILE = "\u202e<b>bold</b><img src=x>" + "A" * 10000
DIALOGS = ("event", "new_event", "source", "faction", "crossing", "territory", "status")


def _open(w: MainWindow, which: str) -> FormDialog:
    e = w.editing
    w.ctx.select_crossing("qaim")
    opened = {
        "event": lambda: e.edit_event("e1"),
        "new_event": e.new_event,
        "source": lambda: e.edit_source("s1"),
        "faction": lambda: e.edit_faction("gov"),
        "crossing": lambda: e.edit_crossing("qaim"),
        "territory": lambda: e.edit_territory("2024-12-05/gov"),
        "status": w.crossing_actions.record_selected,
    }[which]()
    assert isinstance(opened, FormDialog) and opened.isVisible()
    return opened


def _tab_stops(d: FormDialog) -> list[QWidget]:
    """The inputs Tab visits, in order, from the dialog's first one (its focus chain)."""
    stops: list[QWidget] = []
    w = d.nextInFocusChain()
    for _ in range(500):
        if w is d:
            break
        if (
            w.isVisibleTo(d)
            and w.isEnabled()
            and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and w.focusProxy() is None
            and not isinstance(w.parentWidget(), QComboBox)  # an editable combo's own line
        ):
            stops.append(w)
        w = w.nextInFocusChain()
    return stops


def _rows_in_order(d: FormDialog) -> list[QWidget]:
    out: list[QWidget] = []
    for r in range(d.form.rowCount()):
        item = d.form.itemAt(r, d.form.ItemRole.FieldRole)
        if item is not None and item.widget() is not None:
            out.extend(w for w in inputs_of(item.widget()) if w.isVisibleTo(d) and w.isEnabled())
    return out


@pytest.mark.parametrize("which", DIALOGS)
def test_tab_goes_down_the_form_then_ok_and_cancel(window, which) -> None:
    d = _open(window, which)
    stops = _tab_stops(d)
    rows = _rows_in_order(d)
    buttons = [b for b in (d.ok_button, d.buttons.buttons()[-1]) if b.isEnabled()]
    # A ring: rotate it to start at the first row's input.
    start = stops.index(rows[0])
    ring = stops[start:] + stops[:start]
    assert ring[: len(rows)] == rows, [w.accessibleName() or w.text() for w in ring]
    assert set(ring[len(rows) :]) == set(buttons)
    # The focus starts on the first field to fill (a refused one, else the first editable):
    # the dialog's focus widget (it has the keyboard once the window is active).
    focus = d.focusWidget()
    assert focus is not None and (focus in rows or focus.parentWidget() in rows)
    if which == "new_event":
        assert focus is d.title_edit  # the first refused field ("must not be empty")
    d.reject()


@pytest.mark.parametrize("which", DIALOGS)
def test_every_input_has_an_accessible_name(window, which) -> None:
    d = _open(window, which)
    for w in _rows_in_order(d):
        if isinstance(w, QAbstractButton) and w.text():
            continue  # a button's text is its name
        assert w.accessibleName().strip(), type(w).__name__
    d.reject()


@pytest.mark.parametrize("which", DIALOGS)
def test_esc_cancels_and_records_nothing(window, which) -> None:
    d = _open(window, which)
    count = window.session.undo_stack.count()
    first = next(w for w in _rows_in_order(d) if isinstance(w, QLineEdit) and not w.isReadOnly())
    first.setText(first.text() + "x")
    QTest.keyClick(d, Qt.Key.Key_Escape)
    assert not d.isVisible() and d.result() == 0
    assert window.session.undo_stack.count() == count and d.pushed is None


def test_enter_accepts_only_a_valid_form(window) -> None:
    w = window
    d = _open(w, "source")
    d.title_edit.setFocus()
    d.title_edit.setText("")
    assert d.reason("title") == "must not be empty"
    QTest.keyClick(d.title_edit, Qt.Key.Key_Return)
    assert d.isVisible() and d.pushed is None  # refused: still open, nothing recorded
    d.title_edit.setText("Wire report one, corrected")
    QTest.keyClick(d.title_edit, Qt.Key.Key_Return)
    assert not d.isVisible() and d.pushed is not None
    assert w.ctx.scenario.source("s1").title == "Wire report one, corrected"

    e = _open(w, "new_event")
    e.time_edit.setText("2024-12-06 10:00")
    QTest.keyClick(e.time_edit, Qt.Key.Key_Enter)
    assert e.isVisible()  # no title, no category yet
    e.title_edit.setText("Checkpoint moved")
    e.category_combo.setCurrentText("border")
    QTest.keyClick(e.title_edit, Qt.Key.Key_Enter)
    assert not e.isVisible() and any(x.title == "Checkpoint moved" for x in w.ctx.scenario.events)


@pytest.mark.parametrize(
    ("which", "field", "name", "value"),
    [
        ("source", "url", "url_edit", "ftp://x"),
        ("faction", "color", "color_edit", "red"),
        ("crossing", "lat", "lat_edit", "136"),
        ("territory", "share_pct", "share_edit", "130"),
        ("event", "lon", "lon_edit", "400"),
    ],
)
def test_a_refusal_is_shown_under_its_own_field(window, which, field, name, value) -> None:
    d = _open(window, which)
    edit = getattr(d, name)
    edit.setText(value)
    error = d.findChild(QLabel, f"{field}Error")
    assert error is not None and not error.isHidden() and d.reason(field)
    assert error.textFormat() == Qt.TextFormat.PlainText
    assert not d.ok_button.isEnabled()
    # Under the field, in its row: same column, just below it.
    field_rect = edit.mapTo(d, edit.rect().bottomLeft())
    error_top = error.mapTo(d, error.rect().topLeft())
    assert 0 <= error_top.y() - field_rect.y() <= 12
    assert abs(error_top.x() - edit.mapTo(d, edit.rect().topLeft()).x()) <= 160
    assert edit.accessibleDescription() == d.reason(field)  # a screen reader says why
    d.reject()


@pytest.fixture
def hostile_window(qtbot, small_path):
    doc = json.loads(small_path.read_text(encoding="utf-8"))
    doc["sources"][0]["title"] = HOSTILE
    doc["factions"][0]["name"] = HOSTILE
    doc["crossings"][0]["name"] = HOSTILE
    doc["events"][0]["title"] = HOSTILE
    doc["events"][0]["category"] = HOSTILE
    doc["events"][0]["location"]["name"] = HOSTILE
    small_path.write_text(json.dumps(doc), encoding="utf-8")
    from monitor.ui.settings import settings

    settings().setValue("prefs/analyst", "Analyst One")
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.mark.parametrize("which", DIALOGS)
def test_a_hostile_long_name_neither_widens_nor_marks_up_a_dialog(
    hostile_window, which, tmp_path
) -> None:
    d = _open(hostile_window, which)
    QApplication.processEvents()
    assert d.width() <= 800 and d.minimumSizeHint().width() <= 800, d.size()
    assert d.height() <= 900
    for label in d.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText
    # The picture (kept with the test's files, to look at).
    assert d.grab().save(str(tmp_path / f"{which}.png"))
    d.reject()


def test_a_status_change_of_a_crossing_with_a_hostile_name_is_recorded(hostile_window) -> None:
    w = hostile_window
    d = _open(w, "status")
    d.note_edit.setPlainText("Checked")
    assert d.ok_button.isEnabled(), d.problems  # (the change's label stays short)
    d.accept()
    mine = [e for e in w.ctx.scenario.crossing("qaim").history if e.by == "Analyst One"]
    assert len(mine) == 1 and mine[0].note == "Checked"
    change = w.session.undo_stack.command(w.session.undo_stack.index() - 1).change
    assert len(change.label) <= 500


def test_the_parked_cursor_question_and_a_refusal_stay_small_with_a_hostile_name(
    hostile_window,
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    w = hostile_window
    w.ctx.set_cursor(datetime(2024, 12, 1, 9, 30, tzinfo=ZoneInfo("Asia/Baghdad")))
    w.ctx.select_crossing("qaim")
    w.toggle_crossing_action.trigger()  # (conftest: the real question, answered Cancel)
    box = w.crossing_actions.last_question
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.sizeHint().width() <= 800 and box.text().endswith(": open")  # closed then and now
    assert "<b>bold</b>" in box.text()  # shown as typed, never as markup
    assert not w.editing.deleter.delete_faction("gov")
    refusal = w.last_warning_dialog
    assert refusal.textFormat() == Qt.TextFormat.PlainText
    assert refusal.sizeHint().width() <= 800 and len(refusal.text()) < 1500
    assert "2 territory entries" in refusal.text()
