"""Events as typed rows: what a window of a file's events is decoded into, and the same
rows for events made by the program. The fields are the contract's
(:mod:`monitor.model.schema`, checked at import).

A window in the canonical layout is decoded by Arrow's JSON reader straight into columns
(:func:`table_rows`: no Python object per value, in C++ threads); any other window, and
any window Arrow would not decide exactly as msgspec does, by msgspec into typed structs
(:data:`EV_LIST`). Both give :func:`row_arrays` the same arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from monitor.model.arrowtext import CANONICAL_SEPARATOR, Undecided
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
_EV = msgspec.json.Decoder(EventRow)

_TEXT = pa.large_string()
_TEXT_FIELDS = ("id", "time", "title", "summary", "category")
_REQUIRED = ("id", "time", "title", "category", "actors", "source_ids", "verification")
_ARROW_SCHEMA = pa.schema(
    [(name, _TEXT) for name in _TEXT_FIELDS]
    + [
        ("verification", pa.string()),
        ("credibility", pa.int64()),
        ("reliability", pa.string()),
        (
            "location",
            pa.struct([("name", _TEXT), ("lat", pa.float64()), ("lon", pa.float64())]),
        ),
        ("actors", pa.list_(_TEXT)),
        ("source_ids", pa.list_(_TEXT)),
    ]
)
assert frozenset(_ARROW_SCHEMA.names) == frozenset(EventRow.__struct_fields__)
_PARSE = pj.ParseOptions(
    explicit_schema=_ARROW_SCHEMA,
    newlines_in_values=True,  # an event spans lines
    unexpected_field_behavior="ignore",  # (the ":" count finds them: decoded again)
)
_READ = pj.ReadOptions(use_threads=True, block_size=2 * 1024 * 1024)


class TableRows(Sequence[EventRow]):
    """A window's events decoded by Arrow: the arrays of :func:`row_arrays`, and an event's
    typed row made on demand from its own text (the few events the columns do not explain)."""

    def __init__(self, arrays: dict[str, Any], chunk: bytes, seps: np.ndarray):
        self.arrays = arrays
        self.chunk = chunk
        self.starts = np.concatenate(([1], seps + len(CANONICAL_SEPARATOR) - 1))
        self.stops = np.concatenate((seps + 1, [len(chunk) - 1]))

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        try:
            return _EV.decode(self.chunk[int(self.starts[i]) : int(self.stops[i])])
        except (msgspec.MsgspecError, RecursionError):
            raise Undecided from None  # (what msgspec refused in the window: the strict reader)


def table_rows(chunk: bytes, seps: np.ndarray) -> TableRows | None:
    """The events of ``chunk`` ("[", events in the canonical layout, "]"; ``seps``: where the
    separators between them start) decoded by Arrow's JSON reader; None where Arrow would
    not decide as msgspec's typed decoding does (msgspec then decodes the window): a value
    of another type or missing, NaN or Infinity, a null in a list, text that is not UTF-8,
    or anything between events but the canonical separator. (A whole-number coordinate
    is read again from its event's text: 36 stays an int, 36.0 a float.)"""
    if len(chunk) < 4 or chunk[1] != 0x7B or chunk[-2] != 0x7D:
        return None
    text = bytearray(chunk)
    with memoryview(text) as view:
        np.frombuffer(view, np.uint8)[seps + 1] = 0x20  # "}, {" -> "}  {": one object after another
        try:
            table = pj.read_json(
                pa.BufferReader(pa.py_buffer(view[1:-1])),
                read_options=_READ,
                parse_options=_PARSE,
            )
        except (pa.ArrowException, ValueError):
            return None
    del text
    if table.num_rows != len(seps) + 1:
        return None  # e.g. two events with no comma between them
    try:
        cols = {name: table.column(name).combine_chunks() for name in table.column_names}
        for name, arr in cols.items():
            arr.validate(full=True)  # UTF-8 (Arrow's reader does not check it)
            if name in _REQUIRED and arr.null_count:
                return None
        for name in ("actors", "source_ids"):
            if cols[name].flatten().null_count:
                return None
        loc = cols["location"]
        name, lat, lon = loc.flatten()
        if pc.any(pc.and_(loc.is_valid(), name.is_null())).as_py():
            return None  # a location without its name
        lats, lons = lat.to_numpy(zero_copy_only=False), lon.to_numpy(zero_copy_only=False)
        for xs, arr in ((lats, lat), (lons, lon)):
            if np.isinf(xs).any() or np.isnan(xs).sum() != arr.null_count:
                return None  # Infinity or NaN given (Arrow's reader takes them)
    except (pa.ArrowException, ValueError):
        return None
    rows = TableRows({}, chunk, seps)
    exact = {}  # whole-number coordinates: written 36 (kept an int) or 36.0? The event's text says.
    for i in np.flatnonzero((np.floor(lats) == lats) | (np.floor(lons) == lons)).tolist():
        try:
            got = rows[i].location
        except Undecided:
            return None
        if got is None:
            return None
        if type(got.lat) is int or type(got.lon) is int:
            exact[i] = (got.lat, got.lon)
    rows.arrays = {
        **{k: cols[k] for k in (*_TEXT_FIELDS, "verification", "credibility", "reliability")},
        "loc_name": name,
        "lat": lats,
        "lon": lons,
        "exact": exact,
        "actors": cols["actors"],
        "source_ids": cols["source_ids"],
    }
    return rows


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


def row_arrays(rows: Sequence[EventRow]) -> dict[str, Any]:
    """The arrays ``ColumnBuilder.columns`` works from (``lat``, ``lon``: a list, or a float
    array with NaN for none and ``exact`` the int coordinates by row)."""
    if isinstance(rows, TableRows):
        return rows.arrays
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
