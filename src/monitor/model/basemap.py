"""The bundled base map (Natural Earth, public domain) read into numpy arrays.

Pure Python + numpy, no Qt, no GDAL: ``resources/basemap/basemap.json`` is written by
``tools/build_basemap.py`` (see there for its layout). A missing or damaged file gives an
empty :class:`BaseMap` and a reason in :attr:`BaseMap.problem`, never an exception: the map
panel then draws the scenario on a plain background.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import msgspec
import numpy as np

FORMAT = "monitor-basemap/1"


@dataclass(frozen=True, slots=True)
class Lines:
    """Polylines or rings in degrees: ``x``/``y`` float64 arrays and each part's start."""

    x: np.ndarray
    y: np.ndarray
    starts: np.ndarray  # int64, ascending, first 0 (when not empty)

    @classmethod
    def empty(cls) -> Lines:
        z = np.zeros(0)
        return cls(z, z.copy(), np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def n_points(self) -> int:
        return len(self.x)

    def connect(self) -> np.ndarray:
        """Per point, whether it joins the next one (False at the last point of each part):
        the ``connect`` array of ``pyqtgraph.arrayToQPath``."""
        c = np.ones(len(self.x), dtype=bool)
        if len(self.x):
            c[self.starts[1:] - 1] = False
            c[-1] = False
        return c

    def part(self, i: int) -> np.ndarray:
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.x)
        return np.column_stack([self.x[self.starts[i] : end], self.y[self.starts[i] : end]])


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    iso: str
    lon: float
    lat: float
    rank: int  # Natural Earth LABELRANK: 1 = largest countries ... 10
    min_zoom: float  # Natural Earth MIN_LABEL (web-map zoom level at which it is labelled)


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    scale: str
    land: Lines
    borders: Lines


@dataclass(frozen=True, slots=True)
class BaseMap:
    layers: tuple[Layer, ...] = ()
    labels: tuple[Label, ...] = ()
    detail_box: tuple[float, float, float, float] | None = None
    license: str = ""
    source: str = ""
    problem: str = ""  # why nothing (or less) was read; "" when all is well
    _label_arrays: dict = field(default_factory=dict, compare=False, repr=False)

    def layer(self, name: str) -> Layer | None:
        return next((la for la in self.layers if la.name == name), None)

    def label_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lon, lat, rank) of the labels, as arrays (cached)."""
        got = self._label_arrays.get("a")
        if got is None:
            got = (
                np.array([la.lon for la in self.labels], dtype=float),
                np.array([la.lat for la in self.labels], dtype=float),
                np.array([la.rank for la in self.labels], dtype=float),
            )
            self._label_arrays["a"] = got
        return got


def label_rank_limit(span_deg: float) -> float:
    """The largest label rank shown when the view is ``span_deg`` degrees wide: rank 2 (the
    largest countries) on a world view (360°), rank 4 at 90°, rank 6 at 22°, every label
    (rank 10) below about 1.4°."""
    if not math.isfinite(span_deg) or span_deg <= 0:
        return 10.0
    return math.log2(1440.0 / span_deg)


def _lines(d: object, what: str) -> Lines:
    if not isinstance(d, dict):
        raise ValueError(f"{what}: not an object")
    scale = d.get("scale")
    if not isinstance(scale, int) or isinstance(scale, bool) or scale <= 0:
        raise ValueError(f"{what}: bad scale")
    x = np.asarray(d.get("x", []), dtype=np.float64)
    y = np.asarray(d.get("y", []), dtype=np.float64)
    starts = np.asarray(d.get("parts", []), dtype=np.int64)
    if x.ndim != 1 or y.shape != x.shape or starts.ndim != 1:
        raise ValueError(f"{what}: x, y and parts must be flat arrays of one length")
    if len(starts) and (starts[0] != 0 or np.any(np.diff(starts) < 1) or starts[-1] >= len(x)):
        raise ValueError(f"{what}: part starts out of order")
    if len(x) and not len(starts):
        raise ValueError(f"{what}: points without parts")
    x /= scale
    y /= scale
    if len(x) and (np.abs(x).max() > 360 or np.abs(y).max() > 90.001):
        raise ValueError(f"{what}: coordinates out of range")
    return Lines(x, y, starts)


def parse_basemap(text: str | bytes) -> BaseMap:
    """A :class:`BaseMap` from the bundled file's text; raises ``ValueError`` if it is not one."""
    try:
        doc = msgspec.json.decode(text)  # (about 3x the speed of json.loads on its arrays)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    layers_doc = doc.get("layers")
    if not isinstance(layers_doc, dict):
        raise ValueError("no layers")
    layers = []
    # The world first (drawn below), then the detail.
    for name in sorted(layers_doc, key=lambda n: (n != "world", n)):
        la = layers_doc[name]
        if not isinstance(la, dict):
            raise ValueError(f"layer {name}: not an object")
        layers.append(
            Layer(
                str(name),
                str(la.get("scale", "")),
                _lines(la.get("land"), f"{name}.land"),
                _lines(la.get("borders"), f"{name}.borders"),
            )
        )
    labels = []
    for item in doc.get("labels", []):
        if not isinstance(item, dict):
            continue
        try:
            lon, lat = float(item["lon"]), float(item["lat"])
            label = Label(
                str(item["name"]),
                str(item.get("iso", "")),
                lon,
                lat,
                int(item.get("rank", 10)),
                float(item.get("min_zoom", 10)),
            )
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(lon) and math.isfinite(lat) and abs(lat) <= 90 and label.name:
            labels.append(label)
    box = doc.get("detail_box")
    detail_box = None
    if isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box):
        x0, y0, x1, y1 = (float(v) for v in box)
        detail_box = (x0, y0, x1, y1)
    return BaseMap(
        tuple(layers),
        tuple(labels),
        detail_box,
        str(doc.get("license", "")),
        str(doc.get("source", "")),
    )


def default_path() -> Path:
    from monitor.paths import resource_path

    return resource_path("basemap", "basemap.json")


@lru_cache(maxsize=4)
def load_basemap(path: str | Path | None = None) -> BaseMap:
    """The base map at ``path`` (default: the bundled one), read once. Never raises: an
    unreadable file gives an empty map whose :attr:`~BaseMap.problem` says why."""
    p = Path(path) if path is not None else default_path()
    try:
        return parse_basemap(p.read_bytes())
    except (OSError, ValueError, MemoryError) as exc:
        return BaseMap(problem=f"base map {p.name}: {exc}")
