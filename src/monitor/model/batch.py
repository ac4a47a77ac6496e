"""A run of new events in a batch (an import of 100k events), checked once for the run.

:func:`check_new_events` refuses exactly what :func:`~monitor.model.changes.check_shape`
refuses, change by change, with the same message: the common case (every change well
formed, every value plain JSON) is found in one pass that encodes each value once, and
anything else is left to ``check_shape`` of each change in order (which says what is wrong
with the first). The encodings are read again by the column checks (:func:`json_array`)
and by the journal (:func:`take_json`), so a value is encoded once, not three times.

Pure Python, no Qt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.model.changes import EVENT, MAX_LABEL, Change, check_shape, plain_json
from monitor.model.entities import Scenario

#: The last batch's new events and their values' JSON, for the journal that records the
#: batch next (see :func:`take_json`): at most one (changes, encodings) pair.
_KEPT: list[tuple[list[Change], list[bytes]]] = []


def check_new_events(changes: list[Change]) -> list[bytes] | None:
    """Check ``changes`` (creations of events) as ``check_shape`` checks each; returns each
    value's JSON text (compact, as msgspec encodes it), or None where the quick pass could
    not vouch for every change (``check_shape`` of each then decided, and they passed).
    Raises :class:`~monitor.model.changes.ChangeError`, as ``check_shape`` of the first
    change that does not fit would."""
    parts = _surely_fine(changes)
    if parts is None:
        for change in changes:
            check_shape(change)  # (the first refusal, in order, worded as one by one)
    return parts


def deletions_fine(changes: list[Change]) -> bool:
    """True if every change surely is one ``check_shape`` accepts, given that its ``before``
    is plain JSON (the caller found it equal to the event's JSON as the writer makes it):
    a deletion of an event (no ``after``, no ``place``) whose ``before`` is an object with
    the change's key as its id, with the change's texts as the rules want them. False: let
    ``check_shape`` of each decide."""
    return _surely_fine(changes, new=False) is not None


def _surely_fine(changes: list[Change], new: bool = True) -> list[bytes] | None:
    """The values' JSON if every change is surely one ``check_shape`` accepts: a new event
    (no ``before``, no ``place``) whose value is an object with the change's key as its
    id and is plain JSON, with the change's texts as the rules want them; else None. With
    ``new`` False: the same for deletions (``before`` the value, not encoded: no JSON)."""
    parts: list[bytes] = []
    texts: list[str] = []
    times: set[str] = set()
    for c in changes:
        key, ident = c.key, c.id
        after, other = (c.after, c.before) if new else (c.before, c.after)
        if (
            c.entity != EVENT
            or other is not None
            or c.place is not None
            or type(after) is not dict
            or type(key) is not str
            or type(ident) is not str
            or type(c.author) is not str
            or type(c.recorded) is not str
            or type(c.label) is not str
            or not (c.reverts is None or type(c.reverts) is str)
            or not 0 < len(key) <= 1000
            or not 0 < len(ident) <= 1000
            or len(c.label) > MAX_LABEL
            or after.get("id") != key
            or not key.strip()
            or not ident.strip()
        ):
            return None
        if new:
            text = plain_json(after)
            if text is None:
                return None
            parts.append(text)
        texts += (key, ident, c.author, c.label, c.recorded)
        times.add(c.recorded)
    try:
        "\x00".join(texts).encode("utf-8")  # (an unpaired surrogate anywhere fails this)
        for t in times:
            datetime.fromisoformat(t)
    except ValueError:  # (UnicodeEncodeError is one)
        return None
    return parts


def json_array(parts: list[bytes]) -> bytes:
    """The JSON array of these encoded values (the bytes msgspec makes of the list)."""
    return b"[" + b",".join(parts) + b"]"


def checked_columns(
    scenario: Scenario, items: list[Any], encoded: list[bytes] | None
) -> list[Any] | None:
    """New events' columns checked as the loader checks a file's (encoded as JSON, or the
    ``encoded`` values joined, and read by the typed decoder and the column checks: many
    times faster than the contract's reader on objects); None where those checks cannot
    decide (the contract's reader then says what is wrong)."""
    import msgspec

    from monitor.model.columns import ColumnBuilder, Undecided
    from monitor.model.rows import EV_LIST
    from monitor.model.sections import events_of

    builder = ColumnBuilder(
        scenario.tz,
        scenario.sources_by_id(),
        {f.id: f.name for f in scenario.factions},
        check_events=events_of,
    )
    enc = msgspec.json.Encoder()
    parts = []
    for start in range(0, len(items), 8192):
        chunk = (
            enc.encode(items[start : start + 8192])
            if encoded is None
            else json_array(encoded[start : start + 8192])
        )
        try:
            parts.append(
                builder.window(EV_LIST.decode(chunk), chunk, items[start : start + 8192])
            )
        except (msgspec.ValidationError, msgspec.DecodeError, Undecided, RecursionError):
            return None
    return parts


def keep_json(changes: list[Change], parts: list[bytes]) -> None:
    """Keep the encoded values of a batch's new events (just applied) for its journal;
    those of an earlier batch are dropped."""
    _KEPT[:] = [(changes, parts)]


def take_json(changes: list[Change]) -> list[bytes | None]:
    """For each of ``changes``, its value's JSON kept by :func:`keep_json` if it is one of
    the changes kept (the same object, so the same value: a change is frozen); else None.
    The kept encodings are taken, not kept again."""
    if not _KEPT:
        return [None] * len(changes)
    kept, parts = _KEPT.pop()
    at = {id(c): i for i, c in enumerate(kept)}  # (the kept are alive: their ids are theirs)
    out: list[bytes | None] = []
    for c in changes:
        i = at.get(id(c))
        out.append(None if i is None or kept[i] is not c else parts[i])
    return out


def drop_json() -> None:
    """Forget the kept encodings (another edit came)."""
    _KEPT.clear()
