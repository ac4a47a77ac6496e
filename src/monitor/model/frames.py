"""pandas views of the scenario for vectorised filtering and charting.

Imported lazily (``Scenario.events_frame()``) so that importing the model stays fast.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from monitor.model.entities import Scenario
from monitor.model.errors import LoadCancelled
from monitor.model.timeutil import to_ns  # to_ns: the views import it from here

EVENT_COLUMNS = (
    "id",
    "time_ns",
    "end_ns",
    "day",
    "title",
    "summary",
    "category",
    "actors",
    "location",
    "lat",
    "lon",
    "verification",
    "reliability",
    "credibility",
    "grade",
    "source_ids",
    "actor_list",
)


def events_frame(
    scenario: Scenario,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """One row per event, in file order (row i is ``scenario.events[i]``).

    ``time_ns`` / ``end_ns`` are UTC epoch nanoseconds (int64) of the start and
    end of the event's period; ``grade`` the Admiralty grade; ``actor_list`` the
    actor ids joined by U+001F. The full-text filter matches the casefolded title,
    summary, actors (ids and names) and location, made from these columns when
    needed (:mod:`monitor.model.searchtext`; not stored). The columns are the event table's own
    (:meth:`monitor.model.events.EventTable.frame`), made when the events are:
    the frame reflects every edit. ``progress`` / ``cancel``: kept for callers
    that build it in a worker thread (``cancel()`` true raises ``LoadCancelled``).
    """
    if cancel is not None and cancel():
        raise LoadCancelled
    frame = scenario.events_frame()
    if progress is not None:
        progress(1.0, "Indexing events: done")
    return frame


def filter_events(
    frame: pd.DataFrame,
    text: str = "",
    categories: Iterable[str] | None = None,
    verifications: Iterable[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> np.ndarray:
    """Row positions of events matching every given criterion (vectorised).

    ``text`` matches case-insensitively; several words must all appear.
    A day-precision event is inside [start, end] if any part of its day is.
    """
    return np.flatnonzero(filter_mask(frame, text, categories, verifications, start, end))


def filter_mask(
    frame: pd.DataFrame,
    text: str = "",
    categories: Iterable[str] | None = None,
    verifications: Iterable[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> np.ndarray:
    """:func:`filter_events` as a boolean mask over the rows (True: shown)."""
    mask = np.ones(len(frame), dtype=bool)
    # casefold, not lower: "STRASSE" finds "Straße", final sigma matches sigma.
    for word in text.casefold().split():
        mask &= _word_mask(frame, word)
    if categories is not None:
        mask &= frame["category"].isin(list(categories)).to_numpy()
    if verifications is not None:
        mask &= frame["verification"].isin(list(verifications)).to_numpy()
    if start is not None:
        # Day events overlap the range if their day ends after start; a timed
        # event (end == time) exactly at start is in, as in events_between().
        s = to_ns(start)
        mask &= (frame["end_ns"].to_numpy() > s) | (frame["time_ns"].to_numpy() >= s)
    if end is not None:
        mask &= frame["time_ns"].to_numpy() <= to_ns(end)
    return mask


# Word masks of the last frame searched: typing "c", "co", "con" searches "con"
# only among the rows that contain "co" (a full scan of 1M events' text takes
# 0.1-0.8 s; the rows left after a few letters are far fewer).
_MASK_CACHE_WORDS = 24
# A frame scanned (no index yet) of up to this many rows keeps its search texts while it
# is the last one searched (bigger ones have theirs made a slice at a time per word).
_KEEP_TEXTS_ROWS = 300_000
_mask_cache: tuple[weakref.ref, dict[str, np.ndarray], list] | None = None


def _word_mask(frame: pd.DataFrame, word: str) -> np.ndarray:
    """Boolean mask of the rows whose search text contains ``word`` (casefolded, one word):
    looked up in the frame's index (:mod:`monitor.model.search`) once it is built, else
    scanned in texts made from its columns (:mod:`monitor.model.searchtext`)."""
    global _mask_cache
    if _mask_cache is not None and _mask_cache[0]() is frame:
        cache, kept = _mask_cache[1], _mask_cache[2]
    else:
        cache, kept = {}, []
        _mask_cache = (weakref.ref(frame), cache, kept)
    got = cache.get(word)
    if got is not None:
        return got
    from monitor.model.search import index_for
    from monitor.model.searchtext import FieldTexts, Texts, scan, texts_of

    index = index_for(frame)  # built (monitor.model.search): a lookup instead of a scan
    if index is not None and index.n_rows == len(frame):
        kept.clear()  # (texts made for a scan meanwhile: not needed any more)
        mask = index.word_mask(word)
        if len(cache) >= _MASK_CACHE_WORDS:
            cache.pop(next(iter(cache)))
        cache[word] = mask
        mask.flags.writeable = False
        return mask
    if not kept:
        texts = texts_of(frame)
        if isinstance(texts, FieldTexts) and len(frame) <= _KEEP_TEXTS_ROWS:
            texts = Texts(texts.slice(0, len(frame)))
        kept.append(texts)
    # The narrowest earlier result for a part of this word: only its rows can match.
    within = min((m for w, m in cache.items() if w in word), key=np.count_nonzero, default=None)
    if within is not None and np.count_nonzero(within) > len(frame) // 3:
        within = None  # picking most rows out costs more than scanning them all
    mask = scan(kept[0], word, None if within is None else np.flatnonzero(within))
    if len(cache) >= _MASK_CACHE_WORDS:
        cache.pop(next(iter(cache)))
    cache[word] = mask
    mask.flags.writeable = False  # shared by later calls: callers get it read-only
    return mask


def territory_frame(scenario: Scenario) -> pd.DataFrame:
    """Shares as a date × faction table (percent), dates ascending, factions in scenario order.

    Missing (date, faction) cells are 0; a boolean ``estimated`` frame of the
    same shape is in ``.attrs["estimated"]``.
    """
    if not scenario.territory:
        empty = pd.DataFrame(columns=[f.id for f in scenario.factions], dtype=float)
        empty.attrs["estimated"] = pd.DataFrame(columns=empty.columns, dtype=bool)
        return empty
    long = pd.DataFrame(
        {
            "date": [t.date for t in scenario.territory],
            "faction": [t.faction for t in scenario.territory],
            "share": [float(t.share_pct) for t in scenario.territory],
            "estimated": [t.estimated for t in scenario.territory],
        }
    )
    order = [f.id for f in scenario.factions]
    wide = (
        long.pivot(index="date", columns="faction", values="share")
        .reindex(columns=order)
        .fillna(0.0)
    )
    est = long.pivot(index="date", columns="faction", values="estimated").reindex(columns=order)
    wide = wide.sort_index()
    # Missing cells make the pivot float (NaN); fill with 0.0 (not False:
    # pandas 4 refuses a bool fill value for a float column).
    wide.attrs["estimated"] = est.sort_index().astype(float).fillna(0.0).astype(bool)
    return wide
