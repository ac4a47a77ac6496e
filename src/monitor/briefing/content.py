"""What goes on a briefing's pages, as plain data (pure Python: no Qt).

The builders here turn a :class:`~monitor.model.Scenario` plus a few plain
choices (as-of time, period, filter, event rows) into a :class:`Document`: a
flat list of blocks (title block, headings, paragraphs, tables, the territory
chart) with the PDF metadata. :mod:`monitor.briefing.pdf` lays the blocks out
on pages; nothing here knows about pages, fonts or Qt, so the content can be
tested quickly and reused by any renderer.

Every string taken from the scenario file is untrusted. Blocks carry it as
plain text and the renderer paints it as plain text (never HTML).
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import functools
import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from monitor.model.entities import (
    CREDIBILITY_MEANING,
    RELIABILITY_MEANING,
    Crossing,
    CrossingStatus,
    Event,
    Moment,
    Scenario,
    StatusEntry,
)
from monitor.model.series import TerritorySeries, territory_series
from monitor.model.timeutil import format_moment, format_offset, military_dtg

if TYPE_CHECKING:
    import pandas as pd

PANELS = ("crossings", "territory", "feed")
PAGE_SIZES = ("A4", "Letter")
DEFAULT_MARKING = "UNCLASSIFIED"
RECENT_HOURS = (24, 72)



# --------------------------------------------------------------------------- options
@dataclass(slots=True)
class BriefingOptions:
    """The user's choices for one PDF. Every field has a sensible default.

    ``as_of`` / ``since`` accept an aware ``datetime`` or a
    :class:`~monitor.model.Moment` (a day-precision moment means the end of
    that day for ``as_of`` and its start for ``since``). ``as_of=None`` means
    now; ``since=None`` means the first territory date.
    """

    marking: str = DEFAULT_MARKING
    page_size: str = "A4"
    analyst: str = ""
    as_of: datetime | Moment | None = None
    since: datetime | Moment | None = None
    filter_text: str = ""
    panels: Sequence[str] = PANELS
    produced_at: datetime | None = None
    # Feed export: a human description of the panel's filter and sort, printed in the header.
    filter_description: str = ""
    # Times as military date-time groups (``301430Z NOV 24``), as the UI shows them when
    # its DTG option is on; else in the scenario's zone with the offset.
    military_time: bool = False

    def __post_init__(self) -> None:
        self.marking = " ".join((self.marking or "").split()) or DEFAULT_MARKING
        self.page_size = normalise_page_size(self.page_size)
        unknown = [p for p in self.panels if p not in PANELS]
        if unknown:
            raise ValueError(f"unknown panel {unknown[0]!r} (choose from {', '.join(PANELS)})")
        self.panels = tuple(p for p in PANELS if p in self.panels)


def normalise_page_size(value: str) -> str:
    for name in PAGE_SIZES:
        if value.strip().lower() in (name.lower(), {"Letter": "us-letter"}.get(name, name).lower()):
            return name
    raise ValueError(f"unknown page size {value!r} (choose A4 or Letter)")


# --------------------------------------------------------------------------- blocks
@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: a main line, optional smaller detail lines, optional decoration.

    ``tone`` names a status colour (``open``/``closed``/``restricted``/
    ``unknown``) or a highlight (``recent24``/``recent72``); ``swatch`` is a
    ``#rrggbb`` colour square drawn before the text.
    """

    text: str
    detail: str = ""
    tone: str | None = None
    swatch: str | None = None
    bold: bool = False
    mono: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width: float  # relative; the renderer scales widths to the page
    align: str = "left"  # left | right | center


@dataclass(slots=True)
class Table:
    columns: list[Column]
    rows: list[list[Cell]]
    empty_text: str = "None."
    note: str = ""  # small print under the table


@dataclass(slots=True)
class Heading:
    text: str
    level: int = 1
    # A heading is kept with the first lines of what follows it.


@dataclass(slots=True)
class Paragraph:
    text: str
    style: str = "body"  # body | muted | small | bullet
    keep_together: bool = False


@dataclass(slots=True)
class TitleBlock:
    kind: str  # e.g. "SITUATION BRIEFING"
    title: str
    fields: list[tuple[str, str]]
    description: str = ""


