"""Talking to the store's server: connections, one-line errors, rows of the log.

Pure Python (psycopg 3), no Qt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from monitor.model.changes import Change, ChangeError
from monitor.store import schema
from monitor.store.dsn import display_dsn, password_of, scrub

CONNECT_TIMEOUT_S = 5
_S = schema.SCHEMA
INSERT_SQL = (
    f"INSERT INTO {_S}.changes (id, made, entity, key, body, based_on, origin) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING seq"
)
SELECT_SQL = (
    f"SELECT seq, id, author, recorded, made, entity, key, body::text, concurrent FROM {_S}.changes"
)


class StoreError(Exception):
    """The team store cannot be used (one line, never a password)."""


class StoreOffline(StoreError):
    """The server cannot be reached."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of the log: its commit-ordered ``seq``, the change (author and recorded time
    as the server set them) and whether it was made on an outdated view."""

    seq: int
    change: Change
    concurrent: bool


def connection_error(exc: BaseException, dsn: str) -> str:
    """The first line of a database error, without the password."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    line = line.removeprefix("connection failed: ")
    return scrub(line, password_of(dsn))


def connect(dsn: str, *, autocommit: bool = True, **extra: Any) -> psycopg.Connection:
    """A connection with the DSN's own settings (sslmode, service, … untouched), a short
    connect timeout and ``application_name=monitor`` unless the DSN sets them."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise StoreError(f"not a valid connection string: {connection_error(exc, dsn)}") from None
    kwargs: dict[str, Any] = {}
    # A server that vanishes without closing the connection (a cut network) is noticed in
    # seconds, not after TCP's quarter of an hour (ignored on Unix sockets).
    defaults = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "monitor",
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 15000,
    }
    for key, value in defaults.items():
        if key not in given:
            kwargs[key] = value
    kwargs.update(extra)
    try:
        return psycopg.connect(dsn, autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        raise StoreOffline(
            f"cannot connect to {display_dsn(dsn)}: {connection_error(exc, dsn)}"
        ) from None


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def row_entry(row: tuple[Any, ...]) -> LogEntry:
    """A :class:`LogEntry` from a row of :data:`SELECT_SQL` (raises ChangeError if it is not a
    change: a row written by hand)."""
    seq, cid, author, recorded, _made, entity, key, body, concurrent = row
    try:
        d = json.loads(body)
    except ValueError as exc:
        raise ChangeError(f"body is not JSON: {exc}") from None
    if not isinstance(d, dict):
        raise ChangeError("body is not a JSON object")
    d = {k: d.get(k) for k in ("before", "after", "label", "reverts", "place") if k in d}
    d.setdefault("before", None)
    d.setdefault("after", None)
    d.setdefault("label", "")
    d.update(id=cid, author=author, recorded=_iso(recorded), entity=entity, key=key)
    return LogEntry(int(seq), Change.from_json(d), bool(concurrent))


def body_of(change: Change) -> str:
    d: dict[str, Any] = {"before": change.before, "after": change.after, "label": change.label}
    if change.reverts is not None:
        d["reverts"] = change.reverts
    if change.place is not None:
        d["place"] = change.place
    return json.dumps(d, ensure_ascii=False, allow_nan=False)


__all__ = [
    "INSERT_SQL",
    "SELECT_SQL",
    "LogEntry",
    "StoreError",
    "StoreOffline",
    "body_of",
    "connect",
    "connection_error",
    "row_entry",
]
