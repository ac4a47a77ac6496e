"""The team notifications: what others' changes did to the picture, said once each.

A small dock (``teamNotificationsDock``) holding a list (``teamNotificationsList``), newest
first, one line per crossing whose status as of the cursor changed because of someone
else's change (who and when in the line). The dock shows itself, without taking the focus,
when the first line arrives; View → Team notifications shows or hides it. List items are
plain text (a crossing's name from the data is never read as markup).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem, QMainWindow

MAX_LINES = 500


class TeamNotifications(QDockWidget):
    """The dock; :meth:`add` one line; :meth:`texts` what it says (newest first)."""

    def __init__(self, window: QMainWindow):
        super().__init__("Team notifications", window)
        self.setObjectName("teamNotificationsDock")
        self.list = QListWidget(self)
        self.list.setObjectName("teamNotificationsList")
        self.list.setAccessibleName("Team notifications")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.setWidget(self.list)
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self._shown_once = False
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self)
        self.hide()

    def add(self, text: str, crossing_id: str = "") -> QListWidgetItem:
        item = QListWidgetItem(text)  # (when the change was made is in the text)
        item.setData(Qt.ItemDataRole.UserRole, crossing_id)
        item.setToolTip("")  # (the whole line is in the item)
        self.list.insertItem(0, item)
        while self.list.count() > MAX_LINES:
            self.list.takeItem(self.list.count() - 1)
        if not self._shown_once:
            self._shown_once = True
            self.show()  # once: an analyst who closes it is not pestered again
        return item

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def count(self) -> int:
        return self.list.count()
