"""What the map's event layer shows, derived with numpy (no Qt): co-located events grouped
into clusters once per events frame, then, per cursor step or filter change, the clusters
that have a shown event, with their counts, colour class and whether they are all after the
cursor (drawn dimmed).

A cluster is every located event at the same place, to 1e-4 degree (about 11 m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitor.model.timeutil import to_ns
from monitor.ui.map.layerfollow import Derived, follow_points

QUANTUM = 1e4  # cluster grid: 1/10000 degree

VERIFICATION_ORDER = ("confirmed", "reported", "disputed", "denied")


def _codes(column: pd.Series, order: tuple[str, ...] = ()) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes of a text column and the names they stand for (``order`` first, then the
    other values sorted; missing values get the code of ``""``)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    names = [("" if pd.isna(u) else str(u)) for u in uniques]
    ordered = [n for n in order if n in names] + sorted({n for n in names if n not in order})
    if "" not in ordered and (codes < 0).any():
        ordered.append("")
    where = {n: i for i, n in enumerate(ordered)}
    remap = np.array([where[n] for n in names] + [where.get("", 0)], dtype=np.int16)
    return remap[np.asarray(codes, dtype=np.int64)], tuple(ordered)


class EventClusters:
    """Located events of one frame grouped by place (built once per frame)."""

    def __init__(self, frame: pd.DataFrame):
        n = len(frame)
        self.n_events = n
        if n:
            lat = frame["lat"].to_numpy(dtype=np.float64, na_value=np.nan)
            lon = frame["lon"].to_numpy(dtype=np.float64, na_value=np.nan)
            time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        else:
            lat = lon = np.zeros(0)
            time_ns = np.zeros(0, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            located = (
                np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 360)
            )
        # What the grouping was made from (copies: the table edits its columns in place).
        self._lat_all, self._lon_all, self._time_all = lat.copy(), lon.copy(), time_ns.copy()
        self.located = located
        self.n_unlocated = int(n - np.count_nonzero(located))
        self.time_ns = time_ns
        idx = np.flatnonzero(located)
        qlat = np.round(lat[idx] * QUANTUM).astype(np.int64) + 900_001
        qlon = np.round(lon[idx] * QUANTUM).astype(np.int64) + 3_600_001
        key = qlat * 8_000_000 + qlon
        # One sort by place, then time (ties by position): the places' runs, ascending, are
        # the clusters, and the same order is the events' order by cluster and time.
        by_place = np.lexsort((time_ns[idx], key)) if len(idx) else idx
        sorted_key = key[by_place]
        new_run = np.empty(len(idx), dtype=bool)
        new_run[:1] = True
        np.not_equal(sorted_key[1:], sorted_key[:-1], out=new_run[1:])
        starts = np.flatnonzero(new_run)
        run_cluster = np.cumsum(new_run, dtype=np.int64) - 1
        # Each place's key, ascending, and its cluster (places added later: new clusters).
        self._keys = sorted_key[starts]
        self._key_cluster = np.arange(len(starts), dtype=np.int64)
        self.cluster_of = np.full(n, -1, dtype=np.int64)
        self.cluster_of[idx[by_place]] = run_cluster
        # A cluster's place: that of its first event in the frame.
        first = np.minimum.reduceat(by_place, starts) if len(starts) else starts
        self.lon = lon[idx[first]] if len(idx) else np.zeros(0)
        self.lat = lat[idx[first]] if len(idx) else np.zeros(0)
        self.n_clusters = len(starts)
        # Located events ordered by cluster, then time: a cluster's events are one run.
        self.order = idx[by_place]
        self._order_time = time_ns[self.order]
        self._order_cluster = run_cluster
        self._by_time: tuple[np.ndarray, np.ndarray] | None = None
        # Edits followed, the last one as (kind, row, old cluster, old time, new cluster,
        # new time): for a layer following it (see layerfollow.py).
        self.edits = 0
        self.last_follow: tuple | None = None
        if n:
            self.verification, self.verifications = _codes(
                frame["verification"], VERIFICATION_ORDER
            )
            self.category, self.categories = _codes(frame["category"])
        else:
            self.verification = self.category = np.zeros(0, dtype=np.int16)
            self.verifications = self.categories = ()

    def follow(self, frame: pd.DataFrame, kind: str, p: int) -> bool:
        """Take one event's edit from ``frame`` (``kind`` "add" at the end, "remove" or
        "replace" at row ``p``) into the grouping: the event leaves its cluster and joins
        the one of its new place (a new cluster if none is there), no regrouping of a
        million events. False if it cannot be followed (a new category, say): the grouping
        is then out of date and is made again."""
        n = self.n_events
        if (kind, len(frame)) not in (("add", n + 1), ("remove", n - 1), ("replace", n)):
            return False
        if kind == "add" and p != n:
            return False
        old = (-1, 0) if kind == "add" else (int(self.cluster_of[p]), int(self._time_all[p]))
        self.last_follow, self.edits = None, self.edits + 1  # (until it is done)
        if kind != "add":
            self._take_out(p)
        if kind == "remove":
            self._delete_row(p)
            self.time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
            self.n_events = n - 1
            self.n_unlocated = int(self.n_events - np.count_nonzero(self.located))
            self.last_follow = (kind, p, *old, -1, 0)
            return True
        codes = []
        for column, names in (("verification", self.verifications), ("category", self.categories)):
            value = frame[column].iat[p]
            value = "" if pd.isna(value) else str(value)
            if value not in names:
                return False
            codes.append(names.index(value))
        lat, lon = float(frame["lat"].iat[p]), float(frame["lon"].iat[p])
        t = int(frame["time_ns"].iat[p])
        if kind == "add":
            grow = {"cluster_of": -1, "located": False, "verification": 0, "category": 0}
            for name, fill in grow.items():
                setattr(self, name, np.append(getattr(self, name), fill))
            self._lat_all = np.append(self._lat_all, lat)
            self._lon_all = np.append(self._lon_all, lon)
            self._time_all = np.append(self._time_all, t)
            self.n_events = n + 1
        self._lat_all[p], self._lon_all[p], self._time_all[p] = lat, lon, t
        self.verification[p], self.category[p] = codes
        self.time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 360:
            self._put_in(p, lat, lon, t)
        self.n_unlocated = int(self.n_events - np.count_nonzero(self.located))
        self.last_follow = (kind, p, *old, int(self.cluster_of[p]), t)
        return True

    def time_of(self, rows: np.ndarray) -> np.ndarray:
        """The times of events ``rows`` (as grouped)."""
        return self._time_all[rows]

    def _take_out(self, p: int) -> None:
        """Event ``p`` out of its cluster's run (and of the time order)."""
        c = int(self.cluster_of[p])
        if c < 0:
            return
        lo, hi = np.searchsorted(self._order_cluster, [c, c + 1])
        j = int(lo + np.flatnonzero(self.order[lo:hi] == p)[0])
        self.order = np.delete(self.order, j)
        self._order_time = np.delete(self._order_time, j)
        self._order_cluster = np.delete(self._order_cluster, j)
        if self._by_time is not None:
            by_time, times = self._by_time
            t = self._time_all[p]
            a, b = np.searchsorted(times, [t, t + 1])
            k = int(a + np.flatnonzero(by_time[a:b] == p)[0])
            self._by_time = (np.delete(by_time, k), np.delete(times, k))
        self.cluster_of[p] = -1
        self.located[p] = False

    def _delete_row(self, p: int) -> None:
        """Row ``p`` gone: the later events' positions one less."""
        for name in ("cluster_of", "located", "verification", "category"):
            setattr(self, name, np.delete(getattr(self, name), p))
        self._lat_all = np.delete(self._lat_all, p)
        self._lon_all = np.delete(self._lon_all, p)
        self._time_all = np.delete(self._time_all, p)
        self.order = self.order - (self.order > p)  # (later rows one up)
        if self._by_time is not None:
            by_time, times = self._by_time
            self._by_time = (by_time - (by_time > p), times)

    def _put_in(self, p: int, lat: float, lon: float, t: int) -> None:
        """Event ``p`` (at ``lat``, ``lon``, time ``t``) into the run of its place."""
        qlat = int(np.round(np.float64(lat) * QUANTUM)) + 900_001
        qlon = int(np.round(np.float64(lon) * QUANTUM)) + 3_600_001
        key = qlat * 8_000_000 + qlon
        i = int(np.searchsorted(self._keys, key))
        if i < len(self._keys) and self._keys[i] == key:
            c = int(self._key_cluster[i])
        else:  # a new place: a new cluster (numbered after the others)
            c = self.n_clusters
            self.n_clusters += 1
            self._keys = np.insert(self._keys, i, key)
            self._key_cluster = np.insert(self._key_cluster, i, c)
            self.lon = np.append(self.lon, lon)
            self.lat = np.append(self.lat, lat)
        self.cluster_of[p] = c
        self.located[p] = True
        lo, hi = np.searchsorted(self._order_cluster, [c, c + 1])
        a, b = lo + np.searchsorted(self._order_time[lo:hi], [t, t + 1])  # (ties: by position)
        j = int(a + np.searchsorted(self.order[a:b], p))
        self.order = np.insert(self.order, j, p)
        self._order_time = np.insert(self._order_time, j, t)
        self._order_cluster = np.insert(self._order_cluster, j, c)
        if self._by_time is not None:
            by_time, times = self._by_time
            k = int(np.searchsorted(times, t, side="right"))
            self._by_time = (np.insert(by_time, k, p), np.insert(times, k, t))

    def occupied(self) -> np.ndarray:
        """The clusters that have events (an edit can leave a place empty)."""
        run = self._order_cluster  # (ascending: a cluster's events are one run)
        if not len(run):
            return run.copy()
        return run[np.flatnonzero(np.r_[True, run[1:] != run[:-1]])]

    def same_places(self, frame: pd.DataFrame) -> bool:
        """Does ``frame`` (a later version of this frame, after an edit) have the same events'
        places and times, so that this grouping still holds?"""
        if len(frame) != self.n_events or not self.n_events:
            return False
        lat = frame["lat"].to_numpy(dtype=np.float64, na_value=np.nan)
        lon = frame["lon"].to_numpy(dtype=np.float64, na_value=np.nan)
        time_ns = frame["time_ns"].to_numpy(dtype=np.int64)
        return (
            np.array_equal(time_ns, self._time_all)
            and np.array_equal(lat, self._lat_all, equal_nan=True)
            and np.array_equal(lon, self._lon_all, equal_nan=True)
        )

    def unlocated_count(self, shown: np.ndarray | None, cursor_ns: int, hide_future: bool) -> int:
        """How many events the feed shows (``shown``) have no location (of those at or
        before the cursor if ``hide_future``)."""
        if shown is None and not hide_future:
            return self.n_unlocated
        unlocated = ~self.located
        if shown is not None:
            pos = np.asarray(shown, dtype=np.int64).ravel()
            pos = pos[(pos >= 0) & (pos < self.n_events)]
            keep = np.zeros(self.n_events, dtype=bool)
            keep[pos] = True
            unlocated = unlocated & keep
        if hide_future:
            unlocated = unlocated & (self.time_ns <= cursor_ns)
        return int(np.count_nonzero(unlocated))

    def same_place_at(self, frame: pd.DataFrame, p: int) -> bool:
        """Is event ``p`` of ``frame`` where and when it was when the grouping was made?"""
        lat, lon = float(frame["lat"].iat[p]), float(frame["lon"].iat[p])
        same = int(frame["time_ns"].iat[p]) == int(self._time_all[p])
        for now, then in ((lat, self._lat_all[p]), (lon, self._lon_all[p])):
            same = same and (now == then or (now != now and then != then))
        return bool(same)

    def recode_one(self, frame: pd.DataFrame, position: int) -> bool:
        """Take one event's verification and category from ``frame`` (same places and the
        same values elsewhere); False if a value is new (then :meth:`recode` does all)."""
        codes = []
        for column, names in (("verification", self.verifications), ("category", self.categories)):
            value = frame[column].iat[position]
            value = "" if pd.isna(value) else str(value)
            if value not in names:
                return False
            codes.append(names.index(value))
        self.verification[position], self.category[position] = codes
        return True

    def recode(self, frame: pd.DataFrame) -> None:
        """Take the verification and category of each event from ``frame`` (same places)."""
        self.verification, self.verifications = _codes(frame["verification"], VERIFICATION_ORDER)
        self.category, self.categories = _codes(frame["category"])

    def derive(
        self, shown: np.ndarray | None, cursor_ns: int, hide_future: bool, by_category: bool = False
    ) -> Points:
        """The clusters with at least one event the feed shows (``shown``: positions, or
        ``None`` for all), leaving out events after ``cursor_ns`` if ``hide_future``."""
        return self.derive_counted(shown, cursor_ns, hide_future, by_category)[0]

    def time_sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """The located events' positions in time order and their times (made once)."""
        if self._by_time is None:
            by_time = self.order[np.argsort(self._order_time, kind="stable")]
            self._by_time = (by_time, self.time_ns[by_time])
        return self._by_time

    def derive_counted(
        self, shown: np.ndarray | None, cursor_ns: int, hide_future: bool, by_category: bool = False
    ) -> tuple[Points, np.ndarray]:
        """:meth:`derive`, and the number of events at or before the cursor per cluster."""
        n = self.n_events
        if shown is None:
            keep = None
        else:
            mask = np.zeros(n, dtype=bool)
            pos = np.asarray(shown, dtype=np.int64).ravel()
            pos = pos[(pos >= 0) & (pos < n)]  # stale positions (an edit since) are ignored
            mask[pos] = True
            keep = mask[self.order]
        times = self._order_time
        if hide_future:
            # Times ascend only within a cluster: a plain comparison, not a search.
            keep = times <= cursor_ns if keep is None else keep & (times <= cursor_ns)
        if keep is None:
            sel, cid, past = self.order, self._order_cluster, times <= cursor_ns
        else:
            # One nonzero, then integer takes: each boolean-mask index would search again.
            idx = np.flatnonzero(keep)
            sel, cid = self.order.take(idx), self._order_cluster.take(idx)
            past = (
                np.ones(len(sel), dtype=bool) if hide_future else times.take(idx) <= cursor_ns
            )
        if len(sel):
            starts = np.flatnonzero(np.r_[True, cid[1:] != cid[:-1]])
        else:
            starts = np.zeros(0, dtype=np.int64)
        ends = np.r_[starts[1:], len(sel)].astype(np.int64)
        counts = ends - starts
        n_past = (
            np.add.reduceat(past, starts, dtype=np.int64)
            if len(starts)
            else np.zeros(0, dtype=np.int64)
        )
        # The representative event: the latest at or before the cursor (events are in time
        # order within a cluster, so those come first), else the latest of all.
        rep_at = np.where(n_past > 0, starts + n_past - 1, ends - 1)
        # (take, not [], throughout: integer fancy indexing is several times slower)
        rep = sel.take(rep_at)
        clusters = cid.take(starts)
        classes = (self.category if by_category else self.verification).take(rep)
        points = Points(
            lon=self.lon.take(clusters),
            lat=self.lat.take(clusters),
            count=counts,
            future=n_past == 0,
            cls=classes.astype(np.int16),
            event=rep,
            starts=starts,
            members=sel,
            n_events=len(sel),
        )
        return points, n_past


