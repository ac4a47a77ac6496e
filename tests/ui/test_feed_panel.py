"""FeedPanel: what the analyst sees and does in the event feed (search, filters, details)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor, QTextDocument
from PySide6.QtWidgets import QAbstractItemView

from monitor.model import Scenario, Verification, load_scenario
from monitor.ui.context import ScenarioContext
from monitor.ui.feed import FeedPanel
from monitor.ui.feed.columns import EventColumn, EventIdRole
from monitor.ui.feed.details import DetailBrowser
from monitor.ui.feed.filters import SEARCH_DEBOUNCE_MS

BAGHDAD = timezone(timedelta(hours=3))
HOSTILE = '<img src="file:///etc/hostname"><a href="http://x">y</a>'


def edit_event(scenario: Scenario, event_id: str, **fields) -> None:
    """Change fields of one event in the scenario's event table (events are views)."""
    scenario.events.replace(dataclasses.replace(scenario.event(event_id), **fields))


def make_panel(qtbot, scenario: Scenario, path=None) -> tuple[FeedPanel, ScenarioContext]:
    ctx = ScenarioContext(scenario, path)
    ctx.set_cursor(datetime(2025, 1, 1, tzinfo=BAGHDAD))  # after every event
    panel = FeedPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1000, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, ctx


@pytest.fixture
def feed(qtbot, small, small_path):
    return make_panel(qtbot, small, small_path)


def shown_ids(panel: FeedPanel) -> list[str]:
    model = panel.view.model()
    return [model.index(r, 0).data(EventIdRole) for r in range(model.rowCount())]


def click_header(qtbot, panel: FeedPanel, column: int) -> None:
    header = panel.view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def click_row(qtbot, panel: FeedPanel, event_id: str) -> None:
    row = panel.model.row_of_id(event_id)
    rect = panel.view.visualRect(panel.model.index(row, EventColumn.TITLE))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_default_is_newest_first_with_count(feed):
    panel, _ctx = feed
    assert shown_ids(panel) == ["e4", "e3", "e2", "e1"]
    assert panel.count_label.text() == "4 of 4 events"
    assert (
        panel.search_edit.placeholderText() == "Search title, summary, actors, location  (Ctrl+F)"
    )
    header = panel.view.horizontalHeader()
    assert header.sortIndicatorSection() == EventColumn.TIME
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_header_click_sorts_by_title(qtbot, feed):
    panel, _ctx = feed
    click_header(qtbot, panel, EventColumn.TITLE)
    titles = [panel.model.index(r, EventColumn.TITLE).data() for r in range(4)]
    assert titles in (sorted(titles), sorted(titles, reverse=True))
    assert titles[0] != "City falls"  # the time order is gone
    click_header(qtbot, panel, EventColumn.TITLE)
    assert [panel.model.index(r, EventColumn.TITLE).data() for r in range(4)] == titles[::-1]


def test_typing_narrows_rows_after_debounce(qtbot, feed):
    panel, _ctx = feed
    qtbot.keyClicks(panel.search_edit, "hama")
    assert panel.count_label.text() == "4 of 4 events"  # not yet: debounced
    qtbot.waitUntil(
        lambda: panel.count_label.text() == "1 of 4 events", timeout=SEARCH_DEBOUNCE_MS * 10
    )
    assert shown_ids(panel) == ["e4"]


def test_escape_in_search_clears_it(qtbot, feed):
    panel, _ctx = feed
    panel.set_filter(text="hama")
    assert panel.count_label.text() == "1 of 4 events"
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Escape)
    assert panel.search_edit.text() == ""
    assert panel.count_label.text() == "4 of 4 events"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seals every", ["e2"]),  # summary
        ("aleppo", ["e1"]),  # location
        ("pmf", ["e3"]),  # free-text actor
        ("Rebels", ["e4", "e1"]),  # faction display name (e4 has no summary here)
        ("REBELS  hama", ["e4"]),  # several words: all must match, any case
    ],
)
def test_search_matches_summary_actors_location(qtbot, small, text, expected):
    edit_event(small, "e4", summary=None)  # e4 can then only match "Rebels" through its actor
    panel, _ctx = make_panel(qtbot, small)
    panel.set_filter(text=text)
    assert shown_ids(panel) == expected
    assert panel.count_label.text() == f"{len(expected)} of 4 events"


