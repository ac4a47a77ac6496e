"""A date (or date-time) field that takes what the analyst types, as typed.

``QDateTimeEdit`` edits its text section by section: after Ctrl+A or Home, typing
``2024-12-07 12:00`` left the year as it was (the first digits were refused, the dash
jumped to the month), and with keyboard tracking every keystroke committed an
intermediate date. This field is a line edit: the text is free while typing and is read
as a whole when the analyst presses Enter or leaves the field; only then does the value
change (one ``dateTimeChanged`` / ``dateChanged``). Text that is not a date is refused
with a reason in the tooltip and the value stays; Escape puts the value back.

Up / Down step the value by a day (an hour when the text cursor is in the time), and the
calendar button beside the text picks a day, as the spin box did.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QPoint, QPointF, QRegularExpression, Qt, QTime, Signal
from PySide6.QtGui import (
    QAction,
    QFocusEvent,
    QIcon,
    QKeyEvent,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QRegularExpressionValidator,
)
from PySide6.QtWidgets import QCalendarWidget, QLineEdit, QToolTip, QWidget

from monitor.model.timeutil import MAX_YEAR, MIN_YEAR

DATE_FORMAT = "yyyy-MM-dd"
DATETIME_FORMAT = "yyyy-MM-dd HH:mm"
# Year-month-day, then optionally hours:minutes[:seconds]; one-digit months, days and
# hours are taken as well ("2024-12-7 9:00"); "T" may separate date and time.
_TYPED = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*", re.ASCII
)
_ALLOWED = QRegularExpression(r"[0-9 :T-]{0,24}")  # keys that can be part of a date


def parse_typed(text: str, *, with_time: bool) -> datetime | str:
    """The naive date-time ``text`` says, or the reason it is not one (a date alone is its
    midnight; a date field takes no time)."""
    m = _TYPED.fullmatch(text)
    example = "2024-12-07 12:00" if with_time else "2024-12-07"
    if m is None or (not with_time and m.group(4) is not None):
        return f"not a date: type it as {example}"
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour = int(m.group(4) or 0)
    minute = int(m.group(5) or 0)
    second = int(m.group(6) or 0)
    try:
        value = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        return f"impossible date: {exc}"
    if not MIN_YEAR <= year <= MAX_YEAR:
        return f"outside the supported years {MIN_YEAR}..{MAX_YEAR}"
    return value


def _calendar_icon(palette: QPalette) -> QIcon:
    size = 16
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(palette.color(QPalette.ColorRole.Text), 1.2)
    p.setPen(pen)
    p.drawRoundedRect(2, 3, 12, 11, 1.5, 1.5)
    p.drawLine(QPointF(2, 6.5), QPointF(14, 6.5))
    p.drawLine(QPointF(5, 1.5), QPointF(5, 4.5))
    p.drawLine(QPointF(11, 1.5), QPointF(11, 4.5))
    for x in (5, 8, 11):
        for y in (9, 11.5):
            p.drawPoint(QPointF(x, y))
    p.end()
    return QIcon(pix)


class DateTimeField(QLineEdit):
    """A date-time (``with_time``) or date field; see the module text.

    The ``QDateTimeEdit`` calls the app uses: ``dateTime()``, ``setDateTime()``, ``date()``,
    ``setDate()``, ``minimumDateTime()`` / ``maximumDateTime()`` and their setters, the
    ``dateTimeChanged`` and ``dateChanged`` signals (emitted when the value changes: a
    commit of typed text, a step, a calendar pick or a ``set…`` call).
    """

    dateTimeChanged = Signal(QDateTime)
    dateChanged = Signal(QDate)
    refused = Signal(str)  # typed text that is not a date (the reason)

    def __init__(self, parent: QWidget | None = None, *, with_time: bool = True):
        super().__init__(parent)
        self._with_time = with_time
        self._format = DATETIME_FORMAT if with_time else DATE_FORMAT
        self._min = QDateTime(QDate(MIN_YEAR, 1, 2), QTime(0, 0))
        self._max = QDateTime(QDate(MAX_YEAR, 12, 30), QTime(23, 59, 59))
        self._value = QDateTime(QDate(2000, 1, 1), QTime(0, 0))
        self._tip = ""
        self.reason = ""
        self.setValidator(QRegularExpressionValidator(_ALLOWED, self))
        self.setText(self._value.toString(self._format))
        self.calendar_action = QAction(_calendar_icon(self.palette()), "Pick a day", self)
        self.calendar_action.setToolTip("Pick a day from a calendar")
        self.calendar_action.triggered.connect(self.show_calendar)
        self.addAction(self.calendar_action, QLineEdit.ActionPosition.TrailingPosition)
        self._calendar: QCalendarWidget | None = None
        self.editingFinished.connect(self.commit)
        sample = "2024-12-07 12:00" if with_time else "2024-12-07"
        # The text, the calendar button and the frame: no wider (the toolbar and the feed's
        # filter row are short of room at the default window size).
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(sample) + 38)
        self.setMaximumWidth(self.minimumWidth() + 12)

    # -- QDateTimeEdit-like API -------------------------------------------------------
    def dateTime(self) -> QDateTime:
        return QDateTime(self._value)

    def date(self) -> QDate:
        return self._value.date()

    def setDateTime(self, value: QDateTime) -> None:
        self._set(value, emit=True)

    def setDate(self, value: QDate) -> None:
        self._set(QDateTime(value, QTime(0, 0)), emit=True)

    def minimumDateTime(self) -> QDateTime:
        return QDateTime(self._min)

    def maximumDateTime(self) -> QDateTime:
        return QDateTime(self._max)

    def setMinimumDateTime(self, value: QDateTime) -> None:
        self._min = QDateTime(value)

    def setMaximumDateTime(self, value: QDateTime) -> None:
        self._max = QDateTime(value)

    def setToolTip(self, text: str) -> None:
        self._tip = text
        super().setToolTip(text)

    def displayFormat(self) -> str:
        return self._format

    # -- committing -------------------------------------------------------------------
    def _set(self, value: QDateTime, *, emit: bool) -> bool:
        if not self._with_time:
            value = QDateTime(value.date(), QTime(0, 0))
        value = max(self._min, min(self._max, value))
        changed = value != self._value
        old_date = self._value.date()
        self._value = QDateTime(value)
        self._show_value()
        if changed and emit:
            self.dateTimeChanged.emit(QDateTime(value))
            if value.date() != old_date:
                self.dateChanged.emit(value.date())
        return changed

    def _show_value(self) -> None:
        if self.hasFocus() and self.isModified():
            return  # the analyst is typing: a value set meanwhile (Live) must not erase it
        text = self._value.toString(self._format)
        if self.text() != text:
            self.setText(text)
        if self.property("refused"):
            self._set_error("")

    def commit(self) -> bool:
        """Read the typed text (Enter, leaving the field): the new value, or a refusal.
        True if the value changed."""
        if not self.isModified() and self.text() == self._value.toString(self._format):
            return False
        self.setModified(False)
        parsed = parse_typed(self.text(), with_time=self._with_time)
        if isinstance(parsed, str):
            self._set_error(parsed)
            return False
        value = _qdatetime(parsed)
        if not self._min <= value <= self._max:
            lo, hi = self._min.toString(self._format), self._max.toString(self._format)
            self._set_error(f"outside the range {lo} .. {hi}")
            return False
        return self._set(value, emit=True)

    def revert(self) -> None:
        self.setModified(False)
        self._show_value()
        self._set_error("")

    def _set_error(self, reason: str) -> None:
        self.reason = reason  # why the typed text was refused ("" when it was not)
        self.setProperty("refused", bool(reason))
        if reason:
            super().setToolTip(f"{reason}\n\n{self._tip}" if self._tip else reason)
            self.setStyleSheet("QLineEdit { border: 2px solid #c62828; }")
            if self.isVisible():
                QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), reason, self)
            self.refused.emit(reason)
        elif self.styleSheet():
            self.setStyleSheet("")
            super().setToolTip(self._tip)

    def step(self, count: int) -> None:
        """Up / Down: a day, or an hour with the text cursor in the time part."""
        if self.isModified():
            self.commit()
        in_time = self._with_time and self.cursorPosition() > 10
        value = self._value.addSecs(3600 * count) if in_time else self._value.addDays(count)
        position = self.cursorPosition()
        self._set(value, emit=True)
        self.setCursorPosition(position)

    # -- calendar -----------------------------------------------------------------------
    def show_calendar(self) -> None:
        if self._calendar is None:
            calendar = QCalendarWidget(self)
            calendar.setWindowFlags(Qt.WindowType.Popup)
            calendar.setGridVisible(True)
            calendar.clicked.connect(self._on_calendar_clicked)
            calendar.activated.connect(self._on_calendar_clicked)
            self._calendar = calendar
        self._calendar.setDateRange(self._min.date(), self._max.date())
        self._calendar.setSelectedDate(self._value.date())
        self._calendar.move(self.mapToGlobal(QPoint(0, self.height())))
        self._calendar.show()
        self._calendar.setFocus()

    def _on_calendar_clicked(self, day: QDate) -> None:
        if self._calendar is not None:
            self._calendar.hide()
        self._set(QDateTime(day, self._value.time()), emit=True)

    # -- keys -----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and (self.isModified() or self.property("refused")):
            self.revert()
            return
        if key == Qt.Key.Key_F4 or (
            key == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
        ):
            self.show_calendar()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.step(1 if key == Qt.Key.Key_Up else -1)
            return
        if self._overwrite(event.text(), event.modifiers()):
            return
        super().keyPressEvent(event)

    def _overwrite(self, char: str, modifiers: Qt.KeyboardModifier) -> bool:
        """A complete field is typed over, as a spin box or a form is: after Home, typing
        ``2024-12-07 12:00`` replaces the text character by character (a digit typed on a
        separator goes to the next digit). A selection is replaced and shorter text takes
        insertions, as in any line edit. True if the key was handled here."""
        text, pos = self.text(), self.cursorPosition()
        plain = modifiers & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if (
            len(char) != 1
            or char not in "0123456789-: T"
            or plain != Qt.KeyboardModifier.NoModifier
            or self.hasSelectedText()
            or len(text) < len(self._value.toString(self._format))
            or pos >= len(text)
        ):
            return False
        if char.isdigit():
            while pos < len(text) and not text[pos].isdigit():
                pos += 1
            if pos >= len(text):
                return False
        elif text[pos] != char:
            return False  # a separator where a digit is: inserted (e.g. "2024-1-7")
        self.setSelection(pos, 1)
        self.insert(char)
        return True

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)  # editingFinished -> commit
        if self.property("refused"):
            self.revert()  # leaving with text that is no date: the value stays, and shows


def _qdatetime(value: datetime | date) -> QDateTime:
    if isinstance(value, datetime):
        return QDateTime(
            QDate(value.year, value.month, value.day),
            QTime(value.hour, value.minute, value.second),
        )
    return QDateTime(QDate(value.year, value.month, value.day), QTime(0, 0))
