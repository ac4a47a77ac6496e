"""An event's fields this version does not know, kept as a column of JSON text.

Feeds give every imported event such fields (``origin``, ``feed_data``: see
:mod:`monitor.interchange`), so a scenario of 100k imported events has 100k of them.
They are kept as the compact JSON text of an object (``{"origin":{...},...}``; ``""``:
none) in the event table's ``extra`` column, not as 100k :class:`Event` objects, and
written from that text at save. The text spells numbers as ``json.dumps`` does, so the
saved bytes are the object writer's (``json.dumps(..., ensure_ascii=False, indent=2)``).

Events whose unknown fields are not plain JSON (values made by a program: a tuple, a
NaN) or that have unknown *location* fields stay objects (:mod:`monitor.model.events`).
"""

from __future__ import annotations

import json
import math
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from monitor.model.schema import MAX_UNKNOWN_DEPTH, plain_float, unknown_fields_ok

_ENCODE = msgspec.json.Encoder()
_DECODE = msgspec.json.Decoder()


class Decoder:
    """msgspec's JSON decoder that also tells whether a value held a float msgspec would
    write unlike ``json.dumps`` (exponent forms, below 1e-4): the stdlib writes those.
    Numbers out of range are refused (ValueError), as msgspec refuses them. One per thread."""

    def __init__(self) -> None:
        self.odd_float = False

        def hook(text: str) -> float:
            v = float(text)
            if not plain_float(v):
                if not math.isfinite(v):
                    raise ValueError("number out of range")
                self.odd_float = True
            return v

        self._decoder = msgspec.json.Decoder(float_hook=hook)

    def decode(self, raw: bytes) -> Any:
        self.odd_float = False
        return self._decoder.decode(raw)


def empty(n: int) -> pa.Array:
    """``n`` events without unknown fields (no bytes: offsets only)."""
    offsets = pa.py_buffer(np.zeros(n + 1, np.int64).tobytes())
    return pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(b""))


def compact(extra: dict[str, Any], decoder: Decoder) -> str | None:
    """The column text of ``extra`` (a plain JSON object), or None if it cannot be kept as
    text and read back the same (not JSON: a tuple, NaN, a non-text key ...)."""
    if not extra:
        return ""
    try:
        raw = _ENCODE.encode(extra)
        if decoder.decode(raw) != extra:
            return None
    except (TypeError, ValueError, OverflowError, msgspec.MsgspecError, RecursionError):
        return None
    return _stdlib(extra) if decoder.odd_float else raw.decode("utf-8")


def checked(
    extra: dict[str, Any], raw_colons: int, odd_float: bool | None, decoder: Decoder
) -> str | None:
    """The column text of unknown fields read from a file (decoded by msgspec: no lone
    surrogate, no number out of range), if they pass the contract's rule for unknown
    values and hold exactly ``raw_colons`` colons (one per key and those in strings: fewer
    means a key was repeated, which the decoder merged); else None. ``odd_float``: the
    event held a float msgspec spells otherwise (:class:`Decoder`); None: not known, the
    fields' own encoding is read back to find out."""
    raw = _ENCODE.encode(extra)
    if odd_float is None:
        decoder.decode(raw)
        odd_float = decoder.odd_float
    if raw.count(b":") != raw_colons:
        return None
    if raw.count(b"{") + raw.count(b"[") > MAX_UNKNOWN_DEPTH and not unknown_fields_ok(extra):
        return None  # (fewer containers than that cannot nest that deep)
    return _stdlib(extra) if odd_float else raw.decode("utf-8")


def _stdlib(extra: dict[str, Any]) -> str | None:
    try:
        return json.dumps(extra, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None


def decode(text: str) -> dict[str, Any]:
    """The unknown fields of one event (``{}`` for none)."""
    return _DECODE.decode(text) if text else {}


def decode_many(texts: pa.Array, into: Any = None, run: int = 65_536) -> list[Any]:
    """The unknown fields of many events (none empty), decoded a ``run`` of events per call
    (one call, not one per event; bounded copies): as dicts, or as ``into`` (a msgspec
    Struct naming the fields wanted: the others are skipped)."""
    text = pa.large_string()
    decoder = _DECODE if into is None else msgspec.json.Decoder(list[into])
    got: list[Any] = []
    for start in range(0, len(texts), run):
        joined = pc.binary_join_element_wise(
            texts.slice(start, run).cast(text), pa.scalar(",", text), pa.scalar("", text)
        )
        offsets = np.frombuffer(joined.buffers()[1], np.int64)[
            joined.offset : joined.offset + len(joined) + 1
        ]
        body = memoryview(joined.buffers()[2])[offsets[0] : offsets[-1] - 1]
        got += decoder.decode(b"[" + bytes(body) + b"]")
    return got


def fragment(text: str) -> bytes:
    """The unknown fields as written after an event's known ones in a canonical file
    (``,\\n      "origin": {...}``: indented for the event's place, two levels deep)."""
    formatted = msgspec.json.format(text.encode("utf-8"), indent=2)
    # '{\n  "k": v\n}' -> ',\n      "k": v' (the event's keys sit six spaces in)
    return b"," + formatted[1:-2].replace(b"\n", b"\n    ")
