"""The UI's structure: one package per panel, panels that never reach into each other, small
modules, and no private names borrowed across modules."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "src" / "monitor" / "ui"
PANEL_PACKAGES = ("feed", "crossings", "territory", "map")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every ``import`` / ``from … import`` in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names)
    return out


def _modules() -> list[Path]:
    return sorted(p for p in UI.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_modules_are_found():
    names = {p.relative_to(UI).as_posix() for p in _modules()}
    assert {"main_window.py", "file_actions.py", "feed/panel.py", "crossings/panel.py"} <= names


def test_panels_never_import_another_panel():
    """A panel may share another package's vocabulary (status words and colours, column
    texts) but never its panel, model or actions, nor the window: panels talk through the
    ScenarioContext."""
    window = {"monitor.ui.main_window", "monitor.ui.file_actions", "monitor.ui.briefing_actions"}
    for package in PANEL_PACKAGES:
        folder = UI / package
        if not folder.is_dir():
            continue
        forbidden = set(window)
        for other in PANEL_PACKAGES:
            if other != package:
                forbidden |= {f"monitor.ui.{other}"}
                forbidden |= {
                    f"monitor.ui.{other}.{part}" for part in ("panel", "model", "actions")
                }
        for path in folder.rglob("*.py"):
            for module, _names in _imports(path):
                where = path.relative_to(UI)
                assert module not in forbidden, f"{where} imports {module}"


def test_no_ui_module_is_over_600_lines():
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 600, f"{path.relative_to(UI)} has {lines} lines"


def test_no_private_name_is_imported_from_another_module():
    for path in _modules():
        for module, names in _imports(path):
            if module.startswith("monitor."):
                private = [n for n in names if n.startswith("_")]
                assert not private, f"{path.relative_to(UI)} imports {private} from {module}"
