"""The fast paths of a toggle and a cursor step show what a freshly built window shows.

The crossings table keeps its cells' pictures and role values, the audit inserts one row
for a toggle instead of rebuilding, the strips keep their pictures: after toggles, undo
and cursor steps, every cell (text, icon, tint, tooltip) and every pixel of the table
must be those of a panel built from scratch on the same scenario.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStyledItemDelegate

from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.actions import NOW
from monitor.ui.crossings.panel import CrossingsPanel
from monitor.ui.crossings.status import CrossingColumn, CrossingRole
from monitor.ui.crossings.strip import StatusStripDelegate
from monitor.ui.history_columns import HistoryColumn
from monitor.ui.history_panel import HistoryPanel

BAGHDAD = timezone(timedelta(hours=3))
STEPS = [
    datetime(2024, 11, 28, 12, 0, tzinfo=BAGHDAD),
    datetime(2024, 11, 30, 18, 0, tzinfo=BAGHDAD),
    datetime(2024, 12, 2, 9, 0, tzinfo=BAGHDAD),
]
ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
)


def _colour(value):
    return None if value is None else value.rgba()


def _icon(value):
    return None if value is None else value.cacheKey()


def crossing_cells(panel: CrossingsPanel) -> list[tuple]:
    """Every cell of the table as the view shows it (view order), role by role."""
    proxy = panel.proxy
    out = []
    for row in range(proxy.rowCount()):
        for col in range(proxy.columnCount()):
            index = proxy.index(row, col)
            out.append(
                (
                    row,
                    col,
                    *(index.data(role) for role in ROLES),
                    _icon(index.data(Qt.ItemDataRole.DecorationRole))
                    if col == CrossingColumn.STATUS
                    else None,
                    _colour(index.data(Qt.ItemDataRole.BackgroundRole)),
                )
            )
    return out


def history_rows(panel: HistoryPanel) -> list[tuple]:
    model = panel.model
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def picture(panel: CrossingsPanel) -> QImage:
    """The table's rows as painted (the panel's legend may sit beside or above it)."""
    view = panel.view
    view.viewport().repaint()
    last = panel.proxy.rowCount() - 1
    rows = view.visualRect(panel.proxy.index(0, 0)).united(
        view.visualRect(panel.proxy.index(last, 0))
    )
    rows.setLeft(0)
    rows.setWidth(view.viewport().width())
    return view.viewport().grab(rows).toImage()


def differing_pixels(a: QImage, b: QImage, tolerance: int = 2) -> int:
    """Pixels whose colour differs by more than ``tolerance`` in a channel (anti-aliased
    text copied from a picture may differ by one step of rounding)."""
    assert a.size() == b.size()
    count = 0
    for y in range(a.height()):
        for x in range(a.width()):
            p, q = a.pixel(x, y), b.pixel(x, y)
            if p != q and any(
                abs(((p >> s) & 255) - ((q >> s) & 255)) > tolerance for s in (0, 8, 16, 24)
            ):
                count += 1
    return count


def fresh_panel(qtbot, window, size) -> CrossingsPanel:
    """A crossings panel built now on the window's scenario, cursor and options."""
    ctx = ScenarioContext(window.ctx.scenario, window.ctx.path)
    ctx.set_cursor(window.ctx.cursor_time())
    panel = CrossingsPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def follower(qtbot, window):
    """A second crossings panel on the window's own context: it follows every toggle and
    cursor step through the context's signals (as the window's panel does)."""
    panel = CrossingsPanel(window.ctx)
    qtbot.addWidget(panel)
    panel.resize(1400, 260)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()  # (the selection's colour depends on it: settled before pictures)
    qtbot.waitUntil(panel.isActiveWindow)
    qtbot.wait(50)
    return panel


def _toggle(window, monkeypatch, crossing_id: str) -> None:
    monkeypatch.setattr(window.crossing_actions, "ask_effective_time", lambda *_a: NOW)
    window.ctx.select_crossing(crossing_id)
    window.toggle_selected_crossing()


