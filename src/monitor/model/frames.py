"""pandas views of the scenario for vectorised filtering and charting.

Imported lazily (``Scenario.events_frame()``) so that importing the model stays fast.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from monitor.model.entities import Scenario
from monitor.model.timeutil import _EPOCH, _MICROSECOND, to_ns  # to_ns: the views import it from here

EVENT_COLUMNS = (
    "id", "time_ns", "end_ns", "day", "title", "summary", "category", "actors", "location",
    "lat", "lon", "verification", "reliability", "credibility", "grade", "source_ids", "search",
)




def events_frame(
    scenario: Scenario,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """One row per event, in file order (row i is ``scenario.events[i]``).

    ``time_ns`` / ``end_ns`` are UTC epoch nanoseconds (int64) of the start and
    end of the event's period; ``search`` is the lowercased text that the
    full-text filter matches (title, summary, actors, location), case-folded.

    Built column by column (one pass over the events per column, values that
    repeat looked up once), strings stored by pyarrow. ``progress`` /
    ``cancel``: as for :func:`monitor.model.io.load_scenario` (for building
    the frame in a worker thread; ``cancel()`` true raises ``LoadCancelled``).
    """
    columns = getattr(scenario.events, "frame", None)
    if columns is not None:  # a big file's events are kept as this frame already (monitor.model.columnar)
        if progress is not None:
            progress(1.0, "Indexing events: done")
        return columns()
    # Paused: building the columns makes ~10 temporary objects per event and
    # no cycles; a collection in between would hold the GIL (UI thread) for long.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _events_frame(scenario, progress, cancel)
    finally:
        if paused:
            gc.enable()


def _events_frame(
    scenario: Scenario,
    progress: Callable[[float, str], None] | None,
    cancel: Callable[[], bool] | None,
) -> pd.DataFrame:
    from monitor.model.fast_load import LoadCancelled

    events = scenario.events
    rows = len(events)
    phases = 6
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if cancel is not None and cancel():
            raise LoadCancelled
        if progress is not None:
            progress(min(done / phases, 1.0), message)

    string = pd.StringDtype()

    def strings(values: list[str]) -> pd.api.extensions.ExtensionArray:
        # Straight to Arrow: 3x faster than pd.array(values, dtype=string), same result.
        # In slices: each pa.array() call holds the GIL, and a UI thread waits for it.
        try:
            import pyarrow as pa

            chunks = [
                pa.array(values[i : i + _SLICE], type=pa.large_string()) for i in range(0, len(values), _SLICE)
            ]
            array = pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))
            if array.dtype == string:
                return array
        except Exception:  # noqa: BLE001 - no pyarrow, or values it refuses: the general way
            pass
        return pd.array(values, dtype=string)

    ids = strings([e.id for e in events])
    step("Indexing events: times")
    moments = [e.time for e in events]
    # Exact integer arithmetic: float timestamps lose microseconds far from
    # 1970, and truncating a negative one moved pre-1970 times forward.
    time_ns = np.fromiter(((m.instant - _EPOCH) // _MICROSECOND for m in moments), np.int64, rows) * 1000
    day = np.fromiter((m.day for m in moments), bool, rows)
    end_ns = time_ns.copy()
    if day.any():
        # A day ends at the next local midnight (23 or 25 hours away on a DST change day).
        where = np.flatnonzero(day)
        end_ns[where] = [to_ns(moments[i].end) for i in where.tolist()]
    del moments
    step("Indexing events: text")

    names = {f.id: f.name for f in scenario.factions}
    actor_text: dict[tuple[str, ...], tuple[str, str]] = {}

    def actors_of(actors: list[str]) -> tuple[str, str]:
        key = tuple(actors)
        got = actor_text.get(key)
        if got is None:
            shown = "; ".join(names.get(a, a) for a in actors)
            got = actor_text[key] = (shown, f"{' '.join(actors)} {shown}")
        return got

    actor_pairs = [actors_of(e.actors) for e in events]
    actors = [a for a, _ in actor_pairs]
    locs = [e.location.name if e.location is not None and e.location.name else "" for e in events]
    summaries = [e.summary or "" for e in events]
    titles = [e.title for e in events]
    # casefold, not lower: "STRASSE" finds "Straße", final sigma matches sigma.
    search_text = [
        f"{t}\n{s}\n{a[1]}\n{loc}".casefold()
        for t, s, a, loc in zip(titles, summaries, actor_pairs, locs, strict=True)
    ]
    search = strings(search_text)
    _release(search_text)
    del actor_pairs
    step("Indexing events: places")
    lat = np.fromiter(
        (e.location.lat if e.location is not None and e.location.lat is not None else np.nan for e in events),
        float, rows,
    )
    lon = np.fromiter(
        (e.location.lon if e.location is not None and e.location.lon is not None else np.nan for e in events),
        float, rows,
    )
    step("Indexing events: grades")
    best: dict[tuple[str, ...], str | None] = {}
    sources = scenario.sources_by_id()

    def reliability_of(e) -> str:
        if e.reliability:
            return e.reliability
        key = tuple(e.source_ids)
        if key not in best:
            best[key] = _source_reliability(key, sources)
        return best[key] or ""

    rel = [reliability_of(e) for e in events]
    cred = np.fromiter((e.credibility if e.credibility is not None else 0 for e in events), np.int8, rows)
    grades = [
        f"{r or '?'}{c if c else '?'}" if (r or c) else ""
        for r, c in zip(rel, cred.tolist(), strict=True)
    ]
    source_text: dict[tuple[str, ...], str] = {}
    srcs = []
    for e in events:
        key = tuple(e.source_ids)
        text = source_text.get(key)
        if text is None:
            text = source_text[key] = " ".join(key)
        srcs.append(text)
    step("Indexing events: tables")
    frame = pd.DataFrame(
        {
            "id": ids,
            "time_ns": time_ns,
            "end_ns": end_ns,
            "day": day,
            "title": strings(titles),
            "summary": strings(summaries),
            "category": _categorical([e.category for e in events]),
            "actors": strings(actors),
            "location": strings(locs),
            "lat": lat,
            "lon": lon,
            "verification": _categorical([e.verification.value for e in events]),
            "reliability": _categorical(rel),
            "credibility": cred,
            "grade": strings(grades),  # (released below)
            "source_ids": strings(srcs),
            "search": search,
        },
        columns=list(EVENT_COLUMNS),
    )
    _release(grades)
    step("Indexing events: done")
    return frame


_SLICE = 8192  # values per C call that holds the GIL (~10 ms each for the search text)


def _release(values: list) -> None:
    """Empty a big list of strings in slices: freeing a million strings in one
    C call would hold the GIL (the UI thread) for a tenth of a second."""
    while values:
        del values[-_SLICE:]


def _categorical(values: list[str]) -> pd.Categorical:
    """``pd.Categorical(values)`` for a few distinct strings, without one long GIL-holding call."""
    categories = sorted(set(values))
    if len(categories) > 127:
        return pd.Categorical(values)
    index = {c: i for i, c in enumerate(categories)}
    codes = np.fromiter((index[v] for v in values), np.int8, len(values))
    return pd.Categorical.from_codes(codes, categories=categories)


def _source_reliability(source_ids: Iterable[str], sources: dict) -> str | None:
    """Best (most reliable) grade among the event's sources."""
    grades = [sources[s].reliability for s in source_ids if s in sources and sources[s].reliability]
    return min(grades) if grades else None


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
_mask_cache: tuple[weakref.ref, dict[str, np.ndarray]] | None = None


