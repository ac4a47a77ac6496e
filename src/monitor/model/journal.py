"""Each session's journal of unsaved changes, and recovery of the journals of dead sessions.

A session journals to ``.NAME.json.<session>.journal``, a file of its own: created with
``O_EXCL | O_NOFOLLOW``, ``flock``-ed for the whole session (so no other session treats it
as abandoned, offers to recover it or deletes it while its owner lives), one JSON line per
change, each fsynced before the edit counts as protected.

The journal on disk always holds a *prefix* of the session's unsaved changes, in order:
when a write fails (a full disk), the partial line is cut off and later changes are not
appended after the gap (that would recover a state that never existed): the next write
puts every change not yet on disk, in order, behind the last one that is, and protection
is back only when that succeeds.

Recovery (:func:`find_recoveries`) reads only journals whose owner is gone (their lock can
be taken), and stops at the first line it cannot use, saying which line and why.

Pure Python, no Qt.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.model.batch import take_json
from monitor.model.changelog import legacy_change
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

JOURNAL_VERSION = 2
LEGACY_VERSION = 1


def journal_glob(scenario_path: Path) -> str:
    return f".{scenario_path.name}.*.journal"


class JournalError(OSError):
    """Writing the journal failed: the changes since are not protected."""


class Journal:
    """The running session's own journal (created on its first change)."""

    def __init__(self, scenario_path: Path, *, user: str, base_sha256: str | None):
        self.scenario_path = scenario_path
        self.session = uuid.uuid4().hex[:12]
        self.user = user
        self.base_sha256 = base_sha256
        self.path = scenario_path.with_name(f".{scenario_path.name}.{self.session}.journal")
        self._fd: int | None = None
        self._good = 0  # bytes on disk that are whole, fsynced lines
        self._unsaved: list[Change] = []
        self._written = 0  # how many of the unsaved changes those lines hold
        self.error: str = ""  # the last write failure, until a write works again

    @property
    def protected(self) -> bool:
        """Are all unsaved changes on disk?"""
        return not self.error

    @property
    def unsaved(self) -> list[Change]:
        return list(self._unsaved)

    # -- writing -------------------------------------------------------------------------
    def _header(self) -> bytes:
        header = {
            "journal": JOURNAL_VERSION,
            "file": self.scenario_path.name,
            "base_sha256": self.base_sha256,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "by": self.user,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "session": self.session,
        }
        return (json.dumps(header, ensure_ascii=False) + "\n").encode("utf-8")

    @staticmethod
    def _line(change: Change) -> bytes:
        return (json.dumps({"change": change.to_json()}, ensure_ascii=False) + "\n").encode("utf-8")

    def _open(self) -> None:
        if self._fd is not None:
            return
        fd = create_exclusive(self.path)
        try:
            if not try_flock(fd):  # a brand-new file of ours: cannot happen but be sure
                raise OSError("the journal is locked by another process")
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            raise
        self._fd = fd
        self._good = 0
        self._written = 0

    def _write_at_end(self, data: bytes | list[bytes]) -> None:
        """Append ``data`` (or these pieces of it, in order) after the whole lines already on
        disk, fsynced; on failure cut off whatever part got out (so the file stays whole
        lines)."""
        assert self._fd is not None
        fd = self._fd
        os.lseek(fd, self._good, os.SEEK_SET)
        try:
            if isinstance(data, bytes):
                write_all(fd, data)
            else:
                _write_pieces(fd, data)
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._good)
            raise
        self._good += len(data) if isinstance(data, bytes) else sum(map(len, data))

    def append(self, change: Change) -> None:
        """Record one applied change; on return it is on disk, or :class:`JournalError`
        says why not. After a failure the change still counts as unsaved: the next call
        writes every change not yet on disk, in order, behind the last one that is (what
        the file holds is always the first N changes, never a later one after a gap)."""
        self._unsaved.append(change)
        try:
            self._open()
            data = b"" if self._good else self._header()
            data += b"".join(self._line(c) for c in self._unsaved[self._written :])
            self._write_at_end(data)
        except OSError as exc:
            self.error = describe_os_error(exc)
            raise JournalError(exc.errno or 0, self.error) from None
        self._written = len(self._unsaved)
        self.error = ""

    def append_many(self, changes: list[Change]) -> None:
        """Record several applied changes (an import) with one write and one fsync; on
        failure as :meth:`append` (they all count as unsaved, written by the next call)."""
        if not changes:
            return
        start = len(self._unsaved)
        self._unsaved.extend(changes)
        try:
            self._open()
            data = b"" if self._good else self._header()
            data += b"".join(self._line(c) for c in self._unsaved[self._written : start])
            self._write_at_end([data, *batch_lines(changes)])
        except OSError as exc:
            self.error = describe_os_error(exc)
            raise JournalError(exc.errno or 0, self.error) from None
        self._written = len(self._unsaved)
        self.error = ""

    def mark_saving(self, sha256: str) -> None:
        """Say which file content a save is about to write (a crash between the rename and
        the journal's removal then replays nothing twice)."""
        if self._fd is None or self.error:
            return
        line = (json.dumps({"saving_sha256": sha256}) + "\n").encode("utf-8")
        with contextlib.suppress(OSError):
            self._write_at_end(line)

    def saved(self, base_sha256: str) -> None:
        """All changes are in the file now: start again with none."""
        self._unsaved.clear()
        self._written = 0
        self.base_sha256 = base_sha256
        self.error = ""
        self.remove()

    def remove(self) -> None:
        """Delete this session's journal (only the file this session created)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            unlink_if_same(fd, self.path)
            close_quietly(fd)
        self._good = 0
        self._written = 0

    def close(self) -> None:
        """End the session; the journal stays on disk (it holds unsaved changes)."""
        close_quietly(self._fd)
        self._fd = None


def batch_lines(changes: list[Change]) -> list[bytes]:
    """The journal lines of ``changes``, in pieces to be written one after the other: each
    line is the change's JSON as msgspec encodes ``{"change": change.to_json()}`` (valid JSON
    as json.dumps writes it, several times faster); a new event's value is the text its
    batch's check made (:func:`~monitor.model.batch.take_json`), not encoded again."""
    import msgspec

    encode = msgspec.json.Encoder().encode
    pieces: list[bytes] = []
    for c, after in zip(changes, take_json(changes), strict=True):
        if after is None:
            pieces.append(encode({"change": c.to_json()}) + b"\n")
            continue
        # {"change":{"id":..,"before":..,"after":<kept>,"label":..[,"reverts":..][,"place":..]}}
        head = {"id": c.id, "author": c.author, "recorded": c.recorded,
                "entity": c.entity, "key": c.key, "before": c.before}
        tail: dict[str, Any] = {"label": c.label}
        if c.reverts is not None:
            tail["reverts"] = c.reverts
        if c.place is not None:
            tail["place"] = c.place
        pieces += (b'{"change":' + encode(head)[:-1] + b',"after":', after,
                   b"," + encode(tail)[1:] + b"}\n")
    return pieces


