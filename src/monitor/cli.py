"""Command line: ``monitor [PATH]`` opens the app; ``monitor validate PATH...`` checks files.

Exit codes: 0 success, 1 invalid scenario, 2 unreadable file or bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from monitor import __version__

#: Every subcommand, with its usage and one line of help: ``monitor --help`` is made from this
#: table, and ``run`` dispatches only names in it (tests/test_command_line.py checks both).
SUBCOMMANDS: tuple[tuple[str, str, str], ...] = (
    ("validate", "monitor validate PATH...", "check scenario files; prints OK or every problem"),
    ("brief", "monitor brief PATH -o OUT.pdf", "write a PDF briefing headless"),
    (
        "import",
        "monitor import FILE --into SCENARIO.json",
        "merge a feed (ACLED, UCDP, GeoJSON, CSV) after a review",
    ),
    (
        "export",
        "monitor export SCENARIO --format geojson|csv -o OUT",
        "the filtered as-of view for a GIS colleague",
    ),
    (
        "store",
        "monitor store init|export|status|grant DSN …",
        "set up and look after a team store (PostgreSQL)",
    ),
)
COMMANDS = tuple(name for name, _usage, _summary in SUBCOMMANDS)


def _describe() -> str:
    rows = [
        ("monitor [PATH]", "open the dashboard (default: the bundled scenario)"),
        *((usage, summary) for _name, usage, summary in SUBCOMMANDS),
    ]
    width = max(len(usage) for usage, _summary in rows)
    lines = [f"  {usage:<{width}}  {summary}" for usage, summary in rows]
    return (
        "Situation Monitor: a desktop dashboard for analysts watching a fast-moving situation.\n\n"
        + "\n".join(lines)
        + "\n"
    )


_DESCRIPTION = _describe()


def _open_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="monitor",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'monitor COMMAND --help' for a command's options. "
        "Without a display, set QT_QPA_PLATFORM=offscreen (headless).",
    )
    p.add_argument("--version", action="version", version=f"monitor {__version__}")
    p.add_argument("path", nargs="?", help="scenario JSON file to open")
    return p


def _validate_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="monitor validate",
        description="Check scenario files against the schema_version 1 contract.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="scenario JSON file(s)")
    return p


def run(argv: list[str]) -> int:
    if argv and argv[0] == "validate":
        return _validate(_validate_parser().parse_args(argv[1:]))
    if argv and argv[0] == "brief":
        from monitor.briefing.cli import run_brief

        return run_brief(argv[1:])
    if argv and argv[0] == "import":
        from monitor.interchange.cli import run_import

        return run_import(argv[1:])
    if argv and argv[0] == "export":
        from monitor.interchange.cli import run_export

        return run_export(argv[1:])
    if argv and argv[0] == "store":
        from monitor.store.cli import run_store

        return run_store(argv[1:])
    args = _open_parser().parse_args(argv)
    return _open(args.path)


def _validate(args: argparse.Namespace) -> int:
    from monitor.model import ScenarioError, load_scenario

    worst = 0
    many = len(args.paths) > 1
    for path in args.paths:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            if exc.unreadable:
                print(f"monitor: {exc.describe(limit=None)}", file=sys.stderr)
                worst = 2
            else:
                print(exc.describe(limit=None))
                worst = max(worst, 1)
            continue
        print(f"{path}: OK" if many else "OK")
    return worst


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _open_store(dsn: str) -> int:
    """Open the dashboard on a team store (errors: one line, never the password)."""
    from monitor.model import ScenarioError
    from monitor.store.team import StoreError, TeamStore

    store = TeamStore(dsn)
    try:
        scenario = store.load()
    except (StoreError, ScenarioError) as exc:
        store.close()
        print(f"monitor: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    from monitor.app import create_application
    from monitor.ui.main_window import MainWindow

    app = create_application(sys.argv[:1])
    window = MainWindow(dsn, scenario=scenario, storage=store, defer_panels=True)
    window.show()
    return app.exec()


def _open(path: str | None) -> int:
    from monitor.model import ScenarioError
    from monitor.paths import default_scenario_path

    target = Path(path) if path else default_scenario_path()
    if not has_display():
        print(
            "monitor: no display found (DISPLAY/WAYLAND_DISPLAY unset). "
            "To run headless set QT_QPA_PLATFORM=offscreen.",
            file=sys.stderr,
        )
        return 2
    from monitor.syslibs import missing_libraries, missing_message

    missing = missing_libraries()
    if missing:  # Qt would abort (exit 134) naming another library
        print(missing_message(missing), file=sys.stderr)
        return 2
    from monitor.preload import import_pure_layers
    from monitor.store.dsn import is_dsn

    import_pure_layers()  # before Qt: imports after PySide6 are slower (see monitor.preload)
    if path and is_dsn(path):  # a team store: monitor postgresql://… or 'service=…'
        return _open_store(path)
    from monitor.app import loads_in_background, run_with_progress

    if loads_in_background(target):  # a big file: its progress in a window at once
        return run_with_progress(target)
    from monitor.model.storage import FileStorage

    storage = FileStorage(target)
    try:
        scenario = storage.load()
    except ScenarioError as exc:
        print(f"monitor: {exc.describe()}", file=sys.stderr)
        return 2 if exc.unreadable else 1

    from monitor.app import create_application
    from monitor.ui.main_window import MainWindow

    app = create_application(sys.argv[:1])
    window = MainWindow(target, scenario=scenario, storage=storage, defer_panels=True)
    window.show()
    return app.exec()
