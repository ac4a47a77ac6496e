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
