"""Creating the QApplication: names (for QSettings), fonts, icon, stylesheet."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from monitor import __version__
from monitor.paths import resource_path

ORGANIZATION = "SituationMonitor"
APPLICATION = "monitor"


def load_bundled_fonts() -> list[str]:
    """Register the OFL fonts shipped in resources/fonts (Arabic coverage on any machine)."""
    families: list[str] = []
    folder = resource_path("fonts")
    if folder.is_dir():
        for f in sorted(folder.glob("*.[ot]tf")):
            fid = QFontDatabase.addApplicationFont(str(f))
            if fid >= 0:
                families += QFontDatabase.applicationFontFamilies(fid)
    return families


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
