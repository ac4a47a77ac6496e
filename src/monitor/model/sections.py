"""Building a :class:`Scenario` from a parsed JSON document, every problem worded.

The checks are the contract's (:mod:`monitor.model.schema`); this module applies them
value by value to parsed JSON (the small parts of every file, and the whole document
when the window-by-window reader meets something it does not decide), so that every
problem is reported with its JSON path.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Any

from monitor.model.entities import (
    SCHEMA_VERSION,
    Crossing,
    CrossingKind,
    CrossingStatus,
    Event,
    Faction,
    Location,
    Moment,
    Scenario,
    ScenarioInfo,
    Side,
    Source,
    StatusEntry,
    TerritoryShare,
    Verification,
)
from monitor.model.errors import ScenarioError
from monitor.model.schema import (
    CREDIBILITY_RANGE,
    LAT_RANGE,
    LON_RANGE,
    SHARE_RANGE,
    SHARE_TOLERANCE,
    TOP_KEYS,
    Checker,
    Invalid,
    NoDuplicates,
    Validator,
    boolean,
    color,
    duplicate_problems,
    enum,
    grade,
    integer,
    is_str_list,
    kind,
    number,
    scenario_field_problems,
    shown_id,
    str_list,
    string,
    text,
    url,
)
from monitor.model.timeutil import parse_date, parse_moment, zone


def scenario_from_json(obj: Any, path: str | Path = "<memory>") -> Scenario:
    """Validate a parsed JSON document and build a :class:`Scenario`."""
    v = Validator()
    if not isinstance(obj, NoDuplicates):  # read_json() already knows there are none
        v.problems.extend(duplicate_problems(obj))
    root = v.obj(obj, "(top level)")
    if root is None:
        raise ScenarioError(path, v.problems)
    version = root.get("schema_version")
    if "schema_version" not in root:
        v.error("schema_version", 'missing required field "schema_version" (expected 1)')
    elif isinstance(version, bool) or not isinstance(version, int):
        v.error("schema_version", f"expected the number 1, got {kind(version)}")
    elif version != SCHEMA_VERSION:
        hint = " (written by a newer version of the app)" if version > SCHEMA_VERSION else ""
        v.error(
            "schema_version",
            f"unsupported schema_version {version}; this app reads {SCHEMA_VERSION}{hint}",
        )
        raise ScenarioError(path, v.problems)

    known_top = set(TOP_KEYS)
    v.unknown({k: val for k, val in root.items() if k not in known_top}, "")
    for key in ("scenario", "factions", "sources", "events", "crossings", "territory"):
        if key not in root:
            v.error("(top level)", f'missing required field "{key}"')

    info, tz = scenario_info(v, root.get("scenario", {}))
    factions = factions_of(v, root.get("factions", []))
    faction_ids = v.unique(((f"factions[{i}]", f.id) for i, f in factions), "faction")
    sources = sources_of(v, root.get("sources", []), tz)
    source_ids = v.unique(((f"sources[{i}]", s.id) for i, s in sources), "source")
    events = events_of(v, root.get("events", []), tz, source_ids)
    v.unique(((f"events[{i}]", e.id) for i, e in events), "event")
    crossings = crossings_of(v, root.get("crossings", []), tz, source_ids, faction_ids)
    v.unique(((f"crossings[{i}]", c.id) for i, c in crossings), "crossing")
    territory = territory_of(v, root.get("territory", []), source_ids, faction_ids)
    for name in ("key_judgements", "briefings"):  # scenario-level fields with a contract
        if name in root:
            for p in scenario_field_problems(name, root[name], source_ids):
                v.error(p.where, p.reason)

    if v.problems:
        raise ScenarioError(path, v.problems)
    assert info is not None
    return Scenario(
        info=info,
        factions=[f for _, f in factions],
        sources=[s for _, s in sources],
        events=[e for _, e in events],
        crossings=[c for _, c in crossings],
        territory=territory,
        schema_version=SCHEMA_VERSION,
        extra={k: val for k, val in root.items() if k not in known_top},
    )


def scenario_info(v: Validator, value: Any) -> tuple[ScenarioInfo | None, tzinfo]:
    d = v.obj(value, "scenario")
    tz: tzinfo = zone("UTC")
    if d is None:
        return None, tz

    def check_zone(name: Any) -> str:
        name = string(name)
        try:
            zone(name)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        return name

    got = v.fields(
        d,
        "scenario",
        {"id": string, "title": string, "timezone": check_zone},
        {"description": text},
    )
    if got is None:
        return None, tz
    vals, extra = got
    return ScenarioInfo(
        vals["id"], vals["title"], vals["timezone"], vals["description"], extra
    ), zone(vals["timezone"])


def factions_of(v: Validator, value: Any) -> list[tuple[int, Faction]]:
    out = []
    for i, item in enumerate(v.array(value, "factions")):
        where = f"factions[{i}]"
        d = v.obj(item, where)
        got = d is not None and v.fields(d, where, {"id": string, "name": string, "color": color})
        if got:
            vals, extra = got
            out.append((i, Faction(vals["id"], vals["name"], vals["color"], extra)))
    return out


def sources_of(v: Validator, value: Any, tz: tzinfo) -> list[tuple[int, Source]]:
    def published(text: Any) -> str:
        try:
            parse_moment(text, tz)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        return text

    out = []
    for i, item in enumerate(v.array(value, "sources")):
        where = f"sources[{i}]"
        d = v.obj(item, where)
        got = d is not None and v.fields(
            d,
            where,
            {"id": string, "title": string, "publisher": text, "url": url},
            {"published": published, "reliability": grade},
        )
        if got:
            vals, extra = got
            out.append((i, Source(extra=extra, **vals)))
    return out


def moment_checker(tz: tzinfo) -> Checker:
    def check(text: Any) -> Moment:
        try:
            return parse_moment(text, tz)
        except ValueError as exc:
            raise Invalid(str(exc)) from None

    return check


def location_of(v: Validator, value: Any, where: str, *, named: bool) -> Location | None:
    d = v.obj(value, where)
    if d is None:
        return None
    lat, lon = number(*LAT_RANGE), number(*LON_RANGE)
    if named:
        got = v.fields(d, where, {"name": string}, {"lat": lat, "lon": lon})
    else:
        got = v.fields(d, where, {"lat": lat, "lon": lon}, {"name": text})
    if not got:
        return None
    vals, extra = got
    if (vals["lat"] is None) != (vals["lon"] is None):
        v.error(where, "give both lat and lon, or neither")
        return None
    return Location(vals["name"], vals["lat"], vals["lon"], extra)


def events_of(v: Validator, value: Any, tz: tzinfo, sources: set[str]) -> list[tuple[int, Event]]:
    out = []
    moment = moment_checker(tz)
    verification = enum(Verification)
    credibility = integer(*CREDIBILITY_RANGE)
    required = {
        "id": string,
        "time": moment,
        "title": string,
        "category": string,
        "actors": str_list,
        "source_ids": str_list,
        "verification": verification,
    }
    optional = {"summary": text, "credibility": credibility, "reliability": grade}
    for i, item in enumerate(v.array(value, "events")):
        where = f"events[{i}]"
        d = v.obj(item, where)
        if d is None:
            continue
        got = v.fields(d, where, required, {**optional, "location": lambda x: x})
        # The location and references are checked even if a field failed: every problem
        # is reported at once.
        raw_loc = d.get("location")
        loc = None if raw_loc is None else location_of(v, raw_loc, f"{where}.location", named=True)
        if is_str_list(d.get("source_ids")):
            v.refs(d["source_ids"], sources, f"{where}.source_ids", "source")
        if not got or (raw_loc is not None and loc is None):
            continue
        vals, extra = got
        vals.pop("location")
        out.append((i, Event(location=loc, extra=extra, **vals)))
    return out


def crossings_of(
    v: Validator, value: Any, tz: tzinfo, sources: set[str], factions: set[str]
) -> list[tuple[int, Crossing]]:
    out = []
    moment = moment_checker(tz)
    for i, item in enumerate(v.array(value, "crossings")):
        where = f"crossings[{i}]"
        d = v.obj(item, where)
        if d is None:
            continue
        raw = lambda x: x  # noqa: E731 - nested objects are checked below
        got = v.fields(
            d,
            where,
            {
                "id": string,
                "name": string,
                "sides": raw,
                "location": raw,
                "kind": enum(CrossingKind),
                "history": raw,
            },
            {"name_local": text, "controlled_by": string},
        )
        # The nested parts are checked even if a field failed: every problem is reported
        # at once (a part that is missing was reported as missing).
        if got:
            vals, extra = got
        else:
            vals, extra = {k: d.get(k) for k in ("sides", "location", "history")}, {}
            by = d.get("controlled_by")
            vals["controlled_by"] = by if isinstance(by, str) and by.strip() else None
        present = {"sides", "location", "history"} if got else set(d)
        ok = bool(got)
        sides = []
        raw_sides = v.array(vals["sides"], f"{where}.sides") if "sides" in present else []
        if isinstance(vals["sides"], list) and len(raw_sides) != 2:
            v.error(f"{where}.sides", f"expected exactly 2 sides, got {len(raw_sides)}")
            ok = False
        for j, s in enumerate(raw_sides):
            sw = f"{where}.sides[{j}]"
            sd = v.obj(s, sw)
            sg = sd is not None and v.fields(sd, sw, {"country": string, "place": string})
            if sg:
                sides.append(Side(sg[0]["country"], sg[0]["place"], sg[1]))
            else:
                ok = False
        loc = (
            location_of(v, vals["location"], f"{where}.location", named=False)
            if "location" in present
            else None
        )
        if vals["controlled_by"] is not None and vals["controlled_by"] not in factions:
            held_by = shown_id(vals["controlled_by"])
            v.error(f"{where}.controlled_by", f'unknown faction id "{held_by}"')
            ok = False
        history = []
        status = enum(CrossingStatus)
        for j, h in enumerate(
            v.array(vals["history"], f"{where}.history") if "history" in present else []
        ):
            hw = f"{where}.history[{j}]"
            hd = v.obj(h, hw)
            hg = hd is not None and v.fields(
                hd,
                hw,
                {"time": moment, "status": status, "source_ids": str_list},
                {"recorded_at": moment, "note": text, "by": text},
            )
            if hd is not None and is_str_list(hd.get("source_ids")):
                v.refs(hd["source_ids"], sources, f"{hw}.source_ids", "source")
            if not hg:
                ok = False
                continue
            hv, hextra = hg
            history.append(
                StatusEntry(
                    time=hv["time"],
                    status=hv["status"],
                    source_ids=tuple(hv["source_ids"]),
                    recorded_at=hv["recorded_at"],
                    note=hv["note"],
                    by=hv["by"],
                    extra=tuple(hextra.items()),
                )
            )
        if ok and loc is not None and isinstance(vals["history"], list):
            out.append(
                (
                    i,
                    Crossing(
                        id=vals["id"],
                        name=vals["name"],
                        sides=sides,
                        location=loc,
                        kind=vals["kind"],
                        history=tuple(history),
                        name_local=vals["name_local"],
                        controlled_by=vals["controlled_by"],
                        extra=extra,
                    ),
                )
            )
    return out


def territory_of(
    v: Validator, value: Any, sources: set[str], factions: set[str]
) -> list[TerritoryShare]:
    out = []
    seen: dict[tuple[Any, str], str] = {}
    totals: dict[Any, float] = {}

    def day(text: Any) -> Any:
        try:
            return parse_date(text)
        except ValueError as exc:
            raise Invalid(str(exc)) from None

    for i, item in enumerate(v.array(value, "territory")):
        where = f"territory[{i}]"
        d = v.obj(item, where)
        got = d is not None and v.fields(
            d,
            where,
            {
                "date": day,
                "faction": string,
                "share_pct": number(*SHARE_RANGE),
                "source_ids": str_list,
                "estimated": boolean,
            },
        )
        if not got:
            if d is not None:  # still report its dangling references
                if (
                    isinstance(d.get("faction"), str)
                    and d["faction"].strip()
                    and d["faction"] not in factions
                ):
                    v.error(f"{where}.faction", f'unknown faction id "{shown_id(d["faction"])}"')
                if is_str_list(d.get("source_ids")):
                    v.refs(d["source_ids"], sources, f"{where}.source_ids", "source")
            continue
        vals, extra = got
        if vals["faction"] not in factions:
            v.error(f"{where}.faction", f'unknown faction id "{shown_id(vals["faction"])}"')
            continue
        v.refs(vals["source_ids"], sources, f"{where}.source_ids", "source")
        key = (vals["date"], vals["faction"])
        if key in seen:
            v.error(
                where, f'second share for faction "{key[1]}" on {key[0]} (first at {seen[key]})'
            )
            continue
        seen[key] = where
        totals[vals["date"]] = totals.get(vals["date"], 0.0) + vals["share_pct"]
        out.append(TerritoryShare(extra=extra, **vals))
    for d, total in sorted(totals.items()):
        if total > 100 + SHARE_TOLERANCE:
            v.error("territory", f"shares on {d} add up to {total:g}%, more than 100%")
    return out
