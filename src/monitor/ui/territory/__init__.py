"""The controlled-territory chart panel: stacked areas (``areas``), the event lane
(``markers``), the legend and read-out (``legend``) and colour helpers (``colors``); the
data is the model's territory series (:mod:`monitor.model.series`)."""

from monitor.ui.territory.panel import TerritoryPanel

__all__ = ["TerritoryPanel"]
