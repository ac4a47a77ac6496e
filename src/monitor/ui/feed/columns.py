"""What the event feed shows in each column: column ids, headers, verification words and
icons, the Admiralty grade in words, text clipping, and per-row readers of frame columns."""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta
from enum import IntEnum

import numpy as np
import pandas as pd
import pyarrow as pa
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)

from monitor.model.entities import (
    CREDIBILITY_MEANING,
    RELIABILITY_MEANING,
    Event,
    Moment,
    Verification,
)
from monitor.model.text import isolate_if_needed
from monitor.model.timeutil import format_compact, military_dtg, single_offset


class EventColumn(IntEnum):
    TIME = 0
    TITLE = 1
    CATEGORY = 2
    ACTORS = 3
    LOCATION = 4
    VERIFICATION = 5
    GRADE = 6


HEADERS = {
    EventColumn.TIME: "Time",
    EventColumn.TITLE: "Title",
    EventColumn.CATEGORY: "Category",
    EventColumn.ACTORS: "Actors",
    EventColumn.LOCATION: "Location",
    EventColumn.VERIFICATION: "Verification",
    EventColumn.GRADE: "Grade",
}

HEADER_TIPS = {
    EventColumn.TIME: (
        "When the event happened, in the scenario's time zone (named in the header; "
        "hover a cell for the full date, the offset and UTC)"
    ),
    EventColumn.VERIFICATION: "Confirmed, reported (unconfirmed), disputed or denied",
    EventColumn.GRADE: (
        "Admiralty grade: source reliability A (completely reliable) to F (cannot be judged), "
        "then information credibility 1 (confirmed) to 6 (cannot be judged)"
    ),
}

# The event id of a row (str), for views and tests.
EventIdRole = Qt.ItemDataRole.UserRole + 1


# Verification states in their natural order (also the sort order of the column).
VERIFICATION_ORDER = (
    Verification.CONFIRMED,
    Verification.REPORTED,
    Verification.DISPUTED,
    Verification.DENIED,
)
VERIFICATION_LABEL = {
    Verification.CONFIRMED: "Confirmed",
    Verification.REPORTED: "Reported",
    Verification.DISPUTED: "Disputed",
    Verification.DENIED: "Denied",
}
VERIFICATION_MEANING = {
    Verification.CONFIRMED: "confirmed by independent sources",
    Verification.REPORTED: "reported, not yet confirmed",
    Verification.DISPUTED: "disputed: sources contradict each other",
    Verification.DENIED: "denied by a party with knowledge of it",
}
# Colours are never the only cue: each state also has its own word, font and icon shape.
VERIFICATION_COLOR = {
    Verification.DISPUTED: QColor("#b36200"),  # amber, dark enough to read on white
    Verification.DENIED: QColor("#c62828"),  # red
}

FUTURE_NOTE = "After the 'as of' time"

EN_DASH = "\u2013"


# A cell shows a few hundred characters at most, and eliding or wrapping a 100 kB title
# on every paint made the table sluggish (~0.1 s a repaint) and its tooltip freeze.
MAX_CELL_CHARS = 1_000
MAX_TOOLTIP_CHARS = 2_000


def cut(text: str, limit: int) -> str:
    """``text`` up to ``limit`` characters; longer text is cut, isolated, and ends in "…"."""
    if len(text) <= limit:
        return text
    return f"{isolate_if_needed(text[:limit])}… ({len(text) - limit:,} more characters)"


def isolate(text: str) -> str:
    """Wrap ``text`` in Unicode first-strong isolates if it contains right-to-left script
    or bidi controls (U+202E...), balanced so that it cannot close the isolate itself."""
    return isolate_if_needed(text)


def grade_meaning(reliability: str, credibility: int) -> str:
    """``"B – usually reliable, 2 – probably true"`` (parts not given say so)."""
    rel = (
        f"{reliability} {EN_DASH} {RELIABILITY_MEANING[reliability]}"
        if reliability in RELIABILITY_MEANING
        else "source reliability not given"
    )
    cred = (
        f"{credibility} {EN_DASH} {CREDIBILITY_MEANING[credibility]}"
        if credibility in CREDIBILITY_MEANING
        else "credibility not given"
    )
    return f"{rel}, {cred}"


