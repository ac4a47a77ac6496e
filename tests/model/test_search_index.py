"""The search index gives exactly the rows a substring scan gives, for any text and word."""

from __future__ import annotations

import gc
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from searchref import plain_texts

from monitor.model import search, searchbuild
from monitor.model.frames import filter_events
from monitor.model.search import SearchIndex

# Letters from several scripts, ASCII whitespace, and Unicode whitespace that Python's
# str.split() knows but the index's tokeniser does not (no-break space, ideographic space).
ALPHABET = "abcé ßσςΣ حماة ربيعة\n\t-.(*\u00a0\u3000\u2028\u200b"
texts = st.lists(st.text(alphabet=ALPHABET, max_size=30), min_size=1, max_size=40)
words = st.text(alphabet=ALPHABET, min_size=1, max_size=4).filter(lambda w: w.split() == [w])


def scan(values: list[str | None], word: str) -> np.ndarray:
    return np.array([v is not None and word in v for v in values], dtype=bool)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=texts,
    queries=st.lists(words, min_size=1, max_size=6),
    dense=st.integers(1, 5),
    local=st.integers(1, 6),
)
def test_index_matches_a_brute_force_scan(values, queries, dense, local) -> None:
    # dense: how many rows make a token a bitmap, so that both storages are exercised;
    # local: how many rows of a chunk give a token its bitmap before the counts are known
    # (some of those then turn out not dense: their bitmaps become row lists).
    column = pa.array(values, type=pa.large_string())
    index = SearchIndex.build(column, dense_rows=dense, local_rows=local)
    for word in queries:
        assert index.word_mask(word).tolist() == scan(values, word).tolist(), word


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.text(alphabet="ab c\n", max_size=8), min_size=1, max_size=70),
    queries=st.lists(st.sampled_from(["a", "b", "ab", "ba", "c", "aa", "bc"]), min_size=1),
    chunk=st.sampled_from([8, 16, 24]),
    dense=st.integers(1, 12),
    local=st.integers(1, 8),
)
def test_many_chunks_with_bitmaps_made_early_or_late_stay_exact(
    values, queries, chunk, dense, local
) -> None:
    # Small chunks of rows: a token gets its bitmap in a later chunk than its first rows
    # (those stay in its row list), or at the end only, or gets one and turns out rare.
    with mock.patch.object(searchbuild, "CHUNK_ROWS", chunk):
        index = SearchIndex.build(
            pa.array(values, type=pa.large_string()), dense_rows=dense, local_rows=local
        )
    for word in queries:
        assert index.word_mask(word).tolist() == scan(values, word).tolist(), word


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.text(alphabet=ALPHABET, max_size=20)), max_size=30),
    word=words,
)
def test_nulls_and_empty_texts_match_nothing(values, word) -> None:
    index = SearchIndex.build(pa.array(values, type=pa.string()))
    assert index.word_mask(word).tolist() == scan(values, word).tolist()


def test_many_rows_use_bitmaps_and_lists_and_stay_exact() -> None:
    rng = np.random.default_rng(7)
    vocab = np.array(
        ["convoy", "clash", "al-qaim", "ربيعة", "border", "shelling", "straße", "σίσυφος", "x"]
        + [f"w{i}" for i in range(3000)],
        dtype=object,
    )
    n = 120_000  # more than one chunk of rows
    weights = 1 / np.arange(1, len(vocab) + 1)
    picks = rng.choice(len(vocab), size=(n, 6), p=weights / weights.sum())
    values = [" ".join(vocab[p]) for p in picks]
    index = SearchIndex.build(pd.Series(values, dtype=pd.StringDtype()))
    assert 0 < index.n_dense < index.n_tokens
    column = pa.array(values)
    queries = ["c", "co", "convoy", "al-q", "w1", "w29", "w2999", "ربي", "ß", "\u03c3", "zz", "-"]
    for word in queries:
        expected = np.asarray(pa.compute.match_substring(column, word))
        assert np.array_equal(index.word_mask(word), expected), word
    assert index.nbytes < n * 6 * 4  # smaller than one int32 per token occurrence


def test_words_with_whitespace_are_refused() -> None:
    index = SearchIndex.build(pa.array(["a b"]))
    with pytest.raises(ValueError):
        index.word_mask("a b")


def test_filter_events_uses_a_built_index_with_the_same_result(small) -> None:
    frame = small.events_frame()
    values = plain_texts(small)
    before = {
        t: [i for i, v in enumerate(values) if all(w in v for w in t.casefold().split())]
        for t in ["rebels hama", "qaim", "Government", "zzz", "a"]
    }
    index = search.build_index(frame)
    assert search.index_for(frame) is index
    used = []
    original = SearchIndex.word_mask

    def recording(self, word):
        used.append(word)
        return original(self, word)

    SearchIndex.word_mask = recording
    try:
        after = {t: filter_events(frame, t).tolist() for t in before}
    finally:
        SearchIndex.word_mask = original
    assert after == before
    assert before["rebels hama"] and "hama" in used  # the index answered, not a scan


def test_index_is_kept_per_frame_and_dropped_with_it() -> None:
    frame = pd.DataFrame({"search": pd.array(["alpha", "beta"], dtype=pd.StringDtype())})
    assert search.index_for(frame) is None  # nothing is built implicitly
    index = search.build_index(frame)
    assert search.build_index(frame) is index
    other = frame.copy()
    assert search.index_for(other) is None
    key = id(frame)
    del frame
    gc.collect()
    assert key not in search._entries


def test_background_build_becomes_available() -> None:
    n = search.MIN_INDEXED_ROWS
    texts = ["alpha beta"] * (n - 1) + ["gamma"]
    frame = pd.DataFrame({"search": pd.array(texts, dtype=pd.StringDtype())})
    search.start_index(frame)
    index = search.index_for(frame, wait=True)
    assert index is not None
    assert np.flatnonzero(index.word_mask("amm")).tolist() == [n - 1]
    small = frame.iloc[:10]
    search.start_index(small)  # too small to be worth an index: scanned instead
    assert search.index_for(small, wait=True) is None


def test_a_cancelled_build_leaves_the_frame_scanned() -> None:
    frame = pd.DataFrame({"search": pd.array(["alpha beta"] * 10, dtype=pd.StringDtype())})
    with pytest.raises(search.BuildCancelled):
        search.build_index(frame, cancel=lambda: True)
    assert search.index_for(frame) is None
    assert filter_events(frame, "beta").tolist() == list(range(10))
    assert search.build_index(frame).word_mask("alp").all()  # can be built later
