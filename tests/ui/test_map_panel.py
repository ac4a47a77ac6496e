"""Map panel (issue 13): real widgets, offscreen, clicked through the panel's (lon, lat)
-> pixel mapping. Most tests use a scenario made here, on the Bolivia-Peru border (far from
the bundled region, so that only the world layer of the base map is under it)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QToolButton, QToolTip

from monitor.model import CrossingStatus, Moment, load_scenario
from monitor.model.changelog import ChangeLog
from monitor.model.changes import status_change
from monitor.ui.context import ScenarioContext
from monitor.ui.map import MapPanel
from monitor.ui.map.colors import VERIFICATION_COLORS
from monitor.ui.map.layer import EventClusters
from monitor.ui.map.panel import plain_tooltip

DATA = Path(__file__).resolve().parents[1] / "data"
HOSTILE = "<b>bold</b> <a href='x'>link</a> \u202eevil"

# Desaguadero (the Bolivia-Peru crossing on Lake Titicaca), Kasani, and events around them.
CROSSINGS = [
    {
        "id": "desag",
        "name": "Desaguadero",
        "name_local": "Desaguadero \u0627\u0644\u062d\u062f",
        "lat": -16.566,
        "lon": -69.04,
        "history": [("2024-05-01", "open"), ("2024-06-10", "closed")],
    },
    {
        "id": "kasani",
        "name": HOSTILE,
        "name_local": None,
        "lat": -16.225,
        "lon": -69.095,
        "history": [("2024-05-01", "restricted")],
    },
]
EVENTS = [
    # id, date, lat, lon, verification, title
    ("e-puno", "2024-06-01", -15.84, -70.02, "confirmed", "Protest in Puno"),
    ("e-lapaz", "2024-06-02", -16.50, -68.15, "reported", HOSTILE),
    ("e-c1", "2024-06-03", -17.00, -67.00, "confirmed", "Cluster one"),
    ("e-c2", "2024-06-04", -17.00, -67.00, "disputed", "Cluster two"),
    ("e-c3", "2024-06-05", -17.00, -67.00, "reported", "Cluster three"),
    ("e-nowhere", "2024-06-06", None, None, "reported", "Somewhere unknown"),
    ("e-late", "2024-06-20", -15.50, -69.50, "confirmed", "Late event"),
]
CURSOR = datetime(2024, 6, 15, 12, tzinfo=UTC)  # after all events but e-late


def andes_doc() -> dict:
    doc = json.loads((DATA / "small.json").read_text(encoding="utf-8"))
    doc["scenario"] = {
        "id": "andes-test",
        "title": "Andes border test",
        "timezone": "America/La_Paz",
    }
    src = doc["sources"][0]["id"]
    doc["events"] = []
    for eid, day, lat, lon, ver, title in EVENTS:
        ev = {
            "id": eid,
            "time": day,
            "title": title,
            "category": "protest" if "Protest" in title else "other",
            "actors": [],
            "source_ids": [src],
            "verification": ver,
        }
        if lat is not None:
            ev["location"] = {"name": f"near {title}", "lat": lat, "lon": lon}
        doc["events"].append(ev)
    doc["crossings"] = []
    for c in CROSSINGS:
        entry = {
            "id": c["id"],
            "name": c["name"],
            "sides": [{"country": "Peru", "place": "A"}, {"country": "Bolivia", "place": "B"}],
            "location": {"lat": c["lat"], "lon": c["lon"]},
            "kind": "official",
            "history": [{"time": t, "status": s, "source_ids": []} for t, s in c["history"]],
        }
        if c["name_local"]:
            entry["name_local"] = c["name_local"]
        doc["crossings"].append(entry)
    doc["territory"] = []
    return doc


@pytest.fixture
def andes(tmp_path):
    path = tmp_path / "andes.json"
    path.write_text(json.dumps(andes_doc(), ensure_ascii=False), encoding="utf-8")
    return load_scenario(path), path


@pytest.fixture
def panel(qtbot, andes):
    scenario, path = andes
    ctx = ScenarioContext(scenario, path)
    ctx.set_cursor(CURSOR)
    widget = MapPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(900, 650)
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit_to_scenario()
    QApplication.processEvents()
    return widget, ctx


def click(qtbot, panel: MapPanel, lon: float, lat: float, button=Qt.MouseButton.LeftButton) -> None:
    pos = panel.view_pos(lon, lat)
    assert panel.view.viewport().rect().contains(pos), f"({lon}, {lat}) is not in view"
    qtbot.mouseClick(panel.view.viewport(), button, pos=pos)


def test_view_is_in_degrees_with_equirectangular_aspect(panel):
    widget, _ctx = panel
    rect = widget.visible_rect()
    a, b = widget.view_pos(-69.0, -16.0), widget.view_pos(-68.0, -15.0)
    assert b.x() > a.x() and b.y() < a.y()  # east is right, north is up
    ratio = (a.y() - b.y()) / (b.x() - a.x())
    assert ratio == pytest.approx(1 / math.cos(math.radians(rect.center().y())), rel=0.03)
    lon, lat = widget.lonlat_at(widget.view_pos(-69.04, -16.566))
    assert lon == pytest.approx(-69.04, abs=0.02) and lat == pytest.approx(-16.566, abs=0.02)


def test_fit_shows_every_crossing_and_located_event_and_home_key_triggers_it(qtbot, panel):
    widget, _ctx = panel
    assert widget.fit_action.objectName() == "mapFitAction"
    assert widget.fit_action in widget.actions()
    buttons = [
        b
        for b in widget.toolbar.findChildren(QToolButton)
        if b.defaultAction() is widget.fit_action
    ]
    assert buttons, "the fit action has a toolbar button"
    widget.show_region(10.0, 40.0, 12.0, 42.0)  # Italy
    assert not widget.visible_rect().contains(-69.0, -16.5)
    widget.view.setFocus()
    qtbot.keyClick(widget.view, Qt.Key.Key_Home)
    rect = widget.visible_rect()
    for _eid, _day, lat, lon, *_ in EVENTS:
        if lat is not None:
            assert rect.contains(lon, lat)
    for c in CROSSINGS:
        assert rect.contains(c["lon"], c["lat"])


def test_zoom_is_limited(panel):
    widget, _ctx = panel
    widget.view_box.setRange(xRange=(-69.0, -68.99999), yRange=(-16.0, -15.99999), padding=0)
    assert widget.visible_rect().width() >= 0.02 * 0.99
    widget.view_box.setRange(xRange=(-5000, 5000), yRange=(-3000, 3000), padding=0)
    assert (
        widget.visible_rect().width() <= 720 * 1.01 and widget.visible_rect().height() <= 180 * 1.01
    )


def test_clicking_an_event_point_selects_it(qtbot, panel):
    widget, ctx = panel
    with qtbot.waitSignal(ctx.event_selected) as sig:
        click(qtbot, widget, -70.02, -15.84)
    assert sig.args == ["e-puno"] and ctx.selected_event == "e-puno"
    click(qtbot, widget, -68.15, -16.50)
    assert ctx.selected_event == "e-lapaz"
    assert widget.highlighted() == pytest.approx((-68.15, -16.50))


def test_clicking_empty_sea_selects_nothing(qtbot, panel):
    widget, ctx = panel
    ctx.select_event("e-puno")
    widget.show_region(-80.0, -20.0, -75.0, -15.0)  # the Pacific
    click(qtbot, widget, -78.0, -18.0)
    assert ctx.selected_event == "e-puno"
    assert widget.pick(-78.0, -18.0) == ""


def test_a_cluster_offers_its_events(qtbot, panel):
    widget, ctx = panel
    click(qtbot, widget, -67.0, -17.0)
    menu = widget.cluster_menu
    assert isinstance(menu, QMenu) and menu.objectName() == "mapClusterMenu"
    choices = [a for a in menu.actions() if a.data()]
    assert [a.data() for a in choices] == ["e-c3", "e-c2", "e-c1"]  # newest first
    assert ctx.selected_event == ""
    choices[1].trigger()
    assert ctx.selected_event == "e-c2"
    k = next(i for i in range(len(widget.points)) if widget.points.count[i] == 3)
    assert widget.points.lon[k] == pytest.approx(-67.0)


def test_clicking_a_crossing_selects_it_and_a_selection_elsewhere_marks_it(qtbot, panel):
    widget, ctx = panel
    with qtbot.waitSignal(ctx.crossing_selected):
        click(qtbot, widget, -69.04, -16.566)
    assert ctx.selected_crossing == "desag"
    assert widget.crossing_marker("desag").selected
    ctx.select_crossing("kasani")  # e.g. from the crossings table
    assert (
        widget.crossing_marker("kasani").selected and not widget.crossing_marker("desag").selected
    )


def test_selecting_an_event_elsewhere_brings_it_into_view(panel):
    widget, ctx = panel
    widget.show_region(-75.0, -10.0, -73.0, -8.0)
    assert not widget.visible_rect().contains(-67.0, -17.0)
    width = widget.visible_rect().width()
    ctx.select_event("e-c2")
    assert widget.highlighted() == pytest.approx((-67.0, -17.0))
    assert widget.visible_rect().contains(-67.0, -17.0)
    # zoom kept (the width follows the aspect of the new central latitude: cos 9° vs cos 17°)
    assert widget.visible_rect().width() == pytest.approx(width, rel=0.06)
    ctx.select_event("e-nowhere")  # no location: nothing highlighted, no error
    assert widget.highlighted() is None


def test_crossing_symbols_follow_the_cursor_a_toggle_and_its_undo(panel):
    widget, ctx = panel
    assert widget.crossing_status("desag") == CrossingStatus.CLOSED
    assert widget.crossing_status("kasani") == CrossingStatus.RESTRICTED
    ctx.set_cursor(datetime(2024, 5, 20, tzinfo=UTC))
    assert widget.crossing_status("desag") == CrossingStatus.OPEN
    ctx.set_cursor(datetime(2024, 4, 1, tzinfo=UTC))
    assert widget.crossing_status("desag") is None  # unknown before any report
    ctx.set_cursor(CURSOR)
    # A toggle, the way the app records it: a change applied to the log, then notified.
    log = ChangeLog(ctx.scenario)
    change = status_change(
        ctx.scenario, "desag", CrossingStatus.OPEN, Moment(CURSOR, False), by="tester"
    )
    log.apply(change)
    ctx.notify_changed(change.entity, change.key)
    assert widget.crossing_status("desag") == CrossingStatus.OPEN
    icon_open = widget.crossing_marker("desag").icon
    undo = change.inverse("tester")
    log.apply(undo)
    ctx.notify_changed(undo.entity, undo.key)
    assert widget.crossing_status("desag") == CrossingStatus.CLOSED
    assert widget.crossing_marker("desag").icon is not icon_open  # another shape


def test_events_follow_the_feed_filters_and_the_cursor(panel):
    widget, ctx = panel

    def shown_ids() -> set[str]:
        ids = ctx.events_frame["id"]
        return {
            str(ids.iat[int(p)])
            for k in range(len(widget.points))
            for p in widget.points.events_of(k)
        }

    assert shown_ids() == {"e-puno", "e-lapaz", "e-c1", "e-c2", "e-c3", "e-late"}
    late = next(
        k for k in range(len(widget.points)) if widget.points.lon[k] == pytest.approx(-69.5)
    )
    assert widget.points.future[late]  # after the cursor: dimmed
    assert any("after the cursor" in w.text() for w in widget.legend.findChildren(QLabel))
    ctx.set_hide_future(True)
    assert "e-late" not in shown_ids()
    assert not any("after the cursor" in w.text() for w in widget.legend.findChildren(QLabel))
    frame = ctx.events_frame
    wanted = np.flatnonzero(frame["id"].isin(["e-puno", "e-c1", "e-nowhere"]).to_numpy())
    ctx.set_shown_events(wanted)
    assert shown_ids() == {"e-puno", "e-c1"}
    assert widget.unlocated_count == 1
    ctx.set_cursor(datetime(2024, 6, 2, tzinfo=UTC))
    assert shown_ids() == {"e-puno"}
    assert widget.unlocated_count == 0
    ctx.set_shown_events(None)
    ctx.set_hide_future(False)
    ctx.set_cursor(CURSOR)
    assert "e-late" in shown_ids()


def test_no_location_note(panel):
    widget, ctx = panel
    note = widget.legend.note
    assert note.objectName() == "mapNoLocationNote"
    assert note.textFormat() == Qt.TextFormat.PlainText
    assert note.text() == "1 event has no location" and not note.isHidden()
    ctx.set_shown_events(np.array([0, 1], dtype=np.int64))
    assert note.isHidden()


def test_hover_shows_hostile_text_literally(qtbot, panel):
    widget, _ctx = panel
    text = widget.tooltip_text_at(-68.15, -16.50)
    assert "<b>bold</b>" in text
    markup = plain_tooltip(text)
    assert "<b>" not in markup and "&lt;b&gt;bold&lt;/b&gt;" in markup
    crossing_text = widget.tooltip_text_at(-69.095, -16.225)
    assert "<a href='x'>link</a>" in crossing_text and "restricted" in crossing_text
    cluster_text = widget.tooltip_text_at(-67.0, -17.0)
    assert cluster_text.startswith("3 events at this place")
    qtbot.mouseMove(widget.view.viewport(), widget.view_pos(-68.15, -16.50))
    qtbot.waitUntil(lambda: QToolTip.isVisible() and "bold" in QToolTip.text(), timeout=2000)
    assert "&lt;b&gt;" in QToolTip.text()
    assert widget.crossing_marker("kasani").label.startswith("\u2068")  # bidi-isolated


def test_points_are_drawn_where_they_are_in_their_colours(panel):
    widget, _ctx = panel
    want = QColor(VERIFICATION_COLORS["confirmed"])
    pos = widget.view_pos(-70.02, -15.84)  # e-puno, confirmed
    # The view alone, and the whole panel: there the view sits below the toolbar, an offset
    # in the backing store that the stamped image must not add a second time.
    for image, at in (
        (widget.view.viewport().grab().toImage(), pos),
        (widget.grab().toImage(), widget.view.viewport().mapTo(widget, pos)),
    ):
        got = QColor(image.pixel(at))
        diff = abs(got.red() - want.red()) + abs(got.green() - want.green())
        assert diff + abs(got.blue() - want.blue()) < 40
    assert widget.points_item.mode == "points" and widget.points_item.drawn == len(widget.points)


def test_colour_by_category_toggle(panel):
    widget, _ctx = panel
    assert widget.legend.class_names[:3] == ["confirmed", "reported", "disputed"]
    widget.color_action.setChecked(True)
    assert widget.legend.class_names == ["other", "protest"]
    assert widget.color_action.objectName() == "mapColorByCategoryAction"


def test_context_menu_has_the_fit_action(qtbot, panel):
    widget, _ctx = panel
    centre = widget.visible_rect().center()
    click(qtbot, widget, centre.x(), centre.y() + 0.05, Qt.MouseButton.RightButton)
    assert widget.context_menu is not None and widget.fit_action in widget.context_menu.actions()
    widget.context_menu.close()


def test_dark_palette_gives_a_dark_map(panel):
    widget, _ctx = panel
    light_sea = widget._colors.sea
    dark = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#17181a"),
        (QPalette.ColorRole.Text, "#e8eaed"),
    ):
        dark.setColor(role, QColor(color))
    widget.setPalette(dark)
    assert widget._colors.land.lightnessF() < 0.4 and widget._colors.label.lightnessF() > 0.6
    assert widget._colors.sea != light_sea and widget._colors.sea != widget._colors.land


def test_bundled_scenario_crossings_by_status_and_click(qtbot):
    scenario = load_scenario(DATA / "small.json")
    ctx = ScenarioContext(scenario)
    ctx.set_cursor(datetime(2024, 12, 5, tzinfo=UTC))
    widget = MapPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit_to_scenario()
    assert widget.crossing_status("qaim") == CrossingStatus.CLOSED
    qaim = scenario.crossing("qaim")
    click(qtbot, widget, qaim.location.lon, qaim.location.lat)
    assert ctx.selected_crossing == "qaim"
    # An event at the crossing itself: a second click on the selected crossing selects it.
    at_qaim = [
        e.id
        for e in scenario.events
        if e.location is not None
        and e.location.lat == qaim.location.lat
        and e.location.lon == qaim.location.lon
    ]
    assert at_qaim == ["e2"]
    tip = widget.tooltip_text_at(qaim.location.lon, qaim.location.lat)
    assert "click the selected crossing for the event here" in tip
    click(qtbot, widget, qaim.location.lon, qaim.location.lat)
    assert ctx.selected_event == "e2" and ctx.selected_crossing == "qaim"
    assert widget.basemap.layer("detail") is not None and not widget.basemap.problem
    widget.show_region(30.0, 25.0, 55.0, 42.0)
    widget.view.viewport().grab()
    assert {"Iraq", "Syria"} <= set(widget.labels_item.shown)
    widget.show_region(-180.0, -60.0, 180.0, 85.0)  # the world: only the largest countries
    widget.view.viewport().grab()
    assert {"Brazil", "Russia"} <= set(widget.labels_item.shown)
    assert "Iraq" not in widget.labels_item.shown


def synthetic_frame(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lat = rng.uniform(-20.0, -10.0, n)
    lon = rng.uniform(-75.0, -60.0, n)
    lat[::97] = np.nan  # some without a location
    return pd.DataFrame(
        {
            "id": pd.array([f"ev{i}" for i in range(n)], dtype="string"),
            "time_ns": np.sort(rng.integers(1_700_000_000, 1_720_000_000, n)) * 10**9,
            "lat": lat,
            "lon": lon,
            "verification": pd.Categorical(
                rng.choice(["confirmed", "reported", "disputed", "denied"], n)
            ),
            "category": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        }
    )


def test_a_100k_point_layer_is_one_image_stamped_and_repainted(panel):
    widget, _ctx = panel
    frame = synthetic_frame(100_000)
    clusters = EventClusters(frame)
    assert clusters.n_unlocated == len(range(0, 100_000, 97))
    points = clusters.derive(None, int(frame["time_ns"].iloc[50_000]), hide_future=False)
    assert points.n_events == 100_000 - clusters.n_unlocated
    assert np.count_nonzero(points.future) > 40_000
    item = widget.points_item
    items_before = len(widget.view.scene().items())
    item.set_points(points)
    widget.show_region(-75.0, -20.0, -60.0, -10.0)
    before = item.paint_count
    widget.view.viewport().grab()
    assert item.paint_count > before
    assert item.mode == "density" and item.drawn > item.density_threshold // 2  # zoomed out
    assert len(widget.view.scene().items()) == items_before  # no scene item per point
    widget.show_region(-68.0, -15.0, -67.0, -14.0)  # zoomed in: a few hundred dots
    widget.view.viewport().grab()
    assert item.mode == "points" and 0 < item.drawn < 5_000, item.error
    for lon0 in np.arange(-75.0, -60.0, 0.7):  # dots cut by every edge of the view
        widget.show_region(lon0, -20.5, lon0 + 0.9, -19.6)
        widget.view.viewport().grab()
        assert item.error == "" and item.mode in ("points", "none")
    # The nearest point to a click is found among all 100k.
    k = points.nearest(-67.5, -14.5, 900.0, 900.0, 50.0)
    d = np.hypot(points.lon - -67.5, points.lat - -14.5)
    assert k == int(np.argmin(d))
    assert points.nearest(-67.5, -14.5, 900.0, 900.0, 0.0) in (-1, k)


def test_wheel_zooms_and_drag_pans(qtbot, panel):
    widget, _ctx = panel
    viewport = widget.view.viewport()
    before = widget.visible_rect()
    at = QPointF(viewport.rect().center())
    wheel = QWheelEvent(
        at,
        QPointF(viewport.mapToGlobal(at.toPoint())),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    zoomed = widget.visible_rect()
    assert zoomed.width() < before.width() * 0.9  # wheel up zooms in
    start = viewport.rect().center()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(viewport, start + QPoint(10 * step, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(100, 0))
    moved = widget.visible_rect()
    assert moved.center().x() < zoomed.center().x()  # dragged right: the map moves east->west
    assert moved.width() == pytest.approx(zoomed.width(), rel=0.01)


def test_another_scenario_replaces_everything(panel):
    widget, ctx = panel
    ctx.select_crossing("desag")
    ctx.replace_scenario(load_scenario(DATA / "small.json"), None)
    assert widget.crossing_status("desag") == "absent"
    assert widget.crossing_status("qaim") != "absent"
    assert widget.highlighted() is None
    rect = widget.visible_rect()
    assert rect.contains(40.977, 34.3975) and rect.width() < 30  # fitted to the new scenario
    assert widget.legend.note.text() == "1 event has no location"  # e3
