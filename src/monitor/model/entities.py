"""Typed scenario objects (schema_version 1): the :class:`Scenario` and its parts.

Pure Python: no Qt. Every object keeps the fields of the file that this version does
not know in ``extra`` so that saving never drops data written by a newer version of the
app. A scenario's events are one :class:`~monitor.model.events.EventTable` (column by
column; a list given to the constructor is turned into one).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from monitor.model.parts import (
    CREDIBILITY_MEANING,
    RELIABILITY_GRADES,
    RELIABILITY_MEANING,
    SCHEMA_VERSION,
    Crossing,
    CrossingKind,
    CrossingStatus,
    Event,
    Faction,
    Location,
    Moment,
    ScenarioInfo,
    Side,
    Source,
    StatusEntry,
    TerritoryShare,
    Verification,
)
from monitor.model.timeutil import zone

if TYPE_CHECKING:
    import pandas as pd

    from monitor.model.events import EventTable

__all__ = [
    "CREDIBILITY_MEANING",
    "RELIABILITY_GRADES",
    "RELIABILITY_MEANING",
    "SCHEMA_VERSION",
    "Crossing",
    "CrossingKind",
    "CrossingStatus",
    "Event",
    "Faction",
    "Location",
    "Moment",
    "Scenario",
    "ScenarioInfo",
    "Side",
    "Source",
    "StatusEntry",
    "TerritoryShare",
    "Verification",
]


@dataclass(slots=True)
class Scenario:
    info: ScenarioInfo
    factions: list[Faction] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    # Always an EventTable; any other sequence of Event given here is turned into one.
    events: EventTable | Sequence[Event] = field(default_factory=list)
    crossings: list[Crossing] = field(default_factory=list)
    territory: list[TerritoryShare] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # (Imported here: importing the model stays light; pyarrow comes with the first events.)
        from monitor.model.events import EventTable

        if not isinstance(self.events, EventTable):
            self.events = self.table_of(self.events)

    @property
    def table(self) -> EventTable:
        """The events (always an :class:`EventTable` once made; typed so for the checker)."""
        from monitor.model.events import EventTable

        events = self.events
        if not isinstance(events, EventTable):  # (a list assigned after construction)
            events = self.events = self.table_of(events)
        return events

    def table_of(self, events: Iterable[Event]) -> EventTable:
        """An :class:`EventTable` of ``events`` for this scenario (its zone, sources and
        factions give the derived columns)."""
        from monitor.model.events import EventTable

        return EventTable.of_events(
            list(events),
            tz=self.tz,
            sources={s.id: s for s in self.sources},
            faction_names={f.id: f.name for f in self.factions},
        )

    # -- lookups -------------------------------------------------------------
    @property
    def tz(self) -> tzinfo:
        try:
            return zone(self.info.timezone)
        except ValueError:  # (a scenario made in memory; files are checked on load)
            return zone("UTC")

    def faction(self, faction_id: str) -> Faction | None:
        return next((f for f in self.factions if f.id == faction_id), None)

    def faction_name(self, ref: str) -> str:
        """Display name for an actor or faction reference (free names pass through)."""
        f = self.faction(ref)
        return f.name if f else ref

    def source(self, source_id: str) -> Source | None:
        return self.sources_by_id().get(source_id)

    def sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    def crossing(self, crossing_id: str) -> Crossing | None:
        return next((c for c in self.crossings if c.id == crossing_id), None)

    def event(self, event_id: str) -> Event | None:
        return self.table.get(event_id)

    # -- queries -------------------------------------------------------------
    def events_between(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[Event]:
        """Events whose time falls in [start, end] (either bound may be open), in time order.

        A day-precision event counts as the whole day: it is in the range if
        any part of its day is.
        """
        out = []
        for e in self.events:
            # A timed event exactly at ``start`` is in (its end equals its start).
            if start is not None and e.time.end <= start and e.time.instant < start:
                continue
            if end is not None and e.time.instant > end:
                continue
            out.append(e)
        out.sort(key=lambda e: e.time.instant)
        return out

    def statuses_at(self, when: datetime) -> dict[str, CrossingStatus | None]:
        return {c.id: c.status_at(when) for c in self.crossings}

    def territory_dates(self) -> list[date]:
        return sorted({t.date for t in self.territory})

    def territory_at(self, day: date) -> dict[str, float]:
        """Share (percent) per faction on the latest territory date at or before ``day``."""
        dates = self.territory_dates()
        i = bisect.bisect_right(dates, day)
        if not i:
            return {}
        chosen = dates[i - 1]
        return {t.faction: t.share_pct for t in self.territory if t.date == chosen}

    def events_range(self) -> tuple[datetime, datetime] | None:
        """The earliest and latest event instants (None without events)."""
        return self.table.time_range()

    def time_range(self) -> tuple[datetime, datetime] | None:
        """Earliest and latest instants in events, crossing histories and territory."""
        tz = self.tz
        instants = list(self.events_range() or ())
        for crossing in self.crossings:  # (each from its sorted timeline when it has one)
            ends = crossing.instant_range()
            if ends is not None:
                instants += ends
        instants += [Moment.of_day(d, tz).instant for d in self.territory_dates()]
        if not instants:
            return None
        return min(instants), max(instants)

    def events_frame(self) -> pd.DataFrame:
        """The events frame (:meth:`EventTable.frame`; row i is ``events[i]``), its derived
        columns from the scenario's current sources and factions."""
        self.table.refresh(self.sources_by_id(), {f.id: f.name for f in self.factions})
        return self.table.frame()
