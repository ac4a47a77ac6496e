"""Windows that close at once: nothing scheduled by a window runs after it is gone."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent

from monitor.ui import MainWindow


def _delete_now(widget) -> None:
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def test_a_window_closed_and_deleted_at_once_runs_none_of_its_timers(qtbot, small_path):
    # Deferred panels (as `monitor BIG.json` builds them), the check of other writers right
    # after opening, the clamp to the screen after the first show: all scheduled, then the
    # window is gone before the event loop runs.
    window = MainWindow(small_path, defer_panels=True)
    window.show()
    _delete_now(window)
    qtbot.wait(1300)  # an exception in a timer's slot fails the test (pytest-qt)


def test_a_second_window_opened_and_closed_while_the_first_stays(qtbot, small_path):
    first = MainWindow(small_path)
    qtbot.addWidget(first)
    first.show()
    second = MainWindow(small_path)
    second.show()
    _delete_now(second)
    qtbot.wait(300)
    first.ctx.select_crossing(first.ctx.scenario.crossings[0].id)
    assert first.toggle_selected_crossing()
    assert first.save()


def test_the_context_signals_reach_no_deleted_bar_or_panel(qtbot, small_path):
    """The shared context outlives a panel taken away (a toolbar or dock removed): its
    signals must not call into the deleted widgets."""
    from monitor.ui.cursor_bar import CursorBar
    from monitor.ui.history_panel import HistoryPanel

    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.show()
    ctx = window.ctx
    bar = CursorBar(ctx, window)
    panel = HistoryPanel(ctx, window.session.push, window)
    for widget in (bar, panel):
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    ctx.display_changed.emit()
    ctx.scenario_replaced.emit()
    qtbot.wait(50)
    assert window.cursor_bar.isVisible()  # the window's own bar still follows the context


def test_already_open_is_said_once_and_never_by_a_closed_window(qtbot, small_path, monkeypatch):
    warned = []
    monkeypatch.setattr(
        MainWindow, "show_warning", lambda self, title, text: warned.append((self, title))
    )
    first = MainWindow(small_path)
    qtbot.addWidget(first)
    first.show()
    second = MainWindow(small_path)  # a second window on the same file: told so
    qtbot.addWidget(second)
    second.files.after_open()  # (as a caller may, before the window's own scheduled check)
    second.show()
    qtbot.wait(100)
    assert warned == [(second, "File already open")]  # once, not twice
    third = MainWindow(small_path)
    third.close()  # closed before its check ran: no dialog pops up later
    qtbot.wait(100)
    assert [w for w, _title in warned if w is third] == []
    third.deleteLater()
