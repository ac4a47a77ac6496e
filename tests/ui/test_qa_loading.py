"""Opening a big file in the background: the load's end is never handled inside a progress
update (a modal QProgressDialog's setValue ran the event loop: the window swapped scenarios
and deleted the dialog under the update, a crash), and no loader thread outlives its window."""

from __future__ import annotations

import json
import time

from monitor.model.storage import FileStorage
from monitor.ui import MainWindow
from monitor.ui.loader import ScenarioLoader


def _copy(tmp_path, small_path, title="Slow scenario"):
    doc = json.loads(small_path.read_text(encoding="utf-8"))
    doc["scenario"]["title"] = title
    p = tmp_path / "slow.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def _slow_load(seconds: float, steps: int = 40):
    real = FileStorage.load

    def load(self, progress=None, cancelled=None):
        for i in range(steps):
            time.sleep(seconds / steps)
            if cancelled is not None and cancelled():
                from monitor.model.storage import LoadCancelled

                raise LoadCancelled()
            if progress is not None:
                progress(i / steps, "Reading")
        scenario = real(self)
        if progress is not None:
            progress(1.0, "Reading")  # the last update comes right before the result
        return scenario

    return load


def test_the_end_of_a_load_is_not_handled_inside_a_progress_update(
    qtbot, tmp_path, small_path, monkeypatch
):
    inside = []
    real_progress = ScenarioLoader._on_worker_progress

    def tracked(self, fraction, message):
        inside.append(True)
        try:
            real_progress(self, fraction, message)
        finally:
            inside.pop()

    monkeypatch.setattr(ScenarioLoader, "_on_worker_progress", tracked)
    monkeypatch.setattr(FileStorage, "load", _slow_load(1.0))
    path = _copy(tmp_path, small_path)
    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.show()
    ends = []
    shown = []
    window.open_finished.connect(lambda ok: ends.append((ok, bool(inside))))
    with qtbot.waitSignal(window.open_finished, timeout=20000) as blocker:
        assert window.open_file(path, background=True)
        dialog = window.files.progress_dialog
        qtbot.waitUntil(lambda: dialog.isVisible(), timeout=5000)  # the user sees the bar
        shown.append(dialog.labelText())
    assert blocker.args == [True]
    assert ends == [(True, False)]  # not inside a progress update
    assert "slow.json" in shown[0]
    assert window.ctx.scenario.info.title == "Slow scenario"
    assert window.files.progress_dialog is None and window.files.loader is None
    qtbot.wait(50)
    assert not any(
        w.isVisible() for w in window.findChildren(type(dialog))
    )  # the bar is gone


def test_closing_the_window_during_a_load_ends_its_thread(qtbot, tmp_path, small_path, monkeypatch):
    monkeypatch.setattr(FileStorage, "load", _slow_load(3.0))
    path = _copy(tmp_path, small_path)
    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(path, background=True)
    loader = window.files.loader
    qtbot.wait(100)
    assert loader.running()
    window.close()
    assert not loader.running()  # waited for: no thread outlives the window
    assert window.ctx.scenario.info.title == "Small test scenario"


def test_a_second_open_while_one_loads_cancels_the_first_and_keeps_it_until_its_thread_ends(
    qtbot, tmp_path, small_path, monkeypatch
):
    monkeypatch.setattr(FileStorage, "load", _slow_load(0.6))
    first = _copy(tmp_path, small_path, "First")
    second_dir = tmp_path / "b"
    second_dir.mkdir()
    second = _copy(second_dir, small_path, "Second")
    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.show()
    results = []
    window.open_finished.connect(results.append)
    assert window.open_file(first, background=True)
    old = window.files.loader
    with qtbot.waitSignal(window.open_finished, timeout=20000, check_params_cb=bool):
        assert window.open_file(second, background=True)
    assert results == [False, True]
    assert window.ctx.scenario.info.title == "Second"
    old.wait(5000)
    assert not old.running()


def test_a_pdf_export_ends_outside_its_progress_updates(qtbot, tmp_path, small_path, monkeypatch):
    """The PDF export's progress dialog had the same fault: its end ran inside setValue."""
    import inspect

    from monitor.briefing import layout

    real = layout.Renderer.render

    def slow_render(self):
        for i in range(30):  # long enough for the dialog to show, updates all along
            time.sleep(0.03)
            if self.progress is not None:
                self.progress(i / 60, "Laying out")
        result = real(self)
        self.progress(0.99, "Done")  # then the thread says 100 %, succeeded, finished
        return result

    monkeypatch.setattr(layout.Renderer, "render", slow_render)
    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.show()
    actions = window.briefings
    out = tmp_path / "slow.pdf"
    job = actions.start_export(actions.briefing_document(), out, "briefing")
    frames = []
    job.finished.connect(lambda: frames.extend(f.filename for f in inspect.stack()))
    # The window is busy a moment at the last update but one: the thread's last update,
    # its result and its end are all waiting when the last update is handled.
    job.progressed.connect(lambda _v, m: time.sleep(0.3) if m == "Done" else None)
    dialog = actions.progress_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: actions.job is None, timeout=60_000)
    assert frames and not any(f.endswith("briefing_actions.py") for f in frames)
    assert out.exists() and "Wrote" in window.statusBar().currentMessage()
