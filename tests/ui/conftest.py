"""UI test fixtures: no test may block on a modal dialog."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

Button = QMessageBox.StandardButton


@pytest.fixture(autouse=True)
def _no_blocking_dialogs():
    """Windows closed at teardown with unsaved edits discard them instead of asking; tests
    that exercise the prompts patch these again.

    A MonkeyPatch of its own, undone after every other fixture (the windows are closed by
    then): a test's ``monkeypatch.undo()`` cannot bring a blocking dialog back.
    """
    from monitor.ui.file_actions import FileActions

    patch = pytest.MonkeyPatch()
    patch.setattr(FileActions, "ask_unsaved_changes", lambda self: Button.Discard)
    patch.setattr(FileActions, "ask_recovery", lambda self, recovery: False)
    patch.setattr(FileActions, "ask_overwrite_newer", lambda self: Button.Cancel)
    patch.setattr(QMessageBox, "exec", lambda self: Button.Cancel)
    yield
    patch.undo()


@pytest.fixture
def window(qtbot, small_path):
    """The window on a private copy of small.json, shown, with the analyst named
    "Analyst One" (the author of every change it records)."""
    from monitor.ui import MainWindow
    from monitor.ui.settings import settings

    s = settings()
    s.setValue("prefs/analyst", "Analyst One")
    s.sync()
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture(scope="session")
def make_generated(tmp_path_factory):
    """Make a scenario with the benchmarks' generator: ``make(name, events, crossings,
    entries_per_crossing)`` -> its path."""
    repo = Path(__file__).resolve().parents[2]

    def make(name: str, events: int, crossings: int, entries: int) -> Path:
        sys.path.insert(0, str(repo / "benchmarks"))
        try:
            import generate
        finally:
            sys.path.remove(str(repo / "benchmarks"))
        mp = pytest.MonkeyPatch()
        mp.setitem(generate.SIZES, name, (events, crossings, entries))
        try:
            return generate.write_scenario(name, tmp_path_factory.mktemp(name) / f"{name}.json")
        finally:
            mp.undo()

    return make


@pytest.fixture(scope="module")
def scenario_8k(make_generated) -> Path:
    """A generated scenario of 8,000 events (5 crossings x 20 entries)."""
    return make_generated("8k", 8_000, 5, 20)


@pytest.fixture
def open_window(qtbot):
    """Open a scenario file in a real main window, shown (1400 x 900) and exposed."""

    def open_(path: Path):
        from monitor.ui import MainWindow

        w = MainWindow(path)
        qtbot.addWidget(w)
        w.resize(1400, 900)
        w.show()
        qtbot.waitExposed(w)
        return w

    return open_
