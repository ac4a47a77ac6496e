"""Who records a change: the analyst is asked for their name once, on the first change.

Until then the name is the operating-system login (``root`` on many machines), which is
not who made a change. :class:`AnalystGate` asks before the first change is recorded
(:meth:`AnalystGate.ask_analyst_name`, patched by tests), keeps the answer in the
preferences and never asks again; Edit → Preferences changes it later.

The gate sits in front of the session's ``push`` (every change passes there) and of the
preferences the crossing actions read (a status entry carries its author in ``by``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog, QLineEdit

from monitor.model.changes import STATUS, Change
from monitor.ui.preferences import Preferences

if TYPE_CHECKING:
    from monitor.ui.main_window import MainWindow

#: Platforms where nobody can answer a dialog (scripted runs, benchmarks): the login stays.
HEADLESS_PLATFORMS = ("offscreen", "minimal")


def restamped(change: Change, old: str, new: str) -> Change:
    """``change`` with the author ``old`` (the login, before the analyst named themself)
    replaced by ``new`` — its author and, for a status entry, its ``by``."""
    if old == new:
        return change
    after = change.after
    if change.entity == STATUS and isinstance(after, dict) and after.get("by") == old:
        change = replace(change, after={**after, "by": new})
    return change.stamped(new) if change.author in ("", old) else change


class AnalystGate(QObject):
    """Asks ``window``'s analyst for their name before the first change they record."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        session = window.session
        self._push = session.push
        session.push = self.push  # every caller (panels, actions, editing) comes through here

    def preferences(self) -> Preferences:
        """The window's preferences, with the analyst named (asked now if never asked)."""
        prefs = self._window.prefs
        if prefs.analyst_chosen:
            return prefs
        name = self.ask_analyst_name(prefs.analyst)
        if name is None:
            return prefs  # nobody to ask (headless): the login, and ask next time
        prefs.analyst = name.strip() or prefs.analyst
        prefs.analyst_chosen = True
        prefs.store()
        self._window.session.storage.user = prefs.analyst
        self._window.statusBar().showMessage(
            f"Changes are recorded as {prefs.analyst} (Edit → Preferences to change)", 6000
        )
        return prefs

    def push(self, change: Change) -> None:
        before = self._window.prefs.analyst
        prefs = self.preferences()
        self._push(restamped(change, before, prefs.analyst))

    def ask_analyst_name(self, default: str) -> str | None:
        """The analyst's name (``default`` if they just press Enter or close the dialog);
        None when no one can be asked."""
        if QGuiApplication.platformName() in HEADLESS_PLATFORMS:
            return None
        dialog = name_dialog(self._window, default)
        dialog.exec()
        return dialog.textValue() or default


def name_dialog(parent, default: str) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setObjectName("analystNameDialog")
    dialog.setWindowTitle("Your name")
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setLabelText(
        "Every change you record is signed with your name.\n"
        "Your name (Edit → Preferences changes it later):"
    )
    dialog.setTextValue(default)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    return dialog
