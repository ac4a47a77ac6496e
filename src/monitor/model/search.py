"""Full-text search over the events' search text without scanning it.

A query word (no whitespace in it) occurs in a text exactly when it occurs
inside one of the text's whitespace-separated tokens: an occurrence cannot
span whitespace. So the index keeps the *vocabulary* of distinct tokens and,
per token, the rows that contain it. A word is looked up by a substring scan
of the vocabulary (a few MB at most, against 230 MB of text for 1M events)
followed by the union of the rows of the tokens that contain it. The result is
exact, with no verification pass: the same rows as ``word in text`` for every
row.

Tokens are split at ASCII whitespace only. Python's ``str.split()`` (which
splits the query) knows more whitespace characters; a text token that still
holds one of those is merely longer, and a query word never contains one, so
the equivalence above still holds.

Storage (compact, no Python objects per row):

* ``vocab``: the distinct tokens, one Arrow string array;
* tokens found in at least 1/32 of the rows: a bitmap of the rows each
  (n/8 bytes; smaller than their row lists would be);
* every other token: an int32 list of its rows, all in one CSR array.

Matching semantics are those of :func:`monitor.model.frames.filter_events`:
the texts are casefolded (:mod:`monitor.model.searchtext`: made from the frame's
columns a slice at a time and dropped once tokenised, never stored) and so must
the word be; UTF-8 byte substrings equal character substrings.

No Qt here: the model stays GUI-free. One index is kept per frame (weakly):
:func:`start_index` builds it in a background thread, :func:`build_index` in the
calling one (a loader's worker), :func:`index_for` hands it out once it is built.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from monitor.model import heap
from monitor.model.searchbuild import BuildCancelled, build_arrays
from monitor.model.searchtext import Texts, contains, texts_of

# Frames smaller than this are scanned: a scan is fast and building costs more.
MIN_INDEXED_ROWS = 50_000

_WORD_CACHE = 32  # hit-token arrays remembered per index (typing narrows a word)


class SearchIndex:
    """Inverted index over the tokens of one text column (see the module docstring).

    ``word_rows_mask(word)`` gives a boolean mask over the rows whose text
    contains ``word`` (already casefolded, without whitespace).
    """

    def __init__(
        self,
        n_rows: int,
        vocab: pa.Array,
        dense_slot: np.ndarray,
        bitmaps: np.ndarray,
        indptr: np.ndarray,
        postings: np.ndarray,
    ) -> None:
        self.n_rows = n_rows
        self.vocab = vocab  # distinct tokens (large_string), token id = position
        self._dense_slot = dense_slot  # int32 per token: row in ``bitmaps`` or -1
        self._bitmaps = bitmaps  # uint64 [dense tokens, words]; bit i of the rows' bitmap = row i
        self._indptr = indptr  # int64 per token + 1: slice of ``postings`` (empty for dense tokens)
        self._postings = postings  # int32 row positions, ascending per token
        self._hits: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    # -- figures ----------------------------------------------------------------------
    @property
    def n_tokens(self) -> int:
        return len(self.vocab)

    @property
    def n_dense(self) -> int:
        return len(self._bitmaps)

    @property
    def nbytes(self) -> int:
        """Memory held by the index (arrays and vocabulary)."""
        return int(
            self.vocab.nbytes
            + self._dense_slot.nbytes
            + self._bitmaps.nbytes
            + self._indptr.nbytes
            + self._postings.nbytes
        )

    # -- building -----------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        texts: Texts | pa.Array | pa.ChunkedArray | pd.Series,
        cancel: Callable[[], bool] | None = None,
        dense_rows: int | None = None,
        local_rows: int | None = None,
    ) -> SearchIndex:
        """Index ``texts`` (one per row, casefolded; nulls match nothing): given, or a
        :class:`~monitor.model.searchtext.Texts` that makes them a slice at a time.

        ``cancel()`` true stops the build early with :class:`BuildCancelled`.
        ``dense_rows``: tokens in at least this many rows are kept as bitmaps
        (default: 1/32 of the rows, where a bitmap is smaller than a row list);
        ``local_rows``: tokens in this many rows of one chunk of rows get theirs at once
        (:mod:`monitor.model.searchbuild`).
        """
        column = texts if isinstance(texts, Texts) else Texts(texts)
        arrays = build_arrays(column, cancel, dense_rows, local_rows)
        if len(column) >= 100_000:
            heap.trim()  # the build's own arrays, freed: not kept resident
        return cls(len(column), *arrays)

    # -- querying -------------------------------------------------------------------------
    def tokens_containing(self, word: str) -> np.ndarray:
        """Ids of the vocabulary tokens containing ``word`` (cached; narrowed from a part of it)."""
        with self._lock:
            got = self._hits.get(word)
            within = None
            if got is None:
                parts = [h for w, h in self._hits.items() if w in word]
                within = min(parts, key=len, default=None)
        if got is not None:
            return got
        if within is None:
            got = np.flatnonzero(contains(self.vocab, word))
        elif len(within):
            got = within[contains(self.vocab.take(pa.array(within)), word)]
        else:
            got = within
        got = got.astype(np.int64, copy=False)
        got.flags.writeable = False
        with self._lock:
            if len(self._hits) >= _WORD_CACHE:
                self._hits.pop(next(iter(self._hits)))
            self._hits[word] = got
        return got

    def word_mask(self, word: str) -> np.ndarray:
        """Boolean mask over the rows: True where the text contains ``word``."""
        n = self.n_rows
        if word.split() != [word]:
            raise ValueError(f"one word without whitespace expected, got {word!r}")
        hits = self.tokens_containing(word)
        slots = self._dense_slot[hits]
        dense = slots[slots >= 0]
        sparse = hits[slots < 0]
        if len(dense):
            bits = self._bitmaps[dense[0]].copy()
            for s in dense[1:]:
                np.bitwise_or(bits, self._bitmaps[s], out=bits)
            mask = np.unpackbits(bits.view(np.uint8), count=n, bitorder="little").view(bool)
        else:
            mask = np.zeros(n, dtype=bool)
        if len(sparse):
            mask[self._rows_of(sparse)] = True
        return mask

    def _rows_of(self, tokens: np.ndarray) -> np.ndarray:
        """The postings of these (sparse) tokens, concatenated (rows may repeat)."""
        starts = self._indptr[tokens]
        lengths = self._indptr[tokens + 1] - starts
        if len(tokens) <= 64:
            runs = zip(starts, lengths, strict=True)
            return np.concatenate([self._postings[s : s + k] for s, k in runs])
        total = int(lengths.sum())
        # Positions in ``postings``: run i covers starts[i] .. starts[i] + lengths[i].
        offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return self._postings[offsets + np.arange(total)]


class EditedIndex:
    """The index of a frame that differs from an indexed one by a few edited rows (one
    event added, replaced or removed at a time): the indexed rows are looked up in the
    base index, the edited ones (``dirty``) scanned in the new frame's texts (made for
    those rows only). Same answers as an index built afresh, without rebuilding a million
    rows for one edit."""

    MAX_DIRTY = 4096  # more edited rows than this: the frame is indexed afresh

    def __init__(
        self,
        base: SearchIndex,
        n_rows: int,
        source: np.ndarray | None,
        dirty: np.ndarray,
        texts: Texts,
    ) -> None:
        self.base = base
        self.n_rows = n_rows
        # Row i's row in ``base`` (None: the same row, for the rows ``base`` has).
        self._source = source
        self._dirty = dirty  # rows (ascending) whose text is scanned, not looked up
        self._texts = texts

    @classmethod
    def following(
        cls,
        index: SearchIndex | EditedIndex,
        kind: str,
        position: int,
        texts: Texts | pa.Array | pa.ChunkedArray | None,
    ) -> EditedIndex | None:
        """``index`` after one edit: ``kind`` "replace" or "add" (``position`` in the new
        rows) or "remove" (``position`` in the old rows); None if too much was edited.
        ``texts``: the edited frame's texts (None: an edit followed by others, whose last
        one gives them)."""
        if texts is not None and not isinstance(texts, Texts):
            texts = Texts(texts)
        if isinstance(index, EditedIndex):
            base, n, source, dirty = index.base, index.n_rows, index._source, index._dirty
        else:
            base, n, source, dirty = index, index.n_rows, None, np.zeros(0, dtype=np.int64)
        if kind == "replace" and 0 <= position < n:
            dirty = np.union1d(dirty, [position]).astype(np.int64)
        elif kind == "add" and position == n:
            n += 1
            dirty = np.append(dirty, position).astype(np.int64)
            if source is not None:
                source = np.append(source, 0)
        elif kind == "remove" and 0 <= position < n:
            if source is None:
                source = np.arange(min(n, base.n_rows), dtype=np.int64)
                if n > base.n_rows:
                    source = np.append(source, np.zeros(n - base.n_rows, dtype=np.int64))
            source = np.delete(source, position)
            dirty = dirty[dirty != position]
            dirty = np.where(dirty > position, dirty - 1, dirty)
            n -= 1
        else:
            return None
        if len(dirty) > cls.MAX_DIRTY or (texts is not None and len(texts) != n):
            return None
        return cls(base, n, source, dirty, texts if texts is not None else _texts_of(index))

    @property
    def n_dirty(self) -> int:
        return len(self._dirty)

    def word_mask(self, word: str) -> np.ndarray:
        """Boolean mask over the rows: True where the text contains ``word``."""
        got = self.base.word_mask(word)
        if self._source is not None:
            mask = got[self._source]
        elif len(got) == self.n_rows:
            mask = got.copy()
        else:
            mask = np.zeros(self.n_rows, dtype=bool)
            mask[: len(got)] = got[: self.n_rows]
        if len(self._dirty):
            mask[self._dirty] = contains(self._texts.take(self._dirty), word)
        return mask


def _texts_of(index: SearchIndex | EditedIndex) -> Texts:
    """The texts an edited index scans its edited rows in (none for a built one)."""
    if isinstance(index, EditedIndex):
        return index._texts
    return Texts(pa.array([], pa.large_string()))


# ----------------------------------------------------------------------------- per frame
class _Entry:
    __slots__ = ("done", "error", "follows", "index", "stop")

    def __init__(self) -> None:
        self.index: SearchIndex | EditedIndex | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.stop = threading.Event()  # the frame was superseded: the build is not wanted
        # An edited frame whose previous frame's index is still being built: that build's
        # entry and the edits since, followed once it is done (see _settled).
        self.follows: tuple[_Entry, list[tuple[str, int]], Any] | None = None


def _settled(entry: _Entry, wait: bool = False) -> bool:
    """Is the entry's index ready (``wait``: wait for it)? An entry following a build takes
    that build's index and its edits when the build is done."""
    follows = entry.follows
    if follows is None:
        if wait:
            entry.done.wait()
        return entry.done.is_set()
    base, edits, texts = follows
    if wait:
        base.done.wait()
    if not base.done.is_set():
        return False
    with _entries_lock:
        if entry.follows is None:
            return True
        index = base.index
        for i, (kind, position) in enumerate(edits):
            if index is None:
                break
            last = i == len(edits) - 1
            index = EditedIndex.following(index, kind, position, texts if last else None)
        entry.index, entry.error = index, base.error
        entry.follows = None
        entry.done.set()
    return True


