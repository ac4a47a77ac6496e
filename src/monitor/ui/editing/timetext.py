"""Times as an analyst types them, in the scenario's own zone.

``2024-12-05`` is a day (day precision); ``2024-12-05 14:05`` a minute in the scenario's
zone (stored to the minute: no seconds are invented); ``2024-12-05 14:05:30`` keeps the
seconds that were typed. A full ISO 8601 time with its offset is taken as it is. What
the file accepts is then decided by the contract's own time checker.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from monitor.model.entities import Moment
from monitor.model.timeutil import format_offset, parse_moment

_LOCAL = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII
)  # no offset: the scenario's zone


def to_file_text(text: str, tz: tzinfo) -> str:
    """The file's text for a typed time (raises ValueError with a reason if impossible);
    text that is not a local date-time is returned unchanged for the contract to judge."""
    text = text.strip()
    m = _LOCAL.fullmatch(text)
    if m is None:
        return text
    y, mo, d, h, mi, s = (int(g) if g is not None else 0 for g in m.groups())
    try:
        local = datetime(y, mo, d, h, mi, s, tzinfo=tz)
    except ValueError as exc:
        raise ValueError(f"impossible date-time {text!r} ({exc})") from None
    return Moment(local, False).iso()


def same_time_text(old: object, moment: Moment | None, tz: tzinfo) -> str | None:
    """``old`` (the file's text) if it names the same time as ``moment`` (same instant and
    precision): a dialog that changed nothing rewrites no time ("...Z" stays "...Z")."""
    if not isinstance(old, str) or moment is None:
        return None
    try:
        was = parse_moment(old, tz)
    except ValueError:
        return None
    return old if (was.day, was.instant) == (moment.day, moment.instant) else None


def typed_text(moment: Moment, tz: tzinfo) -> str:
    """How a stored time is shown for editing (seconds only if it has some)."""
    if moment.day:
        return moment.date.isoformat()
    local = moment.instant.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def precision_text(moment: Moment, tz: tzinfo) -> str:
    """ "day precision" or "minute precision, +03:00" (what the analyst's text means)."""
    if moment.day:
        return "day precision (no time of day)"
    local = moment.instant.astimezone(tz)
    what = "second" if local.second else "minute"
    return f"{what} precision, {format_offset(local)}"


def recorded_now(tz: tzinfo) -> Moment:
    """When a change is recorded, to the millisecond: two status changes made in the same
    second still sort in the order they were made (the later one is in force)."""
    now = datetime.now(UTC)
    return Moment(now.replace(microsecond=now.microsecond // 1000 * 1000).astimezone(tz), False)


def minute_moment(when: datetime) -> Moment:
    """``when`` to the minute (a status recorded 'now' or at the cursor has no seconds)."""
    return Moment(when.replace(second=0, microsecond=0), False)
