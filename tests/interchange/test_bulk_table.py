"""The event table's edits of many events at once (an import applied, and undone): the
same table as one made afresh, new category values included, in one pass."""

from __future__ import annotations

import dataclasses

import pytest

from monitor.model import Event, Location, Scenario, ScenarioInfo, Verification
from monitor.model.timeutil import parse_moment, zone

BAGHDAD = zone("Asia/Baghdad")
COLUMNS = ("id", "title", "summary", "actors", "location", "actor_list", "time_ns", "category",
           "verification", "lat", "lon")


def _event(i: int, category: str = "") -> Event:
    return Event(
        id=f"e{i}",
        time=parse_moment(f"2024-03-{1 + i % 28:02d}", BAGHDAD),
        title=f"Event number {i}",
        category=category or ("clash", "protest", "shelling")[i % 3],
        actors=[f"Actor {i % 5}"],
        source_ids=[],
        verification=(Verification.CONFIRMED, Verification.REPORTED, Verification.DENIED)[i % 3],
        summary=None if i % 4 else f"summary {i}",
        location=Location(f"Place {i % 7}", 33 if i % 5 == 0 else 33.0 + i / 1000, 44.0, {}),
        extra={"origin": {"feed": "acled", "id": str(i)}} if i % 2 else {},
    )


def _scenario(events: list[Event]) -> Scenario:
    return Scenario(info=ScenarioInfo("s", "S", "Asia/Baghdad"), events=events)


def _same(scenario: Scenario, expected: list[Event]) -> None:
    table = scenario.table
    assert list(table) == expected
    assert [table.position(e.id) for e in expected] == list(range(len(expected)))
    fresh, frame = _scenario(list(expected)).events_frame(), scenario.events_frame()
    for name in COLUMNS:
        assert frame[name].astype(object).tolist() == fresh[name].astype(object).tolist(), name


def test_extend_gives_the_table_made_afresh_with_new_categories() -> None:
    old = [_event(i) for i in range(50)]
    scenario = _scenario(list(old))
    scenario.table.replace(dataclasses.replace(old[3], title="edited"))
    old[3] = dataclasses.replace(old[3], title="edited")
    # "airstrike" sorts before every category the table has: every old code is remapped.
    new = [_event(100 + i, "airstrike" if i % 2 else "") for i in range(40)]
    version = scenario.table.version
    scenario.table.extend(new)
    assert scenario.table.version > version
    _same(scenario, old + new)
    # The unknown fields of each event are given by the table, in order, with its index.
    got = scenario.table.with_extra()
    assert [(i, x[1], x[3]) for i, x in enumerate(got)] == [
        (i, e.id, e.extra) for i, e in enumerate(e for e in old + new if e.extra)]
    assert [x[0] for x in got] == [i for i, e in enumerate(old + new) if e.extra]
    scenario.table.add(_event(500))  # the table goes on growing as before
    _same(scenario, [*old, *new, _event(500)])


def test_extend_refuses_a_taken_or_repeated_id_and_adds_nothing() -> None:
    scenario = _scenario([_event(i) for i in range(5)])
    for bad in ([_event(7), _event(2)], [_event(8), _event(8)]):
        with pytest.raises(ValueError):
            scenario.table.extend(bad)
        assert len(scenario.table) == 5


def test_remove_many_gives_the_table_made_afresh() -> None:
    events = [_event(i) for i in range(60)]
    scenario = _scenario(list(events))
    scenario.table.extend([_event(100 + i) for i in range(10)])
    gone = {f"e{i}" for i in range(0, 60, 3)} | {"e105"}
    scenario.table.remove_many(sorted(gone))
    expected = [e for e in [*events, *(_event(100 + i) for i in range(10))] if e.id not in gone]
    _same(scenario, expected)
    with pytest.raises(KeyError):
        scenario.table.remove_many(["e1", "nope"])
    assert len(scenario.table) == len(expected)


def test_a_batch_of_new_events_is_checked_as_a_file_is(small) -> None:
    """Runs of new events are read by the loader's column checks; what they cannot decide
    (a source that does not exist) goes to the contract's reader, which refuses it."""
    from monitor.model.changelog import ChangeLog
    from monitor.model.changes import ChangeError, entity_change

    def ev(i: int, **over) -> dict:
        d = {"id": f"n{i}", "time": "2024-11-27", "title": f"New {i}", "category": "military",
             "actors": ["gov"], "source_ids": ["s1"], "verification": "reported",
             "location": {"name": "Al-Qaim", "lat": 34.39, "lon": 40.97},
             "origin": {"feed": "acled", "id": str(i)}}
        d.update(over)
        return d

    n = len(small.events)
    bad = [entity_change("event", f"n{i}", None, ev(i, source_ids=["nope"] if i == 2 else ["s1"]))
           for i in range(4)]
    with pytest.raises(ChangeError, match="nope"):
        ChangeLog(small).apply_batch(bad)
    assert len(small.events) == n
    good = [entity_change("event", f"n{i}", None, ev(i)) for i in range(4)]
    ChangeLog(small).apply_batch(good)
    assert len(small.events) == n + 4
    assert small.event("n3").extra["origin"] == {"feed": "acled", "id": "3"}
    assert small.event("n1").location.lat == 34.39
