"""The domain model stays pure Python: no Qt, and pandas only when a frame is asked for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data" / "small.json"
GUI_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def run_python(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON object as its last line."""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _loaded(prefixes: tuple[str, ...]) -> str:
    return "sorted(m for m in sys.modules if m.split('.')[0] in " + repr(prefixes) + ")"


def test_model_never_imports_qt_or_pyqtgraph() -> None:
    code = f"""
import json, sys
import monitor.model
from monitor.model import load_scenario
from monitor.model.frames import filter_events, territory_frame
from monitor.model.timeutil import military_dtg
s = load_scenario({str(DATA)!r})
frame = s.events_frame()
filter_events(frame, "rebels")
territory_frame(s)
military_dtg(s.events[1].time)
s.crossings[0].status_at(s.events[1].time.instant)
print(json.dumps({{"gui": {_loaded(GUI_MODULES)}, "rows": len(frame)}}))
"""
    result = run_python(code)
    assert result["rows"] == 4  # the work above really ran
    assert result["gui"] == [], f"the model pulled in GUI modules: {result['gui']}"


def test_importing_the_model_does_not_import_pandas() -> None:
    code = f"""
import json, sys
import monitor.model
from monitor.model import load_scenario, save_scenario, ScenarioError
before = {_loaded(("pandas", "numpy", "pyarrow"))}
s = load_scenario({str(DATA)!r})
after_load = {_loaded(("pyarrow",))}
print(json.dumps({{"before": before, "after_load": bool(after_load)}}))
"""
    result = run_python(code)
    assert result["before"] == [], f"importing monitor.model imported {result['before']}"
    # The events are columns (pyarrow, numpy) for every file: they come with the first load.
    assert result["after_load"], (
        "loading should import pyarrow (check the test still tests something)"
    )


def test_every_module_imports_without_an_application() -> None:
    """A script may import any part of the package before it makes its QApplication:
    nothing Qt needs the application for (a standard key, a font, a pixmap) is made at
    import time. (``editing.actions`` made ``QKeySequence(StandardKey.New)`` at import and
    the interpreter died of a segmentation fault.)"""
    src = Path(__file__).resolve().parents[1] / "src"
    names = sorted(
        ".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        for p in (src / "monitor").rglob("*.py")
        if p.name != "__main__.py"
    )
    code = f"""
import importlib, json, sys
for name in {names!r}:
    importlib.import_module(name)
print(json.dumps({{"imported": len({names!r}), "app": "PySide6.QtWidgets" in sys.modules
    and __import__("PySide6.QtWidgets").QtWidgets.QApplication.instance() is not None}}))
"""
    result = run_python(code)
    assert result == {"imported": len(names), "app": False}


def test_the_launch_imports_the_pure_layers_without_qt() -> None:
    """``monitor PATH`` imports pandas, the model and the interchange before PySide6 (every
    import after PySide6's import hook is slower); that step itself must not pull Qt in."""
    code = f"""
import json, sys
from monitor.preload import import_pure_layers
count = import_pure_layers()
print(json.dumps({{"count": count, "gui": {_loaded(GUI_MODULES)},
    "frame": "monitor.model.frames" in sys.modules, "pandas": "pandas" in sys.modules}}))
"""
    result = run_python(code)
    assert result["gui"] == []
    assert result["frame"] and result["pandas"]
    assert result["count"] >= 30
