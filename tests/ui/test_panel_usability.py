"""Rough edges a new user hit in the panels (issue 16, part 2): typed dates, the chart's
reset and edge boxes, the feed's Time column and column widths, dense strips, DTG days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from monitor.model import Moment
from monitor.model.timeutil import military_dtg, parse_moment

BAGHDAD = ZoneInfo("Asia/Baghdad")


def _focus(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


# -- 1. typing a date -----------------------------------------------------------------------
@pytest.mark.parametrize("start", ["ctrl+a", "home"])
def test_typed_as_of_applies_as_typed_once_on_enter(window, qtbot, start):
    """Ctrl+A (or Home), then the whole date: the cursor moves once, to exactly that time
    (the year too), when Enter is pressed; nothing moves while typing."""
    ctx, edit = window.ctx, window.cursor_bar.edit
    ctx.set_cursor(datetime(2025, 11, 30, 15, 21, tzinfo=BAGHDAD))
    seen: list[datetime] = []
    ctx.cursor_changed.connect(seen.append)
    _focus(qtbot, edit)
    if start == "ctrl+a":
        qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Home)
    qtbot.keyClicks(edit, "2024-12-07 12:00")
    assert seen == []  # no panel re-derived through intermediate dates
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert seen == [datetime(2024, 12, 7, 12, 0, tzinfo=BAGHDAD)]
    assert ctx.cursor_time() == datetime(2024, 12, 7, 12, 0, tzinfo=BAGHDAD)
    assert edit.text() == "2024-12-07 12:00"


def test_typed_as_of_applies_when_the_field_is_left(window, qtbot):
    ctx, edit = window.ctx, window.cursor_bar.edit
    ctx.set_cursor(datetime(2025, 11, 30, 15, 21, tzinfo=BAGHDAD))
    seen: list[datetime] = []
    ctx.cursor_changed.connect(seen.append)
    _focus(qtbot, edit)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "2024-12-07 12:00")
    _focus(qtbot, window.feed_panel.search_edit)  # leaving the field applies it
    assert seen == [datetime(2024, 12, 7, 12, 0, tzinfo=BAGHDAD)]


def test_typed_as_of_that_is_no_date_is_refused_and_nothing_moves(window, qtbot):
    ctx, edit = window.ctx, window.cursor_bar.edit
    before = datetime(2025, 11, 30, 15, 21, tzinfo=BAGHDAD)
    ctx.set_cursor(before)
    seen: list[datetime] = []
    ctx.cursor_changed.connect(seen.append)
    _focus(qtbot, edit)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "2024-02-30 12:00")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert seen == [] and ctx.cursor_time() == before
    assert "impossible date" in edit.toolTip()
    qtbot.keyClick(edit, Qt.Key.Key_Escape)  # the value comes back
    assert edit.text() == "2025-11-30 15:21"


@pytest.mark.parametrize("start", ["ctrl+a", "home"])
def test_typed_feed_dates_apply_as_typed_once(window, qtbot, start):
    panel = window.feed_panel
    panel.date_check.setChecked(True)
    filters: list[dict] = []
    panel.filters.changed.connect(lambda: filters.append(panel.filters.args()))
    edit = panel.to_edit  # 2024-12-05, the last day of the data
    _focus(qtbot, edit)
    if start == "ctrl+a":
        qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Home)
    qtbot.keyClicks(edit, "2024-11-30")
    assert filters == []
    qtbot.keyClick(edit, Qt.Key.Key_Enter)
    assert len(filters) == 1
    assert panel.to_edit.date().toPython() == date(2024, 11, 30)
    end = filters[0]["end"]
    assert end.astimezone(BAGHDAD).date() == date(2024, 11, 30)
    assert "e4" not in [panel.model.event_id(r) for r in range(panel.model.rowCount())]


def test_typed_effective_time_in_the_audit_editor_applies_as_typed(qtbot, small_ctx):
    """The audit panel's time editor takes typed text as typed too (it was a spin box)."""
    from monitor.ui.history_panel import HistoryColumn, HistoryPanel

    pushed: list = []
    panel = _shown(qtbot, HistoryPanel(small_ctx, pushed.append), 600, 260)
    small_ctx.select_crossing("qaim")
    model, view = panel.model, panel.view
    row = next(
        r
        for r in range(model.rowCount())
        if model.index(r, HistoryColumn.TIME).data() == "2024-11-30"
    )
    index = model.index(row, HistoryColumn.TIME)
    view.setCurrentIndex(index)
    view.edit(index)
    qtbot.waitUntil(lambda: QApplication.focusWidget() not in (None, view))
    editor = QApplication.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "2023-12-07 12:00")  # another year than the entry's
    assert pushed == []
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(pushed) > 0)  # (the view commits on the next event loop turn)
    assert len(pushed) == 1
    assert pushed[0].after["time"].startswith("2023-12-07T12:00:00+03:00")
    # Text that is no date: nothing is pushed, and the panel says why.
    index = model.index(row, HistoryColumn.TIME)
    view.edit(index)
    qtbot.waitUntil(lambda: QApplication.focusWidget() not in (None, view))
    editor = QApplication.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "2023-02-30 12:00")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(panel.refusal_label.isVisible)
    assert len(pushed) == 1 and "impossible date" in panel.refusal_label.text()


