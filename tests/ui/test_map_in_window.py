"""The map dock in the real window: where it sits, and linked with the feed and the crossings
table through the shared context only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from monitor.model import CrossingStatus


def test_the_map_is_a_dock_like_the_others_and_the_largest_data_panel(
    qtbot, open_window, small_path
) -> None:
    w = open_window(small_path)
    dock = w.findChild(QDockWidget, "mapDock")
    assert dock is not None and dock.isVisible()
    view_menu = next(a.menu() for a in w.menuBar().actions() if a.menu().objectName() == "viewMenu")
    assert dock.toggleViewAction() in view_menu.actions()
    area = lambda d: d.width() * d.height()  # noqa: E731
    others = [w.findChild(QDockWidget, n) for n in ("crossingsDock", "territoryDock")]
    assert all(area(dock) > area(o) for o in others)
    dock.close()  # closable, and back from the View menu
    dock.toggleViewAction().trigger()
    assert dock.isVisible()


def test_clicking_the_map_selects_in_the_feed_and_the_table_and_back(
    qtbot, open_window, small_path
) -> None:
    w = open_window(small_path)
    panel = w.map_panel
    panel.fit_to_scenario()
    qtbot.wait(50)
    semalka = w.ctx.scenario.crossing("semalka")
    pos = panel.view_pos(semalka.location.lon, semalka.location.lat)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert w.ctx.selected_crossing == "semalka"
    assert w.crossings_panel.selected_crossing_id() == "semalka"
    # An event point (Hama, e4) selects the event in the feed, whose detail pane shows it.
    e4 = w.ctx.scenario.event("e4")
    pos = panel.view_pos(e4.location.lon, e4.location.lat)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert w.ctx.selected_event == "e4"
    assert "Rebels take Hama" in w.feed_panel.detail.document().toPlainText()
    assert panel.highlighted() == (e4.location.lon, e4.location.lat)
    # Selecting in the feed highlights the event on the map.
    w.ctx.select_event("e2")
    e2 = w.ctx.scenario.event("e2")
    assert panel.highlighted() == (e2.location.lon, e2.location.lat)


def test_the_map_symbol_follows_a_toggle_and_its_undo(qtbot, open_window, small_path) -> None:
    w = open_window(small_path)
    panel = w.map_panel
    before = panel.crossing_status("qaim")
    assert w.set_crossing_status("qaim", CrossingStatus.OPEN)
    assert panel.crossing_status("qaim") != before and "open" in str(panel.crossing_status("qaim"))
    w.undo_action.trigger()
    assert panel.crossing_status("qaim") == before


def test_the_map_shows_exactly_what_the_feeds_filters_let_through(
    qtbot, open_window, small_path
) -> None:
    w = open_window(small_path)
    panel = w.map_panel
    everyone = panel.points.n_events
    assert everyone == 3  # small.json: 3 located events up to Live (e3 has no place)
    w.feed_panel.set_filter(text="hama")
    assert panel.points.n_events == 1
    (member,) = panel.points.members
    assert w.ctx.events_frame["id"].iloc[int(member)] == "e4"
    w.feed_panel.set_filter(verifications=["confirmed"])
    ids = {w.ctx.events_frame["id"].iloc[int(m)] for m in panel.points.members}
    assert ids == {"e1", "e2"}
    w.feed_panel.clear_filters()
    assert panel.points.n_events == everyone
