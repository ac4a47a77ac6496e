"""EventTable edits touch one chunk of each text column: the result is the same table as
one made afresh from the edited list, whatever the chunk sizes and the order of edits."""

from __future__ import annotations

import dataclasses
import random

import pytest

from monitor.model import Event, Location, Scenario, ScenarioInfo, Verification
from monitor.model import chunks as chunks_module
from monitor.model.timeutil import parse_moment, zone

BAGHDAD = zone("Asia/Baghdad")


def _event(i: int) -> Event:
    return Event(
        id=f"e{i}",
        time=parse_moment(f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00+03:00", BAGHDAD),
        title=f"Event number {i}",
        category=("clash", "protest", "shelling")[i % 3],
        actors=[f"Actor {i % 5}"],
        source_ids=[],
        verification=(Verification.CONFIRMED, Verification.REPORTED)[i % 2],
        summary=None if i % 4 else f"summary {i}",
        location=Location(f"Place {i % 7}", 33.0 + i / 1000, 44.0 + i / 1000, {}),
    )


def _scenario(events: list[Event]) -> Scenario:
    return Scenario(info=ScenarioInfo("s", "S", "Asia/Baghdad"), events=events)


@pytest.mark.parametrize(("split", "small"), [(32768, 4096), (6, 2), (1, 1)])
def test_random_edits_give_the_table_made_afresh(monkeypatch, split: int, small: int) -> None:
    # Tiny limits: chunks are cut (no copy) as for a million events, with few events.
    monkeypatch.setattr(chunks_module, "SPLIT_CHUNK", split)
    monkeypatch.setattr(chunks_module, "SMALL_CHUNK", small)
    rng = random.Random(split)
    expected = [_event(i) for i in range(60)]
    scenario = _scenario(list(expected))
    table = scenario.table
    next_id = 1000
    for step in range(150):
        what = rng.random()
        if what < 0.5 and expected:
            i = rng.randrange(len(expected))
            new = dataclasses.replace(expected[i], title=f"edited {step}", summary=f"s{step}")
            table.replace(new)
            expected[i] = new
        elif what < 0.75 and expected:
            i = rng.randrange(len(expected))
            table.remove(expected[i].id)
            del expected[i]
        else:
            new = _event(next_id)
            next_id += 1
            table.add(new)
            expected.append(new)
        if step % 10 == 0:
            assert list(table) == expected
    assert list(table) == expected
    assert [table.position(e.id) for e in expected] == list(range(len(expected)))
    fresh = _scenario(list(expected)).events_frame()
    frame = scenario.events_frame()
    for name in ("id", "title", "summary", "actors", "location", "actor_list", "time_ns"):
        assert frame[name].tolist() == fresh[name].tolist(), name


def test_an_edit_copies_one_chunk_only() -> None:
    scenario = _scenario([_event(i) for i in range(20_000)])  # chunks of 8,192 events
    table = scenario.table
    before = list(table._text["title"].chunks)
    table.replace(dataclasses.replace(table[9000], title="changed"))
    after = list(table._text["title"].chunks)
    assert len(after) == len(before)
    assert after[0] is not None and after[0].equals(before[0])
    assert after[0].buffers()[2].address == before[0].buffers()[2].address  # not copied
    assert table[9000].title == "changed" and table[8999].title == "Event number 8999"
