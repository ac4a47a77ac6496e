"""Writing a snapshot of the derived state (schema version 2; admins only).

A snapshot at ``seq`` is the scenario derived from the base and every change up to
``seq``; an app opening the store reads the latest one and applies only the changes after
it. ``monitor store snapshot DSN`` writes one; so does an admin's app when it had to apply
at least :data:`SNAPSHOT_AFTER` changes to open the store (the derivation is then done
already: only the encoding is added).

Pure Python (psycopg 3), no Qt.
"""

from __future__ import annotations

from typing import Any

from monitor.model.entities import Scenario
from monitor.store import schema
from monitor.store.base import encode_base

SNAPSHOT_AFTER = 500
_S = schema.SCHEMA


def may_write(conn: Any) -> bool:
    """May the connected role write snapshots (an admin of the store)?"""
    row = conn.execute(
        "SELECT has_any_column_privilege(%s, 'INSERT')", (f"{_S}.snapshots",)
    ).fetchone()
    return bool(row and row[0])


def write_snapshot(conn: Any, seq: int, scenario: Scenario) -> None:
    """Store ``scenario`` as the state after every change up to ``seq`` (a snapshot at
    that seq already there is kept)."""
    encoded = encode_base(scenario)
    conn.execute(
        f"INSERT INTO {_S}.snapshots (seq, encoding, content, size, sha256) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (seq) DO NOTHING",
        (seq, encoded.encoding, encoded.blob, encoded.size, encoded.sha256),
    )


__all__ = ["SNAPSHOT_AFTER", "may_write", "write_snapshot"]
