"""One place that finds the bundled ``resources/`` and ``data/`` folders.

In a source checkout (editable install) they sit at the repository root; in an
installed wheel they are copied into the package (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    installed = _PACKAGE_DIR / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parents[1] / name


def resources_dir() -> Path:
    return _find("resources")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def data_dir() -> Path:
    return _find("data")


def default_scenario_path() -> Path:
    return data_dir() / "iraq-syria-border-2024.json"
