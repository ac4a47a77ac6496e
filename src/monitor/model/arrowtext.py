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