@dataclass(slots=True)
class Chart:
    """The stacked territory chart.

    ``series`` is the model's :class:`~monitor.model.series.TerritorySeries` (the same data
    the dashboard's panel draws); ``x_range`` the visible range (aware datetimes) or ``None``
    for the dates' own extent; ``marker`` an instant to mark with a dashed line (as-of);
    ``hold_to`` carries the last date's shares forward to that instant.
    """

    series: TerritorySeries
    caption: str = ""
    x_range: tuple[datetime, datetime] | None = None
    marker: datetime | None = None
    hold_to: datetime | None = None

    def drawn(self) -> list[int]:
        """Columns of ``series`` the chart draws: factions with a non-zero share somewhere
        (the legend lists the same ones)."""
        return [j for j in range(len(self.series.factions)) if self.series.shares[:, j].any()]


@dataclass(slots=True)
class PageBreak:
    pass


Block = TitleBlock | Heading | Paragraph | Table | Chart | PageBreak


@dataclass(slots=True)
class Document:
    """Everything the renderer needs: metadata, header text and the blocks in order."""

    title: str
    subject: str
    author: str
    marking: str
    page_size: str
    produced_at: datetime
    header_left: str
    header_right: str
    blocks: list[Block] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- time helpers
def to_moment(value: datetime | Moment | None, tz: tzinfo) -> Moment | None:
    if value is None or isinstance(value, Moment):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return Moment(value.astimezone(tz), False)


def end_instant(m: Moment) -> datetime:
    """The last instant a moment covers: the end of its day for day precision."""
    return m.end - timedelta(microseconds=1) if m.day else m.instant


# Set by each document builder from its options (see ``_times``): the time helpers below
# write DTGs while it is on.
_MILITARY: contextvars.ContextVar[bool] = contextvars.ContextVar("military_time", default=False)


@contextlib.contextmanager
def _times(options: BriefingOptions):
    token = _MILITARY.set(bool(options.military_time))
    try:
        yield
    finally:
        _MILITARY.reset(token)


def _in_time_style(build):
    """A document builder run with its options' time style (``_times``)."""
    signature = inspect.signature(build)

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        options = signature.bind(*args, **kwargs).arguments.get("options") or BriefingOptions()
        with _times(options):
            return build(*args, **kwargs)

    return wrapper


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


def _clean(text: Any) -> str:
    """Untrusted text as one tidy plain string (never None)."""
    return "" if text is None else str(text).replace("\r\n", "\n").replace("\r", "\n").strip()


def _one_line(text: Any) -> str:
    return " ".join(_clean(text).split())


# --------------------------------------------------------------------------- sources
class SourceIndex:
    """Numbers sources in order of first citation: ``[1]``, ``[2]`` ..."""

    def __init__(self, scenario: Scenario):
        self._by_id = scenario.sources_by_id()
        self._numbers: dict[str, int] = {}

    def number(self, source_id: str) -> int:
        n = self._numbers.get(source_id)
        if n is None:
            n = self._numbers[source_id] = len(self._numbers) + 1
        return n

    def cite(self, source_ids: Iterable[str]) -> str:
        nums = sorted({self.number(s) for s in source_ids})
        return " ".join(f"[{n}]" for n in nums)

    def __len__(self) -> int:
        return len(self._numbers)

    def reliability(self, source_ids: Iterable[str]) -> str | None:
        """Best (most reliable) letter among the given sources."""
        grades = [
            self._by_id[s].reliability
            for s in source_ids
            if s in self._by_id and self._by_id[s].reliability
        ]
        return min(grades) if grades else None

    def table(self) -> Table:
        rows = []
        for sid, n in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            s = self._by_id.get(sid)
            if s is None:  # a dangling reference (the validator normally rejects these)
                rows.append([Cell(f"[{n}]", bold=True), Cell(f"Unknown source {sid!r}"), Cell("–")])
                continue
            detail = " · ".join(
                x for x in (_one_line(s.publisher), _one_line(s.published), _one_line(s.url)) if x
            )
            grade = s.reliability or "–"
            meaning = RELIABILITY_MEANING.get(s.reliability or "", "not graded")
            rows.append(
                [
                    Cell(f"[{n}]", bold=True),
                    Cell(_one_line(s.title), detail=detail, bold=True),
                    Cell(grade, detail=meaning, bold=True),
                ]
            )
        return Table(
            [Column("No.", 0.6, "left"), Column("Source", 6.4), Column("Reliability", 1.7)],
            rows,
            empty_text="No sources cited.",
            note="Admiralty grades: letter = source reliability"
            " (A completely reliable … F cannot be judged); "
            "digit = credibility of the information (1 confirmed … 6 cannot be judged).",
        )


