"""Export of the filtered as-of view: GeoJSON or CSV, written atomically.

The view is the feed's: the events at or before the as-of time matching the search text,
categories and verifications (the model's own :func:`monitor.model.frames.filter_mask` over
the events frame), and every crossing with its status as of that time and the period it
holds (``valid_from`` / ``valid_to``). A GeoJSON export imported into an empty scenario
gives the same events (the features carry each event's JSON, the collection its sources
and factions). Pure Python, no Qt.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from monitor.model.entities import Crossing, Scenario
from monitor.model.frames import filter_mask
from monitor.model.writer import atomic_write_bytes, event_json, scenario_to_json

EXPORT_VERSION = 1
EVENT_CSV_COLUMNS = (
    "feature_type", "id", "time", "title", "summary", "category", "actors", "location", "lat",
    "lon", "source_ids", "verification", "credibility", "reliability", "grade",
    "status", "valid_from", "valid_to", "extra",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class View:
    """What to export: as of ``as_of`` (None: no time limit), matching the filters."""

    as_of: datetime | None = None
    text: str = ""
    categories: tuple[str, ...] | None = None
    verifications: tuple[str, ...] | None = None

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"as_of": self.as_of.isoformat() if self.as_of else None}
        if self.text:
            d["search"] = self.text
        if self.categories is not None:
            d["category"] = list(self.categories)
        if self.verifications is not None:
            d["verification"] = list(self.verifications)
        return d


def view_rows(scenario: Scenario, view: View) -> np.ndarray:
    """Positions of the events in the view, in time order (file order breaks ties)."""
    frame = scenario.events_frame()
    mask = filter_mask(frame, view.text, view.categories, view.verifications, None, view.as_of)
    rows = np.flatnonzero(mask)
    order = np.argsort(frame["time_ns"].to_numpy()[rows], kind="stable")
    return rows[order]


def crossing_state(c: Crossing, as_of: datetime | None) -> dict[str, Any]:
    """Status as of ``as_of`` (the latest entry when None), ``valid_from`` / ``valid_to``."""
    timeline = c.timeline()
    latest = timeline[-1] if timeline else None
    entry = latest if as_of is None else c.entry_at(as_of)
    if entry is None:
        following = timeline[0] if timeline else None
        return {"status": None, "valid_from": None,
                "valid_to": following.time.iso() if following else None, "note": None}
    i = next(i for i, e in enumerate(timeline) if e is entry)
    nxt = next((e for e in timeline[i + 1:] if e.time.instant > entry.time.instant), None)
    return {"status": entry.status.value, "valid_from": entry.time.iso(),
            "valid_to": nxt.time.iso() if nxt else None, "note": entry.note}


def _crossing_props(c: Crossing, as_of: datetime | None) -> dict[str, Any]:
    d: dict[str, Any] = {"feature_type": "crossing", "id": c.id, "name": c.name}
    if c.name_local:
        d["name_local"] = c.name_local
    d["kind"] = c.kind.value
    if c.controlled_by:
        d["controlled_by"] = c.controlled_by
    d.update(crossing_state(c, as_of))
    return d


def geojson_pieces(scenario: Scenario, view: View,
                   rows: np.ndarray | None = None) -> list[bytes]:
    """The GeoJSON FeatureCollection of the view (or of the event positions ``rows``, in
    their order), as buffers to write one after the other."""
    import msgspec

    rows = view_rows(scenario, view) if rows is None else np.asarray(rows, dtype=np.int64)
    events = scenario.events
    enc = msgspec.json.Encoder()
    used_sources: set[str] = set()
    # Events are made in file order (the table converts them block by block), placed in the
    # view's order.
    parts: list[bytes] = [b""] * len(rows)
    rank = np.argsort(rows, kind="stable")
    for at, i in zip(rank.tolist(), rows[rank].tolist(), strict=True):
        e = events[i]
        props = event_json(e)
        used_sources.update(e.source_ids)
        loc = e.location
        geom = ({"type": "Point", "coordinates": [loc.lon, loc.lat]}
                if loc is not None and loc.lat is not None else None)
        parts[at] = enc.encode({"type": "Feature", "geometry": geom,
                                "properties": {"feature_type": "event", **props}})
    for c in scenario.crossings:
        geom = {"type": "Point", "coordinates": [c.location.lon, c.location.lat]}
        parts.append(enc.encode({"type": "Feature", "geometry": geom,
                                 "properties": _crossing_props(c, view.as_of)}))
    doc = scenario_to_json(Scenario(info=scenario.info, factions=scenario.factions,
                                    sources=scenario.sources))
    head = {
        "type": "FeatureCollection",
        "monitor_export": {"version": EXPORT_VERSION, "scenario": scenario.info.id,
                           "title": scenario.info.title, "timezone": scenario.info.timezone,
                           **view.describe()},
        "sources": [s for s in doc["sources"] if s["id"] in used_sources],
        "factions": doc["factions"],
    }
    start = enc.encode(head)[:-1] + b',"features":['
    body = b",\n".join(parts)
    return [start, b"\n", body, b"\n]}\n"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(map(str, value))
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    # A spreadsheet runs a cell starting with = + - @ as a formula: quote it (text only).
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(scenario: Scenario, view: View, rows: np.ndarray | None = None) -> str:
    rows = view_rows(scenario, view) if rows is None else np.asarray(rows, dtype=np.int64)
    frame = scenario.events_frame()
    grades = frame["grade"].to_numpy()
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EVENT_CSV_COLUMNS)
    events = scenario.events
    made = {}  # (file order: see geojson_pieces)
    for i in np.sort(rows).tolist():
        made[i] = events[i]
    core = {"id", "time", "title", "summary", "category", "actors", "location", "source_ids",
            "verification", "credibility", "reliability"}
    for i in rows.tolist():
        e = made.pop(i)
        loc = e.location
        d = event_json(e)
        extra = {k: v for k, v in d.items() if k not in core}
        w.writerow([
            "event", _cell(e.id), e.time.iso(), _cell(e.title), _cell(e.summary),
            _cell(e.category), _cell(list(e.actors)), _cell(loc.name if loc else None),
            "" if loc is None or loc.lat is None else repr(float(loc.lat)),
            "" if loc is None or loc.lon is None else repr(float(loc.lon)),
            _cell(list(e.source_ids)), str(d["verification"]),
            "" if e.credibility is None else str(e.credibility), e.reliability or "",
            _cell(grades[i]), "", "", "", _cell(extra) if extra else "",
        ])
    for c in scenario.crossings:
        st = crossing_state(c, view.as_of)
        w.writerow(["crossing", _cell(c.id), "", _cell(c.name), _cell(st["note"]), "", "",
                    _cell(c.location.name), repr(float(c.location.lat)),
                    repr(float(c.location.lon)), "", "", "", "", "", st["status"] or "unknown",
                    st["valid_from"] or "", st["valid_to"] or "", ""])
    return buf.getvalue()


def export_view(scenario: Scenario, view: View, out: str | Path, format: str,
                rows: np.ndarray | None = None) -> int:
    """Write the view to ``out`` atomically as ``geojson`` or ``csv``; returns the number of
    events written. ``rows``: the event positions to write, in order (the window's view;
    default: :func:`view_rows`). OSError (the old file intact) if it cannot be written."""
    rows = view_rows(scenario, view) if rows is None else np.asarray(rows, dtype=np.int64)
    if format == "geojson":
        pieces: Iterable[bytes] = geojson_pieces(scenario, view, rows)
    elif format == "csv":
        pieces = [csv_text(scenario, view, rows).encode("utf-8")]
    else:
        raise ValueError(f"unknown export format {format!r} (geojson or csv)")
    atomic_write_bytes(out, list(pieces))
    return len(rows)
