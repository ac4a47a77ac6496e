"""Run the real ``monitor PATH`` start-up and exit once the dashboard is usable.

    python benchmarks/startup_probe.py PATH

"Usable" is what the analyst waits for: the main window shown, the event feed, the
crossings table and the territory chart built with the scenario's data, and each of them
painted at least once. The probe runs ``monitor.cli.run([PATH])`` unchanged; it only
patches, as a test would, ``MainWindow.ensure_panels`` to watch the three panels' paint
events, then ends the process (``os._exit``) at the moment the last of them has painted,
printing the seconds since the interpreter started (from ``/proc/self/stat``) as JSON.
The benchmark times the whole process from outside; the printed figures break it down.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import sys
import time

T0 = time.perf_counter()


def _process_age_s() -> float:
    """Seconds since this process started (the interpreter's own start-up included)."""
    with open("/proc/self/stat", "rb") as fh:
        fields = fh.read().rsplit(b")", 1)[1].split()
    start_ticks = int(fields[19])
    with open("/proc/uptime", "rb") as fh:
        uptime = float(fh.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def watch_panels(main_window) -> None:
    """Patch ``MainWindow.ensure_panels`` (as a test would) to watch the panels paint."""
    from PySide6.QtCore import QEvent, QObject

    painted: set[str] = set()
    marks: dict[str, float] = {}

    class PaintWatch(QObject):
        def __init__(self, name: str, parent):
            super().__init__(parent)
            self.name = name
            self.panel = parent

        def eventFilter(self, obj, event):  # (a Qt override)
            # The panel's main view (a table's or the chart's viewport: most of its area)
            # has painted, not just a label in it.
            big = obj.width() * obj.height() >= 0.4 * self.panel.width() * self.panel.height()
            if event.type() == QEvent.Type.Paint and big and self.name not in painted:
                painted.add(self.name)
                marks[f"{self.name}_painted_s"] = time.perf_counter() - T0
                if len(painted) == 3:
                    marks["usable_s"] = time.perf_counter() - T0
                    marks["process_age_s"] = _process_age_s()
                    print(json.dumps(marks), flush=True)
                    os._exit(0)
            return False

    original = main_window.MainWindow.ensure_panels

    def ensure_panels(self) -> None:
        fresh = not self._panels
        original(self)
        if fresh and self._panels:
            marks["panels_built_s"] = time.perf_counter() - T0
            for name, panel in self._panels.items():
                if name in ("feed", "crossings", "territory"):
                    watch = PaintWatch(name, panel)
                    for widget in [panel, *panel.findChildren(QObject)]:
                        if getattr(widget, "isWidgetType", lambda: False)():
                            widget.installEventFilter(watch)

    main_window.MainWindow.ensure_panels = ensure_panels


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches ``monitor.ui.main_window`` when the app itself imports it: the probe must
    not import anything earlier than ``monitor PATH`` does (the app imports its pure
    layers before Qt, see ``monitor.preload``; importing the window first would undo that)."""

    NAME = "monitor.ui.main_window"

    def find_spec(self, fullname, path, target=None):
        if fullname != self.NAME:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            watch_panels(module)

        loader.exec_module = exec_and_patch
        return spec


def main(path: str) -> None:
    sys.meta_path.insert(0, _PatchOnImport())
    from monitor.cli import run

    sys.exit(run([path]))


if __name__ == "__main__":
    main(sys.argv[1])
