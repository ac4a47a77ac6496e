"""Team-store fixtures: a store holding tests/data/small.json in a new database of the test
server (tests/conftest.py: pg_server, pg_database), and roles of each level."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from psycopg.conninfo import make_conninfo

from monitor.store import admin
from monitor.store.cluster import ClusterError, LocalCluster, start_cluster
from monitor.store.team import TeamStore


@pytest.fixture
def store_dsn(pg_database: str, small_path) -> str:
    """The superuser DSN of a new store made from the small scenario."""
    admin.init_from_file(pg_database, small_path)
    return pg_database


@pytest.fixture
def role_dsn(store_dsn: str) -> Callable[[str], str]:
    """``role_dsn("analyst")``: the DSN of a new login role of that level on the store."""

    def make(level: str, name: str | None = None) -> str:
        role = name or f"{level}_{uuid.uuid4().hex[:8]}"
        admin.grant(store_dsn, role, level)
        return make_conninfo(store_dsn, user=role)

    return make


@pytest.fixture
def open_store(tmp_path) -> Iterator[Callable[..., TeamStore]]:
    """``open_store(dsn)``: a loaded TeamStore (closed at the end), outbox under tmp_path."""
    opened: list[TeamStore] = []

    def make(dsn: str, *, outbox: str = "outbox", load: bool = True) -> TeamStore:
        store = TeamStore(dsn, outbox_folder=tmp_path / outbox)
        opened.append(store)
        if load:
            store.scenario = store.load()
        return store

    yield make
    for store in opened:
        store.close()


def missing(reason: str) -> None:
    """Skip locally, fail in CI (CI=true): there every team-store test must run."""
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must run the team-store tests)", False)
    pytest.skip(reason)


@pytest.fixture
def own_cluster(pg_server) -> Iterator[LocalCluster]:
    """A PostgreSQL server of this test's own (to stop, kill and restart), holding a store
    made from the small scenario in its database ``postgres``."""
    try:
        cluster = start_cluster()
    except ClusterError as exc:
        missing(f"cannot start a PostgreSQL server of the test's own: {exc}")
    try:
        yield cluster
    finally:
        cluster.remove()
