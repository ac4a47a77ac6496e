"""The crossings table's widths and columns as the analyst left them, kept in the settings
(``columns/crossings``) and brought back in the next session: the header's own state
(widths, hidden columns), and whether each came from the analyst or from the automatic
fit (which goes on following the dock for what the analyst did not set)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, QTimer
from PySide6.QtWidgets import QTableView

from monitor.ui.settings import settings

SETTINGS_KEY = "columns/crossings"


class RememberedHeader(QObject):
    """``save(user_sized, user_columns)`` (a moment later: a drag resizes many times),
    ``restore()`` -> (user_sized, user_columns), ``forget()``."""

    def __init__(self, view: QTableView, key: str = SETTINGS_KEY):
        super().__init__(view)
        self.view, self.key = view, key
        self._flags = (False, False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self._write)

    def save(self, user_sized: bool, user_columns: bool) -> None:
        self._flags = (user_sized, user_columns)
        self._timer.start()

    def _write(self) -> None:
        store = settings()
        store.setValue(f"{self.key}/state", self.view.horizontalHeader().saveState())
        store.setValue(f"{self.key}/sized", int(self._flags[0]))
        store.setValue(f"{self.key}/columns", int(self._flags[1]))
        store.sync()

    def restore(self) -> tuple[bool, bool]:
        store = settings()
        state = store.value(f"{self.key}/state", None)
        if not isinstance(state, QByteArray) or state.isEmpty():
            return False, False
        if not self.view.horizontalHeader().restoreState(state):
            return False, False
        return _flag(store.value(f"{self.key}/sized")), _flag(store.value(f"{self.key}/columns"))

    def forget(self) -> None:
        self._timer.stop()
        settings().remove(self.key)


def _flag(value: object) -> bool:
    try:
        return bool(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
