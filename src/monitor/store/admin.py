"""Creating, exporting, inspecting and granting a team store (what ``monitor store`` does).

Every function takes a DSN, raises :class:`~monitor.store.team.StoreError` with one line
(never a password) when it cannot do its work, and commits all or nothing.

Pure Python (psycopg 3), no Qt.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from monitor.model.entities import Scenario
from monitor.model.loader import load_scenario
from monitor.model.writer import atomic_write_bytes, scenario_pieces
from monitor.store import schema
from monitor.store.base import encode_base
from monitor.store.connection import StoreError, connect, connection_error
from monitor.store.dsn import display_dsn
from monitor.store.snapshots import write_snapshot
from monitor.store.team import TeamStore

_S = schema.SCHEMA
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")


def _fail(dsn: str, exc: BaseException, doing: str) -> StoreError:
    return StoreError(f"{display_dsn(dsn)}: {doing}: {connection_error(exc, dsn)}")


def init_store(
    dsn: str, scenario: Scenario, *, source_name: str = "", version: int = schema.VERSION
) -> str:
    """Create the store's tables in the database and put ``scenario`` in as its base.
    Refuses a database that already holds a store. Returns the new store's id.
    (``version``: an older schema, for testing migrations.)"""
    encoded = encode_base(scenario)
    store_id = str(uuid.uuid4())
    conn = connect(dsn)
    try:
        with conn.transaction():
            if schema.installed_version(conn):
                raise StoreError(f"{display_dsn(dsn)} already holds a team store")
            schema.migrate(conn, version)
            conn.execute(
                f"INSERT INTO {_S}.store (store_id, source_name, encoding, base, base_size, "
                "base_sha256) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    store_id,
                    source_name,
                    encoded.encoding,
                    encoded.blob,
                    encoded.size,
                    encoded.sha256,
                ),
            )
    except psycopg.Error as exc:
        raise _fail(dsn, exc, "cannot create the store") from None
    finally:
        conn.close()
    return store_id


def init_from_file(dsn: str, path: str | Path) -> str:
    """:func:`init_store` with a scenario file (raises ScenarioError if it is not valid)."""
    scenario = load_scenario(path)
    return init_store(dsn, scenario, source_name=Path(path).name)


def migrate_store(dsn: str) -> tuple[int, int]:
    """Bring an existing store's schema up to date (run as the tables' owner)."""
    conn = connect(dsn)
    try:
        with conn.transaction():
            if not schema.installed_version(conn):
                raise StoreError(f"{display_dsn(dsn)} holds no team store")
            return schema.migrate(conn)
    except psycopg.Error as exc:
        raise _fail(dsn, exc, "cannot migrate the store") from None
    finally:
        conn.close()


def export_store(dsn: str, out: str | Path) -> int:
    """Write the store's scenario, base plus every change of the log, as a scenario file
    (atomically). Returns how many changes of the log it holds."""
    store = TeamStore(dsn)
    try:
        scenario = store.load()
        applied = len(store.changelog) if store.changelog is not None else 0
    finally:
        store.close()
    atomic_write_bytes(out, scenario_pieces(scenario))
    return applied


def snapshot_store(dsn: str) -> tuple[int, int]:
    """Write a snapshot of the derived state (admins only), so that apps opening the store
    apply only the changes after it. Returns (its seq, changes applied on top of the
    previous snapshot or the base); (seq, 0) when the latest snapshot is still current."""
    store = TeamStore(dsn)
    try:
        scenario = store.load()
        seq, since = store.last_seq, store.snapshot_seq
        if seq == since:
            return seq, 0
        conn = connect(dsn)
        try:
            write_snapshot(conn, seq, scenario)
        except psycopg.Error as exc:
            raise _fail(dsn, exc, "cannot write a snapshot") from None
        finally:
            conn.close()
        return seq, seq - since
    finally:
        store.close()


@dataclass(frozen=True, slots=True)
class StoreStatus:
    display: str
    version: int
    store_id: str
    created: str
    created_by: str
    source_name: str
    base_size: int
    changes: int
    last_seq: int
    concurrent: int
    authors: int
    last_change: str
    user: str
    access: str  # "admin", "analyst", "reader" or "none"
    snapshot_seq: int = 0

    def lines(self) -> list[str]:
        return [
            f"store:      {self.display}",
            f"schema:     version {self.version} (this program: {schema.VERSION})",
            f"id:         {self.store_id}",
            f"created:    {self.created} by {self.created_by}"
            + (f" from {self.source_name}" if self.source_name else ""),
            f"base:       {self.base_size:,} bytes of scenario JSON",
            f"changes:    {self.changes:,} (last seq {self.last_seq}, "
            f"{self.concurrent} concurrent, {self.authors} author(s))",
            f"last:       {self.last_change or '-'}",
            f"snapshot:   {f'at seq {self.snapshot_seq}' if self.snapshot_seq else 'none'}",
            f"you:        {self.user} ({self.access})",
        ]


def access_of(conn: psycopg.Connection) -> str:
    """What the connected role may do with the store."""
    row = conn.execute(
        "SELECT pg_has_role(session_user, %s, 'MEMBER'), "
        f"has_any_column_privilege({_S!r} || '.changes', 'INSERT'), "
        f"has_table_privilege({_S!r} || '.changes', 'SELECT'), "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = session_user)",
        (schema.ADMIN,),
    ).fetchone()
    assert row is not None
    admin, insert, select, superuser = row
    if superuser or admin:
        return "admin"
    return "analyst" if insert else "reader" if select else "none"


def store_status(dsn: str) -> StoreStatus:
    conn = connect(dsn)
    try:
        version = schema.installed_version(conn)
        if not version:
            raise StoreError(f"{display_dsn(dsn)} holds no team store")
        row = conn.execute(
            f"SELECT store_id::text, created, created_by, source_name, base_size FROM {_S}.store"
        ).fetchone()
        counts = conn.execute(
            f"SELECT count(*), coalesce(max(seq), 0), count(*) FILTER (WHERE concurrent), "
            f"count(DISTINCT author), max(recorded) FROM {_S}.changes"
        ).fetchone()
        snap = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {_S}.snapshots").fetchone()
        user = conn.execute("SELECT session_user").fetchone()
        access = access_of(conn)
    except psycopg.Error as exc:
        raise _fail(dsn, exc, "cannot read the store") from None
    finally:
        conn.close()
    if row is None or counts is None or user is None:
        raise StoreError(f"{display_dsn(dsn)}: the team store holds no scenario")
    return StoreStatus(
        display=display_dsn(dsn),
        version=version,
        store_id=row[0],
        created=row[1].isoformat(timespec="seconds"),
        created_by=row[2],
        source_name=row[3],
        base_size=int(row[4]),
        changes=int(counts[0]),
        last_seq=int(counts[1]),
        concurrent=int(counts[2]),
        authors=int(counts[3]),
        last_change=counts[4].isoformat(timespec="seconds") if counts[4] else "",
        user=user[0],
        access=access,
        snapshot_seq=int(snap[0]) if snap else 0,
    )


def grant(dsn: str, role: str, level: str, *, create: bool = True) -> str:
    """Make ``role`` a reader, analyst or admin of the store's group roles (exactly one of
    them). Creates ``role`` as a login role without a password if it does not exist (set
    one with ``ALTER ROLE … PASSWORD`` or use another authentication). Returns what was done."""
    if level not in schema.ROLES:
        raise StoreError(f"unknown level {level!r} (reader, analyst or admin)")
    if not _ROLE_NAME.match(role):
        raise StoreError(f"{role!r} is not a role name this command accepts")
    if role in schema.ROLES.values():
        raise StoreError(f"{role} is one of the store's group roles: grant it to a person's role")
    target = schema.ROLES[level]
    ident = sql.Identifier(role)
    conn = connect(dsn)
    done = []
    try:
        with conn.transaction():
            if not schema.installed_version(conn):
                raise StoreError(f"{display_dsn(dsn)} holds no team store")
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                if not create:
                    raise StoreError(f"role {role} does not exist")
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
                done.append(f"created login role {role}")
            for other in schema.ROLES.values():
                if other != target:
                    member = conn.execute(
                        "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                        "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s "
                        "AND u.rolname = %s",
                        (other, role),
                    ).fetchone()
                    if member:
                        conn.execute(
                            sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(other), ident)
                        )
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(target), ident))
            done.append(f"{role} is now {level} ({target})")
    except psycopg.Error as exc:
        raise _fail(dsn, exc, f"cannot grant {level} to {role}") from None
    finally:
        conn.close()
    return "; ".join(done)


__all__ = [
    "StoreStatus",
    "access_of",
    "export_store",
    "grant",
    "init_from_file",
    "init_store",
    "migrate_store",
    "snapshot_store",
    "store_status",
]
