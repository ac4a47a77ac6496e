"""Persistent preferences (QSettings): one constructor, so every part of the app reads one store."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "SituationMonitor"
APPLICATION = "monitor"
MAX_RECENT = 10


def settings() -> QSettings:
    """The app's settings store (an INI file in the user's configuration folder).

    ``MONITOR_CONFIG_DIR=FOLDER`` keeps it in ``FOLDER/monitor.ini`` instead: a portable
    install, or a scripted run that must not touch the analyst's layout and recent files
    (docs/make_screenshot.py, the test suite, the benchmarks).
    """
    folder = os.environ.get("MONITOR_CONFIG_DIR")
    if folder:
        return QSettings(str(Path(folder) / "monitor.ini"), QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


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
