"""Briefings from the window: the full PDF briefing as of the cursor, one panel as a PDF
exactly as it shows now, and the key judgements printed at the top of every briefing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
)

from monitor.briefing import BriefingOptions
from monitor.model.changes import KEY_JUDGEMENTS, ChangeError, scenario_field_change
from monitor.ui.icons import icon

if TYPE_CHECKING:
    from monitor.ui.main_window import MainWindow

PANEL_TITLES = {
    "feed": "Event feed",
    "crossings": "Border crossings",
    "territory": "Controlled territory",
    "map": "Map",
}


class BriefingActions(QObject):
    """``export_briefing_action`` (Ctrl+P), ``export_panel_actions`` (panel name -> action)
    and ``key_judgements_action``."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.ctx = window.ctx
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
            "Write the key judgements printed at the top of briefings"
        )
        self.key_judgements_action.triggered.connect(self.edit_key_judgements)

    # -- exports --------------------------------------------------------------------------
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

    def export_panel(self, name: str, out: str | Path) -> Path:
        """Write the PDF of one panel exactly as it shows now (``feed``, ``crossings``,
        ``territory``); each panel knows what it shows."""
        if name not in PANEL_TITLES:
            raise ValueError(f"unknown panel {name!r}")
        return self._window.panel(name).export_pdf(out, self.briefing_options())

    def export_briefing(self, out: str | Path) -> Path:
        """The full briefing as of the cursor, with the feed's search text as its event filter."""
        from monitor.briefing import export_briefing_pdf

        feed = self._window.panel("feed")
        options = self.briefing_options(filter_text=feed.search_edit.text().strip())
        result = export_briefing_pdf(self.ctx.scenario, out, options, frame=self.ctx.events_frame)
        return Path(result.path)

    def _ask_pdf_path(self, suggested: str) -> str:
        folder = self.ctx.path.parent if self.ctx.path else Path.home()
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Export PDF", str(folder / suggested), "PDF files (*.pdf)"
        )
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

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

    def _stem(self) -> str:
        stem = self.ctx.path.stem if self.ctx.path else "scenario"
        return f"{stem}-{self.ctx.cursor_time():%Y%m%d-%H%M}"

    def _on_export_panel_triggered(self, name: str) -> None:
        path = self._ask_pdf_path(f"{self._stem()}-{name}.pdf")
        if path:
            self._run_export(f"{name} PDF", lambda: self.export_panel(name, path))

    def _on_export_briefing_triggered(self) -> None:
        path = self._ask_pdf_path(f"{self._stem()}-briefing.pdf")
        if path:
            self._run_export("briefing", lambda: self.export_briefing(path))

    # -- key judgements -------------------------------------------------------------------
    def set_key_judgements(self, text: str) -> None:
        """Record the key judgements (saved with the scenario) as an undoable change."""
        before = self.ctx.scenario.extra.get(KEY_JUDGEMENTS)
        after = text.strip() or None
        if after != before:
            change = scenario_field_change(
                self.ctx.scenario, KEY_JUDGEMENTS, after, "Edit key judgements"
            )
            try:
                self._window.session.push(change)
            except ChangeError as exc:
                self._window.show_error("Key judgements not recorded", str(exc))

    def edit_key_judgements(self) -> None:
        dialog = QDialog(self._window)
        dialog.setWindowTitle("Key judgements")
        edit = QPlainTextEdit(dialog)
        current = self.ctx.scenario.extra.get(KEY_JUDGEMENTS)
        edit.setPlainText(
            current if isinstance(current, str) else "\n".join(map(str, current or []))
        )
        edit.setPlaceholderText("One judgement per line; start a line with '- ' for a bullet.")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("Printed at the top of every briefing; saved with the scenario."))
        layout.addWidget(edit)
        layout.addWidget(buttons)
        dialog.resize(560, 320)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_key_judgements(edit.toPlainText())
