"""Undoing an import is one bulk removal: the events are found by their ids together
(``positions_of``), compared with what the import wrote (``events_at``: the events kept
whole as they are, the others from their rows) and removed at once; an event edited since
the import makes the undo refuse, naming it, and leaves the scenario as it was."""

from __future__ import annotations

import dataclasses

import pytest
from feeds import acled_row, write_acled

from monitor.interchange import apply_review, parse_feed, plan_import
from monitor.model import Event, Location, Scenario, ScenarioInfo, Verification
from monitor.model.changelog import ChangeLog, entity_json
from monitor.model.changes import EVENT, ChangeError, entity_change
from monitor.model.timeutil import parse_moment, zone
from monitor.model.writer import event_json

BAGHDAD = zone("Asia/Baghdad")


def _event(i: int) -> Event:
    return Event(
        id=f"e{i}", time=parse_moment(f"2024-03-{1 + i % 28:02d}", BAGHDAD),
        title=f"Event number {i}", category=("clash", "protest")[i % 2], actors=[],
        source_ids=[], verification=Verification.REPORTED,
        location=Location(f"Place {i % 7}", 33.0 + i / 1000, 44.0, {}),
        extra={"origin": {"feed": "acled", "id": str(i)}} if i % 2 else {},
    )


def test_positions_of_agrees_with_position_after_edits() -> None:
    scenario = Scenario(info=ScenarioInfo("s", "S", "Asia/Baghdad"),
                        events=[_event(i) for i in range(40)])
    table = scenario.table
    table.remove("e3")
    table.add(_event(100))
    table.extend([_event(200 + i) for i in range(5)])
    table.remove("e7")
    table.replace(dataclasses.replace(_event(9), title="edited"))
    asked = ["e0", "e3", "e7", "e9", "e100", "e204", "nope", "e39", "e0"]
    got = table.positions_of(asked).tolist()
    assert got == [-1 if (i := table.position(e)) is None else i for e in asked]
    assert got[1] == got[2] == got[6] == -1
    found = table.positions_of(["e9", "e100", "e1", "e2"])
    events = table.events_at(found)
    assert events == [scenario.event(e) for e in ("e9", "e100", "e1", "e2")]
    assert events[0].title == "edited"


def _imported(tmp_path, empty, n=30):
    review = plan_import(empty, parse_feed(write_acled(tmp_path / "a.csv",
                                                       [acled_row(i) for i in range(n)])))
    log = ChangeLog(empty)
    apply_review(empty, review, log)
    return review, log


def test_an_import_undone_removes_its_events_in_one_step(tmp_path, empty):
    before = [event_json(e) for e in empty.events]
    review, log = _imported(tmp_path, empty)
    assert len(empty.events) == 30
    log.apply_batch([c.inverse() for c in reversed(review.changes)])
    assert [event_json(e) for e in empty.events] == before
    assert empty.sources == []
    log.apply_batch([c.again() for c in review.changes])  # redo: back again
    assert len(empty.events) == 30 and empty.event("acled:IRQ29") is not None


def test_an_event_edited_since_the_import_stops_its_undo(tmp_path, empty):
    review, log = _imported(tmp_path, empty)
    ev = entity_json(empty, EVENT, "acled:SYR8")
    log.apply(entity_change(EVENT, "acled:SYR8", ev, {**ev, "verification": "confirmed"}))
    snapshot = [event_json(e) for e in empty.events]
    with pytest.raises(ChangeError, match='event "acled:SYR8" is not what the change expects'):
        log.apply_batch([c.inverse() for c in reversed(review.changes)])
    assert [event_json(e) for e in empty.events] == snapshot  # nothing undone
    assert len(empty.sources) == len(review.new_sources)


def test_an_event_deleted_since_the_import_stops_its_undo(tmp_path, empty):
    review, log = _imported(tmp_path, empty)
    ev = entity_json(empty, EVENT, "acled:IRQ5")
    log.apply(entity_change(EVENT, "acled:IRQ5", ev, None))
    with pytest.raises(ChangeError, match='event "acled:IRQ5" does not exist'):
        log.apply_batch([c.inverse() for c in reversed(review.changes)])
    assert len(empty.events) == 29


def test_a_malformed_deletion_in_the_run_is_refused_for_what_it_is(tmp_path, empty):
    review, log = _imported(tmp_path, empty)
    undo = [c.inverse() for c in reversed(review.changes)]
    k = next(i for i, c in enumerate(undo) if c.key == "acled:IRQ9")
    bad = {**undo[k].before, "location": {**undo[k].before["location"], "lat": float("nan")}}
    undo[k] = dataclasses.replace(undo[k], before=bad)
    with pytest.raises(ChangeError, match="nan is not a JSON number"):
        log.apply_batch(undo)
    assert len(empty.events) == 30 and empty.event("acled:IRQ9") is not None
