"""What the window says, and keeps saying, about the safety of the analyst's changes.

One permanent label in the status bar (objectName ``protectionLabel``) tells, for as long as
it is true, that the file is open read-only or that changes are not protected because the
journal cannot be written; the moment protection is lost a warning says so once (not at
every change), and when it comes back the status bar says that too. Text from the file
system (paths, OS messages) is shown as plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from monitor.model.errors import visible
from monitor.ui.session import Session


def protection_text(session: Session) -> str:
    """The standing notice for this session ("" when the file is writable and every change
    is in the journal)."""
    storage = session.storage
    parts = []
    if storage.read_only and getattr(storage, "kind", "file") == "team":
        reason = str(storage.read_only).removeprefix("read-only: ")  # a reader: no edits at all
        parts.append(f"Read-only: {reason}")
    elif storage.read_only:
        parts.append(f"Read-only: {storage.read_only}. Save As to keep your changes")
    if session.journal_error:
        parts.append(
            f"Changes not protected: the journal cannot be written ({session.journal_error})"
        )
    return " · ".join(parts)


def unsaved_whereabouts(session: Session) -> str:
    """Where unsaved edits are, said truthfully (for a failed save)."""
    if session.protected:
        return "Your edits are still here, and in the recovery journal."
    return (
        "Your edits are still here, but NOT in the recovery journal "
        f"({session.journal_error}): save them elsewhere (Save As) before closing."
    )


class SessionNotices(QObject):
    """Keeps ``window``'s status bar and warnings true to ``session``'s state."""

    def __init__(self, window: QMainWindow, session: Session):
        super().__init__(window)
        self._window = window
        self._session = session
        self.label = QLabel(window)
        self.label.setObjectName("protectionLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setStyleSheet(
            "QLabel { color: palette(bright-text); background: #b03a2e; padding: 0 6px; }"
        )
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        self.last_warning: QMessageBox | None = None
        self._was_protected = True
        session.protection_changed.connect(self._on_protection_changed)
        self.refresh()

    def refresh(self) -> None:
        text = protection_text(self._session)
        self.label.setText(visible(text))
        self.label.setToolTip(visible(text))
        self.label.setVisible(bool(text))

    def _on_protection_changed(self, error: str) -> None:
        self.refresh()
        if error and self._was_protected:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Changes are not protected",
                "The recovery journal cannot be written:\n"
                f"{visible(error)}\n\n"
                "Your edits are kept in this window, but a crash now would lose the ones made "
                "since. Free some space or fix the folder, or save (Save As) elsewhere.",
                QMessageBox.StandardButton.Ok,
                self._window,
            )
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.last_warning = box
            box.open()
        elif not error and not self._was_protected:
            self._window.statusBar().showMessage(
                "The journal works again: every unsaved change is protected", 8000
            )
        self._was_protected = not error
