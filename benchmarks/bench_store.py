"""Issue 15's team-store rows, on a throw-away local PostgreSQL server (localhost socket):

* a toggle in one app visible in a second app, both real ``MainWindow(DSN)`` windows
  offscreen in processes of their own (``app_peer.py``): from just before the sender's
  ``set_crossing_status`` to the receiver's crossings table painted with the new status
  (LISTEN/NOTIFY + catch-up by sequence + applied to the view + repaint), median and p95,
  against a bare ``pg_notify`` → ``LISTEN`` between two processes in the same run;
* the same through bare store processes (a ``TeamStore`` writer, a ``TeamStore`` listener
  applying to its change log, no window): the store's own share of the above;
* opening a store holding 100k events (base + log derived into a scenario) against
  opening the same scenario from its JSON file (first open, no reopen cache), interleaved;
* opening that store after 1,000 toggles (without, then with a snapshot) against opening
  the same state from a JSON file.

    python benchmarks/bench_store.py [--quick]       (or as the "store" group of run.py)

Prints one JSON line ``{"rows": [...]}`` in ``run.py``'s row format. Uses ``$MONITOR_BENCH_PG``
(a superuser DSN) if set, else starts its own server (``monitor.store.cluster``; needs the
PostgreSQL server binaries) and removes it afterwards.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from benchrow import row as _row  # noqa: E402

RAW_CHANNEL = "bench_raw"




def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _database(server: str, name: str) -> str:
    import psycopg
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return make_conninfo(server, dbname=name)


def _toggle(store: Any, crossing: str) -> Any:
    from monitor.model.changes import status_change
    from monitor.model.entities import CrossingStatus, Moment

    scenario = store.changelog.scenario
    now = Moment.now(scenario.tz)
    current = scenario.crossing(crossing).status_at(now.instant)
    status = CrossingStatus.OPEN if current == CrossingStatus.CLOSED else CrossingStatus.CLOSED
    change = status_change(scenario, crossing, status, now)
    store.changelog.apply(change)
    store.append_change(change)
    return change


# -- the second app: a listener process ------------------------------------------------------
def listen(dsn: str, expected: int, raw: int) -> int:
    """Receive ``raw`` bare notifications, then ``expected`` changes; print when each
    arrived (``time.monotonic``, the same clock in every process of the machine)."""
    from monitor.store.team import TeamStore

    store = TeamStore(dsn, outbox_folder=Path("/tmp") / f"bench-outbox-{uuid.uuid4().hex}")
    store.load()
    import psycopg

    bare = psycopg.connect(dsn, autocommit=True)
    bare.execute(f"LISTEN {RAW_CHANNEL}")
    print("ready", flush=True)
    got_raw = 0
    while got_raw < raw:
        before = got_raw
        for n in bare.notifies(timeout=5.0):  # (several may come in one read: take them all)
            print(f"raw {n.payload} {time.monotonic()}", flush=True)
            got_raw += 1
            if got_raw >= raw:
                break
        if got_raw == before:
            break  # none for 5 s: the sender is done
    bare.close()
    got = 0
    while got < expected:
        if not select.select([store.socket()], [], [], 5.0)[0]:
            break
        store.notifies()
        for entry in store.entries_since(store.last_seq):
            store.changelog.apply(entry.change, strict=False)
            print(f"change {entry.change.id} {time.monotonic()}", flush=True)
            got += 1
    store.close()
    return 0


def _latency_rows(dsn: str, quick: bool) -> tuple[list[dict[str, Any]], list[float]]:
    """The store-process rows, and the bare NOTIFY latencies (the baseline of every
    latency row)."""
    import psycopg

    from monitor.store.team import TeamStore

    n = 60 if quick else 200
    raw_n = 60 if quick else 200
    proc = subprocess.Popen(
        [sys.executable, __file__, "--listen", dsn, str(n), str(raw_n)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    sent_raw: dict[str, float] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(raw_n):
            sent_raw[str(i)] = time.monotonic()
            conn.execute("SELECT pg_notify(%s, %s)", (RAW_CHANNEL, str(i)))
            time.sleep(0.01)
    store = TeamStore(dsn, outbox_folder=Path("/tmp") / f"bench-outbox-{uuid.uuid4().hex}")
    store.load()
    sent: dict[str, float] = {}
    for i in range(n):
        t0 = time.monotonic()
        change = _toggle(store, ("qaim", "semalka")[i % 2])
        sent[change.id] = t0
        time.sleep(0.02)
    out, _ = proc.communicate(timeout=120)
    store.close()
    raw, live = [], []
    for line in out.splitlines():
        kind, key, at = line.split()
        if kind == "raw" and key in sent_raw:
            raw.append(float(at) - sent_raw[key])
        elif kind == "change" and key in sent:
            live.append(float(at) - sent[key])
    median, p95 = statistics.median(live), _p95(live)
    base_median, base_p95 = statistics.median(raw), _p95(raw)
    common = {"toggles": n, "received": len(live), "raw_received": len(raw)}
    rows = [
        _row(
            "team store: toggle seen by a second store process (TeamStore, no window), median",
            median,
            "s",
            baseline=base_median,
            baseline_label="bare pg_notify -> LISTEN between the same processes, median",
            target="<= 100 ms",
            holds=median <= 0.100 and len(live) == n,
            **common,
        ),
        _row(
            "team store: toggle seen by a second store process (TeamStore, no window), p95",
            p95,
            "s",
            baseline=base_p95,
            baseline_label="bare pg_notify -> LISTEN, p95",
            target="<= 500 ms",
            holds=p95 <= 0.500 and len(live) == n,
            **common,
        ),
    ]
    return rows, raw


# -- two real app windows --------------------------------------------------------------------
def _peer(mode: str, dsn: str, *args: object, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "app_peer.py"), mode, dsn, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # (offscreen's propagateSizeHints notices)
        text=True,
        env=env,
    )


def _first_line(proc: subprocess.Popen[str], what: str) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        raise RuntimeError(f"the {what} app did not start ({line!r})")


def _app_rows(server: str, quick: bool, raw: list[float]) -> list[dict[str, Any]]:
    """A toggle made in one ``MainWindow(DSN)`` until the crossings table of a second
    ``MainWindow(DSN)``, in another process, has painted it (see ``app_peer.py``)."""
    from monitor.store import admin

    dsn = _database(server, "bench_live_app")
    admin.init_from_file(dsn, HERE.parent / "tests" / "data" / "small.json")
    n, pace_ms = (60 if quick else 200), 20
    private = Path(tempfile.mkdtemp(prefix="bench-store-app-"))
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        MONITOR_CONFIG_DIR=str(private / "config"),  # (no recent store in the user's list)
        XDG_DATA_HOME=str(private / "data"),  # (the outboxes)
    )
    receiver = _peer("receive", dsn, n, env=env)
    try:
        _first_line(receiver, "receiving")
        sender = _peer("send", dsn, n, pace_ms, env=env)
        try:
            _first_line(sender, "sending")
            sent_out, _ = sender.communicate("go\n", timeout=300)
        finally:
            if sender.poll() is None:
                sender.kill()
        got_out, _ = receiver.communicate(timeout=120)
    finally:
        if receiver.poll() is None:
            receiver.kill()
        shutil.rmtree(private, ignore_errors=True)
    sent: dict[str, tuple[str, float, float]] = {}
    for line in sent_out.splitlines():
        part = line.split()
        if part[0] == "sent":
            sent[part[1]] = (part[3], float(part[4]), float(part[5]))
    applied: dict[str, float] = {}
    painted: dict[str, float] = {}
    wrong = 0
    for line in got_out.splitlines():
        part = line.split()
        if part[0] == "applied" and part[1] in sent:
            applied[part[1]] = float(part[5])
            wrong += part[4] == "0" or (part[4] == "1" and part[3].lower() != sent[part[1]][0])
        elif part[0] == "painted" and part[1] in sent:
            painted[part[1]] = float(part[2])
    if not painted:
        raise RuntimeError(f"the receiving app painted none of {len(sent)} toggles")
    seen = [painted[k] - sent[k][1] for k in painted]
    model = [applied[k] - sent[k][1] for k in applied]
    own = [t1 - t0 for _status, t0, t1 in sent.values()]
    median, p95 = statistics.median(seen), _p95(seen)
    complete = len(sent) == n and len(painted) == n and len(applied) == n and wrong == 0
    details = {
        "toggles": n,
        "pace_ms": pace_ms,
        "sent": len(sent),
        "applied": len(applied),
        "painted": len(painted),
        "wrong_status_shown": wrong,
        "applied_to_model_median_s": statistics.median(model),
        "applied_to_model_p95_s": _p95(model),
        "sender_toggle_median_s": statistics.median(own),
        "sender_toggle_p95_s": _p95(own),
    }
    return [
        _row(
            "team store: toggle in one app window painted in a second app window, median",
            median,
            "s",
            baseline=statistics.median(raw),
            baseline_label="bare pg_notify -> LISTEN between two processes, median",
            target="<= 100 ms",
            holds=median <= 0.100 and complete,
            **details,
        ),
        _row(
            "team store: toggle in one app window painted in a second app window, p95",
            p95,
            "s",
            baseline=_p95(raw),
            baseline_label="bare pg_notify -> LISTEN, p95",
            target="<= 500 ms",
            holds=p95 <= 0.500 and complete,
            **details,
        ),
    ]


# -- opening ------------------------------------------------------------------------------------
def _open_rows(server: str, quick: bool) -> list[dict[str, Any]]:
    import gc

    from generate import ensure

    from monitor.model.storage import FileStorage
    from monitor.store import admin
    from monitor.store.team import TeamStore

    os.environ["MONITOR_CACHE"] = "0"  # a first open of the file, as for the store
    private = Path(tempfile.mkdtemp(prefix="bench-store-100k-"))
    path = private / "synthetic-100k.json"  # (a copy: another run may rewrite the shared one)
    shutil.copyfile(ensure("100k"), path)
    dsn = _database(server, "bench_open_100k")
    admin.init_from_file(dsn, path)
    box = Path("/tmp") / f"bench-outbox-{uuid.uuid4().hex}"
    store_t, file_t = [], []
    for _ in range(3 if quick else 5):
        gc.collect()
        t = time.perf_counter()
        FileStorage(path).load()
        file_t.append(time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        s = TeamStore(dsn, outbox_folder=box)
        scenario = s.load()
        store_t.append(time.perf_counter() - t)
        events = len(scenario.table)
        s.close()
        del scenario
    store_m, file_m = statistics.median(store_t), statistics.median(file_t)
    rows = [
        _row(
            "team store: open a store holding 100k events",
            store_m,
            "s",
            baseline=file_m,
            baseline_label="open the same scenario from its JSON file (first open)",
            target="<= 1.5x the file",
            holds=store_m <= 1.5 * file_m,
            events=events,
            json_bytes=path.stat().st_size,
        )
    ]
    # The same store after 1,000 toggles, opened by an analyst (whose app writes no
    # snapshot) without and with a snapshot, against the same state as a JSON file.
    from psycopg.conninfo import make_conninfo

    full_dsn = dsn
    writer = TeamStore(full_dsn, outbox_folder=box)
    writer.load()
    crossings = [c.id for c in writer.changelog.scenario.crossings[:2]]
    for i in range(1000):
        _toggle(writer, crossings[i % len(crossings)])
    writer.close()
    admin.grant(full_dsn, "bench_analyst", "analyst")
    analyst = make_conninfo(full_dsn, user="bench_analyst")
    exported = Path(tempfile.mkdtemp(prefix="bench-store-")) / "state.json"
    admin.export_store(analyst, exported)

    def opens(dsn: str) -> tuple[float, float]:
        store_t, file_t = [], []
        for _ in range(3):
            gc.collect()
            t = time.perf_counter()
            FileStorage(exported).load()
            file_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            s = TeamStore(dsn, outbox_folder=box)
            s.load()
            store_t.append(time.perf_counter() - t)
            s.close()
        return statistics.median(store_t), statistics.median(file_t)

    full_m, full_file = opens(analyst)
    admin.snapshot_store(full_dsn)
    snap_m, snap_file = opens(analyst)
    shutil.rmtree(exported.parent, ignore_errors=True)
    shutil.rmtree(private, ignore_errors=True)
    label = "the same state (100k events, 1,000 more status entries) opened from its JSON file"
    rows.append(
        _row(
            "team store: open 100k events + a log of 1,000 toggles, from a snapshot",
            snap_m,
            "s",
            baseline=snap_file,
            baseline_label=label,
            target="<= 1.5x the file",
            holds=snap_m <= 1.5 * snap_file,
        )
    )
    rows.append(
        _row(
            "team store: open 100k events + a log of 1,000 toggles, no snapshot",
            full_m,
            "s",
            baseline=full_file,
            baseline_label=label,
            target="(measured: the cost snapshots remove)",
            holds=True,
        )
    )
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    server = os.environ.get("MONITOR_BENCH_PG", "").strip()
    cluster = None
    if not server:
        from monitor.store.cluster import start_cluster

        cluster = start_cluster()
        server = cluster.dsn()
    try:
        rows = _open_rows(server, quick)
        store_rows, raw = _latency_rows(_prepared(server), quick)
        rows[:0] = _app_rows(server, quick, raw) + store_rows
        return rows
    finally:
        if cluster is not None:
            cluster.remove()


def _prepared(server: str) -> str:
    from monitor.store import admin

    dsn = _database(server, "bench_live")
    admin.init_from_file(dsn, HERE.parent / "tests" / "data" / "small.json")
    return dsn


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--listen":
        return listen(argv[1], int(argv[2]), int(argv[3]))
    print(json.dumps({"rows": run("--quick" in argv)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
