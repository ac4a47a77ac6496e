"""RangeTableView: a change to some rows repaints only those rows on screen, or nothing."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QStandardItem, QStandardItemModel

from monitor.ui.views import RangeTableView


class PaintSpy(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.regions: list[QRect] = []

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.regions.append(event.region().boundingRect())
        return False


def test_changes_off_screen_repaint_nothing_and_on_screen_only_their_cells(qtbot, qapp) -> None:
    model = QStandardItemModel(200, 4)
    for r in range(200):
        for c in range(4):
            model.setItem(r, c, QStandardItem(f"{r},{c}"))
    view = RangeTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    qapp.processEvents()
    spy = PaintSpy()
    view.viewport().installEventFilter(spy)

    model.dataChanged.emit(model.index(150, 0), model.index(190, 3))  # far below the screen
    qapp.processEvents()
    assert spy.regions == []

    model.dataChanged.emit(model.index(2, 1), model.index(3, 1))  # two cells on screen
    qapp.processEvents()
    assert spy.regions, "the changed cells must be repainted"
    cells = view.visualRect(model.index(2, 1)).united(view.visualRect(model.index(3, 1)))
    expected = cells.adjusted(0, 0, 1, 1)  # with the grid line
    assert all(expected.contains(r) for r in spy.regions), (spy.regions, expected)
    assert view.viewport().rect() not in spy.regions  # not the whole table
