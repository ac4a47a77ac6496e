"""A sample new event for the change-log tests (valid against tests/data/small.json: its
actor "gov" and source "s1")."""

from __future__ import annotations

from typing import Any

NEW_EVENT: dict[str, Any] = {
    "id": "e9",
    "time": "2024-12-06T08:30:00+03:00",
    "title": "Convoy seen at the crossing",
    "category": "border",
    "actors": ["gov"],
    "location": {"name": "Al-Qaim", "lat": 34.4, "lon": 40.98},
    "source_ids": ["s1"],
    "verification": "reported",
}
