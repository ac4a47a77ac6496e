"""Light and dark: the window follows the system's colour scheme, View → Theme overrides it.

``system`` (the default) follows ``QStyleHints.colorScheme()`` and its changes; ``light``
and ``dark`` force one. The choice is kept in the settings (``view/theme``).

The colours that carry a meaning — a crossing's status, an event's verification — have a
light and a dark set (:data:`STATUS`, :data:`FEED_VERIFICATION`, :data:`MAP_VERIFICATION`,
:data:`CHART_VERIFICATION`), each readable on its theme's background and distinct from the
others (tests/ui/test_window_usability.py measures both). Applying a theme writes its set
into the tables the panels read (``crossings.status.STATUS_COLORS``,
``feed.columns.VERIFICATION_COLOR``, ``map.colors.VERIFICATION_COLORS``,
``territory.markers.VERIFICATION_STYLE``), then sets the application palette, whose change
makes every panel repaint.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QStyleFactory, QWidget

from monitor.model import CrossingStatus, Verification
from monitor.ui.settings import settings

SYSTEM, LIGHT, DARK = "system", "light", "dark"
THEMES = (SYSTEM, LIGHT, DARK)
SETTINGS_KEY = "view/theme"

#: Crossing status (table tint, status strip): at least 3:1 against the table's base.
STATUS: dict[str, dict[CrossingStatus | None, str]] = {
    LIGHT: {
        CrossingStatus.OPEN: "#2e7d32",
        CrossingStatus.RESTRICTED: "#c77800",
        CrossingStatus.CLOSED: "#c62828",
        None: "#757575",
    },
    DARK: {
        CrossingStatus.OPEN: "#66bb6a",
        CrossingStatus.RESTRICTED: "#fdd835",
        CrossingStatus.CLOSED: "#ef5350",
        None: "#9e9e9e",
    },
}
#: The feed's verification words (text): at least 4.5:1 against the table's base.
FEED_VERIFICATION: dict[str, dict[Verification, str]] = {
    LIGHT: {Verification.DISPUTED: "#a65b00", Verification.DENIED: "#c62828"},
    DARK: {Verification.DISPUTED: "#ffb74d", Verification.DENIED: "#ef9a9a"},
}
#: The map's event dots (always ringed with the outline colour; Okabe-Ito hues).
MAP_VERIFICATION: dict[str, dict[str, str]] = {
    LIGHT: {
        "confirmed": "#0072b2",
        "reported": "#e69f00",
        "disputed": "#cc79a7",
        "denied": "#7f7f7f",
    },
    DARK: {
        "confirmed": "#56b4e9",
        "reported": "#e69f00",
        "disputed": "#cc79a7",
        "denied": "#9e9e9e",
    },
}
#: The chart's event markers that have a colour of their own (confirmed uses the
#: foreground, denied is hollow): at least 3:1 against the chart's background.
CHART_VERIFICATION: dict[str, dict[str, str]] = {
    LIGHT: {"reported": "#757575", "disputed": "#c0580c"},
    DARK: {"reported": "#9e9e9e", "disputed": "#f0a050"},
}


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style (every role and the disabled group set)."""
    p = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#2d2d2d"),
        (role.WindowText, "#e6e6e6"),
        (role.Base, "#1e1e1e"),
        (role.AlternateBase, "#262626"),
        (role.ToolTipBase, "#1e1e1e"),
        (role.ToolTipText, "#e6e6e6"),
        (role.PlaceholderText, "#8f8f8f"),
        (role.Text, "#e6e6e6"),
        (role.Button, "#353535"),
        (role.ButtonText, "#e6e6e6"),
        (role.BrightText, "#ffffff"),
        (role.Light, "#505050"),
        (role.Midlight, "#404040"),
        (role.Mid, "#303030"),
        (role.Dark, "#1a1a1a"),
        (role.Shadow, "#000000"),
        (role.Highlight, "#3d6fb8"),
        (role.HighlightedText, "#ffffff"),
        (role.Link, "#7cb8f0"),
        (role.LinkVisited, "#d59ac0"),
    ):
        p.setColor(r, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText, role.PlaceholderText):
        p.setColor(disabled, r, QColor("#7a7a7a"))
    p.setColor(disabled, role.Highlight, QColor("#505050"))
    return p


