"""Territory timeline panel: stacked areas, framing, cursor line, hover read-out, event markers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QTest

from monitor.model import Moment, TerritoryShare
from monitor.ui.context import ScenarioContext
from monitor.ui.territory import TerritoryPanel

HOSTILE = '<img src="file:///etc/hostname">'


def _plain(text: str) -> str:
    """Read-out text without the Unicode isolates that wrap data names."""
    return text.replace("\u2068", "").replace("\u2069", "")


def _panel(qtbot, scenario, path=None) -> TerritoryPanel:
    ctx = ScenarioContext(scenario, path)
    panel = TerritoryPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _viewport_pos(panel: TerritoryPanel, x: float, y: float) -> QPoint:
    """Viewport pixel of the chart point (x seconds, y)."""
    scene = panel.plot_item.getViewBox().mapViewToScene(QPointF(x, y))
    return panel.plot_widget.mapFromScene(scene)


def _pixel(panel: TerritoryPanel, x: float, y: float) -> QColor:
    image = panel.plot_widget.grab().toImage()
    p = panel.plot_widget.viewport().mapTo(panel.plot_widget, _viewport_pos(panel, x, y))
    return image.pixelColor(p)


def _close(a: QColor, b: QColor, tol: int = 12) -> bool:
    return all(abs(u - v) <= tol for u, v in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def _add_measured_day(scenario, day: date) -> None:
    """A measured (not estimated) territory date, so the chart has a measured stretch too."""
    shares = {"gov": 70.0, "reb": 5.0, "kur": 25.0}
    for fid, pct in shares.items():
        scenario.territory.append(TerritoryShare(day, fid, pct, ["s1"], False))


def _hover(qtbot, panel: TerritoryPanel, x: float, y: float) -> None:
    # pyqtgraph drops mouse moves closer than 1/60 s apart (as a fast pointer would send)
    qtbot.wait(25)
    QTest.mouseMove(panel.plot_widget.viewport(), _viewport_pos(panel, x, y))


def _click(qtbot, panel: TerritoryPanel, x: float, y: float) -> None:
    qtbot.wait(25)
    QTest.mouseClick(
        panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=_viewport_pos(panel, x, y)
    )


def _noon(panel: TerritoryPanel, day: date) -> float:
    return panel.x_of(day) + 12 * 3600


def test_one_filled_area_per_faction_in_its_colour(qtbot, small, small_path):
    _add_measured_day(small, date(2024, 11, 20))  # 11-20..11-26 measured, 11-26..12-05 estimated
    panel = _panel(qtbot, small, small_path)
    factions = small.factions
    assert list(panel.fills) == [f.id for f in factions]
    for f in factions:
        measured, estimated = panel.fills[f.id]
        assert measured.brush().color().name() == f.color
        assert not measured.path().isEmpty()
        assert not estimated.path().isEmpty()

    # What is drawn: stacked in faction order, measured stretch in the full colour,
    # estimated stretch visibly lighter.
    bg = panel.palette().color(QPalette.ColorRole.Base)
    x_measured = _noon(panel, date(2024, 11, 23))
    x_estimated = _noon(panel, date(2024, 12, 1))
    gov, reb, kur = (QColor(f.color) for f in factions)
    assert _close(_pixel(panel, x_measured, 30), gov)
    assert _close(_pixel(panel, x_measured, 90), kur)
    assert _close(_pixel(panel, x_measured, 71), reb)
    for y, colour in ((30, gov), (66, reb), (90, kur)):
        est = _pixel(panel, x_estimated, y)
        assert not _close(est, colour) and not _close(est, bg)  # lighter, yet not background
        assert est.lightness() > colour.lightness()
        assert abs(est.hsvHue() - colour.hsvHue()) <= 10  # same hue: recognisably that faction
    assert panel.legend_entries() == [
        ("Government", "#c0392b", True),
        ("Rebels", "#27ae60", True),
        ("Kurdish forces", "#f1c40f", True),
    ]
    legend_texts = [w.label.text() for w in panel.legend.entries]
    assert any("estimate" in t for t in legend_texts)


def test_x_range_frames_the_data_not_1970_nor_now(qtbot, small, small_path):
    panel = _panel(qtbot, small, small_path)
    assert panel.ctx.is_live  # "now" is long after the data
    (x0, x1), (y0, y1) = panel.plot_item.getViewBox().viewRange()
    first = panel.x_of(date(2024, 11, 26))
    last_event = datetime(2024, 12, 5, 9, tzinfo=UTC).timestamp()
    assert x0 <= first and x1 >= last_event
    assert x0 > datetime(2024, 11, 1, tzinfo=UTC).timestamp()
    assert x1 < last_event + 3 * 86400
    assert y0 < 0 and 100 <= y1 <= 105
    # the Live cursor is past the data: its line stays inside the framed range
    assert x0 <= panel.cursor_line.value() <= x1
    assert "Live" in panel.cursor_line.label.toPlainText()


def test_a_far_off_event_does_not_squash_the_chart(qtbot, small, small_path):
    later = datetime(2025, 11, 1, 9, tzinfo=UTC)
    small.events.append(dataclasses.replace(small.events[1], id="late", time=Moment(later)))
    panel = _panel(qtbot, small, small_path)
    vb = panel.plot_item.getViewBox()
    (x0, x1), _ = vb.viewRange()
    assert x0 <= panel.x_of(date(2024, 11, 26)) and x1 < later.timestamp()
    assert x1 - x0 < 20 * 86400  # opens on the territory dates and the events around them
    hint = panel.lane.hint_right
    assert hint.isVisible() and hint.textItem.toPlainText() == "1 later event \u25b8"
    # the user can still zoom out to everything
    f0, f1 = panel.frame_range()
    assert f1 > later.timestamp()
    vb.setXRange(f0, f1, padding=0)
    assert not hint.isVisible()


def test_cursor_line_follows_the_context_cursor(qtbot, small, small_path):
    panel = _panel(qtbot, small, small_path)
    when = datetime(2024, 11, 29, 10, 0, tzinfo=UTC)
    panel.ctx.set_cursor(when)
    assert panel.cursor_line.value() == pytest.approx(when.timestamp())
    later = when + timedelta(days=3)
    panel.ctx.set_cursor(later)
    assert panel.cursor_line.value() == pytest.approx(later.timestamp())
    assert "2024-12-02" in panel.readout.text()
    panel.ctx.set_military_time(True)  # day-precision dates as DTG, never with a fake hour
    assert "02 DEC 24" in panel.readout.text()


def _values(panel: TerritoryPanel) -> dict[str, str]:
    """The share shown next to each faction's name in the legend."""
    return {fid: entry.value.text() for fid, entry in panel.faction_legend.items()}


