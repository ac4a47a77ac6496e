"""Page 1 of a briefing: the bottom line, the staleness warnings, what changed since the last
briefing and the highlights of the period (blocks; pure Python, no Qt)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from monitor.briefing.blocks import Block, Cell, Column, Heading, Paragraph, Table
from monitor.briefing.options import BriefingOptions
from monitor.briefing.sections import SourceIndex, grade_wording, judgement_blocks
from monitor.briefing.text import clean, inline, one_line, snippet
from monitor.briefing.timefmt import compact_time, describe_age, short_time, to_moment, when
from monitor.model.briefings import (
    SinceLast,
    read_key_judgements,
    staleness,
)
from monitor.model.entities import Moment, Scenario
from monitor.model.schema import LIKELIHOOD_RANGES, LIKELIHOODS

if TYPE_CHECKING:
    import pandas as pd

HIGHLIGHTS = 8
#: How much a category weighs when picking highlights (others weigh 1).
CATEGORY_WEIGHT = {
    "border": 6,
    "military": 5,
    "strike": 4,
    "humanitarian": 3,
    "political": 2,
    "diplomatic": 2,
}
VERIFICATION_RANK = {"confirmed": 2, "reported": 1, "disputed": 0}
TREND_WORD = {"deteriorated": "DETERIORATED", "improved": "IMPROVED", "unchanged": "UNCHANGED"}
TREND_TONE = {"deteriorated": "closed", "improved": "open", "unchanged": "unknown"}

SCALE_NOTE = (
    "Likelihood (ICD 203 scale): "
    + "; ".join(f"{w} {LIKELIHOOD_RANGES[w]}" for w in LIKELIHOODS)
    + ". Confidence (low / moderate / high) rates the sources and the reasoning behind a"
    " judgement, not its likelihood. Numbers in brackets are the sources (endnotes, last page)."
)


# --------------------------------------------------------------------------- bottom line
def bottom_line(scenario: Scenario, sources: SourceIndex) -> list[Block]:
    """The "Bottom line" section: the BLUF in bold and the key judgements, each with its
    likelihood, confidence and sources; says so plainly when there are none."""
    kj = read_key_judgements(scenario.extra.get("key_judgements"))
    blocks: list[Block] = [Heading("Bottom line")]
    if kj.empty:
        blocks.append(
            Paragraph(
                "No bottom line and no key judgements have been recorded for this briefing."
                " What follows is the recorded data only, without an assessment.",
                "warning",
            )
        )
        return blocks
    if kj.bluf.strip():
        blocks.append(Paragraph(clean(kj.bluf, 1500), "bluf"))
    if kj.legacy is not None:
        legacy = judgement_blocks(list(kj.legacy) if isinstance(kj.legacy, tuple) else kj.legacy)
        blocks += legacy
        blocks.append(
            Paragraph(
                "These judgements were written as plain text: no likelihood, confidence or"
                " sources are stated for them.",
                "small",
            )
        )
        return blocks
    if not kj.bluf.strip():
        blocks.append(Paragraph("No bottom-line sentence has been written.", "muted"))
    for j in kj.judgements:
        lead = f"{j.likelihood.capitalize()} · {j.confidence} confidence: "
        cites = sources.cite(j.source_ids) if j.source_ids else "(no source cited)"
        blocks.append(Paragraph(f"{lead}{clean(j.text, 1500)} {cites}", "bullet", lead=len(lead)))
    if kj.judgements:
        blocks.append(Paragraph(SCALE_NOTE, "small"))
    else:
        blocks.append(Paragraph("No key judgements have been recorded.", "muted"))
    return blocks


# --------------------------------------------------------------------------- staleness
def stale_warnings(
    scenario: Scenario, as_of_at: datetime, frame: pd.DataFrame | None
) -> list[Block]:
    """A warning per kind of figure (territory, events) much older than the cut-off."""
    tz = scenario.tz
    out: list[Block] = []
    for s in staleness(scenario, as_of_at, frame):
        if s.newest is None or s.age is None:
            text = f"Warning: there is no {s.what} at or before the information cut-off."
        else:
            m = Moment.of_day(s.day, tz) if s.day else Moment(s.newest.astimezone(tz))
            newest = when(m, tz)
            text = (
                f"Warning: the newest {s.what} ({newest}) is {describe_age(s.age)} older than"
                " the information cut-off; the picture may be out of date."
            )
        out.append(Paragraph(text, "warning"))
    return out


# --------------------------------------------------------------------------- since the last one
def _trend_cell(suggested: str, chosen: str | None) -> Cell:
    final = chosen or suggested
    if chosen and chosen != suggested:
        detail = f"set by the analyst (suggested: {suggested})"
    else:
        detail = "set by the analyst" if chosen else "suggested by the app"
    return Cell(TREND_WORD[final], detail=detail, tone=TREND_TONE[final], bold=True)


def since_last_blocks(
    result: SinceLast | None, scenario: Scenario, options: BriefingOptions, sources: SourceIndex
) -> list[Block]:
    """The "Since the last briefing" section."""
    tz = scenario.tz
    blocks: list[Block] = [Heading("Since the last briefing")]
    if result is None:
        blocks.append(
            Paragraph(
                "No earlier briefing is recorded for this scenario: there is nothing to"
                " compare with yet. (Each exported briefing is recorded; the next one shows"
                " what changed.)",
                "muted",
            )
        )
        return blocks
    prev = result.previous
    then = when(Moment(prev.as_of.astimezone(tz)), tz)
    given = to_moment(options.since, tz)
    if prev.produced == prev.as_of and prev.events is None and given is not None:
        intro = f"Changes since {when(given, tz)} (the time given with --since)."
    else:
        made = when(Moment(prev.produced.astimezone(tz)), tz)
        by = f" by {inline(prev.by)}" if prev.by else ""
        intro = f"Compared with the briefing as of {then}, produced {made}{by}."
    overall = options.overall or result.overall
    how = (
        "set by the analyst"
        + (f"; the app suggested {result.overall}" if overall != result.overall else "")
        if options.overall
        else "suggested by the app from the crossings' status changes"
    )
    text = f"Overall: {TREND_WORD[overall]} ({how}). {intro}"
    blocks.append(Paragraph(text, "body", lead=len(f"Overall: {TREND_WORD[overall]}")))

    # Crossings: every status change, then the marker per crossing that moved.
    if result.status_changes:
        rows = []
        for ch in result.status_changes:
            before = ch.before.value if ch.before else "no report"
            recorded = f"recorded {compact_time(ch.recorded, tz)}" if ch.recorded else ""
            if ch.late:
                recorded = f"late report: {recorded}, after the last briefing"
            rows.append(
                [
                    Cell(short_time(ch.effective, tz), detail=recorded.strip()),
                    Cell(inline(ch.crossing), bold=True, detail=clean(ch.note, 300)),
                    Cell(f"{before} → {ch.after.value}", tone=ch.after.value, bold=True),
                    Cell(one_line(ch.by) or "–"),
                    Cell(sources.cite(ch.source_ids) or "–"),
                ]
            )
        blocks.append(
            Table(
                [
                    Column("When", 1.7),
                    Column("Crossing · note", 3.0),
                    Column("Change", 1.9),
                    Column("By", 1.3),
                    Column("Sources", 1.0),
                ],
                rows,
            )
        )
    else:
        blocks.append(Paragraph("Crossings: no status change since the last briefing.", "body"))
    moved = [
        t for t in result.crossings if t.suggested != "unchanged" or t.crossing_id in options.trends
    ]
    if moved:
        rows = []
        for t in moved:
            rows.append(
                [
                    Cell(inline(t.crossing), bold=True),
                    Cell(t.before.value if t.before else "no report"),
                    Cell(t.after.value if t.after else "no report"),
                    _trend_cell(t.suggested, options.trends.get(t.crossing_id)),
                ]
            )
        blocks.append(
            Table(
                [
                    Column("Crossing", 3.2),
                    Column("Then", 1.3),
                    Column("Now", 1.3),
                    Column("Trend", 2.4),
                ],
                rows,
                note="Other crossings: unchanged.",
            )
        )

    # Events by category.
    new = [c for c in result.categories if c.new or c.late]
    if new:
        parts = []
        for c in new:
            late = f" + {c.late} late" if c.late else ""
            parts.append(f"{inline(c.category, 40)} {c.new}{late}")
        total = sum(c.new + c.late for c in new)
        text = f"New events: {total} ({', '.join(parts)})."
    else:
        text = "New events: none."
    gone = [c for c in result.categories if c.withdrawn]
    if gone:
        text += (
            " Withdrawn: "
            + ", ".join(f"{inline(c.category, 40)} {c.withdrawn}" for c in gone)
            + " (removed, or moved out of the time before the last briefing)."
        )
    elif result.counts_known:
        text += " Withdrawn: none."
    else:
        text += " Withdrawn: not known (no record of the counts at that time)."
    blocks.append(Paragraph(text, "body", lead=len("New events:")))

    # Territory in percentage points.
    if result.shares_dates is None:
        blocks.append(Paragraph("Territory: no figures.", "body", lead=len("Territory:")))
    elif result.shares_dates[0] == result.shares_dates[1]:
        blocks.append(
            Paragraph(
                f"Territory: no new figures (latest {result.shares_dates[1].isoformat()}).",
                "body",
                lead=len("Territory:"),
            )
        )
    else:
        a, b = result.shares_dates
        parts = [
            f"{inline(s.faction, 60)} {s.delta:+.1f} pp ({s.after:.1f} %"
            + (", est." if s.estimated else "")
            + ")"
            for s in sorted(result.shares, key=lambda s: -abs(s.delta))
            if abs(s.delta) >= 0.05
        ]
        text = (
            f"Territory ({a.isoformat()} → {b.isoformat()}): "
            + ("; ".join(parts) if parts else "no change")
            + "."
        )
        blocks.append(Paragraph(text, "body", lead=len("Territory")))
    return blocks


# --------------------------------------------------------------------------- highlights
def highlight_rows(
    scenario: Scenario, rows: Sequence[int], frame: pd.DataFrame, n: int = HIGHLIGHTS
) -> list[int]:
    """The ``n`` most significant events among ``rows`` (confirmed first, then by category
    weight, then the newest), newest first."""
    import numpy as np

    if not len(rows):
        return []
    idx = np.asarray(rows, dtype=np.int64)
    verification = frame["verification"].take(idx).astype(str).map(VERIFICATION_RANK)
    weight = frame["category"].take(idx).astype(str).map(CATEGORY_WEIGHT)
    rank_v = verification.fillna(0).to_numpy(dtype=np.int64)
    rank_w = weight.fillna(1).to_numpy(dtype=np.int64)
    times = frame["time_ns"].to_numpy()[idx]
    order = np.lexsort((-times, -rank_w, -rank_v))[:n]
    picked = idx[order]
    newest_first = np.argsort(-frame["time_ns"].to_numpy()[picked], kind="stable")
    return [int(i) for i in picked[newest_first]]


def highlights_table(
    scenario: Scenario, rows: Sequence[int], sources: SourceIndex, tz: tzinfo
) -> Table:
    out = []
    for i in rows:
        e = scenario.events[i]
        where = one_line(e.location.name, 80) if e.location and e.location.name else ""
        summary = snippet(e.summary, 240)
        detail = "\n".join(x for x in (summary, where) if x)
        wording = grade_wording(e.verification, e.credibility)
        out.append(
            [
                Cell(short_time(e.time, tz)),
                Cell(one_line(e.title, 200), detail=detail, bold=True),
                Cell(one_line(e.category, 30), detail=f"{e.verification.value}\n{wording}".strip()),
                Cell(sources.cite(e.source_ids) or "–"),
            ]
        )
    return Table(
        [
            Column("Time", 1.55),
            Column("Event", 5.6),
            Column("Category · verification", 1.9),
            Column("Sources", 0.95),
        ],
        out,
        empty_text="No events in the period.",
    )
