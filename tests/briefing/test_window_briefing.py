"""Briefings from the window: the bottom line written in the editor, an export recorded in
the scenario, a toggle, a second export that shows the toggle "since the last briefing";
exports run off the GUI thread with progress and Cancel."""

from __future__ import annotations

import shutil
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton

from pdfcheck import DEFAULT_SCENARIO, page_count, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

BAGHDAD = timezone(timedelta(hours=3))
AS_OF = datetime(2024, 12, 9, 12, 0, tzinfo=BAGHDAD)
BLUF = "Iraq keeps its border sealed while Syria's new authorities take the east."


@pytest.fixture(autouse=True)
def _no_blocking_dialogs(monkeypatch):
    from monitor.ui.file_actions import FileActions

    button = QMessageBox.StandardButton
    monkeypatch.setattr(FileActions, "ask_unsaved_changes", lambda self: button.Discard)
    monkeypatch.setattr(FileActions, "ask_recovery", lambda self, recovery: False)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: button.Cancel)


@pytest.fixture
def window(qtbot, tmp_path):
    from monitor.ui import MainWindow
    from monitor.ui.settings import settings

    s = settings()
    s.setValue("prefs/analyst", "Analyst One")
    s.sync()
    path = tmp_path / "scenario.json"
    shutil.copy(DEFAULT_SCENARIO, path)
    w = MainWindow(path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.ctx.set_cursor(AS_OF)
    return w


def _fill(editor) -> None:
    """What an analyst types into the key judgements editor."""
    editor.bluf_edit.setPlainText(BLUF)
    texts = [
        ("Al-Qaim stays closed to trade through December.", "very likely", "high", 2),
        ("Iraqi militias stay out of Syria after Assad's fall.", "likely", "moderate", 1),
        ("The SDF keeps Albu Kamal beyond mid-December.", "unlikely", "low", 0),
    ]
    while len(editor.rows) < len(texts):
        editor.add_row()
    for row, (text, likelihood, confidence, n_sources) in zip(editor.rows, texts, strict=True):
        row.text_edit.setPlainText(text)
        row.likelihood.setCurrentIndex(row.likelihood.findData(likelihood))
        row.confidence.setCurrentIndex(row.confidence.findData(confidence))
        row.set_sources([s.id for s in editor.sources[:n_sources]])


def _export(window, qtbot, monkeypatch, out: Path, choices=None) -> Path:
    from monitor.ui.briefing_actions import BriefingChoices

    actions = window.briefings
    monkeypatch.setattr(
        actions, "ask_briefing_choices", lambda result: choices or BriefingChoices()
    )
    monkeypatch.setattr(actions, "ask_pdf_path", lambda suggested: str(out))
    window.export_briefing_action.trigger()
    qtbot.waitUntil(lambda: actions.job is None, timeout=60_000)
    assert out.exists()
    return out


def test_the_editor_offers_the_scale_and_records_one_undoable_change(window, monkeypatch):
    from monitor.model.schema import CONFIDENCES, LIKELIHOODS
    from monitor.ui.judgements import JudgementsEditor

    editor = window.briefings.judgements_editor()
    row = editor.rows[0]
    assert [row.likelihood.itemData(i) for i in range(1, row.likelihood.count())] == list(
        LIKELIHOODS
    )
    assert [row.confidence.itemData(i) for i in range(1, row.confidence.count())] == list(
        CONFIDENCES
    )
    row.text_edit.setPlainText("A judgement without a likelihood.")
    assert "likelihood" in editor.problem()  # OK refuses it, saying why

    def run(self):
        _fill(self)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(JudgementsEditor, "exec", run)
    stack = window.session.undo_stack
    before = stack.count()
    window.key_judgements_action.trigger()
    assert stack.count() == before + 1
    value = window.ctx.scenario.extra["key_judgements"]
    assert value["bluf"] == BLUF
    assert [j["likelihood"] for j in value["judgements"]] == ["very likely", "likely", "unlikely"]
    assert len(value["judgements"][0]["source_ids"]) == 2
    window.undo_action.trigger()
    assert "key_judgements" not in window.ctx.scenario.extra
    window.redo_action.trigger()
    assert window.ctx.scenario.extra["key_judgements"] == value
    # Opened again, the editor shows what was recorded.
    again = window.briefings.judgements_editor()
    assert again.bluf_edit.toPlainText() == BLUF
    assert again.rows[1].likelihood.currentData() == "likely"
    assert again.rows[0].source_ids == value["judgements"][0]["source_ids"]


def test_older_plain_text_judgements_open_in_the_editor(window):
    window.set_key_judgements("- Border stays shut.\n- Rebels advance.")
    editor = window.briefings.judgements_editor()
    assert [r.text_edit.toPlainText() for r in editor.rows] == [
        "Border stays shut.",
        "Rebels advance.",
    ]
    assert editor.rows[0].likelihood.currentData() is None  # nothing invented
    assert "likelihood" in editor.problem()


def test_a_toggle_shows_in_the_next_briefing_since_the_last(window, qtbot, monkeypatch, tmp_path):
    from monitor.model import Moment
    from monitor.model.changes import status_change
    from monitor.model.entities import CrossingStatus
    from monitor.ui.briefing_actions import BriefingChoices
    from monitor.ui.judgements import JudgementsEditor

    def run(self):
        _fill(self)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(JudgementsEditor, "exec", run)
    window.key_judgements_action.trigger()

    first = _export(window, qtbot, monkeypatch, tmp_path / "first.pdf")
    records = window.ctx.scenario.extra["briefings"]
    assert len(records) == 1 and records[0]["by"] == "Analyst One"
    assert datetime.fromisoformat(records[0]["as_of"]) == AS_OF
    page1 = pdf_text(first, 1)
    assert BLUF in page1 and "Information cut-off" in page1
    assert "No earlier briefing is recorded" in page1

    # The toggle: Al-Waleed (closed since 30 November) reported open, through the change API.
    scenario = window.ctx.scenario
    window.session.push(
        status_change(
            scenario,
            "waleed",
            CrossingStatus.OPEN,
            Moment(AS_OF),
            note="Reopened for returns",
            by="Analyst One",
            source_ids=(scenario.sources[0].id,),
        )
    )
    second = _export(
        window, qtbot, monkeypatch, tmp_path / "second.pdf", BriefingChoices(overall="deteriorated")
    )
    page1 = " ".join(pdf_text(second, 1).split())  # (lines joined: wrapping does not matter)
    assert BLUF in page1
    assert "Very likely · high confidence:" in page1
    assert "Information cut-off" in page1 and "2024-12-09 12:00 UTC+03:00" in page1
    assert "Since the last briefing" in page1
    assert "Compared with the briefing as of 2024-12-09 12:00 UTC+03:00" in page1
    assert "Al-Waleed – Al-Tanf" in page1 and "closed → open" in page1
    assert "Analyst One" in page1 and "Reopened for returns" in page1
    assert "IMPROVED" in page1  # the crossing's marker, as the app suggests
    assert "Overall: DETERIORATED (set by the analyst; the app suggested improved)" in page1
    records = window.ctx.scenario.extra["briefings"]
    assert len(records) == 2
    assert records[1]["overall"] == "deteriorated"
    assert records[1]["crossings"]["waleed"] == "improved"
    window.undo_action.trigger()  # the record is a change like any other
    assert len(window.ctx.scenario.extra["briefings"]) == 1


def test_export_runs_off_the_gui_thread_with_progress(window, qtbot, monkeypatch, tmp_path):
    from monitor.briefing import layout

    threads, values = [], []
    real = layout.Renderer.render

    def render(self):
        threads.append(threading.current_thread())
        return real(self)

    monkeypatch.setattr(layout.Renderer, "render", render)
    actions = window.briefings
    doc = actions.briefing_document()
    job = actions.start_export(doc, tmp_path / "threaded.pdf", "briefing")
    job.progressed.connect(lambda v, _m: values.append(v))
    assert actions.progress_dialog is not None
    assert actions.progress_dialog.labelText().startswith("Writing the briefing")
    qtbot.waitUntil(lambda: actions.job is None, timeout=60_000)
    assert threads and threads[0] is not threading.main_thread()
    assert page_count(tmp_path / "threaded.pdf") >= 3
    assert values and values == sorted(values) and values[-1] == 100


def test_cancel_stops_the_export_and_writes_nothing(window, qtbot, tmp_path):
    from monitor.ui.briefing_actions import ExportThread

    doc = window.briefings.briefing_document()
    out = tmp_path / "cancelled.pdf"
    job = ExportThread(doc, out)
    seen = []
    job.was_cancelled.connect(lambda: seen.append("cancelled"))
    job.succeeded.connect(lambda *_: seen.append("written"))
    job.stop.set()  # the Cancel button of the progress dialog sets this
    with qtbot.waitSignal(job.finished, timeout=60_000):
        job.start()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == ["cancelled"]
    assert not out.exists() and list(tmp_path.glob("*.pdf")) == []
    # The progress dialog's Cancel is wired to the same flag.
    actions = window.briefings
    running = actions.start_export(doc, tmp_path / "again.pdf", "briefing")
    actions.progress_dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    assert running.stop.is_set()
    qtbot.waitUntil(lambda: actions.job is None, timeout=60_000)
    assert not (tmp_path / "again.pdf").exists()
    assert "cancelled" in window.statusBar().currentMessage()


def test_the_export_dialog_offers_the_suggested_markers_and_the_analyst_sets_them(window):
    from monitor.model.briefings import record_json
    from monitor.model.changes import scenario_field_change
    from monitor.ui.briefing_actions import BriefingDialog

    as_of = datetime(2024, 12, 5, 12, tzinfo=BAGHDAD)
    scenario = window.ctx.scenario
    record = record_json(scenario, as_of, as_of, by="Ana")
    window.session.push(scenario_field_change(scenario, "briefings", [record]))
    result = window.briefings.since_last()  # what the Export briefing action shows
    names = {c.id: c.name for c in scenario.crossings}
    dialog = BriefingDialog(window, result, names)
    assert dialog.overall.itemText(0) == "as the app suggests (improved)"
    qaim = dialog.crossing_combos["qaim"]
    assert qaim.accessibleName() == "Trend of Al-Qaim – Al-Bukamal"
    assert dialog.choices().overall is None and dialog.choices().trends == {}
    dialog.overall.setCurrentIndex(dialog.overall.findData("deteriorated"))
    qaim.setCurrentIndex(qaim.findData("unchanged"))
    dialog.annex_check.setChecked(False)
    dialog.next_check.setChecked(True)
    choices = dialog.choices()
    assert choices.overall == "deteriorated" and choices.trends == {"qaim": "unchanged"}
    assert not choices.annex and choices.next_update is not None
    doc = window.briefings.briefing_document(choices)
    text = " ".join(p.text for p in doc.blocks if hasattr(p, "text") and isinstance(p.text, str))
    assert "Overall: DETERIORATED (set by the analyst; the app suggested improved)" in text
    assert "Annex — Events of the period" not in text


@pytest.mark.parametrize(
    ("panel", "expected"),
    [
        ("feed", ["EVENT FEED", "Iraq closes all border crossings with Syria"]),
        ("crossings", ["BORDER CROSSINGS", "Al-Waleed – Al-Tanf", "CLOSED"]),
        ("territory", ["CONTROLLED TERRITORY", "Syrian government (Assad)"]),
    ],
)
def test_panel_exports_run_off_the_gui_thread(
    window, qtbot, monkeypatch, tmp_path, panel, expected
):
    out = tmp_path / f"{panel}.pdf"
    actions = window.briefings
    monkeypatch.setattr(actions, "ask_pdf_path", lambda suggested: str(out))
    window.export_panel_actions[panel].trigger()
    assert actions.job is not None  # the window is free while it runs
    qtbot.waitUntil(lambda: actions.job is None, timeout=60_000)
    text = pdf_text(out)
    for piece in expected:
        assert piece in text, piece
    assert f"Wrote {out}" in window.statusBar().currentMessage()


def test_the_source_picker_filters_and_returns_the_checked_sources(window):
    from PySide6.QtCore import Qt

    from monitor.ui.judgements import SourcePicker

    sources = window.ctx.scenario.sources
    picker = SourcePicker(sources, ["seed"], window)
    assert picker.chosen() == ["seed"]
    picker.filter_edit.setText("rabia")
    items = [picker.list.item(i) for i in range(picker.list.count())]
    shown = [item for item in items if not item.isHidden()]
    assert 0 < len(shown) < len(items)
    assert all("rabia" in (i.text() + i.toolTip()).lower() for i in shown)
    shown[0].setCheckState(Qt.CheckState.Checked)
    assert set(picker.chosen()) == {"seed", shown[0].data(Qt.ItemDataRole.UserRole)}


def test_closing_the_window_stops_a_running_export(window, qtbot, tmp_path):
    actions = window.briefings
    out = tmp_path / "closing.pdf"
    done: list = []
    job = actions.start_export(actions.briefing_document(), out, "briefing", lambda: done.append(1))
    assert job is not None and job.isRunning()
    window.close()
    assert job.stop.is_set() and job.isFinished()
    assert actions.job is None
    qtbot.wait(50)  # queued signals of the stopped job arrive: nothing is recorded
    assert not out.exists() and done == []  # not written, so not recorded either
