"""How a briefing writes times: local with the UTC offset, or military date-time groups."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from monitor.briefing.options import BriefingOptions
from monitor.model.entities import Moment
from monitor.model.timeutil import format_moment, format_offset, military_dtg


def to_moment(value: datetime | Moment | None, tz: tzinfo) -> Moment | None:
    if value is None or isinstance(value, Moment):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return Moment(value.astimezone(tz), False)


def end_instant(m: Moment) -> datetime:
    """The last instant a moment covers: the end of its day for day precision."""
    return m.end - timedelta(microseconds=1) if m.day else m.instant


# Set by each document builder from its options (see :func:`time_style`): the time helpers below
# write DTGs while it is on.
_MILITARY: contextvars.ContextVar[bool] = contextvars.ContextVar("military_time", default=False)


@contextlib.contextmanager
def time_style(options: BriefingOptions) -> Iterator[None]:
    """While active, the helpers below write times as ``options.military_time`` asks."""
    token = _MILITARY.set(bool(options.military_time))
    try:
        yield
    finally:
        _MILITARY.reset(token)


_Builder = TypeVar("_Builder", bound=Callable[..., Any])


def in_time_style(build: _Builder) -> _Builder:
    """A document builder run with its options' time style (:func:`time_style`)."""
    signature = inspect.signature(build)

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        options = signature.bind(*args, **kwargs).arguments.get("options") or BriefingOptions()
        with time_style(options):
            return build(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def military_on() -> bool:
    """Times are being written as DTGs (see :func:`time_style`)."""
    return _MILITARY.get()


def when(m: Moment, tz: tzinfo) -> str:
    """A moment as the document writes it: a DTG, or local time with the offset."""
    return military_dtg(m) if _MILITARY.get() else format_moment(m, tz)


def describe_as_of(m: Moment, tz: tzinfo, zone_name: str) -> str:
    """``2024-11-29 (end of day, UTC+03:00 Asia/Baghdad)``, or with a time:
    ``2024-11-30 14:05 UTC+03:00 (Asia/Baghdad)``; as DTGs, the local time follows."""
    if m.day:
        offset = format_offset(m.instant.astimezone(tz))
        local = f"{m.date.isoformat()} (end of day, {offset} {zone_name})"
    else:
        local = f"{format_moment(m, tz)} ({zone_name})"
    return f"{military_dtg(m)} · {local}" if _MILITARY.get() else local


def describe_produced(when_: datetime, tz: tzinfo) -> str:
    local = when_.astimezone(tz).replace(microsecond=0)
    utc = when_.astimezone(UTC)
    if _MILITARY.get():
        return f"{military_dtg(when_)} ({local.strftime('%Y-%m-%d %H:%M')} {format_offset(local)})"
    return f"{local.strftime('%Y-%m-%d %H:%M')} {format_offset(local)} ({utc.strftime('%H:%MZ')})"


def short_time(m: Moment, tz: tzinfo) -> str:
    """Table form: the date, and under it the time with its UTC offset (days stay days);
    or the DTG."""
    if _MILITARY.get():
        return military_dtg(m)
    text = format_moment(m, tz)
    return text if m.day else text.replace(" ", "\n", 1)


def compact_time(m: Moment, tz: tzinfo) -> str:
    """One-line table form without the offset (the section states the zone once): the day,
    or the local date and time; or the DTG."""
    if _MILITARY.get():
        return military_dtg(m)
    if m.day:
        return m.date.isoformat()
    return m.instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def describe_age(age: timedelta) -> str:
    """``3 days 4 hours``, ``20 hours``."""
    hours = int(age.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours or not days:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    return " ".join(parts)
