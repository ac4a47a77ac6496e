"""The team store in the window, against a real PostgreSQL server (tests/conftest.py):
two analysts' windows (or a window and a second store in this process acting as the other
analyst) follow each other live, with who made a change and when; a crossing whose status
as of the cursor changed is announced once, never for a change that alters nothing; the
window works offline and sends its changes exactly once when the server is back; a
reader's window can change nothing; passwords never show."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from monitor.model.changes import ChangeError, status_change
from monitor.model.entities import CrossingStatus, Moment
from monitor.store import admin
from monitor.store.team import TeamStore

ROWS = "SELECT id, author, seq, concurrent, body::text FROM monitor.changes ORDER BY seq"


def log_rows(dsn: str):
    with psycopg.connect(dsn) as conn:
        return conn.execute(ROWS).fetchall()


@pytest.fixture
def store_dsn(pg_database: str, small_path) -> str:
    """The superuser DSN of a new store made from the small scenario."""
    admin.init_from_file(pg_database, small_path)
    return pg_database


@pytest.fixture
def analyst_dsn(store_dsn):
    """``analyst_dsn("analyst")``: the DSN of a new login role of that level (its name)."""

    def make(level: str = "analyst") -> tuple[str, str]:
        role = f"{level}_{uuid.uuid4().hex[:8]}"
        admin.grant(store_dsn, role, level)
        return make_conninfo(store_dsn, user=role), role

    return make


@pytest.fixture
def open_window(qtbot):
    from monitor.ui import MainWindow

    def make(target) -> MainWindow:
        w = MainWindow(target)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        return w

    return make


@pytest.fixture
def other_store(tmp_path):
    """A second analyst in this process: ``other_store(dsn)``, loaded."""
    opened: list[TeamStore] = []

    def make(dsn: str) -> TeamStore:
        store = TeamStore(dsn, outbox_folder=tmp_path / f"other{len(opened)}")
        store.load()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def record(store: TeamStore, crossing: str, status: CrossingStatus, effective: Moment):
    """What another analyst's app does: build the change, apply it to its view, send it."""
    scenario = store.changelog.scenario
    change = status_change(scenario, crossing, status, effective, by=store.user)
    store.changelog.apply(change)
    store.append_change(change)
    return change


def shown_status(window, crossing_id: str) -> str:
    model = window.crossings_panel.model
    row = model.row_of(crossing_id)
    from monitor.ui.crossings.status import CrossingColumn

    return model.data(model.index(row, CrossingColumn.STATUS))


def test_a_toggle_in_one_window_appears_in_the_other_within_a_second_with_its_author(
    analyst_dsn, open_window, qtbot
):
    dsn_a, alice = analyst_dsn()
    dsn_b, _bob = analyst_dsn()
    a, b = open_window(dsn_a), open_window(dsn_b)
    assert shown_status(b, "qaim").lower() == "closed"
    assert a.set_crossing_status("qaim", CrossingStatus.OPEN)
    qtbot.waitUntil(lambda: shown_status(b, "qaim").lower() == "open", timeout=1000)
    # who and when: in the notification list and the status bar, said once
    texts = b.team.notifications.texts()
    assert len(texts) == 1, texts
    assert alice in texts[0] and "Al-Qaim" in texts[0] and "open" in texts[0]
    assert alice in b.statusBar().currentMessage()
    assert b.findChild(object, "teamNotificationsDock").isVisible()
    # the audit panel shows the entry with its author (set by the server)
    history = b.ctx.scenario.crossing("qaim").timeline()
    assert history[-1].status == CrossingStatus.OPEN and history[-1].by == alice
    # it is the team's change, not bob's to undo; the sender has nothing new to hear
    assert b.session.undo_stack.count() == 0
    assert a.team.notifications.count() == 0
    assert [r[1] for r in log_rows(dsn_a)] == [alice]


def test_news_is_said_once_and_never_for_a_change_that_alters_nothing(
    store_dsn, open_window, other_store, qtbot
):
    w = open_window(store_dsn)
    other = other_store(store_dsn)
    link = w.team.link
    tz = w.ctx.tz
    now = Moment.now(tz)
    # backdated to 2020, before the closing of 2024: the past changes, the present does not
    record(other, "qaim", CrossingStatus.RESTRICTED, Moment(now.instant.replace(year=2020)))
    qtbot.waitUntil(lambda: link.received == 1, timeout=1000)
    assert len(w.ctx.scenario.crossing("qaim").history) == 3
    assert w.team.notifications.count() == 0
    # the same status again, two hours ago: nothing changes at the cursor
    record(other, "qaim", CrossingStatus.CLOSED, Moment(now.instant - timedelta(hours=2)))
    qtbot.waitUntil(lambda: link.received == 2, timeout=1000)
    assert w.team.notifications.count() == 0
    # a backdated entry that rewrites the present: said once
    record(other, "qaim", CrossingStatus.OPEN, Moment(now.instant - timedelta(hours=1)))
    qtbot.waitUntil(lambda: link.received == 3, timeout=1000)
    assert shown_status(w, "qaim").lower() == "open"
    assert w.team.notifications.count() == 1
    assert link.catch_up() == 0  # read again: nothing new, nothing said again
    assert w.team.notifications.count() == 1
    assert w.session.undo_stack.count() == 0


