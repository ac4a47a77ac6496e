"""The territory chart follows one event's edit in its aggregated event markers (a big table:
one bin's count and first event change, nothing binned again) and shows what markers made
afresh from the edited events show, for random additions, deletions, time and title edits,
with one day per bin and with several."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import numpy as np
import pytest

from monitor.model import Event, Location, Scenario, ScenarioInfo, Verification
from monitor.model.changes import EVENT
from monitor.model.timeutil import parse_moment, zone
from monitor.ui.context import ScenarioContext
from monitor.ui.territory.markers import compute_markers
from monitor.ui.territory.panel import TerritoryPanel

TZ = zone("Asia/Baghdad")
N = 6000  # over MAX_INDIVIDUAL_MARKERS: one marker per bin of days


def _event(i: int, hours: int) -> Event:
    day, hour = divmod(hours, 24)
    return Event(
        id=f"e{i}",
        time=parse_moment(
            f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}T{hour:02d}:00:00+03:00", TZ
        ),
        title=f"Event {i}",
        category="clash",
        actors=[],
        source_ids=[],
        verification=(Verification.CONFIRMED, Verification.REPORTED, Verification.DENIED)[i % 3],
        location=Location(f"Place {i}", 33.0, 44.0, {}),
    )


def _drawn(panel: TerritoryPanel) -> tuple:
    """What the lane shows: each marker's place, size, the event a click selects, and the
    edge boxes' counts."""
    xs, ys = panel.markers.getData()
    data = [str(d) for d in panel.markers.data["data"]]
    sizes = panel.markers.data["size"].tolist()
    return (
        xs.tolist(),
        ys.tolist(),
        data,
        sizes,
        panel.lane.hint_left.toPlainText() if panel.lane.hint_left.isVisible() else "",
        panel.lane.hint_right.toPlainText() if panel.lane.hint_right.isVisible() else "",
    )


def _same_as_fresh(panel: TerritoryPanel, ctx: ScenarioContext, qtbot) -> None:
    m = panel.lane.markers
    assert m is not None and m.aggregated
    fresh = compute_markers(ctx.events_frame, ctx.tz, m.bin_days, aggregate=True)
    assert fresh is not None
    assert m.ids == fresh.ids
    for name in ("xs", "ys", "counts", "day_of_point", "first_rows"):
        assert np.array_equal(getattr(m, name), getattr(fresh, name)), name
    assert (m.first_day, m.lane_bottom) == (fresh.first_day, fresh.lane_bottom)
    chart = TerritoryPanel(ctx)  # a chart made afresh, showing the same range
    qtbot.addWidget(chart)
    chart.resize(panel.size())
    chart.show()
    qtbot.waitExposed(chart)
    chart.plot_item.getViewBox().setXRange(*panel.plot_item.getViewBox().viewRange()[0], padding=0)
    assert _drawn(chart) == _drawn(panel)
    chart.close()
    chart.deleteLater()


@pytest.mark.parametrize("zoom_days", [30, 120])
def test_edits_in_a_big_table_are_followed_bin_by_bin_and_match_a_rebuild(
    qtbot, monkeypatch, zoom_days
) -> None:
    rng = random.Random(11 + zoom_days)
    events = [_event(i, rng.randrange(24 * 200)) for i in range(N)]
    scenario = Scenario(info=ScenarioInfo("s", "S", "Asia/Baghdad"), events=events)
    ctx = ScenarioContext(scenario)
    panel = TerritoryPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    qtbot.waitExposed(panel)
    vb = panel.plot_item.getViewBox()  # a month in view: a day per bin; more: several
    x0 = float(panel.lane.markers.xs.min()) + 86_400 * 40
    vb.setXRange(x0, x0 + 86_400 * zoom_days, padding=0)
    assert (panel.lane.markers.bin_days > 1) == (zoom_days > 30)
    _same_as_fresh(panel, ctx, qtbot)
    made = []
    real = panel.lane.set_events
    monkeypatch.setattr(panel.lane, "set_events", lambda *a: made.append(1) or real(*a))
    table = scenario.table
    next_id = N
    for _step in range(40):
        what = rng.random()
        if what < 0.25:  # a title: nothing to draw
            old = table[rng.randrange(len(table))]
            table.replace(dataclasses.replace(old, title=f"{old.title}!"))
            key = old.id
        elif what < 0.45:  # a time: out of one bin, into another
            old = table[rng.randrange(len(table))]
            shift = timedelta(hours=rng.randrange(-24 * 30, 24 * 30))
            time = dataclasses.replace(old.time, instant=old.time.instant + shift)
            table.replace(dataclasses.replace(old, time=time))
            key = old.id
        elif what < 0.75:
            key = table[rng.randrange(len(table))].id
            table.remove(key)
        else:
            new = _event(next_id, rng.randrange(24 * 210))
            next_id += 1
            table.add(new)
            key = new.id
        ctx.notify_changed(EVENT, key)
        _same_as_fresh(panel, ctx, qtbot)
    # The edits were followed without making the markers again (but for the few that
    # would start the bins on another day).
    assert len(made) <= 8


def test_deleting_the_first_event_of_a_bin_names_the_next_one(qtbot) -> None:
    events = [_event(i, 24 * (i % 100) + i // 100 % 20) for i in range(N)]
    scenario = Scenario(info=ScenarioInfo("s", "S", "Asia/Baghdad"), events=events)
    ctx = ScenarioContext(scenario)
    panel = TerritoryPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    m = panel.lane.markers
    k = len(m.ids) // 2
    first, count = m.ids[k], int(m.counts[k])
    scenario.table.remove(first)
    ctx.notify_changed(EVENT, first)
    m = panel.lane.markers
    assert first not in m.ids and int(m.counts[k]) == count - 1
    assert panel.marker_positions()[k][0] == m.ids[k]
    _same_as_fresh(panel, ctx, qtbot)
