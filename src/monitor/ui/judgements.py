"""The key judgements editor: the bottom line (BLUF) and 3–5 key judgements, each with its
likelihood on the ICD 203 scale, a confidence level and the sources it rests on.

Opened by Edit → Key judgements…; OK records the whole bottom line as one undoable change
(``scenario.key_judgements``). Older plain-text judgements are offered as judgement texts
to be given a likelihood and a confidence (nothing is invented for them).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from monitor.model.briefings import Judgement, KeyJudgements, read_key_judgements
from monitor.model.entities import Source
from monitor.model.schema import CONFIDENCES, LIKELIHOOD_RANGES, LIKELIHOODS, MAX_JUDGEMENTS
from monitor.model.text import isolate_if_needed


def _plain_label(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class SourcePicker(QDialog):
    """A filterable, checkable list of the scenario's sources."""

    def __init__(self, sources: Sequence[Source], chosen: Sequence[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Sources of this judgement")
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter sources…")
        self.filter_edit.setAccessibleName("Filter sources")
        self.list = QListWidget(self)
        self.list.setAccessibleName("Sources")
        for s in sources:
            item = QListWidgetItem(f"{isolate_if_needed(s.title)} · {s.reliability or '–'}")
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setToolTip(s.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if s.id in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.filter_edit.textChanged.connect(self._on_filter_text_changed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(520, 420)

    def _on_filter_text_changed(self, text: str) -> None:
        words = text.casefold().split()
        for i in range(self.list.count()):
            item = self.list.item(i)
            hay = (item.text() + " " + item.toolTip()).casefold()
            item.setHidden(not all(w in hay for w in words))

    def chosen(self) -> list[str]:
        return [
            self.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]


class JudgementRow(QFrame):
    """One key judgement: its text, likelihood, confidence and sources."""

    def __init__(self, editor: JudgementsEditor, number: int):
        super().__init__(editor)
        self.editor = editor
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setPlaceholderText("The judgement, in one or two sentences.")
        self.text_edit.setFixedHeight(56)
        self.text_edit.setTabChangesFocus(True)
        self.likelihood = QComboBox(self)
        self.likelihood.addItem("— likelihood —", None)
        for word in LIKELIHOODS:
            self.likelihood.addItem(f"{word} ({LIKELIHOOD_RANGES[word]})", word)
        self.confidence = QComboBox(self)
        self.confidence.addItem("— confidence —", None)
        for word in CONFIDENCES:
            self.confidence.addItem(f"{word} confidence", word)
        self.sources_button = QPushButton(self)
        self.sources_button.clicked.connect(self.pick_sources)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(lambda: editor.remove_row(self))
        self.source_ids: list[str] = []
        self.set_number(number)
        row = QHBoxLayout()
        row.addWidget(self.likelihood)
        row.addWidget(self.confidence)
        row.addWidget(self.sources_button)
        row.addStretch(1)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.text_edit)
        layout.addLayout(row)
        self._show_sources()

    def set_number(self, number: int) -> None:
        self.text_edit.setAccessibleName(f"Judgement {number} text")
        self.likelihood.setAccessibleName(f"Judgement {number} likelihood")
        self.confidence.setAccessibleName(f"Judgement {number} confidence")
        self.sources_button.setAccessibleName(f"Judgement {number} sources")
        self.remove_button.setAccessibleName(f"Remove judgement {number}")

    def set_values(self, j: Judgement | None = None, text: str = "") -> None:
        self.text_edit.setPlainText(j.text if j else text)
        if j is not None:
            self.likelihood.setCurrentIndex(max(0, self.likelihood.findData(j.likelihood)))
            self.confidence.setCurrentIndex(max(0, self.confidence.findData(j.confidence)))
            self.set_sources(j.source_ids)

    def set_sources(self, ids: Sequence[str]) -> None:
        known = self.editor.source_ids
        self.source_ids = [i for i in ids if i in known]
        self._show_sources()

    def _show_sources(self) -> None:
        n = len(self.source_ids)
        self.sources_button.setText(f"Sources ({n})…" if n else "Sources…")
        self.sources_button.setToolTip(", ".join(self.source_ids) or "No source chosen")

    def pick_sources(self) -> None:
        picker = SourcePicker(self.editor.sources, self.source_ids, self)
        if picker.exec() == QDialog.DialogCode.Accepted:
            self.set_sources(picker.chosen())

    def judgement(self) -> Judgement:
        return Judgement(
            self.text_edit.toPlainText().strip(),
            self.likelihood.currentData() or "",
            self.confidence.currentData() or "",
            tuple(self.source_ids),
        )


class JudgementsEditor(QDialog):
    """The editor. :meth:`value` is what OK records; :meth:`problem` what stops OK."""

    def __init__(self, current: object, sources: Sequence[Source], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Bottom line and key judgements")
        self.sources = list(sources)
        self.source_ids = {s.id for s in self.sources}
        kj = read_key_judgements(current)
        self.bluf_edit = QPlainTextEdit(self)
        self.bluf_edit.setAccessibleName("Bottom line up front")
        self.bluf_edit.setPlaceholderText("The bottom line in one sentence (printed in bold).")
        self.bluf_edit.setFixedHeight(60)
        self.bluf_edit.setTabChangesFocus(True)
        self.bluf_edit.setPlainText(kj.bluf)
        self.rows: list[JudgementRow] = []
        self.rows_box = QVBoxLayout()
        holder = QWidget(self)
        holder.setLayout(self.rows_box)
        self.rows_box.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        self.add_button = QPushButton("Add judgement", self)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.count_label = _plain_label("", self)
        self.problem_label = _plain_label("", self)
        self.problem_label.setStyleSheet("color: #a3261b")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(_plain_label("Bottom line (BLUF)", self))
        layout.addWidget(self.bluf_edit)
        layout.addWidget(
            _plain_label(
                "Key judgements (3–5): each with a likelihood on the ICD 203 scale, a"
                " confidence level and the sources it rests on. Printed on page 1 of every"
                " briefing; saved with the scenario.",
                self,
            )
        )
        if kj.legacy is not None:
            layout.addWidget(
                _plain_label(
                    "The judgements below were written as plain text: give each a likelihood"
                    " and a confidence.",
                    self,
                )
            )
        layout.addWidget(scroll, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addWidget(self.count_label, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        for j in kj.judgements:
            self.add_row().set_values(j)
        for text in _legacy_lines(kj):
            self.add_row().set_values(text=text)
        if not self.rows:
            self.add_row()
        self.resize(720, 560)

    # -- rows ---------------------------------------------------------------------------
    def add_row(self) -> JudgementRow:
        row = JudgementRow(self, len(self.rows) + 1)
        self.rows_box.insertWidget(len(self.rows), row)
        self.rows.append(row)
        self._update_count()
        return row

    def remove_row(self, row: JudgementRow) -> None:
        self.rows.remove(row)
        self.rows_box.removeWidget(row)
        row.deleteLater()
        for n, r in enumerate(self.rows, start=1):
            r.set_number(n)
        self._update_count()

    def _update_count(self) -> None:
        n = len(self.rows)
        advice = " (3–5 make a bottom line)" if n < 3 else ""
        self.count_label.setText(f"{n} of at most {MAX_JUDGEMENTS} judgements{advice}")
        self.add_button.setEnabled(len(self.rows) < MAX_JUDGEMENTS)

    # -- result -------------------------------------------------------------------------
    def judgements(self) -> list[Judgement]:
        return [j for j in (r.judgement() for r in self.rows) if j.text]

    def problem(self) -> str:
        """Why OK cannot record this yet ("" when it can)."""
        for n, r in enumerate(self.rows, start=1):
            j = r.judgement()
            if not j.text:
                continue
            if not j.likelihood:
                return f"Judgement {n}: choose a likelihood."
            if not j.confidence:
                return f"Judgement {n}: choose a confidence level."
        if len(self.judgements()) > MAX_JUDGEMENTS:
            return f"At most {MAX_JUDGEMENTS} key judgements."
        return ""

    def value(self) -> dict | None:
        from monitor.model.briefings import key_judgements_json

        return key_judgements_json(self.bluf_edit.toPlainText(), self.judgements())

    def _on_ok(self) -> None:
        problem = self.problem()
        self.problem_label.setText(problem)
        if not problem:
            self.accept()


def _legacy_lines(kj: KeyJudgements) -> list[str]:
    """Older plain-text judgements as separate texts (bullets and paragraphs)."""
    legacy = kj.legacy
    if legacy is None:
        return []
    out = []
    if isinstance(legacy, tuple):
        out = [t.strip() for t in legacy if t.strip()]
    else:
        for para in legacy.replace("\r\n", "\n").split("\n\n"):
            for line in para.split("\n"):
                line = line.strip()
                if line[:2] in ("- ", "* ", "• "):
                    line = line[2:].strip()
                if line:
                    out.append(line)
    if len(out) > MAX_JUDGEMENTS:  # nothing is dropped: the rest joins the last one
        out = [*out[: MAX_JUDGEMENTS - 1], " ".join(out[MAX_JUDGEMENTS - 1 :])]
    return out
