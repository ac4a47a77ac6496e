"""Analyst identity and preferences, stored with QSettings."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from monitor.ui.settings import settings


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # containers without a passwd entry
        return "analyst"


@dataclass
class Preferences:
    analyst: str
    default_note: str = ""
    hide_future: bool = False
    marking: str = "UNCLASSIFIED"
    page_size: str = "A4"
    large_file_mb: int = 200
    #: False while ``analyst`` is only the login name (never confirmed by the analyst): the
    #: first change they record asks for their name (:mod:`monitor.ui.analyst`).
    analyst_chosen: bool = True

    @classmethod
    def load(cls) -> Preferences:
        s = settings()
        stored = str(s.value("prefs/analyst", "") or "").strip()
        return cls(
            analyst=stored or _login(),
            analyst_chosen=bool(stored),
            default_note=str(s.value("prefs/default_note", "") or ""),
            hide_future=str(s.value("prefs/hide_future", "false")).lower() == "true",
            marking=str(s.value("prefs/marking", "UNCLASSIFIED") or "UNCLASSIFIED"),
            page_size=str(s.value("prefs/page_size", "A4") or "A4"),
            large_file_mb=int(s.value("prefs/large_file_mb", 200) or 200),
        )

    def store(self) -> None:
        s = settings()
        if self.analyst_chosen:  # (the login name is not stored as if it were chosen)
            s.setValue("prefs/analyst", self.analyst)
        s.setValue("prefs/default_note", self.default_note)
        s.setValue("prefs/hide_future", "true" if self.hide_future else "false")
        s.setValue("prefs/marking", self.marking)
        s.setValue("prefs/page_size", self.page_size)
        s.setValue("prefs/large_file_mb", self.large_file_mb)
        s.sync()


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        self.analyst_edit = QLineEdit(prefs.analyst)
        self.analyst_edit.setToolTip("Written as 'by' on every status change you record")
        self.note_edit = QLineEdit(prefs.default_note)
        self.note_edit.setPlaceholderText("e.g. per Rudaw")
        self.note_edit.setToolTip(
            "Note given to a status change when you toggle without typing one"
        )
        self.future_combo = QComboBox()
        self.future_combo.addItems(["Dim them", "Hide them"])
        self.future_combo.setCurrentIndex(1 if prefs.hide_future else 0)
        self.marking_edit = QLineEdit(prefs.marking)
        self.marking_edit.setToolTip(
            "Handling marking printed in every briefing page header and footer"
        )
        self.page_combo = QComboBox()
        self.page_combo.addItems(["A4", "Letter"])
        self.page_combo.setCurrentText(prefs.page_size)
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(1, 100_000)
        self.limit_spin.setSuffix(" MB")
        self.limit_spin.setValue(prefs.large_file_mb)
        self.limit_spin.setToolTip("Ask before opening scenario files larger than this")
        form = QFormLayout(self)
        form.addRow("Analyst name:", self.analyst_edit)
        form.addRow("Default note:", self.note_edit)
        form.addRow("Events after the 'as of' time:", self.future_combo)
        form.addRow("Briefing marking:", self.marking_edit)
        form.addRow("Briefing page size:", self.page_combo)
        form.addRow("Ask before opening files over:", self.limit_spin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def preferences(self) -> Preferences:
        return Preferences(
            analyst=self.analyst_edit.text().strip() or _login(),
            default_note=self.note_edit.text().strip(),
            hide_future=self.future_combo.currentIndex() == 1,
            marking=self.marking_edit.text().strip() or "UNCLASSIFIED",
            page_size=self.page_combo.currentText(),
            large_file_mb=self.limit_spin.value(),
        )