# -- 5. day-only dates as DTG -------------------------------------------------------------------
def test_day_precision_dtg_has_no_dashes_or_zulu():
    from monitor.model.timeutil import military_day

    day = parse_moment("2026-04-20", BAGHDAD)
    assert military_dtg(day) == "20 APR 26"
    assert military_day(date(2024, 11, 3)) == "03 NOV 24"
    # A time keeps its full Zulu DTG.
    assert military_dtg(parse_moment("2024-11-30T17:30:00+03:00", BAGHDAD)) == "301430Z NOV 24"


def test_day_precision_dtg_in_the_panels_and_iso_as_of_box(window):
    ctx = window.ctx
    ctx.set_cursor(datetime(2024, 12, 4, 12, 0, tzinfo=BAGHDAD))
    ctx.set_military_time(True)
    model = window.feed_panel.model
    cell = model.index(model.row_of_id("e1"), 0).data()  # e1 is the whole day 2024-11-27
    assert cell == "27 NOV 24"
    assert "----" not in window.territory_panel.readout.text()
    assert "04 DEC 24" in window.territory_panel.readout.text()
    # The as-of box is typed into: it stays ISO.
    assert window.cursor_bar.edit.text() == "2024-12-04 12:00"
    assert ctx.format_moment(Moment.of_day(date(2024, 11, 30), ctx.tz)) == "30 NOV 24"
    QApplication.processEvents()


# -- 3. the feed's Time column, column widths, the crossings' Since and the audit's Note ------
def _default_size(window, qtbot) -> None:
    """The window at its former fixed size, the feed dock as the default layout makes it."""
    window.resize(1366, 768)
    qtbot.wait(20)
    window.resizeDocks([window.feed_dock, window.map_dock], [520, 840], Qt.Orientation.Horizontal)
    qtbot.wait(20)


def _elided_chars(view, column: int, text: str) -> int:
    """How many characters of ``text`` a cell of ``column`` shows before the ellipsis."""
    width = view.columnWidth(column) - 12  # the cell's margins
    shown = view.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)
    return len(shown.rstrip("\u2026"))


