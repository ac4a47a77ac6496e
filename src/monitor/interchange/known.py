"""What the merge knows of the scenario: its feed events by origin key, faction names,
and how the import writes and recognises a feed's fields (digests, source ids, an
event's JSON). Pure Python, no Qt."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import msgspec

from monitor.interchange.rows import Incoming
from monitor.model.entities import Event, Scenario

#: The event fields a feed gives (updated by a newer row unless the analyst edited them).
FEED_FIELDS = ("time", "title", "summary", "category", "actors", "location")
ORIGIN, FEED_DATA, MISSING, WITHDRAWN = "origin", "feed_data", "missing_from_feed", "withdrawn"


def digest(value: Any) -> str:
    """8 hex digits standing for a feed field's value (compares what the feed gave with what
    the event holds now: a difference is the analyst's edit)."""
    if value is None:
        text = "\x00"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, list):
        text = "\x1f".join(map(str, value))
    elif isinstance(value, dict):
        text = "\x1e".join(f"{k}\x1f{_num(v)}" for k, v in sorted(value.items()))
    else:
        text = repr(value)
    return f"{zlib.crc32(text.encode('utf-8', 'surrogatepass')):08x}"


def _num(v: Any) -> Any:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def source_id(feed: str, name: str) -> str:
    slug = re.sub(r"[^\w]+", "-", name.casefold()).strip("-_")
    if not slug or len(slug) > 60:
        slug = f"{slug[:50]}-{zlib.crc32(name.encode('utf-8', 'surrogatepass')):08x}".lstrip("-")
    return f"{feed}-src:{slug}"


class Actors:
    """Actor names -> faction ids (by id, name or alias, case-insensitive); others as given."""

    def __init__(self, scenario: Scenario):
        self.by: dict[str, str] = {}
        for f in scenario.factions:
            aliases = f.extra.get("aliases")
            labels = [f.id, f.name, *(a for a in aliases if isinstance(a, str))] \
                if isinstance(aliases, list) else [f.id, f.name]
            for n in labels:
                self.by.setdefault(" ".join(n.split()).casefold(), f.id)

    def __call__(self, actors: list[str]) -> list[str]:
        out: list[str] = []
        for a in actors:
            got = self.by.get(" ".join(a.split()).casefold(), a)
            if got not in out:
                out.append(got)
        return out


class FeedEvent(NamedTuple):
    """What the merge needs of a scenario's feed event (not the whole event: a re-import
    of 100k rows makes none of them)."""

    id: str
    time: str  # as written: the day is its first ten characters
    extra: dict[str, Any]  # its origin and its marks (missing, withdrawn), those it has
    feed_data: Any = None  # the feed's other fields (JSON text until asked for)


class _Origin(msgspec.Struct, gc=False):
    """What the merge reads of an event's origin (its digests, "given", are skipped)."""

    feed: Any = msgspec.UNSET
    id: Any = msgspec.UNSET
    timestamp: Any = msgspec.UNSET
    crc: Any = msgspec.UNSET


class _Marks(msgspec.Struct, gc=False):
    """The fields of an event's unknown ones the merge reads (the others are skipped):
    decoded into these, 100k events' fields make no object the collector must follow."""

    origin: _Origin | None = None
    missing_from_feed: Any = msgspec.UNSET
    withdrawn: Any = msgspec.UNSET
    feed_data: msgspec.Raw = msgspec.Raw(b"")


assert _Marks.__struct_fields__ == (ORIGIN, MISSING, WITHDRAWN, FEED_DATA)


def _feed_event(event_id: str, time: str, got: Any) -> FeedEvent:
    if isinstance(got, dict):  # (an event kept as an object, or fields of unusual types)
        marks = {k: got[k] for k in (ORIGIN, MISSING, WITHDRAWN) if k in got}
        return FeedEvent(event_id, time, marks, got.get(FEED_DATA))
    marks = {k: v for k in (MISSING, WITHDRAWN) if (v := getattr(got, k)) is not msgspec.UNSET}
    o = got.origin
    origin = {k: v for k in _Origin.__struct_fields__ if (v := getattr(o, k)) is not msgspec.UNSET}
    return FeedEvent(event_id, time, {ORIGIN: origin, **marks}, got.feed_data or None)


