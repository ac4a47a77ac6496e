"""What the merge knows of the scenario: its feed events by origin key, faction names,
and how the import writes and recognises a feed's fields (digests, source ids, an
event's JSON). Pure Python, no Qt."""

from __future__ import annotations

import re
import zlib
from typing import Any, NamedTuple

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
    extra: dict[str, Any]  # its fields the contract does not know (origin, feed_data ...)


class FeedIndex(dict[str, FeedEvent]):
    """origin key -> the scenario's feed event; ``stamps[k]``: the feed timestamp of the
    k-th key (in the dict's order) when it is a whole number and the event carries no mark
    (missing, withdrawn), else None: a row with that same timestamp is unchanged."""

    stamps: list[int | None]


def feed_index(scenario: Scenario) -> FeedIndex:
    """The scenario's feed events by origin key (only events with fields the contract does
    not know can have an origin: the table gives those without making the events)."""
    out = FeedIndex()
    stamps: list[int | None] = []
    for _at, event_id, time, x in scenario.table.with_extra() if len(scenario.table) else ():
        e = FeedEvent(event_id, time, x)
        o = x.get(ORIGIN)
        if type(o) is dict:
            feed, native = o.get("feed"), o.get("id")
            if type(feed) is str and type(native) is str:
                key = f"{feed}:{native}"
                if key in out:  # (two events of one origin: the last one is kept)
                    stamps[list(out).index(key)] = None  # (its place stays the first's)
                    out[key] = e
                    continue
                out[key] = e
                ts = o.get("timestamp")
                stamps.append(ts if type(ts) is int and x.get(MISSING) is None
                              and WITHDRAWN not in x else None)
    out.stamps = stamps
    return out


def origin_of(e: Event | FeedEvent) -> dict[str, Any]:
    return e.extra[ORIGIN]  # type: ignore[no-any-return]


def day_of_event(e: FeedEvent) -> str:
    return e.time[:10]  # (the date as written: the instant's date in its own offset)


def country_of(e: Event | FeedEvent) -> str:
    data = e.extra.get(FEED_DATA)
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
