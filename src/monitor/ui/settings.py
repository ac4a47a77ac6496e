"""Persistent preferences (QSettings). One constructor so tests can redirect the store."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "SituationMonitor"
APPLICATION = "monitor"
MAX_RECENT = 10


def settings() -> QSettings:
    """The app's settings store; ``MONITOR_CONFIG_DIR`` redirects it (tests, portable use)."""
    folder = os.environ.get("MONITOR_CONFIG_DIR")
    if folder:
        return QSettings(str(Path(folder) / "monitor.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def recent_files() -> list[str]:
    value = settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


def add_recent_file(path: str | Path) -> list[str]:
    path = str(Path(path).resolve())
    files = [path] + [f for f in recent_files() if f != path]
    files = files[:MAX_RECENT]
    settings().setValue("recent_files", files)
    return files


def clear_recent_files() -> None:
    settings().setValue("recent_files", [])
