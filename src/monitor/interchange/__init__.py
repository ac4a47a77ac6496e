"""Feeds in and views out: import of ACLED / UCDP / GeoJSON / mapped CSV files as a
reviewed merge, and export of the filtered as-of view (docs/interchange.md).

Pure Python (no Qt; imports :mod:`monitor.model` only)::

    parsed = parse_feed("acled.csv")                  # FeedError: refused as a whole
    review = plan_import(scenario, parsed)            # new / updated / ... / rejected
    apply_review(scenario, review, log)               # one ChangeLog.apply_batch
    export_view(scenario, View(as_of=t), "out.geojson", "geojson")
"""

from monitor.interchange.export import View, crossing_state, export_view, view_rows
from monitor.interchange.formats import (
    FORMATS,
    Cancelled,
    FeedError,
    Layout,
    UnknownLayout,
    parse_mapping,
)
from monitor.interchange.merge import Review, Updated, apply_review, plan_import, previous_import
from monitor.interchange.parse import Parsed, Rejected, parse_feed
from monitor.interchange.review import review_lines

__all__ = [
    "FORMATS",
    "Cancelled",
    "FeedError",
    "Layout",
    "Parsed",
    "Rejected",
    "Review",
    "UnknownLayout",
    "Updated",
    "View",
    "apply_review",
    "crossing_state",
    "export_view",
    "parse_feed",
    "parse_mapping",
    "plan_import",
    "previous_import",
    "review_lines",
    "view_rows",
]