def test_a_parked_cursor_hears_only_what_changes_at_its_time(
    store_dsn, open_window, other_store, qtbot
):
    w = open_window(store_dsn)
    other = other_store(store_dsn)
    w.ctx.set_cursor(datetime(2024, 6, 1, 12, tzinfo=w.ctx.tz))
    record(other, "qaim", CrossingStatus.OPEN, Moment.now(w.ctx.tz))  # after the cursor
    qtbot.waitUntil(lambda: w.team.link.received == 1, timeout=1000)
    assert w.team.notifications.count() == 0
    record(other, "qaim", CrossingStatus.CLOSED, Moment(datetime(2024, 5, 1, tzinfo=w.ctx.tz)))
    qtbot.waitUntil(lambda: w.team.notifications.count() == 1, timeout=1000)
    assert "closed" in w.team.notifications.texts()[0]


def test_undo_in_a_shared_store_appends_a_compensating_change(analyst_dsn, open_window, qtbot):
    dsn_a, _alice = analyst_dsn()
    dsn_b, _bob = analyst_dsn()
    a, b = open_window(dsn_a), open_window(dsn_b)
    assert a.set_crossing_status("qaim", CrossingStatus.OPEN)
    qtbot.waitUntil(lambda: shown_status(b, "qaim").lower() == "open", timeout=1000)
    a.undo_action.trigger()
    qtbot.waitUntil(lambda: shown_status(b, "qaim").lower() == "closed", timeout=1000)
    rows = log_rows(dsn_a)
    assert len(rows) == 2  # history is never rewritten: the undo is a new change
    assert f'"reverts": "{rows[0][0]}"' in rows[1][4]
    assert not a.isWindowModified()  # nothing is ever unsaved on a store
    assert len(b.team.notifications.texts()) == 2


def test_offline_work_is_sent_exactly_once_when_the_server_is_back(
    pg_server, small_path, open_window, qtbot
):
    from monitor.store.cluster import ClusterError, start_cluster

    try:
        cluster = start_cluster()
    except ClusterError as exc:
        pytest.skip(f"cannot start a PostgreSQL server of the test's own: {exc}")
    try:
        dsn = cluster.dsn()
        admin.init_from_file(dsn, small_path)
        w = open_window(dsn)
        label = w.findChild(object, "teamStatusLabel")
        assert label.text() == "online"
        cluster.stop("immediate")
        qtbot.waitUntil(lambda: "offline" in label.text(), timeout=3000)
        assert w.set_crossing_status("qaim", CrossingStatus.OPEN)
        assert w.set_crossing_status("semalka", CrossingStatus.CLOSED)
        assert label.text() == "offline — 2 changes waiting"
        assert shown_status(w, "qaim").lower() == "open"  # working on, locally
        made = [c.id for c in w.session.log.entries[-2:]]
        cluster.start()
        qtbot.waitUntil(lambda: label.text() == "online", timeout=40_000)
        assert [r[0] for r in log_rows(dsn)] == made
        assert w.team.link.store.pending == 0
        w.team.link.catch_up()
        assert w.team.link.store.reconnect()
        assert [r[0] for r in log_rows(dsn)] == made  # exactly once
        assert w.team.notifications.count() == 0  # our own changes are not news
    finally:
        cluster.remove()


def test_a_reader_window_can_change_nothing(analyst_dsn, open_window, qtbot):
    dsn, _reader = analyst_dsn("reader")
    w = open_window(dsn)
    notice = w.findChild(object, "protectionLabel")
    assert notice.isVisible() and "read-only" in notice.text().lower()
    w.ctx.select_crossing("qaim")
    for act in (
        w.toggle_crossing_action,
        *w.set_status_actions.values(),
        w.crossing_actions.record_action,
        w.editing.new_event_action,
        w.undo_action,
    ):
        assert not act.isEnabled(), act.objectName()
    assert not w.set_crossing_status("qaim", CrossingStatus.OPEN)
    with pytest.raises(ChangeError, match="read-only"):
        w.session.push(
            status_change(w.ctx.scenario, "qaim", CrossingStatus.OPEN, Moment.now(w.ctx.tz))
        )
    assert shown_status(w, "qaim").lower() == "closed"
    assert log_rows(dsn) == []
    assert w.team.link.store.pending == 0


