"""How a crossing's status is shown: words, accessible colours and icons, the table's
columns and roles, and the time span and data of the status-history strip."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon

from monitor.model import Crossing, CrossingStatus, Moment, StatusEntry
from monitor.model.text import isolate as text_isolate
from monitor.model.text import isolate_if_needed
from monitor.paths import resource_path
from monitor.ui.context import ScenarioContext

# Unicode isolates: keep a right-to-left run from reordering the Latin text around it.
FSI = "\u2068"
PDI = "\u2069"

UNKNOWN = "unknown"  # display word when no history entry is in force yet

# Accessible status colours (dark enough for white marks, distinct in lightness for
# colour-blind users); every use is paired with the word and an icon.
STATUS_COLORS: dict[str | None, str] = {
    CrossingStatus.OPEN: "#2e7d32",
    CrossingStatus.RESTRICTED: "#f9a825",
    CrossingStatus.CLOSED: "#c62828",
    None: "#9e9e9e",
}
_ICON_FILES: dict[str | None, str] = {
    CrossingStatus.OPEN: "status-open.svg",
    CrossingStatus.RESTRICTED: "status-restricted.svg",
    CrossingStatus.CLOSED: "status-closed.svg",
    None: "status-unknown.svg",
}
# Sort order of the status column: most severe first when ascending.
STATUS_RANK: dict[str | None, int] = {
    CrossingStatus.CLOSED: 0,
    CrossingStatus.RESTRICTED: 1,
    CrossingStatus.OPEN: 2,
    None: 3,
}


def isolate(text: str) -> str:
    """Wrap ``text`` in first-strong isolates for mixing with text of the other direction
    (balanced: a stray U+2069 in the data cannot end the isolate early)."""
    return text_isolate(text)


def isolate_rtl(text: str) -> str:
    """``text`` isolated if it holds right-to-left letters or bidi controls (so pure Latin
    text stays as it is)."""
    return isolate_if_needed(text)


def status_word(status: CrossingStatus | None) -> str:
    return status.value if status is not None else UNKNOWN


def status_color(status: CrossingStatus | None) -> QColor:
    return QColor(STATUS_COLORS[status])


@cache
def status_icon(status: CrossingStatus | None) -> QIcon:
    """The icon of a status (shape differs per status, not only colour). Needs a QGuiApplication."""
    return QIcon(str(resource_path("icons", _ICON_FILES[status])))


class CrossingColumn(IntEnum):
    NAME = 0
    LOCAL_NAME = 1
    SIDES = 2
    KIND = 3
    HELD_BY = 4
    STATUS = 5
    SINCE = 6
    NOTE = 7
    STRIP = 8


COLUMN_TITLES = {
    CrossingColumn.NAME: "Name",
    CrossingColumn.LOCAL_NAME: "Local name",
    CrossingColumn.SIDES: "Sides",
    CrossingColumn.KIND: "Kind",
    CrossingColumn.HELD_BY: "Far side held by",
    CrossingColumn.STATUS: "Status",
    CrossingColumn.SINCE: "Since",
    CrossingColumn.NOTE: "Last note",
    CrossingColumn.STRIP: "Status history",
}
COLUMN_TIPS = {
    CrossingColumn.NAME: "Crossing name (English)",
    CrossingColumn.LOCAL_NAME: "Crossing name in the local language",
    CrossingColumn.SIDES: "Country and place on each side",
    CrossingColumn.KIND: "Official border post or informal crossing",
    CrossingColumn.HELD_BY: "Faction holding the far side of the crossing",
    CrossingColumn.STATUS: "Status as of the time cursor",
    CrossingColumn.SINCE: "When the status in force took effect",
    CrossingColumn.NOTE: "Note of the status entry in force",
    CrossingColumn.STRIP: "Whole status history; the vertical line is the time cursor",
}
# Columns that depend on the cursor time (contiguous: STATUS..STRIP).

CURSOR_COLUMNS = (
    CrossingColumn.STATUS,
    CrossingColumn.SINCE,
    CrossingColumn.NOTE,
    CrossingColumn.STRIP,
)
# Columns whose text or tooltips show times (military time toggle): the same ones.
TIME_COLUMNS = CURSOR_COLUMNS


class CrossingRole(IntEnum):
    ID = Qt.ItemDataRole.UserRole + 1  # crossing id (str), any column
    SORT = Qt.ItemDataRole.UserRole + 2  # sort key of the cell
    STATUS = Qt.ItemDataRole.UserRole + 3  # CrossingStatus | None as of the cursor, any column
    TIMELINE = Qt.ItemDataRole.UserRole + 4  # crossing.timeline() itself: list[StatusEntry]
    STRIP = Qt.ItemDataRole.UserRole + 5  # StripData for the strip delegate


@dataclass(frozen=True, slots=True)
class StripData:
    """What the strip delegate paints: the crossing's own timeline over the shared span."""

    entries: list[StatusEntry]  # crossing.timeline() itself, sorted by effective time
    start: datetime  # same span for every row, so the strips line up
    end: datetime
    cursor: datetime
    hide_after_cursor: bool  # replay mode: do not reveal changes after the cursor
    # Identifies what the strip shows apart from the span and the cursor: changes whenever
    # the crossing's history or the scenario does (the delegate caches a picture per key).
    key: tuple = ()


