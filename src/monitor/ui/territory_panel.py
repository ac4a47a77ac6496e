"""Old path of the territory panel, kept for ``benchmarks/run.py``: use
:mod:`monitor.ui.territory`."""

from monitor.ui.territory.panel import TerritoryPanel

__all__ = ["TerritoryPanel"]
