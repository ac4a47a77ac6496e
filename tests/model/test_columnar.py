"""Column-wise events (monitor.model.columnar): the same scenario, frame and saved bytes
as the object loader, for every layout and window size; anything it does not decide
goes the object way, and invalid files still get the strict path's report."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

import monitor.model.columnar as columnar
import monitor.model.fast_load as fast_load
from monitor.model import (
    LoadCancelled,
    ScenarioError,
    dumps_scenario,
    load_scenario,
    save_scenario,
    scenario_to_json,
)
from monitor.model.columnar import EventColumns
from monitor.model.frames import _events_frame, events_frame
from monitor.model.io import read_json, scenario_from_json

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"
BUNDLED = Path(__file__).resolve().parents[2] / "data" / "iraq-syria-border-2024.json"


def strict(path: Path):
    return scenario_from_json(read_json(path), path)


def columns(path: Path, **kw):
    with open(path, "rb") as fh:
        return fast_load.load_fast(fh, columnar=True, **kw)


def write(tmp_path: Path, doc, indent=2, name="s.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


def bundled_doc() -> dict:
    return json.loads(BUNDLED.read_text(encoding="utf-8"))


def odd_doc() -> dict:
    """The bundled scenario with every unusual shape an event may have."""
    doc = bundled_doc()
    ev = doc["events"]
    ev[0]["summary"] = ""
    ev[1].pop("summary", None)
    ev[2]["location"] = {"name": "Al-Qaim", "lat": 34, "lon": 41}  # integers stay integers
    ev[3]["location"] = {"name": "البوكمال"}  # no coordinates
    ev[4]["tags"] = ["kept", {"nested": [1, 2.5, None, True]}]  # a field this version does not know
    ev[5]["location"] = {"name": "x", "lat": 1.5, "lon": 2.5, "grid": "38SMB"}
    ev[6]["time"] = "2024-11-30T14:05:00Z"  # written back as +00:00
    ev[7]["time"] = "2024-11-30T14:05:00.250+03:00"
    ev[8]["time"] = "2024-11-30 14:05+03:00"
    ev[9]["title"] = 'STRASSE: Straße — ΣΊΣΥΦΟΣ ﬁnal: colon: "quoted" }, { ]'
    ev[10]["actors"] = []
    ev[11]["source_ids"] = []
    ev[12]["credibility"] = 6
    ev[12]["reliability"] = "F"
    ev[13]["summary"] = "line\nbreak\ttab \u2028 sep \u202e bidi \x00 nul \x7f \x1b"
    ev[14]["location"] = {"name": 'back\\slash "q" \t', "lat": -0.0, "lon": 180}
    ev[15]["actors"] = ['a "quoted" \\ actor', "al-Bukamal"]
    return doc


@pytest.mark.parametrize("window", [64, 700, 4096, 1 << 22])
@pytest.mark.parametrize("indent", [None, 0, 2, "\t"])
def test_columns_give_the_same_scenario_as_the_strict_path(tmp_path, monkeypatch, window, indent):
    monkeypatch.setattr(columnar, "WINDOW_BYTES", window)
    path = write(tmp_path, odd_doc(), indent)
    got = columns(path)
    assert isinstance(got.events, EventColumns)  # really column-wise, not silently the object way
    expected = strict(path)
    assert got == expected
    assert list(got.events) == expected.events
    assert dumps_scenario(got) == dumps_scenario(expected)


def test_the_frame_is_the_one_built_from_objects(tmp_path):
    path = write(tmp_path, odd_doc())
    got = columns(path)
    expected = _events_frame(strict(path), None, None)
    frame = events_frame(got)
    assert list(frame.columns) == list(expected.columns)
    for name in expected.columns:
        pd.testing.assert_series_equal(frame[name], expected[name], check_categorical=True)


def test_the_sequence_behaves_like_the_list(tmp_path):
    path = write(tmp_path, odd_doc())
    got, expected = columns(path), strict(path)
    events, objects = got.events, expected.events
    assert len(events) == len(objects)
    assert events[-1] == objects[-1]
    assert events[3:7] == objects[3:7]
    assert events[::-5] == objects[::-5]
    with pytest.raises(IndexError):
        events[len(objects)]
    assert got.event(objects[9].id) == objects[9]
    assert got.event("no such id") is None
    assert got.time_range() == expected.time_range()
    assert got.events_range() == expected.events_range()
    assert got.events_between() == expected.events_between()
    assert events[4].extra == {"tags": ["kept", {"nested": [1, 2.5, None, True]}]}
    assert events[2].location.lat == 34 and type(events[2].location.lat) is int


@pytest.mark.parametrize("where", ["event", "location"])
def test_a_duplicate_key_is_found_although_msgspec_would_keep_the_last(tmp_path, where):
    text = json.dumps(bundled_doc(), indent=2, ensure_ascii=False)
    if where == "event":
        text = text.replace('"title": ', '"title": "first", "title": ', 1)
    else:
        text = text.replace('"lat": ', '"lat": 1, "lat": ', 1)
    path = tmp_path / "dup.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(fast_load.Fallback):
        columns(path)
    with pytest.raises(ScenarioError, match="duplicate key"):
        load_scenario(path)


BREAKERS = {
    "blank title": lambda d: d["events"][7].__setitem__("title", " \u2003\x1c "),
    "blank actor": lambda d: d["events"][7]["actors"].append("\u3000"),
    "blank location": lambda d: d["events"][7].__setitem__("location", {"name": "\t"}),
    "bool credibility": lambda d: d["events"][7].__setitem__("credibility", True),
    "credibility 0": lambda d: d["events"][7].__setitem__("credibility", 0),
    "credibility 7": lambda d: d["events"][7].__setitem__("credibility", 7),
    "float credibility": lambda d: d["events"][7].__setitem__("credibility", 3.0),
    "reliability G": lambda d: d["events"][7].__setitem__("reliability", "G"),
    "unknown source": lambda d: d["events"][7]["source_ids"].append("nope"),
    "bad verification": lambda d: d["events"][7].__setitem__("verification", "rumoured"),
    "lat without lon": lambda d: d["events"][7].__setitem__("location", {"name": "x", "lat": 1}),
    "lat 91": lambda d: d["events"][7].__setitem__("location", {"name": "x", "lat": 91, "lon": 1}),
    "time without offset": lambda d: d["events"][7].__setitem__("time", "2024-11-30T10:00:00"),
    "30 February": lambda d: d["events"][7].__setitem__("time", "2024-02-30T10:00:00+03:00"),
    "second 60": lambda d: d["events"][7].__setitem__("time", "2024-11-30T10:00:60+03:00"),
    "hour 24": lambda d: d["events"][7].__setitem__("time", "2024-11-30T24:00:00+03:00"),
    "year 9999": lambda d: d["events"][7].__setitem__("time", "9999-11-30T10:00:00+03:00"),
    "offset +24:00": lambda d: d["events"][7].__setitem__("time", "2024-11-30T10:00:00+24:00"),
    "duplicate event id": lambda d: d["events"].append(dict(d["events"][0])),
    "huge integer": lambda d: d["events"][7].__setitem__("credibility", 10**30),
    "title not a string": lambda d: d["events"][7].__setitem__("title", ["x"]),
}


@pytest.mark.parametrize("name", sorted(BREAKERS))
def test_anything_invalid_still_gets_the_strict_report(tmp_path, monkeypatch, name):
    monkeypatch.setattr(fast_load, "COLUMNAR_MIN_BYTES", 0)
    doc = bundled_doc()
    BREAKERS[name](doc)
    path = write(tmp_path, doc)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.problems and str(path) in str(err.value)


@pytest.mark.parametrize(
    "text",
    ["\\u003a in a title", "lone \\ud800 surrogate", "NaN"],
)
def test_what_the_columns_do_not_decide_goes_the_object_way(tmp_path, monkeypatch, text):
    monkeypatch.setattr(fast_load, "COLUMNAR_MIN_BYTES", 0)
    raw = json.dumps(bundled_doc(), indent=2, ensure_ascii=False)
    head, events = raw.split('"events"', 1)
    if text == "NaN":
        events = events.replace('"credibility": 2', '"credibility": NaN', 1)
    else:
        events = events.replace('"title": "', f'"title": "{text} ', 1)
    raw = f'{head}"events"{events}'
    path = tmp_path / "s.json"
    path.write_text(raw, encoding="utf-8")
    try:
        expected = strict(path)
    except ScenarioError:
        with pytest.raises(ScenarioError):
            load_scenario(path)
    else:
        got = load_scenario(path)
        assert got == expected
        assert not isinstance(got.events, EventColumns)


def test_big_files_take_the_columnar_path_by_default(tmp_path, monkeypatch):
    path = write(tmp_path, bundled_doc())
    assert not isinstance(
        load_scenario(path).events, EventColumns
    )  # small: objects, no pyarrow wait
    monkeypatch.setattr(fast_load, "COLUMNAR_MIN_BYTES", path.stat().st_size)
    assert isinstance(load_scenario(path).events, EventColumns)


def test_progress_rises_and_cancel_stops_a_columnar_load(tmp_path, monkeypatch):
    doc = bundled_doc()
    events = doc["events"]
    for i in range(40):  # ~2,000 events, windows of a few KB
        for e in events[:51]:
            e2 = copy.deepcopy(e)
            e2["id"] = f"{e['id']}-{i}"
            events.append(e2)
    path = write(tmp_path, doc)
    monkeypatch.setattr(columnar, "WINDOW_BYTES", 16_384)
    monkeypatch.setattr(fast_load, "PROGRESS_INTERVAL_S", 0.0)
    seen: list[float] = []
    got = columns(path, progress=lambda f, _m: seen.append(f))
    assert isinstance(got.events, EventColumns) and len(got.events) == len(events)
    assert len(seen) > 10 and seen == sorted(seen)
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3

    with pytest.raises(LoadCancelled):
        columns(path, cancel=cancel)


def test_saving_from_the_columns_writes_the_object_paths_bytes(tmp_path):
    doc = odd_doc()
    doc["events"][20]["location"] = {"name": "far", "lat": 1e-05, "lon": 2.5}  # json.dumps: 1e-05
    for name, d in (("plain", bundled_doc()), ("odd", odd_doc()), ("float", doc)):
        path = write(tmp_path, d, name=f"{name}.json")
        got, expected = columns(path), strict(path)
        assert isinstance(got.events, EventColumns)
        assert dumps_scenario(got) == dumps_scenario(expected), name
        assert scenario_to_json(got) == scenario_to_json(expected), name
        out = tmp_path / f"{name}-saved.json"
        save_scenario(got, out)
        assert out.read_bytes() == dumps_scenario(expected).encode("utf-8")


SCRIPTS = [
    "مجلس دير الزور",  # Arabic: no case
    "ΣΊΣΥΦΟΣ ς",  # Greek, final sigma
    "Straße ẞ ﬁnal",  # casefold differs from lower
    "Ⓐ Ⅻ ⅻ ͅ",  # circled letters (So), Roman numerals (Nl), U+0345 (Mn)
    "İstanbul ǅ",  # dotted capital I, titlecase letter
    "ᎠᏴ ꭰ",  # Cherokee
    "ԱՐՄԵՆԻԱ և",  # Armenian
    "ДЕЙР-ЭЗ-ЗОР",  # Cyrillic
    "中文 日本語 한국어",  # no case
]


@given(words=st.lists(st.sampled_from(SCRIPTS) | st.text(min_size=1, max_size=12), min_size=1, max_size=6))
@settings(max_examples=40, deadline=None)
def test_the_search_text_is_casefolded_like_python_does(tmp_path_factory, words):
    doc = bundled_doc()
    for i, word in enumerate(words):
        doc["events"][i]["title"] = f"x {word} X"
        doc["events"][i]["summary"] = word
    path = write(tmp_path_factory.mktemp("fold"), doc)
    try:
        got = columns(path)
    except fast_load.Fallback:
        return  # (a text the strict path refuses, e.g. a lone surrogate)
    if not isinstance(got.events, EventColumns):
        return
    expected = _events_frame(strict(path), None, None)["search"].tolist()
    assert events_frame(got)["search"].tolist() == expected
