"""Shared fixtures. Qt runs headless: the offscreen platform is set before any QApplication."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def small_path(tmp_path: Path) -> Path:
    """A private copy of the small test scenario (safe to modify)."""
    dest = tmp_path / "small.json"
    shutil.copyfile(DATA / "small.json", dest)
    return dest


@pytest.fixture
def small(small_path: Path):
    from monitor.model import load_scenario

    return load_scenario(small_path)


@pytest.fixture
def default_path() -> Path:
    return REPO / "data" / "iraq-syria-border-2024.json"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Every test gets its own QSettings store, so layouts and recent files never leak."""
    cfg = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(cfg))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("MONITOR_CONFIG_DIR", str(cfg))
    # The reopen cache of big files goes to the test's own folder, never to ~/.cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
