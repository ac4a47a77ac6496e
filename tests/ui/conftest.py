"""UI test fixtures: no test may block on a modal dialog."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def _no_blocking_dialogs(monkeypatch):
    """Windows closed at teardown with unsaved edits discard them instead of asking;
    tests that exercise the prompts patch these again."""
    from monitor.ui.file_actions import FileActions

    monkeypatch.setattr(
        FileActions, "ask_unsaved_changes", lambda self: QMessageBox.StandardButton.Discard
    )
    monkeypatch.setattr(FileActions, "ask_recovery", lambda self, recovery: False)
    monkeypatch.setattr(
        FileActions, "ask_overwrite_newer", lambda self: QMessageBox.StandardButton.Cancel
    )
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Cancel)
