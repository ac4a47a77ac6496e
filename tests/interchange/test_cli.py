"""``monitor import`` / ``monitor export`` (run_import / run_export): messages, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from feeds import acled_row, write_acled

from monitor.interchange.cli import printable, run_export, run_import
from monitor.model import load_scenario


def test_dry_run_prints_the_review_and_changes_nothing(tmp_path, empty_path, capsys):
    rows = [acled_row(0), acled_row(1, latitude="200")]
    p = write_acled(tmp_path / "a.csv", rows)
    before = empty_path.read_bytes()
    assert run_import([str(p), "--into", str(empty_path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing changed." in out and "new 1 · updated 0" in out
    assert "rejected 1" in out and "line 3: coordinates 200.0, 40.977 are outside" in out
    assert empty_path.read_bytes() == before


def test_import_writes_and_reimport_is_unchanged(tmp_path, empty_path, capsys):
    p = write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(3)])
    assert run_import([str(p), "--into", str(empty_path), "--author", "Rana"]) == 0
    s = load_scenario(empty_path)
    assert len(s.events) == 3 and s.extra["imports"][0]["by"] == "Rana"
    capsys.readouterr()
    assert run_import([str(p), "--into", str(empty_path)]) == 0
    assert "unchanged 3" in capsys.readouterr().out
    assert len(load_scenario(empty_path).extra["imports"]) == 2


@pytest.mark.parametrize("content, code, message", [
    ("Country,Month,Year,Events\nSyria,1,2024,4\n", 1, "country-month statistics"),
    ("name,colour\nred,#f00\n", 1, "unknown layout"),
])
def test_refusals(tmp_path, empty_path, capsys, content, code, message):
    p = tmp_path / "acled.csv"
    p.write_text(content)
    assert run_import([str(p), "--into", str(empty_path)]) == code
    err = capsys.readouterr().err
    assert err.startswith("monitor: ") and message in err and "Traceback" not in err


def test_missing_files_and_usage(tmp_path, empty_path, capsys):
    assert run_import([str(tmp_path / "nope.csv"), "--into", str(empty_path)]) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err
    p = write_acled(tmp_path / "a.csv", [acled_row(0)])
    assert run_import([str(p), "--into", str(tmp_path / "none.json")]) == 2
    with pytest.raises(SystemExit) as got:
        run_import([str(p)])
    assert got.value.code == 2
    assert run_import([str(p), "--into", str(empty_path), "--map", "time=a"]) == 1
    assert "title must be mapped" in capsys.readouterr().err


def test_locked_scenario_is_refused_with_its_holder(tmp_path, empty_path, capsys):
    from monitor.model.storage import FileStorage

    holder = FileStorage(empty_path, user="Other Analyst")
    holder.load()
    assert holder.acquire_lock() is None
    try:
        p = write_acled(tmp_path / "a.csv", [acled_row(0)])
        assert run_import([str(p), "--into", str(empty_path)]) == 2
        assert "open for writing by Other Analyst" in capsys.readouterr().err
    finally:
        holder.close()


def test_read_only_scenario(tmp_path, empty_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root can write read-only files")
    empty_path.chmod(0o444)
    p = write_acled(tmp_path / "a.csv", [acled_row(0)])
    assert run_import([str(p), "--into", str(empty_path)]) == 2


def test_hostile_text_is_escaped_on_the_terminal():
    assert printable("a\x1b[31m\u202eb") == "a\\u001b[31m\\u202eb"


def test_export_cli(tmp_path, default_path, capsys):
    out = tmp_path / "v.geojson"
    assert run_export([str(default_path), "--format", "geojson", "--as-of", "2024-12-08",
                       "--category", "border", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["monitor_export"]["category"] == ["border"]
    assert "event(s)" in capsys.readouterr().out
    assert run_export([str(default_path), "--format", "csv", "--as-of", "8 Dec", "-o",
                       str(tmp_path / "x.csv")]) == 2
    assert "--as-of" in capsys.readouterr().err
    assert run_export([str(tmp_path / "none.json"), "--format", "csv", "-o",
                       str(tmp_path / "x.csv")]) == 2
    assert run_export([str(default_path), "--format", "csv", "-o",
                       str(tmp_path / "no" / "x.csv")]) == 2
    assert "cannot be written" in capsys.readouterr().err


def test_no_qt_is_imported(tmp_path):
    code = textwrap.dedent("""
        import sys, json
        from monitor.interchange import parse_feed, plan_import, export_view
        from monitor.interchange.cli import run_import, run_export
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in
                                ('PySide6', 'shiboken6', 'pyqtgraph', 'monitor'))))
    """)
    got = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout)
    assert not [m for m in got if not m.startswith(("monitor.model", "monitor.interchange"))
                and m != "monitor"]


def test_deletions_option_and_bad_deletions_file(tmp_path, empty_path, capsys):
    p = write_acled(tmp_path / "a.csv", [acled_row(0), acled_row(1)])
    assert run_import([str(p), "--into", str(empty_path)]) == 0
    d = tmp_path / "deleted.csv"
    d.write_text("event_id_cnty,deleted_timestamp\nSYR0,1733100000\n")
    assert run_import([str(p), "--into", str(empty_path), "--deletions", str(d)]) == 0
    assert "withdrawn 1" in capsys.readouterr().out
    assert "withdrawn" in load_scenario(empty_path).event("acled:SYR0").extra
    assert run_import([str(p), "--into", str(empty_path), "--deletions", str(p)]) == 1
    assert "not a deletions list" in capsys.readouterr().err
