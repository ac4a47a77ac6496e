"""A canonical file's events are decoded by Arrow's JSON reader (monitor.model.rows.table_rows)
where it decides them as msgspec's typed decoding would: for any event, valid or hostile,
the loader gives the same verdict, message and saved bytes as with msgspec alone, and as
the strict reader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from monitor.model import ScenarioError, dumps_scenario, load_scenario, scenario_from_json
from monitor.model import rows as rows_module
from monitor.model.io import read_json

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_CACHE", "0")  # the same bytes are loaded twice on purpose


def canonical_text() -> str:
    d = json.loads(DATA.read_text(encoding="utf-8"))
    base = d["events"][0]
    d["events"] += [dict(base, id=f"more-{i}") for i in range(40)]
    return json.dumps(d, ensure_ascii=False, indent=2) + "\n"


TITLE = '"title": "'


def with_event_text(text: str, old: str, new: str) -> str:
    """``text`` with the first ``old`` inside the events array replaced by ``new``."""
    start = text.index('"events": [')
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def with_location(text: str, value: str) -> str:
    """``text`` with the first event's location written ``value``."""
    start = text.index('"location": {', text.index('"events": ['))
    stop = text.index("\n      }", start) + len("\n      }")
    return text[:start] + '"location": ' + value + text[stop:]


def variants() -> dict[str, bytes]:
    text = canonical_text()
    events = text.index('"events": [')
    cases = {
        "as written": text,
        "int coordinates": with_location(text, '{"name": "X", "lat": 36, "lon": -0.0}'),
        "whole float coordinates": with_location(text, '{"name": "X", "lat": 36.0, "lon": 1E1}'),
        "NaN latitude": with_location(text, '{"name": "X", "lat": NaN, "lon": 1.5}'),
        "Infinity longitude": with_location(text, '{"name": "X", "lat": 1.5, "lon": -Infinity}'),
        "huge latitude": with_location(text, '{"name": "X", "lat": 1e400, "lon": 1.5}'),
        "location without a name": with_location(text, '{"lat": 1.5, "lon": 1.5}'),
        "location null": with_location(text, "null"),
        "unknown location field": with_location(text, '{"name": "X", "precision": 2}'),
        "summary null": text[:events]
        + re.sub(r'"summary": "[^"]*"', '"summary": null', text[events:], count=1),
        "unknown fields": with_event_text(
            text, TITLE, '"tags": ["a:b", {"k": [1, 1e-05, null]}], ' + TITLE
        ),
        "deep unknown field": with_event_text(
            text, TITLE, '"deep": ' + "[" * 3000 + "]" * 3000 + ", " + TITLE
        ),
        "NaN in an unknown field": with_event_text(text, TITLE, '"n": NaN, ' + TITLE),
        "duplicate key": with_event_text(text, TITLE, '"title": "first", ' + TITLE),
        "escaped colon": with_event_text(text, TITLE, TITLE + "a\\u003ab "),
        "lone surrogate": with_event_text(text, TITLE, TITLE + "\\ud800 "),
        "escaped pair": with_event_text(text, TITLE, TITLE + "\\ud83d\\ude00 \\u00e9 \\/ "),
        "raw tab": with_event_text(text, TITLE, TITLE + "a\tb "),
        "title a number": with_event_text(text, TITLE, '"title": 5, "x": "'),
        "credibility 3.0": with_event_text(text, TITLE, '"credibility": 3.0, ' + TITLE),
        "credibility true": with_event_text(text, TITLE, '"credibility": true, ' + TITLE),
        "credibility huge": with_event_text(
            text, TITLE, '"credibility": 1' + "0" * 30 + ", " + TITLE
        ),
        "null actor": with_event_text(text, '"actors": [', '"actors": [null, '),
        "actor a number": with_event_text(text, '"actors": [', '"actors": [7, '),
        "missing comma": with_event_text(text, "},\n    {", "}\n    {"),
        "a comment between events": with_event_text(text, "},\n    {", "}, /* x */\n    {"),
        "byte order mark first": text.replace('"events": [\n    {', '"events": [\ufeff\n    {', 1),
        "huge summary": with_event_text(
            text, TITLE, '"summary": "' + "long " * 700_000 + '", ' + TITLE
        ),
    }
    out = {name: t.encode("utf-8") for name, t in cases.items()}
    raw = text.encode("utf-8")
    at = raw.index(TITLE.encode(), raw.index(b'"events": [')) + len(TITLE)
    out["invalid UTF-8"] = raw[:at] + b"\xc3\x28" + raw[at:]
    out["surrogate in UTF-8"] = raw[:at] + b"\xed\xa0\x80" + raw[at:]
    return out


VARIANTS = variants()


def outcome(path: Path) -> tuple[str, str]:
    try:
        return "loaded", dumps_scenario(load_scenario(path))
    except ScenarioError as err:
        return "refused", str(err)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_arrow_decides_as_msgspec_and_the_strict_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    path = tmp_path / "scenario.json"
    path.write_bytes(VARIANTS[name])
    used = []
    table_rows = rows_module.table_rows

    def counted(*args):
        got = table_rows(*args)
        used.append(got is not None)
        return got

    monkeypatch.setattr(rows_module, "table_rows", counted)
    with_arrow = outcome(path)
    monkeypatch.setattr(rows_module, "table_rows", lambda *args: None)
    without = outcome(path)
    assert with_arrow == without
    try:
        want = ("loaded", dumps_scenario(scenario_from_json(read_json(path), path)))
    except ScenarioError as err:
        want = ("refused", str(err))
    assert with_arrow == want
    if name in ("as written", "int coordinates", "unknown fields", "summary null"):
        assert any(used), "Arrow's reader decided none of the windows"


def test_the_canonical_file_is_decoded_by_arrow(tmp_path: Path, monkeypatch) -> None:
    """A plain canonical file needs no msgspec decoding of its events at all."""
    import monitor.model.rows as rows

    path = tmp_path / "scenario.json"
    path.write_bytes(VARIANTS["as written"])

    class Refuse:
        def decode(self, *_args):
            raise AssertionError("msgspec decoded the window")

    monkeypatch.setattr(rows, "EV_LIST", Refuse())
    scenario = load_scenario(path)
    assert len(scenario.events) == len(json.loads(VARIANTS["as written"])["events"])
