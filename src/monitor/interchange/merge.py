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
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.interchange.formats import ACLED, MONITOR
from monitor.interchange.parse import Parsed, Rejected, Row
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

#: The event fields a feed gives (updated by a newer row unless the analyst edited them).
FEED_FIELDS = ("time", "title", "summary", "category", "actors", "location")
ORIGIN, FEED_DATA, MISSING, WITHDRAWN = "origin", "feed_data", "missing_from_feed", "withdrawn"


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


def digest(value: Any) -> str:
    """8 hex digits standing for a feed field's value (compares what the feed gave with what
    the event holds now: a difference is the analyst's edit)."""
    if value is None:
        text = "\x00"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, list):
        text = "\x1f".join(map(str, value))
    elif isinstance(value, dict):
        text = "\x1e".join(f"{k}\x1f{_num(v)}" for k, v in sorted(value.items()))
    else:
        text = repr(value)
    return f"{zlib.crc32(text.encode('utf-8', 'surrogatepass')):08x}"


def _num(v: Any) -> Any:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def source_id(feed: str, name: str) -> str:
    slug = re.sub(r"[^\w]+", "-", name.casefold()).strip("-_")
    if not slug or len(slug) > 60:
        slug = f"{slug[:50]}-{zlib.crc32(name.encode('utf-8', 'surrogatepass')):08x}".lstrip("-")
    return f"{feed}-src:{slug}"


class _Actors:
    """Actor names -> faction ids (by id, name or alias, case-insensitive); others as given."""

    def __init__(self, scenario: Scenario):
        self.by: dict[str, str] = {}
        for f in scenario.factions:
            aliases = f.extra.get("aliases")
            labels = [f.id, f.name, *(a for a in aliases if isinstance(a, str))] \
                if isinstance(aliases, list) else [f.id, f.name]
            for n in labels:
                self.by.setdefault(" ".join(n.split()).casefold(), f.id)

    def __call__(self, actors: list[str]) -> list[str]:
        out: list[str] = []
        for a in actors:
            got = self.by.get(" ".join(a.split()).casefold(), a)
            if got not in out:
                out.append(got)
        return out


@dataclass(slots=True)
class _Known:
    """A feed event of the scenario: id, origin, day, country and its marks."""

    event_id: str
    origin: dict[str, Any]
    day: str
    country: str
    missing: bool
    withdrawn: int | None  # the deletion's timestamp


def _index(scenario: Scenario) -> dict[str, _Known]:
    """origin key -> the scenario's feed event (events with extra fields are kept as objects
    by the table: only those are looked at)."""
    out: dict[str, _Known] = {}
    table = scenario.table
    odd = table.rows(0, len(table))["odd"] if len(table) else {}
    for e in odd.values():
        x = e.extra
        o = x.get(ORIGIN)
        if isinstance(o, dict) and isinstance(o.get("feed"), str) and isinstance(o.get("id"), str):
            data = x.get(FEED_DATA)
            country = data.get("country", "") if isinstance(data, dict) else ""
            w = x.get(WITHDRAWN)
            out[f"{o['feed']}:{o['id']}"] = _Known(
                e.id, o, e.time.instant.date().isoformat(),
                country if isinstance(country, str) else "", x.get(MISSING) is not None,
                (w.get("timestamp", 0) if isinstance(w.get("timestamp", 0), int) else 0)
                if isinstance(w, dict) else None)
    return out


