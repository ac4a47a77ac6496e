"""The base of every editing dialog: a form checked as you type, by the contract's rules.

A :class:`FormDialog` subclass reads its widgets into the entity's JSON (:meth:`collect`),
checking each value with the checker the scenario file's own reader uses
(:mod:`monitor.model.schema`, :mod:`monitor.model.sections`); then the whole
:class:`~monitor.model.changes.Change` is run through the session's change log check
(the same one :meth:`Session.push` runs), so nothing the file would refuse can be
accepted. Each reason is shown next to its field (plain text); OK stays disabled while
any is left. Accepting pushes the one change through the session (one undo command).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from monitor.model.changes import Change, ChangeError
from monitor.model.errors import visible
from monitor.model.schema import Invalid
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.timetext import minute_moment, typed_text

if TYPE_CHECKING:
    from monitor.ui.session import Session

ERROR_STYLE = "color: #b00020;"
_PLACE = re.compile(r"(^|; )(?:events|sources|factions|crossings|territory)\[\d+\]\.?")
GENERAL = ""  # the key of problems that belong to no single field
#: A reason is shown to at most this many characters (a value quoted from a file can be
#: 10,000 characters long: the dialog must not grow with it).
MAX_REASON = 300
#: Inputs: what Tab stops at (their insides, e.g. an editable combo's line, are not).
INPUTS = (
    QLineEdit,
    QComboBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
    QAbstractButton,
    QAbstractSpinBox,
)


def inputs_of(widget: QWidget) -> list[QWidget]:
    """The inputs of a form row's field, in the order its layouts show them."""
    if isinstance(widget, INPUTS):
        return [widget]
    out: list[QWidget] = []

    def walk(layout: QLayout) -> None:
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item.widget() is not None:
                out.extend(inputs_of(item.widget()))
            elif item.layout() is not None:
                walk(item.layout())

    if widget.layout() is not None:
        walk(widget.layout())
    return out


def bound_width(widget: QWidget) -> None:
    """Keep text from the file from widening the dialog: combos size to a few characters
    (their text is elided), long or wrapped labels may be narrower than their text (they
    wrap or clip); short hints keep their width."""
    for w in [widget, *widget.findChildren(QWidget)]:
        if isinstance(w, QComboBox):
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(16)
        elif isinstance(w, QLabel) and (w.wordWrap() or len(w.text()) > 60):
            policy = w.sizePolicy()
            policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
            w.setSizePolicy(policy)


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def shown_name(text: str, limit: int = 48) -> str:
    """A name from the file as part of a longer text: on one line, at most ``limit``
    characters, bidi-isolated (its direction controls cannot reorder what follows)."""
    text = " ".join(str(text).split())
    return isolate_if_needed(text if len(text) <= limit else text[: limit - 1] + "…")


def time_width(edit: QLineEdit) -> int:
    """Wide enough for a time with seconds (a hint beside the field never squeezes it)."""
    return edit.fontMetrics().horizontalAdvance("2024-12-05 14:05:30") + 20


def time_row(edit: QLineEdit, tz: tzinfo) -> tuple[QWidget, QLabel, QPushButton]:
    """A time field's row: ``edit``, the hint saying which precision the text means, and a
    "Now" button typing the present minute; returns (the row, the hint, the button)."""
    hint = plain_label()
    hint.setObjectName("timeHint")
    hint.setStyleSheet("color: palette(mid);")
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    row.addWidget(hint)
    now = QPushButton("Now")
    now.setObjectName("timeNowButton")
    now.setToolTip("The present minute")
    now.clicked.connect(lambda: edit.setText(typed_text(minute_moment(datetime.now(UTC)), tz)))
    row.addWidget(now)
    return box, hint, now


