"""The map panel: a pyqtgraph view in degrees (x = longitude, y = latitude, equirectangular,
aspect locked to 1/cos of the central latitude) of the bundled base map, the crossings with
their status as of the cursor, and the events the feed shows.

Linked with the other panels only through the :class:`~monitor.ui.context.ScenarioContext`:
a click selects (``ctx.select_event`` / ``ctx.select_crossing``), a selection made elsewhere
is highlighted and brought into view.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QMenu, QToolBar, QToolTip, QVBoxLayout, QWidget

from monitor.model.basemap import BaseMap, load_basemap
from monitor.model.timeutil import to_ns
from monitor.ui.context import ScenarioContext

# The crossings table's own status words, colours and icons.
from monitor.ui.crossings.status import isolate, isolate_rtl, status_icon
from monitor.ui.map.actions import MapActions
from monitor.ui.map.colors import DIM_ALPHA, MapColors, argb32, class_colors
from monitor.ui.map.export import ask_and_export
from monitor.ui.map.items import (
    ICON_PX,
    BaseMapItems,
    CountryLabelsItem,
    CrossingMarker,
    marker_basis,
    one_line,
)
from monitor.ui.map.layer import EventClusters, Layer, Points, StatusTimes, follow_table
from monitor.ui.map.legend import MapLegend
from monitor.ui.map.points import EventPointsItem
from monitor.ui.map.tips import cluster_text, crossing_text

PICK_PX = 4.0  # extra reach of a click or hover around a dot, in pixels
CLUSTER_MENU_MAX = 40  # events listed in a cluster's menu
WORLD = QRectF(-180.0, -60.0, 360.0, 145.0)


def plain_tooltip(text: str) -> str:
    """``text`` as tooltip markup that shows it literally (markup in the data stays text)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text).replace("\n", "<br>") + "</p>"


