"""One event's edit followed in the map layer's last derivation (no filter, future events
shown): the event leaves its cluster's run and joins the run of its new place, and only
those clusters' counts, representative, colour and dimming change, instead of deriving a
million events again (:class:`monitor.ui.map.layer.Layer` uses it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Derived:
    """A derivation being changed: the Points' arrays, the events at or before the cursor
    per cluster (``n_past``), each event's cluster in the points (``run_of``, or None) and
    each point's cluster number (``cids``)."""

    lon: np.ndarray
    lat: np.ndarray
    count: np.ndarray
    future: np.ndarray
    cls: np.ndarray
    event: np.ndarray
    starts: np.ndarray
    members: np.ndarray
    n_past: np.ndarray
    run_of: np.ndarray | None
    cids: np.ndarray


def follow_points(d: Derived, clusters: Any, edit: tuple, cursor: int, classes) -> bool:
    """Take ``edit`` (what :meth:`EventClusters.follow` recorded: kind, row, old cluster,
    old time, new cluster, new time) into ``d`` (arrays replaced, never written in place
    unless ``d`` owns them); ``classes``: each event's colour class now. False if it does
    not fit (then the layer is derived in full)."""
    kind, p, c_old, t_old, c_new, t_new = edit
    if kind == "add":
        if d.run_of is not None:
            d.run_of = np.append(d.run_of, -1)
        return _join(d, clusters, p, c_new, t_new, cursor, classes)
    if not _leave(d, p, c_old, t_old, cursor):
        return False
    if kind == "remove":
        if c_old < 0:
            d.members = d.members.copy()  # (else a new array already)
        d.members -= d.members > p  # (later rows one up)
        d.event -= d.event > p
        if d.run_of is not None:
            d.run_of = np.delete(d.run_of, p)
        _reps(d, _point_of(d, c_old), classes)
        return True
    _reps(d, _point_of(d, c_old), classes)
    return _join(d, clusters, p, c_new, t_new, cursor, classes)


def _point_of(d: Derived, c: int) -> np.ndarray:
    """The point of cluster ``c`` (none if it has no point)."""
    k = int(np.searchsorted(d.cids, c))
    return np.array([k] if c >= 0 and k < len(d.cids) and d.cids[k] == c else [], dtype=np.int64)


def _leave(d: Derived, p: int, c: int, t: int, cursor: int) -> bool:
    if c < 0:
        return True  # (it had no place on the map)
    k = int(np.searchsorted(d.cids, c))
    if k >= len(d.cids) or d.cids[k] != c:
        return False
    a = int(d.starts[k])
    hits = np.flatnonzero(d.members[a : a + int(d.count[k])] == p)
    if not len(hits):
        return False
    d.members = np.delete(d.members, a + int(hits[0]))
    d.starts[k + 1 :] -= 1
    d.count[k] -= 1
    if t <= cursor:
        d.n_past[k] -= 1
    if d.run_of is not None:
        d.run_of[p] = -1
    if d.count[k] == 0:  # the place is empty now: its point goes
        for name in ("lon", "lat", "count", "future", "cls", "event", "starts", "n_past", "cids"):
            setattr(d, name, np.delete(getattr(d, name), k))
        if d.run_of is not None:
            d.run_of[d.run_of > k] -= 1
    return True


def _join(d: Derived, clusters: Any, p: int, c: int, t: int, cursor: int, classes) -> bool:
    if c < 0:
        return True
    k = int(np.searchsorted(d.cids, c))
    if k >= len(d.cids) or d.cids[k] != c:  # a point of its own
        at = int(d.starts[k]) if k < len(d.starts) else len(d.members)
        for name, value in (
            ("lon", clusters.lon[c]),
            ("lat", clusters.lat[c]),
            ("count", 0),
            ("future", True),
            ("cls", 0),
            ("event", p),
            ("starts", at),
            ("n_past", 0),
            ("cids", c),
        ):
            setattr(d, name, np.insert(getattr(d, name), k, value))
        if d.run_of is not None:
            d.run_of[d.run_of >= k] += 1
    a, n = int(d.starts[k]), int(d.count[k])
    run = d.members[a : a + n]
    times = clusters.time_of(run)
    lo, hi = np.searchsorted(times, [t, t + 1])  # in time order, then by row
    j = a + int(lo) + int(np.searchsorted(run[lo:hi], p))
    d.members = np.insert(d.members, j, p)
    d.starts[k + 1 :] += 1
    d.count[k] += 1
    if t <= cursor:
        d.n_past[k] += 1
    if d.run_of is not None:
        d.run_of[p] = k
    _reps(d, np.array([k]), classes)
    return True


def _reps(d: Derived, ks: np.ndarray, classes) -> None:
    """The representative (the latest at or before the cursor, else the latest), its
    colour and the dimming of points ``ks``."""
    for k in ks.tolist():
        s, now = int(d.starts[k]), int(d.n_past[k])
        rep = d.members[s + now - 1] if now > 0 else d.members[s + int(d.count[k]) - 1]
        d.event[k] = rep
        d.future[k] = now == 0
        d.cls[k] = classes[rep]