def test_the_window_never_shows_a_password(store_dsn, open_window):
    from monitor.ui.team.recent import recent_stores

    secret = "s3cret-Pw"
    dsn = make_conninfo(store_dsn, password=secret)  # (the test server trusts its socket)
    w = open_window(dsn)
    dbname = psycopg.conninfo.conninfo_to_dict(store_dsn)["dbname"]
    assert dbname in w.windowTitle()
    assert secret not in w.windowTitle()
    assert secret not in w.file_label.text() + w.file_label.toolTip()
    assert recent_stores() and all(secret not in s for s in recent_stores())
    from monitor.ui.settings import settings

    s = settings()
    s.sync()
    assert all(secret not in str(s.value(k)) for k in s.allKeys())


def test_connect_to_team_store_from_the_file_menu(store_dsn, window, small_path, monkeypatch):
    from monitor.ui.team.actions import TeamActions

    action = window.findChild(object, "connectStoreAction")
    assert action in window.file_menu.actions()
    monkeypatch.setattr(TeamActions, "ask_dsn", lambda self, default="": store_dsn)
    action.trigger()
    assert window.team.link is not None
    assert window.ctx.path is None
    assert not window.files.save_action.isEnabled()
    window.files.recent_menu.aboutToShow.emit()
    texts = [a.text() for a in window.files.recent_menu.actions()]
    assert "Team stores" in texts and any("dbname=" in t or "postgresql" in t for t in texts)
    # back to a file: the link stops, Save comes back
    assert window.open_file(small_path)
    assert window.team.link is None
    assert window.files.save_action.isEnabled()
    assert (
        window.findChild(object, "teamStatusLabel") is None
        or not window.findChild(object, "teamStatusLabel").isVisible()
    )


def test_a_store_that_cannot_be_reached_leaves_the_window_as_it_was(window, monkeypatch):
    from monitor.ui.team.actions import TeamActions

    before = window.ctx.scenario
    monkeypatch.setattr(
        TeamActions, "ask_dsn", lambda self, default="": "host=127.0.0.1 port=1 password=pw99x"
    )
    window.findChild(object, "connectStoreAction").trigger()
    assert window.ctx.scenario is before and window.team.link is None
    text = window.last_error_dialog.text()
    assert "could not be opened" in text and "pw99x" not in text


