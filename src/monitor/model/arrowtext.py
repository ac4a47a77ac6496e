"""Work on whole Arrow string columns for :mod:`monitor.model.columns` (C speed, no Python
object per row): joined lists, blank and colon checks, separators."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class Undecided(Exception):
    """The column checks do not decide these events (invalid, or unusual): the strict
    reader must (:mod:`monitor.model.sections`)."""


CANONICAL_SEPARATOR = b"},\n    {"  # between two events in a canonical file


def local_codes(
    values: pa.Array, allowed: frozenset[str] | None = None
) -> tuple[list[str], np.ndarray]:
    """A window's distinct values (in order of first appearance) and each row's index in them."""
    enc = values.dictionary_encode()
    distinct = enc.dictionary.to_pylist()
    if allowed is not None and not allowed.issuperset(distinct):
        raise Undecided
    return distinct, enc.indices.to_numpy(zero_copy_only=False)


# 64-bit polynomial hashes of strings (mod 2**64: an odd base is invertible), for
# all_distinct: a few numpy passes over each chunk's bytes, no hash table of the strings.
_P = np.uint64(0x100000001B3)
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_NO_BYTES = np.zeros(0, np.uint8)


def string_hashes(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each string of a large-string column (equal strings, equal hashes;
    nulls hash as empty strings)."""
    out = np.empty(len(values), np.uint64)
    at = 0
    for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
        k = len(chunk)
        if not k:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], np.int64)[chunk.offset : chunk.offset + k + 1]
        first = int(offsets[0])
        rel = offsets - first
        size = int(rel[-1])
        data = chunk.buffers()[2]
        text = np.frombuffer(data, np.uint8)[first : first + size] if size else _NO_BYTES
        sums = np.zeros(size + 1, np.uint64)
        np.cumsum((text + np.uint64(1)) * _powers(_P, size), out=sums[1:])
        # sum of (byte + 1) * P**(position in the string), whatever the string's place
        h = (sums[rel[1:]] - sums[rel[:-1]]) * _powers(_P_INV, size + 1)[rel[:-1]]
        h ^= (rel[1:] - rel[:-1]).astype(np.uint64) * _MIX
        out[at : at + k] = h
        at += k
    return out


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """base**0 .. base**(n-1), wrapping at 2**64."""
    out = np.full(n, base, np.uint64)
    if n:
        out[0] = 1
        np.cumprod(out, out=out)
    return out


def all_distinct(values: pa.ChunkedArray) -> bool:
    """No two strings of a large-string column are equal? Decided by their hashes (16 bytes
    a row; ``pc.count_distinct``'s hash table of the strings took ~80 MB for a million
    ids); if two hashes meet, by counting the distinct strings."""
    hashes = np.sort(string_hashes(values))
    if len(hashes) < 2 or bool((hashes[1:] != hashes[:-1]).all()):
        return True
    return int(pc.count_distinct(values).as_py()) == len(values)


X1F = pa.scalar("\x1f", pa.large_string())


def joined(lists: pa.ListArray) -> pa.Array:
    """Each list as one string, items separated by U+001F (an item holding one: Undecided)."""
    items = lists.flatten()
    if len(items) and pc.max(pc.count_substring(items, "\x1f")).as_py():
        raise Undecided
    return pc.binary_join(lists, X1F)


def separators(chunk: bytes) -> np.ndarray:
    """Where "},\n    {" (the canonical separator between events) starts in ``chunk``."""
    text = np.frombuffer(chunk, np.uint8)
    if len(text) < len(CANONICAL_SEPARATOR):
        return np.empty(0, np.int64)
    at = np.flatnonzero(text[: len(text) - len(CANONICAL_SEPARATOR) + 1] == 0x7D)
    for k, byte in enumerate(CANONICAL_SEPARATOR[1:], 1):
        at = at[text[at + k] == byte]
    return at


def has_colon(arr: pa.Array) -> bool:
    """Does any string of ``arr`` hold a ``:``? (One scan of its bytes.)"""
    if not len(arr):
        return False
    if not pa.types.is_large_string(arr.type):
        return True  # (only large strings come here; anything else is simply counted)
    offsets = np.frombuffer(arr.buffers()[1], np.int64)
    first, last = offsets[arr.offset], offsets[arr.offset + len(arr)]
    data = arr.buffers()[2]
    if data is None or last <= first:
        return False
    return bool(np.count_nonzero(np.frombuffer(data, np.uint8)[first:last] == 58))


def digits(text: pa.Array, start: int, stop: int) -> pa.Array:
    return pc.utf8_slice_codeunits(text, start, stop).cast(pa.int64())


def check_non_blank(arr: pa.Array) -> None:
    """Every (non-null) string has a character that is not white space, as ``str.isspace``
    counts it. A printable ASCII first byte settles it; the rest are asked in Python."""
    n = len(arr)
    if not n:
        return
    if pa.types.is_large_string(arr.type):  # the first bytes, straight from the buffers
        offsets = np.frombuffer(arr.buffers()[1], np.int64)[arr.offset : arr.offset + n + 1]
        data = arr.buffers()[2]
        first = np.zeros(n, np.uint8)
        filled = offsets[1:] > offsets[:-1]
        if data is not None and filled.any():
            first[filled] = np.frombuffer(data, np.uint8)[offsets[:-1][filled]]
        unsure = pa.array((first < 0x21) | (first > 0x7E))
    else:
        unsure = pc.invert(pc.fill_null(pc.match_substring_regex(arr, "[!-~]"), True))
    if pc.any(unsure).as_py():
        for value in arr.filter(unsure).to_pylist():
            if value is not None and (not value or value.isspace()):  # (None: not given)
                raise Undecided