def event_cursor_time(event: Event) -> datetime:
    """The "as of" time that makes ``event`` current: its instant, or the end of its day."""
    m = event.time
    return m.end - timedelta(seconds=1) if m.day else m.instant


def verification_icon(state: Verification) -> QIcon:
    """A small glyph whose *shape* differs per state (filled check, ring, triangle, cross)."""
    size = 14
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if state is Verification.CONFIRMED:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2e7d32"))
        p.drawEllipse(1, 1, 12, 12)
        p.setPen(QPen(QColor("white"), 1.8))
        p.drawPolyline(QPolygonF([QPointF(4, 7.2), QPointF(6.2, 9.5), QPointF(10, 4.8)]))
    elif state is Verification.REPORTED:
        p.setPen(QPen(QColor("#607d8b"), 1.6))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(7, 7), 5.2, 5.2)
    elif state is Verification.DISPUTED:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(VERIFICATION_COLOR[Verification.DISPUTED])
        p.drawPolygon(QPolygonF([QPointF(7, 1), QPointF(13.5, 12.5), QPointF(0.5, 12.5)]))
        p.setPen(QPen(QColor("white"), 1.6))
        p.drawLine(QPointF(7, 5), QPointF(7, 8.6))
        p.drawPoint(QPointF(7, 10.6))
    else:
        p.setPen(QPen(VERIFICATION_COLOR[Verification.DENIED], 2.2))
        p.drawLine(QPointF(3, 3), QPointF(11, 11))
        p.drawLine(QPointF(11, 3), QPointF(3, 11))
    p.end()
    return QIcon(pix)


class StringColumn:
    """One text column of the frame, read a row at a time (no Python string per row up front)."""

    def __init__(self, values: pd.Series):
        arrow = getattr(values.array, "_pa_array", None)  # pandas' Arrow-backed strings
        self.source = arrow  # (the same column: the same reader, see :meth:`of`)
        if isinstance(arrow, pa.ChunkedArray) and arrow.num_chunks:
            self._chunks = list(arrow.chunks)
            self._starts = np.cumsum([0] + [len(c) for c in self._chunks[:-1]]).tolist()
            self._plain = None
        else:  # another storage (small frames made by hand): a plain object array
            self._chunks = []
            self._starts = []
            self._plain = values.to_numpy(dtype=object, na_value="")

    @classmethod
    def of(cls, values: pd.Series, held: StringColumn | None) -> StringColumn:
        """The reader of ``values``: ``held`` if it reads the same Arrow column (an edit
        that did not change this column keeps it)."""
        arrow = getattr(values.array, "_pa_array", None)
        if held is not None and arrow is not None and held.source is arrow:
            return held
        return cls(values)

    def __getitem__(self, position: int) -> str:
        if self._plain is not None:
            return self._plain[position]
        if len(self._chunks) == 1:
            value = self._chunks[0][position].as_py()
        else:
            i = bisect.bisect_right(self._starts, position) - 1
            value = self._chunks[i][position - self._starts[i]].as_py()
        return "" if value is None else value


class LabelColumn:
    """A categorical column: int codes per row and the category texts."""

    def __init__(self, values: pd.Series):
        cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
        self.codes = cat.cat.codes.to_numpy(dtype=np.int64)
        self.categories = [str(c) for c in cat.cat.categories]

    def __getitem__(self, position: int) -> str:
        code = self.codes[position]
        return self.categories[code] if code >= 0 else ""


