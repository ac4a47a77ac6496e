"""Validation: every bad input is a ScenarioError naming the file, the JSON path and the reason.

Bad documents are built from tests/data/small.json by mutating the parsed JSON,
so each case states exactly what is wrong.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from monitor.model import ScenarioError, load_scenario, validate_file

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"
BASE: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))


def write_doc(tmp_path: Path, doc: Any, name: str = "broken-scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def mutated(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


def load_error(tmp_path: Path, doc: Any) -> ScenarioError:
    path = write_doc(tmp_path, doc)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert not err.unreadable, "a file that was read but rejected is not 'unreadable'"
    assert err.path == str(path)
    return err


def assert_reported(err: ScenarioError, where: str, reason: str) -> None:
    """The message names the file, the JSON path and the reason, on one line."""
    text = str(err)
    assert "broken-scenario.json" in text
    lines = [ln for ln in text.splitlines() if f"{where}:" in ln or f"{where} " in ln]
    assert lines, f"no problem reported at {where!r}:\n{text}"
    assert any(reason.lower() in ln.lower() for ln in lines), (
        f"{reason!r} not said at {where!r}:\n{text}"
    )
    assert any(p.where == where for p in err.problems), [p.where for p in err.problems]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets ``a.b[0].c`` style paths (``del`` when value is DELETE)."""

    def change(doc: dict[str, Any]) -> None:
        parts: list[Any] = []
        for piece in path.replace("]", "").split("."):
            name, *indices = piece.split("[")
            parts.append(name)
            parts.extend(int(i) for i in indices)
        node = doc
        for key in parts[:-1]:
            node = node[key]
        if value is DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value

    return change


DELETE = object()


