"""Fields of events this version does not know (a feed's ``origin`` and ``feed_data``, a
newer version's fields) are kept as a column of JSON text: they read back as they were,
are saved byte for byte as the canonical writer (``json.dumps(..., indent=2)``) writes
them, survive edits, and are given to the importer without making the events."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest

from monitor.model import ScenarioError, dumps_scenario, load_scenario, save_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"

# Values whose spelling differs between msgspec and json.dumps (exponents, tiny floats),
# text that needs escapes, keys and strings with colons, empty containers, nesting.
ODD_VALUES = {
    "origin": {"feed": "acled", "id": "IRQ1", "timestamp": 1733000000,
               "file_sha256": "6227519b83e6a9a5e8314000709556b03f884f72f3d48d5b5ebceb6a04aaa339"},
    "feed_data": {
        "floats": [1e-05, 2.5e-07, 1e16, 1.5e300, 0.0001, 0.00012, 123.25, -0.0, 5e-324],
        "ints": [0, -7, 2**70],
        "text": 'quote " backslash \\ tab \t nl \n del \x7f unit \x1f \u2028 \u202e\u05d0\u05d1',
        "a:key": "a:value",
        "empty": {"obj": {}, "list": []},
        "nested": [[{"x": [True, False, None]}]],
    },
}


def _doc(n: int = 3) -> dict:
    d = json.loads(dumps_scenario(load_scenario(DATA)))  # (as the app writes it)
    base = copy.deepcopy(d["events"][0])
    for i, e in enumerate(d["events"][:n]):
        e.update(copy.deepcopy(ODD_VALUES))
        e["origin"]["id"] = f"IRQ{i}"
    d["events"].extend(dict(copy.deepcopy(base), id=f"more-{i}", origin={"feed": "f", "id": str(i)})
                       for i in range(2500))
    return d


def _canonical(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2) + "\n"


def _write(tmp_path: Path, d: dict, name: str = "x.json") -> Path:
    p = tmp_path / name
    p.write_text(_canonical(d), encoding="utf-8")
    return p


def test_unknown_fields_read_back_and_save_as_the_canonical_writer(tmp_path: Path) -> None:
    d = _doc()
    path = _write(tmp_path, d)
    s = load_scenario(path)
    assert s.events[0].extra == ODD_VALUES | {"origin": d["events"][0]["origin"]}
    assert s.events[-1].extra == {"origin": {"feed": "f", "id": "2499"}}
    assert dumps_scenario(s) == _canonical(d)
    out = tmp_path / "out.json"
    save_scenario(s, out)
    assert out.read_text(encoding="utf-8") == _canonical(d)


def test_the_importer_gets_every_event_with_unknown_fields_in_order(tmp_path: Path) -> None:
    d = _doc()
    s = load_scenario(_write(tmp_path, d))
    got = s.table.with_extra()
    want = [(i, e["id"], e["time"], {k: v for k, v in e.items() if k in ODD_VALUES})
            for i, e in enumerate(d["events"]) if "origin" in e]
    assert got == want


def test_an_edit_keeps_the_unknown_fields_and_an_undo_gives_the_file_back(tmp_path: Path) -> None:
    d = _doc()
    s = load_scenario(_write(tmp_path, d))
    old = s.table.get(d["events"][1]["id"])
    assert old is not None
    s.table.replace(dataclasses.replace(old, title="Edited title"))
    d2 = copy.deepcopy(d)
    d2["events"][1]["title"] = "Edited title"
    assert dumps_scenario(s) == _canonical(d2)
    # New fields added by a program (the importer's "missing" mark) are kept the same way.
    marked = dataclasses.replace(old, extra={**old.extra, "missing_from_feed": {"since": "x"}})
    s.table.replace(marked)
    d2["events"][1] = {**d["events"][1], "missing_from_feed": {"since": "x"}}
    assert dumps_scenario(s) == _canonical(d2)
    s.table.replace(old)
    assert dumps_scenario(s) == _canonical(d)
    removed = s.table.remove(old.id)
    assert removed.extra == old.extra
    s.table.add(removed)
    assert s.table[-1].extra == old.extra


def test_values_a_file_cannot_hold_stay_objects_and_are_refused_at_save(tmp_path: Path) -> None:
    s = load_scenario(_write(tmp_path, _doc()))
    e = s.events[0]
    s.table.replace(dataclasses.replace(e, extra={"t": (1, 2)}))  # a tuple: not JSON as it is
    assert s.table.get(e.id).extra == {"t": (1, 2)}
    s.table.replace(dataclasses.replace(e, extra={"bad": float("nan")}))
    with pytest.raises(ValueError):
        dumps_scenario(s)


@pytest.mark.parametrize("bad, why", [
    ('{"a": 1, "a": 2}', "duplicate"),
    ("1e400", "too large"),
    ("[" * 70 + "]" * 70, "nested too deeply"),
])
def test_bad_unknown_values_are_refused_as_before(tmp_path: Path, bad: str, why: str) -> None:
    text = _canonical(_doc()).replace('"id": "IRQ1"', f'"id": "IRQ1", "bad": {bad}', 1)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert why in str(err.value).lower()


def test_new_events_of_a_batch_keep_their_unknown_fields_as_a_file_would(tmp_path: Path) -> None:
    from monitor.model.changelog import ChangeLog
    from monitor.model.changes import EVENT, entity_change

    d = _doc(0)
    s = load_scenario(_write(tmp_path, d))
    base = copy.deepcopy(d["events"][0])
    base.pop("origin", None)
    new = [dict(copy.deepcopy(base), id=f"new-{i}", **copy.deepcopy(ODD_VALUES)) for i in range(30)]
    new.append(dict(copy.deepcopy(base), id="new-loc",
                    location={"name": "X", "lat": 1.5, "lon": 2.5, "grid": "38S"}))
    ChangeLog(s).apply_batch([entity_change(EVENT, e["id"], None, e, "new") for e in new])
    d["events"].extend(new)
    assert s.table.get("new-3").extra == ODD_VALUES
    assert s.table.get("new-loc").location.extra == {"grid": "38S"}
    assert dumps_scenario(s) == _canonical(d)
    assert dumps_scenario(load_scenario(_write(tmp_path, d, "again.json"))) == _canonical(d)


def test_many_events_unknown_fields_are_decoded_in_runs_in_order() -> None:
    import pyarrow as pa

    from monitor.model.extras import decode_many

    texts = pa.array([json.dumps({"origin": {"id": str(i)}, "n": [i, 1e-05]}) for i in range(10)],
                     pa.large_string())
    want = [{"origin": {"id": str(i)}, "n": [i, 1e-05]} for i in range(10)]
    for run in (1, 3, 10, 65_536):
        assert decode_many(texts, run=run) == want
        assert decode_many(texts.slice(2, 5), run=run) == want[2:7]
    assert decode_many(texts.slice(0, 0)) == []
