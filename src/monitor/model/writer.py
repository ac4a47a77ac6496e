"""Saving a scenario: canonical bytes, written atomically.

Canonical: ``json.dumps(doc, ensure_ascii=False, indent=2) + "\\n"`` (stable key order,
2-space indent, UTF-8 without ``\\u`` escapes), so files diff well and round-trip byte
for byte. The events' text is assembled from their columns (:mod:`monitor.model.eventjson`);
the rest of the document is written by msgspec (the same bytes, faster) unless a float
would be spelled differently, then by the stdlib.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import secrets
from pathlib import Path
from typing import Any

from monitor.model.entities import (
    SCHEMA_VERSION,
    Crossing,
    Event,
    Location,
    Scenario,
    Source,
    StatusEntry,
)
from monitor.model.schema import plain_float


def _put(d: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        d[key] = value


def _location_json(loc: Location, *, named: bool) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if named or loc.name is not None:
        d["name"] = loc.name
    _put(d, "lat", loc.lat)
    _put(d, "lon", loc.lon)
    d.update(loc.extra)
    return d


def status_entry_json(h: StatusEntry) -> dict[str, Any]:
    d: dict[str, Any] = {"time": h.time.iso()}
    _put(d, "recorded_at", h.recorded_at.iso() if h.recorded_at else None)
    d["status"] = h.status.value
    _put(d, "note", h.note)
    d["source_ids"] = list(h.source_ids)
    _put(d, "by", h.by)
    d.update(h.extra)
    return d


def scenario_to_json(s: Scenario) -> dict[str, Any]:
    """The scenario as a JSON-ready dict in canonical key order."""
    doc = _scenario_json(s, events=False)
    doc["events"] = [event_json(e) for e in s.events]  # (its place in the key order is kept)
    return doc


def _scenario_json(s: Scenario, *, events: bool) -> dict[str, Any]:
    """The document without its events (``"events": []``)."""
    info: dict[str, Any] = {"id": s.info.id, "title": s.info.title}
    _put(info, "description", s.info.description)
    info["timezone"] = s.info.timezone
    info.update(s.info.extra)

    def source(x: Source) -> dict[str, Any]:
        d: dict[str, Any] = {"id": x.id, "title": x.title, "publisher": x.publisher, "url": x.url}
        _put(d, "published", x.published)
        _put(d, "reliability", x.reliability)
        d.update(x.extra)
        return d

    def crossing(c: Crossing) -> dict[str, Any]:
        d: dict[str, Any] = {"id": c.id, "name": c.name}
        _put(d, "name_local", c.name_local)
        d["sides"] = [{"country": sd.country, "place": sd.place, **sd.extra} for sd in c.sides]
        d["location"] = _location_json(c.location, named=False)
        d["kind"] = c.kind.value
        _put(d, "controlled_by", c.controlled_by)
        d["history"] = [status_entry_json(h) for h in c.history]
        d.update(c.extra)
        return d

    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scenario": info,
        "factions": [{"id": f.id, "name": f.name, "color": f.color, **f.extra} for f in s.factions],
        "sources": [source(x) for x in s.sources],
        "events": [],
        "crossings": [crossing(c) for c in s.crossings],
        "territory": [
            {
                "date": t.date.isoformat(),
                "faction": t.faction,
                "share_pct": t.share_pct,
                "source_ids": list(t.source_ids),
                "estimated": t.estimated,
                **t.extra,
            }
            for t in s.territory
        ],
    }
    out.update(s.extra)
    return out


def event_json(e: Event) -> dict[str, Any]:
    """One event as a JSON-ready dict in canonical key order."""
    d: dict[str, Any] = {"id": e.id, "time": e.time.iso(), "title": e.title}
    if e.summary is not None:
        d["summary"] = e.summary
    d["category"] = e.category
    d["actors"] = list(e.actors)
    loc = e.location
    if loc is not None:
        ld: dict[str, Any] = {"name": loc.name}
        if loc.lat is not None:
            ld["lat"] = loc.lat
        if loc.lon is not None:
            ld["lon"] = loc.lon
        ld.update(loc.extra)
        d["location"] = ld
    d["source_ids"] = list(e.source_ids)
    d["verification"] = getattr(e.verification, "value", e.verification)
    if e.credibility is not None:
        d["credibility"] = e.credibility
    if e.reliability is not None:
        d["reliability"] = e.reliability
    d.update(e.extra)
    return d


def dumps_scenario(s: Scenario) -> str:
    return b"".join(scenario_pieces(s)).decode("utf-8")


def _dumps_doc(doc: dict[str, Any]) -> bytes:
    """``json.dumps(doc, ensure_ascii=False, indent=2) + "\\n"`` as UTF-8. msgspec writes the
    same bytes ~5x faster, except floats in exponent form (1e-05 vs 1e-5) and NaN / Infinity
    (null instead of refusing): a document holding any such float goes the stdlib way."""
    import msgspec

    if plain_value(doc):
        try:
            return msgspec.json.format(msgspec.json.encode(doc), indent=2) + b"\n"
        except (
            TypeError,
            ValueError,
            OverflowError,
            msgspec.MsgspecError,
        ):  # e.g. a lone surrogate
            pass
    return (json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def scenario_pieces(s: Scenario) -> list[Any]:
    """The canonical file bytes as a list of buffers: the events' text assembled from their
    columns and spliced into the rest of the document."""
    paused = gc.isenabled()
    gc.disable()  # the document is a tree of short-lived dicts and lists: no cycles to find
    try:
        head = _dumps_doc(_scenario_json(s, events=False))
    finally:
        if paused:
            gc.enable()
    from monitor.model.eventjson import events_json_pieces

    marker = b'\n  "events": [],\n'  # at the top level: strings never hold a raw newline
    at = head.index(marker)
    events = events_json_pieces(s.table, event_json, plain_value)
    return [head[:at], b'\n  "events": ', *events, b",\n", head[at + len(marker) :]]



def plain_value(value: Any) -> bool:
    """No float in ``value`` that msgspec would write differently from json.dumps, and
    nothing but JSON types."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is float:
            if not plain_float(v):
                return False
        elif t is dict:
            stack.extend(v.values())
        elif t is list or t is tuple:
            stack.extend(v)
        elif t not in (str, int, bool, type(None)):
            return False  # anything unusual: let the stdlib decide
    return True


def _create_temp(folder: Path, name: str) -> tuple[int, str]:
    """A new, exclusive temp file next to the target.

    Created with mode 0o666 so that the process umask applies, as for any
    new file (``tempfile.mkstemp`` would make every newly saved scenario
    private, 0o600).
    """
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_BINARY", 0)
    )
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a unique temporary file", str(folder))


def atomic_write_bytes(path: str | Path, data: bytes | list[Any]) -> None:
    """Write ``data`` to ``path`` so that the file is always either old or new.

    Temp file in the same folder, flush + fsync, ``os.replace``, then fsync
    the folder so the rename itself survives a power cut. ``data`` is bytes, or a list of
    buffers written one after the other. A symbolic link is
    followed (the file it points to is replaced, the link stays); an existing
    file keeps its permission bits.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    mode = None
    with contextlib.suppress(FileNotFoundError):
        mode = os.stat(target).st_mode & 0o7777
    fd, tmp = _create_temp(folder, target.name)
    try:
        try:
            fh = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with fh:
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            else:  # buffers written one after the other (no copy of a big file joined first)
                for piece in data:
                    fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Save atomically in canonical form. Raises ``OSError`` if the write fails;
    the previous file is then left untouched."""
    atomic_write_bytes(path, scenario_pieces(scenario))
