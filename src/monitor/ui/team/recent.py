"""Recent team stores, kept beside the recent files (display form only: never a password)."""

from __future__ import annotations

from monitor.store.dsn import display_dsn
from monitor.ui.settings import MAX_RECENT, settings

KEY = "recent_stores"


def recent_stores() -> list[str]:
    value = settings().value(KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if str(v)]


def add_recent_store(dsn: str) -> list[str]:
    shown = display_dsn(dsn)  # the password is dropped before anything is written
    stores = [shown] + [s for s in recent_stores() if s != shown]
    stores = stores[:MAX_RECENT]
    settings().setValue(KEY, stores)
    return stores


def clear_recent_stores() -> None:
    settings().setValue(KEY, [])
