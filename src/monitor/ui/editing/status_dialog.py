"""A crossing status entry: recorded with its sources and note, or edited later.

``StatusEntryDialog(ctx, session, crossing_id, entry=None, ...)``: without ``entry`` it
records a new status change (status, effective time, note, sources); with one it edits
that entry (one :func:`~monitor.model.changes.edit_entry` change naming the fields that
changed). Times are typed in the scenario's zone, to the minute unless seconds are typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from monitor.model.changes import Change, ChangeError, edit_entry, status_change
from monitor.model.entities import CrossingStatus, Moment, StatusEntry
from monitor.model.schema import enum, text
from monitor.model.sections import moment_checker
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.form import (
    CheckList,
    FormDialog,
    plain_label,
    time_row,
    time_width,
    with_filter,
)
from monitor.ui.editing.timetext import (
    precision_text,
    recorded_now,
    to_file_text,
    typed_text,
)

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext
    from monitor.ui.session import Session


class StatusEntryDialog(FormDialog):
    PATHS: ClassVar[dict[str, str]] = {
        "time": "time",
        "status": "status",
        "note": "note",
        "source_ids": "sources",
    }

    def __init__(
        self,
        ctx: ScenarioContext,
        session: Session,
        crossing_id: str,
        entry: StatusEntry | None = None,
        parent: QWidget | None = None,
        *,
        when: Moment | None = None,
        status: CrossingStatus | None = None,
        note: str | None = None,
        by: str = "",
    ):
        crossing = ctx.scenario.crossing(crossing_id)
        if crossing is None:
            raise ValueError(f"unknown crossing {crossing_id!r}")
        title = "Edit status entry" if entry is not None else "Record status change"
        super().__init__(title, session, parent)
        self.setObjectName("statusEntryDialog")
        self._ctx = ctx
        self.crossing = crossing
        self.entry = entry
        self._by = by
        self._tz = ctx.tz
        self.add_row("crossing", "Crossing", plain_label(isolate_if_needed(crossing.name)))
        self.status_combo = QComboBox()
        self.status_combo.addItems([s.value for s in CrossingStatus])
        current = entry.status if entry is not None else status or CrossingStatus.CLOSED
        self.status_combo.setCurrentText(current.value)
        self.add_row("status", "Status", self.status_combo)
        moment = entry.time if entry is not None else when or Moment.now(self._tz)
        self.time_edit = QLineEdit(typed_text(moment, self._tz))
        self.time_edit.setPlaceholderText("YYYY-MM-DD HH:MM (or a day: YYYY-MM-DD)")
        self.time_edit.setMinimumWidth(time_width(self.time_edit))
        box, self.time_hint, self.now_button = time_row(self.time_edit, self._tz)
        self.add_row("time", f"Effective ({ctx.scenario.info.timezone})", box)
        if entry is None and not ctx.is_live:
            self.parked_note = plain_label(
                "The 'as of' time is parked: the time above is the cursor's. "
                "Press Now if the change took effect now."
            )
            self.parked_note.setWordWrap(True)
            self.parked_note.setStyleSheet("color: palette(mid);")
            self.form.addRow(plain_label(""), self.parked_note)
        self.note_edit = QPlainTextEdit(entry.note if entry is not None else note or "")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setMaximumHeight(70)
        self.add_row("note", "Note", self.note_edit)
        self.sources_list = CheckList(
            (s.id, f"{isolate_if_needed(s.title)} ({s.reliability or '?'})")
            for s in ctx.scenario.sources
        )
        if entry is not None:
            self.sources_list.set_checked(entry.source_ids)
        self.add_row("sources", "Sources", with_filter(self.sources_list))
        self.watch(self.status_combo, self.time_edit, self.note_edit, self.sources_list)
        self.finish()
        # (after the first check: the time's hint has its text, and its width counts)
        self.resize(max(540, self.sizeHint().width()), self.sizeHint().height())

    def collect(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["status"] = self.check("status", enum(CrossingStatus), self.status_combo.currentText())
        typed = self.time_edit.text()
        try:
            value = to_file_text(typed, self._tz)
        except ValueError as exc:
            self.refuse("time", str(exc))
            value = None
        moment = self.check("time", moment_checker(self._tz), value) if value else None
        if not typed.strip():
            self.refuse("time", "must not be empty")
        self.time_hint.setText(precision_text(moment, self._tz) if moment else "")
        out["time"] = moment
        note = self.note_edit.toPlainText().strip()
        out["note"] = self.check("note", text, note) if note else None
        out["source_ids"] = tuple(self.sources_list.values())
        return out

    def make_change(self, after: dict[str, Any]) -> Change | None:
        c = self.crossing
        if self.entry is None:
            return status_change(
                self._ctx.scenario,
                c.id,
                after["status"],
                after["time"],
                note=after["note"],
                by=self._by or None,
                source_ids=after["source_ids"],
                recorded_at=recorded_now(self._tz),
            )
        e = self.entry
        fields = {
            name: value
            for name, value in after.items()
            if value != getattr(e, name) and not (name == "time" and value.iso() == e.time.iso())
        }
        if not fields:
            return None
        try:
            return edit_entry(c.name, c.id, e, **fields)
        except ChangeError as exc:
            self.refuse("time", str(exc))
            return None