def number_value(text: str) -> Any:
    """A typed number as the file would hold it (the text itself if it is not one: the
    contract's checker then says why)."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text, re.ASCII):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def first_word(text: str) -> str:
    """ "B — usually reliable" -> "B" (combo items carry their meaning after the code)."""
    parts = text.strip().split()
    return parts[0] if parts else ""


def _shown_reason(reason: str) -> str:
    """A reason as shown: control and bidi characters escaped, at most MAX_REASON long."""
    text = visible(reason)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


class CheckList(QListWidget):
    """Items with check boxes: ``(value, shown text)`` pairs, text shown isolated."""

    def __init__(self, items: Iterable[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.filter_edit: QLineEdit | None = None  # see with_filter()
        self.set_items(items)
        self.setMaximumHeight(110)

    def set_items(self, items: Iterable[tuple[str, str]]) -> None:
        self.clear()
        for value, shown in items:
            item = QListWidgetItem(isolate_if_needed(shown))
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)

    def values(self) -> list[str]:
        """The ticked values, in list order."""
        out = []
        for i in range(self.count()):
            item = self.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def all_values(self) -> list[str]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]

    def set_checked(self, values: Iterable[str]) -> None:
        chosen = set(values)
        for i in range(self.count()):
            item = self.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in chosen
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def with_filter(check_list: CheckList, what: str = "sources") -> QWidget:
    """``check_list`` under a filter field (shown when the list is long): typing hides the
    items whose text does not contain it (ticked ones stay)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    edit = QLineEdit(box)
    edit.setObjectName("checkListFilter")
    edit.setPlaceholderText(f"filter {what}")
    edit.setAccessibleName(f"Filter {what}")
    edit.setClearButtonEnabled(True)
    edit.setVisible(check_list.count() > 8)

    def apply(text: str) -> None:
        needle = text.casefold().strip()
        for i in range(check_list.count()):
            item = check_list.item(i)
            keep = not needle or needle in item.text().casefold()
            item.setHidden(not keep and item.checkState() != Qt.CheckState.Checked)

    edit.textChanged.connect(apply)
    layout.addWidget(edit)
    layout.addWidget(check_list)
    check_list.filter_edit = edit
    return box


