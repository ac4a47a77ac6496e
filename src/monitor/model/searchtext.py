"""The text the full-text search matches, made when it is needed and never stored.

An event's search text is its title, summary, actors (their ids and their display names)
and place, casefolded (not lowered: "STRASSE" finds "Straße", a final sigma matches
sigma). It is not kept as a column: for a million events it would be a second copy of
the text columns (~230 MB). The search index (:mod:`monitor.model.search`) is built from
it slice by slice, each slice made from the events frame's own columns and dropped once
tokenised; the rows the index does not cover (edited ones) and frames without an index
are matched against texts made the same way for just those rows.

A query word holds no white space, so whichever white space separates the fields (here a
line feed) and the actor ids (a space, for U+001F, which Python's ``str.split`` counts as
white space) does not change what matches: a word occurs in the text exactly when it
occurs inside one of the fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pandas as pd

#: The frame's columns the search text is made of (``actor_list``: the actor ids joined by
#: U+001F; ``actors``: their display names).
FIELDS = ("title", "summary", "actor_list", "actors", "location")

_TEXT = pa.large_string()
_NL = pa.scalar("\n", _TEXT)
_SLICE = 1 << 16  # rows whose text is made at a time by a scan (a few MB)

# A non-ASCII character that str.casefold() may change: a letter with case (Lu, Ll, Lt), a
# letter number (Roman numerals), a symbol (circled letters) or U+0345 -- each written as
# "not ASCII and not outside the category", so ASCII capitals do not count. A text without
# any is casefolded by lowering its ASCII letters (tests check this against every code
# point). Arabic, for one, has no case.
CASED = "|".join(
    [*(rf"[^\x00-\x7f\P{{{c}}}]" for c in ("Lu", "Ll", "Lt", "Nl", "So")), r"\x{0345}"]
)


def casefold_text(*fields: pa.Array) -> pa.Array:
    """The search text of each row of these string arrays (one per field, no nulls or
    nulls as empty): the fields joined by line feeds, casefolded as ``str.casefold``."""
    parts = [pc.fill_null(f, "") if f.null_count else f for f in fields]
    parts = [p if p.type == _TEXT else p.cast(_TEXT) for p in parts]
    joined = pc.binary_join_element_wise(*parts, _NL) if len(parts) > 1 else parts[0]
    return casefold(joined)


def casefold(texts: pa.Array) -> pa.Array:
    """``[t.casefold() for t in texts]`` in Arrow: ASCII letters lowered in C, and only the
    rows holding a character that casefolding can change beyond that done in Python."""
    lowered = pc.ascii_lower(texts)
    ascii_only = pc.string_is_ascii(texts)
    if ascii_only.null_count:
        ascii_only = pc.fill_null(ascii_only, True)
    if pc.all(ascii_only).as_py():
        return lowered
    other = np.flatnonzero(~ascii_only.to_numpy(zero_copy_only=False))
    cased = np.zeros(len(texts), bool)
    cased[other] = pc.match_substring_regex(texts.take(pa.array(other)), CASED).to_numpy(
        zero_copy_only=False
    )
    if not cased.any():
        return lowered
    mask = pa.array(cased)
    folded = [x.casefold() for x in texts.filter(mask).to_pylist()]
    return pc.replace_with_mask(lowered, mask, pa.array(folded, type=_TEXT))


def arrow_strings(texts: Any) -> pa.Array | pa.ChunkedArray:
    """A string column (pandas Series, Arrow array) as large Arrow strings, not combined."""
    import pandas as pd

    if isinstance(texts, pd.Series):
        array = texts.array
        arrow = getattr(array, "_pa_array", None)  # pandas' ArrowStringArray
        if arrow is None:
            arrow = pa.array(texts.to_numpy(dtype=object), type=_TEXT)
        texts = arrow
    if isinstance(texts, pa.ChunkedArray) and texts.num_chunks == 1:
        texts = texts.chunk(0)
    if not pa.types.is_large_string(texts.type):
        texts = texts.cast(_TEXT)
    return texts


def _combined(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        return array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    return array


def take(array: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``array.take(rows)`` as one array, taken chunk by chunk: a chunked array's own take
    joins its chunks first (a copy of the whole column, ~120 MB for a million summaries,
    for the few rows an edit left to scan)."""
    rows = np.asarray(rows, np.int64)
    if isinstance(array, pa.Array) or array.num_chunks == 1:
        return _combined(array).take(pa.array(rows))
    ends = np.cumsum([len(c) for c in array.chunks])
    which = np.searchsorted(ends, rows, side="right")
    order = np.argsort(which, kind="stable")  # by chunk, in the given order within one
    by_chunk = which[order]
    cuts = np.flatnonzero(np.diff(by_chunk)) + 1
    pieces = []
    for part in np.split(order, cuts) if len(rows) else []:
        c = int(which[part[0]])
        start = int(ends[c - 1]) if c else 0
        pieces.append(array.chunk(c).take(pa.array(rows[part] - start)))
    if not pieces:
        return array.chunk(0).slice(0, 0) if array.num_chunks else pa.array([], array.type)
    got = pa.concat_arrays(pieces)
    if bool((np.diff(order) < 0).any()):  # back in the order asked for
        back = np.empty(len(order), np.int64)
        back[order] = np.arange(len(order))
        got = got.take(pa.array(back))
    return got


