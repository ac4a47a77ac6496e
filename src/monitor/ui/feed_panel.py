"""Old path of the feed panel, kept for ``benchmarks/run.py`` and
``tests/reliability/test_hostile_text.py``: use :mod:`monitor.ui.feed`."""

from monitor.ui.feed.details import DetailBrowser
from monitor.ui.feed.panel import FeedPanel

__all__ = ["DetailBrowser", "FeedPanel"]
