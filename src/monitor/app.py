"""Creating the QApplication: names (for QSettings), fonts, icon, stylesheet; and opening a
big file from the command line with its progress shown at once (:func:`run_with_progress`)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

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


#: From this size ``monitor PATH`` shows a loading window at once and reads the file in a
#: thread (the size at which File → Open loads in the background too).
BACKGROUND_OPEN_BYTES = 5_000_000


def loads_in_background(path: Path) -> bool:
    try:
        return path.stat().st_size > BACKGROUND_OPEN_BYTES
    except OSError:
        return False  # the ordinary load words the problem


def run_with_progress(path: Path) -> int:
    """``monitor BIG.json``: a window with a progress bar at once, the file read in a
    thread, then the dashboard in its place. Exit codes as for a file loaded first: 1 for an
    invalid scenario, 2 for an unreadable file (the problems on stderr), 0 if cancelled."""
    from monitor.ui.loader import LoadingWindow
    from monitor.ui.preferences import Preferences

    app = create_application(sys.argv[:1])
    loading = LoadingWindow(path, Preferences.load().analyst)
    kept: list[QWidget] = []

    def on_loaded(scenario: object, storage: object) -> None:
        from monitor.ui.main_window import MainWindow

        window = MainWindow(path, scenario=scenario, storage=storage, defer_panels=True)
        kept.append(window)
        window.show()
        loading.close()

    def on_failed(exc) -> None:
        print(f"monitor: {exc.describe()}", file=sys.stderr)
        app.exit(2 if exc.unreadable else 1)

    loading.loaded.connect(on_loaded)
    loading.failed.connect(on_failed)
    loading.cancelled.connect(lambda: app.exit(0))
    loading.show()
    loading.start()
    code = app.exec()
    loading.loader.wait()
    return code
