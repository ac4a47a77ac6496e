"""Issue 14's interchange rows, on a generated 100k-row ACLED-shaped CSV (no real feed
data), each against its baseline in the same run (interleaved where it repeats):

1. dry run of the import (read + recognise + review) vs ``pandas.read_csv`` of the file;
2. re-import of the same rows into a scenario that holds them (all unchanged), read and
   reviewed: an absolute target of 1 s (the load of that scenario given for scale);
3. the import of 100k new events applied through the window (File → Import…'s Apply:
   ``Session.push_batch``: one undoable change, journalled) and the feed repainted, vs
   loading a scenario of that size from its file;
4. GeoJSON export of the 100k events vs ``json.dumps`` of the same features.

    python benchmarks/bench_interchange.py [--quick] [--rows N]   (or run.py's "interchange")

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
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests" / "interchange"))  # feeds.py: the file generator

from benchrow import row as _row  # noqa: E402

EMPTY = {
    "schema_version": 1,
    "scenario": {"id": "bench", "title": "Bench", "timezone": "Asia/Baghdad"},
    "factions": [],
    "sources": [],
    "events": [],
    "crossings": [],
    "territory": [],
}




_CPU: list[float] = []  # the process CPU time (all threads) of the last _timed calls


def _timed(fn: Any) -> float:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    _CPU.append(time.process_time() - c0)
    return time.perf_counter() - t0


def _pairs(ours: Any, base: Any, runs: int) -> tuple[list[float], list[float]]:
    """``runs`` timings of each, interleaved (machine noise hits both)."""
    a, b = [], []
    for _ in range(runs):
        a.append(_timed(ours))
        b.append(_timed(base))
    return a, b


def _cpu_note(cpu: list[float], base_cpu: list[float] | None = None) -> str:
    m = statistics.median(cpu)
    if base_cpu is None:
        return f"process CPU time (all threads) {m:.2f} s"
    b = statistics.median(base_cpu)
    return f"process CPU time (all threads) {m:.3f} s vs {b:.3f} s: {m / b:.2f}x"


def import_rows(feed: Path, n: int, folder: Path,
                runs: int) -> tuple[list[dict[str, Any]], Path]:
    import pandas as pd

    from monitor.interchange import apply_review, parse_feed, plan_import
    from monitor.model import load_scenario, save_scenario

    empty_path = folder / "empty.json"
    empty_path.write_text(json.dumps(EMPTY), encoding="utf-8")
    empty = load_scenario(empty_path)
    got: dict[str, Any] = {}

    def dry() -> None:
        got["review"] = plan_import(empty, parse_feed(feed))

    _CPU.clear()
    ours, base = _pairs(dry, lambda: pd.read_csv(feed), runs)
    cpu_note = _cpu_note(_CPU[0::2], _CPU[1::2])
    review = got["review"]
    assert len(review.new) == n, review.counts()
    m, b = statistics.median(ours), statistics.median(base)
    rows = [_row(f"dry-run import of a {n:,}-row ACLED CSV ({feed.stat().st_size / 1e6:.0f} MB)",
                 m, "s", baseline=b, baseline_label="pandas.read_csv of the same file",
                 target="ratio <= 3", holds=m <= 3 * b, note=cpu_note, runs=runs,
                 samples_s=ours)]

    # A scenario holding the imported events (written as a file, loaded as the app does).
    apply_review(empty, review)
    full_path = folder / "imported.json"
    save_scenario(empty, full_path)
    del review, got["review"]
    load = [_timed(lambda: load_scenario(full_path)) for _ in range(max(1, runs // 2))]
    full = load_scenario(full_path)

    def again() -> None:
        got["again"] = plan_import(full, parse_feed(feed))

    _CPU.clear()
    times = [_timed(again) for _ in range(runs)]
    cpu_note = _cpu_note(list(_CPU))
    assert got["again"].unchanged == n, got["again"].counts()
    m = statistics.median(times)
    rows.append(_row(f"re-import of the same {n:,} rows (all unchanged), read and reviewed",
                     m, "s", baseline=statistics.median(load),
                     baseline_label="loading the scenario holding them (for scale)",
                     target="<= 1 s", holds=m <= 1.0, note=cpu_note, runs=runs,
                     samples_s=times))
    return rows, full_path


def apply_rows(feed: Path, full_path: Path, folder: Path, runs: int) -> list[dict[str, Any]]:
    """File → Import…'s Apply of 100k new events into an open window, repainted."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from monitor.app import create_application
    from monitor.interchange import parse_feed, plan_import
    from monitor.model.storage import FileStorage
    from monitor.ui.main_window import MainWindow

    app = create_application(["monitor-bench"])
    bundled = REPO / "data" / "iraq-syria-border-2024.json"
    ours, builds, loads, undos = [], [], [], []
    n = 0
    for k in range(runs):
        path = folder / f"open-{k}.json"
        shutil.copyfile(bundled, path)
        storage = FileStorage(path)
        w = MainWindow(path, scenario=storage.load(), storage=storage)
        w.resize(1400, 900)
        w.show()
        for _ in range(5):
            app.processEvents()
        # What the import's worker does (off the GUI thread; the changes while the review
        # is shown, Apply enabled when they are made).
        t0 = time.perf_counter()
        review = plan_import(w.ctx.scenario, parse_feed(feed), author="bench")
        changes = review.changes
        builds.append(time.perf_counter() - t0)
        before = len(w.ctx.scenario.events)
        view = w.feed_panel.view.viewport()
        t0 = time.perf_counter()
        assert w.interchange.apply_review(review)
        app.processEvents()
        view.repaint()
        ours.append(time.perf_counter() - t0)
        n = len(w.ctx.scenario.events) - before
        assert n == len(review.new) and len(changes) > n
        t0 = time.perf_counter()
        w.undo_action.trigger()
        app.processEvents()
        view.repaint()
        undos.append(time.perf_counter() - t0)
        assert len(w.ctx.scenario.events) == before
        w.session.undo_stack.setClean()
        w.close()
        app.processEvents()
        loads.append(_timed(lambda: FileStorage(full_path).load()))
    m, b = statistics.median(ours), statistics.median(loads)
    mb = statistics.median(builds)
    return [_row(
        f"apply an import of {n:,} new events to an open scenario, repainted",
        m, "s", baseline=b, baseline_label="loading a scenario of that size from its file",
        target="ratio <= 2", holds=m <= 2 * b,
        note=f"from Apply to the repaint; the review's {n:,} changes are made before, off "
             f"the GUI thread while the review is shown ({mb:.2f} s; with them the ratio is "
             f"{(m + mb) / b:.2f}); undo of the whole import {statistics.median(undos):.2f} s",
        runs=runs, samples_s=ours, build_s=builds, undo_s=undos)]


