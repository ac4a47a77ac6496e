"""Where a change finds or puts a crossing's status entry: entries are addressed by their
content (the JSON the file writes), with a position hint checked against it (see
:attr:`monitor.model.changes.Change.place`). The history's JSON is made lazily, entry by
entry, so finding one among a thousand costs what the entries passed cost."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, overload

from monitor.model.timeutil import parse_moment
from monitor.model.writer import status_entry_json


class EntriesJson(Sequence[dict[str, Any]]):
    """The JSON of a crossing's status entries, each written when first looked at: finding
    one entry among a thousand reads the few it passes, not the whole history."""

    def __init__(self, entries: list[Any]):
        self._entries = entries
        self._json: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self._entries)
        got = self._json.get(i)
        if got is None:
            got = self._json[i] = status_entry_json(self._entries[i])
        return got


def find_entry(
    history: Sequence[dict[str, Any]], entry: Any, place: Any, *, last: bool = False
) -> int | None:
    """The index of ``entry``: where ``place`` says if the content there agrees, else the
    first equal entry (``last``: the last one; for a deletion, where equal entries give the
    same history whichever goes, and the newest entry is the one a toggle's undo removes)."""
    n = len(history)
    if place is not None:
        i = place["index"]
        if i < n and history[i] == entry:
            return i
    indices = range(n - 1, -1, -1) if last else range(n)
    return next((i for i in indices if history[i] == entry), None)


def insert_at(history: Sequence[dict[str, Any]], entry: Any, place: Any, tz: Any) -> int:
    """Where a new entry goes: back at ``place`` if the entry after it is still the one
    that was there, else where its times sort."""
    if place is not None:
        i, following = place["index"], place["next"]
        if i <= len(history) and (history[i] if i < len(history) else None) == following:
            return i
    return entry_position(history, entry, tz)


def list_insert_at(keys: Sequence[str], place: Any) -> int:
    """Where a new source, faction, crossing or territory share goes in its list (``keys``:
    the list's keys now): before the item ``place`` names as the next one (a deletion
    undone), else at its index, else last."""
    if not isinstance(place, dict):
        return len(keys)
    following = place.get("next")
    if following is not None and following in keys:
        return list(keys).index(following)
    index = place.get("index")
    return min(index, len(keys)) if isinstance(index, int) else len(keys)


def entry_sort_key(entry: dict[str, Any], tz: Any) -> tuple[str, str, str]:
    """Effective time, then recorded time (both as UTC instants; a day starts at midnight in
    the scenario's zone), then the entry's text: the same order whichever analyst's change
    arrived first."""

    def instant(text: Any) -> str:
        if not isinstance(text, str):
            return ""
        try:
            return parse_moment(text, tz).utc.isoformat()
        except ValueError:
            return text

    return (
        instant(entry.get("time")),
        instant(entry.get("recorded_at")),
        json.dumps(entry, sort_keys=True),
    )


def entry_position(history: Sequence[dict[str, Any]], entry: dict[str, Any], tz: Any) -> int:
    """Where a new entry goes: after the last entry that sorts before it (a file's history
    may be in any order; entries added by changes keep a canonical order, so two analysts'
    logs merged in either order give the same list)."""
    key = entry_sort_key(entry, tz)
    for i in range(len(history) - 1, -1, -1):
        if entry_sort_key(history[i], tz) <= key:
            return i + 1
    return 0


__all__ = ["EntriesJson", "entry_position", "entry_sort_key", "find_entry", "insert_at"]
