"""File → Import… and File → Export… in a real (offscreen) window: the import read in the
background, reviewed, applied as one undoable step, saved; a refused file; the export of
exactly what the feed shows as of the cursor, and its GeoJSON imported back."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interchange"))

from feeds import acled_row, big_acled, write_acled

from monitor.interchange import parse_feed, plan_import
from monitor.model import load_scenario

EMPTY = {
    "schema_version": 1,
    "scenario": {"id": "empty", "title": "Empty", "timezone": "Asia/Baghdad"},
    "factions": [],
    "sources": [],
    "events": [],
    "crossings": [],
    "territory": [],
}


def _review(window, qtbot, path, **kw):
    """Import ``path`` through the window; the review dialog once the worker is done."""
    acts = window.interchange
    assert acts.import_file(path, **kw)
    qtbot.waitUntil(lambda: acts.review_dialog is not None or acts.job is None, timeout=30000)
    qtbot.waitUntil(lambda: acts.job is None, timeout=30000)
    return acts.review_dialog


def _counts(dialog) -> dict[str, int]:
    return {k: int(lbl.text().replace(",", "")) for k, lbl in dialog.count_labels.items()}


def test_actions_are_in_the_file_menu_before_quit(window):
    names = [a.objectName() for a in window.file_menu.actions()]
    assert names.index("importAction") < names.index("quitAction")
    assert names.index("exportAction") < names.index("quitAction")


def test_import_review_apply_undo_redo_save_reload(window, qtbot, tmp_path, small_path):
    rows = [acled_row(i) for i in range(30)]
    rows.append(acled_row(99, event_date="31 February 2024"))  # an impossible date
    feed = write_acled(tmp_path / "acled-week.csv", rows)
    n_before = window.feed_panel.model.rowCount()
    undo_before = window.session.undo_stack.count()

    picked = []
    window.interchange.ask_import_file = lambda: picked.append(1) or (str(feed), None)
    window.interchange.import_action.trigger()
    assert picked
    qtbot.waitUntil(lambda: window.interchange.review_dialog is not None, timeout=30000)
    dialog = window.interchange.review_dialog
    assert dialog.isVisible()
    counts = _counts(dialog)
    assert counts["new"] == 30 and counts["rejected"] == 1 and counts["updated"] == 0
    assert "line 32: " in dialog.details.toPlainText()  # header on line 1, rows from line 2
    assert "impossible date" in dialog.details.toPlainText()
    assert window.feed_panel.model.rowCount() == n_before  # nothing applied yet

    qtbot.waitUntil(lambda: dialog.ready, timeout=30000)  # its changes made in the background
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: window.feed_panel.model.rowCount() == n_before + 30)
    assert window.ctx.scenario.event("acled:SYR0") is not None
    assert window.session.undo_stack.count() == undo_before + 1
    record = window.ctx.scenario.extra["imports"][-1]
    assert record["file"] == "acled-week.csv" and len(record["sha256"]) == 64
    assert record["by"] == "Analyst One"
    assert window.isWindowModified()

    window.activateWindow()  # (a shortcut reaches only the active window)
    qtbot.waitUntil(window.isActiveWindow)
    window.feed_panel.view.setFocus()
    qtbot.keyClick(window.feed_panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.feed_panel.model.rowCount() == n_before)
    assert window.ctx.scenario.event("acled:SYR0") is None
    assert "imports" not in window.ctx.scenario.extra or not window.ctx.scenario.extra["imports"]
    sources = {s.id for s in window.ctx.scenario.sources}
    assert not any(s.startswith("acled-src:") for s in sources)

    window.redo_action.trigger()
    qtbot.waitUntil(lambda: window.feed_panel.model.rowCount() == n_before + 30)
    assert window.save()
    again = load_scenario(small_path)
    assert {f"acled:{r['event_id_cnty']}" for r in rows[:30]} <= {e.id for e in again.events}
    assert again.extra["imports"][-1]["sha256"] == record["sha256"]


def test_reimport_of_the_same_file_is_all_unchanged(window, qtbot, tmp_path):
    feed = write_acled(tmp_path / "acled.csv", [acled_row(i) for i in range(5)])
    _review(window, qtbot, feed).apply_button.click()
    qtbot.waitUntil(lambda: window.ctx.scenario.event("acled:SYR0") is not None)
    dialog = _review(window, qtbot, feed)
    assert _counts(dialog)["unchanged"] == 5 and _counts(dialog)["new"] == 0
    dialog.reject()


def test_refused_file_names_the_file_and_the_expected_columns(window, qtbot, tmp_path):
    weekly = tmp_path / "acled.csv"
    weekly.write_text("WEEK,REGION,COUNTRY,ADMIN1,EVENT_TYPE,EVENTS,FATALITIES\n"
                      "2024-11-23,Middle East,Syria,Idlib,Battles,12,30\n", encoding="utf-8")
    n = window.feed_panel.model.rowCount()
    acts = window.interchange
    assert acts.import_file(weekly)
    qtbot.waitUntil(lambda: acts.job is None, timeout=30000)
    box = window.last_error_dialog
    assert box is not None and box.isVisible()
    assert box.textFormat() == Qt.TextFormat.PlainText
    text = box.text()
    assert str(weekly) in text
    assert "weekly aggregates" in text
    assert "event_id_cnty" in text and "event_date" in text and "latitude" in text
    assert acts.review_dialog is None
    assert window.feed_panel.model.rowCount() == n


def test_unknown_csv_gets_a_column_mapping(window, qtbot, tmp_path):
    path = tmp_path / "colleague.csv"
    path.write_text("when,headline,lat,lng\n2024-11-27,Convoy seen at the border,34.4,40.9\n"
                    "2024-11-28,Second convoy,34.5,41.0\n", encoding="utf-8")
    asked = []

    def pick(p, columns, reason):
        asked.append((columns, reason))
        return {"time": "when", "title": "headline", "lat": "lat", "lon": "lng"}

    window.interchange.ask_mapping = pick
    window.interchange.import_file(path)
    qtbot.waitUntil(lambda: window.interchange.review_dialog is not None, timeout=30000)
    assert asked and asked[0][0] == ["when", "headline", "lat", "lng"]
    assert "unknown layout" in asked[0][1]
    dialog = window.interchange.review_dialog
    assert _counts(dialog)["new"] == 2
    qtbot.waitUntil(lambda: dialog.ready, timeout=30000)
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: any(e.title == "Second convoy" for e in window.ctx.scenario.events))


def test_mapping_dialog_says_what_is_missing(window, qtbot):
    from monitor.ui.interchange_dialogs import MappingDialog

    d = MappingDialog("x.csv", ["c1", "c2", "c3"], parent=window)
    qtbot.addWidget(d)
    ok = d.buttons.button(d.buttons.StandardButton.Ok)
    assert not ok.isEnabled() and "time and title" in d.problem.text()
    d.set_column("time", "c1")
    d.set_column("title", "c2")
    assert ok.isEnabled()
    d.set_column("lat", "c3")
    assert not ok.isEnabled() and "lat and lon" in d.problem.text()
    d.set_column("lat", "")
    assert d.mapping() == {"time": "c1", "title": "c2"}
    # Columns named like the fields are picked already.
    guessed = MappingDialog("y.csv", ["When", "Headline", "lat", "lng"], parent=window)
    qtbot.addWidget(guessed)
    assert guessed.mapping() == {"time": "When", "title": "Headline", "lat": "lat", "lon": "lng"}


def test_cancel_while_reading_changes_nothing(window, qtbot, tmp_path):
    feed = big_acled(tmp_path / "big.csv", 3000)
    acts = window.interchange
    n = len(window.ctx.scenario.events)
    assert acts.import_file(feed)
    acts.progress_dialog.reject()  # its Cancel button
    qtbot.waitUntil(lambda: acts.job is None, timeout=30000)
    assert acts.review_dialog is None
    assert len(window.ctx.scenario.events) == n
    assert "cancelled" in window.statusBar().currentMessage()


def test_export_writes_exactly_the_filtered_view_and_reimports(window, qtbot, tmp_path):
    feed = write_acled(tmp_path / "acled.csv",
                       [acled_row(i, day=f"2024-11-{10 + i:02d}") for i in range(12)])
    _review(window, qtbot, feed).apply_button.click()
    qtbot.waitUntil(lambda: window.ctx.scenario.event("acled:SYR0") is not None)
    # The cursor parked on 2024-11-16 and a search: the feed shows a few events.
    tz = window.ctx.tz
    window.ctx.set_cursor(datetime(2024, 11, 16, 23, 0, tzinfo=tz))
    window.feed_panel.set_filter(text="Al-Bukamal")
    frame = window.ctx.events_frame
    shown = window.ctx.shown_events
    cursor_ns = frame["time_ns"].to_numpy()
    expected = {str(frame["id"].iloc[i]) for i in shown
                if cursor_ns[i] <= int(window.ctx.cursor_time().timestamp() * 1e9)}
    assert expected and len(expected) < len(frame)
    assert all("Al-Bukamal" in window.ctx.scenario.event(e).title for e in expected)

    out = tmp_path / "view.geojson"
    window.interchange.ask_export_target = lambda: (str(out), "geojson")
    window.interchange.export_action.trigger()
    doc = json.loads(out.read_text(encoding="utf-8"))
    events = [f for f in doc["features"] if f["properties"]["feature_type"] == "event"]
    assert {f["properties"]["id"] for f in events} == expected
    assert doc["monitor_export"]["search"] == "Al-Bukamal"
    assert doc["monitor_export"]["as_of"].startswith("2024-11-16T23:00")

    csv_out = tmp_path / "view.csv"
    assert window.interchange.export_to(csv_out, "csv") == len(expected)
    lines = csv_out.read_text(encoding="utf-8").splitlines()
    assert sum(1 for ln in lines if ln.startswith("event,")) == len(expected)

    # The GeoJSON into an empty scenario: the same events.
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(EMPTY), encoding="utf-8")
    target = load_scenario(empty)
    review = plan_import(target, parse_feed(out))
    assert sorted(review.new) == sorted(expected)
    from monitor.interchange import apply_review
    from monitor.model.writer import event_json

    apply_review(target, review)
    for event_id in expected:
        assert event_json(target.event(event_id)) == event_json(window.ctx.scenario.event(event_id))


def test_export_error_is_shown_plainly(window, tmp_path):
    out = tmp_path / "no-such-folder" / "view.geojson"
    assert window.interchange.export_to(out, "geojson") is None
    box = window.last_error_dialog
    assert box is not None and str(out) in box.text()
    assert not out.exists()

