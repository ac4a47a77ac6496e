"""The team store (issue #15): a scenario's change log shared in PostgreSQL.

* :class:`TeamStore` — the storage an editing session uses for a store (like
  :class:`monitor.model.storage.FileStorage` for a file), with live updates, catch-up by
  sequence number, an outbox for offline work and reconnection with back-off;
* :mod:`monitor.store.admin` — ``init`` / ``export`` / ``status`` / ``grant`` / ``migrate``;
* :mod:`monitor.store.dsn` — :func:`is_dsn`, :func:`display_dsn` (no password), :func:`scrub`;
* :mod:`monitor.store.schema` — tables, triggers, roles, migrations (see its docstring);
* :mod:`monitor.store.cluster` — a throw-away local server for trying it and for tests.

psycopg 3 is imported only by the modules that talk to a server: importing this package
needs no PostgreSQL and no server. Pure Python, no Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.store.dsn import display_dsn, is_dsn, scrub

if TYPE_CHECKING:
    from monitor.store.team import LogEntry, StoreError, StoreOffline, TeamStore

_LAZY = {"TeamStore", "StoreError", "StoreOffline", "LogEntry"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from monitor.store import team

        return getattr(team, name)
    raise AttributeError(name)


__all__ = ["LogEntry", "StoreError", "StoreOffline", "TeamStore", "display_dsn", "is_dsn", "scrub"]
