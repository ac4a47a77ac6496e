"""The team store in the window (issue #15): connect, live updates, offline queue, roles.

``install(window)`` adds File → Connect to team store… and the recent stores to the
window's menus and returns their owner (:class:`monitor.ui.team.actions.TeamActions`,
kept as ``window.team``); when the window shows a team store it is kept live from then on
(:mod:`monitor.ui.team.live`). :func:`open_storage` is how the window opens what it is
given: a scenario file, or a team store for a connection string (``postgresql://…``,
``service=…``).

psycopg is imported only when a store is opened: the app starts without PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.model.entities import Scenario
from monitor.model.storage import FileStorage
from monitor.store.dsn import display_dsn, is_dsn


def install(window: Any) -> Any:
    from monitor.ui.team.actions import TeamActions

    return TeamActions(window)


def is_store(storage: Any) -> bool:
    """Is ``storage`` a team store (rather than a file)?"""
    return getattr(storage, "kind", "") == "team"


def open_storage(target: str | Path, user: str | None = None) -> tuple[Any, Scenario]:
    """The storage for ``target`` and the scenario it holds: a :class:`TeamStore` for a
    connection string, else a :class:`FileStorage`. Raises ``ScenarioError`` (a bad file
    or store content) or ``StoreError`` (the store cannot be used; no password in it)."""
    text = str(target)
    if is_dsn(text):
        from monitor.store.team import TeamStore

        store = TeamStore(text)
        try:
            return store, store.load()
        except BaseException:
            store.close()
            raise
    storage = FileStorage(Path(target), user=user)
    return storage, storage.load()


def context_path(storage: Any, target: str | Path) -> Path | None:
    """The path the window's context keeps: the file's, none for a team store (the title
    and the recent list show the store's display form instead)."""
    return None if is_store(storage) else Path(target)


def shown_name(storage: Any) -> str:
    """How the window names what it shows when it is a store (never with a password)."""
    if not is_store(storage):
        return ""
    return str(getattr(storage, "display", "")) or display_dsn(str(getattr(storage, "name", "")))


def remember(storage: Any, target: str | Path) -> None:
    """Put what was opened at the top of the recent list (a store without its password)."""
    from monitor.ui import settings as prefs

    if is_store(storage):
        from monitor.ui.team.recent import add_recent_store

        add_recent_store(shown_name(storage))
    else:
        prefs.add_recent_file(target)


__all__ = ["context_path", "install", "is_store", "open_storage", "remember", "shown_name"]
