"""Workers for the crash tests, forked by a long-lived "zygote" process.

The test starts ``python crash_worker.py`` once. The zygote imports the model and builds
the scenario versions, then reads commands on stdin; for each it forks a worker that runs
one of the loops below until the test SIGKILLs it, and reports ``pid N`` and, once the
worker is dead, ``reaped N STATUS``. Forking a ready process makes a kill cost a few
milliseconds instead of an interpreter start-up.

Workers write progress lines with a single ``os.write`` each (atomic on a pipe), only
after the step they report has returned:

* ``save DIR/FILE.json START``: save versions START+1, START+2, ... (cycling through
  :data:`VERSIONS`) with ``save_scenario``; ``begin K`` before, ``done K`` after each;
* ``journal DIR/FILE.json``: record status changes through ``FileStorage.append_change``
  (notes of random length, Arabic and emoji, some longer than the file buffer); ``seq N``;
* ``session DIR/FILE.json``: like ``journal``, plus ``FileStorage.save`` after every
  few changes; ``seq N`` and ``saved N``.
"""

from __future__ import annotations

import dataclasses
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.model import (
    CrossingStatus,
    Moment,
    Scenario,
    dumps_scenario,
    load_scenario,
    save_scenario,
)
from monitor.model.changelog import apply_change
from monitor.model.changes import status_change
from monitor.model.entities import Event, Verification
from monitor.model.storage import FileStorage

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.json"
EVENTS_PER_VERSION = (3000, 3600, 2400)  # ~1.5-2.2 MB each: a save takes tens of ms
SAVES_PER_SESSION_CHECKPOINT = 5
PLUS3 = timezone(timedelta(hours=3))


def make_versions() -> list[Scenario]:
    """Three different, deterministic, large-ish scenarios (sizes differ too)."""
    versions = []
    for v, n in enumerate(EVENTS_PER_VERSION):
        s = load_scenario(SMALL)
        start = datetime(2024, 11, 26, 6, 0, tzinfo=PLUS3)
        events = [
            Event(
                id=f"v{v}-e{i}",
                time=Moment(start + timedelta(minutes=37 * i)),
                title=f"Version {v} event {i}: قافلة على الطريق 🚚",
                category="border",
                actors=["gov", "PMF"],
                source_ids=["s1"],
                verification=Verification.REPORTED,
                summary=("Summary text " * (i % 7)).strip() or None,
            )
            for i in range(n)
        ]
        s = dataclasses.replace(s, events=events)  # (a list becomes the scenario's event table)
        s.extra["version"] = v
        versions.append(s)
    return versions


VERSIONS = make_versions()


def version_bytes() -> list[bytes]:
    return [dumps_scenario(s).encode("utf-8") for s in VERSIONS]


def _say(text: str) -> None:
    os.write(1, (text + "\n").encode("utf-8"))


def _note(rng: random.Random, seq: int) -> str:
    size = rng.choice([10, 200, 5000, 20000])
    body = ("معبر مغلق 🚧 " * (size // 12 + 1))[:size]
    return f"seq {seq} | {body}"


def save_loop(path: Path, start: int) -> None:
    k = start
    while True:
        k += 1
        _say(f"begin {k}")
        save_scenario(VERSIONS[k % 3], path)
        _say(f"done {k}")


def journal_loop(path: Path, *, checkpoint: bool) -> None:
    rng = random.Random(os.getpid())
    storage = FileStorage(path, user="crash-test")
    scenario = storage.load()
    seq = 0
    base = datetime(2024, 12, 10, 8, 0, tzinfo=PLUS3)
    while True:
        seq += 1
        change = status_change(
            scenario,
            "qaim",
            CrossingStatus.CLOSED if seq % 2 else CrossingStatus.OPEN,
            Moment(base + timedelta(minutes=seq)),
            note=_note(rng, seq),
            by="crash-test",
            recorded_at=Moment(base + timedelta(minutes=seq, seconds=1)),
        )
        apply_change(scenario, change)
        storage.append_change(change)
        _say(f"seq {seq}")
        if checkpoint and seq % SAVES_PER_SESSION_CHECKPOINT == 0:
            storage.save(scenario)
            _say(f"saved {seq}")


def _run(command: list[str]) -> None:
    kind, path = command[0], Path(command[1])
    if kind == "save":
        save_loop(path, int(command[2]))
    elif kind == "journal":
        journal_loop(path, checkpoint=False)
    elif kind == "session":
        journal_loop(path, checkpoint=True)
    raise SystemExit(f"unknown command {kind!r}")


def zygote() -> None:
    _say("ready")
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        pid = os.fork()
        if pid == 0:  # the worker: runs until killed
            try:
                _run(command)
            except BaseException as exc:
                _say(f"error {type(exc).__name__}: {exc}")
            finally:
                os._exit(3)
        _say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"reaped {pid} {status}")


if __name__ == "__main__":
    zygote()
