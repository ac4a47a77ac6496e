"""Briefings as the scenario records them, and what changed since the last one (pure Python).

Two scenario-level fields (their contract is declared in :mod:`monitor.model.schema`):

``key_judgements``
    the bottom line: ``{"bluf": text, "judgements": [{"text", "likelihood",
    "confidence", "source_ids"}]}`` (likelihood from the ICD 203 scale
    :data:`~monitor.model.schema.LIKELIHOODS`, confidence low / moderate / high); the
    older forms (plain text, a list of texts) still load and print as they are.
    :func:`read_key_judgements` reads any form.
``briefings``
    one record per exported briefing: its as-of time, when it was produced and by whom,
    the trend markers the analyst set, and the number of events per category at or before
    its as-of time (so that a later briefing can tell events withdrawn since, without a
    copy of them). :func:`briefing_records` reads them, :func:`record_json` makes one.

:func:`since_last` is the query behind a briefing's "Since the last briefing" section:
crossing status changes that took effect after the last briefing's as-of time or were
recorded after it was produced (from → to, when, by whom, sources), new, late and
withdrawn events by category, territory shares in percentage points, and a suggested
trend per crossing and overall. :func:`staleness` says how old the newest figures are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitor.model.entities import CrossingStatus, Moment, Scenario
from monitor.model.schema import (
    CONFIDENCES,
    LIKELIHOODS,
    MAX_BRIEFINGS,
    TRENDS,
    briefings_problems,
    key_judgements_problems,
)
from monitor.model.series import territory_series

if TYPE_CHECKING:
    import pandas as pd

KEY_JUDGEMENTS = "key_judgements"
BRIEFINGS = "briefings"
STALE_AFTER = timedelta(hours=72)
#: How open a status is: a move up is an improvement, a move down a deterioration.
OPENNESS = {CrossingStatus.CLOSED: 0, CrossingStatus.RESTRICTED: 1, CrossingStatus.OPEN: 2}

__all__ = [
    "BRIEFINGS",
    "CONFIDENCES",
    "KEY_JUDGEMENTS",
    "LIKELIHOODS",
    "STALE_AFTER",
    "TRENDS",
    "BriefingRecord",
    "CategoryChange",
    "CrossingTrend",
    "Judgement",
    "KeyJudgements",
    "ShareChange",
    "SinceLast",
    "Stale",
    "StatusChange",
    "briefing_records",
    "event_counts",
    "key_judgements_json",
    "last_briefing",
    "read_key_judgements",
    "record_json",
    "since_last",
    "staleness",
    "with_record",
]


# --------------------------------------------------------------------------- key judgements
@dataclass(frozen=True, slots=True)
class Judgement:
    text: str
    likelihood: str
    confidence: str
    source_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyJudgements:
    """The bottom line: ``bluf`` and the structured ``judgements``; ``legacy`` holds an older
    plain-text value (a string or a list of strings) as it was written."""

    bluf: str = ""
    judgements: tuple[Judgement, ...] = ()
    legacy: str | tuple[str, ...] | None = None

    @property
    def empty(self) -> bool:
        legacy = self.legacy
        has_legacy = bool(legacy.strip()) if isinstance(legacy, str) else bool(legacy)
        return not self.bluf.strip() and not self.judgements and not has_legacy


def read_key_judgements(value: Any) -> KeyJudgements:
    """Any stored form of ``key_judgements`` (nothing, text, a list of texts, the object);
    a value that breaks the contract reads as empty."""
    if value is None:
        return KeyJudgements()
    if isinstance(value, str):
        return KeyJudgements(legacy=value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return KeyJudgements(legacy=tuple(value))
    if key_judgements_problems(value):
        return KeyJudgements()
    items = tuple(
        Judgement(j["text"], j["likelihood"], j["confidence"], tuple(j.get("source_ids", ())))
        for j in value.get("judgements", ())
    )
    return KeyJudgements(value.get("bluf", ""), items)


def key_judgements_json(bluf: str, judgements: Sequence[Judgement]) -> dict[str, Any] | None:
    """The stored form of a bottom line (``None`` when there is nothing to store)."""
    items = [
        {
            "text": j.text.strip(),
            "likelihood": j.likelihood,
            "confidence": j.confidence,
            "source_ids": list(j.source_ids),
        }
        for j in judgements
        if j.text.strip()
    ]
    if not bluf.strip() and not items:
        return None
    return {"bluf": bluf.strip(), "judgements": items}


# --------------------------------------------------------------------------- briefing records
@dataclass(frozen=True, slots=True)
class BriefingRecord:
    """One exported briefing as the scenario records it. ``events``: events per category at
    or before ``as_of`` when it was made (``None``: not known, e.g. a ``--since`` time)."""

    as_of: datetime
    produced: datetime
    by: str = ""
    since: datetime | None = None
    overall: str | None = None
    crossings: Mapping[str, str] = field(default_factory=dict)
    events: Mapping[str, int] | None = None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def briefing_records(scenario: Scenario) -> list[BriefingRecord]:
    """The recorded briefings, oldest produced first (an unreadable field reads as none)."""
    value = scenario.extra.get(BRIEFINGS)
    if not value or briefings_problems(value):
        return []
    out = [
        BriefingRecord(
            as_of=_time(d["as_of"]),
            produced=_time(d["produced"]),
            by=d.get("by", ""),
            since=_time(d["since"]) if d.get("since") else None,
            overall=d.get("overall"),
            crossings=dict(d.get("crossings", {})),
            events=dict(d["events"]) if "events" in d else None,
        )
        for d in value
    ]
    out.sort(key=lambda r: r.produced)
    return out


def last_briefing(scenario: Scenario, as_of: datetime | None = None) -> BriefingRecord | None:
    """The briefing produced last (with an as-of time at or before ``as_of`` if given)."""
    records = [r for r in briefing_records(scenario) if as_of is None or r.as_of <= as_of]
    return records[-1] if records else None


def record_json(
    scenario: Scenario,
    as_of: datetime,
    produced: datetime,
    *,
    by: str = "",
    since: datetime | None = None,
    overall: str | None = None,
    crossings: Mapping[str, str] | None = None,
    frame: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """A record of a briefing as of ``as_of`` (stored in ``briefings``)."""
    d: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "produced": produced.astimezone(UTC).isoformat(timespec="seconds"),
        "by": by,
        "events": event_counts(scenario, as_of, frame),
    }
    if since is not None:
        d["since"] = since.isoformat()
    if overall is not None:
        d["overall"] = overall
    if crossings:
        d["crossings"] = dict(crossings)
    return d


def with_record(scenario: Scenario, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``briefings`` value with ``record`` appended (the oldest dropped past the limit)."""
    value = scenario.extra.get(BRIEFINGS)
    old = list(value) if isinstance(value, list) and not briefings_problems(value) else []
    return [*old, record][-MAX_BRIEFINGS:]