def follow_table(
    clusters: EventClusters, version: int, table, frame: pd.DataFrame
) -> tuple[int, bool] | None:
    """``clusters``, made at the event table's ``version``, brought up to the table's
    current version by its last edit (one event added, removed or replaced; ``frame``: the
    table's frame now): (the version, whether the layer must be derived again), None if
    that edit cannot be followed, (-1, True) if following it failed half way."""
    now = getattr(table, "version", None)
    if now is None:
        return None
    if now == version:
        return now, False
    last = getattr(table, "last_edit", None)
    if last is None or last[0] != version + 1:
        return None
    _version, kind, p, _key = last
    if kind == "replace" and len(frame) == clusters.n_events and clusters.same_place_at(frame, p):
        before = (clusters.verification[p], clusters.category[p])
        if not clusters.recode_one(frame, p):
            return None
        return now, before != (clusters.verification[p], clusters.category[p])
    if clusters.follow(frame, kind, p):
        return now, False  # (the layer follows the grouping's last edit: Layer.derive)
    return -1, True  # tried, and the grouping is now half changed: to be made again


class Layer:
    """The event layer of one grouping, derived again after a cursor step from the last
    derivation: only the clusters with an event between the old and the new cursor change
    (their count of past events, representative, colour, dimming), so a step costs the
    events it passes, not a million. Hidden future events, a new filter or colouring: a
    full derivation (:meth:`EventClusters.derive`)."""

    FULL_FRACTION = 8  # a step passing more than 1/8 of the events: derived in full

    def __init__(self, clusters: EventClusters):
        self.clusters = clusters
        self._key: tuple | None = None
        self._shown: np.ndarray | None = None
        self._points: Points | None = None
        self._n_past: np.ndarray | None = None
        self._cursor = 0
        self._run_of: np.ndarray | None = None  # per event position: its cluster in points
        self._cids: np.ndarray | None = None  # each point's cluster
        self._edits = clusters.edits  # the grouping's edits the derivation has

    def derive(
        self, shown: np.ndarray | None, cursor_ns: int, hide_future: bool, by_category: bool
    ) -> Points:
        c = self.clusters
        key = (hide_future, by_category)
        if self._points is not None and c.edits != self._edits and not self._follow(by_category):
            self._points = None  # (derived in full below)
        same = (
            self._points is not None
            and key == self._key
            and not hide_future
            and _same_shown(shown, self._shown)
        )
        if same and cursor_ns == self._cursor:
            assert self._points is not None
            return self._points
        if same:
            stepped = self._step(cursor_ns, by_category)
            if stepped is not None:
                return stepped
        points, n_past = c.derive_counted(shown, cursor_ns, hide_future, by_category)
        self._key, self._points, self._n_past, self._cursor = key, points, n_past, cursor_ns
        self._shown = None if shown is None else np.array(shown, dtype=np.int64, copy=True)
        self._run_of = None
        self._cids = c.cluster_of.take(points.members.take(points.starts))
        self._edits = c.edits
        return points

    def _follow(self, by_category: bool) -> bool:
        """The last derivation brought up to the grouping's one edit since (every event
        shown, none hidden as future): only the clusters it left and joined change."""
        c, pts = self.clusters, self._points
        if (
            pts is None
            or c.edits != self._edits + 1
            or c.last_follow is None
            or self._shown is not None
            or self._key != (False, by_category)
            or self._cids is None
            or self._n_past is None
        ):
            return False
        d = Derived(
            pts.lon,
            pts.lat,
            pts.count.copy(),
            pts.future.copy(),
            pts.cls.copy(),
            pts.event.copy(),
            pts.starts.copy(),
            pts.members,
            self._n_past.copy(),
            self._run_of,
            self._cids,
        )
        classes = c.category if by_category else c.verification
        if not follow_points(d, c, c.last_follow, self._cursor, classes):
            return False
        self._points = Points(
            d.lon, d.lat, d.count, d.future, d.cls, d.event, d.starts, d.members, len(d.members)
        )
        self._n_past, self._run_of, self._cids = d.n_past, d.run_of, d.cids
        self._edits = c.edits
        return True

    def _step(self, cursor_ns: int, by_category: bool) -> Points | None:
        pts, n_past = self._points, self._n_past
        assert pts is not None and n_past is not None
        by_time, times = self.clusters.time_sorted()
        lo, hi = sorted((self._cursor, cursor_ns))
        a, b = np.searchsorted(times, [lo, hi], side="right")
        if (b - a) * self.FULL_FRACTION > max(len(by_time), 1):
            return None
        if self._run_of is None:
            run_of = np.full(self.clusters.n_events, -1, dtype=np.int64)
            run_of[pts.members] = np.repeat(np.arange(len(pts), dtype=np.int64), pts.count)
            self._run_of = run_of
        runs = self._run_of[by_time[a:b]]
        runs = runs[runs >= 0]
        self._cursor = cursor_ns
        if not len(runs):
            return pts
        # Each event passed counted into its cluster (np.add.at: no sort, no pass over every
        # cluster); a cluster passed several times is then written several times over with
        # the same values.
        np.add.at(n_past, runs, 1 if cursor_ns > lo else -1)
        touched = runs
        now = n_past[touched]
        starts = pts.starts[touched]
        ends = starts + pts.count[touched]
        rep = pts.members[np.where(now > 0, starts + now - 1, ends - 1)]
        future, event, cls = pts.future.copy(), pts.event.copy(), pts.cls.copy()
        future[touched] = now == 0
        event[touched] = rep
        classes = self.clusters.category if by_category else self.clusters.verification
        cls[touched] = classes[rep]
        self._points = Points(
            lon=pts.lon,
            lat=pts.lat,
            count=pts.count,
            future=future,
            cls=cls,
            event=event,
            starts=pts.starts,
            members=pts.members,
            n_events=pts.n_events,
        )
        return self._points


