"""Typesetting for the PDF: the application and fonts, print colours, and plain text laid out
with ``QTextLayout`` (wrapped at a width, Arabic shaped right-to-left, drawable a line range
at a time so paragraphs and table rows can break across pages).

Nothing here interprets text as markup: every string is laid out and painted as plain text.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QPageSize,
    QPainter,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)

from monitor.briefing.blocks import Cell
from monitor.paths import resource_path

RESOLUTION = 288  # device units per inch: 4 per point, fine enough for exact text placement
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans Arabic"]
# Text with Arabic letters prefers Noto Sans Arabic (better Arabic than DejaVu's); Latin
# characters in it fall back to DejaVu Sans through the family list.
ARABIC_FAMILIES = ["Noto Sans Arabic", "DejaVu Sans"]
PAGE_IDS = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}

# Colours (print-friendly, readable in greyscale).
INK = QColor("#1b1f24")
MUTED = QColor("#5b6470")
ACCENT = QColor("#1f3a5f")
RULE = QColor("#c9d0d8")
HEADER_FILL = QColor("#e4e9f0")
ZEBRA = QColor("#f6f8fa")
BANNER_FILL = QColor("#eef1f4")
WARNING = QColor("#9a2a17")  # staleness warnings on page 1
TONES = {  # tone -> (text colour, background tint)
    "open": (QColor("#17663a"), QColor("#dcf1e3")),
    "closed": (QColor("#a3261b"), QColor("#f8dedb")),
    "restricted": (QColor("#8a5a00"), QColor("#fbecc8")),
    "unknown": (QColor("#4a5360"), QColor("#e6e9ed")),
    "recent24": (QColor("#ffffff"), QColor("#b3261e")),
    "recent72": (QColor("#3d2c00"), QColor("#f2c14e")),
}


# --------------------------------------------------------------------------- application and fonts
_fonts_loaded = False


def load_bundled_fonts() -> list[str]:
    """Register the OFL fonts shipped in resources/fonts (Arabic coverage on any machine);
    returns the families added. (Here, below the app layer, so the renderer can use it.)"""
    families: list[str] = []
    folder = resource_path("fonts")
    if folder.is_dir():
        for f in sorted(folder.glob("*.[ot]tf")):
            fid = QFontDatabase.addApplicationFont(str(f))
            if fid >= 0:
                families += QFontDatabase.applicationFontFamilies(fid)
    return families


def ensure_app():
    """The running Qt application, a QApplication created (headless-capable) if there is
    none. The renderer only paints (fonts, QPdfWriter, QPainter: no widget), so an existing
    QGuiApplication does too. The caller decides the platform: ``monitor brief`` sets
    ``QT_QPA_PLATFORM=offscreen`` before this runs when there is no display.
    """
    global _fonts_loaded
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(["monitor"])
    if not _fonts_loaded:
        if "Noto Sans Arabic" not in QFontDatabase.families():
            load_bundled_fonts()
        _fonts_loaded = True
    return app


def make_font(point_size: float, *, bold: bool = False, italic: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPointSizeF(point_size)
    f.setWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
    f.setItalic(italic)
    f.setStyleHint(QFont.StyleHint.SansSerif)
    f.setKerning(True)
    return f


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe]")


def has_rtl(text: str) -> bool:
    return _RTL.search(text) is not None


_options: dict[int, QTextOption] = {}


def text_option(align: Qt.AlignmentFlag) -> QTextOption:
    key = int(align.value) if hasattr(align, "value") else int(align)
    option = _options.get(key)
    if option is None:
        option = QTextOption(align | Qt.AlignmentFlag.AlignAbsolute)
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        option.setTextDirection(Qt.LayoutDirection.LeftToRight)
        _options[key] = option
    return option


class Face:
    """A text style on one device: the font, its Arabic-first twin and its metrics, made once."""

    __slots__ = ("arabic", "ascent", "descent", "font", "height")

    def __init__(self, font: QFont, device):
        self.font = font
        # Text with Arabic letters prefers Noto Sans Arabic; Latin in it falls back to DejaVu.
        self.arabic = QFont(font)
        self.arabic.setFamilies(ARABIC_FAMILIES)
        fm = QFontMetricsF(font, device)
        self.ascent, self.descent, self.height = fm.ascent(), fm.descent(), fm.height()


# --------------------------------------------------------------------------- laid-out text
class TextBox:
    """Plain text laid out at a width: its lines can be drawn all at once or a range at a time."""

    __slots__ = ("color", "height", "layout", "line_y", "lines", "width")

    def __init__(
        self,
        device,
        text: str,
        face: Face,
        width: float,
        color: QColor = INK,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        spacing: float = 1.0,
        bold_chars: int = 0,
    ):
        rtl = has_rtl(text)
        # QTextLayout breaks lines only at U+2028; a plain "\n" would show as a box.
        self.layout = QTextLayout(
            text.replace("\n", "\u2028"), face.arabic if rtl else face.font, device
        )
        self.layout.setTextOption(text_option(align))
        if bold_chars > 0:  # a bold lead-in ("Likely · high confidence:")
            lead = QTextLayout.FormatRange()
            lead.start, lead.length = 0, min(bold_chars, len(text))
            bold = QTextCharFormat()
            bold.setFontWeight(QFont.Weight.Bold)
            lead.format = bold
            self.layout.setFormats([lead])
        self.color = color
        self.width = width
        self.lines = []
        self.line_y: list[tuple[float, float]] = []
        y = 0.0
        tall = face.ascent * 1.1  # Arabic fonts are much taller than DejaVu Sans
        self.layout.beginLayout()
        while True:
            line = self.layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            if rtl:
                # Keep the baseline where the main font would put it, so a line in a tall
                # font (Noto Sans Arabic) does not open a gap in a table row.
                shift = max(0.0, line.ascent() - tall)
                trim = max(0.0, line.descent() - face.descent * 1.4)
                line.setPosition(QPointF(0.0, y - shift))
                h = max(face.height, line.height() - shift - trim) * spacing
            else:
                line.setPosition(QPointF(0.0, y))
                h = line.height() * spacing
            self.lines.append(line)
            self.line_y.append((y, h))
            y += h
        self.layout.endLayout()
        self.height = y

    def natural_width(self) -> float:
        return max((ln.naturalTextWidth() for ln in self.lines), default=0.0)

    def draw(
        self, painter: QPainter, x: float, y: float, first: int = 0, stop: int | None = None
    ) -> None:
        stop = len(self.lines) if stop is None else stop
        if first >= stop:
            return
        painter.setPen(self.color)
        top = self.line_y[first][0]
        pos = QPointF(x, y - top)
        for line in self.lines[first:stop]:
            line.draw(painter, pos)

    def lines_fitting(self, first: int, room: float) -> int:
        """Index after the last line (from ``first``) whose bottom fits within ``room``."""
        top = self.line_y[first][0] if first < len(self.lines) else self.height
        i = first
        while i < len(self.lines) and self.line_y[i][0] + self.line_y[i][1] - top <= room + 0.01:
            i += 1
        return i


# --------------------------------------------------------------------------- table rows
class CellBox:
    """A table cell's text pieces stacked vertically, drawable in line-range fragments."""

    __slots__ = ("cell", "items")

    def __init__(self, cell: Cell, pieces: list[TextBox], gap: float):
        self.cell = cell
        # (text, line index, y of the line in the cell, line height)
        self.items: list[tuple[TextBox, int, float, float]] = []
        y = 0.0
        for n, t in enumerate(pieces):
            if n:
                y += gap
            for i, (ly, lh) in enumerate(t.line_y):
                self.items.append((t, i, y + ly, lh))
            y += t.height

    @property
    def height(self) -> float:
        if not self.items:
            return 0.0
        _, _, y, h = self.items[-1]
        return y + h
