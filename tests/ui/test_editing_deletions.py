"""Deleting sources, factions, crossings and territory entries in the window (issue 14):
each one undoable change restored exactly by undo, saved and reloaded; what the file's
rules forbid (a cited source, a faction still named) is refused with a message naming
the items that use it."""

from __future__ import annotations

import dataclasses
import json

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from monitor.model import load_scenario
from monitor.ui import MainWindow


def _act(w: MainWindow, name: str) -> QAction:
    act = w.findChild(QAction, name)
    assert act is not None, name
    return act


def _choose(w: MainWindow, monkeypatch, key: str | None) -> list:
    asked = []

    def ask(title, label, items):
        asked.append([k for k, _ in items])
        return key

    monkeypatch.setattr(w.editing.deleter, "ask_choice", ask)
    return asked


def _undo_count(w: MainWindow) -> int:
    return w.session.undo_stack.count()


def _free_source(w: MainWindow, sid: str = "s9") -> None:
    """Add a source nothing cites (saved by the journal like any edit)."""
    from monitor.model.changes import SOURCE, entity_change

    w.session.push(
        entity_change(
            SOURCE,
            sid,
            None,
            {"id": sid, "title": "Spare wire", "publisher": "Desk", "url": "https://example.org/9"},
        )
    )


def test_the_delete_actions_are_in_scenario_data(window) -> None:
    menu = window.findChild(QMenu, "scenarioDataMenu")
    names = {a.objectName() for a in menu.actions()}
    assert {
        "deleteSourceAction",
        "deleteFactionAction",
        "deleteCrossingAction",
        "deleteTerritoryAction",
    } <= names
    # The crossings table's context menu offers the crossing's deletion.
    assert _act(window, "deleteCrossingAction") in window.crossing_actions.context_actions


def test_delete_an_unused_source_undo_restores_it_then_save_reload(
    window, small_path, monkeypatch
) -> None:
    w = window
    _free_source(w)
    assert w.save()
    before = json.loads(small_path.read_text(encoding="utf-8"))
    asked = _choose(w, monkeypatch, "s9")
    count = _undo_count(w)
    _act(w, "deleteSourceAction").trigger()
    assert asked and "s9" in asked[0]
    assert w.ctx.scenario.source("s9") is None
    assert _undo_count(w) == count + 1  # one undoable change
    assert "brings it back" in w.statusBar().currentMessage()
    w.undo_action.trigger()
    assert w.save()
    assert json.loads(small_path.read_text(encoding="utf-8")) == before  # exactly back
    w.redo_action.trigger()
    assert w.save()
    assert load_scenario(small_path).source("s9") is None


def test_a_cited_source_is_refused_naming_its_users(window, monkeypatch) -> None:
    w = window
    _choose(w, monkeypatch, "s1")
    count = _undo_count(w)
    _act(w, "deleteSourceAction").trigger()
    assert w.ctx.scenario.source("s1") is not None and _undo_count(w) == count
    box = w.last_warning_dialog
    text = box.text()
    # s1 is cited by events e1, e2, e4 and three territory entries of 26 Nov.
    assert "Wire report one" in text and "not deleted" in text
    assert "3 events" in text and "e1" in text and "e2" in text and "e4" in text
    assert "3 territory entries" in text and "2024-11-26" in text
    box.close()


def test_a_source_cited_by_a_status_entry_or_a_key_judgement_is_refused(
    window, monkeypatch
) -> None:
    w = window
    _free_source(w)
    from monitor.model.changes import scenario_field_change

    w.session.push(
        scenario_field_change(
            w.ctx.scenario,
            "key_judgements",
            {
                "bluf": "",
                "judgements": [
                    {
                        "text": "Holds",
                        "likelihood": "unlikely",
                        "confidence": "low",
                        "source_ids": ["s9"],
                    }
                ],
            },
        )
    )
    assert not w.editing.deleter.delete_source("s9")
    assert "1 key judgement (judgement 1)" in w.last_warning_dialog.text()
    # The change log refuses it too (a file citing an unknown source would not open).
    from monitor.model.changelog import entity_json
    from monitor.model.changes import SOURCE, ChangeError, entity_change

    change = entity_change(SOURCE, "s9", entity_json(w.ctx.scenario, SOURCE, "s9"), None)
    try:
        w.session.push(change)
    except ChangeError as exc:
        assert "key judgements" in str(exc)
    else:
        raise AssertionError("the change log deleted a source the key judgements cite")
    assert not w.editing.deleter.delete_source("s2")
    text = w.last_warning_dialog.text()
    assert "2 events" in text  # e2, e3


