"""A helper process that reads windows of a big file's events on another core.

Loading a big file is CPU work that holds Python's GIL (msgspec building structs,
Python lists turned into Arrow arrays), so a second thread does not help; a second
process does. The column-wise reader (:mod:`monitor.model.columnar`) cuts the
``events`` array into windows of a few MB; while the helper is free, it gets the
next window (its place in the file: the file descriptor is passed to it once per
load), decodes and checks it with the same code, and hands back the window's
columns. The loading process does the other windows meanwhile and adds all of them
in file order.

* One helper per process, started in the background (:func:`start`: the app does it
  when the Open dialog or the recent-files menu shows; a load starts it otherwise, and
  uses it once it is ready). It runs at nice 5, below the app's own threads.
  It imports only what reading needs (no pandas, no Qt) and exits when this process
  closes its end of the socket (including when this process is killed).
* Messages are a small pickled header on a Unix socket, with a file descriptor where
  there is more: the columns of a window travel in a memfd, written at memory speed,
  so neither side waits for the other to read them.
* Nothing depends on it: a helper that is not ready, busy with another load, failing
  on a window or gone, means that this process reads those windows itself. A window
  the helper finds invalid ends the column-wise read as it would here.
* Linux only (memfd, descriptor passing); elsewhere, and with ``MONITOR_HELPER=0`` in
  the environment, there is no helper.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import select
import socket
import subprocess
import sys
import threading
import time
from typing import Any

MAX_IN_FLIGHT = 2  # windows given to the helper and not yet back
_WAIT_S = 60.0  # no answer for this long: the helper is stuck, and is stopped
_HEADER_BYTES = 4096
_NOTHING = object()


def available() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "memfd_create")
        and hasattr(socket, "send_fds")
        and os.environ.get("MONITOR_HELPER", "1") != "0"
        and bool(sys.executable)
        and not getattr(sys, "frozen", False)  # (a frozen app's executable is not Python)
    )


# -- messages ------------------------------------------------------------------------------------
def _send(sock: socket.socket, header: tuple, payload: Any = _NOTHING, fds: list[int] = ()) -> None:
    """``header`` (small), and ``payload`` pickled into a memfd whose descriptor goes along."""
    fds = list(fds)
    memfd = None
    if payload is not _NOTHING:
        memfd = os.memfd_create("monitor-helper", os.MFD_CLOEXEC)
        with open(memfd, "wb", closefd=False) as f:  # (pickled straight into it: no copy)
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
        fds.append(memfd)
    try:
        socket.send_fds(sock, [pickle.dumps(header)], fds)
    finally:
        if memfd is not None:
            os.close(memfd)


def _load_fd(fd: int) -> Any:
    """Unpickle a memfd's payload (from its start: the writer's offset is shared), and close it."""
    try:
        with open(fd, "rb", closefd=False) as f:
            f.seek(0)
            return pickle.load(f)
    finally:
        os.close(fd)


def _recv(sock: socket.socket) -> tuple[tuple, list[int]] | None:
    """A header and its descriptors; None when the other end is gone."""
    data, fds, _flags, _addr = socket.recv_fds(sock, _HEADER_BYTES, 4)
    if not data:
        for fd in fds:
            os.close(fd)
        return None
    return pickle.loads(data), fds


# -- this process's side ----------------------------------------------------------------------------
class _Helper:
    def __init__(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "monitor.model.helpers", str(child.fileno())],
                pass_fds=[child.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                close_fds=True,
            )
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self.sock = parent
        self.ready = False
        self.alive = True
        self.in_flight = 0  # windows given and not answered, of any load
        self.load = 0  # the current load's number: answers for an older one are dropped
        self.busy = threading.Lock()

    def stop(self) -> None:
        self.alive = False
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.process.wait(timeout=1)

    def receive(self, timeout: float, *, stuck: bool = False) -> tuple[tuple, list[int]] | None:
        """The next message (None: nothing within ``timeout`` s). A helper that is gone, or
        silent for ``timeout`` when ``stuck`` says that means stuck, is stopped (``alive``
        turns False)."""
        if not self.alive:
            return None
        try:
            readable, _, _ = select.select([self.sock], [], [], timeout)
            if not readable:
                if stuck:
                    self.stop()
                return None
            got = _recv(self.sock)
        except (OSError, ValueError, pickle.UnpicklingError, EOFError):
            got = None
        if got is None:
            self.stop()
            return None
        header, fds = got
        if header[0] == "ready":
            self.ready = True
        elif header[0] == "window":
            self.in_flight -= 1
        return header, fds


_helper: _Helper | None = None
_start_lock = threading.Lock()


def start() -> None:
    """Start the helper process (in the background) if there is none."""
    global _helper
    if not available():
        return
    with _start_lock:
        if _helper is not None and _helper.alive:
            return
        try:
            _helper = _Helper()
        except OSError:
            _helper = None


def stop() -> None:
    global _helper
    with _start_lock:
        if _helper is not None:
            _helper.stop()
            _helper = None


atexit.register(stop)


def wait_ready(timeout: float = 10.0) -> bool:
    """Start the helper if needed and wait until it is ready (or ``timeout`` s): for
    measurements and tests; a load does not wait, it uses the helper once it is ready."""
    start()
    h = _helper
    if h is None or not h.busy.acquire(timeout=timeout):
        return False
    try:
        deadline = time.monotonic() + timeout
        while h.alive and not h.ready:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            got = h.receive(min(left, 0.2))
            if got is not None:
                for fd in got[1]:
                    os.close(fd)
        return h.alive and h.ready
    finally:
        h.busy.release()


def helper_pid() -> int | None:
    """The helper's process id (for memory measurements), if it runs."""
    h = _helper
    return h.process.pid if h is not None and h.alive else None