def test_hover_shows_the_shares_at_that_date(qtbot, small, small_path):
    panel = _panel(qtbot, small, small_path)
    # 2024-11-30 is 4/9 of the way from 11-26 (measured) to 12-05 (estimated): linear.
    _hover(qtbot, panel, _noon(panel, date(2024, 11, 30)), 50)
    assert "2024-11-30" in panel.readout.text()
    assert "linear between 2024-11-26 and 2024-12-05" in panel.readout.text()
    assert _values(panel) == {
        "gov": "59.7% (est.)",  # 63.38 + (55 - 63.38) * 4/9
        "reb": "15.0% (est.)",  # 10.98 + 9.02 * 4/9
        "kur": "25.4% (est.)",
    }
    assert "Kurdish forces 25.4% (est.)" in _plain(panel.readout_text())

    # on a territory date: that date's values; the first date is not an estimate
    _hover(qtbot, panel, _noon(panel, date(2024, 11, 26)), 50)
    assert "2024-11-26" in panel.readout.text()
    assert _values(panel) == {"gov": "63.4%", "reb": "11.0%", "kur": "25.6%"}

    # over an event marker: the read-out names the event
    _hover(qtbot, panel, *panel.marker_point("e4"))
    assert "City falls" in panel.readout.text()

    # the pointer leaves: back to the values at the cursor
    panel.ctx.set_cursor(datetime(2024, 12, 5, 12, tzinfo=UTC))
    _hover(qtbot, panel, _noon(panel, date(2024, 11, 26)), 50)
    # off the plot area (over the axis corner), through the same rate-limited path as a user's
    # pointer
    qtbot.wait(40)
    QTest.mouseMove(panel.plot_widget.viewport(), QPoint(2, 2))
    qtbot.waitUntil(lambda: panel.readout.text().startswith("Cursor 2024-12-05"), timeout=1000)
    assert _values(panel) == {"gov": "55.0% (est.)", "reb": "20.0% (est.)", "kur": "25.0% (est.)"}


