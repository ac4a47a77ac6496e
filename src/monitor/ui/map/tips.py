"""The map's hover texts (plain text; names bidi-isolated): a crossing's status as of the
cursor, an event or a cluster of co-located events."""

from __future__ import annotations

from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.status import isolate, isolate_rtl, status_word
from monitor.ui.map.items import one_line
from monitor.ui.map.layer import Points


def crossing_text(ctx: ScenarioContext, cid: str, events_here: int) -> str:
    """The crossing's names, status since when, note; ``events_here``: the events under
    its symbol (a hint to click again for them)."""
    crossing = ctx.scenario.crossing(cid)
    if crossing is None:
        return ""
    entry = crossing.entry_at(ctx.cursor_time())
    lines = [isolate_rtl(crossing.name)]
    if crossing.name_local:
        lines[0] += " \u00b7 " + isolate(crossing.name_local)
    status = status_word(entry.status if entry else None)
    if entry is not None:
        lines.append(f"Status: {status} since {ctx.format_moment(entry.time)}")
        if entry.note:
            lines.append(f"Note: {isolate_rtl(entry.note)}")
    else:
        lines.append(f"Status: {status}")
    if events_here > 0:
        what = "the event" if events_here == 1 else f"the {events_here:,} events"
        lines.append(f"(click the selected crossing for {what} here)")
    return "\n".join(lines)


def cluster_text(ctx: ScenarioContext, points: Points, k: int) -> str:
    """Cluster ``k``: its one event (title, time, verification, category, place), or how
    many events and the newest few titles."""
    members = points.events_of(k)
    events = ctx.scenario.events
    if len(members) == 1:
        e = events[int(members[0])]
        lines = [
            isolate_rtl(e.title),
            f"{ctx.format_moment(e.time)} \u00b7 {e.verification.value}"
            f" \u00b7 {isolate_rtl(e.category)}",
        ]
        if e.location is not None and e.location.name:
            lines.append(isolate_rtl(e.location.name))
        if bool(points.future[k]):
            lines.append("(after the time cursor)")
        return "\n".join(lines)
    lines = [f"{len(members):,} events at this place (click to choose one)"]
    for pos in members[::-1][:5].tolist():
        lines.append("\u2022 " + isolate_rtl(one_line(events[pos].title, 80)))
    if len(members) > 5:
        lines.append("\u2026")
    return "\n".join(lines)


__all__ = ["cluster_text", "crossing_text"]
