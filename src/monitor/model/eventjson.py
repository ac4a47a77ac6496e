"""The canonical JSON text of an :class:`~monitor.model.events.EventTable`, from its columns.

The bytes ``json.dumps(..., ensure_ascii=False, indent=2)`` writes for the events of a
document (two levels deep), assembled by Arrow from the columns: no Python object per
event; unknown fields from their column's text (:mod:`monitor.model.extras`). Events
kept as objects (unknown location fields) are written by the object writer
(:func:`monitor.model.writer.event_json`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from monitor.model import extras as extra_text
from monitor.model.events import EventTable
from monitor.model.parts import Event

# The canonical bytes of the events (json.dumps(..., ensure_ascii=False, indent=2) of the document,
# where they sit two levels deep), assembled by Arrow from the columns: no Python object per event.
_ESCAPES = {chr(c): f"\\u{c:04x}" for c in range(32)} | {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_NEEDS_ESCAPE = '["\\\\\\x00-\\x1f]'
_IN = "\n      "  # an event's keys
_IN2 = "\n        "  # items of its lists, keys of its location


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _json_strings(arr: pa.Array) -> pa.Array:
    """Each string as a JSON string literal, escaped as json.dumps(ensure_ascii=False) does."""
    arr = arr.cast(pa.large_string())
    if pc.any(pc.match_substring_regex(arr, _NEEDS_ESCAPE)).as_py():
        for char in ("\\", '"'):  # the backslash first: the others add backslashes
            if pc.any(pc.match_substring(arr, char)).as_py():
                arr = pc.replace_substring(arr, char, "\\" + char)
        controls = pc.replace_substring_regex(arr, "[^\\x00-\\x1f]+", "")
        for char in set("".join(controls.filter(pc.not_equal(controls, "")).to_pylist())):
            arr = pc.replace_substring(arr, char, _ESCAPES[char])
    return pc.binary_join_element_wise(_lit('"'), arr, _lit('"'), _lit(""))


def _json_lists(joined: pa.Array) -> pa.Array:
    """U+001F-joined lists of strings as indented JSON lists ("[]" when empty)."""
    lists = pc.split_pattern(joined, "\x1f")
    items = _json_strings(lists.flatten())
    lists = (
        pa.LargeListArray.from_arrays(pa.array(lists.offsets, pa.int64()), items)
        if isinstance(lists, pa.LargeListArray)
        else pa.ListArray.from_arrays(lists.offsets, items)
    )
    body = pc.binary_join(lists, _lit("," + _IN2))
    text = pc.binary_join_element_wise(_lit("[" + _IN2), body, _lit(_IN + "]"), _lit(""))
    return pc.if_else(pc.equal(joined, ""), _lit("[]"), text)


def _keyed(key: str, values: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(_lit(f'"{key}": '), values, _lit(""))


_NULL = pa.scalar(None, pa.large_string())
_RELIABILITY_JSON = pa.array(
    [f',\n      "reliability": "{g}"' for g in ("A", "B", "C", "D", "E", "F")], pa.large_string()
)
SAVE_SLICE = 65_536
_SEPARATOR = b",\n    "  # events per Arrow pass (bounded memory and GIL holds)


def _events_text(ev: EventTable, start: int, stop: int) -> tuple[pa.Array, dict[int, Event]]:
    """The canonical text of events ``start:stop``, one string each followed by the
    separator, indented for their place in the file; and the events kept as objects
    (their strings are to be replaced by the text of the object writer)."""
    text = ev.rows(start, stop)
    summary_null = text["summary_null"]
    has_location = text["has_location"]
    lat = text["lat"]
    lon = text["lon"]
    credibility = text["credibility"]
    own = text["reliability_own"]

    def optional(absent: np.ndarray, value: pa.Array) -> pa.Array:
        """``value`` after the separator, or nothing where ``absent``."""
        return pc.if_else(pa.array(absent), _lit(""), value)

    summary = optional(
        summary_null,
        pc.binary_join_element_wise(
            _lit("," + _IN + '"summary": '), _json_strings(text["summary"]), _lit("")
        ),
    )
    coords = has_location & ~np.isnan(lat)
    lats, lons = lat.tolist(), lon.tolist()
    for i, (la, lo) in text["exact"].items():
        lats[i], lons[i] = la, lo
    lat_text = pa.array(list(map(repr, lats)), pa.large_string())
    lon_text = pa.array(list(map(repr, lons)), pa.large_string())
    coords_text = optional(
        ~coords,
        pc.binary_join_element_wise(
            _lit("," + _IN2 + '"lat": '), lat_text, _lit("," + _IN2 + '"lon": '), lon_text, _lit("")
        ),
    )
    location = optional(
        ~has_location,
        pc.binary_join_element_wise(
            _lit("," + _IN + '"location": {' + _IN2 + '"name": '),
            _json_strings(text["location"]),
            coords_text,
            _lit(_IN + "}"),
            _lit(""),
        ),
    )
    credibility_text = optional(
        credibility == 0,
        pc.binary_join_element_wise(
            _lit("," + _IN + '"credibility": '),
            pa.array(credibility).cast(pa.large_string()),
            _lit(""),
        ),
    )
    reliability = optional(
        own < 0, pc.take(_RELIABILITY_JSON, pa.array(np.where(own >= 0, own, 0)))
    )
    events = pc.binary_join_element_wise(
        _lit("{" + _IN + '"id": '),
        _json_strings(text["id"]),
        _lit("," + _IN + '"time": '),
        _json_strings(text["time"]),
        _lit("," + _IN + '"title": '),
        _json_strings(text["title"]),
        summary,
        _lit("," + _IN + '"category": '),
        _json_strings(text["category_text"]),
        _lit("," + _IN + '"actors": '),
        _json_lists(text["actor_list"]),
        location,
        _lit("," + _IN + '"source_ids": '),
        _json_lists(text["source_list"]),
        _lit("," + _IN + '"verification": '),
        _json_strings(text["verification_text"]),
        credibility_text,
        reliability,
        _extra_text(text["extra"]),
        _lit("\n    },\n    "),
        _lit(""),
    )
    odd = text["odd"]
    return events, odd


def _extra_text(extra: pa.Array) -> pa.Array:
    """The events' unknown fields as written after their known ones ("" for none)."""
    has = pc.not_equal(extra, "").to_numpy(zero_copy_only=False)
    if not has.any():
        return extra
    out = [""] * len(extra)
    at = np.flatnonzero(has)
    for i, text in zip(at.tolist(), extra.take(pa.array(at)).to_pylist(), strict=True):
        out[i] = extra_text.fragment(text).decode("utf-8")
    return pa.array(out, pa.large_string())


