"""The situation map's content (numpy, no Qt): the frame, each crossing's status as of the
briefing's as-of time, and the located events grouped by place.

Drawn by :mod:`.mapdraw`. The colours and symbol meanings are the map panel's and the
crossings table's (``monitor.ui.map.colors``, ``monitor.ui.crossings.status``), repeated
here because the briefing may not import the UI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from monitor.briefing.blocks import MapCrossing, MapFigure
from monitor.briefing.text import one_line
from monitor.model.entities import Scenario
from monitor.model.text import isolate, isolate_if_needed

if TYPE_CHECKING:
    import pandas as pd

# The map panel's verification colours (Okabe-Ito), in the panel's order.
VERIFICATION_COLORS = {
    "confirmed": "#0072b2",
    "reported": "#e69f00",
    "disputed": "#cc79a7",
    "denied": "#7f7f7f",
}
OTHER_COLOR = "#9e9e9e"
VERIFICATION_ORDER = tuple(VERIFICATION_COLORS)
# The crossings table's status colours (fill of each symbol).
STATUS_COLORS = {"open": "#2e7d32", "restricted": "#f9a825", "closed": "#c62828", None: "#9e9e9e"}
QUANTUM = 1e4  # events within 1/10000 degree (about 11 m) are one place, as on the panel
WORLD = (-180.0, -60.0, 180.0, 85.0)
ASPECT_RANGE = (0.9, 1.25)  # figure height / width the frame is widened into (a page)


@dataclass(frozen=True, slots=True)
class MapPoints:
    """Located events grouped by place: per place its position, event count and colour class
    (the verification of its latest event: a code into :attr:`MapFigure.classes`)."""

    lon: np.ndarray
    lat: np.ndarray
    count: np.ndarray
    cls: np.ndarray
    n_events: int

    def __len__(self) -> int:
        return len(self.lon)


def cluster_events(frame: pd.DataFrame, rows: Sequence[int] | np.ndarray) -> tuple[MapPoints, int]:
    """The events at positions ``rows`` of ``frame`` grouped by place, and how many of them have
    no location."""
    rows = np.asarray(rows, dtype=np.int64).ravel()
    if not len(rows):
        z = np.zeros(0)
        return MapPoints(z, z, np.zeros(0, np.int64), np.zeros(0, np.int16), 0), 0
    lat = frame["lat"].to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    lon = frame["lon"].to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    time_ns = frame["time_ns"].to_numpy(dtype=np.int64)[rows]
    with np.errstate(invalid="ignore"):
        located = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 360)
    idx = np.flatnonzero(located)
    unlocated = len(rows) - len(idx)
    codes = _verification_codes(frame["verification"].take(rows[idx]))
    qlat = np.round(lat[idx] * QUANTUM).astype(np.int64) + 900_001
    qlon = np.round(lon[idx] * QUANTUM).astype(np.int64) + 3_600_001
    _keys, first, inverse = np.unique(
        qlat * 8_000_000 + qlon, return_index=True, return_inverse=True
    )
    inverse = inverse.ravel()
    counts = np.bincount(inverse, minlength=len(first)).astype(np.int64)
    # The latest event of each place gives its colour (as the panel's representative event).
    order = np.lexsort((time_ns[idx], inverse))
    last = np.r_[np.flatnonzero(np.diff(inverse[order])), len(order) - 1] if len(order) else order
    cls = np.zeros(len(first), dtype=np.int16)
    cls[inverse[order[last]]] = codes[order[last]]
    return (
        MapPoints(lon[idx[first]], lat[idx[first]], counts, cls, len(idx)),
        int(unlocated),
    )


def _verification_codes(column: pd.Series) -> np.ndarray:
    import pandas as pd

    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    where = {n: i for i, n in enumerate(VERIFICATION_ORDER)}
    other = len(where)
    remap = np.array([where.get(str(u), other) for u in uniques] + [other], dtype=np.int16)
    return remap[np.asarray(codes, dtype=np.int64)]  # -1 (missing) takes the last: other


def map_frame(
    lons: Sequence[float], lats: Sequence[float]
) -> tuple[tuple[float, float, float, float], float]:
    """(west, south, east, north) around the places with a margin, widened so that its print
    aspect (height / width, one degree of latitude 1/cos(central latitude) times as long as
    one of longitude) is within :data:`ASPECT_RANGE`; and that aspect."""
    if not len(lons):  # nothing located: the world
        x0, y0, x1, y1 = WORLD
        margin = 0.5
    else:
        x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
        margin = 0.58  # the panel's Fit-to-scenario margin
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = min(max((x1 - x0) * margin, 1.0), 200.0)
    half_h = max((y1 - y0) * margin, 0.75)
    c = math.cos(math.radians(max(-80.0, min(80.0, cy))))
    lo, hi = ASPECT_RANGE
    aspect = half_h / (half_w * c)
    if aspect < lo:
        half_h = lo * half_w * c
    elif aspect > hi:
        half_w = half_h / (hi * c)
    half_h = min(half_h, 89.5)
    cy = max(-89.5 + half_h, min(89.5 - half_h, cy))
    frame = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    return frame, half_h / (half_w * math.cos(math.radians(max(-80.0, min(80.0, cy)))))


def crossing_label(name: str, name_local: str | None) -> str:
    """A crossing's label on the map: its name and local name, each bidi-isolated as on the
    panel (plain text, never markup)."""
    label = isolate_if_needed(one_line(name))
    if name_local and one_line(name_local):
        label += " \u00b7 " + isolate(one_line(name_local))
    return label


def map_crossings(scenario: Scenario, as_of: datetime) -> list[MapCrossing]:
    """The located crossings with their status as of ``as_of`` (the model's ``status_at``)."""
    out = []
    for c in scenario.crossings:
        lat = getattr(c.location, "lat", None)
        lon = getattr(c.location, "lon", None)
        if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
            continue
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90):
            continue
        status = c.status_at(as_of)
        out.append(
            MapCrossing(
                c.id,
                crossing_label(c.name, c.name_local),
                float(lon),
                float(lat),
                status.value if status is not None else None,
            )
        )
    return out


def map_figure(
    scenario: Scenario,
    as_of: datetime,
    frame: pd.DataFrame,
    rows: Sequence[int] | np.ndarray,
    caption: str = "",
) -> MapFigure:
    """The map block: crossings as of ``as_of`` and the events at positions ``rows``."""
    crossings = map_crossings(scenario, as_of)
    points, unlocated = cluster_events(frame, rows)
    lons = [c.lon for c in crossings]
    lats = [c.lat for c in crossings]
    if len(points):
        lons += [float(points.lon.min()), float(points.lon.max())]
        lats += [float(points.lat.min()), float(points.lat.max())]
    box, aspect = map_frame(lons, lats)
    classes = [(n, VERIFICATION_COLORS[n]) for n in VERIFICATION_ORDER]
    classes.append(("other", OTHER_COLOR))
    return MapFigure(box, crossings, points, classes, caption, unlocated, aspect)
