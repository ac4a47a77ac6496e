"""The search's reference: a plain Python scan of the events themselves (no column, no
index), which every way of searching must agree with."""

from __future__ import annotations

from monitor.model import Scenario


def plain_text(event, names: dict[str, str]) -> str:
    """What the feed's search matches in one event, in plain Python: title, summary, the
    actors' ids and display names, and the place, casefolded."""
    shown = "; ".join(names.get(a, a) for a in event.actors)
    place = event.location.name if event.location is not None else ""
    parts = [event.title, event.summary or "", " ".join(event.actors), shown, place or ""]
    return "\n".join(parts).casefold()


def plain_texts(scenario: Scenario) -> list[str]:
    names = {f.id: f.name for f in scenario.factions}
    return [plain_text(e, names) for e in scenario.events]


def plain_rows(texts: list[str], query: str) -> list[int]:
    """Rows whose text holds every word of ``query`` (casefolded)."""
    words = query.casefold().split()
    return [i for i, t in enumerate(texts) if all(w in t for w in words)]
