"""Creating the QApplication: names (for QSettings), fonts, icon, stylesheet."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from monitor import __version__
from monitor.briefing.typeset import load_bundled_fonts  # (one copy, below the app layer)
from monitor.paths import resource_path

ORGANIZATION = "SituationMonitor"
APPLICATION = "monitor"


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or ["monitor"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Situation Monitor")
    app.setApplicationVersion(__version__)
    icon = resource_path("icons", "app.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    load_bundled_fonts()
    return app
