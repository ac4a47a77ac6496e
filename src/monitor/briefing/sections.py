"""The sections of a briefing, each built as a block (tables, judgements) from a scenario."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitor.briefing.blocks import Block, CancelCheck, Cell, Column, Paragraph, Table, check_cancel
from monitor.briefing.text import clean, inline, one_line, url_text
from monitor.briefing.timefmt import compact_time, short_time
from monitor.model.entities import (
    CREDIBILITY_MEANING,
    RELIABILITY_MEANING,
    Crossing,
    CrossingStatus,
    Scenario,
    StatusEntry,
    Verification,
)
from monitor.model.series import TerritorySeries, territory_series

if TYPE_CHECKING:
    import pandas as pd

RECENT_HOURS = (24, 72)


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

    def table(self) -> Table:
        rows = []
        for sid, n in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            s = self._by_id.get(sid)
            if s is None:  # a dangling reference (the validator normally rejects these)
                rows.append([Cell(f"[{n}]", bold=True), Cell(f"Unknown source {sid!r}"), Cell("–")])
                continue
            # Publisher isolated, URL with its bidi controls visible: a U+202E in either
            # cannot reverse or disguise what follows it.
            detail = " · ".join(
                x for x in (inline(s.publisher), one_line(s.published), url_text(s.url)) if x
            )
            grade = s.reliability or "–"
            meaning = RELIABILITY_MEANING.get(s.reliability or "", "not graded")
            rows.append(
                [
                    Cell(f"[{n}]", bold=True),
                    Cell(inline(s.title), detail=detail, bold=True),
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
        lines.append(one_line(c.name_local))
    sides = " ↔ ".join(f"{inline(s.country)}: {inline(s.place)}" for s in c.sides)
    if sides:
        lines.append(sides)
    return Cell(one_line(c.name), detail="\n".join(lines), bold=True)


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
                short_time(entry.time, tz), detail=f"by {inline(entry.by)}" if entry.by else ""
            )
            changed = (
                Cell(f"< {recent} h", tone=f"recent{recent}", bold=True) if recent else Cell("")
            )
        note = clean(entry.note, 2000) if entry else ""
        cites = sources.cite(entry.source_ids) if entry else ""
        controlled = scenario.faction_name(c.controlled_by) if c.controlled_by else "–"
        rows.append(
            [
                _crossing_name_cell(c),
                status,
                since_cell,
                changed,
                Cell(one_line(controlled), detail=c.kind.value),
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


def grade_wording(verification: Verification, credibility: int | None) -> str:
    """The credibility of an event in words that never contradict its verification: a
    confirmed event graded "probably true" when it was reported says so, and a reported
    event whose source grade says "confirmed by other sources" says it is not verified."""
    meaning = CREDIBILITY_MEANING.get(credibility, "") if credibility is not None else ""
    if not meaning:
        return ""
    if verification == Verification.CONFIRMED and credibility != 1:
        return f"{meaning} when reported; since confirmed"
    if verification != Verification.CONFIRMED and credibility == 1:
        state = "not yet verified" if verification == Verification.REPORTED else verification.value
        return f"graded {meaning}, but {state}"
    return meaning


def events_table(
    scenario: Scenario,
    rows: Sequence[int],
    frame: pd.DataFrame,
    sources: SourceIndex,
    *,
    compact: bool = False,
    cancel: CancelCheck | None = None,
) -> Table:
    """The events ``scenario.events[i]`` for each position ``i`` in ``rows``, in that order.

    ``frame`` is the scenario's events frame (:func:`monitor.model.frames.events_frame`): the
    Admiralty grade and the actors' names printed are the model's ``grade`` and ``actors``
    columns, the ones the feed shows (derived once, in the model). ``compact``: one line per
    event where it fits (time without the offset, title and place; no summary, no actors).
    ``cancel``: a stop check, asked between chunks of rows (:class:`ExportCancelled`).
    """
    if compact:
        return _compact_events_table(scenario, rows, frame, sources, cancel)
    tz = scenario.tz
    positions = [int(i) for i in rows]
    picked = frame[["grade", "actors"]].take(positions) if positions else None
    grades = picked["grade"].tolist() if picked is not None else []
    names = picked["actors"].tolist() if picked is not None else []
    cells = []
    for i, grade, actor_names in zip(positions, grades, names, strict=True):
        e = scenario.events[i]
        where = inline(e.location.name) if e.location and e.location.name else ""
        actors = inline(actor_names)
        context = " · ".join(x for x in (where, actors) if x)
        summary = clean(e.summary)
        detail = "\n".join(x for x in (summary, context) if x)
        meaning = grade_wording(e.verification, e.credibility)
        cells.append(
            [
                Cell(short_time(e.time, tz)),
                Cell(one_line(e.title), detail=detail, bold=True),
                Cell(one_line(e.category), detail=e.verification.value),
                Cell(grade or "–", detail=meaning, bold=bool(grade)),
                Cell(sources.cite(e.source_ids) or "–"),
            ]
        )
    return Table(
        [
            Column("Time", 1.75),
            Column("Event", 5.0),
            Column("Category", 1.3),
            Column("Grade", 1.3),
            Column("Sources", 0.95),
        ],
        cells,
        empty_text="No events match.",
    )


CHUNK_ROWS = 250  # rows of the annex built between two looks at the stop check


def _compact_events_table(
    scenario: Scenario,
    rows: Sequence[int],
    frame: pd.DataFrame,
    sources: SourceIndex,
    cancel: CancelCheck | None = None,
) -> Table:
    positions = [int(i) for i in rows]
    cells: list[list[Cell]] = []
    cited: dict[tuple[str, ...], str] = {}
    # Read from the events frame, column by column (the annex of a big scenario has tens of
    # thousands of rows), a chunk at a time so that Cancel is noticed quickly.
    for start in range(0, len(positions), CHUNK_ROWS):
        check_cancel(cancel)
        cells += _compact_rows(
            scenario, positions[start : start + CHUNK_ROWS], frame, sources, cited
        )
    return Table(
        [
            Column("Time", 1.75),  # "2024-11-27 12:50" on one line
            Column("Event — place", 4.8),
            Column("Category · verification", 2.1),
            Column("Grade", 0.72),
            Column("Sources", 1.1),
        ],
        cells,
        empty_text="No events match.",
        note="Grade: the source's reliability (A–F) and the credibility of the report when it"
        " came in (1 confirmed by other sources … 6 cannot be judged). The verification is the"
        " event's state now: a confirmed event keeps the credibility it was reported with.",
    )


def _compact_rows(
    scenario: Scenario,
    positions: list[int],
    frame: pd.DataFrame,
    sources: SourceIndex,
    cited: dict[tuple[str, ...], str],
) -> list[list[Cell]]:
    """The annex rows of ``positions`` (times formatted at once)."""
    tz = scenario.tz
    sub = frame.take(positions)
    times = _compact_times(sub, tz) or [
        compact_time(scenario.events[i].time, tz) for i in positions
    ]
    ids = _source_ids(scenario, sub, positions)
    columns = zip(
        times,
        sub["title"].tolist(),
        sub["location"].tolist(),
        sub["category"].astype(str).tolist(),
        sub["verification"].astype(str).tolist(),
        sub["grade"].tolist(),
        ids,
        strict=True,
    )
    cells = []
    for when_, title, place, category, verification, grade, source_ids in columns:
        text = inline(title, 160)
        if isinstance(place, str) and place:
            text += f" — {inline(place, 60)}"
        cite = cited.get(source_ids)
        if cite is None:
            cite = cited[source_ids] = sources.cite(source_ids) or "–"
        cells.append(
            [
                Cell(when_),
                Cell(text),
                Cell(f"{inline(category, 24)} · {verification}"),
                Cell(grade if isinstance(grade, str) and grade else "–"),
                Cell(cite),
            ]
        )
    return cells


def _compact_times(sub: pd.DataFrame, tz) -> list[str] | None:
    """:func:`compact_time` of each row, vectorised (``None`` for DTGs: written one by one)."""
    import pandas as pd

    from monitor.briefing.timefmt import military_on

    if military_on():
        return None
    local = pd.to_datetime(sub["time_ns"].to_numpy(), utc=True).tz_convert(tz)
    days = local.strftime("%Y-%m-%d")
    full = local.strftime("%Y-%m-%d %H:%M")
    flags = sub["day"].to_numpy()
    return [d if f else t for d, t, f in zip(days, full, flags, strict=True)]


def _source_ids(scenario: Scenario, sub: pd.DataFrame, positions: list[int]) -> list[tuple]:
    """Each row's source ids: from the frame's space-joined column, unless an id holds
    whitespace (then from the events themselves)."""
    if any(len(s.id.split()) != 1 for s in scenario.sources):
        return [tuple(scenario.events[i].source_ids) for i in positions]
    return [tuple(str(v).split()) if isinstance(v, str) else () for v in sub["source_ids"].tolist()]


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
                    one_line(c.name),
                    detail=one_line(c.name_local) if c.name_local else "",
                    bold=True,
                ),
                Cell(change, tone=h.status.value, bold=True),
                Cell(one_line(h.by) if h.by else "–"),
                Cell(clean(h.note, 2000) or "–"),
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


def estimate_note(series: TerritorySeries) -> str:
    if series.estimated.any():
        return " Lighter stretches with a dashed top edge are estimates (either end estimated)."
    return ""


def shares_table(
    scenario: Scenario, start_day: date | None, end_day: date, sources: SourceIndex
) -> Table | None:
    """Share per faction on the territory dates in force at ``start_day`` and ``end_day``,
    and the change (the figures are the model's territory series)."""
    series = territory_series(scenario)
    end_i = series.index_on_or_before(end_day)
    if end_i is None:
        return None
    start_i = series.index_on_or_before(start_day) if start_day else None
    if start_i is None:
        start_i = 0
    start_d, end_d = series.dates[start_i], series.dates[end_i]
    at_end = {t.faction: t for t in scenario.territory if t.date == end_d}
    at_start = {t.faction for t in scenario.territory if t.date == start_d}
    rows = []
    for j, f in enumerate(series.factions):
        if f.id not in at_end and f.id not in at_start:
            continue
        start_share = float(series.shares[start_i, j])
        end_share = float(series.shares[end_i, j])
        delta = end_share - start_share
        est = bool(series.estimated[end_i, j])
        rows.append(
            [
                Cell(one_line(f.name), swatch=f.color, bold=True),
                Cell(f"{start_share:.1f} %"),
                Cell(f"{end_share:.1f} %", detail="estimated" if est else ""),
                Cell(
                    f"{delta:+.1f} pp" if start_d != end_d else "–",
                    bold=abs(delta) >= 0.05 and start_d != end_d,
                ),
                Cell(sources.cite(at_end[f.id].source_ids) if f.id in at_end else "", detail=""),
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


def judgement_blocks(value: Any) -> list[Block]:
    """Key judgements from ``scenario.extra["key_judgements"]``: a string (blank lines split
    paragraphs, lines starting with '-', '*' or '•' are bullets) or a list of strings."""
    items: list[Block] = []
    if isinstance(value, list | tuple):
        for v in value:
            text = clean(v)
            if text:
                items.append(Paragraph(text, "bullet"))
        return items
    text = clean(value)
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
