"""EventTableModel: order, cells (time, verification, grade), dimming of future events, speed."""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextDocument

from monitor.model import Event, Moment, Scenario, ScenarioInfo, Verification
from monitor.model.frames import EVENT_COLUMNS, filter_events
from monitor.ui.context import ScenarioContext
from monitor.ui.feed.columns import EventColumn, EventIdRole
from monitor.ui.feed.model import EventTableModel

BAGHDAD = timezone(timedelta(hours=3))


def edit_event(scenario: Scenario, event_id: str, **fields) -> None:
    """Change fields of one event in the scenario's event table (events are views)."""
    scenario.events.replace(dataclasses.replace(scenario.event(event_id), **fields))


@pytest.fixture
def ctx(qapp, small):
    context = ScenarioContext(small)
    context.set_cursor(datetime(2025, 1, 1, tzinfo=BAGHDAD))  # after every event: nothing dimmed
    return context


@pytest.fixture
def model(ctx):
    return EventTableModel(ctx)


def ids(model: EventTableModel) -> list[str]:
    return [model.index(r, 0).data(EventIdRole) for r in range(model.rowCount())]


def plain(tooltip: str) -> str:
    """What a tooltip shows: Qt renders it as rich text."""
    doc = QTextDocument()
    doc.setHtml(tooltip)
    return doc.toPlainText()


def cell(
    model: EventTableModel, event_id: str, column: EventColumn, role=Qt.ItemDataRole.DisplayRole
):
    row = model.row_of_id(event_id)
    assert row >= 0, f"{event_id} is not shown"
    return model.index(row, column).data(role)


def test_passes_qt_model_tester(qtmodeltester, model):
    qtmodeltester.check(model)
    model.sort(EventColumn.TITLE, Qt.SortOrder.AscendingOrder)
    model.set_matches(np.array([0, 2]))
    qtmodeltester.check(model)


def test_default_order_is_newest_first(model):
    assert ids(model) == ["e4", "e3", "e2", "e1"]
    assert model.rowCount() == model.total_count == 4


def test_sort_by_title_both_ways_and_back_to_time(model):
    model.sort(EventColumn.TITLE, Qt.SortOrder.AscendingOrder)
    titles = [model.index(r, EventColumn.TITLE).data() for r in range(4)]
    assert titles == [
        "Border closed",
        "City falls",
        "Fighters crossed, claim says",
        "Offensive begins",
    ]
    model.sort(EventColumn.TITLE, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, EventColumn.TITLE).data() for r in range(4)] == titles[::-1]
    model.sort(EventColumn.TIME, Qt.SortOrder.AscendingOrder)
    assert ids(model) == ["e1", "e2", "e3", "e4"]


def test_sort_by_verification_follows_strength_not_alphabet(model):
    model.sort(EventColumn.VERIFICATION, Qt.SortOrder.AscendingOrder)
    # confirmed (newest first among equals), then reported, then denied
    assert ids(model) == ["e2", "e1", "e4", "e3"]


def test_sort_keeps_persistent_indexes_on_the_same_event(model):
    kept = model.index(model.row_of_id("e2"), EventColumn.TITLE)
    from PySide6.QtCore import QPersistentModelIndex

    persistent = QPersistentModelIndex(kept)
    model.sort(EventColumn.TITLE, Qt.SortOrder.AscendingOrder)
    assert persistent.isValid()
    assert persistent.data(EventIdRole) == "e2"
    assert persistent.data() == "Border closed"


def test_day_precision_time_has_no_hour(model):
    # Compact (one year: left out; the offset is in the header); the full time in the tooltip.
    assert cell(model, "e1", EventColumn.TIME) == "11-27"
    assert cell(model, "e2", EventColumn.TIME) == "11-30 14:05"
    assert "2024-11-30 14:05:00 UTC+03:00" in cell(
        model, "e2", EventColumn.TIME, Qt.ItemDataRole.ToolTipRole
    )
    assert "2024-11-30 11:05:00Z" in cell(
        model, "e2", EventColumn.TIME, Qt.ItemDataRole.ToolTipRole
    )
    assert "whole day" in cell(model, "e1", EventColumn.TIME, Qt.ItemDataRole.ToolTipRole)


def test_military_time_shows_dtg_and_updates_in_place(ctx, model, qtbot):
    with qtbot.waitSignal(model.dataChanged), qtbot.assertNotEmitted(model.modelReset):
        ctx.set_military_time(True)
    assert cell(model, "e2", EventColumn.TIME) == "301105Z NOV 24"
    assert cell(model, "e1", EventColumn.TIME) == "27 NOV 24"