def test_delete_a_faction_undo_save_reload_and_a_named_one_is_refused(
    window, small_path, monkeypatch
) -> None:
    w = window
    assert not w.editing.deleter.delete_faction("kur")
    text = w.last_warning_dialog.text()
    assert "Kurdish forces" in text and "2 territory entries" in text
    assert "1 crossing" in text  # Semalka is controlled by kur
    assert w.ctx.scenario.faction("kur") is not None
    w.last_warning_dialog.close()
    assert not w.editing.deleter.delete_faction("reb")
    assert "2 events (as an actor)" in w.last_warning_dialog.text()  # e1 and e4 name reb
    w.last_warning_dialog.close()

    # A new faction no item names is deleted.
    from monitor.model.changes import FACTION, entity_change

    w.session.push(
        entity_change(FACTION, "tri", None, {"id": "tri", "name": "Tribes", "color": "#112233"})
    )
    assert w.save()
    saved_before = json.loads(small_path.read_text(encoding="utf-8"))
    _choose(w, monkeypatch, "tri")
    count = _undo_count(w)
    _act(w, "deleteFactionAction").trigger()
    assert w.ctx.scenario.faction("tri") is None and _undo_count(w) == count + 1
    w.undo_action.trigger()
    assert w.save()
    assert json.loads(small_path.read_text(encoding="utf-8")) == saved_before
    w.redo_action.trigger()
    assert w.save()
    assert load_scenario(small_path).faction("tri") is None


def test_delete_a_crossing_with_its_entries_one_undo_exact_save_reload(
    window, small_path
) -> None:
    w = window
    _free_source(w)  # (an edit, so that the first save writes the file as the app does)
    assert w.save()
    saved_before = json.loads(small_path.read_text(encoding="utf-8"))
    original = w.ctx.scenario.crossing("qaim")
    history = tuple(original.history)
    assert len(history) == 2
    w.ctx.select_crossing("qaim")
    count = _undo_count(w)
    _act(w, "deleteCrossingAction").trigger()
    assert w.ctx.scenario.crossing("qaim") is None
    assert _undo_count(w) == count + 1  # the crossing and its entries: one command
    assert "qaim" not in w.map_panel.crossing_ids()
    assert not w.crossings_panel.view_index("qaim", 0).isValid()
    assert w.ctx.selected_crossing == ""
    assert w.save()
    assert load_scenario(small_path).crossing("qaim") is None

    w.undo_action.trigger()
    back = w.ctx.scenario.crossing("qaim")
    assert back is not None
    assert tuple(back.history) == history  # the entries, in their order (unsorted in the file)
    assert dataclasses.replace(back, history=()) == dataclasses.replace(original, history=())
    assert w.crossings_panel.view_index("qaim", 0).isValid()
    assert w.save()
    assert json.loads(small_path.read_text(encoding="utf-8")) == saved_before
    w.redo_action.trigger()
    assert w.ctx.scenario.crossing("qaim") is None
    assert w.save()
    assert load_scenario(small_path).crossing("qaim") is None


def test_delete_a_territory_entry_undo_save_reload(window, small_path, monkeypatch) -> None:
    w = window
    _free_source(w)
    assert w.save()
    saved_before = json.loads(small_path.read_text(encoding="utf-8"))
    asked = _choose(w, monkeypatch, "2024-12-05/reb")
    count = _undo_count(w)
    _act(w, "deleteTerritoryAction").trigger()
    assert "2024-12-05/reb" in asked[0] and len(asked[0]) == 6
    keys = {(t.date.isoformat(), t.faction) for t in w.ctx.scenario.territory}
    assert ("2024-12-05", "reb") not in keys and len(keys) == 5
    assert _undo_count(w) == count + 1
    assert w.save()
    assert len(load_scenario(small_path).territory) == 5
    w.undo_action.trigger()
    assert w.save()
    assert json.loads(small_path.read_text(encoding="utf-8")) == saved_before


def test_cancelling_the_choice_deletes_nothing(window, monkeypatch) -> None:
    w = window
    _choose(w, monkeypatch, None)
    count = _undo_count(w)
    for name in ("deleteSourceAction", "deleteFactionAction", "deleteTerritoryAction"):
        _act(w, name).trigger()
    assert _undo_count(w) == count and not w.isWindowModified()


def test_a_deletion_keeps_its_place_through_the_journal_format(window) -> None:
    """The journal (and the team store) carry a deletion's place: read back from its JSON
    and undone, the item goes back where it was, not last."""
    from monitor.model.changelog import ChangeLog, entity_json
    from monitor.model.changes import FACTION, Change, list_delete_change

    scenario = window.ctx.scenario
    order = [f.id for f in scenario.factions]
    change = list_delete_change(
        scenario, FACTION, order[0], entity_json(scenario, FACTION, order[0])
    )
    assert change.place == {"index": 0, "next": order[1]}
    again = Change.from_json(json.loads(json.dumps(change.to_json())))
    assert again == change
    import copy

    twin = copy.deepcopy(scenario)
    twin.territory = [t for t in twin.territory if t.faction != order[0]]
    twin.crossings = [c for c in twin.crossings if c.controlled_by != order[0]]
    log = ChangeLog(twin)
    log.apply(again)
    assert [f.id for f in twin.factions] == order[1:]
    log.apply(Change.from_json(json.loads(json.dumps(again.inverse().to_json()))))
    assert [f.id for f in twin.factions] == order  # back in front, not appended
