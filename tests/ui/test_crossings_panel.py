"""Crossing-status table: status as of the cursor, updates, plain text, selection, strip."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from monitor.model import CrossingStatus, Moment, StatusEntry
from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.panel import CrossingsPanel
from monitor.ui.crossings.status import STATUS_COLORS, CrossingColumn, CrossingRole

BAGHDAD = timezone(timedelta(hours=3))
BEFORE_CLOSURE = datetime(2024, 11, 29, 12, 0, tzinfo=BAGHDAD)
AFTER_CLOSURE = datetime(2024, 12, 1, 0, 0, tzinfo=BAGHDAD)
DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def ctx(small, small_path):
    return ScenarioContext(small, small_path)


@pytest.fixture
def panel(qtbot, ctx):
    ctx.set_cursor(BEFORE_CLOSURE)
    widget = CrossingsPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(1000, 300)
    return widget


def cell(panel: CrossingsPanel, crossing_id: str, column: CrossingColumn) -> QModelIndex:
    """The view-side index (through whatever proxy the view shows) of a crossing's cell."""
    view_model = panel.view.model()
    for row in range(view_model.rowCount()):
        index = view_model.index(row, column)
        if index.data(CrossingRole.ID) == crossing_id:
            return index
    raise AssertionError(f"no row for {crossing_id!r}")


def text(panel: CrossingsPanel, crossing_id: str, column: CrossingColumn) -> str:
    return cell(panel, crossing_id, column).data(DISPLAY)


def test_one_row_per_crossing_in_file_order(panel, small):
    view_model = panel.view.model()
    assert view_model.rowCount() == len(small.crossings) == 2
    names = [view_model.index(r, CrossingColumn.NAME).data(DISPLAY) for r in range(2)]
    assert names == [c.name for c in small.crossings]
    assert text(panel, "qaim", CrossingColumn.SIDES) == "Iraq: Al-Qaim ↔ Syria: Al-Bukamal"
    assert text(panel, "qaim", CrossingColumn.KIND) == "official"
    assert text(panel, "semalka", CrossingColumn.KIND) == "informal"
    assert text(panel, "qaim", CrossingColumn.HELD_BY) == "Government"
    assert text(panel, "semalka", CrossingColumn.HELD_BY) == "Kurdish forces"


def test_status_follows_the_cursor(panel, ctx):
    assert text(panel, "qaim", CrossingColumn.STATUS) == "open"
    open_icon = cell(panel, "qaim", CrossingColumn.STATUS).data(Qt.ItemDataRole.DecorationRole)
    open_tint = cell(panel, "qaim", CrossingColumn.STATUS).data(Qt.ItemDataRole.BackgroundRole)
    assert text(panel, "qaim", CrossingColumn.SINCE) == "2019-09-30"  # a day stays a date

    ctx.set_cursor(AFTER_CLOSURE)
    status = cell(panel, "qaim", CrossingColumn.STATUS)
    assert status.data(DISPLAY) == "closed"
    assert text(panel, "qaim", CrossingColumn.SINCE) == "2024-11-30"
    assert text(panel, "qaim", CrossingColumn.NOTE) == "Border sealed"
    closed_icon = status.data(Qt.ItemDataRole.DecorationRole)
    closed_tint = status.data(Qt.ItemDataRole.BackgroundRole)
    assert not open_icon.isNull() and not closed_icon.isNull()
    assert open_icon.cacheKey() != closed_icon.cacheKey()
    assert QColor(open_tint).rgb() != QColor(closed_tint).rgb()