def test_a_change_made_on_an_outdated_view_is_marked_concurrent(
    store_dsn, analyst_dsn, open_window, other_store, qtbot
):
    from PySide6.QtCore import Qt

    from monitor.ui.crossings.status import CrossingColumn
    from monitor.ui.history_columns import HistoryColumn

    w = open_window(analyst_dsn()[0])
    other = other_store(analyst_dsn()[0])  # loaded now: it will not hear of the window's change
    assert w.set_crossing_status("qaim", CrossingStatus.OPEN)
    late = record(other, "qaim", CrossingStatus.RESTRICTED, Moment.now(w.ctx.tz))
    qtbot.waitUntil(lambda: w.team.link.received == 1, timeout=1000)
    assert [r[3] for r in log_rows(store_dsn)] == [False, True]  # the server's flag
    # both changes kept; the row says "concurrent" (marker and tooltip) ...
    model = w.crossings_panel.model
    row = model.row_of("qaim")
    name = model.index(row, CrossingColumn.NAME)
    assert model.data(name, Qt.ItemDataRole.DecorationRole) is not None
    tip = model.data(name, Qt.ItemDataRole.ToolTipRole)
    assert "concurrent" in tip and other.user in tip
    plain = model.index(model.row_of("semalka"), CrossingColumn.NAME)
    assert model.data(plain, Qt.ItemDataRole.DecorationRole) is None
    assert "concurrent" not in model.data(plain, Qt.ItemDataRole.ToolTipRole)
    # ... and so does the audit panel, on that entry only
    w.ctx.select_crossing("qaim")
    audit = w.history_panel.model
    checks = {
        audit.data(audit.index(r, HistoryColumn.BY)): audit.data(
            audit.index(r, HistoryColumn.FLAGS)
        )
        for r in range(audit.rowCount())
    }
    assert "concurrent" in checks[other.user]
    assert all("concurrent" not in v for k, v in checks.items() if k != other.user)
    assert late.id in w.team.link.store.concurrent or len(w.team.link.marks) == 1
    # a window opened later sees the mark too (from the store's load)
    again = open_window(store_dsn)
    later = again.crossings_panel.model
    tip = later.data(later.index(row, CrossingColumn.NAME), Qt.ItemDataRole.ToolTipRole)
    assert "concurrent" in tip
    # an analyst resolves it with a new entry: the row's mark goes, the audit keeps it
    assert w.set_crossing_status("qaim", CrossingStatus.CLOSED, "resolved: closed")
    assert model.data(name, Qt.ItemDataRole.DecorationRole) is None
    assert "concurrent" not in model.data(name, Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(
        lambda: (
            later.data(later.index(row, CrossingColumn.NAME), Qt.ItemDataRole.DecorationRole)
            is None
        ),
        timeout=1000,
    )
    audit.refresh()
    flags = [audit.data(audit.index(r, HistoryColumn.FLAGS)) for r in range(audit.rowCount())]
    assert sum("concurrent" in f for f in flags) == 1
    fresh = open_window(store_dsn).crossings_panel.model
    assert fresh.data(fresh.index(row, CrossingColumn.NAME), Qt.ItemDataRole.DecorationRole) is None


def test_the_connect_dialog_masks_the_password_and_never_shows_it_back(qtbot):
    from PySide6.QtWidgets import QLineEdit

    from monitor.ui.team.dialog import ConnectDialog

    dialog = ConnectDialog(None, "postgresql://alice:hunter22@db.example/team?sslmode=require")
    qtbot.addWidget(dialog)
    assert "hunter22" not in dialog.dsn_edit.text()
    assert dialog.dsn_edit.text() == "postgresql://alice@db.example/team?sslmode=require"
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.password_edit.text() == ""
    dialog.password_edit.setText("pw-typed")
    dialog.buttons.accepted.emit()
    assert dialog.result() == ConnectDialog.DialogCode.Accepted
    chosen = dialog.take()
    assert "pw-typed" in chosen and "sslmode=require" in chosen  # for libpq only ...
    assert dialog.take() == "" and dialog.password_edit.text() == ""  # ... and then forgotten
    # not a connection string: said in the dialog, which stays open
    again = ConnectDialog(None)
    qtbot.addWidget(again)
    again.dsn_edit.setText("/home/alice/scenario.json")
    again.buttons.accepted.emit()
    assert again.result() != ConnectDialog.DialogCode.Accepted
    assert "connection string" in again.error_label.text()


def test_a_recent_store_reconnects_from_the_open_recent_menu(store_dsn, window, monkeypatch):
    from monitor.ui.team.recent import add_recent_store

    add_recent_store(store_dsn)
    menu = window.files.recent_menu
    menu.aboutToShow.emit()
    entries = [a for a in menu.actions() if a.objectName() == "recentStoreAction"]
    assert [a.text() for a in entries] == [store_dsn]  # (this DSN has no password)
    files = [a.text() for a in menu.actions() if a.text().endswith(".json")]
    assert files  # the recent files are still there, above the stores
    entries[0].trigger()
    assert window.team.link is not None and window.team.link.store.online
    assert window.findChild(object, "teamStatusLabel").text() == "online"


def test_save_as_on_a_store_writes_nothing_and_says_why(store_dsn, open_window, tmp_path):
    w = open_window(store_dsn)
    assert not w.files.save_as_action.isEnabled()
    out = tmp_path / "copy.json"
    assert not w.save_as(out)
    assert not out.exists()
    assert "monitor store export" in w.last_error_dialog.text()


COMMAND = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from monitor.ui.main_window import MainWindow
original = MainWindow.ensure_panels
def ensure_panels(self):
    original(self)
    print("TITLE", self.windowTitle())
    print("TEAM", self.team.link.label.text(), self.ctx.scenario.crossing("qaim").status_at(
        self.ctx.cursor_time()).value)
    QTimer.singleShot(0, QApplication.instance().quit)
MainWindow.ensure_panels = ensure_panels
from monitor.cli import run
sys.exit(run(sys.argv[1:]))
"""


def test_monitor_dsn_opens_the_dashboard_on_the_store_live(store_dsn, tmp_path):
    import os
    import subprocess
    import sys

    secret = "pw-on-the-command-line"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MONITOR_CONFIG_DIR=str(tmp_path))
    r = subprocess.run(
        [sys.executable, "-c", COMMAND, make_conninfo(store_dsn, password=secret)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert "TEAM online closed" in r.stdout
    assert "TITLE Small test scenario" in r.stdout
    assert secret not in r.stdout + r.stderr


def test_two_windows_editing_the_same_entry_at_once_end_up_as_the_log_says(
    store_dsn, analyst_dsn, open_window, qtbot, tmp_path
):
    from monitor.model.changes import edit_entry
    from monitor.model.io import scenario_to_json

    a, b = open_window(analyst_dsn()[0]), open_window(analyst_dsn()[0])

    def edit_note(window, note: str) -> None:
        crossing = window.ctx.scenario.crossing("qaim")
        entry = crossing.entry_at(window.ctx.cursor_time())
        window.session.push(edit_entry(crossing.name, crossing.id, entry, note=note))

    # neither window has heard of the other's edit when it makes its own
    edit_note(a, "from A")
    edit_note(b, "from B")  # committed second, on an outdated view: the log's last word
    qtbot.waitUntil(lambda: a.team.link.received == 1 and b.team.link.received == 1, timeout=1000)
    fresh = TeamStore(store_dsn, outbox_folder=tmp_path / "fresh")
    try:
        expected = scenario_to_json(fresh.load())
    finally:
        fresh.close()
    for w in (a, b):
        assert w.ctx.scenario.crossing("qaim").entry_at(w.ctx.cursor_time()).note == "from B"
        assert scenario_to_json(w.ctx.scenario) == expected
    assert b.team.link.rederived == 1 and a.team.link.rederived == 0
    # undo still works on the view derived again, and goes to the store as a new change
    b.undo_action.trigger()
    qtbot.waitUntil(lambda: a.team.link.received == 2, timeout=1000)
    assert a.ctx.scenario.crossing("qaim").entry_at(a.ctx.cursor_time()).note != "from B"
    assert len(log_rows(store_dsn)) == 3


def test_two_windows_toggling_at_once_agree_with_the_log(
    analyst_dsn, store_dsn, open_window, qtbot, tmp_path
):
    from monitor.model.io import scenario_to_json

    a, b = open_window(analyst_dsn()[0]), open_window(analyst_dsn()[0])
    for i in range(10):  # each toggle made before the window hears of the other's
        for w in (a, b):
            crossing = "qaim" if i % 2 else "semalka"
            now = w.ctx.scenario.crossing(crossing).status_at(w.ctx.cursor_time())
            status = CrossingStatus.OPEN if now != CrossingStatus.OPEN else CrossingStatus.CLOSED
            assert w.set_crossing_status(crossing, status)
    qtbot.waitUntil(lambda: a.team.link.received == 10 and b.team.link.received == 10, timeout=2000)
    assert len(log_rows(store_dsn)) == 20
    fresh = TeamStore(store_dsn, outbox_folder=tmp_path / "fresh")
    try:
        expected = scenario_to_json(fresh.load())
    finally:
        fresh.close()

    def timelines(doc):
        return {
            c["id"]: sorted(
                (h["time"], h.get("recorded_at", ""), h["status"], h.get("by", ""))
                for h in c["history"]
            )
            for c in doc["crossings"]
        }

    for w in (a, b):
        shown = scenario_to_json(w.ctx.scenario)
        assert timelines(shown) == timelines(expected)
        for c in w.ctx.scenario.crossings:  # the same status as of the cursor as the log's
            assert c.status_at(w.ctx.cursor_time()) == fresh.changelog.scenario.crossing(
                c.id
            ).status_at(w.ctx.cursor_time())


NO_DRIVER = """
import sys
class NoPsycopg:
    def find_spec(self, name, path=None, target=None):
        if name == "psycopg" or name.startswith("psycopg."):
            raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")
        return None
sys.meta_path.insert(0, NoPsycopg())
from monitor.app import create_application
app = create_application()
from monitor.ui import MainWindow
from monitor.ui.team.recent import add_recent_store
w = MainWindow(sys.argv[1])
add_recent_store("postgresql://alice@db.example/team")
w.files.recent_menu.aboutToShow.emit()
assert w.team.connect_store("postgresql://alice:pw@db.example/team") is False
print("ERROR", w.last_error_dialog.text())
print("TITLE", w.windowTitle())
"""


def test_without_the_database_driver_the_app_starts_and_says_what_is_missing(small_path, tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MONITOR_CONFIG_DIR=str(tmp_path))
    r = subprocess.run(
        [sys.executable, "-c", NO_DRIVER, str(small_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert "ERROR PostgreSQL support is not installed" in r.stdout
    assert "TITLE Small test scenario — small.json" in r.stdout
