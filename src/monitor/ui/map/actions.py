"""The map panel's actions: Fit to scenario (Home key, toolbar, context menu), the
event colouring (by verification, or by category) and the export (PDF, PNG)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence


class MapActions(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.fit_action = QAction("Fit to scenario", self)
        self.fit_action.setObjectName("mapFitAction")
        self.fit_action.setShortcut(QKeySequence(Qt.Key.Key_Home))
        # Home inside the map only: the feed's table keeps its own Home key.
        self.fit_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.fit_action.setToolTip("Show every crossing and located event of the scenario (Home)")
        self.color_action = QAction("Colour events by category", self)
        self.color_action.setObjectName("mapColorByCategoryAction")
        self.color_action.setCheckable(True)
        self.color_action.setToolTip("Colour event points by category instead of by verification")
        self.export_pdf_action = QAction("Export map as PDF…", self)
        self.export_pdf_action.setObjectName("mapExportPdfAction")
        self.export_pdf_action.setToolTip(
            "Write the map as shown (view, layers, colours, cursor) to a PDF: vectors and text"
        )
        self.export_png_action = QAction("Export map as PNG…", self)
        self.export_png_action.setObjectName("mapExportPngAction")
        self.export_png_action.setToolTip("Write the map as shown to a PNG image (twice the size)")

    def all(self) -> list[QAction]:
        return [self.fit_action, self.color_action, self.export_pdf_action, self.export_png_action]
