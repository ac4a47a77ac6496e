"""The change log of one scenario: every change checked against the contract, then applied.

:class:`ChangeLog` owns the rule "a change is validated before it is applied, on replay
too": the entity a change produces is read back through the scenario file's own validator
(:func:`monitor.model.io.scenario_from_json`, the one set of rules for files and edits),
with the references it makes (sources, factions) checked against the scenario; a change
that would make the file unopenable is refused with the contract's reason. Applying a
change whose id the log has already applied does nothing (replays, re-sends and merges
are idempotent).

Strict application (the default; the local undo stack and journal replay) also requires
``before`` to be what the scenario holds now, field by field for updates. Two analysts'
logs merge with :meth:`ChangeLog.merge`: changes are applied in (recorded time, id) order,
updates field by field, and a change made on an outdated view of its entity is applied
and reported as concurrent instead of refused.

Pure Python, no Qt.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from monitor.model.batch import (
    check_new_events,
    checked_columns,
    deletions_fine,
    drop_json,
    keep_json,
)
from monitor.model.changes import (
    CROSSING,
    EVENT,
    FACTION,
    IMPORTS,
    SCENARIO,
    SOURCE,
    STATUS,
    TERRITORY,
    Change,
    ChangeError,
    check_shape,
    source_citation,
)
from monitor.model.entities import Scenario
from monitor.model.entries import EntriesJson, find_entry, insert_at, list_insert_at
from monitor.model.errors import ScenarioError
from monitor.model.schema import scenario_field_problems
from monitor.model.sections import scenario_from_json
from monitor.model.writer import event_json, scenario_to_json

_LISTS = {SOURCE: "sources", FACTION: "factions", CROSSING: "crossings", TERRITORY: "territory"}


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying one change did: ``concurrent`` lists the fields (or ``"*"``) whose
    value was not the change's ``before`` (only in merge mode; strict mode refuses)."""

    change: Change
    concurrent: tuple[str, ...] = ()


