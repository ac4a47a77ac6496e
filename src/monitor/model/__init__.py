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
from monitor.model.errors import LoadCancelled, Problem, ScenarioError
from monitor.model.loader import FileIdentity, load_identified, load_scenario, validate_file
from monitor.model.sections import scenario_from_json
from monitor.model.writer import dumps_scenario, save_scenario, scenario_to_json

__all__ = [
    "SCHEMA_VERSION",
    "Crossing",
    "CrossingKind",
    "CrossingStatus",
    "Event",
    "Faction",
    "FileIdentity",
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
    "load_identified",
    "load_scenario",
    "save_scenario",
    "scenario_from_json",
    "scenario_to_json",
    "validate_file",
]
