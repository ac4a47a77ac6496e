"""The fast path of :func:`monitor.model.io.load_scenario` for valid files.

The strict loader (:func:`io.read_json` + :func:`io.scenario_from_json`)
parses the whole document into dicts, then validates it field by field with
a checker per value. That is thorough, and slow on big files: ~100 µs and
~3 KB of transient dicts per event.

This module reads the same file in one streaming pass: the file is decoded in
chunks, the stdlib's C JSON scanner parses one event (or other top-level
value) at a time, and each event is checked by straight-line code that
accepts exactly what the strict validator accepts, then built at once, so the
parse tree of all events never exists. Anything unusual (a duplicate key,
NaN, a lone surrogate escape, a wrong type, a missing field, a dangling
reference, an unexpected key order at the top level, ...) raises
:class:`Fallback`, and the caller loads the file again with the strict
loader, which finds and words every problem as before. Valid files never go
that way, so the fast path decides nothing alone: it can only say "valid,
here it is" for files the strict path would accept with the same result
(tests/model/test_fast_load.py compares both).

Progress and cancel: ``progress(fraction, message)`` is called every few
thousand events (fraction of the file's bytes read); ``cancel()`` is polled
as often and the load stops with :class:`LoadCancelled` when it returns true
(or it may raise :class:`LoadCancelled` itself).
"""

from __future__ import annotations

import codecs
import json
import json.scanner
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, BinaryIO

from monitor.model.entities import (
    RELIABILITY_GRADES,
    SCHEMA_VERSION,
    CrossingStatus,
    Event,
    Location,
    Moment,
    Scenario,
    StatusEntry,
    Verification,
)
from monitor.model.timeutil import MAX_YEAR, MIN_YEAR, parse_date, parse_moment

ProgressCallback = Callable[[float, str], None]
CancelCheck = Callable[[], bool]

CHUNK_BYTES = 4 * 1024 * 1024  # decoding a chunk holds the GIL: ~20 ms at this size
TICK_EVENTS = 2048  # cancel is polled every this many events (a few ms of work) ...
PROGRESS_INTERVAL_S = 0.1  # ... and progress reported at most this often (a UI needs no more;
# the first report comes after that long too: a quick load reports nothing until "Loaded")


class LoadCancelled(Exception):
    """Loading was cancelled (the ``cancel`` check returned true); nothing was changed."""


class Fallback(Exception):
    """The fast path met something it does not decide: load with the strict path."""


class ColumnarFallback(Exception):
    """The columnar reader does not decide this file: load it the object way."""


#: Files at least this big keep their events column by column (monitor.model.columnar):
#: smaller ones load fast enough as objects, and the app's cold start must not wait for
#: pyarrow and pandas (imported only when the events of such a file are reached).
COLUMNAR_MIN_BYTES = 8 * 1024 * 1024


_WS = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_TOP_KEYS = (
    "schema_version",
    "scenario",
    "factions",
    "sources",
    "events",
    "crossings",
    "territory",
)
_EVENT_KEYS = frozenset(
    (
        "id",
        "time",
        "title",
        "summary",
        "category",
        "actors",
        "location",
        "source_ids",
        "verification",
        "credibility",
        "reliability",
    )
)
_LOCATION_KEYS = frozenset(("name", "lat", "lon"))
_ENTRY_KEYS = frozenset(("time", "recorded_at", "status", "note", "source_ids", "by"))
_VERIFICATION = {v.value: v for v in Verification}
_STATUS = {s.value: s for s in CrossingStatus}
_GRADES = frozenset(RELIABILITY_GRADES)
_intern = sys.intern


def _fail(*_args: Any) -> Any:
    raise Fallback


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise Fallback  # duplicate key: the strict path reports where
    return d


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_fail)
_SCAN = json.scanner.make_scanner(_DECODER)


def _cut_off(exc: BaseException, window: int) -> bool:
    """Could more text make the value that failed to scan complete? (A syntax error
    or a missing value well before the end of the window is final.)"""
    if isinstance(exc, json.JSONDecodeError):
        return exc.pos >= window - 64 or exc.msg.startswith("Unterminated string")
    if isinstance(exc, StopIteration):  # no value starts at exc.value
        return isinstance(exc.value, int) and exc.value >= window - 64
    return False  # nested too deeply, an integer too long: the strict path words it