def test_status_text_carries_the_word_not_only_colour(panel, ctx):
    ctx.set_cursor(datetime(2019, 1, 1, tzinfo=BAGHDAD))  # before any Al-Qaim entry
    assert text(panel, "qaim", CrossingColumn.STATUS) == "unknown"
    assert text(panel, "qaim", CrossingColumn.SINCE) == ""
    ctx.set_cursor(datetime(2024, 12, 4, tzinfo=BAGHDAD))
    words = {text(panel, cid, CrossingColumn.STATUS) for cid in ("qaim", "semalka")}
    assert words == {"closed", "restricted"}
    # Timed entry: shown in scenario time with the offset; tooltip adds UTC, note and sources.
    assert text(panel, "semalka", CrossingColumn.SINCE) == "2024-12-03 10:00"  # zone: title
    tip = cell(panel, "semalka", CrossingColumn.STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert "Restricted since 2024-12-03 10:00 UTC+03:00" in tip
    assert "2024-12-03 07:00:00Z" in tip
    assert "Humanitarian only" in tip
    qaim_tip = cell(panel, "qaim", CrossingColumn.STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert "Closed since 2024-11-30" in qaim_tip
    assert "Wire report one" in qaim_tip  # the source title


def test_cursor_move_updates_cursor_columns_without_reset(panel, ctx, qtbot):
    model = panel.model
    resets: list[bool] = []
    changed: set[tuple[int, int]] = set()  # (row, column) cells marked changed
    model.modelReset.connect(lambda: resets.append(True))

    def mark(a, b, _roles=()):
        changed.update(
            (r, c) for r in range(a.row(), b.row() + 1) for c in range(a.column(), b.column() + 1)
        )

    model.dataChanged.connect(mark)
    ctx.set_cursor(datetime(2024, 11, 20, tzinfo=BAGHDAD))  # before the closure
    changed.clear()
    ctx.set_cursor(AFTER_CLOSURE)
    rows = model.rowCount()
    # Every strip shows the cursor line at its new place...
    assert {(r, CrossingColumn.STRIP) for r in range(rows)} <= changed
    # ... and the crossing whose status changed has its status, since and note marked too.
    qaim = next(r for r in range(rows) if model.index(r, 0).data(CrossingRole.ID) == "qaim")
    assert {
        (qaim, c) for c in (CrossingColumn.STATUS, CrossingColumn.SINCE, CrossingColumn.NOTE)
    } <= changed
    assert text(panel, "qaim", CrossingColumn.STATUS).lower().startswith("closed")
    assert not resets


def test_military_time_toggle_refreshes_time_columns(panel, ctx, qtbot):
    ctx.set_cursor(datetime(2024, 12, 4, tzinfo=BAGHDAD))
    with qtbot.waitSignal(panel.model.dataChanged) as blocker:
        ctx.set_military_time(True)
    assert blocker.args[0].column() <= CrossingColumn.SINCE <= blocker.args[1].column()
    assert text(panel, "semalka", CrossingColumn.SINCE) == "030700Z DEC 24"
    assert text(panel, "qaim", CrossingColumn.SINCE) == "30 NOV 24"  # no fake hour


def test_history_change_shows_after_notify(panel, ctx, small, qtbot):
    crossing = small.crossing("semalka")
    assert text(panel, "semalka", CrossingColumn.STATUS) == "open"
    entry = StatusEntry(
        Moment(datetime(2024, 11, 28, 8, 0, tzinfo=BAGHDAD)),
        CrossingStatus.CLOSED,
        note="Shelling nearby",
    )
    crossing.history = (*crossing.history, entry)
    row = panel.model.row_of("semalka")
    with qtbot.waitSignal(panel.model.dataChanged) as blocker:
        ctx.notify_crossing_changed("semalka")
    assert blocker.args[0].row() == blocker.args[1].row() == row
    assert (blocker.args[0].column(), blocker.args[1].column()) == (0, len(CrossingColumn) - 1)
    assert text(panel, "semalka", CrossingColumn.STATUS) == "closed"
    assert text(panel, "semalka", CrossingColumn.NOTE) == "Shelling nearby"
    assert panel.model.crossing_at(row) is crossing


def test_scenario_replaced_resets(panel, ctx, small_path, qtbot):
    from monitor.model import load_scenario

    other = load_scenario(small_path)
    other.crossings = other.crossings[:1]
    with qtbot.waitSignal(panel.model.modelReset):
        ctx.replace_scenario(other, small_path)
    assert panel.view.model().rowCount() == 1
    assert panel.model.crossing_at(0) is other.crossings[0]


def test_arabic_local_name_is_shown(panel):
    assert text(panel, "qaim", CrossingColumn.LOCAL_NAME) == "القائم – البوكمال"
    assert not panel.view.isColumnHidden(CrossingColumn.LOCAL_NAME)
    tip = cell(panel, "qaim", CrossingColumn.NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert "\u2068القائم – البوكمال\u2069" in tip  # isolated: mixed with Latin text  # noqa: RUF001


@pytest.mark.parametrize("hostile", ['<img src="file:///etc/hostname">', "<b>x</b>"])
def test_hostile_text_is_shown_literally(qtbot, small, small_path, hostile):
    crossing = small.crossing("qaim")
    crossing.name = hostile
    crossing.name_local = hostile
    closure = dataclasses.replace(crossing.history[0], note=hostile)
    crossing.history = (closure, *crossing.history[1:])
    ctx = ScenarioContext(small, small_path)
    ctx.set_cursor(AFTER_CLOSURE)
    panel = CrossingsPanel(ctx)
    qtbot.addWidget(panel)
    for column in (CrossingColumn.NAME, CrossingColumn.LOCAL_NAME, CrossingColumn.NOTE):
        assert text(panel, "qaim", column) == hostile
    for column in (CrossingColumn.NAME, CrossingColumn.STATUS, CrossingColumn.STRIP):
        tip = cell(panel, "qaim", column).data(Qt.ItemDataRole.ToolTipRole)
        assert "<img" not in tip and "<b>" not in tip
        assert hostile.replace("<", "&lt;").replace(">", "&gt;").split('"')[0] in tip


def test_selecting_a_row_selects_the_crossing(panel, ctx, qtbot):
    with qtbot.waitSignal(ctx.crossing_selected) as blocker:
        panel.view.selectRow(cell(panel, "semalka", 0).row())
    assert blocker.args == ["semalka"]
    assert ctx.selected_crossing == "semalka"
    assert panel.selected_crossing_id() == "semalka"


def test_selection_from_elsewhere_selects_the_row(panel, ctx):
    ctx.select_crossing("qaim")
    assert panel.selected_crossing_id() == "qaim"
    assert panel.view.selectionModel().isRowSelected(cell(panel, "qaim", 0).row())
    ctx.select_crossing("")
    assert panel.selected_crossing_id() == ""


def test_sorting_by_status_and_back_to_file_order(panel, ctx):
    ctx.set_cursor(AFTER_CLOSURE)  # qaim closed, semalka open
    panel.view.sortByColumn(CrossingColumn.STATUS, Qt.SortOrder.DescendingOrder)
    view_model = panel.view.model()
    order = [view_model.index(r, 0).data(CrossingRole.ID) for r in range(view_model.rowCount())]
    assert order == ["semalka", "qaim"]  # descending severity: open before closed
    panel.view.sortByColumn(CrossingColumn.STATUS, Qt.SortOrder.AscendingOrder)
    order = [view_model.index(r, 0).data(CrossingRole.ID) for r in range(view_model.rowCount())]
    assert order == ["qaim", "semalka"]
    panel.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    ctx.select_crossing("semalka")
    assert panel.selected_crossing_id() == "semalka"


def _colour_pixels(image, rect, colour: str, tolerance: int = 12) -> int:
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


def test_strip_paints_history_bands(panel, ctx, qtbot):
    ctx.set_cursor(AFTER_CLOSURE)
    panel.show()
    qtbot.waitExposed(panel)
    image = panel.view.viewport().grab().toImage()
    qaim_strip = panel.view.visualRect(cell(panel, "qaim", CrossingColumn.STRIP))
    semalka_strip = panel.view.visualRect(cell(panel, "semalka", CrossingColumn.STRIP))
    closed = STATUS_COLORS[CrossingStatus.CLOSED]
    assert qaim_strip.width() >= 100
    assert _colour_pixels(image, qaim_strip, closed) > 20
    assert _colour_pixels(image, qaim_strip, STATUS_COLORS[CrossingStatus.OPEN]) > 20
    assert _colour_pixels(image, semalka_strip, closed) == 0  # never closed
    assert _colour_pixels(image, semalka_strip, STATUS_COLORS[CrossingStatus.RESTRICTED]) > 20
    tip = cell(panel, "qaim", CrossingColumn.STRIP).data(Qt.ItemDataRole.ToolTipRole)
    assert "2019-09-30" in tip and "2024-11-30" in tip and "Border sealed" in tip


def test_future_mode_hides_later_changes_in_the_strip(panel, ctx):
    ctx.set_cursor(BEFORE_CLOSURE)
    ctx.set_hide_future(True)
    panel.show()
    image = panel.view.viewport().grab().toImage()
    qaim_strip = panel.view.visualRect(cell(panel, "qaim", CrossingColumn.STRIP))
    assert _colour_pixels(image, qaim_strip, STATUS_COLORS[CrossingStatus.OPEN]) > 20  # painted
    assert _colour_pixels(image, qaim_strip, STATUS_COLORS[CrossingStatus.CLOSED]) == 0
    tip = cell(panel, "qaim", CrossingColumn.STRIP).data(Qt.ItemDataRole.ToolTipRole)
    assert "Border sealed" not in tip and "1 later change hidden" in tip


def test_model_passes_qt_model_tester(qtmodeltester, ctx):
    from monitor.ui.crossings.model import CrossingTableModel

    ctx.set_cursor(AFTER_CLOSURE)
    model = CrossingTableModel(ctx)
    qtmodeltester.check(model)


def test_narrow_panel_keeps_name_status_and_strip_in_view(qtbot, ctx):
    """A 1366-pixel screen gives the crossings dock about 700 pixels: no sideways scrolling."""
    ctx.set_cursor(AFTER_CLOSURE)
    panel = CrossingsPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(700, 260)
    panel.show()
    qtbot.waitExposed(panel)
    viewport = panel.view.viewport().rect()
    for column in (
        CrossingColumn.NAME,
        CrossingColumn.LOCAL_NAME,
        CrossingColumn.STATUS,
        CrossingColumn.STRIP,
    ):
        rect = panel.view.visualRect(cell(panel, "qaim", column))
        assert rect.width() > 40 and viewport.contains(rect.center()), column
    strip = panel.view.visualRect(cell(panel, "qaim", CrossingColumn.STRIP))
    assert strip.right() <= viewport.right() + 1
    # What the hidden columns said is still in the name's tooltip.
    tip = cell(panel, "qaim", CrossingColumn.NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert "Iraq: Al-Qaim ↔ Syria: Al-Bukamal (official)" in tip and "Government" in tip
    panel.resize(1300, 260)
    qtbot.waitUntil(lambda: not panel.view.isColumnHidden(CrossingColumn.SIDES))


def test_status_column_fits_every_status_word_whatever_the_cursor(panel, ctx, qtbot):
    """Fitted while every crossing is open, the column must still hold "restricted" later."""
    panel.resize(700, 260)
    panel.show()
    qtbot.waitExposed(panel)
    ctx.set_cursor(datetime(2024, 12, 4, tzinfo=BAGHDAD))
    assert text(panel, "semalka", CrossingColumn.STATUS) == "restricted"
    needed = panel.view.fontMetrics().horizontalAdvance("restricted") + 16  # text + icon
    assert panel.view.columnWidth(CrossingColumn.STATUS) >= needed


def test_columns_are_refitted_to_changed_text(panel, ctx, small, qtbot):
    """A re-fit (here on resize) measures the cells again after their text changed."""
    panel.resize(1300, 260)
    panel.show()
    qtbot.waitExposed(panel)
    before = panel.view.columnWidth(CrossingColumn.NAME)
    assert before < 150
    small.crossing("qaim").name += " (main border post)"
    ctx.notify_crossing_changed("qaim")
    panel.resize(1310, 260)
    qtbot.waitUntil(lambda: panel.view.columnWidth(CrossingColumn.NAME) > before + 40)


def test_note_column_makes_room_for_a_long_note_at_another_time(panel, ctx, small, qtbot):
    """Sized for the longest note of any time (up to its cap), not only the one in force;
    measured again when the history changes."""
    panel.resize(1400, 260)
    panel.show()
    qtbot.waitExposed(panel)
    short = panel.view.columnWidth(CrossingColumn.NOTE)
    crossing = small.crossing("semalka")
    later = StatusEntry(
        Moment(datetime(2025, 6, 1, 8, 0, tzinfo=BAGHDAD)),
        CrossingStatus.RESTRICTED,
        note="Convoys only, after inspection by both sides " * 3,
    )
    plain = crossing.history
    crossing.history = (*plain, later)
    ctx.notify_crossing_changed("semalka")
    panel.resize(1410, 260)
    qtbot.waitUntil(lambda: panel.view.columnWidth(CrossingColumn.NOTE) == 200)  # the cap
    assert text(panel, "semalka", CrossingColumn.NOTE) != later.note  # not the one in force
    crossing.history = plain
    ctx.notify_crossing_changed("semalka")
    panel.resize(1400, 260)
    qtbot.waitUntil(lambda: panel.view.columnWidth(CrossingColumn.NOTE) == short)
