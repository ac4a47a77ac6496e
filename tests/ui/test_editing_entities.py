"""Sources, factions, crossings and territory entries edited in the window (issue 14): each
through its action and dialog, checked as you type, one undoable change, saved."""

from __future__ import annotations

from PySide6.QtGui import QAction

from monitor.model import load_scenario
from monitor.model.changes import SOURCE
from monitor.ui import MainWindow
from monitor.ui.crossings.status import CrossingColumn
from monitor.ui.editing.crossing_dialog import CrossingDialog
from monitor.ui.editing.event_dialog import EventDialog
from monitor.ui.editing.faction_dialog import FactionDialog
from monitor.ui.editing.source_dialog import SourceDialog
from monitor.ui.editing.territory_dialog import TerritoryDialog


def _trigger(w: MainWindow, name: str):
    act = w.findChild(QAction, name)
    assert act is not None, name
    act.trigger()
    return w.editing.last_dialog


def test_create_a_source_undo_redo_save_reload_and_cite_it(window, small_path) -> None:
    w = window
    d = _trigger(w, "newSourceAction")
    assert isinstance(d, SourceDialog) and d.isVisible()
    sid = d.id_edit.text()
    assert sid and w.ctx.scenario.source(sid) is None
    d.title_edit.setText("Shift report")
    d.publisher_edit.setText("Desk")
    d.url_edit.setText("https://example.org/shift")
    d.published_edit.setText("2024-12-06 08:15")
    d.reliability_combo.setCurrentText("C")
    assert d.ok_button.isEnabled(), d.problems
    d.accept()
    assert w.ctx.scenario.source(sid).title == "Shift report"
    stack = w.session.undo_stack
    command = stack.command(stack.index() - 1)
    assert command.change.entity == SOURCE and command.change.author == "Analyst One"
    assert "Shift report" in w.session.storage.journal_path.read_text(encoding="utf-8")
    w.undo_action.trigger()
    assert w.ctx.scenario.source(sid) is None
    w.redo_action.trigger()
    assert w.ctx.scenario.source(sid) is not None
    # The new source is offered to events at once.
    w.findChild(QAction, "newEventAction").trigger()
    ev = w.editing.last_dialog
    assert isinstance(ev, EventDialog) and sid in ev.sources_list.all_values()
    ev.reject()
    assert w.save()
    saved = load_scenario(small_path).source(sid)
    assert (saved.title, saved.publisher, saved.url, saved.reliability) == (
        "Shift report",
        "Desk",
        "https://example.org/shift",
        "C",
    )
    assert saved.published == "2024-12-06T08:15:00+03:00"


def test_edit_a_source_regrades_events_and_refuses_bad_values(window, small_path) -> None:
    w = window
    d = _trigger(w, "editSourceAction")
    assert isinstance(d, SourceDialog)
    d.chooser.choose("s1")
    assert d.title_edit.text() == "Wire report one" and d.id_edit.isReadOnly()
    d.url_edit.setText("ftp://example.org/x")
    assert "http(s) URL" in d.reason("url") and not d.ok_button.isEnabled()
    d.url_edit.setText("https://example.org/one")
    d.reliability_combo.setCurrentText("Z")
    assert "A..F" in d.reason("reliability") and not d.ok_button.isEnabled()
    d.title_edit.setText("")
    assert d.reason("title") == "must not be empty"
    d.title_edit.setText("Wire report one (corrected)")
    d.reliability_combo.setCurrentText("E — unreliable")
    assert d.ok_button.isEnabled(), d.problems
    d.accept()
    m = w.feed_panel.model
    from monitor.ui.feed.columns import EventColumn

    assert str(m.index(m.row_of_id("e4"), EventColumn.GRADE).data()).startswith("E")
    w.undo_action.trigger()
    assert w.ctx.scenario.source("s1").reliability == "B"
    w.redo_action.trigger()
    assert w.save()
    assert load_scenario(small_path).source("s1").title == "Wire report one (corrected)"


def test_a_faction_is_created_and_recoloured(window, small_path) -> None:
    w = window
    d = _trigger(w, "newFactionAction")
    assert isinstance(d, FactionDialog)
    d.name_edit.setText("Tribal council")
    d.color_edit.setText("red")
    assert "#rrggbb" in d.reason("color") and not d.ok_button.isEnabled()
    d.color_edit.setText("#123abc")
    d.accept()
    fid = d.id_edit.text()
    assert w.ctx.scenario.faction(fid).color == "#123abc"
    d = _trigger(w, "editFactionAction")
    d.chooser.choose("reb")
    assert d.name_edit.text() == "Rebels"
    d.choose_color()  # Qt's colour dialog, opened without blocking
    assert d.color_dialog is not None and d.color_dialog.isVisible()
    d.color_dialog.colorSelected.emit(d.color_dialog.currentColor().fromRgb(0x11, 0x22, 0x33))
    assert d.color_edit.text() == "#112233"
    d.color_dialog.reject()
    d.accept()
    assert w.ctx.scenario.faction("reb").color == "#112233"
    assert w.save()
    saved = load_scenario(small_path)
    assert saved.faction(fid).name == "Tribal council"
    assert saved.faction("reb").color == "#112233"


