"""The model's briefing query and contract: key judgements (old and new forms), the record
of briefings, what changed since the last one (through the change log), staleness."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.model import Moment
from monitor.model.briefings import (
    BriefingRecord,
    briefing_records,
    event_counts,
    last_briefing,
    read_key_judgements,
    record_json,
    since_last,
    staleness,
    with_record,
)
from monitor.model.changelog import ChangeLog
from monitor.model.changes import ChangeError, entity_change, scenario_field_change, status_change
from monitor.model.entities import CrossingStatus
from monitor.model.errors import ScenarioError
from monitor.model.writer import event_json

from pdfcheck import scenario_from, small_json

BAGHDAD = timezone(timedelta(hours=3))
T1 = datetime(2024, 12, 1, 12, 0, tzinfo=BAGHDAD)
T2 = datetime(2024, 12, 4, 12, 0, tzinfo=BAGHDAD)
STRUCTURED = {
    "bluf": "The border stays shut.",
    "judgements": [
        {
            "text": "Qaim stays closed.",
            "likelihood": "likely",
            "confidence": "high",
            "source_ids": ["s1"],
        },
    ],
}


@pytest.fixture
def small():
    return scenario_from(copy.deepcopy(small_json()))


def test_key_judgements_load_in_the_old_and_the_new_form():
    for value in ("- Border stays shut.", ["One.", "Two."], STRUCTURED):
        obj = small_json()
        obj["key_judgements"] = value
        kj = read_key_judgements(scenario_from(obj).extra["key_judgements"])
        assert not kj.empty
    assert read_key_judgements(STRUCTURED).judgements[0].likelihood == "likely"
    assert read_key_judgements("- a").legacy == "- a"
    assert read_key_judgements(None).empty


@pytest.mark.parametrize(
    ("value", "where", "reason"),
    [
        (
            {**STRUCTURED, "judgements": [{**STRUCTURED["judgements"][0], "likelihood": "maybe"}]},
            "key_judgements.judgements[0].likelihood",
            "expected one of almost no chance",
        ),
        (
            {**STRUCTURED, "judgements": [{**STRUCTURED["judgements"][0], "source_ids": ["nope"]}]},
            "key_judgements.judgements[0].source_ids[0]",
            'unknown source id "nope"',
        ),
        (
            {**STRUCTURED, "judgements": STRUCTURED["judgements"] * 6},
            "key_judgements",
            "at most 5 key judgements",
        ),
        ({"nested": [1]}, "key_judgements", 'unknown field "nested"'),
    ],
)
def test_a_file_with_bad_key_judgements_is_refused_naming_the_place(value, where, reason):
    obj = small_json()
    obj["key_judgements"] = value
    with pytest.raises(ScenarioError) as err:
        scenario_from(obj)
    problems = [(p.where, p.reason) for p in err.value.problems]
    assert any(w == where and reason in r for w, r in problems), problems


def test_a_change_to_the_fields_follows_the_same_contract(small):
    log = ChangeLog(small)
    log.apply(scenario_field_change(small, "key_judgements", STRUCTURED))
    assert small.extra["key_judgements"] == STRUCTURED
    with pytest.raises(ChangeError, match="confidence"):
        bad = {**STRUCTURED, "judgements": [{**STRUCTURED["judgements"][0], "confidence": "x"}]}
        log.apply(scenario_field_change(small, "key_judgements", bad))
    with pytest.raises(ChangeError, match="ISO 8601"):
        log.apply(scenario_field_change(small, "briefings", [{"as_of": "soon", "produced": "x"}]))
    record = record_json(small, T1, T1, by="Ana")
    log.apply(scenario_field_change(small, "briefings", with_record(small, record)))
    assert [r.by for r in briefing_records(small)] == ["Ana"]
    # The record survives a save and a reload (it is part of the file).
    from monitor.model.writer import scenario_to_json

    again = scenario_from(json.loads(json.dumps(scenario_to_json(small))))
    assert briefing_records(again)[0].as_of == T1


def test_since_last_reads_the_toggle_made_after_the_last_briefing(small):
    """A briefing as of T1 is recorded; then a status change is recorded through the change
    log, and events are added and deleted: the next briefing's query sees all of it."""
    produced = datetime.now(UTC) - timedelta(minutes=5)
    log = ChangeLog(small)
    log.apply(
        scenario_field_change(small, "briefings", [record_json(small, T1, produced, by="Ana")])
    )
    previous = last_briefing(small, T2)
    assert previous is not None and previous.events == {"border": 1, "military": 1}
    # The toggle (effective after T1) and a late report (effective before T1, recorded now).
    log.apply(
        status_change(
            small,
            "qaim",
            CrossingStatus.OPEN,
            Moment(T2 - timedelta(hours=1)),
            by="Bo",
            source_ids=("s2",),
            note="Reopened",
        )
    )
    log.apply(
        status_change(
            small, "semalka", CrossingStatus.CLOSED, Moment(T1 - timedelta(days=2)), by="Cy"
        )
    )
    # An event before T1 withdrawn (deleted); e3 (2 Dec) is new in the period.
    gone = small.event("e1")
    log.apply(entity_change("event", "e1", event_json(gone), None))
    result = since_last(small, previous, T2)
    changes = [(c.crossing_id, c.before, c.after, c.by, c.late) for c in result.status_changes]
    assert changes == [
        ("semalka", CrossingStatus.OPEN, CrossingStatus.CLOSED, "Cy", True),  # late report
        ("semalka", CrossingStatus.CLOSED, CrossingStatus.RESTRICTED, "", False),  # in the file
        ("qaim", CrossingStatus.CLOSED, CrossingStatus.OPEN, "Bo", False),
    ]
    assert result.status_changes[2].source_ids == ("s2",)
    assert result.status_changes[2].note == "Reopened"
    trends = {t.crossing_id: t.suggested for t in result.crossings}
    # qaim closed -> open; semalka open (as the last briefing knew it) -> restricted.
    assert trends == {"qaim": "improved", "semalka": "deteriorated"}
    assert result.overall == "unchanged"
    cats = {c.category: (c.new, c.late, c.withdrawn) for c in result.categories}
    assert cats["military"] == (0, 0, 1)  # e1 was military, before T1: withdrawn
    assert cats["border"][0] == 1  # e3, 2 December
    assert result.counts_known


def test_since_last_without_a_record_of_counts_says_so(small):
    result = since_last(small, BriefingRecord(as_of=T1, produced=T1), T2)
    assert not result.counts_known
    assert result.new_events == 1
    assert [c.crossing_id for c in result.status_changes] == ["semalka"]  # 3 Dec restricted


def test_shares_in_percentage_points(small):
    result = since_last(
        small, BriefingRecord(as_of=T1, produced=T1), datetime(2024, 12, 6, tzinfo=BAGHDAD)
    )
    assert result.shares_dates is not None and result.shares_dates[1].isoformat() == "2024-12-05"
    gov = next(s for s in result.shares if s.faction_id == "gov")
    assert round(gov.delta, 1) == -8.4


def test_staleness_says_how_old_the_newest_figures_are(small):
    as_of = datetime(2024, 12, 20, tzinfo=BAGHDAD)
    stale = {s.what: s for s in staleness(small, as_of)}
    assert stale["territory figure"].day.isoformat() == "2024-12-05"
    assert stale["event"].age > timedelta(days=10)
    assert staleness(small, datetime(2024, 12, 5, 12, tzinfo=BAGHDAD)) == []


def test_event_counts_are_per_category(small):
    assert event_counts(small, T2) == {"border": 2, "military": 1}
