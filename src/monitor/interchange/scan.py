"""A CSV body's line breaks from its bytes (numpy over 1 MB slices: no Python per byte or
per row, no mask the size of the file): how many there are, where to cut the body into
pieces of whole records, and how many each row read holds.

A line break ends a record unless it lies inside a quoted field. A quote opens a field
only at its start and is doubled (``""``) inside one; so while every quote sits where
that grammar puts it, the number of quotes before a line break says whether it is inside
quotes (odd) or ends a record (even), exactly as a CSV parser sees it. A quote anywhere
else (``ab"c``, ``"ab"c``) makes that count meaningless: :func:`cut_points` then does not
cut (the body is read whole by the quote-aware reader). Pure Python, no Qt.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_SLICE = 1 << 20
_QUOTE, _LF, _CR = 34, 10, 13
_WINDOW = 1 << 16  # where a cut is looked for, after the piece's nominal end


def count(buf: np.ndarray, byte: int) -> int:
    """How many times ``byte`` is in ``buf``."""
    return sum(int(np.count_nonzero(buf[s:s + _SLICE] == byte))
               for s in range(0, len(buf), _SLICE))


def positions(buf: np.ndarray, byte: int) -> np.ndarray:
    """The offsets of ``byte`` in ``buf`` (int64), looked for one 1 MB slice at a time."""
    parts = [np.flatnonzero(buf[s:s + _SLICE] == byte) + s for s in range(0, len(buf), _SLICE)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def cut_points(buf: np.ndarray, pieces: int, delimiter: str) -> list[int]:
    """Offsets in ``buf`` (a CSV body from a record's start) just after a record's end that
    cut it into about ``pieces`` equal parts; fewer (none) where the quotes do not say."""
    size = len(buf)
    cuts: list[int] = []
    for k in range(1, pieces):
        lo = size * k // pieces
        window = buf[lo:lo + _WINDOW]
        breaks = np.flatnonzero(window == _LF) + lo
        if not len(breaks):
            break
        quotes = positions(buf[: int(breaks[-1])], _QUOTE)
        if len(quotes):
            if not well_placed(buf, quotes, ord(delimiter)):
                break  # a quote the count cannot follow: no (further) cut
            outside = breaks[(np.searchsorted(quotes, breaks) & 1) == 0]
        else:
            outside = breaks
        if not len(outside):
            break
        cut = int(outside[0]) + 1
        if cut >= size or (cuts and cut <= cuts[-1]):
            break
        cuts.append(cut)
    return cuts


def well_placed(buf: np.ndarray, quotes: np.ndarray, delimiter: int) -> bool:
    """``quotes`` (the first quotes of ``buf``, all of them up to some point) each where
    the CSV grammar puts one: the 1st, 3rd, ... open a field (at the body's start, after
    the delimiter or a line break, or right after the quote before it: ``""`` inside a
    field), the 2nd, 4th, ... close one (before the delimiter, a line break, the body's
    end, or the quote after it). An odd count: the last field is still open."""
    if not len(quotes):
        return True
    size = len(buf)
    opens, closes = quotes[0::2], quotes[1::2]
    prev = buf[np.maximum(opens - 1, 0)]
    ok_open = (prev == delimiter) | (prev == _LF) | (prev == _CR) | (opens == 0)
    k = len(closes)
    ok_open[1:] |= opens[1:] == closes[: len(opens) - 1] + 1  # a doubled quote
    if not ok_open.all():
        return False
    after = closes + 1
    nxt = buf[np.minimum(after, size - 1)]
    ok_close = (nxt == delimiter) | (nxt == _LF) | (nxt == _CR) | (after >= size)
    m = min(k, len(opens) - 1)
    ok_close[:m] |= after[:m] == opens[1:m + 1]  # the first of a doubled quote
    return bool(ok_close.all())


def breaks_per_row(columns: list[Any], n: int) -> np.ndarray:
    """How many ``\\n`` the ``n`` rows hold in all their fields (pyarrow string columns,
    read from the values' bytes: a column without one costs a compare)."""
    out = np.zeros(n, np.int64)
    for col in columns:
        base = 0
        for chunk in getattr(col, "chunks", [col]):
            m = len(chunk)
            if not m:
                continue
            _validity, offsets_buf, data_buf = chunk.buffers()
            offsets = np.frombuffer(offsets_buf, np.int32)[chunk.offset:chunk.offset + m + 1]
            values = np.frombuffer(data_buf, np.uint8)[int(offsets[0]):int(offsets[-1])] \
                if data_buf is not None else np.zeros(0, np.uint8)
            at = positions(values, _LF)
            if len(at):
                rows = np.searchsorted(offsets, at + int(offsets[0]), side="right") - 1
                out[base:base + m] += np.bincount(rows, minlength=m)
            base += m
    return out
