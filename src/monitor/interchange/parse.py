"""A feed file -> its layout and its rows, ready for the merge (:class:`Parsed`).

:func:`parse_feed` reads a file (:mod:`monitor.interchange.reading`), recognises its
format (:mod:`monitor.interchange.formats`) and gives every row with where it is
("line 12", "features[3]"), its quick facts (key, timestamp, day, country) and a way to
map it fully; rows that are not events are listed with their reason. Pure Python, no Qt.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from monitor.interchange import rows as R
from monitor.interchange import scan
from monitor.interchange.columns import Columns, quick_columns
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
    gc_paused,
    json_document,
    read_feed,
    sniff_delimiter,
)


class Row:
    """One row: where it is, its quick facts and its full mapping (made on demand)."""

    __slots__ = ("_at", "_mapper", "_where", "quick")

    def __init__(self, where: str | int, quick: R.Quick, mapper: Callable[[Any], R.Incoming]):
        self._where = where  # "data[3]", or a line number (the text made when asked for)
        self.quick = quick
        self._mapper = mapper

    @property
    def where(self) -> str:
        w = self._where
        return w if isinstance(w, str) else f"line {w}"

    def full(self, tz: Any) -> R.Incoming:
        """The mapped row (RowError if it cannot be mapped)."""
        return self._mapper(tz)


@dataclass(slots=True)
class Rejected:
    where: str
    reason: str
    key: str = ""


@dataclass
class Parsed:
    """A parsed file: its rows' quick facts as :meth:`columns` (or as :attr:`rows`, made
    from them when asked for), the rows refused, and what else the file holds."""

    file: FeedFile
    layout: Layout
    rejected: list[Rejected] = field(default_factory=list)
    #: Deletions lists: event_id_cnty -> deleted_timestamp.
    deletions: dict[str, int] = field(default_factory=dict)
    #: The app's own export: its sources and factions (foreign members), as JSON.
    sources: list[dict[str, Any]] = field(default_factory=list)
    factions: list[dict[str, Any]] = field(default_factory=list)
    has_country: bool = False

    cols: Columns | None = None
    _rows: list[Row] | None = None

    @property
    def feed(self) -> str:
        return self.layout.format

    @property
    def rows(self) -> list[Row]:
        """Every row as a :class:`Row` (the formats read row by row add to this list)."""
        if self._rows is None:
            c = self.cols
            self._rows = [] if c is None else [
                Row(c.where[i], c.quick(i), _Mapper(c.full, i)) for i in range(len(c))]
        return self._rows

    def columns(self) -> Columns:
        """The rows' quick facts as columns (what the merge reads)."""
        if self.cols is None:
            self.cols = Columns.of_rows(self.rows)
        return self.cols


class _Mapper:
    __slots__ = ("full", "i")

    def __init__(self, full: Any, i: int):
        self.full, self.i = full, i

    def __call__(self, tz: Any) -> R.Incoming:
        return self.full(self.i, tz)  # type: ignore[no-any-return]


Progress = Callable[[float, str], None]


def _quiet(_fraction: float, _message: str) -> None:
    pass


def parse_feed(path: str | Path, *, format: str | None = None,
               mapping: dict[str, str] | None = None, progress: Progress | None = None) -> Parsed:
    """Read, recognise and split ``path`` into rows (FeedError: the file as a whole is refused).

    ``progress(fraction, message)`` is called between stages (it may raise ``Cancelled``)."""
    with gc_paused():
        return _parse_feed(path, format, mapping, progress or _quiet)


def _parse_feed(path: str | Path, format: str | None, mapping: dict[str, str] | None,
                step: Progress) -> Parsed:
    step(0.0, "Reading the file")
    f = read_feed(path)
    step(0.15, "Recognising the layout")
    head_text = f.head(_HEAD_CHARS)
    if head_text.lstrip()[:1] in ("{", "["):
        if format in (UCDP, CSV):
            raise FeedError(f"{f.name}: --format {format} given, but the file is JSON")
        return _parse_json(f, format)
    if format == GEOJSON:
        raise FeedError(f"{f.name}: --format geojson given, but the file is not JSON")
    delim = sniff_delimiter(head_text)
    records = csv_records(head_text, f.name, delim)
    try:
        layout = detect_csv(records, f.name, wanted=format, mapping=mapping)
    except FeedError:
        if delim == "\t":
            first = next((ln for ln in head_text.splitlines() if ln.strip()), "")
            raise detect_tabbed(first, f.name) from None
        raise
    header_line = records[layout.header_index][0] if layout.header_index >= 0 else 0
    raw_header = records[layout.header_index][1] if layout.header_index >= 0 else None
    step(0.2, f"Reading the rows ({layout.format.upper()})")
    got = _arrow_columns(f, header_line, raw_header, layout, delim)
    if got is None:  # ragged rows, blank lines...: the csv module, line by line
        got = _module_columns(f, header_line, layout, delim)
    step(0.4, "Checking the rows")
    return _parse_columns(f, layout, *got)


