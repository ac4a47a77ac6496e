"""The one loader: every scenario file, whatever its size, is read the same way.

The file is read once, front to back, in chunks (each byte read once: the SHA-256 of
the :class:`FileIdentity` is over exactly the bytes parsed). The small parts of the
document (scenario, factions, sources, crossings, territory, unknown top-level fields)
are parsed by the stdlib's JSON scanner one value at a time and checked by the
contract's builders (:mod:`monitor.model.sections`); the ``events`` array is cut into
windows of a few MB at event boundaries, each decoded by msgspec into typed rows and
turned into columns (:mod:`monitor.model.columns`, :mod:`monitor.model.events`).

Anything this reading does not decide -- an invalid value, a duplicate key, an unusual
layout -- makes the loader read the file again with the strict reader
(:func:`monitor.model.jsontext.read_open` + :func:`monitor.model.sections.scenario_from_json`),
which words every problem with its JSON path, line and column; a valid file it accepts
is the same scenario. So a small and a big file with the same content get the same
verdict and, saved, the same bytes.

Progress and cancel: ``progress(fraction, message)`` is called now and then (fraction
of the file read); ``cancel()`` is polled as often and the load stops with
:class:`LoadCancelled` when it returns true (it may raise :class:`LoadCancelled` itself).
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.model import cache
from monitor.model.entities import SCHEMA_VERSION, Scenario
from monitor.model.errors import (
    CancelCheck,
    LoadCancelled,
    Problem,
    ProgressCallback,
    ScenarioError,
)
from monitor.model.jsontext import (
    CHUNK_BYTES,
    SNIFF_BYTES,
    Fallback,
    TextScanner,
    first_problem,
    open_regular,
    os_problem,
    read_open,
)
from monitor.model.schema import TOP_KEYS, Validator, unknown_fields_ok
from monitor.model.sections import (
    crossings_of,
    events_of,
    factions_of,
    scenario_from_json,
    scenario_info,
    sources_of,
    territory_of,
)
from monitor.model.windows import read_events

if TYPE_CHECKING:
    pass

PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """Which file a scenario was loaded from: the SHA-256 of exactly the bytes parsed, and
    the size, modification time and inode that ``fstat`` gave for the open file."""

    sha256: str
    size: int
    mtime_ns: int
    inode: int


_CHANGED = "the file changed while it was being read (another program is writing it); try again"


def _sig(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


class _Stream:
    """The open file read front to back; every byte read is hashed once. (``memory``: bytes
    in memory read instead, not hashed: the rest document of a cache entry.)"""

    def __init__(self, fh: Any, memory: bytes | None = None):
        self.fh = fh if memory is None else io.BytesIO(memory)
        self.hash = hashlib.sha256()
        # Hashed in a thread of its own, chunk after chunk in order (hashlib lets go of the
        # GIL: on a second core it costs the loading nothing).
        self.hasher = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-hash")
            if memory is None
            else None
        )
        self.read_bytes = 0
        self.eof = False
        self.stat = os.fstat(fh.fileno()) if memory is None else None
        self.size = max(self.stat.st_size if self.stat else len(memory or b""), 1)
        self.span: tuple[int, int] | None = None  # where the events array is, in bytes

    def read(self, n: int) -> bytes:
        data = self.fh.read(n) if not self.eof else b""
        if data:
            if self.hasher is not None:
                self.hasher.submit(self.hash.update, data)
            self.read_bytes += len(data)
        else:
            self.eof = True
        return data

    def close(self) -> None:
        """Wait for the hashing thread to finish (every chunk read is hashed then)."""
        if self.hasher is not None:
            self.hasher.shutdown(wait=True)

    def changed(self) -> bool:
        """Has the file changed since it was opened (by what ``fstat`` says)?"""
        return self.stat is not None and _sig(self.stat) != _sig(os.fstat(self.fh.fileno()))

    def identity(self, path: str | Path) -> FileIdentity:
        """The identity of what was read; ScenarioError if the file changed meanwhile."""
        while self.read(CHUNK_BYTES):  # (the rest: white space after the document)
            pass
        self.close()
        after = os.fstat(self.fh.fileno())
        if self.changed() or self.read_bytes != after.st_size:
            raise ScenarioError(path, [Problem("", _CHANGED)])
        return FileIdentity(self.hash.hexdigest(), after.st_size, after.st_mtime_ns, after.st_ino)


class _Ticker:
    def __init__(
        self, progress: ProgressCallback | None, cancel: CancelCheck | None, stream: _Stream
    ):
        self.progress, self.cancel, self.stream = progress, cancel, stream
        self.last = time.monotonic()

    def __call__(self, message: str) -> None:
        if self.cancel is not None and self.cancel():
            raise LoadCancelled
        if self.progress is not None:
            now = time.monotonic()
            if now - self.last >= PROGRESS_INTERVAL_S:
                self.last = now
                self.progress(0.95 * min(self.stream.read_bytes / self.stream.size, 1.0), message)


def _stream_scenario(stream: _Stream, head: bytes, tick: _Ticker) -> Scenario:
    text = TextScanner(stream, head)
    v = Validator()
    seen: set[str] = set()
    top: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    tz: tzinfo | None = None
    sources: dict[str, Any] | None = None
    faction_ids: set[str] | None = None
    text.expect("{")
    if text.peek() == "}":
        raise Fallback
    while True:
        if text.peek() != '"':
            raise Fallback
        key = text.value()
        if key in seen:
            raise Fallback
        seen.add(key)
        text.expect(":")
        if key == "events":
            if tz is None or sources is None or faction_ids is None:
                raise Fallback  # an unusual order: not worth streaming
            names = {f.id: f.name for f in top["factions"]}
            # (Imported here, at the events: importing the model stays light, and a file
            # broken before its events never loads pyarrow.)
            from monitor.model.columns import ColumnBuilder

            columns = ColumnBuilder(tz, sources, names, check_events=events_of)
            taken = text.take()
            start = stream.read_bytes - len(taken)
            events, rest = read_events(stream, taken, columns, tick)
            stream.span = (start, stream.read_bytes - len(rest))
            text.give(rest)
            top[key] = events
        elif key == "crossings":  # one crossing at a time: its history's dicts, not all
            if tz is None or sources is None or faction_ids is None:
                raise Fallback
            known, crossings = set(sources), []
            for item in _items(text):
                crossings += [c for _, c in crossings_of(v, [item], tz, known, faction_ids)]
                if v.problems:
                    raise Fallback
            v.unique(((f"crossings[{i}]", c.id) for i, c in enumerate(crossings)), "crossing")
            top[key] = crossings
            if v.problems:
                raise Fallback
            tick(f"Reading {key}")
        else:
            value = text.value()
            if key == "scenario":
                info, tz = scenario_info(v, value)
                top[key] = info
            elif key == "factions":
                factions = factions_of(v, value)
                faction_ids = v.unique(((f"factions[{i}]", f.id) for i, f in factions), "faction")
                top[key] = [f for _, f in factions]
            elif key == "sources":
                if tz is None:
                    raise Fallback
                got = sources_of(v, value, tz)
                ids = v.unique(((f"sources[{i}]", s.id) for i, s in got), "source")
                top[key] = [s for _, s in got]
                sources = {s.id: s for s in top[key] if s.id in ids}
            elif key == "territory":
                if sources is None or faction_ids is None:
                    raise Fallback
                top[key] = territory_of(v, value, set(sources), faction_ids)
            elif key == "schema_version":
                if type(value) is not int or value != SCHEMA_VERSION:
                    raise Fallback
            else:
                extra[key] = value
            if v.problems:
                raise Fallback
            tick(f"Reading {key}")
        sep = text.peek()
        text.pos += 1
        if sep == "}":
            break
        if sep != ",":
            raise Fallback
    if text.peek() != "":  # anything but white space after the document
        raise Fallback
    if not seen.issuperset(TOP_KEYS) or top.get("scenario") is None or not unknown_fields_ok(extra):
        raise Fallback
    events = top["events"]
    from monitor.model.arrowtext import all_distinct  # (pyarrow: loaded with the events)

    if len(events) and not all_distinct(events.ids()):
        raise Fallback  # a duplicate id: the strict reader says which
    return Scenario(
        info=top["scenario"],
        factions=top["factions"],
        sources=top["sources"],
        events=events,
        crossings=top["crossings"],
        territory=top["territory"],
        schema_version=SCHEMA_VERSION,
        extra=extra,
    )


def _items(text: TextScanner) -> Iterator[Any]:
    """The values of the JSON array at ``text``, one at a time (100 crossings' 100,000 status
    entries as dicts all at once were ~150 MB at the peak of a big load). Anything odd: the
    strict reader decides."""
    text.expect("[")
    if text.peek() == "]":
        text.pos += 1
        return
    while True:
        yield text.value()
        sep = text.peek()
        text.pos += 1
        if sep == "]":
            return
        if sep != ",":
            raise Fallback


def _strict(path: str | Path, fh: Any, tick: _Ticker) -> tuple[Scenario, FileIdentity]:
    """The strict reader, on the same open file from its start: every problem worded."""
    tick("Checking the file")
    fh.seek(0)
    before = os.fstat(fh.fileno())

    def changed(data_size: int | None) -> bool:
        after = os.fstat(fh.fileno())
        return _sig(before) != _sig(after) or (data_size is not None and data_size != after.st_size)

    try:
        obj, data = read_open(path, fh)
    except ScenarioError:
        if changed(None):
            raise ScenarioError(path, [Problem("", _CHANGED)]) from None
        raise
    if changed(len(data)):
        raise ScenarioError(path, [Problem("", _CHANGED)])
    identity = FileIdentity(
        hashlib.sha256(data).hexdigest(), before.st_size, before.st_mtime_ns, before.st_ino
    )
    del data
    tick("Checking the scenario")
    return scenario_from_json(obj, path), identity


def _from_cache(fh: Any, tick: _Ticker) -> tuple[Scenario, FileIdentity] | None:
    """The scenario from the reopen cache (:mod:`monitor.model.cache`), if it has an entry
    for this file and the file's SHA-256 is the entry's; else None (load it normally)."""
    st = os.fstat(fh.fileno())
    entry = cache.find(st)
    if entry is None:
        return None
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="monitor-cache")
    try:
        digest = cache.hash_file(fh.fileno(), pool)  # (both hashes in threads: no GIL held)
        try:
            got = cache.Read(entry, pool)
            rest = _Stream(fh, got.rest)
            scenario = _stream_scenario(rest, rest.read(SNIFF_BYTES), tick)
            from monitor.model.columns import ColumnBuilder
            from monitor.model.events import EventTable

            columns = ColumnBuilder(
                scenario.tz,
                scenario.sources_by_id(),
                {f.id: f.name for f in scenario.factions},
                strict=False,
                check_events=events_of,
            )
            table = EventTable.of_columns(columns, got.columns(list(scenario.table)))
            tick("Checking the file")
            same = got.check.result() == entry.check and digest.result() == (
                entry.sha256,
                st.st_size,
            )
        except (LoadCancelled, MemoryError):
            raise
        except Exception:  # a damaged or foreign entry: the normal load decides
            return None
        if not same or _sig(st) != _sig(os.fstat(fh.fileno())):
            return None
    finally:
        pool.shutdown(wait=True)
    scenario.events = table
    return scenario, FileIdentity(entry.sha256, st.st_size, st.st_mtime_ns, st.st_ino)


def load_identified(
    path: str | Path,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    *,
    use_cache: bool | None = None,
) -> tuple[Scenario, FileIdentity]:
    """Read, validate and return the scenario at ``path`` with the identity of the bytes
    read. Raises :class:`ScenarioError` naming the file, each JSON path and reason (also
    when the file changed while it was read), :class:`LoadCancelled` if cancelled.

    ``use_cache`` (default: on unless ``MONITOR_CACHE=0``): an unchanged big file opened
    again is read from the reopen cache (:mod:`monitor.model.cache`), and a big file loaded
    is written to it afterwards, in the background; the scenario is the same either way."""
    use_cache = cache.enabled() if use_cache is None else use_cache
    # The garbage collector would walk the growing heap again and again while objects are
    # made (none of them in a cycle): paused, and what exists frozen afterwards.
    paused = gc.isenabled()
    gc.disable()
    try:
        try:
            fh = open_regular(path)
        except OSError as exc:
            raise os_problem(path, exc) from None
        with fh:
            stream = None
            try:
                stream = _Stream(fh)
                tick = _Ticker(progress, cancel, stream)
                tick("Reading")
                cached = _from_cache(fh, tick) if use_cache else None
                if cached is not None:
                    gc.freeze()
                    if progress is not None:
                        progress(1.0, "Loaded")
                    return cached
                head = stream.read(SNIFF_BYTES)
                problem = first_problem(head, _Peek(stream))
                if problem is not None:
                    raise ScenarioError(path, [problem])
                try:
                    scenario = _stream_scenario(stream, head, tick)
                    identity = stream.identity(path)
                    if use_cache and stream.span and identity.size >= cache.MIN_BYTES:
                        cache.store_later(path, identity, stream.span, scenario.table)
                except Fallback:
                    stream.close()
                    if stream.changed():  # (read again, it could be another version: say so)
                        raise ScenarioError(path, [Problem("", _CHANGED)]) from None
                    scenario, identity = _strict(path, fh, tick)
            except OSError as exc:
                raise os_problem(path, exc) from None
            finally:
                if stream is not None:
                    stream.close()
        gc.freeze()
    finally:
        if paused:
            gc.enable()
    if progress is not None:
        progress(1.0, "Loaded")
    return scenario, identity


class _Peek:
    """``fh.read(1)`` for :func:`first_problem` on an empty-looking head, through the stream."""

    def __init__(self, stream: _Stream):
        self.stream = stream

    def read(self, n: int) -> bytes:
        return self.stream.read(n)


def load_scenario(
    path: str | Path,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> Scenario:
    """:func:`load_identified` without the identity."""
    return load_identified(path, progress, cancel)[0]


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in the file at ``path`` (empty list: the file is valid)."""
    try:
        load_scenario(path)
    except ScenarioError as exc:
        return exc.problems
    return []


__all__ = ["FileIdentity", "LoadCancelled", "load_identified", "load_scenario", "validate_file"]