_entries: dict[int, tuple[weakref.ref, _Entry]] = {}
_entries_lock = threading.Lock()


def _entry(frame: pd.DataFrame, create: bool) -> tuple[_Entry | None, bool]:
    """The frame's entry and whether this call created it."""
    key = id(frame)
    with _entries_lock:
        got = _entries.get(key)
        if got is not None and got[0]() is frame:
            return got[1], False
        if not create:
            return None, False
        entry = _Entry()

        def forget(_ref: weakref.ref, key: int = key) -> None:
            with _entries_lock:
                held = _entries.get(key)
                if held is not None and held[0] is _ref:
                    del _entries[key]

        _entries[key] = (weakref.ref(frame, forget), entry)
        return entry, True


def _run_build(
    frame: pd.DataFrame, entry: _Entry, cancel: Callable[[], bool] | None = None
) -> None:
    try:
        entry.index = SearchIndex.build(texts_of(frame), cancel=cancel)
    except BaseException as exc:
        entry.error = exc
    finally:
        entry.done.set()


# Background builds stop (between slices) when the interpreter exits: a daemon thread
# still inside Arrow or numpy while Python finalises can crash the process at exit.
_exiting = threading.Event()
_background: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


@atexit.register
def _stop_background_builds() -> None:
    _exiting.set()
    for thread in list(_background):
        thread.join(timeout=10)


