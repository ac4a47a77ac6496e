"""A window kept live on a team store: notifications, catch-up, offline work, reconnection.

:class:`TeamLink` watches the store's LISTEN connection with a ``QSocketNotifier`` (no
thread: reading a notification never waits). When it becomes readable the announced
sequence numbers are drained and the log is read after the last number seen
(:meth:`TeamStore.entries_since`), in commit order. Changes made by others are applied to
the scenario shown by the change log's merge rules (the rules the store derived the
scenario with), **not** put on the local undo stack (they are the team's, not this
analyst's to undo), and the views are told as :meth:`Session.apply_batch` tells them.

When a crossing's status as of the cursor changes because of such a change (a backdated
entry too), the window says so once: a status bar message and a line in the team
notifications (:class:`monitor.ui.team.notices.TeamNotifications`), with who made the change
and when. A change that alters nothing there says nothing.

When the server goes away the analyst keeps working: changes go to the store's outbox on
disk, the status bar says ``offline — N changes waiting`` (``teamStatusLabel``), and a timer
tries to reconnect with the store's back-off (:attr:`TeamStore.retry_in`). On reconnect the
store sends the outbox (once: change ids are unique on the server) and the window catches up.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel

from monitor.model.changes import CROSSING, EVENT, FACTION, SOURCE, STATUS, ChangeError
from monitor.model.entities import Moment
from monitor.model.text import isolate_if_needed
from monitor.store.connection import LogEntry, StoreOffline
from monitor.ui.team.marks import ConcurrentMarks
from monitor.ui.text import plain_tooltip

if TYPE_CHECKING:
    from monitor.store.team import TeamStore
    from monitor.ui.team.notices import TeamNotifications

#: The shortest wait between two reconnection tries (the store's back-off decides the rest).
MIN_RETRY_MS = 200
OFFLINE_STYLE = "QLabel { background: #b26a00; color: white; padding: 0 6px; }"


@dataclass(frozen=True, slots=True)
class StatusNews:
    """A crossing whose status as of the cursor changed because of someone else's change."""

    crossing_id: str
    crossing: str
    before: str
    after: str
    author: str
    recorded: str  # as the store recorded it (ISO, UTC)
    seq: int

    def text(self, when: str) -> str:
        return (
            f"{isolate_if_needed(self.crossing)} is now {self.after} (was {self.before}) "
            f"as of the cursor: changed by {isolate_if_needed(self.author)} at {when}"
        )


def _applied_out_of_order(entries: list[LogEntry], ours: set[str]) -> bool:
    """Did one of ``entries`` (others' changes, in log order) come before one of ours to the
    same entity that this window had applied first? (Two status entries added to a crossing
    commute: their order does not matter.)"""
    later_ours: set[tuple[str, str]] = set()
    for entry in reversed(entries):
        change = entry.change
        key = (change.entity, change.key)
        if change.id in ours:
            later_ours.add(key)
        elif key in later_ours and not (change.entity == STATUS and change.before is None):
            return True
    return False


def _word(status: Any) -> str:
    return status.value if status is not None else "unknown"


