"""A scenario's events, stored once, column by column: :class:`EventTable`.

Strings are pyarrow arrays, numbers numpy arrays, repeated values codes
(:mod:`monitor.model.columns` makes the columns and the derived values, for a file's
events and for events made by the program alike). :class:`Event` objects are views,
made on demand and equal to what the file says; fields this version does not know are
kept as JSON text in a column (:mod:`monitor.model.extras`), or the whole event as an
object beside the columns where that cannot be (unknown location fields).

Edits are by event id and incremental: :meth:`EventTable.add`, :meth:`~EventTable.replace`
and :meth:`~EventTable.remove` splice the columns (Arrow chunks are sliced, not copied;
numpy columns are copied once, a few milliseconds for a million rows). Each row has a
*slot*, a number that never changes and increases in file order, so finding an event by
id needs no rebuild after an edit: ids of the table as first indexed map to their slot,
later edits are noted beside, and a slot's row is found by bisection.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from monitor.model import extras as extra_text
from monitor.model.bulk import BulkEdits
from monitor.model.chunks import splice
from monitor.model.codes import Codes
from monitor.model.columns import NUMBER_COLUMNS, TEXT_COLUMNS, ColumnBuilder
from monitor.model.parts import Event, Location, Verification

if TYPE_CHECKING:
    import pandas as pd

_BLOCK = 256  # rows converted to Python values together (one value at a time costs microseconds)
_GRADES = ("A", "B", "C", "D", "E", "F")
_TEXT = pa.large_string()


class TableBuilder:
    """Collects the columns of runs of events (in file order) into one :class:`EventTable`."""

    def __init__(self, builder: ColumnBuilder):
        self.builder = builder
        self.n = 0
        self.text: dict[str, list[pa.Array]] = {k: [] for k in TEXT_COLUMNS}
        self.num: dict[str, list[np.ndarray]] = {k: [] for k in NUMBER_COLUMNS}
        self.categories = Codes()
        self.verifications = Codes()
        self.exact: dict[int, tuple[Any, Any]] = {}  # events whose lat/lon are JSON integers
        self.odd: dict[int, Event] = {}

    def add(self, col: dict[str, Any], odd: dict[int, Event]) -> None:
        """Append the columns of a run of events (``odd``: those kept as objects)."""
        base = self.n
        for key, codes in (("category", self.categories), ("verification", self.verifications)):
            distinct, indices = col[key]
            col[key] = np.array([codes.code(v) for v in distinct] + [0], np.int32)[indices]
        for i, e in odd.items():
            self.odd[base + i] = e
        for i, pair in col.get("exact", {}).items():
            self.exact[base + i] = pair
        for k in TEXT_COLUMNS:
            self.text[k].append(col[k])
        for k in NUMBER_COLUMNS:
            self.num[k].append(col[k])
        self.n += len(col["time_ns"])

    def finish(self) -> EventTable:
        # One column at a time, its windows' arrays let go at once: the peak is the columns
        # and one more (not the numbers twice over, ~40 MB for a million events).
        num = {}
        for k in NUMBER_COLUMNS:
            parts, self.num[k] = self.num[k], []
            num[k] = np.asarray(np.concatenate(parts) if parts else np.empty(0), _DTYPES[k])
            del parts
        for key, codes in (("category", self.categories), ("verification", self.verifications)):
            num[key] = _sorted_codes(codes, num[key])
        text = {k: pa.chunked_array(v, type=_TEXT) for k, v in self.text.items()}
        return EventTable(
            self.builder,
            text,
            num,
            self.categories,
            self.verifications,
            self.exact,
            self.odd,
            np.arange(self.n, dtype=np.int64),
        )


def _sorted_codes(codes: Codes, values: np.ndarray) -> np.ndarray:
    """``values`` (codes of ``codes``) mapped to its sorted order, in its integer type."""
    remap = codes.sort()
    return remap[values].astype(codes.dtype()) if len(values) else values.astype(codes.dtype())


_DTYPES = {
    "time_ns": np.int64,
    "end_ns": np.int64,
    "day": bool,
    "summary_null": bool,
    "has_location": bool,
    "lat": np.float64,
    "lon": np.float64,
    "credibility": np.int8,
    "reliability_own": np.int8,
    "category": np.int64,
    "verification": np.int64,
    "reliability": np.int8,
}


@functools.cache
def _grade_dtype() -> Any:
    """The reliability grades' categorical type ("" for none), made once."""
    import pandas as pd

    return pd.CategoricalDtype(["", *_GRADES])


