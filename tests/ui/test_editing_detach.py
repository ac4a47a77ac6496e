"""Deleting a source that events cite (issue 14): besides refusing, the window offers to
detach it — take it off those events, their other sources kept — and delete it, as one
undoable step; undo puts the source and every citation back exactly, and the file saved
and reloaded agrees. A source also cited by a status entry, a territory entry or a key
judgement is still refused (only events can be detached)."""

from __future__ import annotations

import json

from monitor.model import load_scenario
from monitor.model.changelog import entity_json
from monitor.model.changes import EVENT, SOURCE, entity_change


def _detach(w, answer: bool) -> list[str]:
    asked: list[str] = []

    def ask(title, text):
        asked.append(text)
        return answer

    w.editing.deleter.ask_detach = ask
    return asked


def _cited_by_events(w, sid: str, events: list[str]) -> None:
    """A new source, cited by these events only (each edit journalled as in the app)."""
    w.session.push(entity_change(SOURCE, sid, None, {
        "id": sid, "title": "Spare wire", "publisher": "Desk", "url": "https://example.org/9"}))
    for event_id in events:
        was = entity_json(w.ctx.scenario, EVENT, event_id)
        w.session.push(entity_change(EVENT, event_id, was,
                                     {**was, "source_ids": [*was.get("source_ids", []), sid]}))


def test_detach_takes_the_source_off_its_events_in_one_undoable_step(window, small_path):
    w = window
    _cited_by_events(w, "s9", ["e1", "e4"])
    scenario = w.ctx.scenario
    citing = sorted(e.id for e in scenario.events if "s9" in e.source_ids)
    assert citing == ["e1", "e4"]
    others = {e: [s for s in scenario.event(e).source_ids if s != "s9"] for e in citing}
    assert all(others.values())  # (they cite s1 too: kept)
    assert w.save()
    saved = json.loads(small_path.read_text(encoding="utf-8"))
    count = w.session.undo_stack.count()

    asked = _detach(w, False)  # declined: nothing changes
    assert not w.editing.deleter.delete_source("s9")
    assert "2 events" in asked[0] and "Detach it from those events" in asked[0]
    assert scenario.source("s9") is not None and w.session.undo_stack.count() == count

    asked = _detach(w, True)
    assert w.editing.deleter.delete_source("s9")
    scenario = w.ctx.scenario
    assert scenario.source("s9") is None
    assert {e: scenario.event(e).source_ids for e in citing} == others
    assert w.session.undo_stack.count() == count + 1  # one step
    assert "detached from 2 events" in w.session.undo_stack.undoText()
    assert "brings it back" in w.statusBar().currentMessage()
    assert w.save()
    reloaded = load_scenario(small_path)
    assert reloaded.source("s9") is None
    assert not any("s9" in e.source_ids for e in reloaded.events)

    w.undo_action.trigger()  # the source and both citations back, exactly
    assert w.save()
    assert json.loads(small_path.read_text(encoding="utf-8")) == saved
    w.redo_action.trigger()
    assert w.ctx.scenario.source("s9") is None


def test_a_source_cited_beyond_events_is_still_refused(window):
    w = window
    asked = _detach(w, True)
    # s1 is cited by events and territory entries, s2 by a status entry: not offered.
    assert not w.editing.deleter.delete_source("s1")
    assert asked == []
    text = w.last_warning_dialog.text()
    assert "3 territory entries" in text and "not deleted" in text
    assert w.ctx.scenario.source("s1") is not None
    w.last_warning_dialog.close()
    assert not w.editing.deleter.delete_source("s2")
    assert asked == [] and "1 status entry" in w.last_warning_dialog.text()
