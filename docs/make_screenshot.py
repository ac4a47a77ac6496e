"""Render the README screenshot: the dashboard on the bundled scenario, offscreen.

    python docs/make_screenshot.py [OUT.png]

The window is shown at 1600x960 with the time cursor parked on 8 Dec 2024 (the day
Damascus fell) and Al-Qaim selected, so every panel has something to say.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep the user's real layout and recent files out of the picture.
os.environ["MONITOR_CONFIG_DIR"] = tempfile.mkdtemp(prefix="monitor-shot-")

REPO = Path(__file__).resolve().parents[1]


def main(out: str) -> int:
    from monitor.app import create_application
    from monitor.ui import MainWindow

    app = create_application()
    # Work on a copy so the shot never leaves a lock or journal beside the bundled file.
    tmp = Path(tempfile.mkdtemp(prefix="monitor-shot-data-")) / "iraq-syria-border-2024.json"
    tmp.write_bytes((REPO / "data" / "iraq-syria-border-2024.json").read_bytes())
    window = MainWindow(tmp)
    window.resize(1600, 960)
    window.show()
    app.processEvents()
    window.ctx.set_cursor(datetime(2024, 12, 8, 18, 0, tzinfo=timezone(timedelta(hours=3))))
    qaim = next(c.id for c in window.ctx.scenario.crossings if "Qaim" in c.name)
    window.ctx.select_crossing(qaim)
    damascus = next((e.id for e in window.ctx.scenario.events if "Damascus falls" in e.title), "")
    if damascus:
        window.ctx.select_event(damascus)
    for _ in range(5):
        app.processEvents()
    window.grab().save(out)
    print(out)
    window.session.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(REPO / "docs" / "screenshot.png")))