def _typed(num: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=_DTYPES[k]) for k, v in num.items()}


class EventTable(BulkEdits, Sequence[Event]):
    """``scenario.events``: a sequence of :class:`Event` in file order, stored as columns.

    Index, slice and iterate for events (views made on demand); :meth:`get` /
    :meth:`position` by id; :meth:`add` / :meth:`replace` / :meth:`remove` to edit;
    :attr:`version` rises with every edit; :meth:`frame` is the events frame the views use
    (row i is ``table[i]``; shared, treat it as read-only).
    """

    def __init__(
        self,
        builder: ColumnBuilder,
        text: dict[str, pa.ChunkedArray],
        num: dict[str, np.ndarray],
        categories: Codes,
        verifications: Codes,
        exact: dict[int, tuple[Any, Any]],
        odd: dict[int, Event],
        slots: np.ndarray,
    ):
        self._builder = builder
        self._text = text
        self._set_numbers(num, slots)
        self._categories = categories
        self._verifications = verifications
        self._exact = exact  # by slot
        self._odd = odd  # by slot
        self._next_slot = int(slots[-1]) + 1 if len(slots) else 0
        self.version = 0
        self.last_edit: tuple[int, str, int, str] | None = None  # see _edited
        self._frame: tuple[int, pd.DataFrame] | None = None
        self._blocks: dict[int, dict[str, list[Any]]] = {}
        self._index: Any = None  # pandas Index of the ids when first indexed ...
        self._index_slots: np.ndarray | None = None  # ... and their slots
        self._moved: dict[str, int | None] = {}  # ids added or removed since (slot, or None)
        # Per text column: (the column, where each of its chunks ends, its chunks), for edits.
        self._chunk_ends: dict[str, tuple[pa.ChunkedArray, np.ndarray, list[pa.Array]]] = {}

    def _set_numbers(self, num: dict[str, np.ndarray], slots: np.ndarray) -> None:
        """Numbers and slots as stores with room to grow (``add`` writes after the rows in
        place); ``_num`` and ``_slots`` are views of the rows."""
        self._store = num
        self._slot_store = slots
        self._views(len(slots))

    def _views(self, n: int) -> None:
        self._num = {k: v[:n] for k, v in self._store.items()}
        self._slots = self._slot_store[:n]

    @classmethod
    def of_events(
        cls,
        events: list[Event],
        *,
        tz: tzinfo,
        sources: dict[str, Any],
        faction_names: dict[str, str],
    ) -> EventTable:
        """A table of events made by the program (taken as they are, not checked)."""
        builder = ColumnBuilder(tz, sources, faction_names, strict=False)
        table = TableBuilder(builder)
        for start in range(0, len(events), 8192):
            table.add(*builder.events(events[start : start + 8192]))
        return table.finish()

    # -- the sequence ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._slots)

    def __getitem__(self, index: Any) -> Any:
        n = len(self._slots)
        if isinstance(index, slice):
            return [self._event(i) for i in range(*index.indices(n))]
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("event index out of range")
        return self._event(i)

    def __iter__(self) -> Iterator[Event]:
        for i in range(len(self._slots)):
            yield self._event(i)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, tuple, EventTable)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<EventTable: {len(self):,} events>"

    def __copy__(self) -> EventTable:
        # (Numbers copied: edits write them in place.)
        twin = EventTable(
            self._builder,
            dict(self._text),
            {k: v.copy() for k, v in self._num.items()},
            Codes(self._categories.values),
            Codes(self._verifications.values),
            dict(self._exact),
            dict(self._odd),
            self._slots.copy(),
        )
        twin._next_slot = self._next_slot
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> EventTable:
        twin = self.__copy__()  # (the arrays are never changed in place: shared)
        twin._odd = {k: copy.deepcopy(e, memo) for k, e in self._odd.items()}
        return twin

    def columns(self) -> dict[str, Any]:
        """A copy of what the table holds, for :mod:`monitor.model.cache` (text columns are
        immutable Arrow arrays: shared; numbers, codes and the events kept as objects copied,
        so later edits do not reach it). Rows are in slot order after a load."""
        return {
            "text": dict(self._text),
            "num": {k: v.copy() for k, v in self._num.items()},
            "categories": list(self._categories.values),
            "verifications": list(self._verifications.values),
            "exact": dict(self._exact),
            "odd": dict(self._odd),
            "slots": self._slots.copy(),
        }

    @classmethod
    def of_columns(cls, builder: ColumnBuilder, got: dict[str, Any]) -> EventTable:
        """A table of what :meth:`columns` gave (read back from the cache, say)."""
        return cls(
            builder,
            {k: got["text"][k] for k in TEXT_COLUMNS},
            {k: got["num"][k] for k in NUMBER_COLUMNS},  # (in their own types: codes int8 ...)
            Codes(got["categories"]),
            Codes(got["verifications"]),
            got["exact"],
            got["odd"],
            got["slots"],
        )

    def ids(self) -> pa.ChunkedArray:
        """The events' ids, in order."""
        return self._text["id"]

    # -- by id ------------------------------------------------------------------------------
    def position(self, event_id: str) -> int | None:
        """The index of the event with this id (None if there is none)."""
        slot = self._slot_of(event_id)
        if slot is None:
            return None
        i = int(np.searchsorted(self._slots, slot))
        return i if i < len(self._slots) and self._slots[i] == slot else None

    def get(self, event_id: str) -> Event | None:
        i = self.position(event_id)
        return None if i is None else self._event(i, alone=True)

    def __contains__(self, value: object) -> bool:
        if isinstance(value, str):
            return self.position(value) is not None
        return isinstance(value, Event) and self.get(value.id) == value

    def index_ids(self) -> None:
        """Build the index of ids now (else the first lookup by id does: ~0.1 s for a million
        events, worth doing in a loading thread)."""
        if self._index is None:
            import pandas as pd

            self._index = pd.Index(pd.arrays.ArrowStringArray(self._text["id"]))
            self._index_slots = self._slots
            self._moved = {}
            if len(self._slots):  # the hash table is made on the first lookup: now
                self._index.get_loc(self._index[0])

    def _slot_of(self, event_id: str) -> int | None:
        if event_id in self._moved:
            return self._moved[event_id]
        self.index_ids()
        try:
            got = self._index.get_loc(event_id)
        except KeyError:
            return None
        if not isinstance(got, int):  # the same id more than once (a table made in memory)
            got = (
                int(np.flatnonzero(np.asarray(got))[0]) if not isinstance(got, slice) else got.start
            )
        assert self._index_slots is not None
        return int(self._index_slots[got])

    # -- edits ------------------------------------------------------------------------------
    def add(self, event: Event) -> None:
        """Append ``event`` (after the others). ValueError if its id is taken."""
        if self.position(event.id) is not None:
            raise ValueError(f'an event with id "{event.id}" exists already')
        col, odd, exact = self._columns_of(event)
        slot = self._next_slot
        self._next_slot += 1
        n = len(self._slots)
        self._text = {k: self._splice(k, n, n, col[k]) for k in self._text}
        if n == len(self._slot_store):  # full: room for half as many again (amortised growth)
            room = max(16, n + n // 2)
            for k, v in self._store.items():
                grown = np.empty(room, v.dtype)
                grown[:n] = v[:n]
                self._store[k] = grown
            grown = np.empty(room, np.int64)
            grown[:n] = self._slots
            self._slot_store = grown
        for k, v in self._store.items():  # after the rows: no view of an older version sees it
            v[n] = col[k][0]
        self._slot_store[n] = slot
        self._views(n + 1)
        self._note(slot, odd, exact)
        self._moved[event.id] = slot
        self._edited(("add", n, event.id))

    append = add  # (a list's name for it)

    def replace(self, event: Event) -> Event:
        """Put ``event`` in place of the event with its id; returns the one replaced.
        KeyError if there is none."""
        i = self.position(event.id)
        if i is None:
            raise KeyError(event.id)
        old = self._event(i, alone=True)
        col, odd, exact = self._columns_of(event)
        # Only the texts that changed (a title's edit: the title alone); the others keep
        # their column, so that views can tell they stand.
        self._text = {
            k: v if v[i].as_py() == col[k][0].as_py() else self._splice(k, i, i + 1, col[k])
            for k, v in self._text.items()
        }
        for k, v in self._num.items():  # in place (a frame of an older version sees them too)
            v[i] = col[k][0]
        slot = int(self._slots[i])
        self._odd.pop(slot, None)
        self._exact.pop(slot, None)
        self._note(slot, odd, exact)
        self._edited(("replace", i, event.id))
        return old

    def remove(self, event_id: str) -> Event:
        """Delete the event with this id and return it. KeyError if there is none."""
        i = self.position(event_id)
        if i is None:
            raise KeyError(event_id)
        old = self._event(i, alone=True)
        self._text = {k: self._splice(k, i, i + 1, None) for k in self._text}
        slot = int(self._slots[i])
        self._set_numbers(
            {k: np.delete(v, i) for k, v in self._num.items()}, np.delete(self._slots, i)
        )
        self._odd.pop(slot, None)
        self._exact.pop(slot, None)
        self._moved[event_id] = None
        self._edited(("remove", i, event_id))
        return old

    def _splice(self, name: str, start: int, stop: int, insert: pa.Array | None) -> pa.ChunkedArray:
        """Text column ``name`` with rows ``start:stop`` replaced by ``insert``."""
        column = self._text[name]
        held = self._chunk_ends.get(name)
        known = held is not None and held[0] is column
        chunks = held[2] if held is not None and known else list(column.chunks)
        out, ends = splice(column, held[1] if held and known else None, start, stop, insert, chunks)
        self._chunk_ends[name] = (out, ends, chunks)
        return out

    def _columns_of(
        self, event: Event
    ) -> tuple[dict[str, Any], Event | None, tuple[Any, Any] | None]:
        col, odd = self._builder.events([event])
        for key, codes in (("category", self._categories), ("verification", self._verifications)):
            distinct, indices = col[key]
            col[key] = np.array([codes.code(v) for v in distinct] + [0], np.int64)[indices]
            if not codes.is_sorted():  # a new value: every row's code is mapped once (rare)
                remap = codes.sort()
                col[key] = remap[col[key]]
                n = len(self._slots)
                store: np.ndarray = np.zeros(len(self._store[key]), codes.dtype())  # room kept
                store[:n] = remap[self._store[key][:n]]  # the rows only: the room is not codes
                self._store[key] = store
                self._views(n)
            col[key] = col[key].astype(codes.dtype())
        col.update(
            _typed({k: col[k] for k in NUMBER_COLUMNS if k not in ("category", "verification")})
        )
        return col, odd.get(0), col.get("exact", {}).get(0)

    def _note(self, slot: int, odd: Event | None, exact: tuple[Any, Any] | None) -> None:
        if odd is not None:
            self._odd[slot] = odd
        if exact is not None:
            self._exact[slot] = exact

    def _edited(self, what: tuple[str, int, str] | None = None) -> None:
        self.version += 1
        self._blocks.clear()
        # (version, "add" / "replace" / "remove", the row, the id): for views following edits
        self.last_edit = None if what is None else (self.version, *what)

    def refresh(self, sources: dict[str, Any], faction_names: dict[str, str]) -> None:
        """Make the derived columns again if the scenario's sources (their grades) or
        factions (their names) are not those the columns were made with (one pass over
        every event: for edits of sources and factions, not of events)."""
        if self._builder.same_context(sources, faction_names):
            return
        fresh = EventTable.of_events(
            list(self), tz=self._builder.tz, sources=sources, faction_names=faction_names
        )
        version = self.version
        for name in (
            "_builder",
            "_text",
            "_store",
            "_slot_store",
            "_num",
            "_categories",
            "_verifications",
            "_exact",
            "_odd",
            "_slots",
            "_next_slot",
        ):
            setattr(self, name, getattr(fresh, name))
        self._index, self._index_slots, self._moved = None, None, {}
        self.version = version
        self._edited()

    # -- views ------------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """The events frame (:func:`monitor.model.frames.events_frame`), made once per version."""
        if self._frame is not None and self._frame[0] == self.version:
            return self._frame[1]
        import pandas as pd

        text, num = self._text, self._num
        strings = pd.arrays.ArrowStringArray
        frame = pd.DataFrame(
            {
                "id": strings(text["id"]),
                "time_ns": num["time_ns"],
                "end_ns": num["end_ns"],
                "day": num["day"],
                "title": strings(text["title"]),
                "summary": strings(text["summary"]),
                "category": self._categories.categorical(num["category"]),
                "actors": strings(text["actors"]),
                "location": strings(text["location"]),
                "lat": num["lat"],
                "lon": num["lon"],
                "verification": self._verifications.categorical(num["verification"]),
                "reliability": pd.Categorical.from_codes(
                    num["reliability"] + 1, dtype=_grade_dtype(), validate=False
                ),
                "credibility": num["credibility"],
                "grade": strings(text["grade"]),
                "source_ids": strings(text["source_ids"]),
                "actor_list": strings(text["actor_list"]),  # (ids, U+001F between)
            },
            copy=False,  # (the arrays as they are: no 2-D blocks copied together)
        )
        self._frame = (self.version, frame)
        return frame

    def rows(self, start: int, stop: int) -> dict[str, Any]:
        """Rows ``start:stop`` as columns, for writing them: each text column as one Arrow
        array, the numbers, category / verification text, and the events kept as objects
        and exact (integer) coordinates by row in the slice."""
        out: dict[str, Any] = {
            k: v.slice(start, stop - start).combine_chunks() for k, v in self._text.items()
        }
        out.update({k: v[start:stop] for k, v in self._num.items()})
        out["category_text"] = pa.array([*self._categories.values, ""], _TEXT).take(
            pa.array(out["category"])
        )
        out["verification_text"] = pa.array([*self._verifications.values, ""], _TEXT).take(
            pa.array(out["verification"])
        )
        slots = self._slots[start:stop].tolist()
        out["odd"] = (
            {i: self._odd[s] for i, s in enumerate(slots) if s in self._odd} if self._odd else {}
        )
        out["exact"] = (
            {i: self._exact[s] for i, s in enumerate(slots) if s in self._exact}
            if self._exact
            else {}
        )
        return out

    def _block(self, b: int) -> dict[str, list[Any]]:
        got = self._blocks.get(b)
        if got is None:
            start = b * _BLOCK
            got = self._rows_of(start, min(len(self._slots), start + _BLOCK))
            if len(self._blocks) >= 4:
                self._blocks.pop(next(iter(self._blocks)))
            self._blocks[b] = got
        return got

    def _rows_of(self, start: int, stop: int) -> dict[str, list[Any]]:
        """Rows ``start:stop`` as Python values, column by column."""
        got = {
            k: self._text[k].slice(start, stop - start).to_pylist()
            for k in (
                "id", "time", "title", "summary", "location", "actor_list", "source_list", "extra"
            )
        }
        for k in (
            "lat",
            "lon",
            "category",
            "verification",
            "credibility",
            "reliability_own",
            "summary_null",
            "has_location",
        ):
            got[k] = self._num[k][start:stop].tolist()
        got["slot"] = self._slots[start:stop].tolist()
        return got

    def _event(self, i: int, alone: bool = False) -> Event:
        """Event ``i``, from its block of rows (``alone``: one event looked up by id, made
        from its own row unless its block is at hand: an edit needs no block of 256)."""
        b = i // _BLOCK
        if alone and b not in self._blocks:
            block, j = self._rows_of(i, i + 1), 0
        else:
            block, j = self._block(b), i % _BLOCK
        slot = block["slot"][j]
        odd = self._odd.get(slot) if self._odd else None
        if odd is not None:
            return odd
        actors = block["actor_list"][j]
        sources = block["source_list"][j]
        location = None
        if block["has_location"][j]:
            lat, lon = self._exact.get(slot) or (block["lat"][j], block["lon"][j])
            if lat != lat:  # NaN: no coordinates
                lat = lon = None
            location = Location(block["location"][j], lat, lon, {})
        credibility = block["credibility"][j]
        reliability = block["reliability_own"][j]
        return Event(
            block["id"][j],
            self._builder.moments(block["time"][j]),
            block["title"][j],
            self._categories.values[block["category"][j]],
            actors.split("\x1f") if actors else [],
            sources.split("\x1f") if sources else [],
            Verification(self._verifications.values[block["verification"][j]]),
            None if block["summary_null"][j] else block["summary"][j],
            location,
            credibility or None,
            _GRADES[reliability] if reliability >= 0 else None,
            extra_text.decode(block["extra"][j]),
        )
