"""The event feed panel: its table model (``model``), filter bar (``filters``), detail pane
(``details``), column texts (``columns``) and actions (``actions``)."""

from monitor.ui.feed.panel import FeedPanel

__all__ = ["FeedPanel"]
