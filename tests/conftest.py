"""Shared fixtures. Qt runs headless: the offscreen platform is set before any QApplication."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def small_path(tmp_path: Path) -> Path:
    """A private copy of the small test scenario (safe to modify)."""
    dest = tmp_path / "small.json"
    shutil.copyfile(DATA / "small.json", dest)
    return dest


@pytest.fixture
def small(small_path: Path):
    from monitor.model import load_scenario

    return load_scenario(small_path)


@pytest.fixture
def default_path() -> Path:
    return REPO / "data" / "iraq-syria-border-2024.json"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Every test gets its own QSettings store, so layouts and recent files never leak."""
    cfg = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(cfg))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("MONITOR_CONFIG_DIR", str(cfg))
    # The reopen cache of big files goes to the test's own folder, never to ~/.cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield


# --------------------------------------------------------------------------- PostgreSQL
def _no_postgres(reason: str) -> None:
    """Without a server the team-store tests are skipped on a developer's machine, but in
    CI (CI=true) they must run: there a missing server fails the run."""
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI runs the team-store tests: .ci/run starts a server)", False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server():
    """A superuser DSN of a PostgreSQL server for the tests: ``MONITOR_TEST_PG`` (set by
    .ci/run), else a throw-away cluster started here (as the postgres user when root)."""
    dsn = os.environ.get("MONITOR_TEST_PG", "").strip()
    cluster = None
    if not dsn:
        from monitor.store.cluster import ClusterError, start_cluster

        try:
            cluster = start_cluster()
        except ClusterError as exc:
            _no_postgres(f"no PostgreSQL server for the team-store tests: {exc}")
        dsn = cluster.dsn()
    import psycopg

    try:
        psycopg.connect(dsn, connect_timeout=10).close()
    except psycopg.Error as exc:
        _no_postgres(f"cannot connect to the test PostgreSQL server: {str(exc).splitlines()[0]}")
    yield dsn
    if cluster is not None:
        cluster.remove()


@pytest.fixture
def pg_database(pg_server):
    """A new, empty database on the test server (dropped afterwards): its superuser DSN."""
    import uuid

    import psycopg
    from psycopg.conninfo import make_conninfo

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield make_conninfo(pg_server, dbname=name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
