"""Old path of the crossings' table model, kept for ``tests/ui/test_session.py``: use
:mod:`monitor.ui.crossings.model` and :mod:`monitor.ui.crossings.status`."""

from monitor.ui.crossings.model import CrossingTableModel
from monitor.ui.crossings.status import STATUS_COLORS, CrossingColumn, CrossingRole

__all__ = ["STATUS_COLORS", "CrossingColumn", "CrossingRole", "CrossingTableModel"]
