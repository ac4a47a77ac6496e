"""Every workload of issue 6 against its baseline, in one run.

    /work/venv/bin/python benchmarks/run.py [--quick] [--only NAME ...]
    /work/venv/bin/python benchmarks/run.py --markdown benchmarks/results/latest.json

Prints a table (workload, measured median, baseline, ratio, target, holds?)
and writes ``benchmarks/results/latest.json``. Synthetic scenarios are made
on first use by ``benchmarks/generate.py`` into ``benchmarks/data/``
(git-ignored; the 1M file takes about a minute and 0.6 GB of disk).

Each group of workloads runs in its own Python process (``run.py --worker
NAME``), so that memory peaks and garbage-collector state do not leak from
one measurement into the next; a worker prints one JSON line with its rows.
Baselines run in the same process as what they are compared with,
interleaved with it where they repeat, so machine noise hits both.

``--quick`` repeats less and skips the 1M-event session (its rows say so);
the full run takes a few minutes on the 2-core development machine.

Needs the benchmark extras (``pip install -e '.[bench]'``): orjson (the
parse baseline) and matplotlib (the PDF baseline).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
BUNDLED = REPO / "data" / "iraq-syria-border-2024.json"

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "src"))

QUICK = False


def _runs(full: int, quick: int) -> int:
    return quick if QUICK else full


def median(values: list[float]) -> float:
    return statistics.median(values)


def row(
    workload: str,
    measured: float | None,
    unit: str,
    *,
    baseline: float | None = None,
    baseline_label: str = "",
    ratio: float | None = None,
    target: str,
    holds: bool | None,
    note: str = "",
    **details: Any,
) -> dict[str, Any]:
    if ratio is None and measured is not None and baseline:
        ratio = measured / baseline
    return {
        "workload": workload,
        "measured": measured,
        "unit": unit,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "ratio": ratio,
        "target": target,
        "holds": holds,
        "note": note,
        "details": details,
    }


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from monitor.app import create_application

    return create_application(["monitor-bench"])


def _private_config() -> None:
    """Settings and recent files of the benchmark go to a throw-away folder; a journal left
    beside a data file by an interrupted run is never offered (a modal question would stop
    the benchmark)."""
    from monitor.ui.file_actions import FileActions

    FileActions.ask_recovery = lambda self, recovery: False  # type: ignore[method-assign]
    cfg = tempfile.mkdtemp(prefix="monitor-bench-cfg-")
    os.environ["XDG_CONFIG_HOME"] = cfg
    os.environ["XDG_DATA_HOME"] = cfg
    os.environ["MONITOR_CONFIG_DIR"] = cfg


def _copy(src: Path, folder: Path) -> Path:
    dest = folder / src.name
    if not dest.exists():
        try:
            os.link(src, dest)  # a big file need not be copied; the benchmark never writes it
        except OSError:
            shutil.copyfile(src, dest)
    return dest


# --------------------------------------------------------------------------- cold start
def cold_start() -> list[dict]:
    """Launch to a usable dashboard (``benchmarks/startup_probe.py``: the real ``monitor
    PATH``, ended when the feed, crossings and territory panels have painted with data)
    vs importing the three big libraries; whole processes, timed from outside."""
    runs = _runs(9, 3)
    probe = HERE / "startup_probe.py"
    with tempfile.TemporaryDirectory() as tmp:
        scenario = _copy(BUNDLED, Path(tmp))
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            XDG_CONFIG_HOME=tmp,
            XDG_DATA_HOME=tmp,
            XDG_CACHE_HOME=tmp,
            MONITOR_CONFIG_DIR=tmp,
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")])
            ),
        )
        baseline_cmd = [sys.executable, "-c", "import PySide6.QtWidgets, pyqtgraph, pandas"]
        app_cmd = [sys.executable, str(probe), str(scenario)]
        base_t, app_t, marks = [], [], []

        def run(cmd: list[str]) -> float:
            t0 = time.perf_counter()
            r = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=120)
            dt = time.perf_counter() - t0
            if r.returncode != 0:
                raise RuntimeError(f"{cmd} failed: {r.stderr[-2000:]}")
            if cmd is app_cmd:
                got = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
                if not got:
                    raise RuntimeError(f"the probe saw no usable dashboard: {r.stderr[-2000:]}")
                marks.append(json.loads(got[-1]))
            return dt

        # An installed app has its bytecode compiled (pip does it at install; the baseline's
        # libraries have theirs): the warm-up runs write the app's if they are missing or
        # stale, also where PYTHONDONTWRITEBYTECODE is set (then every launch would compile
        # the edited modules again).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run(baseline_cmd)  # warm the page cache for both
        run(app_cmd)
        marks.clear()
        for _ in range(runs):  # interleaved: noise hits both alike
            base_t.append(run(baseline_cmd))
            app_t.append(run(app_cmd))
    m, b = median(app_t), median(base_t)
    inside = median([x["usable_s"] for x in marks])
    return [
        row(
            "launch to usable dashboard (bundled scenario: 3 panels built with data and painted)",
            m,
            "s",
            baseline=b,
            baseline_label='python -c "import PySide6.QtWidgets, pyqtgraph, pandas"',
            target="ratio <= 1.0",
            holds=m <= b,
            note=f"whole process (benchmarks/startup_probe.py runs the real `monitor PATH`); ratio"
            f" range {min(a / c for a, c in zip(app_t, base_t, strict=True)):.2f}"
            f"-{max(a / c for a, c in zip(app_t, base_t, strict=True)):.2f} over {runs} pairs;"
            f" probe's own clock from its first line to usable {inside * 1000:.0f} ms",
            runs=runs,
            app_s=app_t,
            baseline_s=base_t,
            probe_marks=marks,
        )
    ]


# --------------------------------------------------------------------------- reopen (cache)
def _settle_cache() -> None:
    for thread in threading.enumerate():
        if thread.name == "monitor-cache-writer":
            thread.join(timeout=600)


def worker_reopen() -> list[dict]:
    """Reopening an unchanged big file (the reopen cache, monitor.model.cache) vs loading
    it normally, interleaved in one process; each reopen's result checked to be the same."""
    from generate import ensure

    from monitor.model import cache, dumps_scenario, load_identified

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="monitor-bench-cache-")
    os.environ.pop("MONITOR_CACHE", None)
    rows = []
    sizes = ["100k"] + ([] if QUICK else ["1m"])
    private = Path(tempfile.mkdtemp(prefix="monitor-bench-reopen-"))
    for size in sizes:
        # A private copy (not a link): another run linking or unlinking the shared file
        # changes its ctime, which the loader rightly reports as a change during the read.
        path = private / ensure(size).name
        shutil.copyfile(ensure(size), path)
        t0 = time.perf_counter()
        first, ident = load_identified(path)  # cache on: writes the entry afterwards
        first_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        _settle_cache()
        write_s = time.perf_counter() - t1
        entry = cache.find(os.stat(path))
        reference = dumps_scenario(first) if size == "100k" else None
        del first
        gc.collect()
        normal, reopen = [], []
        for _ in range(_runs(5, 3) if size == "100k" else _runs(2, 1)):
            gc.collect()
            normal.append(timed(lambda p=path: load_identified(p, use_cache=False)))
            gc.collect()
            t0 = time.perf_counter()
            again, ident2 = load_identified(path)
            reopen.append(time.perf_counter() - t0)
            ok = ident2 == ident and (reference is None or dumps_scenario(again) == reference)
            del again
        m, b = median(reopen), median(normal)
        if size == "1m":  # the loading row of issue 12 for 1M: vs orjson of the same bytes
            import orjson

            data = path.read_bytes()
            gc.collect()
            parse = timed(lambda d=data: orjson.loads(d))
            del data
            gc.collect()
            rows.append(
                row(
                    "load 1M events (parse + validate + build, cache off)",
                    b,
                    "s",
                    baseline=parse,
                    baseline_label="orjson.loads of the same bytes",
                    target="ratio <= 1.5",
                    holds=b <= 1.5 * parse,
                    note=f"the normal loads of the reopen row; their range {min(normal):.1f}"
                    f"-{max(normal):.1f} s",
                    load_s=normal,
                    orjson_s=parse,
                )
            )
        rows.append(
            row(
                f"reopen an unchanged {size}-event file (reopen cache)",
                m,
                "s",
                baseline=b,
                baseline_label="the same file loaded normally (first load)",
                target="ratio <= 0.3",
                holds=m <= 0.3 * b and ok and entry is not None,
                note=f"entry {entry.path.stat().st_size / 1e6:.0f} MB written in the background"
                f" in {write_s:.1f} s after a first load of {first_s:.2f} s; result"
                f" {'identical' if ok else 'DIFFERENT'}"
                if entry is not None
                else "no cache entry was written",
                reopen_s=reopen,
                normal_s=normal,
                first_s=first_s,
                write_s=write_s,
            )
        )
        path.unlink()
    shutil.rmtree(private, ignore_errors=True)
    shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    return rows


