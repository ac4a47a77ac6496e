"""New / edit crossing: id (new ones), names, the two sides, coordinates, kind, controller.

The status history is not edited here (status changes are their own changes); a new
crossing starts with none.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtWidgets import QComboBox, QGridLayout, QLineEdit, QWidget

from monitor.model.changelog import entity_json
from monitor.model.changes import CROSSING, Change, entity_change
from monitor.model.entities import CrossingKind
from monitor.model.schema import LAT_RANGE, LON_RANGE, enum, number, string, text
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.form import FormDialog, number_value, plain_label, shown_name
from monitor.ui.editing.source_dialog import Chooser

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext
    from monitor.ui.session import Session


class CrossingDialog(FormDialog):
    """``CrossingDialog(ctx, session, crossing_id=None, new=False)``."""

    PATHS: ClassVar[dict[str, str]] = {
        "id": "id",
        "name": "name",
        "name_local": "name_local",
        "sides": "sides",
        "sides[0].country": "sides",
        "sides[0].place": "sides",
        "sides[1].country": "sides",
        "sides[1].place": "sides",
        "location": "lon",
        "location.lat": "lat",
        "location.lon": "lon",
        "kind": "kind",
        "controlled_by": "controlled_by",
    }

    def __init__(
        self,
        ctx: ScenarioContext,
        session: Session,
        crossing_id: str | None = None,
        parent: QWidget | None = None,
        *,
        new: bool = False,
    ):
        super().__init__("New crossing" if new else "Edit crossing", session, parent)
        self.setObjectName("crossingDialog")
        self._ctx = ctx
        self._new = new
        self.before: dict[str, Any] | None = None
        scenario = ctx.scenario
        self.chooser: Chooser | None = None
        if not new:
            self.chooser = Chooser(
                [(c.id, f"{shown_name(c.name)} [{c.id}]") for c in scenario.crossings]
            )
            self.add_row("chooser", "Crossing", self.chooser)
        self.id_edit = QLineEdit()
        self.id_edit.setReadOnly(not new)
        self.id_edit.setPlaceholderText("a short unique id, e.g. qaim")
        self.add_row("id", "Id", self.id_edit)
        self.name_edit = QLineEdit()
        self.add_row("name", "Name", self.name_edit)
        self.name_local_edit = QLineEdit()
        self.add_row("name_local", "Local name", self.name_local_edit)
        sides = QWidget()
        grid = QGridLayout(sides)
        grid.setContentsMargins(0, 0, 0, 0)
        self.side_edits: list[tuple[QLineEdit, QLineEdit]] = []
        grid.addWidget(plain_label("Country"), 0, 1)
        grid.addWidget(plain_label("Place"), 0, 2)
        for i in range(2):
            country, place = QLineEdit(), QLineEdit()
            country.setAccessibleName(f"Side {i + 1} country")
            place.setAccessibleName(f"Side {i + 1} place")
            grid.addWidget(plain_label(f"Side {i + 1}"), i + 1, 0)
            grid.addWidget(country, i + 1, 1)
            grid.addWidget(place, i + 1, 2)
            self.side_edits.append((country, place))
        self.add_row("sides", "Sides", sides)
        self.lon_edit = QLineEdit()
        self.lon_edit.setPlaceholderText("longitude -180..180")
        self.add_row("lon", "Longitude", self.lon_edit)
        self.lat_edit = QLineEdit()
        self.lat_edit.setPlaceholderText("latitude -90..90")
        self.add_row("lat", "Latitude", self.lat_edit)
        self.kind_combo = QComboBox()
        self.kind_combo.addItems([k.value for k in CrossingKind])
        self.add_row("kind", "Kind", self.kind_combo)
        self.controlled_combo = QComboBox()
        self.controlled_combo.addItem("(not given)", "")
        for f in scenario.factions:
            self.controlled_combo.addItem(isolate_if_needed(f.name), f.id)
        self.add_row("controlled_by", "Controlled by", self.controlled_combo)
        self.watch(
            self.id_edit,
            self.name_edit,
            self.name_local_edit,
            *(e for pair in self.side_edits for e in pair),
            self.lon_edit,
            self.lat_edit,
            self.kind_combo,
            self.controlled_combo,
        )
        if self.chooser is not None:
            self.chooser.currentIndexChanged.connect(lambda _i: self.load(self.chooser.key()))
            if crossing_id:
                self.chooser.choose(crossing_id)
            self.load(self.chooser.key())
        self.resize(520, self.sizeHint().height())
        self.finish()

    def load(self, crossing_id: str) -> None:
        self._building = True
        b = entity_json(self._ctx.scenario, CROSSING, crossing_id) if crossing_id else None
        self.before = b
        b = b or {}
        self.id_edit.setText(b.get("id", ""))
        self.name_edit.setText(b.get("name", ""))
        self.name_local_edit.setText(b.get("name_local") or "")
        sides = b.get("sides") or [{}, {}]
        for (country, place), side in zip(self.side_edits, sides, strict=False):
            country.setText(side.get("country", ""))
            place.setText(side.get("place", ""))
        loc = b.get("location") or {}
        self.lon_edit.setText("" if loc.get("lon") is None else repr(loc["lon"]))
        self.lat_edit.setText("" if loc.get("lat") is None else repr(loc["lat"]))
        self.kind_combo.setCurrentText(b.get("kind", CrossingKind.OFFICIAL.value))
        i = self.controlled_combo.findData(b.get("controlled_by") or "")
        self.controlled_combo.setCurrentIndex(max(i, 0))
        self._building = False
        self.revalidate()

    def collect(self) -> dict[str, Any]:
        d: dict[str, Any] = copy.deepcopy(self.before) if self.before else {}
        if self.chooser is not None and self.before is None:
            self.refuse("chooser", "there is no crossing to edit")
        d["id"] = self.check("id", string, self.id_edit.text().strip())
        d["name"] = self.check("name", string, self.name_edit.text())
        local = self.name_local_edit.text()
        if local.strip():
            d["name_local"] = self.check("name_local", text, local)
        else:
            d.pop("name_local", None)
        old_sides = d.get("sides") if isinstance(d.get("sides"), list) else []
        sides = []
        for i, (country, place) in enumerate(self.side_edits):
            side = dict(old_sides[i]) if i < len(old_sides) else {}
            side["country"] = self.check("sides", string, country.text())
            side["place"] = self.check("sides", string, place.text())
            sides.append(side)
        d["sides"] = sides
        loc = dict(d.get("location") or {})
        for key, rng, edit in (
            ("lon", LON_RANGE, self.lon_edit),
            ("lat", LAT_RANGE, self.lat_edit),
        ):
            raw = edit.text().strip()
            if not raw:
                self.refuse(key, "a crossing needs coordinates")
            loc[key] = self.check(key, number(*rng), number_value(raw))
        d["location"] = loc
        kind = self.check("kind", enum(CrossingKind), self.kind_combo.currentText())
        d["kind"] = getattr(kind, "value", kind)
        by = str(self.controlled_combo.currentData() or "")
        if by:
            d["controlled_by"] = by
        else:
            d.pop("controlled_by", None)
        return d

    def make_change(self, after: dict[str, Any]) -> Change | None:
        if after == self.before:
            return None
        verb = "New crossing" if self.before is None else "Edit crossing"
        name = isolate_if_needed((after.get("name") or after["id"])[:60])
        return entity_change(CROSSING, after["id"], self.before, after, f"{verb}: {name}")