class Session:
    """The helper lent to one load (see :func:`session`)."""

    def __init__(self, helper: _Helper) -> None:
        self.helper = helper
        helper.load += 1
        self.load = helper.load
        self.given: set[int] = set()
        self.early: list[tuple[int, str, Any]] = []  # answers taken by can_take()

    def setup(self, fh: Any, columns: Any) -> None:
        settings = (columns.tz, columns.sources, columns.names, columns.b.sources)
        _send(
            self.helper.sock,
            ("setup", self.load),
            settings,
            [fh.fileno()],
        )

    def can_take(self, queue: int = MAX_IN_FLIGHT) -> bool:
        """Is the helper ready for another window, with fewer than ``queue`` given to it?
        (It may have said it is ready, or answered, meanwhile: answers for this load are
        kept for :meth:`results`.)"""
        h = self.helper
        queue = min(queue, MAX_IN_FLIGHT)
        while h.alive and (not h.ready or h.in_flight >= queue):
            got = h.receive(0)
            if got is None:
                break
            answer = self._answer(got)
            if answer is not None:
                self.early.append(answer)
        return h.alive and h.ready and h.in_flight < queue

    def submit(self, index: int, at: int, length: int) -> None:
        h = self.helper
        try:
            _send(h.sock, ("window", self.load, index, at, length))
        except OSError:
            h.stop()
        else:
            h.in_flight += 1
        self.given.add(index)  # (if the send failed, results() reports it lost)

    def results(self, block: bool) -> list[tuple[int, str, Any]]:
        """Answers for this load's windows: (window, kind, columns or None). ``kind`` is
        "ok", "columnar" / "fallback" (the window is not for the column-wise reader / is
        invalid), or "lost" (failed in the helper, or the helper is gone: read it here).
        ``block``: wait for at least one."""
        out, self.early = self.early, []
        while self.given:
            wait = _WAIT_S if block and not out else 0.0
            got = self.helper.receive(wait, stuck=wait > 0)
            if got is None:
                if not self.helper.alive:
                    out.extend((i, "lost", None) for i in sorted(self.given))
                    self.given.clear()
                break
            answer = self._answer(got)
            if answer is not None:
                out.append(answer)
        return out

    def _answer(self, got: tuple[tuple, list[int]]) -> tuple[int, str, Any] | None:
        """This load's answer for a window, from a message (None for any other message)."""
        header, fds = got
        if header[0] != "window" or header[1] != self.load or header[2] not in self.given:
            for fd in fds:
                os.close(fd)
            return None
        _, _, index, kind = header
        result = None
        if kind == "ok":
            try:
                result = _load_fd(fds[0])
            except Exception:  # anything odd: this process reads the window
                kind = "lost"
        else:
            for fd in fds:
                os.close(fd)
        self.given.discard(index)
        return index, kind, result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            _send(self.helper.sock, ("rest", self.load))  # the load is over: memory back
        self.helper.busy.release()


