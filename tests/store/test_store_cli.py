"""``monitor store …`` on a real server, libpq settings passed through, schema versions, and
the app without a server."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from monitor.cli import run
from monitor.model.io import load_scenario, scenario_to_json
from monitor.store import schema
from monitor.store.team import StoreError, TeamStore

from .toggle_worker import toggle


def test_init_status_export_from_the_command_line(pg_database, small_path, tmp_path, capsys):
    assert run(["store", "init", pg_database, "--from", str(small_path)]) == 0
    assert "created team store" in capsys.readouterr().out
    store = TeamStore(pg_database, outbox_folder=tmp_path / "box")
    store.load()
    change = toggle(store)
    store.close()
    assert run(["store", "status", pg_database]) == 0
    out = capsys.readouterr().out
    assert f"schema:     version {schema.VERSION}" in out and "changes:    1 (last seq" in out
    assert "(admin)" in out and "small.json" in out
    target = tmp_path / "exported.json"
    assert run(["store", "export", pg_database, "-o", str(target)]) == 0
    assert "1 change of the log applied" in capsys.readouterr().out
    exported = scenario_to_json(load_scenario(target))
    qaim = next(c for c in exported["crossings"] if c["id"] == "qaim")
    assert change.after in qaim["history"]
    assert not list(tmp_path.glob(".exported.json.*.tmp"))  # written through a temp file


def test_grant_sets_exactly_one_level(store_dsn, capsys):
    assert run(["store", "grant", store_dsn, "cli_person", "--analyst"]) == 0
    assert "cli_person is now analyst" in capsys.readouterr().out
    person = make_conninfo(store_dsn, user="cli_person")
    assert run(["store", "status", person]) == 0
    assert "cli_person (analyst)" in capsys.readouterr().out
    assert run(["store", "grant", store_dsn, "cli_person", "--reader"]) == 0  # demoted
    capsys.readouterr()
    with psycopg.connect(person) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO monitor.changes (id, entity, key, body) "
            """VALUES ('x', 'scenario', 'key_judgements', '{"after": 1}')"""
        )
    assert TeamStore(person).read_only is None  # (not known before it is opened)
    reader = TeamStore(person)
    reader.load()
    assert reader.read_only
    reader.close()
    # an admin (not a superuser) may make others readers and analysts
    assert run(["store", "grant", store_dsn, "cli_chief", "--admin"]) == 0
    chief = make_conninfo(store_dsn, user="cli_chief")
    assert run(["store", "grant", chief, "cli_person", "--analyst"]) == 0, capsys.readouterr()
    assert "cli_person is now analyst" in capsys.readouterr().out
    # an analyst cannot make itself (or anyone) anything
    assert run(["store", "grant", store_dsn, "cli_boss", "--analyst"]) == 0
    boss = make_conninfo(store_dsn, user="cli_boss")
    assert run(["store", "grant", boss, "cli_person", "--analyst"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor store: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["store", "init", "{dsn}", "--from", "{missing}"], "missing.json"),
        (["store", "export", "{dsn}", "-o", "{folder}/no/such/dir/out.json"], "No such file"),
        (["store", "status", "host=/nonexistent-socket-dir port=1"], "cannot connect"),
        (["store", "status", "{dsn}"], None),
        (["store", "migrate", "{dsn}"], "up to date"),
    ],
)
def test_command_line_errors_are_one_line(store_dsn, tmp_path, capsys, argv, message):
    argv = [
        a.format(dsn=store_dsn, missing=tmp_path / "missing.json", folder=tmp_path) for a in argv
    ]
    code = run(argv)
    captured = capsys.readouterr()
    if message == "up to date" or message is None:
        assert code == 0, captured.err
        return
    assert code == 2
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert message in captured.err


def test_a_service_name_and_other_libpq_settings_pass_through(store_dsn, tmp_path, monkeypatch):
    d = conninfo_to_dict(store_dsn)
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[watchfloor]\nhost={d['host']}\nport={d['port']}\ndbname={d['dbname']}\n"
        f"user={d['user']}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    store = TeamStore("service=watchfloor application_name=night-shift sslmode=prefer")
    scenario = store.load()
    assert scenario.crossing("qaim") is not None
    with psycopg.connect(store_dsn) as conn:
        names = {
            r[0]
            for r in conn.execute(
                "SELECT application_name FROM pg_stat_activity WHERE pid = ANY(%s)",
                (list(store.backend_pids),),
            )
        }
    assert names == {"night-shift"}
    assert store.display == "service=watchfloor application_name=night-shift sslmode=prefer"
    store.close()


def test_a_store_of_a_newer_schema_is_refused(store_dsn, tmp_path):
    with psycopg.connect(store_dsn) as conn:
        conn.execute("INSERT INTO monitor.schema_version (version) VALUES (99)")
    with pytest.raises(StoreError, match="newer version"):
        TeamStore(store_dsn, outbox_folder=tmp_path).load()
    assert run(["store", "migrate", store_dsn]) == 2


def test_a_database_without_a_store_is_named(pg_database, tmp_path):
    with pytest.raises(StoreError, match="holds no team store"):
        TeamStore(pg_database, outbox_folder=tmp_path).load()


def test_the_app_imports_no_database_driver_until_a_store_is_opened():
    code = (
        "import sys; import monitor.cli, monitor.store, monitor.ui.main_window; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('psycopg'))))"
    )
    r = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []


def test_monitor_dsn_says_in_one_line_why_a_store_cannot_be_opened(
    pg_database, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    secret = "n0t-in-output"
    assert run([make_conninfo(pg_database, password=secret)]) == 2  # a database, no store
    err = capsys.readouterr().err
    assert err.startswith("monitor: ") and "holds no team store" in err
    assert err.count("\n") == 1 and secret not in err
    url = f"postgresql://rita:{secret}@127.0.0.1:1/watch?connect_timeout=2"
    assert run([url]) == 2
    err = capsys.readouterr().err
    assert "cannot connect" in err and secret not in err and err.count("\n") == 1


def test_a_local_store_in_one_command(pg_server, capsys):
    import re
    import tempfile
    from pathlib import Path

    from monitor.store.cluster import LocalCluster, find_bindir

    folder = Path(tempfile.mkdtemp(prefix="monitor-local-", dir="/tmp"))
    try:
        assert run(["store", "local", str(folder)]) == 0
        out = capsys.readouterr().out
        dsn = re.search(r"open it:  monitor '([^']+)'", out).group(1)
        assert "stop it:" in out
        store = TeamStore(dsn, outbox_folder=folder / "box")
        scenario = store.load()
        assert len(scenario.crossings) > 0 and store.read_only is None
        store.close()
        assert run(["store", "local", str(folder)]) == 0  # again: the same store, reused
        assert "reused" in capsys.readouterr().out
    finally:
        port = int(conninfo_to_dict(dsn)["port"]) if "dsn" in locals() else 0
        LocalCluster(folder, port, find_bindir()).remove()
