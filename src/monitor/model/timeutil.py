"""Parsing and formatting of the file's times, and the military date-time group."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.model.parts import Moment

# re.ASCII: \d would otherwise accept Arabic-Indic and other Unicode digits.
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME_RE = re.compile(
    # Offset minutes 00-59: datetime.fromisoformat would read "+03:60" as +04:00.
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:[0-5]\d)",
    re.ASCII,
)
# Years the app can work with: times become int64 nanoseconds (pandas) for the views,
# whose range is 1677-09-21..2262-04-11; whole years inside it, with a day to spare for
# offsets and day ends. A file outside is rejected on load, not crashed on later.
MIN_YEAR, MAX_YEAR = 1678, 2261
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; raises ``ValueError`` with a reason if unknown."""
    if name in ("UTC", "Etc/UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        shown = name if len(name) <= 60 else f"{name[:57]}...({len(name)} characters)"
        raise ValueError(f"unknown IANA time zone {shown!r}") from exc


def parse_date(text: str) -> date:
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {_short(text)}")
    try:
        value = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"impossible date {text!r} ({exc})") from None
    _check_year(text, value.year)
    return value


def _check_year(text: str, year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{text!r} is outside the supported years {MIN_YEAR}..{MAX_YEAR}")


def parse_moment(text: object, tz: tzinfo) -> Moment:
    """``2024-11-27`` (day precision) or ``2024-11-30T14:05:00+03:00`` (offset required)."""
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 date or date-time string, got {_short(text)}")
    if _DATE_RE.fullmatch(text):
        return Moment.of_day(parse_date(text), tz)
    if not _DATETIME_RE.fullmatch(text):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text, re.ASCII):
            raise ValueError(f"date-time {text!r} has no UTC offset; add one (e.g. +03:00 or Z)")
        raise ValueError(f"expected YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss]+hh:mm, got {_short(text)}")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"impossible date-time {text!r} ({exc})") from None
    _check_year(text, value.year)
    return Moment(value, False)


def to_zone(value: datetime, tz: tzinfo) -> datetime:
    return value.astimezone(tz)


def format_moment(m: Moment, tz: tzinfo, *, seconds: bool = False) -> str:
    """Display text in the scenario's zone with the offset visible; days stay days."""
    if m.day:
        return m.date.isoformat()
    local = m.instant.astimezone(tz)
    fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{local.strftime(fmt)} {format_offset(local)}"


def format_compact(m: Moment, tz: tzinfo, *, year: bool = True, offset: bool = False) -> str:
    """A table cell's time: ``2024-12-07 14:30`` (``12-07 14:30`` without the year), the
    offset only when asked (the zone is said once, e.g. in the column's header); a day
    stays a day (``2024-12-07``)."""
    if m.day:
        return m.date.isoformat() if year else m.date.strftime("%m-%d")
    local = m.instant.astimezone(tz)
    text = local.strftime("%Y-%m-%d %H:%M" if year else "%m-%d %H:%M")
    return f"{text} {format_offset(local)}" if offset else text


_WEEK = timedelta(days=7)
_MAX_OFFSET_SAMPLES = 4_000


def single_offset(tz: tzinfo, start: datetime, end: datetime) -> str | None:
    """``UTC+03:00`` if ``tz`` keeps one UTC offset from ``start`` to ``end`` (looked at
    weekly, and at both ends), else None: with summer time each time needs its offset."""
    first = start.astimezone(tz)
    offsets = {first.utcoffset(), end.astimezone(tz).utcoffset()}
    step = max(_WEEK, (end - start) / _MAX_OFFSET_SAMPLES)
    t = start
    while t < end and len(offsets) == 1:
        offsets.add(t.astimezone(tz).utcoffset())
        t += step
    return format_offset(first) if len(offsets) == 1 else None


def format_offset(value: datetime) -> str:
    off = value.utcoffset()
    if off is None:
        return ""
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_utc(m: Moment) -> str:
    if m.day:
        return f"{m.date.isoformat()} (whole day, scenario time)"
    return m.utc.strftime("%Y-%m-%d %H:%M:%SZ")


def military_dtg(m: Moment | datetime) -> str:
    """Military date-time group in Zulu time, e.g. ``301430Z NOV 24``.

    Day-precision moments have no hour (nor a zone: the day is the scenario's), so they
    are written as the day alone, ``30 NOV 24`` (see :func:`military_day`), rather than
    given a fake hour or a row of dashes.
    """
    if isinstance(m, Moment):
        if m.day:
            return military_day(m.date)
        value = m.utc
    else:
        value = m.astimezone(UTC)
    month = _MONTHS[value.month - 1]
    return f"{value.day:02d}{value.hour:02d}{value.minute:02d}Z {month} {value.year % 100:02d}"


def military_day(d: date) -> str:
    """A day in the military style, without a time group: ``30 NOV 24``."""
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year % 100:02d}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_ns(value: datetime) -> int:
    """UTC epoch nanoseconds of an aware datetime (the ``time_ns`` / ``end_ns`` convention)."""
    # Exact integer arithmetic: float timestamps lose microseconds far from
    # 1970, and truncating a negative one moved pre-1970 times forward.
    return (value - _EPOCH) // _MICROSECOND * 1000


class MomentParser:
    """:func:`parse_moment` for many values of one file, faster: day-precision moments are
    shared (a handful of distinct days; Moments are immutable), and the usual
    ``YYYY-MM-DDThh:mm:ss+hh:mm`` is parsed with the offset's tzinfo checked once and
    shared by every instant with that offset. Same results and the same ``ValueError``
    reasons as :func:`parse_moment` (which decides every value it does not settle)."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self.days: dict[str, Moment] = {}
        self.offsets: dict[str, tzinfo] = {}  # "+03:00" -> its tzinfo, once seen valid

    def __call__(self, text: object) -> Moment:
        if type(text) is str:
            if len(text) == 10:
                m = self.days.get(text)
                if m is None:
                    m = parse_moment(text, self.tz)
                    if m.day:
                        self.days[text] = m
                return m
            if (
                len(text) == 25
                and text[10] == "T"
                and text[4] == "-"
                and text[7] == "-"
                and text[13] == ":"
                and text[16] == ":"
                and text.isascii()
            ):
                offset = self.offsets.get(text[19:])
                if offset is not None:
                    try:  # checks that the rest is digits and a real date and time
                        instant = datetime.fromisoformat(text[:19]).replace(tzinfo=offset)
                    except ValueError:
                        return parse_moment(text, self.tz)  # (words the reason)
                    if MIN_YEAR <= instant.year <= MAX_YEAR:
                        return Moment(instant, False)
                    return parse_moment(text, self.tz)
                m = parse_moment(text, self.tz)
                if text[19] in "+-" and m.instant.tzinfo is not None:
                    self.offsets.setdefault(text[19:], m.instant.tzinfo)
                return m
        return parse_moment(text, self.tz)
