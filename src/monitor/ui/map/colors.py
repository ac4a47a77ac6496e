"""The map's colours: the base map from the widget palette (light and dark themes), the
event classes (verification or category) as fixed, colour-blind-safe hues."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QColor, QPalette

# Verification: confirmed strongest; denied greyed (Okabe-Ito hues).
VERIFICATION_COLORS = {
    "confirmed": "#0072b2",
    "reported": "#e69f00",
    "disputed": "#cc79a7",
    "denied": "#7f7f7f",
}
# Categories, in sorted order of their names (cycled beyond ten).
CATEGORY_COLORS = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#8c564b",
    "#f0e442",
    "#7f7f7f",
    "#17becf",
)
OTHER_COLOR = "#9e9e9e"
DIM_ALPHA = 0.35  # events after the cursor, when shown


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved towards ``b`` by ``t`` (0..1)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
        1.0,
    )


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


@dataclass(frozen=True, slots=True)
class MapColors:
    sea: QColor
    land: QColor
    border: QColor
    label: QColor
    halo: QColor
    outline: QColor  # ring around event dots
    density: QColor

    @classmethod
    def from_palette(cls, palette: QPalette) -> MapColors:
        window = palette.color(QPalette.ColorRole.Window)
        text = palette.color(QPalette.ColorRole.WindowText)
        water = QColor("#3b78a8")
        dark = is_dark(palette)
        sea = mix(palette.color(QPalette.ColorRole.Base), water, 0.30 if dark else 0.22)
        land = mix(window, text, 0.10 if dark else 0.03)
        halo = QColor(window)
        halo.setAlphaF(0.75)
        return cls(
            sea=sea,
            land=land,
            border=mix(land, text, 0.55),
            label=mix(window, text, 0.75),
            halo=halo,
            outline=QColor("#000000") if not dark else QColor("#f0f0f0"),
            density=QColor("#d55e00") if not dark else QColor("#ffb000"),
        )


def class_colors(names: tuple[str, ...], by_category: bool) -> list[QColor]:
    """One colour per class name (the codes of :class:`monitor.ui.map.layer.EventClusters`)."""
    if by_category:
        return [QColor(CATEGORY_COLORS[i % len(CATEGORY_COLORS)]) for i in range(len(names))]
    return [QColor(VERIFICATION_COLORS.get(n, OTHER_COLOR)) for n in names]


def argb32(colors: list[QColor], alpha: float = 1.0) -> np.ndarray:
    """Premultiplied ARGB32 words (QImage.Format_ARGB32_Premultiplied) of ``colors``."""
    out = np.zeros(max(len(colors), 1), dtype=np.uint32)
    for i, c in enumerate(colors):
        a = c.alphaF() * alpha
        r, g, b = (round(v * a * 255) for v in (c.redF(), c.greenF(), c.blueF()))
        out[i] = (round(a * 255) << 24) | (r << 16) | (g << 8) | b
    return out