# --------------------------------------------------------------------------- 100k: open, save
def worker_open_100k() -> list[dict]:
    import orjson
    from generate import ensure

    from monitor.model import load_scenario, save_scenario

    path = ensure("100k")
    data = path.read_bytes()
    runs = _runs(5, 3)
    # The first load of a process imports pyarrow (the app has it imported by then).
    first = timed(lambda: load_scenario(path))
    ours, base, base_nogc = [], [], []
    for _ in range(runs):
        gc.collect()
        base.append(timed(lambda: orjson.loads(data)))
        gc.collect()
        gc.disable()
        base_nogc.append(timed(lambda: orjson.loads(data)))
        gc.enable()
        gc.collect()
        ours.append(timed(lambda: load_scenario(path)))
    m, b = median(ours), median(base)
    rows = [
        row(
            "open 100k events: loading (parse + validate + build)",
            m,
            "s",
            baseline=b,
            baseline_label=f"orjson.loads of the same {len(data) / 1e6:.0f} MB",
            target="ratio <= 1.0",
            holds=m <= 1.0 * b,
            note=f"one process, no helper; first load of the process (imports) {first:.2f} s;"
            f" orjson with the GC paused {median(base_nogc):.2f} s",
            runs=runs,
            load_s=ours,
            first_load_s=first,
            orjson_s=base,
            orjson_gc_paused_s=base_nogc,
            file_mb=len(data) / 1e6,
        )
    ]

    # Window usable: load through FileStorage (as the app does) + window with panels, painted.
    _private_config()
    app = _app()
    # A running app has imported these already (right after its first paint): opening a
    # file does not pay for them. Cold start is measured on its own above.
    import monitor.ui.crossings.panel
    import monitor.ui.feed
    import monitor.ui.territory  # noqa: F401
    from monitor.model.storage import FileStorage
    from monitor.ui.main_window import MainWindow

    usable = []
    with tempfile.TemporaryDirectory() as tmp:
        target = _copy(path, Path(tmp))
        for _ in range(_runs(3, 1)):
            gc.collect()
            t0 = time.perf_counter()
            storage = FileStorage(target)
            scenario = storage.load()
            w = MainWindow(target, scenario=scenario, storage=storage)
            w.show()
            app.processEvents()
            w.repaint()
            usable.append(time.perf_counter() - t0)
            w.session.undo_stack.setClean()
            w.close()
            w.deleteLater()
            app.processEvents()
            del w, scenario, storage
            _settle()  # the next open starts from an idle app, as the analyst's would
        m = median(usable)
        rows.append(
            row(
                "open 100k events: window usable (load + panels + first paint)",
                m,
                "s",
                baseline=b,
                baseline_label=f"orjson.loads of the same {len(data) / 1e6:.0f} MB",
                target="ratio <= 1.5",
                holds=m <= 1.5 * b,
                runs=len(usable),
                samples_s=usable,
            )
        )

        # Save (Ctrl+S writes the whole file atomically).
        scenario = load_scenario(path)
        out = Path(tmp) / "saved.json"
        saves = [timed(lambda: save_scenario(scenario, out)) for _ in range(_runs(5, 3))]
        same = out.read_bytes() == data
    m = median(saves)
    rows.append(
        row(
            "save 100k events",
            m,
            "s",
            target="<= 1 s",
            holds=m <= 1.0,
            note="" if same else "saved bytes differ from the canonical input!",
            samples_s=saves,
        )
    )
    return rows


