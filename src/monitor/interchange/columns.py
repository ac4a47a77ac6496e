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
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from monitor.interchange import rows as R

Mapper = Callable[[int, Any], R.Incoming]

_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
_DIGITS = r"^\s*\d{1,18}\s*$"


_FIELDS = ("where", "key", "native", "ts", "day", "country", "crc", "checked", "sources")


class Columns:
    """Row ``i``'s quick facts are ``key[i]``, ``native[i]``, ... ``where[i]`` is its line
    (an int) or its place in a JSON document ("data[3]"); ``full(i, tz)`` maps it
    (RowError if it cannot be mapped); ``checked[i]``: the mapping is known to work.

    A column given as a function is made (a list) when first read: a dry run reads few.
    :meth:`distinct` gives a column's values over all rows without making it, where it
    can."""

    where: list[Any]
    key: list[str]
    native: list[str]
    ts: list[int | None]
    day: list[str]
    country: list[str]
    crc: list[int]
    checked: list[bool]
    sources: list[str]

    def __init__(self, where: list[Any], key: list[str], native: Any, ts: Any, day: Any,
                 country: Any, crc: Any, checked: Any, sources: Any, full: Mapper, *,
                 distinct: dict[str, Callable[[], set[Any]]] | None = None,
                 stamps: Callable[[], np.ndarray] | None = None, all_checked: bool = False,
                 key_array: pa.Array | None = None):
        self.full = full
        self._make: dict[str, Callable[[], list[Any]]] = {}
        for name, value in zip(_FIELDS, (where, key, native, ts, day, country, crc, checked,
                                         sources), strict=True):
            if callable(value):
                self._make[name] = value
            else:
                setattr(self, name, value)
        self._distinct = distinct or {}
        self._stamps = stamps
        self.key_array = key_array  # ``key`` as an Arrow array (None: not at hand)
        self.all_checked = all_checked or (not callable(checked) and all(checked))

    def __getattr__(self, name: str) -> Any:
        make = self.__dict__.get("_make", {}).pop(name, None)
        if make is None:
            raise AttributeError(name)
        value = make()
        setattr(self, name, value)
        return value

    def __len__(self) -> int:
        return len(self.key)

    def distinct(self, name: str, rows: Any = None) -> set[Any]:
        """The set of column ``name``'s values at ``rows`` (None: every row)."""
        if rows is not None and not len(rows):
            return set()
        if rows is None:
            if name in self._make and name in self._distinct:
                return self._distinct[name]()
            return set(getattr(self, name))
        return set(map(getattr(self, name).__getitem__, rows))

    def ts_array(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The timestamps as int64 and whether each is given (None: one is beyond int64)."""
        if self._stamps is not None:
            values = self._stamps()
            return values, np.ones(len(values), dtype=bool)
        ts = self.ts
        given = np.fromiter((t is not None for t in ts), bool, len(ts))
        try:
            return np.fromiter((0 if t is None else t for t in ts), np.int64, len(ts)), given
        except OverflowError:
            return None

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


def _days(dates: pa.Array, cut: int | None, what: str,
          bad: dict[int, str]) -> tuple[list[str], np.ndarray]:
    """The ISO day of each distinct date text (day_of on each once; unreadable: "") and
    each row's index into them."""
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
    return out, idx


def _timestamps(col: pa.Array, bad: dict[int, str]) -> Any:
    """Every row's timestamp: a list, or (the usual file) an int64 array of them all."""
    if len(col) and pc.all(pc.utf8_is_digit(col)).as_py():  # the usual file: all digits
        try:
            return pc.cast(col, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # beyond int64, or digits of another script: one by one
    digits = pc.match_substring_regex(col, _DIGITS).to_numpy(zero_copy_only=False)
    n = len(col)
    if digits.all():
        return pc.cast(pc.utf8_trim_whitespace(col), pa.int64()).to_numpy().tolist()
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
    ts: Any = ([None] * n if ts_col is None or get(ts_col) is None
               else _timestamps(_strings(get(ts_col), n), ts_bad))
    coord_bad: dict[int, str] = {}
    _coordinates(_strings(get("latitude"), n), _strings(get("longitude"), n), coord_bad)
    bad: dict[int, str] = {int(i): f"no {id_col}" for i in bad_id}
    for d in (date_bad, ts_bad, coord_bad):  # the first reason of a row is the one given
        for i, reason in d.items():
            bad.setdefault(i, reason)
    # Each column a list when first read (a dry run reads the keys, and the distinct
    # days, countries and sources, which are found without one Python string per row).
    key_array = pc.binary_join_element_wise(pa.scalar(f"{feed}:"), ids, "")
    key = key_array.to_pylist()
    country = pc.utf8_trim_whitespace(_strings(get("country"), n))
    sources = _strings(get(src_col), n)
    day_values, day_index = days
    stamps = ts if isinstance(ts, pa.Array) else None

    def crc() -> list[int]:
        if not with_crc:
            return [0] * n
        # No timestamps: a checksum of the row says if it changed.
        joined = pc.binary_join_element_wise(*[_strings(get(c), n) for c in names], "\x1f")
        return [zlib.crc32(s) for s in pc.cast(joined, pa.binary()).to_pylist()]

    cols = Columns(
        lines, key, ids.to_pylist, ts if stamps is None else lambda: stamps.to_numpy().tolist(),
        lambda: [day_values[j] for j in day_index.tolist()], country.to_pylist,
        crc, lambda: [True] * n, sources.to_pylist, full,
        distinct={"day": lambda: set(day_values), "country": lambda: _unique(country),
                  "sources": lambda: _unique(sources)},
        stamps=None if stamps is None else stamps.to_numpy, all_checked=True,
        key_array=key_array)
    refused = [(lines[i], bad[i]) for i in sorted(bad)]
    if bad:
        keep = np.ones(n, dtype=bool)
        keep[list(bad)] = False
        cols = _subset(cols, np.flatnonzero(keep))
    return cols, refused


def _unique(values: pa.Array) -> set[str]:
    return set(pc.unique(values).to_pylist())


def _subset(cols: Columns, keep: np.ndarray) -> Columns:
    pos = keep.tolist()

    def pick(name: str) -> Callable[[], list[Any]]:
        return lambda: [getattr(cols, name)[i] for i in pos]

    full = cols.full
    return Columns(pick("where")(), pick("key")(), pick("native"), pick("ts"), pick("day"),
                   pick("country"), pick("crc"), pick("checked"), pick("sources"),
                   lambda i, tz: full(pos[i], tz), all_checked=cols.all_checked)
