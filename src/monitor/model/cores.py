"""Is a processor core free for a second thread of work? Work split over two threads only
pays on a machine with a core to spare: on a busy one the second thread competes for the
interpreter's lock (and may hold it while it waits for a core), so the work is slower
than on one thread.

:class:`IdleProbe` measures it: the idle time of all cores (``/proc/stat``) since the probe
started, so the answer is about the last fraction of a second, not the last minute's load
average (which counts the caller's own work of the last minute too). Where there is no
``/proc/stat``, the load average decides (:func:`spare_core`). Pure Python, no Qt.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_STAT = "/proc/stat"


def _cpu_times() -> tuple[int, int] | None:
    """(all jiffies, idle jiffies) of all cores together, None if unknown."""
    try:
        with open(_STAT, "rb") as f:
            line = f.readline()
    except OSError:
        return None
    parts = line.split()
    if len(parts) < 5 or parts[0] != b"cpu":
        return None
    try:
        values = [int(x) for x in parts[1:]]
    except ValueError:
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values[:8]), idle


def spare_core() -> bool:
    """More than one core, and the last minute's load average leaves one free."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        return os.getloadavg()[0] <= cores - 1
    except (AttributeError, OSError):  # (no load average on this system)
        return True


class IdleProbe:
    """Cores left idle by *other* processes since the probe started (or was last asked):
    :meth:`spare` is True when, besides a core for this process's own thread, about one
    more was free meanwhile (this process's own CPU time is not counted as busy: a probe
    asked while this process keeps two cores busy still sees them as its own). With too
    short a time to tell (under ``min_seconds``) or no ``/proc/stat``, the load average
    decides."""

    def __init__(self, min_seconds: float = 0.03) -> None:
        self.cores = os.cpu_count() or 1
        self.min_seconds = min_seconds
        self._mark()

    def _mark(self) -> None:
        self._start = _cpu_times()
        self._t0 = time.monotonic()
        self._own0 = time.process_time()

    def spare(self) -> bool:
        if self.cores < 2:
            return False
        now, wall = _cpu_times(), time.monotonic() - self._t0
        if self._start is None or now is None or wall < self.min_seconds:
            return spare_core()
        total, idle = now[0] - self._start[0], now[1] - self._start[1]
        own = (time.process_time() - self._own0) / wall  # cores this process kept busy
        self._mark()
        if total <= 0:
            return spare_core()
        others = (total - idle) / total * self.cores - own
        return others <= self.cores - 1.75


class Ahead:
    """Calls of ``fn`` made one ahead on a worker thread while a core is spare, else here,
    their results given back in order: for a loop that makes the next input (reads and
    decodes a window) while ``fn`` works on the last one. The :class:`IdleProbe` is asked
    after the first call and every ``every`` calls after. Use as a context manager."""

    def __init__(self, fn: Callable[..., Any], name: str, every: int = 8) -> None:
        self.fn, self.name, self.every = fn, name, every
        self.probe = IdleProbe()
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future[Any] | None = None
        self.count = 0

    def push(self, *args: Any) -> list[Any]:
        """Start ``fn(*args)``; the results done meanwhile, in order (none or one)."""
        self.count += 1
        if self.count % self.every == 2:
            two = self.probe.spare()
            if two and self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
            elif not two and self.pool is not None:
                self.pool.shutdown(wait=False)  # (its last call is still pending: see below)
                self.pool = None
        made = self.pool.submit(self.fn, *args) if self.pool is not None else _now(self.fn, *args)
        out = self.drain()
        self.pending = made
        return out

    def drain(self) -> list[Any]:
        """The result of the call still pending (waited for), if any."""
        pending, self.pending = self.pending, None
        return [] if pending is None else [pending.result()]

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _now(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """``fn(*args)`` run here, as a future (done)."""
    made: Future[Any] = Future()
    try:
        made.set_result(fn(*args))
    except Exception as exc:
        made.set_exception(exc)
    return made
