"""Whole-column helpers of the loader: the duplicate-id check by string hashes."""

from __future__ import annotations

import itertools
from unittest import mock

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.model import arrowtext
from monitor.model.arrowtext import all_distinct, string_hashes

strings = st.lists(st.text(alphabet="ab\x00ßح \n", max_size=5), max_size=40)


def _chunked(values: list[str], cuts: list[int]) -> pa.ChunkedArray:
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    parts = [values[a:b] for a, b in itertools.pairwise(bounds)]
    whole = pa.array(["pad", *values], pa.large_string())  # sliced: a non-zero offset too
    arrays = [pa.array(p, pa.large_string()) for p in parts]
    if arrays:
        arrays[0] = whole.slice(1, len(parts[0]))
    return pa.chunked_array(arrays, type=pa.large_string())


@settings(max_examples=200, deadline=None)
@given(values=strings, cuts=st.lists(st.integers(0, 40), max_size=4))
def test_all_distinct_is_exact_however_the_column_is_chunked(values, cuts) -> None:
    column = _chunked(values, cuts)
    assert all_distinct(column) == (len(set(values)) == len(values))
    hashes = string_hashes(column).tolist()
    for i, a in enumerate(values):  # equal strings, equal hashes, wherever they sit
        for j, b in enumerate(values):
            if a == b:
                assert hashes[i] == hashes[j]


@settings(max_examples=50, deadline=None)
@given(values=strings)
def test_hashes_that_meet_are_settled_by_counting(values) -> None:
    column = pa.chunked_array([pa.array(values, pa.large_string())], type=pa.large_string())
    with mock.patch.object(arrowtext, "string_hashes", lambda v: np.zeros(len(v), np.uint64)):
        assert all_distinct(column) == (len(set(values)) == len(values))


def test_a_million_ids_have_no_false_duplicate() -> None:
    ids = pa.chunked_array(
        [pa.array([f"evt-{i:07d}" for i in range(s, s + 7000)], pa.large_string())
         for s in range(0, 1_000_000, 7000)]
    )
    assert len(np.unique(string_hashes(ids))) == len(ids)
    assert all_distinct(ids)
    again = pa.array(["evt-0000005"], pa.large_string())
    assert not all_distinct(pa.chunked_array([*ids.chunks, again]))