class _Reader:
    """A window of decoded text over a file read in chunks; ``pos`` indexes the window."""

    def __init__(self, fh: Any, size: int, first: bytes):
        self.fh = fh
        self.size = max(size, 1)
        self.read_bytes = len(first)
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.eof = False
        self.text = ""
        self.pos = 0
        self._append(first, final=False)

    def _append(self, data: bytes, *, final: bool) -> None:
        try:
            new = self.decoder.decode(data, final)
        except UnicodeDecodeError:
            raise Fallback from None
        # The unconsumed rest of the window (a value cut off by the end of the
        # last chunk starts there) plus the new text.
        self.text = self.text[self.pos :] + new
        self.pos = 0
        if _SURROGATE_ESCAPE_RE.search(self.text):
            raise Fallback  # \ud800-\udfff escapes: the strict path looks for unpaired ones

    def more(self) -> bool:
        """Read the next chunk into the window; False at the end of the file."""
        if self.eof:
            return False
        data = self.fh.read(CHUNK_BYTES)
        self.read_bytes += len(data)
        self.eof = not data
        self._append(data, final=self.eof)
        return True

    def byte_offset(self) -> int:
        """The file offset of ``pos`` (the bytes not yet decoded in the decoder counted)."""
        pending = self.decoder.getstate()[0]
        return self.read_bytes - len(pending) - len(self.text[self.pos :].encode("utf-8", "surrogatepass"))

    def seek(self, offset: int) -> None:
        """Go on reading at byte ``offset`` of the file (a character boundary)."""
        self.fh.seek(offset)
        self.read_bytes = offset
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.text = ""
        self.pos = 0
        self.eof = False

    @property
    def fraction(self) -> float:
        """How much of the file was parsed (the window's unparsed text counted as 1 byte a character)."""
        return max(0.0, min(1.0, (self.read_bytes - (len(self.text) - self.pos)) / self.size))

    def peek(self) -> str:
        """Skip whitespace; the next character ('' at the end of the file)."""
        while True:
            self.pos = _WS.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise Fallback
        self.pos += 1

    def value(self) -> Any:
        """Scan one JSON value at ``pos`` (reading more of the file until it is complete)."""
        if self.peek() == "":
            raise Fallback
        while True:
            try:
                obj, end = _SCAN(self.text, self.pos)
            except (StopIteration, ValueError, RecursionError) as exc:
                # Cut off by the end of the window: read on. Broken well before it:
                # give up at once (reading on would pull a 1 GB file of garbage into
                # the window, re-scanned and copied chunk after chunk).
                if _cut_off(exc, len(self.text)) and self.more():
                    continue
                raise Fallback from None
            # A number needs one more character to be known complete ("12" | "34").
            if end >= len(self.text) and self.more():
                continue
            self.pos = end
            return obj