def _event_json(inc: Incoming, event_id: str, actors: list[str], source_ids: list[str]) -> dict:
    d: dict[str, Any] = {"id": event_id, "time": inc.time, "title": inc.title}
    if inc.summary is not None:
        d["summary"] = inc.summary
    d["category"] = inc.category
    d["actors"] = actors
    if inc.location is not None:
        d["location"] = inc.location
    d["source_ids"] = source_ids
    d["verification"] = "reported"
    return d


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
    def __init__(self, scenario: Scenario, parsed: Parsed, review: Review, tz: Any, now: str):
        self.scenario, self.parsed, self.review = scenario, parsed, review
        self.tz, self.now = tz, now
        self.feed = ACLED if parsed.feed == "acled-deletions" else parsed.feed
        self.index = _index(scenario)
        self.actors = _Actors(scenario)
        self.known_sources = {s.id for s in scenario.sources}
        self.ids = set(scenario.table.ids().to_pylist()) if len(scenario.table) else set()
        self.sources: dict[str, dict[str, Any]] = {}  # new sources by id
        self.creates: list[tuple[Row, Any]] = []  # (row, event JSON or None: map when applied)
        self.updates: list[Change] = []
        self.marks: list[Change] = []
        self.taken: set[str] = set()

    # -- rows of a feed ---------------------------------------------------------------
    def _newest(self) -> list[Row]:
        """One row per key: the one with the largest timestamp (the later line on a tie)."""
        best: dict[str, Row] = {}
        for row in self.parsed.rows:
            key = row.quick.key
            old = best.get(key)
            if old is None:
                best[key] = row
                continue
            a, b = old.quick.timestamp or 0, row.quick.timestamp or 0
            keep, drop = (row, old) if b >= a else (old, row)
            best[key] = keep
            self.review.skipped.append(Rejected(drop.where, f"{keep.where} has a newer copy of "
                                                f"{key} (timestamp {keep.quick.timestamp})", key))
        return list(best.values())

    def feed_rows(self) -> None:
        rows = self._newest()
        days = [r.quick.day for r in rows if r.quick.day]
        self.scope = (min(days), max(days)) if days else None
        self.countries = {r.quick.country for r in rows if r.quick.country}
        seen: set[str] = set()
        for row in rows:
            q = row.quick
            seen.add(q.key)
            have = self.index.get(q.key)
            if have is None:
                self._create(row)
                continue
            old_ts = have.origin.get("timestamp")
            gone = have.withdrawn
            if gone is not None and (q.timestamp is None or q.timestamp <= gone):
                self.review.skipped.append(Rejected(row.where, f"{q.key} was withdrawn by the "
                                                    "feed (a deletions list)", q.key))
                continue
            if q.timestamp is not None and isinstance(old_ts, int):
                if q.timestamp < old_ts:
                    self.review.skipped.append(Rejected(
                        row.where, f"older than the copy in the scenario (timestamp "
                        f"{q.timestamp} < {old_ts})", q.key))
                    continue
                newer = q.timestamp > old_ts
            else:
                newer = q.crc != have.origin.get("crc", q.crc)
            if not newer and not have.missing:
                self.review.unchanged += 1
                continue
            self._update(row, have.event_id, newer)
        self._flag_missing(seen)

    def _origin(self, row: Row, given: dict[str, str]) -> dict[str, Any]:
        q = row.quick
        o: dict[str, Any] = {"feed": self.feed, "id": q.native_id}
        if q.timestamp is not None:
            o["timestamp"] = q.timestamp
        if q.crc:
            o["crc"] = q.crc
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

    def _create(self, row: Row) -> None:
        event_id = row.quick.key
        n = 1
        while event_id in self.ids or event_id in self.taken:
            n += 1
            event_id = f"{row.quick.key}~{n}"
        self.taken.add(event_id)
        if row.quick.checked:  # mapped when the import is applied
            self.creates.append((row, event_id))
            return
        d = self._new_event(row, event_id)
        if d is not None:
            self.creates.append((row, d))

    def _new_event(self, row: Row, event_id: str) -> dict[str, Any] | None:
        try:
            inc = row.full(self.tz)
        except RowError as exc:
            self.review.rejected.append(Rejected(row.where, str(exc), row.quick.key))
            return None
        d = _event_json(inc, event_id, self.actors(inc.actors), self._feed_sources(inc))
        d[ORIGIN] = self._origin(row, {k: digest(d.get(k)) for k in FEED_FIELDS})
        if inc.feed_data:
            d[FEED_DATA] = inc.feed_data
        return d

    def _update(self, row: Row, event_id: str, newer: bool) -> None:
        before = entity_json(self.scenario, EVENT, event_id)
        after = dict(before)
        after.pop(MISSING, None)
        fields: list[str] = [MISSING] if MISSING in before else []
        kept: list[str] = []
        if newer:
            try:
                inc = row.full(self.tz)
            except RowError as exc:
                self.review.rejected.append(Rejected(row.where, str(exc), row.quick.key))
                return
            fresh = _event_json(inc, event_id, self.actors(inc.actors), [])
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
            after[ORIGIN] = self._origin(row, {k: digest(fresh.get(k)) for k in FEED_FIELDS})
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
        self.review.updated.append(Updated(row.quick.key, event_id, row.where, fields, kept))

    def _flag_missing(self, seen: set[str]) -> None:
        if self.scope is None:
            return
        lo, hi = self.scope
        check_country = self.parsed.has_country and bool(self.countries)
        for key, k in self.index.items():
            if key in seen or k.origin.get("feed") != self.feed or not lo <= k.day <= hi:
                continue
            if check_country and k.country not in self.countries:
                continue
            if k.missing or k.withdrawn is not None:
                continue
            event_id = k.event_id
            before = entity_json(self.scenario, EVENT, event_id)
            after = {**before, MISSING: {"since": self.now, "file": self.parsed.file.path.name,
                                         "file_sha256": self.parsed.file.sha256}}
            self.marks.append(entity_change(EVENT, event_id, before, after,
                                            f"Import: {event_id} missing from the feed"))
            self.review.flagged.append(event_id)

    def withdraw(self, dels: dict[str, int]) -> None:
        created = {eid if isinstance(eid, str) else eid["id"]: i
                   for i, (_r, eid) in enumerate(self.creates)}
        drop: set[int] = set()
        for native, ts in dels.items():
            key = f"{ACLED}:{native}"
            have = self.index.get(key)
            if have is None:
                at = created.get(key)
                if at is not None:
                    drop.add(at)
                    self.review.skipped.append(Rejected(self.creates[at][0].where,
                                                        f"{key} is on the deletions list", key))
                continue
            event_id, origin = have.event_id, have.origin
            if have.withdrawn is not None:
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
            self.creates = [c for i, c in enumerate(self.creates) if i not in drop]

    # -- the app's own GeoJSON export ------------------------------------------------------
    def monitor_rows(self) -> None:
        known_f = {f.id for f in self.scenario.factions}
        want_s = {s for row in self.parsed.rows for s in (row.full(self.tz).event or {})
                  .get("source_ids", []) if isinstance(s, str)}
        for s in self.parsed.sources:
            sid = s.get("id")
            if isinstance(sid, str) and sid in want_s and sid not in self.known_sources:
                self.sources[sid] = s
        self.factions = [x for x in self.parsed.factions
                         if isinstance(x.get("id"), str) and x["id"] not in known_f]
        self.scope = None
        for row in self.parsed.rows:
            ev = row.full(self.tz).event or {}
            current = entity_json(self.scenario, EVENT, ev["id"])
            if current is None:
                self.creates.append((row, ev))
            elif current == ev:
                self.review.unchanged += 1
            else:
                self.review.skipped.append(Rejected(row.where, f'event "{ev["id"]}" exists '
                                                    "with other content (not replaced)", ev["id"]))

    # -- the changes ---------------------------------------------------------------------
    def _check_creates(self) -> None:
        """Check the new events with the scenario's rules in one pass; a refused one is
        rejected with the contract's reason (the batch then cannot fail on it)."""
        mapped = [(i, d) for i, (_r, d) in enumerate(self.creates) if isinstance(d, dict)]
        if not mapped:
            return
        sc = self.scenario
        doc = scenario_to_json(Scenario(info=sc.info, factions=sc.factions, sources=sc.sources))
        doc["sources"] += list(self.sources.values())
        doc["factions"] += list(getattr(self, "factions", []))
        doc["events"] = [d for _i, d in mapped]
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
        drop = {mapped[j][0] for j in bad}
        for j in sorted(bad):
            row = self.creates[mapped[j][0]][0]
            self.review.rejected.append(Rejected(row.where, bad[j], row.quick.key))
        self.creates = [c for i, c in enumerate(self.creates) if i not in drop]

    def finish(self, author: str, deletions: Parsed | None) -> None:
        self._check_creates()
        review = self.review
        review.new = [d if isinstance(d, str) else d["id"] for _r, d in self.creates]
        review.new_factions = [x["id"] for x in getattr(self, "factions", [])]
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
        self._raw_sources = {r.quick.sources for r, d in self.creates if isinstance(d, str)}
        for raw in self._raw_sources:
            self._feed_sources(names(raw))
        used = self._used_sources()
        review.new_sources = [sid for sid in self.sources if sid in used]
        record["counts"] = review.counts()
        review._build = lambda: self._build_paused(author)

    def _build_paused(self, author: str) -> list[Change]:
        with gc_paused():
            return self.build(author)

    def _used_sources(self) -> set[str]:
        used: set[str] = set()
        for _row, d in self.creates:
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
        for x in getattr(self, "factions", []):
            changes.append(entity_change(FACTION, x["id"], None, x, f"Import: faction {x['id']}"))
        used = self._used_sources()
        for sid, s in self.sources.items():
            if sid in used:
                changes.append(entity_change(SOURCE, sid, None, s, f"Import: source {sid}"))
        for row, d in self.creates:
            if isinstance(d, str):
                d = self._json_of(row, d)
            changes.append(entity_change(EVENT, d["id"], None, d, f"Import: {d['id']}"))
        changes += self.updates + self.marks
        imports = self.scenario.extra.get(IMPORTS)
        previous = list(imports) if isinstance(imports, list) else []
        changes.append(scenario_field_change(self.scenario, IMPORTS,
                                             [*previous, self.review.record],
                                             f"Import {self.parsed.file.path.name}"))
        if author:
            changes = [c.stamped(author) for c in changes]
        return changes

    def _json_of(self, row: Row, event_id: str) -> dict[str, Any]:
        inc = row.full(self.tz)
        d = _event_json(inc, event_id, self.actors(inc.actors), self._feed_sources(inc))
        d[ORIGIN] = self._origin(row, {k: digest(d.get(k)) for k in FEED_FIELDS})
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
