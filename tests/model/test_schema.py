"""The published JSON Schema (resources/schema/scenario.schema.json) matches the loader."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from monitor.model import ScenarioError, scenario_from_json
from monitor.paths import default_scenario_path, resource_path

REPO = Path(__file__).resolve().parents[2]
SMALL = REPO / "tests" / "data" / "small.json"
DOC = REPO / "docs" / "data-format.md"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    text = resource_path("schema", "scenario.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def small_doc() -> dict[str, Any]:
    return json.loads(SMALL.read_text(encoding="utf-8"))


def _errors(validator, doc) -> list[str]:
    errors = validator.iter_errors(doc)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def _loader_accepts(doc) -> bool:
    try:
        scenario_from_json(copy.deepcopy(doc))
    except ScenarioError:
        return False
    return True


@pytest.mark.parametrize("path", [default_scenario_path(), SMALL], ids=["bundled", "small"])
def test_shipped_files_are_valid_against_the_schema(validator, path):
    assert _errors(validator, json.loads(path.read_text(encoding="utf-8"))) == []


def test_documented_example_is_valid_for_schema_and_loader(validator):
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Complete small example", 1)[1]
    example = section.split("```json", 1)[1].split("```", 1)[0]
    doc = json.loads(example)
    assert _errors(validator, doc) == []
    assert _loader_accepts(doc)


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def apply(doc: dict) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return apply


def _delete(path: str) -> Callable[[dict], None]:
    def apply(doc: dict) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        del node[last]

    return apply


# Each change breaks one rule; the schema and the loader must both reject it.
INVALID = {
    "bad verification enum": _set("events.0.verification", "rumoured"),
    "bad crossing status enum": _set("crossings.0.history.0.status", "shut"),
    "bad crossing kind enum": _set("crossings.0.kind", "secret"),
    "missing event title": _delete("events.0.title"),
    "missing top-level territory": _delete("territory"),
    "missing faction colour": _delete("factions.0.color"),
    "colour name instead of #rrggbb": _set("factions.0.color", "red"),
    "short hex colour": _set("factions.0.color", "#c03"),
    "reliability grade G": _set("sources.0.reliability", "G"),
    "credibility 7": _set("events.0.credibility", 7),
    "credibility 0": _set("events.0.credibility", 0),
    "date-time without offset": _set("events.0.time", "2024-11-27T10:00:00"),
    "date with slashes": _set("territory.0.date", "2024/11/26"),
    "three sides": _set("crossings.0.sides", [{"country": "A", "place": "a"}] * 3),
    "lat without lon": _set("events.0.location", {"name": "Somewhere", "lat": 35.0}),
    "latitude out of range": _set("crossings.0.location.lat", 95),
    "share over 100": _set("territory.0.share_pct", 100.5),
    "ftp url": _set("sources.0.url", "ftp://example.org/x"),
    "blank id": _set("events.0.id", "   "),
    "schema_version 2": _set("schema_version", 2),
    "estimated as string": _set("territory.0.estimated", "yes"),
    "required field null": _set("events.0.category", None),
}


@pytest.mark.parametrize("change", INVALID.values(), ids=INVALID.keys())
def test_invalid_documents_are_rejected_by_schema_and_loader(validator, small_doc, change):
    doc = copy.deepcopy(small_doc)
    change(doc)
    assert _errors(validator, doc), "the schema accepted an invalid document"
    assert not _loader_accepts(doc), "the loader accepted it: schema and loader disagree"


# Documents that look odd but are valid: the schema must not be stricter than the loader.
VALID = {
    "unknown fields everywhere": lambda d: (
        d.update(future=1),
        d["events"][0].update(title_ar="x"),
        d["crossings"][0]["sides"][0].update(code="IQ"),
    ),
    "optional field null": _set("events.0.summary", None),
    "empty summary": _set("events.0.summary", ""),
    "empty url": _set("sources.0.url", ""),
    "uppercase scheme": _set("sources.0.url", "HTTPS://example.org/"),
    "location without coordinates": _set("events.0.location", {"name": "Somewhere"}),
    "date-time with Z": _set("events.0.time", "2024-11-27T10:00Z"),
    "date-time with fraction": _set("events.0.time", "2024-11-27T10:00:00.123+03:00"),
    "published as date-time": _set("sources.0.published", "2024-11-30T08:00:00+03:00"),
    "empty history": _set("crossings.0.history", []),
}


@pytest.mark.parametrize("change", VALID.values(), ids=VALID.keys())
def test_valid_variations_are_accepted_by_schema_and_loader(validator, small_doc, change):
    doc = copy.deepcopy(small_doc)
    change(doc)
    assert _errors(validator, doc) == []
    assert _loader_accepts(doc)
