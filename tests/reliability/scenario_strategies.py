# ruff: noqa: RUF001 - look-alike characters are the point of this test data
"""Hypothesis strategies for VALID scenario documents, and what a canonical save of one must be.

A document is the parsed JSON of a file (dicts and lists). The generator stays inside the
contract of docs/data-format.md (schema_version 1): unique ids, references that resolve,
shares per date <= 100 %, lat/lon in range, dates in the supported range, at least one
letter in required names. It deliberately mixes in right-to-left text, emoji, markup,
bidi controls, zero-width characters, JSON look-alikes ("NaN"), day and offset times in
several spellings, null for optional fields, and unknown extra fields at every level.

:func:`canonical` gives the document a correct save must write back (as parsed JSON).
"""

from __future__ import annotations

import copy
import os
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------------------- budget
DEFAULT_EXAMPLES = 200


def examples(default: int = DEFAULT_EXAMPLES) -> int:
    """Hypothesis ``max_examples``: the CI default, or scaled by ``MONITOR_FUZZ_EXAMPLES``.

    ``MONITOR_FUZZ_EXAMPLES=N`` gives the fuzz generators N cases each; tests that cost
    more per case (default below 200) keep their share: N * default / 200.
    """
    raw = os.environ.get("MONITOR_FUZZ_EXAMPLES", "").strip()
    if not raw:
        return default
    return max(1, round(int(raw) * default / DEFAULT_EXAMPLES))


def budget(default: int = DEFAULT_EXAMPLES) -> settings:
    """Hypothesis settings for these tests: :func:`examples` cases, no per-case deadline."""
    return settings(
        max_examples=examples(default),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# ---------------------------------------------------------------------------- text
NASTY_TEXT = [
    "القائم – البوكمال",  # Arabic with an en dash
    "معبر ربيعة",
    "🚧👨‍👩‍👧 border",  # emoji with ZWJ sequences
    "\u202eexe.txt",  # right-to-left override
    "a\u2069b\u202ec",  # stray pop-isolate, then an override
    "zero\u200bwidth\u200d\u2060\ufeffjoin",
    "<b>bold</b> <img src='file:///etc/hostname'>",
    '<a href="http://example.com">x</a>',
    "NaN",
    "Infinity",
    '"quoted" \\ back\\slash',
    "line\nbreak\ttab",
    "\u2028\u2029separators",
    "\x00nul\x1fctl",
    "   padded   ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd",
]

_any_text = st.one_of(st.text(max_size=16), st.sampled_from(NASTY_TEXT))
# Required strings must not be blank (the loader rejects "" and "   ").
_name = _any_text.filter(lambda t: bool(t.strip()))
_ids = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=8),
    _name,
)

# ---------------------------------------------------------------------------- times
ZONES = [
    "Asia/Baghdad",
    "UTC",
    "Asia/Damascus",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Chatham",
]
OFFSETS = [
    UTC,
    timezone(timedelta(hours=3)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-3, minutes=-30)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
]
MIN_DAY, MAX_DAY = date(1950, 1, 1), date(2100, 12, 31)

days = st.dates(MIN_DAY, MAX_DAY)


@st.composite
def day_text(draw) -> str:
    return draw(days).isoformat()


@st.composite
def datetime_text(draw) -> str:
    """An offset date-time in one of the accepted spellings."""
    naive = draw(st.datetimes(datetime(1950, 1, 2), datetime(2100, 12, 30)))
    if draw(st.booleans()):
        naive = naive.replace(microsecond=0)
    tz = draw(st.sampled_from(OFFSETS))
    value = naive.replace(tzinfo=tz)
    spelling = draw(st.sampled_from(["iso", "iso", "Z", "space", "minutes"]))
    text = value.isoformat()
    if spelling == "Z" and tz is UTC:
        text = text.replace("+00:00", "Z")
    elif spelling == "space":
        text = text.replace("T", " ")
    elif spelling == "minutes" and naive.second == 0 and naive.microsecond == 0:
        text = value.strftime("%Y-%m-%dT%H:%M") + text[19:]
    return text


