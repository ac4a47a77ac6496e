"""Issue 12's editing rows: a journal write, one event edit (and one event added, one
deleted) on 1M events applied and repainted, and Save of 100k events through the window's
own Save path, each against its baseline in the same run (interleaved where it repeats).

    python benchmarks/bench_edits.py [--quick]       (or as the "edits" group of run.py)

Prints one JSON line ``{"rows": [...]}`` in ``run.py``'s row format.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from benchrow import row as _row  # noqa: E402


def _window(path: Path):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from monitor.app import create_application
    from monitor.model.storage import FileStorage
    from monitor.ui.main_window import MainWindow

    app = create_application(["monitor-bench"])
    storage = FileStorage(path)
    scenario = storage.load()
    # As the app's loader does for a big file: the search index is built before the window
    # opens (else the edits are timed against a build running beside them).
    from monitor.model import search

    if len(scenario.events) >= search.MIN_INDEXED_ROWS:
        search.build_index(scenario.events_frame())
    w = MainWindow(path, scenario=scenario, storage=storage)
    w.resize(1400, 900)
    w.show()
    for _ in range(5):
        app.processEvents()
    return app, w


def journal_rows(runs: int) -> list[dict[str, Any]]:
    """FileStorage.append_change of one status change vs a raw write + fsync of its bytes."""
    from monitor.model import CrossingStatus, Moment
    from monitor.model.changelog import ChangeLog
    from monitor.model.changes import status_change
    from monitor.model.storage import FileStorage

    bundled = HERE.parent / "data" / "iraq-syria-border-2024.json"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / bundled.name
        shutil.copyfile(bundled, path)
        storage = FileStorage(path, user="bench")
        scenario = storage.load()
        log = ChangeLog(scenario)
        crossing = scenario.crossings[0].id
        raw_fd = os.open(Path(tmp) / "raw.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        ours, raw = [], []
        for i in range(runs):
            status = CrossingStatus.OPEN if i % 2 else CrossingStatus.CLOSED
            change = status_change(scenario, crossing, status, Moment.now(scenario.tz), by="bench")
            log.apply(change)
            line = (json.dumps({"change": change.to_json()}) + "\n").encode()
            t0 = time.perf_counter()
            storage.append_change(change)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            os.write(raw_fd, line)
            os.fsync(raw_fd)
            raw.append(time.perf_counter() - t0)
        os.close(raw_fd)
        storage.close()
    m, b = statistics.median(ours), statistics.median(raw)
    return [
        _row(
            "journal write (one change, fsynced)",
            m * 1e3,
            "ms",
            baseline=b * 1e3,
            baseline_label="os.write + fsync of the same line",
            target="<= 5 ms",
            holds=m <= 0.005,
            runs=runs,
            p95_ms=sorted(ours)[int(0.95 * (runs - 1))] * 1e3,
        )
    ]


def edit_rows(path: Path, runs: int) -> list[dict[str, Any]]:
    """One event's title edited through the session (validated, applied, journalled, every
    panel told) and the feed repainted, vs the repaint alone."""
    from monitor.model.changelog import entity_json
    from monitor.model.changes import EVENT, entity_change

    app, w = _window(path)
    view = w.feed_panel.view.viewport()
    ids = [str(x) for x in w.ctx.events_frame["id"].iloc[: runs * 2]]
    edits, repaints, cpu, cpu_base = [], [], [], []
    for i in range(runs):
        event_id = ids[i]
        before = entity_json(w.ctx.scenario, EVENT, event_id)
        change = entity_change(EVENT, event_id, before, {**before, "title": f"edited {i}"})
        t0, c0 = time.perf_counter(), time.thread_time()
        w.session.push(change)
        app.processEvents()
        view.repaint()
        edits.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        t0, c0 = time.perf_counter(), time.thread_time()
        view.repaint()
        repaints.append(time.perf_counter() - t0)
        cpu_base.append(time.thread_time() - c0)
    # An event added (a copy of one, under a new id) and deleted again, each vs the repaint.
    added, deleted, add_cpu, del_cpu, base2, base2_cpu = [], [], [], [], [], []
    for i in range(max(3, runs // 2)):
        before = entity_json(w.ctx.scenario, EVENT, ids[runs + i])
        new = {**before, "id": f"bench-added-{i}", "title": f"added {i}"}
        for adding, wall, cpu_list in ((True, added, add_cpu), (False, deleted, del_cpu)):
            if adding:
                change = entity_change(EVENT, new["id"], None, new)
            else:  # (the JSON the table holds now, as the Delete action sends it)
                held = entity_json(w.ctx.scenario, EVENT, new["id"])
                change = entity_change(EVENT, new["id"], held, None)
            t0, c0 = time.perf_counter(), time.thread_time()
            w.session.push(change)
            app.processEvents()
            view.repaint()
            wall.append(time.perf_counter() - t0)
            cpu_list.append(time.thread_time() - c0)
            t0, c0 = time.perf_counter(), time.thread_time()
            view.repaint()
            base2.append(time.perf_counter() - t0)
            base2_cpu.append(time.thread_time() - c0)
    n = len(w.ctx.scenario.events)
    w.session.undo_stack.setClean()
    w.close()
    m, b = statistics.median(edits), statistics.median(repaints)
    c, cb = statistics.median(cpu) * 1e3, statistics.median(cpu_base) * 1e3
    rows = [
        _row(
            f"one event edit on {n:,} events, applied and repainted",
            m * 1e3,
            "ms",
            baseline=b * 1e3,
            baseline_label="the feed's repaint alone",
            target="<= 16 ms",
            holds=m <= 0.016,
            runs=runs,
            samples_ms=[x * 1e3 for x in edits],
            cpu_ms=c,
            repaint_cpu_ms=cb,
        )
        | {"note": f"GUI thread's CPU time {c:.1f} ms (the repaint alone {cb:.1f} ms)"}
    ]
    b2, cb2 = statistics.median(base2), statistics.median(base2_cpu) * 1e3
    for what, wall, cpu_list in (("add", added, add_cpu), ("delete", deleted, del_cpu)):
        m2, c2 = statistics.median(wall), statistics.median(cpu_list) * 1e3
        rows.append(
            _row(
                f"{what} an event on {n:,} events, applied and repainted",
                m2 * 1e3,
                "ms",
                baseline=b2 * 1e3,
                baseline_label="the feed's repaint alone",
                target="fast (was ~700 ms)",
                holds=m2 <= 0.1,
                runs=len(wall),
                samples_ms=[x * 1e3 for x in wall],
                cpu_ms=c2,
                repaint_cpu_ms=cb2,
            )
            | {"note": f"GUI thread's CPU time {c2:.1f} ms (the repaint alone {cb2:.1f} ms)"}
        )
    return rows


def save_rows(path: Path, runs: int) -> list[dict[str, Any]]:
    """Ctrl+S through the window (FileStorage.save: canonical bytes, temp file, fsync,
    rename) vs json.dumps(indent=2) of the same document."""
    from monitor.model import CrossingStatus
    from monitor.model.writer import scenario_to_json

    _app, w = _window(path)
    doc = scenario_to_json(w.ctx.scenario)
    ours, base = [], []
    for i in range(runs):
        w.set_crossing_status(
            w.ctx.scenario.crossings[0].id, CrossingStatus.OPEN if i % 2 else CrossingStatus.CLOSED
        )
        t0 = time.perf_counter()
        assert w.save()
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        json.dumps(doc, indent=2, ensure_ascii=False)
        base.append(time.perf_counter() - t0)
    n = len(w.ctx.scenario.events)
    w.close()
    m, b = statistics.median(ours), statistics.median(base)
    return [
        _row(
            f"save {n:,} events through the window's Save",
            m,
            "s",
            baseline=b,
            baseline_label="json.dumps(indent=2) of the same document",
            target="ratio <= 0.5",
            holds=m <= 0.5 * b,
            runs=runs,
            samples_s=ours,
        )
    ]


def run(quick: bool = False) -> list[dict[str, Any]]:
    data = HERE / "data"
    rows = journal_rows(20 if quick else 60)
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn, runs in (
            ("synthetic-100k.json", save_rows, 3 if quick else 5),
            ("synthetic-1m.json", edit_rows, 5 if quick else 15),
        ):
            src = data / name
            if not src.exists():
                continue  # run.py generates them first
            dest = Path(tmp) / name
            try:
                os.link(src, dest)
            except OSError:
                shutil.copyfile(src, dest)
            if name.endswith("1m.json") and quick:
                continue
            rows += fn(dest, runs)
    return rows


if __name__ == "__main__":
    os.environ.setdefault("MONITOR_CONFIG_DIR", tempfile.mkdtemp(prefix="monitor-bench-cfg-"))
    print(json.dumps({"rows": run("--quick" in sys.argv)}))
