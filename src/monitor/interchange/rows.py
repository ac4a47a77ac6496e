"""One incoming row -> what it says about one event (:class:`Incoming`), per format.

Each format has a quick reader of a row's key, timestamp, day and country (enough to
decide that a re-imported row is unchanged, without mapping it) and a full mapping to the
event's feed fields. A row that cannot be an event raises :class:`RowError` with the
reason. Pure Python, no Qt.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.interchange.formats import ACLED, UCDP
from monitor.model.timeutil import MAX_YEAR, MIN_YEAR, parse_moment


class RowError(ValueError):
    """This row cannot be imported (the message is the reason)."""


@dataclass(slots=True)
class Quick:
    """What a row says without mapping it: key, feed timestamp (None: the feed has none),
    event day (ISO, "" if unreadable), country ("" if none) and a checksum of the row."""

    key: str
    native_id: str
    timestamp: int | None
    day: str
    country: str
    crc: int
    #: True: the row was checked to map without an error (its mapping can wait until the
    #: import is applied); False: map it to know.
    checked: bool = False
    sources: str = ""  # a checked row's source names, as the feed writes them ("A; B")


@dataclass(slots=True)
class Incoming:
    """The feed's fields of one event (actors and sources still as names)."""

    time: str
    title: str
    category: str
    summary: str | None = None
    actors: list[str] = field(default_factory=list)
    location: dict[str, Any] | None = None
    sources: list[str] = field(default_factory=list)
    feed_data: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] | None = None  # a whole event (the app's own GeoJSON export)


# -- dates ---------------------------------------------------------------------------------
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_LONG = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)[ ,-]+(\d{4}|\d{2})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})", re.ASCII)
_days: dict[str, str] = {}


def day_of(text: str) -> str:
    """ISO day of ``2024-11-27``, ``27 November 2024``, ``01 Nov 2024``, ``9-May-20``,
    ``2024/11/27`` (ValueError with the reason otherwise)."""
    got = _days.get(text)
    if got is not None:
        return got
    t = text.strip()
    m = _ISO.fullmatch(t) or _SLASH.fullmatch(t)
    if m:
        y, mo, dd = int(m[1]), int(m[2]), int(m[3])
    elif (m := _LONG.fullmatch(t)) is not None:
        month = _MONTHS.get(m[2][:3].casefold())
        if month is None or (len(m[2]) > 3 and not _full_month(m[2])):
            raise ValueError(f"unknown month {m[2][:20]!r} in {t[:40]!r}")
        y, mo, dd = int(m[3]), month, int(m[1])
        if len(m[3]) == 2:  # as strptime's %y: 69-99 -> 1900s, 00-68 -> 2000s
            y += 1900 if y >= 69 else 2000
    else:
        raise ValueError(f"unreadable date {t[:40]!r} (expected e.g. 2024-11-27, "
                         "27 November 2024 or 9-May-20)")
    try:
        d = date(y, mo, dd)
    except ValueError:
        raise ValueError(f"impossible date {t[:40]!r}") from None
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise ValueError(f"date {t[:40]!r} is outside the supported years {MIN_YEAR}..{MAX_YEAR}")
    iso = d.isoformat()
    if len(_days) < 100_000:
        _days[text] = iso
    return iso


_FULL = ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december", "sept")


def _full_month(word: str) -> bool:
    return word.casefold() in _FULL


def time_of(text: str, tz: Any) -> str:
    """A day (any form :func:`day_of` reads) or an ISO date-time with its UTC offset."""
    t = text.strip()
    if len(t) > 10 and t[4:5] == "-" and t[10:11] in ("T", " "):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]00:00(:00(\.0+)?)?", t, re.ASCII):
            return day_of(t[:10])  # a day written as midnight without an offset (UCDP)
        return parse_moment(t, tz).iso()
    return day_of(t)