def light_palette() -> QPalette:
    style = QStyleFactory.create("Fusion")
    return style.standardPalette() if style is not None else QPalette()


def palette_is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


_PLATFORM_PALETTE: list[QPalette] = []


def platform_palette() -> QPalette:
    """The application's palette as the platform made it (before any theme was applied; it
    may be dark already when the system is)."""
    if not _PLATFORM_PALETTE:
        _PLATFORM_PALETTE.append(QPalette(QGuiApplication.palette()))
    return _PLATFORM_PALETTE[0]


#: The modules holding the tables :func:`recolour` writes (each panel's own palette).
COLOUR_MODULES = (
    "monitor.ui.crossings.status",
    "monitor.ui.feed.columns",
    "monitor.ui.map.colors",
    "monitor.ui.territory.markers",
)


def recolour(scheme: str) -> None:
    """Write ``scheme``'s (``light``/``dark``) meaningful colours into the panels' tables —
    of the modules imported so far: the panels are imported after the first paint (their
    libraries are slow to load), and the window calls this again once they are."""
    status = sys.modules.get(COLOUR_MODULES[0])
    columns = sys.modules.get(COLOUR_MODULES[1])
    colors = sys.modules.get(COLOUR_MODULES[2])
    markers = sys.modules.get(COLOUR_MODULES[3])
    if status is not None:
        status.STATUS_COLORS.update(STATUS[scheme])
    if columns is not None:
        columns.VERIFICATION_COLOR.update(
            {state: QColor(c) for state, c in FEED_VERIFICATION[scheme].items()}
        )
    if colors is not None:
        colors.VERIFICATION_COLORS.update(MAP_VERIFICATION[scheme])
    if markers is not None:
        for key, colour in CHART_VERIFICATION[scheme].items():
            markers.VERIFICATION_STYLE[key] = (colour, markers.VERIFICATION_STYLE[key][1])


class Theme(QObject):
    """The application's theme: ``choice`` is ``system``, ``light`` or ``dark``;
    ``scheme`` the one in effect (``light`` or ``dark``). ``menu`` is View → Theme."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        platform_palette()  # (remembered before any theme changes the palette)
        self.choice = SYSTEM
        self.scheme = LIGHT
        self._palette = QPalette(app.palette())
        self.menu = QMenu("&Theme", parent)
        self.menu.setObjectName("themeMenu")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for name, text in ((SYSTEM, "&System"), (LIGHT, "&Light"), (DARK, "&Dark")):
            action = QAction(text, self)
            action.setObjectName(f"theme{name.capitalize()}Action")
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, n=name: self.set_choice(n))
            group.addAction(action)
            self.menu.addAction(action)
            self.actions[name] = action
        self.actions[SYSTEM].setToolTip("Follow the system's light or dark setting")
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_changed)
        saved = str(settings().value(SETTINGS_KEY, SYSTEM) or SYSTEM)
        self.set_choice(saved if saved in THEMES else SYSTEM, store=False)

    def set_choice(self, choice: str, *, store: bool = True) -> None:
        if choice not in THEMES:
            raise ValueError(f"unknown theme {choice!r}")
        self.choice = choice
        self.actions[choice].setChecked(True)
        if store:
            s = settings()
            s.setValue(SETTINGS_KEY, choice)
            s.sync()
        self.apply()

    def apply(self) -> None:
        """Put the chosen theme into effect (the system's scheme for ``system``)."""
        if self.choice == SYSTEM:
            dark = system_is_dark() or palette_is_dark(platform_palette())
        else:
            dark = self.choice == DARK
        self.scheme = DARK if dark else LIGHT
        recolour(self.scheme)
        platform = platform_palette()
        if dark:
            keep = self.choice == SYSTEM and palette_is_dark(platform)
            palette = platform if keep else dark_palette()
        else:
            palette = light_palette() if palette_is_dark(platform) else platform
        self._palette = QPalette(palette)
        self._app.setPalette(palette)

    def refresh_tables(self) -> None:
        """The theme's colours into the panels' tables (once the panels are imported)."""
        recolour(self.scheme)

    def palette(self) -> QPalette:
        """The palette of the theme in effect."""
        return QPalette(self._palette)

    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.choice == SYSTEM:
            self.apply()
