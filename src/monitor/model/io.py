"""Load, validate and save scenario files (the JSON contract, schema_version 1).

The public entry points, gathered: reading is :mod:`monitor.model.loader` (one loader
for every size, with the file's identity), the strict JSON reader
:mod:`monitor.model.jsontext`, the contract :mod:`monitor.model.schema` and its builders
:mod:`monitor.model.sections`; saving (canonical, atomic) :mod:`monitor.model.writer`.
"""

from __future__ import annotations

from monitor.model.errors import CancelCheck, LoadCancelled, ProgressCallback
from monitor.model.jsontext import SNIFF_BYTES, open_regular, read_json
from monitor.model.loader import FileIdentity, load_identified, load_scenario, validate_file
from monitor.model.schema import SHARE_TOLERANCE
from monitor.model.sections import scenario_from_json
from monitor.model.writer import (
    atomic_write_bytes,
    dumps_scenario,
    event_json,
    save_scenario,
    scenario_pieces,
    scenario_to_json,
    status_entry_json,
)

__all__ = [
    "SHARE_TOLERANCE",
    "SNIFF_BYTES",
    "CancelCheck",
    "FileIdentity",
    "LoadCancelled",
    "ProgressCallback",
    "atomic_write_bytes",
    "dumps_scenario",
    "event_json",
    "load_identified",
    "load_scenario",
    "open_regular",
    "read_json",
    "save_scenario",
    "scenario_from_json",
    "scenario_pieces",
    "scenario_to_json",
    "status_entry_json",
    "validate_file",
]
