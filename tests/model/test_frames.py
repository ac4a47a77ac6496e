"""pandas views: the events frame, vectorised filtering, and the territory table."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest

from monitor.model import (
    Event,
    Faction,
    Location,
    Moment,
    Scenario,
    ScenarioInfo,
    TerritoryShare,
    Verification,
)
from monitor.model.frames import EVENT_COLUMNS, events_frame, filter_events, territory_frame
from monitor.model.timeutil import parse_moment, zone

BAGHDAD = zone("Asia/Baghdad")
SECOND = 1_000_000_000


def _edit(scenario, i, **changes):
    """Change event ``i`` (events are views of the table: edited through it)."""
    scenario.events.replace(dataclasses.replace(scenario.events[i], **changes))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ns(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp()) * SECOND


def rows(small, **criteria) -> list[str]:
    frame = small.events_frame()
    return [small.events[i].id for i in filter_events(frame, **criteria)]


# --------------------------------------------------------------------------- events frame
def test_one_row_per_event_in_file_order(small) -> None:
    small.events = small.table_of(list(small.events)[::-1])
    frame = events_frame(small)
    assert list(frame.columns) == list(EVENT_COLUMNS)
    assert frame["id"].tolist() == ["e4", "e3", "e2", "e1"]
    assert frame["title"].tolist()[0] == "City falls"


def test_times_are_utc_epoch_nanoseconds(small) -> None:
    frame = small.events_frame()
    assert frame["time_ns"].dtype == np.int64
    # e1 is day precision 2024-11-27 in Asia/Baghdad: the whole local day.
    assert frame["time_ns"][0] == ns("2024-11-27T00:00:00+03:00")
    assert frame["end_ns"][0] == ns("2024-11-28T00:00:00+03:00")
    assert bool(frame["day"][0]) and not bool(frame["day"][1])
    assert frame["time_ns"][1] == frame["end_ns"][1] == ns("2024-11-30T11:05:00+00:00")


def test_sub_second_and_pre_1970_times_are_exact(small) -> None:
    _edit(small, 0, time=parse_moment("2024-11-30T14:05:00.250000+03:00", BAGHDAD))
    _edit(small, 1, time=parse_moment("1969-12-31T23:59:59.500000Z", BAGHDAD))
    frame = small.events_frame()
    assert frame["time_ns"][0] == ns("2024-11-30T14:05:00+03:00") + 250_000_000
    assert frame["time_ns"][1] == -500_000_000


def test_grade_combines_reliability_and_credibility(small) -> None:
    frame = small.events_frame()
    # e1: its source s1 is B; e2: best of s1 (B) and s2 (C); e3: its own D; e4: no credibility.
    assert frame["grade"].tolist() == ["B1", "B2", "D5", "B?"]
    assert frame["reliability"].tolist() == ["B", "B", "D", "B"]


def test_actors_show_faction_names_and_free_names(small) -> None:
    frame = small.events_frame()
    assert frame["actors"].tolist() == ["Rebels; Government", "Iraqi JOC", "PMF", "Rebels"]
    assert frame["location"].tolist() == ["Aleppo countryside", "Al-Qaim", "", "Hama"]
    assert np.isnan(frame["lat"][2]) and frame["lat"][3] == pytest.approx(35.13)


def test_empty_scenario_gives_empty_frame() -> None:
    empty = Scenario(ScenarioInfo("x", "Empty", "Asia/Baghdad"))
    frame = events_frame(empty)
    assert list(frame.columns) == list(EVENT_COLUMNS)
    assert len(frame) == 0
    assert len(filter_events(frame, "anything", start=at("2024-01-01T00:00:00+00:00"))) == 0


# --------------------------------------------------------------------------- text filter
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["e1", "e2", "e3", "e4"]),
        ("   ", ["e1", "e2", "e3", "e4"]),
        ("offensive", ["e1"]),  # title
        ("north-west", ["e1"]),  # summary
        ("pmf", ["e3"]),  # free-text actor
        ("government", ["e1", "e2"]),  # faction display name of actor "gov" (e1), summary (e2)
        ("aleppo", ["e1"]),  # location name
        ("countryside", ["e1"]),
        ("hama", ["e4"]),  # summary and location
        ("HAMA", ["e4"]),  # case-insensitive
        ("Rebels hama", ["e4"]),  # every word must appear (AND) ...
        ("hama   rebels", ["e4"]),  # ... in any order, any spacing
        ("rebels aleppo", ["e1"]),  # words from different fields
        ("rebels border", []),
        ("qaim", ["e2"]),
        ("crossed,", ["e3"]),
        ("(", []),  # not a regular expression
        ("zzz", []),
    ],
)
def test_text_filter(small, text: str, expected: list[str]) -> None:
    assert rows(small, text=text) == expected


def test_text_filter_matches_renamed_faction(small) -> None:
    small.factions[2].name = "Kurdish-led SDF"
    _edit(small, 2, actors=["kur"])
    assert rows(small, text="sdf") == ["e3"]
    assert rows(small, text="kurdish-led") == ["e3"]


def test_text_filter_matches_arabic(small) -> None:
    _edit(small, 3, title="سقوط مدينة حماة")
    _edit(small, 3, location=Location("حماة", 35.13, 36.757))
    assert rows(small, text="حماة") == ["e4"]
    assert rows(small, text="سقوط حماة") == ["e4"]


def test_text_filter_folds_case_beyond_ascii(small) -> None:
    _edit(small, 0, title="Straße nach ΣΊΣΥΦΟΣ")
    assert rows(small, text="STRASSE") == ["e1"]
    assert rows(small, text="σίσυφος") == ["e1"]


def test_text_filter_is_literal_for_regex_characters(small) -> None:
    _edit(small, 1, title="Border [closed] (again?) *")
    assert rows(small, text="[closed]") == ["e2"]
    assert rows(small, text="(again?)") == ["e2"]
    assert rows(small, text="*") == ["e2"]
    assert rows(small, text=".*") == []


# ------------------------------------------------------------------ category / verification
def test_category_and_verification_filters(small) -> None:
    assert rows(small, categories=["border"]) == ["e2", "e3"]
    assert rows(small, categories=["military", "border"]) == ["e1", "e2", "e3", "e4"]
    assert rows(small, categories=[]) == []
    assert rows(small, categories=["no-such"]) == []
    assert rows(small, verifications=["confirmed"]) == ["e1", "e2"]
    assert rows(small, verifications=[Verification.DENIED, "reported"]) == ["e3", "e4"]
    assert rows(small, categories=["border"], verifications=["confirmed"]) == ["e2"]
    assert rows(small, text="rebels", categories={"military"}, verifications=("reported",)) == [
        "e4"
    ]


# --------------------------------------------------------------------------- date range
def test_day_precision_event_counts_as_whole_day(small) -> None:
    # e1 is 2024-11-27 in Baghdad: 2024-11-26T21:00Z .. 2024-11-27T21:00Z.
    assert "e1" in rows(small, start=at("2024-11-27T23:59:59+03:00"))
    assert "e1" not in rows(small, start=at("2024-11-28T00:00:00+03:00"))
    assert "e1" in rows(small, end=at("2024-11-27T00:00:00+03:00"))
    assert "e1" not in rows(small, end=at("2024-11-26T23:59:59+03:00"))
    assert rows(
        small, start=at("2024-11-27T12:00:00+03:00"), end=at("2024-11-27T13:00:00+03:00")
    ) == ["e1"]


def test_timed_event_range_is_inclusive_at_both_ends(small) -> None:
    e2 = at("2024-11-30T14:05:00+03:00")
    assert rows(small, start=e2, end=e2) == ["e2"]
    assert rows(small, start=e2 + timedelta(seconds=1), end=at("2024-12-01T00:00:00+03:00")) == []
    assert rows(small, start=at("2024-11-30T11:05:00+00:00")) == ["e2", "e3", "e4"]
    assert rows(small, end=e2 - timedelta(seconds=1)) == ["e1"]


def test_range_filter_agrees_with_events_between(small) -> None:
    frame = small.events_frame()
    rng = random.Random(3)
    first = at("2024-11-26T00:00:00+03:00")
    # Bounds fall on 30-minute steps and, often, exactly on an event's start or end.
    edges = [e.time.instant for e in small.events] + [e.time.end for e in small.events]
    for _ in range(300):
        a = (
            rng.choice(edges)
            if rng.random() < 0.4
            else first + timedelta(minutes=rng.randrange(0, 14 * 24 * 60, 30))
        )
        b = (
            rng.choice([x for x in edges if x >= a] or [a])
            if rng.random() < 0.4
            else a + timedelta(minutes=rng.randrange(0, 5 * 24 * 60, 30))
        )
        a = a.astimezone(rng.choice([UTC, BAGHDAD, timezone(timedelta(hours=-4))]))
        got = {small.events[i].id for i in filter_events(frame, start=a, end=b)}
        assert got == {e.id for e in small.events_between(a, b)}, (a, b)


def test_all_criteria_together(small) -> None:
    assert rows(
        small,
        text="border",
        categories=["border"],
        verifications=["confirmed", "denied"],
        start=at("2024-11-30T00:00:00+03:00"),
        end=at("2024-12-02T00:00:00+03:00"),
    ) == ["e2"]


# --------------------------------------------------------------------------- territory frame
@pytest.mark.filterwarnings("error")
def test_territory_frame_is_date_by_faction(small) -> None:
    small.territory.reverse()  # file order must not matter
    frame = territory_frame(small)
    assert list(frame.columns) == ["gov", "reb", "kur"]  # scenario faction order
    assert list(frame.index) == [date(2024, 11, 26), date(2024, 12, 5)]
    assert frame.loc[date(2024, 11, 26)].tolist() == [63.38, 10.98, 25.64]
    assert frame.loc[date(2024, 12, 5)].tolist() == [55.0, 20.0, 25.0]
    est = frame.attrs["estimated"]
    assert est.shape == frame.shape
    assert est.loc[date(2024, 11, 26)].tolist() == [False, False, False]
    assert est.loc[date(2024, 12, 5)].tolist() == [True, True, True]


@pytest.mark.filterwarnings("error")  # pandas deprecations here become errors in pandas 4
def test_territory_frame_missing_cells_are_zero(small) -> None:
    small.territory = [
        t for t in small.territory if not (t.faction == "reb" and t.date == date(2024, 12, 5))
    ]
    small.factions.append(Faction("new", "Newcomers", "#123456"))
    frame = territory_frame(small)
    assert list(frame.columns) == ["gov", "reb", "kur", "new"]
    assert frame.loc[date(2024, 12, 5), "reb"] == 0.0
    assert frame["new"].tolist() == [0.0, 0.0]
    assert not frame.attrs["estimated"].loc[date(2024, 12, 5), "reb"]


def test_territory_frame_without_territory(small) -> None:
    small.territory = []
    frame = territory_frame(small)
    assert list(frame.columns) == ["gov", "reb", "kur"]
    assert len(frame) == 0
    assert frame.attrs["estimated"].shape == frame.shape  # same contract as with data


def test_territory_frame_one_faction_one_date() -> None:
    s = Scenario(
        ScenarioInfo("x", "X", "UTC"),
        factions=[Faction("a", "A", "#000000")],
        territory=[TerritoryShare(date(2024, 1, 1), "a", 100, [], False)],
    )
    frame = territory_frame(s)
    assert frame.to_dict() == {"a": {date(2024, 1, 1): 100.0}}


def test_filter_on_many_events_matches_a_plain_python_filter() -> None:
    tz = BAGHDAD
    start = datetime(2024, 11, 1, tzinfo=tz)
    events = [
        Event(
            id=f"e{i}",
            time=Moment(start + timedelta(minutes=7 * i))
            if i % 3
            else Moment.of_day(date(2024, 11, 1) + timedelta(days=i // 500), tz),
            title=f"Event number {i}",
            category=("border", "military")[i % 2],
            actors=["a"],
            source_ids=[],
            verification=Verification.REPORTED,
            summary="Shelling near Qaim" if i % 10 == 0 else None,
        )
        for i in range(20_000)
    ]
    s = Scenario(
        ScenarioInfo("big", "Big", "Asia/Baghdad"),
        factions=[Faction("a", "Alpha", "#000000")],
        events=events,
    )
    frame = events_frame(s)
    lo, hi = start + timedelta(days=10), start + timedelta(days=30)
    hits = filter_events(frame, "qaim shelling", categories=["border"], start=lo, end=hi)
    in_range = {e.id for e in s.events_between(lo, hi)}
    expected = [i for i, e in enumerate(events) if i % 10 == 0 and e.id in in_range]
    assert 0 < len(expected) < 2000
    assert hits.tolist() == expected
