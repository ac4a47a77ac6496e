"""Events as typed rows: what msgspec decodes a window of a file's events into, and the
same rows for events made by the program. The fields are the contract's
(:mod:`monitor.model.schema`, checked at import)."""

from __future__ import annotations

from typing import Any

import msgspec
import pyarrow as pa

from monitor.model.parts import Event
from monitor.model.schema import EVENT_KEYS, LOCATION_KEYS
from monitor.model.timeutil import MomentParser


# -- typed decoding ------------------------------------------------------------------------
# gc=False and plain types: the decoder then runs ~3x faster than with per-value constraints
# (a pattern is a Python regex call per string); non-blank text, the enumerations and ranges
# are checked on whole columns afterwards.
class LocationRow(msgspec.Struct, gc=False):
    name: str
    lat: int | float | None = None
    lon: int | float | None = None


class EventRow(msgspec.Struct, gc=False):
    id: str
    time: str
    title: str
    category: str
    actors: list[str]
    source_ids: list[str]
    verification: str
    summary: str | None = None
    location: LocationRow | None = None
    credibility: int | None = None
    reliability: str | None = None


# The contract's fields, as declared in monitor.model.schema (checked at import).
assert frozenset(EventRow.__struct_fields__) == EVENT_KEYS
assert frozenset(LocationRow.__struct_fields__) == LOCATION_KEYS

# Between two events in a canonical file (json.dumps indent=2, two levels deep).
EV_LIST = msgspec.json.Decoder(list[EventRow])
RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def row_of(e: Event, moments: MomentParser) -> tuple[EventRow, bool]:
    """The typed row of an event made by the program, and whether the columns give it back
    exactly (no unknown location fields, a time that reads back the same, no U+001F in a
    list)."""
    loc = e.location
    iso = e.time.iso()
    plain = loc is None or not loc.extra  # (unknown event fields: a column of their own)
    actors, sources = list(e.actors), list(e.source_ids)
    if any("\x1f" in x for x in actors) or any("\x1f" in x for x in sources):
        plain = False
        actors = [x.replace("\x1f", " ") for x in actors]
        sources = [x.replace("\x1f", " ") for x in sources]
    if plain:
        try:
            plain = moments(iso) == e.time
        except ValueError:
            plain = False
    lat = lon = None
    if loc is not None:
        lat, lon = loc.lat, loc.lon
        if (
            lat is None
            or lon is None
            or type(lat) not in (int, float)
            or type(lon) not in (int, float)
        ):
            plain = plain and lat is None and lon is None
            lat = lon = None
    verification = getattr(e.verification, "value", e.verification)
    row = EventRow(
        e.id,
        iso,
        e.title,
        e.category,
        actors,
        sources,
        str(verification),
        e.summary,
        LocationRow("" if loc.name is None else loc.name, lat, lon) if loc is not None else None,
        e.credibility,
        e.reliability,
    )
    if loc is not None and loc.name is None:
        plain = False
    return row, plain


def row_arrays(rows: list[EventRow]) -> dict[str, Any]:
    """The arrays ``ColumnBuilder.columns`` works from, for events decoded by msgspec."""
    text = pa.large_string()
    locs = [r.location for r in rows]
    return {
        "id": pa.array([r.id for r in rows], type=text),
        "time": pa.array([r.time for r in rows], type=text),
        "title": pa.array([r.title for r in rows], type=text),
        "summary": pa.array([r.summary for r in rows], type=text),
        "category": pa.array([r.category for r in rows], type=text),
        "verification": pa.array([r.verification for r in rows], type=pa.string()),
        "credibility": pa.array([r.credibility for r in rows], type=pa.int64()),
        "reliability": pa.array([r.reliability for r in rows], type=pa.string()),
        "loc_name": pa.array([loc.name if loc is not None else None for loc in locs], type=text),
        "lat": [loc.lat if loc is not None else None for loc in locs],
        "lon": [loc.lon if loc is not None else None for loc in locs],
        "actors": pa.array([r.actors for r in rows], type=pa.list_(text)),
        "source_ids": pa.array([r.source_ids for r in rows], type=pa.list_(text)),
    }