def test_feed_time_column_says_the_zone_once_and_cells_are_compact(window):
    from monitor.ui.feed.columns import EventColumn

    model = window.feed_panel.model
    header = model.headerData(EventColumn.TIME, Qt.Orientation.Horizontal)
    assert header == "Time (UTC+03:00)"
    cells = [model.index(r, EventColumn.TIME).data() for r in range(model.rowCount())]
    assert cells and not any("UTC" in c for c in cells)
    row = model.row_of_id("e2")
    assert model.index(row, EventColumn.TIME).data() == "11-30 14:05"  # all events in 2024
    tip = model.index(row, EventColumn.TIME).data(Qt.ItemDataRole.ToolTipRole)
    assert "2024-11-30 14:05:00 UTC+03:00" in tip and "11:05:00Z" in tip
    tip = model.headerData(EventColumn.TIME, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "2024" in tip
    window.ctx.set_military_time(True)
    assert "Zulu" in model.headerData(EventColumn.TIME, Qt.Orientation.Horizontal)


def test_feed_title_gets_thirty_characters_at_the_default_size(window, qtbot):
    from monitor.ui.feed.columns import EventColumn

    # The filter bar's date range takes a row of its own in a narrower dock: the feed does
    # not force the window wider than the screen.
    assert window.feed_panel.minimumSizeHint().width() <= 420
    _default_size(window, qtbot)
    view = window.feed_panel.view
    assert window.feed_panel.filters.height() < 3 * window.feed_panel.search_edit.height()
    assert 480 <= window.feed_panel.width() <= 560
    title = "Military Operations Command takes Deir ez-Zor city from the SDF"
    assert _elided_chars(view, EventColumn.TITLE, title) >= 30
    header = view.horizontalHeader()
    time_header = view.model().headerData(EventColumn.TIME, Qt.Orientation.Horizontal)
    assert header.sectionSize(EventColumn.TIME) >= header.fontMetrics().horizontalAdvance(
        time_header
    )
    # The columns that stepped aside come back from the header's menu.
    columns = window.feed_panel.columns
    menu = columns.menu()
    hidden = [a for a in menu.actions() if a.isCheckable() and not a.isChecked()]
    assert hidden, "narrow dock: some columns step aside"
    hidden[0].setChecked(True)
    assert not view.isColumnHidden(EventColumn[hidden[0].text().upper()])


def test_feed_column_widths_are_remembered(window, qtbot, small_path):
    from monitor.ui import MainWindow
    from monitor.ui.feed.columns import EventColumn

    view = window.feed_panel.view
    header = view.horizontalHeader()
    header.resizeSection(EventColumn.VERIFICATION, 171)  # as a drag does
    window.feed_panel.columns.save()
    again = MainWindow(small_path)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.feed_panel.view.horizontalHeader().sectionSize(EventColumn.VERIFICATION) == 171


@pytest.fixture
def small_ctx(small, small_path):
    from monitor.ui.context import ScenarioContext

    ctx = ScenarioContext(small, small_path)
    ctx.set_cursor(datetime(2024, 12, 4, 12, 0, tzinfo=BAGHDAD))
    return ctx


def _shown(qtbot, widget, width: int, height: int):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(20)
    return widget


def test_crossings_since_is_readable_in_the_default_dock(qtbot, small_ctx):
    """The default layout gives the crossings dock about 420 pixels: the panel fits there
    (no wider minimum), Since shows its whole text, the zone once in its title, and the
    status history strip stays on screen."""
    from monitor.ui.crossings.panel import CrossingsPanel
    from monitor.ui.crossings.status import CrossingColumn

    panel = CrossingsPanel(small_ctx)
    assert panel.minimumSizeHint().width() <= 420
    _shown(qtbot, panel, 420, 300)
    assert panel.width() == 420
    view = panel.view
    model = view.model()
    assert model.headerData(CrossingColumn.SINCE, Qt.Orientation.Horizontal) == "Since (UTC+03:00)"
    texts = [model.index(r, CrossingColumn.SINCE).data() for r in range(model.rowCount())]
    assert "2024-12-03 10:00" in texts
    for text in texts:
        assert _elided_chars(view, CrossingColumn.SINCE, text) == len(text)
    shown = [c for c in CrossingColumn if not view.isColumnHidden(c)]
    assert CrossingColumn.STATUS in shown and CrossingColumn.STRIP in shown
    assert view.columnWidth(CrossingColumn.STRIP) >= 60
    assert sum(view.columnWidth(c) for c in shown) <= view.viewport().width() + 1
    # Military time: the title says so.
    small_ctx.set_military_time(True)
    assert "DTG" in model.headerData(CrossingColumn.SINCE, Qt.Orientation.Horizontal)


def test_audit_note_is_readable_in_the_default_dock(qtbot, small_ctx, default_path):
    from monitor.model import load_scenario
    from monitor.ui.context import ScenarioContext
    from monitor.ui.history_panel import HistoryColumn, HistoryPanel

    scenario = load_scenario(default_path)
    ctx = ScenarioContext(scenario, None)
    panel = HistoryPanel(ctx, lambda change: None)
    assert panel.minimumSizeHint().width() <= 436
    _shown(qtbot, panel, 436, 260)
    ctx.select_crossing(scenario.crossings[0].id)
    qtbot.wait(20)
    view, model = panel.view, panel.model
    notes = [model.index(r, HistoryColumn.NOTE).data() for r in range(model.rowCount())]
    longest = max(notes, key=len)
    assert len(longest) > 40
    assert _elided_chars(view, HistoryColumn.NOTE, longest) >= 25
    row = notes.index(longest)
    tip = model.index(row, HistoryColumn.TIME).data(Qt.ItemDataRole.ToolTipRole)
    assert longest.split()[0] in tip and "Sources:" in tip
    visible = [c for c in HistoryColumn if not view.isColumnHidden(c)]
    assert sum(view.columnWidth(c) for c in visible) <= view.viewport().width() + 1
    # Columns that stepped aside come back from the header's menu; the choice is kept.
    hidden = [a for a in panel.columns.menu().actions() if a.isCheckable() and not a.isChecked()]
    assert hidden
    hidden[0].setChecked(True)
    again = HistoryPanel(ctx, lambda change: None)
    qtbot.addWidget(again)
    assert again.columns.user_hidden == panel.columns.user_hidden


def test_crossings_column_widths_are_remembered(qtbot, small_ctx):
    from monitor.ui.crossings.panel import CrossingsPanel
    from monitor.ui.crossings.status import CrossingColumn

    panel = _shown(qtbot, CrossingsPanel(small_ctx), 700, 260)
    header = panel.view.horizontalHeader()
    header.resizeSection(CrossingColumn.NAME, 191)  # as a drag does
    qtbot.wait(400)  # (written a moment after the drag)
    again = _shown(qtbot, CrossingsPanel(small_ctx), 700, 260)
    assert again.view.horizontalHeader().sectionSize(CrossingColumn.NAME) == 191
    again.resize(650, 260)  # the dock changes: the analyst's width stays
    qtbot.wait(20)
    assert again.view.horizontalHeader().sectionSize(CrossingColumn.NAME) == 191


# -- 2. the chart: reset, clickable edge boxes, the cursor in view --------------------------------
def _chart(qtbot, scenario, path, cursor=None):
    from monitor.ui.context import ScenarioContext
    from monitor.ui.territory.panel import TerritoryPanel

    ctx = ScenarioContext(scenario, path)
    if cursor is not None:
        ctx.set_cursor(cursor)
    panel = TerritoryPanel(ctx)
    return _shown(qtbot, panel, 900, 400)


def _x_range(panel) -> tuple[float, float]:
    x0, x1 = panel.plot_item.getViewBox().viewRange()[0]
    return float(x0), float(x1)


def _far_off_event(small) -> datetime:
    import dataclasses

    later = datetime(2025, 11, 1, 9, tzinfo=BAGHDAD)
    small.events.append(dataclasses.replace(small.events[1], id="late", time=Moment(later)))
    return later


def test_chart_reset_after_zoom_home_key_button_and_menu(qtbot, small, small_path):
    panel = _chart(qtbot, small, small_path)
    default = _x_range(panel)
    vb = panel.plot_item.getViewBox()
    zoomed = (default[0] + 86400, default[0] + 3 * 86400)
    vb.setXRange(*zoomed, padding=0)
    assert _x_range(panel) == pytest.approx(zoomed)
    _focus(qtbot, panel.plot_widget)  # a click on the chart gives it the keys
    qtbot.keyClick(panel.plot_widget, Qt.Key.Key_Home)
    assert _x_range(panel) == pytest.approx(default)
    # The button in the chart's corner does the same ...
    vb.setXRange(*zoomed, padding=0)
    button = panel.navigation.reset_button
    assert button.isVisible() and panel.plot_widget.rect().contains(button.geometry())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert _x_range(panel) == pytest.approx(default)
    # ... and "Reset view" in the menu a right click on the chart opens.
    vb.setXRange(*zoomed, padding=0)
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QMenu

    qtbot.wait(25)
    middle = panel.plot_widget.mapFromScene(vb.sceneBoundingRect().center())
    QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.RightButton, pos=middle)
    qtbot.waitUntil(lambda: any(m.isVisible() for m in panel.findChildren(QMenu)))
    menu = next(m for m in panel.findChildren(QMenu) if m.isVisible())
    reset = next(a for a in menu.actions() if a.text() == "Reset view")
    menu.hide()
    reset.trigger()
    assert _x_range(panel) == pytest.approx(default)


