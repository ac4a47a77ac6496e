"""Typed parts of a scenario (schema_version 1): times, events, sources, crossings...

Pure Python: no Qt, no pandas at import time. Every object keeps the fields of
the file that this version does not know in ``extra`` so that saving never
drops data written by a newer version of the app.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


class Verification(StrEnum):
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    DENIED = "denied"


class CrossingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RESTRICTED = "restricted"


class CrossingKind(StrEnum):
    OFFICIAL = "official"
    INFORMAL = "informal"


RELIABILITY_GRADES = ("A", "B", "C", "D", "E", "F")
RELIABILITY_MEANING = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY_MEANING = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time as written in the file.

    ``instant`` is timezone-aware. A day-precision value (``"2024-11-27"``)
    has ``day=True`` and ``instant`` at the start of that day in the
    scenario's timezone; it must never be shown with an hour.
    """

    instant: datetime
    day: bool = False

    @classmethod
    def of_day(cls, d: date, tz: tzinfo) -> Moment:
        return cls(datetime.combine(d, time(0, 0), tzinfo=tz), True)

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Moment:
        now = datetime.now(UTC).replace(microsecond=0)
        return cls(now.astimezone(tz) if tz is not None else now, False)

    @property
    def date(self) -> date:
        return self.instant.date()

    @property
    def utc(self) -> datetime:
        return self.instant.astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The end of the period this moment names (a whole day for day precision)."""
        return self.instant + timedelta(days=1) if self.day else self.instant

    def iso(self) -> str:
        """Canonical text, as written to the file."""
        if self.day:
            return self.date.isoformat()
        text = self.instant.isoformat()
        if (
            text[-6] in "+-"
        ):  # "...+03:00": an offset in whole minutes (nearly always; checked first for speed)
            return text
        offset = self.instant.utcoffset()
        if offset is not None and offset.total_seconds() % 60:
            # Local mean time (most zones before ~1920) has offsets with seconds, e.g.
            # +02:57:36 in Asia/Baghdad; files only allow +hh:mm, so write that instant in UTC.
            return self.instant.astimezone(UTC).isoformat()
        return self.instant.isoformat()

    def __lt__(self, other: Moment) -> bool:
        return self.instant < other.instant

    def __le__(self, other: Moment) -> bool:
        return self.instant <= other.instant


@dataclass(slots=True)
class ScenarioInfo:
    id: str
    title: str
    timezone: str
    description: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Faction:
    id: str
    name: str
    color: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str
    published: str | None = None
    reliability: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Location:
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Event:
    id: str
    time: Moment
    title: str
    category: str
    actors: list[str]
    source_ids: list[str]
    verification: Verification
    summary: str | None = None
    location: Location | None = None
    credibility: int | None = None
    reliability: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Side:
    country: str
    place: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One change of a crossing's status. Immutable: edits replace the entry."""

    time: Moment
    status: CrossingStatus
    source_ids: tuple[str, ...] = ()
    recorded_at: Moment | None = None
    note: str | None = None
    by: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def sort_key(self) -> tuple[datetime, datetime]:
        recorded = self.recorded_at.instant if self.recorded_at else _MIN_INSTANT
        return (self.time.instant, recorded)


_MIN_INSTANT = datetime(1, 1, 2, tzinfo=UTC)


@dataclass(slots=True)
class Crossing:
    id: str
    name: str
    sides: list[Side]
    location: Location
    kind: CrossingKind
    history: tuple[StatusEntry, ...] = ()
    name_local: str | None = None
    controlled_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _timeline_of: tuple[StatusEntry, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _timeline: list[StatusEntry] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _timeline_keys: list[datetime] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def timeline(self) -> list[StatusEntry]:
        """History sorted by effective time (ties: by recorded_at, then file order)."""
        history = self.history
        before = self._timeline_of
        if before is not history:
            if before is not None and len(history) == len(before) + 1 and history[:-1] == before:
                # One entry added (a toggle): placed into the sorted list, no full sort.
                entry = history[-1]
                timeline = list(self._timeline)
                at = bisect.bisect_right(timeline, entry.sort_key(), key=StatusEntry.sort_key)
                timeline.insert(at, entry)
                keys = list(self._timeline_keys)
                keys.insert(at, entry.time.instant)
                self._timeline = timeline
                self._timeline_keys = keys
            else:
                self._timeline = sorted(history, key=StatusEntry.sort_key)
                self._timeline_keys = [e.time.instant for e in self._timeline]
            self._timeline_of = history
        return self._timeline

    def instant_range(self) -> tuple[datetime, datetime] | None:
        """The earliest and latest effective instants of the history (None if empty): the
        ends of the timeline when it is sorted already, else one walk of the history."""
        history = self.history
        if not history:
            return None
        if self._timeline_of is history:
            return self._timeline[0].time.instant, self._timeline[-1].time.instant
        instants = [e.time.instant for e in history]
        return min(instants), max(instants)

    def entry_at(self, when: datetime) -> StatusEntry | None:
        """The last history entry whose time is at or before ``when`` (any list order)."""
        timeline = self.timeline()
        i = bisect.bisect_right(self._timeline_keys, when)
        return timeline[i - 1] if i else None

    def status_at(self, when: datetime) -> CrossingStatus | None:
        entry = self.entry_at(when)
        return entry.status if entry else None

    def previous_entry(self, entry: StatusEntry) -> StatusEntry | None:
        """The entry in force just before ``entry`` took effect."""
        timeline = self.timeline()
        for i, e in enumerate(timeline):
            if e is entry:
                return timeline[i - 1] if i else None
        return None


@dataclass(slots=True)
class TerritoryShare:
    date: date
    faction: str
    share_pct: float
    source_ids: list[str]
    estimated: bool
    extra: dict[str, Any] = field(default_factory=dict)
