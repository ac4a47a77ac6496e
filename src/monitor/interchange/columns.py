"""The quick facts of every row as columns (:class:`Columns`), and their vectorised
reading for ACLED and UCDP CSV files (pyarrow compute: no Python per row except for the
rows that are refused, whose reasons are found one by one).

A row's quick facts are its key, native id, feed timestamp, day, country, checksum and
source names: enough to merge it without mapping it (see :mod:`monitor.interchange.rows`).
Pure Python, no Qt.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from monitor.interchange import rows as R

Mapper = Callable[[int, Any], R.Incoming]

_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
_DIGITS = r"^\s*\d{1,18}\s*$"


@dataclass
class Columns:
    """Row ``i``'s quick facts are ``key[i]``, ``native[i]``, ... ``where[i]`` is its line
    (an int) or its place in a JSON document ("data[3]"); ``full(i, tz)`` maps it
    (RowError if it cannot be mapped); ``checked[i]``: the mapping is known to work."""

    where: list[Any]
    key: list[str]
    native: list[str]
    ts: list[int | None]
    day: list[str]
    country: list[str]
    crc: list[int]
    checked: list[bool]
    sources: list[str]
    full: Mapper

    def __len__(self) -> int:
        return len(self.key)

    def where_text(self, i: int) -> str:
        w = self.where[i]
        return w if isinstance(w, str) else f"line {w}"

    def quick(self, i: int) -> R.Quick:
        return R.Quick(self.key[i], self.native[i], self.ts[i], self.day[i], self.country[i],
                       self.crc[i], self.checked[i], self.sources[i])

    @classmethod
    def of_rows(cls, rows: list[Any]) -> Columns:
        """From :class:`monitor.interchange.parse.Row` objects (the formats read row by row)."""
        qs = [r.quick for r in rows]
        return cls([r.where for r in rows], [q.key for q in qs], [q.native_id for q in qs],
                   [q.timestamp for q in qs], [q.day for q in qs], [q.country for q in qs],
                   [q.crc for q in qs], [q.checked for q in qs], [q.sources for q in qs],
                   lambda i, tz: rows[i].full(tz))


def _strings(col: Any, n: int) -> pa.Array:
    if col is None:
        return pa.array([""] * n, pa.string())
    if isinstance(col, list):
        return pa.array(col, pa.string())
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _days(dates: pa.Array, cut: int | None, what: str, bad: dict[int, str]) -> list[str]:
    """The ISO day of every row (day_of on each distinct text once); unreadable: ""."""
    if cut is not None:
        dates = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(dates), 0, cut)
    enc = pc.dictionary_encode(dates)
    values = enc.dictionary.to_pylist()
    out, reasons = [], {}
    for j, text in enumerate(values):
        try:
            out.append(R.day_of(text))
        except ValueError as exc:
            out.append("")
            reasons[j] = f"{what}: {exc}"
    idx = enc.indices.to_numpy(zero_copy_only=False)
    if reasons:
        for i in np.flatnonzero(np.isin(idx, list(reasons))).tolist():
            bad.setdefault(i, reasons[int(idx[i])])
    return np.asarray(out, dtype=object)[idx].tolist()


def _timestamps(col: pa.Array, bad: dict[int, str]) -> list[int | None]:
    if len(col) and pc.all(pc.utf8_is_digit(col)).as_py():  # the usual file: all digits
        try:
            return pc.cast(col, pa.int64()).to_pylist()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # beyond int64, or digits of another script: one by one
    digits = pc.match_substring_regex(col, _DIGITS).to_numpy(zero_copy_only=False)
    n = len(col)
    if digits.all():
        return pc.cast(pc.utf8_trim_whitespace(col), pa.int64()).to_pylist()
    values = np.zeros(n, dtype=np.int64)
    if digits.any():
        good = pc.filter(col, pa.array(digits))
        values[digits] = pc.cast(pc.utf8_trim_whitespace(good), pa.int64()).to_numpy()
    out: list[int | None] = values.tolist()
    texts = col.to_pylist()
    for i in np.flatnonzero(~digits).tolist():
        try:
            out[i] = R.whole(texts[i], "timestamp")
        except R.RowError as exc:
            out[i] = None
            bad.setdefault(i, str(exc))
    return out


def _coordinates(lats: pa.Array, lons: pa.Array, bad: dict[int, str]) -> None:
    def number(col: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        try:  # the usual file: every one a number
            return np.ones(len(col), dtype=bool), pc.cast(col, pa.float64()).to_numpy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        ok = pc.match_substring_regex(col, _NUMBER).to_numpy(zero_copy_only=False)
        vals = np.full(len(col), np.nan)
        if ok.any():
            vals[ok] = pc.cast(pc.utf8_trim_whitespace(pc.filter(col, pa.array(ok))),
                               pa.float64()).to_numpy()
        return ok, vals

    lat_ok, lat = number(lats)
    lon_ok, lon = number(lons)
    with np.errstate(invalid="ignore"):
        good = lat_ok & lon_ok & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    check = np.flatnonzero(~good)
    if not len(check):
        return
    lat_t = pc.take(lats, pa.array(check)).to_pylist()
    lon_t = pc.take(lons, pa.array(check)).to_pylist()
    for i, a, b in zip(check.tolist(), lat_t, lon_t, strict=True):
        try:
            R.coordinates(a, b)  # both empty: no place, fine; else the reason
        except R.RowError as exc:
            bad.setdefault(i, str(exc))


def quick_columns(get: Callable[[str], Any], names: tuple[str, ...], n: int, lines: list[int],
                  feed: str, id_col: str, date_col: str, ts_col: str | None,
                  date_cut: int | None, src_col: str, with_crc: bool,
                  full: Mapper) -> tuple[Columns, list[tuple[int, str]]]:
    """The quick facts of ``n`` rows of a CSV feed (``get(column)``: its arrow array, a
    list, or None), checked; and ``(line, reason)`` of the rows refused."""
    ids = pc.utf8_trim_whitespace(_strings(get(id_col), n))
    bad_id = np.flatnonzero(pc.equal(ids, "").to_numpy(zero_copy_only=False))
    date_bad: dict[int, str] = {}
    days = _days(_strings(get(date_col), n), date_cut, date_col, date_bad)
    ts_bad: dict[int, str] = {}
    ts: list[int | None] = ([None] * n if ts_col is None or get(ts_col) is None
                            else _timestamps(_strings(get(ts_col), n), ts_bad))
    coord_bad: dict[int, str] = {}
    _coordinates(_strings(get("latitude"), n), _strings(get("longitude"), n), coord_bad)
    bad: dict[int, str] = {int(i): f"no {id_col}" for i in bad_id}
    for d in (date_bad, ts_bad, coord_bad):  # the first reason of a row is the one given
        for i, reason in d.items():
            bad.setdefault(i, reason)
    native = ids.to_pylist()
    prefix = f"{feed}:"
    key = [prefix + x for x in native]
    country = pc.utf8_trim_whitespace(_strings(get("country"), n)).to_pylist()
    sources = _strings(get(src_col), n).to_pylist()
    if with_crc:  # no timestamps: a checksum of the row says if it changed
        joined = pc.binary_join_element_wise(*[_strings(get(c), n) for c in names], "\x1f")
        crc = [zlib.crc32(s) for s in pc.cast(joined, pa.binary()).to_pylist()]
    else:
        crc = [0] * n
    cols = Columns(list(lines), key, native, ts, days, country, crc, [True] * n, sources, full)
    refused = [(lines[i], bad[i]) for i in sorted(bad)]
    if bad:
        keep = np.ones(n, dtype=bool)
        keep[list(bad)] = False
        cols = _subset(cols, np.flatnonzero(keep))
    return cols, refused


def _subset(cols: Columns, keep: np.ndarray) -> Columns:
    pos = keep.tolist()

    def pick(values: list[Any]) -> list[Any]:
        return [values[i] for i in pos]

    full = cols.full
    return Columns(pick(cols.where), pick(cols.key), pick(cols.native), pick(cols.ts),
                   pick(cols.day), pick(cols.country), pick(cols.crc), pick(cols.checked),
                   pick(cols.sources), lambda i, tz: full(pos[i], tz))
