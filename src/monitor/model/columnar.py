"""Events of big files, stored column by column.

A million ``Event`` objects (each with its ``Moment``, datetime, ``Location``,
lists and strings) take ~1 KB apiece: a 0.6 GB file became 2.3 GB in memory,
and building them was most of the loading time. For big files the fast loader
(:mod:`monitor.model.fast_load`, for files of ``COLUMNAR_MIN_BYTES`` and more) reads the ``events`` array with this module
instead:

* the array is cut into windows of a few MB at event boundaries and each
  window is decoded by msgspec straight into typed structs (C speed, types,
  ranges and non-blank text checked while decoding), then turned into columns:
  pyarrow strings, numpy numbers, codes for repeated values;
* those columns *are* the events frame the views use
  (:func:`monitor.model.frames.events_frame`), so it costs nothing more;
* :class:`EventColumns` is the ``scenario.events`` sequence: ``len``, index,
  slice and iteration give ordinary :class:`Event` objects, made on demand and
  equal to what the object loader builds.

The rules are the strict validator's. What this path does not decide raises
:class:`ColumnarFallback` (the loader then reads the file the object way, and
anything invalid still ends with the strict path's full report): an event with
a field this version does not know goes through the object builder alone,
while a duplicate key, a lone surrogate or an escaped colon, non-JSON numbers,
an unusual layout send the whole file back. Duplicate keys, which msgspec
would silently merge, are found by counting: every key in the raw text has
exactly one ``:`` outside strings, so the colons of a window must equal the
keys decoded plus the colons inside decoded strings.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from monitor.model import helpers
from monitor.model.entities import Event, Location, Verification
from monitor.model.fast_load import ColumnarFallback, Fallback
from monitor.model.timeutil import MAX_YEAR, MIN_YEAR, to_ns

if TYPE_CHECKING:  # pandas is imported where a frame is made: a helper process reading
    import pandas as pd  # windows (monitor.model.helpers) does without it

#: Bytes decoded per msgspec call: each call holds the GIL (~15-30 ms at this size).
WINDOW_BYTES = 4 * 1024 * 1024
OWN_SHARE = 2  # with a helper, this process's windows are WINDOW_BYTES / OWN_SHARE
_MAX_WINDOW_BYTES = 64 * 1024 * 1024  # one event bigger than this: the object path decides

# The system allocator rather than jemalloc: the windows' temporary buffers go back to the
# system when freed, so the peak memory of a big load is the columns and little more
# (1M events: 1.0 GB instead of 1.2 GB; no slower).
pa.set_memory_pool(pa.system_memory_pool())


# -- typed decoding ------------------------------------------------------------------------
# gc=False and plain types: the decoder then runs ~3x faster than with per-value constraints
# (a pattern is a Python regex call per string); non-blank text, the enumerations and ranges
# are checked on whole columns afterwards.
class _Loc(msgspec.Struct, gc=False):
    name: str
    lat: int | float | None = None
    lon: int | float | None = None


class _Ev(msgspec.Struct, gc=False):
    id: str
    time: str
    title: str
    category: str
    actors: list[str]
    source_ids: list[str]
    verification: str
    summary: str | None = None
    location: _Loc | None = None
    credibility: int | None = None
    reliability: str | None = None


# Non-ASCII characters that str.casefold() may change (general categories Lu, Ll, Lt, Nl,
# So, and U+0345): a row without any is casefolded by lowering its ASCII letters.
_CASED = r"[\p{Lu}\p{Ll}\p{Lt}\p{Nl}\p{So}\x{0345}]"
# Between two events in a canonical file (json.dumps indent=2, two levels deep).
_CANONICAL_SEPARATOR = b"},\n    {"
_CANONICAL_END = b"}\n  ]"  # the end of a top-level array of objects, canonical layout
_REQUIRED_KEYS = 7  # id, time, title, category, actors, source_ids, verification
_BLOCK = 256  # events converted to Python values together (EventColumns._block)
_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_EV_LIST = msgspec.json.Decoder(list[_Ev])

_WS = re.compile(rb"[ \t\n\r]*")
_BOUNDARY = re.compile(
    rb"\}[ \t\n\r]*,[ \t\n\r]*\{"
)  # "}, {" between two events (or nested objects)
_END = re.compile(rb"\}[ \t\n\r]*\]")  # "} ]": the end of the array (or of a nested one)
# Escaped colons would upset the count of keys (msgspec refuses lone surrogates itself).
_AWKWARD = re.compile(rb"\\u003[aA]")
_GRADES = ("A", "B", "C", "D", "E", "F")
_GRADE_CODE = {g: i for i, g in enumerate(_GRADES)}
# The grade text for (reliability + 1) * 7 + credibility (reliability -1: none; credibility 0: none).
_GRADE_TEXT = pa.array(
    [f"{r or '?'}{c or '?'}" if (r or c) else "" for r in ("", *_GRADES) for c in range(7)],
    type=pa.large_string(),
)
# The usual way of writing a time: the window's times are parsed in one go.
_USUAL_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:[0-5]\d$"


# -- reading -----------------------------------------------------------------------------------
def read_events(
    fh: Any,
    start: int,
    builder: Any,
    tz: tzinfo,
    sources: dict[str, Any],
    faction_names: dict[str, str],
    tick: Callable[[float, str], None],
) -> tuple[EventColumns, int]:
    """Read the ``events`` array whose value starts at byte ``start`` of the open file ``fh``.

    ``builder`` is the fast loader's ``_Builder`` (moment parsing, the object
    path for unusual events); ``sources`` the scenario's sources by id;
    ``tick(fraction, message)`` reports progress and raises ``LoadCancelled``.
    Returns the events and the byte offset just after the array's ``]``.
    Raises ``Fallback`` (invalid: the strict path decides) or :class:`ColumnarFallback`.
    """
    # Read window by window with ordinary reads (not a memory map: a file truncated by
    # someone else meanwhile would kill the process with SIGBUS); the page cache keeps it fast
    # and the process holds one window of the file at a time.
    return _Reader(fh, builder, tz, sources, faction_names, tick).read(start)


class _Reader:
    def __init__(self, fh, builder, tz, sources, faction_names, tick):
        self.fh = fh
        try:
            self.size = max(os.fstat(fh.fileno()).st_size, 1)
        except (OSError, AttributeError, ValueError):
            raise ColumnarFallback from None
        self.columns = _ColumnBuilder(builder, tz, sources, faction_names)
        self.builder = builder
        self.tick = tick
        self._buf: bytearray | None = None

    def _bytes(self, at: int, n: int) -> bytes:
        self.fh.seek(at)
        return self.fh.read(n)

    def _skip_ws(self, at: int) -> tuple[int, bytes]:
        """The position of the next non-space byte from ``at``, and that byte."""
        head = self._bytes(at, 4096)
        q = _WS.match(head).end()
        if q == len(head):
            raise ColumnarFallback  # the end of the file, or pages of white space: not for us
        return at + q, head[q : q + 1]

    def read(self, start: int) -> tuple[EventColumns, int]:
        p, char = self._skip_ws(start)
        if char != b"[":
            raise ColumnarFallback
        p, char = self._skip_ws(p + 1)
        if char == b"]":
            return self.columns.finish(), p + 1
        # More than one window: a helper process (the second core) takes some of them.
        # (A second thread in this process was slower: msgspec and the list building both
        # hold the GIL, and the two threads queued behind each other.)
        helper = helpers.session(self.fh, self.columns) if self.size - p > WINDOW_BYTES else None
        try:
            return self._read(p, helper)
        finally:
            if helper is not None:
                helper.close()

    def _read(self, p: int, helper: helpers.Session | None) -> tuple[EventColumns, int]:
        done: dict[int, tuple[dict[str, Any], dict[int, Event]]] = {}  # by window, not yet added
        given: dict[int, tuple[int, int]] = {}  # windows with the helper: (offset, length)
        cut = added = 0  # windows cut so far, and added to the columns (in file order)

        def settle(block: bool) -> None:
            answers = helper.results(block=block)
            if block and not answers:
                raise ColumnarFallback  # (cannot happen: an answer, or "lost", comes back)
            for i, kind, result in answers:
                at, length = given.pop(i)
                if kind == "ok":
                    done[i] = result
                elif kind == "columnar":
                    raise ColumnarFallback
                elif kind == "fallback":
                    raise Fallback
                else:  # the helper failed or is gone: read the window here
                    chunk = b"[" + self._bytes(at, length) + b"]"
                    rows = self._rows(chunk)
                    if rows is None or len(chunk) != length + 2:
                        raise ColumnarFallback  # (the file changed meanwhile)
                    done[i] = self.columns.window(rows, chunk)

        grow = 1
        while True:
            # Near the end, one window at a time: this process would otherwise wait at the
            # end for a window queued behind the helper's current one.
            near_end = self.size - p < 3 * WINDOW_BYTES
            to_helper = helper is not None and helper.can_take(1 if near_end else 2)
            # With a helper, this process reads half windows: msgspec holds the GIL while it
            # decodes one (~10 ms per MB), and the window's thread waits that long to paint.
            base = WINDOW_BYTES if to_helper or helper is None else max(WINDOW_BYTES // OWN_SHARE, 1)
            window = base * grow
            got = self._next(p, window, raw=to_helper)
            if got is None:
                if window >= _MAX_WINDOW_BYTES or p + window >= self.size:
                    raise ColumnarFallback  # no decodable cut: broken, or an odd layout
                grow *= 2
                continue
            rows, chunk, length, after, final = got
            grow = 1
            if to_helper:
                given[cut] = (p, length)
                helper.submit(cut, p, length)
            else:
                done[cut] = self.columns.window(rows, chunk)
            del rows, chunk
            cut += 1
            p = after
            if given:
                settle(block=False)
            while added in done:
                self.columns.add(*done.pop(added))
                added += 1
            self.tick(min(p / self.size, 1.0), f"Reading events ({self.columns.n:,})")
            if final:
                break
        while given:
            settle(block=True)
            while added in done:
                self.columns.add(*done.pop(added))
                added += 1
            self.tick(1.0, f"Reading events ({self.columns.n:,})")
        return self.columns.finish(), p

    def _next(self, p: int, window: int, raw: bool = False):
        """The next run of whole events from ``p``: (events, their text as ``[...]`` bytes,
        its length without the brackets, next position, is it the last). ``raw``: the
        events only checked as JSON (msgspec.Raw), for the helper; no bytes then."""
        # The window is read into a buffer kept between windows (no fresh 4 MB per window),
        # after a "[" at index 0; a cut is tried by writing "]" after it.
        if self._buf is None or len(self._buf) < window + 2:
            self._buf = bytearray(window + 2)
        buf = self._buf
        buf[0] = 0x5B  # "["
        self.fh.seek(p)
        n = self.fh.readinto(memoryview(buf)[1 : window + 1])
        # A cut is right exactly when the text up to it decodes as a list: a cut inside a
        # string or a nested value leaves it unterminated or unbalanced.
        for end_brace, after in self._ends(buf, 1 + n):
            got = self._try_cut(buf, end_brace, raw)
            if got is not None:
                return (*got, p + after - 1, True)
        # The last "}, {" of the window (searched from its end), or the one before, ...
        tries, cut = 0, 1 + n
        while tries < 3:
            cut = buf.rfind(b"}", 1, cut)
            if cut < 0:
                break
            m = _BOUNDARY.match(buf, cut, 1 + n)
            if m is None:
                continue
            tries += 1
            got = self._try_cut(buf, cut, raw)
            if got is not None:
                return (*got, p + m.end() - 2, False)
        return None

    @staticmethod
    def _ends(buf: bytearray, stop: int) -> list[tuple[int, int]]:
        """Where the events array may end in the window: ("}" of the last event, just after
        the "]"), at most three tries. A window in the canonical layout is searched for its
        "}\n  ]" alone (a plain search, not a regular expression over 4 MB)."""
        if buf.find(_CANONICAL_SEPARATOR, 1, stop) >= 0:
            i = buf.find(_CANONICAL_END, 1, stop)
            return [] if i < 0 else [(i, i + len(_CANONICAL_END))]
        out = []
        for m in _END.finditer(buf, 1, stop):
            out.append((m.start(), m.end()))
            if len(out) == 3:
                break
        return out

    def _try_cut(self, buf: bytearray, brace: int, raw: bool):
        """(events, bytes, length) of the window cut just after ``brace``; None if that is
        not between two events."""
        kept = buf[brace + 1]
        buf[brace + 1] = 0x5D  # "]"
        try:
            if raw:
                rows = self._raw_rows(memoryview(buf)[: brace + 2])
                return None if rows is None else (rows, None, brace)
            chunk = bytes(memoryview(buf)[: brace + 2])
        finally:
            buf[brace + 1] = kept
        rows = self._rows(chunk)
        return None if rows is None else (rows, chunk, brace)

    @staticmethod
    def _rows(chunk: bytes) -> list[_Ev] | None:
        """The events of a window cut at ``chunk``'s end; None if the cut is not between two."""
        try:
            return _EV_LIST.decode(chunk)
        except msgspec.ValidationError:
            # Well-formed (so the cut is right) but not of the expected types: invalid, or
            # NaN, a huge number...: the object path decides.
            raise ColumnarFallback from None
        except msgspec.DecodeError:
            return None

    @staticmethod
    def _raw_rows(chunk: bytes) -> list[msgspec.Raw] | None:
        try:
            return _RAW_LIST.decode(chunk)
        except msgspec.DecodeError:
            return None