# --------------------------------------------------------------------------- table view
def worker_table_100k() -> list[dict]:
    from generate import ensure

    from monitor.model import load_scenario

    app = _app()
    from PySide6.QtWidgets import QTableView, QTableWidget, QTableWidgetItem

    from monitor.ui.context import ScenarioContext
    from monitor.ui.feed.columns import EventColumn
    from monitor.ui.feed.model import EventTableModel

    scenario = load_scenario(ensure("100k"))
    ctx = ScenarioContext(scenario)
    frame_s = timed(lambda: ctx.events_frame)
    frame = ctx.events_frame

    def ours() -> float:
        t0 = time.perf_counter()
        model = EventTableModel(ctx)
        view = QTableView()
        view.setModel(model)
        view.resize(1200, 800)
        view.show()
        app.processEvents()
        view.viewport().repaint()
        dt = time.perf_counter() - t0
        view.close()
        view.deleteLater()
        model.deleteLater()
        app.processEvents()
        return dt

    def toy() -> float:
        # The toy approach: every cell an item, filled one by one, from the same data.
        t0 = time.perf_counter()
        n = len(frame)
        table = QTableWidget(n, len(EventColumn))
        columns = [
            [ctx.format_moment(e.time) for e in scenario.events],
            frame["title"].tolist(),
            frame["category"].astype(str).tolist(),
            frame["actors"].tolist(),
            frame["location"].tolist(),
            frame["verification"].astype(str).tolist(),
            frame["grade"].tolist(),
        ]
        for r in range(n):
            for c, values in enumerate(columns):
                table.setItem(r, c, QTableWidgetItem(values[r]))
        table.resize(1200, 800)
        table.show()
        app.processEvents()
        table.viewport().repaint()
        dt = time.perf_counter() - t0
        table.close()
        table.deleteLater()
        app.processEvents()
        return dt

    ours()  # warm-up (icons, fonts)
    mine, base = [], []
    for _ in range(_runs(3, 1)):
        mine.append(ours())
        base.append(toy())
    m, b = median(mine), median(base)
    return [
        row(
            "table view, 100k events: shown and painted",
            m,
            "s",
            baseline=b,
            baseline_label="QTableWidget filled item by item",
            ratio=b / m,
            target="baseline / ours >= 50",
            holds=b / m >= 50,
            note=f"ratio = times faster; the events frame it reads (built once per scenario) took {frame_s:.2f} s",
            view_s=mine,
            widget_s=base,
            frame_build_s=frame_s,
        )
    ]


