"""Crossing-status panel: a sortable table of the border crossings, status as of the time cursor.

The panel only talks to the shared :class:`ScenarioContext`: it follows the
cursor and the crossing selection, and selecting a row selects the crossing
for every other panel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from monitor.model import CrossingStatus, Moment
from monitor.ui.cellcache import CachedCellDelegate
from monitor.ui.context import ScenarioContext
from monitor.ui.crossings.actions import CrossingActions
from monitor.ui.crossings.model import CrossingTableModel
from monitor.ui.crossings.status import (
    COLUMN_TITLES,
    CrossingColumn,
    CrossingRole,
    status_icon,
    status_word,
)
from monitor.ui.crossings.strip import STRIP_MIN_WIDTH, StatusStripDelegate
from monitor.ui.crossings.widths import RememberedHeader
from monitor.ui.text import set_text_steady
from monitor.ui.views import RangeTableView

if TYPE_CHECKING:
    from monitor.briefing import BriefingOptions

# Widest a column gets when fitted to its contents (pixels); the strip takes the rest.
_MAX_WIDTH = {
    CrossingColumn.NAME: 210,
    CrossingColumn.LOCAL_NAME: 170,
    CrossingColumn.SIDES: 260,
    CrossingColumn.KIND: 90,
    CrossingColumn.HELD_BY: 170,
    CrossingColumn.STATUS: 120,
    CrossingColumn.SINCE: 190,
    CrossingColumn.NOTE: 200,
}
# How far long text columns may shrink before a less important column is hidden
# instead, in the order they give up width (tooltips keep the full text) ...
_COMFORT_WIDTH = {
    CrossingColumn.SIDES: 170,
    CrossingColumn.NOTE: 130,
    CrossingColumn.HELD_BY: 120,
    CrossingColumn.LOCAL_NAME: 120,
}
# ... and how far when even the shortest layout does not fit.
_MIN_WIDTH = {
    CrossingColumn.SIDES: 110,
    CrossingColumn.NOTE: 90,
    CrossingColumn.HELD_BY: 100,
    CrossingColumn.LOCAL_NAME: 80,
    CrossingColumn.NAME: 100,
}
# Hidden in this order when the panel is too narrow for all columns (a 1366-pixel
# screen gives the crossings dock about 420 pixels): the name, status and since stay, and
# since is never cut (the strip narrows instead, down to STRIP_NARROW_WIDTH).
_AUTO_HIDE = (
    CrossingColumn.SIDES,
    CrossingColumn.KIND,
    CrossingColumn.NOTE,
    CrossingColumn.HELD_BY,
    CrossingColumn.LOCAL_NAME,
)
STRIP_NARROW_WIDTH = 80  # the strip's least width in a narrow dock (tooltips tell the rest)


def _widest(texts, metrics, enough: int) -> int:
    """The largest advance of ``texts``, or the first one at least ``enough`` (each distinct
    text measured once)."""
    widest = 0
    seen: set[str] = set()
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        width = metrics.horizontalAdvance(text)
        if width > widest:
            widest = width
            if widest >= enough:
                break
    return widest


class CrossingsPanel(QWidget):
    """The crossing-status table.

    Attributes: ``view`` (QTableView, showing ``proxy``), ``model``
    (CrossingTableModel), ``proxy`` (the sorting proxy between them), ``actions`` (the
    :class:`CrossingActions` installed on the table: Space, double click, context menu;
    None for a read-only panel).
    """

    def __init__(
        self,
        ctx: ScenarioContext,
        parent: QWidget | None = None,
        *,
        actions: CrossingActions | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self._syncing = False
        self._fitting = False
        self._user_sized = False  # once the user drags a column, stop re-fitting on resize
        self._user_columns = False  # once the user picks columns, stop hiding them automatically
        self._widths: dict[str, tuple] = {}  # crossing id -> (history, options..., widths)
        self._natural: tuple | None = None  # (key, {column: content width}), see _content_widths
        self.setObjectName("CrossingsPanel")

        self.model = CrossingTableModel(ctx, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(CrossingRole.SORT)
        self.proxy.setDynamicSortFilter(True)

        self.view = RangeTableView(self)  # a cursor step repaints the strips column, not every cell
        self.view.setObjectName("crossingsView")
        self.view.setAccessibleName("Border crossings")
        self.view.setModel(self.proxy)
        # The text cells' pictures are kept (a cursor step or a toggle repaints the table).
        self.cell_delegate = CachedCellDelegate(self._cell_values, self.view)
        self.view.setItemDelegate(self.cell_delegate)
        self.strip_delegate = StatusStripDelegate(self.view)
        self.view.setItemDelegateForColumn(CrossingColumn.STRIP, self.strip_delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.verticalHeader().setVisible(False)
        row_height = max(self.view.fontMetrics().height() + 12, 26)
        self.view.verticalHeader().setDefaultSectionSize(row_height)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)

        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(CrossingColumn.STRIP, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorClearable(True)  # third click: back to file order
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_context_menu)
        header.sectionResized.connect(self._on_header_section_resized)
        self.view.viewport().installEventFilter(self)
        # Any change of what the view shows invalidates the content widths kept for re-fitting.
        for signal in (
            self.proxy.dataChanged,
            self.proxy.headerDataChanged,
            self.proxy.layoutChanged,
            self.proxy.modelReset,
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.rowsMoved,
            self.proxy.columnsInserted,
            self.proxy.columnsRemoved,
            self.proxy.columnsMoved,
        ):
            signal.connect(self._on_proxy_changed)

        self.as_of_label = QLabel(self)
        self.as_of_label.setTextFormat(Qt.TextFormat.PlainText)
        self.as_of_label.setObjectName("crossingsAsOf")

        legend = QHBoxLayout()
        legend.setContentsMargins(4, 2, 4, 0)
        legend.setSpacing(4)
        for status in (CrossingStatus.OPEN, CrossingStatus.RESTRICTED, CrossingStatus.CLOSED, None):
            icon = QLabel(self)
            icon.setPixmap(status_icon(status).pixmap(14, 14))
            icon.setToolTip(status_word(status))
            text = QLabel(status_word(status), self)
            text.setTextFormat(Qt.TextFormat.PlainText)
            legend.addWidget(icon)
            legend.addWidget(text)
            legend.addSpacing(8)
        legend.addStretch(1)
        # In a narrow dock the "as of" line goes under the legend (see resizeEvent): the
        # panel's least width is the legend's, not the legend's and the time's.
        self._legend, self._as_of_row = legend, QHBoxLayout()
        self._as_of_row.setContentsMargins(4, 0, 4, 0)
        self._as_of_row.addWidget(self.as_of_label)
        self._as_of_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(legend)
        layout.addLayout(self._as_of_row)
        layout.addWidget(self.view, 1)

        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.model.modelReset.connect(self._on_model_reset)
        ctx.crossing_selected.connect(self._on_ctx_crossing_selected)
        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.display_changed.connect(self._on_ctx_display_changed)

        self._update_as_of()
        self.fit_columns()
        self.remembered = RememberedHeader(self.view)  # the analyst's widths and columns
        self._fitting = True
        self._user_sized, self._user_columns = self.remembered.restore()
        self._fitting = False
        self._on_ctx_crossing_selected(ctx.selected_crossing)
        self.actions = actions
        if actions is not None:
            actions.install(self.view)

    # -- public ----------------------------------------------------------------------
    def selected_crossing_id(self) -> str:
        """Id of the crossing selected in the table, "" if none."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return ""
        return rows[0].data(CrossingRole.ID) or ""

    def export_pdf(self, out: str | Path, options: BriefingOptions) -> Path:
        """The crossings' status as of the cursor as a PDF."""
        from monitor.briefing import export_crossings_pdf

        result = export_crossings_pdf(self.ctx.scenario, self.ctx.cursor_time(), out, options)
        return Path(result.path)

    def source_index(self, view_index: QModelIndex) -> QModelIndex:
        """The model index behind an index of the view (the view shows a sorting proxy)."""
        return self.proxy.mapToSource(view_index)

    def view_index(self, crossing_id: str, column: int = 0) -> QModelIndex:
        """The view's index of ``crossing_id``'s cell in ``column`` (invalid if unknown)."""
        row = self.model.row_of(crossing_id)
        if row < 0:
            return QModelIndex()
        return self.proxy.mapFromSource(self.model.index(row, column))

    def fit_columns(self) -> None:
        """Size columns to their contents (capped), leaving the status strip room to be read.

        When the panel is narrow the long text columns give up width first,
        then (unless the user picked columns from the header menu) the least
        important columns are hidden; the name's tooltip still has everything.
        """
        header = self.view.horizontalHeader()
        has_local = any(c.name_local for c in self.ctx.scenario.crossings)
        natural: dict[CrossingColumn, int] = {}
        possible = self._possible_widths()
        content = self._content_widths()
        for column, cap in _MAX_WIDTH.items():
            if column == CrossingColumn.LOCAL_NAME and not has_local:
                continue
            natural[column] = min(max(content[column], possible.get(column, 0)), cap)
        viewport = self.view.viewport().width()
        if not self.view.isVisible():  # not laid out yet: the panel's width tells more
            viewport = self.width() - 2 * self.view.frameWidth()
        room = viewport - (
            STRIP_MIN_WIDTH if viewport >= 3 * STRIP_MIN_WIDTH else STRIP_NARROW_WIDTH
        )

        # Candidate layouts, best first: hide nothing, then the least important
        # columns one by one, letting long text columns shrink to a readable width;
        # last resort: everything auto-hidden and text columns at their narrowest.
        if self._user_columns:
            chosen = tuple(c for c in CrossingColumn if self.view.isColumnHidden(c))
            candidates = [(chosen, _COMFORT_WIDTH), (chosen, _MIN_WIDTH)]
        else:
            always = () if has_local else (CrossingColumn.LOCAL_NAME,)
            candidates = [
                (always + _AUTO_HIDE[:k], _COMFORT_WIDTH) for k in range(len(_AUTO_HIDE) + 1)
            ]
            candidates.append((always + _AUTO_HIDE, _MIN_WIDTH))
        for hidden, floor in candidates:
            widths = {c: w for c, w in natural.items() if c not in hidden}
            excess = sum(widths.values()) - room
            for column, least in floor.items():  # in the order they give up width
                if excess <= 0:
                    break
                if column in widths and widths[column] > least:
                    cut = min(widths[column] - least, excess)
                    widths[column] -= cut
                    excess -= cut
            if excess <= 0:
                break

        self._fitting = True
        try:
            if not self._user_columns:
                for column in CrossingColumn:
                    self.view.setColumnHidden(column, column in hidden)
            for column, width in widths.items():
                header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _content_widths(self) -> dict[CrossingColumn, int]:
        """Width each fitted column's cells and title ask for, kept until the view's data,
        rows, font or style change (a window is fitted on every resize; showing the window
        alone resizes the view twice)."""
        view, header = self.view, self.view.horizontalHeader()
        view.ensurePolished()
        header.ensurePolished()
        rows = self.proxy.rowCount()
        key = (
            view.font().key(),
            header.font().key(),
            id(view.style()),
            rows,
            header.sortIndicatorSection(),
            header.sortIndicatorOrder(),
        )
        # Past the header's precision Qt measures only the rows around the visible ones.
        known = self._natural
        if known is not None and known[0] == key and rows <= header.resizeContentsPrecision():
            return known[1]
        widths = {
            column: max(view.sizeHintForColumn(column), header.sectionSizeHint(column))
            for column in _MAX_WIDTH
        }
        self._natural = (key, widths)
        return widths

    def _possible_widths(self) -> dict[CrossingColumn, int]:
        """Widths the cursor-dependent columns can need at any cursor time.

        Fitting only what the current cursor shows would elide "restricted"
        as soon as the cursor moves to a time when a crossing is restricted.
        """
        metrics = self.view.fontMetrics()
        pad = 2 * self.view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 12
        words = [status_word(s) for s in (*CrossingStatus, None)]
        icon = self.view.iconSize().width() if self.view.iconSize().width() > 0 else 16
        # Past its cap a column's width no longer depends on the texts: measuring stops there.
        # A time of day is the widest a "since" text gets (all digits are as wide): once one
        # is found, measuring the rest of a long history changes nothing.
        widest = self.ctx.format_compact(Moment(datetime(2024, 12, 30, 20, 58, tzinfo=UTC)))
        since_enough = min(
            _MAX_WIDTH[CrossingColumn.SINCE] - pad, metrics.horizontalAdvance(widest)
        )
        note_enough = _MAX_WIDTH[CrossingColumn.NOTE] - pad
        since = notes = 0
        for crossing in self.ctx.scenario.crossings:
            s, n = self._history_widths(
                crossing,
                metrics,
                since_enough if since < since_enough else 0,
                note_enough if notes < note_enough else 0,
            )
            since, notes = max(since, s), max(notes, n)
        return {
            CrossingColumn.STATUS: max(metrics.horizontalAdvance(w) for w in words)
            + icon
            + pad
            + 4,
            CrossingColumn.SINCE: since + pad,
            CrossingColumn.NOTE: notes + pad,
        }

    def _history_widths(
        self, crossing, metrics, since_enough: int, note_enough: int
    ) -> tuple[int, int]:
        """Widest "since" time and note of one crossing's history, kept until its history,
        the font or the time format changes (a window is fitted on every resize).

        A width is exact below its ``enough``; at or above it, it may be any width at least
        that large (the texts are measured only until one is that wide).
        """
        key = (
            crossing.history,
            self.ctx.military_time,
            self.view.font().key(),
            self.ctx.tz,
            since_enough,
            note_enough,
        )
        known = self._widths.get(crossing.id)
        if known is not None and known[0] is key[0] and known[1:6] == key[1:]:
            return known[6], known[7]
        history = crossing.history
        times = (self.ctx.format_compact(e.time) for e in history) if since_enough > 0 else ()
        notes = (e.note for e in history if e.note) if note_enough > 0 else ()
        since = _widest(times, metrics, since_enough)
        note = _widest(notes, metrics, note_enough)
        self._widths[crossing.id] = (*key, since, note)
        return since, note

    # -- slots -----------------------------------------------------------------------
    def _on_view_selection_changed(
        self, _selected: QItemSelection, _deselected: QItemSelection
    ) -> None:
        if not self._syncing:
            self.ctx.select_crossing(self.selected_crossing_id())

    def _on_ctx_crossing_selected(self, crossing_id: str) -> None:
        if crossing_id == self.selected_crossing_id():
            return
        self._syncing = True
        try:
            index = self.view_index(crossing_id)
            selection = self.view.selectionModel()
            if index.isValid():
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.view.scrollTo(index)
            else:
                selection.clearSelection()
        finally:
            self._syncing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view.viewport()
            and event.type() == QEvent.Type.Resize
            and not self._user_sized
        ):
            self.fit_columns()
        return super().eventFilter(watched, event)

    def _on_header_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column != CrossingColumn.STRIP and self.isVisible():
            self._user_sized = True
            self.remembered.save(self._user_sized, self._user_columns)

    def _cell_values(self, view_index: QModelIndex) -> tuple | None:
        source = self.proxy.mapToSource(view_index)
        return self.model.paint_values(source.row(), source.column())

    def _on_proxy_changed(self, *_args) -> None:
        self._natural = None

    def _on_model_reset(self) -> None:
        self._natural = None
        self.fit_columns()
        self._on_ctx_crossing_selected(self.ctx.selected_crossing)

    def _on_ctx_cursor_changed(self, _when: datetime) -> None:
        self._update_as_of()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_as_of()

    def _place_as_of(self) -> None:
        """The "as of" line at the end of the legend when it fits there, else under it."""
        legend, label = self._legend, self.as_of_label
        items = [legend.itemAt(i) for i in range(legend.count())]
        items = [item for item in items if item.widget() is not label]
        # The words and icons, the gaps between them and the margins (they were left out:
        # the words were cut in a narrow dock).
        margins = legend.contentsMargins()
        words = (
            sum(item.sizeHint().width() for item in items)
            + legend.spacing() * max(0, len(items) - 1)
            + margins.left()
            + margins.right()
        )
        least = words
        if self.minimumWidth() != least:
            self.setMinimumWidth(least)  # not the layout's (legend and time on one row)
        fits = self.width() >= words + label.width() + 24
        here = legend.indexOf(label) >= 0
        if fits and not here:
            self._as_of_row.removeWidget(label)
            legend.addWidget(label)
        elif not fits and here:
            legend.removeWidget(label)
            self._as_of_row.insertWidget(0, label)

    def _on_ctx_display_changed(self) -> None:
        self._update_as_of()
        since = CrossingColumn.SINCE  # its title names the zone, or says DTG
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, since, since)
        if not self._user_sized:
            self.fit_columns()  # military time changes the width of the times

    def _update_as_of(self) -> None:
        when = self.ctx.format_moment(Moment(self.model.cursor_time()))
        prefix = "Live: status now" if self.ctx.is_live else "Status as of"
        set_text_steady(self.as_of_label, f"{prefix} {when}")  # no window layout per cursor step

    def _on_header_context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for column in CrossingColumn:
            if column == CrossingColumn.NAME:
                continue  # the name always stays
            action = QAction(COLUMN_TITLES[column], menu)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self._on_column_action_toggled(c, on))
            menu.addAction(action)
        menu.addSeparator()
        fit = menu.addAction("Automatic columns and widths")
        fit.triggered.connect(self._on_fit_action_triggered)
        menu.exec(self.view.horizontalHeader().mapToGlobal(pos))

    def _on_column_action_toggled(self, column: CrossingColumn, shown: bool) -> None:
        self._user_columns = True
        self._fitting = True  # hiding a column resizes its section: not a user drag
        try:
            self.view.setColumnHidden(column, not shown)
        finally:
            self._fitting = False
        self.remembered.save(self._user_sized, self._user_columns)
        if shown and not self._user_sized:
            self.fit_columns()

    def _on_fit_action_triggered(self) -> None:
        self._user_sized = False
        self._user_columns = False
        self.remembered.forget()
        self.fit_columns()
