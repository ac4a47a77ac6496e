"""The feed's filter bar: search box, category and verification menus, a date range.

The bar only holds the analyst's choice; :meth:`FilterBar.args` gives it as the keyword
arguments of ``frames.filter_mask`` and ``changed`` says when it changed (typing is
debounced). The panel filters; the bar never touches the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from monitor.ui.context import ScenarioContext
from monitor.ui.datefield import DateTimeField
from monitor.ui.feed.columns import (
    EN_DASH,
    VERIFICATION_LABEL,
    VERIFICATION_MEANING,
    VERIFICATION_ORDER,
    isolate,
)
from monitor.ui.text import plain_tooltip

SEARCH_DEBOUNCE_MS = 150
SEARCH_PLACEHOLDER = "Search title, summary, actors, location  (Ctrl+F)"


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


class FilterBar(QWidget):
    """Two rows: the search box (with ``count_label`` after it), then the category and
    verification menus and the date range.

    Signals: ``changed()`` — the filter changed (typing: after SEARCH_DEBOUNCE_MS; Escape in
    the search box clears it at once).
    """

    changed = Signal()

    def __init__(self, ctx: ScenarioContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._start: datetime | None = None
        self._end: datetime | None = None

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("feedSearch")
        self.search_edit.setAccessibleName("Search events")
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

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.count_label)
        # The date range goes on a row of its own when the dock is too narrow for it beside
        # the menus (see resizeEvent): the bar's least width is one of the two, not both.
        self.dates_box = QWidget(self)
        dates = QHBoxLayout(self.dates_box)
        dates.setContentsMargins(0, 0, 0, 0)
        for w in (self.date_check, self.from_edit, dash, self.to_edit):
            dates.addWidget(w)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.category_button)
        second.addWidget(self.verification_button)
        second.addSpacing(8)
        second.addWidget(self.dates_box)
        second.addStretch(1)
        self._second, self._third = second, QHBoxLayout()
        self._third.setContentsMargins(0, 0, 0, 0)
        self._third.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addLayout(self._third)

        self.search_edit.textChanged.connect(self._on_search_text_changed)
        self._search_timer.timeout.connect(self.changed)
        self.date_check.toggled.connect(self._on_date_check_toggled)
        self.from_edit.dateChanged.connect(self._on_from_date_changed)
        self.to_edit.dateChanged.connect(self._on_to_date_changed)
        self._place_dates()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_dates()

    def _place_dates(self) -> None:
        """The date range beside the menus when it fits there, else on the row below."""
        menus = (
            self.category_button.sizeHint().width() + self.verification_button.sizeHint().width()
        )
        menus += 8 + 2 * self._second.spacing()
        dates = self.dates_box.minimumSizeHint().width()
        least = max(menus, dates, 200)
        if self.minimumWidth() != least:
            self.setMinimumWidth(least)  # not the layout's (menus and dates on one row)
        fits = self.width() >= menus + dates + self._second.spacing()
        beside = self._second.indexOf(self.dates_box) >= 0
        if fits and not beside:
            self._third.removeWidget(self.dates_box)
            self._second.insertWidget(self._second.count() - 1, self.dates_box)
        elif not fits and beside:
            self._second.removeWidget(self.dates_box)
            self._third.insertWidget(0, self.dates_box)

    def _filter_button(self, name: str) -> tuple[QToolButton, CheckMenu]:
        button = FilterButton(self)
        button.setText(f"{name}: All")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = CheckMenu(button)
        button.setMenu(menu)
        return button, menu

    def _date_edit(self, tip: str) -> DateTimeField:
        """A day field: typed text applies as typed, on Enter or when the field is left
        (not per keystroke, and the year is not kept from before; see DateTimeField)."""
        edit = DateTimeField(self, with_time=False)
        edit.setToolTip(f"{tip} (type YYYY-MM-DD, then Enter)")
        edit.setAccessibleName(tip)
        return edit

    # -- the choice ---------------------------------------------------------------------
    def args(self) -> dict[str, Any]:
        """The filter as ``filter_mask`` keywords (None: no restriction)."""
        return {
            "text": self.search_edit.text(),
            "categories": self._checked_values(self.category_menu),
            "verifications": self._checked_values(self.verification_menu),
            "start": self._start,
            "end": self._end,
        }

    def is_active(self) -> bool:
        args = self.args()
        return bool(args["text"].split()) or any(args[k] is not None for k in args if k != "text")

    def set_args(
        self,
        text: str | None = None,
        categories: Iterable[str] | None = None,
        verifications: Iterable[str] | None = None,
        start: date | datetime | None = None,
        end: date | datetime | None = None,
    ) -> None:
        """Show this filter (see ``FeedPanel.set_filter``); emits nothing, a pending
        debounced search is dropped."""
        self._search_timer.stop()
        self.search_edit.blockSignals(True)
        self.search_edit.setText(text or "")
        self.search_edit.blockSignals(False)
        self._set_checked_values(self.category_menu, categories)
        self._set_checked_values(self.verification_menu, verifications)
        self._update_filter_buttons()
        self._start = self._as_start(start)
        self._end = self._as_end(end)
        first, last = self.data_days()
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

    def stop_pending(self) -> None:
        """Forget a debounced search that has not fired yet (the filter is applied now)."""
        self._search_timer.stop()

    def describe(self) -> list[str]:
        """The restrictions in words, e.g. ``['search "idlib"', 'dates 2024-11-27 to …']``."""
        args = self.args()
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
        return parts

    # -- menus --------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Menus and date range for the context's (new) scenario; every value ticked."""
        self._start = self._end = None
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
        first, last = self.data_days()
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

    # -- dates --------------------------------------------------------------------------
    def data_days(self) -> tuple[date, date]:
        """First and last day (scenario zone) that any event touches; today if there are none."""
        tz = self._ctx.tz
        frame = self._ctx.events_frame
        if not len(frame):
            today = datetime.now(tz).date()
            return today, today
        times = frame["time_ns"].to_numpy()
        ends = frame["end_ns"].to_numpy()
        first = datetime.fromtimestamp(int(times.min()) / 1e9, tz).date()
        last = datetime.fromtimestamp((int(ends.max()) - 1) / 1e9, tz).date()
        return first, last

    def _day_start(self, d: date) -> datetime:
        return datetime.combine(d, time(0, 0), tzinfo=self._ctx.tz)

    def _day_end(self, d: date) -> datetime:
        """The last microsecond of day ``d`` in the scenario's zone."""
        return self._day_start(d + timedelta(days=1)) - timedelta(microseconds=1)

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

    def _dates_from_edits(self) -> None:
        if self.date_check.isChecked():
            self._start = self._day_start(self.from_edit.date().toPython())
            self._end = self._day_end(self.to_edit.date().toPython())
        else:
            self._start = self._end = None

    # -- slots --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.search_edit.text()
        ):
            self.search_edit.clear()
            self._search_timer.stop()
            self.changed.emit()
            return True
        return super().eventFilter(watched, event)

    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    def _on_filter_menu_toggled(self, _checked: bool = False) -> None:
        self._update_filter_buttons()
        self.changed.emit()

    def _on_date_check_toggled(self, on: bool) -> None:
        self.from_edit.setEnabled(on)
        self.to_edit.setEnabled(on)
        self._dates_from_edits()
        self.changed.emit()

    def _on_from_date_changed(self, value: QDate) -> None:
        if value > self.to_edit.date():
            self.to_edit.blockSignals(True)
            self.to_edit.setDate(value)
            self.to_edit.blockSignals(False)
        self._dates_from_edits()
        self.changed.emit()

    def _on_to_date_changed(self, value: QDate) -> None:
        if value < self.from_edit.date():
            self.from_edit.blockSignals(True)
            self.from_edit.setDate(value)
            self.from_edit.blockSignals(False)
        self._dates_from_edits()
        self.changed.emit()
