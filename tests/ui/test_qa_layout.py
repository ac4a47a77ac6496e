"""The window as a new user sees it: no panel holds the window wider than the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel

from monitor.ui import MainWindow


def test_the_map_dock_can_be_narrowed_and_its_legend_wraps(qtbot, small_path):
    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    legend = window.map_panel.findChild(object, "mapLegend")
    one_line = legend.sizeHint().width()
    assert window.map_panel.minimumSizeHint().width() < 520  # was the legend's whole line, 837
    dock = window.findChild(QDockWidget, "mapDock")
    window.resizeDocks([dock], [380], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: dock.width() < 700)  # the old legend held it at 837 and more
    qtbot.wait(50)
    assert legend.width() <= dock.width()
    if legend.width() < one_line:  # then its parts go one under another
        assert legend.height() > legend.fontMetrics().height() * 2
    # Every word of the legend is shown whole, inside the legend.
    for label in legend.findChildren(QLabel):
        if label.isVisible() and label.text():
            assert label.width() >= label.sizeHint().width(), label.text()
            top_left = label.mapTo(legend, label.rect().topLeft())
            bottom_right = label.mapTo(legend, label.rect().bottomRight())
            assert legend.rect().contains(top_left) and legend.rect().contains(bottom_right)


def test_the_crossings_legend_words_are_whole_in_the_narrowest_dock(qtbot, small_path):
    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    dock = window.findChild(QDockWidget, "crossingsDock")
    window.resizeDocks([dock], [120], Qt.Orientation.Horizontal)  # as narrow as it goes
    qtbot.wait(100)
    panel = window.crossings_panel
    words = [
        label
        for label in panel.findChildren(QLabel)
        if label.isVisible() and label.text() in ("open", "restricted", "closed", "unknown")
    ]
    assert len(words) == 4
    for label in words:
        assert label.width() >= label.sizeHint().width(), (label.text(), label.width())


def test_the_chart_dates_are_never_drawn_over_each_other(qtbot, small_path):
    from datetime import UTC, datetime
    from itertools import pairwise

    from PySide6.QtGui import QFontMetrics

    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    axis = window.territory_panel.date_axis
    qtbot.waitUntil(lambda: hasattr(axis, "fontMetrics"))  # (pyqtgraph's: once drawn)
    start = datetime(2024, 11, 25, tzinfo=UTC).timestamp()
    end = datetime(2025, 1, 6, tzinfo=UTC).timestamp()  # over a month's start
    for width in (300, 440, 700, 1200):
        ticks = sorted(v for _spacing, values in axis.tickValues(start, end, width) for v in values)
        assert len(ticks) >= 2
        px = [(v - start) / (end - start) * width for v in ticks]
        least = QFontMetrics(axis.font()).horizontalAdvance("Sep")
        assert min(b - a for a, b in pairwise(px)) >= least, width