def test_table_after_toggles_and_cursor_steps_is_a_fresh_tables(
    qtbot, window, follower, monkeypatch
) -> None:
    picture(follower)  # the pictures of the first state are kept from here on
    for when in STEPS:
        window.ctx.set_cursor(when)
        picture(follower)
    _toggle(window, monkeypatch, "qaim")
    picture(follower)
    _toggle(window, monkeypatch, "semalka")
    window.ctx.set_cursor(STEPS[0])
    picture(follower)
    window.ctx.set_cursor(datetime.now(BAGHDAD) + timedelta(hours=1))  # after the toggles
    seen = picture(follower)
    # Painted afresh, nothing kept: the same pixels as the kept pictures gave.
    follower.view.setItemDelegate(QStyledItemDelegate(follower.view))
    follower.view.setItemDelegateForColumn(CrossingColumn.STRIP, StatusStripDelegate(follower.view))
    assert differing_pixels(seen, picture(follower)) == 0

    fresh = fresh_panel(qtbot, window, follower.size())
    fresh.ctx.select_crossing(window.ctx.selected_crossing)  # as the follower was told
    assert crossing_cells(follower) == crossing_cells(fresh)
    for row in range(follower.proxy.rowCount()):  # the toggles show: the newest entry rules
        crossing_id = follower.proxy.index(row, 0).data(CrossingRole.ID)
        newest = max(window.ctx.scenario.crossing(crossing_id).history, key=lambda e: e.time)
        assert newest.by == "Analyst One"
        assert follower.proxy.index(row, CrossingColumn.STATUS).data() == newest.status.value


def test_undo_of_a_toggle_shows_the_table_as_before(qtbot, window, follower, monkeypatch):
    window.ctx.set_cursor(datetime.now(BAGHDAD) + timedelta(hours=1))
    window.ctx.select_crossing("qaim")
    before_cells, before = crossing_cells(follower), picture(follower)
    _toggle(window, monkeypatch, "qaim")
    toggled = picture(follower)
    assert differing_pixels(before, toggled) > 0  # the status cell and the strip changed
    window.session.undo_stack.undo()
    assert crossing_cells(follower) == before_cells
    assert differing_pixels(before, picture(follower)) == 0
    follower.view.setItemDelegate(QStyledItemDelegate(follower.view))
    assert differing_pixels(before, picture(follower)) == 0


def test_cell_pictures_are_reused_between_repaints(window, follower) -> None:
    picture(follower)  # painted as usual (a cell may show something once only) ...
    picture(follower)  # ... and kept from its second showing on
    drawn = follower.cell_delegate.renders
    assert drawn > 0
    for _ in range(3):
        picture(follower)
    assert follower.cell_delegate.renders == drawn  # copied, not painted again
    window.ctx.set_military_time(True)  # every time cell reads differently now
    picture(follower)
    assert follower.cell_delegate.renders > drawn


@pytest.mark.parametrize("all_crossings", [False, True])
def test_audit_after_toggles_is_a_fresh_audits(qtbot, window, monkeypatch, all_crossings):
    audit = window.history_panel
    audit.all_check.setChecked(all_crossings)
    _toggle(window, monkeypatch, "qaim")
    _toggle(window, monkeypatch, "qaim")
    _toggle(window, monkeypatch, "semalka")
    window.ctx.select_crossing("qaim")
    _toggle(window, monkeypatch, "qaim")
    window.session.undo_stack.undo()
    _toggle(window, monkeypatch, "qaim")

    fresh = HistoryPanel(window.ctx, window.session.push)
    qtbot.addWidget(fresh)
    fresh.all_check.setChecked(all_crossings)
    assert history_rows(audit) == history_rows(fresh)
    assert audit.title_label.text() == fresh.title_label.text()
    rows = history_rows(audit)
    mine = [r for r in rows if r[HistoryColumn.BY] == "Analyst One"]
    assert len(mine) == (4 if all_crossings else 3)
    assert rows[0][HistoryColumn.BY] == "Analyst One"  # newest first: the last toggle on top


def test_audit_rows_painted_from_kept_pictures_look_freshly_painted(
    qtbot, window, monkeypatch
) -> None:
    audit = HistoryPanel(window.ctx, window.session.push)
    qtbot.addWidget(audit)
    audit.resize(900, 300)
    audit.show()
    qtbot.waitExposed(audit)
    audit.activateWindow()
    qtbot.waitUntil(audit.isActiveWindow)
    window.ctx.select_crossing("qaim")

    def rows_picture() -> QImage:
        audit.view.viewport().repaint()
        return audit.view.viewport().grab().toImage()

    rows_picture()
    rows_picture()
    drawn = audit.view.itemDelegate().renders
    rows_picture()
    assert audit.view.itemDelegate().renders == drawn  # copied the second time
    _toggle(window, monkeypatch, "qaim")  # a row inserted on top: the others move down
    _toggle(window, monkeypatch, "qaim")
    kept = rows_picture()
    assert audit.model.rowCount() == 4
    assert audit.model.index(0, HistoryColumn.BY).data() == "Analyst One"
    audit.view.setItemDelegate(QStyledItemDelegate(audit.view))
    assert differing_pixels(kept, rows_picture()) == 0


