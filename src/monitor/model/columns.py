"""Events as columns: the one place where an event's columns and derived values are made.

Events are kept column by column (:class:`monitor.model.events.EventTable`): pyarrow
strings, numpy numbers, codes for repeated values. :class:`ColumnBuilder` makes those
columns for a run of events, wherever the events come from:

* a window of a file's ``events`` array, decoded by msgspec straight into typed structs
  (:func:`decode_window`; types checked while decoding, non-blank text, enumerations,
  ranges and references checked on whole columns afterwards, with the contract's values
  from :mod:`monitor.model.schema`);
* :class:`~monitor.model.entities.Event` objects (an edit, a scenario built in memory):
  :func:`rows_of_events`.

The derived columns the views use -- display names of the actors, the Admiralty grade,
start and end in UTC nanoseconds -- are computed here and nowhere else (the full-text
search text is not stored: :mod:`monitor.model.searchtext` makes it from these columns).
What the column checks do not decide raises :class:`Undecided`: the loader then reads
the file with the strict reader, which words every problem.

Duplicate keys, which msgspec would silently merge, are found by counting: every key in
the raw text has exactly one ``:`` outside strings, so the colons of a window must equal
the keys decoded plus the colons inside decoded strings; an event with more is decoded
again by the stdlib parser (duplicate keys refused, unknown fields kept and checked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from monitor.model import extras as extra_text
from monitor.model.arrowtext import (
    CANONICAL_SEPARATOR,
    Undecided,
    check_non_blank,
    digits,
    has_colon,
    joined,
    local_codes,
    separators,
)
from monitor.model.parts import Event, Location, Moment, Verification
from monitor.model.rows import RAW_LIST, EventRow, row_arrays, row_of
from monitor.model.schema import (
    CREDIBILITY_RANGE,
    EVENT_KEYS,
    GRADES,
    LAT_RANGE,
    LOCATION_KEYS,
    LON_RANGE,
    VERIFICATIONS,
    Validator,
    admiralty_grade,
    has_duplicates,
    pairs_hook,
    unknown_fields_ok,
)
from monitor.model.timeutil import MAX_YEAR, MIN_YEAR, MomentParser, to_ns

# The system allocator rather than jemalloc: the windows' temporary buffers go back to the
# system when freed, so the peak memory of a big load is the columns and little more.
pa.set_memory_pool(pa.system_memory_pool())


REQUIRED_KEYS = 7  # id, time, title, category, actors, source_ids, verification
# Escaped colons would upset the count of keys (msgspec refuses lone surrogates itself).
_AWKWARD = re.compile(rb"\\u003[aA]")
GRADE_CODE = {g: i for i, g in enumerate(GRADES)}
# The grade text at (reliability + 1) * 7 + credibility (reliability -1, credibility 0: none).
_GRADE_TEXT = pa.array(
    [admiralty_grade(r or None, c or None) for r in ("", *GRADES) for c in range(7)],
    type=pa.large_string(),
)
# The usual way of writing a time: the window's times are parsed in one go.
_USUAL_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:[0-5]\d$"


# -- columns --------------------------------------------------------------------------------------
#: The columns of a run of events: strings (Arrow) ...
TEXT_COLUMNS = (
    "id",
    "time",
    "title",
    "summary",
    "actors",
    "location",
    "grade",
    "source_ids",
    "actor_list",
    "source_list",
    "extra",  # unknown fields, compact JSON ("" for none): monitor.model.extras
)
#: ... and numbers (numpy); "category" and "verification" are codes.
NUMBER_COLUMNS = (
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


class ColumnBuilder:
    """The columns of runs of events of one scenario (``sources``: the scenario's sources
    by id; ``faction_names``: display names by faction id).

    ``strict``: the values come from a file and are checked against the contract (what
    the checks do not decide raises :class:`Undecided`); not strict, they are
    :class:`Event` objects made by the program, taken as they are.
    """

    def __init__(
        self,
        tz: tzinfo,
        sources: dict[str, Any],
        faction_names: dict[str, str],
        *,
        strict: bool = True,
        check_events: Callable[..., list[tuple[int, Event]]] | None = None,
    ):
        self.tz = tz
        self.check_events = check_events  # monitor.model.sections.events_of, for unusual events
        self.moments = MomentParser(tz)
        self.sources = sources
        self.rank = {  # a source's reliability, 0 (A) .. 5 (F); no grade: 99
            s.id: GRADE_CODE.get(s.reliability, 99) if s.reliability else 99
            for s in sources.values()
        }
        self.names = faction_names
        self.strict = strict
        self.days: dict[str, tuple[int, int, str, bool]] = {}
        self.offsets: dict[str, int] = {}  # "+03:00" -> seconds, once checked by the strict parser
        self.actor_text: dict[str, str] = {}
        self.decoder = extra_text.Decoder()  # (a builder is used by one thread at a time)

    def same_context(self, sources: dict[str, Any], faction_names: dict[str, str]) -> bool:
        """Were these columns made with these sources' grades and these factions' names?"""
        rank = {
            s.id: GRADE_CODE.get(s.reliability, 99) if s.reliability else 99
            for s in sources.values()
        }
        if (
            rank != self.rank
            and faction_names == self.names
            and all(rank.get(k) == v for k, v in self.rank.items())
            and all(v == 99 for k, v in rank.items() if k not in self.rank)
        ):
            # Only new sources without a grade (an import's): no event's columns change (an
            # unknown source is ungraded too): the columns stand, for these sources as well.
            self.rank, self.sources = rank, sources
            return True
        return rank == self.rank and faction_names == self.names

    def moment(self, text: str) -> Moment:
        try:
            return self.moments(text)
        except ValueError:
            raise Undecided from None

    # Everything below runs once per window of a few thousand events, in C where it can:
    # a Python step per event costs ~0.1 s per million.
    def columns(
        self,
        rows: Sequence[EventRow],
        moments: list[Moment] | None = None,
        extras: list[str] | None = None,
    ) -> tuple[dict[str, Any], np.ndarray]:
        """The columns of ``rows``, and the ``:`` each event has in JSON (one per key plus
        those inside its strings) for the duplicate / unknown key check. ``moments``: the
        rows' times already known (events made by the program); ``extras``: their unknown
        fields' text (:mod:`monitor.model.extras`; None: none has any)."""
        strict = self.strict
        src = row_arrays(rows)
        n = len(src["id"])
        col: dict[str, Any] = {
            "extra": extra_text.empty(n) if extras is None else pa.array(extras, pa.large_string())
        }
        colons = np.full(n, REQUIRED_KEYS, np.int64)

        def counted(values: Any, *, non_blank: bool = False) -> pa.Array:
            arr = (
                values if isinstance(values, pa.Array) else pa.array(values, type=pa.large_string())
            )
            if strict and has_colon(arr):  # most columns have none: no count per row needed
                colons[:] += pc.fill_null(pc.count_substring(arr, ":"), 0).to_numpy(
                    zero_copy_only=False
                )
            if non_blank and strict:
                check_non_blank(arr)
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
        col["category"] = local_codes(category)
        col["verification"] = local_codes(
            src["verification"], allowed=VERIFICATIONS if strict else None
        )
        given = src["credibility"]
        credibility = pc.fill_null(given, 0).to_numpy(zero_copy_only=False)
        lo, hi = CREDIBILITY_RANGE
        if (
            strict
            and n
            and (
                credibility.min() < lo - 1
                or credibility.max() > hi
                or (credibility == 0).sum() != given.null_count
            )
        ):
            raise Undecided  # 1..6 or nothing
        col["credibility"] = credibility.astype(np.int8)
        colons += credibility != 0
        own = self._own_reliability(src["reliability"])
        colons += own >= 0
        col["reliability_own"] = own
        if moments is None:
            self._times(times, col)
            col["time"] = col.pop("time_canon", times)
        else:
            col["time_ns"] = np.fromiter((to_ns(m.instant) for m in moments), np.int64, n)
            col["end_ns"] = np.fromiter((to_ns(m.end) for m in moments), np.int64, n)
            col["day"] = np.fromiter((m.day for m in moments), bool, n)
            col["time"] = times
        self._locations(src, col, colons, counted)
        # Actors: references joined (kept, to give the lists back), names per combination.
        actor_lists = src["actors"]
        if strict:
            check_non_blank(actor_lists.flatten())
        actor_list = counted(joined(actor_lists))
        col["actor_list"] = actor_list
        col["actors"] = self._actor_text(actor_list)
        # Sources: known ids only; the best grade among them stands in for an event without its own.
        source_lists = src["source_ids"]
        flat = source_lists.flatten().dictionary_encode()
        rank = self.rank
        if strict and not rank.keys() >= set(flat.dictionary.to_pylist()):
            raise Undecided  # a dangling reference: the strict reader words it
        table = np.array([rank.get(x, 99) for x in flat.dictionary.to_pylist()] + [99], np.int64)
        ranks = table[flat.indices.to_numpy(zero_copy_only=False)]
        counts = pc.list_value_length(source_lists).to_numpy(zero_copy_only=False).astype(np.int64)
        best = np.full(n, 99, np.int64)
        has = counts > 0
        if len(ranks):
            starts = np.zeros(n, np.int64)
            np.cumsum(counts[:-1], out=starts[1:])
            best[has] = np.minimum.reduceat(ranks, starts[has])
        source_list = counted(joined(source_lists))
        col["source_list"] = source_list
        col["source_ids"] = pc.replace_substring(source_list, "\x1f", " ")
        derived = np.where(own >= 0, own, np.where(best == 99, -1, best))
        col["reliability"] = derived.astype(np.int8)
        col["grade"] = pc.take(_GRADE_TEXT, pa.array((derived + 1) * 7 + col["credibility"]))
        return col, colons

    def window(
        self, rows: Sequence[EventRow], chunk: bytes, values: list[Any] | None = None
    ) -> tuple[dict[str, Any], dict[int, Event]]:
        """The columns of one window of a file's events (``rows``, decoded from ``chunk``),
        and its events kept as objects (unknown location fields), by position in the window;
        unknown fields of the events themselves go to the ``extra`` column. ``values``: the
        events ``chunk`` encodes, as the program holds them (new events of a change, their
        values checked as plain JSON): their unknown fields are read there, not decoded."""
        if _AWKWARD.search(chunk):
            raise Undecided
        try:
            cols, colons = self.columns(rows)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            raise Undecided from None  # e.g. an integer beyond int64: the strict reader decides
        todo: list[tuple[int, bytes, int]] = []  # (row, its text, colons not explained)
        if chunk.count(b":") != int(colons.sum()):
            # Some event has more keys than decoded: a field this version does not know (msgspec
            # skipped it) or a duplicate key (msgspec kept the last). Those are decoded again.
            seps = separators(chunk)
            if len(seps) + 1 == len(rows):
                # The canonical layout: the events' texts are the pieces between separators
                # (found and counted in the bytes with numpy, not split into 7,000 objects).
                text = np.frombuffer(chunk, np.uint8)
                starts = np.concatenate(([1], seps + len(CANONICAL_SEPARATOR) - 1))
                stops = np.concatenate((seps + 1, [len(chunk) - 1]))
                where = np.flatnonzero(text == 0x3A)  # ":"
                raw_colons = np.searchsorted(where, stops) - np.searchsorted(where, starts)
                more = raw_colons - colons
                todo = [
                    (i, chunk[starts[i] : stops[i]], int(more[i]))
                    for i in np.flatnonzero(more).tolist()
                ]
            else:
                try:
                    raws = RAW_LIST.decode(chunk)
                except (msgspec.DecodeError, RecursionError):
                    raise Undecided from None
                text = np.frombuffer(b"\x00".join(raws), np.uint8)
                ends = np.append(np.flatnonzero(text == 0), len(text))
                raw_colons = np.diff(np.searchsorted(np.flatnonzero(text == 58), ends), prepend=0)
                more = raw_colons - colons
                todo = [(i, bytes(raws[i]), int(more[i])) for i in np.flatnonzero(more).tolist()]
        odd: dict[int, Event] = {}
        if todo:
            # Decoded together (one call, not one per event); alone if one of them is refused.
            extras = [""] * len(rows)
            if values is not None:  # (what these cannot decide is decoded below)
                undecided = []
                for i, raw, more_i in todo:
                    x = self.extra_of(values[i], more_i, None)
                    if x is None:
                        undecided.append((i, raw, more_i))
                    else:
                        extras[i] = x
                todo = undecided
            try:
                decoded = self.decoder.decode(b"[" + b",".join(raw for _, raw, _ in todo) + b"]")
                odd_float = self.decoder.odd_float
            except (msgspec.MsgspecError, RecursionError, ValueError):
                decoded, odd_float = [None] * len(todo), None
            for (i, raw, more_i), d in zip(todo, decoded, strict=True):
                got = self.unusual(rows[i], raw, more_i, d, odd_float)
                if isinstance(got, str):
                    extras[i] = got
                else:
                    odd[i] = got
            cols["extra"] = pa.array(extras, pa.large_string())
        return cols, odd

    def extra_of(self, d: Any, more: int, odd_float: bool | None) -> str | None:
        """The ``extra`` column's text for event ``d`` (decoded, or the program's value: then
        ``odd_float`` None) if its unknown fields explain its ``more`` colons and pass the
        contract's rule; None for anything else (unknown location fields too)."""
        if not isinstance(d, dict):
            return None
        loc = d.get("location")
        if loc and not (type(loc) is dict and loc.keys() <= LOCATION_KEYS):
            return None
        extra = {k: v for k, v in d.items() if k not in EVENT_KEYS}
        return extra_text.checked(extra, more, odd_float, self.decoder) if extra else None

    def unusual(
        self, row: EventRow, raw: bytes, more: int, d: Any = None, odd_float: bool | None = None
    ) -> Event | str:
        """An event whose JSON holds ``more`` colons than its known fields explain. If fields
        this version does not know explain them (and their values pass the contract's rule
        for unknown values), those fields' text for the ``extra`` column (the event's known
        fields were checked with the window's columns), or the event with them kept (unknown
        location fields). Else (a duplicate key, say) it is decoded by the stdlib parser
        and checked by the contract's builder (``check_events``), which refuses it."""
        if d is None:  # (else decoded with others: ``odd_float`` is theirs)
            try:
                d = self.decoder.decode(raw)
                odd_float = self.decoder.odd_float
            except (msgspec.MsgspecError, RecursionError, ValueError):
                d = None
        text = self.extra_of(d, more, odd_float)
        if text is not None:
            return text
        loc = d.get("location") if isinstance(d, dict) else None
        if isinstance(d, dict) and (loc is None or isinstance(loc, dict)):
            extra = {k: v for k, v in d.items() if k not in EVENT_KEYS}
            loc_extra = {k: v for k, v in loc.items() if k not in LOCATION_KEYS} if loc else {}
            if (
                unknown_fields_ok(extra)
                and unknown_fields_ok(loc_extra)
                and _colons(extra) + _colons(loc_extra) == more
            ):
                r = row.location
                return Event(
                    row.id,
                    self.moment(row.time),
                    row.title,
                    row.category,
                    row.actors,
                    row.source_ids,
                    Verification(row.verification),
                    row.summary,
                    Location(r.name, r.lat, r.lon, loc_extra) if r is not None else None,
                    row.credibility,
                    row.reliability,
                    extra,
                )
        try:
            d = json.loads(
                bytes(raw).decode("utf-8"), object_pairs_hook=pairs_hook, parse_constant=_undecided
            )
        except (ValueError, RecursionError):
            raise Undecided from None
        if (
            has_duplicates(d)
            or not isinstance(d, dict)
            or not unknown_fields_ok(d)
            or self.check_events is None
        ):
            raise Undecided
        v = Validator()
        got = self.check_events(v, [d], self.tz, self.sources.keys())
        if v.problems or not got:
            raise Undecided
        return got[0][1]

    def events(self, events: list[Event]) -> tuple[dict[str, Any], dict[int, Event]]:
        """The columns of events made by the program, and those of them kept as objects
        (unknown fields, or values the columns cannot give back as they are)."""
        rows, moments, odd = [], [], {}
        extras: list[str] | None = None
        for i, e in enumerate(events):
            row, plain = row_of(e, self.moments)
            rows.append(row)
            moments.append(e.time)
            if e.extra and plain:
                text = extra_text.compact(e.extra, self.decoder)
                if text is None:
                    plain = False
                else:
                    extras = extras if extras is not None else [""] * len(events)
                    extras[i] = text
            if not plain:
                odd[i] = e
        col, _ = self.columns(rows, moments, extras)
        return col, odd

    def _own_reliability(self, values: pa.Array) -> np.ndarray:
        enc = values.cast(pa.string()).dictionary_encode()
        distinct = enc.dictionary.to_pylist()
        if self.strict and not GRADE_CODE.keys() >= set(distinct):
            raise Undecided
        table = np.array([GRADE_CODE.get(g, -1) for g in distinct] + [-1], np.int8)
        idx = pc.fill_null(enc.indices, len(table) - 1).to_numpy(zero_copy_only=False)
        return table[idx]

    def _times(self, times: pa.Array, col: dict[str, Any]) -> None:
        """Start / end ns and day flags; the canonical text where a time is written otherwise.
        Checked as the strict parser checks them (an impossible date, an odd offset: Undecided)."""
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
                pc.all(pc.equal(pc.day(local), digits(local_text, 8, 10))).as_py()
                and pc.all(pc.equal(pc.second(local), digits(local_text, 17, 19))).as_py()
            ):
                raise Undecided
            years = pc.year(local)
            if pc.min(years).as_py() < MIN_YEAR or pc.max(years).as_py() > MAX_YEAR:
                raise Undecided
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
        for i in np.flatnonzero(~usual).tolist():
            t = times[i].as_py()
            got = self.days.get(t)
            if got is None:
                m = self.moment(t)
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
            m = self.moment(f"2000-01-01T00:00:00{text}")  # the strict parser's verdict
            if m.iso()[19:] != text:  # e.g. -00:00, written back as +00:00
                self.offsets[text] = got = -1 << 40
            else:
                got = self.offsets[text] = int(m.instant.utcoffset().total_seconds())  # type: ignore[union-attr]
        if got == -1 << 40:
            raise Undecided  # (the canonical text differs: the object path writes it)
        return got

    def _locations(
        self, src: dict[str, Any], col: dict[str, Any], colons: np.ndarray, counted: Any
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
        if self.strict:
            if (lat_set != lon_set).any():
                raise Undecided  # both or neither: the strict reader words it
            if lat_set.any() and not (
                np.abs(lat[lat_set]).max() <= LAT_RANGE[1]
                and np.abs(lon[lon_set]).max() <= LON_RANGE[1]
            ):
                raise Undecided  # (also false for infinities)
        colons += lat_set
        colons += lon_set
        col["lat"], col["lon"] = lat, lon
        if not isinstance(lats, list):
            if src["exact"]:
                col["exact"] = src["exact"]
        elif int in set(map(type, lats)) | set(map(type, lons)):
            col["exact"] = {
                i: (la, lo)
                for i, (la, lo) in enumerate(zip(lats, lons, strict=True))
                if type(la) is int or type(lo) is int
            }

    def _actor_text(self, actor_list: pa.Array) -> pa.Array:
        """Display names per event ("Syrian government; HTS"), worked out once per distinct
        combination of actors."""
        enc = actor_list.dictionary_encode()
        names = self.names
        shown = []
        for refs_text in enc.dictionary.to_pylist():
            got = self.actor_text.get(refs_text)
            if got is None:
                refs = refs_text.split("\x1f") if refs_text else []
                got = "; ".join(names.get(a, a) for a in refs)
                if len(self.actor_text) < 100_000:
                    self.actor_text[refs_text] = got
            shown.append(got)
        return pc.take(pa.array(shown, type=pa.large_string()), enc.indices)


def _colons(value: Any) -> int:
    """The ``:`` of ``value`` written as JSON: one per key, plus those inside strings."""
    n, stack = 0, [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            n += v.count(":")
        elif isinstance(v, dict):
            n += sum(1 + k.count(":") for k in v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return n


def _undecided(_name: str) -> Any:
    raise Undecided
