from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # feeds.py (the generators)

EMPTY = {
    "schema_version": 1,
    "scenario": {"id": "empty", "title": "Empty", "timezone": "Asia/Baghdad"},
    "factions": [
        {"id": "sdf", "name": "Syrian Democratic Forces", "color": "#2f9e55", "aliases": ["SDF"]}
    ],
    "sources": [],
    "events": [],
    "crossings": [],
    "territory": [],
}


@pytest.fixture
def empty_path(tmp_path: Path) -> Path:
    import json

    p = tmp_path / "scenario.json"
    p.write_text(json.dumps(EMPTY), encoding="utf-8")
    return p


@pytest.fixture
def empty(empty_path: Path):
    from monitor.model import load_scenario

    return load_scenario(empty_path)
