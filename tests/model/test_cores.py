"""Work split over two threads only with a core to spare (monitor.model.cores), and the
loader's windows made that way or not give the same scenario, the same saved bytes and
the same refusals."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

import pytest

from monitor.model import ScenarioError, cores, dumps_scenario, load_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"


@pytest.fixture(params=[True, False], ids=["core to spare", "no core to spare"])
def spare(request, monkeypatch):
    monkeypatch.setattr(cores.IdleProbe, "spare", lambda self: request.param)
    return request.param


def test_calls_made_ahead_give_their_results_in_order(spare) -> None:
    threads: list[str] = []

    def work(i: int) -> int:
        threads.append(threading.current_thread().name)
        return i * i

    got = []
    with cores.Ahead(work, "test-ahead", every=3) as ahead:
        for i in range(10):
            got += ahead.push(i)
        got += ahead.drain()
    assert got == [i * i for i in range(10)]
    # The first call is made here (the probe has had no time to tell), the rest on the
    # worker only with a core to spare.
    assert threads[0] == threading.current_thread().name
    assert any(t.startswith("test-ahead") for t in threads) == spare


def test_a_failing_call_raises_where_its_result_is_taken(spare) -> None:
    def work(i: int) -> int:
        if i == 4:
            raise ValueError("four")
        return i

    with pytest.raises(ValueError, match="four"), cores.Ahead(work, "test-ahead") as ahead:
        for i in range(8):
            ahead.push(i)
        ahead.drain()


def _big(tmp_path: Path, bad: str | None = None) -> Path:
    d = json.loads(DATA.read_text(encoding="utf-8"))
    base = d["events"][0]
    for i in range(40_000):  # ~15 windows
        d["events"].append(dict(copy.deepcopy(base), id=f"pad-{i:06d}", title=f"Event {i}"))
    d["events"][-1000]["origin"] = {"feed": "acled", "id": "X1", "v": [1e-05, {"a:b": "c"}]}
    if bad == "duplicate id":
        d["events"][-500]["id"] = "pad-000007"
    elif bad == "bad verification":
        d["events"][-500]["verification"] = "rumoured"
    p = tmp_path / "big.json"
    p.write_text(json.dumps(d, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return p


def test_the_loader_reads_the_same_with_or_without_a_second_thread(tmp_path, monkeypatch) -> None:
    path = _big(tmp_path)
    got = {}
    for spare_now in (True, False):
        monkeypatch.setattr(cores.IdleProbe, "spare", lambda self, s=spare_now: s)
        s = load_scenario(path)
        got[spare_now] = (list(s.events), dumps_scenario(s))
    assert got[True] == got[False]
    assert len(got[True][0]) == 40_000 + len(json.loads(DATA.read_text())["events"])


@pytest.mark.parametrize("bad", ["duplicate id", "bad verification"])
def test_a_late_bad_event_is_refused_the_same_way(tmp_path, spare, bad) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(_big(tmp_path, bad))
    text = str(err.value)
    assert ("pad-000007" in text) if bad == "duplicate id" else ("rumoured" in text)


def test_the_probe_counts_other_processes_not_this_one(monkeypatch) -> None:
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 2)
    clock = {"wall": 100.0, "own": 5.0, "stat": (1000, 500)}
    monkeypatch.setattr(cores.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(cores.time, "process_time", lambda: clock["own"])
    monkeypatch.setattr(cores, "_cpu_times", lambda: clock["stat"])
    probe = cores.IdleProbe()

    def step(own_cores: float, busy_cores: float) -> bool:
        # 1 s at 100 jiffies per core: 200 jiffies in all, busy_cores * 100 of them busy.
        clock["wall"] += 1.0
        clock["own"] += own_cores
        total, idle = clock["stat"]
        clock["stat"] = (total + 200, idle + int(200 - busy_cores * 100))
        return probe.spare()

    assert step(own_cores=1.0, busy_cores=1.0)  # only this process: one core free
    assert step(own_cores=2.0, busy_cores=2.0)  # this process on both: still its own
    assert not step(own_cores=1.0, busy_cores=2.0)  # another process on the other core
    assert not step(own_cores=0.0, busy_cores=1.6)
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 1)
    assert not cores.IdleProbe().spare()  # one core: never two threads