def _frame(scenario: Scenario, frame: pd.DataFrame | None) -> pd.DataFrame:
    return scenario.events_frame() if frame is None else frame


def _ns(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000) * 1000


def event_counts(
    scenario: Scenario, until: datetime, frame: pd.DataFrame | None = None
) -> dict[str, int]:
    """Events per category whose time starts at or before ``until``."""
    f = _frame(scenario, frame)
    if not len(f):
        return {}
    picked = f["category"][f["time_ns"].to_numpy() <= _ns(until)]
    return {str(k): int(v) for k, v in picked.astype(str).value_counts().items() if v}


# --------------------------------------------------------------------------- since the last one
@dataclass(frozen=True, slots=True)
class StatusChange:
    crossing_id: str
    crossing: str
    before: CrossingStatus | None
    after: CrossingStatus
    effective: Moment
    recorded: Moment | None
    by: str
    source_ids: tuple[str, ...]
    note: str
    late: bool  # took effect before the last briefing's as-of time, recorded after it


@dataclass(frozen=True, slots=True)
class CategoryChange:
    category: str
    new: int  # events of the period since the last as-of time
    late: int  # net events added before the last as-of time since it was made
    withdrawn: int  # net events removed from before the last as-of time


@dataclass(frozen=True, slots=True)
class ShareChange:
    faction_id: str
    faction: str
    color: str
    before: float
    after: float
    estimated: bool

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class CrossingTrend:
    crossing_id: str
    crossing: str
    before: CrossingStatus | None
    after: CrossingStatus | None
    suggested: str  # deteriorated | unchanged | improved


