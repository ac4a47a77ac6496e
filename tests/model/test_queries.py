"""Time queries on the scenario: crossing status as of a time, events in a range, territory, DTG."""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.model import Crossing, CrossingKind, CrossingStatus, Location, Moment, StatusEntry
from monitor.model.timeutil import format_moment, format_utc, military_dtg, parse_moment

BAGHDAD = ZoneInfo("Asia/Baghdad")
PLUS3 = timezone(timedelta(hours=3))
UTC = UTC
US = timedelta(microseconds=1)
OPEN, CLOSED, RESTRICTED = CrossingStatus.OPEN, CrossingStatus.CLOSED, CrossingStatus.RESTRICTED


def _edit(scenario, i, **changes):
    """Change event ``i`` (events are views of the table: edited through it)."""
    scenario.events.replace(dataclasses.replace(scenario.events[i], **changes))


def at(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


def entry(
    time: str, status: CrossingStatus, recorded: str | None = None, note: str | None = None
) -> StatusEntry:
    return StatusEntry(
        time=parse_moment(time, BAGHDAD),
        status=status,
        recorded_at=parse_moment(recorded, BAGHDAD) if recorded else None,
        note=note,
    )


def crossing(*history: StatusEntry) -> Crossing:
    return Crossing(
        id="x",
        name="X",
        sides=[],
        location=Location(lat=34.0, lon=41.0),
        kind=CrossingKind.OFFICIAL,
        history=tuple(history),
    )


# --------------------------------------------------------------------------- crossing status
def test_status_before_first_entry_is_unknown(small) -> None:
    qaim = small.crossing("qaim")  # history in the file: 2024-11-30 closed, then 2019-09-30 open
    assert qaim.status_at(at("2019-09-29T23:59:59.999999+03:00")) is None
    assert qaim.entry_at(at("2000-01-01T00:00:00+00:00")) is None
    assert qaim.status_at(at("2019-09-30T00:00:00+03:00")) == OPEN


def test_day_precision_entry_starts_at_local_midnight_in_scenario_zone(small) -> None:
    qaim = small.crossing("qaim")
    midnight_baghdad = at("2024-11-30T00:00:00+03:00")
    assert midnight_baghdad == at("2024-11-29T21:00:00+00:00")
    assert qaim.status_at(midnight_baghdad - US) == OPEN
    assert qaim.status_at(midnight_baghdad) == CLOSED
    assert qaim.status_at(at("2024-11-29T21:00:00+00:00")) == CLOSED  # same instant, other offset
    assert qaim.status_at(at("2024-11-29T23:30:00+02:00")) == CLOSED  # 00:30 in Baghdad
    assert qaim.status_at(at("2024-11-29T22:59:59+02:00")) == OPEN  # 23:59:59 in Baghdad


def test_status_exactly_at_change_time_is_the_new_status(small) -> None:
    semalka = small.crossing("semalka")  # restricted from 2024-12-03T10:00:00+03:00
    change = at("2024-12-03T10:00:00+03:00")
    assert semalka.status_at(change) == RESTRICTED
    assert semalka.status_at(at("2024-12-03T07:00:00+00:00")) == RESTRICTED
    assert semalka.status_at(change - US) == OPEN
    assert semalka.status_at(at("2030-01-01T00:00:00+00:00")) == RESTRICTED
    assert semalka.entry_at(change).note == "Humanitarian only"


HISTORY = [
    entry("2024-01-01", OPEN, note="a"),
    entry("2024-11-30", CLOSED, note="b"),
    entry("2024-12-03T10:00:00+03:00", RESTRICTED, note="c"),
    entry("2024-12-08T06:30:00Z", OPEN, note="d"),
]
PROBES = {
    "2023-12-31T23:59:59+03:00": None,
    "2024-01-01T00:00:00+03:00": "a",
    "2024-11-29T20:59:59+00:00": "a",
    "2024-11-30T00:00:00+03:00": "b",
    "2024-12-03T06:59:59.999999+00:00": "b",
    "2024-12-03T10:00:00+03:00": "c",
    "2024-12-08T09:29:59+03:00": "c",
    "2024-12-08T09:30:00+03:00": "d",
    "2025-06-01T00:00:00+00:00": "d",
}


def test_status_does_not_depend_on_history_order() -> None:
    for order in itertools.permutations(HISTORY):
        c = crossing(*order)
        for probe, expected in PROBES.items():
            got = c.entry_at(at(probe))
            assert (got.note if got else None) == expected, (probe, [e.note for e in order])
        assert [e.note for e in c.timeline()] == ["a", "b", "c", "d"]


def test_shuffled_long_history_matches_sorted_history() -> None:
    rng = random.Random(7)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    history = [
        StatusEntry(
            Moment(start + timedelta(hours=7 * i)), rng.choice(list(CrossingStatus)), note=str(i)
        )
        for i in range(300)
    ]
    shuffled = history[:]
    rng.shuffle(shuffled)
    ordered, mixed = crossing(*history), crossing(*shuffled)
    for k in range(0, 300 * 7, 5):
        t = start + timedelta(hours=k)
        assert mixed.entry_at(t) is ordered.entry_at(t)
        assert mixed.entry_at(t).note == str(k // 7)


def test_same_time_entries_latest_recorded_wins_whatever_the_order() -> None:
    early = entry("2024-12-01T12:00:00+03:00", CLOSED, recorded="2024-12-01T12:05:00+03:00")
    correction = entry(
        "2024-12-01T12:00:00+03:00", RESTRICTED, recorded="2024-12-02T08:00:00+03:00"
    )
    for order in ([early, correction], [correction, early]):
        c = crossing(entry("2024-01-01", OPEN), *order)
        assert c.status_at(at("2024-12-01T12:00:00+03:00")) == RESTRICTED
        assert c.previous_entry(correction) is early


def test_editing_history_updates_the_answer() -> None:
    c = crossing(entry("2024-01-01", OPEN))
    t = at("2024-12-05T00:00:00+03:00")
    assert c.status_at(t) == OPEN
    c.history = (*c.history, entry("2024-12-04", CLOSED))
    assert c.status_at(t) == CLOSED
    c.history = c.history[:1]
    assert c.status_at(t) == OPEN


def test_empty_history_is_always_unknown() -> None:
    c = crossing()
    assert c.status_at(at("2024-12-01T00:00:00+00:00")) is None
    assert c.timeline() == []


def test_statuses_at_gives_every_crossing(small) -> None:
    assert small.statuses_at(at("2024-12-01T00:00:00+03:00")) == {"qaim": CLOSED, "semalka": OPEN}
    assert small.statuses_at(at("2019-01-01T00:00:00+03:00")) == {"qaim": None, "semalka": None}


def test_previous_entry(small) -> None:
    qaim = small.crossing("qaim")
    closed, opened = qaim.history  # file order: closed first
    assert qaim.previous_entry(closed) is opened
    assert qaim.previous_entry(opened) is None


# Property: status_at agrees with a brute-force reading of the rule over random histories.
_OFFSETS = [
    UTC,
    PLUS3,
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
]
_BASE = datetime(2024, 11, 20, tzinfo=UTC)


@st.composite
def _entries(draw) -> StatusEntry:
    if draw(st.booleans()):
        moment = Moment.of_day(
            date(2024, 11, 20) + timedelta(days=draw(st.integers(0, 20))), BAGHDAD
        )
    else:
        # Coarse steps so that equal times (ties) happen often.
        utc = _BASE + timedelta(hours=3 * draw(st.integers(-8, 170)))
        moment = Moment(utc.astimezone(draw(st.sampled_from(_OFFSETS))))
    recorded = draw(st.one_of(st.none(), st.integers(0, 5)))
    return StatusEntry(
        time=moment,
        status=draw(st.sampled_from(list(CrossingStatus))),
        recorded_at=Moment(_BASE + timedelta(days=30 + recorded)) if recorded is not None else None,
    )


def _reference(history: list[StatusEntry], when: datetime) -> StatusEntry | None:
    """Last entry with time <= when; ties by recorded_at (missing = earliest), then list order."""
    best, best_key = None, None
    for i, e in enumerate(history):
        if e.time.instant > when:
            continue
        recorded = e.recorded_at.instant if e.recorded_at else datetime.min.replace(tzinfo=UTC)
        key = (e.time.instant, recorded, i)
        if best_key is None or key > best_key:
            best, best_key = e, key
    return best


@settings(max_examples=150, deadline=None)
@given(
    history=st.lists(_entries(), max_size=12),
    queries=st.lists(
        st.tuples(st.integers(-10 * 24 * 60, 35 * 24 * 60), st.sampled_from(_OFFSETS)),
        min_size=1,
        max_size=8,
    ),
    at_entries=st.booleans(),
)
def test_status_at_agrees_with_brute_force(history, queries, at_entries) -> None:
    c = crossing(*history)
    times = [(_BASE + timedelta(minutes=m)).astimezone(tz) for m, tz in queries]
    if at_entries:  # exactly at, and just before, every change
        times += [e.time.instant for e in history] + [e.time.instant - US for e in history]
    for when in times:
        expected = _reference(history, when)
        assert c.entry_at(when) is expected
        assert c.status_at(when) == (expected.status if expected else None)


# --------------------------------------------------------------------------- events in a range
def ids(events) -> list[str]:
    return [e.id for e in events]


def test_events_between_open_bounds_returns_all_in_time_order(small) -> None:
    assert ids(small.events_between()) == ["e1", "e2", "e3", "e4"]
    small.events = small.table_of(list(small.events)[::-1])
    assert ids(small.events_between()) == ["e1", "e2", "e3", "e4"]


def test_events_between_is_inclusive_at_both_ends_for_timed_events(small) -> None:
    e2 = at("2024-11-30T14:05:00+03:00")
    assert ids(small.events_between(e2, e2)) == ["e2"]
    assert ids(small.events_between(e2 + US, None)) == ["e3", "e4"]
    assert ids(small.events_between(None, e2 - US)) == ["e1"]
    assert ids(small.events_between(at("2024-11-30T11:05:00+00:00"), None)) == ["e2", "e3", "e4"]


def test_day_precision_event_counts_as_its_whole_local_day(small) -> None:
    # e3 is "2024-12-02" in Asia/Baghdad: from 2024-12-01T21:00Z to 2024-12-02T21:00Z.
    assert "e3" in ids(
        small.events_between(at("2024-12-02T23:59:59+03:00"), at("2024-12-03T12:00:00+03:00"))
    )
    assert "e3" not in ids(small.events_between(at("2024-12-03T00:00:00+03:00"), None))
    assert "e3" in ids(small.events_between(None, at("2024-12-02T00:00:00+03:00")))
    assert "e3" not in ids(small.events_between(None, at("2024-12-01T23:59:59+03:00")))
    # A window inside the day, in another offset.
    assert ids(
        small.events_between(at("2024-12-02T06:00:00+00:00"), at("2024-12-02T07:00:00+00:00"))
    ) == ["e3"]


def test_events_between_empty_window(small) -> None:
    assert (
        small.events_between(at("2025-01-01T00:00:00+03:00"), at("2025-02-01T00:00:00+03:00")) == []
    )


# --------------------------------------------------------------------------- territory
def test_territory_at_uses_latest_date_on_or_before(small) -> None:
    first = {"gov": 63.38, "reb": 10.98, "kur": 25.64}
    second = {"gov": 55, "reb": 20, "kur": 25}
    assert small.territory_at(date(2024, 11, 25)) == {}
    assert small.territory_at(date(2024, 11, 26)) == first
    assert small.territory_at(date(2024, 12, 4)) == first
    assert small.territory_at(date(2024, 12, 5)) == second
    assert small.territory_at(date(2030, 1, 1)) == second


def test_territory_at_ignores_file_order(small) -> None:
    small.territory.reverse()
    assert small.territory_at(date(2024, 12, 1)) == {"gov": 63.38, "reb": 10.98, "kur": 25.64}
    assert small.territory_dates() == [date(2024, 11, 26), date(2024, 12, 5)]


def test_time_range_spans_events_history_and_territory(small) -> None:
    first, last = small.time_range()
    assert first == at("2019-09-30T00:00:00+03:00")  # qaim's first history entry
    assert last == at("2024-12-05T09:00:00+00:00")  # e4 (12:00 Baghdad, after 2024-12-05 midnight)


# --------------------------------------------------------------------------- moments and formatting
def test_day_precision_moment_is_local_midnight() -> None:
    m = parse_moment("2024-11-30", BAGHDAD)
    assert m.day
    assert m.instant == at("2024-11-30T00:00:00+03:00")
    assert m.utc == at("2024-11-29T21:00:00+00:00")
    assert m.end == at("2024-12-01T00:00:00+03:00")
    assert m.iso() == "2024-11-30"


def test_military_dtg_is_zulu() -> None:
    assert military_dtg(parse_moment("2024-11-30T17:30:00+03:00", BAGHDAD)) == "301430Z NOV 24"
    assert military_dtg(parse_moment("2024-11-30T14:30:00Z", BAGHDAD)) == "301430Z NOV 24"
    assert military_dtg(at("2024-11-30T17:30:00+03:00")) == "301430Z NOV 24"
    # Crossing midnight and the year in Zulu.
    assert military_dtg(parse_moment("2025-01-01T01:15:00+03:00", BAGHDAD)) == "312215Z DEC 24"


def test_military_dtg_day_precision_has_no_fake_hour() -> None:
    text = military_dtg(parse_moment("2024-11-30", BAGHDAD))
    assert text.startswith("30")
    assert text.endswith("NOV 24")
    assert "0000" not in text and "2100" not in text
    assert not any(ch.isdigit() for ch in text[2:6])


def test_format_moment_shows_scenario_time_with_offset() -> None:
    m = parse_moment("2024-12-05T09:00:00Z", BAGHDAD)
    assert format_moment(m, BAGHDAD) == "2024-12-05 12:00 UTC+03:00"
    assert format_moment(m, BAGHDAD, seconds=True) == "2024-12-05 12:00:00 UTC+03:00"
    assert format_utc(m) == "2024-12-05 09:00:00Z"


def test_format_moment_day_precision_has_no_hour() -> None:
    m = parse_moment("2024-12-02", BAGHDAD)
    assert format_moment(m, BAGHDAD) == "2024-12-02"
    assert ":" not in format_utc(m)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 3), st.sampled_from(list(CrossingStatus))),
        min_size=1,
        max_size=30,
    )
)
def test_entries_added_one_by_one_give_the_timeline_of_a_full_sort(spec) -> None:
    """A toggle adds one entry and the timeline takes it in place: the same order and the
    same answers as sorting the whole history (ties on time broken by recorded time, then
    by order of entry)."""
    start = datetime(2024, 12, 1, tzinfo=UTC)
    entries = [
        StatusEntry(
            Moment(start + timedelta(hours=h)),
            status,
            recorded_at=Moment(start + timedelta(days=r)) if r else None,
            note=str(i),
        )
        for i, (h, r, status) in enumerate(spec)
    ]
    grown = crossing(entries[0])
    grown.timeline()
    for k in range(2, len(entries) + 1):
        grown.history = tuple(entries[:k])
        whole = crossing(*entries[:k])
        assert [e.note for e in grown.timeline()] == [e.note for e in whole.timeline()]
        for h in range(-1, 42):
            t = start + timedelta(hours=h)
            assert grown.entry_at(t) is whole.entry_at(t)