class ChangeLog:
    """The changes applied to ``scenario`` in this session, in order (append-only)."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.entries: list[Change] = []
        self._ids: set[str] = set()
        self._checked: tuple[str, int, _Plan] | None = None  # (change id, log length, plan)

    def __contains__(self, change_id: object) -> bool:
        return change_id in self._ids

    def __len__(self) -> int:
        return len(self.entries)

    # -- applying ---------------------------------------------------------------------
    def check(self, change: Change) -> None:
        """Raise :class:`ChangeError` if ``change`` cannot be applied strictly now (a change
        already in the log can: applying it again does nothing)."""
        if change.id in self._ids:
            return
        # Kept for an apply that follows at once (the undo stack's push): one validation.
        self._checked = (change.id, len(self.entries), _Plan(self.scenario, change, strict=True))

    def apply(self, change: Change, *, strict: bool = True) -> Applied | None:
        """Validate and apply ``change``; ``None`` if the log already has it (a no-op).

        Raises :class:`ChangeError` (nothing changed) if it does not fit."""
        if change.id in self._ids:
            return None
        drop_json()  # (another edit: the last batch's encodings are not wanted any more)
        checked, self._checked = self._checked, None
        if strict and checked is not None and checked[:2] == (change.id, len(self.entries)):
            plan = checked[2]  # checked just now, nothing applied since
        else:
            plan = _Plan(self.scenario, change, strict=strict)
        plan.commit()
        self._ids.add(change.id)
        self.entries.append(change)
        return Applied(change, plan.concurrent)

    def apply_batch(self, changes: list[Change]) -> int:
        """Apply many changes strictly, in order, as :meth:`apply` would one by one, but with
        runs of new events checked by the scenario's rules in one pass and added to the event
        table together (an import of 100k events is one validation, not 100k). All or
        nothing: if any change is refused, :class:`ChangeError` says which (its index) and
        the scenario is as before. Returns how many changes were new to the log."""
        drop_json()
        pending = [c for c in changes if c.id not in self._ids]
        if len({c.id for c in pending}) != len(pending):
            raise ChangeError("a batch holds the same change twice")
        done: list[Change] = []
        kept: tuple[list[Change], list[bytes]] | None = None  # (the encodings, for the journal)
        try:
            i = 0
            while i < len(pending):
                j = i
                while j < len(pending) and pending[j].entity == EVENT and pending[j].before is None:
                    j += 1
                if j - i > 1:
                    encoded = _add_events(self.scenario, pending[i:j], first=i)
                    kept = None if encoded is None else (pending[i:j], encoded)
                    done.extend(pending[i:j])
                    i = j
                    continue
                while j < len(pending) and pending[j].entity == EVENT and pending[j].after is None:
                    j += 1
                if j - i > 1:  # a run of event deletions (an import undone): at once
                    _remove_events(self.scenario, pending[i:j], first=i)
                    done.extend(pending[i:j])
                    i = j
                    continue
                try:
                    _Plan(self.scenario, pending[i], strict=True).commit()
                except ChangeError as exc:
                    raise ChangeError(f"change {i + 1} of the batch: {exc}") from None
                done.append(pending[i])
                i += 1
        except BaseException:
            for change in reversed(done):  # back to the state before the batch
                _Plan(self.scenario, change.inverse(), strict=False).commit()
            raise
        for change in done:
            self._ids.add(change.id)
            self.entries.append(change)
        if kept is not None:
            keep_json(*kept)  # (the journal writes them next: encoded once)
        return len(done)

    def merge(self, changes: Iterable[Change]) -> list[Applied]:
        """Apply another log's changes not yet here, in (recorded, id) order, field by field;
        changes that no longer fit at all (e.g. an update of a deleted event) are skipped."""
        out = []
        for change in sorted(changes, key=lambda c: (c.recorded, c.id)):
            try:
                applied = self.apply(change, strict=False)
            except ChangeError:
                continue
            if applied is not None:
                out.append(applied)
        return out


def _add_events(scenario: Scenario, changes: list[Change], first: int) -> list[bytes] | None:
    """Create the events of ``changes`` (all creations) after one check of them all;
    returns their values' JSON where the check made it (see :func:`check_new_events`)."""
    encoded = check_new_events(changes)
    keys = [c.key for c in changes]
    if len(set(keys)) != len(keys):
        raise ChangeError(f"change {first + 1}+ of the batch: an event id is created twice")
    found = scenario.table.positions_of(keys)  # (looked up together, not one by one)
    taken = [keys[i] for i in (found >= 0).nonzero()[0].tolist()]
    if taken:
        raise ChangeError(
            f"change {first + 1 + keys.index(taken[0])} of the batch: "
            f'event "{taken[0]}" already exists'
        )
    events_now: Any = scenario.events
    if hasattr(events_now, "extend_columns"):
        parts = checked_columns(scenario, [c.after for c in changes], encoded)
        if parts is not None:
            events_now.extend_columns(parts)
            return encoded
    doc = _events_doc(scenario, [c.after for c in changes])
    try:
        checked = scenario_from_json(doc, "import")
    except ScenarioError as exc:
        reasons = "; ".join(str(p) for p in exc.problems[:5])
        raise ChangeError(f"refused by the scenario rules: {reasons}") from None
    events: Any = scenario.events
    new = list(checked.events)
    if hasattr(events, "extend"):
        events.extend(new)
        return encoded
    added: list[str] = []
    try:
        for event in new:
            _put_event(scenario, event, False)
            added.append(event.id)
    except BaseException:
        for event_id in reversed(added):  # all or nothing
            _remove_event(scenario, event_id)
        raise
    return encoded


def _remove_events(scenario: Scenario, changes: list[Change], first: int) -> None:
    """Delete the events of ``changes`` (all deletions, checked as one by one) together."""
    events: Any = scenario.events
    keys = [c.key for c in changes]
    found = scenario.table.positions_of(keys)  # (looked up together, not one by one)

    def now() -> Iterator[Any]:  # (each event's JSON as the writer makes it, one at a time)
        have = iter(scenario.table.events_at(found[found >= 0]))
        return (None if at < 0 else event_json(next(have)) for at in found.tolist())

    together = deletions_fine(changes) and all(  # (all checked together, as these would)
        a == c.before for a, c in zip(now(), changes, strict=True))
    for k, (change, current) in [] if together else enumerate(zip(changes, now(), strict=True)):
        if current != change.before:
            check_shape(change)  # (a malformed change is refused for that first)
            why = "does not exist" if current is None else "is not what the change expects"
            raise ChangeError(f'change {first + 1 + k} of the batch: event "{change.key}" {why}')
        # ``before`` equals the event's JSON as the writer makes it from a valid event, so
        # it is plain JSON: the rest of the change is checked, not its 100k values again.
        check_shape(dataclasses.replace(change, before={"id": change.key}))
    if len(set(keys)) != len(keys):
        raise ChangeError(f"change {first + 1}+ of the batch: an event is deleted twice")
    if hasattr(events, "remove_many"):
        events.remove_many(keys)
        return
    for key in keys:
        _remove_event(scenario, key)


