"""The border-crossings panel: its table model (``model``), the status words, colours and
columns (``status``), the history strip (``strip``) and the edit actions (``actions``).

``CrossingsPanel`` is imported on first use: the window builds the actions (for its menus)
before the panel and its numpy-based strip exist.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CrossingsPanel"]


def __getattr__(name: str) -> Any:
    if name == "CrossingsPanel":
        from monitor.ui.crossings.panel import CrossingsPanel

        return CrossingsPanel
    raise AttributeError(name)