moment_text = st.one_of(day_text(), datetime_text())


def canonical_time(text: str) -> str:
    """How the app writes a time back: a day stays a day, a date-time in full ISO form."""
    if len(text) == 10:
        return text
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T")).isoformat()


# ---------------------------------------------------------------------------- unknown fields
_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    _any_text,
)
json_values = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_any_text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def extras(draw) -> dict[str, Any]:
    """0-2 fields a newer app version might write (prefixed so they never shadow a known one)."""
    if not draw(st.booleans()):
        return {}
    keys = draw(st.lists(_any_text.map(lambda k: "x-" + k), max_size=2, unique=True))
    return {k: draw(json_values) for k in keys}


def _with_extras(draw, obj: dict[str, Any]) -> dict[str, Any]:
    obj.update(draw(extras()))
    return obj


def _maybe(draw, obj: dict[str, Any], key: str, strategy, *, null_ok: bool = True) -> None:
    """An optional field: absent, present, or (if ``null_ok``) present as null."""
    choice = draw(
        st.sampled_from(
            ["absent", "present", "present", "null"] if null_ok else ["absent", "present"]
        )
    )
    if choice == "present":
        obj[key] = draw(strategy)
    elif choice == "null":
        obj[key] = None


# ---------------------------------------------------------------------------- parts
colors = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}") | st.integers(0, 0xFFFFFF).map(
    lambda n: f"#{n:06X}"
)
grades = st.sampled_from("ABCDEF")
urls = st.sampled_from(
    ["", "https://example.org/a?b=1&c=<x>", "http://EXAMPLE.com", "https://موقع.example/مسار"]
)
lats = st.floats(-90, 90, allow_nan=False) | st.integers(-90, 90)
lons = st.floats(-180, 180, allow_nan=False) | st.integers(-180, 180)


@st.composite
def ref_list(draw, ids: list[str]) -> list[str]:
    if not ids:
        return []
    return draw(st.lists(st.sampled_from(ids), max_size=3))