def _same_shown(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return len(a) == len(b) and bool(np.array_equal(a, b))


class StatusTimes:
    """Each crossing's status as of a time: a binary search on its entries' instants as
    epoch nanoseconds (what :meth:`Crossing.status_at` gives, without comparing aware
    datetimes: a hundred crossings of a thousand entries at every cursor step)."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[list, np.ndarray]] = {}

    def status_at(self, crossing, when_ns: int):  # -> CrossingStatus | None
        timeline = crossing.timeline()  # (the same list until the history changes)
        held = self._held.get(crossing.id)
        if held is None or held[0] is not timeline:
            instants = _one_more(held, timeline)  # a toggle: one entry inserted
            if instants is None:
                instants = np.array([to_ns(e.time.instant) for e in timeline], dtype=np.int64)
            held = self._held[crossing.id] = (timeline, instants)
        i = int(np.searchsorted(held[1], when_ns, side="right"))
        return timeline[i - 1].status if i else None


def _one_more(held: tuple[list, np.ndarray] | None, timeline: list) -> np.ndarray | None:
    """The instants of ``timeline`` from those ``held`` for a timeline of one entry less
    (the same entry objects around one new one), or None: then all are converted."""
    if held is None or len(timeline) != len(held[0]) + 1:
        return None
    old, instants = held
    at = next(
        (i for i, (a, b) in enumerate(zip(old, timeline, strict=False)) if a is not b), len(old)
    )
    if any(a is not b for a, b in zip(old[at:], timeline[at + 1 :], strict=True)):
        return None
    return np.insert(instants, at, to_ns(timeline[at].time.instant))


@dataclass(frozen=True, slots=True)
class Points:
    """One derivation of the layer: per visible cluster its place, event count, colour class,
    whether every event in it is after the cursor, and its representative event position."""

    lon: np.ndarray
    lat: np.ndarray
    count: np.ndarray
    future: np.ndarray
    cls: np.ndarray
    event: np.ndarray
    starts: np.ndarray
    members: np.ndarray  # event positions, cluster after cluster (each in time order)
    n_events: int

    @classmethod
    def empty(cls) -> Points:
        z = np.zeros(0)
        i = np.zeros(0, dtype=np.int64)
        return cls(z, z, i, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int16), i, i, i, 0)

    def __len__(self) -> int:
        return len(self.lon)

    def events_of(self, k: int) -> np.ndarray:
        """Event positions in cluster ``k`` (time order)."""
        end = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.members)
        return self.members[self.starts[k] : end]

    def nearest(self, lon: float, lat: float, sx: float, sy: float, radius_px: float) -> int:
        """Index of the cluster nearest (lon, lat) in pixels (``sx``/``sy``: pixels per degree),
        or -1 if none is within ``radius_px``. Larger clusters are easier to hit."""
        if not len(self.lon):
            return -1
        dx = (self.lon - lon) * sx
        dy = (self.lat - lat) * sy
        d2 = dx * dx + dy * dy
        k = int(np.argmin(d2))
        reach = radius_px + stamp_radius(int(self.count[k]))
        return k if d2[k] <= reach * reach else -1


def stamp_radius(count: int) -> int:
    """Pixel radius of a cluster's dot: grows with the number of events in it."""
    if count <= 1:
        return 3
    if count < 10:
        return 4
    if count < 100:
        return 5
    return 6


SIZE_BREAKS = (2, 10, 100)  # counts at which the radius steps up (see stamp_radius)
