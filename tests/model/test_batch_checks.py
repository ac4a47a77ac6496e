"""A batch of new events (an import) is checked in one pass, and refused exactly as the
changes would be one by one: the same change, the same reason, nothing applied. Its values
are encoded once; the journal writes the same lines as before and they recover the batch."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from samples import NEW_EVENT

from monitor.model import dumps_scenario, load_scenario
from monitor.model.batch import check_new_events, keep_json, take_json
from monitor.model.changelog import ChangeLog
from monitor.model.changes import EVENT, Change, ChangeError, check_shape, entity_change
from monitor.model.journal import Journal, batch_lines, find_recoveries

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.json"
EVENT_JSON = {**NEW_EVENT, "id": "n0"}


def _new(i: int, **extra: object) -> Change:
    return entity_change(EVENT, f"n{i}", None, {**EVENT_JSON, "id": f"n{i}", **extra})


def _batch(n: int = 8) -> list[Change]:
    return [_new(i) for i in range(n)]


def _saved(scenario) -> dict:
    return json.loads(dumps_scenario(scenario))


BAD = {
    "an empty key": lambda c: dataclasses.replace(c, key=" ", after={**c.after, "id": " "}),
    "a key too long": lambda c: dataclasses.replace(c, key="k" * 1001,
                                                    after={**c.after, "id": "k" * 1001}),
    "an empty id": lambda c: dataclasses.replace(c, id=""),
    "a label too long": lambda c: dataclasses.replace(c, label="x" * 501),
    "a lone surrogate in the author": lambda c: dataclasses.replace(c, author="a\ud800"),
    "a lone surrogate in the label": lambda c: dataclasses.replace(c, label="\udfffx"),
    "a time that is not ISO": lambda c: dataclasses.replace(c, recorded="yesterday"),
    "a lone surrogate in the time": lambda c: dataclasses.replace(
        c, recorded="2024-12-06T08:30:00+00:00\ud800"),
    "a lone surrogate in the key": lambda c: dataclasses.replace(
        c, key="n\udc00", after={**c.after, "id": "n\udc00"}),
    "a reverts that is not text": lambda c: dataclasses.replace(c, reverts=5),
    "a label that is not text": lambda c: dataclasses.replace(c, label=None),
    "a place": lambda c: dataclasses.replace(c, place={"index": 0, "next": None}),
    "a value that is a list": lambda c: dataclasses.replace(c, after=[c.after]),
    "another id in the value": lambda c: dataclasses.replace(c, after={**c.after, "id": "zz"}),
    "a NaN in the value": lambda c: dataclasses.replace(c, after={**c.after, "x": float("nan")}),
    "a tuple in the value": lambda c: dataclasses.replace(c, after={**c.after, "actors": ("g",)}),
}


@pytest.mark.parametrize("what", sorted(BAD))
def test_a_bad_change_in_a_batch_is_refused_as_one_by_one(what) -> None:
    scenario = load_scenario(SMALL)
    before = _saved(scenario)
    batch = _batch()
    batch[5] = BAD[what](batch[5])
    with pytest.raises(ChangeError) as alone:
        check_shape(batch[5])
    with pytest.raises(ChangeError) as together:
        ChangeLog(scenario).apply_batch(batch)
    assert str(together.value) == str(alone.value)
    assert _saved(scenario) == before


def test_the_first_bad_change_in_order_is_the_one_named() -> None:
    batch = _batch()
    batch[6] = BAD["a label too long"](batch[6])  # found by the quick pass first...
    batch[2] = BAD["a NaN in the value"](batch[2])  # ...but this one comes first
    with pytest.raises(ChangeError, match="not a JSON number"):
        check_new_events(batch)


def test_an_id_already_taken_or_created_twice_is_refused_naming_the_change() -> None:
    scenario = load_scenario(SMALL)
    before = _saved(scenario)
    batch = _batch()
    batch[3] = entity_change(EVENT, "e2", None, {**EVENT_JSON, "id": "e2"})  # in small.json
    with pytest.raises(ChangeError, match='change 4 of the batch: event "e2" already exists'):
        ChangeLog(scenario).apply_batch(batch)
    batch = [*_batch(), _new(2)]
    with pytest.raises(ChangeError, match="an event id is created twice"):
        ChangeLog(scenario).apply_batch(batch)
    assert _saved(scenario) == before


def test_a_value_the_quick_pass_cannot_vouch_for_is_still_accepted_when_it_fits() -> None:
    class Text(str):
        pass

    scenario = load_scenario(SMALL)
    batch = _batch()
    batch[1] = dataclasses.replace(batch[1], label=Text("Add an event"))
    assert ChangeLog(scenario).apply_batch(batch) == 8
    assert scenario.event("n7").title == EVENT_JSON["title"]


def test_the_batch_journal_lines_are_the_changes_json(tmp_path) -> None:
    import msgspec

    changes = [*_batch(3), dataclasses.replace(_new(3), reverts="r1"),
               dataclasses.replace(_new(4), reverts="r2", place={"index": 1, "next": None})]
    expected = [msgspec.json.encode({"change": c.to_json()}) + b"\n" for c in changes]
    assert b"".join(batch_lines(changes)) == b"".join(expected)  # nothing kept: encoded
    keep_json(changes[1:4], [msgspec.json.encode(c.after) for c in changes[1:4]])
    assert b"".join(batch_lines(changes)) == b"".join(expected)  # kept: the same bytes
    assert take_json(changes) == [None] * 5  # taken once, then dropped
    keep_json(changes[:1], [b'{ "id": "n0" }'])  # (other bytes: to see that they are used)
    line = b"".join(batch_lines(changes[:1]))
    assert b'"after":{ "id": "n0" },"label":' in line and json.loads(line)["change"]["key"] == "n0"


def test_a_kept_encoding_is_used_only_for_the_same_change() -> None:
    change, later = _new(0), _new(1)
    keep_json([change, later], [b'{"id":"n0"}', b'{"id":"n1"}'])
    other = dataclasses.replace(change, after={**change.after})  # equal, another object
    assert take_json([other, later]) == [None, b'{"id":"n1"}']
    keep_json([change, later], [b'{"id":"n0"}', b'{"id":"n1"}'])
    assert take_json([later, change]) == [b'{"id":"n1"}', b'{"id":"n0"}']
    keep_json([change], [b'{"id":"n0"}'])
    ChangeLog(load_scenario(SMALL)).apply(_new(7))  # another edit: the kept are dropped
    assert take_json([change]) == [None]


def _journalled(tmp_path: Path, monkeypatch=None) -> tuple[Path, list[Change]]:
    scenario_path = tmp_path / "s.json"
    scenario_path.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    scenario = load_scenario(scenario_path)
    changes = [_new(i, summary=f"ü «{i}» \U0001F600 \"q\"") for i in range(40)]
    ChangeLog(scenario).apply_batch(changes)
    journal = Journal(scenario_path, user="ana", base_sha256="base")
    journal.append_many(changes)
    journal.close()
    return scenario_path, changes


def test_an_applied_batch_is_journalled_and_recovered_whole(tmp_path) -> None:
    path, changes = _journalled(tmp_path)
    lines = (tmp_path / next(p.name for p in tmp_path.iterdir() if p.suffix == ".journal"))
    for line in lines.read_bytes().splitlines()[1:]:
        json.loads(line)  # every line is JSON
    found = find_recoveries(path, "base")
    assert len(found) == 1 and not found[0].problem
    assert [c.to_json() for c in found[0].changes] == [c.to_json() for c in changes]
    scenario = load_scenario(path)
    ChangeLog(scenario).apply_batch(found[0].changes)
    assert scenario.event("n39").summary == changes[39].after["summary"]
    found[0].release()


def test_a_batch_written_in_small_pieces_is_whole(tmp_path, monkeypatch) -> None:
    real = os.writev

    def few_bytes(fd, buffers):  # a write that takes at most 7 bytes at a time
        return real(fd, [bytes(memoryview(buffers[0])[:7])])

    monkeypatch.setattr(os, "writev", few_bytes)
    path, changes = _journalled(tmp_path)
    monkeypatch.setattr(os, "writev", real)
    found = find_recoveries(path, "base")
    assert [c.to_json() for c in found[0].changes] == [c.to_json() for c in changes]
    found[0].release()


DELETION_BAD = ["an empty id", "a label too long", "a lone surrogate in the author",
                "a lone surrogate in the label", "a time that is not ISO",
                "a lone surrogate in the time", "a reverts that is not text",
                "a label that is not text", "a place"]


@pytest.mark.parametrize("what", DELETION_BAD)
def test_a_bad_deletion_in_an_undone_batch_is_refused_as_one_by_one(what) -> None:
    scenario = load_scenario(SMALL)
    log = ChangeLog(scenario)
    batch = _batch()
    log.apply_batch(batch)
    applied = _saved(scenario)
    undo = [c.inverse() for c in reversed(batch)]
    undo[5] = BAD[what](undo[5])
    with pytest.raises(ChangeError) as alone:
        check_shape(undo[5])
    with pytest.raises(ChangeError) as together:
        log.apply_batch(undo)
    assert str(together.value) == str(alone.value)
    assert _saved(scenario) == applied  # every new event still there


def test_an_undone_batch_whose_before_is_not_the_event_is_refused_naming_it() -> None:
    scenario = load_scenario(SMALL)
    log = ChangeLog(scenario)
    batch = _batch()
    log.apply_batch(batch)
    undo = [c.inverse() for c in reversed(batch)]
    undo[2] = dataclasses.replace(undo[2], before={**undo[2].before, "title": "other"})
    with pytest.raises(ChangeError, match='change 3 of the batch: event "n5" is not what'):
        log.apply_batch(undo)
    assert len(scenario.events) == 12
    log.apply_batch([c.inverse() for c in reversed(batch)])  # the true undo
    assert len(scenario.events) == 4 and scenario.event("n0") is None
