"""Qt user interface. ``MainWindow`` is imported lazily so ``import monitor.ui`` stays cheap."""

from __future__ import annotations

from typing import Any

__all__ = ["MainWindow"]


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from monitor.ui.main_window import MainWindow

        return MainWindow
    raise AttributeError(name)
