"""The reviewed merge of a feed into a scenario: :func:`plan_import` -> :class:`Review`.

Rules (docs/interchange.md): imported events are keyed by their origin
(``acled:<event_id_cnty>``); a row with a newer ``timestamp`` updates the feed's fields and
never the analyst's (verification, credibility, reliability, notes, links added in the app,
and any feed field the analyst edited since the last import); the same timestamp is a no-op;
an older one is skipped; an event of the feed missing from a re-import (within the file's
dates and countries) is flagged, not deleted; a deletions list marks events withdrawn.
Applying a review is one :meth:`ChangeLog.apply_batch` of :attr:`Review.changes`. Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.interchange.formats import ACLED, MONITOR
from monitor.interchange.known import (
    FEED_DATA,
    FEED_FIELDS,
    MISSING,
    ORIGIN,
    WITHDRAWN,
    Actors,
    FeedIndex,
    country_of,
    day_of_event,
    digest,
    event_json_of,
    feed_index,
    is_missing,
    origin_of,
    source_id,
    withdrawn_at,
)
from monitor.interchange.parse import Parsed, Rejected
from monitor.interchange.reading import gc_paused
from monitor.interchange.rows import Incoming, RowError, names
from monitor.model.changelog import ChangeLog, entity_json
from monitor.model.changes import (
    EVENT,
    FACTION,
    IMPORTS,
    SOURCE,
    Change,
    entity_change,
    scenario_field_change,
)
from monitor.model.entities import Scenario
from monitor.model.errors import ScenarioError
from monitor.model.sections import scenario_from_json
from monitor.model.writer import scenario_to_json


@dataclass(slots=True)
class Updated:
    key: str
    event_id: str
    where: str
    fields: list[str]
    kept: list[str]  # feed fields the analyst edited: left as they are


@dataclass
class Review:
    """What importing a file would do. ``changes`` applied in one batch = the import."""

    file: str
    sha256: str
    format: str
    variant: str
    new: list[str] = field(default_factory=list)  # event ids
    updated: list[Updated] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Rejected] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)  # missing from the feed now
    withdrawn: list[str] = field(default_factory=list)
    new_sources: list[str] = field(default_factory=list)
    new_factions: list[str] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)
    _changes: list[Change] | None = None
    _build: Any = None

    @property
    def changes(self) -> list[Change]:
        """The changes that apply the import (made on first use: a dry run needs none)."""
        if self._changes is None:
            self._changes = self._build() if self._build is not None else []
            self._build = None
        return self._changes

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated), "unchanged": self.unchanged,
                "skipped": len(self.skipped), "rejected": len(self.rejected),
                "flagged_missing": len(self.flagged), "withdrawn": len(self.withdrawn),
                "new_sources": len(self.new_sources)}

    @property
    def empty(self) -> bool:
        """Nothing to apply but the record of the import."""
        return not (self.new or self.updated or self.flagged or self.withdrawn)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def plan_import(scenario: Scenario, parsed: Parsed, *, deletions: Parsed | None = None,
                author: str = "", now: str | None = None) -> Review:
    """The review of importing ``parsed`` (and a deletions list) into ``scenario``; changes
    nothing. Apply it with :func:`apply_review`."""
    with gc_paused():
        return _plan(scenario, parsed, deletions, author, now)


def _plan(scenario: Scenario, parsed: Parsed, deletions: Parsed | None, author: str,
          now: str | None) -> Review:
    now = now or _now()
    f = parsed.file
    review = Review(f.path.name, f.sha256, parsed.feed, parsed.layout.variant)
    review.rejected.extend(parsed.rejected)
    tz = scenario.tz
    plan = _Planner(scenario, parsed, review, tz, now)
    if parsed.feed == MONITOR:
        plan.monitor_rows()
    else:
        plan.feed_rows()
    dels = dict(parsed.deletions)
    if deletions is not None:
        dels.update(deletions.deletions)
        review.rejected.extend(Rejected(f"{deletions.file.name}: {r.where}", r.reason)
                               for r in deletions.rejected)
    if dels:
        plan.withdraw(dels)
    plan.finish(author, deletions)
    return review


class _Planner:
    """The merge of one parsed file; rows are positions in ``parsed.columns()``."""

    def __init__(self, scenario: Scenario, parsed: Parsed, review: Review, tz: Any, now: str):
        self.scenario, self.parsed, self.review = scenario, parsed, review
        self.tz, self.now = tz, now
        self.cols = parsed.columns()
        self.feed = ACLED if parsed.feed == "acled-deletions" else parsed.feed
        self.index = feed_index(scenario)
        self.actors = Actors(scenario)
        self.known_sources = {s.id for s in scenario.sources}
        self._ids: set[str] | None = None  # the scenario's event ids (made when needed)
        self.sources: dict[str, dict[str, Any]] = {}  # new sources by id
        # The new events: their rows, and each one's event id (mapped when applied) or
        # its JSON (mapped already, or the app's own); two lists, not 100k pairs.
        self.create_rows: list[int] = []
        self.create_ids: list[Any] = []
        self.mapped_creates = False  # whether any of ``create_ids`` is JSON (not an id)
        self.updates: list[Change] = []
        self.marks: list[Change] = []
        self.taken: set[str] = set()
        self.factions: list[dict[str, Any]] = []
        self.scope: tuple[str, str] | None = None

    @property
    def ids(self) -> set[str]:
        if self._ids is None:
            table = self.scenario.table
            self._ids = set(table.ids().to_pylist()) if len(table) else set()
        return self._ids

    def _skip(self, i: int, reason: str, key: str) -> None:
        self.review.skipped.append(Rejected(self.cols.where_text(i), reason, key))

    def _reject(self, i: int, reason: str) -> None:
        self.review.rejected.append(Rejected(self.cols.where_text(i), reason, self.cols.key[i]))

    # -- rows of a feed ---------------------------------------------------------------
    def _newest(self) -> range | list[int]:
        """One row per key: the one with the largest timestamp (the later line on a tie);
        ``range(n)`` when every key is once in the file."""
        keys = self.cols.key
        self.keys_seen = set(keys)
        if len(self.keys_seen) == len(keys):
            return range(len(keys))
        tss = self.cols.ts
        best: dict[str, int] = {}
        for i, key in enumerate(keys):
            old = best.get(key)
            if old is None:
                best[key] = i
                continue
            a, b = tss[old] or 0, tss[i] or 0
            keep, drop = (i, old) if b >= a else (old, i)
            best[key] = keep
            self._skip(drop, f"{self.cols.where_text(keep)} has a newer copy of {key} "
                       f"(timestamp {tss[keep]})", key)
        return list(best.values())

    def feed_rows(self) -> None:
        rows = self._newest()
        c = self.cols
        every = None if isinstance(rows, range) else rows  # None: every row
        days = c.distinct("day", every) - {""}
        self.scope = (min(days), max(days)) if days else None
        self.countries = c.distinct("country", every) - {""}
        index, keys = self.index, c.key
        seen = self.keys_seen  # every key has its newest row in ``rows``
        fresh, known = self._known(rows) if index else (rows, [])
        self._create_all(fresh)
        tss, crcs = (c.ts, c.crc) if known else ((), ())
        for i in known:
            key = keys[i]
            have = index.get(key)
            if have is None:
                continue
            x = have.extra
            origin = x[ORIGIN]
            old_ts = origin.get("timestamp")
            ts = tss[i]
            gone = withdrawn_at(have) if WITHDRAWN in x else None
            if gone is not None and (ts is None or ts <= gone):
                self._skip(i, f"{key} was withdrawn by the feed (a deletions list)", key)
                continue
            if ts is not None and isinstance(old_ts, int):
                if ts < old_ts:
                    self._skip(i, f"older than the copy in the scenario (timestamp {ts} < "
                               f"{old_ts})", key)
                    continue
                newer = ts > old_ts
            else:
                newer = crcs[i] != origin.get("crc", crcs[i])
            if not newer and x.get(MISSING) is None:
                self.review.unchanged += 1
                continue
            self._update(i, have.id, newer)
        self._flag_missing(seen)

    def _known(self, rows: range | list[int]) -> tuple[range | list[int], list[int]]:
        """``rows`` split into those of keys new to the scenario and those of keys it has,
        by one hash lookup of them all; a row whose timestamp is the event's (no marks on
        it) is counted unchanged here, not looked at one by one."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        keys, index = self.cols.key, self.index
        every = isinstance(rows, range) and len(rows) == len(keys)
        wanted = keys if every else list(map(keys.__getitem__, rows))
        given = self.cols.key_array if every else None
        at = pc.fill_null(pc.index_in(pa.array(wanted, pa.string()) if given is None else given,
                                      value_set=pa.array(list(index), pa.string())), -1)
        pos = at.to_numpy().astype(np.int64)
        rows_at = np.arange(len(keys)) if every else np.asarray(rows, np.int64)
        new = pos < 0
        fresh: range | list[int] = rows if new.all() else rows_at[new].tolist()
        have = ~new
        stamps = index.stamps if isinstance(index, FeedIndex) else None
        ts = self.cols.ts_array() if stamps is not None and have.any() else None
        if ts is not None and stamps is not None:
            try:
                old = np.array([-1 if s is None else s for s in stamps], np.int64)
            except OverflowError:
                old = None
            if old is not None:
                old_given = np.array([s is not None for s in stamps], bool)
                values, given = ts
                p = np.where(have, pos, 0)
                same = have & given[rows_at] & old_given[p] & (values[rows_at] == old[p])
                self.review.unchanged += int(np.count_nonzero(same))
                have &= ~same
        return fresh, rows_at[have].tolist()

    def _origin(self, i: int, given: dict[str, str]) -> dict[str, Any]:
        c = self.cols
        o: dict[str, Any] = {"feed": self.feed, "id": c.native[i]}
        if c.ts[i] is not None:
            o["timestamp"] = c.ts[i]
        if c.crc[i]:
            o["crc"] = c.crc[i]
        o["file_sha256"] = self.parsed.file.sha256
        o["imported"] = self.now
        o["given"] = given
        return o

    def _feed_sources(self, inc: Incoming | list[str]) -> list[str]:
        ids = []
        for name in inc.sources if isinstance(inc, Incoming) else inc:
            sid = source_id(self.feed, name)
            if sid not in self.known_sources and sid not in self.sources:
                self.sources[sid] = {"id": sid, "title": name, "publisher": name, "url": "",
                                     "origin": {"feed": self.feed}}
            if sid not in ids:
                ids.append(sid)
        return ids

    def _create_all(self, rows: range | list[int]) -> None:
        """The new events of ``rows`` (keys once each), in order."""
        if not rows:
            return
        c = self.cols
        keys = c.key
        every = isinstance(rows, range) and len(rows) == len(keys)
        wanted = keys if every else list(map(keys.__getitem__, rows))
        if (c.all_checked or all(map(c.checked.__getitem__, rows))) \
                and not (self.ids and self.ids.intersection(wanted)) \
                and not (self.taken and self.taken.intersection(wanted)):
            # The common case: every key is free as it is.
            if self.taken:
                self.taken.update(wanted)
            else:
                self.taken = set(self.keys_seen) if every else set(wanted)
            self.create_rows.extend(rows)
            self.create_ids.extend(wanted)
            return
        for i in rows:
            self._create(i)

    def _create(self, i: int) -> None:
        key = self.cols.key[i]
        event_id = key
        n = 1
        while event_id in self.ids or event_id in self.taken:
            n += 1
            event_id = f"{key}~{n}"
        self.taken.add(event_id)
        if self.cols.checked[i]:  # mapped when the import is applied
            self._add(i, event_id)
            return
        d = self._new_event(i, event_id)
        if d is not None:
            self._add(i, d)

    def _add(self, i: int, event: str | dict[str, Any]) -> None:
        self.create_rows.append(i)
        self.create_ids.append(event)
        if not isinstance(event, str):
            self.mapped_creates = True

    def _new_event(self, i: int, event_id: str) -> dict[str, Any] | None:
        try:
            return self._json_of(i, event_id)
        except RowError as exc:
            self._reject(i, str(exc))
            return None

    def _update(self, i: int, event_id: str, newer: bool) -> None:
        before = entity_json(self.scenario, EVENT, event_id)
        after = dict(before)
        after.pop(MISSING, None)
        fields: list[str] = [MISSING] if MISSING in before else []
        kept: list[str] = []
        if newer:
            try:
                inc = self.cols.full(i, self.tz)
            except RowError as exc:
                self._reject(i, str(exc))
                return
            fresh = event_json_of(inc, event_id, self.actors(inc.actors), [])
            given = before.get(ORIGIN, {}).get("given", {})
            for k in FEED_FIELDS:
                if digest(before.get(k)) != given.get(k, digest(before.get(k))):
                    kept.append(k)  # the analyst's edit stays
                elif k in fresh:
                    after[k] = fresh[k]
                else:
                    after.pop(k, None)
            prefix = f"{self.feed}-src:"
            own = [s for s in before.get("source_ids", []) if not s.startswith(prefix)]
            after["source_ids"] = [*self._feed_sources(inc), *own]
            after[ORIGIN] = self._origin(i, {k: digest(fresh.get(k)) for k in FEED_FIELDS})
            if inc.feed_data:
                after[FEED_DATA] = inc.feed_data
            else:
                after.pop(FEED_DATA, None)
            after.pop(WITHDRAWN, None)
            fields = sorted({k for k in after.keys() | before.keys()
                             if after.get(k) != before.get(k)} - {ORIGIN})
        if after == before:
            self.review.unchanged += 1
            return
        self.updates.append(entity_change(EVENT, event_id, before, after,
                                          f"Import: update {event_id}"))
        self.review.updated.append(Updated(self.cols.key[i], event_id, self.cols.where_text(i),
                                           fields, kept))

    def _flag_missing(self, seen: set[str]) -> None:
        if self.scope is None:
            return
        lo, hi = self.scope
        check_country = self.parsed.has_country and bool(self.countries)
        prefix = f"{self.feed}:"
        absent = self.index.keys() - seen  # (in C: usually none)
        for key, e in self.index.items() if absent else ():
            if key not in absent or not key.startswith(prefix) \
                    or origin_of(e).get("feed") != self.feed:
                continue
            if not lo <= day_of_event(e) <= hi:
                continue
            if check_country and country_of(e) not in self.countries:
                continue
            if is_missing(e) or withdrawn_at(e) is not None:
                continue
            event_id = e.id
            before = entity_json(self.scenario, EVENT, event_id)
            after = {**before, MISSING: {"since": self.now, "file": self.parsed.file.path.name,
                                         "file_sha256": self.parsed.file.sha256}}
            self.marks.append(entity_change(EVENT, event_id, before, after,
                                            f"Import: {event_id} missing from the feed"))
            self.review.flagged.append(event_id)

    def withdraw(self, dels: dict[str, int]) -> None:
        created = {eid if isinstance(eid, str) else eid["id"]: j
                   for j, eid in enumerate(self.create_ids)}
        drop: set[int] = set()
        for native, ts in dels.items():
            key = f"{ACLED}:{native}"
            have = self.index.get(key)
            if have is None:
                at = created.get(key)
                if at is not None:
                    drop.add(at)
                    self._skip(self.create_rows[at], f"{key} is on the deletions list", key)
                continue
            event_id, origin = have.id, origin_of(have)
            if withdrawn_at(have) is not None:
                continue
            if isinstance(origin.get("timestamp"), int) and origin["timestamp"] > ts:
                self.review.skipped.append(Rejected(f"deletion of {native}", "the event was "
                                                    "updated after the deletion", key))
                continue
            pending = next((c for c in self.updates + self.marks if c.key == event_id), None)
            before = entity_json(self.scenario, EVENT, event_id)
            base = pending.after if pending is not None else before
            after = {**base, WITHDRAWN: {"at": datetime.fromtimestamp(ts, UTC).isoformat(),
                                         "timestamp": ts, "by_feed": ACLED}}
            after.pop(MISSING, None)
            change = entity_change(EVENT, event_id, before, after, f"Import: {event_id} withdrawn")
            if pending is not None:
                self.updates = [c for c in self.updates if c is not pending]
                self.marks = [c for c in self.marks if c is not pending]
            self.marks.append(change)
            self.review.withdrawn.append(event_id)
        if drop:
            self._drop_creates(drop)

    def _drop_creates(self, drop: set[int]) -> None:
        """Forget the new events at these places of ``create_rows``/``create_ids``."""
        keep = [j for j in range(len(self.create_rows)) if j not in drop]
        self.create_rows = [self.create_rows[j] for j in keep]
        self.create_ids = [self.create_ids[j] for j in keep]

    # -- the app's own GeoJSON export ------------------------------------------------------
    def monitor_rows(self) -> None:
        c = self.cols
        events = [c.full(i, self.tz).event or {} for i in range(len(c))]
        known_f = {f.id for f in self.scenario.factions}
        want_s = {s for ev in events for s in ev.get("source_ids", []) if isinstance(s, str)}
        for s in self.parsed.sources:
            sid = s.get("id")
            if isinstance(sid, str) and sid in want_s and sid not in self.known_sources:
                self.sources[sid] = s
        self.factions = [x for x in self.parsed.factions
                         if isinstance(x.get("id"), str) and x["id"] not in known_f]
        for i, ev in enumerate(events):
            current = entity_json(self.scenario, EVENT, ev["id"])
            if current is None:
                self._add(i, ev)
            elif current == ev:
                self.review.unchanged += 1
            else:
                self._skip(i, f'event "{ev["id"]}" exists with other content (not replaced)',
                           ev["id"])

    # -- the changes ---------------------------------------------------------------------
    def _check_creates(self) -> None:
        """Check the new events with the scenario's rules in one pass; a refused one is
        rejected with the contract's reason (the batch then cannot fail on it)."""
        if not self.mapped_creates:
            return
        mapped = [(j, d) for j, d in enumerate(self.create_ids) if isinstance(d, dict)]
        if not mapped:
            return
        sc = self.scenario
        doc = scenario_to_json(Scenario(info=sc.info, factions=sc.factions, sources=sc.sources))
        doc["sources"] += list(self.sources.values())
        doc["factions"] += list(self.factions)
        doc["events"] = [d for _j, d in mapped]
        try:
            scenario_from_json(doc, "import")
            return
        except ScenarioError as exc:
            bad: dict[int, str] = {}
            for p in exc.problems:
                m = re.match(r"events\[(\d+)\](.*)", p.path)
                if m:
                    bad.setdefault(int(m[1]), f"{m[2].lstrip('.') or 'event'}: {p.message}")
            if not bad:
                raise
        drop = {mapped[k][0] for k in bad}
        for k in sorted(bad):
            i = self.create_rows[mapped[k][0]]
            self.review.rejected.append(Rejected(self.cols.where_text(i), bad[k],
                                                 self.cols.key[i]))
        self._drop_creates(drop)

    def finish(self, author: str, deletions: Parsed | None) -> None:
        self._check_creates()
        review = self.review
        ids_only = not self.mapped_creates  # the common case: every new event is an id
        rows, new = self.create_rows, self.create_ids
        review.new = list(new) if ids_only else [d if isinstance(d, str) else d["id"]
                                                 for d in new]
        review.new_factions = [x["id"] for x in self.factions]
        f = self.parsed.file
        record: dict[str, Any] = {"file": f.path.name, "sha256": f.sha256,
                                  "format": self.parsed.feed, "variant": self.parsed.layout.variant,
                                  "imported": self.now}
        if author:
            record["by"] = author
        if deletions is not None:
            record["deletions"] = {"file": deletions.file.path.name,
                                   "sha256": deletions.file.sha256}
        review.record = record
        # The sources the new events cite (known without mapping them: a checked row's
        # sources are its "source" names).
        c = self.cols
        every = len(rows) == len(c)  # (each row is new at most once)
        self._raw_sources = c.distinct("sources", None if every else rows) if ids_only else {
            c.sources[i] for i, d in zip(rows, new, strict=True) if isinstance(d, str)}
        for raw in self._raw_sources:
            self._feed_sources(names(raw))
        used = self._used_sources()
        review.new_sources = [sid for sid in self.sources if sid in used]
        record["counts"] = review.counts()
        self.record, review._build = record, lambda: self._build_paused(author)
        del self.review  # (no cycle with the review: freed at once, not at a rare full GC)

    def _build_paused(self, author: str) -> list[Change]:
        with gc_paused():
            return self.build(author)

    def _used_sources(self) -> set[str]:
        used: set[str] = set()
        for d in self.create_ids if self.mapped_creates else ():
            if isinstance(d, dict):
                used.update(d["source_ids"])
        for raw in getattr(self, "_raw_sources", ()):
            used.update(source_id(self.feed, n) for n in names(raw))
        for c in self.updates:
            used.update((c.after or {}).get("source_ids", []))
        return used

    def build(self, author: str) -> list[Change]:
        """The changes: new factions and sources, new events (one run), updates, marks, and
        the record of the import."""
        changes: list[Change] = []
        for x in self.factions:
            changes.append(entity_change(FACTION, x["id"], None, x, f"Import: faction {x['id']}"))
        used = self._used_sources()
        for sid, s in self.sources.items():
            if sid in used:
                changes.append(entity_change(SOURCE, sid, None, s, f"Import: source {sid}"))
        for i, d in zip(self.create_rows, self.create_ids, strict=True):
            if isinstance(d, str):
                d = self._json_of(i, d)
            changes.append(entity_change(EVENT, d["id"], None, d, f"Import: {d['id']}"))
        changes += self.updates + self.marks
        imports = self.scenario.extra.get(IMPORTS)
        previous = list(imports) if isinstance(imports, list) else []
        changes.append(scenario_field_change(self.scenario, IMPORTS,
                                             [*previous, self.record],
                                             f"Import {self.parsed.file.path.name}"))
        if author:
            changes = [c.stamped(author) for c in changes]
        return changes

    def _json_of(self, i: int, event_id: str) -> dict[str, Any]:
        inc = self.cols.full(i, self.tz)
        d = event_json_of(inc, event_id, self.actors(inc.actors), self._feed_sources(inc))
        d[ORIGIN] = self._origin(i, {k: digest(d.get(k)) for k in FEED_FIELDS})
        if inc.feed_data:
            d[FEED_DATA] = inc.feed_data
        return d


def apply_review(scenario: Scenario, review: Review, log: ChangeLog | None = None) -> int:
    """Apply the review's changes all or nothing (one batch); returns how many were new."""
    return (log or ChangeLog(scenario)).apply_batch(review.changes)


def previous_import(scenario: Scenario, sha256: str) -> dict[str, Any] | None:
    """The record of an earlier import of the same file (same SHA-256), if any."""
    imports = scenario.extra.get(IMPORTS)
    if isinstance(imports, list):
        for r in imports:
            if isinstance(r, dict) and r.get("sha256") == sha256:
                return r
    return None
