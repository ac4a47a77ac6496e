"""The system libraries Qt needs, checked before it starts (no Qt imported here).

Without one of them Qt's xcb platform plugin aborts the process (exit 134) with a message
that names another library; ``monitor`` checks first and says in one line which library is
missing and which Debian package has it (``scripts/setup`` installs them all; the list is
``scripts/debian-packages.txt``).

The sonames are those ``ldd`` lists for PySide6's ``libQt6Gui.so.6`` (every platform) and
``plugins/platforms/libqxcb.so`` / ``libQt6XcbQpa.so.6`` (the X11 platform), Qt 6.11.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: What QtGui itself links (any platform, offscreen too): soname -> Debian 12 package.
GUI_LIBRARIES: dict[str, str] = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11.so.6": "libx11-6",
    "libxcb.so.1": "libxcb1",
}

#: What the xcb (X11) platform plugin adds.
XCB_LIBRARIES: dict[str, str] = {
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def can_load(soname: str) -> bool:
    """True if the dynamic linker finds and loads ``soname`` (as Qt would)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def qt_platform() -> str:
    """The platform plugin Qt will use: ``QT_QPA_PLATFORM`` (its name before any ``:``),
    else on Linux ``wayland`` in a Wayland session and ``xcb`` otherwise."""
    chosen = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if not sys.platform.startswith("linux"):
        return ""
    if os.environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


def missing_libraries(platform: str | None = None) -> list[tuple[str, str]]:
    """The (soname, Debian package) pairs Qt needs on ``platform`` that cannot be loaded;
    empty off Linux (nothing to check there)."""
    if not sys.platform.startswith("linux"):
        return []
    platform = qt_platform() if platform is None else platform
    wanted = dict(GUI_LIBRARIES)
    if platform == "xcb":
        wanted.update(XCB_LIBRARIES)
    return [(name, package) for name, package in wanted.items() if not can_load(name)]


def missing_message(missing: list[tuple[str, str]]) -> str:
    """One line: which libraries are missing, their packages, and what to run."""
    libraries = ", ".join(name for name, _package in missing)
    packages = " ".join(dict.fromkeys(package for _name, package in missing))
    plural = "ies" if len(missing) > 1 else "y"
    word = "packages" if len(packages.split()) > 1 else "package"
    return (
        f"monitor: missing system librar{plural} {libraries} "
        f"(Debian {word} {packages}); run scripts/setup"
    )