# -- columns -----------------------------------------------------------------------------------------
class _Codes:
    """Codes for a few distinct strings, in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.values: list[Any] = []

    def code(self, value: Any) -> int:
        got = self.index.get(value)
        if got is None:
            got = self.index[value] = len(self.values)
            self.values.append(value)
        return got

    def categorical(self, codes: np.ndarray) -> pd.Categorical:
        """Sorted categories, as ``pd.Categorical(values)`` would have them."""
        import pandas as pd

        order = sorted(range(len(self.values)), key=lambda i: self.values[i])
        remap = np.empty(max(len(order), 1), np.int32)
        remap[order] = np.arange(len(order), dtype=np.int32)
        return pd.Categorical.from_codes(
            remap[codes] if len(codes) else codes, categories=[self.values[i] for i in order]
        )


def _local_codes(
    values: pa.Array, allowed: frozenset[str] | None = None
) -> tuple[list[str], np.ndarray]:
    """A window's distinct values (in order of first appearance) and each row's index in them."""
    enc = values.dictionary_encode()
    distinct = enc.dictionary.to_pylist()
    if allowed is not None and not allowed.issuperset(distinct):
        raise _fallback()
    return distinct, enc.indices.to_numpy(zero_copy_only=False)


class _ColumnBuilder:
    """Columns of the events read so far, one chunk of arrays per window."""

    _TEXT = (
        "id",
        "time",
        "title",
        "summary",
        "actors",
        "location",
        "grade",
        "source_ids",
        "search",
        "actor_list",
        "source_list",
    )
    _NUM = (
        "time_ns",
        "end_ns",
        "day",
        "summary_null",
        "has_location",
        "lat",
        "lon",
        "credibility",
        "reliability_own",
        "category",
        "verification",
        "reliability",
    )

    def __init__(
        self, builder: Any, tz: tzinfo, sources: dict[str, Any], faction_names: dict[str, str]
    ):
        self.b = builder
        self.tz = tz
        self.sources = sources
        self.rank = {  # a source's reliability, 0 (A) .. 5 (F); no grade: 99
            s.id: _GRADE_CODE.get(s.reliability, 99) if s.reliability else 99
            for s in sources.values()
        }
        self.names = faction_names
        self.n = 0
        self.text: dict[str, list[pa.Array]] = {k: [] for k in self._TEXT}
        self.num: dict[str, list[np.ndarray]] = {k: [] for k in self._NUM}
        self.categories = _Codes()
        self.verifications = _Codes()
        self.exact: dict[int, tuple[Any, Any]] = {}  # events whose lat/lon are JSON integers
        self.odd: dict[int, Event] = {}
        self.days: dict[str, tuple[int, int, str]] = {}
        self.offsets: dict[str, int] = {}  # "+03:00" -> seconds, once checked by the strict parser
        self.actor_text: dict[str, tuple[str, str]] = {}

    # Everything below runs once per window of a few thousand events, in C where it can:
    # a Python step per event costs ~0.1 s per million.
    def columns(self, rows: list[_Ev] | dict[str, Any]) -> tuple[dict[str, Any], np.ndarray]:
        """The window's columns, and the ``:`` each event has in JSON (one per key plus
        those inside its strings) for the duplicate / unknown key check. ``rows``: the
        events decoded by msgspec, or the arrays pyarrow's JSON reader made of them."""
        src = rows if isinstance(rows, dict) else _row_arrays(rows)
        n = len(src["id"])
        col: dict[str, Any] = {}
        colons = np.full(n, _REQUIRED_KEYS, np.int64)

        def counted(values: Any, *, non_blank: bool = False) -> pa.Array:
            arr = (
                values if isinstance(values, pa.Array) else pa.array(values, type=pa.large_string())
            )
            if _has_colon(arr):  # most columns have none: no count per row needed
                colons[:] += pc.fill_null(pc.count_substring(arr, ":"), 0).to_numpy(
                    zero_copy_only=False
                )
            if non_blank:
                _check_non_blank(arr)
            return arr

        col["id"] = counted(src["id"], non_blank=True)
        times = counted(src["time"])
        col["title"] = counted(src["title"], non_blank=True)
        summary = counted(src["summary"])
        summary_null = summary.is_null().to_numpy(zero_copy_only=False)
        colons += ~summary_null
        col["summary_null"] = summary_null
        col["summary"] = pc.fill_null(summary, "")
        category = counted(src["category"], non_blank=True)
        col["category"] = _local_codes(category)
        col["verification"] = _local_codes(src["verification"], allowed=_VERIFICATION_VALUES)
        given = src["credibility"]
        credibility = pc.fill_null(given, 0).to_numpy(zero_copy_only=False)
        if n and (
            credibility.min() < 0
            or credibility.max() > 6
            or (credibility == 0).sum() != given.null_count
        ):
            raise _fallback()  # 1..6 or nothing
        col["credibility"] = credibility.astype(np.int8)
        colons += credibility != 0
        own = self._own_reliability(src["reliability"])
        colons += own >= 0
        col["reliability_own"] = own
        self._times(times, col)
        col["time"] = times
        self._locations(src, col, colons, counted)
        # Actors: raw references joined (kept, to give the lists back), display names per combination.
        actor_lists = src["actors"]
        _check_non_blank(actor_lists.flatten())
        actor_list = counted(_joined(actor_lists))
        col["actor_list"] = actor_list
        shown, actor_search = self._actor_text(actor_list)
        col["actors"] = shown
        # Sources: known ids only; the best grade among them stands in for an event without its own.
        source_lists = src["source_ids"]
        flat = source_lists.flatten().dictionary_encode()
        rank = self.rank
        try:
            table = np.array([rank[x] for x in flat.dictionary.to_pylist()] + [99], np.int64)
        except KeyError:
            raise _fallback() from None  # a dangling reference: the strict path words it
        ranks = table[flat.indices.to_numpy(zero_copy_only=False)]
        counts = pc.list_value_length(source_lists).to_numpy(zero_copy_only=False).astype(np.int64)
        best = np.full(n, 99, np.int64)
        has = counts > 0
        if len(ranks):
            starts = np.zeros(n, np.int64)
            np.cumsum(counts[:-1], out=starts[1:])
            best[has] = np.minimum.reduceat(ranks, starts[has])
        source_list = counted(_joined(source_lists))
        col["source_list"] = source_list
        col["source_ids"] = pc.replace_substring(source_list, "\x1f", " ")
        derived = np.where(own >= 0, own, np.where(best == 99, -1, best))
        col["reliability"] = derived.astype(np.int8)
        col["grade"] = pc.take(_GRADE_TEXT, pa.array((derived + 1) * 7 + col["credibility"]))
        # The full-text search column: casefold (what the filter compares with), not lower.
        joined = pc.binary_join_element_wise(
            col["title"],
            col["summary"],
            actor_search,
            col["location"],
            pa.scalar("\n", pa.large_string()),
        )
        ascii_only = pc.string_is_ascii(joined)
        lowered = pc.ascii_lower(joined)
        if not pc.all(ascii_only).as_py():
            # Python casefolds only the rows with a non-ASCII character that casefolding can
            # change: all are letters with case, letter numbers (Roman numerals), symbols
            # (circled letters) or U+0345. Arabic, for one, has no case: lowering its rows'
            # ASCII is their casefold.
            # (Only those rows are looked at: most are plain ASCII.)
            other = np.flatnonzero(~ascii_only.to_numpy(zero_copy_only=False))
            beyond = pc.replace_substring_regex(joined.take(other), r"[\x00-\x7f]+", "")
            cased = np.zeros(len(joined), bool)
            cased[other] = pc.match_substring_regex(beyond, _CASED).to_numpy(zero_copy_only=False)
            if cased.any():
                cased = pa.array(cased)
                folded = [x.casefold() for x in joined.filter(cased).to_pylist()]
                lowered = pc.replace_with_mask(
                    lowered, cased, pa.array(folded, type=pa.large_string())
                )
        col["search"] = lowered
        return col, colons

    def _unusual(self, row: _Ev, raw: msgspec.Raw, more: int) -> Event:
        """An event whose JSON holds ``more`` colons than its known fields explain. If its
        fields this version does not know explain them, the event with those kept (its known
        fields were checked with the window's columns); else (a duplicate key) the object
        path decides, and refuses it."""
        try:
            d = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            d = None
        loc = d.get("location") if isinstance(d, dict) else None
        if isinstance(d, dict) and (loc is None or isinstance(loc, dict)):
            extra = {k: v for k, v in d.items() if k not in _EVENT_KEYS}
            loc_extra = {k: v for k, v in loc.items() if k not in _LOCATION_KEYS} if loc else {}
            if _colons(extra) + _colons(loc_extra) == more:
                return self._event_of(row, extra, loc_extra)
        return self.b.object_event(bytes(raw))  # raises Fallback if invalid

    def _event_of(self, row: _Ev, extra: dict[str, Any], loc_extra: dict[str, Any]) -> Event:
        loc = row.location
        return Event(
            row.id,
            self.b.moment(row.time, self.tz),
            row.title,
            row.category,
            row.actors,
            row.source_ids,
            Verification(row.verification),
            row.summary,
            Location(loc.name, loc.lat, loc.lon, loc_extra) if loc is not None else None,
            row.credibility,
            row.reliability,
            extra,
        )

    def window(self, rows: list[_Ev], chunk: bytes) -> tuple[dict[str, Any], dict[int, Event]]:
        """The columns of one window's events (``rows``, decoded from ``chunk``), and its
        events that are not plain (by position in the window). Runs in the loading process or
        in a helper process (:mod:`monitor.model.helpers`); ``add`` takes them in file order."""
        if _AWKWARD.search(chunk):
            raise ColumnarFallback
        try:
            cols, colons = self.columns(rows)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            raise ColumnarFallback from None  # e.g. an integer beyond int64: the object path decides
        odd: dict[int, Event] = {}
        if chunk.count(b":") != int(colons.sum()):
            # Some event has more keys than decoded: a field this version does not know (msgspec
            # skipped it) or a duplicate key (msgspec kept the last). Those go the object way,
            # which keeps unknown fields and refuses duplicates.
            # The colons of each event: its raw text joined with NULs (which JSON text never
            # holds raw), then counted between them in one pass.
            seps = _separators(chunk)
            if len(seps) + 1 == len(rows):
                # The canonical layout: the events' texts are the pieces between separators
                # (found and counted in the bytes with numpy, not split into 7,000 objects).
                text = np.frombuffer(chunk, np.uint8)
                starts = np.concatenate(([1], seps + len(_CANONICAL_SEPARATOR) - 1))
                stops = np.concatenate((seps + 1, [len(chunk) - 1]))
                where = np.flatnonzero(text == 0x3A)  # ":"
                raw_colons = np.searchsorted(where, stops) - np.searchsorted(where, starts)
                for i in np.flatnonzero(raw_colons != colons).tolist():
                    raw = bytes(chunk[starts[i] : stops[i]])  # "{...}"
                    odd[i] = self._unusual(rows[i], raw, int(raw_colons[i] - colons[i]))
            else:
                raws = _RAW_LIST.decode(chunk)
                text = np.frombuffer(b"\x00".join(raws), np.uint8)
                ends = np.append(np.flatnonzero(text == 0), len(text))
                raw_colons = np.diff(np.searchsorted(np.flatnonzero(text == 58), ends), prepend=0)
                for i in np.flatnonzero(raw_colons != colons).tolist():
                    odd[i] = self._unusual(rows[i], raws[i], int(raw_colons[i] - colons[i]))
        return cols, odd

    def _own_reliability(self, values: pa.Array) -> np.ndarray:
        enc = values.cast(pa.string()).dictionary_encode()
        if not _GRADE_CODE.keys() >= set(enc.dictionary.to_pylist()):
            raise _fallback()
        table = np.array([_GRADE_CODE[g] for g in enc.dictionary.to_pylist()] + [-1], np.int8)
        idx = pc.fill_null(enc.indices, len(table) - 1).to_numpy(zero_copy_only=False)
        return table[idx]

    def _times(self, times: pa.Array, col: dict[str, Any]) -> None:
        """Start / end ns and day flags; the canonical text where a time is written otherwise.
        Checked as the object path checks them (an impossible date, an odd offset: Fallback)."""
        n = len(times)
        usual = pc.match_substring_regex(times, _USUAL_TIME).to_numpy(zero_copy_only=False)
        start = np.zeros(n, np.int64)
        if usual.any():
            which = pa.array(usual)
            local_text = pc.utf8_slice_codeunits(times.filter(which), 0, 19)
            local = pc.strptime(
                local_text, format="%Y-%m-%dT%H:%M:%S", unit="s", error_is_null=True
            )
            # strptime rolls 30 Feb over to 1 Mar and :60 to the next minute: the same day and
            # seconds back, or no.
            if local.null_count or not (
                pc.all(pc.equal(pc.day(local), _digits(local_text, 8, 10))).as_py()
                and pc.all(pc.equal(pc.second(local), _digits(local_text, 17, 19))).as_py()
            ):
                raise _fallback()
            years = pc.year(local)
            if pc.min(years).as_py() < MIN_YEAR or pc.max(years).as_py() > MAX_YEAR:
                raise _fallback()
            enc = pc.utf8_slice_codeunits(times.filter(which), 19, 25).dictionary_encode()
            table = np.array([self._offset(o) for o in enc.dictionary.to_pylist()], np.int64)
            seconds = (
                local.cast(pa.int64()).to_numpy(zero_copy_only=False)
                - table[enc.indices.to_numpy()]
            )
            start[usual] = seconds * 1_000_000_000
        end = start.copy()
        day = np.zeros(n, bool)
        canon = None
        b, tz = self.b, self.tz
        for i in np.flatnonzero(~usual).tolist():
            t = times[i].as_py()
            got = self.days.get(t)
            if got is None:
                m = b.moment(t, tz)  # Fallback if invalid
                got = (to_ns(m.instant), to_ns(m.end), m.iso(), m.day)
                if m.day:
                    self.days[t] = got
            start[i], end[i], iso, day[i] = got
            if iso != t:
                canon = canon if canon is not None else times.to_pylist()
                canon[i] = iso
        col["time_ns"], col["end_ns"], col["day"] = start, end, day
        if canon is not None:
            col["time_canon"] = pa.array(canon, type=pa.large_string())

    def _offset(self, text: str) -> int:
        got = self.offsets.get(text)
        if got is None:
            if text == "-00:00":  # written back as +00:00: the object path keeps the text right
                raise ColumnarFallback
            m = self.b.moment(f"2000-01-01T00:00:00{text}", self.tz)  # the strict parser's verdict
            got = self.offsets[text] = int(m.instant.utcoffset().total_seconds())
        return got

    def _locations(
        self, src: dict[str, Any], col: dict[str, Any], colons: np.ndarray, counted
    ) -> None:
        names = counted(src["loc_name"], non_blank=True)
        has = pc.is_valid(names).to_numpy(zero_copy_only=False)
        col["has_location"] = has
        col["location"] = pc.fill_null(names, "")
        colons += 2 * has
        lats, lons = src["lat"], src["lon"]
        lat = pa.array(lats, type=pa.float64()).to_numpy(zero_copy_only=False)
        lon = pa.array(lons, type=pa.float64()).to_numpy(zero_copy_only=False)
        lat_set, lon_set = ~np.isnan(lat), ~np.isnan(lon)
        if (lat_set != lon_set).any():
            raise _fallback()  # both or neither: the strict path words it
        if lat_set.any() and not (
            np.abs(lat[lat_set]).max() <= 90 and np.abs(lon[lon_set]).max() <= 180
        ):
            raise _fallback()  # (also false for infinities)
        colons += lat_set
        colons += lon_set
        col["lat"], col["lon"] = lat, lon
        if isinstance(lats, list) and int in set(map(type, lats)) | set(map(type, lons)):
            col["exact"] = {
                i: (la, lo)
                for i, (la, lo) in enumerate(zip(lats, lons, strict=True))
                if type(la) is int or type(lo) is int
            }

    def _actor_text(self, actor_list: pa.Array) -> tuple[pa.Array, pa.Array]:
        """Display names ("Syrian government; HTS") and the search words per event, worked
        out once per distinct combination of actors."""
        enc = actor_list.dictionary_encode()
        names = self.names
        shown, search = [], []
        for joined in enc.dictionary.to_pylist():
            got = self.actor_text.get(joined)
            if got is None:
                refs = joined.split("\x1f") if joined else []
                text = "; ".join(names.get(a, a) for a in refs)
                got = (text, f"{' '.join(refs)} {text}")
                if len(self.actor_text) < 100_000:
                    self.actor_text[joined] = got
            shown.append(got[0])
            search.append(got[1])
        idx = enc.indices
        return (
            pc.take(pa.array(shown, type=pa.large_string()), idx),
            pc.take(pa.array(search, type=pa.large_string()), idx),
        )

    def add(self, col: dict[str, Any], odd: dict[int, Event]) -> None:
        """Append a window's columns (windows in file order)."""
        base = self.n
        # Codes in order of first appearance in the file (the window's own codes mapped).
        for key, codes in (("category", self.categories), ("verification", self.verifications)):
            distinct, indices = col[key]
            col[key] = np.array([codes.code(v) for v in distinct] + [0], np.int32)[indices]
        for i, e in odd.items():
            self.odd[base + i] = e
        for i, pair in col.pop("exact", {}).items():
            self.exact[base + i] = pair
        col["time"] = col.pop("time_canon", col["time"])
        for k in self._TEXT:
            self.text[k].append(col[k])
        for k in self._NUM:
            self.num[k].append(col[k])
        self.n += len(col["time_ns"])

    def finish(self) -> EventColumns:
        import pandas as pd

        num = {k: np.concatenate(v) if v else np.empty(0) for k, v in self.num.items()}
        text = {k: pa.chunked_array(v, type=pa.large_string()) for k, v in self.text.items()}
        reliability = num["reliability"].astype(np.int64)
        present = sorted(set(np.unique(reliability).tolist()))
        remap = np.zeros(8, np.int64)
        remap[np.array(present, np.int64) + 1] = np.arange(len(present))
        frame = pd.DataFrame(
            {
                "id": pd.arrays.ArrowStringArray(text["id"]),
                "time_ns": num["time_ns"].astype(np.int64),
                "end_ns": num["end_ns"].astype(np.int64),
                "day": num["day"].astype(bool),
                "title": pd.arrays.ArrowStringArray(text["title"]),
                "summary": pd.arrays.ArrowStringArray(text["summary"]),
                "category": self.categories.categorical(num["category"].astype(np.int64)),
                "actors": pd.arrays.ArrowStringArray(text["actors"]),
                "location": pd.arrays.ArrowStringArray(text["location"]),
                "lat": num["lat"].astype(float),
                "lon": num["lon"].astype(float),
                "verification": self.verifications.categorical(
                    num["verification"].astype(np.int64)
                ),
                "reliability": pd.Categorical.from_codes(
                    remap[reliability + 1] if len(reliability) else reliability,
                    categories=[("", *_GRADES)[c + 1] for c in present],
                ),
                "credibility": num["credibility"].astype(np.int8),
                "grade": pd.arrays.ArrowStringArray(text["grade"]),
                "source_ids": pd.arrays.ArrowStringArray(text["source_ids"]),
                "search": pd.arrays.ArrowStringArray(text["search"]),
            }
        )
        return EventColumns(
            frame=frame,
            text=text,
            builder=self.b,
            tz=self.tz,
            summary_null=num["summary_null"].astype(bool),
            has_location=num["has_location"].astype(bool),
            reliability_own=num["reliability_own"].astype(np.int8),
            exact=self.exact,
            odd=self.odd,
        )