def apply_change(scenario: Scenario, change: Change) -> None:
    """Validate and apply one change strictly (no log kept: for scripts and tests)."""
    _Plan(scenario, change, strict=True).commit()


# -- one change, checked and ready to commit ---------------------------------------------------
def entity_json(scenario: Scenario, entity: str, key: str) -> Any:
    """The current JSON of an entity (``None`` if absent), as the file writes it."""
    if entity == SCENARIO:
        return copy.deepcopy(scenario.extra.get(key))
    if entity == EVENT:
        event = scenario.event(key)
        if event is None:
            return None
        return event_json(event)  # (what scenario_to_json writes for it)
    if entity == STATUS:
        raise ChangeError("status entries are addressed by their content, not by a key")
    doc = _structure(scenario)
    for item in doc[_LISTS[entity]]:
        if _key_of(entity, item) == key:
            if entity == CROSSING:
                item.pop("history", None)
            return item
    return None


def _structure(scenario: Scenario) -> dict[str, Any]:
    """The scenario's document without its events and without the crossings' status
    histories (small, however many events and entries there are)."""
    bare = Scenario(
        info=scenario.info,
        factions=scenario.factions,
        sources=scenario.sources,
        events=[],
        crossings=[dataclasses.replace(c, history=()) for c in scenario.crossings],
        territory=scenario.territory,
    )
    return scenario_to_json(bare)


def _events_doc(scenario: Scenario, events: list[Any]) -> dict[str, Any]:
    """A document holding ``events`` and only what their rules look at: the scenario's time
    zone and the sources they cite (so a check costs the same for 50 or 1M events)."""
    cited: set[str] = set()
    for e in events:
        ids = e.get("source_ids") if isinstance(e, dict) else None
        if isinstance(ids, list):
            cited.update(i for i in ids if isinstance(i, str))
    sources = [s for s in scenario.sources if s.id in cited]
    bare = Scenario(info=scenario.info, sources=sources, events=[])
    doc = scenario_to_json(bare)
    doc["events"] = events
    return doc


def _key_of(entity: str, item: dict[str, Any]) -> str:
    if entity == TERRITORY:
        return f"{item.get('date')}/{item.get('faction')}"
    return str(item.get("id"))


def _merged(
    current: dict[str, Any], before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict, list[str]]:
    """``current`` with the fields that differ between ``before`` and ``after`` set to
    ``after``'s; also the fields whose current value was not ``before``'s."""
    out = dict(current)
    stale = []
    missing = object()
    for name in before.keys() | after.keys():
        b, a = before.get(name, missing), after.get(name, missing)
        if b == a:
            continue
        if current.get(name, missing) != b:
            stale.append(name)
        if a is missing:
            out.pop(name, None)
        else:
            out[name] = copy.deepcopy(a)
    return out, sorted(stale)


