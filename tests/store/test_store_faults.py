"""Faults and load on a real server: offline work kept in the outbox through a kill of the
app, the server killed and restarted while an analyst toggles, and 4 app processes
toggling at once. Every change must be in the log exactly once, and every app's view must
equal the state derived from the log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

from monitor.model.changes import status_change
from monitor.model.entities import CrossingStatus, Moment
from monitor.model.io import scenario_to_json
from monitor.store import admin
from monitor.store.outbox import Outbox
from monitor.store.team import TeamStore

from .toggle_worker import follow, toggle

WORKER = Path(__file__).with_name("toggle_worker.py")
SMALL = Path(__file__).parents[1] / "data" / "small.json"


def log_ids(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM monitor.changes ORDER BY seq")]


def derived_state(dsn: str, folder: Path) -> dict:
    store = TeamStore(dsn, outbox_folder=folder)
    try:
        return scenario_to_json(store.load())
    finally:
        store.close()


def worker(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, str(WORKER), *args], text=True, env=env, **kw)


def test_offline_changes_survive_a_killed_app_and_arrive_exactly_once(own_cluster, tmp_path):
    dsn = own_cluster.dsn()
    admin.init_from_file(dsn, SMALL)
    outbox = tmp_path / "outbox"
    errors = tmp_path / "worker.err"
    with errors.open("w") as err:
        app = worker(
            "offline", dsn, str(outbox), "10", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=err,
        )  # fmt: skip
    try:
        assert app.stdout.readline().strip() == "ready", errors.read_text()
        own_cluster.stop("immediate")  # the server goes away under the running app
        app.stdin.write("go\n")
        app.stdin.flush()
        words = app.stdout.readline().split()
        # the app kept working, offline
        assert words[:2] == ["queued", "10"], (words, errors.read_text())
        made = words[2:]
    finally:
        app.send_signal(signal.SIGKILL)  # ... and is killed with its changes unsent
        app.wait(10)
    assert len(list(outbox.glob("*.outbox"))) == 1
    own_cluster.start()
    assert log_ids(dsn) == []
    state = derived_state(dsn, outbox)  # the next session on this store sends them
    assert log_ids(dsn) == made
    assert list(outbox.glob("*.outbox")) == []
    assert derived_state(dsn, outbox) == state  # and nothing is sent twice
    assert log_ids(dsn) == made


def test_a_change_committed_just_before_a_crash_is_not_stored_twice(store_dsn, tmp_path):
    store = TeamStore(store_dsn, outbox_folder=tmp_path)
    scenario = store.load()
    now = Moment.now(scenario.tz)
    sent = status_change(scenario, "qaim", CrossingStatus.CLOSED, now)
    store.append_change(sent)  # on the server...
    unsent = status_change(scenario, "semalka", CrossingStatus.CLOSED, now)
    # ... but the app died before writing "done": its outbox still lists it.
    box = Outbox(tmp_path, origin="dead-session", store_id=store.store_id, user="x")
    box.add(sent, 0)
    box.add(unsent, 0)
    box.close()
    store.close()
    derived_state(store_dsn, tmp_path)
    assert log_ids(store_dsn) == [sent.id, unsent.id]


def test_the_server_killed_and_restarted_during_200_toggles_loses_and_repeats_nothing(
    own_cluster, tmp_path
):
    dsn = own_cluster.dsn()
    admin.init_from_file(dsn, SMALL)
    store = TeamStore(dsn, outbox_folder=tmp_path / "outbox")
    store.load()
    went_offline = threading.Event()

    def crash_and_restart() -> None:
        time.sleep(0.3)
        own_cluster.stop("immediate")  # like a crash: no shutdown checkpoint
        went_offline.wait(10)
        time.sleep(0.3)
        own_cluster.start()

    chaos = threading.Thread(target=crash_and_restart)
    chaos.start()
    made, queued, back_at = [], 0, None
    for i in range(200):
        change = toggle(store, ("qaim", "semalka")[i % 2])
        made.append(change.id)
        if not store.online:
            went_offline.set()
            queued = max(queued, store.pending)
            if store.reconnect() and back_at is None:
                back_at = i  # back online (with back-off) while the analyst goes on
        time.sleep(0.02)
    chaos.join(60)
    deadline = time.monotonic() + 60
    while (store.pending or not store.online) and time.monotonic() < deadline:
        store.reconnect(force=True)
        time.sleep(0.2)
    assert store.online and store.pending == 0
    assert queued > 0, "the server was never away during the toggles"
    print(
        f"200 toggles, server killed and restarted: {queued} waited in the outbox, "
        f"back online at toggle {back_at}"
    )
    ids = log_ids(dsn)
    assert len(ids) == 200 and len(set(ids)) == 200
    assert set(ids) == set(made)
    follow(store)
    assert scenario_to_json(store.changelog.scenario) == derived_state(dsn, tmp_path / "x")
    store.close()


def test_four_apps_toggling_250_times_each_agree_with_the_log(store_dsn, tmp_path):
    outs = [tmp_path / f"app{i}.json" for i in range(4)]
    apps = [
        worker("toggles", store_dsn, str(tmp_path / f"box{i}"), "250", "1000", str(out))
        for i, out in enumerate(outs)
    ]
    for app in apps:
        assert app.wait(300) == 0
    ids = log_ids(store_dsn)
    assert len(ids) == 1000, "lost changes"
    assert len(set(ids)) == 1000, "duplicated changes"
    results = [json.loads(out.read_text()) for out in outs]
    assert sorted(i for r in results for i in r["made"]) == sorted(ids)
    truth = derived_state(store_dsn, tmp_path / "check")
    for n, result in enumerate(results):
        assert result["pending"] == 0
        assert result["state"] == truth, f"app {n}'s view differs from the log's state"
