"""A scenario kept in a PostgreSQL team store: :class:`TeamStore`.

The same interface as :class:`monitor.model.storage.FileStorage` as far as an editing
session needs it (``load``, ``append_change``, ``user``, ``read_only``, ``protected``,
``journal_error``, ``close``, and harmless answers to the file-only questions: no lock, no
outside change on disk, nothing to recover, ``save`` has nothing to do), plus what a live
team view needs:

* :meth:`TeamStore.fetch_since` / :meth:`entries_since` — the log after a sequence number,
  in commit order (catch-up after a notification, a reconnect or a long pause);
* :meth:`socket` / :meth:`notifies` — a LISTEN connection's descriptor for a
  ``QSocketNotifier`` and the sequence numbers announced since the last call (no wait);
* the **outbox** — changes made while the server is unreachable are kept in a local file
  (:mod:`monitor.store.outbox`) and sent, once, by :meth:`reconnect`;
* :attr:`online`, :meth:`reconnect` (with back-off: :attr:`retry_in`), :attr:`pending`.

The state shown is derived from the base and the log by the change log's own rules
(:class:`monitor.model.changelog.ChangeLog` in merge mode, changes in sequence order): a
change that no longer fits is skipped (:attr:`skipped`). Passwords never leave this module:
errors and :attr:`display` go through :func:`monitor.store.dsn.scrub`.

Pure Python (psycopg 3), no Qt.
"""

from __future__ import annotations

import contextlib
import getpass
import select
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from monitor.model.changelog import ChangeLog
from monitor.model.changes import Change, ChangeError, check_shape
from monitor.model.entities import Scenario
from monitor.model.errors import LoadCancelled, ScenarioError
from monitor.model.journal import JournalError
from monitor.store import schema
from monitor.store.base import decode_base
from monitor.store.connection import (
    INSERT_SQL,
    SELECT_SQL,
    LogEntry,
    StoreError,
    StoreOffline,
    body_of,
    connect,
    connection_error,
    row_entry,
)
from monitor.store.dsn import display_dsn
from monitor.store.filelike import FileLikeAnswers
from monitor.store.outbox import Outbox, Pending, default_folder, find_orphans
from monitor.store.snapshots import SNAPSHOT_AFTER, may_write, write_snapshot

Progress = Callable[[float, str], None]
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
WRITE_TIMEOUT_MS = 15000
_S = schema.SCHEMA


