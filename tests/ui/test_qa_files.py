"""Files as users have them: a scenario opened through a symbolic link."""

from __future__ import annotations

import json
import shutil

from monitor.ui import MainWindow


def test_a_scenario_opened_through_a_symlink_shares_its_lock_and_saves_into_the_target(
    qtbot, tmp_path, small_path, monkeypatch
):
    real_dir = tmp_path / "shared"
    real_dir.mkdir()
    real = real_dir / "scenario.json"
    shutil.copy(small_path, real)
    link = tmp_path / "mine.json"
    link.symlink_to(real)

    warnings = []
    monkeypatch.setattr(MainWindow, "show_warning", lambda self, *a, **k: warnings.append(a))
    via_link = MainWindow(link)
    qtbot.addWidget(via_link)
    via_link.show()
    by_name = MainWindow(real)
    qtbot.addWidget(by_name)
    by_name.show()
    qtbot.waitUntil(lambda: bool(warnings))  # (the window says so once it shows)
    # The second window is told the file is already open (one lock, beside the real file).
    assert any(w[0] == "File already open" for w in warnings), warnings
    assert by_name.session.lock_holder is not None

    crossing = via_link.ctx.scenario.crossings[0].id
    before = len(json.loads(real.read_text("utf-8"))["crossings"][0]["history"])
    via_link.ctx.select_crossing(crossing)
    assert via_link.toggle_selected_crossing()
    assert via_link.save()
    assert link.is_symlink()  # the link is kept, the shared file has the change
    assert len(json.loads(real.read_text("utf-8"))["crossings"][0]["history"]) == before + 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".journal")] == []


def _megabyte_ids(small_path, tmp_path):
    doc = json.loads(small_path.read_text("utf-8"))
    huge = "Z" * 1_000_000
    doc["scenario"]["timezone"] = huge
    doc["events"][0]["id"] = doc["events"][1]["id"] = "D" * 1_000_000
    doc["events"][2]["source_ids"] = [huge]
    doc["crossings"][0]["controlled_by"] = huge
    doc["territory"][0]["faction"] = huge
    bad = tmp_path / "megabyte-ids.json"
    bad.write_text(json.dumps(doc), "utf-8")
    return bad


def test_megabyte_ids_give_short_problems_in_the_window_and_the_command_line(
    qtbot, tmp_path, small_path
):
    import os
    import subprocess
    import sys

    bad = _megabyte_ids(small_path, tmp_path)
    window = MainWindow(small_path)
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(bad, background=False) is False
    details = window.last_error_dialog.detailedText()
    assert "unknown source id" in details and "duplicate event id" in details
    assert "unknown faction id" in details and "time zone" in details
    assert len(details) < 5_000  # each value cut, with its length said
    assert "(1000000 characters)" in details
    assert window.ctx.scenario.info.title == "Small test scenario"

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run(
        [sys.executable, "-m", "monitor", "validate", str(bad)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    out = r.stdout + r.stderr
    assert "unknown source id" in out and len(out) < 5_000
