"""An app process in miniature, for the team-store load and fault tests (run as a script).

    python toggle_worker.py toggles DSN OUTBOX N TOTAL OUT.json
        open the store, toggle crossings N times as the window does (apply to the view,
        append, follow the others' changes through LISTEN + catch-up), then wait until
        the log holds TOTAL changes, catch up and write the view's scenario JSON and the
        ids this process made to OUT.json
    python toggle_worker.py offline DSN OUTBOX N
        open the store, say "ready", wait for a line on stdin (the test stops the server),
        toggle N times (each goes to the outbox), say "queued K", then wait to be killed

The toggle itself (:func:`toggle`) is also imported by the tests.
"""

from __future__ import annotations

import json
import random
import select
import sys
import time

from monitor.model.changes import Change, status_change
from monitor.model.entities import CrossingStatus, Moment
from monitor.model.io import scenario_to_json
from monitor.store.team import StoreOffline, TeamStore


def toggle(store: TeamStore, crossing: str = "qaim") -> Change:
    """What the window does for a toggle: build it on the view, apply it, record it."""
    assert store.changelog is not None
    scenario = store.changelog.scenario
    now = Moment.now(scenario.tz)
    current = scenario.crossing(crossing).status_at(now.instant)
    status = CrossingStatus.OPEN if current == CrossingStatus.CLOSED else CrossingStatus.CLOSED
    change = status_change(scenario, crossing, status, now)
    store.changelog.apply(change)
    store.append_change(change)
    return change


def follow(store: TeamStore) -> int:
    """Apply the others' changes announced so far (and any missed); returns how many."""
    assert store.changelog is not None
    if not store.online:
        store.reconnect()
        if not store.online:
            return 0
    store.notifies()
    try:
        entries = store.entries_since(store.last_seq)
    except StoreOffline:
        return 0
    for entry in entries:
        store.changelog.apply(entry.change, strict=False)
    return len(entries)


def _toggles(dsn: str, outbox: str, n: int, total: int, out: str) -> int:
    store = TeamStore(dsn, outbox_folder=outbox)
    store.load()
    rng = random.Random()
    crossings = [c.id for c in store.changelog.scenario.crossings]
    made = []
    for _ in range(n):
        if select.select([store.socket()], [], [], 0)[0]:
            follow(store)
        made.append(toggle(store, rng.choice(crossings)).id)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        follow(store)
        if store.pending == 0 and store.head() >= total and store.last_seq >= store.head():
            break
        time.sleep(0.05)
    follow(store)
    state = scenario_to_json(store.changelog.scenario)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"made": made, "state": state, "pending": store.pending}, fh)
    store.close()
    return 0


def _offline(dsn: str, outbox: str, n: int) -> int:
    store = TeamStore(dsn, outbox_folder=outbox)
    store.load()
    print("ready", flush=True)
    sys.stdin.readline()
    made = []
    for _ in range(n):
        made.append(toggle(store).id)
    print(f"queued {store.pending} {' '.join(made)}", flush=True)
    time.sleep(600)
    return 0


def main(argv: list[str]) -> int:
    if argv[0] == "toggles":
        return _toggles(argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5])
    if argv[0] == "offline":
        return _offline(argv[1], argv[2], int(argv[3]))
    raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