# --------------------------------------------------------------------------- PDF briefing
def worker_briefing() -> list[dict]:
    try:
        import bench_briefing as bb

        from monitor.briefing import BriefingOptions, export_briefing_pdf
        from monitor.briefing.content import briefing_document
        from monitor.briefing.pdf import ensure_app
    except ImportError as exc:
        return [
            row(
                "full PDF briefing (bundled scenario)",
                None,
                "s",
                target="<= 0.3 s; <= 0.25x matplotlib",
                holds=None,
                note=f"pending: {exc}",
            )
        ]
    from monitor.model import load_scenario

    ensure_app()
    scenario = load_scenario(BUNDLED)
    opts = BriefingOptions(analyst="Benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "brief.pdf"
        export_briefing_pdf(scenario, out, opts)  # warm-up: imports, fonts, first plot
        ours = [timed(lambda: export_briefing_pdf(scenario, out, opts)) for _ in range(_runs(5, 3))]
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            base = []
        else:
            mpl = Path(tmp) / "mpl.pdf"
            # Same content; the document is prepared once, outside the timing (favours matplotlib).
            doc = briefing_document(scenario, opts)
            bb.matplotlib_briefing(doc, bb._series_for_matplotlib, mpl)  # warm-up
            base = [
                timed(lambda: bb.matplotlib_briefing(doc, bb._series_for_matplotlib, mpl))
                for _ in range(_runs(3, 1))
            ]
    m = median(ours)
    b = median(base) if base else None
    holds = m <= 0.3 and (b is None or m <= 0.25 * b)
    return [
        row(
            "full PDF briefing (bundled scenario)",
            m,
            "s",
            baseline=b,
            baseline_label="same content with matplotlib PdfPages",
            target="<= 0.3 s and ratio <= 0.25",
            holds=holds if b is not None else None,
            note="" if b is not None else "matplotlib not installed: baseline missing",
            ours_s=ours,
            matplotlib_s=base,
        )
    ]


# --------------------------------------------------------------------------- toggle (bundled)
def _toggle_rows(w, app, label: str, n: int) -> list[dict]:
    """Toggle the selected crossing ``n`` times: until repainted, and the journal write alone."""
    storage = w.session.storage if hasattr(w.session, "storage") else None
    writes: list[float] = []
    if storage is not None:
        original = storage.append_change

        def timed_append(change):
            t0 = time.perf_counter()
            original(change)
            writes.append(time.perf_counter() - t0)

        storage.append_change = timed_append
    crossing = w.ctx.scenario.crossings[0].id
    w.ctx.select_crossing(crossing)
    # With the cursor parked the window asks when the change took effect: answer "now" (as
    # the tests do), so that no modal question stops the run.
    actions = getattr(w, "crossing_actions", None)
    if actions is not None and hasattr(actions, "ask_effective_time"):
        from monitor.ui.crossings import actions as crossing_actions

        now = getattr(crossing_actions, "NOW", None)
        actions.ask_effective_time = lambda *_args: now
    view = w.crossings_panel.view
    app.processEvents()
    toggles, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.thread_time()
        w.toggle_selected_crossing()
        view.viewport().repaint()
        toggles.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        app.processEvents()
    m = median(toggles)
    rows = [
        row(
            f"toggle a crossing: until repainted ({label})",
            m,
            "s",
            target="<= 16 ms",
            holds=m <= 0.016,
            note=f"GUI thread's CPU time {median(cpu) * 1000:.1f} ms (less sensitive to a busy machine)",
            samples_s=toggles,
            cpu_s=cpu,
        )
    ]
    if writes:
        j = median(writes)
        rows.append(
            row(
                f"toggle a crossing: journal write, fsync'd ({label})",
                j,
                "s",
                target="<= 5 ms",
                holds=j <= 0.005,
                samples_s=writes,
            )
        )
    else:
        rows.append(
            row(
                f"toggle a crossing: journal write ({label})",
                None,
                "s",
                target="<= 5 ms",
                holds=None,
                note="could not find the window's storage",
            )
        )
    w.session.storage.discard_journal() if storage is not None else None
    return rows


def worker_toggle_bundled() -> list[dict]:
    _private_config()
    app = _app()
    from monitor.model.storage import FileStorage
    from monitor.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / BUNDLED.name
        shutil.copyfile(BUNDLED, target)
        storage = FileStorage(target)
        w = MainWindow(target, scenario=storage.load(), storage=storage)
        w.show()
        app.processEvents()
        rows = _toggle_rows(w, app, "bundled scenario", _runs(21, 7))
        w.session.undo_stack.setClean()
        w.close()
    return rows


# --------------------------------------------------------------------------- 1M session
class _Heartbeat:
    """A 5 ms timer on the GUI thread; the longest gap between ticks is how long the UI froze."""

    def __init__(self, app):
        from PySide6.QtCore import QTimer

        self.app = app
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.max_gap = 0.0
        self.gaps_over_100ms = 0

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self.last
        self.last = now
        self.max_gap = max(self.max_gap, gap)
        if gap > 0.1:
            self.gaps_over_100ms += 1

    def run_until(self, done: threading.Event) -> None:
        self.last = time.perf_counter()
        self.max_gap = 0.0
        self.gaps_over_100ms = 0
        self.timer.start()
        while not done.is_set():
            self.app.processEvents()
            time.sleep(0.001)
        self.timer.stop()


_SAMPLER = """
import os, select, sys
page = os.sysconf("SC_PAGE_SIZE")
app, helpers = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]


def private(pid):
    # What the process alone holds (its shared library pages are the app's too).
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1]) * 1024
    return total


peak = 0
while not select.select([sys.stdin], [], [], 0.005)[0]:
    try:
        with open(f"/proc/{app}/statm", "rb") as f:
            total = int(f.read().split()[1]) * page
        total += sum(private(pid) for pid in helpers)
    except (OSError, IndexError, ValueError):
        continue
    peak = max(peak, total)
print(peak, flush=True)
"""


class _RssSampler:
    """The peak of the app's resident memory plus its helper processes' own (private)
    memory, sampled every 5 ms by a separate process (reading /proc from the GUI thread
    itself made it stall)."""

    def __init__(self, pids: list[int]):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SAMPLER, *map(str, pids)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> int:
        out, _ = self.proc.communicate(input="stop\n", timeout=30)
        return int(out.split()[0])


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _settle() -> None:
    """Wait for the work a window starts after its first paint (the feed's search index)."""
    for thread in threading.enumerate():
        if thread.name == "search-index":
            thread.join(timeout=30)


def _private_bytes(pid: int) -> int:
    """A process's private resident memory (not the shared library pages it maps)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


def _edits_rows() -> list[dict]:
    """Issue 12's editing rows (benchmarks/bench_edits.py): journal write, one event edit on
    1M events applied and repainted, Save of 100k through the window."""
    _private_config()
    import bench_edits

    return bench_edits.run(QUICK)


def _store_rows() -> list[dict]:
    """Issue 15's team-store rows (benchmarks/bench_store.py; a throw-away local PostgreSQL)."""
    import bench_store

    return bench_store.run(QUICK)


def worker_session_1m() -> list[dict]:
    from generate import ensure

    from monitor.model import search
    from monitor.model.frames import events_frame
    from monitor.model.io import LoadCancelled
    from monitor.model.storage import FileStorage

    path = ensure("1m")
    size = path.stat().st_size
    for side in (path.with_name(f".{path.name}.journal"), path.with_name(f".{path.name}.lock")):
        side.unlink(missing_ok=True)  # left by an interrupted run: the window would offer recovery
    _private_config()
    app = _app()
    rss_start = _maxrss_bytes()
    rows: list[dict] = []

    # 1. Load + index in a worker thread, as the app does; the GUI thread keeps ticking.
    beat = _Heartbeat(app)
    sampler = _RssSampler([os.getpid()])
    result: dict[str, Any] = {}
    done = threading.Event()
    reports: list[float] = []

    def load() -> None:
        try:
            t0 = time.perf_counter()
            storage = FileStorage(path)
            result["scenario"] = storage.load(progress=lambda f, _m: reports.append(f))
            result["storage"] = storage
            result["load_s"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            result["frame"] = events_frame(result["scenario"])
            result["frame_s"] = time.perf_counter() - t1
            t2 = time.perf_counter()
            search.build_index(result["frame"])  # as the app's loader does, in its worker
            result["index_s"] = time.perf_counter() - t2
        except BaseException as exc:
            result["error"] = repr(exc)
        finally:
            done.set()

    threading.Thread(target=load, daemon=True).start()
    beat.run_until(done)
    sampled_sum = sampler.stop()
    if "error" in result:
        return [
            row("open 1M events", None, "s", target="completes", holds=False, note=result["error"])
        ]
    own_peak = _maxrss_bytes()
    peak = max(sampled_sum, own_peak)
    total = result["load_s"] + result["frame_s"] + result["index_s"]
    rows.append(
        row(
            "open 1M events: completes (load + frame + search index, worker thread)",
            total,
            "s",
            target="completes, progress shown",
            holds=bool(reports),
            note=f"load {result['load_s']:.1f} s + events frame {result['frame_s']:.1f} s"
            f" + search index {result['index_s']:.1f} s; {len(reports)} progress reports",
            load_s=result["load_s"],
            frame_s=result["frame_s"],
            index_s=result["index_s"],
            progress_reports=len(reports),
        )
    )
    rows.append(
        row(
            "open 1M events: longest GUI-thread stall while loading",
            beat.max_gap,
            "s",
            target="<= 100 ms",
            holds=beat.max_gap <= 0.1,
            note=f"{beat.gaps_over_100ms} stalls over 100 ms",
            stalls_over_100ms=beat.gaps_over_100ms,
        )
    )
    rows.append(
        row(
            "open 1M events: peak memory (RSS of the app)",
            peak / 1e9,
            "GB",
            baseline=size / 1e9,
            baseline_label=f"file size {size / 1e9:.2f} GB",
            target="ratio <= 1.5",
            holds=peak <= 1.5 * size,
            note="the app's resident memory, sampled every 5 ms by another process and its own"
            f" peak (VmHWM) {own_peak / 1e9:.2f} GB (before loading: {rss_start / 1e6:.0f}"
            " MB, Qt and libraries)",
            peak_rss_bytes=peak,
            app_peak_rss_bytes=own_peak,
            sampled_sum_peak_bytes=sampled_sum,
            file_bytes=size,
            rss_before_bytes=rss_start,
        )
    )

    # 2. Cancel: a second load, cancelled after 1 s; how long until it stops?
    cancel = threading.Event()
    done2 = threading.Event()
    stopped: dict[str, float] = {}

    def load_again() -> None:
        try:
            FileStorage(path).load(cancelled=cancel.is_set)
            stopped["finished"] = time.perf_counter()
        except LoadCancelled:
            stopped["cancelled"] = time.perf_counter()
        finally:
            done2.set()

    threading.Thread(target=load_again, daemon=True).start()
    time.sleep(1.0)
    t_cancel = time.perf_counter()
    cancel.set()
    beat.run_until(done2)
    if "cancelled" in stopped:
        latency = stopped["cancelled"] - t_cancel
        rows.append(
            row(
                "open 1M events: Cancel stops the load",
                latency,
                "s",
                target="works (stops promptly)",
                holds=latency <= 0.5,
                note="time from Cancel to the worker giving up",
            )
        )
    else:
        rows.append(
            row(
                "open 1M events: Cancel stops the load",
                None,
                "s",
                target="works",
                holds=False,
                note="the load finished instead of stopping",
            )
        )
    gc.collect()

    # 3. The window over the 1M scenario (events frame from the worker, as the loader hands it over).
    from monitor.ui.main_window import MainWindow

    scenario, storage = result["scenario"], result["storage"]
    t0 = time.perf_counter()
    w = MainWindow(path, scenario=scenario, storage=storage, defer_panels=True)
    w.ctx._frame = result["frame"]  # what a loader that also builds the frame would hand over
    w.ensure_panels()
    w.resize(1600, 1000)
    w.show()
    app.processEvents()
    w.repaint()
    window_s = time.perf_counter() - t0
    rows.append(
        row(
            "1M events: window with panels built and painted (after loading)",
            window_s,
            "s",
            target="(information)",
            holds=None,
        )
    )

    # 4. Search keystrokes: filter (pandas over the precomputed text) + model + repaint of view and count.
    panel = w.feed_panel
    typed = "convoy"
    keys = [typed[:i] for i in range(1, len(typed) + 1)] + [
        typed[:i] for i in range(len(typed) - 1, 0, -1)
    ]
    keys += ["clash ", "clash al", "clash al-q", ""]
    times, counts, twice = [], [], []
    for text in keys:
        t0 = time.perf_counter()
        panel.search_edit.setText(text)
        panel._apply_filter()  # what the search box's debounce timer calls
        # One synchronous repaint paints everything waiting in the window: the table and
        # the "N of M" label (Qt's repaint() flushes all dirty regions of the window).
        panel.view.viewport().repaint()
        times.append(time.perf_counter() - t0)
        counts.append(panel.count_label.text())
        app.processEvents()
    for text in keys:  # as measured before: label and table repainted one after the other
        t0 = time.perf_counter()
        panel.search_edit.setText(text)
        panel._apply_filter()
        panel.count_label.repaint()  # (this already paints the table: it flushes the window)
        panel.view.viewport().repaint()  # ... and this paints the table a second time
        twice.append(time.perf_counter() - t0)
        app.processEvents()
    m = median(times)
    rows.append(
        row(
            "type a search term over 1M events (key to repainted 'N of M')",
            m,
            "s",
            target="<= 50 ms",
            holds=m <= 0.05,
            note=f"max {max(times) * 1000:.0f} ms; search box debounce (not counted) is separate;"
            f" with the label and the table each forced to repaint (the table painted twice, as"
            f" measured before): {median(twice) * 1000:.1f} ms",
            keys=keys,
            samples_s=times,
            painted_twice_s=twice,
            counts=counts,
        )
    )

    # 5. Cursor steps: every panel follows the "as of" time; the whole window repainted.
    lo, hi = scenario.time_range()
    steps = _runs(41, 11)
    cursor, cursor_cpu = [], []
    for i in range(steps):
        when = lo + (hi - lo) * (0.05 + 0.9 * i / max(steps - 1, 1))
        t0, c0 = time.perf_counter(), time.thread_time()
        w.ctx.set_cursor(when)
        w.repaint()
        cursor.append(time.perf_counter() - t0)
        cursor_cpu.append(time.thread_time() - c0)
        app.processEvents()
    m = median(cursor)
    rows.append(
        row(
            "move the time cursor (100 crossings x 1,000 entries, 1M events)",
            m,
            "s",
            target="<= 16 ms",
            holds=m <= 0.016,
            note=f"max {max(cursor) * 1000:.0f} ms; GUI thread's CPU time"
            f" {median(cursor_cpu) * 1000:.1f} ms",
            samples_s=cursor,
            cpu_s=cursor_cpu,
        )
    )

    # 6. Toggle with the big scenario open (parked cursor, as after stepping).
    rows += _toggle_rows(w, app, "1M events, 100 crossings x 1,000 entries", _runs(11, 5))
    w.session.undo_stack.setClean()
    w.close()
    storage.discard_journal()
    storage.release_lock()
    return rows


# --------------------------------------------------------------------------- driver
WORKERS = {
    "reopen": worker_reopen,
    "open_100k": worker_open_100k,
    "table_100k": worker_table_100k,
    "briefing": worker_briefing,
    "toggle_bundled": worker_toggle_bundled,
    "session_1m": worker_session_1m,
    "edits": lambda: _edits_rows(),
    "store": lambda: _store_rows(),
    "interchange": lambda: (_private_config(), __import__("bench_interchange").run(QUICK))[1],
    "map": lambda: (_private_config(), __import__("bench_map").run(QUICK))[1],
    "map_export": lambda: (_private_config(), __import__("bench_map_export").run(QUICK))[1],
}
ORDER = [
    "cold_start",
    "open_100k",
    "reopen",
    "table_100k",
    "briefing",
    "toggle_bundled",
    "session_1m",
    "edits",
    "store",
    "interchange",
    "map",
    "map_export",
]


def _run_worker(name: str) -> list[dict]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name] + (
        ["--quick"] if QUICK else []
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if name != "reopen":  # first opens: the reopen cache neither read nor written
        env["MONITOR_CACHE"] = "0"
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        tail = (r.stderr or r.stdout)[-1500:]
        return [row(f"{name} (worker failed)", None, "", target="", holds=False, note=tail.strip())]
    return json.loads(lines[-1])["rows"]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"
    if unit == "GB":
        return f"{value:.2f} GB"
    return f"{value:g} {unit}"


def print_table(rows: list[dict], out=sys.stdout) -> None:
    head = ("workload", "measured (median)", "baseline", "ratio", "target", "holds?")
    table = [head]
    for r in rows:
        holds = {True: "yes", False: "NO", None: "—"}[r["holds"]]
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}"
        table.append(
            (
                r["workload"],
                _fmt(r["measured"], r["unit"]),
                _fmt(r["baseline"], r["unit"]),
                ratio,
                r["target"],
                holds,
            )
        )
    widths = [max(len(t[i]) for t in table) for i in range(len(head))]
    for i, t in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(t, widths, strict=True)).rstrip(), file=out)
        if i == 0:
            print("  ".join("-" * w for w in widths), file=out)
    notes = [(r["workload"], r["note"]) for r in rows if r.get("note")]
    if notes:
        print(file=out)
        for name, note in notes:
            print(f"* {name}: {note}", file=out)