def _word_mask(frame: pd.DataFrame, word: str) -> np.ndarray:
    """Boolean mask of the rows whose ``search`` text contains ``word``."""
    global _mask_cache
    cache = _mask_cache[1] if _mask_cache is not None and _mask_cache[0]() is frame else None
    if cache is None:
        cache = {}
        _mask_cache = (weakref.ref(frame), cache)
    got = cache.get(word)
    if got is not None:
        return got
    from monitor.model.search import index_for

    index = index_for(frame)  # built (monitor.model.search): a lookup instead of a scan
    if index is not None and index.n_rows == len(frame):
        mask = index.word_mask(word)
        if len(cache) >= _MASK_CACHE_WORDS:
            cache.pop(next(iter(cache)))
        cache[word] = mask
        mask.flags.writeable = False
        return mask
    column = frame["search"]
    # The narrowest earlier result for a part of this word: only its rows can match.
    within = min((m for w, m in cache.items() if w in word), key=np.count_nonzero, default=None)
    if within is not None and np.count_nonzero(within) > len(frame) // 3:
        within = None  # picking most rows out costs more than scanning them all
    if within is None:
        mask = column.str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
    else:
        rows = np.flatnonzero(within)
        mask = np.zeros(len(frame), dtype=bool)
        if len(rows):
            hits = column.iloc[rows].str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
            mask[rows[hits]] = True
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
    wide = long.pivot(index="date", columns="faction", values="share").reindex(columns=order).fillna(0.0)
    est = long.pivot(index="date", columns="faction", values="estimated").reindex(columns=order)
    wide = wide.sort_index()
    # Missing cells make the pivot float (NaN); fill with 0.0 (not False:
    # pandas 4 refuses a bool fill value for a float column).
    wide.attrs["estimated"] = est.sort_index().astype(float).fillna(0.0).astype(bool)
    return wide
