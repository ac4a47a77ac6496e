"""What a new user hits at the window level (issue 16, part 2): the window fits the screen,
the keyboard reaches and leaves everything, the analyst is asked for a name once, a big file
shows progress at once, and the theme follows the system."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize

REPO = Path(__file__).resolve().parents[2]


def _window(qtbot, path):
    from monitor.ui import MainWindow

    w = MainWindow(path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


# -- the window fits the screen ------------------------------------------------------------
def test_fitted_size_takes_most_of_the_screen_up_to_a_cap():
    from monitor.ui.window_size import clamped, fitted_size

    assert fitted_size(QSize(1366, 768)) == QSize(1229, 691)
    assert fitted_size(QSize(911, 512)) == QSize(819, 460)  # 1366×768 at 150 %
    assert fitted_size(QSize(3840, 2160)) == QSize(1600, 1000)
    screen = QRect(0, 0, 800, 600)
    assert clamped(QRect(500, 400, 2000, 1500), screen) == screen
    assert clamped(QRect(100, 100, 300, 200), screen) == QRect(100, 100, 300, 200)
    assert clamped(QRect(700, 550, 300, 200), screen) == QRect(500, 400, 300, 200)


def test_new_window_fits_the_available_screen_area(qtbot, small_path):
    w = _window(qtbot, small_path)
    available = w.screen().availableGeometry()
    assert available.contains(w.frameGeometry()), (w.frameGeometry(), available)
    # Not a postage stamp either: about 90 % of the screen (the offscreen one is 800×800).
    assert w.width() >= 0.85 * available.width()
    # The panels no longer force a window wider than the screen (was 1516 px at least).
    assert w.minimumSizeHint().width() <= available.width()
    assert w.minimumSizeHint().height() <= available.height()


def test_restored_geometry_larger_than_the_screen_is_clamped(qtbot, small_path):
    first = _window(qtbot, small_path)
    first.resize(3000, 2000)
    first.move(400, 300)
    first.save_layout()
    first.close()
    w = _window(qtbot, small_path)
    available = w.screen().availableGeometry()
    qtbot.waitUntil(lambda: available.contains(w.frameGeometry()), timeout=2000)
    assert w.width() >= 0.85 * available.width()


_PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from monitor.ui import MainWindow
w = MainWindow(sys.argv[1])
w.show()
for _ in range(10):
    app.processEvents()
a = w.screen().availableGeometry()
f = w.frameGeometry()
print(json.dumps({"available": [a.x(), a.y(), a.width(), a.height()],
                  "frame": [f.x(), f.y(), f.width(), f.height()]}))
w.session.close(keep_journal=False)
"""


@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_window_fits_a_1366x768_screen_at_any_scale_factor(tmp_path, small_path, scale):
    """A 1366×768 screen (offscreen platform, screen from a config file) at 100/150/200 %."""
    screens = tmp_path / "screen.json"
    screens.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
                     "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
                ]
            }
        ),
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={screens}",
        QT_SCALE_FACTOR=scale,
        MONITOR_CONFIG_DIR=str(tmp_path / "config"),
    )
    r = subprocess.run(
        [sys.executable, "-c", _PROBE, str(small_path)],
        capture_output=True, text=True, env=env, timeout=120, cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    ax, ay, aw, ah = out["available"]
    fx, fy, fw, fh = out["frame"]
    assert round(aw * float(scale)) == 1366  # the scale factor did apply
    assert ax <= fx and ay <= fy and fx + fw <= ax + aw and fy + fh <= ay + ah, out
    assert fw >= 0.85 * aw
