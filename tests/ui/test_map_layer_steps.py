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