def test_map_markers_follow_toggles_at_the_cursor_and_now(window, monkeypatch) -> None:
    """The map finds a marker's status from the instants of the entries it knew plus the
    one a toggle added: the same as the crossing's own status at the cursor."""
    from monitor.ui.crossings.actions import AT_CURSOR

    window.ctx.set_cursor(STEPS[1])
    _toggle(window, monkeypatch, "qaim")  # now: after the cursor, the map stays
    monkeypatch.setattr(window.crossing_actions, "ask_effective_time", lambda *_a: AT_CURSOR)
    window.toggle_selected_crossing()  # at the cursor: between two older entries
    for when in (*STEPS, datetime.now(BAGHDAD) + timedelta(hours=1)):
        window.ctx.set_cursor(when)
        for crossing in window.ctx.scenario.crossings:
            assert window.map_panel.crossing_status(crossing.id) == crossing.status_at(when)
    assert len(window.ctx.scenario.crossing("qaim").history) == 4


def test_time_range_from_the_timelines_ends_is_the_walk_of_every_entry(window, monkeypatch):
    scenario = window.ctx.scenario

    def walked():
        instants = list(scenario.events_range() or ())
        instants += [h.time.instant for c in scenario.crossings for h in c.history]
        instants += [
            datetime.combine(d, datetime.min.time(), tzinfo=scenario.tz)
            for d in scenario.territory_dates()
        ]
        return min(instants), max(instants)

    assert scenario.time_range() == walked()
    _toggle(window, monkeypatch, "qaim")  # now: the latest instant of all
    assert scenario.time_range() == walked()
    assert scenario.time_range()[1] == max(
        e.time.instant for e in scenario.crossing("qaim").history
    )
    for crossing in scenario.crossings:  # a history whose timeline is not sorted yet
        crossing.history = tuple(reversed(crossing.history))
        assert crossing.instant_range() == (
            min(e.time.instant for e in crossing.history),
            max(e.time.instant for e in crossing.history),
        )
    assert scenario.time_range() == walked()


@pytest.mark.parametrize("all_crossings", [False, True])
def test_audit_toggles_at_the_cursor_keep_the_rows_and_the_selection(
    qtbot, window, monkeypatch, all_crossings
):
    """A toggle inserts its row (in the place a rebuild gives it, also between older
    entries), and the analyst's selected row stays selected: no rebuild of the list."""
    from monitor.ui.crossings.actions import AT_CURSOR

    audit = window.history_panel
    window.ctx.select_crossing("qaim")
    audit.all_check.setChecked(all_crossings)
    audit.view.selectRow(audit.model.rowCount() - 1)  # the oldest entry
    oldest = audit.model.entry_at(audit.model.rowCount() - 1)
    resets = []
    audit.model.modelReset.connect(lambda: resets.append(1))
    window.ctx.set_cursor(STEPS[1])  # between qaim's two entries
    for crossing_id in ("qaim", "semalka", "qaim"):
        window.ctx.select_crossing(crossing_id)
        monkeypatch.setattr(window.crossing_actions, "ask_effective_time", lambda *_a: AT_CURSOR)
        window.toggle_selected_crossing()
        if not all_crossings:
            window.ctx.select_crossing("qaim")  # (another crossing's audit: rebuilt)
    window.ctx.select_crossing("qaim")
    if all_crossings:
        assert not resets  # every toggle inserted its row
        (selected,) = audit.view.selectionModel().selectedRows()
        assert audit.model.entry_at(selected.row()) == oldest

    fresh = HistoryPanel(window.ctx, window.session.push)
    qtbot.addWidget(fresh)
    fresh.all_check.setChecked(all_crossings)
    assert history_rows(audit) == history_rows(fresh)
    assert audit.title_label.text() == fresh.title_label.text()
