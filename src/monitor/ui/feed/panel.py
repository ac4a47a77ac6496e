"""The chronological event feed: filter bar, event table and a detail pane for the selected event.

The panel talks to the rest of the window only through the
:class:`~monitor.ui.context.ScenarioContext`: selecting a row calls
``ctx.select_event``; ``ctx.event_selected`` from elsewhere selects the row.
Filtering runs in pandas/numpy (``frames.filter_mask``; words are looked up in
the frame's search index once it is built) and hands the model a boolean mask,
so a keystroke costs a few vectorised passes and a repaint of the visible rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from monitor.model.entities import Event
from monitor.model.frames import filter_events, filter_mask
from monitor.ui.context import ScenarioContext
from monitor.ui.feed.actions import FeedActions
from monitor.ui.feed.columns import EventColumn, event_cursor_time
from monitor.ui.feed.details import (
    NO_SELECTION_HTML,
    WEB_SCHEMES,
    DetailBrowser,
    event_html,
)
from monitor.ui.feed.filters import FilterBar
from monitor.ui.feed.model import EventTableModel
from monitor.ui.feed.widths import FeedColumns
from monitor.ui.text import set_text_steady
from monitor.ui.views import RangeTableView

if TYPE_CHECKING:
    from monitor.briefing import BriefingOptions

class FeedPanel(QWidget):
    """Chronological event feed panel (newest first) with search, filters and details."""

    def __init__(self, ctx: ScenarioContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("feedPanel")
        self._ctx = ctx
        self._syncing = False  # true while we move the selection to follow the context
        # The search index is started once the table is painted (see eventFilter).
        self.model = EventTableModel(ctx, self, index_search=False)
        self._index_scheduled = False
        self._build_ui()
        self._connect_signals()
        self.filters.rebuild()
        self._apply_filter()
        self._show_details(ctx.selected_event)
        if ctx.selected_event:
            self._select_row_of(ctx.selected_event)

    # -- construction ---------------------------------------------------------------
    def _build_ui(self) -> None:
        self.filters = FilterBar(self._ctx, self)
        # The bar's widgets, as the panel's (tests, the window's Ctrl+F).
        self.search_edit = self.filters.search_edit
        self.count_label = self.filters.count_label
        self.category_button = self.filters.category_button
        self.category_menu = self.filters.category_menu
        self.verification_button = self.filters.verification_button
        self.verification_menu = self.filters.verification_menu
        self.date_check = self.filters.date_check
        self.from_edit = self.filters.from_edit
        self.to_edit = self.filters.to_edit

        self.note_label = QLabel(self)
        self.note_label.setObjectName("feedNote")
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setStyleSheet("color: palette(mid);")
        self.note_label.hide()

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
        self.columns = FeedColumns(self.view)  # widths and columns, remembered per panel
        self._set_column_widths()
        self.columns.restore()

        self.detail = DetailBrowser(self)
        self.detail.setObjectName("feedDetail")

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([300, 200])

        self.actions = FeedActions(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filters)
        layout.addWidget(self.note_label)
        layout.addWidget(self.splitter, 1)

    def _set_column_widths(self) -> None:
        self.columns.measure(self._ctx)  # widths the texts need (compact times: see columns)

    def _fit_columns(self) -> None:
        self.columns.fit()  # the title's room in a narrow dock (see widths.FeedColumns)

    def _connect_signals(self) -> None:
        self.filters.changed.connect(self._apply_filter)
        self.model.modelReset.connect(self._on_model_reset)
        self.model.layoutChanged.connect(self._update_count)
        self.model.rowsInserted.connect(self._on_model_rows_moved)  # "as of" steps, future hidden
        self.model.rowsRemoved.connect(self._on_model_rows_moved)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        self.view.customContextMenuRequested.connect(self.actions.show_context_menu)
        self.detail.anchorClicked.connect(self._on_detail_anchor_clicked)
        self._ctx.event_selected.connect(self._on_ctx_event_selected)
        self._ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        self._ctx.events_changed.connect(self._on_ctx_events_changed)
        self._ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        self._ctx.display_changed.connect(self._on_ctx_display_changed)

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
        self.filters.set_args(text, categories, verifications, start, end)
        self._apply_filter()

    def clear_filters(self) -> None:
        self.set_filter()

    def add_context_actions(self, actions: Iterable[QAction]) -> None:
        """Offer these actions (e.g. New / Edit / Delete event) in the table's context menu."""
        self.actions.extra_actions.extend(actions)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _apply_filter(self) -> None:
        self.filters.stop_pending()
        self.note_label.hide()
        frame = self._ctx.events_frame
        active = self.filters.is_active()
        mask = filter_mask(frame, **self.filters.args()) if active else None
        self.model.set_matches(mask)
        self._update_count()  # (the same rows again reset nothing: no modelReset to hear)
        # Other views (the map) follow the feed's filters through the shared context (no
        # filter before or now: nothing to tell; after an edit they follow it themselves).
        if mask is None and self._ctx.shown_events is None:
            return
        self._ctx.set_shown_events(None if mask is None else np.flatnonzero(np.asarray(mask)))

    def describe_filter(self) -> str:
        """The current filter and sort in words (printed on a feed PDF export)."""
        parts = self.filters.describe()
        if self._ctx.hide_future:
            parts.append("events after the 'as of' time hidden")
        column = self.model.headerData(
            self.model.sort_column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole
        )
        order = (
            "descending" if self.model.sort_order == Qt.SortOrder.DescendingOrder else "ascending"
        )
        filt = "; ".join(parts) if parts else "no filter"
        return f"{self.count_label.text()} — {filt}; sorted by {column}, {order}"

    def export_pdf(self, out: str | Path, options: BriefingOptions) -> Path:
        """The feed as it shows now (rows, order, filter in words) as a PDF."""
        from monitor.briefing import export_feed_pdf

        rows = [int(r) for r in self.model.rows]
        options = replace(options, filter_description=self.describe_filter())
        return Path(export_feed_pdf(self._ctx.scenario, rows, out, options).path)

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
        args = self.filters.args()
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
            self.detail.setHtml(NO_SELECTION_HTML)
            return
        event = self._ctx.scenario.events[pos]
        self.detail.setHtml(event_html(self._ctx, event, pos, self.model.cursor_ns))

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
        return super().eventFilter(watched, event)

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
        self.filters.rebuild()
        self.set_filter()
        self._show_details(self._ctx.selected_event)
        self._set_column_widths()

    def _on_ctx_events_changed(self, event_id: str) -> None:
        # The model has re-read the events (it connected first): same filter, same selection.
        self._apply_filter()
        selected = self._ctx.selected_event
        if selected and (not event_id or event_id == selected):
            self._show_details(selected)
        if selected:
            self._select_row_of(selected)

    def _on_ctx_cursor_changed(self, _when: datetime) -> None:
        if self._ctx.selected_event:
            self._show_details(self._ctx.selected_event)

    def _on_ctx_display_changed(self) -> None:
        self._set_column_widths()  # DTG and local times differ in width
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)  # Time (zone)
        if self._ctx.selected_event:
            self._show_details(self._ctx.selected_event)
