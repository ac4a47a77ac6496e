"""The stacked areas of the territory chart: per faction a fill for the measured stretches
and a lighter one for estimated stretches (a stretch between two dates is an estimate when
either end is), with a solid or dashed top edge."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from monitor.model.series import TerritorySeries
from monitor.ui.territory.colors import ESTIMATE_MIX, color, mix

DAY_S = 86_400.0


def segments(values: np.ndarray) -> np.ndarray:
    """Per-interval point pairs: [v0, v1, v1, v2, v2, v3, ...] (2 * (n - 1) values)."""
    return np.column_stack([values[:-1], values[1:]]).ravel()


class StackedAreas:
    """The plot items of the areas. ``fills``: faction id -> (measured, estimated)
    ``pg.FillBetweenItem``."""

    def __init__(self, plot_item: pg.PlotItem):
        self._plot = plot_item
        self._series: TerritorySeries | None = None
        self._boundaries: list[pg.PlotCurveItem] = []  # not added to the plot: fill edges only
        self._edges: list[tuple[pg.PlotCurveItem, pg.PlotCurveItem]] = []
        self.fills: dict[str, tuple[pg.FillBetweenItem, pg.FillBetweenItem]] = {}

    def build(self, series: TerritorySeries) -> None:
        """Create (once per scenario) the boundary curves, fills and edges, then set their data."""
        for measured, estimated in self.fills.values():
            self._plot.removeItem(measured)
            self._plot.removeItem(estimated)
        for solid, dashed in self._edges:
            self._plot.removeItem(solid)
            self._plot.removeItem(dashed)
        self.fills, self._edges, self._boundaries = {}, [], []
        self._series = series
        if series.empty:
            return
        clear = pg.mkPen(
            QColor(0, 0, 0, 0)
        )  # invisible boundaries (pen=None can leave a fill empty)
        # Per faction: bottom (top of the faction below), measured top, estimated top.
        for k, f in enumerate(series.factions):
            bottom = pg.PlotCurveItem(pen=clear)
            top_measured = pg.PlotCurveItem(pen=clear)
            top_estimated = pg.PlotCurveItem(pen=clear)
            self._boundaries += [bottom, top_measured, top_estimated]
            measured = pg.FillBetweenItem(bottom, top_measured)
            estimated = pg.FillBetweenItem(bottom, top_estimated)
            measured.setZValue(k * 0.01)
            estimated.setZValue(k * 0.01)
            self._plot.addItem(measured)
            self._plot.addItem(estimated)
            self.fills[f.id] = (measured, estimated)
            solid = pg.PlotCurveItem()
            dashed = pg.PlotCurveItem()
            solid.setZValue(5 + k * 0.01)
            dashed.setZValue(5 + k * 0.01)
            self._plot.addItem(solid)
            self._plot.addItem(dashed)
            self._edges.append((solid, dashed))
        self._set_data(series)

    def _set_data(self, series: TerritorySeries) -> None:
        xs, shares, est = series.xs, series.shares, series.estimated
        if len(xs) == 1:  # a single date: show it as one day wide
            xs = np.array([xs[0], xs[0] + DAY_S])
            shares = np.repeat(shares, 2, axis=0)
            est = np.repeat(est, 2, axis=0)
        cum = np.cumsum(shares, axis=1)
        seg_x = segments(xs)
        interval_est = est[:-1] | est[1:]  # a stretch is an estimate when either end is
        flag = np.repeat(interval_est, 2, axis=0)  # per segment point
        below = np.zeros(len(seg_x))
        for k in range(len(series.factions)):
            top = segments(cum[:, k])
            bottom_c, top_m, top_e = self._boundaries[3 * k : 3 * k + 3]
            # Each fill makes its path when its top is set, the bottom being set already (the
            # bottom's own signal would make both paths once more, from a stale top).
            bottom_c.blockSignals(True)
            try:
                bottom_c.setData(seg_x, below)
            finally:
                bottom_c.blockSignals(False)
            top_m.setData(seg_x, np.where(flag[:, k], below, top))
            top_e.setData(seg_x, np.where(flag[:, k], top, below))
            connect_solid = np.zeros(len(seg_x), dtype=bool)
            connect_solid[0::2] = ~interval_est[:, k]
            connect_dashed = np.zeros(len(seg_x), dtype=bool)
            connect_dashed[0::2] = interval_est[:, k]
            solid, dashed = self._edges[k]
            solid.setData(seg_x, top, connect=connect_solid)
            dashed.setData(seg_x, top, connect=connect_dashed)
            below = top

    def apply_palette(self, bg: QColor) -> None:
        """Fill and edge colours for a chart background ``bg`` (light or dark)."""
        if self._series is None:
            return
        for k, f in enumerate(self._series.factions):
            if f.id not in self.fills:
                continue
            colour = color(f.color)
            measured, estimated = self.fills[f.id]
            measured.setBrush(pg.mkBrush(colour))
            estimated.setBrush(pg.mkBrush(mix(colour, bg, ESTIMATE_MIX)))
            # Edges stand out from the fill: darker on a light chart, lighter on a dark one.
            edge = colour.darker(135) if bg.lightness() >= 128 else colour.lighter(140)
            solid, dashed = self._edges[k]
            solid.setPen(pg.mkPen(edge, width=1.5))
            dashed.setPen(pg.mkPen(edge, width=1.5, style=Qt.PenStyle.DashLine))
