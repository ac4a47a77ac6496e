"""The scenario domain model: pure Python, no Qt.

Public contract: :func:`load_scenario`, :func:`save_scenario`,
:class:`ScenarioError`, :class:`Scenario` and its parts.
"""

from monitor.model.entities import (
    SCHEMA_VERSION,
    Crossing,
    CrossingKind,
    CrossingStatus,
    Event,
    Faction,
    Location,
    Moment,
    Scenario,
    ScenarioInfo,
    Side,
    Source,
    StatusEntry,
    TerritoryShare,
    Verification,
)
from monitor.model.errors import Problem, ScenarioError
from monitor.model.io import (
    LoadCancelled,
    dumps_scenario,
    load_scenario,
    save_scenario,
    scenario_from_json,
    scenario_to_json,
    validate_file,
)

__all__ = [
    "SCHEMA_VERSION",
    "Crossing",
    "CrossingKind",
    "CrossingStatus",
    "Event",
    "Faction",
    "LoadCancelled",
    "Location",
    "Moment",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ScenarioInfo",
    "Side",
    "Source",
    "StatusEntry",
    "TerritoryShare",
    "Verification",
    "dumps_scenario",
    "load_scenario",
    "save_scenario",
    "scenario_from_json",
    "scenario_to_json",
    "validate_file",
]
