"""Recognising feed files: every variant read, every non-event file refused with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feeds import (
    ACLED_LEGACY_COLUMNS,
    acled_api,
    acled_row,
    csv_text,
    geojson_text,
    point,
    ucdp_row,
    write_acled,
)

from monitor.interchange import FeedError, parse_feed, parse_mapping
from monitor.interchange.formats import UCDP_COLUMNS
from monitor.interchange.rows import day_of


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _mapped(parsed, tz="UTC"):
    from monitor.model.timeutil import zone

    return [r.full(zone(tz)) for r in parsed.rows]


def test_acled_current_with_bom_and_junk_lines(tmp_path):
    p = write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(3)],
                    prefix="(Sample)\r\n\r\n", bom=True)
    parsed = parse_feed(p)
    assert parsed.feed == "acled" and parsed.layout.variant == "current"
    assert [r.where for r in parsed.rows] == ["line 4", "line 5", "line 6"]
    inc = _mapped(parsed)[0]
    assert inc.time == "2024-11-27" and inc.location["name"] == "Al-Bukamal"
    assert inc.category == "military" and inc.sources[0] == "Syrian Observatory for Human Rights"


def test_acled_legacy_upper_case(tmp_path):
    rows = [acled_row(i, data_id=str(900 + i), event_id_no_cnty=str(i), iso3="SYR")
            for i in range(2)]
    p = write_acled(tmp_path / "a.csv", rows, columns=ACLED_LEGACY_COLUMNS, upper=True)
    parsed = parse_feed(p)
    assert parsed.layout.variant == "legacy, upper-case"
    assert _mapped(parsed)[0].feed_data["data_id"] == 900


@pytest.mark.parametrize("text, iso", [("2024-11-27", "2024-11-27"),
                                       ("27 November 2024", "2024-11-27"),
                                       ("01 November 2024", "2024-11-01"),
                                       ("9-May-20", "2020-05-09"), ("9-May-97", "1997-05-09"),
                                       ("1 Sept 2024", "2024-09-01")])
def test_dates(text, iso):
    assert day_of(text) == iso


@pytest.mark.parametrize("text", ["2024-02-30", "31 Smarch 2024", "yesterday", "9-May"])
def test_bad_dates(text):
    with pytest.raises(ValueError):
        day_of(text)


def test_multiline_quoted_notes_keep_line_numbers(tmp_path):
    rows = [acled_row(0, notes="First line,\nsecond \"quoted\" line\n\nthird"), acled_row(1)]
    p = write_acled(tmp_path / "a.csv", rows)
    parsed = parse_feed(p)
    assert [r.where for r in parsed.rows] == ["line 2", "line 6"]
    assert _mapped(parsed)[0].summary.endswith("third")


def test_legacy_labels_map_to_categories(tmp_path):
    rows = [acled_row(0, event_type="RIots/Protests"),
            acled_row(1, event_type="Violence Against Civilians")]
    parsed = parse_feed(write_acled(tmp_path / "a.csv", rows))
    assert [m.category for m in _mapped(parsed)] == ["political", "civilians"]


def test_acled_api_json(tmp_path):
    p = _write(tmp_path / "api.json", acled_api([acled_row(i) for i in range(3)]))
    parsed = parse_feed(p)
    assert parsed.feed == "acled" and parsed.layout.variant == "API JSON"
    assert [r.where for r in parsed.rows] == ["data[0]", "data[1]", "data[2]"]
    assert parsed.rows[0].quick.timestamp == 1733000000


def test_acled_api_error_is_refused(tmp_path):
    p = _write(tmp_path / "api.json", json.dumps({"status": 403, "success": False,
                                                   "error": "Access denied", "data": []}))
    with pytest.raises(FeedError, match="API answered with an error: Access denied"):
        parse_feed(p)


def test_ucdp_with_and_without_header(tmp_path):
    rows = [ucdp_row(i) for i in range(3)]
    with_header = parse_feed(_write(tmp_path / "ged.csv", csv_text(rows, UCDP_COLUMNS)))
    body = csv_text(rows, UCDP_COLUMNS).split("\r\n", 1)[1]
    without = parse_feed(_write(tmp_path / "ged2.csv", body))
    assert with_header.feed == without.feed == "ucdp"
    assert without.layout.variant == "GED, no header row"
    a, b = _mapped(with_header)[0], _mapped(without)[0]
    assert a == b and a.time == "2024-11-28" and a.actors == ["Government of Syria", "HTS"]


def test_geojson_points(tmp_path):
    feats = [point(0), point(1, time="2024-11-29T10:00:00+03:00"),
             {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []},
              "properties": {"title": "area"}}]
    parsed = parse_feed(_write(tmp_path / "g.geojson", geojson_text(feats)))
    assert parsed.feed == "geojson" and len(parsed.rows) == 2
    assert parsed.rejected[0].where == "features[2]" and "Polygon" in parsed.rejected[0].reason
    m = _mapped(parsed)
    assert m[1].time == "2024-11-29T10:00:00+03:00" and m[0].location["lat"] == 34.453


def test_geojson_of_polygons_only_is_refused(tmp_path):
    feats = [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []},
              "properties": {}}]
    with pytest.raises(FeedError, match="no feature is a point event"):
        parse_feed(_write(tmp_path / "g.geojson", geojson_text(feats)))


def test_generic_csv_with_mapping(tmp_path):
    text = "junk title line\nWhen,Headline,Y,X,Ref\n2024-11-30,Convoy seen,34.1,40.9,r1\n"
    mapping = parse_mapping("time=When,title=Headline,lat=Y,lon=X,id=Ref")
    parsed = parse_feed(_write(tmp_path / "g.csv", text), format="csv", mapping=mapping)
    assert parsed.feed == "csv" and parsed.rows[0].quick.key == "csv:r1"
    m = _mapped(parsed)[0]
    assert m.title == "Convoy seen"
    assert m.location == {"name": "34.1, 40.9", "lat": 34.1, "lon": 40.9}


@pytest.mark.parametrize("text, message", [
    ("time=a", "title must be mapped"), ("time=a,title=b,lat=c", "both lat and lon"),
    ("time=a,title=b,colour=c", "unknown field 'colour'"), ("time", "expected FIELD=COLUMN"),
])
def test_bad_mappings(text, message):
    with pytest.raises(FeedError, match=message):
        parse_mapping(text)


@pytest.mark.parametrize("header, what", [
    ("WEEK,REGION,COUNTRY,ADMIN1,EVENT_TYPE,SUB_EVENT_TYPE,EVENTS,FATALITIES,"
     "POPULATION_EXPOSURE,DISORDER_TYPE,ID,CENTROID_LATITUDE,CENTROID_LONGITUDE",
     "weekly aggregates"),
    ("Country,Month,Year,Events", "country-month statistics"),
    ("country,month,events_zscore,fatalities_zscore", "z-scores"),
])
def test_aggregates_are_refused(tmp_path, header, what):
    p = _write(tmp_path / "acled.csv", header + "\nSyria,1,2024,5\n")
    with pytest.raises(FeedError) as got:
        parse_feed(p)
    assert what in str(got.value) and "acled.csv: line 1" in str(got.value)
    assert "expected ACLED events (event_id_cnty, event_date" in str(got.value)


def test_unknown_layout_and_missing_columns(tmp_path):
    with pytest.raises(FeedError, match=r"unknown layout .first row: name, colour"):
        parse_feed(_write(tmp_path / "x.csv", "name,colour\nred,#f00\n"))
    with pytest.raises(FeedError, match=r"lacks the column.s. latitude, longitude"):
        parse_feed(_write(tmp_path / "y.csv", "event_id_cnty,event_date,event_type,actor1\n"))


def test_gdelt_is_named(tmp_path):
    row = "\t".join(["410412347", "20150218", "201502", "2015"] + ["x"] * 54)
    with pytest.raises(FeedError, match="GDELT event file"):
        parse_feed(_write(tmp_path / "gdelt.csv", row + "\n"))


def test_unreadable_files(tmp_path):
    with pytest.raises(FeedError, match="no such file"):
        parse_feed(tmp_path / "nope.csv")
    (tmp_path / "bad.csv").write_bytes(b"event_id_cnty,event_date\n\xff\xfe1,2\n")
    with pytest.raises(FeedError, match=r"bad.csv: line 2: not UTF-8"):
        parse_feed(tmp_path / "bad.csv")
    with pytest.raises(FeedError, match=r"line 1: invalid JSON"):
        parse_feed(_write(tmp_path / "b.json", "{\"data\": [1,]}"))
    with pytest.raises(FeedError, match=r"NaN is not a JSON number"):
        parse_feed(_write(tmp_path / "c.json", "{\"data\": [NaN]}"))
    with pytest.raises(FeedError, match="a scenario file is not a feed"):
        parse_feed(_write(tmp_path / "s.json", '{"schema_version": 1, "events": []}'))


def test_format_mismatch(tmp_path):
    p = write_acled(tmp_path / "a.csv", [acled_row(0)])
    with pytest.raises(FeedError, match=r"--format ucdp given, but the header .line 1. is ACLED"):
        parse_feed(p, format="ucdp")


def test_bad_rows_are_rejected_with_line_and_reason(tmp_path):
    rows = [acled_row(0), acled_row(1, event_date="31 Smarch 2024"),
            acled_row(2, latitude="95"), acled_row(3, event_id_cnty=""),
            acled_row(4, timestamp="soon"), acled_row(5, latitude="")]
    text = csv_text(rows) + "short,row\r\n"
    parsed = parse_feed(_write(tmp_path / "a.csv", text))
    from monitor.model.timeutil import zone

    reasons = {r.where: r.reason for r in parsed.rejected}
    for row in parsed.rows:
        try:
            row.full(zone("UTC"))
        except ValueError as exc:
            reasons[row.where] = str(exc)
    assert "unknown month 'Smarch'" in reasons["line 3"]
    assert "outside -90..90" in reasons["line 4"]
    assert reasons["line 5"] == "no event_id_cnty"
    assert "timestamp 'soon' is not a whole number" in reasons["line 6"]
    assert "both latitude and longitude" in reasons["line 7"]
    assert reasons["line 8"] == "has 2 fields, the header has 31"


def test_unclosed_quote_at_the_end(tmp_path):
    text = csv_text([acled_row(0)]) + 'SYR9,2024-11-27,"never closed\r\nmore\r\n'
    parsed = parse_feed(_write(tmp_path / "a.csv", text))
    assert parsed.rejected[-1].where == "line 3"
    assert "never closed" in parsed.rejected[-1].reason


def test_blank_lines_and_semicolons_keep_line_numbers(tmp_path):
    text = csv_text([acled_row(0), acled_row(1)], delimiter=";")
    head, rest = text.split("\r\n", 1)
    p = _write(tmp_path / "a.csv", head + "\r\n\r\n" + rest.replace("\r\n", "\r\n\r\n", 1))
    parsed = parse_feed(p)  # (blank lines: read line by line, not by the fast reader)
    assert [r.where for r in parsed.rows] == ["line 3", "line 5"]
    fast = parse_feed(_write(tmp_path / "b.csv", text))
    assert [r.where for r in fast.rows] == ["line 2", "line 3"]
    assert _mapped(parsed) == _mapped(fast)


def test_file_without_final_newline(tmp_path):
    p = _write(tmp_path / "a.csv", csv_text([acled_row(0), acled_row(1)]).rstrip("\r\n"))
    assert [r.where for r in parse_feed(p).rows] == ["line 2", "line 3"]