class FormDialog(QDialog):
    """Subclasses build rows with :meth:`add_row`, call :meth:`watch` on their inputs and
    implement :meth:`collect` (-> the entity's JSON, or None) and :meth:`make_change`.

    ``problems`` maps a field name to why its value is refused (``""``: the whole entity);
    ``change`` is the change OK would push (None: invalid, or nothing changed);
    ``pushed`` the change pushed on accept."""

    #: JSON paths (after the entity's own place, e.g. "location.lat") -> field name, for
    #: reasons that come back from the change log check.
    PATHS: ClassVar[dict[str, str]] = {}

    def __init__(self, title: str, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._session = session
        self.problems: dict[str, str] = {}
        self.change: Change | None = None
        self.pushed: Change | None = None
        self._errors: dict[str, QLabel] = {}
        self._inputs: dict[str, list[QWidget]] = {}
        self._building = True
        # A dialog edits the scenario it was opened on: another one opened closes it.
        session.ctx.scenario_replaced.connect(self.reject)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.general_error = plain_label()
        self.general_error.setObjectName("generalError")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        bound_width(self.general_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

    # -- building ----------------------------------------------------------------------
    def add_row(self, name: str, label: str, field: QWidget) -> QLabel:
        """A labelled row with a (hidden) reason under the field; returns the reason label."""
        box = QWidget(self)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(1)
        inner.addWidget(field)
        error = plain_label(parent=box)
        error.setObjectName(f"{name}Error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        inner.addWidget(error)
        row_label = plain_label(label, self)
        self.form.addRow(row_label, box)
        self._errors[name] = error
        # Every input has an accessible name (a screen reader says it; tests find it by it).
        inputs = inputs_of(field)
        self._inputs[name] = inputs
        unnamed = [
            w
            for w in inputs
            if not w.accessibleName() and not (isinstance(w, QAbstractButton) and w.text())
        ]
        for i, w in enumerate(unnamed):
            hint = w.placeholderText() if isinstance(w, QLineEdit) else ""
            if i == 0 or not label:
                w.setAccessibleName(label or hint)
            else:
                w.setAccessibleName(f"{label}: {hint}" if hint else f"{label} {i + 1}")
            line = w.lineEdit() if isinstance(w, QComboBox) else None
            if line is not None and not line.accessibleName():
                line.setAccessibleName(w.accessibleName())  # (an editable combo's text)
        if inputs:
            row_label.setBuddy(inputs[0])
        bound_width(box)
        return error

    def watch(self, *widgets: QWidget) -> None:
        """Check the form again whenever one of these inputs changes."""
        for w in widgets:
            if isinstance(w, (QLineEdit, QPlainTextEdit)):
                w.textChanged.connect(self.revalidate)
            elif isinstance(w, QComboBox):
                w.currentTextChanged.connect(self.revalidate)
            elif isinstance(w, QListWidget):
                w.itemChanged.connect(self.revalidate)
            elif hasattr(w, "toggled"):
                w.toggled.connect(self.revalidate)

    def finish(self) -> None:
        """Call at the end of the subclass's constructor: first check, then live checks;
        Tab goes down the form's rows, then to OK and Cancel; the first field to fill (the
        first one refused, else the first editable one) has the focus."""
        self._building = False
        self.revalidate()
        chain = [w for ws in self._inputs.values() for w in ws]
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        chain += [self.ok_button, cancel]
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)
        refused = [ws[0] for n, ws in self._inputs.items() if ws and n in self.problems]
        editable = [
            w
            for ws in self._inputs.values()
            for w in ws
            if w.isEnabled() and not (isinstance(w, QLineEdit) and w.isReadOnly())
        ]
        first = (refused or editable or [self.ok_button])[0]
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- to implement --------------------------------------------------------------------
    def collect(self) -> Any:
        """The entity's JSON from the widgets, each value checked (see :meth:`check`)."""
        raise NotImplementedError

    def make_change(self, after: Any) -> Change | None:
        """The change from the entity as it is to ``after`` (None: nothing changed)."""
        raise NotImplementedError

    # -- checking ------------------------------------------------------------------------
    def check(self, name: str, checker: Callable[[Any], Any], value: Any) -> Any:
        """``checker(value)``, or None with the reason recorded against field ``name``."""
        try:
            return checker(value)
        except (Invalid, ValueError) as exc:
            self.refuse(name, str(exc))
            return None

    def refuse(self, name: str, reason: str) -> None:
        self.problems.setdefault(name, reason)

    def _field_of(self, message: str) -> str:
        for path in sorted(self.PATHS, key=len, reverse=True):
            if re.search(r"\]\." + re.escape(path) + r"(\[\d+\])?:", message):
                return self.PATHS[path]
        return GENERAL

    def revalidate(self, *_args: object) -> None:
        if self._building:
            return
        self.problems = {}
        self.change = None
        after = self.collect()
        if not self.problems:
            try:
                change = self.make_change(after)
                if change is not None:
                    self._session.log.check(change)  # the rules Session.push applies
                self.change = change
            except ChangeError as exc:
                text = str(exc).removeprefix("refused by the scenario rules: ")
                # "events[0].location: ..." -> "location: ..." (the entity is this one)
                shown = _PLACE.sub(r"\1", text)
                self.refuse(self._field_of(text), shown)
        self._show_problems()

    def _show_problems(self) -> None:
        for name, label in self._errors.items():
            reason = _shown_reason(self.problems.get(name, ""))
            label.setText(reason)
            label.setVisible(bool(reason))
            for w in self._inputs.get(name, ())[:1]:
                w.setAccessibleDescription(reason)  # (said with the field's name)
        general = _shown_reason(self.problems.get(GENERAL, ""))
        self.general_error.setText(general)
        self.general_error.setVisible(bool(general))
        self.ok_button.setEnabled(not self.problems)
        self.ok_button.setToolTip("" if not self.problems else "Some values are refused: see why")

    @property
    def valid(self) -> bool:
        return not self.problems

    def reason(self, name: str) -> str:
        """What the dialog shows next to field ``name`` ("" if nothing)."""
        label = self._errors.get(name, self.general_error if name == GENERAL else None)
        return label.text() if label is not None and not label.isHidden() else ""

    # -- accepting -----------------------------------------------------------------------
    def accept(self) -> None:
        self.revalidate()
        if self.problems:
            return
        if self.change is not None:
            try:
                self._session.push(self.change)
            except ChangeError as exc:
                self.refuse(GENERAL, str(exc))
                self._show_problems()
                return
            self.pushed = self.change
        super().accept()
