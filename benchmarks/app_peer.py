"""One analyst's app for the team-store latency row of ``bench_store.py``: a real
``monitor.ui.MainWindow(DSN)``, offscreen, in a process of its own (run as a script).

    python app_peer.py receive DSN N
        open the window on the store, show it with its panels, say "ready", then for each
        remote change the window applies print one line
            applied CHANGE_ID CROSSING SHOWN OK T
        (``TeamLink.caught_up``: the change is in the view and the crossings table's model
        answers with the new status; SHOWN is the Status cell's text, OK is 1 when it is the
        crossing's status as of the cursor, 0 when not, - when a later change to the same
        crossing came in the same catch-up) and, once the crossings table has painted after it,
            painted CHANGE_ID T
        (T: the next turn of the event loop after the table viewport's paint event, i.e.
        the row as the analyst sees it). Stops after N changes painted, or 10 s without news.
    python app_peer.py send DSN N PACE_MS
        open the window on the store, show it, say "ready", wait for a line on stdin, then
        toggle a crossing N times through ``MainWindow.set_crossing_status`` (Al-Qaim and
        Semalka in turn, to the other status as of the cursor), PACE_MS apart on a timer (the
        window's event loop runs in between, as for an analyst), printing
            sent CHANGE_ID CROSSING STATUS T0 T1
        (T0 just before the toggle, T1 once it returned: applied here and committed).

Times are ``time.monotonic()``: CLOCK_MONOTONIC, one clock for every process of the machine
(Linux). The process ends with ``os._exit`` after its last line: a window closing offscreen
could wait on a dialog nobody answers, and the benchmark must not hang on it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CROSSINGS = ("qaim", "semalka")
IDLE_MS = 10_000


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _window(dsn: str) -> Any:
    """The app on the store, shown with its panels built (as after the first paint)."""
    from PySide6.QtWidgets import QApplication

    from monitor.app import create_application
    from monitor.ui import MainWindow

    app = create_application(["monitor"])
    window = MainWindow(dsn)
    window.show()
    window.ensure_panels()
    deadline = time.monotonic() + 10
    handle = window.windowHandle()
    while handle is not None and not handle.isExposed() and time.monotonic() < deadline:
        QApplication.processEvents()
    for _ in range(20):  # the deferred work after the first paint (catch-up, checks)
        QApplication.processEvents()
        time.sleep(0.01)
    link = window.team.link
    if link is None or not link.store.online:
        raise SystemExit(f"the window is not live on the store: {window.windowTitle()}")
    app.processEvents()
    return app, window


def _status_text(window: Any, crossing_id: str) -> str:
    from monitor.ui.crossings.status import CrossingColumn

    model = window.crossings_panel.model
    row = model.row_of(crossing_id)
    return str(model.data(model.index(row, CrossingColumn.STATUS)) or "")


def receive(dsn: str, expected: int) -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer

    app, window = _window(dsn)
    link = window.team.link
    log = window.session.log
    viewport = window.crossings_panel.view.viewport()
    waiting: list[str] = []  # applied, not yet painted
    painted = 0

    idle = QTimer()
    idle.setSingleShot(True)
    idle.timeout.connect(app.quit)

    def after_paint() -> None:
        nonlocal painted
        if not waiting:
            return
        t = time.monotonic()
        for change_id in waiting:
            _say(f"painted {change_id} {t!r}")
        painted += len(waiting)
        waiting.clear()
        if painted >= expected:
            app.quit()

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and waiting:
                QTimer.singleShot(0, after_paint)  # once this paint has been done
            return False

    watch = PaintWatch()
    viewport.installEventFilter(watch)

    def on_caught_up(n: int) -> None:
        t = time.monotonic()
        changes = log.entries[-n:]
        when = window.ctx.cursor_time()
        last: dict[str, str] = {c.key: c.id for c in changes}
        for change in changes:
            shown = _status_text(window, change.key)
            if last.get(change.key) != change.id:
                ok = "-"
            else:
                crossing = window.ctx.scenario.crossing(change.key)
                status = crossing.status_at(when) if crossing is not None else None
                ok = "1" if status is not None and shown.lower() == status.value else "0"
            _say(f"applied {change.id} {change.key} {shown.replace(' ', '_') or '?'} {ok} {t!r}")
            waiting.append(change.id)
        idle.start(IDLE_MS)

    link.caught_up.connect(on_caught_up)
    _say("ready")
    idle.start(IDLE_MS * 3)
    app.exec()
    _say(f"done {link.received} {painted}")
    os._exit(0)


def send(dsn: str, n: int, pace_ms: int) -> int:
    from PySide6.QtCore import QTimer

    from monitor.model.entities import CrossingStatus

    app, window = _window(dsn)
    log = window.session.log
    _say("ready")
    sys.stdin.readline()
    made = 0

    def toggle() -> None:
        nonlocal made
        crossing = CROSSINGS[made % len(CROSSINGS)]
        now = window.ctx.scenario.crossing(crossing).status_at(window.ctx.cursor_time())
        status = CrossingStatus.OPEN if now != CrossingStatus.OPEN else CrossingStatus.CLOSED
        t0 = time.monotonic()
        ok = window.set_crossing_status(crossing, status)
        t1 = time.monotonic()
        if not ok:
            _say(f"refused {crossing} {status.value}")
        else:
            _say(f"sent {log.entries[-1].id} {crossing} {status.value} {t0!r} {t1!r}")
        made += 1
        if made < n:
            QTimer.singleShot(pace_ms, toggle)
        else:
            QTimer.singleShot(500, app.quit)  # its own changes coming back, then stop

    QTimer.singleShot(0, toggle)
    app.exec()
    _say(f"done {made} pending {window.team.link.store.pending}")
    os._exit(0)


def main(argv: list[str]) -> int:
    if argv[0] == "receive":
        return receive(argv[1], int(argv[2]))
    if argv[0] == "send":
        return send(argv[1], int(argv[2]), int(argv[3]))
    raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
