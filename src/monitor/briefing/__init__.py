"""PDF briefings: the full situation briefing and single-panel exports.

One renderer with two front doors: the UI's "Export as PDF…" / "Export
briefing…" actions and the headless ``monitor brief`` command call the same
functions. :mod:`.content` decides what goes on the pages (pure Python),
:mod:`.pdf` lays it out and paints it with ``QPdfWriter``, :mod:`.chart`
draws the territory chart as vectors, :mod:`.cli` is ``monitor brief``.

Importing this package does not import Qt; the export functions do, lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.briefing.options import DEFAULT_MARKING, PAGE_SIZES, PANELS, BriefingOptions

if TYPE_CHECKING:
    from monitor.briefing.pdf import (
        BriefingResult,
        export_briefing_pdf,
        export_crossings_pdf,
        export_feed_pdf,
        export_territory_pdf,
    )

__all__ = [
    "DEFAULT_MARKING",
    "PAGE_SIZES",
    "PANELS",
    "BriefingOptions",
    "BriefingResult",
    "export_briefing_pdf",
    "export_crossings_pdf",
    "export_feed_pdf",
    "export_territory_pdf",
]

_LAZY = {
    "BriefingResult",
    "export_briefing_pdf",
    "export_crossings_pdf",
    "export_feed_pdf",
    "export_territory_pdf",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from monitor.briefing import pdf

        return getattr(pdf, name)
    raise AttributeError(f"module 'monitor.briefing' has no attribute {name!r}")
