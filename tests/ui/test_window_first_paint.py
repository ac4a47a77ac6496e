"""Opening a window on many events: the first paint shows every event in the feed, the map
and the chart, exactly as made afresh; the chart's re-binning with the zoom (and at the
first resize) keeps its legend and marker colours true without applying the whole palette
again; the area fills are the regions between their curves."""

from __future__ import annotations

import numpy as np

from monitor.ui.map.layer import EventClusters
from monitor.ui.territory.markers import MAX_INDIVIDUAL_MARKERS, compute_markers


def _painted(qtbot, w):
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.repaint()
    return w


def test_first_paint_shows_every_event_as_made_afresh(qtbot, scenario_8k):
    from monitor.ui import MainWindow

    w = _painted(qtbot, MainWindow(scenario_8k))
    frame, tz = w.ctx.events_frame, w.ctx.tz
    # The map draws every located event, grouped as a grouping made here groups them.
    fresh = EventClusters(frame)
    made = w.map_panel.clusters()
    assert made.n_clusters == fresh.n_clusters > 100
    assert np.array_equal(made.cluster_of, fresh.cluster_of)
    assert np.array_equal(made.order, fresh.order)
    assert np.array_equal(made.lon, fresh.lon) and np.array_equal(made.lat, fresh.lat)
    pts = w.map_panel.points
    assert int(pts.count.sum()) == pts.n_events == len(frame) - fresh.n_unlocated
    # The chart's lane (8,000 events: a mark per day or more) holds every event, in the bins
    # a lane made here at the zoom shown has.
    lane = w.territory_panel.lane.markers
    assert len(frame) > MAX_INDIVIDUAL_MARKERS and lane.aggregated
    here = compute_markers(frame, tz, lane.bin_days)
    assert here is not None
    assert lane.xs.tolist() == here.xs.tolist() and lane.counts.tolist() == here.counts.tolist()
    assert lane.ids == here.ids and int(lane.counts.sum()) == len(frame)
    # The feed shows every event, newest first.
    model = w.feed_panel.model
    assert model.rowCount() == len(frame)
    times = frame["time_ns"].to_numpy()
    assert model.event_id(0) == frame["id"].iloc[int(np.argmax(times))]


def test_chart_zoomed_in_and_out_keeps_legend_and_marker_colours_true(qtbot, small, small_path):
    """3000 events over three years: bins; zoomed to ten days, one mark each in its
    verification's colour; zoomed out again, bins (the legend follows each time)."""
    import dataclasses
    from datetime import UTC, datetime, timedelta

    from monitor.model import Moment
    from monitor.ui.context import ScenarioContext
    from monitor.ui.territory.panel import TerritoryPanel

    start = datetime(2022, 1, 1, tzinfo=UTC)
    small.events = small.table_of(
        dataclasses.replace(
            small.events[3 * (i % 2)], id=f"m{i}", time=Moment(start + timedelta(hours=9 * i))
        )
        for i in range(3000)
    )
    panel = TerritoryPanel(ScenarioContext(small, small_path))
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    qtbot.waitExposed(panel)
    vb = panel.plot_item.getViewBox()

    def per_day() -> int:
        return sum(1 for e in panel.legend.entries if "events per day" in e.label.text())

    assert panel.lane.markers.aggregated and per_day() == 1
    x0, x1 = vb.viewRange()[0]
    d0 = datetime(2023, 3, 1, tzinfo=UTC).timestamp()
    vb.setXRange(d0, d0 + 10 * 86400, padding=0)
    m = panel.lane.markers
    assert not m.aggregated and per_day() == 0
    labels = [e.label.text() for e in panel.legend.entries]
    verifications = {small.events[0].verification.value, small.events[3].verification.value}
    assert verifications == {"confirmed", "reported"}
    assert all(any(f"{v} event" in t for t in labels) for v in verifications)
    brushes = panel.markers.data["brush"]
    verif = panel.ctx.events_frame["verification"].astype(str).to_numpy()
    for v in verifications:
        colours = {brushes[i].color().rgba() for i in np.flatnonzero(verif == v)}
        assert len(colours) == 1  # every mark of one verification in one colour
    ia, ib = np.flatnonzero(verif == "confirmed")[0], np.flatnonzero(verif == "reported")[0]
    assert brushes[ia].color().rgba() != brushes[ib].color().rgba()
    vb.setXRange(x0, x1, padding=0)
    assert panel.lane.markers.aggregated and per_day() == 1
    vb.setXRange(x0, x0 + (x1 - x0) / 3, padding=0)  # other bins, still bins
    assert panel.lane.markers.aggregated and per_day() == 1
    assert int(panel.lane.markers.counts.sum()) == 3000


def test_area_fills_are_the_region_between_their_curves(qtbot, small, small_path):
    from monitor.ui.context import ScenarioContext
    from monitor.ui.territory.panel import TerritoryPanel

    panel = TerritoryPanel(ScenarioContext(small, small_path))
    qtbot.addWidget(panel)
    assert panel.fills
    for measured, estimated in panel.fills.values():
        for fill in (measured, estimated):
            built = fill.path()
            fill.updatePath()  # made again from the curves as they are now
            assert fill.path() == built
    assert any(not m.path().isEmpty() for m, _e in panel.fills.values())
