"""Old path of the feed's table model, kept for ``benchmarks/run.py``: use
:mod:`monitor.ui.feed.model` and :mod:`monitor.ui.feed.columns`."""

from monitor.ui.feed.columns import EventColumn, EventIdRole
from monitor.ui.feed.model import EventTableModel

__all__ = ["EventColumn", "EventIdRole", "EventTableModel"]