def markdown_table(rows: list[dict]) -> str:
    """The results as the Markdown table kept in docs/benchmarks.md."""
    out = [
        "| workload | measured (median) | baseline | ratio | target | holds? |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        holds = {True: "yes", False: "**no**", None: "—"}[r["holds"]]
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}"
        base = "—"
        if r["baseline"]:
            base = _fmt(r["baseline"], r["unit"]) + (
                f" ({r['baseline_label']})" if r["baseline_label"] else ""
            )
        out.append(
            f"| {r['workload']} | {_fmt(r['measured'], r['unit'])} | {base} | {ratio} | {r['target']} | {holds} |"
        )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    global QUICK
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats; skip the 1M-event session")
    p.add_argument("--only", nargs="+", choices=ORDER, help="run only these groups")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument(
        "--output",
        type=Path,
        default=RESULTS / "latest.json",
        help="where to write the JSON results",
    )
    p.add_argument(
        "--markdown",
        type=Path,
        metavar="JSON",
        help="only print the results in JSON (e.g. results/latest.json) as a Markdown table",
    )
    args = p.parse_args(argv)
    QUICK = args.quick
    if args.markdown:
        print(markdown_table(json.loads(args.markdown.read_text(encoding="utf-8"))["rows"]))
        return 0
    if args.worker:
        rows = WORKERS[args.worker]()
        print(json.dumps({"rows": rows}))
        sys.stdout.flush()
        os._exit(0)  # skip Qt/pyqtgraph teardown at exit: not part of any workload

    try:
        import orjson  # noqa: F401
    except ImportError:
        print(
            "benchmarks need orjson (the parse baseline): pip install -e '.[bench]'",
            file=sys.stderr,
        )
        return 2
    from generate import ensure

    started = time.perf_counter()
    groups = args.only or ORDER
    for size in ("100k",) + (("1m",) if "session_1m" in groups and not QUICK else ()):
        ensure(size)
    rows: list[dict] = []
    for name in groups:
        t0 = time.perf_counter()
        print(f"[{time.perf_counter() - started:6.1f} s] {name} ...", file=sys.stderr, flush=True)
        if name == "cold_start":
            got = cold_start()
        elif name == "session_1m" and QUICK:
            got = [
                row(
                    "1M-event session (open, memory, search, cursor, toggle)",
                    None,
                    "",
                    target="",
                    holds=None,
                    note="skipped with --quick",
                )
            ]
        else:
            got = _run_worker(name)
        rows += got
        print(
            f"[{time.perf_counter() - started:6.1f} s] {name} done in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    elapsed = time.perf_counter() - started
    print()
    print_table(rows)
    print(
        f"\n{sum(r['holds'] is True for r in rows)} of {len(rows)} rows hold; "
        f"run took {elapsed:.0f} s{' (--quick)' if QUICK else ''}"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": QUICK,
        "elapsed_s": elapsed,
        "python": sys.version.split()[0],
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    args.output.write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n", encoding="utf-8"
    )
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