@dataclass(frozen=True, slots=True)
class SinceLast:
    previous: BriefingRecord
    as_of: datetime
    status_changes: tuple[StatusChange, ...]
    categories: tuple[CategoryChange, ...]
    counts_known: bool  # the last briefing recorded its event counts (withdrawn is known)
    shares: tuple[ShareChange, ...]
    shares_dates: tuple[date, date] | None  # territory dates in force at the two times
    crossings: tuple[CrossingTrend, ...]
    overall: str  # suggested overall trend

    @property
    def new_events(self) -> int:
        return sum(c.new for c in self.categories)


def trend(before: CrossingStatus | None, after: CrossingStatus | None) -> str:
    if before is None or after is None or OPENNESS[after] == OPENNESS[before]:
        return "unchanged"
    return "improved" if OPENNESS[after] > OPENNESS[before] else "deteriorated"


def since_last(
    scenario: Scenario,
    previous: BriefingRecord,
    as_of: datetime,
    frame: pd.DataFrame | None = None,
) -> SinceLast:
    """What changed between the ``previous`` briefing and a briefing as of ``as_of``."""
    t1 = previous.as_of
    # Recorded times are whole seconds: an entry recorded in the second the last briefing
    # was produced counts as after it (it may repeat one the briefing saw; never misses one).
    produced = previous.produced.replace(microsecond=0)
    changes: list[StatusChange] = []
    trends: list[CrossingTrend] = []
    for c in scenario.crossings:
        timeline = c.timeline()
        for i, h in enumerate(timeline):
            eff = h.time.instant
            recorded_after = h.recorded_at is not None and h.recorded_at.instant >= produced
            if eff > as_of or not (eff > t1 or recorded_after):
                continue
            before = timeline[i - 1].status if i else None
            changes.append(
                StatusChange(
                    c.id,
                    c.name,
                    before,
                    h.status,
                    h.time,
                    h.recorded_at,
                    h.by or "",
                    tuple(h.source_ids),
                    h.note or "",
                    late=eff <= t1,
                )
            )
        touched = any(x.crossing_id == c.id for x in changes)
        first = _status_known_at(scenario, c.id, t1, produced)
        last = c.status_at(as_of)
        suggested = trend(first, last) if touched else "unchanged"
        trends.append(CrossingTrend(c.id, c.name, first, last, suggested))
    changes.sort(key=lambda x: (x.effective.instant, x.crossing_id))
    score = sum({"improved": 1, "deteriorated": -1}.get(t.suggested, 0) for t in trends)
    overall = "improved" if score > 0 else "deteriorated" if score < 0 else "unchanged"
    categories = _category_changes(scenario, previous, as_of, frame)
    shares, dates = _share_changes(scenario, t1, as_of)
    return SinceLast(
        previous=previous,
        as_of=as_of,
        status_changes=tuple(changes),
        categories=categories,
        counts_known=previous.events is not None,
        shares=shares,
        shares_dates=dates,
        crossings=tuple(trends),
        overall=overall,
    )


