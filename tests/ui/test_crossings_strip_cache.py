"""Status strips are drawn once per crossing and reused: what a user sees must still follow
every change (history, undo, span, width, palette, future mode), and cursor steps move the line."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from monitor.model import CrossingStatus, Moment, StatusEntry
from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.panel import CrossingsPanel
from monitor.ui.crossings.status import STATUS_COLORS, CrossingColumn, CrossingRole, strip_span
from monitor.ui.history_panel import HistoryPanel

BAGHDAD = timezone(timedelta(hours=3))
BEFORE_CLOSURE = datetime(2024, 11, 29, 12, 0, tzinfo=BAGHDAD)
AFTER_CLOSURE = datetime(2024, 12, 1, 0, 0, tzinfo=BAGHDAD)
CLOSED = STATUS_COLORS[CrossingStatus.CLOSED]
CURSOR_DARK = "#212121"


@pytest.fixture
def ctx(small, small_path):
    return ScenarioContext(small, small_path)


@pytest.fixture
def panel(qtbot, ctx):
    ctx.set_cursor(AFTER_CLOSURE)
    widget = CrossingsPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(1000, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def strip_rect(panel: CrossingsPanel, crossing_id: str):
    return panel.view.visualRect(panel.view_index(crossing_id, CrossingColumn.STRIP))


def grab(panel: CrossingsPanel):
    return panel.view.viewport().grab().toImage()


def colour_pixels(image, rect, colour: str, tolerance: int = 12) -> int:
    target = QColor(colour)
    count = 0
    for x in range(rect.left(), rect.right() + 1):
        for y in range(rect.top(), rect.bottom() + 1):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - target.red()) <= tolerance
                and abs(c.green() - target.green()) <= tolerance
                and abs(c.blue() - target.blue()) <= tolerance
            ):
                count += 1
    return count


def cursor_columns(image, rect) -> list[int]:
    """x of the pixel columns the dark cursor line covers in ``rect``."""
    target = QColor(CURSOR_DARK)
    found = []
    for x in range(rect.left(), rect.right() + 1):
        dark = 0
        for y in range(rect.top(), rect.bottom() + 1):
            c = image.pixelColor(x, y)
            if (
                max(
                    abs(c.red() - target.red()),
                    abs(c.green() - target.green()),
                    abs(c.blue() - target.blue()),
                )
                <= 30
            ):
                dark += 1
        if dark >= rect.height() // 2:
            found.append(x)
    return found


def test_a_new_status_shows_in_the_strip_and_goes_away_on_undo(panel, ctx, small):
    semalka = small.crossing("semalka")
    rect = strip_rect(panel, "semalka")
    assert colour_pixels(grab(panel), rect, CLOSED) == 0  # never closed so far
    before = semalka.history
    entry = StatusEntry(Moment(datetime(2024, 11, 28, 8, 0, tzinfo=BAGHDAD)), CrossingStatus.CLOSED)
    semalka.history = (*before, entry)
    ctx.notify_crossing_changed("semalka")
    assert colour_pixels(grab(panel), rect, CLOSED) > 20
    semalka.history = before  # what undo does: the old history back, then the notification
    ctx.notify_crossing_changed("semalka")
    assert colour_pixels(grab(panel), rect, CLOSED) == 0


def test_a_change_updates_the_status_cell_colour(panel, ctx, small):
    index = panel.view_index("semalka", CrossingColumn.STATUS)
    assert index.data(CrossingRole.STATUS) == CrossingStatus.OPEN
    open_tint = index.data(Qt.ItemDataRole.BackgroundRole)
    semalka = small.crossing("semalka")
    entry = StatusEntry(Moment(datetime(2024, 11, 30, 8, 0, tzinfo=BAGHDAD)), CrossingStatus.CLOSED)
    semalka.history = (*semalka.history, entry)
    ctx.notify_crossing_changed("semalka")
    tint = index.data(Qt.ItemDataRole.BackgroundRole)
    assert tint.rgb() == QColor(CLOSED).rgb() != open_tint.rgb()
    assert index.siblingAtColumn(CrossingColumn.STATUS).data() == "closed"


def test_cursor_step_moves_the_line_without_redrawing_the_strips(panel, ctx):
    rect = strip_rect(panel, "qaim")
    first = cursor_columns(grab(panel), rect)
    renders = panel.strip_delegate.renders
    ctx.set_cursor(BEFORE_CLOSURE)
    second = cursor_columns(grab(panel), rect)
    assert first and second and max(second) < min(first)  # the line moved left
    assert panel.strip_delegate.renders == renders  # the bands were reused


def test_strip_redrawn_to_the_new_width_when_the_column_grows(panel, qtbot):
    rect = strip_rect(panel, "qaim")
    closed = colour_pixels(grab(panel), rect, CLOSED)
    renders = panel.strip_delegate.renders
    panel.resize(1500, 300)
    qtbot.waitUntil(lambda: strip_rect(panel, "qaim").width() > rect.width())
    wider = strip_rect(panel, "qaim")
    assert colour_pixels(grab(panel), wider, CLOSED) > closed * wider.width() / rect.width() * 0.8
    assert panel.strip_delegate.renders > renders


def test_strip_redrawn_when_the_palette_changes(panel):
    grab(panel)
    renders = panel.strip_delegate.renders
    palette = QPalette(panel.view.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    panel.view.setPalette(palette)
    grab(panel)
    assert panel.strip_delegate.renders > renders


def test_every_strip_follows_a_change_that_widens_the_span(panel, ctx, small):
    rect = strip_rect(panel, "semalka")
    line_before = cursor_columns(grab(panel), rect)
    qaim = small.crossing("qaim")
    later = StatusEntry(Moment(datetime(2025, 3, 1, tzinfo=BAGHDAD)), CrossingStatus.OPEN)
    qaim.history = (*qaim.history, later)
    ctx.notify_crossing_changed("qaim")
    line_after = cursor_columns(grab(panel), rect)
    # Semalka itself did not change, but its strip now covers months more: the cursor
    # line (same time) sits further left.
    assert line_before and line_after and max(line_after) < min(line_before)


def test_future_mode_reveals_changes_as_the_cursor_moves(panel, ctx):
    ctx.set_hide_future(True)
    rect = strip_rect(panel, "qaim")
    ctx.set_cursor(BEFORE_CLOSURE)
    assert colour_pixels(grab(panel), rect, CLOSED) == 0
    ctx.set_cursor(AFTER_CLOSURE)
    assert colour_pixels(grab(panel), rect, CLOSED) > 0
    ctx.set_cursor(BEFORE_CLOSURE)
    assert colour_pixels(grab(panel), rect, CLOSED) == 0
    ctx.set_hide_future(False)
    assert colour_pixels(grab(panel), rect, CLOSED) > 20  # the whole history again


def _reference_span(ctx, focus):
    """strip_span as first written: every history instant of every crossing."""
    history = [h.time.instant for c in ctx.scenario.crossings for h in c.history]
    first, last = focus
    reach = first - max(last - first, timedelta(days=1))
    start = min([first, *(t for t in history if t >= reach)])
    end = max([last, *history])
    margin = max((end - start) * 0.03, timedelta(hours=12))
    return start - margin, end + margin


def test_span_matches_a_walk_of_every_entry(panel, ctx, small):
    model = panel.model
    focus = (datetime(2024, 11, 26, tzinfo=BAGHDAD), datetime(2024, 12, 6, tzinfo=BAGHDAD))
    assert model.time_span() == _reference_span(ctx, focus)
    qaim = small.crossing("qaim")
    # An old change (before the reach) stays out; a later one stretches the end.
    qaim.history = (
        StatusEntry(Moment(datetime(2001, 1, 1, tzinfo=BAGHDAD)), CrossingStatus.OPEN),
        *qaim.history,
        StatusEntry(Moment(datetime(2025, 1, 2, 3, 4, tzinfo=BAGHDAD)), CrossingStatus.CLOSED),
    )
    ctx.notify_crossing_changed("qaim")
    assert model.time_span() == _reference_span(ctx, focus) == strip_span(ctx)


def test_history_panel_follows_its_crossing_only(qtbot, ctx, small):
    ctx.set_cursor(AFTER_CLOSURE)
    panel = HistoryPanel(ctx, lambda _change: None)
    qtbot.addWidget(panel)
    ctx.select_crossing("qaim")
    rows = panel.model.rowCount()
    resets: list[bool] = []
    panel.model.modelReset.connect(lambda: resets.append(True))
    semalka = small.crossing("semalka")
    semalka.history = (*semalka.history, StatusEntry(Moment(AFTER_CLOSURE), CrossingStatus.OPEN))
    ctx.notify_crossing_changed("semalka")
    assert not resets and panel.model.rowCount() == rows
    inserted: list[int] = []
    panel.model.rowsInserted.connect(lambda *_: inserted.append(1))
    qaim = small.crossing("qaim")
    qaim.history = (*qaim.history, StatusEntry(Moment(AFTER_CLOSURE), CrossingStatus.OPEN))
    ctx.notify_crossing_changed("qaim")
    assert (resets or inserted) and panel.model.rowCount() == rows + 1
    assert "without note or source" in panel.title_label.text()
    panel.all_check.setChecked(True)
    rows = panel.model.rowCount()
    semalka.history = (*semalka.history, StatusEntry(Moment(BEFORE_CLOSURE), CrossingStatus.CLOSED))
    ctx.notify_crossing_changed("semalka")
    assert panel.model.rowCount() == rows + 1  # all crossings: every change shows


@pytest.mark.parametrize("when", ["latest", "middle", "same time as another"])
def test_a_new_entry_is_inserted_into_the_audit_list_without_a_rebuild(qtbot, ctx, small, when):
    panel = HistoryPanel(ctx, lambda _change: None)
    qtbot.addWidget(panel)
    ctx.select_crossing("qaim")
    qaim = small.crossing("qaim")
    timeline = qaim.timeline()
    at = {
        "latest": timeline[-1].time.instant + timedelta(days=3),
        "middle": timeline[0].time.instant
        + (timeline[1].time.instant - timeline[0].time.instant) / 2,
        "same time as another": timeline[1].time.instant,
    }[when]
    resets: list[bool] = []
    inserted: list[int] = []
    panel.model.modelReset.connect(lambda: resets.append(True))
    panel.model.rowsInserted.connect(lambda _p, first, _last: inserted.append(first))
    qaim.history = (*qaim.history, StatusEntry(Moment(at), CrossingStatus.RESTRICTED, note="new"))
    ctx.notify_crossing_changed("qaim")

    def shown() -> list[tuple]:
        m = panel.model
        return [
            tuple(m.index(r, c).data() for c in range(m.columnCount())) for r in range(m.rowCount())
        ]

    got = shown()
    fresh = HistoryPanel(ctx, lambda _change: None)
    qtbot.addWidget(fresh)
    fresh.model.crossing_id = "qaim"
    fresh.model.refresh()
    expected = [
        tuple(fresh.model.index(r, c).data() for c in range(fresh.model.columnCount()))
        for r in range(fresh.model.rowCount())
    ]
    assert got == expected  # the same rows, in the same order, as a rebuild
    assert inserted and not resets  # one row inserted, no rebuild
