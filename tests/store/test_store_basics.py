"""The team store against a real PostgreSQL server: round trip, idempotence, append-only
log, roles, authors set by the server, the concurrent flag, notifications."""

from __future__ import annotations

import json
import select

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from monitor.model.changes import Change, entity_change, status_change
from monitor.model.entities import CrossingStatus, Moment
from monitor.model.io import load_scenario, scenario_pieces, scenario_to_json
from monitor.store import admin
from monitor.store.team import StoreError, TeamStore


def toggle(store: TeamStore, crossing: str = "qaim") -> Change:
    """What the window does for a toggle: build, apply to the view, record."""
    scenario = store.changelog.scenario
    current = scenario.crossing(crossing).status_at(Moment.now(scenario.tz).instant)
    status = CrossingStatus.OPEN if current == CrossingStatus.CLOSED else CrossingStatus.CLOSED
    change = status_change(scenario, crossing, status, Moment.now(scenario.tz))
    store.changelog.apply(change)
    store.append_change(change)
    return change


ROWS = "SELECT id, author, seq, concurrent FROM monitor.changes ORDER BY seq"
DENIED = psycopg.errors.InsufficientPrivilege


def rows(dsn: str, sql: str = ROWS):
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql).fetchall()


def test_init_then_export_gives_back_the_file(store_dsn, small_path, tmp_path):
    out = tmp_path / "out.json"
    assert admin.export_store(store_dsn, out) == 0
    original = load_scenario(small_path)
    # the same scenario, written canonically (as Save writes the file)
    assert out.read_bytes() == b"".join(scenario_pieces(original))
    assert scenario_to_json(load_scenario(out)) == scenario_to_json(original)
    # and a canonical file comes back byte for byte
    from psycopg.conninfo import conninfo_to_dict

    second = make_conninfo(store_dsn, dbname=conninfo_to_dict(store_dsn)["dbname"] + "_2")
    with psycopg.connect(store_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {conninfo_to_dict(second)['dbname']}")
    try:
        admin.init_from_file(second, out)
        again = tmp_path / "again.json"
        admin.export_store(second, again)
        assert again.read_bytes() == out.read_bytes()
    finally:
        with psycopg.connect(store_dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {conninfo_to_dict(second)['dbname']} WITH (FORCE)")


def test_export_holds_every_change_with_its_history(store_dsn, open_store, tmp_path):
    a, b = open_store(store_dsn, outbox="a"), open_store(store_dsn, outbox="b")
    made = [toggle(a), toggle(b), toggle(a, "semalka")]
    out = tmp_path / "out.json"
    assert admin.export_store(store_dsn, out) == 3
    exported = load_scenario(out)
    fresh = open_store(store_dsn, outbox="c")
    assert scenario_to_json(exported) == scenario_to_json(fresh.scenario)
    history = {
        json.dumps(e, sort_keys=True)
        for c in scenario_to_json(exported)["crossings"]
        for e in c["history"]
    }
    for change in made:
        assert json.dumps(change.after, sort_keys=True) in history


def test_a_change_sent_twice_is_stored_once(store_dsn, open_store):
    a = open_store(store_dsn)
    change = toggle(a)
    assert a.append_change(change) is None  # the server already has it
    b = open_store(store_dsn, outbox="b")
    b.append_change(change)  # another session re-sends it (after a crash, say)
    assert [r[0] for r in rows(store_dsn)] == [change.id]
    assert len(b.fetch_since(0)) == 1


def test_the_log_cannot_be_rewritten_even_by_hand(store_dsn, role_dsn, open_store):
    analyst = role_dsn("analyst")
    toggle(open_store(analyst))
    for dsn in (analyst, store_dsn):  # an analyst writing SQL, and even the tables' owner
        for sql in (
            "UPDATE monitor.changes SET author = 'someone'",
            "DELETE FROM monitor.changes",
            "TRUNCATE monitor.changes",
            "UPDATE monitor.store SET source_name = 'x'",
            "DELETE FROM monitor.store",
        ):
            with psycopg.connect(dsn) as conn, pytest.raises(DENIED):
                conn.execute(sql)
    assert len(rows(store_dsn)) == 1


def test_a_reader_can_change_nothing(store_dsn, role_dsn, open_store):
    reader_dsn = role_dsn("reader")
    reader = open_store(reader_dsn)
    assert reader.read_only and "read-only" in reader.read_only
    assert reader.scenario.crossing("qaim") is not None  # but it sees the scenario
    change = status_change(
        reader.scenario, "qaim", CrossingStatus.CLOSED, Moment.now(reader.scenario.tz)
    )
    with pytest.raises(StoreError, match="read-only"):
        reader.append_change(change)
    assert reader.pending == 0
    for sql in (
        "INSERT INTO monitor.changes (id, entity, key, body) VALUES ('x', 'status', 'qaim', '{}')",
        "UPDATE monitor.changes SET author = 'x'",
        "DELETE FROM monitor.changes",
        "TRUNCATE monitor.changes",
        "UPDATE monitor.store SET source_name = 'x'",
        "CREATE TABLE monitor.mine (x int)",
    ):
        with psycopg.connect(reader_dsn) as conn, pytest.raises(DENIED):
            conn.execute(sql)
    assert rows(store_dsn) == []
    assert admin.store_status(reader_dsn).access == "reader"


def test_an_analyst_cannot_record_a_change_in_another_name(store_dsn, role_dsn, open_store):
    analyst_dsn = role_dsn("analyst", "rita_analyst")
    store = open_store(analyst_dsn)
    assert store.user == "rita_analyst"
    forged = status_change(
        store.scenario, "qaim", CrossingStatus.CLOSED, Moment.now(store.scenario.tz)
    )
    forged = forged.stamped("the_director")
    store.append_change(forged)
    with psycopg.connect(analyst_dsn) as conn, pytest.raises(DENIED):
        conn.execute(
            "INSERT INTO monitor.changes (id, author, entity, key, body) "
            "VALUES ('f2', 'the_director', 'status', 'qaim', '{}')"
        )
    with psycopg.connect(analyst_dsn) as conn:  # the client's columns only: author is the role
        conn.execute(
            "INSERT INTO monitor.changes (id, entity, key, body) "
            """VALUES ('f3', 'scenario', 'key_judgements', '{"before": null, "after": "x"}')"""
        )
    assert {r[1] for r in rows(store_dsn)} == {"rita_analyst"}
    got = store.fetch_since(0)
    assert [c.author for _, c in got] == ["rita_analyst", "rita_analyst"]


def test_a_change_made_on_an_outdated_view_is_kept_and_flagged(store_dsn, open_store):
    a, b = open_store(store_dsn, outbox="a"), open_store(store_dsn, outbox="b")
    first = toggle(a)
    second = toggle(a)  # a's own earlier change is part of a's view: not concurrent
    late = toggle(b)  # b has not seen a's changes to this crossing
    other = toggle(b, "semalka")  # a crossing nobody else touched
    flags = {r[0]: r[3] for r in rows(store_dsn)}
    assert flags == {first.id: False, second.id: False, late.id: True, other.id: False}
    entries = b.entries_since(0)
    assert [e.concurrent for e in entries] == [False, False, True, False]
    assert b.is_concurrent(late.id)
    for e in entries:  # b catches up; its next change is on an up-to-date view
        b.changelog.apply(e.change, strict=False)
    again = toggle(b)
    assert rows(store_dsn)[-1][:1] == (again.id,) and rows(store_dsn)[-1][3] is False
    # both analysts' entries survive in the derived state
    fresh = open_store(store_dsn, outbox="c")
    history = fresh.scenario.crossing("qaim").history
    times = {e.recorded_at.iso() for e in history if e.recorded_at}
    for change in (first, second, late, again):
        assert change.after["recorded_at"] in times


def test_an_edit_on_an_outdated_entity_written_by_hand_is_flagged(store_dsn, open_store):
    a = open_store(store_dsn)
    before = a.scenario.extra.get("key_judgements")
    first = entity_change("scenario", "key_judgements", before, ["one"])
    a.changelog.apply(first)
    a.append_change(first)
    with psycopg.connect(store_dsn) as conn:  # no based_on: its before is compared instead
        conn.execute(
            "INSERT INTO monitor.changes (id, entity, key, body) VALUES "
            "('h1', 'scenario', 'key_judgements', %s), ('h2', 'scenario', 'key_judgements', %s)",
            (
                json.dumps({"before": before, "after": ["two"]}),
                json.dumps({"before": ["two"], "after": ["three"]}),
            ),
        )
    assert [r[3] for r in rows(store_dsn)] == [False, True, False]


def test_a_notification_carries_the_sequence_number_to_another_store(store_dsn, open_store):
    a, b = open_store(store_dsn, outbox="a"), open_store(store_dsn, outbox="b")
    assert b.notifies() == []
    change = toggle(a)
    ready, _, _ = select.select([b.socket()], [], [], 2.0)
    assert ready, "no notification within 2 s"
    seqs = b.notifies()
    assert seqs == [a.last_seq]
    ((seq, got),) = b.fetch_since(b.last_seq)
    assert (seq, got.id, got.author, got.after) == (seqs[0], change.id, "postgres", change.after)
    assert b.last_seq == seq


def test_passwords_never_show(pg_server, tmp_path, capsys):
    from monitor.cli import run

    secret = "s3cr3t-pa55"
    dsn = make_conninfo(pg_server, password=secret, port="1", connect_timeout="2")
    url = f"postgresql://rita:{secret}@127.0.0.1:1/watch?sslmode=disable"
    for text in (dsn, url):
        store = TeamStore(text, outbox_folder=tmp_path)
        assert secret not in repr(store) and secret not in store.display
        with pytest.raises(StoreError) as caught:
            store.load()
        assert secret not in str(caught.value)
        assert run(["store", "status", text]) == 2
        err = capsys.readouterr().err
        assert secret not in err and err.count("\n") == 1 and "Traceback" not in err
    assert "sslmode=disable" in TeamStore(url).display  # other settings kept as given


def test_init_refuses_a_database_that_holds_a_store(store_dsn, small_path, capsys):
    from monitor.cli import run

    assert run(["store", "init", store_dsn, "--from", str(small_path)]) == 2
    assert "already holds a team store" in capsys.readouterr().err


def test_an_analyst_made_reader_mid_session_loses_no_change(store_dsn, role_dsn, open_store):
    from psycopg.conninfo import conninfo_to_dict

    analyst_dsn = role_dsn("analyst")
    role = conninfo_to_dict(analyst_dsn)["user"]
    store = open_store(analyst_dsn)
    kept = toggle(store)
    admin.grant(store_dsn, role, "reader")
    waiting = toggle(store)  # refused by the server now: kept, not raised
    assert store.read_only and "no longer" in store.read_only
    assert store.pending == 1 and store.protected
    assert [r[0] for r in rows(store_dsn)] == [kept.id]
    admin.grant(store_dsn, role, "analyst")
    again = toggle(store)  # writing works again: the waiting change goes first
    assert store.read_only is None and store.pending == 0
    assert [r[0] for r in rows(store_dsn)] == [kept.id, waiting.id, again.id]


def test_a_change_the_server_refuses_for_good_is_kept_aside(store_dsn, open_store, tmp_path):
    store = open_store(store_dsn)
    bad = entity_change("source", "s\x00x", None, {"id": "s\x00x", "name": "NUL in its id"})
    from monitor.model.journal import JournalError

    with pytest.raises(JournalError):
        store.append_change(bad)  # (the NUL character cannot be stored in PostgreSQL text)
    assert not store.protected and "refused" in store.journal_error
    rejected = list((tmp_path / "outbox").glob("*.rejected"))
    assert len(rejected) == 1 and bad.id in rejected[0].read_text()
    good = toggle(store)
    assert store.protected and [r[0] for r in rows(store_dsn)] == [good.id]