def event_grade(event: Event, sources: SourceIndex) -> str:
    """Admiralty grade such as ``B2``; ``?`` stands in for a missing half; empty when ungraded."""
    r = event.reliability or sources.reliability(event.source_ids)
    c = event.credibility
    if not r and c is None:
        return ""
    return f"{r or '?'}{c if c is not None else '?'}"


def _grade_detail(event: Event, sources: SourceIndex) -> str:
    c = event.credibility
    return CREDIBILITY_MEANING.get(c, "") if c is not None else ""


# --------------------------------------------------------------------------- section builders
STATUS_WORD = {
    CrossingStatus.OPEN: "OPEN",
    CrossingStatus.CLOSED: "CLOSED",
    CrossingStatus.RESTRICTED: "RESTRICTED",
}


def _status_cell(status: CrossingStatus | None, detail: str = "") -> Cell:
    if status is None:
        return Cell("UNKNOWN", detail=detail or "no report yet", tone="unknown", bold=True)
    return Cell(STATUS_WORD[status], detail=detail, tone=status.value, bold=True)


def _crossing_name_cell(c: Crossing) -> Cell:
    lines = []
    if c.name_local:
        lines.append(_one_line(c.name_local))
    sides = " ↔ ".join(f"{_one_line(s.country)}: {_one_line(s.place)}" for s in c.sides)
    if sides:
        lines.append(sides)
    return Cell(_one_line(c.name), detail="\n".join(lines), bold=True)


def recent_window(entry_time: datetime, as_of: datetime) -> int | None:
    """24 or 72 if a change at ``entry_time`` happened within that many hours before ``as_of``."""
    age = as_of - entry_time
    for hours in RECENT_HOURS:
        if timedelta(0) <= age <= timedelta(hours=hours):
            return hours
    return None


def crossings_table(scenario: Scenario, as_of: datetime, sources: SourceIndex) -> Table:
    tz = scenario.tz
    rows = []
    for c in scenario.crossings:
        entry = c.entry_at(as_of)
        prev = c.previous_entry(entry) if entry else None
        was = f"was {prev.status.value}" if prev and prev.status != entry.status else ""
        status = _status_cell(entry.status if entry else None, was)
        if entry is None:
            since_cell = Cell("–")
            changed = Cell("")
        else:
            recent = recent_window(entry.time.instant, as_of)
            since_cell = Cell(
                short_time(entry.time, tz), detail=f"by {_one_line(entry.by)}" if entry.by else ""
            )
            changed = (
                Cell(f"< {recent} h", tone=f"recent{recent}", bold=True) if recent else Cell("")
            )
        note = _clean(entry.note) if entry else ""
        cites = sources.cite(entry.source_ids) if entry else ""
        controlled = scenario.faction_name(c.controlled_by) if c.controlled_by else "–"
        rows.append(
            [
                _crossing_name_cell(c),
                status,
                since_cell,
                changed,
                Cell(_one_line(controlled), detail=c.kind.value),
                Cell(note, detail=cites) if note else Cell(cites),
            ]
        )
    return Table(
        [
            Column("Crossing", 2.5),
            Column("Status", 1.45),
            Column("In force since", 1.55),
            Column("Recent", 0.9),
            Column("Control", 1.65),
            Column("Note · sources", 1.95),
        ],
        rows,
        empty_text="The scenario lists no crossings.",
        note="Recent: the status in force took effect within the last 24 h (red)"
        " or 72 h (amber) before the as-of time.",
    )


