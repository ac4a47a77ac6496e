"""Edits to a scenario as plain, invertible, JSON-serialisable values.

Every mutation of a loaded scenario is a :class:`Change`. Applying a change and
then its :meth:`~Change.inverse` restores the exact previous state, which is
what undo does; the journal stores changes so a crashed session can be
replayed. Pure Python, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Any

from monitor.model.entities import CrossingStatus, Moment, Scenario, StatusEntry
from monitor.model.io import status_entry_json
from monitor.model.text import isolate_if_needed
from monitor.model.timeutil import MAX_YEAR, MIN_YEAR, parse_moment

HISTORY = "history"
EXTRA = "extra"

STATUS_CYCLE = (CrossingStatus.OPEN, CrossingStatus.CLOSED)


class ChangeError(ValueError):
    """A change does not fit the scenario (unknown crossing, entry not found)."""


@dataclass(frozen=True, slots=True)
class Change:
    """Replace ``before`` by ``after`` in one place of the scenario.

    kind ``"history"``: in crossing ``target``'s history (``before=None`` adds
    an entry, ``after=None`` deletes one). kind ``"extra"``: the scenario-level
    field ``target`` (e.g. ``key_judgements``); ``None`` means absent.
    ``position``: where in the history list the entry is (or, for a deletion, was),
    so that an edit or its undo changes that entry even if another one is equal, and
    undoing a deletion puts the entry back in its place (file order breaks ties
    between entries with the same time); an add without it appends.
    """

    kind: str
    target: str
    before: Any
    after: Any
    label: str = ""
    position: int | None = None

    def inverse(self) -> Change:
        return Change(self.kind, self.target, self.after, self.before, self.label, self.position)

    # -- JSON ------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        def enc(value: Any) -> Any:
            return status_entry_json(value) if isinstance(value, StatusEntry) else value

        d = {
            "kind": self.kind,
            "target": self.target,
            "before": enc(self.before),
            "after": enc(self.after),
            "label": self.label,
        }
        if self.position is not None:
            d["position"] = self.position
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any], tz: tzinfo) -> Change:
        kind = d["kind"]
        if kind == HISTORY:
            dec = lambda v: None if v is None else entry_from_json(v, tz)  # noqa: E731
            pos = d.get("position")
            if pos is not None and (isinstance(pos, bool) or not isinstance(pos, int)):
                raise ChangeError(f"bad position {pos!r}")
            before, after = dec(d["before"]), dec(d["after"])
            return cls(kind, d["target"], before, after, d.get("label", ""), pos)
        if kind == EXTRA:
            return cls(kind, d["target"], d["before"], d["after"], d.get("label", ""))
        raise ChangeError(f"unknown change kind {kind!r}")


_ENTRY_KEYS = {"time", "recorded_at", "status", "note", "source_ids", "by"}


def entry_from_json(d: dict[str, Any], tz: tzinfo) -> StatusEntry:
    return StatusEntry(
        time=parse_moment(d["time"], tz),
        status=CrossingStatus(d["status"]),
        source_ids=tuple(d.get("source_ids", ())),
        recorded_at=parse_moment(d["recorded_at"], tz) if d.get("recorded_at") else None,
        note=d.get("note"),
        by=d.get("by"),
        extra=tuple((k, v) for k, v in d.items() if k not in _ENTRY_KEYS),
    )


def apply_change(scenario: Scenario, change: Change) -> None:
    """Apply ``change`` to ``scenario`` in place; raises :class:`ChangeError` if it does not fit."""
    if change.kind == EXTRA:
        current = scenario.extra.get(change.target)
        if current != change.before:
            raise ChangeError(f"{change.target} is not what the change expects")
        if change.after is None:
            scenario.extra.pop(change.target, None)
        else:
            scenario.extra[change.target] = change.after
        return
    if change.kind != HISTORY:
        raise ChangeError(f"unknown change kind {change.kind!r}")
    crossing = scenario.crossing(change.target)
    if crossing is None:
        raise ChangeError(f'unknown crossing id "{change.target}"')
    history = list(crossing.history)
    if change.before is None:
        if change.position is None:
            history.append(change.after)
        else:
            history.insert(max(0, min(change.position, len(history))), change.after)
    else:
        p = change.position
        try:
            at_position = p is not None and 0 <= p < len(history) and history[p] == change.before
            i = p if at_position else history.index(change.before)
        except ValueError:
            raise ChangeError(f'entry not found in crossing "{change.target}" history') from None
        if change.after is None:
            del history[i]
        else:
            history[i] = change.after
    crossing.history = tuple(history)


# -- building changes --------------------------------------------------------------------
def _check_years(*moments: Moment | None) -> None:
    """Refuse times a saved file could not hold (the loader rejects other years)."""
    for m in moments:
        if m is not None and not MIN_YEAR <= m.instant.year <= MAX_YEAR:
            raise ChangeError(f"{m.iso()} is outside the supported years {MIN_YEAR}..{MAX_YEAR}")


def next_status(current: CrossingStatus | None) -> CrossingStatus:
    """The one-keystroke toggle: open → closed → open.

    Restricted counts as partly open and unknown as "no report yet", so both
    step to closed; restricted itself is chosen explicitly (context menu).
    """
    if current == CrossingStatus.OPEN:
        return CrossingStatus.CLOSED
    if current == CrossingStatus.CLOSED:
        return CrossingStatus.OPEN
    return CrossingStatus.CLOSED


def status_change(
    scenario: Scenario,
    crossing_id: str,
    status: CrossingStatus,
    effective: Moment,
    *,
    note: str | None = None,
    by: str | None = None,
    source_ids: tuple[str, ...] = (),
    recorded_at: Moment | None = None,
) -> Change:
    """A change that records ``status`` for a crossing, effective at ``effective``."""
    crossing = scenario.crossing(crossing_id)
    if crossing is None:
        raise ChangeError(f'unknown crossing id "{crossing_id}"')
    _check_years(effective, recorded_at)
    known = {s.id for s in scenario.sources}
    for sid in source_ids:
        if sid not in known:
            raise ChangeError(f'unknown source id "{sid}"')
    entry = StatusEntry(
        time=effective,
        status=status,
        source_ids=tuple(source_ids),
        recorded_at=recorded_at or Moment.now(effective.instant.tzinfo),
        note=(note or None),
        by=(by or None),
    )
    label = f"{isolate_if_needed(crossing.name)}: {status.value}"
    return Change(HISTORY, crossing_id, None, entry, label)


def edit_entry(
    crossing_name: str,
    crossing_id: str,
    old: StatusEntry,
    position: int | None = None,
    **fields: Any,
) -> Change:
    """A change that edits fields of one history entry (time, note, status, source_ids...).

    Give the entry's ``position`` in the history: if the edited entry equals another
    one, undo must change this one back, not the first equal entry.
    """
    new = replace(old, **fields)
    _check_years(new.time, new.recorded_at)
    what = ", ".join(sorted(fields))
    label = f"{isolate_if_needed(crossing_name)}: edit {what}"
    return Change(HISTORY, crossing_id, old, new, label, position)


def delete_entry(
    crossing_name: str, crossing_id: str, old: StatusEntry, position: int | None = None
) -> Change:
    """A change that deletes ``old``; give its ``position`` in the history so that undo
    puts it back in the same place."""
    label = f"{isolate_if_needed(crossing_name)}: delete entry"
    return Change(HISTORY, crossing_id, old, None, label, position)
