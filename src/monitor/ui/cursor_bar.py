"""The "as of" time cursor toolbar: a date-time editor, a slider over the data's range, Live.

It only talks to the :class:`ScenarioContext`: it sets the cursor and follows it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QSlider,
    QToolBar,
    QToolButton,
    QWidget,
)

from monitor.model.timeutil import MAX_YEAR, MIN_YEAR, format_offset, military_dtg
from monitor.ui.context import ScenarioContext
from monitor.ui.datefield import DateTimeField
from monitor.ui.icons import icon

_STEP = timedelta(hours=1)  # slider resolution


class CursorBar(QToolBar):
    """Toolbar holding the window's single time cursor."""

    def __init__(self, ctx: ScenarioContext, parent: QWidget | None = None):
        super().__init__("Time cursor", parent)
        self.setObjectName("cursorToolbar")
        self._ctx = ctx
        self._start = self._end = datetime.now(UTC)

        label = QLabel(" As of ")
        self.addWidget(label)

        self.back_action = QAction(icon("step-back"), "Back one day", self)
        self.back_action.setShortcut(QKeySequence("Alt+Left"))
        self.back_action.setToolTip("Move the 'as of' time back one day (Alt+Left)")
        self.back_action.triggered.connect(lambda: self._step(-1))
        self.addAction(self.back_action)

        # Typed text applies as typed, once: on Enter or when the field is left (a spin box
        # re-derived every panel per keystroke and kept the old year; see DateTimeField).
        # Always ISO, also when times are shown as DTGs elsewhere: it is typed into.
        self.edit = DateTimeField(self, with_time=True)
        self.edit.setObjectName("cursorEdit")
        self.edit.setAccessibleName("As of")
        self.edit.setToolTip(
            "The moment every panel shows the situation as of (scenario time zone)"
        )
        # The years the model can store (pandas nanosecond timestamps): 1678..2261.
        self.edit.setMinimumDateTime(QDateTime(MIN_YEAR, 1, 2, 0, 0, 0))
        self.edit.setMaximumDateTime(QDateTime(MAX_YEAR, 12, 30, 23, 59, 59))
        self.edit.dateTimeChanged.connect(self._on_edit_changed)
        self.addWidget(self.edit)

        self.zone_label = QLabel()
        self.zone_label.setTextFormat(Qt.TextFormat.PlainText)
        self.addWidget(self.zone_label)

        self.forward_action = QAction(icon("step-forward"), "Forward one day", self)
        self.forward_action.setShortcut(QKeySequence("Alt+Right"))
        self.forward_action.setToolTip("Move the 'as of' time forward one day (Alt+Right)")
        self.forward_action.triggered.connect(lambda: self._step(1))
        self.addAction(self.forward_action)

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("cursorSlider")
        self.slider.setAccessibleName("As of, over the scenario's time span")
        self.slider.setMinimumWidth(160)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setToolTip("Drag to see the situation as of any moment in the scenario")
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.addWidget(self.slider)

        self.live_action = QAction(icon("live"), "Live", self)
        self.live_action.setObjectName("liveAction")
        self.live_action.setCheckable(True)
        self.live_action.setShortcut(QKeySequence("Ctrl+L"))
        self.live_action.setToolTip(
            "Follow the present moment: show the latest known state (Ctrl+L)"
        )
        self.live_action.triggered.connect(self._on_live_triggered)
        self.addAction(self.live_action)
        live_button = self.widgetForAction(self.live_action)
        if isinstance(live_button, QToolButton):
            live_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        ctx.cursor_changed.connect(self._on_ctx_cursor_changed)
        ctx.scenario_replaced.connect(self._on_ctx_scenario_replaced)
        # Bound methods, not lambdas: Qt drops them with this bar (no call after it is gone).
        ctx.display_changed.connect(self._on_ctx_display_changed)
        self._on_ctx_scenario_replaced()

    # -- conversions -----------------------------------------------------------
    def _to_qdatetime(self, value: datetime) -> QDateTime:
        local = value.astimezone(self._ctx.tz)
        qdt = QDateTime(local.year, local.month, local.day, local.hour, local.minute, local.second)
        return qdt

    def _from_qdatetime(self, qdt: QDateTime) -> datetime:
        d, t = qdt.date(), qdt.time()
        naive = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second())
        return naive.replace(tzinfo=self._ctx.tz)

    def _slider_value(self, value: datetime) -> int:
        steps = int((value - self._start) / _STEP)
        return max(self.slider.minimum(), min(self.slider.maximum(), steps))

    # -- reactions ---------------------------------------------------------------
    def _on_ctx_scenario_replaced(self) -> None:
        rng = _slider_range(self._ctx.scenario)
        if rng is None:
            now = datetime.now(UTC)
            rng = (now - timedelta(days=30), now)
        start, end = rng
        self._start = (start - timedelta(days=1)).astimezone(self._ctx.tz)
        self._end = (end + timedelta(days=1)).astimezone(self._ctx.tz)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(1, int((self._end - self._start) / _STEP)))
        self.slider.setPageStep(24)
        self.slider.blockSignals(False)
        self._on_ctx_cursor_changed(self._ctx.cursor_time())

    def _on_ctx_display_changed(self) -> None:
        self._on_ctx_cursor_changed(self._ctx.cursor_time())

    def _on_ctx_cursor_changed(self, when: datetime) -> None:
        live = self._ctx.is_live
        for w in (self.edit, self.slider):
            w.blockSignals(True)
        self.edit.setDateTime(self._to_qdatetime(when))
        self.slider.setValue(self.slider.maximum() if live else self._slider_value(when))
        for w in (self.edit, self.slider):
            w.blockSignals(False)
        self.live_action.setChecked(live)
        local = when.astimezone(self._ctx.tz)
        self.zone_label.setText(f" {format_offset(local)} ")
        utc = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        tip = f"{utc}\n{military_dtg(when)}"
        self.zone_label.setToolTip(tip)
        self.edit.setToolTip(
            "The moment every panel shows the situation as of "
            f"({self._ctx.scenario.info.timezone}).\n{tip}"
            + ("\nLive: following the present moment" if live else "")
        )

    def _on_edit_changed(self, qdt: QDateTime) -> None:
        self._ctx.set_cursor(self._from_qdatetime(qdt))

    def _on_slider_moved(self, value: int) -> None:
        self._ctx.set_cursor(self._start + value * _STEP)

    def _on_live_triggered(self, checked: bool) -> None:
        if checked:
            self._ctx.go_live()
        else:
            # Unchecking Live parks the cursor where it is now.
            self._ctx.set_cursor(self._ctx.cursor_time())

    def _step(self, days: int) -> None:
        self._ctx.set_cursor(self._ctx.cursor_time() + timedelta(days=days))


def _slider_range(scenario) -> tuple[datetime, datetime] | None:
    """The span the slider covers: the events and territory dates (old crossing history from
    years before would squeeze the period analysts work in); the date editor reaches any time."""
    from monitor.model import Moment

    instants = list(scenario.events_range() or ())  # not a walk over every event
    instants += [Moment.of_day(d, scenario.tz).instant for d in scenario.territory_dates()]
    if not instants:
        return scenario.time_range()
    return min(instants), max(instants)