def _event_rows(
    scenario: Scenario, events: Iterable[Event], sources: SourceIndex
) -> list[list[Cell]]:
    tz = scenario.tz
    rows = []
    for e in events:
        where = _one_line(e.location.name) if e.location and e.location.name else ""
        actors = "; ".join(_one_line(scenario.faction_name(a)) for a in e.actors)
        context = " · ".join(x for x in (where, actors) if x)
        summary = _clean(e.summary)
        detail = "\n".join(x for x in (summary, context) if x)
        grade = event_grade(e, sources)
        rows.append(
            [
                Cell(short_time(e.time, tz)),
                Cell(_one_line(e.title), detail=detail, bold=True),
                Cell(_one_line(e.category), detail=e.verification.value),
                Cell(grade or "–", detail=_grade_detail(e, sources), bold=bool(grade)),
                Cell(sources.cite(e.source_ids) or "–"),
            ]
        )
    return rows


def events_table(scenario: Scenario, events: Iterable[Event], sources: SourceIndex) -> Table:
    return Table(
        [
            Column("Time", 1.75),
            Column("Event", 5.0),
            Column("Category", 1.3),
            Column("Grade", 1.3),
            Column("Sources", 0.95),
        ],
        _event_rows(scenario, events, sources),
        empty_text="No events match.",
    )


def changes_table(
    scenario: Scenario, start: datetime | None, end: datetime, sources: SourceIndex
) -> Table:
    """Every crossing status change that took effect in [start, end], in time order."""
    tz = scenario.tz
    found: list[tuple[datetime, int, Crossing, StatusEntry]] = []
    for ci, c in enumerate(scenario.crossings):
        for h in c.timeline():
            t = h.time.instant
            if t <= end and (start is None or h.time.end > start):
                found.append((t, ci, c, h))
    found.sort(key=lambda x: (x[0], x[1]))
    rows = []
    for _t, _ci, c, h in found:
        prev = c.previous_entry(h)
        change = (
            f"{prev.status.value} → {h.status.value}" if prev else f"first report: {h.status.value}"
        )
        recorded = f"recorded {short_time(h.recorded_at, tz)}" if h.recorded_at else ""
        rows.append(
            [
                Cell(short_time(h.time, tz), detail=recorded),
                Cell(
                    _one_line(c.name),
                    detail=_one_line(c.name_local) if c.name_local else "",
                    bold=True,
                ),
                Cell(change, tone=h.status.value, bold=True),
                Cell(_one_line(h.by) if h.by else "–"),
                Cell(_clean(h.note) or "–"),
                Cell(sources.cite(h.source_ids) or "–"),
            ]
        )
    return Table(
        [
            Column("When", 1.75),
            Column("Crossing", 2.4),
            Column("Change", 1.9),
            Column("By", 1.2),
            Column("Note", 2.3),
            Column("Sources", 0.9),
        ],
        rows,
        empty_text="No crossing status changed in this period.",
    )


def _estimate_note(series: TerritorySeries) -> str:
    if series.estimated.any():
        return " Lighter stretches with a dashed top edge are estimates (either end estimated)."
    return ""


def _date_on_or_before(dates: list[date], day: date) -> date | None:
    i = bisect.bisect_right(dates, day)
    return dates[i - 1] if i else None


def shares_table(
    scenario: Scenario, start_day: date | None, end_day: date, sources: SourceIndex
) -> Table | None:
    """Share per faction on the territory dates in force at ``start_day`` and ``end_day``,
    and the change."""
    dates = scenario.territory_dates()
    end_d = _date_on_or_before(dates, end_day)
    if end_d is None:
        return None
    start_d = _date_on_or_before(dates, start_day) if start_day else None
    if start_d is None:
        start_d = dates[0]
    at_end = {t.faction: t for t in scenario.territory if t.date == end_d}
    at_start = {t.faction: t for t in scenario.territory if t.date == start_d}
    known = [f.id for f in scenario.factions]
    ids = known + sorted(set(at_end) - set(known))
    rows = []
    for fid in ids:
        if fid not in at_end and fid not in at_start:
            continue
        f = scenario.faction(fid)
        end_share = at_end[fid].share_pct if fid in at_end else 0.0
        start_share = at_start[fid].share_pct if fid in at_start else 0.0
        delta = end_share - start_share
        est = fid in at_end and at_end[fid].estimated
        rows.append(
            [
                Cell(
                    _one_line(f.name) if f else fid, swatch=f.color if f else "#888888", bold=True
                ),
                Cell(f"{start_share:.1f} %"),
                Cell(f"{end_share:.1f} %", detail="estimated" if est else ""),
                Cell(
                    f"{delta:+.1f} pp" if start_d != end_d else "–",
                    bold=abs(delta) >= 0.05 and start_d != end_d,
                ),
                Cell(sources.cite(at_end[fid].source_ids) if fid in at_end else "", detail=""),
            ]
        )
    return Table(
        [
            Column("Faction", 3.0),
            Column(f"Share {start_d.isoformat()}", 1.6, "right"),
            Column(f"Share {end_d.isoformat()}", 1.6, "right"),
            Column("Change", 1.3, "right"),
            Column("Sources", 1.4),
        ],
        rows,
        empty_text="No shares recorded.",
        note="pp = percentage points. Shares on the latest territory date"
        " at or before each date shown.",
    )


