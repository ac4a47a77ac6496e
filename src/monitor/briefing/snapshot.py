"""A scenario frozen for a briefing built off the GUI thread.

While a worker thread assembles a briefing, the GUI thread may still change the scenario
(a teammate's change from the team store, the live clock). :func:`snapshot` takes, on the
GUI thread, a copy the worker can read undisturbed, cheaply: the event table's text
columns are immutable Arrow arrays and stay shared (its numbers, which edits write in
place, are copied); the events frame is copied (its Arrow string columns are shared, its
numbers copied). A change replaces a crossing's history (a tuple of frozen entries) and
its fields by assignment, and the lists of sources, factions and territory shares as a
whole, so one shallow copy of each object suffices; the scenario's extra fields (key
judgements, recorded briefings) are deep-copied.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from monitor.model.entities import Scenario

if TYPE_CHECKING:
    import pandas as pd


def snapshot(scenario: Scenario, frame: pd.DataFrame) -> tuple[Scenario, pd.DataFrame]:
    """(a copy of ``scenario``, a copy of its events ``frame``) that later edits of the
    scenario do not reach. Row ``i`` of the frame copy is still ``events[i]`` of the copy."""
    twin = Scenario(
        info=copy.copy(scenario.info),
        factions=[copy.copy(f) for f in scenario.factions],
        sources=[copy.copy(s) for s in scenario.sources],
        events=copy.copy(scenario.table),
        crossings=[copy.copy(c) for c in scenario.crossings],
        territory=[copy.copy(t) for t in scenario.territory],
        schema_version=scenario.schema_version,
        extra=copy.deepcopy(scenario.extra),
    )
    return twin, frame.copy(deep=True)