class _Plan:
    """Works out what ``change`` does to ``scenario`` and checks it, changing nothing until
    :meth:`commit`."""

    def __init__(self, scenario: Scenario, change: Change, *, strict: bool):
        check_shape(change)
        self.scenario = scenario
        self.change = change
        self.strict = strict
        self.concurrent: tuple[str, ...] = ()
        self._commit = getattr(self, f"_plan_{change.entity}")()

    def commit(self) -> None:
        self._commit()

    # -- helpers ---------------------------------------------------------------------
    def _stale(self, fields: list[str]) -> None:
        if not fields:
            return
        what = self.change.entity
        if self.strict:
            names = ", ".join(fields)
            raise ChangeError(
                f'{what} "{self.change.key}" is not what the change expects ({names} changed since)'
            )
        self.concurrent = tuple(fields)

    def _validate(self, doc: dict[str, Any]) -> Scenario:
        try:
            return scenario_from_json(doc, f"change {self.change.id}")
        except ScenarioError as exc:
            reasons = "; ".join(str(p) for p in exc.problems[:5])
            raise ChangeError(f"refused by the scenario rules: {reasons}") from None

    def _result(self, current: Any) -> Any:
        """The entity's JSON after the change (``None``: deleted)."""
        c = self.change
        if c.after is None:
            if current is None:
                raise ChangeError(f'{c.entity} "{c.key}" does not exist')
            if current != c.before:
                self._stale(["*"])
            return None
        if c.before is None:
            if current is not None:
                if self.strict:
                    raise ChangeError(f'{c.entity} "{c.key}" already exists')
                merged, stale = _merged(current, current, c.after)
                self.concurrent = ("*",)
                return merged
            return copy.deepcopy(c.after)
        if current is None:
            raise ChangeError(f'{c.entity} "{c.key}" does not exist')
        merged, stale = _merged(current, c.before, c.after)
        self._stale(stale)
        return merged

    # -- per entity -----------------------------------------------------------------------
    def _plan_scenario(self):
        c = self.change
        current = self.scenario.extra.get(c.key)
        if current != c.before:
            self._stale(["*"])
        value = c.after
        bad = scenario_field_problems(c.key, value, (s.id for s in self.scenario.sources))
        if bad:
            raise ChangeError("; ".join(f"{p.where}: {p.reason}" for p in bad[:3]))
        if (
            c.key == IMPORTS
            and value is not None
            and not (
                isinstance(value, list)
                and all(isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in value)
            )
        ):
            raise ChangeError("imports must be a list of records, each with its file's sha256")
        extra = self.scenario.extra

        def commit() -> None:
            if value is None:
                extra.pop(c.key, None)
            else:
                extra[c.key] = copy.deepcopy(value)

        return commit

    def _plan_event(self):
        c = self.change
        scenario = self.scenario
        current = entity_json(scenario, EVENT, c.key)
        result = self._result(current)
        if result is None:
            return lambda: _remove_event(scenario, c.key)
        event = self._validate(_events_doc(scenario, [result])).events[0]
        exists = current is not None
        return lambda: _put_event(scenario, event, exists)

    def _plan_list(self, entity: str):
        c = self.change
        scenario = self.scenario
        doc = _structure(scenario)
        items = doc[_LISTS[entity]]
        at = next((i for i, x in enumerate(items) if _key_of(entity, x) == c.key), None)
        current = None
        history: list[Any] = []
        if at is not None:
            current = dict(items[at])
            if entity == CROSSING:
                history = current.pop("history", [])
        result = self._result(current)
        if result is None:
            kept = scenario.crossing(c.key) if entity == CROSSING else None
            if kept is not None and kept.history:
                raise ChangeError(
                    f'crossing "{c.key}" still has {len(kept.history)} status entries: '
                    "delete them first"
                )
            del items[at]
            if entity in (SOURCE, FACTION):
                self._check_unreferenced(entity)
        else:
            if entity == CROSSING:
                result = {**result, "history": history}
            if at is None:
                items.insert(list_insert_at([_key_of(entity, x) for x in items], c.place), result)
            else:
                items[at] = result
        checked = self._validate(doc)
        new_list = getattr(checked, _LISTS[entity])

        def commit() -> None:
            if entity == CROSSING:
                _update_crossings(scenario, new_list)
            else:
                setattr(scenario, _LISTS[entity], new_list)

        return commit

    def _plan_source(self):
        return self._plan_list(SOURCE)

    def _plan_faction(self):
        return self._plan_list(FACTION)

    def _plan_crossing(self):
        return self._plan_list(CROSSING)

    def _plan_territory(self):
        return self._plan_list(TERRITORY)

    def _checked_entry(self, crossing: Any, entry: Any) -> Any:
        """The status entry ``entry`` (JSON) read by the contract's rules, as an object."""
        checked = self._validate(_crossing_doc(self.scenario, crossing, [entry]))
        return checked.crossings[0].history[0]

    def _check_unreferenced(self, entity: str) -> None:
        """A source still cited by an event, a status entry or the key judgements."""
        why = source_citation(self.scenario, self.change.key) if entity == SOURCE else ""
        if why:
            raise ChangeError(why)

    def _plan_status(self):
        c = self.change
        scenario = self.scenario
        crossing = scenario.crossing(c.key)
        if crossing is None:
            raise ChangeError(f'unknown crossing id "{c.key}"')
        entries = list(crossing.history)
        history = EntriesJson(entries)  # (each entry's JSON made only if looked at)
        if c.before is None:
            at = None
        else:
            at = find_entry(history, c.before, c.place, last=c.after is None)
            if at is None:
                if self.strict or c.after is None:
                    raise ChangeError(f'entry not found in crossing "{c.key}" history')
                self.concurrent = ("*",)
        if c.after is None:
            del entries[at]  # type: ignore[arg-type]
        else:
            entry = self._checked_entry(crossing, c.after)
            if at is not None:
                entries[at] = entry  # an edit: the entry keeps its place
            else:
                entries.insert(insert_at(history, c.after, c.place, scenario.tz), entry)
        new_history = tuple(entries)

        def commit() -> None:
            crossing.history = new_history

        return commit