def _in_box(hint):
    """A viewport point inside an edge box: its anchor (the view's edge, the lane's middle),
    a few pixels inwards."""
    view = hint.getViewBox()
    anchor = hint.parentItem().mapToScene(hint.pos()) if hint.parentItem() else hint.pos()
    point = view.scene().views()[0].mapFromScene(anchor)
    inward = 12 if hint.anchor.x() == 0 else -12
    return point + QPoint(inward, 0)


def test_clicking_the_later_events_box_brings_them_into_view(qtbot, small, small_path):
    from PySide6.QtTest import QTest

    later = _far_off_event(small)
    panel = _chart(qtbot, small, small_path)
    x0, x1 = _x_range(panel)
    assert x1 < later.timestamp()  # opens on the main cluster; the box counts the rest
    hint = panel.lane.hint_right
    assert hint.isVisible() and "1 later event" in hint.textItem.toPlainText()
    assert hint.cursor().shape() == Qt.CursorShape.PointingHandCursor  # looks clickable
    QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=_in_box(hint))
    y0, y1 = _x_range(panel)
    assert y0 <= later.timestamp() <= y1  # the later event is in view now
    assert y1 - y0 == pytest.approx(x1 - x0)  # same zoom
    left = panel.lane.hint_left
    assert left.isVisible() and "earlier event" in left.textItem.toPlainText()
    qtbot.wait(600)  # not a double click
    QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=_in_box(left))
    _z0, z1 = _x_range(panel)
    assert z1 < later.timestamp() and z1 > datetime(2024, 12, 5, tzinfo=BAGHDAD).timestamp()


