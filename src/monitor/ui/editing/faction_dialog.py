"""New / edit faction: name and colour (typed as #rrggbb or picked with Qt's colour dialog)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from monitor.model.changelog import entity_json
from monitor.model.changes import FACTION, Change, entity_change
from monitor.model.schema import COLOR_RE, color, string
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.form import FormDialog, shown_name
from monitor.ui.editing.source_dialog import Chooser, unused_id

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext
    from monitor.ui.session import Session


class FactionDialog(FormDialog):
    """``FactionDialog(ctx, session, faction_id=None, new=False)``."""

    PATHS: ClassVar[dict[str, str]] = {"id": "id", "name": "name", "color": "color"}

    def __init__(
        self,
        ctx: ScenarioContext,
        session: Session,
        faction_id: str | None = None,
        parent: QWidget | None = None,
        *,
        new: bool = False,
    ):
        super().__init__("New faction" if new else "Edit faction", session, parent)
        self.setObjectName("factionDialog")
        self._ctx = ctx
        self.before: dict[str, Any] | None = None
        self.color_dialog: QColorDialog | None = None
        factions = ctx.scenario.factions
        self.chooser: Chooser | None = None
        if not new:
            self.chooser = Chooser([(f.id, f"{shown_name(f.name)} [{f.id}]") for f in factions])
            self.add_row("chooser", "Faction", self.chooser)
        self.id_edit = QLineEdit(unused_id("faction-", {f.id for f in factions}) if new else "")
        self.id_edit.setReadOnly(not new)
        self.add_row("id", "Id", self.id_edit)
        self.name_edit = QLineEdit()
        self.add_row("name", "Name", self.name_edit)
        self.color_edit = QLineEdit("#808080" if new else "")
        self.color_edit.setPlaceholderText("#rrggbb")
        self.color_button = QPushButton("Choose…")
        self.color_button.setObjectName("chooseColorButton")
        self.color_button.clicked.connect(self.choose_color)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.color_edit, 1)
        row.addWidget(self.color_button)
        self.add_row("color", "Colour", box)
        self.color_edit.textChanged.connect(self._show_swatch)
        self.watch(self.id_edit, self.name_edit, self.color_edit)
        if self.chooser is not None:
            self.chooser.currentIndexChanged.connect(lambda _i: self.load(self.chooser.key()))
            if faction_id:
                self.chooser.choose(faction_id)
            self.load(self.chooser.key())
        self._show_swatch(self.color_edit.text())
        self.resize(420, self.sizeHint().height())
        self.finish()

    def load(self, faction_id: str) -> None:
        self._building = True
        b = entity_json(self._ctx.scenario, FACTION, faction_id) if faction_id else None
        self.before = b
        b = b or {}
        self.id_edit.setText(b.get("id", ""))
        self.name_edit.setText(b.get("name", ""))
        self.color_edit.setText(b.get("color", ""))
        self._building = False
        self.revalidate()

    def choose_color(self) -> None:
        """Qt's colour dialog (not blocking: the chosen colour is typed into the field)."""
        dialog = QColorDialog(QColor(self.color_edit.text()), self)
        dialog.colorSelected.connect(lambda c: self.color_edit.setText(c.name()))
        self.color_dialog = dialog
        dialog.open()

    def _show_swatch(self, value: str) -> None:
        ok = bool(COLOR_RE.fullmatch(value))
        self.color_button.setStyleSheet(f"background-color: {value};" if ok else "")

    def collect(self) -> dict[str, Any]:
        d: dict[str, Any] = copy.deepcopy(self.before) if self.before else {}
        if self.chooser is not None and self.before is None:
            self.refuse("chooser", "there is no faction to edit")
        d["id"] = self.check("id", string, self.id_edit.text().strip())
        d["name"] = self.check("name", string, self.name_edit.text())
        d["color"] = self.check("color", color, self.color_edit.text().strip())
        return d

    def make_change(self, after: dict[str, Any]) -> Change | None:
        if after == self.before:
            return None
        verb = "New faction" if self.before is None else "Edit faction"
        name = isolate_if_needed((after.get("name") or after["id"])[:60])
        return entity_change(FACTION, after["id"], self.before, after, f"{verb}: {name}")
