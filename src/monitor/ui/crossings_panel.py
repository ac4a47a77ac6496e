"""Old path of the crossings panel, kept for ``benchmarks/run.py``: use
:mod:`monitor.ui.crossings`."""

from monitor.ui.crossings.panel import CrossingsPanel

__all__ = ["CrossingsPanel"]