# -- values ----------------------------------------------------------------------------------
def coordinates(lat_text: Any, lon_text: Any) -> tuple[float, float] | None:
    """Both coordinates (None if both are empty); RowError if one is missing or bad."""
    lat_s = "" if lat_text is None else str(lat_text).strip()
    lon_s = "" if lon_text is None else str(lon_text).strip()
    if not lat_s and not lon_s:
        return None
    if not lat_s or not lon_s:
        raise RowError("give both latitude and longitude, or neither")
    try:
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise RowError(f"coordinates {lat_s[:30]!r}, {lon_s[:30]!r} are not numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise RowError("coordinates must be finite numbers")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise RowError(f"coordinates {lat}, {lon} are outside -90..90 / -180..180")
    return lat, lon


def names(*texts: str) -> list[str]:
    """Names from ``;``-separated lists, blanks dropped, each once, in order."""
    out: list[str] = []
    for text in texts:
        if not text:
            continue
        for part in text.split(";"):
            p = part.strip()
            if p and p not in out:
                out.append(p)
    return out


def whole(text: str, what: str) -> int | None:
    t = text.strip()
    if not t:
        return None
    try:
        value = int(t)
    except ValueError:
        try:
            f = float(t)
        except ValueError:
            raise RowError(f"{what} {t[:30]!r} is not a whole number") from None
        if not f.is_integer():
            raise RowError(f"{what} {t[:30]!r} is not a whole number") from None
        value = int(f)
    return value


def check_text(value: Any, where: str) -> None:
    """Refuse text a scenario file cannot hold (unpaired surrogates, from JSON escapes)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise RowError(f"{where}: text holds an unpaired surrogate "
                               "(not valid Unicode)") from None
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, float) and not math.isfinite(v):
            raise RowError(f"{where}: {v!r} is not a JSON number")


def row_crc(fields: list[str] | str) -> int:
    text = fields if isinstance(fields, str) else "\x1f".join(fields)
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


# -- ACLED -----------------------------------------------------------------------------------
ACLED_CATEGORIES = {
    "battles": "military",
    "explosions/remote violence": "strike",
    "remote violence": "strike",
    "violence against civilians": "civilians",
    "protests": "political",
    "riots": "political",
    "riots/protests": "political",
    "strategic developments": "political",
    "non-violent transfer of territory": "military",
    "headquarters or base established": "military",
}
UCDP_CATEGORIES = {"1": "military", "2": "military", "3": "civilians"}
UCDP_VIOLENCE = {"1": "State-based violence", "2": "Non-state violence", "3": "One-sided violence"}
_ACLED_CORE = frozenset({"event_id_cnty", "event_date", "actor1", "assoc_actor_1", "actor2",
                         "assoc_actor_2", "location", "latitude", "longitude", "source", "notes",
                         "timestamp"})
_NUMBERS = frozenset({"fatalities", "year", "time_precision", "geo_precision", "inter1", "inter2",
                      "interaction", "data_id", "event_id_no_cnty", "iso", "best", "high", "low",
                      "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "date_prec",
                      "where_prec", "type_of_violence", "relid_no", "number_of_sources"})


def category_of(label: str, table: dict[str, str]) -> str:
    t = " ".join(label.split())
    return table.get(t.casefold(), t.casefold()) or "event"


def _feed_data(row: dict[str, str], core: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in core or not k:
            continue
        v = v.strip()
        if not v:
            continue
        if k in _NUMBERS and v.lstrip("-").isdigit() and len(v) < 18:
            out[k] = int(v)
        else:
            out[k] = v
    return out


def _place(
    row: dict[str, str], coords: tuple[float, float] | None, *keys: str
) -> dict[str, Any] | None:
    name = next((row[k].strip() for k in keys if row.get(k, "").strip()), "")
    if not name and coords is None:
        return None
    loc: dict[str, Any] = {"name": name or f"{coords[0]}, {coords[1]}"}  # type: ignore[index]
    if coords is not None:
        loc["lat"], loc["lon"] = coords
    return loc


def acled_quick(row: dict[str, str]) -> Quick:
    native = row.get("event_id_cnty", "").strip()
    if not native:
        raise RowError("no event_id_cnty")
    ts = whole(row.get("timestamp", ""), "timestamp")
    try:
        day = day_of(row.get("event_date", ""))
    except ValueError:
        day = ""
    return Quick(f"acled:{native}", native, ts, day, row.get("country", "").strip(), 0)


def acled_check(row: dict[str, str]) -> None:
    """RowError if :func:`acled_row` would refuse the row (the only reasons it has)."""
    try:
        day_of(row.get("event_date", ""))
    except ValueError as exc:
        raise RowError(f"event_date: {exc}") from None
    coordinates(row.get("latitude"), row.get("longitude"))


def acled_row(row: dict[str, str], tz: Any) -> Incoming:
    try:
        day = day_of(row.get("event_date", ""))
    except ValueError as exc:
        raise RowError(f"event_date: {exc}") from None
    coords = coordinates(row.get("latitude"), row.get("longitude"))
    loc = _place(row, coords, "location", "admin3", "admin2", "admin1", "country")
    kind = (row.get("sub_event_type", "").strip() or row.get("event_type", "").strip()
            or "Event")
    where = loc["name"] if loc else ""
    notes = row.get("notes", "").strip()
    return Incoming(
        time=day,
        title=f"{kind} in {where}" if where else kind,
        category=category_of(row.get("event_type", ""), ACLED_CATEGORIES),
        summary=notes or None,
        actors=names(row.get("actor1", ""), row.get("assoc_actor_1", ""), row.get("actor2", ""),
                     row.get("assoc_actor_2", "")),
        location=loc,
        sources=names(row.get("source", "")),
        feed_data=_feed_data(row, _ACLED_CORE),
    )


# -- UCDP GED -------------------------------------------------------------------------------
_UCDP_CORE = frozenset({"id", "date_start", "latitude", "longitude", "side_a", "side_b",
                        "source_office", "source_headline", "where_coordinates", "geom_wkt"})


def ucdp_quick(row: dict[str, str]) -> Quick:
    native = row.get("id", "").strip()
    if not native:
        raise RowError("no id")
    try:
        day = day_of(row.get("date_start", "")[:10])
    except ValueError:
        day = ""
    return Quick(f"ucdp:{native}", native, None, day, row.get("country", "").strip(), 0)


def ucdp_row(row: dict[str, str], tz: Any) -> Incoming:
    try:
        day = day_of(row.get("date_start", "").strip()[:10])
    except ValueError as exc:
        raise RowError(f"date_start: {exc}") from None
    coords = coordinates(row.get("latitude"), row.get("longitude"))
    loc = _place(row, coords, "where_coordinates", "adm_2", "adm_1", "country")
    a, b = row.get("side_a", "").strip(), row.get("side_b", "").strip()
    kind = UCDP_VIOLENCE.get(row.get("type_of_violence", "").strip(), "Violence")
    dyad = f"{a} vs {b}" if a and b else a or b
    title = f"{kind}: {dyad}" if dyad else kind
    if loc:
        title += f" in {loc['name']}"
    headline = row.get("source_headline", "").strip()
    return Incoming(
        time=day,
        title=title,
        category=UCDP_CATEGORIES.get(row.get("type_of_violence", "").strip(), "military"),
        summary=headline or None,
        actors=names(a, b),
        location=loc,
        sources=names(row.get("source_office", "")),
        feed_data=_feed_data(row, _UCDP_CORE),
    )


# -- generic CSV (a column mapping) ----------------------------------------------------------
def csv_quick(row: dict[str, str], mapping: dict[str, str], crc: int) -> Quick:
    col = mapping.get("id")
    native = row.get(col, "").strip() if col else ""
    key = f"csv:{native}" if native else f"csv:~{crc:08x}"
    ts = whole(row.get(mapping["timestamp"], ""), "timestamp") if "timestamp" in mapping else None
    try:
        day = day_of(row.get(mapping["time"], "")[:10])
    except ValueError:
        day = ""
    return Quick(key, native or f"~{crc:08x}", ts, day, "", crc)


def csv_row(row: dict[str, str], mapping: dict[str, str], tz: Any) -> Incoming:
    def get(name: str) -> str:
        col = mapping.get(name)
        return row.get(col, "").strip() if col else ""

    try:
        when = time_of(get("time"), tz)
    except ValueError as exc:
        raise RowError(f"{mapping['time']}: {exc}") from None
    title = get("title")
    if not title:
        raise RowError(f"{mapping['title']}: the title is empty")
    coords = coordinates(get("lat"), get("lon")) if "lat" in mapping else None
    place = get("location")
    loc = None
    if place or coords:
        loc = {"name": place or f"{coords[0]}, {coords[1]}"}  # type: ignore[index]
        if coords:
            loc["lat"], loc["lon"] = coords
    used = set(mapping.values())
    return Incoming(
        time=when,
        title=title,
        category=category_of(get("category"), ACLED_CATEGORIES) if get("category") else "event",
        summary=get("summary") or None,
        actors=names(get("actors")),
        location=loc,
        sources=names(get("source")),
        feed_data={k: v for k, v in row.items() if k and k not in used and v.strip()},
    )


# -- GeoJSON --------------------------------------------------------------------------------
_TIME_KEYS = ("time", "date", "event_date", "datetime", "start", "date_start")
_TITLE_KEYS = ("title", "name", "headline")
_CATEGORY_KEYS = ("category", "event_type", "type")
_SUMMARY_KEYS = ("summary", "description", "notes")
_PLACE_KEYS = ("location", "place", "location_name")
_GEO_CORE = frozenset(_TIME_KEYS + _TITLE_KEYS + _CATEGORY_KEYS + _SUMMARY_KEYS + _PLACE_KEYS
                      + ("id", "actors", "sources", "source", "timestamp"))


def _first(props: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((props[k] for k in keys if props.get(k) not in (None, "")), None)


def point_of(feature: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) of a Point feature (None: no geometry); RowError for other geometries."""
    geom = feature.get("geometry")
    if geom is None:
        return None
    if not isinstance(geom, dict):
        raise RowError("geometry is not an object")
    if geom.get("type") != "Point":
        kind = str(geom.get("type"))[:30]
        raise RowError(f"geometry is a {kind}, not a Point (only point events)")
    xy = geom.get("coordinates")
    if (not isinstance(xy, list) or len(xy) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in xy[:2])):
        raise RowError("a Point's coordinates must be [longitude, latitude] numbers")
    return coordinates(xy[1], xy[0])


