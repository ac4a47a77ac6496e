"""The dialogs of File → Import… and File → Export…: the import's review (the same
sections as ``monitor import --dry-run``) with Apply / Cancel, and the column mapping of a
generic CSV file. Feed text is shown as plain text, each item bidi-isolated."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from monitor.interchange import Review, review_lines
from monitor.interchange.formats import MAP_FIELDS, MAP_REQUIRED
from monitor.model.text import isolate_if_needed

#: The review's counts, in the order shown: (key of Review.counts(), label).
COUNTS = (
    ("new", "New events"),
    ("updated", "Updated"),
    ("unchanged", "Unchanged"),
    ("skipped", "Skipped"),
    ("rejected", "Rejected"),
    ("flagged_missing", "Flagged missing from the feed"),
    ("withdrawn", "Withdrawn by the feed"),
    ("new_sources", "New sources"),
)
SHOWN_LINES = 2000  # rows listed per section (the counts are always whole)
#: Column names preselected for a field (the first found), besides the field's own name.
LIKELY = {
    "time": ("date", "event_date", "datetime", "when", "timestamp_utc"),
    "title": ("headline", "name", "event"),
    "summary": ("notes", "description", "details"),
    "category": ("type", "event_type", "kind"),
    "location": ("place", "location_name", "where"),
    "lat": ("latitude", "y"),
    "lon": ("lng", "long", "longitude", "x"),
    "source": ("sources", "publisher", "outlet"),
}


def _plain(text: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(isolate_if_needed(text))
    return label


class ReviewDialog(QDialog):
    """What the import would do; Apply accepts (the caller applies), Cancel rejects.

    ``count_labels[key]`` are the numbers (objectNames ``review_<key>``), ``details`` the
    review's lines, ``apply_button`` the Apply button."""

    def __init__(self, review: Review, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("importReviewDialog")
        self.review = review
        self.setWindowTitle(f"Import {review.file}")
        layout = QVBoxLayout(self)
        head = _plain(
            f"{review.file} — {review.format.upper()} ({review.variant}); "
            f"SHA-256 {review.sha256[:16]}…",
            self,
        )
        head.setWordWrap(True)
        layout.addWidget(head)
        form = QFormLayout()
        counts = review.counts()
        self.count_labels: dict[str, QLabel] = {}
        for key, text in COUNTS:
            label = _plain(f"{counts[key]:,}", self)
            label.setObjectName(f"review_{key}")
            self.count_labels[key] = label
            form.addRow(text, label)
        layout.addLayout(form)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("reviewDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = review_lines(review, limit=SHOWN_LINES, dry_run=False)[2:]
        if lines and lines[0].startswith("  flagged missing"):  # (the counts above say it)
            lines = lines[1:]
        self.details.setPlainText(
            "\n".join(isolate_if_needed(x) for x in lines) or "Nothing else to report."
        )
        layout.addWidget(self.details, 1)
        note = (
            "Apply makes this import one change (Edit → Undo takes it back whole); the "
            "analyst's own edits are kept."
            if not review.empty
            else "Nothing in the scenario changes; Apply only records that the file was imported."
        )
        hint = _plain(note, self)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox(self)
        self.apply_button = buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setObjectName("applyImportButton")
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._hint, self._note = hint, note
        self.resize(640, 520)

    def set_ready(self, ready: bool) -> None:
        """Apply is enabled once the import's changes are made (in the background)."""
        self.apply_button.setEnabled(ready)
        self._hint.setText(self._note if ready else "Preparing the changes… (Apply is "
                           "enabled when they are ready)")

    @property
    def ready(self) -> bool:
        return self.apply_button.isEnabled()


class MappingDialog(QDialog):
    """Which column of a generic CSV file holds which event field (time and title needed)."""

    def __init__(self, file_name: str, columns: list[str], reason: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("importMappingDialog")
        self.setWindowTitle(f"Columns of {file_name}")
        layout = QVBoxLayout(self)
        if reason:
            why = _plain(reason, self)
            why.setWordWrap(True)
            layout.addWidget(why)
        layout.addWidget(_plain("Pick the column that holds each field:", self))
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        lowered = [c.casefold() for c in columns]
        for name in MAP_FIELDS:
            combo = QComboBox(self)
            combo.setObjectName(f"map_{name}")
            combo.addItem("(none)" if name not in MAP_REQUIRED else "(choose)", "")
            for c in columns:
                combo.addItem(isolate_if_needed(c), c)
            for guess in (name, *LIKELY.get(name, ())):  # a column named like it: preselected
                if guess in lowered:
                    combo.setCurrentIndex(lowered.index(guess) + 1)
                    break
            combo.currentIndexChanged.connect(self._check)
            self.combos[name] = combo
            form.addRow(name + (" *" if name in MAP_REQUIRED else ""), combo)
        layout.addLayout(form)
        self.problem = _plain("", self)
        self.problem.setObjectName("mappingProblem")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._check()

    def set_column(self, name: str, column: str) -> None:
        combo = self.combos[name]
        combo.setCurrentIndex(max(combo.findData(column), 0))

    def mapping(self) -> dict[str, str]:
        return {n: c.currentData() for n, c in self.combos.items() if c.currentData()}

    def problem_text(self) -> str:
        m = self.mapping()
        missing = [f for f in MAP_REQUIRED if f not in m]
        if missing:
            return f"Choose the column of {' and '.join(missing)}."
        if ("lat" in m) != ("lon" in m):
            return "Choose both lat and lon, or neither."
        return ""

    def _check(self, *_args: object) -> None:
        text = self.problem_text()
        self.problem.setText(text)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not text)


class ProgressDialog(QDialog):
    """The import's reading: a label, a bar and Cancel; window-modal, shown only if the
    work lasts more than ``delay_ms`` (a small file never flashes a dialog). Unlike
    QProgressDialog, updating it never runs the event loop (no re-entrant slots)."""

    canceled = Signal()

    def __init__(self, text: str, parent: QWidget | None = None, delay_ms: int = 300):
        super().__init__(parent)
        self.setObjectName("importProgress")
        self.setWindowTitle("Import")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        self.label = _plain(text, self)
        layout.addWidget(self.label)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 100)
        layout.addWidget(self.bar)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.rejected.connect(self.canceled)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.open)
        self._timer.start(delay_ms)
        self.resize(420, self.sizeHint().height())

    def set_progress(self, percent: int, text: str) -> None:
        self.bar.setValue(percent)
        self.label.setText(isolate_if_needed(text))

    def finish(self) -> None:
        """The work ended: close without saying Cancel."""
        self._timer.stop()
        self.rejected.disconnect(self.canceled)
        self.done(QDialog.DialogCode.Accepted)
        self.deleteLater()