def _write_pieces(fd: int, pieces: list[bytes]) -> None:
    """Write ``pieces`` one after the other (a few hundred system calls for 100k lines, and no
    copy of them all joined first)."""
    views: list[bytes | memoryview] = [p for p in pieces if p]
    i = 0
    while i < len(views):
        n = os.writev(fd, views[i : i + 1024])
        while n and n >= len(views[i]):
            n -= len(views[i])
            i += 1
        if n:  # (a part of this piece got out: the rest of it next)
            views[i] = memoryview(views[i])[n:]


# -- recovery --------------------------------------------------------------------------------
@dataclass
class Recovery:
    """Unsaved changes found in the journal of a session that is no longer running.

    ``changes``: the usable lines, in order, up to the first that is not; ``problem`` says
    which line stopped the reading and why ("" if every line was read); ``lost``: how many
    lines after it are not recovered. The journal stays locked (no other session can take
    it) until :meth:`release` or :meth:`delete`."""

    path: Path
    changes: list[Change]
    base_matches: bool  # the file on disk is the one the changes were made on
    started: str
    by: str
    problem: str = ""
    lost: int = 0
    already_saved: int = 0
    cut_short: bool = False  # the last line was being written when the session stopped
    _fd: int | None = field(default=None, repr=False)

    @property
    def skipped_lines(self) -> int:
        return self.lost + (1 if self.problem else 0) + (1 if self.cut_short else 0)

    def describe_loss(self) -> str:
        """What could not be read (a change being written as the session stopped was never
        confirmed as saved, so it is mentioned, not counted as lost)."""
        parts = []
        if self.problem:
            more = f"; {self.lost} later line(s) not recovered" if self.lost else ""
            parts.append(f"{self.problem}{more}")
        if self.cut_short:
            parts.append("the change being written when the session stopped was incomplete")
        return "; ".join(parts)

    def release(self) -> None:
        close_quietly(self._fd)
        self._fd = None

    def delete(self) -> None:
        if self._fd is not None:
            unlink_if_same(self._fd, self.path)
        self.release()