# (mutation, JSON path reported, words of the reason)
CASES: dict[str, tuple[Callable[[dict[str, Any]], Any], str, str]] = {
    # wrong types
    "title-number": (
        _set("events[0].title", 5),
        "events[0].title",
        "expected a string, got a number (5)",
    ),
    "title-null": (_set("events[0].title", None), "events[0].title", "expected a string, got null"),
    "title-empty": (_set("events[0].title", "  "), "events[0].title", "must not be empty"),
    "actors-string": (
        _set("events[1].actors", "reb"),
        "events[1].actors",
        "expected an array of strings",
    ),
    "actors-item": (_set("events[0].actors", ["reb", 3]), "events[0].actors", "item [1]"),
    "events-object": (_set("events", {}), "events", "expected an array"),
    "event-string": (_set("events[2]", "e3"), "events[2]", "expected an object"),
    "scenario-array": (_set("scenario", []), "scenario", "expected an object"),
    "verification": (
        _set("events[0].verification", "rumour"),
        "events[0].verification",
        "expected one of",
    ),
    "kind": (_set("crossings[0].kind", "bridge"), "crossings[0].kind", "official | informal"),
    "status": (
        _set("crossings[1].history[0].status", "ajar"),
        "crossings[1].history[0].status",
        "open | closed",
    ),
    "estimated": (
        _set("territory[0].estimated", "no"),
        "territory[0].estimated",
        "expected true or false",
    ),
    "url": (_set("sources[0].url", "ftp://example.org/x"), "sources[0].url", "http(s) URL"),
    "note-number": (
        _set("crossings[0].history[0].note", 7),
        "crossings[0].history[0].note",
        "expected a string",
    ),
    "side-object": (
        _set("crossings[0].sides[1]", "Syria"),
        "crossings[0].sides[1]",
        "expected an object",
    ),
    "lat-string": (
        _set("events[0].location.lat", "36.1"),
        "events[0].location.lat",
        "expected a number",
    ),
    "lat-bool": (
        _set("events[0].location.lat", True),
        "events[0].location.lat",
        "expected a number",
    ),
    # missing required fields
    "no-events": (_set("events", DELETE), "(top level)", 'missing required field "events"'),
    "no-territory": (
        _set("territory", DELETE),
        "(top level)",
        'missing required field "territory"',
    ),
    "no-time": (_set("events[0].time", DELETE), "events[0]", 'missing required field "time"'),
    "no-source-ids": (
        _set("events[3].source_ids", DELETE),
        "events[3]",
        'missing required field "source_ids"',
    ),
    "no-timezone": (
        _set("scenario.timezone", DELETE),
        "scenario",
        'missing required field "timezone"',
    ),
    "no-history": (
        _set("crossings[0].history", DELETE),
        "crossings[0]",
        'missing required field "history"',
    ),
    "no-place": (_set("crossings[0].sides[0].place", DELETE), "crossings[0].sides[0]", '"place"'),
    "no-color": (
        _set("factions[2].color", DELETE),
        "factions[2]",
        'missing required field "color"',
    ),
    "no-estimated": (_set("territory[4].estimated", DELETE), "territory[4]", '"estimated"'),
    "no-location-name": (_set("events[0].location.name", DELETE), "events[0].location", '"name"'),
    "no-crossing-lat": (
        _set("crossings[1].location.lat", DELETE),
        "crossings[1].location",
        '"lat"',
    ),
    "no-schema-version": (
        _set("schema_version", DELETE),
        "schema_version",
        "missing required field",
    ),
    # duplicate ids per collection
    "dup-event": (_set("events[3].id", "e1"), "events[3].id", 'duplicate event id "e1"'),
    "dup-faction": (_set("factions[1].id", "gov"), "factions[1].id", 'duplicate faction id "gov"'),
    "dup-source": (_set("sources[1].id", "s1"), "sources[1].id", 'duplicate source id "s1"'),
    "dup-crossing": (
        _set("crossings[1].id", "qaim"),
        "crossings[1].id",
        'duplicate crossing id "qaim"',
    ),
    # dangling references
    "event-source": (
        _set("events[1].source_ids", ["s1", "s9"]),
        "events[1].source_ids[1]",
        'unknown source id "s9"',
    ),
    "history-source": (
        _set("crossings[0].history[0].source_ids", ["nope"]),
        "crossings[0].history[0].source_ids[0]",
        'unknown source id "nope"',
    ),
    "territory-source": (
        _set("territory[2].source_ids", ["s7"]),
        "territory[2].source_ids[0]",
        'unknown source id "s7"',
    ),
    "territory-faction": (
        _set("territory[1].faction", "isis"),
        "territory[1].faction",
        'unknown faction id "isis"',
    ),
    "controlled-by": (
        _set("crossings[1].controlled_by", "pkk"),
        "crossings[1].controlled_by",
        'unknown faction id "pkk"',
    ),
    # out of range
    "lat-high": (
        _set("events[0].location.lat", 90.5),
        "events[0].location.lat",
        "out of range -90..90",
    ),
    "lon-low": (
        _set("crossings[0].location.lon", -180.01),
        "crossings[0].location.lon",
        "out of range -180..180",
    ),
    "lat-huge-int": (
        _set("events[1].location.lat", 10**400),
        "events[1].location.lat",
        "out of range",
    ),
    "lat-only": (_set("events[0].location.lon", DELETE), "events[0].location", "both lat and lon"),
    "share-high": (
        _set("territory[0].share_pct", 100.01),
        "territory[0].share_pct",
        "out of range 0..100",
    ),
    "share-negative": (
        _set("territory[3].share_pct", -1),
        "territory[3].share_pct",
        "out of range 0..100",
    ),
    "credibility-7": (
        _set("events[0].credibility", 7),
        "events[0].credibility",
        "out of range 1..6",
    ),
    "credibility-0": (
        _set("events[1].credibility", 0),
        "events[1].credibility",
        "out of range 1..6",
    ),
    "credibility-fraction": (
        _set("events[1].credibility", 2.5),
        "events[1].credibility",
        "whole number",
    ),
    "credibility-bool": (
        _set("events[1].credibility", True),
        "events[1].credibility",
        "whole number",
    ),
    # dates and times
    "feb-30-day": (_set("events[0].time", "2024-02-30"), "events[0].time", "impossible date"),
    "feb-30-datetime": (
        _set("events[1].time", "2024-02-30T10:00:00+03:00"),
        "events[1].time",
        "impossible date",
    ),
    "feb-30-territory": (
        _set("territory[0].date", "2023-02-29"),
        "territory[0].date",
        "impossible date",
    ),
    "hour-25": (
        _set("events[1].time", "2024-11-30T25:00:00+03:00"),
        "events[1].time",
        "impossible date-time",
    ),
    "no-offset": (_set("events[1].time", "2024-11-30T14:05:00"), "events[1].time", "no UTC offset"),
    "no-offset-history": (
        _set("crossings[1].history[1].time", "2024-12-03T10:00"),
        "crossings[1].history[1].time",
        "no UTC offset",
    ),
    "no-offset-recorded": (
        _set("crossings[1].history[1].recorded_at", "2024-12-03 11:00:00"),
        "crossings[1].history[1].recorded_at",
        "no UTC offset",
    ),
    "time-format": (_set("events[0].time", "30/11/2024"), "events[0].time", "expected YYYY-MM-DD"),
    "arabic-digits": (
        _set("events[0].time", "٢٠٢٤-١١-٢٧"),  # noqa: RUF001 - Arabic-Indic digits, on purpose
        "events[0].time",
        "expected YYYY-MM-DD",
    ),
    "time-number": (_set("events[0].time", 1732975500), "events[0].time", "expected an ISO 8601"),
    "published": (
        _set("sources[1].published", "last week"),
        "sources[1].published",
        "expected YYYY-MM-DD",
    ),
    "territory-datetime": (
        _set("territory[0].date", "2024-11-26T00:00:00+03:00"),
        "territory[0].date",
        "YYYY-MM-DD",
    ),
    "timezone": (
        _set("scenario.timezone", "Mars/Olympus_Mons"),
        "scenario.timezone",
        "unknown IANA time zone",
    ),
    "timezone-path": (
        _set("scenario.timezone", "../../etc/passwd"),
        "scenario.timezone",
        "unknown IANA time zone",
    ),
    # schema version
    "schema-2": (_set("schema_version", 2), "schema_version", "unsupported schema_version 2"),
    "schema-0": (_set("schema_version", 0), "schema_version", "unsupported schema_version 0"),
    "schema-string": (_set("schema_version", "1"), "schema_version", "expected the number 1"),
    "schema-bool": (_set("schema_version", True), "schema_version", "expected the number 1"),
    # sides
    "one-side": (
        _set("crossings[0].sides", [{"country": "Iraq", "place": "Al-Qaim"}]),
        "crossings[0].sides",
        "exactly 2 sides, got 1",
    ),
    "three-sides": (
        lambda d: d["crossings"][1]["sides"].append({"country": "Turkey", "place": "Cizre"}),
        "crossings[1].sides",
        "exactly 2 sides, got 3",
    ),
    "no-sides": (_set("crossings[0].sides", []), "crossings[0].sides", "exactly 2 sides, got 0"),
    # colours and grades
    "colour-name": (_set("factions[0].color", "red"), "factions[0].color", "#rrggbb"),
    "colour-short": (_set("factions[1].color", "#27ae6"), "factions[1].color", "#rrggbb"),
    "colour-hex": (_set("factions[2].color", "#gggggg"), "factions[2].color", "#rrggbb"),
    "colour-alpha": (_set("factions[2].color", "#f1c40f80"), "factions[2].color", "#rrggbb"),
    "grade-g": (_set("sources[0].reliability", "G"), "sources[0].reliability", "grade A..F"),
    "grade-lower": (_set("events[2].reliability", "d"), "events[2].reliability", "grade A..F"),
    "grade-number": (_set("sources[1].reliability", 2), "sources[1].reliability", "grade A..F"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_document_names_file_path_and_reason(tmp_path: Path, case: str) -> None:
    change, where, reason = CASES[case]
    err = load_error(tmp_path, mutated(change))
    assert_reported(err, where, reason)


def test_unmodified_fixture_is_valid(tmp_path: Path) -> None:
    # Guards the cases above: each one fails only because of its own mutation.
    scenario = load_scenario(write_doc(tmp_path, BASE))
    assert [e.id for e in scenario.events] == ["e1", "e2", "e3", "e4"]
    assert validate_file(write_doc(tmp_path, BASE)) == []


def test_shares_per_date_over_100_beyond_tolerance(tmp_path: Path) -> None:
    # 2024-12-05 sums to 55 + 20 + 25 = 100; push it to 100.6.
    err = load_error(tmp_path, mutated(_set("territory[3].share_pct", 55.6)))
    assert_reported(err, "territory", "2024-12-05")
    assert "more than 100%" in str(err)
    assert "100.6" in str(err)
    assert len(err.problems) == 1


def test_shares_within_half_a_point_of_100_are_rounding(tmp_path: Path) -> None:
    doc = mutated(_set("territory[3].share_pct", 55.5))  # 100.5: at the tolerance
    assert load_scenario(write_doc(tmp_path, doc)).territory[3].share_pct == 55.5


def test_two_shares_for_one_faction_on_one_date(tmp_path: Path) -> None:
    doc = mutated(lambda d: d["territory"].append(dict(d["territory"][0], share_pct=1)))
    err = load_error(tmp_path, doc)
    assert_reported(err, "territory[6]", 'second share for faction "gov" on 2024-11-26')


def test_duplicate_id_message_points_at_first_use(tmp_path: Path) -> None:
    err = load_error(tmp_path, mutated(_set("events[3].id", "e2")))
    assert_reported(err, "events[3].id", "first used at events[1]")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    def break_many(d: dict[str, Any]) -> None:
        d["scenario"]["timezone"] = "Nowhere/Atlantis"
        d["factions"][0]["color"] = "crimson"
        d["sources"][1]["id"] = "s1"
        d["events"][0]["time"] = "2024-02-30"
        d["events"][1]["location"]["lat"] = 123
        d["events"][2]["source_ids"] = ["ghost"]
        del d["events"][3]["title"]
        d["crossings"][0]["sides"].pop()
        d["crossings"][1]["history"][1]["time"] = "2024-12-03T10:00:00"
        d["crossings"][1]["controlled_by"] = "nobody"
        d["territory"][0]["faction"] = "martians"
        d["territory"][5]["share_pct"] = 130

    err = load_error(tmp_path, mutated(break_many))
    expected = {
        "scenario.timezone": "unknown IANA time zone",
        "factions[0].color": "#rrggbb",
        "sources[1].id": "duplicate source id",
        "events[0].time": "impossible date",
        "events[1].location.lat": "out of range",
        "events[2].source_ids[0]": 'unknown source id "ghost"',
        "events[3]": 'missing required field "title"',
        "crossings[0].sides": "exactly 2 sides",
        "crossings[1].history[1].time": "no UTC offset",
        "crossings[1].controlled_by": 'unknown faction id "nobody"',
        "territory[0].faction": 'unknown faction id "martians"',
        "territory[5].share_pct": "out of range",
    }
    for where, reason in expected.items():
        assert_reported(err, where, reason)
    assert len(err.problems) >= len(expected)
    assert f"({len(err.problems)} problems)" in str(err).splitlines()[0]


def test_problems_have_structured_fields(tmp_path: Path) -> None:
    err = load_error(tmp_path, mutated(_set("events[0].time", "2024-02-30")))
    (problem,) = err.problems
    assert problem.where == "events[0].time"
    assert "2024-02-30" in problem.reason
    assert problem.line is None  # syntactically fine JSON: the path locates it


def test_many_problems_are_summarised_but_all_kept(tmp_path: Path) -> None:
    doc = mutated(lambda d: [e.update(time="yesterday") for e in d["events"]])
    doc["events"] = [dict(doc["events"][0], id=f"e{i}") for i in range(80)]
    err = load_error(tmp_path, doc)
    assert len(err.problems) == 80
    assert "events[79].time" in err.describe(limit=None)
    assert "... and 30 more" in str(err)


def test_a_flood_of_problems_is_capped_and_says_so(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    doc["events"] = [dict(doc["events"][0], id=f"e{i}", time="soon") for i in range(1200)]
    err = load_error(tmp_path, doc)
    assert 1000 <= len(err.problems) < 1200
    assert "stopped listing after" in err.problems[-1].reason


def test_validate_file_lists_problems_without_raising(tmp_path: Path) -> None:
    path = write_doc(tmp_path, mutated(_set("events[1].time", "2024-11-30T14:05")))
    problems = validate_file(path)
    assert [p.where for p in problems] == ["events[1].time"]


def test_datetime_with_z_and_without_seconds_is_accepted(tmp_path: Path) -> None:
    doc = mutated(_set("events[1].time", "2024-11-30T11:05Z"))
    event = load_scenario(write_doc(tmp_path, doc)).events[1]
    assert event.time.utc.isoformat() == "2024-11-30T11:05:00+00:00"
    assert not event.time.day


def test_optional_fields_may_be_absent(tmp_path: Path) -> None:
    def strip(d: dict[str, Any]) -> None:
        for e in d["events"]:
            for key in ("summary", "credibility", "reliability", "location"):
                e.pop(key, None)
        for s in d["sources"]:
            s.pop("published", None)
            s.pop("reliability", None)
        for c in d["crossings"]:
            c.pop("name_local", None)
            c.pop("controlled_by", None)

    scenario = load_scenario(write_doc(tmp_path, mutated(strip)))
    assert all(e.location is None and e.summary is None for e in scenario.events)
    assert scenario.crossings[0].controlled_by is None
