"""The change log's unit: one edit of a scenario, as a plain, addressable, JSON value.

Every edit of a scenario — a crossing status entry, an event, a source, a faction, a
crossing, a territory share, the key judgements — is a :class:`Change`:

* a stable ``id`` (a UUID), its ``author`` and when it was ``recorded`` (UTC);
* a target addressed by entity and id (``entity``, ``key``), never by list position:
  ``("event", "ev-12")``, ``("status", "qaim")`` (an entry of crossing ``qaim``'s
  history, identified by its content), ``("territory", "2024-12-01/sdf")``,
  ``("scenario", "key_judgements")``;
* ``before`` and ``after``: the entity's JSON as in the scenario file (``None`` = it does
  not exist). For an update of an event, source, faction or crossing only the fields that
  differ between ``before`` and ``after`` are changed, so two analysts' edits of different
  fields of one event both survive a merge.

A change is checked against the scenario file's contract before it is applied (see
:mod:`monitor.model.changelog`); undo is a new change (:meth:`Change.inverse`) that points
back at the one it reverts. :meth:`Change.to_json` / :meth:`Change.from_json` are the
journal's (and later the team store's) line format; ``from_json`` refuses anything that is
not exactly a change (wrong types, unknown entities, non-finite numbers, lone surrogates,
nesting deeper than :data:`MAX_DEPTH`), with a reason.

Pure Python, no Qt.
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from monitor.model.entities import CrossingStatus, Moment, Scenario, StatusEntry
from monitor.model.schema import key_judgements_problems
from monitor.model.text import isolate_if_needed
from monitor.model.timeutil import MAX_YEAR, MIN_YEAR
from monitor.model.writer import status_entry_json

EVENT = "event"
SOURCE = "source"
FACTION = "faction"
CROSSING = "crossing"
STATUS = "status"
TERRITORY = "territory"
SCENARIO = "scenario"
ENTITIES = (EVENT, SOURCE, FACTION, CROSSING, STATUS, TERRITORY, SCENARIO)
#: Entities kept as a list in the file: a deletion's ``place`` says where the item was (its
#: index and the key of the item after it), so that undo puts it back in its place.
LIST_ENTITIES = (SOURCE, FACTION, CROSSING, TERRITORY)

#: Scenario-level fields a change may set (anything else in the file is structure, not a
#: field an edit may replace: a change to ``events`` or ``schema_version`` is refused).
SCENARIO_FIELDS = ("key_judgements", "imports", "briefings")
KEY_JUDGEMENTS = "key_judgements"
BRIEFINGS = "briefings"  # the record of exported briefings (see model.schema.briefings_problems)
IMPORTS = "imports"  # the record of feed imports: a list of objects (file, sha256, format, ...)

#: Deeper JSON than this in a change is refused (the file format never needs it).
MAX_DEPTH = 64
MAX_LABEL = 500

STATUS_CYCLE = (CrossingStatus.OPEN, CrossingStatus.CLOSED)

_CHANGE_KEYS = frozenset(
    {"id", "author", "recorded", "entity", "key", "before", "after", "label", "reverts", "place"}
)


class ChangeError(ValueError):
    """A change is malformed or does not fit the scenario (says why)."""


_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))  # (the version and variant bits of a UUID)
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


def new_id() -> str:
    """A random (version 4) UUID as text, exactly as ``str(uuid.uuid4())`` makes it, in
    about half the time (an import makes 100k of them, its undo and redo 100k more)."""
    h = f"{int.from_bytes(os.urandom(16)) & _V4_CLEAR | _V4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NOW: tuple[int, str] = (-1, "")  # (the last millisecond asked for, as text)


def utc_now() -> str:
    """Now in UTC to the millisecond, ISO 8601 (``2024-12-06T08:30:00.123+00:00``); the
    text is made once per millisecond (a batch of 100k changes asks for it 100k times)."""
    global _NOW
    ms = time.time_ns() // 1_000_000
    last = _NOW
    if last[0] == ms:
        return last[1]
    at = datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)
    _NOW = (ms, at.isoformat(timespec="milliseconds"))
    return _NOW[1]


@dataclass(frozen=True, slots=True)
class Change:
    """One edit: ``entity``/``key`` goes from ``before`` to ``after`` (JSON values)."""

    entity: str
    key: str
    before: Any
    after: Any
    label: str = ""
    id: str = field(default_factory=new_id)
    author: str = ""
    recorded: str = field(default_factory=utc_now)
    reverts: str | None = None
    #: Where a status entry is (deleted) or goes (created), so that undoing a deletion puts
    #: the entry back exactly (its place decides between entries of the same time):
    #: ``{"index": i, "next": <the entry after it, or null>}`` — a hint, used only while the
    #: content agrees; otherwise a new entry goes where its times sort. For a source,
    #: faction, crossing or territory share: ``{"index": i, "next": <key after it or
    #: null>}`` (see :func:`list_delete_change`); without it a new item goes last.
    place: Any = None

    # -- derived changes -------------------------------------------------------------
    def inverse(self, author: str | None = None) -> Change:
        """The change that undoes this one (a new change: the log is append-only)."""
        return Change(
            self.entity,
            self.key,
            self.after,
            self.before,
            label=self.label,
            author=self.author if author is None else author,
            reverts=self.id,
            place=self.place,
        )

    def again(self, author: str | None = None) -> Change:
        """The same edit as a new change (redo after an undo)."""
        return replace(
            self, id=new_id(), recorded=utc_now(), author=self.author if author is None else author
        )

    def stamped(self, author: str) -> Change:
        """This change with its author set (the session stamps what the analyst records)."""
        return self if self.author == author else replace(self, author=author)

    @property
    def fields(self) -> list[str]:
        """The fields an update changes (all of them for a creation or deletion)."""
        b, a = self.before, self.after
        if isinstance(b, dict) and isinstance(a, dict):
            return sorted(k for k in b.keys() | a.keys() if b.get(k, _ABSENT) != a.get(k, _ABSENT))
        return sorted((a if isinstance(a, dict) else b if isinstance(b, dict) else {}).keys())

    # -- JSON ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "author": self.author,
            "recorded": self.recorded,
            "entity": self.entity,
            "key": self.key,
            "before": self.before,
            "after": self.after,
            "label": self.label,
        }
        if self.reverts is not None:
            d["reverts"] = self.reverts
        if self.place is not None:
            d["place"] = self.place
        return d

    @classmethod
    def from_json(cls, d: Any) -> Change:
        """A change from its JSON form; :class:`ChangeError` says what is wrong with it."""
        if not isinstance(d, dict):
            raise ChangeError(f"a change must be a JSON object, not {_kind(d)}")
        unknown = sorted(set(d) - _CHANGE_KEYS)
        if unknown:
            raise ChangeError(f"unknown field {unknown[0]!r} in a change")
        for name in ("id", "author", "recorded", "entity", "key", "label"):
            if name not in d:
                raise ChangeError(f'missing field "{name}"')
            if not isinstance(d[name], str):
                raise ChangeError(f'"{name}" must be text, not {_kind(d[name])}')
        for name in ("before", "after"):
            if name not in d:
                raise ChangeError(f'missing field "{name}"')
        reverts = d.get("reverts")
        if reverts is not None and not isinstance(reverts, str):
            raise ChangeError(f'"reverts" must be text, not {_kind(reverts)}')
        change = cls(
            entity=d["entity"],
            key=d["key"],
            before=d["before"],
            after=d["after"],
            label=d["label"],
            id=d["id"],
            author=d["author"],
            recorded=d["recorded"],
            reverts=reverts,
            place=d.get("place"),
        )
        check_shape(change)
        return change


_ABSENT = object()


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_JSON: list[Any] = []  # msgspec's JSON encoder and decoder, made on first use


def plain_json(value: Any) -> bytes | None:
    """``value`` as compact JSON text (UTF-8) if it is plain JSON for certain, found in C
    (a big event's walk in :func:`check_plain` costs a hundred times more); None: the walk
    decides, and says why. The text (msgspec's: no unpaired surrogate gets through, NaN
    and infinity become null) reads back as the same value (so no NaN, infinity, tuple or
    other type hides and every key is text), with at most MAX_DEPTH containers in all."""
    if not _JSON:
        import msgspec

        _JSON[:] = [msgspec.json.Encoder().encode, msgspec.json.Decoder().decode,
                    msgspec.MsgspecError]
    encode, decode, failure = _JSON
    try:
        text: bytes = encode(value)
        if decode(text) != value:
            return None
    except (failure, TypeError, ValueError, OverflowError, RecursionError):
        return None
    if text.count(b"[") + text.count(b"{") <= MAX_DEPTH:  # (those in strings included)
        return text
    bare = _STRING.sub(b"", text)
    return text if bare.count(b"[") + bare.count(b"{") <= MAX_DEPTH else None


def _surely_plain(value: Any) -> bool:
    """True if ``value`` is plain JSON for certain (see :func:`plain_json`); False: the
    walk decides, and says why."""
    if value is None or type(value) in (str, int, bool):
        return type(value) is not str or not _has_lone_surrogate(value)
    return plain_json(value) is not None


def check_plain(value: Any, where: str) -> None:
    """Refuse what a scenario file cannot hold: non-JSON types, NaN/infinity, lone
    surrogates (they make every save fail), nesting deeper than :data:`MAX_DEPTH`.
    Iterative, so no depth can exhaust the interpreter's stack."""
    if _surely_plain(value):
        return
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ChangeError(f"{path}: nested more than {MAX_DEPTH} levels deep")
        if node is None or isinstance(node, bool):
            continue
        if isinstance(node, str):
            if _has_lone_surrogate(node):
                raise ChangeError(f"{path}: text holds an unpaired surrogate (not valid Unicode)")
            continue
        if isinstance(node, int):
            continue
        if isinstance(node, float):
            if not math.isfinite(node):
                raise ChangeError(f"{path}: {node!r} is not a JSON number")
            continue
        if isinstance(node, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
            continue
        if isinstance(node, dict):
            for k, v in node.items():
                if not isinstance(k, str):
                    raise ChangeError(f"{path}: an object key must be text")
                if _has_lone_surrogate(k):
                    raise ChangeError(f"{path}: a key holds an unpaired surrogate")
                stack.append((v, f"{path}.{k}", depth + 1))
            continue
        raise ChangeError(f"{path}: {_kind(node)} cannot be stored in a scenario file")


def check_shape(change: Change) -> None:
    """Everything about a change that does not depend on the scenario it is applied to."""
    if change.entity not in ENTITIES:
        raise ChangeError(
            f"unknown entity {change.entity!r} (expected one of {', '.join(ENTITIES)})"
        )
    for name in ("id", "key"):
        value = getattr(change, name)
        if not isinstance(value, str) or not value.strip() or len(value) > 1000:
            raise ChangeError(
                f"the change's {name} must be non-empty text of at most 1000 characters"
            )
    for name in ("id", "author", "recorded", "key", "label"):
        value = getattr(change, name)
        if not isinstance(value, str):
            raise ChangeError(f"the change's {name} must be text")
        if _has_lone_surrogate(value):
            raise ChangeError(f"the change's {name} holds an unpaired surrogate")
    if len(change.label) > MAX_LABEL:
        raise ChangeError(f"the change's label is longer than {MAX_LABEL} characters")
    if change.reverts is not None and not isinstance(change.reverts, str):
        raise ChangeError("the change's reverts must be text")
    try:
        datetime.fromisoformat(change.recorded)
    except (TypeError, ValueError):
        raise ChangeError(f"recorded time {change.recorded!r} is not an ISO 8601 time") from None
    if change.before is None and change.after is None:
        raise ChangeError("a change needs a before or an after value")
    check_plain(change.before, "before")
    check_plain(change.after, "after")
    check_plain(change.place, "place")
    if change.place is not None and change.entity in LIST_ENTITIES:
        p = change.place
        index = p.get("index") if isinstance(p, dict) else None
        if (
            not isinstance(p, dict)
            or set(p) != {"index", "next"}
            or isinstance(index, bool)
            or not isinstance(index, int)
            or index < 0
            or not (p["next"] is None or isinstance(p["next"], str))
        ):
            raise ChangeError(
                f'place: expected {{"index": n, "next": key or null}} for a {change.entity}'
            )
    elif change.place is not None:
        p = change.place
        index = p.get("index") if isinstance(p, dict) else None
        if (
            change.entity != STATUS
            or not isinstance(p, dict)
            or set(p) != {"index", "next"}
            or isinstance(index, bool)
            or not isinstance(index, int)
            or index < 0
            or not (p["next"] is None or isinstance(p["next"], dict))
        ):
            raise ChangeError(
                'place: expected {"index": n, "next": entry or null} for a status entry'
            )
    if change.entity == SCENARIO:
        if change.key not in SCENARIO_FIELDS:
            raise ChangeError(
                f"scenario field {change.key!r} cannot be changed "
                f"(only {', '.join(SCENARIO_FIELDS)})"
            )
        return
    for name in ("before", "after"):
        value = getattr(change, name)
        if value is not None and not isinstance(value, dict):
            raise ChangeError(f"{name}: a {change.entity} must be an object, not {_kind(value)}")
    if change.entity == STATUS:
        return
    for name in ("before", "after"):
        value = getattr(change, name)
        if value is None:
            continue
        if change.entity == TERRITORY:
            k = f"{value.get('date')}/{value.get('faction')}"
            if k != change.key:
                raise ChangeError(f"{name}: a territory share keyed {change.key!r} is for {k!r}")
        elif value.get("id") != change.key:
            raise ChangeError(
                f"{name}: the {change.entity} id must be {change.key!r} (ids do not change)"
            )


# -- building changes ------------------------------------------------------------------
def _label_name(name: str, limit: int = 400) -> str:
    """A name from the file inside a change's label, as it is unless it is so long that the
    label would pass :data:`MAX_LABEL` (then cut, with "…"), bidi-isolated."""
    return isolate_if_needed(name if len(name) <= limit else name[: limit - 1] + "…")


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
    label = f"{_label_name(crossing.name)}: {status.value}"
    return Change(STATUS, crossing_id, None, status_entry_json(entry), label, author=by or "")


def edit_entry(
    crossing_name: str,
    crossing_id: str,
    old: StatusEntry,
    position: int | None = None,
    **fields: Any,
) -> Change:
    """A change that edits fields of one history entry (time, note, status, source_ids...).

    The entry is addressed by its content; ``position`` is accepted for callers that still
    pass it and ignored (two equal entries are interchangeable)."""
    del position
    new = replace(old, **fields)
    _check_years(new.time, new.recorded_at)
    what = ", ".join(sorted(fields))
    label = f"{_label_name(crossing_name)}: edit {what}"
    return Change(STATUS, crossing_id, status_entry_json(old), status_entry_json(new), label)


def delete_entry(
    crossing_name: str,
    crossing_id: str,
    old: StatusEntry,
    position: int | None = None,
    *,
    history: tuple[StatusEntry, ...] | None = None,
) -> Change:
    """A change that deletes the history entry ``old`` (addressed by its content).

    Give the crossing's ``history`` so that undo puts the entry back in its place (which
    decides between entries of the same time): the change's ``place`` then says where it
    was, as a hint checked against the content (see :attr:`Change.place`). ``position`` is
    accepted for older callers and ignored."""
    del position
    label = f"{_label_name(crossing_name)}: delete entry"
    place: dict[str, Any] | None = None
    if history is not None:
        at = next((i for i, e in enumerate(history) if e is old), None)
        if at is None:
            at = next((i for i, e in enumerate(history) if e == old), None)
        if at is not None:
            following = history[at + 1] if at + 1 < len(history) else None
            place = {"index": at, "next": status_entry_json(following) if following else None}
    return Change(STATUS, crossing_id, status_entry_json(old), None, label, place=place)


def scenario_field_change(scenario: Scenario, name: str, after: Any, label: str = "") -> Change:
    """A change that sets (``after``) or removes (``None``) a scenario-level field."""
    return Change(
        SCENARIO, name, scenario.extra.get(name), after, label or f"Edit {name.replace('_', ' ')}"
    )


def entity_change(entity: str, key: str, before: Any, after: Any, label: str = "") -> Change:
    """A change of an event, source, faction, crossing or territory share (JSON values as
    in the file; ``before=None`` creates, ``after=None`` deletes)."""
    if not label:
        verb = "Add" if before is None else "Delete" if after is None else "Edit"
        label = f"{verb} {entity} {_label_name(key)}"
    return Change(entity, key, before, after, label)


def list_delete_change(
    scenario: Scenario, entity: str, key: str, before: Any, label: str = ""
) -> Change:
    """A change deleting the source, faction, crossing or territory share ``key`` (JSON
    ``before`` as in the file) that remembers its place in the file's list, so that undo
    puts it back exactly where it was."""
    if entity not in LIST_ENTITIES:
        raise ChangeError(f"{entity} is not kept in a list")
    if entity == TERRITORY:
        keys = [f"{t.date.isoformat()}/{t.faction}" for t in scenario.territory]
    elif entity == SOURCE:
        keys = [s.id for s in scenario.sources]
    elif entity == FACTION:
        keys = [f.id for f in scenario.factions]
    else:
        keys = [c.id for c in scenario.crossings]
    place: dict[str, Any] | None = None
    if key in keys:
        at = keys.index(key)
        place = {"index": at, "next": keys[at + 1] if at + 1 < len(keys) else None}
    change = entity_change(entity, key, before, None, label)
    return replace(change, place=place)


def source_citation(scenario: Scenario, source_id: str) -> str:
    """Why source ``source_id`` cannot be deleted: the first event, status entry or key
    judgement still citing it ("" if none does; territory shares are the reader's to check)."""
    for event in scenario.events:
        if source_id in event.source_ids:
            return f'source "{source_id}" is still cited by event "{event.id}"'
    for crossing in scenario.crossings:
        if any(source_id in e.source_ids for e in crossing.history):
            return f'source "{source_id}" is still cited by crossing "{crossing.id}"'
    rest = [s.id for s in scenario.sources if s.id != source_id]
    if key_judgements_problems(scenario.extra.get(KEY_JUDGEMENTS), rest):
        return f'source "{source_id}" is still cited by the key judgements'
    return ""