def export_rows(full_path: Path, folder: Path, runs: int) -> list[dict[str, Any]]:
    from monitor.interchange import View, export_view, view_rows
    from monitor.model import load_scenario
    from monitor.model.writer import event_json

    full = load_scenario(full_path)
    view = View(None)
    rows = view_rows(full, view)
    events = full.events

    def features() -> list[dict[str, Any]]:
        out = []
        for i in rows.tolist():
            e = events[i]
            loc = e.location
            geom = ({"type": "Point", "coordinates": [loc.lon, loc.lat]}
                    if loc is not None and loc.lat is not None else None)
            out.append({"type": "Feature", "geometry": geom,
                        "properties": {"feature_type": "event", **event_json(e)}})
        return out

    feats = features()
    out = folder / "view.geojson"
    ours, base = _pairs(
        lambda: export_view(full, view, out, "geojson"),
        lambda: json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
        runs)
    m, b = statistics.median(ours), statistics.median(base)
    return [_row(f"GeoJSON export of {len(rows):,} events (written, atomic)", m, "s",
                 baseline=b, baseline_label="json.dumps of the same features (in memory)",
                 target="ratio <= 1.5", holds=m <= 1.5 * b, runs=runs, samples_s=ours)]


def run(quick: bool = False, n: int = 100_000) -> list[dict[str, Any]]:
    from feeds import big_acled

    runs = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="bench-interchange-") as tmp:
        folder = Path(tmp)
        feed = big_acled(folder / "acled.csv", n)
        rows, full_path = import_rows(feed, n, folder, runs)
        rows += export_rows(full_path, folder, runs)
        rows += apply_rows(feed, full_path, folder, 1 if quick else 3)
    return rows


if __name__ == "__main__":
    os.environ.setdefault("MONITOR_CONFIG_DIR", tempfile.mkdtemp(prefix="monitor-bench-cfg-"))
    os.environ.setdefault("MONITOR_CACHE", "0")
    args = sys.argv[1:]
    size = int(args[args.index("--rows") + 1]) if "--rows" in args else 100_000
    print(json.dumps({"rows": run("--quick" in args, size)}))
