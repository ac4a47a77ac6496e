"""The feed at scale: cells made from the frame, cheap cursor steps, index-backed search."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from PySide6.QtCore import Qt

from monitor.model import (
    Event,
    Faction,
    Location,
    Moment,
    Scenario,
    ScenarioInfo,
    Verification,
    search,
)
from monitor.model.searchtext import texts_of
from monitor.model.timeutil import zone
from monitor.ui.context import ScenarioContext
from monitor.ui.feed import FeedPanel
from monitor.ui.feed.columns import EventColumn, EventIdRole
from monitor.ui.feed.model import EventTableModel

DAMASCUS = zone("Asia/Damascus")  # DST changes at midnight: day events must keep their date
WORDS = ["convoy", "clash", "al-qaim", "ربيعة", "border", "Straße", "shelling", "مجلس"]


def scenario(n: int, seed: int = 3) -> Scenario:
    rng = random.Random(seed)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    events = []
    for i in range(n):
        if i % 4 == 0:
            when = Moment.of_day(date(2022, 1, 1) + timedelta(days=rng.randrange(900)), DAMASCUS)
        else:
            offset = timezone(timedelta(hours=rng.choice([0, 2, 3])))
            when = Moment((start + timedelta(minutes=rng.randrange(900 * 1440))).astimezone(offset))
        events.append(
            Event(
                id=f"e{i}",
                time=when,
                title=" ".join(rng.sample(WORDS, 3)) + f" {i}",
                category=rng.choice(["border", "military"]),
                actors=rng.sample(["a", "b", "free text"], 2),
                source_ids=[],
                verification=rng.choice(list(Verification)),
                location=Location(rng.choice(["Qaim", "حماة"]), 34.0, 41.0) if i % 3 else None,
            )
        )
    return Scenario(
        ScenarioInfo("t", "T", "Asia/Damascus"),
        factions=[Faction("a", "Alpha", "#000000"), Faction("b", "ﺏ Beta", "#111111")],
        events=events,
    )


@pytest.fixture
def big(qapp):
    ctx = ScenarioContext(scenario(300))
    ctx.set_cursor(datetime(2030, 1, 1, tzinfo=UTC))
    return ctx, EventTableModel(ctx)


def shown(model: EventTableModel) -> list[int]:
    return model.rows.tolist()


def expected(model: EventTableModel, ctx: ScenarioContext, mask: np.ndarray | None) -> list[int]:
    """What a plain loop over the display order shows."""
    order = model._compute_order().tolist()
    times = ctx.events_frame["time_ns"].to_numpy()
    cut = model.cursor_ns
    return [
        p for p in order if (mask is None or mask[p]) and (not ctx.hide_future or times[p] <= cut)
    ]


def test_cells_are_the_events_own_texts(big) -> None:
    ctx, model = big
    events = ctx.scenario.events
    for military in (False, True):
        ctx.set_military_time(military)
        for row in range(model.rowCount()):
            event = events[model.position(row)]
            assert model.index(row, EventColumn.TIME).data() == ctx.format_moment(event.time)
            assert model.index(row, EventColumn.TITLE).data() == event.title
            assert model.index(row, EventColumn.CATEGORY).data() == event.category
            assert model.index(row, 0).data(EventIdRole) == event.id
            assert model.index(row, EventColumn.LOCATION).data() == (
                event.location.name if event.location else ""
            )


@pytest.mark.parametrize("column", [EventColumn.TIME, EventColumn.TITLE, EventColumn.VERIFICATION])
@pytest.mark.parametrize("order", [Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder])
def test_few_or_many_matches_keep_the_display_order(big, column, order) -> None:
    ctx, model = big
    model.sort(column, order)
    rng = np.random.default_rng(1)
    for share in (0.01, 0.05, 0.5, 1.0):
        mask = rng.random(model.total_count) < share
        model.set_matches(mask)
        assert shown(model) == expected(model, ctx, mask)
        model.set_matches(np.flatnonzero(mask))  # positions work too
        assert shown(model) == expected(model, ctx, mask)


@pytest.mark.parametrize("order", [Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder])
def test_cursor_steps_with_future_hidden_insert_or_remove_rows_not_reset(big, qtbot, order) -> None:
    ctx, model = big
    model.sort(EventColumn.TIME, order)
    mask = np.random.default_rng(2).random(model.total_count) < 0.7
    model.set_matches(mask)
    ctx.set_cursor(datetime(2023, 1, 1, tzinfo=UTC))
    ctx.set_hide_future(True)
    assert shown(model) == expected(model, ctx, mask)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    changes: list[str] = []
    model.rowsInserted.connect(lambda *_: changes.append("insert"))
    model.rowsRemoved.connect(lambda *_: changes.append("remove"))
    for days in (400, 90, 700, 2000, 1, 450):
        when = start + timedelta(days=days)
        changes.clear()
        before = model.rowCount()
        with qtbot.assertNotEmitted(model.modelReset):
            ctx.set_cursor(when)
        assert shown(model) == expected(model, ctx, mask)
        after = model.rowCount()
        assert changes == ([] if after == before else ["insert"] if after > before else ["remove"])
    ctx.set_hide_future(False)
    assert shown(model) == expected(model, ctx, mask)


def test_cursor_steps_with_future_hidden_in_another_order(big) -> None:
    ctx, model = big
    model.sort(EventColumn.TITLE, Qt.SortOrder.AscendingOrder)
    ctx.set_hide_future(True)
    for days in (100, 500, 50):
        ctx.set_cursor(datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=days))
        assert shown(model) == expected(model, ctx, None)


def test_cursor_steps_without_hiding_change_no_rows(big, qtbot) -> None:
    ctx, model = big
    before = shown(model)
    with (
        qtbot.assertNotEmitted(model.modelReset),
        qtbot.assertNotEmitted(model.rowsRemoved),
    ):
        ctx.set_cursor(datetime(2023, 1, 1, tzinfo=UTC))
    assert shown(model) == before


@pytest.mark.parametrize(
    ("column", "order"),
    [
        (EventColumn.TIME, Qt.SortOrder.DescendingOrder),
        (EventColumn.TIME, Qt.SortOrder.AscendingOrder),
        (EventColumn.TITLE, Qt.SortOrder.AscendingOrder),
    ],
)
def test_a_cursor_step_repaints_only_the_rows_it_dims_or_undims(big, column, order) -> None:
    ctx, model = big
    model.sort(column, order)
    model.set_matches(np.random.default_rng(4).random(model.total_count) < 0.5)
    ctx.set_cursor(datetime(2023, 1, 1, tzinfo=UTC))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row())))

    def dimmed() -> np.ndarray:
        return np.array([model.is_future(model.position(r)) for r in range(model.rowCount())])

    for days in (380, 380, 30, 900, 0):
        before = dimmed()
        changed.clear()
        ctx.set_cursor(datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=days))
        flipped = np.flatnonzero(before != dimmed())
        if len(flipped):
            assert len(changed) == 1
            first, last = changed[0]
            assert first <= flipped[0] and flipped[-1] <= last  # every flipped row is repainted
            if column == EventColumn.TIME:  # in time order: those rows and no others
                assert (first, last) == (flipped[0], flipped[-1])
        else:
            assert changed == []  # nothing to repaint


def test_typing_in_the_feed_uses_the_index_and_finds_the_same_events(qtbot, qapp) -> None:
    ctx = ScenarioContext(scenario(400, seed=5))
    panel = FeedPanel(ctx)
    qtbot.addWidget(panel)
    frame = ctx.events_frame
    texts = texts_of(frame).slice(0, len(frame)).to_pylist()

    def typed(text: str) -> set[int]:
        panel.search_edit.setText(text)
        panel._apply_filter()
        return set(panel.model.rows.tolist())

    words = ["con", "convoy", "ربي", "STRASSE", "al-q", "clash al", "zz", "a"]
    scanned = {w: typed(w) for w in words}  # small frame: no index, a scan
    for w in words:
        parts = w.casefold().split()
        assert scanned[w] == {i for i, t in enumerate(texts) if all(x in t for x in parts)}
    search.build_index(frame)
    from monitor.model import frames

    frames._mask_cache = None  # forget the scanned masks
    assert {w: typed(w) for w in words} == scanned
    assert panel.count_label.text() == f"{len(scanned['a'])} of 400 events"


def test_the_feed_indexes_a_big_frame_for_search_once_it_is_painted(qtbot, monkeypatch):
    """The index thread starts after the first paint (it would slow the window's start-up),
    then the search box uses it."""
    monkeypatch.setattr(search, "MIN_INDEXED_ROWS", 100)
    ctx = ScenarioContext(scenario(300, seed=5))
    panel = FeedPanel(ctx)
    qtbot.addWidget(panel)
    frame = ctx.events_frame
    qtbot.wait(50)
    assert search.index_for(frame) is None  # not while the window is being built
    panel.resize(900, 500)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: search.index_for(frame) is not None)
    panel.search_edit.setText("convoy")
    panel._apply_filter()
    texts = texts_of(frame).slice(0, len(frame)).to_pylist()
    assert set(panel.model.rows.tolist()) == {i for i, t in enumerate(texts) if "convoy" in t}
