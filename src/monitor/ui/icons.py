"""The app's icons (SVG files in resources/icons)."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from monitor.paths import resource_path


def icon(name: str) -> QIcon:
    """``resources/icons/NAME.svg`` as an icon (an empty one if the file is missing)."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()
