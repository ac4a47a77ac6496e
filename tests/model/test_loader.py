"""The one loader (monitor.model.loader): the same verdict and saved bytes for a small and
a big file, the strict reader's scenario for any valid layout, clear problems for deep
nesting at any size, the identity of the bytes read, and the event table's edits."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from monitor.model import (
    ScenarioError,
    dumps_scenario,
    load_identified,
    load_scenario,
    scenario_from_json,
)
from monitor.model.frames import filter_events
from monitor.model.io import read_json

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"
BIG = 8 * 1024 * 1024 + 1


def doc() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def padded(d: dict, size: int) -> dict:
    """``d`` with copies of its first event (new ids) until its text is ``size`` bytes or more."""
    d = copy.deepcopy(d)
    base = d["events"][0]
    one = len(json.dumps(base, indent=2)) + 8
    for i in range(size // one + 1):
        e = dict(base, id=f"pad-{i:07d}")
        d["events"].append(e)
    return d


def write(tmp_path: Path, d: dict, name: str, **dump) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(d, ensure_ascii=False, indent=2, **dump) + "\n", encoding="utf-8")
    return p


def strict(path: Path):
    return scenario_from_json(read_json(path), path)


@pytest.mark.parametrize("size", [0, BIG])
@pytest.mark.parametrize("depth", [500, 990, 2000])
def test_deep_nesting_is_a_clear_problem_at_any_size(tmp_path: Path, size: int, depth: int) -> None:
    d = padded(doc(), size) if size else doc()
    d["events"][1]["deep"] = "@"
    text = json.dumps(d, indent=2).replace('"@"', "[" * depth + "]" * depth)
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= size
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "nested too deeply" in str(err.value)
    assert all("Recursion" not in p.reason for p in err.value.problems)


def test_small_and_big_files_get_the_same_scenario_and_bytes(tmp_path: Path) -> None:
    d = padded(doc(), BIG)
    # Values the column path writes itself (no event kept as an object) besides unusual ones.
    d["events"][0]["time"] = "2024-11-30T14:05:00.5+03:00"
    d["events"][1]["location"] = {"name": "X", "lat": 10, "lon": -0.0}
    d["events"][2]["title"] = "tab\there \u2028 line sep \x7f del \u001f unit"
    d["events"][3]["summary"] = ""
    d["events"][4]["extra_field"] = {"kept": [1, 1e-05, "a:b"]}
    big = write(tmp_path, d, "big.json")
    small_doc = copy.deepcopy(d)
    small_doc["events"] = d["events"][:6]
    small = write(tmp_path, small_doc, "small.json")
    assert big.stat().st_size > BIG
    loaded_big, loaded_small = load_scenario(big), load_scenario(small)
    assert list(loaded_big.events)[:6] == list(loaded_small.events)
    assert list(loaded_big.events) == list(strict(big).events)
    assert dumps_scenario(loaded_big) == dumps_scenario(strict(big))
    assert dumps_scenario(loaded_small) == dumps_scenario(strict(small))


@pytest.mark.parametrize(
    "dump", [{"indent": None}, {"indent": 4, "sort_keys": True}, {"indent": "\t"}]
)
def test_any_layout_loads_as_the_strict_reader_reads_it(tmp_path: Path, dump: dict) -> None:
    path = tmp_path / "layout.json"
    path.write_text(json.dumps(doc(), **dump), encoding="utf-8")
    got, want = load_scenario(path), strict(path)
    assert got == want
    assert dumps_scenario(got) == dumps_scenario(want)


def test_identity_is_of_the_bytes_read(tmp_path: Path) -> None:
    path = write(tmp_path, doc(), "s.json")
    scenario, identity = load_identified(path)
    st = path.stat()
    assert identity.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (identity.size, identity.mtime_ns, identity.inode) == (
        st.st_size,
        st.st_mtime_ns,
        st.st_ino,
    )
    assert len(scenario.events) == len(doc()["events"])


def test_a_file_rewritten_while_it_loads_is_refused(tmp_path: Path) -> None:
    d = padded(doc(), BIG)
    path = write(tmp_path, d, "big.json")
    other = dict(d, events=d["events"][::-1])
    done = []

    def rewrite(fraction: float, message: str) -> None:
        if not done and "events" in message:
            done.append(True)
            with open(path, "r+", encoding="utf-8") as fh:  # in place, as another program would
                fh.write(json.dumps(other, ensure_ascii=False, indent=2))

    import monitor.model.loader as loader

    old, loader.PROGRESS_INTERVAL_S = loader.PROGRESS_INTERVAL_S, 0.0
    try:
        with pytest.raises(ScenarioError) as err:
            load_identified(path, progress=rewrite)
    finally:
        loader.PROGRESS_INTERVAL_S = old
    assert done
    assert "changed while it was being read" in str(err.value)


# --------------------------------------------------------------------------- the event table
def test_table_edits_by_id(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, doc(), "s.json"))
    table = s.events
    n, v = len(table), table.version
    first = table[0]
    new = dataclasses.replace(first, id="added", title="Added event")
    table.add(new)
    assert len(table) == n + 1 and table.version > v
    assert table.get("added") == new and table.position("added") == n
    with pytest.raises(ValueError):
        table.add(new)
    changed = dataclasses.replace(table[1], title="Changed title")
    table.replace(changed)
    assert table[1] == changed and s.event(changed.id) == changed
    with pytest.raises(KeyError):
        table.replace(dataclasses.replace(first, id="nope"))
    removed = table.remove(first.id)
    assert removed == first and table.get(first.id) is None and len(table) == n
    assert table.position("added") == n - 1
    with pytest.raises(KeyError):
        table.remove(first.id)
    frame = s.events_frame()
    assert list(frame["id"]) == [e.id for e in table]
    assert frame["title"].iloc[0] == "Changed title"
    assert len(frame) - 1 in filter_events(frame, "added event")  # (the search follows edits)
    saved = tmp_path / "saved.json"
    saved.write_text(dumps_scenario(s), encoding="utf-8")
    again = load_scenario(saved)
    assert list(again.events) == list(table)
    assert dumps_scenario(again) == dumps_scenario(strict(saved))


def test_a_list_given_to_a_scenario_becomes_a_table() -> None:
    s = strict(DATA)
    events = list(s.events)
    made = dataclasses.replace(s, events=events)
    assert made.events == events
    assert type(made.events).__name__ == "EventTable"
    assert dumps_scenario(made) == dumps_scenario(s)


@pytest.mark.parametrize("size", [0, BIG])
def test_a_cut_off_utf8_sequence_after_the_document_is_refused(tmp_path: Path, size: int) -> None:
    path = write(tmp_path, padded(doc(), size) if size else doc(), "tail.json")
    with open(path, "ab") as fh:
        fh.write(b"\xc2")  # the first byte of a two-byte sequence, then the end of the file
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "invalid UTF-8 byte 0xc2" in str(err.value)


@pytest.mark.parametrize("size", [0, BIG])
def test_valid_canonical_files_need_no_second_reading(
    tmp_path: Path, monkeypatch, size: int
) -> None:
    """The window-by-window reading decides a valid canonical file itself, at any size (the
    strict reader is for what it does not decide): checked, since both give the same result."""
    import monitor.model.loader as loader

    d = padded(doc(), size) if size else doc()
    path = write(tmp_path, d, "canonical.json")

    def refuse(*args):
        raise AssertionError("the strict reader was needed")

    monkeypatch.setattr(loader, "_strict", refuse)
    scenario = load_scenario(path)
    assert len(scenario.events) == len(d["events"])
    assert dumps_scenario(scenario) == dumps_scenario(strict(path))


def test_adding_events_with_new_categories_after_growth():
    """The code store's spare room (``add`` grows it) is not codes: a new category that
    sorts first remaps the rows only (it once remapped the room too: IndexError)."""
    import datetime

    from monitor.model import Event, Moment, Scenario, ScenarioInfo, Verification
    from monitor.model.timeutil import zone

    s = Scenario(info=ScenarioInfo("x", "x", "UTC"))
    day = Moment.of_day(datetime.date(2024, 1, 1), zone("UTC"))
    names = ["strike", "civilians", "border", "aid", "zz", "a0"] + [f"c{i:03d}" for i in range(150)]
    for i, cat in enumerate(names):
        s.table.add(Event(f"e{i}", day, "t", cat, [], [], Verification.REPORTED))
        if i == 0:
            s.table._store["category"][1:] = 99  # what np.empty may leave in the room
    assert [e.category for e in s.events] == names
    assert list(s.events_frame()["category"]) == names


def _crossings_variant(name: str) -> str:
    d = doc()
    if name == "empty":
        d["crossings"] = []
    elif name == "not-an-array":
        d["crossings"] = {"x": d["crossings"][0]}
    elif name == "duplicate-id":
        d["crossings"] = [*d["crossings"], d["crossings"][0]]
    elif name == "bad-entry":
        d["crossings"] = [*d["crossings"][:1], {"id": "zz"}]
    text = json.dumps(d, ensure_ascii=False, indent=2)
    start = text.find('"crossings": [') + len('"crossings": [')
    if name == "spaced":
        return text[:start] + " \n\n " + text[start:].replace("},\n    {", "} ,\n\n  {", 1)
    if name == "trailing-comma":
        end = text.index("\n  ],\n", start)
        return text[:end] + "," + text[end:]
    if name == "missing-comma":
        return text[:start] + text[start:].replace("},\n    {", "}\n    {", 1)
    return text


@pytest.mark.parametrize(
    "name",
    ["as-is", "empty", "spaced", "not-an-array", "duplicate-id", "bad-entry",
     "trailing-comma", "missing-comma"],
)
def test_crossings_read_one_at_a_time_get_the_strict_readers_verdict(tmp_path, name) -> None:
    # The loader reads the crossings array a crossing at a time (memory); any layout and any
    # problem gets the verdict (and the wording) of the strict reader.
    path = tmp_path / "c.json"
    path.write_text(_crossings_variant(name), encoding="utf-8")
    try:
        expected = dumps_scenario(strict(path))
    except ScenarioError as exc:
        expected = str(exc)
        with pytest.raises(ScenarioError) as got:
            load_scenario(path)
        assert str(got.value) == expected
        assert name not in ("as-is", "empty", "spaced")
    else:
        assert dumps_scenario(load_scenario(path)) == expected
        assert name in ("as-is", "empty", "spaced")
