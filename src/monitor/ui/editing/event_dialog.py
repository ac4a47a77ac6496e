"""New / edit event: every field of an event, checked as you type by the file's rules.

Time (day or minute precision in the scenario's zone; seconds only if typed), title,
summary, category (the scenario's categories, or a new one typed), actors (the factions,
ticked, and free names), location (name, longitude, latitude; or a click on the map),
sources (ticked from the scenario's), verification, Admiralty reliability (A–F) and
credibility (1–6). The dialog is modeless, so the map can be clicked while it is open.
"""

from __future__ import annotations

import contextlib
import copy
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from monitor.model.changelog import entity_json
from monitor.model.changes import EVENT, Change, entity_change
from monitor.model.entities import Moment, Verification
from monitor.model.parts import CREDIBILITY_MEANING, RELIABILITY_MEANING
from monitor.model.schema import (
    CREDIBILITY_RANGE,
    LAT_RANGE,
    LON_RANGE,
    enum,
    grade,
    integer,
    number,
    str_list,
    string,
    text,
)
from monitor.model.sections import moment_checker
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.form import (
    CheckList,
    FormDialog,
    first_word,
    number_value,
    time_row,
    time_width,
    with_filter,
)
from monitor.ui.editing.timetext import (
    precision_text,
    same_time_text,
    to_file_text,
    typed_text,
)

#: The categories the data format suggests (docs/data-format.md: a free label, "keep a
#: small consistent set") and the one the feed import adds (ACLED's violence against
#: civilians): offered after the scenario's own. Any other label may be typed.
USUAL_CATEGORIES = (
    "military",
    "border",
    "political",
    "diplomatic",
    "humanitarian",
    "strike",
    "civilians",
)

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext
    from monitor.ui.session import Session

ACTOR_SEPARATOR = ";"


def new_event_id() -> str:
    return f"ev-{uuid.uuid4().hex[:10]}"


