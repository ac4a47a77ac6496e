"""Deleting sources, factions, crossings and territory entries (Edit → Scenario data).

Each deletion is one undoable change (undo restores the item exactly). What the file's
rules forbid is refused before anything changes, with a message that says which items
still use the item (how many, and the first few):

* a **source** cited by status entries, territory entries or key judgements (the reader
  refuses a file citing an unknown source); one cited by events only is offered
  **detach**: taken off those events (their other sources stay) and deleted, as one
  undoable step;
* a **faction** named by territory entries or as a crossing's ``controlled_by`` (the
  reader refuses those), or among an event's actors by its id (the file would still open,
  but the events would silently lose the faction: refused too).

A **crossing** with status entries is deleted with them, as one undo command (the change
log refuses a crossing that still has entries: they are deleted first, in the same
command, and undo puts them back in their order).

The uses are found here, in the window, so that the message can name them; the change
log's own check (``Session.push``) still refuses anything these lists miss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from monitor.model.changelog import entity_json
from monitor.model.changes import (
    CROSSING,
    EVENT,
    FACTION,
    SOURCE,
    TERRITORY,
    ChangeError,
    delete_entry,
    entity_change,
    list_delete_change,
)
from monitor.model.entities import Scenario
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.form import shown_name

if TYPE_CHECKING:
    from monitor.ui.session import Session

#: How many users of an item a refusal names (the rest are counted).
FIRST_FEW = 3


def _short(text: str, limit: int = 60) -> str:
    """A name from the file inside a message: one line, short, bidi-isolated."""
    return shown_name(text, limit)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _judgement_sources(value: Any) -> list[tuple[int, list[str]]]:
    """(position, source ids) of each key judgement that cites sources."""
    if not isinstance(value, dict):
        return []
    items = value.get("judgements")
    out = []
    for i, j in enumerate(items if isinstance(items, list) else []):
        ids = j.get("source_ids") if isinstance(j, dict) else None
        if isinstance(ids, list):
            out.append((i, [x for x in ids if isinstance(x, str)]))
    return out


def source_uses(scenario: Scenario, source_id: str) -> list[tuple[str, str, list[str]]]:
    """What cites source ``source_id``: ``(one, many, [item shown, ...])`` per kind."""
    events = [
        f'{e.id} "{_short(e.title)}"' for e in scenario.events if source_id in e.source_ids
    ]
    entries = [
        f"{_short(c.name, 40)} {e.time.iso()} ({e.status.value})"
        for c in scenario.crossings
        for e in c.history
        if source_id in e.source_ids
    ]
    territory = [
        f"{t.date.isoformat()} {scenario.faction_name(t.faction)}"
        for t in scenario.territory
        if source_id in t.source_ids
    ]
    judgements = [
        f"judgement {i + 1}"
        for i, ids in _judgement_sources(scenario.extra.get("key_judgements"))
        if source_id in ids
    ]
    return [
        ("event", "events", events),
        ("status entry", "status entries", entries),
        ("territory entry", "territory entries", territory),
        ("key judgement", "key judgements", judgements),
    ]


def faction_uses(scenario: Scenario, faction_id: str) -> list[tuple[str, str, list[str]]]:
    """What names faction ``faction_id``: ``(one, many, [item shown, ...])`` per kind."""
    territory = [
        f"{t.date.isoformat()} {t.share_pct:g} %"
        for t in scenario.territory
        if t.faction == faction_id
    ]
    crossings = [
        f"{_short(c.name, 40)} (controlled by)"
        for c in scenario.crossings
        if c.controlled_by == faction_id
    ]
    events = [f'{e.id} "{_short(e.title)}"' for e in scenario.events if faction_id in e.actors]
    return [
        ("territory entry", "territory entries", territory),
        ("crossing", "crossings", crossings),
        ("event (as an actor)", "events (as an actor)", events),
    ]


def describe_uses(uses: list[tuple[str, str, list[str]]]) -> str:
    """``3 events (e1 "…", e2 "…", e4 "…"), 12 status entries (a, b, c and 9 more)``; ""
    if nothing uses it. Items are bidi-isolated (their text comes from the file)."""
    parts = []
    for one, many, items in uses:
        if not items:
            continue
        shown = ", ".join(isolate_if_needed(x) for x in items[:FIRST_FEW])
        more = len(items) - FIRST_FEW
        if more > 0:
            shown += f" and {more} more"
        parts.append(f"{_plural(len(items), one, many)} ({shown})")
    return "; ".join(parts)


class Deleter(QObject):
    """The four deletions of one window (``EditingActions`` owns it and its actions)."""

    def __init__(self, window: Any, session: Session):
        super().__init__(window)
        self._window = window
        self._ctx = window.ctx
        self._session = session

    # -- questions (tests patch these) ---------------------------------------------------------
    def ask_choice(self, title: str, label: str, items: list[tuple[str, str]]) -> str | None:
        """Which item to delete (its key; None: cancelled)."""
        if not items:
            self._window.statusBar().showMessage(f"{title}: there is nothing to delete", 4000)
            return None
        shown = [isolate_if_needed(text) for _key, text in items]
        parent = self._window if isinstance(self._window, QWidget) else None
        text, ok = QInputDialog.getItem(parent, title, label, shown, 0, False)
        if not ok or text not in shown:
            return None
        return items[shown.index(text)][0]

    def ask_detach(self, title: str, text: str) -> bool:
        """Whether to take a source off the events citing it and delete it."""
        parent = self._window if isinstance(self._window, QWidget) else None
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        detach = box.addButton("Detach and delete", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is detach

    # -- helpers ---------------------------------------------------------------------------
    def _refuse(self, title: str, text: str) -> bool:
        self._window.show_warning(title, text)
        return False

    def _done(self, what: str) -> bool:
        undo = self._window.undo_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self._window.statusBar().showMessage(f"{what} deleted — {undo} brings it back", 5000)
        return True

    def _push(self, title: str, change: Any) -> bool:
        try:
            self._session.push(change)
        except ChangeError as exc:
            return self._refuse(title, f"Not deleted: {exc}")
        return True

    # -- sources ---------------------------------------------------------------------------
    def delete_source(self, source_id: str | None = None) -> bool:
        scenario = self._ctx.scenario
        title = "Delete source"
        if not source_id:
            items = [(s.id, f"{_short(s.title)} [{s.id}]") for s in scenario.sources]
            source_id = self.ask_choice(title, "Source to delete:", items)
            if not source_id:
                return False
        before = entity_json(scenario, SOURCE, source_id)
        if before is None:
            return self._refuse(title, f'There is no source "{source_id}".')
        name = isolate_if_needed(_short(before.get("title") or source_id))
        uses = source_uses(scenario, source_id)
        used = describe_uses(uses)
        if used and all(not items for one, _many, items in uses if one != "event"):
            return self._detach_source(scenario, source_id, before, name, used)
        if used:
            return self._refuse(
                title,
                f'Source "{name}" [{source_id}] is not deleted: it is still cited by {used}.\n\n'
                "Remove it from those items first (a file citing a source it does not have "
                "cannot be opened).",
            )
        change = list_delete_change(scenario, SOURCE, source_id, before, f"Delete source: {name}")
        return self._push(title, change) and self._done(f'Source "{name}"')

    def _detach_source(self, scenario: Scenario, source_id: str, before: Any, name: str,
                       used: str) -> bool:
        """A source cited by events only: taken off them and deleted, as one undoable
        step, if the analyst says so."""
        title = "Delete source"
        if not self.ask_detach(
            title,
            f'Source "{name}" [{source_id}] is cited by {used}.\n\n'
            "Detach it from those events (their other sources stay) and delete it? "
            "Undo puts the source and the citations back in one step.",
        ):
            return False
        citing = [e.id for e in scenario.events if source_id in e.source_ids]
        changes = []
        for event_id in citing:
            was = entity_json(scenario, EVENT, event_id)
            now = {**was, "source_ids": [s for s in was["source_ids"] if s != source_id]}
            changes.append(entity_change(EVENT, event_id, was, now,
                                         f"Detach source {name} from {event_id}"))
        label = f"Delete source: {name} (detached from {_plural(len(citing), 'event', 'events')})"
        changes.append(list_delete_change(scenario, SOURCE, source_id, before, label))
        try:
            self._session.push_batch(changes, label)
        except ChangeError as exc:
            return self._refuse(title, f"Not deleted: {exc}")
        return self._done(f'Source "{name}"')

    # -- factions -------------------------------------------------------------------------
    def delete_faction(self, faction_id: str | None = None) -> bool:
        scenario = self._ctx.scenario
        title = "Delete faction"
        if not faction_id:
            items = [(f.id, f"{_short(f.name)} [{f.id}]") for f in scenario.factions]
            faction_id = self.ask_choice(title, "Faction to delete:", items)
            if not faction_id:
                return False
        before = entity_json(scenario, FACTION, faction_id)
        if before is None:
            return self._refuse(title, f'There is no faction "{faction_id}".')
        name = isolate_if_needed(_short(before.get("name") or faction_id))
        used = describe_uses(faction_uses(scenario, faction_id))
        if used:
            return self._refuse(
                title,
                f'Faction "{name}" [{faction_id}] is not deleted: it is still named by '
                f"{used}.\n\nChange or delete those items first.",
            )
        change = list_delete_change(
            scenario, FACTION, faction_id, before, f"Delete faction: {name}"
        )
        return self._push(title, change) and self._done(f'Faction "{name}"')

    # -- crossings -------------------------------------------------------------------------
    def delete_crossing(self, crossing_id: str | None = None) -> bool:
        """Delete a crossing (the selected one by default) with its status entries, as one
        undo command."""
        scenario = self._ctx.scenario
        title = "Delete crossing"
        crossing_id = crossing_id or self._ctx.selected_crossing or None
        if not crossing_id:
            items = [(c.id, f"{_short(c.name)} [{c.id}]") for c in scenario.crossings]
            crossing_id = self.ask_choice(title, "Crossing to delete:", items)
            if not crossing_id:
                return False
        crossing = scenario.crossing(crossing_id)
        before = entity_json(scenario, CROSSING, crossing_id)
        if crossing is None or before is None:
            return self._refuse(title, f'There is no crossing "{crossing_id}".')
        name = isolate_if_needed(_short(crossing.name))
        label = f"Delete crossing: {name}"
        history = tuple(crossing.history)
        changes = []
        # First to last, each from the front of what is left: undo (last to first) puts
        # every entry back in front of the one that followed it.
        for i, entry in enumerate(history):
            changes.append(
                delete_entry(crossing.name, crossing_id, entry, history=history[i:])
            )
        changes.append(list_delete_change(scenario, CROSSING, crossing_id, before, label))
        try:
            if len(changes) == 1:
                self._session.push(changes[0])
            else:
                label += f" (and its {_plural(len(history), 'status entry', 'status entries')})"
                self._session.push_batch(changes, label)
        except ChangeError as exc:
            return self._refuse(title, f"Not deleted: {exc}")
        if self._ctx.selected_crossing == crossing_id:
            self._ctx.select_crossing("")
        return self._done(f'Crossing "{name}"')

    # -- territory -------------------------------------------------------------------------
    def delete_territory(self, key: str | None = None) -> bool:
        """Delete one territory entry (``"YYYY-MM-DD/faction"``)."""
        scenario = self._ctx.scenario
        title = "Delete territory entry"
        if not key:
            items = [
                (
                    f"{t.date.isoformat()}/{t.faction}",
                    f"{t.date.isoformat()} {_short(scenario.faction_name(t.faction))}: "
                    f"{t.share_pct:g} %",
                )
                for t in sorted(scenario.territory, key=lambda t: (t.date, t.faction), reverse=True)
            ]
            key = self.ask_choice(title, "Territory entry to delete:", items)
            if not key:
                return False
        before = entity_json(scenario, TERRITORY, key)
        if before is None:
            return self._refuse(title, f'There is no territory entry "{key}".')
        date, _, faction = key.partition("/")
        shown = f"{date} {isolate_if_needed(_short(scenario.faction_name(faction)))}"
        change = list_delete_change(
            scenario, TERRITORY, key, before, f"Delete territory entry: {shown}"
        )
        return self._push(title, change) and self._done(f"Territory entry {shown}")