class Texts:
    """Search texts of some rows, on demand: ``len``, :meth:`slice` and :meth:`take` give
    Arrow string arrays. This one holds them ready (an index over given texts, a frame
    with a ``search`` column made by hand)."""

    def __init__(self, texts: Any) -> None:
        self._texts = arrow_strings(texts)

    def __len__(self) -> int:
        return len(self._texts)

    def slice(self, start: int, length: int) -> pa.Array:
        return _combined(self._texts.slice(start, length))

    def take(self, rows: np.ndarray) -> pa.Array:
        return take(self._texts, rows)


class FieldTexts(Texts):
    """The search texts made from the fields' columns (:data:`FIELDS`), row by row as they
    are asked for; only the columns are held (Arrow arrays: shared, never copied)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self._fields = [arrow_strings(columns[k]) for k in FIELDS]

    def __len__(self) -> int:
        return len(self._fields[0])

    def slice(self, start: int, length: int) -> pa.Array:
        return _made([_combined(f.slice(start, length)) for f in self._fields])

    def take(self, rows: np.ndarray) -> pa.Array:
        return _made([take(f, rows) for f in self._fields])


def _made(fields: list[pa.Array]) -> pa.Array:
    title, summary, actor_list, actors, location = fields
    ids = pc.replace_substring(actor_list, "\x1f", " ")  # (fewer distinct tokens to index)
    return casefold_text(title, summary, ids, actors, location)


def texts_of(frame: pd.DataFrame) -> Texts:
    """The search texts of an events frame's rows (its ``search`` column if it has one)."""
    if "search" in frame.columns:
        return Texts(frame["search"])
    return FieldTexts({k: frame[k] for k in FIELDS})


def contains(texts: pa.Array, word: str) -> np.ndarray:
    """Boolean per text: does it hold ``word`` (nulls: no)?"""
    hit = pc.match_substring(texts, word)
    if hit.null_count:
        hit = pc.fill_null(hit, False)
    return hit.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def scan(texts: Texts, word: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Mask over all rows of ``texts``: True where the text holds ``word`` (``rows``: only
    these are looked at, the others are False), made a slice at a time."""
    n = len(texts)
    mask = np.zeros(n, dtype=bool)
    if rows is None:
        for start in range(0, n, _SLICE):
            mask[start : start + _SLICE] = contains(texts.slice(start, _SLICE), word)
    else:
        for start in range(0, len(rows), _SLICE):
            part = rows[start : start + _SLICE]
            mask[part] = contains(texts.take(part), word)
    return mask


__all__ = [
    "CASED",
    "FIELDS",
    "FieldTexts",
    "Texts",
    "arrow_strings",
    "casefold",
    "casefold_text",
    "contains",
    "scan",
    "take",
    "texts_of",
]