def event_focus(scenario, frame=None) -> tuple[datetime, datetime] | None:
    """First and last instant of the events and territory dates (computed once per scenario:
    with a million events this walk is the expensive part of :func:`strip_span`).

    ``frame``: the scenario's events frame, if built: its ``time_ns``/``end_ns`` columns
    give the same instants without touching a million event objects.
    """
    focus_start = focus_end = None
    if frame is not None and len(frame):
        focus_start = from_ns(int(frame["time_ns"].min()))
        focus_end = from_ns(int(frame["end_ns"].max()))
    elif frame is None:
        for e in scenario.events:
            t0, t1 = e.time.instant, e.time.end
            if focus_start is None or t0 < focus_start:
                focus_start = t0
            if focus_end is None or t1 > focus_end:
                focus_end = t1
    days = scenario.territory_dates()
    if days:
        tz = scenario.tz
        d0, d1 = Moment.of_day(days[0], tz).instant, Moment.of_day(days[-1], tz).end
        focus_start = d0 if focus_start is None else min(focus_start, d0)
        focus_end = d1 if focus_end is None else max(focus_end, d1)
    return None if focus_start is None else (focus_start, focus_end)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_ns(ns: int) -> datetime:
    """The aware UTC datetime of epoch nanoseconds (the events frame's time columns)."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


def history_instants(crossing: Crossing) -> list[datetime]:
    """The instants of ``crossing``'s history, ascending (its cached timeline's order), in UTC:
    aware datetimes sharing one tzinfo compare without asking each for its offset."""
    utc = UTC
    return [entry.time.instant.astimezone(utc) for entry in crossing.timeline()]


def strip_span(
    ctx: ScenarioContext,
    focus: tuple[datetime, datetime] | bool | None = False,
    instants: Callable[[Crossing], list[datetime]] | None = None,
) -> tuple[datetime, datetime]:
    """The time span every status strip covers: the scenario's time range plus a margin.

    One exception: crossing histories often start years before the period
    the scenario is about (Al-Qaim reopened in 2019). Stretching every strip
    over those years would squeeze the weeks that matter into a few pixels,
    so history changes more than one event-period before the first event or
    territory date are left out of the span; the status they set is painted
    from the left edge (marked with a small arrow) and listed in the tooltip.
    ``focus`` is :func:`event_focus` of the scenario if the caller has it cached;
    ``instants`` gives a crossing's sorted history instants (:func:`history_instants`, or a
    cached copy): the span then costs a binary search per crossing, not a walk of every entry.
    """
    scenario = ctx.scenario
    if focus is False:
        focus = event_focus(scenario)
    of = instants or history_instants
    keys = [k for k in map(of, scenario.crossings) if k]
    if focus is None and not keys:
        now = ctx.cursor_time()
        return now - timedelta(days=7), now + timedelta(days=1)
    if focus is None:
        start, end = min(k[0] for k in keys), max(k[-1] for k in keys)
    else:
        first, last = focus
        reach = (first - max(last - first, timedelta(days=1))).astimezone(UTC)
        start = first
        for k in keys:  # each crossing's earliest change at or after ``reach``
            i = bisect.bisect_left(k, reach)
            if i < len(k) and k[i] < start:
                start = k[i]
        end = max([last, *(k[-1] for k in keys)])
    margin = max((end - start) * 0.03, timedelta(hours=12))
    return start - margin, end + margin
