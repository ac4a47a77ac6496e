"""Editing events, sources, factions, crossings and territory in the app (issue #14).

``install(window)`` adds the editing actions to the window's menus and panels and returns
the object that owns them (or None while nothing is installed).
"""

from __future__ import annotations

from typing import Any


def install(window: Any) -> Any:
    return None
