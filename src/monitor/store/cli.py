"""``monitor store …``: create, export, inspect a team store and grant roles on it.

    monitor store init DSN --from FILE      load a scenario file into a new store
    monitor store export DSN -o FILE        write the store as a scenario file (full history)
    monitor store status DSN                schema version, size of the log, your access
    monitor store grant DSN ROLE --reader|--analyst|--admin
    monitor store snapshot DSN              save the derived state (admins; fast opening)
    monitor store migrate DSN               bring an older store's tables up to date
    monitor store local [FOLDER]            start a throw-away local server holding a store

Exit codes: 0 done, 1 the scenario file is invalid, 2 anything else (one line on stderr,
never a password, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

_EPILOG = (
    "DSN: a postgresql:// URL or libpq settings such as 'service=team' or "
    "'host=db.example.org dbname=watch sslmode=verify-full'. Keep passwords out of the "
    "command line: use PGPASSWORD, ~/.pgpass or a service file."
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="monitor store",
        description="Team store: a scenario's change log shared in PostgreSQL.",
        epilog=_EPILOG,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    init = sub.add_parser("init", help="load a scenario file into a new store", epilog=_EPILOG)
    init.add_argument("dsn", metavar="DSN")
    init.add_argument("--from", dest="source", required=True, metavar="FILE")
    export = sub.add_parser(
        "export", help="write the store as a scenario file with its full history"
    )
    export.add_argument("dsn", metavar="DSN")
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    status = sub.add_parser("status", help="show the store's version, log and your access")
    status.add_argument("dsn", metavar="DSN")
    grant = sub.add_parser("grant", help="make a role a reader, analyst or admin")
    grant.add_argument("dsn", metavar="DSN")
    grant.add_argument("role", metavar="ROLE")
    level = grant.add_mutually_exclusive_group(required=True)
    for name in ("reader", "analyst", "admin"):
        level.add_argument(f"--{name}", dest="level", action="store_const", const=name)
    snapshot = sub.add_parser(
        "snapshot", help="save the derived state (admins): stores with long logs open fast"
    )
    snapshot.add_argument("dsn", metavar="DSN")
    migrate = sub.add_parser("migrate", help="bring an older store's tables up to date")
    migrate.add_argument("dsn", metavar="DSN")
    local = sub.add_parser(
        "local", help="start a throw-away local server holding a store (for trying it)"
    )
    local.add_argument("folder", nargs="?", metavar="FOLDER", help="default: a new temp folder")
    local.add_argument("--from", dest="source", metavar="FILE", help="default: the bundled one")
    return p


def run_store(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from monitor.model.errors import ScenarioError

    try:
        return _run(args)
    except ScenarioError as exc:
        print(f"monitor store: {_scenario_line(exc)}", file=sys.stderr)
        return 2 if exc.unreadable else 1
    except KeyboardInterrupt:
        print("monitor store: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # every failure is one line; the DSN's password never shows
        print(f"monitor store: {_one_line(exc, getattr(args, 'dsn', ''))}", file=sys.stderr)
        return 2


def _scenario_line(exc) -> str:
    """A scenario file's first problem on one line (``monitor validate`` lists them all)."""
    from monitor.model.errors import visible

    what = "cannot be read" if exc.unreadable else "invalid scenario"
    first = f": {exc.problems[0]}" if exc.problems else ""
    more = len(exc.problems) - 1
    rest = f" (and {more} more: run 'monitor validate {exc.path}')" if more > 0 else ""
    return f"{visible(exc.path)}: {what}{first}{rest}"


def _one_line(exc: BaseException, dsn: str) -> str:
    from monitor.store.dsn import password_of, scrub

    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror}"
    else:
        text = str(exc) or type(exc).__name__
    line = " ".join(text.split())
    return scrub(line, password_of(dsn) if dsn else None)


def _run(args: argparse.Namespace) -> int:
    from monitor.store import admin
    from monitor.store.dsn import display_dsn

    if args.command == "init":
        store_id = admin.init_from_file(args.dsn, args.source)
        print(f"created team store {store_id} in {display_dsn(args.dsn)} from {args.source}")
        return 0
    if args.command == "export":
        n = admin.export_store(args.dsn, args.output)
        print(f"wrote {args.output} ({n} change{'s' if n != 1 else ''} of the log applied)")
        return 0
    if args.command == "status":
        print("\n".join(admin.store_status(args.dsn).lines()))
        return 0
    if args.command == "grant":
        print(admin.grant(args.dsn, args.role, args.level))
        return 0
    if args.command == "snapshot":
        seq, applied = admin.snapshot_store(args.dsn)
        print(
            f"snapshot at seq {seq} ({applied} changes since the last one)"
            if applied
            else f"the snapshot at seq {seq} is up to date"
        )
        return 0
    if args.command == "migrate":
        before, after = admin.migrate_store(args.dsn)
        print(f"schema version {before} -> {after}" if before != after else "up to date")
        return 0
    if args.command == "local":
        return _local(args)
    raise AssertionError(args.command)


def _local(args: argparse.Namespace) -> int:
    import psycopg

    from monitor.paths import default_scenario_path
    from monitor.store import admin
    from monitor.store.cluster import start_cluster

    source = Path(args.source) if args.source else default_scenario_path()
    cluster = start_cluster(args.folder)
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'monitor'").fetchone():
            conn.execute("CREATE DATABASE monitor")
    dsn = cluster.dsn("monitor")
    from monitor.store import schema

    with psycopg.connect(dsn) as conn:
        exists = schema.installed_version(conn)
    if not exists:
        admin.init_from_file(dsn, source)
    print(f"team store running in {cluster.folder} ({'reused' if exists else source.name})")
    print(f"  open it:  monitor '{dsn}'")
    import os
    import shlex

    stop = shlex.join([str(cluster.bindir / "pg_ctl"), "-D", str(cluster.datadir), "stop"])
    if os.geteuid() == 0:  # (the server runs as the postgres user)
        stop = shlex.join(["su", "postgres", "-s", "/bin/sh", "-c", stop])
    print(f"  stop it:  {stop}")
    return 0
