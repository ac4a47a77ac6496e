"""Export of the as-of view (GeoJSON, CSV) and the GeoJSON round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

from feeds import acled_row, write_acled

from monitor.interchange import View, apply_review, export_view, parse_feed, plan_import
from monitor.interchange.export import crossing_state
from monitor.model import load_scenario
from monitor.model.timeutil import zone
from monitor.model.writer import event_json


def _at(text: str, tz) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_geojson_of_the_as_of_view(tmp_path, default_path):
    s = load_scenario(default_path)
    tz = s.tz
    as_of = _at("2024-12-01T00:00", tz)
    out = tmp_path / "view.geojson"
    n = export_view(s, View(as_of), out, "geojson")
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection" and doc["monitor_export"]["scenario"] == s.info.id
    events = [f for f in doc["features"] if f["properties"]["feature_type"] == "event"]
    crossings = [f for f in doc["features"] if f["properties"]["feature_type"] == "crossing"]
    assert len(events) == n == sum(e.time.instant <= as_of for e in s.events)
    assert len(crossings) == len(s.crossings)
    for f in crossings:
        c = s.crossing(f["properties"]["id"])
        st = c.status_at(as_of)
        assert f["properties"]["status"] == (st.value if st else None)
        assert f["geometry"]["coordinates"] == [c.location.lon, c.location.lat]
    for f in events:
        loc = f["properties"].get("location")
        if loc and "lat" in loc:
            assert f["geometry"]["coordinates"] == [loc["lon"], loc["lat"]]


def test_valid_from_and_to():
    s = load_scenario_fixture()
    c = s.crossing("qaim")
    tz = s.tz
    before = crossing_state(c, _at("2019-01-01T00:00", tz))
    assert before["status"] is None and before["valid_to"] == "2019-09-30"
    mid = crossing_state(c, _at("2024-11-29T12:00", tz))
    assert mid == {"status": "open", "valid_from": "2019-09-30", "valid_to": "2024-11-30",
                   "note": None}
    assert crossing_state(c, _at("2024-12-05T00:00", tz))["valid_to"] is None


def load_scenario_fixture():
    from pathlib import Path

    return load_scenario(Path(__file__).parents[1] / "data" / "small.json")


def test_filters_are_the_feeds(tmp_path, default_path):
    s = load_scenario(default_path)
    cat = s.events[0].category
    out = tmp_path / "f.geojson"
    export_view(s, View(None, categories=(cat,)), out, "geojson")
    got = [f["properties"] for f in json.loads(out.read_text())["features"]
           if f["properties"]["feature_type"] == "event"]
    assert got and all(p["category"] == cat for p in got)
    word = s.events[0].title.split()[0]
    export_view(s, View(None, text=word, verifications=("confirmed",)), out, "geojson")
    got = [f["properties"] for f in json.loads(out.read_text())["features"]
           if f["properties"]["feature_type"] == "event"]
    from monitor.model.frames import filter_events

    rows = filter_events(s.events_frame(), word, verifications=["confirmed"])
    assert got and {p["id"] for p in got} == {s.events[int(i)].id for i in rows}


def test_round_trip_geojson_into_an_empty_scenario(tmp_path, default_path, empty, empty_path):
    s = load_scenario(default_path)
    # With feed events too (origin, feed data, withdrawn marks are events' fields).
    apply_review(s, plan_import(s, parse_feed(write_acled(tmp_path / "a.csv",
                                                           [acled_row(i) for i in range(6)]))))
    out = tmp_path / "all.geojson"
    export_view(s, View(None), out, "geojson")
    review = plan_import(empty, parse_feed(out))
    assert review.format == "monitor-geojson" and not review.rejected
    apply_review(empty, review)
    assert [event_json(e) for e in empty.events] == [
        event_json(s.events[i]) for i in sorted(range(len(s.events)),
                                                key=lambda i: s.events[i].time.instant)]
    # Importing it again changes nothing.
    again = plan_import(empty, parse_feed(out))
    assert again.unchanged == len(s.events) and again.new == []


def test_csv_export(tmp_path, default_path):
    s = load_scenario(default_path)
    out = tmp_path / "view.csv"
    n = export_view(s, View(_at("2024-12-08T23:59", s.tz)), out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sum(r["feature_type"] == "event" for r in rows) == n
    crossings = [r for r in rows if r["feature_type"] == "crossing"]
    assert len(crossings) == len(s.crossings)
    assert all(r["status"] in ("open", "closed", "restricted", "unknown") for r in crossings)


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(tmp_path, empty):
    rows = [acled_row(0, sub_event_type="=HYPERLINK(\"http://x\")", location="")]
    apply_review(empty, plan_import(empty, parse_feed(write_acled(tmp_path / "a.csv", rows))))
    out = tmp_path / "v.csv"
    export_view(empty, View(None), out, "csv")
    row = next(csv.DictReader(io.StringIO(out.read_text())))
    assert row["title"].startswith("'=HYPERLINK")


def test_export_is_atomic(tmp_path, empty, monkeypatch):
    import pytest

    import monitor.model.writer as writer

    out = tmp_path / "v.geojson"
    out.write_text("old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "replace", boom)
    with pytest.raises(OSError):
        export_view(empty, View(None), out, "geojson")
    assert out.read_text() == "old"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_day_as_of_covers_that_day(tmp_path, empty):
    tz = zone("Asia/Baghdad")
    apply_review(empty, plan_import(empty, parse_feed(write_acled(
        tmp_path / "a.csv", [acled_row(0, day="2024-11-27"), acled_row(1, day="2024-11-28")]))))
    end = _at("2024-11-28T00:00", tz) - timedelta(microseconds=1)
    out = tmp_path / "v.geojson"
    assert export_view(empty, View(end), out, "geojson") == 1
