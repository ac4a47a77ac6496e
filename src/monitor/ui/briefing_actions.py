"""Briefings from the window: the full PDF briefing as of the cursor, one panel as a PDF
exactly as it shows now, and the bottom line printed on page 1 of every briefing.

The briefing and the panel exports are written off the GUI thread: an
:class:`ExportThread` assembles the briefing from a snapshot of the scenario (panel
documents are built here), lays it out, paints it (the territory chart too: plain
QPainter calls, no widget) and writes the file atomically, with a progress dialog whose
Cancel stops it at the next section, chunk of rows or page and leaves nothing behind. A
briefing exported from the window is recorded in the scenario (``briefings``: its as-of
time and the analyst's trend markers, one undoable change), so the next one can say what
changed since.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QEvent, QObject, Qt, QThread, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from monitor.briefing import BriefingOptions
from monitor.model.briefings import (
    BRIEFINGS,
    SinceLast,
    last_briefing,
    since_last,
    with_record,
)
from monitor.model.changes import KEY_JUDGEMENTS, ChangeError, scenario_field_change
from monitor.model.schema import TRENDS
from monitor.model.text import isolate_if_needed
from monitor.ui.icons import icon
from monitor.ui.loader import LoadProgressDialog

if TYPE_CHECKING:
    from monitor.briefing.blocks import Document
    from monitor.ui.main_window import MainWindow

PANEL_TITLES = {
    "feed": "Event feed",
    "crossings": "Border crossings",
    "territory": "Controlled territory",
    "map": "Map",
}
SUGGESTED = "suggested"
PROGRESS_EVERY = 0.05  # seconds between two progress reports of an export


@dataclass(slots=True)
class BriefingChoices:
    """What the export dialog asks: trend markers (``None``: the app's suggestion), the
    "Next update" time, whether to add the events annex."""

    overall: str | None = None
    trends: dict[str, str] = field(default_factory=dict)
    next_update: datetime | None = None
    annex: bool = True


class ExportThread(QThread):
    """Builds (if given ``build``), lays out, paints and writes one document; no widget is
    touched here. ``build(cancel)`` assembles the document from a snapshot of the scenario
    (see :func:`monitor.briefing.snapshot.snapshot`), asking ``cancel()`` as it goes; the
    whole export, chart included, runs in this thread."""

    progressed = Signal(int, str)
    succeeded = Signal(str, int)
    failed = Signal(str)
    was_cancelled = Signal()

    def __init__(
        self,
        doc: Document | None,
        out: str | Path,
        parent: QObject | None = None,
        build: Callable[[Callable[[], bool]], Document] | None = None,
    ):
        super().__init__(parent)
        if doc is None and build is None:
            raise ValueError("a document or a way to build one is needed")
        self.doc = doc
        self.build = build
        self.out = Path(out)
        self.stop = threading.Event()
        self._reported = float("-inf")

    def _assemble(self) -> Document:
        from monitor.briefing.layout import ExportCancelled

        assert self.build is not None
        self.progressed.emit(0, "Assembling the document")
        doc = self.build(self.stop.is_set)
        if self.stop.is_set():
            raise ExportCancelled
        self.doc = doc
        return doc

    def _progress(self, fraction: float, message: str) -> None:
        """Report progress at most every :data:`PROGRESS_EVERY` seconds (each report
        repaints the dialog on the GUI thread; a big annex reports thousands of times)."""
        now = time.monotonic()
        if now - self._reported >= PROGRESS_EVERY:
            self._reported = now
            self.progressed.emit(int(fraction * 100), message)

    def run(self) -> None:
        from monitor.briefing.layout import ExportCancelled, Renderer
        from monitor.model.io import atomic_write_bytes

        # The export makes millions of objects (rows, text boxes, paint steps), none of them
        # in a cycle: each full collection would walk them all with the GIL held, stalling
        # the GUI thread for up to seconds at 100k events. Paused while the export runs.
        paused = gc.isenabled()
        gc.disable()
        renderer = None
        try:
            doc = self.doc if self.build is None else self._assemble()
            assert doc is not None
            if self.stop.is_set():
                raise ExportCancelled
            renderer = Renderer(doc, self._progress, self.stop.is_set)
            data, pages = renderer.render()
            if self.stop.is_set():
                raise ExportCancelled
            self.progressed.emit(100, "Writing the file")
            atomic_write_bytes(self.out, data)
            self.succeeded.emit(str(self.out), pages)
        except ExportCancelled:
            self.was_cancelled.emit()  # (before the pages are freed: the dialog closes now)
        except (OSError, ValueError, RuntimeError) as exc:
            self.failed.emit(getattr(exc, "strerror", None) or str(exc))
        finally:
            if renderer is not None:
                renderer.release()
            if paused:
                gc.enable()


class BriefingDialog(QDialog):
    """Export briefing: compares with the last briefing, offers the trend markers (the
    app's suggestion preselected), the "Next update" time and the annex."""

    def __init__(
        self,
        parent,
        result: SinceLast | None,
        crossing_names: dict[str, str],
        as_of: datetime | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Export briefing")
        layout = QVBoxLayout(self)
        if result is None:
            intro = "No earlier briefing is recorded: this one will be the first to compare with."
        else:
            prev = result.previous
            intro = (
                f"Compared with the briefing as of {prev.as_of:%Y-%m-%d %H:%M}"
                f" (produced {prev.produced.astimezone(UTC):%Y-%m-%d %H:%MZ}"
                + (f" by {isolate_if_needed(prev.by)}" if prev.by else "")
                + f"): {len(result.status_changes)} crossing status change(s),"
                f" {result.new_events} new event(s)."
            )
        label = QLabel(intro, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        layout.addWidget(label)
        form = QFormLayout()
        self.overall = self._trend_combo(result.overall if result else None, "Overall trend")
        form.addRow("Overall", self.overall)
        self.crossing_combos: dict[str, QComboBox] = {}
        for t in result.crossings if result else ():
            combo = self._trend_combo(t.suggested, f"Trend of {t.crossing}")
            self.crossing_combos[t.crossing_id] = combo
            form.addRow(isolate_if_needed(crossing_names.get(t.crossing_id, t.crossing)), combo)
        self.next_check = QCheckBox("Next update at", self)
        start = QDateTime(as_of) if as_of is not None else QDateTime.currentDateTime()
        self.next_edit = QDateTimeEdit(start.addDays(1), self)  # a day after the cut-off
        self.next_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.next_edit.setAccessibleName("Next update time")
        self.next_edit.setEnabled(False)
        self.next_check.toggled.connect(self.next_edit.setEnabled)
        form.addRow(self.next_check, self.next_edit)
        self.annex_check = QCheckBox("Add the annex listing every event of the period", self)
        self.annex_check.setChecked(True)
        form.addRow(self.annex_check)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _trend_combo(self, suggested: str | None, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.addItem(f"as the app suggests ({suggested or 'nothing to compare'})", None)
        for t in TRENDS:
            combo.addItem(t, t)
        return combo

    def choices(self) -> BriefingChoices:
        trends = {cid: c.currentData() for cid, c in self.crossing_combos.items()}
        next_update = None
        if self.next_check.isChecked():
            next_update = self.next_edit.dateTime().toPython().astimezone()
        return BriefingChoices(
            overall=self.overall.currentData(),
            trends={k: v for k, v in trends.items() if v},
            next_update=next_update,
            annex=self.annex_check.isChecked(),
        )


class BriefingActions(QObject):
    """``export_briefing_action`` (Ctrl+P), ``export_panel_actions`` (panel name -> action)
    and ``key_judgements_action``. ``job``: the export running now (or ``None``)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.ctx = window.ctx
        self.job: ExportThread | None = None
        self.progress_dialog: LoadProgressDialog | None = None
        self.export_briefing_action = QAction(icon("export-pdf"), "Export &briefing…", window)
        self.export_briefing_action.setObjectName("exportBriefingAction")
        self.export_briefing_action.setShortcut(QKeySequence("Ctrl+P"))
        self.export_briefing_action.setToolTip(
            "Write a full situation briefing (PDF) as of the cursor (Ctrl+P)"
        )
        self.export_briefing_action.triggered.connect(self._on_export_briefing_triggered)
        self.export_panel_actions: dict[str, QAction] = {}
        for name, title in PANEL_TITLES.items():
            act = QAction(icon("export-pdf"), f"Export {title.lower()} as PDF…", window)
            act.setObjectName(f"export{name.capitalize()}Action")
            act.triggered.connect(lambda _checked=False, n=name: self._on_export_panel_triggered(n))
            self.export_panel_actions[name] = act
        self.key_judgements_action = QAction("&Key judgements…", window)
        self.key_judgements_action.setObjectName("keyJudgementsAction")
        self.key_judgements_action.setToolTip(
            "Write the bottom line and key judgements printed on page 1 of briefings"
        )
        self.key_judgements_action.triggered.connect(self.edit_key_judgements)
        window.installEventFilter(self)  # an export still running stops when the window closes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.stop_export()
        return False

    def stop_export(self) -> None:
        """Cancel the running export and wait for it to end (nothing is written, nothing
        recorded): the window is closing."""
        job, dialog = self.job, self.progress_dialog
        if job is None:
            return
        job.stop.set()
        job.succeeded.disconnect()
        job.wait()
        if dialog is not None:
            self._finish_job(job, dialog)

    # -- options and documents ---------------------------------------------------------------
    def briefing_options(self, **overrides: Any) -> BriefingOptions:
        """Options for a PDF of what the window shows now: as of the cursor, the user's marking."""
        prefs = self._window.prefs
        fields = {
            "marking": prefs.marking,
            "page_size": prefs.page_size,
            "analyst": prefs.analyst,
            "as_of": self.ctx.cursor_time(),
            "military_time": self.ctx.military_time,  # times as the window shows them
        }
        fields.update(overrides)
        return BriefingOptions(**fields)

    def _briefing_options(self, choices: BriefingChoices | None = None) -> BriefingOptions:
        feed = self._window.panel("feed")
        extra: dict[str, Any] = {"filter_text": feed.search_edit.text().strip()}
        if choices is not None:
            extra.update(
                overall=choices.overall,
                trends=choices.trends,
                next_update=choices.next_update,
                annex=choices.annex,
            )
        return self.briefing_options(**extra)

    def briefing_document(self, choices: BriefingChoices | None = None) -> Document:
        """The full briefing as of the cursor (built here; its chart is painted with the
        pages, in whichever thread renders them)."""
        from monitor.briefing.documents import briefing_document

        options = self._briefing_options(choices)
        doc = briefing_document(self.ctx.scenario, options, self.ctx.events_frame)
        doc.facts["options"] = options
        doc.facts["scenario"] = self.ctx.scenario  # the one to record it in
        return doc

    def briefing_builder(
        self, choices: BriefingChoices | None = None
    ) -> Callable[[Callable[[], bool]], Document]:
        """A function ``build(cancel)`` that builds the full briefing as of the cursor from a
        snapshot of the scenario taken now (about 10 ms at 100k events), for a worker thread:
        what the GUI thread changes meanwhile (a teammate's change, the live clock) does not
        reach it. ``cancel()`` is asked between sections and chunks of the annex."""
        from monitor.briefing.documents import briefing_document
        from monitor.briefing.snapshot import snapshot

        options = self._briefing_options(choices)
        live = self.ctx.scenario
        frozen, frame = snapshot(live, self.ctx.events_frame)

        def build(cancel: Callable[[], bool] | None = None) -> Document:
            doc = briefing_document(frozen, options, frame, cancel)
            doc.facts["options"] = options
            doc.facts["scenario"] = live  # the one to record it in
            return doc

        return build

    def since_last(self) -> SinceLast | None:
        """What changed since the last recorded briefing, as of the cursor (for the dialog)."""
        as_of = self.ctx.cursor_time()
        previous = last_briefing(self.ctx.scenario, as_of)
        if previous is None:
            return None
        return since_last(self.ctx.scenario, previous, as_of, self.ctx.events_frame)

    # -- synchronous exports (used by scripts and tests) ---------------------------------------
    def export_panel(self, name: str, out: str | Path) -> Path:
        """Write the PDF of one panel exactly as it shows now (``feed``, ``crossings``,
        ``territory``); each panel knows what it shows."""
        if name not in PANEL_TITLES:
            raise ValueError(f"unknown panel {name!r}")
        return self._window.panel(name).export_pdf(out, self.briefing_options())

    def export_briefing(
        self, out: str | Path, choices: BriefingChoices | None = None, *, record: bool = False
    ) -> Path:
        """The full briefing as of the cursor, with the feed's search text as its event filter;
        ``record``: note it in the scenario (as the Export briefing action does)."""
        from monitor.briefing.pdf import write_pdf

        doc = self.briefing_document(choices)
        result = write_pdf(doc, out)
        if record:
            self.record_briefing(doc)
        return Path(result.path)

    def record_briefing(self, doc: Document) -> bool:
        """Record an exported briefing in the scenario (one undoable change)."""
        from monitor.briefing.documents import record_of

        scenario = self.ctx.scenario
        if doc.facts.get("scenario", scenario) is not scenario:  # another file opened meanwhile
            self._window.statusBar().showMessage(
                "The briefing was written but not recorded: another scenario is open now", 8000
            )
            return False
        record = record_of(doc, scenario, doc.facts["options"], self.ctx.events_frame)
        change = scenario_field_change(
            scenario, BRIEFINGS, with_record(scenario, record), "Record exported briefing"
        )
        try:
            self._window.session.push(change)
        except ChangeError as exc:
            self._window.show_error("Briefing not recorded", str(exc))
            return False
        return True

    # -- exports off the GUI thread ----------------------------------------------------------
    def start_export(
        self,
        doc: Document | None,
        out: str | Path,
        what: str,
        done: Callable[[], None] | None = None,
        *,
        build: Callable[[Callable[[], bool]], Document] | None = None,
        written: Callable[[Document], None] | None = None,
    ) -> ExportThread | None:
        """Write ``doc`` (or the one ``build`` makes in the worker) to ``out`` in a worker
        thread with a progress dialog (Cancel stops it; nothing is written then). ``done``
        and ``written`` (given the document) run on the GUI thread after a success."""
        if self.job is not None:
            self._window.statusBar().showMessage("An export is still running", 5000)
            return None
        job = ExportThread(doc, out, self, build=build)
        # Not a QProgressDialog: its setValue runs the event loop while modal, so the job's
        # end (and the dialog's deletion) could run inside a progress update.
        dialog = LoadProgressDialog(f"Writing the {what}…", "Export PDF", self._window, 400)
        dialog.setObjectName("exportProgressDialog")
        dialog.bar.setRange(0, 100)
        dialog.canceled.connect(job.stop.set)
        job.progressed.connect(lambda v, m: (dialog.setValue(v), dialog.setLabelText(m)))

        def succeeded(path: str, pages: int) -> None:
            if done is not None:
                done()
            if written is not None and job.doc is not None:
                written(job.doc)
            plural = "s" if pages != 1 else ""
            self._window.statusBar().showMessage(f"Wrote {path} ({pages} page{plural})", 8000)

        def failed(reason: str) -> None:
            self._window.show_error(
                "Export failed",
                f"Could not write the {what}: {reason}. No file was left half-written.",
            )

        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        job.was_cancelled.connect(dialog.finish)  # (the worker may still be freeing memory)
        job.was_cancelled.connect(
            lambda: self._window.statusBar().showMessage(
                f"Export of the {what} cancelled; nothing was written", 8000
            )
        )
        job.finished.connect(lambda: self._finish_job(job, dialog))
        self.job, self.progress_dialog = job, dialog
        job.start()
        return job

    def _finish_job(self, job: ExportThread, dialog: LoadProgressDialog) -> None:
        dialog.finish()
        if self.job is job:
            self.job, self.progress_dialog = None, None
        job.wait()
        job.deleteLater()

    def cancel_export(self) -> None:
        """Cancel the running export (as its dialog's Cancel button does)."""
        if self.job is not None:
            self.job.stop.set()

    # -- asking the user (tests patch these) ---------------------------------------------------
    def ask_pdf_path(self, suggested: str) -> str:
        folder = self.ctx.path.parent if self.ctx.path else Path.home()
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Export PDF", str(folder / suggested), "PDF files (*.pdf)"
        )
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

    def ask_briefing_choices(self, result: SinceLast | None) -> BriefingChoices | None:
        names = {c.id: c.name for c in self.ctx.scenario.crossings}
        dialog = BriefingDialog(self._window, result, names, self.ctx.cursor_time())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choices()

    def _stem(self) -> str:
        stem = self.ctx.path.stem if self.ctx.path else "scenario"
        return f"{stem}-{self.ctx.cursor_time():%Y%m%d-%H%M}"

    def _run_export(self, what: str, write: Callable[[], Path]) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            out = write()
        except (OSError, ValueError) as exc:
            QApplication.restoreOverrideCursor()
            self._window.show_error(
                "Export failed",
                f"Could not write the {what}: {exc}. No file was left half-written.",
            )
            return
        QApplication.restoreOverrideCursor()
        self._window.statusBar().showMessage(f"Wrote {out}", 8000)

    def _on_export_panel_triggered(self, name: str) -> None:
        path = self.ask_pdf_path(f"{self._stem()}-{name}.pdf")
        if not path:
            return
        doc = self.panel_document(name)
        if doc is None:  # (the map draws its own figure, written off the GUI thread)
            from monitor.ui.map.export import start_export

            start_export(self._window.panel(name), path, marking=self.briefing_options().marking)
            return
        self.start_export(doc, path, f"{PANEL_TITLES[name].lower()} PDF")

    def panel_document(self, name: str) -> Document | None:
        """The document of one panel as it shows now, built here and written off the GUI
        thread (``None`` for the map, which draws its own figure)."""
        from monitor.briefing.documents import (
            crossings_document,
            feed_document,
            territory_document,
        )

        scenario = self.ctx.scenario
        panel = self._window.panel(name)
        if name == "feed":
            options = self.briefing_options(filter_description=panel.describe_filter())
            rows = [int(r) for r in panel.model.rows]
            return feed_document(scenario, rows, options, self.ctx.events_frame)
        if name == "crossings":
            return crossings_document(scenario, self.ctx.cursor_time(), self.briefing_options())
        if name == "territory":
            x0, x1 = panel.plot_item.getViewBox().viewRange()[0]
            tz = self.ctx.tz
            rng = (datetime.fromtimestamp(x0, tz), datetime.fromtimestamp(x1, tz))
            return territory_document(scenario, self.briefing_options(), rng)
        return None

    def _on_export_briefing_triggered(self) -> None:
        choices = self.ask_briefing_choices(self.since_last())
        if choices is None:
            return
        path = self.ask_pdf_path(f"{self._stem()}-briefing.pdf")
        if not path:
            return
        # Assembled in the worker too, from a snapshot taken here (the progress dialog is
        # window-modal; remote team changes and timers may still edit the live scenario).
        build = self.briefing_builder(choices)
        self.start_export(None, path, "briefing", build=build, written=self.record_briefing)

    # -- key judgements -------------------------------------------------------------------
    def set_key_judgements(self, value: str | dict | None) -> None:
        """Record the bottom line (saved with the scenario) as one undoable change: the
        structured form (see :mod:`monitor.model.briefings`) or, as before, plain text."""
        before = self.ctx.scenario.extra.get(KEY_JUDGEMENTS)
        after = value.strip() or None if isinstance(value, str) else value
        if after != before:
            change = scenario_field_change(
                self.ctx.scenario, KEY_JUDGEMENTS, after, "Edit key judgements"
            )
            try:
                self._window.session.push(change)
            except ChangeError as exc:
                self._window.show_error("Key judgements not recorded", str(exc))

    def judgements_editor(self):
        from monitor.ui.judgements import JudgementsEditor

        return JudgementsEditor(
            self.ctx.scenario.extra.get(KEY_JUDGEMENTS), self.ctx.scenario.sources, self._window
        )

    def edit_key_judgements(self) -> None:
        editor = self.judgements_editor()
        if editor.exec() == QDialog.DialogCode.Accepted:
            self.set_key_judgements(editor.value())