class MapPanel(QWidget):
    """The map. ``panel.view`` is the pyqtgraph view widget; :meth:`view_pos` and
    :meth:`lonlat_at` map between places and its pixels."""

    #: (menu, lon, lat) before the right-click menu pops up (other parts add their actions)
    context_menu_requested = Signal(object, float, float)

    def __init__(
        self, ctx: ScenarioContext, parent: QWidget | None = None, basemap: BaseMap | None = None
    ):
        super().__init__(parent)
        self.setObjectName("mapPanel")
        self._ctx = ctx
        self.basemap = basemap if basemap is not None else load_basemap()
        self._clusters: EventClusters | None = None
        self._layer: Layer | None = None  # follows cursor steps from the last derivation
        self._version: int | None = None  # the event table's version the grouping is of
        self._points = Points.empty()
        self._markers: dict[str, CrossingMarker] = {}
        self._marker_basis: list[tuple] = []  # (see _crossing_basis)
        self._statuses = StatusTimes()
        self._colors = MapColors.from_palette(self.palette())
        self._aspect_lat = None
        self.cluster_menu: QMenu | None = None
        self.context_menu: QMenu | None = None

        self.view = pg.GraphicsView(self)
        self.view.setObjectName("mapView")
        self.view.setMouseTracking(True)
        self.view_box = pg.ViewBox(enableMenu=False, defaultPadding=0.0)
        self.view_box.disableAutoRange()
        self.view_box.setLimits(
            xMin=-540,
            xMax=540,
            yMin=-90,
            yMax=90,
            minXRange=0.02,
            minYRange=0.02,
            maxXRange=720,
            maxYRange=180,
        )
        self.view.setCentralItem(self.view_box)
        self.base_items = BaseMapItems(self.basemap, self.view_box)
        self.labels_item = CountryLabelsItem(self.basemap)
        self.view_box.addItem(self.labels_item, ignoreBounds=True)
        self.points_item = EventPointsItem()
        self.view_box.addItem(self.points_item, ignoreBounds=True)
        self.highlight = pg.ScatterPlotItem(size=22, symbol="o", pxMode=True)
        self.highlight.setZValue(30)
        self.view_box.addItem(self.highlight, ignoreBounds=True)

        self.map_actions = MapActions(self)
        self.fit_action: QAction = self.map_actions.fit_action
        self.color_action: QAction = self.map_actions.color_action
        for act in self.map_actions.all():
            self.addAction(act)
        self.fit_action.triggered.connect(self.fit_to_scenario)
        self.color_action.toggled.connect(self._on_color_mode)
        acts = self.map_actions
        acts.export_pdf_action.triggered.connect(lambda _c=False: ask_and_export(self, ".pdf"))
        acts.export_png_action.triggered.connect(lambda _c=False: ask_and_export(self, ".png"))

        self.toolbar = QToolBar("Map", self)
        self.toolbar.setObjectName("mapToolBar")
        self.toolbar.addAction(self.fit_action)
        self.toolbar.addAction(self.color_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.map_actions.export_pdf_action)
        self.toolbar.addAction(self.map_actions.export_png_action)
        self.legend = MapLegend(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.legend)

        scene = self.view.scene()
        scene.sigMouseClicked.connect(self._on_scene_clicked)
        scene.sigMouseMoved.connect(self._on_scene_moved)
        self.view_box.sigRangeChanged.connect(self._on_range_changed)
        ctx.scenario_replaced.connect(self._on_scenario_replaced)
        ctx.events_changed.connect(self._on_events_changed)
        ctx.crossing_changed.connect(self._on_crossing_changed)
        ctx.cursor_changed.connect(self._on_cursor_changed)
        ctx.filter_changed.connect(self.refresh_events)
        ctx.display_changed.connect(self._on_color_mode)  # legend (faint future) + layer
        ctx.event_selected.connect(self._on_event_selected)
        ctx.crossing_selected.connect(self._on_crossing_selected)

        self._apply_colors()
        self._rebuild_crossings()
        self.refresh_events()
        self.fit_to_scenario()

    # -- public API -----------------------------------------------------------------------
    def actions(self) -> list[QAction]:  # type: ignore[override]
        """The panel's own actions (fit, colour mode): for a menu or a toolbar elsewhere."""
        return self.map_actions.all()

    @property
    def points(self) -> Points:
        """What the event layer shows now (clusters of the shown events)."""
        return self._points

    @property
    def unlocated_count(self) -> int:
        return self.legend.unlocated

    def view_pos(self, lon: float, lat: float) -> QPoint:
        """The pixel of (lon, lat) in :attr:`view` (widget coordinates)."""
        scene = self.view_box.mapViewToScene(QPointF(lon, lat))
        return self.view.mapFromScene(scene)

    def lonlat_at(self, pos: QPoint | QPointF) -> tuple[float, float]:
        """The (lon, lat) under a pixel of :attr:`view`."""
        p = self.view_box.mapSceneToView(self.view.mapToScene(QPoint(int(pos.x()), int(pos.y()))))
        return p.x(), p.y()

    def visible_rect(self) -> QRectF:
        """The part of the map in view, in degrees (x = lon, y = lat)."""
        return self.view_box.viewRect()

    def crossing_status(self, crossing_id: str):
        """The status the map shows for a crossing (None = unknown), or ``"absent"``."""
        marker = self._markers.get(crossing_id)
        return marker.status if marker is not None else "absent"

    def crossing_marker(self, crossing_id: str) -> CrossingMarker | None:
        return self._markers.get(crossing_id)

    def crossing_ids(self) -> list[str]:
        """The crossings drawn (those with a location), in the scenario's order."""
        return list(self._markers)

    def export(self, path, *, scale: float | None = None):
        """Write what the panel shows (view rectangle, layers, colour mode, cursor, legend)
        to ``path``: PDF or PNG by its suffix; returns the path (``ValueError`` for another
        suffix, ``OSError`` if it cannot be written). See :mod:`monitor.ui.map.export`."""
        from monitor.ui.map.export import export_map

        return export_map(self, path, scale=scale)

    def export_pdf(self, out, options=None):
        """The PDF of the map as it shows now, like the other panels' ``export_pdf``
        (``options``: :class:`~monitor.briefing.BriefingOptions`; its marking is printed)."""
        from pathlib import Path

        from monitor.ui.map.export import export_map

        out = Path(out)
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        return export_map(self, out, marking=getattr(options, "marking", ""))

    def show_region(self, lon0: float, lat0: float, lon1: float, lat1: float) -> None:
        """Show at least this box (aspect kept)."""
        self._lock_aspect((lat0 + lat1) / 2)
        self.view_box.setRange(QRectF(lon0, lat0, lon1 - lon0, lat1 - lat0), padding=0.0)

    def fit_to_scenario(self) -> None:
        """Every crossing and located event in view (the world if there is none)."""
        lons, lats = [], []
        clusters = self._clusters_now()
        held = clusters.occupied()  # (an edit can leave a place without events)
        if len(held):
            lons += [float(clusters.lon[held].min()), float(clusters.lon[held].max())]
            lats += [float(clusters.lat[held].min()), float(clusters.lat[held].max())]
        for marker in self._markers.values():
            lons.append(marker.pos().x())
            lats.append(marker.pos().y())
        if not lons:
            self.show_region(WORLD.left(), WORLD.top(), WORLD.right(), WORLD.bottom())
            return
        x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w = max((x1 - x0) * 0.58, 1.0)
        half_h = max((y1 - y0) * 0.58, 0.75)
        self.show_region(cx - half_w, max(cy - half_h, -89.0), cx + half_w, min(cy + half_h, 89.0))

    def tooltip_text_at(self, lon: float, lat: float) -> str:
        """The hover text (plain) for the place under (lon, lat): a crossing, an event or a
        cluster; "" for none."""
        crossing = self._crossing_at(lon, lat)
        if crossing:
            return self._crossing_text(crossing)
        k = self._cluster_at(lon, lat)
        return self._cluster_text(k) if k >= 0 else ""

    # -- refresh --------------------------------------------------------------------------
    def clusters(self) -> EventClusters:
        """The events of the current frame grouped by place (what the layer draws)."""
        return self._clusters_now()

    def _clusters_now(self) -> EventClusters:
        if self._clusters is not None and self._catch_up():
            return self._clusters
        if self._clusters is None or self._clusters.n_events != len(self._ctx.events_frame):
            self._clusters = EventClusters(self._ctx.events_frame)
            self._layer = None
            self._version = getattr(self._ctx.scenario.events, "version", None)
        return self._clusters

    def refresh_events(self) -> None:
        """Re-derive the event layer from the context (filters, cursor, display options):
        after a cursor step, only the clusters with events the cursor passed change."""
        ctx = self._ctx
        clusters = self._clusters_now()
        if self._layer is None or self._layer.clusters is not clusters:
            self._layer = Layer(clusters)
        cursor = to_ns(ctx.cursor_time())
        by_category = self.color_action.isChecked()
        points = self._layer.derive(ctx.shown_events, cursor, ctx.hide_future, by_category)
        if points is not self._points:  # (the same derivation: nothing to repaint)
            self._points = points
            self.points_item.set_points(points)
        self.legend.set_unlocated(self._count_unlocated(clusters, cursor))
        self._update_event_highlight(bring_into_view=False)

    def _count_unlocated(self, clusters: EventClusters, cursor_ns: int) -> int:
        ctx = self._ctx
        return clusters.unlocated_count(ctx.shown_events, cursor_ns, ctx.hide_future)

    def refresh_crossings(self) -> None:
        """Each marker's status as of the cursor."""
        when = to_ns(self._ctx.cursor_time())
        markers = self._markers
        for crossing in self._ctx.scenario.crossings:
            marker = markers.get(crossing.id)
            if marker is None:
                continue
            status = self._statuses.status_at(crossing, when)
            if marker.icon is None or status != marker.status:
                marker.set_status(status, status_icon(status))

    def _rebuild_crossings(self) -> None:
        self._marker_basis = self._crossing_basis()
        for marker in self._markers.values():
            self.view_box.removeItem(marker)
        self._markers = {}
        for crossing in self._ctx.scenario.crossings:
            loc = crossing.location
            lat = getattr(loc, "lat", None)
            lon = getattr(loc, "lon", None)
            if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
                continue
            if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90):
                continue
            label = isolate_rtl(one_line(crossing.name))
            if crossing.name_local:
                label += " \u00b7 " + isolate(one_line(crossing.name_local))
            marker = CrossingMarker(crossing.id, label)
            marker.setPos(float(lon), float(lat))
            marker.set_selected(crossing.id == self._ctx.selected_crossing)
            self.view_box.addItem(marker, ignoreBounds=True)
            self._markers[crossing.id] = marker
        self._apply_marker_colors()
        self.refresh_crossings()

    # -- colours --------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colors = MapColors.from_palette(self.palette())
            self._apply_colors()

    def _apply_colors(self) -> None:
        c = self._colors
        self.view_box.setBackgroundColor(c.sea)
        self.view.setBackground(c.sea)
        self.base_items.set_colors(c)
        self.labels_item.set_colors(c)
        self._apply_event_colors()
        self._apply_marker_colors()
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        pen = pg.mkPen(accent, width=3)
        self.highlight.setPen(pen)
        self.highlight.setBrush(pg.mkBrush(None))

    def _apply_marker_colors(self) -> None:
        text = self.palette().color(QPalette.ColorRole.WindowText)
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        for marker in self._markers.values():
            marker.set_colors(text, self._colors.halo, accent)

    def _apply_event_colors(self) -> None:
        clusters = self._clusters_now()
        by_category = self.color_action.isChecked()
        names = clusters.categories if by_category else clusters.verifications
        colors = class_colors(tuple(names), by_category)
        self.points_item.set_colors(
            argb32(colors),
            argb32(colors, DIM_ALPHA),
            self._colors.outline,
            self._colors.density,
            text=self._colors.label,
            halo=self._colors.halo,
        )
        self.legend.set_classes(
            list(zip(names, colors, strict=True)), by_category, not self._ctx.hide_future
        )

    def _on_color_mode(self, _on: bool = False) -> None:
        self._apply_event_colors()
        self.refresh_events()

    # -- the view -------------------------------------------------------------------------
    def _lock_aspect(self, lat: float) -> None:
        lat = max(-80.0, min(80.0, lat))
        if self._aspect_lat is not None and abs(lat - self._aspect_lat) < 0.25:
            return
        self._aspect_lat = lat
        # pyqtgraph's ratio is x-scale / y-scale: one degree of latitude is 1/cos(lat) times
        # as many pixels as one degree of longitude.
        self.view_box.setAspectLocked(True, ratio=math.cos(math.radians(lat)))

    def _on_range_changed(self, *_args) -> None:
        rect = self.view_box.viewRect()
        self._lock_aspect(rect.center().y())

    def _pixels_per_degree(self) -> tuple[float, float]:
        px, py = self.view_box.viewPixelSize()
        return (1.0 / px if px else 1.0), (1.0 / py if py else 1.0)

    def _bring_into_view(self, lon: float, lat: float) -> None:
        rect = self.view_box.viewRect()
        inner = rect.adjusted(
            rect.width() * 0.05, rect.height() * 0.05, -rect.width() * 0.05, -rect.height() * 0.05
        )
        if not inner.contains(QPointF(lon, lat)):
            self.view_box.setRange(
                QRectF(
                    lon - rect.width() / 2, lat - rect.height() / 2, rect.width(), rect.height()
                ),
                padding=0.0,
            )

    # -- picking --------------------------------------------------------------------------
    def _crossing_at(self, lon: float, lat: float) -> str:
        sx, sy = self._pixels_per_degree()
        best, best_d = "", (ICON_PX / 2 + PICK_PX) ** 2
        for cid, marker in self._markers.items():
            p = marker.pos()
            d = ((p.x() - lon) * sx) ** 2 + ((p.y() - lat) * sy) ** 2
            if d <= best_d:
                best, best_d = cid, d
        return best

    def _cluster_at(self, lon: float, lat: float) -> int:
        sx, sy = self._pixels_per_degree()
        return self._points.nearest(lon, lat, sx, sy, PICK_PX)

    def _event_id(self, position: int) -> str:
        return str(self._ctx.events_frame["id"].iat[int(position)])

    def _on_scene_clicked(self, ev) -> None:
        if not self.view_box.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = self.view_box.mapSceneToView(ev.scenePos())
        if ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            self.show_context_menu(ev.screenPos().toPoint(), p.x(), p.y())
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        self.pick(p.x(), p.y(), ev.screenPos().toPoint())

    def pick(self, lon: float, lat: float, screen: QPoint | None = None) -> str:
        """What a click at (lon, lat) does: select the crossing or the event there, or offer
        a co-located cluster's events in a menu. Returns "crossing", "event", "cluster" or "".

        Events under a crossing's symbol (often at the crossing itself): the first click
        selects the crossing, a click on the selected crossing goes to its events."""
        cid = self._crossing_at(lon, lat)
        k = self._cluster_at(lon, lat)
        if cid and (k < 0 or cid != self._ctx.selected_crossing):
            self._ctx.select_crossing(cid)
            return "crossing"
        if k < 0:
            return ""
        members = self._points.events_of(k)
        if len(members) == 1:
            self._ctx.select_event(self._event_id(int(members[0])))
            return "event"
        self._show_cluster_menu(
            k, screen if screen is not None else self.view.mapToGlobal(self.view_pos(lon, lat))
        )
        return "cluster"

    def _show_cluster_menu(self, k: int, screen: QPoint) -> None:
        if self.cluster_menu is not None:
            self.cluster_menu.close()
            self.cluster_menu.deleteLater()
        menu = QMenu(self)
        menu.setObjectName("mapClusterMenu")
        menu.setToolTipsVisible(True)
        members = self._points.events_of(k)[::-1]  # newest first, as in the feed
        header = menu.addAction(f"{len(members):,} events at this place")
        header.setEnabled(False)
        frame = self._ctx.events_frame
        for pos in members[:CLUSTER_MENU_MAX].tolist():
            title = one_line(str(frame["title"].iat[pos]), 90)
            act = menu.addAction(isolate_rtl(title))  # QAction text is plain (no markup)
            eid = str(frame["id"].iat[pos])
            act.setData(eid)
            act.triggered.connect(lambda _c=False, e=eid: self._ctx.select_event(e))
        if len(members) > CLUSTER_MENU_MAX:
            more = menu.addAction(
                f"\u2026 and {len(members) - CLUSTER_MENU_MAX:,} more (filter the feed)"
            )
            more.setEnabled(False)
        self.cluster_menu = menu
        menu.popup(screen)

    def show_context_menu(self, screen: QPoint, lon: float = math.nan, lat: float = math.nan):
        if self.context_menu is None:
            self.context_menu = QMenu(self)
            self.context_menu.setObjectName("mapContextMenu")
            for act in self.map_actions.all():
                self.context_menu.addAction(act)
        self.context_menu_requested.emit(self.context_menu, lon, lat)
        self.context_menu.popup(screen)

    # -- hover ----------------------------------------------------------------------------
    def _on_scene_moved(self, scene_pos: QPointF) -> None:
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return
        p = self.view_box.mapSceneToView(scene_pos)
        text = self.tooltip_text_at(p.x(), p.y())
        if text:
            at = self.view.mapToGlobal(self.view.mapFromScene(scene_pos))
            QToolTip.showText(at, plain_tooltip(text), self.view)
        else:
            QToolTip.hideText()

    def _crossing_text(self, cid: str) -> str:
        p = self._markers[cid].pos() if cid in self._markers else None
        k = self._cluster_at(p.x(), p.y()) if p is not None else -1
        return crossing_text(self._ctx, cid, int(self._points.count[k]) if k >= 0 else 0)

    def _cluster_text(self, k: int) -> str:
        return cluster_text(self._ctx, self._points, k)

    # -- context signals ------------------------------------------------------------------
    def _on_scenario_replaced(self) -> None:
        self._clusters = None
        self._apply_event_colors()
        self._rebuild_crossings()
        self.refresh_events()
        self.fit_to_scenario()

    def _on_events_changed(self, _event_id: str) -> None:
        # One event's edit (the table's last): followed in the grouping (a title's edit
        # changes nothing here). Else, if no event moved in place or time, the grouping
        # stands (regrouping a million events takes most of a second) and is recoded.
        if self._catch_up():
            self.refresh_events()
            return
        frame = self._ctx.events_frame
        self._layer = None
        self._version = getattr(self._ctx.scenario.events, "version", None)
        if self._clusters is not None and self._clusters.same_places(frame):
            self._clusters.recode(frame)
        else:
            self._clusters = None
        self._apply_event_colors()
        self.refresh_events()

    def _catch_up(self) -> bool:
        """Bring the grouping up to the event table's version by following its last edit
        (one event added, removed or replaced); False if that cannot be done."""
        if self._clusters is None or self._version is None:
            return False
        table = self._ctx.scenario.events
        followed = follow_table(self._clusters, self._version, table, self._ctx.events_frame)
        if followed is None:
            return False
        if followed[0] < 0:
            self._clusters = None  # (half followed: made again)
            return False
        self._version, stale = followed
        if stale:
            self._layer = None  # (its derivation has the old places or colours)
        return True

    def _on_crossing_changed(self, crossing_id: str) -> None:
        # A status entry of one crossing (a toggle): its marker only; anything else (a
        # crossing added, removed, renamed or moved) rebuilds the markers.
        crossing = self._ctx.scenario.crossing(crossing_id)
        marker = self._markers.get(crossing_id)
        if crossing is None or marker is None or self._marker_basis != self._crossing_basis():
            self._rebuild_crossings()
            return
        status = self._statuses.status_at(crossing, to_ns(self._ctx.cursor_time()))
        marker.set_status(status, status_icon(status))

    def _crossing_basis(self) -> list[tuple]:
        return marker_basis(self._ctx.scenario.crossings)

    def _on_cursor_changed(self, _when) -> None:
        self.refresh_crossings()
        self.refresh_events()

    def _on_crossing_selected(self, crossing_id: str) -> None:
        for cid, marker in self._markers.items():
            marker.set_selected(cid == crossing_id)
        marker = self._markers.get(crossing_id)
        if marker is not None:
            self._bring_into_view(marker.pos().x(), marker.pos().y())

    def _on_event_selected(self, _event_id: str) -> None:
        self._update_event_highlight(bring_into_view=True)

    def _selected_position(self) -> int | None:
        eid = self._ctx.selected_event
        if not eid:
            return None
        finder = getattr(self._ctx.scenario.events, "position", None)
        if finder is not None:
            pos = finder(eid)
            return None if pos is None or pos >= len(self._ctx.events_frame) else int(pos)
        hits = np.flatnonzero(
            (self._ctx.events_frame["id"] == eid).to_numpy(dtype=bool, na_value=False)
        )
        return int(hits[0]) if len(hits) else None

    def _update_event_highlight(self, bring_into_view: bool) -> None:
        pos = self._selected_position()
        clusters = self._clusters_now()
        if pos is None or not clusters.located[pos]:
            self.highlight.setData([], [])
            return
        k = clusters.cluster_of[pos]
        lon, lat = float(clusters.lon[k]), float(clusters.lat[k])
        self.highlight.setData([lon], [lat])
        if bring_into_view:
            self._bring_into_view(lon, lat)

    def highlighted(self) -> tuple[float, float] | None:
        """Where the selected event is highlighted, or None."""
        x, y = self.highlight.getData()
        return (float(x[0]), float(y[0])) if len(x) else None


__all__ = ["MapPanel", "plain_tooltip"]
