"""Loading a scenario off the GUI thread, with progress and Cancel.

:class:`ScenarioLoader` runs one load in a thread (File → Open of a big file);
:class:`LoadingWindow` is what ``monitor BIG.json`` shows at once while it does.

The worker only builds a :class:`Scenario` and its :class:`FileStorage`; the
window swaps them in on the GUI thread when (and if) loading succeeds, so a
cancelled or failed load leaves the open scenario untouched.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from monitor.model.errors import Problem, ScenarioError
from monitor.model.storage import FileStorage, LoadCancelled
from monitor.ui.settings import settings

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
        try:
            self._run()
        finally:
            # The thread ends with its work, even if no one is left to read the result
            # (a cancelled load whose window is gone: the thread must not outlive it).
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()

    def _run(self) -> None:
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

    def running(self) -> bool:
        """Whether the worker's thread has not ended yet (it may, after a Cancel)."""
        return self._thread.isRunning()

    def notify_waiting_input(self, window: QMainWindow, dialog: QWidget) -> None:
        """While this load runs, keys typed in ``window`` or its progress ``dialog`` (other
        than Esc, which cancels) are not taken for anything — a Space no longer presses
        Cancel — and ``window``'s status bar says that input waits."""
        self.input_notice = InputWaitNotice(window, dialog, self)


class LoadProgressDialog(QDialog):
    """File → Open's progress for a big file: a label, a bar and Cancel (Esc too);
    window-modal, shown only if the load lasts more than ``delay_ms``.

    Unlike QProgressDialog, whose ``setValue`` runs the event loop while it is modal (the
    load's end was then handled inside a progress update, and the dialog deleted under
    it), updating this one never runs the event loop. ``canceled`` is emitted only when
    the user cancels, never by :meth:`finish`."""

    canceled = Signal()

    def __init__(self, text: str, title: str, parent: QWidget | None = None, delay_ms: int = 300):
        super().__init__(parent)
        self.setObjectName("loadProgressDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        self.label = QLabel(text, self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.label)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        layout.addWidget(self.bar)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.rejected.connect(self.canceled)
        self._finished = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.open)
        self._timer.start(delay_ms)
        self.resize(420, self.sizeHint().height())

    def setValue(self, value: int) -> None:
        self.bar.setValue(value)

    def value(self) -> int:
        return self.bar.value()

    def setLabelText(self, text: str) -> None:
        self.label.setText(text)

    def labelText(self) -> str:
        return self.label.text()

    def finish(self) -> None:
        """The load ended: close without saying Cancel, and go (once: later calls do
        nothing)."""
        if self._finished:
            return
        self._finished = True
        self._timer.stop()
        self.rejected.disconnect(self.canceled)
        self.done(QDialog.DialogCode.Accepted)
        self.deleteLater()


class InputWaitNotice(QObject):
    """See :meth:`ScenarioLoader.notify_waiting_input`; ``keys`` counts the keys held."""

    def __init__(self, window: QMainWindow, dialog: QWidget, loader: ScenarioLoader):
        super().__init__(loader)
        self._window = window
        self._dialog = dialog
        self.keys = 0
        app = QApplication.instance()
        self._app = app
        if app is not None:
            app.installEventFilter(self)
        for signal in (loader.loaded, loader.failed, loader.cancelled):
            signal.connect(self._stop)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        if watched.window() not in (self._window, self._dialog):
            return False
        if event.key() == Qt.Key.Key_Escape or event.key() in _MODIFIER_KEYS:
            return False
        self.keys += 1
        self._window.statusBar().showMessage(LoadingWindow.WAIT_MESSAGE, 5000)
        return True

    def _stop(self, *_args: object) -> None:
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None


class LoadingWindow(QMainWindow):
    """What ``monitor BIG.json`` shows at once: the file's name, a progress bar and Cancel
    (Esc), where the dashboard will be, while :class:`ScenarioLoader` reads the file.

    Keys typed meanwhile are not taken for anything: the status bar says that input waits
    until loading finishes (``keys_waiting`` counts them). Signals mirror the loader's; the
    caller shows the dashboard on ``loaded`` and then closes this window.
    """

    loaded = Signal(object, object)  # Scenario, FileStorage
    failed = Signal(object)  # ScenarioError
    cancelled = Signal()

    WAIT_MESSAGE = "Input waits until loading finishes"

    def __init__(self, path: str | Path, user: str, parent: QWidget | None = None):
        super().__init__(parent)
        from monitor.ui.window_size import clamp_to_screen, fit_to_screen

        self.path = Path(path)
        self.setObjectName("loadingWindow")
        self.setWindowTitle(f"Opening {self.path.name} — Situation Monitor")
        self.keys_waiting = 0
        self.done = False
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addStretch(1)
        self.label = QLabel(f"Opening {self.path.name}…", central)
        self.label.setObjectName("loadingLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar(central)
        self.progress.setObjectName("loadProgress")
        self.progress.setAccessibleName(f"Loading {self.path.name}")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setMinimumWidth(360)
        self.progress.setMaximumWidth(520)
        self.cancel_button = QPushButton("Cancel (Esc)", central)
        self.cancel_button.setObjectName("loadCancel")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typed keys never press it
        self.cancel_button.clicked.connect(self.cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.setCentralWidget(central)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.statusBar().showMessage(str(self.path))
        # Where the dashboard will appear: its saved place, else a new window's.
        fit_to_screen(self)
        geometry = settings().value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
            clamp_to_screen(self)

        self.loader = ScenarioLoader(self.path, user, self)
        self.loader.progress.connect(self._on_loader_progress)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.failed.connect(self._on_loader_failed)
        self.loader.cancelled.connect(self._on_loader_cancelled)

    def start(self) -> None:
        self.loader.start()

    def cancel(self) -> None:
        self.loader.cancel()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return
        if event.text() or event.key() not in _MODIFIER_KEYS:
            self.keys_waiting += 1
            self.statusBar().showMessage(self.WAIT_MESSAGE)
        event.accept()

    def closeEvent(self, event) -> None:
        if not self.done:
            self.cancel()
        super().closeEvent(event)

    @Slot(float, str)
    def _on_loader_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.label.setText(f"{message} — {self.path.name}")

    @Slot(object, object)
    def _on_loader_loaded(self, scenario: object, storage: object) -> None:
        self.done = True
        self.progress.setValue(1000)
        self.label.setText(f"Preparing the panels — {self.path.name}")
        self.loaded.emit(scenario, storage)

    @Slot(object)
    def _on_loader_failed(self, exc: object) -> None:
        self.done = True
        self.failed.emit(exc)

    @Slot()
    def _on_loader_cancelled(self) -> None:
        self.done = True
        self.cancelled.emit()


_MODIFIER_KEYS = (
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_Meta,
    Qt.Key.Key_AltGr,
    Qt.Key.Key_CapsLock,
)