def _row_arrays(rows: list[_Ev]) -> dict[str, Any]:
    """The arrays ``_ColumnBuilder.columns`` works from, for events decoded by msgspec."""
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


_VERIFICATION_VALUES = frozenset(v.value for v in Verification)
_X1F = pa.scalar("\x1f", pa.large_string())


def _joined(lists: pa.ListArray) -> pa.Array:
    """Each list as one string, items separated by U+001F (an item holding one: ColumnarFallback)."""
    items = lists.flatten()
    if len(items) and pc.max(pc.count_substring(items, "\x1f")).as_py():
        raise ColumnarFallback
    return pc.binary_join(lists, _X1F)


def _separators(chunk: bytes) -> np.ndarray:
    """Where "},\n    {" (the canonical separator between events) starts in ``chunk``."""
    text = np.frombuffer(chunk, np.uint8)
    if len(text) < len(_CANONICAL_SEPARATOR):
        return np.empty(0, np.int64)
    at = np.flatnonzero(text[: len(text) - len(_CANONICAL_SEPARATOR) + 1] == 0x7D)
    for k, byte in enumerate(_CANONICAL_SEPARATOR[1:], 1):
        at = at[text[at + k] == byte]
    return at


def _has_colon(arr: pa.Array) -> bool:
    """Does any string of ``arr`` hold a ``:``? (One scan of its bytes.)"""
    if not len(arr):
        return False
    if not pa.types.is_large_string(arr.type):
        return True  # (only large strings come here; anything else is simply counted)
    offsets = np.frombuffer(arr.buffers()[1], np.int64)
    first, last = offsets[arr.offset], offsets[arr.offset + len(arr)]
    data = arr.buffers()[2]
    if data is None or last <= first:
        return False
    return bool(np.count_nonzero(np.frombuffer(data, np.uint8)[first:last] == 58))