def _status_known_at(
    scenario: Scenario, crossing_id: str, t1: datetime, produced: datetime
) -> CrossingStatus | None:
    """The status the last briefing printed: in force at ``t1`` among the entries recorded by
    the time it was produced (entries without a recorded time count as known)."""
    c = scenario.crossing(crossing_id)
    if c is None:
        return None
    known = [
        h
        for h in c.timeline()
        if h.time.instant <= t1 and (h.recorded_at is None or h.recorded_at.instant < produced)
    ]
    return known[-1].status if known else None


def _category_changes(
    scenario: Scenario, previous: BriefingRecord, as_of: datetime, frame: pd.DataFrame | None
) -> tuple[CategoryChange, ...]:
    f = _frame(scenario, frame)
    now_before = event_counts(scenario, previous.as_of, f)
    if len(f):
        # New: starting after the last as-of time (a day-long event whose day began before
        # it was already in that briefing).
        t = f["time_ns"].to_numpy()
        mask = (t > _ns(previous.as_of)) & (t <= _ns(as_of))
        counts = f["category"][mask].astype(str).value_counts()
        new = {str(k): int(v) for k, v in counts.items() if v}
    else:
        new = {}
    base = dict(previous.events) if previous.events is not None else now_before
    out = []
    for cat in sorted(set(new) | set(now_before) | set(base)):
        net = now_before.get(cat, 0) - base.get(cat, 0)
        item = CategoryChange(cat, new.get(cat, 0), max(net, 0), max(-net, 0))
        if item.new or item.late or item.withdrawn:
            out.append(item)
    return tuple(out)


def _share_changes(
    scenario: Scenario, t1: datetime, t2: datetime
) -> tuple[tuple[ShareChange, ...], tuple[date, date] | None]:
    tz = scenario.tz
    series = territory_series(scenario)
    if series.empty:
        return (), None
    i2 = series.index_on_or_before(t2.astimezone(tz).date())
    if i2 is None:
        return (), None
    i1 = series.index_on_or_before(t1.astimezone(tz).date())
    i1 = 0 if i1 is None else i1
    out = []
    for j, f in enumerate(series.factions):
        a, b = float(series.shares[i1, j]), float(series.shares[i2, j])
        if a == 0 and b == 0:
            continue
        out.append(ShareChange(f.id, f.name, f.color, a, b, bool(series.estimated[i2, j])))
    return tuple(out), (series.dates[i1], series.dates[i2])


# --------------------------------------------------------------------------- staleness
@dataclass(frozen=True, slots=True)
class Stale:
    what: str  # "territory figure" | "event"
    newest: datetime | None  # None: there is none at or before the as-of time
    age: timedelta | None
    day: date | None = None  # the newest figure's day, when it is one (territory dates)


def staleness(
    scenario: Scenario,
    as_of: datetime,
    frame: pd.DataFrame | None = None,
    limit: timedelta = STALE_AFTER,
) -> list[Stale]:
    """The newest territory figure and the newest event at or before ``as_of``, each when it
    is older than ``limit`` (or missing)."""
    tz = scenario.tz
    out = []
    days = [d for d in scenario.territory_dates() if d <= as_of.astimezone(tz).date()]
    if scenario.territory:
        newest = Moment.of_day(days[-1], tz).end if days else None
        age = as_of - newest if newest else None
        if newest is None or (age is not None and age > limit):
            out.append(Stale("territory figure", newest, age, days[-1] if days else None))
    import numpy as np

    f = _frame(scenario, frame)
    if len(f):
        t = f["time_ns"].to_numpy()
        ends = f["end_ns"].to_numpy() if "end_ns" in f else t
        rows = np.flatnonzero(t <= _ns(as_of))
        if len(rows):  # a day-long event is news until its day ends
            last = int(rows[np.argmax(ends[rows])])
            when = datetime.fromtimestamp(min(int(ends[last]), _ns(as_of)) / 1e9, UTC)
            m = scenario.events[last].time
            if as_of - when > limit:
                out.append(Stale("event", when, as_of - when, m.date if m.day else None))
        else:
            out.append(Stale("event", None, None))
    return out
