"""Packaging and set-up: the packages built from a checkout where the app was run hold
nothing the app leaves beside a scenario (lock, journals, temporary files, any hidden file);
``scripts/setup`` (the README's Quick start) installs the missing Debian packages when it may
and otherwise names exactly the missing ones."""

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

needs_backend = pytest.mark.skipif(
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


@needs_backend
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


@needs_backend
def test_sdist_holds_no_sidecar_files(sidecars, tmp_path):
    sdist = _build("sdist", tmp_path)
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    assert [n for n in names if sidecars in n] == []
    assert [n for n in names if _is_sidecar(n) and "/data/" in n] == []
    assert any(n.endswith("/data/iraq-syria-border-2024.json") for n in names)


# -- scripts/setup -----------------------------------------------------------------------------
SETUP = REPO / "scripts" / "setup"
PACKAGE_LIST = REPO / "scripts" / "debian-packages.txt"


def _listed(*, test: bool) -> list[str]:
    names = []
    for line in PACKAGE_LIST.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if words and (test or words[1:2] != ["test"]):
            names.append(words[0])
    return names


def _fake_system(tmp_path: Path, *, missing: list[str], uid: int, sudo: bool) -> dict:
    """A PATH with stand-ins for dpkg-query (``missing`` not installed), id, apt-get (logs
    its arguments) and, if ``sudo``, sudo (logs, then runs the command); plus the few real
    tools the script uses. No real sudo or apt-get is reachable."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    log.write_text("", encoding="utf-8")
    for tool in ("grep", "dirname", "env", "sed"):
        real = shutil.which(tool)
        assert real, tool
        (bin_dir / tool).symlink_to(real)
    stubs = {
        "dpkg-query": "for a; do p=$a; done\n"
        'case " $FAKE_MISSING " in *" $p "*) exit 1 ;; esac\n'
        "printf 'install ok installed'\n",
        "id": 'echo "$FAKE_UID"\n',
        "apt-get": 'echo "apt-get $*" >>"$FAKE_LOG"\n',
    }
    if sudo:
        stubs["sudo"] = 'echo "sudo" >>"$FAKE_LOG"\nexec "$@"\n'
    for name, body in stubs.items():
        path = bin_dir / name
        path.write_text("#!" + shutil.which("bash") + "\n" + body, encoding="utf-8")
        path.chmod(0o755)
    return {
        "PATH": str(bin_dir),
        "FAKE_MISSING": " ".join(missing),
        "FAKE_UID": str(uid),
        "FAKE_LOG": str(log),
        "HOME": str(tmp_path),
    }


def _setup(env: dict, *args: str) -> subprocess.CompletedProcess:
    import shutil

    return subprocess.run(
        [shutil.which("bash"), str(SETUP), "--system-only", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_setup_without_root_or_sudo_names_exactly_the_missing_packages(tmp_path):
    env = _fake_system(tmp_path, missing=["libxcb-icccm4", "libxcb-keysyms1"], uid=1000, sudo=False)
    r = _setup(env)
    assert r.returncode == 1
    assert "missing Debian packages: libxcb-icccm4 libxcb-keysyms1\n" in r.stderr
    assert (
        "apt-get update && apt-get install -y --no-install-recommends "
        "libxcb-icccm4 libxcb-keysyms1\n" in r.stderr
    )
    assert Path(env["FAKE_LOG"]).read_text() == ""  # nothing was run


def test_setup_as_root_installs_the_missing_packages_with_apt(tmp_path):
    env = _fake_system(tmp_path, missing=["libxcb-icccm4", "libxcb-keysyms1"], uid=0, sudo=False)
    r = _setup(env)
    assert r.returncode == 0, r.stderr
    assert Path(env["FAKE_LOG"]).read_text().splitlines() == [
        "apt-get update -qq",
        "apt-get install -y --no-install-recommends libxcb-icccm4 libxcb-keysyms1",
    ]


def test_setup_uses_sudo_when_not_root(tmp_path):
    env = _fake_system(tmp_path, missing=["libxcb-icccm4"], uid=1000, sudo=True)
    r = _setup(env)
    assert r.returncode == 0, r.stderr
    assert Path(env["FAKE_LOG"]).read_text().splitlines() == [
        "sudo",
        "apt-get update -qq",
        "sudo",
        "apt-get install -y --no-install-recommends libxcb-icccm4",
    ]


def test_setup_installs_nothing_when_nothing_is_missing_and_test_tools_only_with_test(tmp_path):
    env = _fake_system(tmp_path, missing=["poppler-utils"], uid=0, sudo=False)
    r = _setup(env)
    assert r.returncode == 0, r.stderr
    assert Path(env["FAKE_LOG"]).read_text() == ""
    r = _setup(env, "--test")
    assert r.returncode == 0, r.stderr
    assert "apt-get install -y --no-install-recommends poppler-utils" in Path(
        env["FAKE_LOG"]
    ).read_text()


def test_package_list_covers_ci_and_every_library_monitor_checks():
    """One list: what .ci/run installs and every package `monitor` may name as missing."""
    import re

    from monitor import syslibs

    listed = set(_listed(test=True))
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    block = re.search(r"PACKAGES=\((.*?)\n\)", ci, re.S)
    if block:
        assert set(block.group(1).split()) <= listed
    else:  # CI reads the same list file
        assert "done < scripts/debian-packages.txt" in ci
    for package in {**syslibs.GUI_LIBRARIES, **syslibs.XCB_LIBRARIES}.values():
        assert package in _listed(test=False), package
    assert {"python3", "python3-venv", "libxcb-icccm4", "libxcb-keysyms1"} <= listed


def test_readme_quick_start_commands_run_the_setup_script():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, commands
    assert commands[0].startswith("bash scripts/setup && ")
    assert commands[0].endswith(".venv/bin/monitor")
    assert commands[1].startswith("bash scripts/setup --test && ")
    assert "sudo" not in block
