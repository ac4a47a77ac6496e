"""The chronological event feed: filter bar, event table and a detail pane for the selected event.

The panel talks to the rest of the window only through the
:class:`~monitor.ui.context.ScenarioContext`: selecting a row calls
``ctx.select_event``; ``ctx.event_selected`` from elsewhere selects the row.
Filtering runs in pandas/numpy (``frames.filter_mask``; words are looked up in
the frame's search index once it is built) and hands the model a boolean mask,
so a keystroke costs a few vectorised passes and a repaint of the visible rows.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import numpy as np
from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, QPoint, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from monitor.model.entities import RELIABILITY_MEANING, Event, Moment, Verification
from monitor.model.frames import filter_events, filter_mask, to_ns
from monitor.model.timeutil import format_moment, format_utc
from monitor.ui.context import ScenarioContext
from monitor.ui.event_model import (
    EN_DASH,
    FUTURE_NOTE,
    VERIFICATION_LABEL,
    VERIFICATION_MEANING,
    VERIFICATION_ORDER,
    EventColumn,
    EventTableModel,
    event_cursor_time,
    grade_meaning,
    isolate,
)
from monitor.ui.text import plain_tooltip, set_text_steady
from monitor.ui.views import RangeTableView

SEARCH_DEBOUNCE_MS = 150
SEARCH_PLACEHOLDER = "Search title, summary, actors, location  (Ctrl+F)"
WEB_SCHEMES = ("http", "https")
FLEXIBLE_COLUMNS = (EventColumn.CATEGORY, EventColumn.ACTORS, EventColumn.LOCATION)
MIN_TITLE_WIDTH = 160
MIN_FLEXIBLE_WIDTH = 60


MAX_DETAIL_CHARS = 10_000


def clip(text: str) -> str:
    """``text`` cut to MAX_DETAIL_CHARS, saying how much is left out: laying out a 100 kB
    run without spaces froze the detail pane for seconds (the table shows it all)."""
    if len(text) <= MAX_DETAIL_CHARS:
        return text
    rest = len(text) - MAX_DETAIL_CHARS
    return f"{isolate(text[:MAX_DETAIL_CHARS])}… ({rest:,} more characters)"


def shown_url(url: str) -> str:
    """A URL as shown to the user: bidi controls and other invisible characters
    percent-encoded, so that "example.org/\u202egnp.exe" cannot pass for "...exe.png"."""
    return "".join(
        quote(ch, safe="") if unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp") else ch
        for ch in url
    )


class DetailBrowser(QTextBrowser):
    """Read-only HTML view of one event that never loads anything.

    Every resource request (images, style sheets, ``file:`` or ``http:``
    URLs written in the data) is refused, and links are not followed by the
    widget itself: the panel decides in its ``anchorClicked`` handler.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])

    def loadResource(self, type: int, name: QUrl) -> Any:
        return None


class CheckMenu(QMenu):
    """A menu of checkable actions that stays open while the user ticks several."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.actionAt(event.position().toPoint())
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class FilterButton(QToolButton):
    """A tool button that opens a menu, wide enough that the menu arrow never covers its text."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width() + self.fontMetrics().horizontalAdvance("    "), hint.height())