def test_category_menu_narrows(feed):
    panel, _ctx = feed
    actions = {a.data(): a for a in panel.category_menu.actions() if a.isCheckable()}
    assert set(actions) == {"border", "military"}
    actions["military"].trigger()  # untick
    assert shown_ids(panel) == ["e3", "e2"]
    assert panel.category_button.text() == "Category: border"
    panel.set_filter(categories=["military"])
    assert shown_ids(panel) == ["e4", "e1"]
    assert not actions["border"].isChecked() and actions["military"].isChecked()


def test_verification_filter_narrows(feed):
    panel, _ctx = feed
    actions = {a.data(): a for a in panel.verification_menu.actions() if a.isCheckable()}
    assert list(actions) == ["confirmed", "reported", "disputed", "denied"]
    actions["confirmed"].trigger()
    assert shown_ids(panel) == ["e4", "e3"]
    assert panel.verification_button.text() == "Verification: 3 of 4"
    panel.set_filter(verifications=["denied"])
    assert shown_ids(panel) == ["e3"]
    assert panel.count_label.text() == "1 of 4 events"


def test_date_range_counts_day_precision_events_as_whole_days(feed):
    panel, _ctx = feed
    panel.set_filter(start=date(2024, 11, 28), end=date(2024, 12, 2))
    assert shown_ids(panel) == ["e3", "e2"]  # e3 is the day 2024-12-02
    panel.set_filter(start=date(2024, 11, 27), end=date(2024, 11, 27))
    assert shown_ids(panel) == ["e1"]
    # A time inside the day still catches the day-precision event.
    panel.set_filter(
        start=datetime(2024, 12, 2, 18, 0, tzinfo=BAGHDAD),
        end=datetime(2024, 12, 3, tzinfo=BAGHDAD),
    )
    assert shown_ids(panel) == ["e3"]
    panel.set_filter()
    assert panel.count_label.text() == "4 of 4 events"
    assert not panel.date_check.isChecked()


def test_date_edits_default_to_full_range_and_filter_when_enabled(feed):
    panel, _ctx = feed
    assert panel.from_edit.date().toPython() == date(2024, 11, 27)
    assert panel.to_edit.date().toPython() == date(2024, 12, 5)
    assert not panel.from_edit.isEnabled()
    panel.date_check.setChecked(True)
    assert panel.count_label.text() == "4 of 4 events"  # full range = everything
    panel.to_edit.setDate(panel.to_edit.date().addDays(-3))  # up to 2024-12-02
    assert shown_ids(panel) == ["e3", "e2", "e1"]
    panel.date_check.setChecked(False)
    assert panel.count_label.text() == "4 of 4 events"


def test_day_precision_and_military_time_in_table(feed):
    panel, ctx = feed
    model = panel.model

    def time_of(event_id):
        return model.index(model.row_of_id(event_id), EventColumn.TIME).data()

    # Compact: every event is in 2024 (left out) at UTC+03:00 (the header says it once).
    assert time_of("e1") == "11-27"
    assert time_of("e2") == "11-30 14:05"
    ctx.set_military_time(True)
    assert time_of("e2") == "301105Z NOV 24"


def test_future_events_dimmed_then_hidden(feed):
    panel, ctx = feed
    model = panel.model

    def fg(event_id):
        return model.index(model.row_of_id(event_id), EventColumn.TITLE).data(
            Qt.ItemDataRole.ForegroundRole
        )

    ctx.set_cursor(datetime(2024, 12, 1, tzinfo=BAGHDAD))
    assert fg("e4") is not None and fg("e3") is not None
    assert fg("e2") is None and fg("e1") is None
    ctx.set_hide_future(True)
    assert shown_ids(panel) == ["e2", "e1"]
    assert panel.count_label.text() == "2 of 4 events"