def short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class EventDialog(FormDialog):
    """``EventDialog(ctx, session, event_id=None)``: a new event (``None``) or an edit."""

    PATHS: ClassVar[dict[str, str]] = {
        "id": "id",
        "time": "time",
        "title": "title",
        "summary": "summary",
        "category": "category",
        "actors": "actors",
        "location": "location_name",
        "location.name": "location_name",
        "location.lat": "lat",
        "location.lon": "lon",
        "source_ids": "sources",
        "verification": "verification",
        "credibility": "credibility",
        "reliability": "reliability",
    }

    def __init__(
        self,
        ctx: ScenarioContext,
        session: Session,
        event_id: str | None = None,
        parent: QWidget | None = None,
        *,
        map_panel: Any = None,
    ):
        self._ctx = ctx
        scenario = ctx.scenario
        self.before: dict[str, Any] | None = (
            entity_json(scenario, EVENT, event_id) if event_id else None
        )
        title = "New event" if self.before is None else "Edit event"
        super().__init__(title, session, parent)
        self.setObjectName("eventDialog")
        self.setModal(False)
        self._map_panel = map_panel
        self._tz = ctx.tz
        b = self.before or {}

        self.id_edit = QLineEdit(b.get("id") or new_event_id())
        self.id_edit.setReadOnly(self.before is not None)
        self.add_row("id", "Id", self.id_edit)

        self.time_edit = QLineEdit()
        self.time_edit.setMinimumWidth(time_width(self.time_edit))
        self.time_edit.setPlaceholderText("YYYY-MM-DD  or  YYYY-MM-DD HH:MM")
        if b:
            self.time_edit.setText(typed_text(scenario.event(event_id or "").time, self._tz))
        else:
            now = Moment.now(self._tz)
            self.time_edit.setText(
                typed_text(Moment(now.instant.replace(second=0), False), self._tz)
            )
        time_box, self.time_hint, self.now_button = time_row(self.time_edit, self._tz)
        self.add_row("time", f"Time ({scenario.info.timezone})", time_box)

        self.title_edit = QLineEdit(b.get("title", ""))
        self.add_row("title", "Title", self.title_edit)

        self.summary_edit = QPlainTextEdit(b.get("summary") or "")
        self.summary_edit.setTabChangesFocus(True)
        self.summary_edit.setMaximumHeight(70)
        self.add_row("summary", "Summary", self.summary_edit)

        self.category_combo = QComboBox()
        self.category_combo.setEditable(True)
        self.category_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        used = self._categories()
        self.category_combo.addItems(used)
        usual = [c for c in USUAL_CATEGORIES if c not in used]
        if used and usual:
            self.category_combo.insertSeparator(len(used))
        self.category_combo.addItems(usual)
        self.category_combo.setToolTip(
            "The scenario's categories first (most used first), then the usual ones of the "
            "data format; the format allows any other label: type it"
        )
        self.category_combo.setCurrentText(b.get("category", ""))
        self.add_row("category", "Category", self.category_combo)

        actors = list(b.get("actors", []))
        factions = [(f.id, f.name) for f in scenario.factions]
        self.actors_list = CheckList(factions)
        self.actors_list.set_checked(actors)
        faction_ids = {f for f, _ in factions}
        self._actor_order = actors
        self.other_actors_edit = QLineEdit(
            f"{ACTOR_SEPARATOR} ".join(a for a in actors if a not in faction_ids)
        )
        self.other_actors_edit.setPlaceholderText("other actors, separated by ;")
        actors_box = QWidget()
        col = QHBoxLayout(actors_box)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.actors_list, 1)
        col.addWidget(self.other_actors_edit, 1)
        self.add_row("actors", "Actors", actors_box)

        loc = b.get("location") or {}
        self.location_edit = QLineEdit(loc.get("name") or "")
        self.location_edit.setPlaceholderText("place name")
        self.add_row("location_name", "Location", self.location_edit)
        self.lon_edit = QLineEdit("" if loc.get("lon") is None else repr(loc["lon"]))
        self.lon_edit.setPlaceholderText("longitude -180..180")
        self.lat_edit = QLineEdit("" if loc.get("lat") is None else repr(loc["lat"]))
        self.lat_edit.setPlaceholderText("latitude -90..90")
        self.pick_button = QPushButton("Pick on map")
        self.pick_button.setObjectName("pickOnMapButton")
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip("Then click the map: its longitude and latitude are taken")
        self.pick_button.setEnabled(map_panel is not None)
        self.pick_button.toggled.connect(self._on_pick_toggled)
        coords = QWidget()
        row = QHBoxLayout(coords)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.lon_edit, 1)
        row.addWidget(self.pick_button)
        self.add_row("lon", "Longitude", coords)
        self.add_row("lat", "Latitude", self.lat_edit)

        self.sources_list = CheckList(
            (s.id, f"{isolate_if_needed(s.title)} ({s.reliability or '?'})")
            for s in scenario.sources
        )
        self.sources_list.set_checked(b.get("source_ids", []))
        self.add_row("sources", "Sources", with_filter(self.sources_list))

        self.verification_combo = QComboBox()
        self.verification_combo.addItems([v.value for v in Verification])
        self.verification_combo.setCurrentText(b.get("verification", Verification.REPORTED.value))
        self.add_row("verification", "Verification", self.verification_combo)

        self.reliability_combo = QComboBox()
        self.reliability_combo.setEditable(True)
        self.reliability_combo.addItems(
            ["", *(f"{g} — {m}" for g, m in RELIABILITY_MEANING.items())]
        )
        self.reliability_combo.setToolTip("Empty: the best grade of the event's sources counts")
        self._set_code(self.reliability_combo, b.get("reliability"))
        self.add_row("reliability", "Reliability (A–F)", self.reliability_combo)

        self.credibility_combo = QComboBox()
        self.credibility_combo.setEditable(True)
        self.credibility_combo.addItems(
            ["", *(f"{n} — {m}" for n, m in CREDIBILITY_MEANING.items())]
        )
        self._set_code(self.credibility_combo, b.get("credibility"))
        self.add_row("credibility", "Credibility (1–6)", self.credibility_combo)

        self.watch(
            self.id_edit,
            self.time_edit,
            self.title_edit,
            self.summary_edit,
            self.category_combo,
            self.actors_list,
            self.other_actors_edit,
            self.location_edit,
            self.lon_edit,
            self.lat_edit,
            self.sources_list,
            self.verification_combo,
            self.reliability_combo,
            self.credibility_combo,
        )
        self.resize(620, self.sizeHint().height())
        self.finish()

    # -- helpers ---------------------------------------------------------------------------
    def _categories(self) -> list[str]:
        """The scenario's categories, the most used first (then by name)."""
        counts = self._ctx.events_frame["category"].value_counts(sort=False)
        used = [(int(n), str(c)) for c, n in counts.items() if int(n) > 0]
        return [c for _n, c in sorted(used, key=lambda nc: (-nc[0], nc[1]))]

    @staticmethod
    def _set_code(combo: QComboBox, value: Any) -> None:
        if value is None:
            combo.setCurrentIndex(0)
            return
        for i in range(combo.count()):
            if first_word(combo.itemText(i)) == str(value):
                combo.setCurrentIndex(i)
                return
        combo.setCurrentText(str(value))

    def actors(self) -> list[str]:
        """Ticked factions (in the event's own order, new ones after), then free names."""
        ticked = self.actors_list.values()
        ordered = [a for a in self._actor_order if a in ticked]
        ordered += [a for a in ticked if a not in ordered]
        free = [a.strip() for a in self.other_actors_edit.text().split(ACTOR_SEPARATOR)]
        return ordered + [a for a in free if a and a not in ordered]

    # -- the form ----------------------------------------------------------------------------
    def collect(self) -> dict[str, Any]:
        d: dict[str, Any] = copy.deepcopy(self.before) if self.before else {}
        d["id"] = self.check("id", string, self.id_edit.text().strip())
        try:
            time_text = to_file_text(self.time_edit.text(), self._tz)
        except ValueError as exc:
            self.refuse("time", str(exc))
            time_text = None
        moment = self.check("time", moment_checker(self._tz), time_text) if time_text else None
        if not self.time_edit.text().strip():
            self.refuse("time", "must not be empty")
        self.time_hint.setText(precision_text(moment, self._tz) if moment else "")
        d["time"] = (
            same_time_text(self.before.get("time") if self.before else None, moment, self._tz)
            or time_text
        )
        d["title"] = self.check("title", string, self.title_edit.text())
        summary = self.summary_edit.toPlainText()
        if summary.strip():
            d["summary"] = self.check("summary", text, summary)
        else:
            d.pop("summary", None)
        d["category"] = self.check("category", string, self.category_combo.currentText().strip())
        d["actors"] = self.check("actors", str_list, self.actors())
        d["source_ids"] = self.sources_list.values()
        d["verification"] = self.check(
            "verification", enum(Verification), self.verification_combo.currentText()
        )
        d["verification"] = getattr(d["verification"], "value", d["verification"])
        self._location(d)
        for name, combo, checker in (
            ("reliability", self.reliability_combo, grade),
            ("credibility", self.credibility_combo, integer(*CREDIBILITY_RANGE)),
        ):
            code = first_word(combo.currentText())
            if not code:
                d.pop(name, None)
                continue
            value = number_value(code) if name == "credibility" else code.upper()
            d[name] = self.check(name, checker, value)
        return d

    def _location(self, d: dict[str, Any]) -> None:
        name = self.location_edit.text()
        lon_text, lat_text = self.lon_edit.text().strip(), self.lat_edit.text().strip()
        if not (name.strip() or lon_text or lat_text):
            d.pop("location", None)
            return
        loc: dict[str, Any] = dict(d.get("location") or {})
        loc["name"] = name.strip() if name.strip() else name
        for key, field, value, rng in (
            ("lon", "lon", lon_text, LON_RANGE),
            ("lat", "lat", lat_text, LAT_RANGE),
        ):
            if value:
                loc[key] = self.check(field, number(*rng), number_value(value))
            else:
                loc.pop(key, None)
        d["location"] = loc

    def make_change(self, after: dict[str, Any]) -> Change | None:
        if after == self.before:
            return None
        label_title = isolate_if_needed(short(after.get("title") or after["id"]))
        verb = "New event" if self.before is None else "Edit event"
        return entity_change(EVENT, after["id"], self.before, after, f"{verb}: {label_title}")

    # -- picking a place on the map ------------------------------------------------------------
    def _on_pick_toggled(self, on: bool) -> None:
        scene = self._map_panel.view.scene() if self._map_panel is not None else None
        if scene is None:
            return
        if on:
            scene.sigMouseClicked.connect(self._on_map_clicked)
            self.pick_button.setText("Click the map…")
        else:
            with contextlib.suppress(RuntimeError, TypeError):
                scene.sigMouseClicked.disconnect(self._on_map_clicked)
            self.pick_button.setText("Pick on map")

    def _on_map_clicked(self, ev: Any) -> None:
        pos: QPointF = ev.scenePos()
        self.pick_at(self._map_panel.view.mapFromScene(pos))

    def pick_at(self, view_pos: Any) -> None:
        """Take the place under this pixel of the map view (then stop picking)."""
        lon, lat = self._map_panel.lonlat_at(view_pos)
        self.lon_edit.setText(f"{lon:.4f}")
        self.lat_edit.setText(f"{lat:.4f}")
        self.pick_button.setChecked(False)

    def done(self, result: int) -> None:
        self.pick_button.setChecked(False)  # never leave the map connected
        super().done(result)

    def keyPressEvent(self, event: Any) -> None:
        # Enter in a one-line field accepts only when the form is valid (never a silent no).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.valid:
            return
        super().keyPressEvent(event)
