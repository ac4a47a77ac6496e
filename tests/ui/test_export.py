"""Exporting what the window shows as PDF: each panel and the full briefing, from the UI."""

from __future__ import annotations

import subprocess
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from monitor.model import load_scenario
from monitor.ui import MainWindow

BAGHDAD = timezone(timedelta(hours=3))


def pdf_text(path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return unicodedata.normalize("NFKC", out.stdout)


@pytest.fixture
def window(qtbot, small_path):
    w = MainWindow(small_path)
    qtbot.addWidget(w)
    w.show()
    return w


def test_each_dock_offers_pdf_export(window):
    for name, dock in (
        ("feed", window.feed_dock),
        ("crossings", window.crossings_dock),
        ("territory", window.territory_dock),
    ):
        assert window.export_panel_actions[name] in dock.actions()


def test_crossings_pdf_follows_the_cursor(window, tmp_path):
    window.ctx.set_cursor(datetime(2024, 11, 29, 12, tzinfo=BAGHDAD))
    before = pdf_text(window.export_panel("crossings", tmp_path / "before.pdf"))
    window.ctx.set_cursor(datetime(2024, 12, 1, 12, tzinfo=BAGHDAD))
    after = pdf_text(window.export_panel("crossings", tmp_path / "after.pdf"))
    qaim_before = next(line for line in before.splitlines() if "Al-Qaim" in line)
    qaim_after = next(line for line in after.splitlines() if "Al-Qaim" in line)
    assert "open" in qaim_before.lower() and "closed" not in qaim_before.lower()
    assert "closed" in qaim_after.lower()


def test_feed_pdf_is_the_filtered_feed(window, tmp_path, qtbot):
    window.feed_panel.search_edit.setText("hama")
    qtbot.waitUntil(lambda: window.feed_panel.count_label.text() == "1 of 4 events")
    text = pdf_text(window.export_panel("feed", tmp_path / "feed.pdf"))
    assert "City falls" in text
    assert "Offensive begins" not in text
    assert "hama" in text.lower()


def test_territory_pdf_is_vector(window, tmp_path):
    out = window.export_panel("territory", tmp_path / "territory.pdf")
    text = pdf_text(out)
    assert "Government" in text and "Rebels" in text
    images = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) <= 2  # header lines only: no raster image


def test_briefing_carries_key_judgements_which_are_undoable_and_saved(window, tmp_path, small_path):
    window.set_key_judgements("- Iraq will keep the border closed through December.")
    assert window.isWindowModified()
    text = pdf_text(window.export_briefing(tmp_path / "brief.pdf"))
    assert "keep the border closed through December" in text
    assert "Al-Qaim" in text and "UNCLASSIFIED" in text
    window.undo_action.trigger()
    assert "key_judgements" not in window.ctx.scenario.extra
    window.redo_action.trigger()
    assert window.save()
    assert "keep the border closed" in load_scenario(small_path).extra["key_judgements"]


def test_with_the_dtg_option_on_exports_write_dtgs_too(window, tmp_path):
    window.ctx.set_cursor(datetime(2024, 11, 29, 12, tzinfo=BAGHDAD))
    window.military_time_action.setChecked(True)
    text = pdf_text(window.export_panel("crossings", tmp_path / "dtg.pdf"))
    assert "290900Z NOV 24" in text  # 12:00 in Baghdad
    window.military_time_action.setChecked(False)
    text = pdf_text(window.export_panel("crossings", tmp_path / "local.pdf"))
    assert "290900Z" not in text and "2024-11-29 12:00 UTC+03:00" in text
