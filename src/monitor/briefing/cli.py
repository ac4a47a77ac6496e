"""``monitor brief``: write a PDF briefing without opening the dashboard.

Exit codes (as for ``monitor validate``): 0 written; 1 invalid scenario (the
problems are listed); 2 unreadable file, bad option or date, or the PDF
cannot be written. The output is written atomically: a failed run never
leaves a half-written file and never touches an existing one.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path

from monitor.briefing.options import DEFAULT_MARKING, PANELS, BriefingOptions, normalise_page_size
from monitor.model.schema import TRENDS

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")

_EPILOG = """\
DATETIME is YYYY-MM-DD (a whole day: as of its end, since its start) or an ISO
date-time such as 2024-12-01T08:00, 2024-12-01T08:00+03:00 or 2024-12-01T05:00Z;
without an offset it is read in the scenario's time zone.

examples:
  monitor brief data/iraq-syria-border-2024.json -o brief.pdf --as-of 2024-12-08
  monitor brief scenario.json -o update.pdf --as-of 2024-12-09 --since 2024-12-05 --no-annex
  monitor brief scenario.json -o crossings.pdf --panels crossings --page-size Letter
"""


def parse_when(text: str) -> date | datetime:
    """``YYYY-MM-DD`` → a date; ISO date-time → a datetime (naive if it has no offset)."""
    t = text.strip()
    try:
        if _DATE_ONLY.fullmatch(t):
            return date.fromisoformat(t)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", t):
            raise ValueError
        return datetime.fromisoformat(t)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r}: expected YYYY-MM-DD or an ISO date-time"
            " like 2024-12-01T08:00+03:00"
        ) from None


def _panels(text: str) -> tuple[str, ...]:
    names = [p.strip().lower() for p in text.split(",") if p.strip()]
    unknown = [p for p in names if p not in PANELS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"invalid panel list {text!r}: choose from {', '.join(PANELS)} (comma-separated)"
        )
    return tuple(names)


def _trend(text: str) -> tuple[str, str]:
    crossing, _, trend = text.partition("=")
    if not crossing.strip() or trend.strip() not in TRENDS:
        raise argparse.ArgumentTypeError(
            f"invalid trend {text!r}: expected CROSSING=TREND, TREND one of {', '.join(TRENDS)}"
        )
    return crossing.strip(), trend.strip()


def _page_size(text: str) -> str:
    try:
        return normalise_page_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="monitor brief",
        description="Write a PDF situation briefing (or single panels) from a scenario file."
        " Runs headless.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="PATH", help="scenario JSON file")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.pdf",
        help="PDF file to write (replaced atomically)",
    )
    p.add_argument(
        "--as-of",
        type=parse_when,
        metavar="DATETIME",
        help="situation as of this time (default: now)",
    )
    p.add_argument(
        "--since",
        type=parse_when,
        metavar="DATETIME",
        help="start of the period for changes and events, and the time the 'Since the last"
        " briefing' section compares with (default: the last briefing recorded in the"
        " scenario, else the first territory date)",
    )
    p.add_argument(
        "--next-update",
        type=parse_when,
        metavar="DATETIME",
        help='print a "Next update" line under the information cut-off',
    )
    p.add_argument(
        "--no-annex",
        action="store_true",
        help="leave out the annex listing every event of the period (highlights stay)",
    )
    p.add_argument(
        "--overall",
        choices=TRENDS,
        help="the overall trend since the last briefing (default: the app's suggestion)",
    )
    p.add_argument(
        "--trend",
        action="append",
        type=_trend,
        default=[],
        metavar="CROSSING=TREND",
        help="a crossing's trend since the last briefing, e.g. qaim=improved (repeatable;"
        " default: the app's suggestion)",
    )
    p.add_argument(
        "--record",
        action="store_true",
        help="record this briefing in the scenario file (as an export from the window does),"
        " so that the next one shows what changed since",
    )
    p.add_argument(
        "--panels",
        type=_panels,
        default=PANELS,
        metavar="LIST",
        help=f"sections to include: {','.join(PANELS)} (default: all; map = the situation map)",
    )
    p.add_argument(
        "--filter",
        default="",
        metavar="TEXT",
        help="only events whose text contains every word of TEXT",
    )
    p.add_argument(
        "--marking",
        default=DEFAULT_MARKING,
        metavar="TEXT",
        help=f"handling marking on every page (default: {DEFAULT_MARKING})",
    )
    p.add_argument(
        "--page-size",
        type=_page_size,
        default="A4",
        metavar="A4|Letter",
        help="paper size (default: A4)",
    )
    p.add_argument(
        "--analyst",
        default="",
        metavar="NAME",
        help="analyst name for the title block and PDF author",
    )
    p.add_argument(
        "--dtg",
        action="store_true",
        help="write times as military date-time groups (301430Z NOV 24)",
    )
    return p


def _to_aware(value: date | datetime | None, tz):
    from monitor.model.entities import Moment

    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return Moment.of_day(value, tz)


def _err(message: str) -> None:
    print(f"monitor brief: {message}", file=sys.stderr)


def run_brief(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2

    out = Path(args.output)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        _err(f"cannot write {out}: it is a directory")
        return 2
    if not folder.is_dir():
        _err(f"cannot write {out}: folder {folder} does not exist")
        return 2
    try:
        if out.exists() and out.resolve() == Path(args.path).resolve():
            _err(f"refusing to overwrite the scenario file {args.path} with the PDF")
            return 2
    except OSError:
        pass

    storage = None
    if args.record:  # the file is written: hold its lock as the window does
        from monitor.model.storage import FileStorage

        storage = FileStorage(args.path)
        holder = storage.acquire_lock()
        if holder is not None:
            _err(f"{args.path} is open for writing by {holder.describe()}; close it there first")
            return 2
    try:
        return _brief(args, parser, out, storage)
    finally:
        if storage is not None:
            storage.close()


def _brief(args, parser, out: Path, storage) -> int:
    from monitor.model import ScenarioError, load_scenario

    try:
        scenario = storage.load() if storage is not None else load_scenario(args.path)
    except ScenarioError as exc:
        _err(exc.describe(limit=None))
        return 2 if exc.unreadable else 1
    if storage is not None and storage.read_only:
        _err(f"{args.path}: {storage.read_only}; nothing written")
        return 2

    tz = scenario.tz
    try:
        options = BriefingOptions(
            marking=args.marking,
            page_size=args.page_size,
            analyst=args.analyst,
            as_of=_to_aware(args.as_of, tz),
            since=_to_aware(args.since, tz),
            next_update=_to_aware(args.next_update, tz),
            annex=not args.no_annex,
            overall=args.overall,
            trends=dict(args.trend),
            filter_text=args.filter,
            panels=args.panels,
            military_time=args.dtg,
        )
        from monitor.briefing.documents import resolve_period

        resolve_period(scenario, options)  # reject an impossible period before starting Qt
        unknown = [c for c in options.trends if scenario.crossing(c) is None]
        if unknown:
            known = ", ".join(c.id for c in scenario.crossings)
            raise ValueError(f"unknown crossing {unknown[0]!r} in --trend (crossings: {known})")
    except ValueError as exc:
        parser.print_usage(sys.stderr)
        _err(f"error: {exc}")
        return 2

    # Headless: making a PDF never needs a window, and without a display Qt would abort.
    # The offscreen platform works everywhere; an explicit QT_QPA_PLATFORM is respected.
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from monitor.briefing.documents import briefing_document
    from monitor.briefing.pdf import write_pdf

    doc = briefing_document(scenario, options)
    try:
        result = write_pdf(doc, out)
    except OSError as exc:
        _err(f"cannot write {out}: {exc.strerror or exc}")
        return 2
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    print(f"Wrote {os.path.abspath(result.path)} ({pages})")
    if storage is not None:
        return _record(args.path, storage, scenario, doc, options)
    return 0


def _record(path: str, storage, scenario, doc, options: BriefingOptions) -> int:
    """Record the briefing in the scenario file, through the change log (its contract)."""
    from monitor.briefing.documents import record_of
    from monitor.model.briefings import BRIEFINGS, with_record
    from monitor.model.changelog import ChangeLog
    from monitor.model.changes import ChangeError, scenario_field_change
    from monitor.model.storage import ConflictError

    record = record_of(doc, scenario, options)
    change = scenario_field_change(
        scenario, BRIEFINGS, with_record(scenario, record), "Record exported briefing"
    )
    try:
        ChangeLog(scenario).apply(change.stamped(options.analyst))
        storage.save(scenario)
    except ChangeError as exc:
        _err(f"{path}: the briefing was not recorded: {exc}")
        return 1
    except ConflictError as exc:
        _err(f"{exc}; the briefing was not recorded (the PDF was written)")
        return 2
    except OSError as exc:
        _err(f"{path}: cannot be written ({exc.strerror or exc}); the briefing was not recorded")
        return 2
    print(f"Recorded the briefing in {path}")
    return 0
