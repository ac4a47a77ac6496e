"""Figures of the map panel (issue 13), offscreen: prints medians in milliseconds.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/bench_map.py [--events 100000]

What it times (one process, same run, so ratios are fair on a busy machine):

* loading the bundled base map (parse + numpy arrays, no cache);
* a pan / zoom repaint of the map view with N located events (all distinct places, in the
  bundled region): zoomed out (density layer), zoomed in (stamped dots), and the stamped
  dots forced for every point; the same N points as a pyqtgraph ``ScatterPlotItem``;
* re-deriving the event layer after a cursor step / a filter change, at N and at 1M events;
* the nearest-point pick of a click among N clusters.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import pandas as pd


def median_ms(fn, repeat: int = 15, warm: int = 2) -> float:
    for _ in range(warm):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def frame_of(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": pd.array([f"ev{i}" for i in range(n)], dtype="string"),
            "time_ns": np.sort(rng.integers(1_730_000_000, 1_735_000_000, n)) * 10**9,
            "lat": rng.uniform(31.0, 37.5, n),
            "lon": rng.uniform(36.0, 45.0, n),
            "verification": pd.Categorical(rng.choice(["confirmed", "reported", "disputed"], n)),
            "category": pd.Categorical(rng.choice(["military", "political", "border"], n)),
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.events

    from monitor.model.basemap import default_path, parse_basemap

    raw = default_path().read_bytes()
    load = median_ms(lambda: parse_basemap(raw), 9)
    print(f"base map load ({len(raw) / 1e3:.0f} KB): {load:.1f} ms")

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph as pg

    from monitor.model import load_scenario
    from monitor.paths import default_scenario_path
    from monitor.ui.context import ScenarioContext
    from monitor.ui.map import MapPanel
    from monitor.ui.map.layer import EventClusters

    ctx = ScenarioContext(load_scenario(default_scenario_path()))
    t = time.perf_counter()
    panel = MapPanel(ctx)
    panel.resize(1200, 800)
    panel.show()
    app.processEvents()
    print(f"panel built and shown (bundled scenario): {(time.perf_counter() - t) * 1000:.0f} ms")

    frame = frame_of(n)
    t = time.perf_counter()
    clusters = EventClusters(frame)
    print(f"clusters of {n:,} events: {(time.perf_counter() - t) * 1000:.0f} ms (once per frame)")
    cursor = int(frame["time_ns"].iloc[n // 2])
    points = clusters.derive(None, cursor, False)
    item = panel.points_item
    item.set_points(points)
    viewport = panel.view.viewport()
    box = panel.view_box
    state = {"i": 0}

    def pan_repaint() -> None:  # a small pan, then one synchronous repaint
        state["i"] += 1
        dx = 0.02 if state["i"] % 2 else -0.02
        r = box.viewRect()
        box.setRange(
            xRange=(r.left() + dx, r.right() + dx), yRange=(r.top(), r.bottom()), padding=0
        )
        viewport.repaint()

    results = {}
    for label, region, threshold in (
        ("zoomed out, density", (34.0, 30.0, 47.0, 38.5), item.density_threshold),
        ("zoomed in, dots", (39.0, 33.0, 41.0, 34.5), item.density_threshold),
        ("all dots (density off)", (34.0, 30.0, 47.0, 38.5), 10**9),
    ):
        item.density_threshold = threshold
        panel.show_region(*region)
        results[label] = median_ms(pan_repaint)
        what = f"{item.mode}, {item.drawn:,} drawn"
        print(f"pan repaint, {n:,} events, {label}: {results[label]:.1f} ms ({what})")
    item.density_threshold = 60_000
    item.hide()
    scatter = pg.ScatterPlotItem(
        x=points.lon, y=points.lat, size=7, pen=pg.mkPen("k"), brush=pg.mkBrush("#0072b2")
    )
    box.addItem(scatter)
    panel.show_region(34.0, 30.0, 47.0, 38.5)
    s = median_ms(pan_repaint, repeat=7)
    print(f"pan repaint, same {n:,} points as a ScatterPlotItem: {s:.1f} ms")
    print(
        "  ratio map / ScatterPlotItem: "
        + ", ".join(f"{k} {v / s:.2f}" for k, v in results.items())
    )
    box.removeItem(scatter)
    item.show()

    shown = np.arange(0, n, 3, dtype=np.int64)
    step = median_ms(lambda: clusters.derive(None, cursor, True))
    filt = median_ms(lambda: clusters.derive(shown, cursor, False))
    print(f"derive {n:,}: cursor step {step:.1f} ms, filter {filt:.1f} ms")
    sx, sy = panel._pixels_per_degree()
    print(
        f"pick nearest among {len(points):,} clusters: "
        f"{median_ms(lambda: points.nearest(40.0, 34.0, sx, sy, 4.0), 51):.2f} ms"
    )
    if args.big:
        big = frame_of(args.big, seed=5)
        t = time.perf_counter()
        bc = EventClusters(big)
        built = (time.perf_counter() - t) * 1000
        print(f"clusters of {args.big:,} events: {built:.0f} ms (once per frame)")
        bcur = int(big["time_ns"].iloc[args.big // 2])
        bshown = np.arange(0, args.big, 3, dtype=np.int64)
        step = median_ms(lambda: bc.derive(None, bcur, True), 7)
        filt = median_ms(lambda: bc.derive(bshown, bcur, False), 7)
        print(f"derive {args.big:,}: cursor step {step:.1f} ms, filter {filt:.1f} ms (in full)")
        # What the panel does on a cursor step: follow the last derivation (Layer), here
        # 41 steps across the events' time range, as the 1M session's cursor row moves.
        from monitor.ui.map.layer import Layer

        layer = Layer(bc)
        times = np.sort(big["time_ns"].to_numpy())
        cursors = [int(times[int(len(times) * (0.05 + 0.9 * i / 40))]) for i in range(41)]
        layer.derive(None, cursors[0], False, False)
        steps = []
        for c in cursors[1:]:
            t = time.perf_counter()
            layer.derive(None, c, False, False)
            steps.append((time.perf_counter() - t) * 1000)
        print(f"cursor step followed from the last derivation: {np.median(steps):.1f} ms")
    panel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
