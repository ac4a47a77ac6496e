"""The one object every panel shares: the scenario, the time cursor and the selection.

Panels never call each other. They read from a :class:`ScenarioContext` and
react to its signals; user actions go through the context (or, for edits,
through undo commands that call it), which emits signals, which views follow.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from monitor.model import Scenario
from monitor.model.timeutil import (
    format_compact,
    format_moment,
    format_offset,
    military_dtg,
    single_offset,
    zone,
)

if TYPE_CHECKING:
    import pandas as pd


class ScenarioContext(QObject):
    """Shared state of one window.

    Signals:
      scenario_replaced(): a new scenario was loaded (models reset).
      crossing_changed(str): one crossing's data changed (id).
      extra_changed(str): a scenario-level field changed (e.g. "key_judgements").
      entity_changed(str, str): any entity changed (entity kind as in
        :mod:`monitor.model.changes`, id); emitted after the specific signals.
      events_changed(str): an event was added, edited or deleted (id).
      cursor_changed(object): the "as of" time moved; argument is the
        effective aware datetime (for Live: the present moment).
      live_changed(bool): the cursor switched between Live and parked.
      event_selected(str): an event was selected (id, "" for none).
      crossing_selected(str): a crossing was selected (id, "" for none).
      display_changed(): a display option (DTG, future-event mode) changed.
      filter_changed(): the events the feed shows changed (search, category,
        verification or date filters): read :attr:`shown_events`.
    """

    scenario_replaced = Signal()
    crossing_changed = Signal(str)
    extra_changed = Signal(str)
    entity_changed = Signal(str, str)
    events_changed = Signal(str)
    cursor_changed = Signal(object)
    live_changed = Signal(bool)
    event_selected = Signal(str)
    crossing_selected = Signal(str)
    display_changed = Signal()
    filter_changed = Signal()

    # While Live, the cursor follows the clock: tick once a minute.
    LIVE_TICK_MS = 60_000

    def __init__(
        self, scenario: Scenario, path: str | Path | None = None, parent: QObject | None = None
    ):
        super().__init__(parent)
        self._scenario = scenario
        self._path = Path(path) if path is not None else None
        self._frame: pd.DataFrame | None = None
        self._parked: datetime | None = None  # None means Live
        self._selected_event = ""
        self._selected_crossing = ""
        self._shown: object = None  # event positions the feed's filters let through (None: all)
        self.military_time = False
        self.hide_future = False
        # Marks others put on rows (the team store's "concurrent", monitor.ui.team.marks):
        # None, or an object whose crossing(id) and entry(id, entry) give a short text or "".
        self.marks = None
        self._zone_offset: tuple[tuple, str | None] | None = None
        self._timed: tuple[int, bool] | None = None
        self._live_timer = QTimer(self)
        self._live_timer.setInterval(self.LIVE_TICK_MS)
        self._live_timer.timeout.connect(self._on_live_tick)
        self._live_timer.start()

    # -- scenario ----------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def tz(self) -> tzinfo:
        # What Scenario.tz returns, without its function-level import: under PySide6 every
        # import statement runs Python-level hooks, and this is read for every time shown.
        return zone(self._scenario.info.timezone)

    def replace_scenario(self, scenario: Scenario, path: str | Path | None) -> None:
        self._scenario = scenario
        self._path = Path(path) if path is not None else None
        self._frame = None
        self._zone_offset = self._timed = None
        self._selected_event = ""
        self._selected_crossing = ""
        self._shown = None
        self.scenario_replaced.emit()
        self.cursor_changed.emit(self.cursor_time())

    def set_path(self, path: str | Path) -> None:
        self._path = Path(path)

    @property
    def events_frame(self) -> pd.DataFrame:
        """The events as a DataFrame (row i is ``scenario.events[i]``), built once per scenario."""
        if self._frame is None:
            self._frame = self._scenario.events_frame()
        return self._frame

    def notify_crossing_changed(self, crossing_id: str) -> None:
        if self._timed is not None and not self._timed[1]:
            self._timed = None  # the history may hold a time of day now (look again)
        # (The zone's offset is kept: a new entry in another offset is rare, and looking
        # again at every toggle would walk every history.)
        if self.is_live:
            # A change recorded "now" must show at once: views that cache the cursor time
            # catch up with the clock before they hear about the change.
            self.cursor_changed.emit(self.cursor_time())
        self.crossing_changed.emit(crossing_id)

    def notify_extra_changed(self, key: str) -> None:
        self.extra_changed.emit(key)

    def notify_changed(self, entity: str, key: str) -> None:
        """One entity changed (after a change was applied or undone): tell the views."""
        from monitor.model.changes import CROSSING, EVENT, FACTION, SCENARIO, SOURCE, STATUS

        if entity in (STATUS, CROSSING):
            self.notify_crossing_changed(key)
        elif entity == SCENARIO:
            self.notify_extra_changed(key)
        elif entity in (EVENT, SOURCE, FACTION):
            # The events frame is rebuilt from the event table on next use (a source's grade
            # and a faction's name are in its derived columns too).
            self._frame = None
            self.events_changed.emit(key if entity == EVENT else "")
        self.entity_changed.emit(entity, key)

    # -- time cursor ---------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return self._parked is None

    def cursor_time(self) -> datetime:
        """The effective "as of" time: the present moment when Live."""
        if self._parked is None:
            return datetime.now(UTC).astimezone(self.tz)
        return self._parked

    def set_cursor(self, when: datetime | None) -> None:
        """Park the cursor at ``when`` (aware datetime), or go Live with ``None``."""
        was_live = self.is_live
        if when is not None and when.tzinfo is None:
            raise ValueError("cursor time must be timezone-aware")
        self._parked = when.astimezone(self.tz) if when is not None else None
        if was_live != self.is_live:
            self.live_changed.emit(self.is_live)
        self.cursor_changed.emit(self.cursor_time())

    def go_live(self) -> None:
        self.set_cursor(None)

    def _on_live_tick(self) -> None:
        if self.is_live:
            self.cursor_changed.emit(self.cursor_time())

    # -- selection -----------------------------------------------------------------
    @property
    def selected_event(self) -> str:
        return self._selected_event

    def select_event(self, event_id: str) -> None:
        if event_id != self._selected_event:
            self._selected_event = event_id
            self.event_selected.emit(event_id)

    @property
    def selected_crossing(self) -> str:
        return self._selected_crossing

    def select_crossing(self, crossing_id: str) -> None:
        if crossing_id != self._selected_crossing:
            self._selected_crossing = crossing_id
            self.crossing_selected.emit(crossing_id)

    # -- the feed's filters ---------------------------------------------------------
    @property
    def shown_events(self):  # -> numpy.ndarray | None
        """Positions (rows of :attr:`events_frame`, int64, ascending) of the events that the
        feed's search, category, verification and date filters let through; ``None`` when no
        filter is set (every event). The time cursor is not applied here: each view applies
        it (hidden or dimmed future events) as the display options say."""
        return self._shown

    def set_shown_events(self, positions) -> None:
        """The feed calls this whenever its filters change what it shows."""
        self._shown = positions
        self.filter_changed.emit()

    # -- display options -----------------------------------------------------------
    def set_military_time(self, on: bool) -> None:
        if on != self.military_time:
            self.military_time = on
            self.display_changed.emit()

    def set_hide_future(self, on: bool) -> None:
        if on != self.hide_future:
            self.hide_future = on
            self.display_changed.emit()

    def format_moment(self, moment) -> str:  # Moment -> display text honouring display options
        if self.military_time:
            return military_dtg(moment)
        return format_moment(moment, self.tz)

    def zone_offset(self) -> str | None:
        """``UTC+03:00`` when the scenario's zone keeps one offset over all its times (then
        a table says it once, in a column's title), None with summer time in between."""
        key = (id(self._scenario), self._scenario.info.timezone)  # (identity: no deep compare)
        if self._zone_offset is None or self._zone_offset[0] != key:
            span = self._scenario.time_range()
            offset = single_offset(self.tz, *span) if span else format_offset(datetime.now(self.tz))
            self._zone_offset = (key, offset)
        return self._zone_offset[1]

    def crossing_times_of_day(self) -> bool:
        """Whether any crossing's history holds a time of day (not whole days only): then a
        "since" column says its zone."""
        key = id(self._scenario)
        if self._timed is None or self._timed[0] != key:
            timed = any(not e.time.day for c in self._scenario.crossings for e in c.history)
            self._timed = (key, timed)
        return self._timed[1]

    def format_compact(self, moment) -> str:
        """A table cell's time: no offset when the column's title says it (see
        :meth:`time_title`), a DTG in military time."""
        if self.military_time:
            return military_dtg(moment)
        return format_compact(moment, self.tz, offset=self.zone_offset() is None)

    def time_title(self, title: str) -> str:
        """``Since (UTC+03:00)``, ``Since (Europe/Berlin)`` or ``Since (DTG, Zulu)``."""
        if self.military_time:
            return f"{title} (DTG, Zulu)"
        return f"{title} ({self.zone_offset() or self._scenario.info.timezone})"