class _Builder:
    def __init__(self, progress: ProgressCallback | None, cancel: CancelCheck | None):
        self.progress = progress
        self.cancel = cancel
        self.day_moments: dict[str, Moment] = {}
        self.offsets: dict[str, tzinfo] = {}  # "+03:00" -> its tzinfo, once seen valid
        self.last_report = time.monotonic()
        self.tz: tzinfo | None = None
        self.sources: set[str] = set()

    def tick(self, reader: _Reader, message: str) -> None:
        self.report(reader.fraction, message)

    def report(self, fraction: float, message: str) -> None:
        """Poll ``cancel`` and report progress (``fraction`` of the file read), at most
        every ``PROGRESS_INTERVAL_S``."""
        if self.cancel is not None and self.cancel():
            raise LoadCancelled
        if self.progress is not None:
            now = time.monotonic()
            if now - self.last_report >= PROGRESS_INTERVAL_S:
                self.last_report = now
                self.progress(0.9 * fraction, message)

    def moment(self, text: Any, tz: tzinfo) -> Moment:
        if type(text) is not str:
            raise Fallback
        if (
            len(text) == 10
        ):  # day precision: a handful of distinct days, shared (Moments are immutable)
            m = self.day_moments.get(text)
            if m is None:
                try:
                    m = Moment.of_day(parse_date(text), tz)
                except ValueError:
                    raise Fallback from None
                self.day_moments[text] = m
            return m
        return self.timed(text, tz)

    def timed(self, text: str, tz: tzinfo) -> Moment:
        """parse_moment() for a date-time, quicker for the usual ``YYYY-MM-DDThh:mm:ss+hh:mm``.

        The offset's tzinfo is shared by every instant with that offset
        (one object, not a million), which also saves memory.
        """
        if (
            len(text) == 25
            and text[10] == "T"
            and text[4] == "-"
            and text[7] == "-"
            and text[13] == ":"
            and text[16] == ":"
            and text.isascii()
        ):
            offset = self.offsets.get(text[19:])
            if offset is not None:
                try:  # checks that the rest is digits and a real date and time
                    instant = datetime.fromisoformat(text[:19]).replace(tzinfo=offset)
                except ValueError:
                    raise Fallback from None
                # The year range too: parse_moment() checked it only for the first time with this offset.
                if MIN_YEAR <= instant.year <= MAX_YEAR:
                    return Moment(instant, False)
                raise Fallback
        try:
            m = parse_moment(text, tz)
        except ValueError:
            raise Fallback from None
        if len(text) == 25 and text[19] in "+-" and m.instant.tzinfo is not None:
            self.offsets.setdefault(
                text[19:], m.instant.tzinfo
            )  # validated by parse_moment just now
        return m

    def object_event(self, raw: bytes) -> Event:
        """One event from its JSON bytes, the object way (for the columnar reader's unusual
        events; ``self.tz`` and ``self.sources`` set by the loader)."""
        try:
            d = _DECODER.decode(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            raise Fallback from None
        return self.event(d, self.tz, self.sources)

    # -- events --------------------------------------------------------------------
    def event(self, d: Any, tz: tzinfo, sources: set[str]) -> Event:
        # Straight-line on purpose (this runs a million times): the same rules as
        # io._events(), written out. ``not s or s.isspace()`` == ``not s.strip()``.
        if type(d) is not dict:
            raise Fallback
        get = d.get
        ident = get("id")
        title = get("title")
        category = get("category")
        if (
            type(ident) is not str
            or not ident
            or ident.isspace()
            or type(title) is not str
            or not title
            or title.isspace()
            or type(category) is not str
            or not category
            or category.isspace()
        ):
            raise Fallback
        actors = get("actors")
        if type(actors) is not list:
            raise Fallback
        for i, item in enumerate(actors):
            if type(item) is not str or not item or item.isspace():
                raise Fallback
            actors[i] = _intern(item)  # faction ids and names: a few distinct strings, shared
        source_ids = get("source_ids")
        if type(source_ids) is not list:
            raise Fallback
        for i, item in enumerate(source_ids):
            # Known source ids are non-blank strings; ``sources`` holds only those.
            if type(item) is not str or item not in sources:
                raise Fallback
            source_ids[i] = _intern(item)
        verification = get("verification")
        if (
            type(verification) is not str
            or (verification := _VERIFICATION.get(verification)) is None
        ):
            raise Fallback
        when = get("time")
        if type(when) is not str:
            raise Fallback
        if len(when) == 10:
            when = self.day_moments.get(when) or self.moment(when, tz)
        else:
            when = self.timed(when, tz)
        summary = get("summary")
        if summary is not None and type(summary) is not str:
            raise Fallback
        credibility = get("credibility")
        if credibility is not None and (type(credibility) is not int or not 1 <= credibility <= 6):
            raise Fallback
        reliability = get("reliability")
        if reliability is not None and (type(reliability) is not str or reliability not in _GRADES):
            raise Fallback
        loc = get("location")
        if loc is not None:
            loc = self.location(loc)
        if d.keys() <= _EVENT_KEYS:
            extra: dict[str, Any] = {}
        else:
            extra = {k: v for k, v in d.items() if k not in _EVENT_KEYS}
            _check_finite(extra)
        return Event(
            ident,
            when,
            title,
            _intern(category),
            actors,
            source_ids,
            verification,
            summary,
            loc,
            credibility,
            reliability,
            extra,
        )

    @staticmethod
    def str_list(value: Any) -> list[str]:
        if type(value) is not list:
            raise Fallback
        for i, item in enumerate(value):
            if type(item) is not str or not item or item.isspace():
                raise Fallback
            value[i] = _intern(item)
        return value

    @staticmethod
    def location(d: Any) -> Location:
        if type(d) is not dict:
            raise Fallback
        name = d.get("name")
        if type(name) is not str or not name or name.isspace():
            raise Fallback
        lat = d.get("lat")
        lon = d.get("lon")
        if lat is not None or lon is not None:
            # _number(): int or float (not bool), finite, in range; both or neither.
            tlat, tlon = type(lat), type(lon)
            if (tlat is not float and tlat is not int) or (tlon is not float and tlon is not int):
                raise Fallback
            if not (
                -90 <= lat <= 90 and -180 <= lon <= 180
            ):  # also false for NaN; inf is out of range
                raise Fallback
        if d.keys() <= _LOCATION_KEYS:
            extra: dict[str, Any] = {}
        else:
            extra = {k: v for k, v in d.items() if k not in _LOCATION_KEYS}
            _check_finite(extra)
        return Location(_intern(name), lat, lon, extra)

    # -- crossing history ----------------------------------------------------------------
    def entry(self, d: Any, tz: tzinfo, sources: set[str]) -> StatusEntry:
        if type(d) is not dict:
            raise Fallback
        get = d.get
        status = get("status")
        if type(status) is not str or (status := _STATUS.get(status)) is None:
            raise Fallback
        source_ids = self.str_list(get("source_ids"))
        for s in source_ids:
            if s not in sources:
                raise Fallback
        when = self.moment(get("time"), tz)
        recorded = get("recorded_at")
        if recorded is not None:
            recorded = self.moment(recorded, tz)
        note = get("note")
        by = get("by")
        if (note is not None and type(note) is not str) or (by is not None and type(by) is not str):
            raise Fallback
        if d.keys() <= _ENTRY_KEYS:
            extra: tuple[tuple[str, Any], ...] = ()
        else:
            rest = {k: v for k, v in d.items() if k not in _ENTRY_KEYS}
            _check_finite(rest)
            extra = tuple(rest.items())
        return StatusEntry(when, status, tuple(source_ids), recorded, note, by, extra)


def _check_finite(extra: dict[str, Any]) -> None:
    from monitor.model.io import _non_finite_paths

    if _non_finite_paths(extra, ""):
        raise Fallback


def load_fast(
    fh: BinaryIO,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    *,
    columnar: bool | None = None,
) -> Scenario:
    """Load a valid scenario from the binary file ``fh`` quickly; raise
    :class:`Fallback` if the strict path must decide.

    ``columnar``: keep the events column-wise (:mod:`monitor.model.columnar`);
    by default for files of ``COLUMNAR_MIN_BYTES`` and more. A file that path
    does not decide is read again the object way.
    """
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = 0
    if columnar is None:
        columnar = size >= COLUMNAR_MIN_BYTES
    if columnar:
        start = fh.tell()
        try:
            return _load_fast(fh, size, progress, cancel, columnar=True)
        except ColumnarFallback:
            fh.seek(start)
    return _load_fast(fh, size, progress, cancel, columnar=False)


def _load_fast(
    fh: BinaryIO,
    size: int,
    progress: ProgressCallback | None,
    cancel: CancelCheck | None,
    *,
    columnar: bool,
) -> Scenario:
    # The strict path's helpers validate the small sections (scenario, factions,
    # sources, territory) and the crossings' own fields, with the same rules.
    from monitor.model import io

    head = fh.read(io._SNIFF_BYTES)
    if io._encoding_problem(head) is not None or not head.lstrip(b" \t\r\n").startswith(b"{"):
        raise Fallback
    reader = _Reader(fh, size, head)
    b = _Builder(progress, cancel)
    b.tick(reader, "Reading")
    v = io._Validator()
    seen: set[str] = set()
    top: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    tz: tzinfo | None = None
    source_ids: set[str] | None = None
    faction_ids: set[str] | None = None
    events: list[Event] = []
    crossings = []
    reader.expect("{")
    if reader.peek() == "}":
        raise Fallback
    while True:
        if reader.peek() != '"':
            raise Fallback
        key = reader.value()
        if key in seen:
            raise Fallback
        seen.add(key)
        reader.expect(":")
        if key == "events":
            if tz is None or source_ids is None:
                raise Fallback  # unusual order: not worth streaming
            if columnar and faction_ids is not None:
                events = _columnar_events(reader, b, tz, source_ids, top)
            else:
                events = _stream_events(reader, b, tz, source_ids)
        elif key == "crossings":
            if tz is None or source_ids is None or faction_ids is None:
                raise Fallback
            crossings = _crossings(reader, b, v, tz, source_ids, faction_ids)
        else:
            value = reader.value()
            if key == "scenario":
                info, tz = io._scenario_info(v, value)
                top[key] = info
            elif key == "factions":
                factions = io._factions(v, value)
                faction_ids = v.unique(((f"factions[{i}]", f.id) for i, f in factions), "faction")
                top[key] = [f for _, f in factions]
            elif key == "sources":
                if tz is None:
                    raise Fallback
                sources = io._sources(v, value, tz)
                source_ids = v.unique(((f"sources[{i}]", s.id) for i, s in sources), "source")
                top[key] = [s for _, s in sources]
            elif key == "territory":
                if source_ids is None or faction_ids is None:
                    raise Fallback
                top[key] = io._territory(v, value, source_ids, faction_ids)
            elif key == "schema_version":
                if type(value) is not int or value != SCHEMA_VERSION:
                    raise Fallback
            else:
                extra[key] = value
            if v.problems:
                raise Fallback
        sep = reader.peek()
        reader.pos += 1
        if sep == "}":
            break
        if sep != ",":
            raise Fallback
    if reader.peek() != "":  # anything but whitespace after the document
        raise Fallback
    if not seen.issuperset(_TOP_KEYS) or top.get("scenario") is None:
        raise Fallback
    _check_finite(extra)
    if not _unique_ids(events) or len({c.id for c in crossings}) != len(crossings):
        raise Fallback
    return Scenario(
        info=top["scenario"],
        factions=top["factions"],
        sources=top["sources"],
        events=events,
        crossings=crossings,
        territory=top["territory"],
        schema_version=SCHEMA_VERSION,
        extra=extra,
    )


def _unique_ids(events: Any) -> bool:
    frame = getattr(events, "frame", None)
    if frame is not None:  # columnar: counted by Arrow (no Python string per id, the GIL released)
        import pyarrow.compute as pc

        return pc.count_distinct(events.ids()).as_py() == len(events)
    return len({e.id for e in events}) == len(events)


def _columnar_events(reader: _Reader, b: _Builder, tz: tzinfo, sources: set[str], top: dict[str, Any]) -> Any:
    from monitor.model.columnar import read_events

    b.tz, b.sources = tz, sources
    start = reader.byte_offset()
    by_id = {s.id: s for s in top["sources"]}
    names = {f.id: f.name for f in top["factions"]}

    events, end = read_events(reader.fh, start, b, tz, by_id, names, b.report)
    reader.seek(end)
    return events


def _stream_events(reader: _Reader, b: _Builder, tz: tzinfo, sources: set[str]) -> list[Event]:
    reader.expect("[")
    events: list[Event] = []
    if reader.peek() == "]":
        reader.pos += 1
        return events
    append = events.append
    build = b.event
    value = reader.value
    text_len = len(reader.text)
    n = 0
    while True:
        # Inline of reader.value() for the common case (the event is in the window).
        text = reader.text
        pos = _WS.match(text, reader.pos).end()
        try:
            obj, end = _SCAN(text, pos)
            if end >= text_len:
                raise StopIteration
            reader.pos = end
        except (StopIteration, ValueError, RecursionError):
            obj = value()
            text_len = len(reader.text)
        append(build(obj, tz, sources))
        n += 1
        if not n % TICK_EVENTS:
            b.tick(reader, f"Reading events ({n:,})")
        # Separator: ",", or "]" at the end (whitespace allowed around both).
        text = reader.text
        pos = _WS.match(text, reader.pos).end()
        if pos < text_len:
            c = text[pos]
            reader.pos = pos + 1
        else:
            reader.pos = pos
            c = reader.peek()
            reader.pos += 1
            text_len = len(reader.text)
        if c == ",":
            continue
        if c == "]":
            return events
        raise Fallback


def _crossings(
    reader: _Reader, b: _Builder, v: Any, tz: tzinfo, sources: set[str], factions: set[str]
) -> list:
    from monitor.model import io

    reader.expect("[")
    out = []
    if reader.peek() == "]":
        reader.pos += 1
        return out
    while True:
        d = reader.value()
        if type(d) is not dict:
            raise Fallback
        history = d.get("history")
        if type(history) is not list:
            raise Fallback
        # The crossing's own fields through the strict checks (a hundred crossings: cheap),
        # its long history through the fast entry builder.
        got = io._crossings(v, [{**d, "history": []}], tz, sources, factions)
        if v.problems or not got:
            raise Fallback
        crossing = got[0][1]
        crossing.history = tuple(b.entry(h, tz, sources) for h in history)
        out.append(crossing)
        b.tick(reader, f"Reading crossings ({len(out)})")
        c = reader.peek()
        reader.pos += 1
        if c == ",":
            continue
        if c == "]":
            return out
        raise Fallback