class TeamStore(FileLikeAnswers):
    """A scenario in a PostgreSQL team store (see the module docstring).

    ``dsn``: a ``postgresql://`` URL or a libpq ``key=value`` string (``service=team``).
    ``outbox_folder``: where unsent changes are kept (default: per store, under
    ``$XDG_DATA_HOME/monitor/outbox``). Nothing is connected before :meth:`load`."""

    #: The storage kind, for the window (a file storage has a ``path`` instead).
    kind = "team"

    def __init__(self, dsn: str, *, outbox_folder: str | Path | None = None):
        self._dsn = dsn
        self.display = display_dsn(dsn)
        self._outbox_folder = Path(outbox_folder) if outbox_folder is not None else None
        self.origin = uuid.uuid4().hex
        self._conn: psycopg.Connection | None = None
        self._listen: psycopg.Connection | None = None
        self._outbox: Outbox | None = None
        self._user = ""
        self.store_id = ""
        self.version = 0
        self.read_only: str | None = None
        self._reader = False  # the role could not write when the store was opened
        self.refusal = ""  # why the server refused the last change for good ("" if none)
        self.online = False
        self.offline_reason = ""  # why the server is unreachable ("" while online)
        #: The highest sequence number such that every change up to it is in the view.
        self.last_seq = 0
        self.skipped: list[tuple[int, str]] = []  # (seq, reason) of log rows that did not fit
        self.concurrent: set[str] = set()  # ids of changes flagged concurrent by the server
        self.changelog: ChangeLog | None = None  # the log the loaded scenario was derived by
        self.snapshot_seq = 0  # the snapshot the scenario was read from (0: the base)
        self.lock_problem = ""
        self.write_timeout_ms = WRITE_TIMEOUT_MS  # a write waiting longer: offline, outbox
        self._failures = 0
        self._next_try = 0.0
        self._closed = False

    def __repr__(self) -> str:
        state = "online" if self.online else "offline"
        return f"<TeamStore {self.display} {state} seq={self.last_seq}>"

    # -- identity ---------------------------------------------------------------------------
    @property
    def user(self) -> str:
        """The role changes are recorded under (the server's ``session_user``)."""
        return self._user or _dsn_user(self._dsn)

    @user.setter
    def user(self, name: str) -> None:
        """Ignored: the server decides who the author is (the login role)."""
        del name

    @property
    def name(self) -> str:
        return self.display

    @property
    def protected(self) -> bool:
        """Is every change either on the server or in the outbox on disk?"""
        return not self.journal_error

    @property
    def journal_error(self) -> str:
        """Why a change is neither on the server nor on disk ("" normally)."""
        if self._outbox is not None and self._outbox.error:
            return self._outbox.error
        return self.refusal

    @property
    def pending(self) -> int:
        """Changes waiting in the outbox (made offline, not yet on the server)."""
        return len(self._outbox) if self._outbox is not None else 0

    @property
    def pending_changes(self) -> list[Change]:
        return [p.change for p in self._outbox.pending] if self._outbox is not None else []

    def status_text(self) -> str:
        """Says "online", or "offline — N changes waiting" (what the status bar shows)."""
        if self.online:
            return "online" if not self.pending else f"online — {self.pending} changes waiting"
        n = self.pending
        return f"offline — {n} change{'s' if n != 1 else ''} waiting"

    # -- connecting -------------------------------------------------------------------------
    def _connect(self) -> None:
        conn = connect(self._dsn)
        try:
            version = schema.installed_version(conn)
            if version == 0:
                raise StoreError(
                    f"{self.display} holds no team store (create one with "
                    "'monitor store init DSN --from FILE')"
                )
            if version != schema.VERSION:
                raise StoreError(
                    f"{self.display} has store schema version {version}, this program "
                    f"uses {schema.VERSION}: run 'monitor store migrate DSN' as its owner"
                    if version < schema.VERSION
                    else f"{self.display} was made by a newer version (schema {version})"
                )
            row = conn.execute(
                f"SELECT store_id::text, session_user, "
                f"has_any_column_privilege({_S!r} || '.changes', 'INSERT') FROM {_S}.store"
            ).fetchone()
            if row is None:
                raise StoreError(f"{self.display}: the team store holds no scenario")
            listen = connect(self._dsn)
            listen.execute(f"LISTEN {schema.CHANNEL}")
        except psycopg.Error as exc:
            conn.close()
            raise StoreError(f"{self.display}: {connection_error(exc, self._dsn)}") from None
        except BaseException:
            conn.close()
            raise
        if self.store_id and row[0] != self.store_id:
            conn.close()
            listen.close()
            raise StoreError(f"{self.display} now holds another store: open it again")
        self._conn, self._listen = conn, listen
        self.store_id, self._user, self.version = row[0], row[1], version
        self.read_only = (
            None if row[2] else f"read-only: {row[1]} may view this team store but not change it"
        )
        if self._outbox is None:  # (first connection: a reader's window disables editing)
            self._reader = not row[2]
        self.online = True
        self.offline_reason = ""
        self._failures = 0
        if self._outbox is None:
            folder = self._outbox_folder or default_folder(self.store_id)
            self._outbox = Outbox(
                folder, origin=self.origin, store_id=self.store_id, user=self._user
            )

    def _went_offline(self, exc: BaseException) -> None:
        self.offline_reason = connection_error(exc, self._dsn)
        self.online = False
        for conn in (self._conn, self._listen):
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
        self._conn = self._listen = None
        self._failures += 1
        delay = BACKOFF_S[min(self._failures, len(BACKOFF_S)) - 1]
        self._next_try = time.monotonic() + delay

    @property
    def backend_pids(self) -> tuple[int, ...]:
        """The server processes serving this store (writes, LISTEN); empty offline."""
        return tuple(
            c.info.backend_pid for c in (self._conn, self._listen) if c is not None and self.online
        )

    @property
    def retry_in(self) -> float:
        """Seconds until :meth:`reconnect` will try again (0: now)."""
        return 0.0 if self.online else max(0.0, self._next_try - time.monotonic())

    def reconnect(self, *, force: bool = False) -> bool:
        """Try to get back online (at most once per back-off step unless ``force``), then
        send the outbox. True if online afterwards. Call :meth:`entries_since` with
        :attr:`last_seq` next to catch up with what was missed."""
        if self._closed:
            return False
        if self.online:
            return True
        if not force and time.monotonic() < self._next_try:
            return False
        try:
            self._connect()
        except StoreError as exc:
            self._went_offline(exc)
            return False
        self.push_outbox()
        return self.online

    # -- load ---------------------------------------------------------------------------------
    def load(
        self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> Scenario:
        """Connect, send what dead sessions left in their outboxes, and derive the scenario
        from the base and the whole log. Raises :class:`StoreError` (a
        :class:`StoreOffline` when the server cannot be reached) or :class:`ScenarioError`."""

        def stage(fraction: float, message: str) -> None:
            if cancelled is not None and cancelled():
                raise LoadCancelled(self.display)
            if progress is not None:
                progress(fraction, message)

        stage(0.0, "Connecting to the team store")
        if not self.online:
            self._connect()
        self._adopt_orphans()
        self.push_outbox()
        conn = self._require()
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                stage(0.05, "Reading the base")
                with conn.cursor(binary=True) as cur:  # the latest snapshot, else the base
                    base_row = (
                        cur.execute(
                            f"SELECT seq, encoding, content, size FROM {_S}.snapshots "
                            "ORDER BY seq DESC LIMIT 1"
                        ).fetchone()
                        or cur.execute(
                            f"SELECT 0, encoding, base, base_size FROM {_S}.store"
                        ).fetchone()
                    )
                stage(0.15, "Reading the change log")
                since = int(base_row[0]) if base_row is not None else 0
                rows = conn.execute(
                    f"{SELECT_SQL} WHERE seq > %s ORDER BY seq", (since,)
                ).fetchall()
                flagged = conn.execute(
                    f"SELECT id FROM {_S}.changes WHERE concurrent AND seq <= %s", (since,)
                ).fetchall()
            if base_row is None:
                raise StoreError(f"{self.display}: the team store holds no scenario")
            _, encoding, blob, size = base_row
        except psycopg.OperationalError as exc:
            self._went_offline(exc)
            raise StoreOffline(f"{self.display}: {self.offline_reason}") from None
        except psycopg.Error as exc:
            raise StoreError(f"{self.display}: {connection_error(exc, self._dsn)}") from None
        try:
            scenario = decode_base(
                encoding,
                blob,
                int(size),
                lambda f, m: stage(0.15 + 0.7 * f, m) if f < 1 else None,
                cancelled,
            )
        except ScenarioError as exc:
            raise ScenarioError(self.display, exc.problems) from None
        del blob
        stage(0.85, "Applying the change log")
        self.changelog = ChangeLog(scenario)
        self.skipped = []
        self.concurrent = {r[0] for r in flagged}
        self.snapshot_seq = self.last_seq = since
        self._apply_rows(rows)
        if len(rows) >= SNAPSHOT_AFTER:
            self._snapshot(scenario)
        stage(1.0, "Loaded")
        return scenario

    def _snapshot(self, scenario: Scenario) -> None:
        """An admin's app that had to apply many changes saves the result for the others
        (:mod:`monitor.store.snapshots`); any failure only means no snapshot."""
        conn = self._conn
        with contextlib.suppress(psycopg.Error):
            if conn is not None and may_write(conn):
                write_snapshot(conn, self.last_seq, scenario)

    def _apply_rows(self, rows: list[tuple[Any, ...]]) -> list[LogEntry]:
        assert self.changelog is not None
        out = []
        for row in rows:
            seq = int(row[0])
            try:
                entry = row_entry(row)
                self.changelog.apply(entry.change, strict=False)
            except ChangeError as exc:
                self.skipped.append((seq, str(exc)))
            else:
                out.append(entry)
                if entry.concurrent:
                    self.concurrent.add(entry.change.id)
            self.last_seq = max(self.last_seq, seq)
        return out

    def _require(self) -> psycopg.Connection:
        if self._conn is None or not self.online:
            raise StoreOffline(f"{self.display}: {self.offline_reason or 'not connected'}")
        return self._conn

    # -- the log --------------------------------------------------------------------------------
    def entries_since(self, seq: int, *, limit: int | None = None) -> list[LogEntry]:
        """The log's rows after ``seq``, in commit order (rows that are not changes are
        left out and listed in :attr:`skipped`). When ``seq`` <= :attr:`last_seq`,
        :attr:`last_seq` moves to the last row returned. Raises :class:`StoreOffline`
        (and goes offline) if the server is gone."""
        conn = self._require()
        sql = f"{SELECT_SQL} WHERE seq > %s ORDER BY seq" + (" LIMIT %s" if limit else "")
        params: tuple[Any, ...] = (seq, limit) if limit else (seq,)
        try:
            rows = conn.execute(sql, params).fetchall()
        except psycopg.OperationalError as exc:
            self._went_offline(exc)
            raise StoreOffline(f"{self.display}: {self.offline_reason}") from None
        out = []
        for row in rows:
            try:
                entry = row_entry(row)
            except ChangeError as exc:
                self.skipped.append((int(row[0]), str(exc)))
                continue
            out.append(entry)
            if entry.concurrent:
                self.concurrent.add(entry.change.id)
        if rows and seq <= self.last_seq:
            self.last_seq = max(self.last_seq, int(rows[-1][0]))
        return out

    def fetch_since(self, seq: int, *, limit: int | None = None) -> list[tuple[int, Change]]:
        """``(seq, change)`` of every change after ``seq``, in commit order."""
        return [(e.seq, e.change) for e in self.entries_since(seq, limit=limit)]

    def is_concurrent(self, change_id: str) -> bool:
        """Was this change made on an outdated view of its entity (both changes kept)?"""
        return change_id in self.concurrent

    def head(self) -> int:
        """The largest sequence number in the log now (0: empty)."""
        conn = self._require()
        try:
            row = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {_S}.changes").fetchone()
        except psycopg.OperationalError as exc:
            self._went_offline(exc)
            raise StoreOffline(f"{self.display}: {self.offline_reason}") from None
        return int(row[0]) if row else 0

    # -- writing ---------------------------------------------------------------------------------
    def append_change(self, change: Change) -> int | None:
        """Record one applied change. Online: stored on the server when this returns (its
        ``seq``; None if the server already had this id). Offline (or when the write failed
        half-way, or the role lost its right to write): kept in the outbox on disk, sent by
        :meth:`reconnect` (returns None). :class:`JournalError` if the change is neither on
        the server nor on disk (:attr:`journal_error` says why: the outbox cannot be
        written, or the server refuses this change for good — it is then kept in a
        ``.rejected`` file beside the outbox). Raises :class:`StoreError` (nothing kept) on
        a store opened by a reader: the window disables editing there."""
        if self._reader:
            raise StoreError(self.read_only or "read-only")
        check_shape(change)
        if self.online and not self.pending and not self.read_only:
            try:
                seq = self._insert([Pending(change, self.last_seq, self.origin)])[0]
                self.refusal = ""
                return seq
            except psycopg.OperationalError as exc:
                self._went_offline(exc)
            except psycopg.errors.InsufficientPrivilege as exc:
                self._lost_rights(exc)
            except psycopg.Error as exc:
                self._refuse([Pending(change, self.last_seq, self.origin)], exc)
                raise JournalError(0, self.refusal) from None
        if self._outbox is None:
            raise JournalError(0, "the team store was never opened")
        try:
            self._outbox.add(change, self.last_seq)
        except OSError as exc:
            raise JournalError(exc.errno or 0, self._outbox.error) from None
        if self.online:
            self.push_outbox()  # (also tries whether writing works again)
        return None

    def _lost_rights(self, exc: BaseException) -> None:
        """The server refuses our writes now (the role was made a reader during the
        session): keep changes in the outbox, say so."""
        self.read_only = (
            f"read-only: {self.user} may no longer change this team store "
            f"({connection_error(exc, self._dsn)}); changes made since wait in the outbox"
        )

    def _refuse(self, items: list[Pending], exc: BaseException) -> None:
        why = connection_error(exc, self._dsn)
        self.refusal = f"the team store refused a change ({why}); it is kept in a .rejected file"
        if self._outbox is not None:
            with contextlib.suppress(OSError):
                self._outbox.reject(items, why)

    def _insert(self, items: list[Pending]) -> list[int | None]:
        """Insert in one transaction; returns each row's seq (None: already there). While
        the transaction holds the log's lock, check whether anything arrived between
        :attr:`last_seq` and our rows: if not, our rows extend the view."""
        conn = self._require()
        seqs: list[int | None] = []
        contiguous = False
        with conn.transaction(), conn.cursor() as cur:
            # Waiting longer than this (for the log's lock, a stuck server) counts as
            # offline: the change goes to the outbox and the app goes on.
            cur.execute(f"SET LOCAL statement_timeout = {int(self.write_timeout_ms)}")
            for p in items:
                c = p.change
                cur.execute(
                    INSERT_SQL,
                    (c.id, c.recorded, c.entity, c.key, body_of(c), p.based_on, p.origin),
                )
                row = cur.fetchone()
                seqs.append(int(row[0]) if row else None)
            mine = [s for s in seqs if s is not None]
            if mine:
                gap = cur.execute(
                    f"SELECT EXISTS (SELECT 1 FROM {_S}.changes WHERE seq > %s AND seq < %s "
                    "AND NOT (seq = ANY(%s)))",
                    (self.last_seq, max(mine), mine),
                ).fetchone()
                contiguous = gap is not None and not gap[0]
        if mine and contiguous:
            self.last_seq = max(self.last_seq, *mine)
        return seqs

    def push_outbox(self) -> int:
        """Send the outbox's changes in order (each id once, whatever was sent before).
        Returns how many are on the server now; goes offline if the server is gone."""
        box = self._outbox
        if box is None or not len(box) or not self.online or self._reader:
            return 0
        items = box.pending
        try:
            self._insert(items)
        except psycopg.OperationalError as exc:
            self._went_offline(exc)
            return 0
        except psycopg.errors.InsufficientPrivilege as exc:
            self._lost_rights(exc)
            return 0
        except psycopg.Error:
            return self._push_one_by_one(items)
        box.done([p.change.id for p in items])
        self.read_only = None  # (writing works again, if it had stopped)
        return len(items)

    def _push_one_by_one(self, items: list[Pending]) -> int:
        """One of them is refused for good (a row the server's checks reject): send them
        one by one, the refused ones to the ``.rejected`` file."""
        box = self._outbox
        assert box is not None
        sent: list[str] = []
        for p in items:
            try:
                self._insert([p])
            except psycopg.OperationalError as exc:
                self._went_offline(exc)
                break
            except psycopg.errors.InsufficientPrivilege as exc:
                self._lost_rights(exc)
                break
            except psycopg.Error as exc:
                self._refuse([p], exc)
                continue
            sent.append(p.change.id)
        box.done(sent)
        return len(sent)

    def _adopt_orphans(self) -> None:
        """Send what sessions that died left in their outboxes (then delete those files)."""
        if self._outbox is None or not self.online:
            return
        for orphan in find_orphans(self._outbox.folder, own=self._outbox.path):
            try:
                if orphan.pending:
                    self._insert(orphan.pending)
            except psycopg.OperationalError as exc:
                orphan.release()
                self._went_offline(exc)
                return
            except psycopg.Error:
                orphan.release()  # kept for a look; the next open tries again
                continue
            orphan.delete()

    # -- live --------------------------------------------------------------------------------
    def socket(self) -> int:
        """The LISTEN connection's file descriptor (-1 offline): readable when a
        notification may have arrived; then call :meth:`notifies`."""
        if self._listen is None or not self.online:
            return -1
        try:
            return self._listen.pgconn.socket
        except psycopg.Error:
            return -1

    def notifies(self) -> list[int]:
        """The sequence numbers announced since the last call (never waits). Goes offline
        (and returns []) if the connection dropped."""
        if self._listen is None or not self.online:
            return []
        out = []
        listen = self._listen
        try:
            for _ in range(3):
                for n in listen.notifies(timeout=0):
                    with contextlib.suppress(ValueError):
                        out.append(int(n.payload))
                # Still readable after draining: more arrived, or the server closed the
                # connection (the first read only takes in its last message): read again.
                if not select.select([listen.pgconn.socket], [], [], 0)[0]:
                    break
        except (psycopg.OperationalError, OSError, ValueError) as exc:
            self._went_offline(exc)
        return out

    def close(self) -> None:
        """Disconnect; changes still in the outbox stay on disk for the next session."""
        self._closed = True
        if self._outbox is not None:
            self._outbox.close()
        for conn in (self._conn, self._listen):
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
        self._conn = self._listen = None
        self.online = False


def _dsn_user(dsn: str) -> str:
    try:
        from psycopg.conninfo import conninfo_to_dict

        user = conninfo_to_dict(dsn).get("user")
    except Exception:
        user = None
    if user:
        return str(user)
    try:
        return getpass.getuser()
    except Exception:
        return "analyst"


__all__ = ["LogEntry", "StoreError", "StoreOffline", "TeamStore", "connect", "row_entry"]
