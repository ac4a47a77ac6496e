"""What the territory chart's event lane was made from (each event's time, verification and
local day, in the frame's row order), and the following of one event's edit in aggregated
markers, bin by bin: for a big table an edit changes one bin's count (and maybe the event
that stands for it), not a million events binned again."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from monitor.model import Moment

if TYPE_CHECKING:
    from monitor.ui.territory.markers import Markers

NS_PER_S = 1_000_000_000
DAY_NS = 86_400 * NS_PER_S
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def local_days(t_ns: np.ndarray, tz: tzinfo) -> np.ndarray:
    """Proleptic ordinal of the scenario-local calendar day of each instant."""
    t = np.asarray(t_ns, dtype=np.int64)
    if not len(t):
        return np.zeros(0, dtype=np.int64)
    offsets = _utc_offsets_s(t // NS_PER_S, tz)
    if offsets is None:  # (times over many years: pandas)
        local = pd.DatetimeIndex(pd.to_datetime(t, unit="ns", utc=True)).tz_convert(tz)
        naive = local.tz_localize(None).as_unit("ns").asi8
    else:
        naive = t + offsets * NS_PER_S
    return naive // DAY_NS + EPOCH_ORDINAL


def _offset_s(tz: tzinfo, s: int) -> int:
    off = datetime.fromtimestamp(s, tz).utcoffset()
    return round(off.total_seconds()) if off is not None else 0


def _utc_offsets_s(secs: np.ndarray, tz: tzinfo) -> np.ndarray | None:
    """Each instant's UTC offset (seconds) in ``tz``, asked of the zone itself: one by one for
    a few instants; for many, at each UTC midnight of their span, the instant of each change
    between two midnights found by halving (a zone changes its offset at most once a day).
    None if the span is too many days for that."""
    if len(secs) <= 256:
        return np.fromiter((_offset_s(tz, int(s)) for s in secs), np.int64, len(secs))
    d0, d1 = int(secs.min()) // 86_400, int(secs.max()) // 86_400 + 1
    if d1 - d0 > max(2_000, len(secs) // 8):
        return None
    starts, values = [d0 * 86_400], [_offset_s(tz, d0 * 86_400)]
    for day in range(d0 + 1, d1 + 1):
        hi = day * 86_400
        off = _offset_s(tz, hi)
        if off == values[-1]:
            continue
        lo = hi - 86_400  # (the offset there is values[-1])
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if _offset_s(tz, mid) == values[-1] else (lo, mid)
        starts.append(hi)
        values.append(off)
    which = np.searchsorted(np.asarray(starts, dtype=np.int64), secs, side="right") - 1
    return np.asarray(values, dtype=np.int64)[which]


def bin_x(day: int, bin_days: int, tz: tzinfo, starts: dict[int, float] | None = None) -> float:
    """The x of an aggregated marker: a bin's middle, or a day's start (one day per bin).
    ``starts``: days' starts found already (kept there: the bins of every zoom share them)."""
    half = 0.0 if bin_days == 1 else bin_days * 43_200.0
    x = None if starts is None else starts.get(day)
    if x is None:
        x = Moment.of_day(date.fromordinal(int(day)), tz).instant.timestamp()
        if starts is not None:
            starts[day] = x
    return x + half