class TimeFormat:
    """How the Time column writes times for one events frame: the zone once, in the header
    (``Time (UTC+03:00)``), and short cells (``2024-12-07 14:30``; ``12-07 14:30`` when every
    event is in one year, which the header's tooltip says; a day stays a day). When the zone's
    offset changes within the data (summer time), the header names the zone and each timed
    cell carries its offset. Military time: Zulu DTGs, said in the header."""

    def __init__(self, frame: pd.DataFrame, tz, military: bool):
        self.tz, self.military = tz, military
        self.year: int | None = None
        self.own_offsets = False
        self.header = HEADERS[EventColumn.TIME]
        if military:
            self.header = f"{self.header} (DTG, Zulu)"
            return
        zone_name = str(getattr(tz, "key", None) or tz)
        if not len(frame):
            self.header = f"{self.header} ({zone_name})"
            return
        lo = _instant(int(frame["time_ns"].min())).astimezone(tz)
        hi = _instant(int(frame["end_ns"].max()) - 1).astimezone(tz)
        if lo.year == hi.year:
            self.year = lo.year  # said in the header's tooltip (in the header it cost width)
        offset = single_offset(tz, lo, hi)
        self.own_offsets = offset is None
        self.header = f"{self.header} ({offset or zone_name})"

    def header_tip(self) -> str:
        zone = (
            "in DTGs (Zulu)"
            if self.military
            else "in the scenario's time zone" + (", with each offset" if self.own_offsets else "")
        )
        year = f"; every event is in {self.year}, so the year is left out" if self.year else ""
        return (
            f"When the event happened, {zone}{year}. Hover a cell for the full date, "
            "the offset and UTC."
        )

    def cell(self, m: Moment) -> str:
        if self.military:
            return military_dtg(m)
        year = (
            self.year is None
            or (m.date.year if m.day else m.instant.astimezone(self.tz).year) != self.year
        )
        return format_compact(m, self.tz, year=year, offset=self.own_offsets)

    def sample(self) -> str:
        """The widest cell text this format writes (for the column's width)."""
        if self.military:
            return "301430Z NOV 24"
        text = "11-30 14:05" if self.year is not None else "2024-11-30 14:05"
        return f"{text} UTC+03:00" if self.own_offsets else text


def _instant(t_ns: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=t_ns // 1000)


class CellStyle:
    """The feed's per-state cell look, made once: a dimmed colour for rows after the cursor
    (from the palette), a font and an icon per verification state (words, font and shape
    say the state, never colour alone); and the Time column's :class:`TimeFormat`, made
    again for each new events frame or time style."""

    def __init__(self) -> None:
        self._icons: dict[tuple[Verification, bool], QIcon] = {}
        self._fonts: dict[Verification, QFont] = {}
        self._dim: QColor | None = None
        self._time: tuple[pd.DataFrame, object, bool, TimeFormat] | None = None

    def time_format(self, ctx) -> TimeFormat:
        """The Time column's format for the context's frame, zone and time style."""
        frame, known = ctx.events_frame, self._time
        if known is None or known[0] is not frame or known[1:3] != (ctx.tz, ctx.military_time):
            known = self._time = (
                frame,
                ctx.tz,
                ctx.military_time,
                TimeFormat(frame, ctx.tz, ctx.military_time),
            )
        return known[3]

    def time_cell(self, ctx, m: Moment) -> str:
        return self.time_format(ctx).cell(m)

    def header(self, ctx, column: EventColumn) -> str:
        """A column's title; the Time column's names the zone."""
        return self.time_format(ctx).header if column == EventColumn.TIME else HEADERS[column]

    def header_tip(self, ctx, column: EventColumn) -> str | None:
        if column == EventColumn.TIME:
            return self.time_format(ctx).header_tip()
        return HEADER_TIPS.get(column)

    def forget_palette(self) -> None:
        self._dim = None

    def dim_color(self) -> QColor:
        if self._dim is None:
            pal = QGuiApplication.palette()
            text = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
            base = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Base)
            # Halfway between text and background: clearly "greyed", still legible.
            self._dim = QColor(
                (text.red() + base.red()) // 2,
                (text.green() + base.green()) // 2,
                (text.blue() + base.blue()) // 2,
            )
        return self._dim

    def font(self, state: Verification) -> QFont:
        font = self._fonts.get(state)
        if font is None:
            font = QFont()
            if state is Verification.REPORTED:
                font.setItalic(True)
            elif state is Verification.DISPUTED:
                font.setBold(True)
            elif state is Verification.DENIED:
                font.setStrikeOut(True)
            self._fonts[state] = font
        return font

    def icon(self, state: Verification, *, dimmed: bool = False) -> QIcon:
        icon = self._icons.get((state, dimmed))
        if icon is None:
            icon = verification_icon(state)
            if dimmed:  # same shape, greyed like the rest of a future row
                icon = QIcon(icon.pixmap(14, 14, QIcon.Mode.Disabled))
            self._icons[(state, dimmed)] = icon
        return icon
