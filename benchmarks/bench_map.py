"""The map panel's rows of benchmarks/run.py (issue 13), offscreen; medians in milliseconds.

    python benchmarks/run.py --only map          (the rows, with the other groups' format)
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_map.py [--events 100000]

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

from typing import Any

import numpy as np
import pandas as pd
from benchrow import row as _row


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




def bundled_map_panel() -> tuple[Any, Any]:
    """The application and a shown 1200 x 800 map panel over the bundled scenario (the
    events under test are then put into its layer)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from monitor.model import load_scenario
    from monitor.paths import default_scenario_path
    from monitor.ui.context import ScenarioContext
    from monitor.ui.map import MapPanel

    panel = MapPanel(ScenarioContext(load_scenario(default_scenario_path())))
    panel.resize(1200, 800)
    panel.show()
    app.processEvents()
    return app, panel


def run(quick: bool = False, n: int = 100_000, big: int = 1_000_000) -> list[dict[str, Any]]:
    """The rows: base map load, pan repaint against a ScatterPlotItem, pick, re-derive at 1M."""
    rows: list[dict[str, Any]] = []
    import json

    from monitor.model.basemap import default_path, parse_basemap

    raw = default_path().read_bytes()
    load = median_ms(lambda: parse_basemap(raw), 9)
    as_json = median_ms(lambda: json.loads(raw), 9) if raw[:1] in (b"{", b"[") else None
    rows.append(_row(f"bundled base map loaded ({len(raw) / 1e3:.0f} KB)", load, "ms",
                     baseline=as_json, baseline_label="json.loads of its bytes" if as_json else "",
                     target="<= 50 ms", holds=load <= 50))

    app, panel = bundled_map_panel()
    import pyqtgraph as pg

    from monitor.ui.map.layer import EventClusters, Layer

    frame = frame_of(n)
    clusters = EventClusters(frame)
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

    repeat = 7 if quick else 15
    pans = {}
    for label, region, threshold in (
        ("zoomed out (density layer)", (34.0, 30.0, 47.0, 38.5), item.density_threshold),
        ("zoomed in (stamped dots)", (39.0, 33.0, 41.0, 34.5), item.density_threshold),
    ):
        item.density_threshold = threshold
        panel.show_region(*region)
        pans[label] = median_ms(pan_repaint, repeat)
    item.hide()
    scatter = pg.ScatterPlotItem(
        x=points.lon, y=points.lat, size=7, pen=pg.mkPen("k"), brush=pg.mkBrush("#0072b2")
    )
    box.addItem(scatter)
    panel.show_region(34.0, 30.0, 47.0, 38.5)
    s = median_ms(pan_repaint, repeat=5 if quick else 7)
    box.removeItem(scatter)
    item.show()
    for label, ms in pans.items():
        rows.append(_row(f"map pan repaint, {n:,} located events, {label}", ms, "ms", baseline=s,
                         baseline_label="the same points as a pyqtgraph ScatterPlotItem",
                         target="<= 16 ms and <= 0.5x", holds=ms <= 16 and ms <= 0.5 * s))
    sx, sy = panel.view_box.viewPixelSize()
    sx, sy = 1 / sx, 1 / sy
    pick = median_ms(lambda: points.nearest(40.0, 34.0, sx, sy, 4.0), 51)
    rows.append(_row(f"click picks the nearest of {len(points):,} clusters", pick, "ms",
                     baseline=None,
                     baseline_label="", target="<= 5 ms", holds=pick <= 5))
    panel.close()

    if big:
        bigframe = frame_of(big, seed=5)
        bc = EventClusters(bigframe)
        bcur = int(bigframe["time_ns"].iloc[big // 2])
        bshown = np.arange(0, big, 3, dtype=np.int64)
        full_step = median_ms(lambda: bc.derive(None, bcur, True), 5 if quick else 7)
        filt = median_ms(lambda: bc.derive(bshown, bcur, False), 5 if quick else 7)
        layer = Layer(bc)
        times = np.sort(bigframe["time_ns"].to_numpy())
        cursors = [int(times[int(len(times) * (0.05 + 0.9 * i / 40))]) for i in range(41)]
        layer.derive(None, cursors[0], False, False)
        steps = []
        for c in cursors[1:]:
            t = time.perf_counter()
            layer.derive(None, c, False, False)
            steps.append((time.perf_counter() - t) * 1000)
        step = float(np.median(steps))
        rows.append(_row(f"map layer re-derived on a cursor step, {big:,} events", step, "ms",
                         baseline=full_step, baseline_label="deriving the layer in full",
                         target="<= 16 ms", holds=step <= 16))
        rows.append(_row(f"map layer re-derived on a feed filter change, {big:,} events",
                         filt, "ms",
                         baseline=full_step, baseline_label="deriving the layer in full",
                         target="<= 16 ms", holds=filt <= 16))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for row in run(args.quick, args.events, args.big):
        ratio = f" ({row['ratio']:.2f}x {row['baseline_label']})" if row["ratio"] else ""
        verdict = "holds" if row["holds"] else "NOT held"
        print(f"{row['workload']}: {row['measured']:.2f} ms{ratio}; {row['target']}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
