"""A briefing's content as plain data: blocks in page order and the document around them.

The builders (:mod:`.sections`, :mod:`.documents`) make these; the renderer
(:mod:`.layout`) lays them out. Every string taken from the scenario file is untrusted:
blocks carry it as plain text and the renderer paints it as plain text (never HTML).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.model.series import TerritorySeries


class ExportCancelled(Exception):
    """The user cancelled the export (nothing was written)."""


#: A stop check: returns true once the user has cancelled (``threading.Event.is_set``).
CancelCheck = Callable[[], bool]


def check_cancel(cancel: CancelCheck | None) -> None:
    """Raise :class:`ExportCancelled` if ``cancel`` says the user cancelled."""
    if cancel is not None and cancel():
        raise ExportCancelled


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: a main line, optional smaller detail lines, optional decoration.

    ``tone`` names a status colour (``open``/``closed``/``restricted``/
    ``unknown``) or a highlight (``recent24``/``recent72``); ``swatch`` is a
    ``#rrggbb`` colour square drawn before the text.
    """

    text: str
    detail: str = ""
    tone: str | None = None
    swatch: str | None = None
    bold: bool = False
    mono: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width: float  # relative; the renderer scales widths to the page
    align: str = "left"  # left | right | center


@dataclass(slots=True)
class Table:
    columns: list[Column]
    rows: list[list[Cell]]
    empty_text: str = "None."
    note: str = ""  # small print under the table


@dataclass(slots=True)
class Heading:
    text: str
    level: int = 1
    # A heading is kept with the first lines of what follows it.


@dataclass(slots=True)
class Paragraph:
    """``style``: body | muted | small | bullet | bluf (bold, larger) | warning (bold, red,
    with a bar); ``lead``: the first so many characters of ``text`` in bold (a bullet's
    "Likely · moderate confidence:" in front of its judgement)."""

    text: str
    style: str = "body"
    keep_together: bool = False
    lead: int = 0


@dataclass(slots=True)
class TitleBlock:
    kind: str  # e.g. "SITUATION BRIEFING"
    title: str
    fields: list[tuple[str, str]]
    description: str = ""


@dataclass(slots=True)
class Chart:
    """The stacked territory chart.

    ``series`` is the model's :class:`~monitor.model.series.TerritorySeries` (the same data
    the dashboard's panel draws); ``x_range`` the visible range (aware datetimes) or ``None``
    for the dates' own extent; ``marker`` an instant to mark with a dashed line (as-of);
    ``hold_to`` carries the last date's shares forward to that instant. The renderer paints
    it at render time (:func:`monitor.briefing.chart.paint_territory`), in any thread.
    """

    series: TerritorySeries
    caption: str = ""
    x_range: tuple[datetime, datetime] | None = None
    marker: datetime | None = None
    hold_to: datetime | None = None

    def drawn(self) -> list[int]:
        """Columns of ``series`` the chart draws: factions with a non-zero share somewhere
        (the legend lists the same ones)."""
        return [j for j in range(len(self.series.factions)) if self.series.shares[:, j].any()]


@dataclass(frozen=True, slots=True)
class MapCrossing:
    """A crossing on the map figure: its place, its status as of the briefing's as-of time
    (``Crossing.status_at``; ``None`` = unknown) and its label (plain text, bidi-isolated)."""

    crossing_id: str
    label: str
    lon: float
    lat: float
    status: str | None


@dataclass(slots=True)
class MapFigure:
    """The situation map (see :mod:`.mapdata`, drawn by :mod:`.mapdraw`): a page of its own
    under its ``title`` (drawn like a heading).

    ``frame`` is (west, south, east, north) in degrees, already in the figure's aspect
    (1/cos of its central latitude); ``points`` the event clusters
    (:class:`~monitor.briefing.mapdata.MapPoints`); ``classes`` (name, ``#rrggbb``) per
    colour class code of the points.
    """

    frame: tuple[float, float, float, float]
    crossings: list[MapCrossing]
    points: Any
    classes: list[tuple[str, str]]
    caption: str = ""
    unlocated: int = 0  # events of the period without a location (not drawn)
    aspect: float = 1.0  # figure height / width
    title: str = "Situation map"


@dataclass(slots=True)
class PageBreak:
    pass


Block = TitleBlock | Heading | Paragraph | Table | Chart | MapFigure | PageBreak


@dataclass(slots=True)
class Document:
    """Everything the renderer needs: metadata, header text and the blocks in order."""

    title: str
    subject: str
    author: str
    marking: str
    page_size: str
    produced_at: datetime
    header_left: str
    header_right: str
    blocks: list[Block] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    #: What the builder worked out, for the caller (e.g. the briefing's as-of time and its
    #: "since the last briefing" result, which the window records with the export).
    facts: dict[str, Any] = field(default_factory=dict)
