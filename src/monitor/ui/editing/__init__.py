"""Editing events, sources, factions, crossings and territory in the app (issue #14).

``install(window)`` adds the editing actions to the window's menus and panels and returns
the object that owns them (:class:`monitor.ui.editing.actions.EditingActions`). The
dialogs live one per module (``event_dialog``, ``source_dialog``, ``faction_dialog``,
``crossing_dialog``, ``territory_dialog``, ``status_dialog``), on the base of ``form``.
"""

from __future__ import annotations

from typing import Any


def install(window: Any) -> Any:
    from monitor.ui.editing.actions import EditingActions

    return EditingActions(window)
