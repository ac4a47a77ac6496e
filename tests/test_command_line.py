"""The command line as a user types it: monitor validate, --help, --version, headless behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import __version__

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )


def test_validate_bundled_scenario_prints_ok():
    r = run("validate", "data/iraq-syria-border-2024.json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "OK"


def test_validate_bad_file_lists_every_problem(tmp_path, small_path):
    doc = json.loads(small_path.read_text(encoding="utf-8"))
    doc["events"][2]["time"] = "2024-13-01"
    doc["crossings"][1]["controlled_by"] = "nobody"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    r = run("validate", str(bad))
    assert r.returncode == 1
    assert "bad.json" in r.stdout
    assert "events[2].time" in r.stdout and "crossings[1].controlled_by" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_validate_broken_json_names_line_and_column(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"schema_version": 1,\n  "scenario": {"id": "x",\n', encoding="utf-8")
    r = run("validate", str(bad))
    assert r.returncode == 1
    assert "broken.json" in r.stdout and "line 3" in r.stdout


def test_validate_missing_file_exits_2(tmp_path):
    r = run("validate", str(tmp_path / "nope.json"))
    assert r.returncode == 2
    assert "nope.json" in r.stderr and "no such file" in r.stderr
    assert "Traceback" not in r.stderr


def test_validate_several_files_reports_each(tmp_path, small_path):
    r = run("validate", str(small_path), "data/iraq-syria-border-2024.json")
    assert r.returncode == 0
    assert r.stdout.count(": OK") == 2


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "monitor validate" in r.stdout
    r = run("--version")
    assert r.returncode == 0 and __version__ in r.stdout
    r = run("validate", "--help")
    assert r.returncode == 0 and "PATH" in r.stdout


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="display detection is for X11/Wayland"
)
def test_gui_without_display_explains_instead_of_crashing():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    r = run(env=env)
    assert r.returncode == 2
    assert "QT_QPA_PLATFORM=offscreen" in r.stderr


def test_gui_on_invalid_file_exits_1_with_problems(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    r = run(str(bad), env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert r.returncode == 1
    assert "bad.json" in r.stderr


def test_help_lists_every_subcommand():
    r = run("--help")
    for command in ("monitor validate", "monitor brief", "monitor import", "monitor export"):
        assert command in r.stdout, command


def test_help_gives_each_subcommand_one_line_from_the_dispatch_table():
    """`monitor --help` is made from cli.SUBCOMMANDS: each command (the team store's too) on
    one line with its summary, and every name `run` dispatches is in the table (no drift)."""
    import re

    from monitor import cli

    r = run("--help")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    for name, usage, summary in cli.SUBCOMMANDS:
        matching = [line for line in lines if line.strip().startswith(f"monitor {name} ")]
        assert len(matching) == 1, (name, matching)
        assert usage in matching[0] and summary in matching[0], matching[0]
    assert "monitor store init|export|status|grant DSN" in r.stdout
    source = (REPO / "src" / "monitor" / "cli.py").read_text(encoding="utf-8")
    dispatched = set(re.findall(r"argv\[0\] == \"([a-z-]+)\"", source))
    assert dispatched, "the dispatch in cli.run was not found"
    assert dispatched <= set(cli.COMMANDS), dispatched - set(cli.COMMANDS)


def test_import_then_export_through_the_monitor_command(tmp_path, small_path):
    """`monitor import` and `monitor export` as typed (the feeds' own tests cover each rule)."""
    sys.path.insert(0, str(REPO / "tests" / "interchange"))
    from feeds import acled_row, write_acled

    feed = write_acled(tmp_path / "acled.csv", [acled_row(i) for i in range(3)])
    r = run("import", str(feed), "--into", str(small_path), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "new" in r.stdout.lower() and "3" in r.stdout
    assert len(json.loads(small_path.read_text())["events"]) == 4  # a dry run writes nothing
    r = run("import", str(feed), "--into", str(small_path))
    assert r.returncode == 0, r.stderr
    assert len(json.loads(small_path.read_text())["events"]) == 7
    out = tmp_path / "view.geojson"
    r = run("export", str(small_path), "--format", "geojson", "-o", str(out))
    assert r.returncode == 0, r.stderr
    features = json.loads(out.read_text())["features"]
    assert any(str(f["properties"].get("id", "")).startswith("acled:") for f in features)


MISSING_ICCCM = (
    "monitor: missing system library libxcb-icccm.so.4 (Debian package libxcb-icccm4); "
    "run scripts/setup"
)


def test_missing_system_library_is_named_in_one_line(monkeypatch, capsys, small_path):
    """On X11 without libxcb-icccm4 Qt aborted (exit 134) naming xcb-cursor0; monitor says
    which library and package are missing, in one line, before Qt starts, and exits 2."""
    from monitor import cli, syslibs

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(syslibs, "can_load", lambda name: name != "libxcb-icccm.so.4")
    assert cli.run([str(small_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == MISSING_ICCCM
    monkeypatch.setattr(
        syslibs, "can_load", lambda name: name not in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    )
    assert cli.run([str(small_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in err
    assert "(Debian packages libxcb-icccm4 libxcb-keysyms1)" in err


def test_xcb_libraries_are_checked_only_for_the_xcb_platform(monkeypatch):
    from monitor import syslibs

    monkeypatch.setattr(syslibs, "can_load", lambda name: name != "libxcb-icccm.so.4")
    assert syslibs.missing_libraries("offscreen") == []
    assert syslibs.missing_libraries("xcb") == [("libxcb-icccm.so.4", "libxcb-icccm4")]
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen:size=800x600")
    assert syslibs.qt_platform() == "offscreen"
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert syslibs.qt_platform() == "xcb"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the dynamic linker of Linux")
def test_a_library_the_linker_cannot_load_stops_monitor_with_its_name(tmp_path):
    """End to end, no patching: a broken libxcb-icccm.so.4 first on the linker's path (as if
    the package were missing) made Qt abort with exit 134; monitor exits 2 and names it."""
    libs = tmp_path / "lib"
    libs.mkdir()
    (libs / "libxcb-icccm.so.4").write_bytes(b"")  # "file too short": cannot be loaded
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=":99", LD_LIBRARY_PATH=str(libs))
    r = run(env=env)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.strip().splitlines()[-1] == MISSING_ICCCM
    assert "Traceback" not in r.stderr
