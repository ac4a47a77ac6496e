"""The map's event layer after cursor steps, derived from the last derivation (only the
clusters whose events the cursor passed), is exactly the full derivation, for any steps,
filters and colourings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitor.ui.map.layer import EventClusters, Layer, Points


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lat = np.round(rng.uniform(30, 31, n), 1)  # few places: clusters of many events
    lat[rng.random(n) < 0.1] = np.nan  # some without a location
    return pd.DataFrame(
        {
            "lat": lat,
            "lon": np.round(rng.uniform(40, 40.5, n), 1),
            "time_ns": rng.integers(0, 1000, n).astype(np.int64),
            "verification": pd.Categorical(rng.choice(["confirmed", "reported", "denied"], n)),
            "category": pd.Categorical(rng.choice(["clash", "protest"], n)),
        }
    )


def _same(a: Points, b: Points) -> None:
    for name in ("lon", "lat", "count", "future", "cls", "event", "starts", "members"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.n_events == b.n_events


@pytest.mark.parametrize("seed", range(4))
def test_steps_give_the_full_derivation(seed) -> None:
    frame = _frame(3000, seed)
    clusters = EventClusters(frame)
    layer, hiding = Layer(clusters), Layer(clusters)
    rng = np.random.default_rng(seed)
    stepped = 0
    shown = None
    by_category = False
    for step in range(80):
        if step % 25 == 24:  # a new filter or colouring now and then
            shown = np.sort(rng.choice(3000, 1500, replace=False)) if shown is None else None
            by_category = not by_category
        cursor = int(rng.integers(-10, 1010)) if step % 7 == 0 else int(rng.integers(400, 460))
        before = layer._points
        got = layer.derive(shown, cursor, False, by_category)
        stepped += before is not None and got.count is before.count  # followed, not re-derived
        _same(got, clusters.derive(shown, cursor, False, by_category))
        hidden = hiding.derive(shown, cursor, True, by_category)  # hidden future: in full
        _same(hidden, clusters.derive(shown, cursor, True, by_category))
    assert stepped > 40


def test_a_step_passing_no_event_keeps_the_points() -> None:
    clusters = EventClusters(_frame(500, 9))
    layer = Layer(clusters)
    first = layer.derive(None, 10_000, False, False)  # after every event
    assert layer.derive(None, 20_000, False, False) is first  # nothing passed: the same


def test_crossing_status_by_instants_is_status_at() -> None:
    from datetime import timedelta
    from pathlib import Path

    from monitor.model.io import load_scenario
    from monitor.model.timeutil import to_ns
    from monitor.ui.map.layer import StatusTimes

    scenario = load_scenario(Path(__file__).parents[2] / "data" / "iraq-syria-border-2024.json")
    statuses = StatusTimes()
    instants = sorted({e.time.instant for c in scenario.crossings for e in c.history})
    probes = [t + d for t in instants for d in (timedelta(0), timedelta(microseconds=-1))]
    for crossing in scenario.crossings:
        for when in probes:
            assert statuses.status_at(crossing, to_ns(when)) == crossing.status_at(when)


def _by_place(points: Points) -> dict:
    out = {}
    for k in range(len(points)):
        out[(float(points.lon[k]), float(points.lat[k]))] = (
            int(points.count[k]),
            bool(points.future[k]),
            int(points.cls[k]),
            sorted(int(e) for e in points.events_of(k)),
        )
    return out


@pytest.mark.parametrize("seed", range(3))
def test_a_grouping_following_edits_shows_what_a_fresh_one_shows(seed) -> None:
    rng = np.random.default_rng(seed)
    frame = _frame(400, seed)
    rows = frame.to_dict("records")
    clusters = EventClusters(frame)
    clusters.time_sorted()  # (kept up to date by the edits too)
    for _step in range(120):
        what = rng.random()
        new = {
            "lat": float(np.round(rng.uniform(30, 31), 1)) if rng.random() > 0.1 else np.nan,
            "lon": float(np.round(rng.uniform(40, 40.5), 1)),
            "time_ns": int(rng.integers(0, 1000)),
            "verification": str(rng.choice(["confirmed", "reported", "denied"])),
            "category": str(rng.choice(["clash", "protest"])),
        }
        if what < 0.4 and rows:
            p = int(rng.integers(len(rows)))
            rows[p] = new
            kind = "replace"
        elif what < 0.7 and rows:
            p = int(rng.integers(len(rows)))
            del rows[p]
            kind = "remove"
        else:
            rows.append(new)
            p, kind = len(rows) - 1, "add"
        edited = pd.DataFrame(rows)
        for name in ("verification", "category"):
            edited[name] = pd.Categorical(edited[name])
        assert clusters.follow(edited, kind, p)
        fresh = EventClusters(edited)
        cursor = int(rng.integers(0, 1000))
        for hide in (False, True):
            got = clusters.derive(None, cursor, hide)
            want = fresh.derive(None, cursor, hide)
            assert _by_place(got) == _by_place(want)
            assert got.n_events == want.n_events
        assert clusters.n_unlocated == fresh.n_unlocated
        by_time, times = clusters.time_sorted()
        assert sorted(by_time.tolist()) == sorted(fresh.time_sorted()[0].tolist())
        assert np.array_equal(times, np.sort(times))
