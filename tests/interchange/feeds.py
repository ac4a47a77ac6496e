"""Generators of ACLED-, UCDP- and GeoJSON-shaped files for the tests (no real feed data:
ACLED's terms restrict redistribution; every value here is made up)."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

from monitor.interchange.formats import ACLED_COLUMNS, UCDP_COLUMNS

ACLED_LEGACY_COLUMNS = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "region", "country", "admin1", "admin2", "admin3", "location",
    "latitude", "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities",
    "timestamp", "iso3",
)
PLACES = [("Al-Bukamal", 34.453, 40.918, "Deir ez-Zor", "Syria", "SYR"),
          ("Al-Qaim", 34.3975, 40.977, "Al Anbar", "Iraq", "IRQ"),
          ("Deir ez-Zor", 35.336, 40.14, "Deir ez-Zor", "Syria", "SYR"),
          ("Rabia", 36.803, 42.099, "Ninewa", "Iraq", "IRQ")]
TYPES = [("Battles", "Armed clash"), ("Explosions/Remote violence", "Air/drone strike"),
         ("Violence against civilians", "Attack"), ("Strategic developments", "Agreement")]
ACTORS = ["Military Forces of Syria (2000-2024)", "Hayat Tahrir al-Sham", "SDF",
          "Islamic State (Syria)", "Popular Mobilization Forces"]
OUTLETS = ["Syrian Observatory for Human Rights", "Rudaw", "Reuters", "Deir Ezzor 24"]


def acled_row(i: int, *, ts: int = 1733000000, day: str = "2024-11-27", **over: Any) -> dict:
    place = PLACES[i % len(PLACES)]
    kind = TYPES[i % len(TYPES)]
    row = {
        "event_id_cnty": f"{place[5]}{i}", "event_date": day,
        "year": day[:4] if day[:1] == "2" else "2024",
        "time_precision": "1", "disorder_type": "Political violence", "event_type": kind[0],
        "sub_event_type": kind[1], "actor1": ACTORS[i % 5], "assoc_actor_1": "",
        "inter1": "1", "actor2": ACTORS[(i + 1) % 5], "assoc_actor_2": "", "inter2": "2",
        "interaction": "12", "civilian_targeting": "", "iso": "760", "region": "Middle East",
        "country": place[4], "admin1": place[3], "admin2": "", "admin3": "", "location": place[0],
        "latitude": str(place[1]), "longitude": str(place[2]), "geo_precision": "1",
        "source": f"{OUTLETS[i % 4]}; {OUTLETS[(i + 1) % 4]}", "source_scale": "National",
        "notes": f"On {day}, clashes near {place[0]} (event {i}).", "fatalities": str(i % 7),
        "tags": "", "timestamp": str(ts),
    }
    row.update(over)
    return row


def csv_text(rows: list[dict], columns: tuple[str, ...] | list[str] = ACLED_COLUMNS, *,
             upper: bool = False, prefix: str = "", bom: bool = False, delimiter: str = ",") -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow([c.upper() for c in columns] if upper else list(columns))
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return ("\ufeff" if bom else "") + prefix + buf.getvalue()


def write_acled(path: Path, rows: list[dict], **kw: Any) -> Path:
    path.write_text(csv_text(rows, **kw), encoding="utf-8", newline="")
    return path


def acled_api(rows: list[dict]) -> str:
    return json.dumps({"status": 200, "success": True, "count": len(rows),
                       "data": [{k: str(v) for k, v in r.items()} for r in rows]})


def ucdp_row(i: int, **over: Any) -> dict:
    place = PLACES[i % len(PLACES)]
    row = {c: "" for c in UCDP_COLUMNS}
    row.update({
        "id": str(400000 + i), "relid": f"SYR-2024-1-{i}", "year": "2024", "active_year": "1",
        "code_status": "Clear", "type_of_violence": str(1 + i % 3),
        "conflict_name": "Syria: Government",
        "dyad_name": "Government of Syria - HTS", "side_a": "Government of Syria",
        "side_b": "HTS", "number_of_sources": "2", "source_office": "Reuters;AFP",
        "source_headline": f"Fighting near {place[0]}", "where_prec": "1",
        "where_coordinates": place[0], "adm_1": place[3], "latitude": str(place[1]),
        "longitude": str(place[2]), "country": place[4], "date_prec": "1",
        "date_start": "2024-11-28 00:00:00.000", "date_end": "2024-11-28 00:00:00.000",
        "deaths_a": "1", "deaths_b": "2", "best": "3", "high": "4", "low": "3",
    })
    row.update(over)
    return row


def geojson_text(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def point(i: int, **props: Any) -> dict:
    place = PLACES[i % len(PLACES)]
    p = {"id": f"g{i}", "time": "2024-11-29", "title": f"Report {i} near {place[0]}",
         "category": "border", "actors": ["SDF"], "location": place[0]}
    p.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [place[2], place[1]]},
            "properties": p}


def big_acled(path: Path, n: int, seed: int = 1) -> Path:
    """``n`` ACLED-shaped rows (the benchmark's file). The notes are written as ACLED's
    are: sentences with commas (so the field is quoted), a quoted word now and then
    (doubled quotes), and every 50th note of two paragraphs (a line break inside quotes)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        note = (f"On {day}, made-up event {i} near a made-up place, "
                + ('reportedly "heavy" ' if i % 7 == 0 else "") + "x" * rnd.randint(50, 400)
                + (".\nA second paragraph, also made up." if i % 50 == 0
                   else "."))
        rows.append(acled_row(i, day=day, notes=note))
    return write_acled(path, rows)
