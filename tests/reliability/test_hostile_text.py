"""Hostile text is displayed literally everywhere, loads nothing, and cannot spoof its neighbours.

A scenario whose every text field holds markup, a file:// image, an http:// link, bidi
overrides, zero-width characters, emoji, Arabic and Qt specials (see hostile.py) is opened
in the real MainWindow (offscreen). Then, with every event and every crossing selected in
turn, the history panel on all crossings, and a status change in the undo view:

* every item view's DisplayRole shows the values literally, and isolated (bidi_leaks);
* every ToolTipRole holding data is rich text with the data escaped (no raw ``<img``), and
  what Qt would show holds the value literally, isolated;
* every QLabel holding data is PlainText; menus show category names with their ``&``;
* the event detail pane (QTextBrowser) shows each value literally, isolated, and is never
  asked for a resource; its links open only http(s) URLs (QDesktopServices.openUrl spied);
* the window title shows the scenario title literally;
* the PDF briefing (``monitor brief``) shows hostile text literally (pdftotext).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from hostile import (
    HTML,
    bidi_leaks,
    data_ranges,
    explicit_levels,
    hostile,
    hostile_doc,
    mnemonic_text,
    shows_literally,
)
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QMenu, QMessageBox

from monitor.model import CrossingStatus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class _InertDocument(QTextDocument):
    """Parses tooltip HTML to what Qt would show, loading nothing."""

    def loadResource(self, type: int, name: QUrl):
        return None


def tooltip_text(tip: str) -> str:
    from PySide6.QtGui import Qt as QtGuiNamespace

    if not QtGuiNamespace.mightBeRichText(tip):
        return tip
    doc = _InertDocument()
    doc.setHtml(tip)
    return doc.toRawText()  # blocks separated by U+2029, <br> as U+2028


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    doc, values = hostile_doc()
    path = tmp_path_factory.mktemp("hostile") / "hostile.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path, values


@pytest.fixture
def window(qtbot, hostile_file, monkeypatch):
    from monitor.ui import MainWindow
    from monitor.ui.feed.details import DetailBrowser
    from monitor.ui.file_actions import FileActions

    requested: list[str] = []
    original = DetailBrowser.loadResource

    def spy(self, type, name):
        requested.append(name.toString())
        return original(self, type, name)

    monkeypatch.setattr(DetailBrowser, "loadResource", spy)
    monkeypatch.setattr(
        FileActions, "ask_unsaved_changes", lambda self: QMessageBox.StandardButton.Discard
    )
    monkeypatch.setattr(FileActions, "ask_recovery", lambda self, recovery: False)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Cancel)
    path, _ = hostile_file
    w = MainWindow(path)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.requested_resources = requested
    return w


class Findings:
    def __init__(self, values: dict[str, str]):
        self.values = values
        self.problems: list[str] = []
        self.checked = 0

    def shown(self, where: str, text: str) -> None:
        """Text displayed as plain text: literal and isolated."""
        if not isinstance(text, str) or not data_ranges(text, self.values):
            return
        self.checked += 1
        for bad in shows_literally(text, self.values):
            self.problems.append(f"{where}: not literal: {bad}")
        for leak in bidi_leaks(text, self.values):
            self.problems.append(f"{where}: bidi leak: {leak}")

    def tooltip(self, where: str, tip: str) -> None:
        if not isinstance(tip, str) or "[" not in tip:
            return
        if "<img" in tip or "<b>B</b>" in tip or '<a href="http://example.com"' in tip:
            self.problems.append(f"{where}: tooltip holds raw markup: {tip[:120]!r}")
            return
        self.shown(f"{where} (tooltip)", tooltip_text(tip))


def sweep(window, findings: Findings, label: str) -> None:
    from PySide6.QtCore import Qt

    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        if model is None or isinstance(view, QHeaderView) or not view.isVisibleTo(window):
            continue
        name = f"{label}/{view.objectName() or type(view).__name__}"
        for row in range(min(model.rowCount(), 200)):
            for col in range(model.columnCount()):
                index = model.index(row, col)
                findings.shown(f"{name}[{row},{col}]", index.data(Qt.ItemDataRole.DisplayRole))
                findings.tooltip(f"{name}[{row},{col}]", index.data(Qt.ItemDataRole.ToolTipRole))
    for lab in window.findChildren(QLabel):
        if data_ranges(lab.text(), findings.values):
            if lab.textFormat() != Qt.TextFormat.PlainText:
                findings.problems.append(
                    f"{label}/label {lab.objectName()!r}: format {lab.textFormat()}"
                )
            findings.shown(f"{label}/label {lab.objectName()!r}", lab.text())
        findings.tooltip(f"{label}/label {lab.objectName()!r}", lab.toolTip())
    for menu in window.findChildren(QMenu):
        for action in menu.actions():
            if action in (window.undo_action, window.redo_action):
                continue  # see test_undo_action_shows_the_change_literally
            findings.shown(f"{label}/menu {menu.title()!r}", mnemonic_text(action.text()))
            findings.tooltip(f"{label}/menu {menu.title()!r}", action.toolTip())
    detail = window.feed_panel.detail
    findings.shown(f"{label}/detail pane", detail.document().toRawText())


def test_every_view_shows_hostile_text_literally_and_isolated(
    window, hostile_file, qtbot, figures
) -> None:
    _, values = hostile_file
    findings = Findings(values)
    ctx = window.ctx
    sweep(window, findings, "opened")
    slowest = 0.0
    for event in ctx.scenario.events:
        start = time.perf_counter()
        ctx.select_event(event.id)  # e1 has the 100 kB title
        window.feed_panel.grab()  # laid out and painted
        slowest = max(slowest, time.perf_counter() - start)
        qtbot.wait(1)
        sweep(window, findings, f"event {event.id}")
        text = window.feed_panel.detail.document().toPlainText()
        for field in (event.title[:200], event.summary, event.category):
            if field and field[:200] not in text:
                findings.problems.append(f"detail pane of {event.id} lacks {field[:40]!r}")
    for crossing in ctx.scenario.crossings:
        ctx.select_crossing(crossing.id)
        qtbot.wait(1)
        sweep(window, findings, f"crossing {crossing.id}")
    # The territory read-out while the pointer is over each event marker.
    territory = window.territory_panel
    for point in territory.markers.points():
        scene = territory.markers.mapToScene(point.pos())
        view = territory.plot_item.getViewBox().mapSceneToView(scene)
        territory._show_readout_for_pointer(view, scene)  # what a hover does
        findings.shown("territory read-out (hover)", territory.readout_text())
        findings.shown("territory read-out label (hover)", territory.readout.text())
    window.history_panel.all_check.setChecked(True)
    window.set_crossing_status("qaim", CrossingStatus.RESTRICTED, note=hostile("new-note"))
    findings.values["new-note"] = hostile("new-note")
    qtbot.wait(1)
    sweep(window, findings, "after a change")

    assert not window.requested_resources, window.requested_resources
    figures.add(
        "hostile text: strings checked in views",
        cases=findings.checked,
        failures=len(findings.problems),
        seconds=slowest,
    )
    # A 100 kB title used to freeze the detail pane for 2-3 s on selection.
    assert slowest < 1.0, f"selecting an event and painting the feed took {slowest:.2f} s"
    assert findings.checked > 100
    assert not findings.problems, f"{len(findings.problems)} problems:\n" + "\n".join(
        findings.problems[:40]
    )


def test_detail_pane_opens_only_web_links(window, hostile_file, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toString()) or True
    )
    ctx = window.ctx
    hrefs = set()
    for event in ctx.scenario.events:
        ctx.select_event(event.id)
        doc = window.feed_panel.detail.document()
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fmt = it.fragment().charFormat()
                if fmt.isAnchor():
                    hrefs.add(fmt.anchorHref())
                it += 1
            block = block.next()
    assert hrefs, "the sources' links are shown"
    # A URL's own bidi controls are shown encoded: "/\u202egnp.exe" cannot pass for ".../exe.png".
    ctx.select_event("e1")  # cites s1, whose URL holds U+202E
    shown = window.feed_panel.detail.document().toPlainText()
    assert "https://example.org/%E2%80%AEgnp.exe" in shown
    assert "\u202egnp" not in shown
    assert all(QUrl(h).scheme() in ("http", "https") for h in hrefs), hrefs
    for href in [
        *sorted(hrefs),
        "file:///etc/hostname",
        "javascript:alert(1)",
        "data:text/html,x",
        "smb://host/share",
    ]:
        window.feed_panel.detail.anchorClicked.emit(QUrl(href))
    assert opened and all(QUrl(u).scheme() in ("http", "https") for u in opened), opened
    assert not window.requested_resources


def test_window_title_shows_the_scenario_title_literally(window, hostile_file) -> None:
    _, values = hostile_file
    shown = window.windowHandle().title()  # after Qt's "[*]" processing
    assert values["scenario-title"] in shown, repr(shown[:200])


def test_undo_action_shows_the_change_literally(window, hostile_file) -> None:
    _, values = hostile_file
    window.set_crossing_status("qaim", CrossingStatus.OPEN)
    shown = mnemonic_text(window.undo_action.text())
    assert values["crossing0"] in shown, repr(shown[:160])
    assert "<img" not in window.undo_action.toolTip()


# --------------------------------------------------------------------------- the checker itself
def test_bidi_checker_sees_a_naive_isolate_broken_by_a_stray_pop() -> None:
    values = {"x": hostile("x")}
    naive = "Held by \u2068" + values["x"] + "\u2069 (12%)"
    assert bidi_leaks(naive, values), "a stray U+2069 in the data closes a naive isolate"
    assert bidi_leaks(values["x"] + " ; next cell", values)
    own_cell = values["x"]
    assert not bidi_leaks(own_cell, values)
    assert explicit_levels("a\u202eb\u202cc") == [
        (0, None),
        (0, None),
        (1, "R"),
        (1, "R"),
        (0, None),
    ]


# --------------------------------------------------------------------------- PDF briefing
def test_briefing_pdf_shows_hostile_text_literally(hostile_file, tmp_path: Path) -> None:
    assert shutil.which("pdftotext"), "poppler-utils (.ci/run installs it)"
    path, _ = hostile_file
    out = tmp_path / "brief.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "brief", str(path), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, check=True
    ).stdout
    text = unicodedata.normalize("NFKC", text.decode("utf-8"))
    # pdftotext drops bidi controls and zero-width characters and may reorder right-to-left
    # runs: compare the markup, which must come out character for character.
    assert HTML in text, "markup is printed literally"
    assert "[crossing0]" in text and "[faction0]" in text
