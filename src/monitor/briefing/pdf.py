"""The PDF renderer's front door: documents in, PDF files out.

``QPdfWriter`` + ``QPainter`` with a small flow layout of our own (:mod:`.layout`, text
typeset by :mod:`.typeset`). All text is plain text laid out with ``QTextLayout`` and
painted with ``QTextLine.draw``: real, searchable text with embedded fonts, Arabic shaped
right-to-left by Qt's text engine, and nothing in a scenario file is ever interpreted as
HTML, so ``<img src=...>`` prints as those characters and loads nothing. The territory
chart is vector graphics (see :mod:`.chart`).

Public entry points (one renderer, two front doors: the UI and ``monitor brief``):
:func:`export_briefing_pdf`, :func:`export_feed_pdf`,
:func:`export_crossings_pdf`, :func:`export_territory_pdf`; and
:func:`render_pdf` / :func:`write_pdf` for a prepared document; :func:`ensure_app` for the
QApplication the renderer needs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.briefing.blocks import Document
from monitor.briefing.documents import (
    briefing_document,
    crossings_document,
    feed_document,
    territory_document,
)
from monitor.briefing.layout import Renderer
from monitor.briefing.metadata import xmp_packet
from monitor.briefing.options import BriefingOptions
from monitor.briefing.typeset import ensure_app
from monitor.model.entities import Moment, Scenario
from monitor.model.io import atomic_write_bytes

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BriefingResult",
    "Renderer",
    "ensure_app",
    "export_briefing_pdf",
    "export_crossings_pdf",
    "export_feed_pdf",
    "export_territory_pdf",
    "render_pdf",
    "write_pdf",
    "xmp_packet",
]


@dataclass(frozen=True, slots=True)
class BriefingResult:
    """What an export produced: where, and how many pages."""

    path: Path
    pages: int


# --------------------------------------------------------------------------- public API
def render_pdf(doc: Document) -> tuple[bytes, int]:
    """The PDF bytes of ``doc`` and its page count."""
    renderer = Renderer(doc)
    try:
        return renderer.render()
    finally:
        renderer.release()


def write_pdf(doc: Document, out: str | os.PathLike[str]) -> BriefingResult:
    """Render ``doc`` and write it to ``out`` atomically: ``out`` is never left half-written
    (temp file in the same folder, then ``os.replace``; on failure the temp file is removed
    and an existing ``out`` is untouched)."""
    data, pages = render_pdf(doc)
    path = Path(out)
    atomic_write_bytes(path, data)
    return BriefingResult(path, pages)


def export_briefing_pdf(
    scenario: Scenario,
    out: str | os.PathLike[str],
    options: BriefingOptions | None = None,
    *,
    frame: pd.DataFrame | None = None,
) -> BriefingResult:
    """The full briefing (File → Export briefing…, ``monitor brief``).

    ``options.as_of`` (default now), ``options.since`` (default the first
    territory date), ``options.filter_text`` and ``options.panels`` choose
    the content; ``frame`` may pass an already-built events frame.
    """
    return write_pdf(briefing_document(scenario, options or BriefingOptions(), frame), out)


def export_feed_pdf(
    scenario: Scenario,
    rows: Sequence[int],
    out: str | os.PathLike[str],
    options: BriefingOptions | None = None,
    frame: pd.DataFrame | None = None,
) -> BriefingResult:
    """The event feed as shown: ``rows`` are event positions (into ``scenario.events``) in display
    order; put the panel's filter and sort in words into ``options.filter_description``.
    ``frame``: the scenario's events frame if already built (the grades come from it)."""
    return write_pdf(feed_document(scenario, rows, options, frame), out)


def export_crossings_pdf(
    scenario: Scenario,
    as_of: datetime | Moment,
    out: str | os.PathLike[str],
    options: BriefingOptions | None = None,
) -> BriefingResult:
    """The crossing-status table as of ``as_of`` (the time cursor)."""
    return write_pdf(crossings_document(scenario, as_of, options), out)


def export_territory_pdf(
    scenario: Scenario,
    out: str | os.PathLike[str],
    options: BriefingOptions | None = None,
    x_range: tuple[datetime, datetime] | None = None,
) -> BriefingResult:
    """The territory chart over ``x_range`` (the panel's visible range; ``None``: every date)
    with its legend."""
    return write_pdf(territory_document(scenario, options, x_range), out)
