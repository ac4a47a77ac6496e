"""The territory series: each faction's share per territory date, stacked (pure numpy, no Qt).

One computation for every view of the territory data: the dashboard's chart panel and the
PDF briefing's chart both draw :func:`territory_series`'s result, so they cannot disagree on
which factions are drawn, in which order, what a missing figure means or when a stretch
counts as an estimate.

Rules (the same for every consumer):

- dates are the scenario's territory dates, ascending (optionally only those up to a day);
- factions are those with at least one territory entry on those dates, in the scenario's
  faction order (an id the scenario does not list, which the validator normally rejects,
  follows in id order as a grey placeholder :class:`~monitor.model.Faction` named by its id);
- a faction with no entry on a date has 0 % there, not estimated;
- between two dates the shares are interpolated **linearly** in time; a stretch between
  two dates is an estimate when either end is; after the last date the last figures hold.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from monitor.model.entities import Faction, Moment, Scenario

PLACEHOLDER_COLOR = "#888888"  # colour of a faction id the scenario does not list

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class TerritorySeries:
    """Stacked territory shares, ready to draw.

    Attributes (arrays are read-only; ``n`` dates × ``k`` factions):

    ``factions``
        the :class:`~monitor.model.Faction` of each column, in drawing order (bottom first);
    ``dates``
        the territory dates, ascending (``n``);
    ``tz``
        the scenario's time zone;
    ``xs``
        float64 (``n``): each date's start (00:00 in ``tz``) in epoch seconds, the x a
        time-axis chart plots it at;
    ``shares``
        float64 (``n``, ``k``): percent of the reference area, 0 where a faction has no entry;
    ``estimated``
        bool (``n``, ``k``): the figure is marked as an estimate.

    Derived views: :meth:`stacked` (cumulative tops), :meth:`interval_estimated` (per stretch
    between two dates), :meth:`any_estimated` (per faction), :meth:`at` / :meth:`at_day`
    (the linear read-out at a time), :meth:`index_on_or_before` (the date in force).
    """

    factions: tuple[Faction, ...]
    dates: tuple[date, ...]
    tz: tzinfo
    xs: FloatArray
    shares: FloatArray
    estimated: BoolArray

    @property
    def empty(self) -> bool:
        """No date or no faction: nothing to draw."""
        return len(self.dates) == 0 or len(self.factions) == 0

    @property
    def faction_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.factions)

    def stacked(self) -> FloatArray:
        """(``n``, ``k``) cumulative shares: column ``j`` is the top edge of faction ``j``'s
        band (its bottom is column ``j - 1``, or 0)."""
        return np.cumsum(self.shares, axis=1)

    def interval_estimated(self) -> BoolArray:
        """(``n - 1``, ``k``): the stretch from date ``i`` to ``i + 1`` is an estimate for a
        faction when either end is (empty with fewer than two dates)."""
        if len(self.dates) < 2:
            return np.zeros((0, len(self.factions)), dtype=bool)
        return self.estimated[:-1] | self.estimated[1:]

    def any_estimated(self) -> BoolArray:
        """(``k``): some figure of the faction is an estimate."""
        flags: BoolArray = np.zeros(len(self.factions), dtype=bool)
        if len(self.dates):
            flags |= self.estimated.any(axis=0)
        return flags

    def at(self, x: float) -> tuple[FloatArray, BoolArray] | None:
        """Shares and estimate flags (each ``k``) at epoch second ``x``.

        Exactly a date's figures on its start; linear between two dates (estimated when either
        end is); the last figures from the last date on; ``None`` before the first date or
        with no data.
        """
        if self.empty or x < self.xs[0]:
            return None
        i = int(np.searchsorted(self.xs, x, side="right")) - 1
        if x == self.xs[i] or i == len(self.xs) - 1:
            return self.shares[i].copy(), self.estimated[i].copy()
        frac = (x - self.xs[i]) / (self.xs[i + 1] - self.xs[i])
        values = self.shares[i] + (self.shares[i + 1] - self.shares[i]) * frac
        return values, self.estimated[i] | self.estimated[i + 1]

    def at_day(self, day: date) -> tuple[FloatArray, BoolArray] | None:
        """:meth:`at` the start of ``day`` in the scenario's zone."""
        return self.at(Moment.of_day(day, self.tz).instant.timestamp())

    def index_on_or_before(self, day: date) -> int | None:
        """Position of the latest date at or before ``day`` (the figures in force), or None."""
        i = bisect.bisect_right(self.dates, day)
        return i - 1 if i else None


_Array = TypeVar("_Array", bound=np.ndarray)


def _readonly(a: _Array) -> _Array:
    a.setflags(write=False)
    return a


def territory_series(scenario: Scenario, until: date | None = None) -> TerritorySeries:
    """The scenario's territory shares as a :class:`TerritorySeries` (see the module rules).

    ``until``: only the dates on or before that day (the factions are then those with an
    entry on those dates). A later entry for the same (date, faction) replaces an earlier one.
    """
    entries = [t for t in scenario.territory if until is None or t.date <= until]
    dates = sorted({t.date for t in entries})
    present = {t.faction for t in entries}
    known = [f for f in scenario.factions if f.id in present]
    listed = {f.id for f in scenario.factions}
    extra = [Faction(fid, fid, PLACEHOLDER_COLOR) for fid in sorted(present - listed)]
    factions: Sequence[Faction] = known + extra
    row = {d: i for i, d in enumerate(dates)}
    col = {f.id: j for j, f in enumerate(factions)}
    shares = np.zeros((len(dates), len(factions)), dtype=np.float64)
    estimated = np.zeros((len(dates), len(factions)), dtype=bool)
    for t in entries:
        i, j = row[t.date], col[t.faction]
        shares[i, j] = float(t.share_pct)
        estimated[i, j] = bool(t.estimated)
    tz = scenario.tz
    xs = np.array([Moment.of_day(d, tz).instant.timestamp() for d in dates], dtype=np.float64)
    return TerritorySeries(
        factions=tuple(factions),
        dates=tuple(dates),
        tz=tz,
        xs=_readonly(xs),
        shares=_readonly(shares),
        estimated=_readonly(estimated),
    )