def test_chart_opens_with_the_cursor_in_view(qtbot, small, small_path):
    later = _far_off_event(small)
    parked = later.replace(hour=18)  # the cursor on the far-off event
    panel = _chart(qtbot, small, small_path, cursor=parked)
    x0, x1 = _x_range(panel)
    assert x0 <= parked.timestamp() <= x1
    assert "\u25b8" not in panel.cursor_line.label.toPlainText()  # not parked at an edge
    # A cursor just after the data: the data and the cursor.
    panel.ctx.set_cursor(datetime(2024, 12, 9, 12, tzinfo=BAGHDAD))
    panel.navigation.reset()
    x0, x1 = _x_range(panel)
    assert x0 <= panel.x_of(date(2024, 11, 26)) and x1 >= panel.ctx.cursor_time().timestamp()


# -- 4. dense strips stay readable ------------------------------------------------------------
N_DENSE = 100_000


def test_chart_event_lane_aggregates_100k_events_into_counted_bins(qtbot, small, small_path):
    import dataclasses
    from datetime import UTC, timedelta

    import numpy as np

    from monitor.ui.territory.markers import MIN_BIN_PX

    base = small.events[1]
    start = datetime(2022, 1, 1, tzinfo=UTC)
    small.events = small.table_of(
        dataclasses.replace(base, id=f"m{i}", time=Moment(start + timedelta(minutes=16 * i)))
        for i in range(N_DENSE)
    )  # 100k events over about three years
    panel = _chart(qtbot, small, small_path)
    vb = panel.plot_item.getViewBox()

    def check() -> tuple[int, int]:
        m = panel.lane.markers
        assert m.aggregated
        x0, x1 = _x_range(panel)
        shown = (m.xs >= x0) & (m.xs <= x1)
        # Bounded: no two marks closer than MIN_BIN_PX, so at most a lane's width of them.
        assert shown.sum() <= vb.width() / MIN_BIN_PX + 2
        if shown.sum() > 1:
            px = np.diff(np.sort(m.xs[shown])) / ((x1 - x0) / vb.width())
            assert px.min() >= MIN_BIN_PX - 0.5
        assert int(m.counts.sum()) == N_DENSE  # every event in exactly one bin
        # The marks in view and the edge boxes account for every event.
        xs, weights = panel.lane.sorted_xs()
        left = int(weights[xs < x0].sum())
        right = int(weights[xs > x1].sum())
        assert left + int(m.counts[shown].sum()) + right == N_DENSE
        return int(shown.sum()), m.bin_days

    marks, days = check()
    assert days > 1 and marks >= 10  # three years: bins of several days, a lane of them
    # Zoomed to two weeks: a mark per day, each with that day's count.
    d0 = datetime(2023, 3, 1, tzinfo=BAGHDAD).timestamp()
    vb.setXRange(d0, d0 + 14 * 86400, padding=0)
    marks, days = check()
    assert days == 1 and 13 <= marks <= 15
    m = panel.lane.markers
    per_day = m.counts[(m.xs >= d0) & (m.xs < d0 + 14 * 86400)]
    assert set(per_day.tolist()) <= {90, 91}  # 1440 / 16 minutes


