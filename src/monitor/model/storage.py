"""Where a scenario lives: load, save, append a change, notice outside changes.

:class:`FileStorage` is the single-file implementation. The UI only talks to
this interface, so a shared store for a team can replace it later.

Beside ``scenario.json`` it keeps:

* ``.scenario.json.journal`` — every unsaved change, one JSON line each,
  flushed and fsynced as it happens; after a crash the session is rebuilt by
  replaying it on the file it was based on (identified by a SHA-256).
* ``.scenario.json.lock`` — who has the file open for writing (pid, host,
  user, time); a lock whose process is gone is stale and taken over.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import socket
import stat
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable
from typing import Any, Protocol

from monitor.model.changes import Change, ChangeError, apply_change
from monitor.model.entities import Scenario
from monitor.model.errors import Problem, ScenarioError
from monitor.model.io import (
    LoadCancelled,
    atomic_write_bytes,
    dumps_scenario,
    load_scenario,
)

JOURNAL_VERSION = 1


class ConflictError(Exception):
    """The file changed on disk since it was loaded or last saved."""


@dataclass(frozen=True, slots=True)
class Recovery:
    """Unsaved changes found in a journal left by an earlier session."""

    changes: list[Change]
    base_matches: bool  # the file on disk is the one the changes were made on
    started: str  # when the earlier session began (ISO text)
    by: str
    skipped_lines: int = 0


@dataclass(frozen=True, slots=True)
class LockInfo:
    pid: int
    host: str
    user: str
    since: str

    def describe(self) -> str:
        return f"{self.user} on {self.host} (process {self.pid}) since {self.since}"


class Storage(Protocol):
    """What the UI needs from wherever scenarios are kept."""

    def load(self) -> Scenario: ...

    def save(self, scenario: Scenario, *, force: bool = False) -> None: ...

    def append_change(self, change: Change) -> None: ...

    def changed_on_disk(self) -> bool: ...


_HASH_BLOCK = 8 << 20


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class FileStorage:
    """A scenario kept in one JSON file, with a journal and a lock beside it."""

    def __init__(self, path: str | Path, *, user: str | None = None):
        self.path = Path(path).absolute()
        self.user = user or _user()
        self._base_sha: str | None = None
        self._signature: tuple[int, int] | None = None
        self._journal: Any = None
        self._seq = 0
        self._lock_held = False

    # -- side files ---------------------------------------------------------------
    @property
    def journal_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.journal")

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    # -- load / save ---------------------------------------------------------------
    def load(
        self,
        progress: Callable[[float, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Scenario:
        """Read and validate the file. ``progress(fraction, message)`` is told how far it
        got; ``cancelled()`` is polled between stages and stops with :class:`LoadCancelled`."""

        def stage(fraction: float, message: str) -> None:
            if cancelled is not None and cancelled():
                raise LoadCancelled(str(self.path))
            if progress is not None:
                progress(fraction, message)

        # The file's identity (for "changed on disk?") is hashed in a second thread while the
        # file is parsed: hashlib lets go of the GIL, so on two cores it costs no time.
        digest: dict[str, str | BaseException] = {}
        stop = threading.Event()
        hasher = threading.Thread(
            target=self._hash_into, args=(digest, stop), name="monitor-hash", daemon=True
        )
        hasher.start()
        try:
            # load_scenario polls ``cancelled`` every few thousand events, not only between stages.
            scenario = load_scenario(
                self.path, lambda f, msg: stage(0.95 * f, msg) if f < 1.0 else None, cancelled
            )
            stage(0.95, "Checking file identity")
        except BaseException:
            stop.set()  # a refused or cancelled load: the hash is not wanted (the thread stops soon)
            raise
        hasher.join()
        sha = digest.get("sha")
        if not isinstance(sha, str):
            raise ScenarioError(self.path, [Problem("", f"cannot read the file: {sha}")], unreadable=True)
        self._base_sha = sha
        self._signature = self._disk_signature()
        self._remove_stale_temp_files()
        stage(1.0, "Loaded")
        return scenario

    def _hash_into(self, out: dict, stop: threading.Event) -> None:
        """SHA-256 of the file into ``out["sha"]`` (or the error), in chunks (no second copy of
        a big file in memory); only a regular file (a FIFO would block), until ``stop``."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    out["sha"] = OSError("not a regular file")
                    return
                # Big blocks into one buffer: each block is a moment this thread needs the GIL
                # back, which slows the parsing thread; eight per 64 MB is next to nothing.
                h = hashlib.sha256()
                block = bytearray(_HASH_BLOCK)
                view = memoryview(block)
                while not stop.is_set() and (n := fh.readinto(block)):
                    h.update(view[:n])
                out["sha"] = h.hexdigest()
        except OSError as exc:
            out["sha"] = exc

    def _remove_stale_temp_files(self, older_than_s: float = 3600.0) -> None:
        """Delete temp files left by saves that were killed midway (they never replaced the
        file). Only old ones: a fresh one may belong to a save in progress elsewhere."""
        now = time.time()
        for tmp in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            try:
                if now - tmp.stat().st_mtime > older_than_s:
                    tmp.unlink()
            except OSError:
                pass

    def _disk_signature(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def changed_on_disk(self) -> bool:
        """True if the file is no longer the version loaded or last saved by us."""
        if self._signature is None:
            return False
        sig = self._disk_signature()
        if sig == self._signature:
            return False
        try:
            return _sha256(self.path.read_bytes()) != self._base_sha
        except OSError:
            return True

    def save(self, scenario: Scenario, *, force: bool = False, path: str | Path | None = None) -> None:
        """Write atomically. Refuses (:class:`ConflictError`) to overwrite a version
        changed on disk by someone else unless ``force``. ``path`` = Save As."""
        target = Path(path).absolute() if path is not None else self.path
        if target == self.path and not force and self.changed_on_disk():
            raise ConflictError(f"{self.path} was changed on disk since it was opened")
        data = dumps_scenario(scenario).encode("utf-8")
        sha = _sha256(data)
        if target == self.path and self._journal is not None:
            # Stopped between the rename and the journal's removal, the journal must not
            # replay changes the file already holds (twice): say what is being written.
            self._journal.write(json.dumps({"saving_sha256": sha}) + "\n")
            self._journal.flush()
            os.fsync(self._journal.fileno())
        atomic_write_bytes(target, data)
        if target != self.path:
            self.close()
            self.path = target
        self._base_sha = sha
        self._signature = self._disk_signature()
        self._restart_journal()

    def adopt_disk_version(self) -> None:
        """Accept the file now on disk as the base (after the user chose to keep theirs)."""
        try:
            self._base_sha = _sha256(self.path.read_bytes())
        except OSError:
            return
        self._signature = self._disk_signature()

    # -- journal ---------------------------------------------------------------------
    def _open_journal(self) -> None:
        if self._journal is not None:
            return
        fh = open(self.journal_path, "w", encoding="utf-8")  # noqa: SIM115 - kept open for the session
        header = {
            "journal": JOURNAL_VERSION,
            "file": self.path.name,
            "base_sha256": self._base_sha,
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "by": self.user,
            "pid": os.getpid(),
        }
        fh.write(json.dumps(header, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
        self._journal = fh
        self._seq = 0

    def append_change(self, change: Change) -> None:
        """Record one applied change; it is on disk when this returns."""
        self._open_journal()
        self._seq += 1
        line = json.dumps({"seq": self._seq, "change": change.to_json()}, ensure_ascii=False)
        self._journal.write(line + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())

    def _restart_journal(self) -> None:
        self.discard_journal()

    def discard_journal(self) -> None:
        """Forget unsaved changes (after a save, or when the user discards them)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        with contextlib.suppress(FileNotFoundError):
            self.journal_path.unlink()

    def pending_recovery(self, scenario: Scenario) -> Recovery | None:
        """Unsaved changes left by a session that did not end cleanly, if any."""
        if self._journal is not None:
            return None
        try:
            raw = self.journal_path.read_bytes()
        except OSError:
            return None
        # Split on b"\n" only: str.splitlines() also breaks at U+2028, U+2029 and U+0085,
        # which json.dumps(ensure_ascii=False) writes raw inside a note, and the change
        # was then lost. Lines are decoded one by one (json.loads takes UTF-8 bytes), so
        # a last line cut inside a multi-byte character by a crash loses only itself.
        lines = [line for line in raw.split(b"\n") if line.strip()]
        if not lines:
            return None
        try:
            header = json.loads(lines[0])
        except ValueError:
            return None
        if not isinstance(header, dict) or header.get("journal") != JOURNAL_VERSION:
            return None
        changes: list[Change] = []
        skipped = 0
        saved = False
        for line in lines[1:]:
            try:
                entry = json.loads(line)
                if isinstance(entry, dict) and "saving_sha256" in entry:
                    if entry["saving_sha256"] == self._base_sha:
                        # The save finished (the file is what it wrote): the changes
                        # so far are in the file; the session died before the cleanup.
                        changes, skipped, saved = [], 0, True
                    continue
                changes.append(Change.from_json(entry["change"], scenario.tz))
            except (ValueError, KeyError, TypeError, ChangeError):
                skipped += 1  # a line cut short by the crash, or damaged
        if not changes:
            return None
        return Recovery(
            changes=changes,
            base_matches=saved or header.get("base_sha256") == self._base_sha,
            started=str(header.get("started", "")),
            by=str(header.get("by", "")),
            skipped_lines=skipped,
        )

    def recover(self, scenario: Scenario, recovery: Recovery) -> list[str]:
        """Replay ``recovery`` onto ``scenario`` and re-journal it; returns problems (changes that
        no longer fit and were skipped)."""
        problems = []
        applied = []
        for i, change in enumerate(recovery.changes):
            try:
                apply_change(scenario, change)
                applied.append(change)
            except ChangeError as exc:
                problems.append(f"change {i + 1} ({change.label}): {exc}")
        # The old journal is replaced by one holding exactly what was applied.
        old = self.journal_path.with_suffix(".journal.recovered")
        with contextlib.suppress(OSError):
            os.replace(self.journal_path, old)
        for change in applied:
            self.append_change(change)
        with contextlib.suppress(OSError):
            old.unlink()
        return problems

    # -- lock ---------------------------------------------------------------------------
    def acquire_lock(self) -> LockInfo | None:
        """Take the write lock. Returns the other holder's info if someone live holds it
        (the lock is then not taken); stale locks are taken over."""
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": self.user,
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self.lock_holder()
                if holder is not None and not self._is_stale(holder):
                    if holder.pid == os.getpid() and holder.host == info["host"]:
                        self._lock_held = True
                        return None
                    return holder
                with contextlib.suppress(FileNotFoundError):
                    self.lock_path.unlink()
                continue
            except OSError:
                return None  # read-only folder: nothing to lock against
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(info, fh)
            self._lock_held = True
            return None
        return None

    def lock_holder(self) -> LockInfo | None:
        try:
            d = json.loads(self.lock_path.read_text(encoding="utf-8"))
            return LockInfo(int(d["pid"]), str(d["host"]), str(d["user"]), str(d["since"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @staticmethod
    def _is_stale(holder: LockInfo) -> bool:
        if holder.host != socket.gethostname():
            return False  # cannot check another machine's processes: trust it
        return not _pid_alive(holder.pid)

    def release_lock(self) -> None:
        if self._lock_held:
            holder = self.lock_holder()
            if holder is not None and holder.pid == os.getpid():
                with contextlib.suppress(FileNotFoundError):
                    self.lock_path.unlink()
            self._lock_held = False

    def close(self) -> None:
        """End the session cleanly: the journal stays only if changes were never saved."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self.release_lock()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "analyst"


def load_with_storage(path: str | Path) -> tuple[Scenario, FileStorage]:
    storage = FileStorage(path)
    return storage.load(), storage


__all__ = [
    "ConflictError",
    "FileStorage",
    "LoadCancelled",
    "LockInfo",
    "Problem",
    "Recovery",
    "ScenarioError",
    "Storage",
    "load_with_storage",
]
