"""Snapshots (schema version 2): a store with a long log opens from the latest snapshot and
the changes after it; only admins write them; an older store is migrated."""

from __future__ import annotations

import psycopg
import pytest

from monitor.cli import run
from monitor.model.changes import status_change
from monitor.model.entities import CrossingStatus, Moment
from monitor.model.io import load_scenario, scenario_to_json
from monitor.store import admin, schema
from monitor.store.connection import body_of
from monitor.store.snapshots import SNAPSHOT_AFTER
from monitor.store.team import StoreError, TeamStore

from .toggle_worker import toggle

DENIED = psycopg.errors.InsufficientPrivilege


def test_a_store_opens_from_its_snapshot_and_the_changes_after_it(store_dsn, open_store, capsys):
    writer = open_store(store_dsn, outbox="w")
    late = open_store(store_dsn, outbox="late")
    for i in range(30):
        toggle(writer, ("qaim", "semalka")[i % 2])
    flagged = toggle(late)  # made on an outdated view: flagged
    assert run(["store", "snapshot", store_dsn]) == 0
    assert "snapshot at seq 31 (31 changes since the last one)" in capsys.readouterr().out
    assert run(["store", "snapshot", store_dsn]) == 0
    assert "is up to date" in capsys.readouterr().out
    for entry in writer.entries_since(0):
        writer.changelog.apply(entry.change, strict=False)
    tail = [toggle(writer, "semalka") for _ in range(5)]
    fresh = open_store(store_dsn, outbox="fresh")
    assert fresh.snapshot_seq == 31 and fresh.last_seq == 36
    assert [c.id for c in fresh.changelog.entries] == [c.id for c in tail]
    assert scenario_to_json(fresh.scenario) == scenario_to_json(writer.changelog.scenario)
    assert fresh.is_concurrent(flagged.id)  # a flag from before the snapshot is kept
    assert run(["store", "status", store_dsn]) == 0
    assert "snapshot:   at seq 31" in capsys.readouterr().out


def test_export_after_a_snapshot_holds_every_change(store_dsn, open_store, tmp_path):
    writer = open_store(store_dsn)
    made = [toggle(writer) for _ in range(4)]
    admin.snapshot_store(store_dsn)
    made.append(toggle(writer))
    out = tmp_path / "out.json"
    admin.export_store(store_dsn, out)
    history = next(
        c["history"] for c in scenario_to_json(load_scenario(out))["crossings"] if c["id"] == "qaim"
    )
    for change in made:
        assert change.after in history


def test_only_admins_write_snapshots_and_nobody_rewrites_them(
    store_dsn, role_dsn, open_store, capsys
):
    owner = open_store(store_dsn)
    toggle(owner)
    admin.snapshot_store(store_dsn)
    for level in ("analyst", "reader"):
        dsn = role_dsn(level)
        toggle(owner)  # (something new to snapshot)
        assert run(["store", "snapshot", dsn]) == 2
        assert "permission denied" in capsys.readouterr().err
        with psycopg.connect(dsn) as conn, pytest.raises(DENIED):
            conn.execute(
                "INSERT INTO monitor.snapshots (seq, encoding, content, size, sha256) "
                "VALUES (0, 'identity', '', 0, '')"
            )
    for sql in ("UPDATE monitor.snapshots SET size = 0", "DELETE FROM monitor.snapshots",
                "TRUNCATE monitor.snapshots"):  # fmt: skip
        with psycopg.connect(store_dsn) as conn, pytest.raises(DENIED):
            conn.execute(sql)
    with psycopg.connect(store_dsn) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute(
            "INSERT INTO monitor.snapshots (seq, encoding, content, size, sha256) "
            "VALUES (999, 'identity', '', 0, '')"
        )


def test_an_older_store_is_migrated(pg_database, small_path, tmp_path, capsys):
    admin.init_store(pg_database, load_scenario(small_path), version=1)
    with pytest.raises(StoreError, match="monitor store migrate"):
        TeamStore(pg_database, outbox_folder=tmp_path).load()
    assert run(["store", "migrate", pg_database]) == 0
    assert f"schema version 1 -> {schema.VERSION}" in capsys.readouterr().out
    store = TeamStore(pg_database, outbox_folder=tmp_path)
    assert store.load().crossing("qaim") is not None
    store.close()
    assert run(["store", "migrate", pg_database]) == 0
    assert "up to date" in capsys.readouterr().out


def test_an_admins_app_that_applied_many_changes_saves_a_snapshot(store_dsn, role_dsn, open_store):
    source = open_store(store_dsn, outbox="src")
    scenario = source.scenario
    rows = []
    for i in range(SNAPSHOT_AFTER):
        status = (CrossingStatus.OPEN, CrossingStatus.CLOSED)[i % 2]
        c = status_change(scenario, ("qaim", "semalka")[i % 2], status, Moment.now(scenario.tz))
        rows.append((c.id, c.recorded, c.entity, c.key, body_of(c)))
    with psycopg.connect(store_dsn) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO monitor.changes (id, made, entity, key, body) VALUES (%s, %s, %s, %s, %s)",
            rows,
        )
    analyst = open_store(role_dsn("analyst"), outbox="a")
    assert len(analyst.changelog) == SNAPSHOT_AFTER
    assert admin.store_status(store_dsn).snapshot_seq == 0  # an analyst's app writes none
    first = open_store(role_dsn("admin"), outbox="b")
    assert admin.store_status(store_dsn).snapshot_seq == SNAPSHOT_AFTER
    after = open_store(store_dsn, outbox="c")
    assert after.snapshot_seq == SNAPSHOT_AFTER and len(after.changelog) == 0
    assert scenario_to_json(after.scenario) == scenario_to_json(first.scenario)
    assert scenario_to_json(after.scenario) == scenario_to_json(analyst.scenario)