def test_each_verification_state_has_own_text_font_and_colour(qapp, small):
    edit_event(small, "e2", verification=Verification.DISPUTED)
    model = EventTableModel(ScenarioContext(small))
    states = {"e1": "confirmed", "e2": "disputed", "e3": "denied", "e4": "reported"}
    texts = {s: cell(model, e, EventColumn.VERIFICATION) for e, s in states.items()}
    assert len(set(texts.values())) == 4
    assert texts["denied"] == "Denied" and texts["disputed"] == "Disputed"

    def font(e):
        return cell(model, e, EventColumn.VERIFICATION, Qt.ItemDataRole.FontRole)

    def colour(e):
        value = cell(model, e, EventColumn.VERIFICATION, Qt.ItemDataRole.ForegroundRole)
        return None if value is None else value.name()

    assert font("e3").strikeOut() and not font("e1").strikeOut()
    assert font("e4").italic() and not font("e1").italic()
    assert colour("e3") is not None and colour("e3") != colour("e1")
    assert colour("e2") is not None and colour("e2") not in (colour("e1"), colour("e3"))
    icons = [
        cell(model, e, EventColumn.VERIFICATION, Qt.ItemDataRole.DecorationRole) for e in states
    ]
    assert all(icon is not None and not icon.isNull() for icon in icons)


def test_grade_is_admiralty_code_with_explained_tooltip(model):
    assert cell(model, "e2", EventColumn.GRADE) == "B2"
    tip = plain(cell(model, "e2", EventColumn.GRADE, Qt.ItemDataRole.ToolTipRole))
    assert "B – usually reliable, 2 – probably true" in tip
    assert cell(model, "e3", EventColumn.GRADE) == "D5"
    assert "D – not usually reliable, 5 – improbable" in plain(
        cell(model, "e3", EventColumn.GRADE, Qt.ItemDataRole.ToolTipRole)
    )


def test_actor_column_shows_faction_display_names(model):
    assert cell(model, "e1", EventColumn.ACTORS) == "Rebels; Government"


def test_future_events_are_dimmed_without_reset(ctx, model, qtbot):
    before = {
        e: cell(model, e, EventColumn.TITLE, Qt.ItemDataRole.ForegroundRole) for e in ids(model)
    }
    assert all(v is None for v in before.values())
    with qtbot.waitSignal(model.dataChanged), qtbot.assertNotEmitted(model.modelReset):
        ctx.set_cursor(datetime(2024, 12, 1, tzinfo=BAGHDAD))
    fg = {e: cell(model, e, EventColumn.TITLE, Qt.ItemDataRole.ForegroundRole) for e in ids(model)}
    assert fg["e1"] is None and fg["e2"] is None
    assert fg["e3"] is not None and fg["e4"] is not None
    tip = plain(cell(model, "e4", EventColumn.TITLE, Qt.ItemDataRole.ToolTipRole))
    assert "After the 'as of' time (2024-12-01 00:00 UTC+03:00)" in tip
    assert "as of" not in plain(cell(model, "e2", EventColumn.TITLE, Qt.ItemDataRole.ToolTipRole))


def test_hide_future_leaves_later_events_out(ctx, model):
    ctx.set_cursor(datetime(2024, 12, 1, tzinfo=BAGHDAD))
    ctx.set_hide_future(True)
    assert ids(model) == ["e2", "e1"]
    ctx.set_cursor(datetime(2024, 12, 3, tzinfo=BAGHDAD))
    assert ids(model) == ["e3", "e2", "e1"]
    ctx.set_hide_future(False)
    assert ids(model) == ["e4", "e3", "e2", "e1"]


def test_set_matches_shows_only_those_positions_in_current_order(model):
    model.set_matches(np.array([0, 3]))
    assert ids(model) == ["e4", "e1"]
    assert model.row_of_id("e2") == -1
    assert model.position_of_id("e2") == 1
    assert model.position_of_id("nope") is None
    model.set_matches(None)
    assert model.rowCount() == 4


