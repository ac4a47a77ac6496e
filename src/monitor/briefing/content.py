"""What goes on a briefing's pages, as plain data (pure Python: no Qt).

The builders turn a :class:`~monitor.model.Scenario` plus a few plain choices (as-of time,
period, filter, event rows) into a :class:`Document`: a flat list of blocks (title block,
headings, paragraphs, tables, the territory chart) with the PDF metadata.
:mod:`monitor.briefing.layout` lays the blocks out on pages; nothing here knows about pages,
fonts or Qt, so the content can be tested quickly and reused by any renderer.

This module is the one import point for the content; the parts live in
:mod:`.options` (the user's choices), :mod:`.blocks` (the block types), :mod:`.text`
(untrusted text tidied), :mod:`.timefmt` (how times are written), :mod:`.sections` (tables
and judgements) and :mod:`.documents` (the full briefing and the single-panel exports).
The territory chart's data is the model's :func:`monitor.model.series.territory_series`.

Every string taken from the scenario file is untrusted. Blocks carry it as plain text and
the renderer paints it as plain text (never HTML).
"""

from __future__ import annotations

from monitor.briefing.blocks import (
    Block,
    Cell,
    Chart,
    Column,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Table,
    TitleBlock,
)
from monitor.briefing.documents import (
    briefing_document,
    briefing_events,
    crossings_document,
    feed_document,
    resolve_period,
    territory_document,
)
from monitor.briefing.options import (
    DEFAULT_MARKING,
    PAGE_SIZES,
    PANELS,
    BriefingOptions,
    normalise_page_size,
)
from monitor.briefing.sections import (
    RECENT_HOURS,
    STATUS_WORD,
    SourceIndex,
    changes_table,
    crossings_table,
    events_table,
    key_judgements,
    recent_window,
    shares_table,
)
from monitor.briefing.text import clean, one_line
from monitor.briefing.timefmt import (
    describe_as_of,
    describe_produced,
    end_instant,
    short_time,
    to_moment,
    when,
)
from monitor.model.series import TerritorySeries, territory_series

__all__ = [
    "DEFAULT_MARKING",
    "PAGE_SIZES",
    "PANELS",
    "RECENT_HOURS",
    "STATUS_WORD",
    "Block",
    "BriefingOptions",
    "Cell",
    "Chart",
    "Column",
    "Document",
    "Heading",
    "PageBreak",
    "Paragraph",
    "SourceIndex",
    "Table",
    "TerritorySeries",
    "TitleBlock",
    "briefing_document",
    "briefing_events",
    "changes_table",
    "clean",
    "crossings_document",
    "crossings_table",
    "describe_as_of",
    "describe_produced",
    "end_instant",
    "events_table",
    "feed_document",
    "key_judgements",
    "normalise_page_size",
    "one_line",
    "recent_window",
    "resolve_period",
    "shares_table",
    "short_time",
    "territory_document",
    "territory_series",
    "to_moment",
    "when",
]
