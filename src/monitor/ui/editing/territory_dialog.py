"""Territory entries: one faction's share of the territory on one day (new or edited).

An entry is keyed by its date and faction: choosing "New entry" at the top lets both be
typed; an existing entry keeps them (a different day or faction is another entry).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from monitor.model.changelog import entity_json
from monitor.model.changes import TERRITORY, Change, entity_change
from monitor.model.schema import SHARE_RANGE, number
from monitor.model.text import isolate_if_needed
from monitor.model.timeutil import parse_date
from monitor.ui.editing.form import (
    CheckList,
    FormDialog,
    number_value,
    shown_name,
    with_filter,
)
from monitor.ui.editing.source_dialog import Chooser

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext
    from monitor.ui.session import Session

NEW = ""  # the chooser's key for a new entry


class TerritoryDialog(FormDialog):
    """``TerritoryDialog(ctx, session, key=None)``; key ``"YYYY-MM-DD/faction"``."""

    PATHS: ClassVar[dict[str, str]] = {
        "date": "date",
        "faction": "faction",
        "share_pct": "share_pct",
        "source_ids": "sources",
        "estimated": "estimated",
    }

    def __init__(
        self,
        ctx: ScenarioContext,
        session: Session,
        key: str | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__("Territory entry", session, parent)
        self.setObjectName("territoryDialog")
        self._ctx = ctx
        self.before: dict[str, Any] | None = None
        scenario = ctx.scenario
        items = [(NEW, "New entry")]
        for t in sorted(scenario.territory, key=lambda t: (t.date, t.faction), reverse=True):
            name = shown_name(scenario.faction_name(t.faction))
            shown = f"{t.date.isoformat()} {name}: {t.share_pct:g} %"
            items.append((f"{t.date.isoformat()}/{t.faction}", shown))
        self.chooser = Chooser(items)
        self.add_row("chooser", "Entry", self.chooser)
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText("YYYY-MM-DD")
        self.add_row("date", "Date", self.date_edit)
        self.faction_combo = QComboBox()
        for f in scenario.factions:
            self.faction_combo.addItem(isolate_if_needed(f.name), f.id)
        self.add_row("faction", "Faction", self.faction_combo)
        self.share_edit = QLineEdit()
        self.share_edit.setPlaceholderText("percent 0..100")
        self.add_row("share_pct", "Share (%)", self.share_edit)
        self.estimated_check = QCheckBox("An estimate")
        self.add_row("estimated", "", self.estimated_check)
        self.sources_list = CheckList((s.id, s.title) for s in scenario.sources)
        self.add_row("sources", "Sources", with_filter(self.sources_list))
        self.watch(
            self.date_edit,
            self.faction_combo,
            self.share_edit,
            self.estimated_check,
            self.sources_list,
        )
        self.chooser.currentIndexChanged.connect(lambda _i: self.load(self.chooser.key()))
        if key:
            self.chooser.choose(key)
        self.load(self.chooser.key())
        self.resize(460, self.sizeHint().height())
        self.finish()

    def load(self, key: str) -> None:
        self._building = True
        b = entity_json(self._ctx.scenario, TERRITORY, key) if key else None
        self.before = b
        new = b is None
        self.date_edit.setReadOnly(not new)
        self.faction_combo.setEnabled(new)
        b = b or {}
        self.date_edit.setText(b.get("date", ""))
        i = self.faction_combo.findData(b.get("faction", ""))
        self.faction_combo.setCurrentIndex(max(i, 0))
        share = b.get("share_pct")
        self.share_edit.setText("" if share is None else f"{share:g}")
        self.estimated_check.setChecked(bool(b.get("estimated", False)))
        self.sources_list.set_checked(b.get("source_ids", []))
        self._building = False
        self.revalidate()

    def collect(self) -> dict[str, Any]:
        d: dict[str, Any] = copy.deepcopy(self.before) if self.before else {}
        day = self.date_edit.text().strip()
        self.check("date", parse_date, day)
        d["date"] = day
        faction = str(self.faction_combo.currentData() or "")
        if not faction:
            self.refuse("faction", "choose a faction (add one first if there is none)")
        d["faction"] = faction
        d["share_pct"] = self.check(
            "share_pct", number(*SHARE_RANGE), number_value(self.share_edit.text())
        )
        d["source_ids"] = self.sources_list.values()
        d["estimated"] = self.estimated_check.isChecked()
        return d

    def make_change(self, after: dict[str, Any]) -> Change | None:
        if after == self.before:
            return None
        key = f"{after['date']}/{after['faction']}"
        name = isolate_if_needed(self._ctx.scenario.faction_name(after["faction"])[:60])
        verb = "New territory share" if self.before is None else "Edit territory share"
        return entity_change(TERRITORY, key, self.before, after, f"{verb}: {after['date']} {name}")
