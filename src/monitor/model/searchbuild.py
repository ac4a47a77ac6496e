"""Building the search index's arrays (:class:`monitor.model.search.SearchIndex`) from
texts made a slice of rows at a time, holding little more than the index itself.

The rows are tokenised a chunk at a time (32,768 rows; pyarrow releases the GIL). A token
found in at least 1/16 of a chunk's rows will most likely be in 1/32 of all rows, where the
index keeps it as a bitmap over the rows: it gets its bitmap at once and its rows of this
and later chunks go there (for a million events most of the token occurrences; kept as
row lists until the end they were ~50 MB more at the build's peak). The other tokens' rows
are kept per chunk (uint16) until every token's count is known. Then each token is stored
as the index wants it: a bitmap if in 1/32 of the rows or more, else a row list (a bitmap
made early for a token that turns out rarer is turned into its row list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_ROWS = 1 << 13  # rows tokenised per step (row numbers fit uint16; a multiple of 8)
DENSE_FRACTION = 32  # a token in >= 1/32 of the rows is stored as a bitmap
LOCAL_FRACTION = 16  # a token in >= 1/16 of a chunk's rows gets its bitmap at once
EARLY_BITMAPS = 384  # at most this many made before the counts are known


class BuildCancelled(Exception):
    """``SearchIndex.build`` was asked to stop."""


def build_arrays(
    texts: Any,
    cancel: Callable[[], bool] | None = None,
    dense_rows: int | None = None,
    local_rows: int | None = None,
) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The index arrays of ``texts`` (a :class:`~monitor.model.searchtext.Texts`): the
    vocabulary, each token's bitmap row (-1: none), the bitmaps (uint64, one row per dense
    token), the row lists' offsets per token and the row lists (int32).

    ``dense_rows``: tokens in at least this many rows are kept as bitmaps (default 1/32 of
    the rows); ``local_rows``: tokens in this many rows of one chunk get theirs at once."""
    n = len(texts)
    if dense_rows is None:
        dense_rows = max(-(-n // DENSE_FRACTION), 1)
    if local_rows is None:
        local_rows = max(CHUNK_ROWS // LOCAL_FRACTION, 1)
    nbytes = (n + 63) // 64 * 8
    vocab: dict[str, int] = {}
    slot = np.zeros(0, np.int32)  # per token: its bitmap in ``maps`` (-1: none yet)
    maps: list[np.ndarray | None] = []  # uint8 bitmaps over all rows
    counted: list[tuple[np.ndarray, np.ndarray]] = []  # per chunk: tokens, rows holding each
    # Per chunk, the rows of the tokens without a bitmap: tokens (ascending ids), how many
    # of the chunk's rows hold each, and those rows (uint16, ascending per token).
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for c, start in enumerate(range(0, n, CHUNK_ROWS)):
        if cancel is not None and cancel():
            raise BuildCancelled
        tokens, counts, rows = _chunk_pairs(texts.slice(start, CHUNK_ROWS), vocab)
        counted.append((tokens, counts))
        if len(vocab) > len(slot):
            slot = np.concatenate((slot, np.full(len(vocab) - len(slot), -1, np.int32)))
        room = EARLY_BITMAPS - len(maps)
        if room > 0:
            for t in tokens[(counts >= local_rows) & (slot[tokens] < 0)][:room].tolist():
                slot[t] = len(maps)
                maps.append(np.zeros(nbytes, np.uint8))
        mapped = slot[tokens] >= 0
        _set_bits(maps, slot, c, n, tokens[mapped], counts[mapped], rows, mapped, counts)
        if mapped.any():
            keep = ~np.repeat(mapped, counts)
            tokens, counts, rows = tokens[~mapped], counts[~mapped], rows[keep]
        chunks.append((tokens, counts, rows))

    n_tokens = len(vocab)
    vocab_array = pa.array(list(vocab), type=pa.large_string())
    del vocab
    df = np.zeros(n_tokens, dtype=np.int64)
    for tokens, counts in counted:
        df[tokens] += counts
    del counted
    dense = df >= dense_rows
    for t in np.flatnonzero(dense & (slot < 0)).tolist():
        slot[t] = len(maps)
        maps.append(np.zeros(nbytes, np.uint8))
    unmapped = (slot >= 0) & ~dense  # bitmaps made early of tokens that are not dense

    indptr = np.zeros(n_tokens + 1, dtype=np.int64)
    np.cumsum(np.where(dense, 0, df), out=indptr[1:])
    postings = np.empty(int(indptr[-1]), dtype=np.int32)
    fill = indptr[:-1].copy()  # next free place of each token's list
    for c, (tokens, counts, rows) in enumerate(chunks):
        if cancel is not None and cancel():
            raise BuildCancelled
        base = c * CHUNK_ROWS
        to_map = dense[tokens]
        # Listed tokens: each token's rows of this chunk are one run, placed after the rows
        # of earlier chunks (so every list stays ascending). (A token whose bitmap was made
        # early has its rows of earlier chunks here, those of later ones in the bitmap.)
        listed = np.repeat(~to_map, counts)
        st, sc = tokens[~to_map], counts[~to_map]
        if len(st):
            run_start = np.cumsum(sc) - sc
            rank = np.arange(int(sc.sum())) - np.repeat(run_start, sc)
            postings[np.repeat(fill[st], sc) + rank] = rows[listed].astype(np.int32) + base
            fill[st] += sc
        _set_bits(maps, slot, c, n, tokens[to_map], counts[to_map], rows, to_map, counts)
        chunks[c] = (tokens[:0], counts[:0], rows[:0])  # free as we go
    del chunks
    for t in np.flatnonzero(unmapped).tolist():  # their rows from the bitmap, after the lists
        bitmap = maps[slot[t]]
        assert bitmap is not None
        got = np.flatnonzero(np.unpackbits(bitmap, count=n, bitorder="little"))
        postings[fill[t] : fill[t] + len(got)] = got
        fill[t] += len(got)
        maps[slot[t]] = None
    # The bitmaps kept, one row each (copied one at a time: no second copy of them all).
    dense_ids = np.flatnonzero(dense)
    bitmaps = np.empty((len(dense_ids), nbytes // 8), dtype=np.uint64)
    dense_slot = np.full(n_tokens, -1, dtype=np.int32)
    for i, t in enumerate(dense_ids.tolist()):
        bitmap = maps[slot[t]]
        assert bitmap is not None
        bitmaps[i] = bitmap.view(np.uint64)
        maps[slot[t]] = None
        dense_slot[t] = i
    return vocab_array, dense_slot, bitmaps, indptr, postings


def _set_bits(
    maps: list[np.ndarray | None],
    slot: np.ndarray,
    c: int,
    n: int,
    tokens: np.ndarray,
    counts: np.ndarray,
    rows: np.ndarray,
    chosen: np.ndarray,
    all_counts: np.ndarray,
) -> None:
    """Set the bits of chunk ``c``'s rows of these ``tokens`` (``chosen`` among the chunk's
    tokens, whose rows and counts are ``rows``, ``all_counts``) in their bitmaps. A chunk
    covers bytes of its own in every bitmap, written here once."""
    if not len(tokens):
        return
    base = c * CHUNK_ROWS
    span = min(CHUNK_ROWS, n - base)
    local = np.zeros((len(tokens), span), dtype=bool)
    local[np.repeat(np.arange(len(tokens)), counts), rows[np.repeat(chosen, all_counts)]] = True
    packed = np.packbits(local, axis=1, bitorder="little")
    del local
    for i, t in enumerate(tokens.tolist()):
        bitmap = maps[slot[t]]
        assert bitmap is not None
        bitmap[base // 8 : base // 8 + packed.shape[1]] = packed[i]


def _chunk_pairs(
    texts: pa.Array, vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokens of one slice of rows (at most 65,536): distinct token ids (ascending; new
    tokens join ``vocab``), the number of rows holding each, and those rows (uint16)."""
    tokens = pc.ascii_split_whitespace(texts)
    per_row = np.diff(tokens.offsets.to_numpy()).astype(np.int64)
    if tokens.null_count:
        per_row[np.asarray(tokens.is_null())] = 0
    flat = tokens.flatten()
    if not len(flat):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.uint16)
    encoded = pc.dictionary_encode(flat)
    local = encoded.dictionary.to_pylist()
    to_global = np.fromiter((vocab.setdefault(t, len(vocab)) for t in local), np.int64, len(local))
    ids = to_global[encoded.indices.to_numpy()]
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), per_row)
    keys = np.sort((ids << 16) | rows)  # by token, then row
    if len(keys) > 1:
        keep = np.empty(len(keys), dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        keys = keys[keep]  # a token repeated in a row counts once
    key_tokens = keys >> 16
    starts = np.flatnonzero(np.r_[True, key_tokens[1:] != key_tokens[:-1]])
    counts = np.diff(np.r_[starts, len(keys)])
    return key_tokens[starts], counts, (keys & 0xFFFF).astype(np.uint16)


__all__ = ["CHUNK_ROWS", "BuildCancelled", "build_arrays"]
