"""pandas views of the scenario for vectorised filtering and charting.

Imported lazily (``Scenario.events_frame()``) so that importing the model stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from monitor.model.entities import Scenario

EVENT_COLUMNS = (
    "id", "time_ns", "end_ns", "day", "title", "summary", "category", "actors", "location",
    "lat", "lon", "verification", "reliability", "credibility", "grade", "source_ids", "search",
)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _to_ns(value: datetime) -> int:
    # Exact integer arithmetic: float timestamps lose microseconds far from
    # 1970, and truncating a negative one moved pre-1970 times forward.
    return (value - _EPOCH) // _MICROSECOND * 1000


def events_frame(scenario: Scenario) -> pd.DataFrame:
    """One row per event, in file order (row i is ``scenario.events[i]``).

    ``time_ns`` / ``end_ns`` are UTC epoch nanoseconds (int64) of the start and
    end of the event's period; ``search`` is the lowercased text that the
    full-text filter matches (title, summary, actors, location), case-folded.
    """
    sources = scenario.sources_by_id()
    rows = len(scenario.events)
    ids, titles, summaries, cats, actors, locs, verif, rel, cred, grades, srcs, search = ([] for _ in range(12))
    time_ns = np.empty(rows, dtype=np.int64)
    end_ns = np.empty(rows, dtype=np.int64)
    day = np.empty(rows, dtype=bool)
    lat = np.full(rows, np.nan)
    lon = np.full(rows, np.nan)
    for i, e in enumerate(scenario.events):
        ids.append(e.id)
        time_ns[i] = _to_ns(e.time.instant)
        end_ns[i] = _to_ns(e.time.end)
        day[i] = e.time.day
        titles.append(e.title)
        summaries.append(e.summary or "")
        cats.append(e.category)
        names = "; ".join(scenario.faction_name(a) for a in e.actors)
        actors.append(names)
        loc = e.location.name if e.location and e.location.name else ""
        locs.append(loc)
        if e.location is not None and e.location.lat is not None:
            lat[i] = e.location.lat
            lon[i] = e.location.lon
        verif.append(e.verification.value)
        r = e.reliability or _source_reliability(e.source_ids, sources)
        rel.append(r or "")
        cred.append(e.credibility if e.credibility is not None else 0)
        grades.append(f"{r or '?'}{e.credibility if e.credibility is not None else '?'}" if (r or e.credibility) else "")
        srcs.append(" ".join(e.source_ids))
        search.append(f"{e.title}\n{e.summary or ''}\n{' '.join(e.actors)} {names}\n{loc}".casefold())
    string = pd.StringDtype()
    return pd.DataFrame(
        {
            "id": pd.array(ids, dtype=string),
            "time_ns": time_ns,
            "end_ns": end_ns,
            "day": day,
            "title": pd.array(titles, dtype=string),
            "summary": pd.array(summaries, dtype=string),
            "category": pd.Categorical(cats),
            "actors": pd.array(actors, dtype=string),
            "location": pd.array(locs, dtype=string),
            "lat": lat,
            "lon": lon,
            "verification": pd.Categorical(verif),
            "reliability": pd.Categorical(rel),
            "credibility": np.asarray(cred, dtype=np.int8),
            "grade": pd.array(grades, dtype=string),
            "source_ids": pd.array(srcs, dtype=string),
            "search": pd.array(search, dtype=string),
        },
        columns=list(EVENT_COLUMNS),
    )


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
    mask = np.ones(len(frame), dtype=bool)
    # casefold, not lower: "STRASSE" finds "Straße", final sigma matches sigma.
    for word in text.casefold().split():
        mask &= frame["search"].str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
    if categories is not None:
        mask &= frame["category"].isin(list(categories)).to_numpy()
    if verifications is not None:
        mask &= frame["verification"].isin(list(verifications)).to_numpy()
    if start is not None:
        # Day events overlap the range if their day ends after start; a timed
        # event (end == time) exactly at start is in, as in events_between().
        s = _to_ns(start)
        mask &= (frame["end_ns"].to_numpy() > s) | (frame["time_ns"].to_numpy() >= s)
    if end is not None:
        mask &= frame["time_ns"].to_numpy() <= _to_ns(end)
    return np.flatnonzero(mask)


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
