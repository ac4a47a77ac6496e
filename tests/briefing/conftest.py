"""Fixtures for the briefing tests (helpers live in pdfcheck.py)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pdfcheck import scenario_from, small_json


@pytest.fixture(scope="module")
def app():
    from monitor.briefing.pdf import ensure_app

    return ensure_app()


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def small_scenario():
    return scenario_from(copy.deepcopy(small_json()))