def start_index(frame: pd.DataFrame, supersedes: pd.DataFrame | None = None) -> None:
    """Build the frame's index in a background thread (once; no-op for small frames).
    ``supersedes``: the frame this one replaces (after an edit); its build, if still
    running, stops (builds of a million rows must not pile up, one per edit)."""
    if supersedes is not None and supersedes is not frame:
        old, _ = _entry(supersedes, create=False)
        if old is not None:
            old.stop.set()
    if len(frame) < MIN_INDEXED_ROWS or _exiting.is_set():
        return
    entry, created = _entry(frame, create=True)
    if created and entry is not None:
        stop = entry.stop
        thread = threading.Thread(
            target=_run_build,
            args=(frame, entry, lambda: _exiting.is_set() or stop.is_set()),
            name="search-index",
            daemon=True,
        )
        _background.add(thread)
        thread.start()


def follow_edit(frame: pd.DataFrame, previous: pd.DataFrame, kind: str, position: int) -> bool:
    """Index ``frame``, ``previous`` after one event added, replaced or removed (``kind``
    and ``position`` as :meth:`EditedIndex.following` takes them), from ``previous``'s
    index, at once. False if ``previous`` has no index built yet (or the edits since it
    was built are too many): then :func:`start_index` builds one for ``frame``."""
    if len(frame) < MIN_INDEXED_ROWS or frame is previous:
        return False
    old, _ = _entry(previous, create=False)
    if old is None:
        return False
    texts = texts_of(frame)
    if not _settled(old):  # its build is running: the new frame follows it, no new build
        base, edits, _texts = old.follows if old.follows is not None else (old, [], None)
        entry, created = _entry(frame, create=True)
        if not created or entry is None:
            return False
        entry.follows = (base, [*edits, (kind, position)], texts)
        return True
    if old.index is None:
        return False
    derived = EditedIndex.following(old.index, kind, position, texts)
    if derived is None:
        return False
    entry, created = _entry(frame, create=True)
    if not created or entry is None:
        return False
    entry.index = derived
    entry.done.set()
    return True


