"""The map's event layer follows one event's edit in its last derivation (the clusters the
event left and joined change, nothing is derived again for a million events) and shows
exactly what a full derivation shows, for random additions, deletions and moves, between
cursor steps, coloured by verification or category; and what a grouping made afresh shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitor.ui.map.layer import EventClusters, Layer, Points


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for name in ("verification", "category"):
        frame[name] = pd.Categorical(frame[name], categories=sorted(VALUES[name]))
    return frame


VALUES = {"verification": ["confirmed", "reported", "denied"], "category": ["clash", "protest"]}


def _row(rng) -> dict:
    return {
        "lat": float(np.round(rng.uniform(30, 31), 1)) if rng.random() > 0.1 else np.nan,
        "lon": float(np.round(rng.uniform(40, 40.6), 1)),
        "time_ns": int(rng.integers(0, 1000)),
        "verification": str(rng.choice(VALUES["verification"])),
        "category": str(rng.choice(VALUES["category"])),
    }


def _same(a: Points, b: Points) -> None:
    for name in ("lon", "lat", "count", "future", "cls", "event", "starts", "members"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.n_events == b.n_events


def _by_place(points: Points) -> dict:
    return {
        (float(points.lon[k]), float(points.lat[k])): (
            int(points.count[k]),
            bool(points.future[k]),
            int(points.cls[k]),
            sorted(int(e) for e in points.events_of(k)),
        )
        for k in range(len(points))
    }


@pytest.mark.parametrize("seed", range(4))
def test_a_layer_following_edits_is_the_full_derivation(seed, monkeypatch) -> None:
    rng = np.random.default_rng(seed)
    rows = [_row(rng) for _ in range(300)]
    clusters = EventClusters(_frame(rows))
    by_category = bool(seed % 2)
    layer = Layer(clusters)
    cursor = 500
    layer.derive(None, cursor, False, by_category)
    full = []
    real = EventClusters.derive_counted
    monkeypatch.setattr(
        EventClusters, "derive_counted", lambda self, *a: full.append(1) or real(self, *a)
    )
    for _step in range(150):
        what = rng.random()
        if what < 0.35:
            p = int(rng.integers(len(rows)))
            rows[p] = {**_row(rng), "verification": rows[p]["verification"]}
            kind = "replace"
        elif what < 0.65:
            p = int(rng.integers(len(rows)))
            del rows[p]
            kind = "remove"
        else:
            rows.append(_row(rng))
            p, kind = len(rows) - 1, "add"
        edited = _frame(rows)
        assert clusters.follow(edited, kind, p)
        stepped = rng.random() < 0.3
        if stepped:  # a cursor step between edits (a long one is derived in full)
            cursor = int(rng.integers(0, 1000))
        got = layer.derive(None, cursor, False, by_category)
        if not stepped:
            assert not full  # the edit was followed: no full derivation
        want = real(clusters, None, cursor, False, by_category)[0]
        _same(got, want)
        fresh = real(EventClusters(edited), None, cursor, False, by_category)[0]
        assert _by_place(got) == _by_place(fresh)
        full.clear()


def test_with_a_filter_or_hidden_future_events_the_layer_is_derived_in_full() -> None:
    rng = np.random.default_rng(9)
    rows = [_row(rng) for _ in range(100)]
    clusters = EventClusters(_frame(rows))
    layer = Layer(clusters)
    shown = np.arange(0, 100, 2)
    layer.derive(shown, 500, False, False)
    rows.append(_row(rng))
    edited = _frame(rows)
    assert clusters.follow(edited, "add", 100)
    shown = np.r_[shown, 100]
    _same(layer.derive(shown, 500, False, False), clusters.derive(shown, 500, False))
    rows.append(_row(rng))
    assert clusters.follow(_frame(rows), "add", 101)
    _same(layer.derive(None, 400, True, False), clusters.derive(None, 400, True))


def _density_panel(qtbot):
    from monitor.model import Scenario, ScenarioInfo
    from monitor.ui.context import ScenarioContext
    from monitor.ui.map.panel import MapPanel

    widget = MapPanel(ScenarioContext(Scenario(info=ScenarioInfo("s", "S", "UTC"))))
    qtbot.addWidget(widget)
    widget.resize(900, 650)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_density_picture_after_an_edit_is_a_fresh_one(qtbot) -> None:
    rng = np.random.default_rng(3)
    n = 90_000
    frame = pd.DataFrame(
        {
            "lat": np.round(rng.uniform(-20.0, -10.0, n), 3),
            "lon": np.round(rng.uniform(-75.0, -60.0, n), 3),
            "time_ns": rng.integers(0, 1000, n).astype(np.int64),
            "verification": pd.Categorical(rng.choice(VALUES["verification"], n)),
            "category": pd.Categorical(rng.choice(VALUES["category"], n)),
        }
    )
    clusters = EventClusters(frame)
    layer = Layer(clusters)
    followed = _density_panel(qtbot)
    followed.points_item.set_points(layer.derive(None, 500, False, False))
    followed.show_region(-75.0, -20.0, -60.0, -10.0)
    followed.view.viewport().grab()
    assert followed.points_item.mode == "density"
    rows = frame.to_dict("records")
    for kind in ("add", "add", "remove", "replace"):  # events added at places taken ...
        if kind == "add":
            rows.append({**rows[int(rng.integers(len(rows)))], "time_ns": 10})
            p = len(rows) - 1
        elif kind == "remove":
            p = int(rng.integers(len(rows)))
            del rows[p]
        else:  # ... and one moved to another place taken
            p = int(rng.integers(len(rows)))
            rows[p] = {**rows[p], "lat": rows[0]["lat"], "lon": rows[0]["lon"]}
        assert clusters.follow(_frame(rows), kind, p)
        followed.points_item.set_points(layer.derive(None, 500, False, False))
        picture = followed.view.viewport().grab().toImage()
        fresh = _density_panel(qtbot)
        fresh.points_item.set_points(Layer(clusters).derive(None, 500, False, False))
        fresh.show_region(-75.0, -20.0, -60.0, -10.0)
        assert fresh.view.viewport().grab().toImage() == picture
        fresh.close()
