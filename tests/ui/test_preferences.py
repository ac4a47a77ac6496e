"""Preferences: analyst identity, default note, future-event mode, persisted with QSettings."""

from __future__ import annotations

from monitor.model import CrossingStatus
from monitor.ui import MainWindow
from monitor.ui.preferences import Preferences, PreferencesDialog


def test_dialog_values_persist_and_drive_the_window(qtbot, small_path, monkeypatch):
    dialog = PreferencesDialog(Preferences.load())
    qtbot.addWidget(dialog)
    dialog.analyst_edit.setText("R. Analyst")
    dialog.note_edit.setText("per wire report")
    dialog.future_combo.setCurrentIndex(1)  # hide
    dialog.marking_edit.setText("OFFICIAL-SENSITIVE")
    dialog.preferences().store()

    loaded = Preferences.load()
    assert (loaded.analyst, loaded.default_note, loaded.hide_future, loaded.marking) == (
        "R. Analyst",
        "per wire report",
        True,
        "OFFICIAL-SENSITIVE",
    )

    w = MainWindow(small_path)
    qtbot.addWidget(w)
    assert w.ctx.hide_future and w.hide_future_action.isChecked()
    assert w.set_crossing_status("qaim", CrossingStatus.OPEN)
    entry = w.ctx.scenario.crossing("qaim").history[-1]
    assert entry.by == "R. Analyst" and entry.note == "per wire report"
    assert w.briefing_options().marking == "OFFICIAL-SENSITIVE"