@st.composite
def scenario_docs(
    draw,
    *,
    max_factions: int = 4,
    max_sources: int = 4,
    max_events: int = 6,
    max_crossings: int = 3,
    max_history: int = 5,
    min_crossings: int = 0,
    max_territory_dates: int = 3,
) -> dict[str, Any]:
    """A valid scenario document (parsed JSON)."""
    info: dict[str, Any] = {
        "id": draw(_name),
        "title": draw(_name),
        "timezone": draw(st.sampled_from(ZONES)),
    }
    _maybe(draw, info, "description", _any_text)
    _with_extras(draw, info)

    faction_ids = draw(st.lists(_ids, max_size=max_factions, unique=True))
    factions = [
        _with_extras(draw, {"id": fid, "name": draw(_name), "color": draw(colors)})
        for fid in faction_ids
    ]

    source_ids = draw(st.lists(_ids, max_size=max_sources, unique=True))
    sources = []
    for sid in source_ids:
        s = {"id": sid, "title": draw(_name), "publisher": draw(_any_text), "url": draw(urls)}
        _maybe(draw, s, "published", moment_text)
        _maybe(draw, s, "reliability", grades)
        sources.append(_with_extras(draw, s))

    events = []
    for eid in draw(st.lists(_ids, max_size=max_events, unique=True)):
        e: dict[str, Any] = {
            "id": eid,
            "time": draw(moment_text),
            "title": draw(_name),
            "category": draw(_name),
            "actors": draw(st.lists(st.sampled_from(faction_ids) | _name, max_size=3))
            if faction_ids
            else draw(st.lists(_name, max_size=3)),
            "source_ids": draw(ref_list(source_ids)),
            "verification": draw(st.sampled_from(["reported", "confirmed", "disputed", "denied"])),
        }
        _maybe(draw, e, "summary", _any_text)
        if draw(st.booleans()):
            loc: dict[str, Any] = {"name": draw(_name)}
            if draw(st.booleans()):
                loc["lat"], loc["lon"] = draw(lats), draw(lons)
            e["location"] = _with_extras(draw, loc)
        elif draw(st.booleans()):
            e["location"] = None
        _maybe(draw, e, "credibility", st.integers(1, 6))
        _maybe(draw, e, "reliability", grades)
        events.append(_with_extras(draw, e))

    crossings = []
    for cid in draw(st.lists(_ids, min_size=min_crossings, max_size=max_crossings, unique=True)):
        c: dict[str, Any] = {"id": cid, "name": draw(_name)}
        _maybe(draw, c, "name_local", _any_text)
        c["sides"] = [
            _with_extras(draw, {"country": draw(_name), "place": draw(_name)}) for _ in range(2)
        ]
        loc = {"lat": draw(lats), "lon": draw(lons)}
        _maybe(draw, loc, "name", _any_text)
        c["location"] = _with_extras(draw, loc)
        c["kind"] = draw(st.sampled_from(["official", "informal"]))
        if faction_ids:
            _maybe(draw, c, "controlled_by", st.sampled_from(faction_ids))
        history = []
        for _ in range(draw(st.integers(0, max_history))):
            h: dict[str, Any] = {
                "time": draw(moment_text),
                "status": draw(st.sampled_from(["open", "closed", "restricted"])),
                "source_ids": draw(ref_list(source_ids)),
            }
            _maybe(draw, h, "recorded_at", moment_text)
            _maybe(draw, h, "note", _any_text)
            _maybe(draw, h, "by", _any_text)
            history.append(_with_extras(draw, h))
        c["history"] = history
        crossings.append(_with_extras(draw, c))

    territory = []
    if faction_ids:
        for day in draw(st.lists(days, max_size=max_territory_dates, unique=True)):
            held = draw(st.lists(st.sampled_from(faction_ids), min_size=1, unique=True))
            cap = 100 / len(held)
            for fid in held:
                share = draw(st.floats(0, cap, allow_nan=False) | st.integers(0, int(cap)))
                territory.append(
                    _with_extras(
                        draw,
                        {
                            "date": day.isoformat(),
                            "faction": fid,
                            "share_pct": share,
                            "source_ids": draw(ref_list(source_ids)),
                            "estimated": draw(st.booleans()),
                        },
                    )
                )
        territory = draw(st.permutations(territory))

    doc: dict[str, Any] = {
        "schema_version": 1,
        "scenario": info,
        "factions": factions,
        "sources": sources,
        "events": events,
        "crossings": crossings,
        "territory": list(territory),
    }
    return _with_extras(draw, doc)


# ---------------------------------------------------------------------------- expected save
_OPTIONAL = {
    "scenario": {"description"},
    "source": {"published", "reliability"},
    "event": {"summary", "location", "credibility", "reliability"},
    "crossing": {"name_local", "controlled_by"},
    "crossing_location": {"name"},
    "history": {"recorded_at", "note", "by"},
}


def _drop_nulls(obj: dict[str, Any], level: str) -> None:
    for key in _OPTIONAL[level]:
        if key in obj and obj[key] is None:
            del obj[key]


def canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """The document a correct save writes for ``doc`` (as parsed JSON; key order aside).

    Known optional fields given as null are left out; event and history times are
    written in full ISO form; everything else, unknown fields included, is unchanged.
    (``sources[].published`` is kept exactly as written.)
    """
    out = copy.deepcopy(doc)
    _drop_nulls(out["scenario"], "scenario")
    for s in out["sources"]:
        _drop_nulls(s, "source")
    for e in out["events"]:
        _drop_nulls(e, "event")
        e["time"] = canonical_time(e["time"])
    for c in out["crossings"]:
        _drop_nulls(c, "crossing")
        _drop_nulls(c["location"], "crossing_location")
        for h in c["history"]:
            _drop_nulls(h, "history")
            h["time"] = canonical_time(h["time"])
            if "recorded_at" in h:
                h["recorded_at"] = canonical_time(h["recorded_at"])
    return out