def _judgement_blocks(value: Any) -> list[Block]:
    """Key judgements from ``scenario.extra["key_judgements"]``: a string (blank lines split
    paragraphs, lines starting with '-', '*' or '•' are bullets) or a list of strings."""
    items: list[Block] = []
    if isinstance(value, list | tuple):
        for v in value:
            text = _clean(v)
            if text:
                items.append(Paragraph(text, "bullet"))
        return items
    text = _clean(value)
    for para in text.split("\n\n"):
        lines = [ln.strip() for ln in para.split("\n") if ln.strip()]
        buffer: list[str] = []
        for ln in lines:
            if ln[:1] in "-*•" and len(ln) > 1 and ln[1:2] in " \t":
                if buffer:
                    items.append(Paragraph(" ".join(buffer)))
                    buffer = []
                items.append(Paragraph(ln[2:].strip(), "bullet"))
            else:
                buffer.append(ln)
        if buffer:
            items.append(Paragraph(" ".join(buffer)))
    return items


def key_judgements(scenario: Scenario) -> Any:
    return scenario.extra.get("key_judgements")


# --------------------------------------------------------------------------- documents
def _produced(options: BriefingOptions) -> datetime:
    p = options.produced_at or datetime.now(UTC)
    return p if p.tzinfo else p.replace(tzinfo=UTC)


def _base_document(
    scenario: Scenario, options: BriefingOptions, what: str, as_of_text: str
) -> Document:
    title = _one_line(scenario.info.title) or scenario.info.id
    return Document(
        title=f"{title} — {what}" + (f" as of {as_of_text}" if as_of_text else ""),
        subject=f"{what}: {title}. Handling: {options.marking}.",
        author=_one_line(options.analyst),
        marking=options.marking,
        page_size=options.page_size,
        produced_at=_produced(options),
        header_left=title,
        header_right=what + (f" · as of {as_of_text}" if as_of_text else ""),
        keywords=["situation briefing", scenario.info.id],
    )


