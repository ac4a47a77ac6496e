"""Editing from the map and the territory chart (their right-click menus).

The map's menu offers **New event here…** (the event dialog with the longitude and
latitude of the click filled in) and **Edit event…** for the event under the click (a
place with several events: the selected one if it is there, else the newest). The
territory chart's menu offers **Edit territory entry…** for the share under the click (the
latest entry on or before the clicked day, of the faction whose band is under the
pointer) and **Delete territory entry…**.

The panels are found in their docks when they are built (possibly after the window's
first paint); they are reached only through the small public hooks they offer
(``MapPanel.context_menu_requested``, ``ChartNavigation.context_actions`` /
``menu_point``).
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from monitor.model.text import isolate_if_needed


def _named(dock: Any, name: str) -> QWidget | None:
    panel = dock.widget()
    if panel is not None and panel.objectName() == name:
        return panel
    return dock.findChild(QWidget, name)


class ChartMenus(QObject):
    """The map's and the territory chart's editing entries (``editing`` owns the dialogs)."""

    def __init__(self, editing: Any, window: Any):
        super().__init__(editing)
        self._editing = editing
        self._window = window
        self._ctx = window.ctx
        self.map_panel: Any = None
        self.territory_panel: Any = None
        #: (lon, lat) of the map's last right click, and the event under it ("" if none).
        self.map_point: tuple[float, float] | None = None
        self.map_event = ""

        self.new_here_action = QAction("New event here…", self)
        self.new_here_action.setObjectName("mapNewEventAction")
        self.new_here_action.setToolTip("Log a new event at this place on the map")
        self.new_here_action.triggered.connect(lambda: self.new_event_here())
        self.edit_here_action = QAction("Edit event…", self)
        self.edit_here_action.setObjectName("mapEditEventAction")
        self.edit_here_action.triggered.connect(lambda: self.edit_event_here())
        self.edit_share_action = QAction("Edit territory entry…", self)
        self.edit_share_action.setObjectName("territoryEditEntryAction")
        self.edit_share_action.triggered.connect(lambda: self.edit_share_here())
        self.delete_share_action = QAction("Delete territory entry…", self)
        self.delete_share_action.setObjectName("territoryDeleteEntryAction")
        self.delete_share_action.triggered.connect(lambda: self.delete_share_here())

        window.map_dock.installEventFilter(self)
        window.territory_dock.installEventFilter(self)
        self._adopt()

    # -- finding the panels ----------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ChildAdded and watched in (
            self._window.map_dock,
            self._window.territory_dock,
        ):
            self._adopt()
        return super().eventFilter(watched, event)

    def _adopt(self) -> None:
        w = self._window
        if self.map_panel is None:
            panel = _named(w.map_dock, "mapPanel")
            if panel is not None and hasattr(panel, "context_menu_requested"):
                self.map_panel = panel
                panel.context_menu_requested.connect(self._on_map_menu)
                w.map_dock.removeEventFilter(self)
        if self.territory_panel is None:
            plot = w.territory_dock.findChild(QWidget, "territoryPlot")
            panel = plot.parentWidget() if plot is not None else None
            nav = getattr(panel, "navigation", None)
            if nav is not None and hasattr(nav, "context_actions"):
                self.territory_panel = panel
                nav.context_actions.extend([self.edit_share_action, self.delete_share_action])
                w.territory_dock.removeEventFilter(self)

    # -- the map -----------------------------------------------------------------------------
    def event_at(self, lon: float, lat: float) -> str:
        """The event under (lon, lat) on the map: the only one there, or the selected one if
        it is among them, or the newest of them ("" if none)."""
        from monitor.ui.map.panel import PICK_PX

        panel = self.map_panel
        if panel is None or math.isnan(lon) or math.isnan(lat):
            return ""
        px, py = panel.view_box.viewPixelSize()
        sx, sy = (1.0 / px if px else 1.0), (1.0 / py if py else 1.0)
        points = panel.points
        k = points.nearest(lon, lat, sx, sy, PICK_PX)
        if k < 0:
            return ""
        ids = self._ctx.events_frame["id"]
        members = [str(ids.iat[int(p)]) for p in points.events_of(k)]
        if not members:
            return ""
        selected = self._ctx.selected_event
        return selected if selected in members else members[-1]

    def _on_map_menu(self, menu: Any, lon: float, lat: float) -> None:
        """Before the map's menu pops up: its editing entries, for the place clicked."""
        located = not (math.isnan(lon) or math.isnan(lat))
        self.map_point = (lon, lat) if located else None
        self.map_event = self.event_at(lon, lat) if located else ""
        self.new_here_action.setEnabled(located)
        event = self._ctx.scenario.event(self.map_event) if self.map_event else None
        self.edit_here_action.setEnabled(event is not None)
        if event is not None:
            title = " ".join(event.title.split())
            title = (title if len(title) <= 50 else title[:49] + "…").replace("&", "&&")
            self.edit_here_action.setText(f"Edit event “{isolate_if_needed(title)}”…")
        else:
            self.edit_here_action.setText("Edit event…")
        first = menu.actions()[0] if menu.actions() else None
        if self.new_here_action not in menu.actions():
            menu.insertAction(first, self.new_here_action)
            menu.insertAction(first, self.edit_here_action)
            menu.insertSeparator(first)

    def new_event_here(self) -> Any:
        """The new event dialog with the place of the map's last right click."""
        dialog = self._editing.new_event()
        if self.map_point is not None:
            lon, lat = self.map_point
            dialog.lon_edit.setText(f"{lon:.4f}")
            dialog.lat_edit.setText(f"{lat:.4f}")
        return dialog

    def edit_event_here(self) -> Any:
        if not self.map_event:
            return None
        self._ctx.select_event(self.map_event)
        return self._editing.edit_event(self.map_event)

    # -- the territory chart ----------------------------------------------------------------
    def share_at(self, x: float, y: float) -> str:
        """The key ("YYYY-MM-DD/faction") of the territory entry under chart point (x, y):
        the latest date on or before the clicked day, the faction whose band holds y ("" if
        there is none)."""
        panel = self.territory_panel
        if panel is None:
            return ""
        got = panel.shares_at(x)
        if got is None:
            return ""
        day, shares = got
        territory = self._ctx.scenario.territory
        dates = sorted({t.date for t in territory if t.date <= day})
        if not dates:
            return ""
        on = dates[-1]
        factions = {t.faction for t in territory if t.date == on}
        bands = []  # (faction, bottom, top) in the order the chart stacks them
        top = 0.0
        for faction, (share, _estimated) in shares.items():
            if faction in factions:
                bands.append((faction, top, top + share))
            top += share
        if not bands:
            return f"{on.isoformat()}/{sorted(factions)[0]}"
        hit = next((f for f, lo, hi in bands if lo <= y <= hi), None)
        if hit is None:  # above or below every band: the nearest
            hit = min(bands, key=lambda b: min(abs(y - b[1]), abs(y - b[2])))[0]
        return f"{on.isoformat()}/{hit}"

    def _chart_key(self) -> str:
        nav = getattr(self.territory_panel, "navigation", None)
        point = getattr(nav, "menu_point", None)
        return self.share_at(*point) if point is not None else ""

    def edit_share_here(self) -> Any:
        return self._editing.edit_territory(self._chart_key() or None)

    def delete_share_here(self) -> bool:
        return self._editing.deleter.delete_territory(self._chart_key() or None)