def test_a_new_crossing_shows_in_the_table_and_an_edit_renames_it(window, small_path) -> None:
    w = window
    d = _trigger(w, "newCrossingAction")
    assert isinstance(d, CrossingDialog)
    d.id_edit.setText("rabia")
    d.name_edit.setText("Rabia – Al-Yarubiyah")
    for (country, place), (c, p) in zip(
        d.side_edits, (("Iraq", "Rabia"), ("Syria", "Al-Yarubiyah")), strict=True
    ):
        country.setText(c)
        place.setText(p)
    d.lon_edit.setText("42.1")
    d.lat_edit.setText("136.6")
    assert "out of range" in d.reason("lat") and not d.ok_button.isEnabled()
    d.lat_edit.setText("36.6")
    d.kind_combo.setCurrentText("official")
    assert d.ok_button.isEnabled(), d.problems
    d.accept()
    panel = w.crossings_panel
    assert panel.view_index("rabia", CrossingColumn.NAME).isValid()
    assert "rabia" in w.map_panel.crossing_ids()
    w.ctx.select_crossing("rabia")
    d = _trigger(w, "editCrossingAction")
    assert d.chooser.key() == "rabia"
    d.name_edit.setText("Rabia crossing")
    d.side_edits[0][1].setText("")
    assert d.reason("sides") == "must not be empty"
    d.side_edits[0][1].setText("Rabia")
    d.accept()
    assert w.ctx.scenario.crossing("rabia").name == "Rabia crossing"
    w.undo_action.trigger()
    assert w.ctx.scenario.crossing("rabia").name == "Rabia – Al-Yarubiyah"
    w.redo_action.trigger()
    assert w.save()
    saved = load_scenario(small_path).crossing("rabia")
    assert saved.name == "Rabia crossing" and saved.location.lat == 36.6
    assert [s.place for s in saved.sides] == ["Rabia", "Al-Yarubiyah"]


def test_crossing_actions_are_in_the_crossings_menu(window) -> None:
    names = [a.objectName() for a in window.crossing_actions.context_actions]
    assert "newCrossingAction" in names and "editCrossingAction" in names


def test_territory_entries_added_and_edited_within_the_rules(window, small_path) -> None:
    w = window
    d = _trigger(w, "editTerritoryAction")
    assert isinstance(d, TerritoryDialog) and d.chooser.key() == ""  # a new entry
    d.date_edit.setText("2024-12-06")
    d.faction_combo.setCurrentIndex(d.faction_combo.findData("gov"))
    d.share_edit.setText("150")
    assert "out of range" in d.reason("share_pct") and not d.ok_button.isEnabled()
    d.share_edit.setText("50")
    d.estimated_check.setChecked(True)
    d.sources_list.set_checked(["s2"])
    assert d.ok_button.isEnabled(), d.problems
    d.accept()
    assert any(t.faction == "gov" and t.share_pct == 50 for t in w.ctx.scenario.territory)
    # Editing an existing share past 100 % in total is refused by the file's rule.
    d = _trigger(w, "editTerritoryAction")
    d.chooser.choose("2024-12-05/gov")
    assert d.share_edit.text() == "55" and d.date_edit.isReadOnly()
    d.share_edit.setText("70")
    assert "more than 100%" in d.reason("") and not d.ok_button.isEnabled()
    d.share_edit.setText("50")
    d.accept()
    assert w.save()
    saved = {(t.date.isoformat(), t.faction): t for t in load_scenario(small_path).territory}
    assert saved[("2024-12-05", "gov")].share_pct == 50
    assert saved[("2024-12-06", "gov")].estimated and saved[("2024-12-06", "gov")].source_ids == [
        "s2"
    ]


def test_a_long_source_list_can_be_filtered_and_keeps_what_is_ticked(window) -> None:
    from monitor.model.changes import entity_change

    for i in range(10):
        sid = f"extra{i}"
        window.session.push(
            entity_change(
                SOURCE,
                sid,
                None,
                {"id": sid, "title": f"Bulletin {i}", "publisher": "P", "url": ""},
            )
        )
    window.findChild(QAction, "newEventAction").trigger()
    d = window.editing.last_dialog
    sources = d.sources_list
    assert sources.filter_edit is not None and not sources.filter_edit.isHidden()
    sources.set_checked(["s1"])
    sources.filter_edit.setText("bulletin 3")
    shown = [
        sources.item(i).data(256) for i in range(sources.count()) if not sources.item(i).isHidden()
    ]
    assert shown == ["s1", "extra3"]  # the ticked one stays in view
    assert d.sources_list.values() == ["s1"]
