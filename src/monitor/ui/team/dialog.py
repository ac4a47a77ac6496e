"""File → Connect to team store…: the connection string, and a password apart from it.

The password field is masked, starts empty and is never filled back in: what the dialog
is given to show (the last store, a recent one) is the display form without a password
(:func:`monitor.store.dsn.display_dsn`). A password typed in the dialog is added to the
connection string for libpq only (:func:`with_password`) and kept nowhere else.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from monitor.store.dsn import display_dsn, is_dsn

HELP = (
    "A PostgreSQL connection string: a URL such as postgresql://alice@db.example/team "
    "(add ?sslmode=verify-full and the other libpq settings as needed) or key=value "
    "settings such as service=team. The password may come from ~/.pgpass, PGPASSWORD or "
    "the field below; it is never stored or shown."
)


def with_password(dsn: str, password: str) -> str:
    """``dsn`` with ``password`` set (for libpq; never shown or stored)."""
    if not password:
        return dsn
    from psycopg.conninfo import make_conninfo  # (only when a store is being opened)

    return make_conninfo(dsn, password=password)


class ConnectDialog(QDialog):
    """Asks for a team store's connection string (``dsnEdit``) and a password
    (``passwordEdit``, masked). :meth:`dsn` is what to connect with."""

    def __init__(self, parent: QWidget | None = None, default: str = ""):
        super().__init__(parent)
        self.setObjectName("connectStoreDialog")
        self.setWindowTitle("Connect to team store")
        self.dsn_edit = QLineEdit(display_dsn(default) if default else "")
        self.dsn_edit.setObjectName("dsnEdit")
        self.dsn_edit.setPlaceholderText("postgresql://user@host/database  or  service=name")
        self.dsn_edit.setAccessibleName("Connection string")
        self.dsn_edit.setMinimumWidth(420)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        self.password_edit.setPlaceholderText("(from ~/.pgpass or PGPASSWORD if empty)")
        help_label = QLabel(HELP)
        help_label.setTextFormat(Qt.TextFormat.PlainText)
        help_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("connectError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("QLabel { color: #b03a2e; }")
        self.error_label.hide()
        self._chosen = ""
        form = QFormLayout()
        form.addRow("&Connection:", self.dsn_edit)
        form.addRow("&Password:", self.password_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(help_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def problem(self) -> str:
        text = self.dsn_edit.text().strip()
        if not text:
            return "Enter a connection string."
        if not is_dsn(text):
            return "Not a connection string: start with postgresql:// or a setting like service=…"
        return ""

    def _on_accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        try:
            self._chosen = self.dsn()
        except Exception as exc:  # (a string libpq cannot parse: say so, without the text)
            self.error_label.setText(f"Not a valid connection string ({type(exc).__name__})")
            self.error_label.show()
            return
        self.accept()

    def dsn(self) -> str:
        """What to connect with (the password added when one was typed)."""
        return with_password(self.dsn_edit.text().strip(), self.password_edit.text())

    def take(self) -> str:
        """The accepted connection string, once (then forgotten here)."""
        chosen, self._chosen = self._chosen, ""
        return chosen

    def done(self, result: int) -> None:
        super().done(result)
        self.password_edit.clear()  # not kept in the widget once the dialog is closed
