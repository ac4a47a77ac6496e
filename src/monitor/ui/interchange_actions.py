"""File → Import… and File → Export… (issue #14): feed import with a review, as-of export.

``install(window)`` adds the actions to the File menu and returns their owner (or None
while nothing is installed).
"""

from __future__ import annotations

from typing import Any


def install(window: Any) -> Any:
    return None
