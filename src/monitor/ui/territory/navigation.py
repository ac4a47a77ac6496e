"""Getting around the territory chart: the view it opens on, the way back after a zoom
or pan (Home, the reset button, "Reset view" in the context menu), and the "N earlier /
later events" boxes, which move the view to those events when clicked.

The chart opens on the data up to the time cursor, so that the cursor is in view: the
main cluster of data (see ``TerritoryPanel.initial_range``), widened to the cursor when
that keeps the cluster at least half the chart, or the data leading up to a cursor that
sits among far-off events (see :func:`include_cursor`). A cursor far beyond all the data
(Live, years after a closed scenario) would squash the data into a sliver: then the view
keeps to the data and the cursor line waits at the edge with an arrow and its date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolButton

if TYPE_CHECKING:
    from monitor.ui.territory.panel import TerritoryPanel

DAY_S = 86_400.0
# Where the nearest event out of view lands after a click on an edge box (fraction of
# the view's width from the side it came from): near the edge, the rest of the width for
# what lies beyond it.
LAND_AT = 0.15
MIN_CURSOR_REACH_S = 7 * DAY_S  # a cursor this close to the main view is always framed


def include_cursor(
    view: tuple[float, float], extent: tuple[float, float], cursor: float
) -> tuple[float, float]:
    """The view to open on, given the main view of the data, the data's whole ``extent``
    and the cursor: the main view if the cursor is in it; widened to the cursor if that
    keeps the main view at least half the width; else, with the cursor among the data
    (say on a far-off event), a view as wide ending just after the cursor: the data up to
    it. A cursor beyond all the data and far from it (Live, long after): the main view (the
    cursor line waits at its edge, with an arrow and its date)."""
    v0, v1 = view
    width = v1 - v0
    if v0 <= cursor <= v1:
        return view
    gap = v0 - cursor if cursor < v0 else cursor - v1
    margin = max(0.5 * DAY_S, 0.03 * (width + gap))
    if gap <= max(width, MIN_CURSOR_REACH_S):
        return (cursor - margin, v1) if cursor < v0 else (v0, cursor + margin)
    e0, e1 = extent
    if e0 <= cursor <= e1:
        return cursor + 0.03 * width - width, cursor + 0.03 * width
    return view


class ChartNavigation(QObject):
    """The chart's reset (``reset_action``: Home; ``reset_button``; the context menu) and
    its edge boxes' clicks. ``default_range()`` is the view the chart opens on."""

    def __init__(self, panel: TerritoryPanel):
        super().__init__(panel)
        self.panel = panel
        plot = panel.plot_widget
        self.reset_action = QAction("Reset view", panel)
        self.reset_action.setObjectName("territoryResetView")
        self.reset_action.setShortcut(QKeySequence(Qt.Key.Key_Home))
        self.reset_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reset_action.setToolTip(
            "Back to the default view after a zoom or pan: the data up to the 'as of' time (Home)"
        )
        self.reset_action.triggered.connect(self.reset)
        panel.addAction(self.reset_action)
        self.all_action = QAction("Show all data", panel)
        self.all_action.setToolTip("Zoom out to every territory date and event")
        self.all_action.triggered.connect(self.show_all)
        self.context_actions: list[QAction] = []  # other parts' actions, after these in the menu
        self.menu_point: tuple[float, float] | None = None  # chart (x, y) of the last right click

        self.reset_button = QToolButton(plot)
        self.reset_button.setObjectName("territoryResetButton")
        self.reset_button.setDefaultAction(self.reset_action)
        self.reset_button.setText("\u27f2")  # anticlockwise arrow: "back"
        self.reset_button.setAccessibleName("Reset view")
        self.reset_button.setAutoRaise(True)
        self.reset_button.setFixedSize(QSize(24, 22))
        plot.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a click on the chart: Home is its
        # A right click (not a right drag, which zooms) on the chart opens its menu, as
        # pyqtgraph's own menu (left off: it offers nothing for this chart) would.
        self._vb = panel.plot_item.getViewBox()
        self._vb.mouseClickEvent = self._on_view_clicked
        panel.lane.on_rebinned = panel.refresh_markers  # colours, legend and ring again
        panel.lane.hint_left.on_click = lambda: self.reveal(-1)
        panel.lane.hint_right.on_click = lambda: self.reveal(1)
        plot.installEventFilter(self)
        self.place_button()

    # -- ranges -----------------------------------------------------------------------------
    def default_range(self) -> tuple[float, float]:
        p = self.panel
        return include_cursor(p.initial_range(), p.frame_range(), p.ctx.cursor_time().timestamp())

    def view_range(self) -> tuple[float, float]:
        x0, x1 = self.panel.plot_item.getViewBox().viewRange()[0]
        return float(x0), float(x1)

    def _set(self, x0: float, x1: float) -> None:
        """Show ``x0..x1`` (moved inside the limits, its width kept); the limits take in
        the default view (the data and the cursor)."""
        f0, f1 = self.panel.frame_range()
        d0, d1 = self.default_range()
        f0, f1 = min(f0, d0), max(f1, d1)
        vb = self.panel.plot_item.getViewBox()
        if vb.state["limits"]["xLimits"] != [f0, f1]:
            vb.setLimits(xMin=f0, xMax=f1)
        width = min(x1 - x0, f1 - f0)
        x0 = min(max(x0, f0), f1 - width)
        vb.setXRange(x0, x0 + width, padding=0)

    def reset(self) -> None:
        self._set(*self.default_range())

    def show_all(self) -> None:
        self._set(*self.panel.frame_range())

    def reveal(self, side: int) -> None:
        """An edge box was clicked: the nearest events on that ``side`` (-1 earlier, 1 later)
        come into view, the view's width kept (LAND_AT from the edge they came in at)."""
        lane = self.panel.lane
        if lane.markers is None:
            return
        xs, _weights = lane.sorted_xs()
        x0, x1 = self.view_range()
        width = x1 - x0
        if side < 0:
            i = int(np.searchsorted(xs, x0, side="left")) - 1
            if i < 0:
                return
            target = float(xs[i])
            self._set(target - (1 - LAND_AT) * width, target + LAND_AT * width)
        else:
            i = int(np.searchsorted(xs, x1, side="right"))
            if i >= len(xs):
                return
            target = float(xs[i])
            self._set(target - LAND_AT * width, target + (1 - LAND_AT) * width)

    # -- menu and button -------------------------------------------------------------------
    def menu(self) -> QMenu:
        menu = QMenu(self.panel.plot_widget)
        menu.addAction(self.reset_action)
        menu.addAction(self.all_action)
        if self.context_actions:
            menu.addSeparator()
            menu.addActions(self.context_actions)
        return menu

    def _on_view_clicked(self, ev) -> None:
        if ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            p = self._vb.mapSceneToView(ev.scenePos())
            self.menu_point = (float(p.x()), float(p.y()))
            self._menu = self.menu()  # kept while it is open
            self._menu.popup(ev.screenPos().toPoint())
        else:
            ev.ignore()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.panel.plot_widget and event.type() == QEvent.Type.Resize:
            self.place_button()
        return False

    def place_button(self) -> None:
        """The reset button in the chart's bottom-left corner (between the axes: empty)."""
        plot = self.panel.plot_widget
        self.reset_button.move(2, plot.height() - self.reset_button.height() - 2)
        self.reset_button.raise_()
