"""Start-up: the window paints before the heavy libraries (pandas, pyqtgraph) are imported."""

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
    seen = []
    original = MainWindow.paintEvent
    def paint(self, event):
        if not seen:
            seen.append(("pandas" in sys.modules, "pyqtgraph" in sys.modules))
        original(self, event)
    MainWindow.paintEvent = paint
    app = create_application()
    w = MainWindow(sys.argv[1], defer_panels=True)
    w.show()
    app.exec()
    print(seen[0], w.feed_panel.count_label.text())
    """
)


def test_first_paint_comes_before_pandas_and_pyqtgraph(tmp_path, small_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MONITOR_EXIT_AFTER_FIRST_PAINT="1")
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(small_path)], capture_output=True, text=True,
                       timeout=120, env=env, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "(False, False) 4 of 4 events" in r.stdout


def test_monitor_command_starts_and_paints(small_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MONITOR_EXIT_AFTER_FIRST_PAINT="1")
    r = subprocess.run([sys.executable, "-m", "monitor", str(small_path)], capture_output=True, text=True,
                       timeout=120, env=env, cwd=REPO)
    assert r.returncode == 0, r.stderr
