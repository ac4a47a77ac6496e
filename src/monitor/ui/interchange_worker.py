"""The import's reading and review off the GUI thread (File → Import…).

:class:`ImportJob` runs ``parse_feed`` + ``plan_import`` (and makes the review's changes)
in a thread of a :class:`QThreadPool`; it reports through :class:`ImportSignals`, which
live in the GUI thread (queued signals): ``progress(percent, message)``, ``reviewed(review)`` (shown
while the job goes on making its changes), ``done(review)``,
``failed(message, unknown_layout)`` and ``cancelled()``. :meth:`ImportJob.cancel` stops it
at its next stage.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from monitor.interchange import Cancelled, FeedError, UnknownLayout, parse_feed, plan_import


class ImportSignals(QObject):
    progress = Signal(int, str)
    reviewed = Signal(object)  # the review is ready (its changes are being made)
    done = Signal(object)  # the review's changes are made: it can be applied
    failed = Signal(str, bool)
    cancelled = Signal()


class ImportJob(QRunnable):
    """Read ``path``, recognise it and plan its merge into ``scenario`` (not changed)."""

    def __init__(
        self,
        path: str | Path,
        scenario: Any,
        *,
        format: str | None = None,
        mapping: dict[str, str] | None = None,
        deletions: str | Path | None = None,
        author: str = "",
        parent: QObject | None = None,
    ):
        super().__init__()
        self.setAutoDelete(False)  # the actions keep it until it reports
        self.path = Path(path)
        self.scenario = scenario
        self.format = format
        self.mapping = mapping
        self.deletions = deletions
        self.author = author
        self.signals = ImportSignals(parent)
        self._stop = threading.Event()
        self.finished = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    @property
    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    def _step(self, fraction: float, message: str) -> None:
        if self._stop.is_set():
            raise Cancelled
        self.signals.progress.emit(round(100 * fraction), message)

    def run(self) -> None:  # in the pool's thread; nothing may escape (it would abort)
        try:
            parsed = parse_feed(
                self.path,
                format=self.format,
                mapping=self.mapping,
                progress=lambda f, m: self._step(0.7 * f, m),
            )
            deletions = None
            if self.deletions is not None:
                deletions = parse_feed(self.deletions, format="acled")
                if deletions.feed != "acled-deletions":
                    raise FeedError(
                        f"{self.deletions}: not a deletions list (expected the columns "
                        "event_id_cnty, deleted_timestamp)"
                    )
            self._step(0.7, "Comparing with the scenario")
            review = plan_import(self.scenario, parsed, deletions=deletions, author=self.author)
            self._step(1.0, "Done")
            self.signals.reviewed.emit(review)
            _ = review.changes  # made here while the review is read, not when Apply is pressed
        except Cancelled:
            self.signals.cancelled.emit()
        except UnknownLayout as exc:
            self.signals.failed.emit(str(exc), True)
        except FeedError as exc:
            self.signals.failed.emit(str(exc), False)
        except Exception as exc:  # a bug or a refusal by the scenario rules: said, not raised
            self.signals.failed.emit(
                f"{self.path}: cannot be imported ({type(exc).__name__}: {exc})", False
            )
        else:
            self.signals.done.emit(review)
        finally:
            self.finished.set()
