"""Events created, edited and deleted in the window through its actions and dialogs (issue 14):
checked as you type by the file's rules, one undoable and journalled change each, saved."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from monitor.model import load_scenario
from monitor.model.changelog import entity_json
from monitor.model.changes import EVENT
from monitor.ui import MainWindow
from monitor.ui.editing.event_dialog import EventDialog
from monitor.ui.feed.columns import EventColumn


def _titles(w: MainWindow) -> list[str]:
    m = w.feed_panel.model
    return [str(m.index(r, EventColumn.TITLE).data()) for r in range(m.rowCount())]


def _action(w: MainWindow, name: str) -> QAction:
    act = w.findChild(QAction, name)
    assert act is not None, name
    return act


def _new_event_dialog(w: MainWindow) -> EventDialog:
    _action(w, "newEventAction").trigger()
    dialog = w.editing.last_dialog
    assert isinstance(dialog, EventDialog) and dialog.isVisible()
    return dialog


def _fill(d: EventDialog, **values: str) -> None:
    edits = {
        "time": d.time_edit,
        "title": d.title_edit,
        "location": d.location_edit,
        "lat": d.lat_edit,
        "lon": d.lon_edit,
        "other_actors": d.other_actors_edit,
    }
    for name, value in values.items():
        if name in edits:
            edits[name].setText(value)
        elif name == "summary":
            d.summary_edit.setPlainText(value)
        elif name == "category":
            d.category_combo.setCurrentText(value)
        elif name == "credibility":
            d.credibility_combo.setCurrentText(value)
        elif name == "reliability":
            d.reliability_combo.setCurrentText(value)
        elif name == "verification":
            d.verification_combo.setCurrentText(value)
        else:
            raise KeyError(name)


def _tick(check_list, *values: str) -> None:
    check_list.set_checked([*check_list.values(), *values])


def test_the_actions_are_in_the_edit_menu_and_the_feed_menu_with_their_keys(window) -> None:
    names = [a.objectName() for a in window.edit_menu.actions()]
    for name in ("newEventAction", "editEventAction", "deleteEventAction"):
        assert name in names
    data = window.editing.data_menu
    assert {a.objectName() for a in data.actions()} >= {
        "newSourceAction",
        "editSourceAction",
        "newFactionAction",
        "editFactionAction",
        "newCrossingAction",
        "editCrossingAction",
        "editTerritoryAction",
    }
    assert _action(window, "newEventAction").shortcut() == QKeySequence(
        QKeySequence.StandardKey.New
    )
    delete = _action(window, "deleteEventAction")
    assert delete.shortcut() == QKeySequence(QKeySequence.StandardKey.Delete)
    assert delete.shortcutContext() == Qt.ShortcutContext.WidgetShortcut
    assert "F2" in [k.toString() for k in _action(window, "editEventAction").shortcuts()]
    # The feed's context menu offers them (on a row: the row is selected first).
    feed = window.feed_panel
    rect = feed.view.visualRect(feed.model.index(0, EventColumn.TITLE))
    menu = feed.actions.context_menu(rect.center())
    texts = [a.objectName() for a in menu.actions()]
    assert {"newEventAction", "editEventAction", "deleteEventAction"} <= set(texts)
    assert window.ctx.selected_event == feed.model.event_id(0)
    menu.deleteLater()


def test_create_an_event_undo_redo_save_and_reload(window, small_path) -> None:
    w = window
    before_count = w.feed_panel.model.rowCount()
    d = _new_event_dialog(w)
    new_id = d.id_edit.text()
    _fill(
        d,
        time="2024-12-06 10:30",
        title="Convoy seen at Al-Qaim",
        summary="Trucks queue on the Iraqi side.",
        category="border",
        location="Al-Qaim",
        lon="40.98",
        lat="34.39",
        other_actors="Iraqi JOC; local traders",
        verification="confirmed",
        reliability="B",
        credibility="2",
    )
    _tick(d.actors_list, "gov")
    _tick(d.sources_list, "s1", "s2")
    assert d.valid and d.ok_button.isEnabled(), d.problems
    assert "minute precision" in d.time_hint.text()
    d.accept()
    assert "Convoy seen at Al-Qaim" in _titles(w)
    assert w.feed_panel.model.rowCount() == before_count + 1
    # One undo command, with its author, written to the journal at once.
    stack = w.session.undo_stack
    command = stack.command(stack.index() - 1)
    assert command.change.author == "Analyst One" and command.change.entity == EVENT
    assert "Convoy seen at Al-Qaim" in command.text()
    journal = w.session.storage.journal_path.read_text(encoding="utf-8")
    assert new_id in journal and "Convoy seen at Al-Qaim" in journal

    w.undo_action.trigger()
    assert "Convoy seen at Al-Qaim" not in _titles(w)
    w.redo_action.trigger()
    assert "Convoy seen at Al-Qaim" in _titles(w)
    assert w.save()
    event = load_scenario(small_path).event(new_id)
    assert event is not None
    assert event.title == "Convoy seen at Al-Qaim"
    assert event.time.iso() == "2024-12-06T10:30:00+03:00"  # to the minute, scenario zone
    assert event.actors == ["gov", "Iraqi JOC", "local traders"]
    assert event.source_ids == ["s1", "s2"]
    assert (event.location.name, event.location.lat, event.location.lon) == (
        "Al-Qaim",
        34.39,
        40.98,
    )
    assert (event.verification, event.reliability, event.credibility) == ("confirmed", "B", 2)
    assert event.summary == "Trucks queue on the Iraqi side."


def test_edit_an_event_with_enter_in_the_feed_then_undo(window, small_path) -> None:
    w = window
    feed = w.feed_panel
    w.ctx.select_event("e4")
    feed.view.setFocus()
    QTest.keyClick(feed.view, Qt.Key.Key_F2)
    d = w.editing.last_dialog
    assert isinstance(d, EventDialog) and d.before["id"] == "e4"
    assert d.title_edit.text() == "City falls" and d.time_edit.text() == "2024-12-05 12:00"
    d.reject()
    QTest.keyClick(feed.view, Qt.Key.Key_Return)  # Enter opens the same dialog
    d = w.editing.last_dialog
    assert isinstance(d, EventDialog) and d.isVisible() and d.before["id"] == "e4"
    _fill(d, title="Hama taken", time="2024-12-05")
    assert "day precision" in d.time_hint.text()
    d.accept()
    assert "Hama taken" in _titles(w) and "City falls" not in _titles(w)
    assert w.ctx.scenario.event("e4").time.day
    assert w.ctx.scenario.event("e4").summary == "Rebels take Hama."  # untouched fields kept
    w.undo_action.trigger()
    assert "City falls" in _titles(w)
    assert w.ctx.scenario.event("e4").time.iso() == "2024-12-05T09:00:00+00:00"
    w.redo_action.trigger()
    assert w.save()
    assert load_scenario(small_path).event("e4").title == "Hama taken"


def test_seconds_are_kept_only_when_typed(window) -> None:
    d = _new_event_dialog(window)
    _fill(d, title="Shots heard", category="military", time="2024-12-06 10:30:15")
    assert "second precision" in d.time_hint.text()
    d.accept()
    event = next(e for e in window.ctx.scenario.events if e.title == "Shots heard")
    assert event.time.iso() == "2024-12-06T10:30:15+03:00"


def test_bad_values_are_refused_next_to_their_field_and_ok_is_disabled(window) -> None:
    d = _new_event_dialog(window)
    _fill(d, title="Fine", category="military", location="Somewhere", lon="40", lat="34")
    assert d.ok_button.isEnabled()
    _fill(d, lat="200")
    assert "out of range" in d.reason("lat") and not d.ok_button.isEnabled()
    _fill(d, lat="34", title="   ")
    assert d.reason("title") == "must not be empty" and not d.ok_button.isEnabled()
    _fill(d, title="Fine", credibility="9")
    assert "9 is out of range 1..6" in d.reason("credibility")
    _fill(d, credibility="2", reliability="G")
    assert "A..F" in d.reason("reliability")
    _fill(d, reliability="", time="2024-13-45")
    assert d.reason("time") and not d.ok_button.isEnabled()
    _fill(d, time="2024-12-06", lon="", lat="35")  # the file's rule: both or neither
    assert "both lat and lon" in d.reason("location_name") + d.reason("lon") + d.reason("")
    count = window.session.undo_stack.count()
    d.accept()  # refused: nothing recorded, the dialog stays open
    assert window.session.undo_stack.count() == count and d.isVisible()
    _fill(d, lon="40")
    assert d.ok_button.isEnabled() and not d.problems
    d.accept()
    assert window.session.undo_stack.count() == count + 1


def test_an_id_already_taken_is_refused_by_the_change_log(window) -> None:
    d = _new_event_dialog(window)
    _fill(d, title="Duplicate", category="military")
    d.id_edit.setText("e1")
    assert "already exists" in d.reason("") and not d.ok_button.isEnabled()


def test_delete_key_in_the_feed_deletes_and_ctrl_z_restores_exactly(window, small_path) -> None:
    w = window
    feed = w.feed_panel
    before = entity_json(w.ctx.scenario, EVENT, "e2")
    w.ctx.select_event("e2")
    feed.view.setFocus()
    QTest.keyClick(feed.view, Qt.Key.Key_Delete)
    assert w.ctx.scenario.event("e2") is None and "Border closed" not in _titles(w)
    assert w.session.undo_stack.command(w.session.undo_stack.index() - 1).change.after is None
    QTest.keyClick(feed.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert entity_json(w.ctx.scenario, EVENT, "e2") == before
    assert "Border closed" in _titles(w)
    # The Delete key in the search field edits the text, it deletes no event.
    w.ctx.select_event("e2")
    feed.search_edit.setFocus()
    feed.search_edit.setText("x")
    feed.search_edit.setCursorPosition(0)
    QTest.keyClick(feed.search_edit, Qt.Key.Key_Delete)
    assert w.ctx.scenario.event("e2") is not None and feed.search_edit.text() == ""
    assert w.save()
    saved = json.loads(small_path.read_text(encoding="utf-8"))
    assert any(e["id"] == "e2" for e in saved["events"])


def test_delete_through_the_action_then_save_and_reload(window, small_path) -> None:
    window.ctx.select_event("e3")
    _action(window, "deleteEventAction").trigger()
    assert window.save()
    assert load_scenario(small_path).event("e3") is None
    window.undo_action.trigger()
    assert window.save()
    assert load_scenario(small_path).event("e3").title == "Fighters crossed, claim says"


def test_hostile_text_in_a_title_stays_plain_text(window, small_path) -> None:
    hostile = "\u202eevil <b>bold</b> <img src='x'> &amp;"
    d = _new_event_dialog(window)
    _fill(d, title=hostile, category="<i>cat</i>")
    d.accept()
    event = next(e for e in window.ctx.scenario.events if e.title == hostile)
    assert event.category == "<i>cat</i>"
    window.ctx.select_event(event.id)
    detail = window.feed_panel.detail.document().toPlainText()
    assert "<b>bold</b>" in detail  # shown literally, not rendered
    # Its edit dialog shows it literally too; every label of the dialog is plain text.
    d = window.editing.edit_event(event.id)
    assert d.title_edit.text() == hostile
    labels = d.findChildren(QLabel)
    assert labels and all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in labels)
    # The undo entry names it with the override isolated (it cannot reorder the menu text).
    text = window.session.undo_stack.command(window.session.undo_stack.index() - 1).text()
    assert "\u2068" in text and "\u2069" in text
    assert "<b>" not in window.undo_action.toolTip()
    d.reject()
    assert window.save()
    assert load_scenario(small_path).event(event.id).title == hostile


def test_pick_on_map_takes_the_clicked_place(window) -> None:
    d = _new_event_dialog(window)
    assert d.pick_button.isEnabled()
    d.pick_button.setChecked(True)
    map_panel = window.map_panel
    target = map_panel.view_pos(40.5, 34.5)
    QTest.mouseClick(map_panel.view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert not d.pick_button.isChecked()  # one click, then picking stops
    assert abs(float(d.lon_edit.text()) - 40.5) < 0.2 and abs(float(d.lat_edit.text()) - 34.5) < 0.2
    d.lon_edit.setText("1")
    QTest.mouseClick(map_panel.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert d.lon_edit.text() == "1"  # not picking any more: a click is the map's own


def test_a_dialog_never_writes_into_another_scenario(window, tmp_path) -> None:
    d = _new_event_dialog(window)
    _fill(d, title="Meant for the first file", category="military")
    other = tmp_path / "other.json"
    other.write_bytes(window.ctx.path.read_bytes())
    assert window.open_file(other, background=False)
    assert not d.isVisible()  # closed with the scenario it was editing
    assert all(e.title != "Meant for the first file" for e in window.ctx.scenario.events)


def test_a_reason_from_the_change_log_names_the_field_not_the_list_place(window) -> None:
    d = _new_event_dialog(window)
    _fill(d, title="Fine", category="military", location="Somewhere", lat="34")
    assert d.reason("location_name") == "location: give both lat and lon, or neither"


def test_a_feed_built_after_the_first_paint_gets_the_keys_and_menu(qtbot, small_path) -> None:
    w = MainWindow(small_path, defer_panels=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.feed_dock.findChild(QLabel, "feedNote") is not None, timeout=5000)
    feed = w.feed_panel
    assert _action(w, "deleteEventAction") in feed.view.actions()
    assert _action(w, "editEventAction") in feed.view.actions()
    w.ctx.select_event("e1")
    feed.view.setFocus()
    QTest.keyClick(feed.view, Qt.Key.Key_Delete)
    assert w.ctx.scenario.event("e1") is None


def test_ok_on_an_unchanged_event_records_nothing(window) -> None:
    # e4's time is written in UTC ("...09:00:00Z") and shown in the scenario's zone.
    d = window.editing.edit_event("e4")
    assert d.change is None and d.ok_button.isEnabled()
    count = window.session.undo_stack.count()
    d.accept()
    assert window.session.undo_stack.count() == count and not window.isWindowModified()
    d = window.editing.edit_event("e4")
    _fill(d, title="City falls!")
    assert d.change is not None and d.change.fields == ["title"]  # the time is left alone


def test_edit_and_delete_are_enabled_only_with_an_event_selected(window) -> None:
    edit, delete = _action(window, "editEventAction"), _action(window, "deleteEventAction")
    window.ctx.select_event("")
    assert not edit.isEnabled() and not delete.isEnabled()
    window.ctx.select_event("e1")
    assert edit.isEnabled() and delete.isEnabled()
    delete.trigger()
    assert not edit.isEnabled() and not delete.isEnabled()  # nothing selected any more


def test_the_category_box_offers_the_scenarios_then_the_usual_ones_and_free_text(window) -> None:
    d = _new_event_dialog(window)
    combo = d.category_combo
    items = [combo.itemText(i) for i in range(combo.count())]
    # small.json: border ×2, military ×2 (most used first, then by name), a separator, then
    # the data format's usual categories the scenario does not use yet.
    assert items[:2] == ["border", "military"]
    assert items[2] == ""  # the separator
    assert items[3:] == ["political", "diplomatic", "humanitarian", "strike", "civilians"]
    assert combo.isEditable()
    _fill(d, time="2024-12-06", title="Drone sighting", category="cyber")
    assert not d.reason("category") and d.ok_button.isEnabled(), d.problems
    d.accept()
    new = [e for e in window.ctx.scenario.events if e.title == "Drone sighting"]
    assert new and new[0].category == "cyber"
    # The new category is offered next time, among the scenario's.
    d = _new_event_dialog(window)
    assert "cyber" in [d.category_combo.itemText(i) for i in range(3)]
    d.reject()
