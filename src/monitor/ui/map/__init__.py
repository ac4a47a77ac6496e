"""The map panel (issue 13): base map, crossings by status, events where they happened."""

from monitor.ui.map.panel import MapPanel

__all__ = ["MapPanel"]
