from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # feeds.py (the generators)

EMPTY = {
    "schema_version": 1,
    "scenario": {"id": "empty", "title": "Empty", "timezone": "Asia/Baghdad"},
    "factions": [{"id": "sdf", "name": "Syrian Democratic Forces", "color": "#2f9e55",
                  "aliases": ["SDF"]}],
    "sources": [], "events": [], "crossings": [], "territory": [],
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


class _ZeroedNumpy:
    """numpy, with ``empty`` giving zeros (see :func:`_event_table_capacity_shim`)."""

    def __init__(self, np):
        self._np = np

    def __getattr__(self, name):
        return self._np.zeros if name == "empty" else getattr(self._np, name)


@pytest.fixture(autouse=True)
def _event_table_capacity_shim(request, monkeypatch):
    """Work around a data-core bug while it is open: ``EventTable._columns_of`` remaps the
    category codes of the whole number store (``remap[self._store[key]]``), spare capacity
    included, which ``add`` allocated with ``np.empty``: garbage codes -> IndexError when an
    added event brings a category that sorts before an existing one. Zeroed capacity makes
    the remap harmless. ``test_event_table_bug_canary`` runs without the shim and fails
    (strict xfail) as soon as the bug is fixed: then delete this fixture."""
    if request.node.get_closest_marker("no_shim"):
        return
    import monitor.model.events as events

    monkeypatch.setattr(events, "np", _ZeroedNumpy(events.np))


def pytest_configure(config):
    config.addinivalue_line("markers", "no_shim: run without the EventTable capacity shim")
