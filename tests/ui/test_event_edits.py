"""Events change through the change log, and every panel follows (issue 12: events are no
longer read-only). The editing dialogs come with issue 14; these edits go through the same
session path they will use."""

from __future__ import annotations

from monitor.model import load_scenario
from monitor.model.changelog import entity_json
from monitor.model.changes import EVENT, SOURCE, entity_change
from monitor.ui import MainWindow
from monitor.ui.feed.columns import EventColumn


def _titles(w: MainWindow) -> list[str]:
    m = w.feed_panel.model
    return [str(m.index(r, EventColumn.TITLE).data()) for r in range(m.rowCount())]


def _window(qtbot, path) -> MainWindow:
    w = MainWindow(path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_an_event_edit_shows_everywhere_is_undoable_journalled_and_saved(qtbot, small_path) -> None:
    w = _window(qtbot, small_path)
    before = entity_json(w.ctx.scenario, EVENT, "e4")
    w.ctx.select_event("e4")
    w.session.push(entity_change(EVENT, "e4", before, {**before, "title": "Hama taken by rebels"}))
    assert "Hama taken by rebels" in _titles(w)
    assert "Hama taken by rebels" in w.feed_panel.detail.document().toPlainText()
    assert w.isWindowModified()
    journal = w.session.storage.journal_path.read_text(encoding="utf-8")
    assert '"entity": "event"' in journal and "Hama taken by rebels" in journal
    w.undo_action.trigger()
    assert "City falls" in _titles(w) and "Hama taken by rebels" not in _titles(w)
    w.redo_action.trigger()
    assert w.save()
    assert load_scenario(small_path).event("e4").title == "Hama taken by rebels"


def test_a_new_event_and_a_deleted_one_come_and_go_in_the_feed_and_the_map(
    qtbot, small_path
) -> None:
    w = _window(qtbot, small_path)
    shown = w.map_panel.points.n_events
    new = {
        "id": "e5",
        "time": "2024-12-06T10:00:00+03:00",
        "title": "Convoy at Al-Qaim",
        "category": "border",
        "actors": ["gov"],
        "source_ids": ["s1"],
        "verification": "reported",
        "location": {"name": "Al-Qaim", "lat": 34.39, "lon": 40.98},
    }
    w.session.push(entity_change(EVENT, "e5", None, new))
    assert "Convoy at Al-Qaim" in _titles(w) and w.feed_panel.model.rowCount() == 5
    assert w.map_panel.points.n_events == shown + 1
    w.session.push(entity_change(EVENT, "e1", entity_json(w.ctx.scenario, EVENT, "e1"), None))
    assert "Offensive begins" not in _titles(w) and w.map_panel.points.n_events == shown
    w.undo_action.trigger()  # the deleted event is back
    assert "Offensive begins" in _titles(w)


def test_a_source_grade_change_regrades_its_events_in_the_feed(qtbot, small_path) -> None:
    w = _window(qtbot, small_path)
    m = w.feed_panel.model
    row = m.row_of_id("e4")  # source s1 (B), no own credibility: grade "B6"
    assert str(m.index(row, EventColumn.GRADE).data()).startswith("B")
    s1 = entity_json(w.ctx.scenario, SOURCE, "s1")
    w.session.push(entity_change(SOURCE, "s1", s1, {**s1, "reliability": "E"}))
    row = m.row_of_id("e4")
    assert str(m.index(row, EventColumn.GRADE).data()).startswith("E")


def test_an_edit_of_time_or_place_reorders_the_feed_and_moves_the_point(qtbot, small_path) -> None:
    w = _window(qtbot, small_path)
    before = entity_json(w.ctx.scenario, EVENT, "e4")  # 2024-12-05, Hama: the newest

    def newer_first() -> bool:  # is e4 shown on the far side of e1 (2024-11-27), as by time?
        t = _titles(w)
        return (t.index("City falls") < t.index("Offensive begins")) == newest_on_top

    t = _titles(w)
    newest_on_top = t.index("City falls") < t.index("Offensive begins")
    assert newer_first()
    place = {"name": "Raqqa", "lat": 35.95, "lon": 39.01}
    w.session.push(
        entity_change(EVENT, "e4", before, {**before, "time": "2024-11-20", "location": place})
    )
    assert not newer_first()  # now older than e1: the feed re-sorted
    points = w.map_panel.points
    places = {(round(lo, 2), round(la, 2)) for lo, la in zip(points.lon, points.lat, strict=True)}
    assert (39.01, 35.95) in places and (36.76, 35.13) not in places
    w.undo_action.trigger()
    assert newer_first()