def _digits(text: pa.Array, start: int, stop: int) -> pa.Array:
    return pc.utf8_slice_codeunits(text, start, stop).cast(pa.int64())


def _check_non_blank(arr: pa.Array) -> None:
    """Every (non-null) string has a character that is not white space, as ``str.isspace``
    counts it. A printable ASCII first byte settles it; the rest are asked in Python."""
    n = len(arr)
    if not n:
        return
    if pa.types.is_large_string(arr.type):  # the first bytes, straight from the buffers
        offsets = np.frombuffer(arr.buffers()[1], np.int64)[arr.offset : arr.offset + n + 1]
        data = arr.buffers()[2]
        first = np.zeros(n, np.uint8)
        filled = offsets[1:] > offsets[:-1]
        if data is not None and filled.any():
            first[filled] = np.frombuffer(data, np.uint8)[offsets[:-1][filled]]
        unsure = pa.array((first < 0x21) | (first > 0x7E))
    else:
        unsure = pc.invert(pc.fill_null(pc.match_substring_regex(arr, "[!-~]"), True))
    if pc.any(unsure).as_py():
        for value in arr.filter(unsure).to_pylist():
            if value is not None and (not value or value.isspace()):  # (None: not given)
                raise _fallback()


_EVENT_KEYS = frozenset(_Ev.__struct_fields__)
_LOCATION_KEYS = frozenset(_Loc.__struct_fields__)


