"""What a new user hits at the window level (issue 16, part 2): the window fits the screen,
the keyboard reaches and leaves everything, the analyst is asked for a name once, a big file
shows progress at once, and the theme follows the system."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize

REPO = Path(__file__).resolve().parents[2]


def _window(qtbot, path):
    from monitor.ui import MainWindow

    w = MainWindow(path)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


# -- the window fits the screen ------------------------------------------------------------
def test_fitted_size_takes_most_of_the_screen_up_to_a_cap():
    from monitor.ui.window_size import clamped, fitted_size

    assert fitted_size(QSize(1366, 768)) == QSize(1229, 691)
    assert fitted_size(QSize(911, 512)) == QSize(819, 460)  # 1366×768 at 150 %
    assert fitted_size(QSize(3840, 2160)) == QSize(1600, 1000)
    screen = QRect(0, 0, 800, 600)
    assert clamped(QRect(500, 400, 2000, 1500), screen) == screen
    assert clamped(QRect(100, 100, 300, 200), screen) == QRect(100, 100, 300, 200)
    assert clamped(QRect(700, 550, 300, 200), screen) == QRect(500, 400, 300, 200)


def test_new_window_fits_the_available_screen_area(qtbot, small_path):
    w = _window(qtbot, small_path)
    available = w.screen().availableGeometry()
    assert available.contains(w.frameGeometry()), (w.frameGeometry(), available)
    # Not a postage stamp either: about 90 % of the screen (the offscreen one is 800×800).
    assert w.width() >= 0.85 * available.width()
    # The panels no longer force a window wider than the screen (was 1516 px at least).
    assert w.minimumSizeHint().width() <= available.width()
    assert w.minimumSizeHint().height() <= available.height()


def test_restored_geometry_larger_than_the_screen_is_clamped(qtbot, small_path):
    first = _window(qtbot, small_path)
    first.resize(3000, 2000)
    first.move(400, 300)
    first.save_layout()
    first.close()
    w = _window(qtbot, small_path)
    available = w.screen().availableGeometry()
    qtbot.waitUntil(lambda: available.contains(w.frameGeometry()), timeout=2000)
    assert w.width() >= 0.85 * available.width()


_PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from monitor.ui import MainWindow
w = MainWindow(sys.argv[1])
w.show()
for _ in range(10):
    app.processEvents()
a = w.screen().availableGeometry()
f = w.frameGeometry()
print(json.dumps({"available": [a.x(), a.y(), a.width(), a.height()],
                  "frame": [f.x(), f.y(), f.width(), f.height()]}))
w.session.close(keep_journal=False)
"""


