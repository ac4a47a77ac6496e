"""Guards against platform regressions we have been bitten by.

PySide6 6.12.0 on Python 3.11 decrements ``None``'s reference count on every
call of a Qt method that returns nothing; after enough painting the process
aborts with ``Fatal Python error: none_dealloc``. pyproject.toml excludes that
version (``PySide6-Essentials>=6.8,!=6.12.0``); these tests make sure an
upgrade cannot bring the bug back silently.
"""

from __future__ import annotations

import sys
from importlib import metadata

import pytest

CALLS = 10_000
ALLOWED_DRIFT = 50  # a few stray references from the interpreter are fine; the bug gives -10,000

BAD_VERSIONS = {"6.12.0"}


def _installed_pyside_versions() -> dict[str, str]:
    found = {}
    for dist in ("PySide6-Essentials", "PySide6", "shiboken6"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return found


def test_installed_pyside6_is_not_an_excluded_version() -> None:
    versions = _installed_pyside_versions()
    assert versions, "neither PySide6-Essentials nor PySide6 is installed"
    bad = {d: v for d, v in versions.items() if v in BAD_VERSIONS}
    assert not bad, (
        f"{bad} is installed: PySide6 6.12.0 corrupts None's reference count and crashes "
        "(none_dealloc). pyproject.toml excludes it (PySide6-Essentials>=6.8,!=6.12.0); "
        "reinstall a supported version, e.g. pip install 'PySide6-Essentials!=6.12.0'."
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_do_not_drift_none_refcount(qapp) -> None:
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    pen = QPen(QColor("red"))
    obj = QObject()
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(CALLS):
            painter.setPen(pen)  # returns nothing
            obj.setObjectName("x")  # returns nothing
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert abs(after - before) <= ALLOWED_DRIFT, (
        f"sys.getrefcount(None) moved by {after - before} over {CALLS} void Qt calls: this PySide6 "
        f"({_installed_pyside_versions()}) has the None refcount bug of 6.12.0 and will crash."
    )