def build_index(
    frame: pd.DataFrame, cancel: Callable[[], bool] | None = None
) -> SearchIndex | EditedIndex:
    """Build the frame's index in this thread (e.g. a loader's worker, right after the
    frame: ~4 s and ~36 MB for 1M synthetic events) and keep it for the frame.

    ``cancel()`` true stops it (:class:`BuildCancelled`); the frame is then scanned.
    """
    entry, created = _entry(frame, create=True)
    assert entry is not None
    if created:
        _run_build(frame, entry, cancel)
        if isinstance(entry.error, BuildCancelled):
            _forget(frame)
            raise BuildCancelled
    _settled(entry, wait=True)
    if entry.index is None:
        raise RuntimeError("building the search index failed") from entry.error
    return entry.index


def _forget(frame: pd.DataFrame) -> None:
    with _entries_lock:
        _entries.pop(id(frame), None)


def index_for(frame: pd.DataFrame, *, wait: bool = False) -> SearchIndex | EditedIndex | None:
    """The frame's index once it is built, else None (the caller scans).

    Nothing is built here: :func:`start_index` (background) or :func:`build_index`
    (this thread) does that. ``wait``: if a build is under way, wait for its end.
    """
    entry, _ = _entry(frame, create=False)
    if entry is None:
        return None
    return entry.index if _settled(entry, wait) else None


__all__ = [
    "MIN_INDEXED_ROWS",
    "BuildCancelled",
    "EditedIndex",
    "SearchIndex",
    "build_index",
    "follow_edit",
    "index_for",
    "start_index",
]
