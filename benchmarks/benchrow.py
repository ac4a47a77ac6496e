"""One result row of benchmarks/run.py, in the shape every group reports (see run.py)."""

from __future__ import annotations

from typing import Any


def row(
    workload: str,
    measured: float,
    unit: str,
    *,
    baseline: float | None,
    baseline_label: str,
    target: str,
    holds: bool,
    note: str = "",
    **details: Any,
) -> dict[str, Any]:
    return {
        "workload": workload,
        "measured": measured,
        "unit": unit,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "ratio": measured / baseline if baseline else None,
        "target": target,
        "holds": holds,
        "note": note,
        "details": details,
    }