_HEAD_CHARS = 1 << 16  # the header is looked for in the first 64 KB


def _arrow_columns(f: FeedFile, header_line: int, raw_header: list[str] | None, layout: Layout,
                   delim: str) -> tuple[dict[str, list[str]], list[int], list[Rejected]] | None:
    """The body read by pyarrow's CSV reader (C++, from the file's bytes), or None where
    the line numbers it cannot give would be wrong (a row with the wrong number of fields,
    blank lines) or the bytes are not all UTF-8 (the line-by-line reading says where)."""
    import numpy as np

    data = f.data
    offset = f.bom
    if raw_header is not None:
        for _ in range(header_line - 1):
            offset = data.index(b"\n", offset) + 1
        first_line = header_line + 1
    else:
        lines = data[offset:offset + (1 << 16)].split(b"\n", 50)
        first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
        for _ in range(first):
            offset = data.index(b"\n", offset) + 1
        first_line = first + 1
    names = [f"c{i}" for i in range(len(layout.columns))]
    header_lines = 1 if raw_header is not None else 0
    table = _read_pieces(data, offset, names, header_lines, delim)
    if table is None:
        return None  # e.g. a row with the wrong number of fields: read line by line
    n = table.num_rows
    if n == 0:
        return {c: [] for c in layout.columns}, [], []
    body = np.frombuffer(data, np.uint8)[offset:]
    total_lines = scan.count(body, 10) + (0 if data.endswith(b"\n") else 1)
    if n + header_lines == total_lines:  # one line per row: no quoted line breaks
        starts = np.arange(first_line, first_line + n)
    else:  # the line breaks each row holds, counted in the values' bytes
        spans = 1 + scan.breaks_per_row(table.columns, n)
        if int(spans.sum()) + header_lines != total_lines:
            return None  # blank lines or a final row without its newline: line by line
        starts = first_line + np.concatenate(([0], np.cumsum(spans)[:-1]))
    cols = _LazyColumns({c: table[names[i]] for i, c in enumerate(layout.columns)})
    return cols, starts.tolist(), []  # type: ignore[return-value]


#: Pieces of a body read side by side (one thread each: pyarrow lets go of the GIL; each
#: reads its piece alone, in 1 MB blocks: its thread pool costs more than it gains on a
#: busy machine), and the smallest piece worth a thread.
_PIECES = max(1, min(4, os.cpu_count() or 1))
_PIECE_BYTES = 4 << 20


