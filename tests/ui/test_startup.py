"""Start-up: the window paints before the chart library is imported, then builds its panels."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys
    from monitor.app import create_application
    from monitor.ui.main_window import MainWindow
    from PySide6.QtCore import QTimer
    seen = []
    original = MainWindow.paintEvent
    def paint(self, event):
        if not seen:  # the first paint: note what is imported, then end the event loop
            seen.append("pyqtgraph" in sys.modules)
            QTimer.singleShot(0, app.quit)
        original(self, event)
    MainWindow.paintEvent = paint
    app = create_application()
    w = MainWindow(sys.argv[1], defer_panels=True)
    w.show()
    app.exec()
    print(seen[0], w.feed_panel.count_label.text())
    """
)


# ``monitor PATH`` as the console script runs it, ended once the dashboard is usable: its
# three panels built and the window painted again with them.
COMMAND = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from monitor.ui.main_window import MainWindow
    original = MainWindow.ensure_panels
    done = []
    def ensure_panels(self):
        original(self)
        if not done:
            done.append(True)
            self.repaint()
            print("panels:", sorted(self._panels), self.feed_panel.count_label.text())
            QTimer.singleShot(0, QApplication.instance().quit)
    MainWindow.ensure_panels = ensure_panels
    from monitor.__main__ import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_first_paint_comes_before_the_chart_library(tmp_path, small_path):
    """The window paints with placeholders, then builds its panels: pyqtgraph (the chart's
    library, a third of a second to import) is not loaded before the first paint. (pandas
    is: the model's event table is column-wise for every file.)"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(small_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    assert "False 4 of 4 events" in r.stdout


def test_monitor_command_starts_and_paints(small_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run(
        [sys.executable, "-c", COMMAND, str(small_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    assert "panels: ['crossings', 'feed', 'map', 'territory'] 4 of 4 events" in r.stdout
