"""Import the pure layers of the app before Qt, when the window is going to be opened.

Once PySide6 is imported, its support code hooks the import system (shiboken's feature
and signature loader), and every Python module imported after that is imported more
slowly -- about 0.2 s of CPU for pandas, pyarrow's compute functions, the model and the
feed interchange at a launch on a 2-core machine (``python -X importtime``; measured as
0.2 s less user time for the same set of imports done before PySide6 rather than after).
The window needs all of them, so ``monitor PATH`` imports them first. Nothing here
touches Qt; the modules imported are exactly those of the packages that the import-linter
contracts keep free of it.
"""

from __future__ import annotations

import importlib
import pkgutil

PURE_PACKAGES = ("monitor.model", "monitor.interchange")


def import_pure_layers() -> int:
    """Import pandas and every module of :data:`PURE_PACKAGES`; return how many modules
    of those packages were imported. A module that fails to import is left to fail where
    it is used (with the error the user would see there), not here."""
    import pandas  # noqa: F401  (the events frame; pandas also imports pyarrow.compute)

    count = 0
    for name in PURE_PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__, f"{name}."):
            if info.name.endswith(".cli"):  # (a command's own argument parsing)
                continue
            try:
                importlib.import_module(info.name)
            except ImportError:
                continue
            count += 1
    return count
