"""The feed table's columns: widths that give the title the room, columns that step aside
in a narrow dock, and the analyst's own widths and choice of columns, remembered.

At the default window size the feed dock is about 500 pixels wide: with every column at a
readable width the title got nine characters. Now the narrower columns shrink first, then
the least needed ones are hidden (Location, Actors, Grade, Category: the detail pane below
shows them all) until the title has at least ``MIN_TITLE_CHARS`` characters. The header's
context menu shows or hides any column and goes back to the automatic layout; widths the
analyst drags and the columns they pick are kept in the settings (``columns/feed``) and
come back in the next session.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTableView

from monitor.ui.feed.columns import HEADERS, EventColumn, TimeFormat
from monitor.ui.settings import settings

SETTINGS_KEY = "columns/feed"
MIN_TITLE_CHARS = 30  # the title keeps at least this many characters before columns hide
MIN_FLEXIBLE_WIDTH = 60
FLEXIBLE_COLUMNS = (EventColumn.CATEGORY, EventColumn.ACTORS, EventColumn.LOCATION)
# Hidden in this order when the dock is too narrow for them and a readable title.
AUTO_HIDE = (EventColumn.LOCATION, EventColumn.ACTORS, EventColumn.GRADE, EventColumn.CATEGORY)
_SAMPLES = {
    EventColumn.CATEGORY: "humanitarian",
    EventColumn.ACTORS: "Kurdish forces; PMF",
    EventColumn.LOCATION: "Aleppo countryside",
    EventColumn.VERIFICATION: "Confirmed",
    EventColumn.GRADE: "Grade",
}
_EXTRA = {EventColumn.VERIFICATION: 22}  # the state icon
_PAD = 18


class FeedColumns:
    """Fits, hides and remembers the columns of the feed's ``view`` (see the module text).

    ``fit()`` on every resize of the view; ``measure(ctx)`` when the time style or the data
    changes the widths the texts need. ``user_sized`` / ``user_columns``: the analyst has
    dragged a column / picked columns (then the automatic layout leaves those alone)."""

    def __init__(self, view: QTableView, key: str = SETTINGS_KEY):
        self.view = view
        self.key = key
        self.user_sized = False
        self.user_columns = False
        self._fitting = False
        self._preferred: dict[EventColumn, int] = {}
        self._save_timer = QTimer(view)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(300)
        self._save_timer.timeout.connect(self.save)
        header = view.horizontalHeader()
        header.sectionResized.connect(self._on_section_resized)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu)

    # -- widths ----------------------------------------------------------------------------
    def measure(self, ctx) -> None:
        fm = self.view.fontMetrics()
        time = TimeFormat(ctx.events_frame, ctx.tz, ctx.military_time)
        samples = {EventColumn.TIME: time.sample(), **_SAMPLES}
        self._preferred = {
            column: fm.horizontalAdvance(text) + _PAD + _EXTRA.get(column, 0)
            for column, text in samples.items()
        }
        # The Time header names the zone: it fits, with the sort arrow (the feed's default sort).
        header = self.view.horizontalHeader().fontMetrics().horizontalAdvance(time.header) + 28
        self._preferred[EventColumn.TIME] = max(self._preferred[EventColumn.TIME], header)
        self.fit()

    def min_title_width(self) -> int:
        return self.view.fontMetrics().averageCharWidth() * MIN_TITLE_CHARS + _PAD

    def fit(self) -> None:
        """Give the title its room: shrink the flexible columns, then hide columns."""
        if self.user_sized or not self._preferred:
            return
        pref = self._preferred
        room = self.view.viewport().width() - self.min_title_width()
        if self.user_columns:
            candidates = [tuple(c for c in EventColumn if self.view.isColumnHidden(c))]
        else:
            candidates = [AUTO_HIDE[:k] for k in range(len(AUTO_HIDE) + 1)]
        for hidden in candidates:
            widths = {c: w for c, w in pref.items() if c not in hidden}
            fixed = sum(w for c, w in widths.items() if c not in FLEXIBLE_COLUMNS)
            flexible = sum(w for c, w in widths.items() if c in FLEXIBLE_COLUMNS)
            floor = sum(MIN_FLEXIBLE_WIDTH for c in widths if c in FLEXIBLE_COLUMNS)
            if fixed + floor <= room:
                break
        scale = 1.0 if fixed + flexible <= room or not flexible else max(room - fixed, 0) / flexible
        self._fitting = True
        try:
            if not self.user_columns:
                for column in AUTO_HIDE:
                    self.view.setColumnHidden(column, column in hidden)
            for column, width in widths.items():
                if column in FLEXIBLE_COLUMNS:
                    width = max(MIN_FLEXIBLE_WIDTH, int(width * scale))
                self.view.setColumnWidth(column, width)
        finally:
            self._fitting = False

    # -- the analyst's choice ------------------------------------------------------------------
    def _on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if self._fitting or section == EventColumn.TITLE or not self.view.isVisible():
            return
        self.user_sized = True
        self._save_timer.start()

    def _on_header_menu(self, pos: QPoint) -> None:
        menu = self.menu()
        menu.exec(self.view.horizontalHeader().mapToGlobal(pos))

    def menu(self) -> QMenu:
        """The header's context menu: a check per column, and the automatic layout."""
        menu = QMenu(self.view)
        for column in EventColumn:
            if column in (EventColumn.TIME, EventColumn.TITLE):
                continue  # always shown
            action = QAction(HEADERS[column], menu)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.show_column(c, on))
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Automatic columns and widths", self.automatic)
        return menu

    def show_column(self, column: EventColumn, shown: bool) -> None:
        self.user_columns = True
        self._fitting = True
        try:
            self.view.setColumnHidden(column, not shown)
        finally:
            self._fitting = False
        self.fit()
        self.save()

    def automatic(self) -> None:
        self.user_sized = self.user_columns = False
        self.fit()
        store = settings()
        store.remove(self.key)

    # -- remembering ---------------------------------------------------------------------------
    def save(self) -> None:
        """The analyst's widths and columns into the settings (only once they chose any)."""
        if not (self.user_sized or self.user_columns):
            return
        store: QSettings = settings()
        header = self.view.horizontalHeader()
        widths = [header.sectionSize(c) for c in EventColumn]
        hidden = [int(c) for c in EventColumn if self.view.isColumnHidden(c)]
        store.setValue(f"{self.key}/widths", ",".join(map(str, widths)) if self.user_sized else "")
        store.setValue(
            f"{self.key}/hidden", ",".join(map(str, hidden)) if self.user_columns else ""
        )
        store.sync()

    def restore(self) -> bool:
        """Widths and columns from a previous session, if any (True if some came back)."""
        store = settings()
        widths = _ints(store.value(f"{self.key}/widths", ""))
        hidden = _ints(store.value(f"{self.key}/hidden", ""))
        restored = False
        self._fitting = True
        try:
            if hidden is not None and all(0 <= c < len(EventColumn) for c in hidden):
                for column in EventColumn:
                    self.view.setColumnHidden(column, column in hidden)
                self.user_columns = restored = True
            if widths is not None and len(widths) == len(EventColumn):
                header = self.view.horizontalHeader()
                for column, width in zip(EventColumn, widths, strict=True):
                    if column != EventColumn.TITLE and width > 0:
                        header.resizeSection(column, width)
                self.user_sized = restored = True
        finally:
            self._fitting = False
        if self.user_columns and not self.user_sized:
            self.fit()
        return restored


def _ints(value: object) -> list[int] | None:
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return [int(part) for part in value.split(",")]
    except ValueError:
        return None
