"""The audit panel's columns: the note gets the room, the rest steps aside in a narrow
dock, and the analyst's widths and choice of columns are remembered.

At the default window size the audit panel shares a dock of about 420 pixels: with every
column at 100 pixels the note showed a dozen characters and the sources were off screen.
Now the effective time and the change are fitted to their texts, and Recorded, By,
Sources and Check step aside (in that order) until the note has ``MIN_NOTE_CHARS``
characters; every row's tooltip holds them all. The header's context menu shows or hides
any column and goes back to the automatic layout; what the analyst sets is kept in the
settings (``columns/history``).
"""

from __future__ import annotations

from enum import IntEnum

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QMenu, QTableView

from monitor.ui.settings import settings


class HistoryColumn(IntEnum):
    CROSSING = 0
    TIME = 1
    CHANGE = 2
    NOTE = 3
    SOURCES = 4
    BY = 5
    RECORDED = 6
    FLAGS = 7


SETTINGS_KEY = "columns/history"
MIN_NOTE_CHARS = 25
# The most a fitted column takes (pixels); the note takes the rest.
_CAP = {
    HistoryColumn.CROSSING: 160,
    HistoryColumn.TIME: 180,
    HistoryColumn.CHANGE: 160,
    HistoryColumn.SOURCES: 170,
    HistoryColumn.BY: 110,
    HistoryColumn.RECORDED: 180,
    HistoryColumn.FLAGS: 130,
}
AUTO_HIDE = (HistoryColumn.RECORDED, HistoryColumn.BY, HistoryColumn.SOURCES, HistoryColumn.FLAGS)


class HistoryColumns(QObject):
    """Fits (on every resize and refresh), hides and remembers the audit view's columns.

    ``all_crossings``: the Crossing column is shown (the session audit of all crossings).
    """

    def __init__(self, view: QTableView, key: str = SETTINGS_KEY):
        super().__init__(view)
        self.view = view
        self.key = key
        self.all_crossings = False
        self.user_sized = False
        self.user_hidden: set[HistoryColumn] | None = None  # None: automatic
        self._fitting = False
        self._shown: tuple | None = None
        header = view.horizontalHeader()
        header.setResizeContentsPrecision(200)  # fitted to the first rows: a long history is quick
        view.verticalHeader().setResizeContentsPrecision(200)
        header.sectionResized.connect(self._on_section_resized)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu)
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)
        self._restore()

    def follow(self, key: tuple) -> None:
        """Fit again if what the table shows (``key``) changed since the last fit."""
        if key != self._shown:
            self._shown = key
            self.fit()

    def min_note_width(self) -> int:
        return self.view.fontMetrics().averageCharWidth() * MIN_NOTE_CHARS + 16

    def fit(self) -> None:
        view = self.view
        header = view.horizontalHeader()
        fixed_hidden = set() if self.all_crossings else {HistoryColumn.CROSSING}
        self._fitting = True
        try:
            view.setColumnHidden(HistoryColumn.CROSSING, not self.all_crossings)
            if self.user_sized:
                if self.user_hidden is not None:
                    for c in AUTO_HIDE:
                        view.setColumnHidden(c, c in self.user_hidden)
                return
            natural = {
                c: min(cap, max(view.sizeHintForColumn(c), header.sectionSizeHint(c)))
                for c, cap in _CAP.items()
                if c not in fixed_hidden
            }
            room = view.viewport().width() - self.min_note_width()
            if self.user_hidden is not None:
                candidates = [tuple(self.user_hidden)]
            else:
                candidates = [AUTO_HIDE[:k] for k in range(len(AUTO_HIDE) + 1)]
            for hidden in candidates:
                widths = {c: w for c, w in natural.items() if c not in hidden}
                if sum(widths.values()) <= room:
                    break
            for c in AUTO_HIDE:
                view.setColumnHidden(c, c in hidden)
            for c, w in widths.items():
                header.resizeSection(c, w)
        finally:
            self._fitting = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Resize
            and watched is self._viewport
            and shiboken6.isValid(self.view)  # (not while the view is being destroyed)
        ):
            self.fit()
        return False

    # -- the analyst's choice -------------------------------------------------------------
    def _on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if self._fitting or section == HistoryColumn.NOTE or not self.view.isVisible():
            return
        self.user_sized = True
        self.save()

    def _on_header_menu(self, pos: QPoint) -> None:
        self.menu().exec(self.view.horizontalHeader().mapToGlobal(pos))

    def menu(self) -> QMenu:
        menu = QMenu(self.view)
        model = self.view.model()
        for column in AUTO_HIDE:
            title = model.headerData(column, Qt.Orientation.Horizontal)
            action = menu.addAction(str(title))
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.show_column(c, on))
        menu.addSeparator()
        menu.addAction("Automatic columns and widths", self.automatic)
        return menu

    def show_column(self, column: HistoryColumn, shown: bool) -> None:
        hidden = {c for c in AUTO_HIDE if self.view.isColumnHidden(c)}
        hidden = hidden - {column} if shown else hidden | {column}
        self.user_hidden = hidden
        self.fit()
        self.save()

    def automatic(self) -> None:
        self.user_sized = False
        self.user_hidden = None
        settings().remove(self.key)
        self.fit()

    # -- remembering ---------------------------------------------------------------------------
    def save(self) -> None:
        store = settings()
        if self.user_sized:
            store.setValue(f"{self.key}/state", self.view.horizontalHeader().saveState())
        if self.user_hidden is not None:
            store.setValue(f"{self.key}/hidden", ",".join(str(int(c)) for c in self.user_hidden))
        store.sync()

    def _restore(self) -> None:
        store = settings()
        hidden = store.value(f"{self.key}/hidden", None)
        if isinstance(hidden, str):
            try:
                self.user_hidden = {HistoryColumn(int(v)) for v in hidden.split(",") if v}
            except ValueError:
                self.user_hidden = None
        state = store.value(f"{self.key}/state", None)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self._fitting = True
            try:
                self.user_sized = self.view.horizontalHeader().restoreState(state)
            finally:
                self._fitting = False