def test_chart_bins_fewer_events_only_while_they_would_pile_up(qtbot, small, small_path):
    """3000 events over three years would overlap in a lane 900 pixels wide: bins; zoomed
    to ten days they are few enough to show one by one, in their verification colours."""
    import dataclasses
    from datetime import UTC, timedelta

    base = small.events[1]
    start = datetime(2022, 1, 1, tzinfo=UTC)
    small.events = small.table_of(
        dataclasses.replace(base, id=f"m{i}", time=Moment(start + timedelta(hours=9 * i)))
        for i in range(3000)
    )
    panel = _chart(qtbot, small, small_path)
    m = panel.lane.markers
    assert m.aggregated and len(m.xs) < 200 and int(m.counts.sum()) == 3000
    legend = [e.label.text() for e in panel.legend.entries]
    assert any("events per day" in t for t in legend)
    d0 = datetime(2023, 3, 1, tzinfo=UTC).timestamp()
    panel.plot_item.getViewBox().setXRange(d0, d0 + 10 * 86400, padding=0)
    m = panel.lane.markers
    assert not m.aggregated and len(m.xs) == 3000  # one marker per event again
    legend = [e.label.text() for e in panel.legend.entries]
    assert any("confirmed event" in t for t in legend)


def test_crossing_strip_bins_a_100k_change_history(qtbot, small, small_path):
    import dataclasses
    from datetime import UTC, timedelta

    import numpy as np

    from monitor.model import CrossingStatus
    from monitor.ui.context import ScenarioContext
    from monitor.ui.crossings.panel import CrossingsPanel
    from monitor.ui.crossings.status import CrossingColumn, CrossingRole
    from monitor.ui.crossings.strip import MIN_BAND_PX, strip_bins

    crossing, statuses = small.crossing("qaim"), list(CrossingStatus)
    start = datetime(2024, 11, 20, tzinfo=UTC)
    crossing.history = tuple(
        dataclasses.replace(
            crossing.history[0],
            time=Moment(start + timedelta(seconds=13 * i)),
            status=statuses[(i * 7 // 3) % 3],
        )
        for i in range(N_DENSE)
    )
    ctx = ScenarioContext(small, small_path)
    ctx.set_cursor(datetime(2024, 11, 30, tzinfo=UTC))
    panel = _shown(qtbot, CrossingsPanel(ctx), 700, 200)
    view, delegate = panel.view, panel.strip_delegate
    index = panel.view_index("qaim", CrossingColumn.STRIP)
    width = view.columnWidth(CrossingColumn.STRIP)
    assert width >= 160
    delegate.clear_cache()
    view.viewport().grab()  # paints the strips again
    qtbot.waitUntil(lambda: delegate.renders > 0)
    # What was drawn for the dense strip is bounded by its width, not by its 100k changes.
    data = index.data(CrossingRole.STRIP)
    assert len(data.entries) == N_DENSE
    rect = view.visualRect(index)
    delegate.last_drawn = 0
    assert not delegate.picture(rect.size(), data).isNull()
    assert 0 < delegate.last_drawn <= 3 * rect.width() / MIN_BAND_PX
    # The bins' change counts add up to the changes inside the span.
    epoch, micro = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)
    us = np.array([(e.time.instant - epoch) // micro for e in data.entries], dtype=np.int64)
    codes = np.array([statuses.index(e.status) for e in data.entries], dtype=np.int8)
    lo, hi = (data.start - epoch) // micro, (data.end - epoch) // micro
    x0, dominant, changes, _end = strip_bins(us, codes, lo, hi, 0.0, float(rect.width() - 8))
    assert len(x0) <= rect.width() / MIN_BAND_PX
    assert int(changes.sum()) == int(((us > lo) & (us <= hi)).sum())
    assert set(dominant.tolist()) <= {-1, 0, 1, 2} and (dominant >= 0).any()
