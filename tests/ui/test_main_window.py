"""The dashboard window as a user meets it: docks, menus, shortcuts, one time cursor, layout,
opening files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QMessageBox

from monitor.ui import MainWindow
from monitor.ui.crossings.status import CrossingColumn

BAGHDAD = timezone(timedelta(hours=3))


@pytest.fixture
def window(qtbot, small_path):
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _status_text(w: MainWindow, crossing_id: str) -> str:
    model = w.crossings_panel.view.model()
    for row in range(model.rowCount()):
        idx = model.index(row, CrossingColumn.STATUS)
        src = w.crossings_panel.model
        if src.crossing_at(_source_row(w, row)).id == crossing_id:
            return str(idx.data(Qt.ItemDataRole.DisplayRole))
    raise AssertionError(crossing_id)


def _source_row(w: MainWindow, row: int) -> int:
    model = w.crossings_panel.view.model()
    if hasattr(model, "mapToSource"):
        return model.mapToSource(model.index(row, 0)).row()
    return row


def test_three_docks_with_contract_object_names(window):
    for name in ("feedDock", "crossingsDock", "territoryDock"):
        dock = window.findChild(QDockWidget, name)
        assert dock is not None, name
        assert dock.isVisible()
        features = dock.features()
        for f in (
            QDockWidget.DockWidgetFeature.DockWidgetMovable,
            QDockWidget.DockWidgetFeature.DockWidgetFloatable,
            QDockWidget.DockWidgetFeature.DockWidgetClosable,
        ):
            assert features & f


def test_menu_bar_has_each_menu_once_and_edit_holds_the_crossing_actions(window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Help"]
    edit = [a.objectName() for a in window.edit_menu.actions()]
    assert "toggleCrossingAction" in edit and "markClosedAction" in edit
    file_menu = [a.text() for a in window.file_menu.actions()]
    assert "Open &Recent" in file_menu and "&Save" in file_menu


def test_closed_dock_reopens_from_view_menu(window, qtbot):
    dock = window.findChild(QDockWidget, "territoryDock")
    dock.close()
    assert not dock.isVisible()
    toggle = next(a for a in window.view_menu.actions() if a is dock.toggleViewAction())
    toggle.trigger()
    qtbot.waitUntil(dock.isVisible)


def test_title_shows_scenario_file_and_unsaved_marker(window):
    title = window.windowTitle()
    assert "Small test scenario" in title and "small.json" in title
    assert not window.isWindowModified()
    window.ctx.select_crossing("qaim")
    window.toggle_crossing_action.trigger()
    assert window.isWindowModified()


def test_cursor_before_and_after_closure_changes_al_qaim(window, qtbot):
    window.ctx.set_cursor(datetime(2024, 11, 29, 12, 0, tzinfo=BAGHDAD))
    assert _status_text(window, "qaim").lower().startswith("open")
    window.ctx.set_cursor(datetime(2024, 12, 1, 12, 0, tzinfo=BAGHDAD))
    assert _status_text(window, "qaim").lower().startswith("closed")
    # The toolbar and the status bar follow the same cursor.
    assert window.cursor_bar.edit.dateTime().date().day() == 1
    assert "2024-12-01" in window.cursor_label.text()
    assert not window.cursor_bar.live_action.isChecked()
    window.cursor_bar.live_action.trigger()
    assert window.ctx.is_live and "Live" in window.cursor_label.text()


def test_default_scenario_al_qaim_open_then_closed(qtbot, default_path, tmp_path):
    copy = tmp_path / default_path.name
    copy.write_bytes(default_path.read_bytes())
    w = MainWindow(copy)
    qtbot.addWidget(w)
    qid = next(c.id for c in w.ctx.scenario.crossings if "Qaim" in c.name)
    w.ctx.set_cursor(datetime(2024, 11, 29, 12, 0, tzinfo=BAGHDAD))
    assert _status_text(w, qid).lower().startswith("open")
    w.ctx.set_cursor(datetime(2024, 12, 2, 12, 0, tzinfo=BAGHDAD))
    assert _status_text(w, qid).lower().startswith("closed")


def test_ctrl_f_focuses_search_and_filter_narrows(window, qtbot):
    window.activateWindow()
    window.crossings_panel.view.setFocus()
    QTest.keyClick(window.crossings_panel.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert (
        window.feed_panel.search_edit.hasFocus()
        or window.focusWidget() is window.feed_panel.search_edit
    )
    qtbot.keyClicks(window.feed_panel.search_edit, "hama")
    qtbot.waitUntil(lambda: window.feed_panel.count_label.text() == "1 of 4 events", timeout=2000)


def test_standard_shortcuts(window):
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    assert window.save_action.shortcut().toString() == "Ctrl+S"


def test_selecting_event_in_chart_selects_it_in_feed(window, qtbot):
    # The chart and the feed never talk directly: the shared context carries the selection.
    window.ctx.select_event("e3")
    rows = window.feed_panel.view.selectionModel().selectedRows()
    assert rows, "feed did not follow the selection"
    assert window.feed_panel.model.event_id(rows[0].row()) == "e3"


def test_layout_restores_after_reopening(qtbot, small_path):
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    dock = w.findChild(QDockWidget, "territoryDock")
    w.removeDockWidget(dock)
    w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.show()
    w.findChild(QDockWidget, "crossingsDock").hide()
    w.close()

    w2 = MainWindow(small_path)
    qtbot.addWidget(w2)
    w2.show()
    assert (
        w2.dockWidgetArea(w2.findChild(QDockWidget, "territoryDock"))
        == Qt.DockWidgetArea.BottomDockWidgetArea
    )
    assert not w2.findChild(QDockWidget, "crossingsDock").isVisible()

    w2.reset_layout_action.trigger()
    assert w2.findChild(QDockWidget, "crossingsDock").isVisible()
    assert (
        w2.dockWidgetArea(w2.findChild(QDockWidget, "territoryDock"))
        == Qt.DockWidgetArea.RightDockWidgetArea
    )


def test_bad_file_keeps_current_scenario_and_lists_problems(window, tmp_path):
    bad = tmp_path / "bad.json"
    doc = json.loads(window.ctx.path.read_text(encoding="utf-8"))
    doc["events"][0]["time"] = "2024-02-30"
    doc["crossings"][0]["kind"] = "tunnel"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert window.open_file(bad) is False
    assert window.ctx.scenario.info.title == "Small test scenario"
    box = window.last_error_dialog
    assert isinstance(box, QMessageBox)
    details = box.detailedText()
    assert "events[0].time" in details and "crossings[0].kind" in details and "bad.json" in details
    box.close()


def test_open_other_scenario_replaces_everything(window, tmp_path):
    other = tmp_path / "other.json"
    doc = json.loads(window.ctx.path.read_text(encoding="utf-8"))
    doc["scenario"]["title"] = "Another region"
    doc["events"] = doc["events"][:2]
    other.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert window.open_file(other)
    assert "Another region" in window.windowTitle() and "other.json" in window.windowTitle()
    assert window.feed_panel.count_label.text() == "2 of 2 events"


def test_military_time_option_changes_feed_times(window):
    window.ctx.set_cursor(datetime(2024, 12, 10, tzinfo=BAGHDAD))
    window.military_time_action.setChecked(True)
    texts = [
        window.feed_panel.model.index(r, 0).data()
        for r in range(window.feed_panel.model.rowCount())
    ]
    assert "301105Z NOV 24" in texts  # 2024-11-30 14:05 +03:00
    assert any(t.startswith("27") and "NOV 24" in t and ":" not in t for t in texts)


def test_hostile_title_stays_plain_text_in_window(qtbot, tmp_path, small_path):
    doc = json.loads(small_path.read_text(encoding="utf-8"))
    doc["scenario"]["title"] = '<img src="file:///etc/hostname"><b>Bold</b>'
    p = tmp_path / "hostile.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    w = MainWindow(p)
    qtbot.addWidget(w)
    assert w.windowTitle().startswith('<img src="file:///etc/hostname"><b>Bold</b>')
    assert w.file_label.textFormat() == Qt.TextFormat.PlainText


def _settled(qtbot, compute, timeout: int = 5000):
    """``compute()`` once it gives the same answer on consecutive polls with the event loop
    run in between: the layout it depends on is finished."""
    seen: list = []

    def same_twice() -> bool:
        seen.append(compute())
        return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]

    qtbot.waitUntil(same_twice, timeout=timeout)
    return seen[-1]


def test_clicking_a_chart_marker_selects_the_event_in_the_feed(window, qtbot):
    from PySide6.QtCore import QPointF

    panel = window.territory_panel
    window.territory_dock.raise_()
    qtbot.waitUntil(lambda: panel.plot_widget.isVisible() and panel.plot_widget.width() > 100)
    vb = panel.plot_item.getViewBox()

    def click_target():
        # Everything the click position depends on: the widget's and the view box's geometry,
        # the view range, and the marker's point mapped to the viewport's pixels.
        x, y = panel.marker_point("e2")
        pos = panel.plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        geometry = (panel.plot_widget.size(), vb.sceneBoundingRect(), vb.viewRange())
        return pos, geometry

    pos, _geometry = _settled(qtbot, click_target)
    assert panel.plot_widget.viewport().rect().contains(pos)
    QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.ctx.selected_event == "e2", timeout=2000)
    rows = window.feed_panel.view.selectionModel().selectedRows()
    assert rows and window.feed_panel.model.event_id(rows[0].row()) == "e2"
    assert "Border closed" in window.feed_panel.detail.toPlainText()


def test_slider_parks_the_cursor_and_live_returns(window):
    bar = window.cursor_bar
    assert window.ctx.is_live and bar.live_action.isChecked()
    bar.slider.setValue(bar.slider.minimum() + 24 * 3)  # three days into the data's span
    assert not window.ctx.is_live
    parked = window.ctx.cursor_time()
    assert datetime(2024, 11, 25, tzinfo=BAGHDAD) < parked < datetime(2024, 12, 1, tzinfo=BAGHDAD)
    assert "(parked)" in window.cursor_label.text()
    bar.forward_action.trigger()
    assert window.ctx.cursor_time() - parked == timedelta(days=1)
    bar.live_action.trigger()
    assert window.ctx.is_live and bar.slider.value() == bar.slider.maximum()


def test_crossings_context_menu_offers_the_crossing_actions_and_the_audit_history(window, qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QMenu

    view = window.crossings_panel.view
    window.ctx.select_crossing("qaim")
    view.customContextMenuRequested.emit(QPoint(10, 10))
    menus = [m for m in view.findChildren(QMenu) if m.isVisible()]
    assert len(menus) == 1
    actions = [a for a in menus[0].actions() if not a.isSeparator()]
    assert actions[0] is window.toggle_crossing_action and actions[0].isEnabled()
    marks = {a.text(): a for a in actions[1:4]}
    assert set(marks) == {"Mark open", "Mark restricted", "Mark closed"}
    assert actions[-1] is window.history_dock.toggleViewAction()
    marks["Mark closed"].trigger()  # on the selected crossing, recorded as an undoable change
    assert window.ctx.scenario.crossing("qaim").history[-1].status.value == "closed"
    assert window.isWindowModified()
    menus[0].close()
