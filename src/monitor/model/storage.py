"""Where a scenario lives: load, save, journal each change, notice outside changes.

:class:`Storage` is the one small interface the UI uses; :class:`FileStorage` keeps a
scenario in one JSON file (a team store implements the same interface later).

Beside ``scenario.json`` a file storage keeps (never through a symlink, see
:mod:`monitor.model.sidecar`):

* ``.scenario.json.<session>.journal`` — this session's unsaved changes, one fsynced JSON
  line each (:mod:`monitor.model.journal`); another session's journal is never touched
  while that session runs, and a dead session's is offered for recovery;
* ``.scenario.json.lock`` — who has the file open for writing (user, host, pid, since),
  held with ``flock`` for the session's life, so a lock whose owner died is free at once.

The file's identity (size, mtime, inode, SHA-256) is taken from the bytes actually read
(:func:`monitor.model.loader.load_identified`): a file rewritten by another program while
it is read is refused ("changed while being read"), and a file changed after it was read
is never overwritten without consent.
Read-only files and folders are found at open (:attr:`FileStorage.read_only`): nothing is
then overwritten in place.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import hashlib
import json
import os
import socket
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from monitor.model.changelog import ChangeLog
from monitor.model.changes import Change, ChangeError
from monitor.model.entities import Scenario
from monitor.model.errors import LoadCancelled, Problem, ScenarioError
from monitor.model.journal import Journal, JournalError, Recovery, find_recoveries
from monitor.model.loader import load_identified
from monitor.model.sidecar import (
    close_quietly,
    create_exclusive,
    describe_os_error,
    file_read_only,
    folder_read_only,
    open_existing,
    read_all,
    same_file,
    try_flock,
    unlink_if_same,
    write_all,
)
from monitor.model.writer import atomic_write_bytes, scenario_pieces

Progress = Callable[[float, str], None]


class ConflictError(Exception):
    """The file changed on disk since it was loaded or last saved."""


class InUseError(OSError):
    """Save As onto a file that another running session has open for writing."""


@dataclass(frozen=True, slots=True)
class LockInfo:
    pid: int
    host: str
    user: str
    since: str

    def describe(self) -> str:
        who = self.user or "another analyst"
        where = f" on {self.host}" if self.host else ""
        pid = f" (process {self.pid})" if self.pid else ""
        since = f" since {self.since}" if self.since else ""
        return f"{who}{where}{pid}{since}"


class Storage(Protocol):
    """What the UI needs from wherever scenarios are kept."""

    read_only: str | None

    def load(
        self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> Scenario: ...

    def save(self, scenario: Scenario, *, force: bool = False) -> None: ...

    def append_change(self, change: Change) -> None: ...

    def changed_on_disk(self) -> bool: ...

    def pending_recovery(self, scenario: Scenario) -> Recovery | None: ...

    def close(self) -> None: ...


_HASH_BLOCK = 8 << 20
Signature = tuple[int, int, int]  # (inode, size, mtime_ns), as in FileIdentity


def _signature_of(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _sha256_file(path: Path) -> tuple[str, Signature]:
    """SHA-256 of the file and the signature of exactly the file that was hashed."""
    fd = open_existing(path)
    try:
        before = _signature_of(os.fstat(fd))
        h = hashlib.sha256()
        block = bytearray(_HASH_BLOCK)
        view = memoryview(block)
        with os.fdopen(os.dup(fd), "rb", buffering=0) as fh:
            while n := fh.readinto(block):
                h.update(view[:n])
        if _signature_of(os.fstat(fd)) != before:
            raise OSError(errno.EAGAIN, "the file changed while it was being read")
        return h.hexdigest(), before
    finally:
        os.close(fd)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "analyst"


class FileStorage:
    """A scenario kept in one JSON file, with per-session journals and a lock beside it."""

    def __init__(self, path: str | Path, *, user: str | None = None):
        self.path = Path(path).absolute()
        # The lock and the journals sit beside the real file: a window that opened it through
        # a symbolic link sees (and is seen by) one that opened it by its own name.
        self._real_path = Path(os.path.realpath(self.path))
        self._user = user or _user()
        self._base_sha: str | None = None
        self._signature: Signature | None = None
        self._journal = Journal(self._real_path, user=self._user, base_sha256=None)
        self._lock_fd: int | None = None
        self.read_only: str | None = None  # why Save cannot write this file in place
        self.lock_problem: str = ""  # why no lock could be taken (nothing else depends on it)

    # -- identity ------------------------------------------------------------------------
    @property
    def user(self) -> str:
        return self._user

    @user.setter
    def user(self, name: str) -> None:
        self._user = name
        self._journal.user = name

    @property
    def journal_path(self) -> Path:
        return self._journal.path

    @property
    def lock_path(self) -> Path:
        return self._real_path.with_name(f".{self._real_path.name}.lock")

    @property
    def journal_error(self) -> str:
        """Why the last journal write failed ("" when every change is on disk)."""
        return self._journal.error

    @property
    def protected(self) -> bool:
        """Are all unsaved changes in the journal?"""
        return self._journal.protected

    # -- load --------------------------------------------------------------------------------
    def load(
        self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> Scenario:
        """Read and validate the file. ``progress(fraction, message)`` is told how far it
        got; ``cancelled()`` is polled and stops the load with :class:`LoadCancelled`."""

        def stage(fraction: float, message: str) -> None:
            if cancelled is not None and cancelled():
                raise LoadCancelled(str(self.path))
            if progress is not None:
                progress(fraction, message)

        scenario, identity = load_identified(
            self.path, lambda f, msg: stage(0.95 * f, msg) if f < 1.0 else None, cancelled
        )
        stage(0.95, "Checking file identity")
        self._base_sha = identity.sha256
        self._signature = (identity.inode, identity.size, identity.mtime_ns)
        self._journal.base_sha256 = self._base_sha
        self.read_only = file_read_only(self.path)
        self._remove_stale_temp_files()
        stage(1.0, "Loaded")
        return scenario

    def _remove_stale_temp_files(self, older_than_s: float = 3600.0) -> None:
        """Delete temp files left by saves that were killed midway (they never replaced the
        file). Only old ones: a fresh one may belong to a save in progress elsewhere."""
        now = time.time()
        for tmp in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                st = tmp.lstat()
                if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than_s:
                    tmp.unlink()

    # -- outside changes ------------------------------------------------------------------------
    def _disk_signature(self) -> Signature | None:
        try:
            return _signature_of(os.stat(self.path))
        except OSError:
            return None

    def changed_on_disk(self) -> bool:
        """True if the file is no longer the version loaded or last saved by us."""
        if self._signature is None:
            return False
        if self._disk_signature() == self._signature:
            return False
        try:
            return _sha256_file(self.path)[0] != self._base_sha
        except OSError:
            return True

    def adopt_disk_version(self) -> None:
        """Accept the file now on disk as the base (after the user chose to keep theirs)."""
        with contextlib.suppress(OSError):
            self._base_sha, self._signature = _sha256_file(self.path)

    # -- save ------------------------------------------------------------------------------------
    def save(
        self, scenario: Scenario, *, force: bool = False, path: str | Path | None = None
    ) -> None:
        """Write atomically. Refuses (:class:`ConflictError`) to overwrite a version changed on
        disk by someone else unless ``force``; ``path`` = Save As. Any failure raises
        :class:`OSError` with the reason, and the file on disk is then unchanged."""
        target = Path(path).absolute() if path is not None else self.path
        same = target == self.path
        if same:
            if self.read_only:
                raise PermissionError(errno.EACCES, f"{self.read_only}; use Save As to save a copy")
            if not force and self.changed_on_disk():
                raise ConflictError(f"{self.path} was changed on disk since it was opened")
        else:
            real = Path(os.path.realpath(target))
            holder = _live_holder(real.with_name(f".{real.name}.lock"))
            if holder is not None:
                raise InUseError(
                    errno.EBUSY, f"{target.name} is open for writing by {holder.describe()}"
                )
            why = file_read_only(target) if target.exists() else folder_read_only(target.parent)
            if why:
                raise PermissionError(errno.EACCES, why)
        try:
            data = scenario_pieces(scenario)
        except (ValueError, UnicodeError, TypeError) as exc:
            raise OSError(errno.EINVAL, f"the scenario cannot be written as JSON: {exc}") from None
        h = hashlib.sha256()
        for piece in data:
            h.update(piece)
        sha = h.hexdigest()
        if same:
            self._journal.mark_saving(sha)
        atomic_write_bytes(target, data)
        # Written: from here on nothing may report the save as failed.
        if not same:
            self.release_lock()
            self._journal.remove()
            self.path = target
            self._real_path = Path(os.path.realpath(target))
            self._journal = Journal(self._real_path, user=self._user, base_sha256=sha)
        self._base_sha = sha
        self._signature = self._disk_signature()
        self.read_only = file_read_only(self.path)
        self._journal.saved(sha)

    # -- journal ---------------------------------------------------------------------------------
    def append_change(self, change: Change) -> None:
        """Record one applied change; it is on disk when this returns, or
        :class:`JournalError` (an OSError) says why it is not (see :attr:`journal_error`)."""
        self._journal.append(change)

    def append_changes(self, changes: list[Change]) -> None:
        """Record several applied changes with one fsync (as :meth:`append_change`)."""
        self._journal.append_many(changes)

    def discard_journal(self) -> None:
        """Forget this session's unsaved changes (the analyst discarded them)."""
        self._journal.saved(self._base_sha or "")

    def pending_recoveries(self) -> list[Recovery]:
        return find_recoveries(self._real_path, self._base_sha)

    def pending_recovery(self, scenario: Scenario | None = None) -> Recovery | None:
        """The oldest journal left by a session on this file that is no longer running."""
        del scenario
        found = self.pending_recoveries()
        for extra in found[1:]:
            extra.release()
        return found[0] if found else None

    def recover(
        self, scenario: Scenario, recovery: Recovery, log: ChangeLog | None = None
    ) -> list[str]:
        """Replay ``recovery`` onto ``scenario`` without a window: each change validated and
        applied in order, stopping at the first that does not fit; what was applied becomes
        this session's journal and the dead session's journal is deleted. Returns what was
        not recovered (empty: everything)."""
        log = log or ChangeLog(scenario)
        problems = []
        for i, change in enumerate(recovery.changes):
            try:
                if log.apply(change) is not None:
                    self.append_change(change)
            except ChangeError as exc:
                rest = len(recovery.changes) - i
                problems.append(
                    f"change {i + 1} ({change.label or change.entity}) no longer fits: "
                    f"{exc}; {rest} change(s) not recovered"
                )
                break
            except JournalError:
                pass  # applied in memory; :attr:`journal_error` says it is not protected
        if recovery.problem:
            problems.append(f"{recovery.problem}; {recovery.lost} later line(s) not recovered")
        if self.protected:
            recovery.delete()
        else:
            recovery.release()
        return problems

    # -- lock --------------------------------------------------------------------------------------
    def acquire_lock(self) -> LockInfo | None:
        """Take the write lock. Returns the holder if another running session has it (the
        lock is then not taken). A lock that cannot be taken at all (read-only folder, odd
        file at its place, full disk) is not an error: :attr:`lock_problem` says why."""
        if self._lock_fd is not None:
            return None
        self.lock_problem = ""
        info = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "user": self._user,
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ).encode("utf-8")
        for _ in range(3):
            created = False
            try:
                try:
                    fd = create_exclusive(self.lock_path, 0o644)
                    created = True
                except FileExistsError:
                    fd = open_existing(self.lock_path, write=True)
            except OSError as exc:
                self.lock_problem = f"cannot lock {self.lock_path.name}: {describe_os_error(exc)}"
                return None
            try:
                if not try_flock(fd):
                    holder = _read_lock(fd)
                    close_quietly(fd)
                    return holder
                if not same_file(fd, self.lock_path):
                    close_quietly(fd)  # the holder removed it as we opened it: try again
                    continue
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                write_all(fd, info)
            except OSError as exc:
                if created:
                    unlink_if_same(fd, self.lock_path)  # no empty lock left behind
                close_quietly(fd)
                self.lock_problem = f"cannot lock {self.lock_path.name}: {describe_os_error(exc)}"
                return None
            self._lock_fd = fd
            return None
        return None

    def lock_holder(self) -> LockInfo | None:
        """Who else has the file open for writing now (None: nobody running)."""
        if self._lock_fd is not None:
            return None
        return _live_holder(self.lock_path)

    def release_lock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            unlink_if_same(fd, self.lock_path)
            close_quietly(fd)

    def close(self) -> None:
        """End the session: the journal stays only if it holds unsaved changes."""
        if self._journal.unsaved:
            self._journal.close()
        else:
            self._journal.remove()
        self.release_lock()


def _read_lock(fd: int) -> LockInfo:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        d = json.loads(read_all(fd, 1 << 16))
        pid = d.get("pid")
        pid = pid if isinstance(pid, int) and not isinstance(pid, bool) and 0 < pid < 1 << 31 else 0
        return LockInfo(
            pid,
            str(d.get("host", ""))[:200],
            str(d.get("user", ""))[:200],
            str(d.get("since", ""))[:40],
        )
    except (OSError, ValueError, AttributeError, RecursionError):
        return LockInfo(0, "", "", "")


def _live_holder(lock_path: Path) -> LockInfo | None:
    """The running session holding ``lock_path`` (None if nobody holds it)."""
    try:
        fd = open_existing(lock_path)
    except OSError:
        return None
    try:
        if try_flock(fd):
            return None
        return _read_lock(fd)
    finally:
        close_quietly(fd)


def load_with_storage(path: str | Path) -> tuple[Scenario, FileStorage]:
    storage = FileStorage(path)
    return storage.load(), storage


__all__ = [
    "ConflictError",
    "FileStorage",
    "InUseError",
    "JournalError",
    "LoadCancelled",
    "LockInfo",
    "Problem",
    "Recovery",
    "ScenarioError",
    "Storage",
    "load_with_storage",
]