def session(fh: Any, columns: Any) -> Session | None:
    """The helper for one load of the open file ``fh`` into ``columns`` (the column-wise
    reader's builder), or None: no helper here, or it is lent to another load."""
    if not available():
        return None
    start()
    h = _helper
    if h is None or not h.alive or not h.busy.acquire(blocking=False):
        return None
    s = Session(h)
    try:
        s.setup(fh, columns)
    except (OSError, AttributeError, ValueError, pickle.PicklingError):
        s.close()
        return None
    return s


# -- the helper process ---------------------------------------------------------------------------
class _NoPandas:
    """Keeps pandas out of the helper (pyarrow imports it when it is there: 0.3 s, 40 MB)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("not needed in the helper process")


def _give_back_memory() -> None:
    """Return freed memory to the system (glibc keeps it otherwise): an idle helper stays
    near its size at start instead of its peak."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _serve(sock: socket.socket) -> None:
    import msgspec

    from monitor.model import columnar
    from monitor.model.fast_load import ColumnarFallback, Fallback, _Builder

    _send(sock, ("ready",))
    fd = -1
    load = -1
    builder = None
    while True:
        got = _recv(sock)
        if got is None:
            return
        header, fds = got
        if header[0] == "rest":
            if header[1] == load:
                builder = None
                _give_back_memory()
            continue
        if header[0] == "setup":
            if fd >= 0:
                os.close(fd)
            fd, settings_fd = fds
            tz, sources, names, source_ids = _load_fd(settings_fd)
            b = _Builder(None, None)
            b.tz, b.sources = tz, source_ids
            builder = columnar._ColumnBuilder(b, tz, sources, names)
            load = header[1]
            continue
        _, job_load, index, at, length = header
        for extra in fds:
            os.close(extra)
        if job_load != load or builder is None:
            _send(sock, ("window", job_load, index, "lost"))
            continue
        payload = _NOTHING
        try:
            chunk = bytearray(length + 2)  # "[" + the window's events + "]", read in place
            chunk[0], chunk[-1] = ord("["), ord("]")
            if os.preadv(fd, [memoryview(chunk)[1:-1]], at) != length:
                raise OSError("the file is shorter than it was")
            rows = columnar._EV_LIST.decode(chunk)
            payload = builder.window(rows, chunk)
            del rows, chunk
            kind = "ok"
        except (msgspec.DecodeError, ColumnarFallback):  # (msgspec.ValidationError included)
            kind = "columnar"
        except Fallback:
            kind = "fallback"
        except Exception:  # anything else: this process reads the window instead
            kind = "lost"
        _send(sock, ("window", load, index, kind), payload)


def main(argv: list[str]) -> int:
    sys.meta_path.insert(0, _NoPandas())
    # Below the app's own threads: when the cores are busy, the window's thread wins.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(5)
    sock = socket.socket(fileno=int(argv[0]))
    try:
        _serve(sock)
    except (OSError, EOFError, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
