"""Reliability suite: fuzzed loading, crash-safe saving, hostile text, model properties.

Budgets (see docs/reliability.md): ``MONITOR_FUZZ_EXAMPLES=N`` sets hypothesis
``max_examples`` for the property and fuzz tests, ``MONITOR_CRASH_RUNS=N`` the number of
SIGKILLs in the crash tests. ``MONITOR_RELIABILITY_FIGURES=path.json`` writes the counts
of a run (cases, failures, slowest case) for the figures in docs/reliability.md.
``pytest --hypothesis-profile=no-shrink`` reports a failing case at once instead of
minimising it (minimising these big documents can take minutes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

settings.register_profile("no-shrink", phases=[Phase.explicit, Phase.reuse, Phase.generate])


class Figures:
    """Counts per test (cases tried, failures, slowest case) for docs/reliability.md."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def add(
        self, name: str, *, cases: int = 1, failures: int = 0, seconds: float = 0.0, **extra: Any
    ) -> None:
        row = self.rows.setdefault(name, {"cases": 0, "failures": 0, "max_seconds": 0.0})
        row["cases"] += cases
        row["failures"] += failures
        row["max_seconds"] = round(max(row["max_seconds"], seconds), 4)
        for key, value in extra.items():  # numbers add up over calls, anything else is set
            old = row.get(key)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            row[key] = old + value if number and isinstance(old, (int, float)) else value


@pytest.fixture(scope="session")
def figures():
    """Written as JSON to ``$MONITOR_RELIABILITY_FIGURES`` at the end of the session (merged
    with what the file holds, so separate runs add up)."""
    fig = Figures()
    yield fig
    target = os.environ.get("MONITOR_RELIABILITY_FIGURES")
    if target and fig.rows:
        path = Path(target)
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        old.update(fig.rows)
        path.write_text(json.dumps(old, indent=2, sort_keys=True) + "\n", encoding="utf-8")
