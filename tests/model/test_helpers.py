"""The helper process that reads windows of big files (monitor.model.helpers): the same
scenario with it as without it, whatever happens to it (killed, a bad window, a cancelled
load), and it never outlives the app."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import monitor.model.columnar as columnar
import monitor.model.fast_load as fast_load
from monitor.model import LoadCancelled, ScenarioError, dumps_scenario, helpers, load_scenario
from monitor.model.columnar import EventColumns
from monitor.model.io import read_json, scenario_from_json

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "iraq-syria-border-2024.json"

pytestmark = pytest.mark.skipif(not helpers.available(), reason="no helper process here")


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """~2,000 events, one with a field this version does not know, one with a colon in its title."""
    doc = json.loads(BUNDLED.read_text(encoding="utf-8"))
    events = doc["events"]
    base = list(events)
    for i in range(40):
        for e in base:
            e2 = copy.deepcopy(e)
            e2["id"] = f"{e['id']}-{i}"
            events.append(e2)
    events[1500]["tags"] = ["kept", {"n": 1}]
    events[1700]["title"] = "colon: in } , { a title ]"
    path = tmp_path_factory.mktemp("helper") / "big.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture()
def windows(monkeypatch):
    """Small windows (so that a small file has many) and a ready helper; yields the
    windows the helper was given."""
    monkeypatch.setattr(columnar, "WINDOW_BYTES", 16_384)
    monkeypatch.setattr(fast_load, "COLUMNAR_MIN_BYTES", 0)
    assert helpers.wait_ready(30)
    given: list[int] = []
    submit = helpers.Session.submit

    def spy(self, index, at, length):
        given.append(index)
        submit(self, index, at, length)

    monkeypatch.setattr(helpers.Session, "submit", spy)
    return given


def strict(path: Path):
    return scenario_from_json(read_json(path), path)


def test_a_load_with_the_helper_gives_the_same_scenario(big, windows):
    got = load_scenario(big)
    assert isinstance(got.events, EventColumns)
    assert len(windows) >= 5  # the helper really read a good part of the file
    expected = strict(big)
    assert got == expected
    assert got.events[1500].extra == {"tags": ["kept", {"n": 1}]}
    assert dumps_scenario(got) == dumps_scenario(expected)


def test_a_helper_killed_during_a_load_changes_nothing(big, windows, monkeypatch):
    submit = helpers.Session.submit  # (the spy)

    def kill_after_two(self, index, at, length):
        submit(self, index, at, length)
        if len(windows) == 2:
            os.kill(helpers.helper_pid(), signal.SIGKILL)

    monkeypatch.setattr(helpers.Session, "submit", kill_after_two)
    got = load_scenario(big)
    assert got == strict(big)
    assert helpers.wait_ready(30)  # and the next load gets a new helper
    assert load_scenario(big) == got


def test_an_invalid_event_in_a_helpers_window_gets_the_strict_report(big, windows, tmp_path):
    doc = json.loads(big.read_text(encoding="utf-8"))
    doc["events"][1800]["time"] = "2024-02-30T10:00:00+03:00"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value) and "events[1800]" in str(err.value)
    assert windows  # the helper had its share of this file too


def test_a_cancelled_load_leaves_the_helper_ready_for_the_next(big, windows):
    with pytest.raises(LoadCancelled):  # (while the helper has windows of it)
        load_scenario(big, cancel=lambda: len(windows) >= 2)
    assert len(windows) == 2
    windows.clear()
    assert load_scenario(big) == strict(big)  # (answers for the cancelled load are dropped)
    assert windows


def test_without_the_helper_the_load_is_the_same(big, monkeypatch):
    monkeypatch.setattr(columnar, "WINDOW_BYTES", 16_384)
    monkeypatch.setattr(fast_load, "COLUMNAR_MIN_BYTES", 0)
    monkeypatch.setenv("MONITOR_HELPER", "0")
    assert helpers.session(None, None) is None
    assert load_scenario(big) == strict(big)


def test_the_helper_does_not_outlive_a_killed_app():
    script = textwrap.dedent(
        """
        import os
        from monitor.model import helpers
        assert helpers.wait_ready(30)
        print(helpers.helper_pid(), flush=True)
        os.kill(os.getpid(), 9)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pid = int(run.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}").exists() else ""
        if "zombie" in status:
            break
        time.sleep(0.05)
    alive = Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
    assert not alive
