"""Checks of a run of new events in a batch (an import) done per batch, not per event.

:func:`check_new_events` is what :func:`monitor.model.changes.check_shape` does for each
change, with the events' values checked as plain JSON together: each encoded once by
msgspec in C, the batch decoded back once and compared with the values; a value that does
not come back the same, or holds many brackets, is checked by
:func:`~monitor.model.changes.check_plain` itself (which says what is wrong). The encoded
events are returned: the column checks read the same bytes (no second encoding)."""

from __future__ import annotations

import dataclasses
from typing import Any

from monitor.model.changes import MAX_DEPTH, Change, check_plain, check_shape


def check_new_events(changes: list[Change]) -> list[bytes]:
    """Check the shape of ``changes`` (creations of events) and that their values are
    plain JSON; returns each value encoded as JSON (msgspec's compact encoding)."""
    import msgspec

    for change in changes:
        # The rest of the change (its id, author, time, label, place) as check_shape checks
        # it; its value is checked below, for the whole run at once.
        check_shape(dataclasses.replace(change, after={"id": change.key}))
    values = [c.after for c in changes]
    enc = msgspec.json.Encoder()
    parts: list[bytes] = []
    doubtful: list[int] = []
    for i, v in enumerate(values):
        try:
            part = enc.encode(v)
        except (msgspec.MsgspecError, TypeError, ValueError, OverflowError, RecursionError):
            part = b"null"
            doubtful.append(i)
        else:
            if part.count(b"[") + part.count(b"{") > MAX_DEPTH:  # (in strings too)
                doubtful.append(i)
        parts.append(part)
    back = msgspec.json.decode(b"[" + b",".join(parts) + b"]")
    doubtful.extend(i for i, (a, b) in enumerate(zip(back, values, strict=True)) if a != b)
    for i in sorted(set(doubtful)):
        check_plain(values[i], "after")  # (raises, saying why, where it is not plain)
    return parts


def chunks(parts: list[bytes], size: int) -> list[bytes]:
    """The JSON arrays of ``size`` encoded values at a time (as msgspec encodes a list)."""
    return [b"[" + b",".join(parts[s : s + size]) + b"]" for s in range(0, len(parts), size)]


def taken_ids(scenario: Any, keys: list[str]) -> list[str]:
    """Those of ``keys`` that are ids of events of ``scenario`` already (looked up
    together where the events are a table)."""
    events = scenario.events
    if hasattr(events, "positions_of"):
        found = events.positions_of(keys)
        return [keys[i] for i in (found >= 0).nonzero()[0].tolist()]
    return [k for k in keys if scenario.event(k) is not None]
