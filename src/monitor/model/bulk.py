"""Edits of many events at once, for :class:`monitor.model.events.EventTable` (a mixin
over the table's own state): an import's new events added in one conversion, and the
import undone by deleting them together — not one splice of every column per event.
Pure Python, no Qt."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from monitor.model import extras as extra_text

if TYPE_CHECKING:
    from monitor.model.codes import Codes
    from monitor.model.columns import ColumnBuilder
    from monitor.model.parts import Event

_RUN = 8192  # events converted together


class BulkEdits:
    """``extend`` and ``remove_many`` of the event table."""

    if TYPE_CHECKING:  # the table's state (see EventTable)
        _builder: ColumnBuilder
        _text: dict[str, pa.ChunkedArray]
        _num: dict[str, np.ndarray]
        _slots: np.ndarray
        _categories: Codes
        _verifications: Codes
        _odd: dict[int, Event]
        _exact: dict[int, tuple[Any, Any]]
        _next_slot: int
        _index: Any
        _index_slots: Any
        _moved: dict[str, int | None]

        def position(self, event_id: str) -> int | None: ...
        def index_ids(self) -> None: ...
        def _event(self, i: int, alone: bool = False) -> Event: ...
        def _set_numbers(self, num: dict[str, np.ndarray], slots: np.ndarray) -> None: ...
        def _edited(self, what: tuple[str, int, str] | None = None) -> None: ...

    def extend(self, events: list[Event]) -> None:
        """Append many events after the others, converted together (an import: one pass,
        not one per event). ValueError (nothing added) if an id is taken or given twice."""
        events = list(events)
        if not events:
            return
        ids = [e.id for e in events]
        if len(set(ids)) != len(ids):
            raise ValueError("the same event id is given twice")
        taken = next((i for i in ids if self.position(i) is not None), None)
        if taken is not None:
            raise ValueError(f'an event with id "{taken}" exists already')
        self.extend_columns(
            self._builder.events(events[start : start + _RUN])
            for start in range(0, len(events), _RUN)
        )

    def extend_columns(self, parts: Iterable[tuple[dict[str, Any], dict[int, Event]]]) -> None:
        """Append runs of events already converted (and checked) by a
        :class:`~monitor.model.columns.ColumnBuilder` (``events`` or ``window``); their ids
        must be new (the caller checks)."""
        texts: dict[str, list[pa.Array]] = {k: [] for k in self._text}
        nums: dict[str, list[np.ndarray]] = {k: [] for k in self._num}
        odd: dict[int, Event] = {}
        exact: dict[int, tuple[Any, Any]] = {}
        m = 0
        # New category or verification values get codes after the old ones (sorted below).
        coded = (("category", self._categories), ("verification", self._verifications))
        for col, got_odd in parts:
            for key, codes in coded:
                distinct, indices = col[key]
                col[key] = np.array([codes.code(v) for v in distinct] + [0], np.int64)[indices]
            odd.update({m + i: e for i, e in got_odd.items()})
            exact.update({m + i: pair for i, pair in col.get("exact", {}).items()})
            for k, got in texts.items():
                got.append(col[k])
            for k, nval in nums.items():
                nval.append(np.asarray(col[k]))
            m += len(col["time_ns"])
        num: dict[str, np.ndarray] = {}
        for key, codes in coded:
            old = self._num[key].astype(np.int64)
            new = np.concatenate(nums[key]).astype(np.int64)
            if not codes.is_sorted():  # a new value: every row's code is mapped once
                remap = codes.sort()
                old, new = remap[old], remap[new]
            num[key] = np.concatenate([old, new]).astype(codes.dtype())
        for k, v in self._num.items():
            if k not in num:
                num[k] = np.concatenate([v, np.concatenate(nums[k]).astype(v.dtype)])
        if not m:
            return
        base = self._next_slot
        slots = np.concatenate([self._slots, base + np.arange(m, dtype=np.int64)])
        self._text = {
            k: pa.chunked_array([*v.chunks, *(c.cast(v.type) for c in texts[k])], type=v.type)
            for k, v in self._text.items()
        }
        self._odd.update({base + i: e for i, e in odd.items()})
        self._exact.update({base + i: x for i, x in exact.items()})
        self._next_slot = base + m
        self._set_numbers(num, slots)
        self._index, self._index_slots, self._moved = None, None, {}
        self._edited()

    def time_range(self) -> tuple[datetime, datetime] | None:
        """The earliest and latest event instants (None without events)."""
        if not len(self._slots):
            return None
        times = self._num["time_ns"]
        return self._event(int(times.argmin())).time.instant, self._event(
            int(times.argmax())
        ).time.instant

    def with_extra(self, into: Any = None) -> list[tuple[int, str, str, Any]]:
        """The events with fields this version does not know (an import's ``origin``, say),
        in order: (index, id, time as written, those fields), without making the events
        (the fields' texts decoded in one call; ``into``: a msgspec Struct naming the
        fields wanted, see :func:`monitor.model.extras.decode_many`; the fields of events
        kept as objects are given as their dict)."""
        if not len(self._slots):
            return []
        col = self._text["extra"]
        has = pc.greater(pc.binary_length(col), 0)  # (the offsets only: no text compared)
        at = np.flatnonzero(has.to_numpy(zero_copy_only=False))
        got = []
        if len(at):
            every = len(at) == len(self._slots)  # (an imported scenario: no copies taken)
            taken = None if every else pa.array(at, pa.int64())

            def part(c: pa.ChunkedArray) -> pa.ChunkedArray:
                return c if taken is None else c.take(taken)

            got = list(zip(
                at.tolist(),
                part(self._text["id"]).to_pylist(),
                part(self._text["time"]).to_pylist(),
                extra_text.decode_many((col if every else col.filter(has)).combine_chunks(), into),
                strict=True,
            ))
        if self._odd:
            where = np.searchsorted(self._slots, np.array(sorted(self._odd), np.int64))
            for i in where.tolist():
                e = self._odd[int(self._slots[i])]
                if e.extra:
                    got.append((i, e.id, e.time.iso(), e.extra))
            got.sort(key=lambda x: x[0])
        return got

    def positions_of(self, event_ids: list[str]) -> np.ndarray:
        """The index of the event with each of these ids (-1: none), looked up together
        (one hash lookup of them all, not one call per id)."""
        self.index_ids()
        index, index_slots = self._index, self._index_slots
        if not event_ids or not len(index_slots):
            return np.full(len(event_ids), -1, np.int64)
        if not index.is_unique:  # (a table made in memory with an id twice)
            return np.array([-1 if (i := self.position(e)) is None else i for e in event_ids],
                            np.int64)
        at = np.asarray(index.get_indexer(event_ids), np.int64)
        slots = np.where(at >= 0, index_slots[np.maximum(at, 0)], -1)
        moved = self._moved
        if moved:  # ids added, removed or moved since the index was made
            for k, event_id in enumerate(event_ids):
                if event_id in moved:
                    slot = moved[event_id]
                    slots[k] = -1 if slot is None else slot
        pos = np.searchsorted(self._slots, slots)
        inside = pos < len(self._slots)
        found = inside & (slots >= 0)
        found[inside] &= self._slots[pos[inside]] == slots[inside]
        return np.where(found, pos, -1)

    def events_at(self, positions: np.ndarray) -> list[Event]:
        """The events at these indices (those kept whole as they are; the others made from
        their rows, a block at a time)."""
        odd = self._odd
        slots = self._slots[positions].tolist()
        return [e if (e := odd.get(s)) is not None else self._event(i)
                for s, i in zip(slots, positions.tolist(), strict=True)]

    def remove_many(self, event_ids: list[str]) -> None:
        """Delete these events at once. KeyError (nothing deleted) if one is not here."""
        found = self.positions_of(event_ids)
        missing = np.flatnonzero(found < 0)
        if len(missing):
            raise KeyError(event_ids[int(missing[0])])
        positions = found.tolist()
        if not positions:
            return
        drop = np.zeros(len(self._slots), dtype=bool)
        drop[positions] = True
        keep = np.flatnonzero(~drop)
        taken = pa.array(keep, pa.int64())
        self._text = {k: v.take(taken) for k, v in self._text.items()}
        for slot in self._slots[drop].tolist():
            self._odd.pop(slot, None)
            self._exact.pop(slot, None)
        self._set_numbers({k: v[keep] for k, v in self._num.items()}, self._slots[keep])
        self._index, self._index_slots, self._moved = None, None, {}
        self._edited()
