"""The outbox: changes made on a team store that the server has not acknowledged yet.

While the server cannot be reached (or a write to it failed half-way), each change is
appended to a local file, one fsynced JSON line, before :meth:`Outbox.add` returns: what
the analyst was told is kept survives a crash of the app or of the machine. When the server
is back the changes are sent in order; the server keeps each change id once (``ON CONFLICT
DO NOTHING``), so a change sent again after a crash between the server's commit and the
"done" line here is not stored twice.

One file per app session, ``<folder>/<session>.outbox``, ``flock``-ed for the session's life;
the folder is per store (its ``store_id``). A file whose lock is free belongs to a session
that died: the next session on that store sends what it holds and deletes it.

Lines: a header ``{"outbox": 1, "store_id", "origin", "user", "started"}``, then
``{"change": {...}, "based_on": n}`` per change and ``{"done": [ids]}`` once sent.

Pure Python, no Qt.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from monitor.model.changes import Change, ChangeError
from monitor.model.sidecar import (
    close_quietly,
    create_exclusive,
    describe_os_error,
    open_existing,
    read_all,
    try_flock,
    unlink_if_same,
    write_all,
)

OUTBOX_VERSION = 1


def default_folder(store_id: str) -> Path:
    """Where a store's outboxes are kept: ``$XDG_DATA_HOME/monitor/outbox/<store_id>``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "monitor" / "outbox" / store_id


@dataclass(frozen=True, slots=True)
class Pending:
    """A change waiting to be sent, with the last sequence number its session had seen."""

    change: Change
    based_on: int | None
    origin: str


class Outbox:
    """This session's outbox (the file is created with the first change it holds)."""

    def __init__(self, folder: Path, *, origin: str, store_id: str, user: str):
        self.folder = folder
        self.origin = origin
        self.store_id = store_id
        self.user = user
        self.path = folder / f"{origin}.outbox"
        self._fd: int | None = None
        self._size = 0
        self._pending: list[Pending] = []
        self.error = ""  # why the last write failed ("" when every change is on disk)

    @property
    def pending(self) -> list[Pending]:
        return list(self._pending)

    def __len__(self) -> int:
        return len(self._pending)

    def _open(self) -> None:
        if self._fd is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = create_exclusive(self.path)
        if not try_flock(fd):
            close_quietly(fd)
            raise OSError("the outbox is locked by another process")
        self._fd = fd
        self._size = 0
        header = {
            "outbox": OUTBOX_VERSION,
            "store_id": self.store_id,
            "origin": self.origin,
            "user": self.user,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._write(header)

    def _write(self, *objects: object) -> None:
        assert self._fd is not None
        data = b"".join((json.dumps(o, ensure_ascii=False) + "\n").encode("utf-8") for o in objects)
        os.lseek(self._fd, self._size, os.SEEK_SET)
        try:
            write_all(self._fd, data)
            os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise
        self._size += len(data)

    def add(self, change: Change, based_on: int | None) -> None:
        """Keep ``change`` until it is sent: on disk when this returns, or OSError."""
        try:
            self._open()
            self._write({"change": change.to_json(), "based_on": based_on})
        except OSError as exc:
            self.error = describe_os_error(exc)
            raise
        self.error = ""
        self._pending.append(Pending(change, based_on, self.origin))

    def done(self, ids: list[str]) -> None:
        """The server has these changes: forget them (the file goes once it holds none)."""
        if not ids:
            return
        gone = set(ids)
        self._pending = [p for p in self._pending if p.change.id not in gone]
        if not self._pending:
            self.remove()
            return
        with contextlib.suppress(OSError):  # a missing "done" only means a harmless re-send
            self._write({"done": ids})

    def reject(self, items: list[Pending], reason: str) -> None:
        """The server refuses these changes for good: keep them, with the reason, in
        ``<session>.rejected`` beside the outbox (for a look), and stop sending them."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.folder / f"{self.origin}.rejected"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        try:
            lines = [
                json.dumps({"change": p.change.to_json(), "reason": reason}, ensure_ascii=False)
                for p in items
            ]
            write_all(fd, ("\n".join(lines) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self.done([p.change.id for p in items if p in self._pending])

    def remove(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            unlink_if_same(fd, self.path)
            close_quietly(fd)
        self._size = 0

    def close(self) -> None:
        """End the session; a file still holding changes stays for the next session."""
        if not self._pending:
            self.remove()
        else:
            close_quietly(self._fd)
            self._fd = None


@dataclass
class Orphan:
    """The outbox of a session that is no longer running (its lock is held by us now)."""

    path: Path
    pending: list[Pending]
    problem: str
    fd: int

    def delete(self) -> None:
        unlink_if_same(self.fd, self.path)
        self.release()

    def release(self) -> None:
        close_quietly(self.fd)
        self.fd = -1


def _parse(raw: bytes) -> tuple[list[Pending], str]:
    lines = raw.split(b"\n")
    pending: dict[str, Pending] = {}
    origin = ""
    problem = ""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if n == 1:
                origin = str(obj.get("origin", ""))
                continue
            if "done" in obj:
                for i in obj["done"]:
                    pending.pop(i, None)
                continue
            change = Change.from_json(obj["change"])
            based_on = obj.get("based_on")
            based_on = based_on if isinstance(based_on, int) else None
            pending.setdefault(change.id, Pending(change, based_on, origin))
        except (ValueError, KeyError, TypeError, AttributeError, ChangeError) as exc:
            # (a line cut short by a crash is the last one: nothing after it was acknowledged)
            problem = f"line {n}: {exc}"
            break
    return list(pending.values()), problem


def find_orphans(folder: Path, own: Path | None = None) -> list[Orphan]:
    """Outboxes in ``folder`` whose session is gone, oldest first (each locked by us)."""
    found: list[tuple[float, Orphan]] = []
    if not folder.is_dir():
        return []
    for path in sorted(folder.glob("*.outbox")):
        if own is not None and path == own:
            continue
        try:
            fd = open_existing(path)
        except OSError:
            continue
        try:
            if not try_flock(fd):
                close_quietly(fd)
                continue
            raw = read_all(fd)
            mtime = os.fstat(fd).st_mtime
        except OSError:
            close_quietly(fd)
            continue
        pending, problem = _parse(raw)
        found.append((mtime, Orphan(path, pending, problem, fd)))
    found.sort(key=lambda t: t[0])
    return [o for _, o in found]


__all__ = ["Orphan", "Outbox", "Pending", "default_folder", "find_orphans"]