def test_tooltips_show_hostile_text_literally(qapp, small):
    edit_event(small, "e1", title='<img src="file:///etc/hostname"><b>x</b>')
    model = EventTableModel(ScenarioContext(small))
    tip = cell(model, "e1", EventColumn.TITLE, Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip
    assert plain(tip) == '<img src="file:///etc/hostname"><b>x</b>'  # shown literally
    assert cell(model, "e1", EventColumn.TITLE) == '<img src="file:///etc/hostname"><b>x</b>'


def test_invalid_and_child_indexes_have_no_data(model):
    assert model.data(QModelIndex()) is None
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.columnCount(model.index(0, 0)) == 0


def test_scenario_replaced_resets_the_model(ctx, model, qtbot, small):
    fewer = Scenario(
        info=small.info, factions=small.factions, sources=small.sources, events=small.events[:2]
    )
    with qtbot.waitSignal(model.modelReset):
        ctx.replace_scenario(fewer, None)
    assert ids(model) == ["e2", "e1"]
    assert model.total_count == 2


# -- a big scenario: the filter/sort path is vectorised ------------------------------------------
N_BIG = 200_000


def big_frame(n: int) -> pd.DataFrame:
    """A synthetic events frame shaped like ``frames.events_frame`` (built without a row loop)."""
    i = np.arange(n)
    t0 = 1_704_056_400 * 10**9  # 2024-01-01T00:00+03:00
    time_ns = t0 + i.astype(np.int64) * 60 * 10**9
    words = np.array(["alpha", "bravo", "charlie", "delta", "echo"], dtype=object)
    ids_ = pd.Series(i).astype(str).radd("e")
    titles = pd.Series(words[i % 5]) + " event " + pd.Series(i).astype(str)
    string = pd.StringDtype()
    frame = pd.DataFrame(
        {
            "id": ids_.astype(string),
            "time_ns": time_ns,
            "end_ns": time_ns,
            "day": np.zeros(n, dtype=bool),
            "title": titles.astype(string),
            "summary": pd.array([""] * n, dtype=string),
            "category": pd.Categorical.from_codes(i % 3, ["border", "military", "politics"]),
            "actors": pd.array(["Rebels"] * n, dtype=string),
            "location": pd.array(["Hama"] * n, dtype=string),
            "lat": np.full(n, np.nan),
            "lon": np.full(n, np.nan),
            "verification": pd.Categorical.from_codes(
                i % 4, ["confirmed", "denied", "disputed", "reported"]
            ),
            "reliability": pd.Categorical(["B"] * n),
            "credibility": np.full(n, 2, dtype=np.int8),
            "grade": pd.array(["B2"] * n, dtype=string),
            "source_ids": pd.array([""] * n, dtype=string),
            "actor_list": pd.array(["reb"] * n, dtype=string),
        },
        columns=list(EVENT_COLUMNS),
    )
    return frame


class _FrameContext(ScenarioContext):
    """A context whose events frame is given (the scenario's events only feed the Time column)."""

    def __init__(self, scenario: Scenario, frame: pd.DataFrame):
        super().__init__(scenario)
        self._given = frame

    @property
    def events_frame(self) -> pd.DataFrame:
        return self._given


def count_python_calls(fn) -> int:
    calls = 0

    def profile(_frame, event, _arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def test_filter_and_sort_200k_rows_without_a_python_loop_per_row(qapp, qtbot):
    proto = Event(
        id="p",
        time=Moment(datetime(2024, 1, 1, tzinfo=BAGHDAD)),
        title="p",
        category="border",
        actors=[],
        source_ids=[],
        verification=Verification.REPORTED,
    )
    scenario = Scenario(
        info=ScenarioInfo(id="big", title="big", timezone="Asia/Baghdad"), events=[proto] * N_BIG
    )
    ctx = _FrameContext(scenario, big_frame(N_BIG))
    ctx.set_cursor(datetime(2024, 3, 1, tzinfo=BAGHDAD))
    model = EventTableModel(ctx)
    assert model.rowCount() == N_BIG
    assert model.index(0, 0).data(EventIdRole) == f"e{N_BIG - 1}"  # newest first

    def keystroke():
        model.set_matches(filter_events(ctx.events_frame, text="charlie 1"))

    # A Python loop over the rows would make at least one call per row.
    assert count_python_calls(keystroke) < N_BIG // 10
    assert model.rowCount() == len(filter_events(ctx.events_frame, text="charlie 1")) > 0
    assert (
        count_python_calls(lambda: model.sort(EventColumn.TITLE, Qt.SortOrder.AscendingOrder))
        < N_BIG // 10
    )
    first = [model.index(r, EventColumn.TITLE).data() for r in range(3)]
    assert first == sorted(first)
    # Moving the cursor with future events hidden re-filters, still vectorised.
    ctx.hide_future = True
    assert (
        count_python_calls(lambda: ctx.set_cursor(datetime(2024, 2, 1, tzinfo=BAGHDAD)))
        < N_BIG // 10
    )
    cutoff = int(datetime(2024, 2, 1, tzinfo=BAGHDAD).timestamp()) * 10**9
    shown = model.rows
    assert len(shown) and (ctx.events_frame["time_ns"].to_numpy()[shown] <= cutoff).all()
