"""``monitor import`` and ``monitor export``: the command-line side of the interchange.

Exit codes: 0 done (or dry run shown), 1 refused (a file that is not event data, an invalid
scenario, nothing applicable), 2 unreadable file, bad usage, file locked or not writable.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from datetime import timedelta
from typing import Any

from monitor.interchange.formats import FORMATS, FeedError, parse_mapping
from monitor.interchange.review import review_lines

_IMPORT_EPILOG = """\
Formats are recognised from the header: ACLED CSV (current, legacy and upper-case
columns, junk lines before the header, a BOM), ACLED API JSON ({"data": [...]}), UCDP GED
CSV (with or without a header row), GeoJSON FeatureCollection of points, and any CSV with
--format csv --map time=COL,title=COL[,id=COL,lat=COL,lon=COL,category=COL,summary=COL,
actors=COL,location=COL,source=COL,timestamp=COL].

  monitor import acled.csv --into scenario.json --dry-run
  monitor import acled.csv --into scenario.json --deletions acled-deletions.csv
"""


def printable(text: str, limit: int = 300) -> str:
    """Text safe to print on a terminal: control, bidi and other format characters as
    \\uXXXX escapes (a feed's markup or escape sequences cannot act on the terminal)."""
    out = []
    for ch in text[:limit]:
        cat = unicodedata.category(ch)
        out.append(f"\\u{ord(ch):04x}" if cat in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch)
    return "".join(out) + ("…" if len(text) > limit else "")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: exit 2 with the reason
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def _import_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="monitor import", description="Import a feed file into a scenario "
                "(a reviewed merge: the analyst's work is never overwritten).",
                epilog=_IMPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE", help="the feed file (CSV, JSON or GeoJSON)")
    p.add_argument("--into", required=True, metavar="SCENARIO.json", help="scenario to merge into")
    p.add_argument("--dry-run", action="store_true", help="show the review, change nothing")
    p.add_argument("--format", choices=FORMATS, help="expected format (default: recognised)")
    p.add_argument("--map", metavar="FIELD=COL,...", help="column mapping of a generic CSV")
    p.add_argument("--deletions", metavar="FILE", help="ACLED deletions list "
                   "(event_id_cnty, deleted_timestamp): those events are marked withdrawn")
    p.add_argument("--author", default="", help="name recorded on the changes")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="rows listed per section of the review (default 20; 0: all)")
    return p


def _err(message: str) -> None:
    print(f"monitor: {printable(message, 2000)}", file=sys.stderr)


def run_import(argv: list[str]) -> int:
    args = _import_parser().parse_args(argv)
    from monitor.interchange.merge import apply_review, plan_import
    from monitor.interchange.parse import parse_feed
    from monitor.model.errors import ScenarioError
    from monitor.model.storage import ConflictError, FileStorage

    try:
        mapping = parse_mapping(args.map) if args.map else None
        if mapping is not None and args.format not in (None, "csv"):
            raise FeedError(f"--map is for --format csv, not {args.format}")
        parsed = parse_feed(args.file, format=args.format, mapping=mapping)
        deletions = parse_feed(args.deletions, format="acled") if args.deletions else None
        if deletions is not None and deletions.feed != "acled-deletions":
            raise FeedError(f"{args.deletions}: not a deletions list (expected the columns "
                            "event_id_cnty, deleted_timestamp)")
    except FeedError as exc:
        _err(str(exc))
        return 2 if "no such file" in str(exc) or "cannot be read" in str(exc) \
            or "permission denied" in str(exc) or "is a folder" in str(exc) else 1
    storage = FileStorage(args.into)
    if not args.dry_run:
        holder = storage.acquire_lock()
        if holder is not None:
            _err(f"{args.into} is open for writing by {holder.describe()}; close it there first "
                 "(or import with File → Import… in that session)")
            return 2
    try:
        try:
            scenario = storage.load()
        except ScenarioError as exc:
            _err(exc.describe())
            return 2 if exc.unreadable else 1
        if not args.dry_run and storage.read_only:
            _err(f"{args.into}: {storage.read_only}; nothing imported")
            return 2
        review = plan_import(scenario, parsed, deletions=deletions, author=args.author)
        for line in review_lines(review, limit=args.limit or None, dry_run=args.dry_run):
            print(printable(line, 1000))
        if args.dry_run:
            return 0
        try:
            apply_review(scenario, review)
        except Exception as exc:
            _err(f"{args.into}: the import was refused, nothing changed: {exc}")
            return 1
        try:
            storage.save(scenario)
        except ConflictError as exc:
            _err(f"{exc}; nothing imported (run the import again)")
            return 2
        except OSError as exc:
            _err(f"{args.into}: cannot be written ({exc.strerror or exc}); nothing imported")
            return 2
        print(f"Imported into {args.into}.")
        return 0
    finally:
        storage.close()


# -- export ----------------------------------------------------------------------------------
def _export_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="monitor export", description="Export the filtered as-of view of a "
                "scenario: events, and crossings with their status as of the time.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario JSON file")
    p.add_argument("--format", required=True, choices=("geojson", "csv"))
    p.add_argument("--as-of", metavar="T", help="YYYY-MM-DD (as of the end of that day) or a "
                   "date-time with offset; default: now")
    p.add_argument("--search", default="", metavar="TEXT", help="feed search text (all words)")
    p.add_argument("--category", action="append", metavar="C", help="only this category "
                   "(repeat for several)")
    p.add_argument("--verification", action="append", metavar="V",
                   choices=("reported", "confirmed", "disputed", "denied"))
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    return p


def run_export(argv: list[str]) -> int:
    args = _export_parser().parse_args(argv)
    from monitor.interchange.export import View, export_view
    from monitor.model import Moment, ScenarioError, load_scenario
    from monitor.model.timeutil import parse_moment

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        _err(exc.describe())
        return 2 if exc.unreadable else 1
    tz = scenario.tz
    if args.as_of in (None, "now", "live"):
        as_of = Moment.now(tz).instant
    else:
        try:
            m = parse_moment(args.as_of, tz)
        except ValueError as exc:
            _err(f"--as-of: {exc}")
            return 2
        as_of = m.end - timedelta(microseconds=1) if m.day else m.instant
    view = View(as_of, args.search, tuple(args.category) if args.category else None,
                tuple(args.verification) if args.verification else None)
    try:
        n = export_view(scenario, view, args.output, args.format)
    except OSError as exc:
        _err(f"{args.output}: cannot be written ({exc.strerror or exc})")
        return 2
    print(f"{args.output}: {n} event(s) and {len(scenario.crossings)} crossing(s) as of "
          f"{as_of.isoformat(timespec='seconds')}")
    return 0