def _read_pieces(data: bytes, offset: int, names: list[str], header_lines: int,
                 delim: str) -> Any:
    """The body as one Arrow table, cut into pieces of whole records read by one thread
    each; None if pyarrow refuses it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    whole = pa.py_buffer(data)
    # No quote in the body: no field can hold a line break (the reader may then cut the
    # bytes at any line break, and so may we).
    quoted = data.find(b'"', offset) >= 0
    pieces = min(_PIECES, max(1, (len(data) - offset) // _PIECE_BYTES))
    cuts = [offset + c for c in scan.cut_points(np.frombuffer(data, np.uint8)[offset:],
                                                pieces, delim)] if pieces > 1 else []

    def read(lo: int, hi: int, skip_rows: int) -> Any:
        def attempt(block: int) -> Any:
            return pcsv.read_csv(
                whole.slice(lo, hi - lo),
                read_options=pcsv.ReadOptions(column_names=names, skip_rows=skip_rows,
                                              block_size=block, use_threads=False),
                parse_options=pcsv.ParseOptions(delimiter=delim, newlines_in_values=quoted),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                    quoted_strings_can_be_null=False),
            )

        try:
            try:
                return attempt(1 << 20)  # 1 MB blocks (kept in the cache)
            except pa.ArrowInvalid as exc:
                if "straddl" not in str(exc):
                    raise
                return attempt(1 << 25)  # a field bigger than a block (a 1 MB note)
        except (pa.ArrowInvalid, ValueError):
            return None

    spans = list(pairwise([offset, *cuts, len(data)]))
    if len(spans) == 1:
        return read(offset, len(data), header_lines)
    with ThreadPoolExecutor(len(spans) - 1) as pool:
        rest = [pool.submit(read, lo, hi, 0) for lo, hi in spans[1:]]
        tables = [read(*spans[0], header_lines), *(r.result() for r in rest)]
    if any(t is None for t in tables):
        return None
    return pa.concat_tables(tables)


class _LazyColumns(dict):
    """Arrow columns turned into Python lists when first used (a dry run reads a few)."""

    def __init__(self, arrow: dict[str, Any]):
        super().__init__()
        self._arrow = arrow

    def __missing__(self, key: str) -> list[str]:
        if key not in self._arrow:
            raise KeyError(key)
        got = self[key] = self._arrow[key].to_pylist()
        return got

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._arrow else default

    def raw(self, key: str) -> Any:
        """The column as read (an Arrow array), or None."""
        return self._arrow.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._arrow

    def __iter__(self) -> Any:
        return iter(self._arrow)


def _module_columns(f: FeedFile, header_line: int, layout: Layout,
                    delim: str) -> tuple[dict[str, list[str]], list[int], list[Rejected]]:
    records = csv_records(f.text, f.name, delim)
    width = len(layout.columns)
    body = [(ln, fl) for ln, fl in records if ln > header_line] if header_line else records
    cols: dict[str, list[str]] = {c: [] for c in layout.columns}
    lines: list[int] = []
    rejected: list[Rejected] = []
    lists = [cols[c] for c in layout.columns]
    for line, fields in body:
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line
        if len(fields) != width:
            if len(fields) < width and "\n" in fields[-1] and (line, fields) == body[-1]:
                reason = "a quoted field opened here is never closed (the file ends inside quotes)"
            else:
                reason = f"has {len(fields)} fields, the header has {width}"
            rejected.append(Rejected(f"line {line}", reason))
            continue
        for target, value in zip(lists, fields, strict=True):
            target.append(value)
        lines.append(line)
    return cols, lines, rejected


def _parse_columns(f: FeedFile, layout: Layout, cols: dict[str, list[str]], lines: list[int],
                   rejected: list[Rejected]) -> Parsed:
    out = Parsed(f, layout, has_country="country" in layout.columns)
    out.rejected.extend(rejected)
    fmt = layout.format
    names = layout.columns
    n = len(lines)

    def row_of(i: int) -> dict[str, str]:
        return {c: cols[c][i] for c in names}

    if fmt == DELETIONS:
        for i in range(n):
            try:
                key = cols["event_id_cnty"][i].strip()
                ts = R.whole(cols["deleted_timestamp"][i], "deleted_timestamp")
                if not key or ts is None:
                    raise R.RowError("needs event_id_cnty and deleted_timestamp")
                out.deletions[key] = max(ts, out.deletions.get(key, ts))
            except R.RowError as exc:
                out.rejected.append(Rejected(f"line {lines[i]}", str(exc)))
        return out
    mapping = layout.mapping
    if fmt in (ACLED, UCDP):
        full = R.FULL[fmt]

        def mapped(i: int, tz: Any) -> R.Incoming:
            return full(row_of(i), tz)

        getter = cols.raw if isinstance(cols, _LazyColumns) else cols.get
        acled = fmt == ACLED
        out.cols, refused = quick_columns(
            getter, names, n, lines, fmt, "event_id_cnty" if acled else "id",
            "event_date" if acled else "date_start", "timestamp" if acled else None,
            None if acled else 10, "source" if acled else "source_office",
            not acled or "timestamp" not in cols, mapped)
        out.rejected.extend(Rejected(f"line {line}", reason) for line, reason in refused)
        return out
    for i in range(n):
        row = row_of(i)
        try:
            q = R.csv_quick(row, mapping, R.row_crc(list(row.values())))
        except R.RowError as exc:
            out.rejected.append(Rejected(f"line {lines[i]}", str(exc)))
            continue
        out.rows.append(Row(lines[i], q, lambda tz, row=row: R.csv_row(row, mapping, tz)))
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
            R.acled_check(row)
            q.checked = True
            q.sources = row.get("source", "")
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
