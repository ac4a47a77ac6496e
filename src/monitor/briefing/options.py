"""The user's choices for one PDF (pure Python: no Qt, no numpy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.model.entities import Moment
from monitor.model.schema import TRENDS

if TYPE_CHECKING:
    from monitor.model.briefings import BriefingRecord

PANELS = ("crossings", "map", "territory", "feed")
PAGE_SIZES = ("A4", "Letter")
DEFAULT_MARKING = "UNCLASSIFIED"


@dataclass(slots=True)
class BriefingOptions:
    """The user's choices for one PDF. Every field has a sensible default.

    ``as_of`` / ``since`` accept an aware ``datetime`` or a
    :class:`~monitor.model.Moment` (a day-precision moment means the end of
    that day for ``as_of`` and its start for ``since``). ``as_of=None`` means
    now; ``since=None`` means the first territory date.
    """

    marking: str = DEFAULT_MARKING
    page_size: str = "A4"
    analyst: str = ""
    as_of: datetime | Moment | None = None
    since: datetime | Moment | None = None
    filter_text: str = ""
    panels: Sequence[str] = PANELS
    produced_at: datetime | None = None
    # Feed export: a human description of the panel's filter and sort, printed in the header.
    filter_description: str = ""
    # Times as military date-time groups (``301430Z NOV 24``), as the UI shows them when
    # its DTG option is on; else in the scenario's zone with the offset.
    military_time: bool = False
    # The full events list as an annex at the end (compact: one line per event).
    annex: bool = True
    # The "Next update" line under the cut-off (None: no line).
    next_update: datetime | Moment | None = None
    # "Since the last briefing": compare with this record (None: the last one recorded in
    # the scenario, or the ``since`` time when one is given).
    previous: BriefingRecord | None = None
    # The analyst's trend markers (deteriorated / unchanged / improved); None / missing: the
    # app's suggestion.
    overall: str | None = None
    trends: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        chosen = (self.overall, *self.trends.values())
        bad = [t for t in chosen if t is not None and t not in TRENDS]
        if bad:
            raise ValueError(f"unknown trend {bad[0]!r} (choose from {', '.join(TRENDS)})")
        self.trends = dict(self.trends)
        self.marking = " ".join((self.marking or "").split()) or DEFAULT_MARKING
        self.page_size = normalise_page_size(self.page_size)
        unknown = [p for p in self.panels if p not in PANELS]
        if unknown:
            raise ValueError(f"unknown panel {unknown[0]!r} (choose from {', '.join(PANELS)})")
        self.panels = tuple(p for p in PANELS if p in self.panels)


def normalise_page_size(value: str) -> str:
    for name in PAGE_SIZES:
        if value.strip().lower() in (name.lower(), {"Letter": "us-letter"}.get(name, name).lower()):
            return name
    raise ValueError(f"unknown page size {value!r} (choose A4 or Letter)")
