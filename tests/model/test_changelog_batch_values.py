"""A batch of new events (an import) has its values checked as plain JSON together: a
value a scenario file cannot hold, anywhere in the run, refuses the whole batch, saying why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from samples import NEW_EVENT

from monitor.model import dumps_scenario, load_scenario
from monitor.model.changelog import ChangeLog
from monitor.model.changes import EVENT, ChangeError, entity_change

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.json"
EVENT_JSON = NEW_EVENT


def _deep() -> object:
    v: object = "x"
    for _ in range(80):
        v = [v]
    return v


@pytest.mark.parametrize(("extra", "why"), [
    ({"note": float("nan")}, "not a JSON number"),
    ({"note": ("a", "b")}, "cannot be stored"),
    ({"note": "a\ud800b"}, "unpaired surrogate"),
    ({"note\ud800": 1}, "unpaired surrogate"),
    ({"note": {1: "x"}}, "key must be text"),
    ({"note": _deep()}, "nested more than"),
])
def test_a_value_a_file_cannot_hold_refuses_the_whole_batch(extra, why) -> None:
    scenario = load_scenario(SMALL)
    before = json.loads(dumps_scenario(scenario))
    batch = [entity_change(EVENT, f"n{i}", None, {**EVENT_JSON, "id": f"n{i}"})
             for i in range(30)]
    batch[17] = entity_change(EVENT, "n17", None, {**EVENT_JSON, "id": "n17", **extra})
    with pytest.raises(ChangeError, match=why):
        ChangeLog(scenario).apply_batch(batch)
    assert json.loads(dumps_scenario(scenario)) == before


def test_plain_values_with_brackets_in_text_pass() -> None:
    scenario = load_scenario(SMALL)
    text = "[{" * 100  # brackets inside a string are not nesting
    batch = [entity_change(EVENT, f"n{i}", None, {**EVENT_JSON, "id": f"n{i}", "summary": text})
             for i in range(3)]
    assert ChangeLog(scenario).apply_batch(batch) == 3
    assert scenario.event("n2").summary == text


@pytest.mark.parametrize(("after", "why"), [
    (["not", "an", "object"], "must be an object"),
    ({**EVENT_JSON, "id": "other"}, "id must be"),
])
def test_a_new_event_whose_value_does_not_fit_its_key_refuses_the_batch(after, why) -> None:
    scenario = load_scenario(SMALL)
    before = json.loads(dumps_scenario(scenario))
    batch = [entity_change(EVENT, f"n{i}", None, {**EVENT_JSON, "id": f"n{i}"})
             for i in range(5)]
    batch[3] = entity_change(EVENT, "n3", None, after)
    with pytest.raises(ChangeError, match=why):
        ChangeLog(scenario).apply_batch(batch)
    assert json.loads(dumps_scenario(scenario)) == before
