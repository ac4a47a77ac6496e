"""The log's sequence follows commit order, so a catch-up by sequence never skips a change;
a store that was away catches up with everything it missed."""

from __future__ import annotations

import threading
import time

import psycopg

from .toggle_worker import follow, toggle

INSERT = (
    "INSERT INTO monitor.changes (id, entity, key, body) "
    """VALUES (%s, 'scenario', 'key_judgements', '{"before": null, "after": ["x"]}')"""
)


def test_a_transaction_that_commits_later_gets_a_later_number(store_dsn):
    first = psycopg.connect(store_dsn)
    first.execute(INSERT, ("slow",))  # took its number, not committed yet
    got: dict[str, object] = {}

    def second() -> None:
        with psycopg.connect(store_dsn) as conn:
            conn.execute(INSERT, ("fast",))
            got["inserted"] = time.monotonic()
            conn.commit()

    t = threading.Thread(target=second)
    t.start()
    time.sleep(0.5)
    # With a plain serial "fast" would have number 2 and be visible while "slow" (1) is
    # not: a reader at that moment would move past 1 and never see it.
    assert "inserted" not in got, "the second insert drew a number before the first committed"
    with psycopg.connect(store_dsn) as reader:
        assert reader.execute("SELECT count(*) FROM monitor.changes").fetchone() == (0,)
    first.commit()
    first.close()
    t.join(10)
    with psycopg.connect(store_dsn) as conn:
        order = conn.execute("SELECT id FROM monitor.changes ORDER BY seq").fetchall()
    assert order == [("slow",), ("fast",)]


def test_a_reader_following_by_sequence_misses_nothing_under_concurrent_writers(
    store_dsn, open_store
):
    writers = [open_store(store_dsn, outbox=f"w{i}") for i in range(4)]
    reader = open_store(store_dsn, outbox="reader")
    made: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(store) -> None:
        for _ in range(40):
            change = toggle(store, "semalka")
            with lock:
                made.append(change.id)

    seen: list[int] = []
    ids: list[str] = []

    def read() -> None:
        while not stop.is_set():
            for e in reader.entries_since(reader.last_seq):
                seen.append(e.seq)
                ids.append(e.change.id)
            time.sleep(0.002)

    r = threading.Thread(target=read)
    r.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    stop.set()
    r.join(10)
    for e in reader.entries_since(reader.last_seq):  # the tail after the last poll
        seen.append(e.seq)
        ids.append(e.change.id)
    assert len(made) == 160
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert sorted(ids) == sorted(made), "the reader skipped or repeated a change"


def test_a_store_that_was_away_catches_up_with_what_it_missed(store_dsn, open_store):
    a, b = open_store(store_dsn, outbox="a"), open_store(store_dsn, outbox="b")
    with psycopg.connect(store_dsn, autocommit=True) as admin:  # b's connections drop
        for pid in b.backend_pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    missed = [toggle(a) for _ in range(5)]
    assert b.notifies() == [] and not b.online  # the drop is noticed, nothing was replayed
    assert "offline" in b.status_text()
    assert b.reconnect(force=True)
    assert follow(b) == 5
    assert [c.id for c in b.changelog.entries[-5:]] == [c.id for c in missed]
    later = toggle(a)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not b.notifies():
        time.sleep(0.01)
    follow(b)
    assert b.changelog.entries[-1].id == later.id


def test_a_write_stuck_behind_the_logs_lock_goes_to_the_outbox(store_dsn, open_store):
    from monitor.store.schema import SEQ_LOCK

    store = open_store(store_dsn)
    store.write_timeout_ms = 300
    with psycopg.connect(store_dsn, autocommit=True) as blocker:
        blocker.execute("SELECT pg_advisory_lock(%s)", (SEQ_LOCK,))  # a stuck writer
        t = time.monotonic()
        change = toggle(store)
        assert time.monotonic() - t < 5
        assert store.pending == 1 and not store.online and store.protected
        blocker.execute("SELECT pg_advisory_unlock(%s)", (SEQ_LOCK,))
    assert store.reconnect(force=True) and store.pending == 0
    with psycopg.connect(store_dsn) as conn:
        assert conn.execute("SELECT id FROM monitor.changes").fetchall() == [(change.id,)]