def test_selecting_a_row_selects_the_event_in_the_context(qtbot, feed):
    panel, ctx = feed
    with qtbot.waitSignal(ctx.event_selected) as blocker:
        click_row(qtbot, panel, "e2")
    assert blocker.args == ["e2"]
    assert ctx.selected_event == "e2"
    assert "The government seals every crossing." in panel.detail.toPlainText()


def test_selection_from_elsewhere_selects_and_scrolls_to_row(feed):
    panel, ctx = feed
    ctx.select_event("e3")
    rows = panel.view.selectionModel().selectedRows()
    assert [r.data(EventIdRole) for r in rows] == ["e3"]
    assert "Fighters crossed, claim says" in panel.detail.toPlainText()


def test_selecting_a_filtered_out_event_clears_the_filter_hiding_it(feed):
    panel, ctx = feed
    panel.set_filter(text="hama", verifications=["reported"])
    ctx.select_event("e2")
    assert panel.search_edit.text() == ""
    assert panel.model.row_of_id("e2") >= 0
    assert [r.data(EventIdRole) for r in panel.view.selectionModel().selectedRows()] == ["e2"]
    assert panel.note_label.isVisible() and "search" in panel.note_label.text()


def test_event_hidden_as_future_gets_a_note_not_a_filter_change(feed):
    panel, ctx = feed
    ctx.set_cursor(datetime(2024, 12, 1, tzinfo=BAGHDAD))
    ctx.set_hide_future(True)
    ctx.select_event("e4")
    assert panel.model.row_of_id("e4") == -1
    assert "'as of'" in panel.note_label.text()
    assert "City falls" in panel.detail.toPlainText()  # details still shown


def test_filtering_keeps_the_selection(feed):
    panel, ctx = feed
    ctx.select_event("e1")
    panel.set_filter(categories=["military"])
    assert [r.data(EventIdRole) for r in panel.view.selectionModel().selectedRows()] == ["e1"]


def test_detail_pane_shows_summary_time_grade_and_sources(feed):
    panel, ctx = feed
    ctx.select_event("e2")
    text = panel.detail.toPlainText()
    for expected in (
        "Border closed",
        "2024-11-30 14:05 UTC+03:00",
        "2024-11-30 11:05:00Z",
        "B2",
        "B – usually reliable, 2 – probably true",
        "Confirmed",
        "Iraqi JOC",
        "Al-Qaim (34.3975, 40.9770)",
        "The government seals every crossing.",
        "Wire report one",
        "Wire",
        "https://example.org/one",
        "Local outlet story",
        "reliability C",
        "https://example.org/two",
    ):
        assert expected in text, expected


def test_detail_pane_day_precision_has_no_hour(feed):
    panel, ctx = feed
    ctx.select_event("e1")
    text = panel.detail.toPlainText()
    assert "2024-11-27" in text and "00:00" not in text


def test_hostile_title_is_shown_literally_and_loads_nothing(qtbot, small, monkeypatch):
    requested: list[str] = []

    def recording_load(self, kind, url):
        requested.append(url.toString())
        return None

    monkeypatch.setattr(DetailBrowser, "loadResource", recording_load)
    edit_event(small, "e2", title=HOSTILE, summary="<script>alert(1)</script>")
    panel, ctx = make_panel(qtbot, small)
    ctx.select_event("e2")
    panel.detail.grab()  # paint, so any image would be requested
    text = panel.detail.toPlainText()
    assert HOSTILE in text
    assert "<script>alert(1)</script>" in text
    assert not any("hostname" in r for r in requested)
    # The recorder does see real image requests, so the check above can fail.
    panel.detail.setHtml('<img src="file:///tmp/probe.png">')
    panel.detail.grab()
    assert any("probe.png" in r for r in requested)


def test_detail_browser_refuses_every_resource(qapp):
    browser = DetailBrowser()
    assert browser.loadResource(2, QUrl("file:///etc/hostname")) is None
    assert not browser.openLinks() and not browser.openExternalLinks()


