"""What the map panel derives over every event before it is built: the grouping by place,
started on the context's worker while the window builds its widgets
(:meth:`~monitor.ui.context.ScenarioContext.prepare`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.ui.map.layer import EventClusters

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext

CLUSTERS = "map.clusters"


def prepare(ctx: ScenarioContext) -> None:
    """Start grouping the context's events by place (the panel takes it when built)."""
    ctx.prepare(CLUSTERS, EventClusters)


def clusters(ctx: ScenarioContext) -> EventClusters:
    """The grouping of the context's events frame: the prepared one if it is of this frame."""
    return ctx.prepared(CLUSTERS, EventClusters)