def _crossing_doc(scenario: Scenario, crossing: Any, entries: list[Any]) -> dict[str, Any]:
    """A document holding ``crossing`` with just ``entries`` as its history, and what their
    rules look at: the factions and the sources they cite (not the other crossings, their
    histories or the events: a check costs the same for 10 entries or 100,000)."""
    cited = {i for e in entries for i in (e.get("source_ids") or []) if isinstance(i, str)}
    bare = Scenario(
        info=scenario.info,
        factions=scenario.factions,
        sources=[s for s in scenario.sources if s.id in cited],
        events=[],
        crossings=[dataclasses.replace(crossing, history=())],
    )
    doc = scenario_to_json(bare)
    doc["crossings"][0]["history"] = entries
    return doc


def _update_crossings(scenario: Scenario, checked: list[Any]) -> None:
    """Take the checked crossings' fields into the scenario's own objects (views keep
    references to them), adding new ones and dropping deleted ones."""
    by_id = {c.id: c for c in scenario.crossings}
    out = []
    for new in checked:
        old = by_id.get(new.id)
        if old is None:
            out.append(new)
            continue
        for name in ("name", "sides", "location", "kind", "name_local", "controlled_by", "extra"):
            setattr(old, name, getattr(new, name))
        out.append(old)
    scenario.crossings[:] = out


def _put_event(scenario: Scenario, event: Any, exists: bool) -> None:
    events: Any = scenario.events
    if hasattr(events, "replace") and hasattr(events, "add"):
        (events.replace if exists else events.add)(event)
        return
    if not isinstance(events, list):
        raise ChangeError("this scenario's events cannot be edited")
    for i, e in enumerate(events):
        if e.id == event.id:
            events[i] = event
            return
    events.append(event)


def _remove_event(scenario: Scenario, event_id: str) -> None:
    events: Any = scenario.events
    if hasattr(events, "remove") and not isinstance(events, list):
        events.remove(event_id)
        return
    for i, e in enumerate(events):
        if e.id == event_id:
            del events[i]
            return


def legacy_change(d: Any, change_id: str) -> Change:
    """A change from the first journal format (``kind`` "history" / "extra", addressed by
    list position), so that a journal left by an older version is still recovered."""
    if not isinstance(d, dict):
        raise ChangeError("a change must be a JSON object")
    kind, target = d.get("kind"), d.get("target")
    if not isinstance(target, str):
        raise ChangeError("the change's target must be text")
    label = d.get("label", "")
    if not isinstance(label, str):
        raise ChangeError("the change's label must be text")
    if kind == "history":
        change = Change(STATUS, target, d.get("before"), d.get("after"), label, id=change_id)
    elif kind == "extra":
        change = Change(SCENARIO, target, d.get("before"), d.get("after"), label, id=change_id)
    else:
        raise ChangeError(f"unknown change kind {kind!r}")
    check_shape(change)
    return change
