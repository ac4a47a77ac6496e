"""The change log: every kind of edit addressed by id, validated by the file's rules,
idempotent, undone by a new inverse change, round-tripped as JSON, merged without loss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from samples import NEW_EVENT

from monitor.model import CrossingStatus, Moment, dumps_scenario, load_scenario, scenario_from_json
from monitor.model.changelog import ChangeLog, entity_json
from monitor.model.changes import (
    CROSSING,
    EVENT,
    FACTION,
    SOURCE,
    STATUS,
    TERRITORY,
    Change,
    ChangeError,
    delete_entry,
    edit_entry,
    entity_change,
    scenario_field_change,
    status_change,
)

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.json"



@pytest.fixture
def scenario():
    return load_scenario(SMALL)


def _saved(scenario) -> dict:
    """What a save would write, read back (the state a user would see after reopening)."""
    return json.loads(dumps_scenario(scenario))


def _picture(scenario) -> dict:
    """The saved content, with events by id and each history as a set: what the analyst
    sees (file order of events and of status entries is not part of the picture)."""
    d = _saved(scenario)
    d["events"] = sorted(d["events"], key=lambda e: e["id"])
    for c in d["crossings"]:
        c["history"] = sorted(c["history"], key=lambda h: json.dumps(h, sort_keys=True))
    return d


def _picture_of(saved: dict) -> dict:
    return _picture(scenario_from_json(saved))


def _roundtrip(change: Change) -> Change:
    return Change.from_json(json.loads(json.dumps(change.to_json())))


def test_every_change_has_an_id_an_author_and_a_recorded_time(scenario) -> None:
    a = status_change(
        scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), by="Analyst One"
    )
    b = status_change(
        scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), by="Analyst One"
    )
    assert a.id != b.id and len(a.id) == 36
    assert a.author == "Analyst One" and a.recorded.endswith("+00:00")
    assert (a.entity, a.key) == (STATUS, "qaim")
    assert _roundtrip(a) == a


@pytest.mark.parametrize(
    "make",
    [
        lambda s: entity_change(EVENT, "e9", None, NEW_EVENT),
        lambda s: entity_change(
            EVENT,
            "e2",
            entity_json(s, EVENT, "e2"),
            {**entity_json(s, EVENT, "e2"), "title": "Crossing sealed"},
        ),
        lambda s: entity_change(EVENT, "e3", entity_json(s, EVENT, "e3"), None),
        lambda s: entity_change(
            SOURCE,
            "s3",
            None,
            {"id": "s3", "title": "T", "publisher": "P", "url": "https://example.org/3"},
        ),
        lambda s: entity_change(
            SOURCE,
            "s1",
            entity_json(s, SOURCE, "s1"),
            {**entity_json(s, SOURCE, "s1"), "reliability": "A"},
        ),
        lambda s: entity_change(
            FACTION, "tri", None, {"id": "tri", "name": "Tribal forces", "color": "#8e44ad"}
        ),
        lambda s: entity_change(
            FACTION,
            "reb",
            entity_json(s, FACTION, "reb"),
            {**entity_json(s, FACTION, "reb"), "name": "HTS-led rebels"},
        ),
        lambda s: entity_change(
            CROSSING,
            "rabia",
            None,
            {
                "id": "rabia",
                "name": "Rabia – Al-Yarubiyah",
                "sides": [
                    {"country": "Iraq", "place": "Rabia"},
                    {"country": "Syria", "place": "Al-Yarubiyah"},
                ],
                "location": {"lat": 36.8, "lon": 42.1},
                "kind": "official",
            },
        ),
        lambda s: entity_change(
            CROSSING,
            "qaim",
            entity_json(s, CROSSING, "qaim"),
            {**entity_json(s, CROSSING, "qaim"), "name_local": "القائم"},
        ),
        lambda s: entity_change(
            TERRITORY,
            "2024-12-05/gov",
            entity_json(s, TERRITORY, "2024-12-05/gov"),
            {**entity_json(s, TERRITORY, "2024-12-05/gov"), "share_pct": 50},
        ),
        lambda s: status_change(
            s, "semalka", CrossingStatus.CLOSED, Moment.now(s.tz), note="Flooded"
        ),
        lambda s: edit_entry(
            "Semalka", "semalka", s.crossing("semalka").history[1], note="Aid only"
        ),
        lambda s: delete_entry("Qaim", "qaim", s.crossing("qaim").history[0]),
        lambda s: scenario_field_change(s, "key_judgements", "- The border stays shut."),
    ],
    ids=[
        "event+",
        "event~",
        "event-",
        "source+",
        "source~",
        "faction+",
        "faction~",
        "crossing+",
        "crossing~",
        "territory~",
        "status+",
        "status~",
        "status-",
        "judgements",
    ],
)
def test_each_kind_of_edit_applies_saves_and_undoes_exactly(scenario, make) -> None:
    before = _saved(scenario)
    log = ChangeLog(scenario)
    change = _roundtrip(make(scenario))  # as replayed from a journal
    assert log.apply(change) is not None
    after = _saved(scenario)
    assert after != before
    scenario_from_json(after)  # the result is a valid file
    assert log.apply(change) is None  # the same change again: nothing happens
    assert _saved(scenario) == after
    log.apply(change.inverse())
    assert _picture(scenario) == _picture_of(before)


def test_an_event_edit_changes_only_the_fields_it_names(scenario) -> None:
    mine = ChangeLog(scenario)
    e2 = entity_json(scenario, EVENT, "e2")
    a = entity_change(EVENT, "e2", e2, {**e2, "verification": "disputed"})
    b = entity_change(EVENT, "e2", e2, {**e2, "title": "Crossing sealed by JOC"})
    mine.apply(a)
    # b was made on a view without a; strictly it no longer fits...
    with pytest.raises(ChangeError, match=r"not what the change expects|verification"):
        ChangeLog(scenario).check(entity_change(EVENT, "e2", e2, {**e2, "verification": "denied"}))
    # ...but merged, both analysts' edits survive, and the merge says it was concurrent.
    theirs = load_scenario(SMALL)
    ChangeLog(theirs).apply(b)
    merged = mine.merge([b])
    assert len(merged) == 1 and merged[0].concurrent == ()
    e = scenario.event("e2")
    assert (e.verification.value, e.title) == ("disputed", "Crossing sealed by JOC")


def test_two_logs_merged_either_way_give_the_same_picture(scenario) -> None:
    other = load_scenario(SMALL)
    a = [
        status_change(scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), note="A1"),
        entity_change(EVENT, "e9", None, NEW_EVENT),
    ]
    b = [
        status_change(other, "qaim", CrossingStatus.RESTRICTED, Moment.now(other.tz), note="B1"),
        scenario_field_change(other, "key_judgements", "B's judgement"),
    ]
    log_a, log_b = ChangeLog(scenario), ChangeLog(other)
    for c in a:
        log_a.apply(c)
    for c in b:
        log_b.apply(c)
    log_a.merge(b)
    log_b.merge(a)
    assert _saved(scenario) == _saved(other)  # the same bytes, not just the same picture
    notes = {h.note for h in scenario.crossing("qaim").history}
    assert {"A1", "B1"} <= notes  # neither side lost


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda s: entity_change(EVENT, "e9", None, {**NEW_EVENT, "source_ids": ["nope"]}), "nope"),
        (
            lambda s: entity_change(EVENT, "e9", None, {**NEW_EVENT, "verification": "rumour"}),
            "verification",
        ),
        (lambda s: entity_change(EVENT, "e1", None, {**NEW_EVENT, "id": "e1"}), "already exists"),
        (lambda s: entity_change(EVENT, "e9", None, {**NEW_EVENT, "time": "2024-13-40"}), "time"),
        (lambda s: entity_change(EVENT, "e9", None, {**NEW_EVENT, "id": "other"}), "id must be"),
        (
            lambda s: entity_change(SOURCE, "s1", entity_json(s, SOURCE, "s1"), None),
            "cited by event",
        ),
        (lambda s: entity_change(FACTION, "gov", entity_json(s, FACTION, "gov"), None), "gov"),
        (
            lambda s: entity_change(CROSSING, "qaim", entity_json(s, CROSSING, "qaim"), None),
            "status entries",
        ),
        (
            lambda s: entity_change(
                TERRITORY,
                "2024-12-05/gov",
                entity_json(s, TERRITORY, "2024-12-05/gov"),
                {**entity_json(s, TERRITORY, "2024-12-05/gov"), "share_pct": 90},
            ),
            "100%",
        ),
        (lambda s: Change("scenario", "events", None, []), "cannot be changed"),
        (lambda s: Change("scenario", "schema_version", 1, 2), "cannot be changed"),
        (lambda s: Change("people", "x", None, {}), "unknown entity"),
        (lambda s: scenario_field_change(s, "key_judgements", {"a": 1}), "key_judgements"),
    ],
)
def test_a_change_the_rules_refuse_changes_nothing_and_says_why(scenario, make, reason) -> None:
    before = _saved(scenario)
    with pytest.raises(ChangeError, match=reason):
        ChangeLog(scenario).apply(make(scenario))
    assert _saved(scenario) == before


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda d: d.pop("id"), "missing field"),
        (lambda d: d.update(key=["k"]), "must be text"),
        (lambda d: d.update(extra=1), "unknown field"),
        (lambda d: d.update(recorded="yesterday"), "ISO 8601"),
        (lambda d: d.update(after={"note": float("nan")}), "not a JSON number"),
    ],
)
def test_from_json_refuses_anything_that_is_not_exactly_a_change(scenario, mutate, reason) -> None:
    d = status_change(scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz)).to_json()
    mutate(d)
    with pytest.raises(ChangeError, match=reason):
        Change.from_json(d)


def test_deep_nesting_is_refused_without_exhausting_the_stack(scenario) -> None:
    deep: object = "x"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ChangeError, match="nested more than"):
        ChangeLog(scenario).apply(scenario_field_change(scenario, "key_judgements", deep))


def test_a_batch_of_new_events_is_checked_once_and_is_all_or_nothing(scenario) -> None:
    log = ChangeLog(scenario)
    new = [entity_change(EVENT, f"n{i}", None, {**NEW_EVENT, "id": f"n{i}"}) for i in range(50)]
    assert log.apply_batch(new) == 50
    assert len(scenario.events) == 54 and scenario.event("n49").title == NEW_EVENT["title"]
    assert log.apply_batch(new) == 0  # the same changes again: nothing
    before = _saved(scenario)
    bad = [entity_change(EVENT, f"m{i}", None, {**NEW_EVENT, "id": f"m{i}"}) for i in range(5)]
    bad.append(entity_change(EVENT, "m5", None, {**NEW_EVENT, "id": "m5", "source_ids": ["nope"]}))
    with pytest.raises(ChangeError, match="nope"):
        log.apply_batch([scenario_field_change(scenario, "key_judgements", "x"), *bad])
    assert _saved(scenario) == before  # nothing of the refused batch stayed