def _parse(raw: bytes, base_sha256: str | None) -> tuple[dict, list[Change], str, int, int, bool]:
    """(header, changes, problem, lost lines, changes already saved, last line cut short)
    of a journal's bytes."""
    # Split on b"\n" only (not str.splitlines: U+2028 in a note is not a line end).
    parts = raw.split(b"\n")
    complete = raw.endswith(b"\n")
    lines = [(i + 1, p) for i, p in enumerate(parts) if p.strip()]
    if not lines:
        raise ValueError("empty journal")
    try:
        header = json.loads(lines[0][1])
    except (ValueError, RecursionError):
        raise ValueError("no journal header") from None
    if not isinstance(header, dict) or header.get("journal") not in (
        JOURNAL_VERSION,
        LEGACY_VERSION,
    ):
        raise ValueError("not a journal of this app")
    legacy = header.get("journal") == LEGACY_VERSION
    changes: list[Change] = []
    problem = ""
    lost = 0
    saved = 0
    cut = False
    body = lines[1:]
    for n, (number, text) in enumerate(body):
        last = n == len(body) - 1
        try:
            entry = json.loads(text)
            if isinstance(entry, dict) and "saving_sha256" in entry and len(entry) == 1:
                if entry["saving_sha256"] == base_sha256:
                    saved += len(changes)  # the save finished: those are in the file
                    changes = []
                continue
            if not isinstance(entry, dict) or "change" not in entry:
                raise ChangeError("not a change line")
            if legacy:
                seq = entry.get("seq")
                change_id = str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"{header.get('started')}/{seq}/{text!r}")
                )
                changes.append(legacy_change(entry["change"], change_id))
            else:
                changes.append(Change.from_json(entry["change"]))
        except (ValueError, RecursionError, TypeError, KeyError) as exc:
            if last and not complete:
                cut = True
            else:
                reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                problem = f"line {number} cannot be used ({reason})"
            lost = len(body) - n - 1
            break
    return header, changes, problem, lost, saved, cut


def find_recoveries(scenario_path: Path, base_sha256: str | None) -> list[Recovery]:
    """Journals of sessions on this file that are no longer running, oldest first.

    A journal whose owner still runs (its lock is held) is never read, offered or touched;
    neither is a symlink or anything that is not a regular file."""
    names = sorted(scenario_path.parent.glob(journal_glob(scenario_path)))
    legacy = scenario_path.with_name(f".{scenario_path.name}.journal")
    if legacy.exists() or legacy.is_symlink():
        names.append(legacy)
    found = []
    for path in names:
        try:
            fd = open_existing(path)
        except OSError:
            continue
        try:
            if not try_flock(fd):
                os.close(fd)
                continue  # a live session's journal
            raw = read_all(fd)
            header, changes, problem, lost, saved, cut = _parse(raw, base_sha256)
        except (OSError, ValueError):
            close_quietly(fd)
            continue
        if not changes:
            # Nothing usable: everything was saved, or no change was made (a cut-short
            # first change was never confirmed: nothing is lost): an abandoned file.
            if not problem:
                unlink_if_same(fd, path)
            close_quietly(fd)  # (a journal whose first change is unusable stays for a look)
            continue
        found.append(
            Recovery(
                path=path,
                changes=changes,
                base_matches=saved > 0 or header.get("base_sha256") == base_sha256,
                started=str(header.get("started", "")),
                by=str(header.get("by", "")),
                problem=problem,
                lost=lost,
                already_saved=saved,
                cut_short=cut,
                _fd=fd,
            )
        )
    found.sort(key=lambda r: r.started)
    return found
