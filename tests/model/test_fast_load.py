"""The streaming fast path of load_scenario: same result as the strict path, or it steps aside.

The fast path (monitor.model.fast_load) may only ever say "valid, here it is" for a file
the strict path accepts with an equal Scenario; for everything else it falls back and the
strict path reports problems. Progress and cancel are covered here too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import monitor.model.fast_load as fast_load
from monitor.model import ScenarioError, load_scenario
from monitor.model.io import LoadCancelled, read_json, scenario_from_json

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"
BUNDLED = Path(__file__).resolve().parents[2] / "data" / "iraq-syria-border-2024.json"


def strict(path: Path):
    return scenario_from_json(read_json(path), path)


def fast(path: Path):
    with open(path, "rb") as fh:
        return fast_load.load_fast(fh)


@pytest.mark.parametrize(
    ("source", "chunk"),
    [(DATA, 1), (DATA, 5), (BUNDLED, 13), (BUNDLED, 64), (BUNDLED, 1 << 20)],
    ids=["small-1", "small-5", "bundled-13", "bundled-64", "bundled-1M"],
)
def test_fast_path_builds_the_same_scenario_whatever_the_chunk_size(
    tmp_path, monkeypatch, source, chunk
):
    monkeypatch.setattr(fast_load, "CHUNK_BYTES", chunk)
    monkeypatch.setattr("monitor.model.io._SNIFF_BYTES", max(chunk, 2))
    path = tmp_path / "s.json"
    path.write_bytes(source.read_bytes())
    assert fast(path) == strict(path)


@pytest.mark.parametrize("indent", [None, 0, 4, "\t"])
def test_other_layouts_are_read_the_same(tmp_path, indent):
    doc = json.loads(BUNDLED.read_text(encoding="utf-8"))
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc, indent=indent, ensure_ascii=False), encoding="utf-8")
    assert fast(path) == strict(path)


def _doc() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _raw_with_duplicate(doc: dict, where: str) -> str:
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if where == "event":
        return text.replace('"title": ', '"title": "first", "title": ', 1)
    if where == "location":
        return text.replace('"lat": ', '"lat": 1, "lat": ', 1)
    return text.replace('"note": ', '"note": "x", "note": ', 1)


@pytest.mark.parametrize("where", ["event", "location", "history"])
def test_a_duplicate_key_anywhere_is_still_rejected(tmp_path, where):
    path = tmp_path / "dup.json"
    path.write_text(_raw_with_duplicate(_doc(), where), encoding="utf-8")
    with pytest.raises(fast_load.Fallback):
        fast(path)
    with pytest.raises(ScenarioError, match="duplicate key"):
        load_scenario(path)


BREAKERS = {
    "blank title": lambda d: d["events"][0].__setitem__("title", "  \t"),
    "bool credibility": lambda d: d["events"][0].__setitem__("credibility", True),
    "unknown source": lambda d: d["events"][0]["source_ids"].append("nope"),
    "bad verification": lambda d: d["events"][0].__setitem__("verification", ["confirmed"]),
    "lat without lon": lambda d: d["events"][0].__setitem__("location", {"name": "x", "lat": 1}),
    "time without offset": lambda d: d["events"][0].__setitem__("time", "2024-11-30T10:00:00"),
    "duplicate event id": lambda d: d["events"].append(dict(d["events"][0])),
    "bad status": lambda d: d["crossings"][0]["history"][0].__setitem__("status", "ajar"),
}


@pytest.mark.parametrize("name", sorted(BREAKERS))
def test_anything_invalid_goes_to_the_strict_path(tmp_path, name):
    doc = _doc()
    BREAKERS[name](doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(fast_load.Fallback):
        fast(path)
    with pytest.raises(ScenarioError):
        load_scenario(path)


@pytest.mark.parametrize(
    "raw",
    [
        '"title": NaN',
        '"title": "\\ud800 lone"',
        '"lat": 1e400',
    ],
)
def test_non_json_numbers_and_lone_surrogates_are_rejected(tmp_path, raw):
    text = json.dumps(_doc(), indent=2, ensure_ascii=False)
    key = raw.split(":")[0]
    start = text.index(key)
    end = text.index(",", start)
    path = tmp_path / "bad.json"
    path.write_text(text[:start] + raw + text[end:], encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_an_unusual_key_order_is_still_loaded_by_the_strict_path(tmp_path):
    doc = _doc()
    reordered = {"events": doc.pop("events"), **doc}
    path = tmp_path / "reordered.json"
    path.write_text(json.dumps(reordered, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(fast_load.Fallback):
        fast(path)
    assert load_scenario(path) == strict(DATA)


@pytest.mark.parametrize(
    "when",
    [
        "2024-11-30T14:05:0a+03:00",
        "2024-11-30T14:05:60+03:00",
        "2024-13-30T14:05:00+03:00",
        "2024-11-30T14:05:00+3:000",
        "2024-11-30T14:05:00+03:0x",
        "2024-11-30T14:05:00 03:00",
        "2024-11-30T14:05:00.123456",
        "2024-11-30T1٤:05:00+03:00",
        "2024-11-30t14:05:00+03:00",
        "9999-11-30T14:05:00+03:00",  # outside the storable years, after a valid time with that offset
        "1600-11-30T14:05:00+03:00",
    ],
)
def test_odd_date_times_get_the_strict_verdict(tmp_path, when):
    doc = _doc()
    doc["events"][1]["time"] = "2024-11-30T10:00:00+03:00"  # the offset is seen valid first
    doc["events"][-1]["time"] = when
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    try:
        expected = strict(path)
    except ScenarioError:
        with pytest.raises(ScenarioError):
            load_scenario(path)
    else:
        assert load_scenario(path) == expected


def test_trailing_garbage_is_rejected(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(DATA.read_text(encoding="utf-8") + "\n{}", encoding="utf-8")
    with pytest.raises(ScenarioError, match="broken JSON"):
        load_scenario(path)


def test_progress_rises_to_one_and_cancel_stops_the_load(tmp_path, monkeypatch):
    monkeypatch.setattr(fast_load, "TICK_EVENTS", 1)
    monkeypatch.setattr(fast_load, "PROGRESS_INTERVAL_S", 0.0)
    seen: list[float] = []
    scenario = load_scenario(BUNDLED, progress=lambda f, _msg: seen.append(f))
    assert len(scenario.events) > 10
    assert len(seen) > len(scenario.events) and seen == sorted(seen) and seen[-1] == 1.0

    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 5

    with pytest.raises(LoadCancelled):
        load_scenario(BUNDLED, cancel=cancel)
