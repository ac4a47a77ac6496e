"""The packages built from a checkout where the app was run: nothing the app leaves beside a
scenario (lock, journals, temporary files, any hidden file) goes into the wheel or the sdist."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None,
    reason="the build backend (hatchling, in the test extra) is not installed",
)


@pytest.fixture
def sidecars():
    """Sidecar files of names of their own (another window's real lock is left alone) beside
    the bundled scenario, as a session of the app leaves them; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    names = [
        f".sidecar-{tag}.json.lock",
        f".sidecar-{tag}.json.{tag}.journal",
        f".sidecar-{tag}.json.journal",
        f".sidecar-{tag}.json.journal.recovered",
        f".sidecar-{tag}.json.{tag}.tmp",
        f".hidden-{tag}",
    ]
    paths = [DATA / name for name in names]
    try:
        for p in paths:
            p.write_text("{}", encoding="utf-8")
        yield tag
    finally:
        for p in paths:
            p.unlink(missing_ok=True)


def _build(kind: str, out: Path) -> Path:
    """Build with the installed backend, offline (no build isolation, no index)."""
    code = (
        "import sys, hatchling.build as b; "
        f"print(b.build_{kind}(sys.argv[1]))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return out / r.stdout.strip().splitlines()[-1]


def _is_sidecar(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") or base.endswith((".lock", ".journal", ".tmp", ".recovered"))


def test_wheel_holds_no_sidecar_files(sidecars, tmp_path):
    # pip's own build command, as a user packaging the checkout would run it.
    r = subprocess.run(
        [
            sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
            "--no-index", "-q", "-w", str(tmp_path), str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in names if sidecars in n] == []
    assert [n for n in names if _is_sidecar(n)] == []
    # ... and still everything the installed app needs.
    assert "monitor/data/iraq-syria-border-2024.json" in names
    assert "monitor/resources/schema/scenario.schema.json" in names
    assert "monitor/resources/fonts/NotoSansArabic-Regular.ttf" in names
    assert "monitor/ui/main_window.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_sdist_holds_no_sidecar_files(sidecars, tmp_path):
    sdist = _build("sdist", tmp_path)
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    assert [n for n in names if sidecars in n] == []
    assert [n for n in names if _is_sidecar(n) and "/data/" in n] == []
    assert any(n.endswith("/data/iraq-syria-border-2024.json") for n in names)
