"""After events are added, edited and deleted in a window holding a big table (over the
chart's one-marker-per-event limit, so that each view follows the edits incrementally), the
feed, the territory chart and the map show what a window opened afresh on the saved file
shows."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from monitor.model.changelog import entity_json
from monitor.model.changes import EVENT, entity_change
from monitor.ui.map.layer import EventClusters
from monitor.ui.territory.markers import compute_markers


def _shown(w) -> dict:
    """What a user sees of the events: the feed's rows (all their cells), the chart's
    markers (place, size, the event each selects), the map's clusters by place."""
    m = w.feed_panel.model
    feed = [
        tuple(m.index(r, c).data() for c in range(m.columnCount())) for r in range(m.rowCount())
    ]
    lane = w.territory_panel.lane.markers
    chart = (lane.xs.tolist(), lane.counts.tolist(), list(lane.ids), lane.bin_days)
    pts = w.map_panel.points
    clusters = sorted(
        (round(float(pts.lon[k]), 6), round(float(pts.lat[k]), 6), int(pts.count[k]))
        for k in range(len(pts))
    )
    return {"feed": feed, "chart": chart, "map": clusters, "count": w.feed_panel.count_label.text()}


def test_edits_in_the_window_show_what_a_fresh_window_shows(
    qtbot, open_window, monkeypatch, tmp_path, scenario_8k
) -> None:
    from monitor.ui.file_actions import FileActions

    button = QMessageBox.StandardButton
    monkeypatch.setattr(FileActions, "ask_unsaved_changes", lambda self: button.Discard)
    monkeypatch.setattr(FileActions, "ask_recovery", lambda self, recovery: False)
    path = tmp_path / "scenario.json"
    shutil.copy(scenario_8k, path)
    w = open_window(path)
    assert w.territory_panel.lane.markers.aggregated  # (followed bin by bin)
    made = []  # views made again instead of following an edit
    mp = pytest.MonkeyPatch()
    real_derive = EventClusters.derive_counted
    mp.setattr(
        EventClusters, "derive_counted", lambda s, *a: made.append("map") or real_derive(s, *a)
    )
    real_set = w.territory_panel.lane.set_events
    mp.setattr(
        w.territory_panel.lane, "set_events", lambda *a: made.append("chart") or real_set(*a)
    )
    real_reset = w.feed_panel.model.beginResetModel
    mp.setattr(w.feed_panel.model, "beginResetModel", lambda: made.append("feed") or real_reset())
    ids = [str(x) for x in w.ctx.events_frame["id"].iloc[:40]]
    rng = np.random.default_rng(5)
    for i in range(12):
        kind = ("edit", "add", "delete", "move")[i % 4]
        eid = ids[i]
        before = entity_json(w.ctx.scenario, EVENT, eid)
        if kind == "edit":
            change = entity_change(EVENT, eid, before, {**before, "title": f"Edited {i}"})
        elif kind == "add":
            new = {**before, "id": f"added-{i}", "title": f"Added {i}"}
            change = entity_change(EVENT, new["id"], None, new)
        elif kind == "delete":
            change = entity_change(EVENT, eid, before, None)
        else:  # another day and another place
            loc = {**(before.get("location") or {"name": "X"}), "lat": 33.5, "lon": 41.25}
            moved = {
                **before,
                "time": f"2025-0{1 + int(rng.integers(8))}-1{i % 9}",
                "location": loc,
            }
            change = entity_change(EVENT, eid, before, moved)
        w.session.push(change)
        qtbot.wait(1)
    w.undo_action.trigger()  # the last move undone: followed too
    followed = _shown(w)
    # Every edit was followed (a move in time resets the feed's rows, cheaply: allowed).
    assert [m for m in made if m != "feed"] == []
    mp.undo()
    assert w.save()
    copy = tmp_path / "saved.json"
    shutil.copy(path, copy)
    fresh = open_window(copy)
    assert _shown(w) == followed  # (saving changed nothing shown)
    got = _shown(fresh)
    for part in ("feed", "count", "map"):
        assert got[part] == followed[part], part
    # The chart's markers: those the fresh window's events give in the followed chart's bins.
    lane = w.territory_panel.lane.markers
    made = compute_markers(fresh.ctx.events_frame, fresh.ctx.tz, lane.bin_days, aggregate=True)
    assert followed["chart"] == (made.xs.tolist(), made.counts.tolist(), made.ids, made.bin_days)
