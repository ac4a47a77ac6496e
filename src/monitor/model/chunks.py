"""Editing a chunked Arrow text column in place of one row: only the chunk holding the row
is rebuilt (a copy of a few thousand rows, or, for a big chunk, zero-copy slices around the
row), the other chunks are kept as they are, so an edit costs the same for a thousand or a
million events. Used by :class:`monitor.model.events.EventTable`."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

TEXT = pa.large_string()
SMALL_CHUNK = 4096  # pieces of fewer rows are merged with their neighbour
SPLIT_CHUNK = 32768  # a chunk of more rows is cut around an edited row rather than copied
MAX_CHUNKS = 64  # (chunked(): more chunks than this, the small ones are merged)


def splice(
    column: pa.ChunkedArray,
    ends: np.ndarray | None,
    start: int,
    stop: int,
    insert: pa.Array | None,
    chunks: list[pa.Array] | None = None,
) -> tuple[pa.ChunkedArray, np.ndarray]:
    """``column`` with rows ``start:stop`` (within one chunk, or ``start == stop ==
    len(column)`` to append) replaced by ``insert`` (``None``: removed), and where each of
    its chunks ends. ``ends`` and ``chunks``: the same for ``column`` if known (else they
    are read from it; ``chunks`` is updated in place)."""
    if chunks is None:
        chunks = list(column.chunks)
    if ends is None or len(ends) != len(chunks):
        ends = np.cumsum([len(c) for c in chunks], dtype=np.int64)
    if not chunks:
        out = pa.chunked_array([insert] if insert is not None else [], type=TEXT)
        chunks[:] = out.chunks
        return out, np.cumsum([len(c) for c in chunks], dtype=np.int64)
    j = min(int(np.searchsorted(ends, start, side="right")), len(chunks) - 1)
    first = int(ends[j]) - len(chunks[j])
    chunk = chunks[j]
    a, b = start - first, stop - first
    if b > len(chunk):  # rows of more than one chunk (not one event's edit): the general way
        out = chunked(cut(column, start, stop, insert))
        chunks[:] = out.chunks
        return out, np.cumsum([len(c) for c in chunks], dtype=np.int64)
    left, right = chunk.slice(0, a), chunk.slice(b)
    middle = [insert] if insert is not None else []
    if len(chunk) <= SPLIT_CHUNK:  # a copy of this one chunk
        middle, left, right = [left, *middle, right], None, None
    else:  # a big chunk: cut (no copy); a small piece beside the rows joins them
        if len(left) < SMALL_CHUNK:
            middle, left = [left, *middle], None
        if len(right) < SMALL_CHUNK:
            middle, right = [*middle, right], None
    middle = [p for p in middle if len(p)]
    joined = pa.concat_arrays(middle) if middle else None
    pieces = [p for p in (left, joined, right) if p is not None and len(p)]
    chunks[j : j + 1] = pieces
    out = pa.chunked_array(chunks, type=TEXT)
    grown = (len(insert) if insert is not None else 0) - (stop - start)
    lengths = np.array([len(p) for p in pieces], dtype=np.int64)
    new_ends = np.concatenate([ends[:j], first + np.cumsum(lengths), ends[j + 1 :] + grown])
    return out, new_ends


def cut(column: pa.ChunkedArray, start: int, stop: int, insert: pa.Array | None) -> list[pa.Array]:
    """The chunks of ``column`` with rows ``start:stop`` taken out (``insert`` in their place)."""
    out = list(column.slice(0, start).chunks)
    if insert is not None:
        out.append(insert)
    out += column.slice(stop).chunks
    return out


def chunked(chunks: list[pa.Array]) -> pa.ChunkedArray:
    """The chunks as one column; many small ones merged."""
    chunks = [c for c in chunks if len(c)]
    if len(chunks) > MAX_CHUNKS:
        merged: list[pa.Array] = []
        run: list[pa.Array] = []
        for c in chunks:
            if len(c) < SMALL_CHUNK:
                run.append(c)
                continue
            if run:
                merged.append(pa.concat_arrays(run))
                run = []
            merged.append(c)
        if run:
            merged.append(pa.concat_arrays(run))
        chunks = merged
    return pa.chunked_array(chunks, type=TEXT)


__all__ = ["SMALL_CHUNK", "SPLIT_CHUNK", "TEXT", "chunked", "cut", "splice"]