class FeedPanel(QWidget):
    """Chronological event feed panel (newest first) with search, filters and details."""

    def __init__(self, ctx: ScenarioContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("feedPanel")
        self._ctx = ctx
        self._syncing = False  # true while we move the selection to follow the context
        self._start: datetime | None = None
        self._end: datetime | None = None
        self._user_sized_columns = False
        self._fitting_columns = False
        # The search index is started once the table is painted (see eventFilter).
        self.model = EventTableModel(ctx, self, index_search=False)
        self._index_scheduled = False
        self._build_ui()
        self._connect_signals()
        self._rebuild_filters()
        self._apply_filter()
        self._show_details(ctx.selected_event)
        if ctx.selected_event:
            self._select_row_of(ctx.selected_event)

    # -- construction ---------------------------------------------------------------
    def _build_ui(self) -> None:
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("feedSearch")
        self.search_edit.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.installEventFilter(self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("feedCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)

        self.category_button, self.category_menu = self._filter_button("Category")
        self.verification_button, self.verification_menu = self._filter_button("Verification")

        self.date_check = QCheckBox("Dates", self)
        self.date_check.setToolTip("Only show events between these two days (inclusive)")
        self.from_edit = self._date_edit("First day shown")
        self.to_edit = self._date_edit("Last day shown")
        self.from_edit.setEnabled(False)
        self.to_edit.setEnabled(False)
        dash = QLabel(EN_DASH, self)

        self.note_label = QLabel(self)
        self.note_label.setObjectName("feedNote")
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setStyleSheet("color: palette(mid);")
        self.note_label.hide()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.count_label)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.category_button)
        second.addWidget(self.verification_button)
        second.addSpacing(8)
        second.addWidget(self.date_check)
        second.addWidget(self.from_edit)
        second.addWidget(dash)
        second.addWidget(self.to_edit)
        second.addStretch(1)

        self.view = RangeTableView(self)  # a cursor step passing rows off screen repaints nothing
        self.view.setObjectName("feedTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setShowGrid(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.viewport().installEventFilter(self)
        vheader = self.view.verticalHeader()
        vheader.hide()
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never measure 1M rows
        vheader.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(EventColumn.TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(EventColumn.TIME, Qt.SortOrder.DescendingOrder)
        self.view.setSortingEnabled(True)
        self._set_column_widths()

        self.detail = DetailBrowser(self)
        self.detail.setObjectName("feedDetail")

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([300, 200])

        self.set_cursor_action = QAction("Set 'as of' to this event", self)
        self.clear_filters_action = QAction("Clear all filters", self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.note_label)
        layout.addWidget(self.splitter, 1)

    def _filter_button(self, name: str) -> tuple[QToolButton, CheckMenu]:
        button = FilterButton(self)
        button.setText(f"{name}: All")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = CheckMenu(button)
        button.setMenu(menu)
        return button, menu

    def _date_edit(self, tip: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setToolTip(tip)
        return edit

    def _time_sample(self) -> str:
        """The widest Time text this scenario needs (short if every event is a whole day)."""
        ctx = self._ctx
        days = ctx.events_frame["day"].to_numpy()
        timed = np.flatnonzero(~days)
        samples = [ctx.format_moment(Moment.of_day(date(2024, 11, 30), ctx.tz))]
        if len(timed):
            samples.append(ctx.format_moment(self.model.moment(int(timed[0]))))
        return max(samples, key=self.fontMetrics().horizontalAdvance)

    def _set_column_widths(self) -> None:
        fm = self.fontMetrics()
        sample = {
            EventColumn.TIME: self._time_sample(),
            EventColumn.CATEGORY: "humanitarian",
            EventColumn.ACTORS: "Kurdish forces; PMF",
            EventColumn.LOCATION: "Aleppo countryside",
            EventColumn.VERIFICATION: "Confirmed",
            EventColumn.GRADE: "Grade",
        }
        extra = {EventColumn.VERIFICATION: 22}  # the state icon
        self._preferred_widths = {
            column: fm.horizontalAdvance(text) + 18 + extra.get(column, 0)
            for column, text in sample.items()
        }
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Give the title room in a narrow dock by narrowing category, actors and location.

        Stops once the user has resized a column by hand.
        """
        if self._user_sized_columns:
            return
        pref = self._preferred_widths
        fixed = sum(w for c, w in pref.items() if c not in FLEXIBLE_COLUMNS)
        flexible = sum(pref[c] for c in FLEXIBLE_COLUMNS)
        room = self.view.viewport().width() - fixed - MIN_TITLE_WIDTH
        scale = 1.0 if room >= flexible else max(room, 0) / flexible
        self._fitting_columns = True
        try:
            for column, width in pref.items():
                if column in FLEXIBLE_COLUMNS:
                    width = max(MIN_FLEXIBLE_WIDTH, int(width * scale))
                self.view.setColumnWidth(column, width)
        finally:
            self._fitting_columns = False

    def _connect_signals(self) -> None:
        self.search_edit.textChanged.connect(self._on_search_text_changed)
        self._search_timer.timeout.connect(self._apply_filter)
        self.date_check.toggled.connect(self._on_date_check_toggled)
        self.from_edit.dateChanged.connect(self._on_from_date_changed)
        self.to_edit.dateChanged.connect(self._on_to_date_changed)
        self.view.horizontalHeader().sectionResized.connect(self._on_header_section_resized)
        self.model.modelReset.connect(self._on_model_reset)
        self.model.layoutChanged.connect(self._update_count)
        self.model.rowsInserted.connect(self._on_model_rows_moved)  # "as of" steps, future hidden
        self.model.rowsRemoved.connect(self._on_model_rows_moved)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu)
        self.detail.anchorClicked.connect(self._on_detail_anchor_clicked)
        self.set_cursor_action.triggered.connect(self.set_cursor_to_selected)
        self.clear_filters_action.triggered.connect(self.clear_filters)
        self._ctx.event_selected.connect(self._on_ctx_event_selected)
        self._ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        self._ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        self._ctx.display_changed.connect(self._on_ctx_display_changed)

    # -- filter menus -------------------------------------------------------------------
    def _rebuild_filters(self) -> None:
        frame = self._ctx.events_frame
        counts = frame["category"].value_counts(sort=False)
        categories = sorted(str(c) for c in frame["category"].cat.categories)
        self._fill_menu(
            self.category_menu,
            [(c, f"{isolate(c)}  ({int(counts.get(c, 0))})", None) for c in categories],
        )
        vcounts = frame["verification"].value_counts(sort=False)
        self._fill_menu(
            self.verification_menu,
            [
                (
                    v.value,
                    f"{VERIFICATION_LABEL[v]}  ({int(vcounts.get(v.value, 0))})",
                    VERIFICATION_MEANING[v],
                )
                for v in VERIFICATION_ORDER
            ],
        )
        self._update_filter_buttons()
        first, last = self._data_days()
        for edit in (self.from_edit, self.to_edit):
            edit.blockSignals(True)
        self.from_edit.setDate(QDate(first.year, first.month, first.day))
        self.to_edit.setDate(QDate(last.year, last.month, last.day))
        for edit in (self.from_edit, self.to_edit):
            edit.blockSignals(False)

    def _fill_menu(self, menu: QMenu, items: list[tuple[str, str, str | None]]) -> None:
        menu.clear()
        all_action = menu.addAction("Select all")
        none_action = menu.addAction("Select none")
        menu.addSeparator()
        for value, text, tip in items:
            # "&&": a category name's "&" is shown, not taken for a shortcut mnemonic. The
            # tooltip is set escaped: Qt's default (the text) would render markup in it.
            action = menu.addAction(text.replace("&", "&&"))
            action.setCheckable(True)
            action.setChecked(True)
            action.setData(value)
            action.setToolTip(plain_tooltip(tip or text))
            action.toggled.connect(self._on_filter_menu_toggled)
        menu.setToolTipsVisible(True)
        all_action.triggered.connect(lambda: self._check_all(menu, True))
        none_action.triggered.connect(lambda: self._check_all(menu, False))

    @staticmethod
    def _value_actions(menu: QMenu) -> list[QAction]:
        return [a for a in menu.actions() if a.isCheckable()]

    def _check_all(self, menu: QMenu, on: bool) -> None:
        for action in self._value_actions(menu):
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        self._on_filter_menu_toggled()

    def _checked_values(self, menu: QMenu) -> list[str] | None:
        """The ticked values, or None when all are ticked (no restriction)."""
        actions = self._value_actions(menu)
        checked = [a.data() for a in actions if a.isChecked()]
        return None if len(checked) == len(actions) else checked

    def _set_checked_values(self, menu: QMenu, values: Iterable[str] | None) -> None:
        wanted = None if values is None else {str(v) for v in values}
        for action in self._value_actions(menu):
            action.blockSignals(True)
            action.setChecked(wanted is None or action.data() in wanted)
            action.blockSignals(False)

    def _update_filter_buttons(self) -> None:
        for name, button, menu in (
            ("Category", self.category_button, self.category_menu),
            ("Verification", self.verification_button, self.verification_menu),
        ):
            actions = self._value_actions(menu)
            checked = [a for a in actions if a.isChecked()]
            if len(checked) == len(actions):
                summary = "All"
            elif not checked:
                summary = "None"
            elif len(checked) == 1:
                summary = checked[0].text().split("  (")[0]
            else:
                summary = f"{len(checked)} of {len(actions)}"
            button.setText(f"{name}: {summary}")

    # -- dates ------------------------------------------------------------------------
    def _data_days(self) -> tuple[date, date]:
        """First and last day (scenario zone) that any event touches; today if there are none."""
        tz = self._ctx.tz
        times = self.model.time_ns
        if not len(times):
            today = datetime.now(tz).date()
            return today, today
        ends = self._ctx.events_frame["end_ns"].to_numpy()
        first = datetime.fromtimestamp(int(times.min()) / 1e9, tz).date()
        last = datetime.fromtimestamp((int(ends.max()) - 1) / 1e9, tz).date()
        return first, last

    def _day_start(self, d: date) -> datetime:
        return datetime.combine(d, time(0, 0), tzinfo=self._ctx.tz)

    def _day_end(self, d: date) -> datetime:
        """The last microsecond of day ``d`` in the scenario's zone."""
        return self._day_start(d + timedelta(days=1)) - timedelta(microseconds=1)

    def _dates_from_edits(self) -> None:
        if self.date_check.isChecked():
            self._start = self._day_start(self.from_edit.date().toPython())
            self._end = self._day_end(self.to_edit.date().toPython())
        else:
            self._start = self._end = None

    # -- filtering --------------------------------------------------------------------
    def set_filter(
        self,
        text: str | None = None,
        categories: Iterable[str] | None = None,
        verifications: Iterable[str] | None = None,
        start: date | datetime | None = None,
        end: date | datetime | None = None,
    ) -> None:
        """Replace the whole filter and apply it at once (no debounce).

        ``None`` means "no restriction" for every argument. ``start``/``end``
        may be dates (whole days in the scenario's zone, inclusive) or aware
        datetimes; a day-precision event counts if any part of its day is in range.
        """
        self._search_timer.stop()
        self.search_edit.blockSignals(True)
        self.search_edit.setText(text or "")
        self.search_edit.blockSignals(False)
        self._set_checked_values(self.category_menu, categories)
        self._set_checked_values(self.verification_menu, verifications)
        self._update_filter_buttons()
        self._start = self._as_start(start)
        self._end = self._as_end(end)
        first, last = self._data_days()
        with_dates = self._start is not None or self._end is not None
        for w in (self.date_check, self.from_edit, self.to_edit):
            w.blockSignals(True)
        self.date_check.setChecked(with_dates)
        self.from_edit.setEnabled(with_dates)
        self.to_edit.setEnabled(with_dates)
        d0 = self._start.astimezone(self._ctx.tz).date() if self._start else first
        d1 = self._end.astimezone(self._ctx.tz).date() if self._end else last
        self.from_edit.setDate(QDate(d0.year, d0.month, d0.day))
        self.to_edit.setDate(QDate(d1.year, d1.month, d1.day))
        for w in (self.date_check, self.from_edit, self.to_edit):
            w.blockSignals(False)
        self._apply_filter()

    def clear_filters(self) -> None:
        self.set_filter()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _as_start(self, value: date | datetime | None) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self._ctx.tz)
        return self._day_start(value)

    def _as_end(self, value: date | datetime | None) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self._ctx.tz)
        return self._day_end(value)

    def _filter_args(self) -> dict[str, Any]:
        return {
            "text": self.search_edit.text(),
            "categories": self._checked_values(self.category_menu),
            "verifications": self._checked_values(self.verification_menu),
            "start": self._start,
            "end": self._end,
        }

    def _apply_filter(self) -> None:
        self._search_timer.stop()
        self.note_label.hide()
        args = self._filter_args()
        active = bool(args["text"].split()) or any(args[k] is not None for k in args if k != "text")
        frame = self._ctx.events_frame
        self.model.set_matches(filter_mask(frame, **args) if active else None)

    def describe_filter(self) -> str:
        """The current filter and sort in words (printed on a feed PDF export)."""
        args = self._filter_args()
        parts = []
        if args["text"].strip():
            parts.append(f'search "{args["text"].strip()}"')
        if args["categories"] is not None:
            parts.append("category: " + (", ".join(args["categories"]) or "none"))
        if args["verifications"] is not None:
            parts.append("verification: " + (", ".join(args["verifications"]) or "none"))
        tz = self._ctx.tz
        if args["start"] is not None or args["end"] is not None:
            lo = args["start"].astimezone(tz).date().isoformat() if args["start"] else "…"
            hi = args["end"].astimezone(tz).date().isoformat() if args["end"] else "…"
            parts.append(f"dates {lo} to {hi}")
        if self._ctx.hide_future:
            parts.append("events after the 'as of' time hidden")
        column = self.model.headerData(
            self.model.sort_column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole
        )
        order = "descending" if self.model.sort_order == Qt.SortOrder.DescendingOrder else "ascending"
        filt = "; ".join(parts) if parts else "no filter"
        return f"{self.count_label.text()} — {filt}; sorted by {column}, {order}"

    def _update_count(self) -> None:
        # Steady: a count of another length would make the whole window lay out and repaint.
        set_text_steady(
            self.count_label, f"{self.model.rowCount()} of {self.model.total_count} events"
        )

    # -- selection --------------------------------------------------------------------
    def selected_row(self) -> int:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _select_row_of(self, event_id: str) -> bool:
        row = self.model.row_of_id(event_id) if event_id else -1
        sel = self.view.selectionModel()
        self._syncing = True
        try:
            if row < 0:
                sel.clearSelection()
                return False
            index = self.model.index(row, EventColumn.TITLE)
            sel.setCurrentIndex(
                index,
                sel.SelectionFlag.ClearAndSelect | sel.SelectionFlag.Rows,
            )
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
            return True
        finally:
            self._syncing = False

    def _reveal(self, event_id: str) -> None:
        """Make the event visible in the table: clear the filters that hide it.

        Choice: filters that exclude the event are cleared (and a note says which);
        if it is hidden only because it is after the "as of" time and future
        events are hidden, the filters are left alone and the note says so.
        """
        pos = self.model.position_of_id(event_id)
        if pos is None:
            return
        frame = self._ctx.events_frame
        one = frame.iloc[[pos]]
        args = self._filter_args()
        names = {
            "text": "search",
            "categories": "category",
            "verifications": "verification",
            "start": "dates",
            "end": "dates",
        }
        blocking: list[str] = []
        for key, value in args.items():
            if value is None or value == "":
                continue
            if not len(filter_events(one, **{key: value})):
                blocking.append(key)
        if blocking:
            if "text" in blocking:
                args["text"] = ""
            for key in ("categories", "verifications", "start", "end"):
                if key in blocking:
                    args[key] = None
            if "start" in blocking or "end" in blocking:
                args["start"] = args["end"] = None
            self.set_filter(**args)
        if (
            self.model.row_of_position(pos) < 0
            and self._ctx.hide_future
            and self.model.is_future(pos)
        ):
            self._show_note(
                "The selected event is after the 'as of' time and future events are hidden."
            )
        elif blocking:
            cleared = list(dict.fromkeys(names[k] for k in blocking))
            what = " and ".join(cleared) + (" filters" if len(cleared) > 1 else " filter")
            self._show_note(f"Cleared the {what} to show the selected event.")

    def _show_note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.show()

    def set_cursor_to_selected(self) -> bool:
        """Park the "as of" cursor at the selected event (end of its day if it has no time)."""
        event = self._selected_event()
        if event is None:
            return False
        self._ctx.set_cursor(event_cursor_time(event))
        return True

    def _selected_event(self) -> Event | None:
        row = self.selected_row()
        if row >= 0:
            return self.model.event_at(row)
        pos = (
            self.model.position_of_id(self._ctx.selected_event)
            if self._ctx.selected_event
            else None
        )
        return self._ctx.scenario.events[pos] if pos is not None else None

    # -- detail pane --------------------------------------------------------------------
    def _show_details(self, event_id: str) -> None:
        pos = self.model.position_of_id(event_id) if event_id else None
        if pos is None:
            self.detail.setHtml(
                "<p style='color:gray'>Select an event to see its details and sources.</p>"
            )
            return
        event = self._ctx.scenario.events[pos]
        self.detail.setHtml(self._details_html(event, pos))

    def _details_html(self, event: Event, pos: int) -> str:
        ctx = self._ctx
        e = html.escape
        m = event.time
        local = format_moment(m, ctx.tz, seconds=not m.day)
        when = e(ctx.format_moment(m))
        if m.day:
            when += " <span style='color:gray'>(whole day; no time of day given)</span>"
        else:
            extra = [f"UTC {format_utc(m)}"]
            if ctx.military_time:
                extra.insert(0, local)
            when += f" <span style='color:gray'>({e(' · '.join(extra))})</span>"
        frame = ctx.events_frame
        grade = str(frame["grade"].iat[pos])
        reliability = str(frame["reliability"].iat[pos])
        credibility = int(frame["credibility"].iat[pos])
        grade_text = (
            f"<b>{e(grade)}</b> — {e(grade_meaning(reliability, credibility))}"
            if grade
            else "not given"
        )
        state = event.verification
        label = e(VERIFICATION_LABEL[state])
        meaning = e(VERIFICATION_MEANING[state])
        verification = f"{label} — {meaning}"
        if state is Verification.DENIED:
            verification = f"<s style='color:#c62828'>{label}</s> — {meaning}"
        elif state is Verification.DISPUTED:
            verification = f"<b style='color:#b36200'>{label}</b> — {meaning}"
        elif state is Verification.REPORTED:
            verification = f"<i>{label}</i> — {meaning}"
        actors = (
            "; ".join(e(isolate(clip(ctx.scenario.faction_name(a)))) for a in event.actors)
            or "none given"
        )
        loc = event.location
        if loc is None:
            location = "not given"
        else:
            parts = [e(isolate(clip(loc.name)))] if loc.name else []
            if loc.lat is not None and loc.lon is not None:
                parts.append(f"({loc.lat:.4f}, {loc.lon:.4f})")
            location = " ".join(parts) or "not given"
        rows = [
            ("Time", when),
            ("Grade", grade_text),
            ("Verification", verification),
            ("Category", e(clip(event.category))),
            ("Actors", actors),
            ("Location", location),
        ]
        out = [f"<h3 style='margin:0'>{e(clip(event.title))}</h3>"]
        if to_ns(m.instant) > self.model.cursor_ns:
            as_of = ctx.format_moment(Moment(ctx.cursor_time()))
            out.append(f"<p style='color:gray;margin:2px 0'>{e(FUTURE_NOTE)} ({e(as_of)}).</p>")
        out.append("<table cellspacing='0' cellpadding='1'>")
        for label, value in rows:
            out.append(
                f"<tr><td style='color:gray;padding-right:8px'>{e(label)}</td><td>{value}</td></tr>"
            )
        out.append("</table>")
        if event.summary:
            # Its own block: Qt picks the paragraph direction from the text (Arabic → RTL).
            out.append(f"<p>{e(clip(event.summary))}</p>")
        out.append(self._sources_html(event))
        return "\n".join(out)

    def _sources_html(self, event: Event) -> str:
        e = html.escape
        sources = self._ctx.scenario.sources_by_id()
        if not event.source_ids:
            return "<p style='color:gray'>No sources given.</p>"
        items = []
        for sid in event.source_ids:
            s = sources.get(sid)
            if s is None:
                items.append(f"<li>Unknown source id {e(isolate(sid))}</li>")
                continue
            meta = [e(isolate(clip(s.publisher)))] if s.publisher else []
            if s.reliability:
                meaning = RELIABILITY_MEANING.get(s.reliability, "")
                meta.append(f"reliability {e(s.reliability)} ({e(meaning)})")
            if s.published:
                meta.append(f"published {e(s.published)}")
            url = s.url or ""
            if not url:
                link = "<span style='color:gray'>no URL given</span>"
            elif QUrl(url).scheme().lower() in WEB_SCHEMES:
                shown = e(shown_url(url), quote=True)
                link = f'<a href="{e(url, quote=True)}" title="{shown}">{shown}</a>'
            else:
                note = "(not a web address; will not be opened)"
                link = f"{e(shown_url(url))} <span style='color:gray'>{note}</span>"
            title = e(isolate(clip(s.title)))
            items.append(f"<li><b>{title}</b> — {' · '.join(meta)}<br>{link}</li>")
        return (
            "<p style='margin-bottom:0'><b>Sources</b></p><ul style='margin-top:0'>"
            + "".join(items)
            + "</ul>"
        )

    # -- slots ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        if (
            not self._index_scheduled
            and watched is self.view.viewport()
            and event.type() == QEvent.Type.Paint
        ):
            self._index_scheduled = True  # right after the window's first paint
            QTimer.singleShot(0, self.model, self.model.start_search_index)
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.search_edit.text()
        ):
            self.search_edit.clear()
            self._apply_filter()
            return True
        return super().eventFilter(watched, event)

    def _on_header_section_resized(self, section: int, _old: int, _new: int) -> None:
        if not self._fitting_columns and section != EventColumn.TITLE:
            self._user_sized_columns = True

    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    def _on_filter_menu_toggled(self, _checked: bool = False) -> None:
        self._update_filter_buttons()
        self._apply_filter()

    def _on_date_check_toggled(self, on: bool) -> None:
        self.from_edit.setEnabled(on)
        self.to_edit.setEnabled(on)
        self._dates_from_edits()
        self._apply_filter()

    def _on_from_date_changed(self, value: QDate) -> None:
        if value > self.to_edit.date():
            self.to_edit.blockSignals(True)
            self.to_edit.setDate(value)
            self.to_edit.blockSignals(False)
        self._dates_from_edits()
        self._apply_filter()

    def _on_to_date_changed(self, value: QDate) -> None:
        if value < self.from_edit.date():
            self.from_edit.blockSignals(True)
            self.from_edit.setDate(value)
            self.from_edit.blockSignals(False)
        self._dates_from_edits()
        self._apply_filter()

    def _on_model_reset(self) -> None:
        self._update_count()
        if self._ctx.selected_event and self._select_row_of(self._ctx.selected_event):
            return
        self.view.scrollToTop()

    def _on_model_rows_moved(self, *_args: object) -> None:
        self._update_count()

    def _on_view_selection_changed(self, *_args: object) -> None:
        if self._syncing:
            return
        row = self.selected_row()
        if row >= 0:
            self._ctx.select_event(self.model.event_id(row))

    def _on_view_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.set_cursor_to_selected()

    def _on_view_context_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        menu = QMenu(self)
        if index.isValid():
            self.view.selectRow(index.row())
            menu.addAction(self.set_cursor_action)
            menu.addSeparator()
        menu.addAction(self.clear_filters_action)
        menu.exec(self.view.viewport().mapToGlobal(point))

    def _on_detail_anchor_clicked(self, url: QUrl) -> None:
        # Only web links leave the app, and only to the system browser; nothing is fetched here.
        if url.scheme().lower() in WEB_SCHEMES and url.host():
            QDesktopServices.openUrl(url)

    def _on_ctx_event_selected(self, event_id: str) -> None:
        self._show_details(event_id)
        if not event_id:
            self._select_row_of("")
            return
        if self.model.row_of_id(event_id) < 0:
            self._reveal(event_id)
        self._select_row_of(event_id)

    def _on_ctx_scenario_replaced(self) -> None:
        # The model has already reset itself (it connected first); rebuild the filter bar.
        self._start = self._end = None
        self._rebuild_filters()
        self.set_filter()
        self._show_details(self._ctx.selected_event)
        self._set_column_widths()

    def _on_ctx_cursor_changed(self, _when: datetime) -> None:
        if self._ctx.selected_event:
            self._show_details(self._ctx.selected_event)

    def _on_ctx_display_changed(self) -> None:
        self._set_column_widths()  # DTG and local times differ in width
        if self._ctx.selected_event:
            self._show_details(self._ctx.selected_event)


__all__ = ["CheckMenu", "DetailBrowser", "FeedPanel"]