def _codes(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(frame["verification"].cat.codes.to_numpy())


class EventBasis:
    """The events the markers were made from: ``frame`` (at the table's ``version``), and
    copies of its times, verification codes and local days (copies: the event table edits
    its columns in place); their time order is made when first asked for."""

    def __init__(self, frame: pd.DataFrame, tz: tzinfo, version: int | None):
        self.frame, self.tz, self.version = frame, tz, version
        self.t_ns = frame["time_ns"].to_numpy(dtype=np.int64).copy()
        self.codes = _codes(frame).copy()
        self.days = local_days(self.t_ns, tz)
        self._order: np.ndarray | None = None
        self.day_starts: dict[int, float] = {}  # (see bin_x)

    def days_order(self) -> tuple[np.ndarray, np.ndarray]:
        """(local days, time order then row order) of the events."""
        if self._order is None:
            self._order = np.lexsort((np.arange(len(self.t_ns)), self.t_ns))
        return self.days, self._order

    def sorted_seconds(self) -> np.ndarray:
        return self.t_ns[self.days_order()[1]] / NS_PER_S

    def same(self, frame: pd.DataFrame) -> bool:
        """Does ``frame`` have these events' times and verifications?"""
        t = frame["time_ns"].to_numpy(dtype=np.int64)
        codes = _codes(frame)
        return (
            len(t) == len(self.t_ns)
            and bool(np.array_equal(t, self.t_ns))
            and bool(np.array_equal(codes, self.codes))
        )


def follow_bins(m: Markers, events: EventBasis, frame: pd.DataFrame, kind: str, row: int):
    """Aggregated markers ``m`` of ``events`` changed in place by one edit (``kind`` "add"
    at the end, "replace" or "remove" at ``row``; ``frame``: the events after it), and
    ``events`` with them: True if the markers changed, False if not, None if the edit cannot
    be followed (the bins would start on another day: the markers are to be made again;
    ``m`` and ``events`` are then half changed)."""
    n = len(events.t_ns)
    if (kind, len(frame)) not in (("add", n + 1), ("replace", n), ("remove", n - 1)):
        return None
    if kind == "add" and row != n:
        return None
    assert m.first_rows is not None
    dirty: set[int] = set()
    if kind == "replace":
        t = int(frame["time_ns"].iat[row])
        code = int(frame["verification"].cat.codes.iat[row])
        events.codes[row] = code  # (aggregated markers do not show the verification)
        if t == events.t_ns[row]:
            return False
        if not _leave(m, events, row, dirty):
            return None
        events.t_ns[row] = t
        events.days[row] = local_days(np.array([t], dtype=np.int64), events.tz)[0]
        events._order = None
        if not _join(m, events, row, dirty):
            return None
    elif kind == "add":
        t = int(frame["time_ns"].iat[row])
        code = int(frame["verification"].cat.codes.iat[row])
        events.t_ns = np.append(events.t_ns, t)
        events.codes = np.append(events.codes, np.asarray(code, dtype=events.codes.dtype))
        events.days = np.append(events.days, local_days(np.array([t], dtype=np.int64), events.tz))
        events._order = None
        if not _join(m, events, row, dirty):
            return None
    else:
        if not _leave(m, events, row, dirty):
            return None
        events.t_ns = np.delete(events.t_ns, row)
        events.codes = np.delete(events.codes, row)
        events.days = np.delete(events.days, row)
        events._order = None
        m.first_rows[m.first_rows > row] -= 1
    if kind != "add" and len(frame) != len(events.t_ns):
        return None
    ids = frame["id"]
    for k in sorted(dirty):
        if k < len(m.ids):
            m.ids[k] = str(ids.iat[int(m.first_rows[k])])
    return True


def _bin_of(m: Markers, day: int) -> tuple[int, int, bool]:
    """(the marker index of the bin holding ``day`` or where it would go, the bin's first
    day, whether that bin has a marker)."""
    first = m.first_day + (int(day) - m.first_day) // m.bin_days * m.bin_days
    k = int(np.searchsorted(m.day_of_point, first))
    return k, first, k < len(m.day_of_point) and int(m.day_of_point[k]) == first


def _leave(m: Markers, events: EventBasis, row: int, dirty: set[int]) -> bool:
    """Event ``row`` out of its bin (its bin's first event found again if it was that)."""
    assert m.first_rows is not None
    k, first_day, found = _bin_of(m, int(events.days[row]))
    if not found:
        return False
    if m.counts[k] == 1:
        if k == 0 and m.bin_days > 1:
            return False  # the bins would count from a later day
        _drop(m, k, dirty)
        if k == 0 and len(m.day_of_point):
            m.first_day = int(m.day_of_point[0])  # (one day per bin: the same bins)
        return True
    m.counts[k] -= 1
    if int(m.first_rows[k]) == row:
        days = events.days
        rows = np.flatnonzero((days >= first_day) & (days < first_day + m.bin_days))
        rows = rows[rows != row]
        t = events.t_ns[rows]
        m.first_rows[k] = int(rows[t == t.min()].min())  # the earliest, then the first in file
        dirty.add(k)
    return True


def _join(m: Markers, events: EventBasis, row: int, dirty: set[int]) -> bool:
    """Event ``row`` (its time and day in ``events`` already) into its bin."""
    assert m.first_rows is not None
    day = int(events.days[row])
    if day < m.first_day:
        if m.bin_days > 1:
            return False  # before the first bin: the bins would count from another day
        m.first_day = day
    k, first_day, found = _bin_of(m, day)
    if found:
        m.counts[k] += 1
        f = int(m.first_rows[k])
        if (int(events.t_ns[row]), row) < (int(events.t_ns[f]), f):
            m.first_rows[k] = row
            dirty.add(k)
        return True
    # A bin of its own, between the others (the lane's height and y stay: all bins alike).
    y = m.ys[0] if len(m.ys) else None
    if y is None:
        return False
    m.xs = np.insert(m.xs, k, bin_x(first_day, m.bin_days, events.tz))
    m.ys = np.insert(m.ys, k, y)
    m.counts = np.insert(m.counts, k, 1)
    m.day_of_point = np.insert(m.day_of_point, k, first_day)
    m.first_rows = np.insert(m.first_rows, k, row)
    m.ids.insert(k, "")
    shifted = {j + 1 if j >= k else j for j in dirty}
    dirty.clear()
    dirty.update(shifted | {k})
    return True


def _drop(m: Markers, k: int, dirty: set[int]) -> None:
    m.xs = np.delete(m.xs, k)
    m.ys = np.delete(m.ys, k)
    m.counts = np.delete(m.counts, k)
    m.day_of_point = np.delete(m.day_of_point, k)
    assert m.first_rows is not None
    m.first_rows = np.delete(m.first_rows, k)
    del m.ids[k]
    shifted = {j - 1 if j > k else j for j in dirty if j != k}
    dirty.clear()
    dirty.update(shifted)
