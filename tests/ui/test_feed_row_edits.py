"""The feed's table model follows one event's edit row by row (one row inserted, changed or
removed; no reset of the table) and shows what a model built afresh shows, in every order
of edits, with the cursor hiding future events or not, in both time orders."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from monitor.model import Event, Location, Scenario, ScenarioInfo, Verification
from monitor.model.changes import EVENT
from monitor.model.timeutil import parse_moment, zone
from monitor.ui.context import ScenarioContext
from monitor.ui.feed.columns import EventColumn, EventIdRole
from monitor.ui.feed.model import EventTableModel

BAGHDAD = timezone(timedelta(hours=3))
TZ = zone("Asia/Baghdad")


def _event(i: int, hour: int | None = None) -> Event:
    h = i % 48 if hour is None else hour
    return Event(
        id=f"e{i}",
        time=parse_moment(f"2024-05-{1 + h // 24:02d}T{h % 24:02d}:00:00+03:00", TZ),
        title=f"Event {i}",
        category=("clash", "protest")[i % 2],
        actors=[],
        source_ids=[],
        verification=(Verification.CONFIRMED, Verification.REPORTED, Verification.DENIED)[i % 3],
        location=Location(f"Place {i}", 33.0 + i / 100, 44.0, {}),
    )


def _ids(model: EventTableModel) -> list[str]:
    return [model.index(r, 0).data(EventIdRole) for r in range(model.rowCount())]


def _cells(model: EventTableModel) -> list[tuple]:
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


@pytest.mark.parametrize("order", [Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder])
@pytest.mark.parametrize("hide_future", [False, True])
def test_random_edits_are_followed_row_by_row(qapp, order, hide_future) -> None:
    scenario = Scenario(
        info=ScenarioInfo("s", "S", "Asia/Baghdad"), events=[_event(i) for i in range(80)]
    )
    ctx = ScenarioContext(scenario)
    ctx.set_cursor(datetime(2024, 5, 2, 0, 0, tzinfo=BAGHDAD))  # half the events after it
    ctx.set_hide_future(hide_future)
    model = EventTableModel(ctx)
    model.sort(EventColumn.TIME, order)
    resets, inserted, removed, changed = [], [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.dataChanged.connect(lambda a, b, _r=(): changed.append((a.row(), b.row())))
    rng = random.Random(7)
    table = scenario.table
    next_id = 500
    for _step in range(60):
        what = rng.random()
        if what < 0.4:
            old = table[rng.randrange(len(table))]
            new = dataclasses.replace(old, title=f"{old.title}!")
            table.replace(new)
            key = new.id
        elif what < 0.55:
            old = table[rng.randrange(len(table))]
            table.replace(dataclasses.replace(old, time=_event(0, rng.randrange(48)).time))
            key = old.id
        elif what < 0.8:
            key = table[rng.randrange(len(table))].id
            table.remove(key)
        else:
            new = _event(next_id, rng.randrange(48))
            next_id += 1
            table.add(new)
            key = new.id
        ctx.notify_changed(EVENT, key)
        fresh = EventTableModel(ctx)
        fresh.sort(EventColumn.TIME, order)
        assert _ids(model) == _ids(fresh)
        assert _cells(model) == _cells(fresh)
    assert inserted and changed  # rows were inserted and changed one at a time ...
    assert len(resets) < 20  # ... and the table reset only when an event moved in time


def test_a_title_edit_changes_one_row_and_resets_nothing(qapp) -> None:
    scenario = Scenario(
        info=ScenarioInfo("s", "S", "Asia/Baghdad"), events=[_event(i) for i in range(30)]
    )
    ctx = ScenarioContext(scenario)
    model = EventTableModel(ctx)
    resets, changed = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, _r=(): changed.append((a.row(), b.row())))
    row = model.row_of_id("e5")
    before = model.index(row, EventColumn.TITLE).data()
    scenario.table.replace(dataclasses.replace(scenario.event("e5"), title="Renamed"))
    ctx.notify_changed(EVENT, "e5")
    assert resets == [] and changed == [(row, row)]
    assert before == "Event 5" and model.index(row, EventColumn.TITLE).data() == "Renamed"
