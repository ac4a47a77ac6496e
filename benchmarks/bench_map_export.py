"""The map panel's own export (issue 16, item 5): how long the GUI thread is held, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_map_export.py [--events N]

For a PNG and a PDF of the map with N located events (the bundled scenario's map, synthetic
points as in bench_map.py), zoomed out (density layer) and zoomed in (stamped dots), one
process, interleaved:

* the export as the window runs it (``start_export``: the view recorded on the GUI thread,
  painted / encoded / written in a worker), until the file is written;
* the baseline: the same export wholly on the GUI thread (``export_map``, synchronous, which
  is what the window's actions did before).

Each row: the GUI thread's CPU time (``time.thread_time``) from the click to the file on
disk, beside the longest gap between ticks of a 5 ms timer (what a user feels as a stall) and
the wall clock. Rows have the shape of benchmarks/run.py's (``run(quick)``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_map import bundled_map_panel, frame_of
from benchrow import row as _row


def run(quick: bool = False, n: int = 100_000) -> list[dict[str, Any]]:
    from PySide6.QtCore import QEventLoop, QTimer
    app, panel = bundled_map_panel()
    from monitor.ui.map.export import export_map, start_export
    from monitor.ui.map.layer import EventClusters

    frame = frame_of(n)
    clusters = EventClusters(frame)
    points = clusters.derive(None, int(frame["time_ns"].iloc[-1]), False)
    folder = Path(tempfile.mkdtemp(prefix="bench-map-export-"))

    def once(how: str, suffix: str, i: int) -> tuple[float, float, float]:
        out = folder / f"{how}-{i}{suffix}"
        loop = QEventLoop()
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            t = time.perf_counter()
            gaps.append(t - last[0])
            last[0] = t

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        marks: dict[str, float] = {}

        def go() -> None:
            marks["cpu"], marks["wall"] = time.thread_time(), time.perf_counter()
            if how == "sync":
                export_map(panel, out)
                QTimer.singleShot(0, loop.quit)
            else:
                job = start_export(panel, out)
                assert job is not None
                job.finished.connect(lambda: QTimer.singleShot(0, loop.quit))

        last[0] = time.perf_counter()
        timer.start()
        QTimer.singleShot(20, go)
        loop.exec()
        cpu = time.thread_time() - marks["cpu"]
        wall = time.perf_counter() - marks["wall"]
        timer.stop()
        app.processEvents()
        assert out.stat().st_size > 1000
        out.unlink()
        return cpu * 1000, max(gaps) * 1000, wall * 1000

    rows: list[dict[str, Any]] = []
    repeat = 4 if quick else 8
    for label, region in (
        ("zoomed out (density layer)", (34.0, 30.0, 47.0, 38.5)),
        ("zoomed in (stamped dots)", (39.0, 33.0, 41.0, 34.5)),
    ):
        panel.points_item.set_points(points)
        panel.show_region(*region)
        app.processEvents()
        times: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        for i in range(repeat + 1):
            for suffix in (".png", ".pdf"):
                for how in ("sync", "worker"):
                    times.setdefault((how, suffix), []).append(once(how, suffix, i))
        for suffix in (".png", ".pdf"):
            med = {
                how: [statistics.median(x[k] for x in times[(how, suffix)][1:]) for k in range(3)]
                for how in ("sync", "worker")
            }
            (cpu, stall, wall), (base_cpu, base_stall, base_wall) = med["worker"], med["sync"]
            rows.append(
                _row(
                    f"map {suffix[1:].upper()} export, {n:,} located events, {label}: "
                    "GUI-thread CPU",
                    cpu,
                    "ms",
                    baseline=base_cpu,
                    baseline_label="the same export wholly on the GUI thread",
                    target="GUI thread: the recording only",
                    holds=cpu < base_cpu,
                    note=f"longest 5 ms-timer gap {stall:.0f} ms (baseline {base_stall:.0f} ms);"
                    f" wall {wall:.0f} ms (baseline {base_wall:.0f} ms)",
                    stall_ms=stall,
                    baseline_stall_ms=base_stall,
                    wall_ms=wall,
                    baseline_wall_ms=base_wall,
                )
            )
    panel.close()
    folder.rmdir()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for row in run(args.quick, args.events):
        print(
            f"{row['workload']}: {row['measured']:.1f} ms ({row['ratio']:.2f}x "
            f"{row['baseline_label']}); {row['note']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