@pytest.fixture
def opened(monkeypatch):
    calls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: calls.append(QUrl(url)) or True)
    return calls


def anchor_point(browser: DetailBrowser, text: str) -> QPoint:
    cursor = browser.document().find(text)
    assert not cursor.isNull(), text
    cursor.setPosition(cursor.selectionStart() + 2, QTextCursor.MoveMode.MoveAnchor)
    return browser.cursorRect(cursor).center()


def test_clicking_https_source_opens_system_browser(qtbot, feed, opened):
    panel, ctx = feed
    ctx.select_event("e2")
    qtbot.waitExposed(panel.detail)
    point = anchor_point(panel.detail, "https://example.org/one")
    qtbot.mouseClick(panel.detail.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert [u.toString() for u in opened] == ["https://example.org/one"]


def test_non_web_source_links_are_never_opened(qtbot, small, opened):
    small.sources[0].url = "javascript:alert(1)"
    small.sources[1].url = "file:///etc/passwd"
    panel, ctx = make_panel(qtbot, small)
    ctx.select_event("e2")
    html = panel.detail.toHtml()
    assert 'href="javascript' not in html and 'href="file' not in html
    assert "javascript:alert(1)" in panel.detail.toPlainText()  # the analyst still sees it
    for url in (
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "//example.org/x",
    ):
        panel.detail.anchorClicked.emit(QUrl(url))
    assert opened == []
    panel.detail.anchorClicked.emit(QUrl("https://example.org/one"))
    assert len(opened) == 1


def test_double_click_sets_as_of_so_the_event_is_current(qtbot, feed):
    panel, ctx = feed
    rect = panel.view.visualRect(panel.model.index(panel.model.row_of_id("e2"), EventColumn.TITLE))
    # A real double click is press, release, double-click: the view needs the press first.
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ctx.cursor_time() == datetime(2024, 11, 30, 14, 5, tzinfo=BAGHDAD)
    ctx.select_event("e1")  # day precision: the end of that day
    assert panel.set_cursor_to_selected()
    assert ctx.cursor_time() == datetime(2024, 11, 27, 23, 59, 59, tzinfo=BAGHDAD)
    index = panel.model.index(panel.model.row_of_id("e1"), EventColumn.TITLE)
    assert index.data(Qt.ItemDataRole.ForegroundRole) is None  # not "future"


def test_scenario_replaced_rebuilds_menus_and_resets_filters(qtbot, feed, small_path):
    panel, ctx = feed
    panel.set_filter(text="hama")
    other = load_scenario(small_path)
    edit_event(
        other, other.events[0].id, category="humanitarian", verification=Verification.DISPUTED
    )
    other.events = other.table_of(other.events[:3])
    ctx.replace_scenario(other, small_path)
    cats = [a.data() for a in panel.category_menu.actions() if a.isCheckable()]
    assert cats == ["border", "humanitarian"]
    assert panel.search_edit.text() == ""
    assert panel.count_label.text() == "3 of 3 events"
    assert shown_ids(panel) == ["e3", "e2", "e1"]


def test_table_rows_are_single_line_and_title_stretches(feed):
    panel, _ctx = feed
    view = panel.view
    assert not view.wordWrap()
    assert view.textElideMode() == Qt.TextElideMode.ElideRight
    assert view.alternatingRowColors()
    assert view.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    widths = {c: view.columnWidth(c) for c in EventColumn}
    assert widths[EventColumn.TITLE] == max(widths.values())


def test_rich_text_lookalike_in_table_tooltip_is_plain(qtbot, small):
    edit_event(small, "e3", title=HOSTILE)
    panel, _ctx = make_panel(qtbot, small)
    tip = panel.model.index(panel.model.row_of_id("e3"), EventColumn.TITLE).data(
        Qt.ItemDataRole.ToolTipRole
    )
    doc = QTextDocument()
    doc.setHtml(tip)
    assert doc.toPlainText() == HOSTILE