def _colons(value: Any) -> int:
    """The ``:`` of ``value`` written as JSON: one per key, plus those inside strings."""
    if isinstance(value, str):
        return value.count(":")
    if isinstance(value, dict):
        return sum(1 + k.count(":") + _colons(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_colons(v) for v in value)
    return 0


def _fallback() -> Exception:
    return Fallback()


# -- the sequence --------------------------------------------------------------------------------------
class EventColumns(Sequence):
    """``scenario.events`` of a big file: a read-only sequence of :class:`Event`,
    each made on demand from the columns (equal to what the object loader makes).

    :meth:`frame` is the events frame (:func:`monitor.model.frames.events_frame`).
    """

    def __init__(
        self,
        *,
        frame: pd.DataFrame,
        text: dict[str, pa.ChunkedArray],
        builder: Any,
        tz: tzinfo,
        summary_null: np.ndarray,
        has_location: np.ndarray,
        reliability_own: np.ndarray,
        exact: dict[int, tuple[Any, Any]],
        odd: dict[int, Event],
    ):
        self._frame = frame
        self._n = len(frame)
        self._text = text
        self._time = text["time"]
        self._builder = builder
        builder.progress = builder.cancel = None  # the loading thread's callbacks are done
        self._tz = tz
        self._summary_null = summary_null
        self._has_location = has_location
        self._reliability = reliability_own
        self._exact = exact
        self._odd = odd
        self._positions: pd.Index | None = None
        self._blocks: dict[int, dict[str, list[Any]]] = {}
        self._columns = {
            name: text[name]
            for name in ("id", "title", "summary", "location", "actor_list", "source_list")
        }
        # Codes and values, not the pandas arrays: indexing those costs ~60 µs a value.
        category = frame["category"].array
        self._category = (category.codes, list(category.categories))
        verification = frame["verification"].array
        self._verification = (
            verification.codes,
            [Verification(v) for v in verification.categories],
        )
        self._lat = frame["lat"].to_numpy()
        self._lon = frame["lon"].to_numpy()
        self._credibility = frame["credibility"].to_numpy()

    def ids(self) -> pa.ChunkedArray:
        """The events' ids, in order."""
        return self._columns["id"]

    def frame(self) -> pd.DataFrame:
        """The events frame (shared: treat it as read-only)."""
        return self._frame

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._event(i) for i in range(*index.indices(self._n))]
        i = index.__index__()
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("event index out of range")
        return self._event(i)

    def __iter__(self) -> Iterator[Event]:
        for i in range(self._n):
            yield self._event(i)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, tuple, EventColumns)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<EventColumns: {self._n:,} events>"

    def position(self, event_id: str) -> int | None:
        """The index of the event with this id (None if there is none)."""
        if self._positions is None:
            import pandas as pd

            self._positions = pd.Index(self._frame["id"])
        try:
            got = self._positions.get_loc(event_id)
        except KeyError:
            return None
        return got if isinstance(got, int) else None

    def json_pieces(self) -> list[Any]:
        """The events' canonical JSON text (see :func:`events_json_pieces`), for saving."""
        return events_json_pieces(self)

    def _block(self, b: int) -> dict[str, list[Any]]:
        """Rows ``b * _BLOCK`` ... as Python values, converted together (one value at a time
        from Arrow costs microseconds); the last few blocks are kept."""
        got = self._blocks.get(b)
        if got is None:
            start = b * _BLOCK
            stop = min(self._n, start + _BLOCK)
            got = {k: v.slice(start, stop - start).to_pylist() for k, v in self._columns.items()}
            got["time"] = self._time.slice(start, stop - start).to_pylist()
            got["lat"] = self._lat[start:stop].tolist()
            got["lon"] = self._lon[start:stop].tolist()
            got["category"] = self._category[0][start:stop].tolist()
            got["verification"] = self._verification[0][start:stop].tolist()
            got["credibility"] = self._credibility[start:stop].tolist()
            got["reliability"] = self._reliability[start:stop].tolist()
            got["summary_null"] = self._summary_null[start:stop].tolist()
            got["has_location"] = self._has_location[start:stop].tolist()
            if len(self._blocks) >= 4:
                self._blocks.pop(next(iter(self._blocks)))
            self._blocks[b] = got
        return got

    def _event(self, i: int) -> Event:
        odd = self._odd.get(i)
        if odd is not None:
            return odd
        block = self._block(i // _BLOCK)
        j = i % _BLOCK
        actors = block["actor_list"][j]
        sources = block["source_list"][j]
        location = None
        if block["has_location"][j]:
            lat, lon = self._exact.get(i) or (block["lat"][j], block["lon"][j])
            if lat != lat:  # NaN: no coordinates
                lat = lon = None
            location = Location(block["location"][j], lat, lon, {})
        credibility = block["credibility"][j]
        reliability = block["reliability"][j]
        return Event(
            block["id"][j],
            self._builder.moment(block["time"][j], self._tz),
            block["title"][j],
            self._category[1][block["category"][j]],
            actors.split("\x1f") if actors else [],
            sources.split("\x1f") if sources else [],
            self._verification[1][block["verification"][j]],
            None if block["summary_null"][j] else block["summary"][j],
            location,
            credibility or None,
            _GRADES[reliability] if reliability >= 0 else None,
            {},
        )


# -- saving ------------------------------------------------------------------------------------------
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


def _events_text(ev: EventColumns, start: int, stop: int) -> tuple[pa.Array, dict[int, Event]]:
    """The canonical text of events ``start:stop``, one string each followed by the
    separator, indented for their place in the file; and the events kept as objects
    (their strings are to be replaced by the text of ``io._event_json``)."""
    text = {k: v.slice(start, stop - start).combine_chunks() for k, v in ev._text.items()}
    frame = ev._frame.iloc[start:stop]
    summary_null = ev._summary_null[start:stop]
    has_location = ev._has_location[start:stop]
    lat = ev._lat[start:stop]
    lon = ev._lon[start:stop]
    credibility = ev._credibility[start:stop]
    own = ev._reliability[start:stop]

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
    for i, (la, lo) in ev._exact.items():
        if start <= i < stop:
            lats[i - start], lons[i - start] = la, lo
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
        _json_strings(pa.array(frame["category"].array)),
        _lit("," + _IN + '"actors": '),
        _json_lists(text["actor_list"]),
        location,
        _lit("," + _IN + '"source_ids": '),
        _json_lists(text["source_list"]),
        _lit("," + _IN + '"verification": '),
        _json_strings(pa.array(frame["verification"].array)),
        credibility_text,
        reliability,
        _lit("\n    },\n    "),
        _lit(""),
    )
    odd = {i - start: e for i, e in ev._odd.items() if start <= i < stop}
    return events, odd


def _event_text(value: dict[str, Any]) -> bytes:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` as UTF-8; msgspec writes the same
    bytes ~10x faster unless a float would be spelled differently (io._plain_value)."""
    from monitor.model.io import _plain_value

    if _plain_value(value):
        try:
            return msgspec.json.format(msgspec.json.encode(value), indent=2)
        except (TypeError, ValueError, OverflowError, msgspec.MsgspecError):
            pass
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")


def events_json_pieces(ev: EventColumns) -> list[Any]:
    """Buffers whose concatenation is the events array as written at its place in a
    canonical file (``[`` ... ``]``, items indented by four spaces)."""
    from monitor.model.io import _event_json

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
            pieces.append(_event_text(_event_json(odd[i])).replace(b"\n", b"\n    ") + b",\n    ")
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
