"""Edits of many events at once, for :class:`monitor.model.events.EventTable` (a mixin
over the table's own state): an import's new events added in one conversion, and the
import undone by deleting them together — not one splice of every column per event.
Pure Python, no Qt."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from monitor.model.columns import Codes, ColumnBuilder
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

    def remove_many(self, event_ids: list[str]) -> None:
        """Delete these events at once. KeyError (nothing deleted) if one is not here."""
        positions = []
        for event_id in event_ids:
            i = self.position(event_id)
            if i is None:
                raise KeyError(event_id)
            positions.append(i)
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