def _event_text(value: dict[str, Any], plain_value: Callable[[Any], bool]) -> bytes:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` as UTF-8; msgspec writes the same
    bytes ~10x faster unless a float would be spelled differently (``plain_value``)."""
    if plain_value(value):
        try:
            return msgspec.json.format(msgspec.json.encode(value), indent=2)
        except (TypeError, ValueError, OverflowError, msgspec.MsgspecError):
            pass
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")


def events_json_pieces(
    ev: EventTable,
    event_json: Callable[[Event], dict[str, Any]],
    plain_value: Callable[[Any], bool],
) -> list[Any]:
    """Buffers whose concatenation is the events array as written at its place in a
    canonical file (``[`` ... ``]``, items indented by four spaces)."""
    n = len(ev)
    if not n:
        return [b"[]"]
    pieces: list[Any] = [b"[\n    "]
    # Slices made in two threads: Arrow lets go of the GIL for its work (two cores, ~1.7x).
    count = max(2, -(-n // SAVE_SLICE))
    size = -(-n // count)
    bounds = [(start, min(n, start + size)) for start in range(0, n, size)]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="monitor-save") as pool:
        texts = list(pool.map(lambda b: _events_text(ev, *b), bounds))
    for events, odd in texts:
        # The strings end to end are the text: slices of Arrow's buffer, not copies; the
        # events kept as objects (unknown fields) written by the object path instead.
        data = memoryview(events.buffers()[2])
        offsets = np.frombuffer(events.buffers()[1], np.int64)[
            events.offset : events.offset + len(events) + 1
        ]
        at = 0
        for i in sorted(odd):
            pieces.append(data[offsets[at] : offsets[i]])
            pieces.append(
                _event_text(event_json(odd[i]), plain_value).replace(b"\n", b"\n    ") + b",\n    "
            )
            at = i + 1
        pieces.append(data[offsets[at] : offsets[len(events)]])
    # Every event's text ends with the separator: not the last one's.
    while not len(pieces[-1]):
        pieces.pop()
    last = bytes(pieces[-1])
    if not last.endswith(_SEPARATOR):
        raise AssertionError("events text without its separator")
    pieces[-1] = last[: -len(_SEPARATOR)]
    pieces.append(b"\n  ]")
    return pieces
