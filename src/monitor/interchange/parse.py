"""A feed file -> its layout and its rows, ready for the merge (:class:`Parsed`).

:func:`parse_feed` reads a file (:mod:`monitor.interchange.reading`), recognises its
format (:mod:`monitor.interchange.formats`) and gives every row with where it is
("line 12", "features[3]"), its quick facts (key, timestamp, day, country) and a way to
map it fully; rows that are not events are listed with their reason. Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.interchange import rows as R
from monitor.interchange.formats import (
    ACLED,
    CSV,
    DELETIONS,
    GEOJSON,
    MONITOR,
    UCDP,
    FeedError,
    Layout,
    detect_csv,
    detect_tabbed,
)
from monitor.interchange.reading import (
    FeedFile,
    csv_records,
    json_document,
    read_feed,
    sniff_delimiter,
)


@dataclass(slots=True)
class Row:
    where: str  # "line 12" / "data[3]" / "features[3]"
    quick: R.Quick
    full: Callable[[Any], R.Incoming]  # tz -> the mapped row (RowError if it cannot be)


@dataclass(slots=True)
class Rejected:
    where: str
    reason: str
    key: str = ""


@dataclass
class Parsed:
    file: FeedFile
    layout: Layout
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    #: Deletions lists: event_id_cnty -> deleted_timestamp.
    deletions: dict[str, int] = field(default_factory=dict)
    #: The app's own export: its sources and factions (foreign members), as JSON.
    sources: list[dict[str, Any]] = field(default_factory=list)
    factions: list[dict[str, Any]] = field(default_factory=list)
    has_country: bool = False

    @property
    def feed(self) -> str:
        return self.layout.format


def parse_feed(path: str | Path, *, format: str | None = None,
               mapping: dict[str, str] | None = None) -> Parsed:
    """Read, recognise and split ``path`` into rows (FeedError: the file as a whole is refused)."""
    f = read_feed(path)
    head = f.text.lstrip()[:1]
    if head in ("{", "["):
        if format in (UCDP, CSV):
            raise FeedError(f"{f.name}: --format {format} given, but the file is JSON")
        return _parse_json(f, format)
    if format == GEOJSON:
        raise FeedError(f"{f.name}: --format geojson given, but the file is not JSON")
    delim = sniff_delimiter(f.text)
    records = csv_records(f.text, f.name, delim)
    try:
        layout = detect_csv(records, f.name, wanted=format, mapping=mapping)
    except FeedError:
        if delim == "\t":
            first = next((ln for ln in f.text.splitlines() if ln.strip()), "")
            raise detect_tabbed(first, f.name) from None
        raise
    return _parse_csv(f, layout, records)


def _parse_csv(f: FeedFile, layout: Layout, records: list[tuple[int, list[str]]]) -> Parsed:
    out = Parsed(f, layout, has_country="country" in layout.columns)
    cols = layout.columns
    width = len(cols)
    body = records[layout.header_index + 1:]
    fmt = layout.format
    mapping = layout.mapping
    quick = R.QUICK.get(fmt)
    full = R.FULL.get(fmt)
    for line, fields in body:
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line
        where = f"line {line}"
        if len(fields) != width:
            if len(fields) < width and "\n" in fields[-1] and (line, fields) == body[-1]:
                reason = "a quoted field opened here is never closed (the file ends inside quotes)"
            else:
                reason = f"has {len(fields)} fields, the header has {width}"
            out.rejected.append(Rejected(where, reason))
            continue
        row = dict(zip(cols, fields, strict=True))
        try:
            if fmt == DELETIONS:
                key = row["event_id_cnty"].strip()
                ts = R.whole(row["deleted_timestamp"], "deleted_timestamp")
                if not key or ts is None:
                    raise R.RowError("needs event_id_cnty and deleted_timestamp")
                out.deletions[key] = max(ts, out.deletions.get(key, ts))
                continue
            if fmt == CSV:
                q = R.csv_quick(row, mapping, R.row_crc(fields))
                out.rows.append(Row(where, q, lambda tz, row=row: R.csv_row(row, mapping, tz)))
                continue
            q = quick(row)  # type: ignore[misc]
            if fmt == UCDP or q.timestamp is None:
                q.crc = R.row_crc(fields)
            out.rows.append(Row(where, q, lambda tz, row=row: full(row, tz)))  # type: ignore[misc]
        except R.RowError as exc:
            out.rejected.append(Rejected(where, str(exc)))
    return out


def _parse_json(f: FeedFile, wanted: str | None) -> Parsed:
    doc = json_document(f.text, f.name)
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        if wanted not in (None, GEOJSON):
            raise FeedError(f"{f.name}: --format {wanted} given, but the file is a GeoJSON "
                            "FeatureCollection")
        return _parse_geojson(f, doc)
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        raise FeedError(f"{f.name}: a single GeoJSON Feature; expected a FeatureCollection")
    if isinstance(doc, dict) and "data" in doc and (wanted in (None, ACLED)):
        if doc.get("success") is False or (isinstance(doc.get("status"), int)
                                           and doc["status"] >= 400):
            msg = doc.get("error") or doc.get("message") or f"status {doc.get('status')}"
            raise FeedError(f"{f.name}: the ACLED API answered with an error: {str(msg)[:200]}")
        data = doc["data"]
        if not isinstance(data, list):
            raise FeedError(f'{f.name}: "data" is not a list of events')
        return _parse_api(f, data)
    what = "a JSON object" if isinstance(doc, dict) else "a JSON list" if isinstance(doc, list) \
        else "a JSON value"
    keys = f" with keys {', '.join(list(doc)[:8])}" if isinstance(doc, dict) else ""
    if isinstance(doc, dict) and "schema_version" in doc and "events" in doc:
        what, keys = "a scenario file", ""
    raise FeedError(f"{f.name}: {what}{keys} is not a feed; expected a GeoJSON FeatureCollection "
                    'or ACLED API JSON ({"data": [...]})')


def _parse_api(f: FeedFile, data: list[Any]) -> Parsed:
    records = [r for r in data if isinstance(r, dict)]
    cols = sorted({norm for r in records[:50] for norm in (k.casefold() for k in r)})
    layout = detect_csv([(1, cols)], f.name, wanted=ACLED) if records else Layout(
        ACLED, (), -1, "API JSON")
    out = Parsed(f, Layout(ACLED, layout.columns, -1, "API JSON"), has_country="country" in cols)
    for i, rec in enumerate(data):
        where = f"data[{i}]"
        if not isinstance(rec, dict):
            out.rejected.append(Rejected(where, "not a JSON object"))
            continue
        try:
            R.check_text(rec, where)
            row = {k.casefold(): ("" if v is None else v if isinstance(v, str) else str(v))
                   for k, v in rec.items()}
            q = R.acled_quick(row)
            if q.timestamp is None:
                q.crc = R.row_crc("\x1f".join(f"{k}={v}" for k, v in sorted(row.items())))
            out.rows.append(Row(where, q, lambda tz, row=row: R.acled_row(row, tz)))
        except R.RowError as exc:
            out.rejected.append(Rejected(where, str(exc)))
    return out


def _parse_geojson(f: FeedFile, doc: dict[str, Any]) -> Parsed:
    features = doc.get("features")
    if not isinstance(features, list):
        raise FeedError(f'{f.name}: a FeatureCollection without a "features" list')
    own = isinstance(doc.get("monitor_export"), dict)
    out = Parsed(f, Layout(MONITOR if own else GEOJSON, (), -1,
                           "Situation Monitor export" if own else "FeatureCollection"))
    if own:
        for name in ("sources", "factions"):
            items = doc.get(name, [])
            if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
                raise FeedError(f'{f.name}: "{name}" must be a list of objects')
            setattr(out, name, items)
    points = 0
    for i, feat in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            out.rejected.append(Rejected(where, "not a GeoJSON Feature"))
            continue
        props = feat.get("properties")
        try:
            if own:
                if isinstance(props, dict) and props.get("feature_type") == "crossing":
                    continue  # the view's crossings: not events
                inc = R.monitor_row(feat)
                ev = inc.event or {}
                q = R.Quick(f"id:{ev['id']}", ev["id"], None, "", "", 0)
                out.rows.append(Row(where, q, lambda tz, inc=inc: inc))
                points += 1
                continue
            R.point_of(feat)
            points += 1
            q = R.geo_quick(feat, i)
            out.rows.append(Row(where, q, lambda tz, feat=feat: R.geo_row(feat, tz)))
        except R.RowError as exc:
            out.rejected.append(Rejected(where, str(exc)))
    if features and not points and not own:
        kinds = sorted({str((x.get("geometry") or {}).get("type")) for x in features
                        if isinstance(x, dict) and isinstance(x.get("geometry"), dict)})
        raise FeedError(f"{f.name}: no feature is a point event (geometries: "
                        f"{', '.join(kinds[:5]) or 'none'}); expected Point features with a time "
                        "and a title")
    return out
