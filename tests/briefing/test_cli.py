"""``monitor brief``: the headless front door to the same renderer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.briefing.cli import run_brief

from pdfcheck import DEFAULT_SCENARIO, line_with, page_count, pdf_info, pdf_text, small_json

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
QAIM = "Al-Qaim – Al-Bukamal"


def _headless_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    return env


def test_writes_the_briefing_headless_and_prints_where(tmp_path):
    """Run as a user would: a fresh process with no display and no QT_QPA_PLATFORM."""
    scenario = (
        DEFAULT_SCENARIO
        if DEFAULT_SCENARIO.exists()
        else Path(__file__).parents[1] / "data" / "small.json"
    )
    out = tmp_path / "brief.pdf"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "brief",
            str(scenario),
            "-o",
            str(out),
            "--as-of",
            "2024-12-01",
            "--analyst",
            "CLI Analyst",
            "--marking",
            "TEST MARKING",
            "--page-size",
            "Letter",
        ],
        capture_output=True,
        text=True,
        env=_headless_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    assert out.exists() and page_count(out) >= 1
    text = pdf_text(out, layout=True)
    assert "CLOSED" in line_with(text, QAIM).split()  # closed on 30 November
    assert "TEST MARKING" in text and "CLI Analyst" in text
    assert "(letter)" in pdf_info(out)
    assert [p.name for p in tmp_path.iterdir()] == ["brief.pdf"]  # no temp file left behind


def test_as_of_and_panels_select_the_content(tmp_path, small_path, capsys):
    out = tmp_path / "crossings.pdf"
    rc = run_brief(
        [str(small_path), "-o", str(out), "--as-of", "2024-11-29T20:00", "--panels", "crossings"]
    )
    assert rc == 0
    assert "crossings.pdf" in capsys.readouterr().out
    text = pdf_text(out, layout=True)
    assert "OPEN" in line_with(text, QAIM).split()
    assert "Events" not in text and "Controlled territory" not in text
    assert "2024-11-29 20:00 UTC+03:00" in text  # a naive time is read in the scenario's zone


def test_filter_limits_the_event_list(tmp_path, small_path):
    out = tmp_path / "filtered.pdf"
    assert run_brief([str(small_path), "-o", str(out), "--filter", "hama", "--panels", "feed"]) == 0
    text = pdf_text(out)
    assert "City falls" in text and "Offensive begins" not in text
    assert "matching “hama”" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--as-of", "2024-13-45"], 2, "argument --as-of: invalid date '2024-13-45'"),
        (["--as-of", "yesterday"], 2, "argument --as-of: invalid date 'yesterday'"),
        (["--since", "2024-12-05", "--as-of", "2024-12-01"], 2, "after the as-of time"),
        (["--panels", "feed,maps"], 2, "invalid panel list"),
        (["--page-size", "A3"], 2, "unknown page size"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path, small_path, capsys, args, code, message):
    out = tmp_path / "out.pdf"
    assert run_brief([str(small_path), "-o", str(out), *args]) == code
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_unreadable_file_exits_2(tmp_path, capsys):
    out = tmp_path / "out.pdf"
    assert run_brief([str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()


def test_invalid_scenario_exits_1_with_the_problems_and_leaves_old_output(tmp_path, capsys):
    bad = small_json()
    bad["crossings"][0]["history"][0]["status"] = "ajar"
    del bad["scenario"]["timezone"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    out = tmp_path / "out.pdf"
    out.write_bytes(b"old briefing")
    assert run_brief([str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "invalid scenario" in err and "timezone" in err and "ajar" in err
    assert out.read_bytes() == b"old briefing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "out.pdf"]


def test_unwritable_output_exits_2(tmp_path, small_path, capsys):
    assert run_brief([str(small_path), "-o", str(tmp_path / "no" / "such" / "dir.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert run_brief([str(small_path), "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert run_brief([str(small_path), "-o", str(small_path)]) == 2
    assert "refusing to overwrite the scenario" in capsys.readouterr().err


def test_failed_write_keeps_the_existing_file(tmp_path, small_path, capsys, monkeypatch):
    out = tmp_path / "out.pdf"
    out.write_bytes(b"old briefing")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", full_disk)
    assert run_brief([str(small_path), "-o", str(out)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_bytes() == b"old briefing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf", "small.json"]


def test_help_exits_0(capsys):
    assert run_brief(["--help"]) == 0
    assert "--as-of DATETIME" in capsys.readouterr().out


def test_dtg_writes_military_date_time_groups(tmp_path, small_path):
    out = tmp_path / "dtg.pdf"
    args = [str(small_path), "-o", str(out), "--as-of", "2024-11-29T20:00", "--panels", "crossings"]
    assert run_brief([*args, "--dtg"]) == 0
    text = pdf_text(out, layout=True)
    assert "291700Z NOV 24" in text  # 20:00 in Baghdad (UTC+3) is 17:00Z
    assert run_brief(args) == 0
    assert "291700Z" not in pdf_text(out, layout=True)
