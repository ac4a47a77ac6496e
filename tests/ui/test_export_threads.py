"""The briefing export from the window at scale: the document is assembled, laid out,
painted and written off the GUI thread (from a snapshot of the scenario), with progress
and a Cancel that leaves no file."""

from __future__ import annotations

import subprocess
import threading
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QPushButton

BLUF = "The corridor stays shut to trade while the talks go on."


def pdf_text(path: Path, page: int | None = None) -> str:
    cmd = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        cmd += ["-f", str(page), "-l", str(page)]
    out = subprocess.run([*cmd, str(path), "-"], check=True, capture_output=True, text=True)
    return unicodedata.normalize("NFKC", out.stdout)


def page_count(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(next(ln.split()[-1] for ln in out.stdout.splitlines() if ln.startswith("Pages:")))


@pytest.fixture(scope="module")
def scenario_20k(make_generated) -> Path:
    """20,000 generated events (the benchmarks' generator, 20 crossings x 100 entries)."""
    return make_generated("20k", 20_000, 20, 100)


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path, scenario_20k):
    import shutil

    from monitor.ui import MainWindow
    from monitor.ui.file_actions import FileActions

    button = QMessageBox.StandardButton
    monkeypatch.setattr(FileActions, "ask_unsaved_changes", lambda self: button.Discard)
    monkeypatch.setattr(FileActions, "ask_recovery", lambda self, recovery: False)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: button.Cancel)
    path = tmp_path / "scenario.json"
    shutil.copy(scenario_20k, path)
    w = MainWindow(path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.briefings.set_key_judgements(BLUF)
    return w


def _start(window, monkeypatch, out: Path):
    from monitor.ui.briefing_actions import BriefingChoices

    actions = window.briefings
    monkeypatch.setattr(actions, "ask_briefing_choices", lambda result: BriefingChoices())
    monkeypatch.setattr(actions, "ask_pdf_path", lambda suggested: str(out))
    window.export_briefing_action.trigger()
    return actions


def _watch_builds(monkeypatch, gate: threading.Event | None = None) -> list[threading.Thread]:
    """Record the thread each briefing is assembled in (and hold it until ``gate``)."""
    from monitor.briefing import documents

    threads: list[threading.Thread] = []
    real = documents.briefing_document

    def build(*args, **kwargs):
        threads.append(threading.current_thread())
        if gate is not None:
            assert gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "briefing_document", build)
    return threads


def test_the_briefing_is_assembled_off_the_gui_thread_while_the_window_keeps_turning(
    window, qtbot, monkeypatch, tmp_path
):
    from monitor.ui.briefing_actions import BriefingChoices

    # The same briefing made in one go on the GUI thread, to compare with (not recorded).
    same = window.briefings.export_briefing(tmp_path / "direct.pdf", BriefingChoices())
    threads = _watch_builds(monkeypatch)
    ticks: list[bool] = []  # (each tick: was the progress dialog showing)
    actions = window.briefings
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(
        lambda: ticks.append(bool(actions.progress_dialog and actions.progress_dialog.isVisible()))
    )
    timer.start()
    out = tmp_path / "briefing.pdf"
    _start(window, monkeypatch, out)
    # The action returned at once: the job runs (its progress dialog shows after a moment).
    assert actions.job is not None and actions.job.isRunning()
    seen_labels: list[str] = []
    actions.job.progressed.connect(lambda _v, m: seen_labels.append(m))
    qtbot.waitUntil(lambda: actions.job is None, timeout=120_000)
    timer.stop()
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert len(ticks) >= 5, f"the GUI thread turned only {len(ticks)} times during the export"
    assert any(ticks), "the progress dialog never showed"
    assert seen_labels, "no progress was reported"
    assert out.exists()
    first = pdf_text(out, 1)
    assert "Bottom line" in first and BLUF in " ".join(first.split())
    assert "Wrote" in window.statusBar().currentMessage()
    assert len(window.ctx.scenario.extra["briefings"]) == 1  # recorded, as before
    assert page_count(out) == page_count(same) >= 3


def test_a_change_made_while_the_briefing_is_assembled_does_not_reach_it(
    window, qtbot, monkeypatch, tmp_path
):
    gate = threading.Event()
    threads = _watch_builds(monkeypatch, gate)
    out = tmp_path / "briefing.pdf"
    actions = _start(window, monkeypatch, out)
    qtbot.waitUntil(lambda: bool(threads), timeout=30_000)  # the worker is building now
    # A teammate's change arrives on the GUI thread meanwhile (the scenario edited live).
    window.briefings.set_key_judgements("Changed while the export ran.")
    gate.set()
    qtbot.waitUntil(lambda: actions.job is None, timeout=120_000)
    first = " ".join(pdf_text(out, 1).split())
    assert BLUF in first and "Changed while" not in first


def test_cancel_while_the_briefing_is_assembled_leaves_no_file(
    window, qtbot, monkeypatch, tmp_path
):
    gate = threading.Event()
    threads = _watch_builds(monkeypatch, gate)
    out = tmp_path / "cancelled.pdf"
    actions = _start(window, monkeypatch, out)
    qtbot.waitUntil(lambda: bool(threads), timeout=30_000)
    actions.progress_dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    gate.set()
    qtbot.waitUntil(lambda: actions.job is None, timeout=120_000)
    assert not out.exists() and list(tmp_path.glob("*.pdf")) == []
    assert "cancelled" in window.statusBar().currentMessage()
    assert "briefings" not in window.ctx.scenario.extra  # nothing recorded
