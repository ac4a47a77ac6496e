"""File → Import… and File → Export… (issue #14): a feed imported as a reviewed merge,
the window's filtered as-of view exported.

``install(window)`` adds ``importAction`` and ``exportAction`` to the File menu (before
Quit) and returns their owner, :class:`InterchangeActions` (``window.interchange``).

Import: a file is picked (:meth:`InterchangeActions.ask_import_file`), read and compared
with the scenario off the GUI thread (:mod:`monitor.ui.interchange_worker`, a progress
dialog with Cancel), then the review (:class:`ReviewDialog`: the same sections as
``monitor import --dry-run``) offers Apply / Cancel; Apply pushes the review's changes as
**one** undoable step (:meth:`Session.push_batch`; the scenario's ``imports`` record holds
the file's name and SHA-256). A CSV file of no known layout gets a column-mapping picker.

Export: a path and format are picked (:meth:`InterchangeActions.ask_export_target`); what
is written is exactly what the feed shows as of the cursor: its filters' events
(``ctx.shown_events``) at or before the cursor time, through
:func:`monitor.interchange.export.export_view` (atomic write).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog

from monitor.interchange import FeedError, Review, View
from monitor.interchange.export import export_view
from monitor.interchange.reading import first_row
from monitor.model.changes import ChangeError
from monitor.model.timeutil import to_ns
from monitor.ui.interchange_dialogs import MappingDialog, ProgressDialog, ReviewDialog
from monitor.ui.interchange_worker import ImportJob

#: File-dialog filters of the import -> the format they ask for (None: from the header).
IMPORT_FILTERS = {
    "Feed files, format from the header (*.csv *.json *.geojson *.txt)": None,
    "ACLED CSV or API JSON (*.csv *.json)": "acled",
    "UCDP GED CSV (*.csv)": "ucdp",
    "GeoJSON (*.geojson *.json)": "geojson",
    "Other CSV, pick the columns (*.csv *.txt)": "csv",
    "All files (*)": None,
}
EXPORT_FILTERS = {"GeoJSON (*.geojson)": "geojson", "CSV (*.csv)": "csv"}


def install(window: Any) -> InterchangeActions:
    return InterchangeActions(window)


class InterchangeActions(QObject):
    """The import and export actions of one window. ``review_dialog``: the review shown
    last (None when none is open); ``job``: the import being read (None when idle)."""

    def __init__(self, window: Any):
        super().__init__(window)
        self._window = window
        self.import_action = QAction("&Import feed…", window)
        self.import_action.setObjectName("importAction")
        self.import_action.setToolTip(
            "Merge an ACLED, UCDP, GeoJSON or CSV file into the scenario (reviewed first)"
        )
        self.import_action.triggered.connect(self._on_import_triggered)
        self.export_action = QAction("E&xport view…", window)
        self.export_action.setObjectName("exportAction")
        self.export_action.setToolTip(
            "Write the events the feed shows as of the cursor, and the crossings' status, "
            "as GeoJSON or CSV"
        )
        self.export_action.triggered.connect(self._on_export_triggered)
        menu = window.file_menu
        tail = getattr(window, "_file_menu_tail", None)  # the separator before Quit
        for action in (self.import_action, self.export_action):
            if tail is not None:
                menu.insertAction(tail, action)
            else:
                menu.addAction(action)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.job: ImportJob | None = None
        self._retired: list[ImportJob] = []
        self.progress_dialog: ProgressDialog | None = None
        self.review_dialog: ReviewDialog | None = None
        self.last_review: Review | None = None

    @property
    def ctx(self) -> Any:
        return self._window.ctx

    @property
    def session(self) -> Any:
        return self._window.session

    def _status(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 8000)

    def _start_folder(self) -> str:
        path = self.ctx.path
        return str(path.parent) if path else ""

    # -- dialogs (tests patch the ask_* methods) ------------------------------------------
    def ask_import_file(self) -> tuple[str, str | None] | None:
        """The file to import and the format asked for (None: from its header)."""
        path, chosen = QFileDialog.getOpenFileName(
            self._window, "Import feed", self._start_folder(), ";;".join(IMPORT_FILTERS)
        )
        return (path, IMPORT_FILTERS.get(chosen)) if path else None

    def ask_mapping(self, path: Path, columns: list[str], reason: str) -> dict[str, str] | None:
        """The column mapping of a generic CSV (None: cancelled)."""
        dialog = MappingDialog(path.name, columns, reason, self._window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.mapping()

    def ask_export_target(self) -> tuple[str, str] | None:
        """Where to export and as what ("geojson" or "csv")."""
        stem = self.ctx.path.stem if self.ctx.path else "view"
        suggested = str(Path(self._start_folder()) / f"{stem}-view.geojson")
        path, chosen = QFileDialog.getSaveFileName(
            self._window, "Export view", suggested, ";;".join(EXPORT_FILTERS)
        )
        if not path:
            return None
        fmt = "csv" if path.lower().endswith(".csv") else EXPORT_FILTERS.get(chosen, "geojson")
        return path, fmt

    # -- import -----------------------------------------------------------------------------
    def _on_import_triggered(self) -> None:
        got = self.ask_import_file()
        if got is not None:
            path, fmt = got
            self.import_file(path, format=fmt)

    def import_file(
        self,
        path: str | Path,
        *,
        format: str | None = None,
        mapping: dict[str, str] | None = None,
        deletions: str | Path | None = None,
    ) -> bool:
        """Start reading ``path`` in the background; the review follows (False: another
        import is being read, or a generic CSV's mapping was cancelled)."""
        if self.job is not None:
            self._status("An import is already being read")
            return False
        path = Path(path)
        if format == "csv" and mapping is None:
            mapping = self._pick_mapping(path, "")
            if mapping is None:
                return False
        job = ImportJob(
            path,
            self.ctx.scenario,
            format=format,
            mapping=mapping,
            deletions=deletions,
            author=self.session.author,
            parent=self,
        )
        job.signals.progress.connect(self._on_job_progress)
        job.signals.reviewed.connect(self._on_job_reviewed)
        job.signals.done.connect(self._on_job_done)
        job.signals.failed.connect(self._on_job_failed)
        job.signals.cancelled.connect(self._on_job_cancelled)
        self.job = job
        dialog = ProgressDialog(f"Reading {path.name}…", self._window)
        dialog.canceled.connect(job.cancel)
        self.progress_dialog = dialog
        self.pool.start(job)
        return True

    def cancel_import(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _pick_mapping(self, path: Path, reason: str) -> dict[str, str] | None:
        try:
            columns = first_row(path)
        except FeedError as exc:
            self._window.show_error("Import refused", str(exc))
            return None
        if not columns:
            self._window.show_error("Import refused", f"{path}: the file holds no rows")
            return None
        return self.ask_mapping(path, columns, reason)

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
            self.progress_dialog = None

    def _end_job(self) -> ImportJob | None:
        job, self.job = self.job, None
        # The pool's thread may still be leaving run() (it reported before returning): the
        # job stays referenced until then, or Python would free it under the thread's feet.
        self._retired = [j for j in self._retired if not j.finished.is_set()]
        if job is not None:
            self._retired.append(job)
        self._close_progress()
        return job

    def _on_job_progress(self, percent: int, message: str) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.set_progress(percent, message)

    def _on_job_cancelled(self) -> None:
        self._end_job()
        if self.review_dialog is not None:
            self.review_dialog.reject()
        self._status("Import cancelled; nothing changed")

    def _on_job_failed(self, message: str, unknown_layout: bool) -> None:
        job = self._end_job()
        if self.review_dialog is not None:  # (the changes could not be made after all)
            self.review_dialog.reject()
        if unknown_layout and job is not None and job.mapping is None:
            # A CSV of no known feed: which columns are which, then read it again.
            mapping = self._pick_mapping(job.path, message)
            if mapping is not None:
                self.import_file(job.path, format="csv", mapping=mapping,
                                 deletions=job.deletions)
            return
        self._window.show_error("Import refused", message)

    def _on_job_reviewed(self, review: Review) -> None:
        """The review is ready: shown at once, Apply enabled when its changes are made."""
        self._close_progress()
        job = self.job
        if job is not None and job.scenario is not self.ctx.scenario:
            return  # said when the job ends (_on_job_done)
        self.last_review = review
        dialog = ReviewDialog(review, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.set_ready(False)
        dialog.accepted.connect(lambda: self.apply_review(review))
        dialog.finished.connect(lambda _r: self._forget_dialog(dialog))
        self.review_dialog = dialog
        dialog.open()

    def _on_job_done(self, review: Review) -> None:
        job = self._end_job()
        if job is not None and job.scenario is not self.ctx.scenario:
            if self.review_dialog is not None:
                self.review_dialog.reject()
            self._window.show_error(
                "Import", f"{job.path.name}: another scenario was opened meanwhile; "
                "nothing imported (import it again)"
            )
            return
        if self.review_dialog is not None and self.review_dialog.review is review:
            self.review_dialog.set_ready(True)

    def _forget_dialog(self, dialog: ReviewDialog) -> None:
        if self.review_dialog is dialog:
            self.review_dialog = None

    def apply_review(self, review: Review) -> bool:
        """Apply the import as one undoable change; errors are shown, nothing changes."""
        try:
            self.session.push_batch(review.changes, f"Import {review.file}")
        except ChangeError as exc:
            self._window.show_error(
                "Import refused", f"{review.file}: the import was refused, nothing changed: {exc}"
            )
            return False
        c = review.counts()
        self._status(
            f"Imported {review.file}: {c['new']:,} new, {c['updated']:,} updated, "
            f"{c['unchanged']:,} unchanged, {c['rejected']:,} rejected"
        )
        return True

    # -- export -----------------------------------------------------------------------------
    def _on_export_triggered(self) -> None:
        got = self.ask_export_target()
        if got is not None:
            self.export_to(*got)

    def shown_rows(self) -> np.ndarray:
        """Positions of the events the window shows as of the cursor, in time order: the
        feed's filters (``ctx.shown_events``) and the events at or before the cursor."""
        frame = self.ctx.events_frame
        shown = self.ctx.shown_events
        rows = np.arange(len(frame)) if shown is None else np.asarray(shown, dtype=np.int64)
        times = frame["time_ns"].to_numpy()[rows]
        rows = rows[times <= to_ns(self.ctx.cursor_time())]
        return rows[np.argsort(frame["time_ns"].to_numpy()[rows], kind="stable")]

    def current_view(self) -> View:
        """The view's description (the cursor and, when the feed is there, its filters)."""
        as_of: datetime = self.ctx.cursor_time()
        panel = getattr(self._window, "feed_panel", None)
        args = panel.filters.args() if panel is not None else {}
        cats, verifs = args.get("categories"), args.get("verifications")
        return View(
            as_of,
            args.get("text", ""),
            tuple(cats) if cats is not None else None,
            tuple(verifs) if verifs is not None else None,
        )

    def export_to(self, path: str | Path, format: str) -> int | None:
        """Write the shown view to ``path``; the number of events (None: it failed, said)."""
        try:
            n = export_view(self.ctx.scenario, self.current_view(), path, format,
                            rows=self.shown_rows())
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self._window.show_error("Export failed", f"{path}: cannot be written ({reason})")
            return None
        self._status(f"Exported {n:,} event(s) to {Path(path).name}")
        return n
