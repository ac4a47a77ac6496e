"""Loading a scenario off the GUI thread, with progress and Cancel.

The worker only builds a :class:`Scenario` and its :class:`FileStorage`; the
window swaps them in on the GUI thread when (and if) loading succeeds, so a
cancelled or failed load leaves the open scenario untouched.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from monitor.model.errors import Problem, ScenarioError
from monitor.model.storage import FileStorage, LoadCancelled

#: From this many events the search index is built before the window shows the file (a
#: scan of ~300k events' text takes ~0.1 s a keystroke; the index ~0.5 s a 100k to build).
INDEX_IN_WORKER_ROWS = 300_000

#: Files from this size may hold that many events: the last tenth of their progress bar is
#: kept for the search index.
INDEX_SHARE_MIN_BYTES = 8 * 1024 * 1024


class _Worker(QObject):
    progress = Signal(float, str)
    loaded = Signal(object, object)  # Scenario, FileStorage
    failed = Signal(object)  # ScenarioError
    cancelled = Signal()

    def __init__(self, path: Path, user: str, cancel: threading.Event):
        super().__init__()
        self._path = path
        self._user = user
        self._cancel = cancel

    def run(self) -> None:
        storage = FileStorage(self._path, user=self._user)
        try:
            # A big file is also indexed for search afterwards: its loading is 90% of the bar.
            share = 0.9 if self._path.stat().st_size >= INDEX_SHARE_MIN_BYTES else 1.0
        except OSError:
            share = 1.0  # the load words the problem
        try:
            scenario = storage.load(
                progress=lambda f, msg: self.progress.emit(share * f, msg),
                cancelled=self._cancel.is_set,
            )
        except LoadCancelled:
            self.cancelled.emit()
            return
        except ScenarioError as exc:
            self.failed.emit(exc)
            return
        except MemoryError:
            self.failed.emit(
                ScenarioError(self._path, [Problem("", "not enough memory to load this file")])
            )
            return
        except Exception as exc:  # any bug must reach the user as a dialog, not kill the thread
            self.failed.emit(
                ScenarioError(self._path, [Problem("", f"unexpected error while loading: {exc!r}")])
            )
            return
        try:
            indexed = self._index(scenario)
        except Exception:  # no index: the search box scans instead, slower but right
            indexed = True
        if not indexed:
            self.cancelled.emit()
            return
        if self._cancel.is_set():
            self.cancelled.emit()
        else:
            self.loaded.emit(scenario, storage)

    def _index(self, scenario) -> bool:
        """A big file's search index, built here rather than after the window shows (typing
        in the first seconds would otherwise scan). Column-wise events carry their frame, so
        the index is found again by the window's feed. False if Cancel stopped it."""
        frame_of = getattr(scenario.events, "frame", None)
        if frame_of is None:
            return True
        from monitor.model import search  # pandas and pyarrow: loaded already for such a file

        if len(scenario.events) < max(search.MIN_INDEXED_ROWS, INDEX_IN_WORKER_ROWS):
            return True  # the feed builds it in the background: meanwhile a scan is quick enough
        self.progress.emit(0.92, "Indexing the text for search")
        try:
            search.build_index(frame_of(), cancel=self._cancel.is_set)
        except search.BuildCancelled:
            return False
        self.progress.emit(1.0, "Ready")
        return True


class ScenarioLoader(QObject):
    """Runs one load in a QThread. Signals mirror the worker's, delivered on the GUI thread."""

    progress = Signal(float, str)
    loaded = Signal(object, object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, path: str | Path, user: str, parent: QObject | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self._cancel = threading.Event()
        self._thread = QThread()
        self._worker = _Worker(self.path, user, self._cancel)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        # Queued explicitly: every slot runs on the GUI thread, in the order the worker emitted.
        queued = Qt.ConnectionType.QueuedConnection
        self._worker.progress.connect(self._on_worker_progress, queued)
        self._worker.loaded.connect(self._on_worker_loaded, queued)
        self._worker.failed.connect(self._on_worker_failed, queued)
        self._worker.cancelled.connect(self._on_worker_cancelled, queued)
        self._done = False

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Stop waiting: the open scenario stays; the worker stops at its next check."""
        self._cancel.set()
        if not self._done:
            self._done = True
            self.cancelled.emit()

    @Slot(float, str)
    def _on_worker_progress(self, fraction: float, message: str) -> None:
        if not self._done:
            self.progress.emit(fraction, message)

    def _finish(self) -> None:
        self._thread.quit()

    @Slot(object, object)
    def _on_worker_loaded(self, scenario: object, storage: object) -> None:
        self._finish()
        if not self._done:
            self._done = True
            self.loaded.emit(scenario, storage)

    @Slot(object)
    def _on_worker_failed(self, exc: object) -> None:
        self._finish()
        if not self._done:
            self._done = True
            self.failed.emit(exc)

    @Slot()
    def _on_worker_cancelled(self) -> None:
        self._finish()
        if not self._done:
            self._done = True
            self.cancelled.emit()

    def wait(self, ms: int = 30_000) -> bool:
        return self._thread.wait(ms)
