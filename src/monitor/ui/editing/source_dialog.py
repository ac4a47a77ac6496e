"""New / edit source: title, publisher, URL, published (date or time), reliability A–F."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from monitor.model.changelog import entity_json
from monitor.model.changes import SOURCE, Change, entity_change
from monitor.model.parts import RELIABILITY_MEANING
from monitor.model.schema import grade, string, text, url
from monitor.model.sections import moment_checker
from monitor.model.text import isolate_if_needed
from monitor.ui.editing.form import FormDialog, first_word, shown_name
from monitor.ui.editing.timetext import same_time_text, to_file_text

if TYPE_CHECKING:
    from monitor.ui.context import ScenarioContext
    from monitor.ui.session import Session


def unused_id(prefix: str, taken: set[str]) -> str:
    n = len(taken) + 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


class Chooser(QComboBox):
    """Which existing item an edit dialog edits (value: its key)."""

    def __init__(self, items: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        for key, shown in items:
            self.addItem(isolate_if_needed(shown), key)

    def key(self) -> str:
        return str(self.currentData() or "")

    def choose(self, key: str) -> None:
        i = self.findData(key)
        if i >= 0:
            self.setCurrentIndex(i)


class SourceDialog(FormDialog):
    """``SourceDialog(ctx, session, source_id=None)``: new (None) or edit (any source,
    chosen at the top)."""

    PATHS: ClassVar[dict[str, str]] = {
        "id": "id",
        "title": "title",
        "publisher": "publisher",
        "url": "url",
        "published": "published",
        "reliability": "reliability",
    }

    def __init__(
        self,
        ctx: ScenarioContext,
        session: Session,
        source_id: str | None = None,
        parent: QWidget | None = None,
        *,
        new: bool = False,
    ):
        super().__init__("New source" if new else "Edit source", session, parent)
        self.setObjectName("sourceDialog")
        self._ctx = ctx
        self.before: dict[str, Any] | None = None
        sources = ctx.scenario.sources
        self.chooser: Chooser | None = None
        if not new:
            self.chooser = Chooser([(s.id, f"{shown_name(s.title)} [{s.id}]") for s in sources])
            self.add_row("chooser", "Source", self.chooser)
        self.id_edit = QLineEdit(unused_id("src-", {s.id for s in sources}) if new else "")
        self.id_edit.setReadOnly(not new)
        self.add_row("id", "Id", self.id_edit)
        self.title_edit = QLineEdit()
        self.add_row("title", "Title", self.title_edit)
        self.publisher_edit = QLineEdit()
        self.add_row("publisher", "Publisher", self.publisher_edit)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://…")
        self.add_row("url", "URL", self.url_edit)
        self.published_edit = QLineEdit()
        self.published_edit.setPlaceholderText("YYYY-MM-DD or YYYY-MM-DD HH:MM (optional)")
        self.add_row("published", "Published", self.published_edit)
        self.reliability_combo = QComboBox()
        self.reliability_combo.setEditable(True)
        self.reliability_combo.addItems(
            ["", *(f"{g} — {m}" for g, m in RELIABILITY_MEANING.items())]
        )
        self.add_row("reliability", "Reliability (A–F)", self.reliability_combo)
        self.watch(
            self.id_edit,
            self.title_edit,
            self.publisher_edit,
            self.url_edit,
            self.published_edit,
            self.reliability_combo,
        )
        if self.chooser is not None:
            self.chooser.currentIndexChanged.connect(lambda _i: self.load(self.chooser.key()))
            if source_id:
                self.chooser.choose(source_id)
            self.load(self.chooser.key())
        self.resize(520, self.sizeHint().height())
        self.finish()

    def load(self, source_id: str) -> None:
        """Show source ``source_id`` for editing."""
        self._building = True
        b = entity_json(self._ctx.scenario, SOURCE, source_id) if source_id else None
        self.before = b
        b = b or {}
        self.id_edit.setText(b.get("id", ""))
        self.title_edit.setText(b.get("title", ""))
        self.publisher_edit.setText(b.get("publisher", ""))
        self.url_edit.setText(b.get("url", ""))
        self.published_edit.setText((b.get("published") or "").replace("T", " "))
        rel = b.get("reliability")
        i = next(
            (
                i
                for i in range(self.reliability_combo.count())
                if rel and first_word(self.reliability_combo.itemText(i)) == rel
            ),
            0,
        )
        self.reliability_combo.setCurrentIndex(i)
        self._building = False
        self.revalidate()

    def collect(self) -> dict[str, Any]:
        d: dict[str, Any] = copy.deepcopy(self.before) if self.before else {}
        if self.chooser is not None and self.before is None:
            self.refuse("chooser", "there is no source to edit")
        d["id"] = self.check("id", string, self.id_edit.text().strip())
        d["title"] = self.check("title", string, self.title_edit.text())
        d["publisher"] = self.check("publisher", text, self.publisher_edit.text())
        d["url"] = self.check("url", url, self.url_edit.text().strip())
        published = self.published_edit.text().strip()
        if published:
            try:
                value = to_file_text(published, self._ctx.tz)
            except ValueError as exc:
                self.refuse("published", str(exc))
                value = published
            moment = self.check("published", moment_checker(self._ctx.tz), value)
            old = self.before.get("published") if self.before else None
            d["published"] = same_time_text(old, moment, self._ctx.tz) or value
        else:
            d.pop("published", None)
        code = first_word(self.reliability_combo.currentText())
        if code:
            d["reliability"] = self.check("reliability", grade, code.upper())
        else:
            d.pop("reliability", None)
        return d

    def make_change(self, after: dict[str, Any]) -> Change | None:
        if after == self.before:
            return None
        verb = "New source" if self.before is None else "Edit source"
        title = isolate_if_needed((after.get("title") or after["id"])[:60])
        return entity_change(SOURCE, after["id"], self.before, after, f"{verb}: {title}")