def geo_quick(feature: dict[str, Any], index: int) -> Quick:
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise RowError("properties is not an object")
    raw = feature.get("id", props.get("id"))
    native = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    import json

    crc = row_crc(json.dumps(feature, sort_keys=True, ensure_ascii=False, default=str))
    ts = props.get("timestamp")
    ts = ts if isinstance(ts, int) and not isinstance(ts, bool) else None
    when = _first(props, _TIME_KEYS)
    try:
        day = day_of(when[:10]) if isinstance(when, str) else ""
    except ValueError:
        day = ""
    key = f"geojson:{native}" if native else f"geojson:~{crc:08x}"
    return Quick(key, native or f"~{crc:08x}", ts, day, "", crc)


def geo_row(feature: dict[str, Any], tz: Any) -> Incoming:
    props = feature["properties"]
    check_text(props, "properties")
    coords = point_of(feature)
    when = _first(props, _TIME_KEYS)
    if not isinstance(when, str):
        raise RowError(f"no time (expected a property {', '.join(_TIME_KEYS[:4])}, ...)")
    try:
        time = time_of(when, tz)
    except ValueError as exc:
        raise RowError(f"time: {exc}") from None
    title = _first(props, _TITLE_KEYS)
    if not isinstance(title, str) or not title.strip():
        raise RowError("no title (expected a property title, name or headline)")
    place = _first(props, _PLACE_KEYS)
    place = place.get("name") if isinstance(place, dict) else place
    loc = None
    if (isinstance(place, str) and place.strip()) or coords:
        loc = {"name": place.strip() if isinstance(place, str) and place.strip()
               else f"{coords[0]}, {coords[1]}"}  # type: ignore[index]
        if coords:
            loc["lat"], loc["lon"] = coords
    actors = props.get("actors")
    actor_list = (names(*[a for a in actors if isinstance(a, str)]) if isinstance(actors, list)
                  else names(actors) if isinstance(actors, str) else [])
    src = props.get("sources", props.get("source"))
    src_list = (names(*[s for s in src if isinstance(s, str)]) if isinstance(src, list)
                else names(src) if isinstance(src, str) else [])
    category = _first(props, _CATEGORY_KEYS)
    summary = _first(props, _SUMMARY_KEYS)
    return Incoming(
        time=time,
        title=title.strip(),
        category=category_of(category, ACLED_CATEGORIES) if isinstance(category, str) else "event",
        summary=summary.strip() if isinstance(summary, str) and summary.strip() else None,
        actors=actor_list,
        location=loc,
        sources=src_list,
        feed_data={k: v for k, v in props.items() if k not in _GEO_CORE},
    )


def monitor_row(feature: dict[str, Any]) -> Incoming:
    """A feature of the app's own GeoJSON export: the event as it was (properties)."""
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise RowError("properties is not an object")
    check_text(props, "properties")
    event = {k: v for k, v in props.items() if k != "feature_type"}
    if not isinstance(event.get("id"), str) or not event["id"].strip():
        raise RowError("the event has no id")
    return Incoming(time=str(event.get("time", "")), title=str(event.get("title", "")),
                    category=str(event.get("category", "")), event=event)


QUICK = {ACLED: acled_quick, UCDP: ucdp_quick}
FULL = {ACLED: acled_row, UCDP: ucdp_row}