def _title_fields(
    scenario: Scenario, options: BriefingOptions, extra: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    tz = scenario.tz
    fields = list(extra)
    fields.append(("Produced", describe_produced(_produced(options), tz)))
    fields.append(("Analyst", _one_line(options.analyst) or "not stated"))
    return fields


def resolve_period(
    scenario: Scenario, options: BriefingOptions
) -> tuple[Moment, datetime, Moment | None, datetime | None]:
    """(as-of moment, as-of instant, since moment, since instant) for a full briefing."""
    tz = scenario.tz
    as_of = to_moment(options.as_of, tz) or Moment.now(tz)
    as_of_at = end_instant(as_of)
    since = to_moment(options.since, tz)
    if since is None:
        dates = scenario.territory_dates()
        if dates:
            since = Moment.of_day(dates[0], tz)
        else:
            span = scenario.time_range()
            since = Moment(span[0].astimezone(tz)) if span else None
    since_at = since.instant if since else None
    if since_at is not None and since_at > as_of_at:
        raise ValueError(f"the period starts ({since.iso()}) after the as-of time ({as_of.iso()})")
    return as_of, as_of_at, since, since_at


def briefing_events(
    scenario: Scenario,
    since_at: datetime | None,
    as_of_at: datetime,
    text: str = "",
    frame: pd.DataFrame | None = None,
) -> list[Event]:
    """Events in [since, as-of] matching ``text``, in chronological order
    (file order breaks ties)."""
    import numpy as np

    from monitor.model.frames import events_frame, filter_events

    if frame is None:
        frame = events_frame(scenario)
    rows = filter_events(frame, text, start=since_at, end=as_of_at)
    order = np.argsort(frame["time_ns"].to_numpy()[rows], kind="stable")
    return [scenario.events[i] for i in rows[order]]


@_in_time_style
def briefing_document(
    scenario: Scenario, options: BriefingOptions | None = None, frame: pd.DataFrame | None = None
) -> Document:
    """The full briefing: title block, key judgements, crossings, territory, events,
    appendix, sources."""
    options = options or BriefingOptions()
    tz = scenario.tz
    as_of, as_of_at, since, since_at = resolve_period(scenario, options)
    as_of_text = describe_as_of(as_of, tz, scenario.info.timezone)
    doc = _base_document(scenario, options, "Situation briefing", as_of_text)
    doc.header_right = f"Situation as of {when(as_of, tz)}"
    sources = SourceIndex(scenario)
    panels = options.panels
    period_text = (
        f"{when(since, tz)} to {when(as_of, tz)}"
        if since
        else f"up to {when(as_of, tz)}"
    )
    fields = [("Situation as of", as_of_text), ("Period", period_text)]
    if options.filter_text.strip() and "feed" in panels:
        fields.append(("Event filter", f"text “{_one_line(options.filter_text)}”"))
    fields = _title_fields(scenario, options, fields)
    blocks: list[Block] = [
        TitleBlock(
            "SITUATION BRIEFING",
            _one_line(scenario.info.title) or scenario.info.id,
            fields,
            _clean(scenario.info.description),
        )
    ]
    judgements = _judgement_blocks(key_judgements(scenario))
    if judgements:
        blocks.append(Heading("Key judgements"))
        blocks += judgements

    if "crossings" in panels:
        blocks.append(Heading("Border crossings"))
        blocks.append(
            Paragraph(f"Status of each crossing as of {when(as_of, tz)}.", "muted")
        )
        blocks.append(crossings_table(scenario, as_of_at, sources))

    if "territory" in panels:
        blocks.append(Heading("Controlled territory"))
        until = as_of_at.astimezone(tz).date()
        series = territory_series(scenario, until=until)
        if not series.empty:
            first = datetime.combine(series.dates[0], datetime.min.time(), tz)
            last = datetime.combine(series.dates[-1], datetime.min.time(), tz)
            lo = max(since_at, first) if since_at is not None and since_at < last else first
            hi = last
            caption = "Share of territory controlled, percent (stacked)." + _estimate_note(series)
            hold: datetime | None = None
            # Carry the latest figures forward to the as-of time when it is near the data
            # (a briefing "as of now" on an old scenario would otherwise be mostly flat).
            if as_of_at > last and as_of_at - last <= max(timedelta(days=14), (last - first) / 4):
                hold = as_of_at
                hi = as_of_at + (as_of_at - lo) * 0.025  # a sliver of blank future shows the marker
                latest = series.dates[-1].isoformat()
                caption += (
                    f" Latest figures ({latest}) carried forward to the as-of time (dashed line)."
                )
            if hi <= lo:  # a single date: show a little width around it
                lo, hi = lo - timedelta(days=1), hi + timedelta(days=1)
            blocks.append(Chart(series, caption, x_range=(lo, hi), marker=hold, hold_to=hold))
            table = shares_table(
                scenario, since_at.astimezone(tz).date() if since_at else None, until, sources
            )
            if table is not None:
                blocks.append(table)
        else:
            blocks.append(Paragraph("No territory figures at or before the as-of date.", "muted"))

    if "feed" in panels:
        events = briefing_events(scenario, since_at, as_of_at, options.filter_text, frame)
        blocks.append(Heading("Events"))
        what = f"{len(events)} event{'s' if len(events) != 1 else ''}"
        if options.filter_text.strip():
            what += f" matching “{_one_line(options.filter_text)}”"
        blocks.append(Paragraph(f"{what}, {period_text}, in chronological order.", "muted"))
        blocks.append(events_table(scenario, events, sources))

    if "crossings" in panels:
        blocks.append(Heading("Appendix A — Crossing status changes"))
        blocks.append(
            Paragraph(f"Every status change recorded for the period {period_text}.", "muted")
        )
        blocks.append(changes_table(scenario, since_at, as_of_at, sources))

    blocks.append(Heading("Sources" if "crossings" not in panels else "Appendix B — Sources"))
    blocks.append(sources.table())
    doc.blocks = blocks
    return doc


@_in_time_style
def feed_document(
    scenario: Scenario, rows: Sequence[int], options: BriefingOptions | None = None
) -> Document:
    """The event feed as shown: ``rows`` are event positions (``scenario.events[i]``)
    in display order."""
    options = options or BriefingOptions()
    sources = SourceIndex(scenario)
    n_all = len(scenario.events)
    events = [scenario.events[int(i)] for i in rows]
    doc = _base_document(scenario, options, "Event feed", "")
    shown = f"{len(events)} of {n_all} event{'s' if n_all != 1 else ''}"
    fields = [("Events shown", shown)]
    if options.filter_description.strip():
        fields.append(("Filter and sort", _one_line(options.filter_description)))
    elif options.filter_text.strip():
        fields.append(("Filter", f"text “{_one_line(options.filter_text)}”"))
    doc.blocks = [
        TitleBlock(
            "EVENT FEED",
            _one_line(scenario.info.title) or scenario.info.id,
            _title_fields(scenario, options, fields),
        ),
        Paragraph("Events in the order shown in the feed panel.", "muted"),
        events_table(scenario, events, sources),
        Heading("Sources"),
        sources.table(),
    ]
    return doc


@_in_time_style
def crossings_document(
    scenario: Scenario, as_of: datetime | Moment, options: BriefingOptions | None = None
) -> Document:
    """The crossing table as of ``as_of`` (the time cursor)."""
    options = options or BriefingOptions()
    tz = scenario.tz
    m = to_moment(as_of, tz)
    at = end_instant(m)
    as_of_text = describe_as_of(m, tz, scenario.info.timezone)
    sources = SourceIndex(scenario)
    doc = _base_document(scenario, options, "Border crossings", as_of_text)
    doc.header_right = f"Border crossings · as of {when(m, tz)}"
    doc.blocks = [
        TitleBlock(
            "BORDER CROSSINGS",
            _one_line(scenario.info.title) or scenario.info.id,
            _title_fields(scenario, options, [("Status as of", as_of_text)]),
        ),
        crossings_table(scenario, at, sources),
        Heading("Sources"),
        sources.table(),
    ]
    return doc


@_in_time_style
def territory_document(
    scenario: Scenario,
    options: BriefingOptions | None = None,
    x_range: tuple[datetime, datetime] | None = None,
) -> Document:
    """The territory chart over ``x_range`` (the panel's visible range; ``None``: all dates),
    with its legend."""
    options = options or BriefingOptions()
    tz = scenario.tz
    sources = SourceIndex(scenario)
    series = territory_series(scenario)
    doc = _base_document(scenario, options, "Controlled territory", "")
    fields: list[tuple[str, str]] = []
    if x_range is not None:
        lo, hi = (x.astimezone(tz) for x in x_range)
        fields.append(
            (
                "Range shown",
                f"{lo:%Y-%m-%d} to {hi:%Y-%m-%d} ({scenario.info.timezone})",
            )
        )
    elif not series.empty:
        fields.append(
            ("Range shown", f"{series.dates[0].isoformat()} to {series.dates[-1].isoformat()}")
        )
    blocks: list[Block] = [
        TitleBlock(
            "CONTROLLED TERRITORY",
            _one_line(scenario.info.title) or scenario.info.id,
            _title_fields(scenario, options, fields),
        )
    ]
    if not series.empty:
        caption = "Share of territory controlled, percent (stacked)." + _estimate_note(series)
        blocks.append(Chart(series, caption, x_range=x_range))
        if x_range is not None:
            start_day, end_day = (x.astimezone(tz).date() for x in x_range)
        else:
            start_day, end_day = series.dates[0], series.dates[-1]
        table = shares_table(scenario, start_day, end_day, sources)
        if table is not None:
            blocks.append(table)
    else:
        blocks.append(Paragraph("The scenario has no territory figures.", "muted"))
    blocks += [Heading("Sources"), sources.table()]
    doc.blocks = blocks
    return doc
