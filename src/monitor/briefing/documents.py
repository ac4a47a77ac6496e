"""The documents: the full briefing and the single-panel exports, each a :class:`Document`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from monitor.briefing.blocks import (
    Block,
    CancelCheck,
    Chart,
    Document,
    Heading,
    Paragraph,
    TitleBlock,
    check_cancel,
)
from monitor.briefing.frontpage import (
    bottom_line,
    highlight_rows,
    highlights_table,
    since_last_blocks,
    stale_warnings,
)
from monitor.briefing.options import BriefingOptions
from monitor.briefing.sections import (
    SourceIndex,
    changes_table,
    crossings_table,
    estimate_note,
    events_table,
    shares_table,
)
from monitor.briefing.text import clean, one_line
from monitor.briefing.timefmt import (
    describe_as_of,
    describe_produced,
    end_instant,
    in_time_style,
    to_moment,
    when,
)
from monitor.model.briefings import BriefingRecord, last_briefing, record_json, since_last
from monitor.model.entities import Moment, Scenario
from monitor.model.series import territory_series

if TYPE_CHECKING:
    import pandas as pd


def _produced(options: BriefingOptions) -> datetime:
    p = options.produced_at or datetime.now(UTC)
    return p if p.tzinfo else p.replace(tzinfo=UTC)


def _base_document(
    scenario: Scenario, options: BriefingOptions, what: str, as_of_text: str
) -> Document:
    title = one_line(scenario.info.title) or scenario.info.id
    return Document(
        title=f"{title} — {what}" + (f" as of {as_of_text}" if as_of_text else ""),
        subject=f"{what}: {title}. Handling: {options.marking}.",
        author=one_line(options.analyst),
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
    fields.append(("Analyst", one_line(options.analyst) or "not stated"))
    return fields


def resolve_period(
    scenario: Scenario, options: BriefingOptions
) -> tuple[Moment, datetime, Moment | None, datetime | None]:
    """(as-of moment, as-of instant, since moment, since instant) for a full briefing."""
    tz = scenario.tz
    as_of = to_moment(options.as_of, tz) or Moment.now(tz)
    as_of_at = end_instant(as_of)
    since = to_moment(options.since, tz)
    previous = last_briefing(scenario, as_of_at) if since is None else None
    if previous is not None and previous.as_of < as_of_at:  # the period since the last one
        since = Moment(previous.as_of.astimezone(tz))
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


def _frame(scenario: Scenario, frame: pd.DataFrame | None) -> pd.DataFrame:
    from monitor.model.frames import events_frame

    return events_frame(scenario) if frame is None else frame


def briefing_events(
    scenario: Scenario,
    since_at: datetime | None,
    as_of_at: datetime,
    text: str = "",
    frame: pd.DataFrame | None = None,
) -> list[int]:
    """Positions (``scenario.events[i]``) of the events in [since, as-of] matching ``text``,
    in chronological order (file order breaks ties). ``frame``: the scenario's events frame
    if already built."""
    import numpy as np

    from monitor.model.frames import filter_events

    frame = _frame(scenario, frame)
    rows = filter_events(frame, text, start=since_at, end=as_of_at)
    order = np.argsort(frame["time_ns"].to_numpy()[rows], kind="stable")
    return [int(i) for i in rows[order]]


@in_time_style
def briefing_document(
    scenario: Scenario,
    options: BriefingOptions | None = None,
    frame: pd.DataFrame | None = None,
    cancel: CancelCheck | None = None,
) -> Document:
    """The full briefing. Page 1: title block with the information cut-off, staleness
    warnings, the bottom line, what changed since the last briefing, the highlights; then
    crossings, map, territory, the events annex, the appendices and the sources.

    ``cancel``: a stop check (e.g. ``threading.Event.is_set``), asked between sections and
    between chunks of the annex; once it is true the build stops with
    :class:`~monitor.briefing.blocks.ExportCancelled`."""
    options = options or BriefingOptions()
    tz = scenario.tz
    as_of, as_of_at, since, since_at = resolve_period(scenario, options)
    as_of_text = describe_as_of(as_of, tz, scenario.info.timezone)
    doc = _base_document(scenario, options, "Situation briefing", as_of_text)
    doc.header_right = f"Situation as of {when(as_of, tz)}"
    sources = SourceIndex(scenario)
    panels = options.panels
    frame = _frame(scenario, frame)  # built once, for every section that reads events
    period_text = f"{when(since, tz)} to {when(as_of, tz)}" if since else f"up to {when(as_of, tz)}"
    fields = [("Information cut-off", as_of_text), ("Period covered", period_text)]
    next_update = to_moment(options.next_update, tz)
    if next_update is not None:
        fields.append(("Next update", describe_as_of(next_update, tz, scenario.info.timezone)))
    if options.filter_text.strip() and "feed" in panels:
        fields.append(("Event filter", f"text “{one_line(options.filter_text)}”"))
    fields = _title_fields(scenario, options, fields)
    blocks: list[Block] = [
        TitleBlock(
            "SITUATION BRIEFING",
            one_line(scenario.info.title, 160) or scenario.info.id,
            fields,
            clean(scenario.info.description, 700),
        )
    ]
    check_cancel(cancel)
    blocks += stale_warnings(scenario, as_of_at, frame)
    blocks += bottom_line(scenario, sources)
    previous = resolve_previous(scenario, options, as_of_at)
    check_cancel(cancel)
    result = since_last(scenario, previous, as_of_at, frame) if previous is not None else None
    blocks += since_last_blocks(result, scenario, options, sources)
    check_cancel(cancel)
    events = (
        briefing_events(scenario, since_at, as_of_at, options.filter_text, frame)
        if "feed" in panels
        else []
    )
    check_cancel(cancel)
    if "feed" in panels:
        top = highlight_rows(scenario, events, frame)
        blocks.append(Heading("Highlights"))
        blocks.append(
            Paragraph(
                f"The {len(top)} most significant of the period's {len(events):,} events"
                " (confirmed first, then by category), newest first.",
                "muted",
            )
        )
        blocks.append(highlights_table(scenario, top, sources, tz))

    check_cancel(cancel)
    if "crossings" in panels:
        blocks.append(Heading("Border crossings"))
        blocks.append(Paragraph(f"Status of each crossing as of {when(as_of, tz)}.", "muted"))
        blocks.append(crossings_table(scenario, as_of_at, sources))

    check_cancel(cancel)
    if "map" in panels:
        blocks += map_section(scenario, options, as_of, as_of_at, since_at, period_text, frame)

    check_cancel(cancel)
    if "territory" in panels:
        blocks += territory_section(scenario, as_of_at, since_at, sources)
    check_cancel(cancel)

    if "feed" in panels and options.annex:
        blocks.append(Heading("Annex — Events of the period"))
        what = f"{len(events):,} event{'s' if len(events) != 1 else ''}"
        if options.filter_text.strip():
            what += f" matching “{one_line(options.filter_text)}”"
        zone = f"times in {scenario.info.timezone}" if not options.military_time else "times in Z"
        blocks.append(
            Paragraph(f"{what}, {period_text}, oldest first, one line each; {zone}.", "muted")
        )
        blocks.append(events_table(scenario, events, frame, sources, compact=True, cancel=cancel))

    check_cancel(cancel)
    if "crossings" in panels:
        blocks.append(Heading("Appendix A — Crossing status changes"))
        blocks.append(
            Paragraph(f"Every status change recorded for the period {period_text}.", "muted")
        )
        blocks.append(changes_table(scenario, since_at, as_of_at, sources))

    check_cancel(cancel)
    blocks.append(Heading("Sources" if "crossings" not in panels else "Appendix B — Sources"))
    blocks.append(sources.table())
    doc.blocks = blocks
    doc.facts = {"as_of": as_of_at, "since": since_at, "since_last": result, "events": len(events)}
    return doc


def record_of(
    doc: Document, scenario: Scenario, options: BriefingOptions, frame: pd.DataFrame | None = None
) -> dict:
    """The record of the briefing ``doc`` (made by :func:`briefing_document` with
    ``options``) for the scenario's ``briefings``: its as-of time, when and by whom it was
    produced, the trend markers it printed (the analyst's, else the app's)."""
    result = doc.facts.get("since_last")
    overall = options.overall or (result.overall if result else None)
    trends = {}
    if result is not None:
        trends = {
            t.crossing_id: options.trends.get(t.crossing_id, t.suggested) for t in result.crossings
        }
    return record_json(
        scenario,
        doc.facts["as_of"],
        doc.produced_at,
        by=options.analyst,
        since=doc.facts.get("since"),
        overall=overall,
        crossings=trends,
        frame=frame,
    )


def resolve_previous(
    scenario: Scenario, options: BriefingOptions, as_of_at: datetime
) -> BriefingRecord | None:
    """The briefing to compare with: ``options.previous``; else the ``since`` time given
    (``monitor brief --since T``); else the last briefing recorded in the scenario."""
    if options.previous is not None:
        return options.previous
    since = to_moment(options.since, scenario.tz)
    if since is not None:
        return BriefingRecord(as_of=since.instant, produced=since.instant)
    return last_briefing(scenario, as_of_at)


def territory_section(
    scenario: Scenario, as_of_at: datetime, since_at: datetime | None, sources: SourceIndex
) -> list[Block]:
    """The territory chart up to the as-of day and the shares table."""
    tz = scenario.tz
    blocks: list[Block] = [Heading("Controlled territory")]
    until = as_of_at.astimezone(tz).date()
    series = territory_series(scenario, until=until)
    if series.empty:
        blocks.append(Paragraph("No territory figures at or before the as-of date.", "muted"))
        return blocks
    first = datetime.combine(series.dates[0], datetime.min.time(), tz)
    last = datetime.combine(series.dates[-1], datetime.min.time(), tz)
    lo = max(since_at, first) if since_at is not None and since_at < last else first
    hi = last
    caption = "Share of territory controlled, percent (stacked)." + estimate_note(series)
    hold: datetime | None = None
    # Carry the latest figures forward to the as-of time when it is near the data
    # (a briefing "as of now" on an old scenario would otherwise be mostly flat).
    if as_of_at > last and as_of_at - last <= max(timedelta(days=14), (last - first) / 4):
        hold = as_of_at
        hi = as_of_at + (as_of_at - lo) * 0.025  # a sliver of blank future shows the marker
        latest = series.dates[-1].isoformat()
        caption += f" Latest figures ({latest}) carried forward to the as-of time (dashed line)."
    if hi <= lo:  # a single date: show a little width around it
        lo, hi = lo - timedelta(days=1), hi + timedelta(days=1)
    blocks.append(Chart(series, caption, x_range=(lo, hi), marker=hold, hold_to=hold))
    table = shares_table(
        scenario, since_at.astimezone(tz).date() if since_at else None, until, sources
    )
    if table is not None:
        blocks.append(table)
    return blocks


def map_section(
    scenario: Scenario,
    options: BriefingOptions,
    as_of: Moment,
    as_of_at: datetime,
    since_at: datetime | None,
    period_text: str,
    frame: pd.DataFrame | None,
) -> list[Block]:
    """The situation map (a page of its own, titled "Situation map"): the crossings as of
    the as-of time, the located events of the period (the same events as the Events
    section: period and text filter)."""
    from monitor.briefing.mapdata import map_figure

    tz = scenario.tz
    frame = _frame(scenario, frame)
    rows = briefing_events(scenario, since_at, as_of_at, options.filter_text, frame)
    fig = map_figure(scenario, as_of_at, frame, rows)
    n = fig.points.n_events
    caption = (
        f"Crossing status as of {when(as_of, tz)}. "
        f"{n:,} event{'s' if n != 1 else ''} with a location, {period_text}"
    )
    if options.filter_text.strip():
        caption += f", matching “{one_line(options.filter_text)}”"
    caption += (
        f", at {len(fig.points):,} place{'s' if len(fig.points) != 1 else ''}"
        " (the colour is the verification of the latest event at a place)."
    )
    if fig.unlocated:
        caption += (
            f" {fig.unlocated:,} event{'s' if fig.unlocated != 1 else ''} of the period"
            f" {'have' if fig.unlocated != 1 else 'has'} no location and"
            f" {'are' if fig.unlocated != 1 else 'is'} not shown."
        )
    caption += " Base map: Natural Earth (public domain)."
    fig.caption = caption
    return [fig]


@in_time_style
def feed_document(
    scenario: Scenario,
    rows: Sequence[int],
    options: BriefingOptions | None = None,
    frame: pd.DataFrame | None = None,
) -> Document:
    """The event feed as shown: ``rows`` are event positions (``scenario.events[i]``)
    in display order; ``frame`` the scenario's events frame if already built."""
    options = options or BriefingOptions()
    sources = SourceIndex(scenario)
    n_all = len(scenario.events)
    events = [int(i) for i in rows]
    doc = _base_document(scenario, options, "Event feed", "")
    shown = f"{len(events)} of {n_all} event{'s' if n_all != 1 else ''}"
    fields = [("Events shown", shown)]
    if options.filter_description.strip():
        fields.append(("Filter and sort", one_line(options.filter_description)))
    elif options.filter_text.strip():
        fields.append(("Filter", f"text “{one_line(options.filter_text)}”"))
    doc.blocks = [
        TitleBlock(
            "EVENT FEED",
            one_line(scenario.info.title) or scenario.info.id,
            _title_fields(scenario, options, fields),
        ),
        Paragraph("Events in the order shown in the feed panel.", "muted"),
        events_table(scenario, events, _frame(scenario, frame), sources),
        Heading("Sources"),
        sources.table(),
    ]
    return doc


@in_time_style
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
            one_line(scenario.info.title) or scenario.info.id,
            _title_fields(scenario, options, [("Status as of", as_of_text)]),
        ),
        crossings_table(scenario, at, sources),
        Heading("Sources"),
        sources.table(),
    ]
    return doc


@in_time_style
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
            one_line(scenario.info.title) or scenario.info.id,
            _title_fields(scenario, options, fields),
        )
    ]
    if not series.empty:
        caption = "Share of territory controlled, percent (stacked)." + estimate_note(series)
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