class TeamLink(QObject):
    """Keeps ``window`` (showing ``store``) live; see the module's text.

    Signals: ``caught_up(int)`` — remote changes were applied (how many);
    ``state_changed()`` — online/offline or the number of changes waiting changed.
    Attributes for the window and tests: ``label`` (``teamStatusLabel``), ``marks``,
    ``received`` (remote changes applied so far), ``news`` (every :class:`StatusNews`),
    ``problems`` (remote changes that did not fit)."""

    caught_up = Signal(int)
    state_changed = Signal()

    def __init__(self, window: Any, store: TeamStore, notifications: TeamNotifications):
        super().__init__(window)
        self._window = window
        self.store = store
        self.session = window.session
        self.ctx = window.ctx
        self.notifications = notifications
        self.marks = ConcurrentMarks(self.ctx, self)
        self.received = 0
        self.rederived = 0  # times the view was derived again in the log's order
        self.news: list[StatusNews] = []
        self.problems: list[str] = []
        self._notifier: QSocketNotifier | None = None
        self._stopped = False
        self._was_online = store.online
        self._last_text = ""
        self.label = QLabel(window)
        self.label.setObjectName("teamStatusLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName("Team store connection")
        window.statusBar().addPermanentWidget(self.label)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.try_reconnect)
        self.session.undo_stack.indexChanged.connect(self._after_local_change)
        window.installEventFilter(self)
        self.marks.load_from(store)
        self._watch_socket()
        self.refresh_label()
        if not store.online:
            self._went_offline()
        else:  # anything committed between the store's load and now
            QTimer.singleShot(0, self.catch_up)

    # -- lifetime -------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop following the store (another scenario was opened, or the window closed)."""
        if self._stopped:
            return
        self._stopped = True
        self._retry.stop()
        self._drop_notifier()
        self.marks.clear()
        self.label.hide()
        self._window.statusBar().removeWidget(self.label)
        self.label.deleteLater()
        self._window.removeEventFilter(self)
        with contextlib.suppress(RuntimeError, TypeError):
            self.session.undo_stack.indexChanged.disconnect(self._after_local_change)

    @property
    def active(self) -> bool:
        return not self._stopped

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close and not self._stopped:
            # The store is closed with the window: stop watching its socket first. If the
            # close is refused the window is still visible afterwards and watches again.
            self._drop_notifier()
            QTimer.singleShot(0, self._after_close)
        return False

    def _after_close(self) -> None:
        if self._stopped:
            return
        if not self._window.isVisible():
            self.stop()
        elif self.store.online:
            self._watch_socket()

    # -- the LISTEN socket ---------------------------------------------------------------
    def _watch_socket(self) -> None:
        self._drop_notifier()
        fd = self.store.socket()
        if fd < 0:
            return
        notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
        notifier.activated.connect(self.poll)
        self._notifier = notifier

    def _drop_notifier(self) -> None:
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            notifier.setEnabled(False)
            notifier.deleteLater()

    def poll(self, *_args: object) -> int:
        """Drain the notifications and catch up; returns how many remote changes applied."""
        if self._stopped:
            return 0
        seqs = self.store.notifies()
        if not self.store.online:
            self._went_offline()
            return 0
        if not seqs or max(seqs) <= self.store.last_seq:
            return 0  # our own changes coming back: in the view already
        return self.catch_up()

    def catch_up(self) -> int:
        """Read and apply what the log holds after the last sequence number seen."""
        if self._stopped or not self.store.online:
            return 0
        try:
            entries = self.store.entries_since(self.store.last_seq)
        except StoreOffline:
            self._went_offline()
            return 0
        except Exception as exc:  # (called from the event loop: nothing may escape)
            problem = f"the team store's log could not be read ({type(exc).__name__})"
            self.problems.append(problem)
            self._window.statusBar().showMessage(problem, 10000)
            return 0
        return self.apply_entries(entries)

    # -- applying the team's changes ------------------------------------------------------
    def apply_entries(self, entries: list[LogEntry]) -> int:
        """Apply the log entries this window does not have yet (others' changes), say what
        they changed at the cursor; returns how many were applied."""
        log = self.session.log
        scenario = self.ctx.scenario
        when: datetime = self.ctx.cursor_time()
        before = {c.id: c.status_at(when) for c in scenario.crossings}
        applied: list[LogEntry] = []
        marked: set[str] = set()
        ours = {e.change.id for e in entries if e.change.id in log}
        for entry in entries:
            change = entry.change
            if entry.concurrent:
                changed_mark = self.marks.add(entry)
            else:  # a new entry on a view that held the concurrent one resolves it
                changed_mark = change.id not in log and self.marks.resolve(change)
            if changed_mark:
                marked.add(change.key)
            if change.id in log:
                continue  # ours (sent from here) or seen already
            try:
                log.apply(change, strict=False)
            except ChangeError as exc:
                self.problems.append(f"change {entry.seq} by {change.author}: {exc}")
                continue
            applied.append(entry)
        if applied and _applied_out_of_order(entries, ours):
            # Ours went in first here, but the log has theirs first: derive the view again by
            # the log's order, as every other window and a fresh open see it.
            self.rederive()
        else:
            self._tell_views(applied, marked)
        if applied:
            self.received += len(applied)
            self._say_status_news(applied, before, when)
            self.caught_up.emit(len(applied))
        return len(applied)

    def rederive(self) -> bool:
        """Show the scenario derived from the base and the whole log in the log's order
        (the undo history stays: undo applies inverses, whatever the scenario object)."""
        try:
            scenario = self.store.load()
        except StoreOffline:
            self._went_offline()
            return False
        except Exception as exc:  # (the view stays as it was)
            self.problems.append(f"the team store could not be read again ({type(exc).__name__})")
            return False
        self.rederived += 1
        self.ctx.replace_scenario(scenario, None)
        return True

    def _tell_views(self, applied: list[LogEntry], marked: set[str]) -> None:
        touched: dict[str, set[str]] = {}
        for entry in applied:
            touched.setdefault(entry.change.entity, set()).add(entry.change.key)
        for key in marked:  # a concurrent marker appeared on the crossing's row
            if self.ctx.scenario.crossing(key) is not None:
                touched.setdefault(STATUS, set()).add(key)
        for entity, keys in touched.items():
            if len(keys) == 1 or entity not in (EVENT, SOURCE, FACTION):
                for key in sorted(keys):
                    self.ctx.notify_changed(entity, key)
            else:
                self.ctx.notify_changed(entity, "")

    def _say_status_news(self, applied: list[LogEntry], before: dict, when: datetime) -> None:
        scenario = self.ctx.scenario
        last_by_crossing: dict[str, LogEntry] = {}
        for entry in applied:
            if entry.change.entity in (STATUS, CROSSING):
                last_by_crossing[entry.change.key] = entry
        for crossing in scenario.crossings:
            if crossing.id not in before:
                continue  # new here: nothing was shown for it before
            now = crossing.status_at(when)
            if now == before[crossing.id]:
                continue  # nothing changed at the cursor: nothing to say
            entry = last_by_crossing.get(crossing.id)
            if entry is None:
                continue
            news = StatusNews(
                crossing.id,
                crossing.name,
                _word(before[crossing.id]),
                _word(now),
                entry.change.author,
                entry.change.recorded,
                entry.seq,
            )
            self.news.append(news)
            text = news.text(self._format_recorded(news.recorded))
            self.notifications.add(text, crossing.id)
            self._window.statusBar().showMessage(text, 15000)

    def _format_recorded(self, recorded: str) -> str:
        try:
            moment = Moment(datetime.fromisoformat(recorded), False)
        except (ValueError, TypeError):
            return recorded
        return self.ctx.format_moment(moment)

    # -- offline and back --------------------------------------------------------------------
    def _after_local_change(self, *_args: object) -> None:
        if self._stopped:
            return
        entries = self.session.log.entries
        if entries and self.marks.resolve(entries[-1]):  # a new entry resolves "concurrent"
            self.ctx.notify_changed(STATUS, entries[-1].key)
        if not self.store.online:
            self._went_offline()
        self.refresh_label()

    def _went_offline(self) -> None:
        self._drop_notifier()
        if self._was_online:
            self._was_online = False
            reason = self.store.offline_reason or "the server cannot be reached"
            self._window.statusBar().showMessage(
                f"Team store unreachable ({reason}): working offline, changes are kept here",
                10000,
            )
        self.refresh_label()
        self._schedule_retry()

    def _schedule_retry(self) -> None:
        if self._stopped or self._retry.isActive():
            return
        self._retry.start(max(MIN_RETRY_MS, int(self.store.retry_in * 1000) + 20))

    def try_reconnect(self) -> bool:
        """One reconnection try (the timer calls this); True if back online."""
        if self._stopped:
            return False
        if self.store.online:
            return True
        waiting = self.store.pending
        if not self.store.reconnect():
            self.refresh_label()
            self._schedule_retry()
            return False
        sent = waiting - self.store.pending
        self._was_online = True
        self._watch_socket()
        self.catch_up()
        self.refresh_label()
        self._window.statusBar().showMessage(
            f"Team store back online: {sent} change{'s' if sent != 1 else ''} sent", 8000
        )
        return True

    def refresh_label(self) -> None:
        if self._stopped:
            return
        text = self.store.status_text()
        if text != self._last_text:
            self._last_text = text
            self.label.setText(text)
            tip = f"Team store {self.store.display}"
            if not self.store.online and self.store.offline_reason:
                tip += f"\nOffline: {self.store.offline_reason}"
            self.label.setToolTip(plain_tooltip(tip))
            self.state_changed.emit()
        self.label.setStyleSheet("" if self.store.online else OFFLINE_STYLE)
