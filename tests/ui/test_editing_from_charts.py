"""Editing from the map and the territory chart (issue 14): the map's right-click menu
offers "New event here…" (the place of the click filled in) and "Edit event…" for the
event under the click; the territory chart's menu edits (or deletes) the entry under it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from monitor.model import load_scenario
from monitor.ui import MainWindow
from monitor.ui.editing.event_dialog import EventDialog
from monitor.ui.editing.territory_dialog import TerritoryDialog


def _act(w: MainWindow, name: str) -> QAction:
    act = w.findChild(QAction, name)
    assert act is not None, name
    return act


def _right_click_map(w: MainWindow, lon: float, lat: float):
    panel = w.map_panel
    QTest.mouseClick(
        panel.view.viewport(), Qt.MouseButton.RightButton, pos=panel.view_pos(lon, lat)
    )
    menu = panel.context_menu
    assert menu is not None and menu.isVisible()
    return menu


def test_new_event_here_takes_the_clicked_place_and_is_saved(window, small_path) -> None:
    w = window
    menu = _right_click_map(w, 41.5, 35.25)  # open country: no event there
    new_here = _act(w, "mapNewEventAction")
    edit_here = _act(w, "mapEditEventAction")
    assert new_here in menu.actions() and edit_here in menu.actions()
    assert new_here.isEnabled() and not edit_here.isEnabled()
    # The map's own entries are still there, after the editing ones.
    assert w.map_panel.fit_action in menu.actions()
    menu.close()
    new_here.trigger()
    d = w.editing.last_dialog
    assert isinstance(d, EventDialog) and d.isVisible()
    assert abs(float(d.lon_edit.text()) - 41.5) < 0.1
    assert abs(float(d.lat_edit.text()) - 35.25) < 0.1
    d.time_edit.setText("2024-12-06 10:00")
    d.title_edit.setText("Convoy seen east of Deir ez-Zor")
    d.category_combo.setCurrentText("military")
    d.location_edit.setText("Desert road")
    assert d.ok_button.isEnabled(), d.problems
    d.accept()
    assert w.save()
    saved = [e for e in load_scenario(small_path).events if e.title.startswith("Convoy")]
    assert len(saved) == 1 and abs(saved[0].location.lon - 41.5) < 0.1


def test_edit_event_on_the_event_under_the_click(window, small_path) -> None:
    w = window
    w.ctx.select_event("")
    e1 = w.ctx.scenario.event("e1")
    menu = _right_click_map(w, e1.location.lon, e1.location.lat)
    edit_here = _act(w, "mapEditEventAction")
    assert edit_here.isEnabled() and "Aleppo" not in edit_here.text()  # the title, not place
    assert e1.title.split()[0] in edit_here.text()
    menu.close()
    edit_here.trigger()
    d = w.editing.last_dialog
    assert isinstance(d, EventDialog) and d.before["id"] == "e1"
    assert w.ctx.selected_event == "e1"
    d.title_edit.setText("Edited from the map")
    d.accept()
    assert w.ctx.scenario.event("e1").title == "Edited from the map"
    w.undo_action.trigger()
    assert w.ctx.scenario.event("e1").title == e1.title


def _right_click_chart(w: MainWindow, day: date, share: float):
    panel = w.territory_panel
    vb = panel.plot_item.getViewBox()
    x = panel.x_of(day) + 12 * 3600  # midday
    panel.navigation.show_all()  # every territory date in view
    scene = vb.mapViewToScene(QPointF(x, share))
    pos = panel.plot_widget.mapFromScene(scene)
    QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.RightButton, pos=pos)
    menu = panel.navigation._menu  # the menu just opened (kept while it is open)
    assert menu is not None and menu.isVisible()
    return menu


def test_the_territory_chart_edits_the_entry_under_the_click(window, small_path) -> None:
    w = window
    # 5 Dec, low on the chart: the government's band of the 5 Dec entries (gov 55 %, first).
    menu = _right_click_chart(w, date(2024, 12, 5), 20.0)
    edit = _act(w, "territoryEditEntryAction")
    assert edit in menu.actions()
    assert _act(w, "territoryResetView") in menu.actions()  # the chart's own, still there
    menu.close()
    edit.trigger()
    d = w.editing.last_dialog
    assert isinstance(d, TerritoryDialog)
    assert d.chooser.key() == "2024-12-05/gov", d.chooser.key()
    assert d.share_edit.text() in ("55", "55.0")
    d.share_edit.setText("50")
    d.accept()
    assert not d.isVisible(), d.problems  # 50 + 20 + 25 = 95 %: within the rules

    def gov_5_dec(scenario):
        key = ("2024-12-05", "gov")
        return next(t for t in scenario.territory if (str(t.date), t.faction) == key)

    assert gov_5_dec(w.ctx.scenario).share_pct == 50
    assert w.save()
    assert gov_5_dec(load_scenario(small_path)).share_pct == 50


def test_the_chart_can_delete_the_entry_under_the_click(window) -> None:
    w = window
    menu = _right_click_chart(w, date(2024, 11, 28), 95.0)  # top band of 26 Nov: Kurdish
    menu.close()
    _act(w, "territoryDeleteEntryAction").trigger()
    keys = {(t.date.isoformat(), t.faction) for t in w.ctx.scenario.territory}
    assert ("2024-11-26", "kur") not in keys and len(keys) == 5
    w.undo_action.trigger()
    assert len(w.ctx.scenario.territory) == 6


def test_panels_built_after_the_first_paint_get_the_menus(qtbot, small_path) -> None:
    w = MainWindow(small_path, defer_panels=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.feed_dock.findChild(QLabel, "feedNote") is not None, timeout=5000)
    menus = w.editing.chart_menus
    assert menus.map_panel is w.map_panel and menus.territory_panel is w.territory_panel
    assert _act(w, "territoryEditEntryAction") in w.territory_panel.navigation.context_actions
    panel = w.map_panel
    panel.show_context_menu(QPoint(10, 10), 41.0, 35.0)
    assert _act(w, "mapNewEventAction") in panel.context_menu.actions()
    panel.context_menu.close()