class FeedIndex(Mapping[str, FeedEvent]):
    """origin key -> the scenario's feed event (made when asked for); ``stamps[k]``: the
    feed timestamp of the k-th key (in the index's order) when it is a whole number and
    the event carries no mark (missing, withdrawn), else None: a row with that same
    timestamp is unchanged."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, str, Any]] = {}  # key -> (id, time, fields)
        self.stamps: list[int | None] = []

    def __getitem__(self, key: str) -> FeedEvent:
        return _feed_event(*self.rows[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, key: object) -> bool:
        return key in self.rows


def _typed_fields(scenario: Scenario) -> list[tuple[int, str, str, Any]]:
    try:
        return scenario.table.with_extra(_Marks)
    except msgspec.ValidationError:  # (an origin that is not an object, say: as dicts)
        return scenario.table.with_extra()


def feed_index(scenario: Scenario) -> FeedIndex:
    """The scenario's feed events by origin key (only events with fields the contract does
    not know can have an origin: the table gives those without making the events)."""
    out = FeedIndex()
    rows, stamps = out.rows, out.stamps
    for _at, event_id, time, got in _typed_fields(scenario) if len(scenario.table) else ():
        if isinstance(got, dict):
            o = got.get(ORIGIN)
            if type(o) is not dict:
                continue
            feed, native, ts = o.get("feed"), o.get("id"), o.get("timestamp")
            plain = got.get(MISSING) is None and WITHDRAWN not in got
        else:
            o = got.origin
            if o is None:
                continue
            feed, native, ts = o.feed, o.id, o.timestamp
            plain = got.missing_from_feed is None or got.missing_from_feed is msgspec.UNSET
            plain = plain and got.withdrawn is msgspec.UNSET
        if type(feed) is str and type(native) is str:
            key = f"{feed}:{native}"
            if key in rows:  # (two events of one origin: the last one is kept)
                stamps[list(rows).index(key)] = None  # (its place stays the first's)
                rows[key] = (event_id, time, got)
                continue
            rows[key] = (event_id, time, got)
            stamps.append(ts if type(ts) is int and plain else None)
    return out


def origin_of(e: Event | FeedEvent) -> dict[str, Any]:
    return e.extra[ORIGIN]  # type: ignore[no-any-return]


def day_of_event(e: FeedEvent) -> str:
    return e.time[:10]  # (the date as written: the instant's date in its own offset)


def country_of(e: Event | FeedEvent) -> str:
    data = e.feed_data if isinstance(e, FeedEvent) else e.extra.get(FEED_DATA)
    if isinstance(data, msgspec.Raw):
        data = msgspec.json.decode(data)
    country = data.get("country", "") if isinstance(data, dict) else ""
    return country if isinstance(country, str) else ""


def is_missing(e: Event | FeedEvent) -> bool:
    return e.extra.get(MISSING) is not None


def withdrawn_at(e: Event | FeedEvent) -> int | None:
    """The deletion's timestamp of a withdrawn event (None: not withdrawn)."""
    w = e.extra.get(WITHDRAWN)
    if not isinstance(w, dict):
        return None
    ts = w.get("timestamp", 0)
    return ts if isinstance(ts, int) else 0


def event_json_of(inc: Incoming, event_id: str, actors: list[str],
                  source_ids: list[str]) -> dict[str, Any]:
    d: dict[str, Any] = {"id": event_id, "time": inc.time, "title": inc.title}
    if inc.summary is not None:
        d["summary"] = inc.summary
    d["category"] = inc.category
    d["actors"] = actors
    if inc.location is not None:
        d["location"] = inc.location
    d["source_ids"] = source_ids
    d["verification"] = "reported"
    return d