def test_clicking_a_marker_selects_its_event(qtbot, small, small_path):
    # a second event on e1's day: each must be clickable on its own
    e1 = small.events[0]
    small.events.append(dataclasses.replace(e1, id="e1b", title="Second that day"))
    panel = _panel(qtbot, small, small_path)
    ids = [eid for eid, _x in panel.marker_positions()]
    assert sorted(ids) == ["e1", "e1b", "e2", "e3", "e4"]
    p1, p1b = panel.marker_point("e1"), panel.marker_point("e1b")
    assert p1[0] == p1b[0] and p1[1] != p1b[1]

    for eid in ("e2", "e1b", "e1"):
        with qtbot.waitSignal(panel.ctx.event_selected, timeout=1000) as blocker:
            _click(qtbot, panel, *panel.marker_point(eid))
        assert blocker.args == [eid]
        assert panel.ctx.selected_event == eid

    # selected elsewhere: the marker is highlighted
    panel.ctx.select_event("e4")
    hx, hy = panel.lane.ring.getData()
    assert (hx[0], hy[0]) == pytest.approx(panel.marker_point("e4"))
    panel.ctx.select_event("")
    assert len(panel.lane.ring.getData()[0]) == 0


def test_many_events_are_aggregated_per_day_and_stay_clickable(qtbot, small, small_path):
    base = small.events[1]
    start = datetime(2024, 11, 27, 0, 30, tzinfo=UTC)
    small.events = small.table_of(
        dataclasses.replace(base, id=f"m{i}", time=Moment(start + timedelta(minutes=7 * i)))
        for i in range(6000)
    )  # 6000 events over about 29 days
    panel = _panel(qtbot, small, small_path)
    positions = panel.marker_positions()
    assert 25 <= len(positions) <= 31  # one marker per scenario day, not 6000
    assert positions[0][0] == "m0"
    eid, _x = positions[3]
    with qtbot.waitSignal(panel.ctx.event_selected, timeout=1000) as blocker:
        _click(qtbot, panel, *panel.marker_point(eid))
    assert blocker.args == [eid]
    (x0, x1), _ = panel.plot_item.getViewBox().viewRange()
    assert x0 <= start.timestamp() and x1 >= start.timestamp() + 6000 * 7 * 60 - 86400


def test_scenario_without_territory_shows_a_note(qtbot, small, small_path):
    panel = _panel(qtbot, small, small_path)
    assert not panel.note_item.isVisible()
    empty = dataclasses.replace(small, territory=[])
    panel.ctx.replace_scenario(empty, small_path)
    assert panel.fills == {}
    assert panel.note_item.isVisible()
    assert panel.note_item.textItem.toPlainText() == "No territory data in this scenario"
    assert panel.legend_entries() == []
    (x0, _x1), _ = panel.plot_item.getViewBox().viewRange()
    assert x0 > datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    _hover(qtbot, panel, _noon(panel, date(2024, 11, 30)), 50)
    assert "2024-11-30" in panel.readout.text()
    panel.grab()  # paints without error

    no_events = dataclasses.replace(empty, events=[])
    panel.ctx.replace_scenario(no_events, small_path)
    assert panel.marker_positions() == []
    panel.grab()


def test_hostile_faction_name_shows_literally(qtbot, small, small_path):
    small.factions[0].name = HOSTILE
    panel = _panel(qtbot, small, small_path)
    labels = [w.label for w in panel.legend.entries]
    hostile = [lb for lb in labels if lb.text() == HOSTILE]
    assert len(hostile) == 1
    label = hostile[0]
    assert label.textFormat() == Qt.TextFormat.PlainText
    # laid out as text (an <img> would be a tiny or empty box)
    assert label.sizeHint().width() >= label.fontMetrics().horizontalAdvance(HOSTILE) - 2
    panel.ctx.set_cursor(datetime(2024, 11, 30, tzinfo=UTC))
    assert panel.readout.textFormat() == Qt.TextFormat.PlainText
    assert f"{HOSTILE} 59.7% (est.)" in _plain(panel.readout_text())
    assert panel.legend_entries()[0][0] == HOSTILE


def test_chart_background_follows_the_palette(qtbot, small, small_path):
    panel = _panel(qtbot, small, small_path)
    assert panel.plot_widget.backgroundBrush().color() == panel.palette().color(
        QPalette.ColorRole.Base
    )
    dark = QPalette(panel.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e0e0e0"))
    panel.setPalette(dark)
    assert panel.plot_widget.backgroundBrush().color() == QColor("#1e1e1e")
    corner = _pixel(panel, panel.plot_item.getViewBox().viewRange()[0][0] + 60, 101.5)
    assert corner.lightness() < 60  # the chart is dark too, not a white box in a dark app