@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_window_fits_a_1366x768_screen_at_any_scale_factor(tmp_path, small_path, scale):
    """A 1366×768 screen (offscreen platform, screen from a config file) at 100/150/200 %."""
    screens = tmp_path / "screen.json"
    screens.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
                     "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
                ]
            }
        ),
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={screens}",
        QT_SCALE_FACTOR=scale,
        MONITOR_CONFIG_DIR=str(tmp_path / "config"),
    )
    r = subprocess.run(
        [sys.executable, "-c", _PROBE, str(small_path)],
        capture_output=True, text=True, env=env, timeout=120, cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    ax, ay, aw, ah = out["available"]
    fx, fy, fw, fh = out["frame"]
    assert round(aw * float(scale)) == 1366  # the scale factor did apply
    assert ax <= fx and ay <= fy and fx + fw <= ax + aw and fy + fh <= ay + ah, out
    assert fw >= 0.85 * aw


# -- keyboard ------------------------------------------------------------------------------
def _focus(qtbot, widget):
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def _press(qtbot, key, modifier=None):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QTest.keyClick(QApplication.focusWidget(), key, modifier or Qt.KeyboardModifier.NoModifier)
    qtbot.wait(10)
    return QApplication.focusWidget()


def test_tab_leaves_the_feed_table_at_once(window, qtbot):
    from PySide6.QtCore import Qt

    table = window.feed_panel.view
    window.activateWindow()
    _focus(qtbot, table)
    table.setCurrentIndex(table.model().index(0, 0))
    after = _press(qtbot, Qt.Key.Key_Tab)
    assert after is not table, "Tab moved to the next cell instead of the next control"
    # Shift+Tab comes back (through the links of the details pane, if the focus went there).
    for _ in range(10):
        back = _press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        if back is table:
            break
    assert back is table


def test_tab_reaches_every_control_and_comes_back_round(window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    from monitor.ui.keyboard import is_focusable

    window.activateWindow()
    start = window.feed_panel.search_edit
    _focus(qtbot, start)
    focusable = {id(w): w for w in window.findChildren(QWidget) if is_focusable(w)}
    seen = {id(start)}
    for _ in range(3 * len(focusable)):
        now = _press(qtbot, Qt.Key.Key_Tab)
        if now is start:
            break
        seen.add(id(now))
    else:
        pytest.fail("Tab never came back round to the search box (a focus trap)")
    missed = [
        f"{type(w).__name__}:{w.objectName()}" for k, w in focusable.items() if k not in seen
    ]
    assert missed == []


def test_ctrl_tab_cycles_the_panels_both_ways(window, qtbot):
    from PySide6.QtCore import Qt

    window.activateWindow()
    _focus(qtbot, window.feed_panel.view)  # from inside a table, which keeps other keys
    ctrl = Qt.KeyboardModifier.ControlModifier
    order = []
    for _ in range(5):
        _press(qtbot, Qt.Key.Key_Tab, ctrl)
        order.append(window.panel_cycler.current().objectName())
    assert order == ["mapDock", "crossingsDock", "territoryDock", "historyDock", "feedDock"]
    back = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    _press(qtbot, Qt.Key.Key_Backtab, back)
    assert window.panel_cycler.current() is window.history_dock
    assert window.history_dock.widget().isVisible()  # a tabbed panel is brought to the front
    _press(qtbot, Qt.Key.Key_Backtab, back)
    assert window.panel_cycler.current() is window.territory_dock
    # A closed panel is skipped.
    window.map_dock.close()
    _focus(qtbot, window.feed_panel.view)
    _press(qtbot, Qt.Key.Key_Tab, ctrl)
    assert window.panel_cycler.current() is window.crossings_dock


def test_every_panel_and_control_has_an_accessible_name(window):
    from PySide6.QtWidgets import QLabel, QWidget

    from monitor.ui.keyboard import accessible_name, is_focusable

    window.ensure_panels()
    buddies = {id(label.buddy()) for label in window.findChildren(QLabel) if label.buddy()}
    # What a screen reader announces: the accessibleName, a buddy label, or a button's text.
    unnamed = [
        f"{type(w).__name__}:{w.objectName()}"
        for w in window.findChildren(QWidget)
        if is_focusable(w)
        and not (w.accessibleName().strip() or id(w) in buddies or accessible_name(w))
    ]
    assert unnamed == []
    for dock in window.panel_cycler.open_docks():
        assert dock.accessibleName() == dock.windowTitle()
        assert accessible_name(dock.widget()), dock.objectName()
    for name in ("feed", "crossings", "territory", "map"):
        assert window.panel(name).accessibleName(), name


# -- the analyst's name ----------------------------------------------------------------------
def test_analyst_is_asked_once_on_the_first_change_and_the_name_is_kept(
    qtbot, small_path, monkeypatch
):
    from monitor.model import CrossingStatus
    from monitor.ui.analyst import AnalystGate
    from monitor.ui.preferences import Preferences

    asked = []

    def ask(self, default):
        asked.append(default)
        return "Rana Haddad"

    monkeypatch.setattr(AnalystGate, "ask_analyst_name", ask)
    assert not Preferences.load().analyst_chosen  # a new install: only the login name
    w = _window(qtbot, small_path)
    assert asked == []  # opening the file asks nothing
    crossing = w.ctx.scenario.crossings[0].id
    assert w.set_crossing_status(crossing, CrossingStatus.CLOSED, "first")
    assert len(asked) == 1
    assert w.ctx.scenario.crossing(crossing).history[-1].by == "Rana Haddad"
    assert w.session.undo_stack.command(0).change.author == "Rana Haddad"
    assert w.set_crossing_status(crossing, CrossingStatus.OPEN, "second")
    assert len(asked) == 1  # later changes do not ask
    assert w.ctx.scenario.crossing(crossing).history[-1].by == "Rana Haddad"
    prefs = Preferences.load()
    assert prefs.analyst == "Rana Haddad" and prefs.analyst_chosen
    w.files.maybe_save = lambda: True
    w.close()
    again = _window(qtbot, small_path)
    assert again.prefs.analyst == "Rana Haddad"
    assert again.set_crossing_status(crossing, CrossingStatus.CLOSED, "third")
    assert len(asked) == 1  # a new window, the kept name


def test_a_change_pushed_with_the_login_name_is_signed_with_the_chosen_one(
    qtbot, small_path, monkeypatch
):
    """Changes built before the question (with the login as author) are re-signed."""
    from monitor.model import CrossingStatus
    from monitor.model.changes import status_change
    from monitor.ui.analyst import AnalystGate

    monkeypatch.setattr(AnalystGate, "ask_analyst_name", lambda self, default: "Rana Haddad")
    w = _window(qtbot, small_path)
    login = w.prefs.analyst
    crossing = w.ctx.scenario.crossings[0].id
    change = status_change(
        w.ctx.scenario, crossing, CrossingStatus.CLOSED,
        w.crossing_actions.effective_moment(), by=login,
    )
    assert change.author == login
    w.session.push(change)
    assert w.session.undo_stack.count() == 1
    assert w.session.undo_stack.command(0).change.author == "Rana Haddad"
    assert w.ctx.scenario.crossing(crossing).history[-1].by == "Rana Haddad"


def test_an_analyst_named_before_is_never_asked(window, monkeypatch):
    from monitor.model import CrossingStatus
    from monitor.ui.analyst import AnalystGate

    def ask(self, default):
        raise AssertionError("asked again")

    monkeypatch.setattr(AnalystGate, "ask_analyst_name", ask)
    crossing = window.ctx.scenario.crossings[0].id
    assert window.set_crossing_status(crossing, CrossingStatus.CLOSED)
    assert window.ctx.scenario.crossing(crossing).history[-1].by == "Analyst One"


def test_the_name_dialog_offers_the_login_and_says_why(qtbot):
    from monitor.ui.analyst import name_dialog

    dialog = name_dialog(None, "root")
    qtbot.addWidget(dialog)
    assert dialog.textValue() == "root"
    assert "signed with your name" in dialog.labelText()


# -- theme ---------------------------------------------------------------------------------
@pytest.fixture
def restore_theme():
    """The QApplication (and its palette) is shared by every test: back to the system's."""
    yield
    from PySide6.QtWidgets import QApplication

    from monitor.ui import theme

    theme.recolour(theme.LIGHT)
    QApplication.instance().setPalette(theme.platform_palette())


def _luminance(c) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two colours (1 … 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def delta_e(a, b) -> float:
    """CIE76 colour difference (about 2.3 is just noticeable; 20+ is clearly different)."""

    def lab(c):
        def lin(v):
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b_ = lin(c.redF()), lin(c.greenF()), lin(c.blueF())
        x = (0.4124 * r + 0.3576 * g + 0.1805 * b_) / 0.95047
        y = 0.2126 * r + 0.7152 * g + 0.0722 * b_
        z = (0.0193 * r + 0.1192 * g + 0.9505 * b_) / 1.08883

        def f(t):
            return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

        fx, fy, fz = f(x), f(y), f(z)
        return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)

    la, lb = lab(a), lab(b)
    return sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5


def _blend(base, colour, alpha: int):
    from PySide6.QtGui import QColor

    t = alpha / 255
    return QColor.fromRgbF(
        base.redF() + (colour.redF() - base.redF()) * t,
        base.greenF() + (colour.greenF() - base.greenF()) * t,
        base.blueF() + (colour.blueF() - base.blueF()) * t,
    )


def test_view_menu_theme_switches_and_is_kept(qtbot, small_path, restore_theme):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication, QMenu

    from monitor.ui.settings import settings

    w = _window(qtbot, small_path)
    menu = w.findChild(QMenu, "themeMenu")
    assert menu is not None and menu in [a.menu() for a in w.view_menu.actions() if a.menu()]
    names = [a.text().replace("&", "") for a in menu.actions()]
    assert names == ["System", "Light", "Dark"]
    assert w.theme.actions["system"].isChecked()  # default: follow the system
    window_colour = QPalette.ColorRole.Window
    assert QApplication.palette().color(window_colour).lightnessF() > 0.5  # offscreen: light

    w.theme.actions["dark"].trigger()
    assert QApplication.palette().color(window_colour).lightnessF() < 0.5
    panel = w.crossings_panel
    qtbot.waitUntil(lambda: panel.palette().color(QPalette.ColorRole.Base).lightnessF() < 0.5)
    assert settings().value("view/theme") == "dark"
    w.close()
    again = _window(qtbot, small_path)
    assert again.theme.choice == "dark" and again.theme.actions["dark"].isChecked()
    assert QApplication.palette().color(window_colour).lightnessF() < 0.5

    again.theme.actions["light"].trigger()
    assert QApplication.palette().color(window_colour).lightnessF() > 0.5


def test_system_theme_follows_the_system_colour_scheme(qtbot, small_path, restore_theme,
                                                       monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QPalette
    from PySide6.QtWidgets import QApplication

    from monitor.ui import theme

    w = _window(qtbot, small_path)
    assert w.theme.choice == "system" and w.theme.scheme == "light"
    monkeypatch.setattr(theme, "system_is_dark", lambda: True)
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert w.theme.scheme == "dark"
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5
    # An explicit choice is not overridden by the system.
    w.theme.set_choice("light")
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert w.theme.scheme == "light"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_status_and_verification_colours_stay_distinguishable(
    qtbot, small_path, restore_theme, scheme
):
    """Measured on the tables the panels read once the theme is applied, against that
    theme's own backgrounds."""
    import itertools

    from PySide6.QtGui import QColor, QPalette

    from monitor.ui.crossings import status
    from monitor.ui.feed import columns
    from monitor.ui.map import colors as map_colors
    from monitor.ui.territory import markers

    w = _window(qtbot, small_path)
    w.theme.set_choice(scheme)
    palette = w.theme.palette()
    base = palette.color(QPalette.ColorRole.Base)
    window_bg = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.Text)

    # Crossing status: a strip band or status mark stands out from the table (3:1, WCAG
    # non-text contrast), every status from every other, and text on a tinted cell reads.
    states = {k: QColor(v) for k, v in status.STATUS_COLORS.items()}
    for state, colour in states.items():
        assert contrast(colour, base) >= 3.0, (scheme, state, colour.name())
        assert contrast(text, _blend(base, colour, 56)) >= 4.5, (scheme, state)
    for (s1, c1), (s2, c2) in itertools.combinations(states.items(), 2):
        assert delta_e(c1, c2) >= 20, (scheme, s1, s2)

    # The feed's verification words: text contrast 4.5:1, and unlike each other and the
    # ordinary text.
    words = dict(columns.VERIFICATION_COLOR)
    assert words
    for state, colour in words.items():
        assert contrast(colour, base) >= 4.5, (scheme, state, colour.name())
        assert delta_e(colour, text) >= 20, (scheme, state)
    for (s1, c1), (s2, c2) in itertools.combinations(words.items(), 2):
        assert delta_e(c1, c2) >= 20, (scheme, s1, s2)

    # The map's dots: distinct from each other; each dot or its ring stands out from land
    # and sea.
    mc = map_colors.MapColors.from_palette(palette)
    dots = {k: QColor(v) for k, v in map_colors.VERIFICATION_COLORS.items()}
    for (s1, c1), (s2, c2) in itertools.combinations(dots.items(), 2):
        assert delta_e(c1, c2) >= 20, (scheme, s1, s2)
    for state, colour in dots.items():
        for ground in (mc.land, mc.sea):
            assert max(contrast(colour, ground), contrast(mc.outline, ground)) >= 3.0, (
                scheme, state
            )

    # The chart's coloured markers against the chart's background.
    for key, (colour, _label) in markers.VERIFICATION_STYLE.items():
        if colour in (None, "fg"):
            continue
        for ground in (base, window_bg):
            assert contrast(QColor(colour), ground) >= 3.0, (scheme, key, colour)


def test_dark_theme_paints_the_status_strips_in_dark_colours(qtbot, small_path, restore_theme):
    from PySide6.QtGui import QColor

    from monitor.ui import theme

    w = _window(qtbot, small_path)
    w.theme.set_choice("dark")
    panel = w.crossings_panel
    qtbot.waitUntil(lambda: panel.palette().color(panel.backgroundRole()).lightnessF() < 0.5)
    from monitor.ui.crossings.status import CrossingColumn

    view = panel.view
    first = w.ctx.scenario.crossings[0].id
    view.scrollTo(panel.view_index(first, CrossingColumn.STRIP))
    qtbot.wait(20)
    image = view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    wanted = {QColor(c).rgb() & 0xFFFFFF for c in theme.STATUS["dark"].values()}
    old = {QColor(c).rgb() & 0xFFFFFF for c in theme.STATUS["light"].values()}
    found = set()
    for crossing in w.ctx.scenario.crossings:
        rect = view.visualRect(panel.view_index(crossing.id, CrossingColumn.STRIP))
        for y in range(int(rect.top() * ratio), int(rect.bottom() * ratio)):
            for x in range(int(rect.left() * ratio), int(rect.right() * ratio)):
                rgb = image.pixel(x, y) & 0xFFFFFF
                if rgb in wanted or rgb in old:
                    found.add(rgb)
    assert found & wanted, "no strip band in a dark-theme status colour"
    assert not found & (old - wanted), "light-theme status colours left in the dark theme"


# -- a big file from the command line ------------------------------------------------------
@pytest.fixture(scope="module")
def big_scenario(tmp_path_factory) -> Path:
    """100k generated events (about 60 MB) in a folder of this test's own."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    path = tmp_path_factory.mktemp("big") / "big.json"
    return generate.write_scenario("100k", path)


def test_loading_window_shows_progress_at_once_and_says_that_input_waits(qtbot, big_scenario):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QProgressBar

    from monitor.ui.loader import LoadingWindow

    loading = LoadingWindow(big_scenario, "tester")
    qtbot.addWidget(loading)
    loading.show()
    qtbot.waitExposed(loading)
    bar = loading.findChild(QProgressBar, "loadProgress")
    assert bar is not None and bar.isVisible() and bar.value() == 0
    assert "big.json" in loading.label.text()
    seen = []
    bar.valueChanged.connect(seen.append)
    with qtbot.waitSignal(loading.loaded, timeout=120_000) as blocker:
        loading.start()
        QTest.keyClicks(loading, "abc")  # typed while the file loads
        assert loading.statusBar().currentMessage() == LoadingWindow.WAIT_MESSAGE
        assert loading.keys_waiting == 3
    scenario, _storage = blocker.args
    assert len(scenario.events) == 100_000
    assert seen == sorted(seen) and seen[-1] == 1000 and len(seen) > 2
    QTest.keyClick(loading, Qt.Key.Key_Escape)  # after loading, Esc cancels nothing


def test_escape_cancels_the_load(qtbot, big_scenario):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from monitor.ui.loader import LoadingWindow

    loading = LoadingWindow(big_scenario, "tester")
    qtbot.addWidget(loading)
    loading.show()
    with qtbot.waitSignal(loading.cancelled, timeout=10_000):
        loading.start()
        QTest.keyClick(loading, Qt.Key.Key_Escape)
    assert loading.loader.wait(120_000)  # the worker stops at its next check, then the thread


_COMMAND = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
shown = []
class Spy(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            bar = obj.findChild(QWidget, "loadProgress")
            shown.append([obj.objectName(), bar.value() if bar is not None else None])
        return False
spy = Spy()
import monitor.app as app_module
create = app_module.create_application
def create_application(argv=None):
    app = create(argv)
    app.installEventFilter(spy)
    return app
app_module.create_application = create_application
from monitor.ui.main_window import MainWindow
build = MainWindow.ensure_panels
def ensure_panels(self):
    build(self)
    if self._panels and not any(s[0] == "panels" for s in shown):
        shown.append(["panels", self._panels["feed"].count_label.text()])
        QTimer.singleShot(0, QApplication.instance().quit)
MainWindow.ensure_panels = ensure_panels
from monitor.__main__ import main
code = main(sys.argv[1:])
import json
print(json.dumps({"shown": shown, "code": code}))
"""


def test_monitor_big_file_shows_a_progress_window_first(tmp_path, big_scenario):
    """`monitor BIG.json`: the first window is the loading window with its progress bar,
    shown before the file has loaded; then the dashboard with every event."""
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", MONITOR_CONFIG_DIR=str(tmp_path / "config")
    )
    r = subprocess.run(
        [sys.executable, "-c", _COMMAND, str(big_scenario)],
        capture_output=True, text=True, env=env, timeout=300, cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    windows = [s for s in out["shown"] if s[0] in ("loadingWindow", "mainWindow", "panels")]
    assert windows[0][0] == "loadingWindow", out
    assert windows[0][1] < 1000  # shown before the file was read
    assert [w[0] for w in windows][-2:] == ["mainWindow", "panels"], out
    assert windows[-1][1] == "100000 of 100000 events"
    assert out["code"] == 0


def test_monitor_big_broken_file_says_why_and_exits_1(tmp_path):
    bad = tmp_path / "broken-big.json"
    bad.write_text('{"schema_version": 1, "events": [' + " " * 6_000_000 + "{oops", "utf-8")
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", MONITOR_CONFIG_DIR=str(tmp_path / "config")
    )
    r = subprocess.run(
        [sys.executable, "-m", "monitor", str(bad)],
        capture_output=True, text=True, env=env, timeout=120, cwd=REPO,
    )
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "broken-big.json" in r.stderr and "Traceback" not in r.stderr


def test_keys_typed_during_file_open_are_held_with_a_word_and_space_does_not_cancel(
    window, qtbot, big_scenario
):
    from PySide6.QtTest import QTest

    from monitor.ui.loader import LoadingWindow

    with qtbot.waitSignal(window.open_finished, timeout=120_000) as blocker:
        assert window.open_file(big_scenario, background=True)
        dialog = window.files.progress_dialog
        QTest.keyClicks(dialog, " q")  # a Space would have pressed Cancel
        QTest.keyClicks(window.centralWidget() or window, "x")
        assert window.statusBar().currentMessage() == LoadingWindow.WAIT_MESSAGE
        assert window.files.loader.input_notice.keys == 3
    assert blocker.args == [True]  # not cancelled
    assert len(window.ctx.scenario.events) == 100_000
