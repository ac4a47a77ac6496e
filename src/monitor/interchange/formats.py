"""Feed layouts: the column sets of ACLED, UCDP GED and generic files, and detection.

:func:`detect_csv` looks at the first records of a CSV file and says which layout it is
(:class:`Layout`), where its header is (junk lines before it are skipped), or refuses a
file that is not event data with what it looks like and which columns were expected
(:class:`FeedError`). Pure Python, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ACLED, UCDP, GEOJSON, CSV, DELETIONS, MONITOR = (
    "acled", "ucdp", "geojson", "csv", "acled-deletions", "monitor-geojson"
)
FORMATS = (ACLED, UCDP, GEOJSON, CSV)

#: ACLED's current export columns (a file may hold any superset or subset of the optional).
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
ACLED_LEGACY = ("data_id", "event_id_no_cnty", "iso3")
ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")

#: UCDP GED (versions 20.1 to 24.1) in file order: also used for files without a header row.
UCDP_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)
UCDP_REQUIRED = ("id", "date_start", "latitude", "longitude", "side_a", "side_b")

DELETIONS_COLUMNS = ("event_id_cnty", "deleted_timestamp")

#: Fields of the generic CSV mapping (``--map time=col,title=col,...``).
MAP_FIELDS = ("id", "time", "title", "summary", "category", "actors", "location", "lat", "lon",
              "source", "timestamp")
MAP_REQUIRED = ("time", "title")

_HEADER_SCAN = 30  # records looked at for the header (junk lines, titles, blank lines before it)
GDELT_WIDTHS = (57, 58, 61)  # GDELT 1.0 / 2.0 event files: tab-separated, no header


class FeedError(ValueError):
    """A file that cannot be imported as a whole (says where and why)."""


class UnknownLayout(FeedError):
    """A CSV file whose header is no known feed's: a column mapping can import it."""


class Cancelled(Exception):
    """The import was cancelled (the progress callback raised it)."""


@dataclass(frozen=True)
class Layout:
    """What a file is: ``format``, its column names (normalised: lower case, ``_`` for
    spaces), the 0-based record index of its header (-1: no header row) and, for the
    generic CSV, the mapping field -> column."""

    format: str
    columns: tuple[str, ...]
    header_index: int
    variant: str = ""
    mapping: dict[str, str] = field(default_factory=dict)


def norm(name: str) -> str:
    """A column name as compared: BOM and blanks stripped, lower case, blanks as ``_``."""
    return re.sub(r"\s+", "_", name.replace("\ufeff", "").strip()).casefold()


def parse_mapping(text: str) -> dict[str, str]:
    """``time=event_date,title=headline`` -> {"time": "event_date", ...} (FeedError if bad)."""
    out: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        name, eq, column = part.partition("=")
        name, column = name.strip().casefold(), column.strip()
        if not eq or not column:
            raise FeedError(f"--map: expected FIELD=COLUMN, got {part.strip()!r}")
        if name not in MAP_FIELDS:
            raise FeedError(f"--map: unknown field {name!r} (fields: {', '.join(MAP_FIELDS)})")
        out[name] = column
    missing = [f for f in MAP_REQUIRED if f not in out]
    if missing:
        raise FeedError(f"--map: {' and '.join(missing)} must be mapped "
                        "(e.g. time=date,title=headline)")
    if ("lat" in out) != ("lon" in out):
        raise FeedError("--map: map both lat and lon, or neither")
    return out


def _score(cols: set[str]) -> tuple[str, int] | None:
    acled = len(cols & set(ACLED_COLUMNS + ACLED_LEGACY))
    ucdp = len(cols & set(UCDP_COLUMNS))
    if set(DELETIONS_COLUMNS) <= cols and len(cols) <= 4:
        return DELETIONS, 10
    best = max((acled, ACLED), (ucdp, UCDP))
    return (best[1], best[0]) if best[0] >= 3 else None


def _aggregate(cols: set[str]) -> str | None:
    """What a non-event file looks like, from its columns (None: not recognised)."""
    if {"event_id_cnty", "event_date"} <= cols or {"id", "date_start"} <= cols:
        return None
    counts = cols & {"events", "fatalities", "event_count", "count", "deaths"}
    if any("zscore" in c or "z_score" in c for c in cols):
        return "statistics (z-scores per country and period), not one row per event"
    if counts and "week" in cols:
        return "weekly aggregates (counts per week and area), not one row per event"
    if counts and ("month" in cols or "year" in cols):
        return "country-month statistics (counts per country and period), not one row per event"
    return None


def _expected() -> str:
    return (f"expected ACLED events ({', '.join(ACLED_REQUIRED)}, ...), UCDP GED events "
            f"({', '.join(UCDP_REQUIRED)}, ...), or --format csv --map time=COL,title=COL,...")


def _shown(cols: list[str], limit: int = 12) -> str:
    shown = [c[:40] for c in cols[:limit]]
    more = f", ... ({len(cols)} columns)" if len(cols) > limit else ""
    return ", ".join(shown) + more


def detect_csv(records: list[tuple[int, list[str]]], name: str, *, wanted: str | None = None,
               mapping: dict[str, str] | None = None) -> Layout:
    """The layout of a CSV file from its first records ``(line, fields)``.

    ``wanted``: the format asked for (``--format``), checked against the header;
    ``mapping``: the generic CSV's field -> column mapping."""
    if mapping is not None or wanted == CSV:
        if not mapping:
            raise FeedError(f"{name}: --format csv needs --map time=COLUMN,title=COLUMN,...")
        want = {norm(c) for c in mapping.values()}
        for index, (_line, fields) in enumerate(records[:_HEADER_SCAN]):
            cols = [norm(f) for f in fields]
            if want <= set(cols):
                return Layout(CSV, tuple(cols), index, "mapped",
                              {k: norm(v) for k, v in mapping.items()})
        first = next((f for _l, f in records if any(x.strip() for x in f)), [])
        missing = sorted(want - {norm(f) for f in first})
        raise FeedError(f"{name}: no header row holds the mapped columns ({', '.join(missing)} "
                        f"missing; the first row has: {_shown(first)})")
    for index, (line, fields) in enumerate(records[:_HEADER_SCAN]):
        cols = [norm(f) for f in fields]
        colset = set(cols)
        what = _aggregate(colset)
        if what is not None:
            raise FeedError(f"{name}: line {line}: this looks like {what} "
                            f"(columns: {_shown(fields)}); {_expected()}")
        got = _score(colset)
        if got is None:
            continue
        fmt = got[0]
        if fmt == ACLED:
            missing = [c for c in ACLED_REQUIRED if c not in colset]
            variant = "legacy" if colset & set(ACLED_LEGACY) else "current"
            if any(f.strip() and f.strip() == f.strip().upper() and f.strip() != f.strip().lower()
                   for f in fields):
                variant += ", upper-case"
        elif fmt == UCDP:
            missing = [c for c in UCDP_REQUIRED if c not in colset]
            variant = "GED"
        else:
            missing, variant = [], "deletions list"
        if missing:
            raise FeedError(f"{name}: line {line}: looks like a {fmt.upper()} file but lacks the "
                            f"column(s) {', '.join(missing)} (columns: {_shown(fields)})")
        if wanted is not None and wanted != fmt and not (wanted == ACLED and fmt == DELETIONS):
            raise FeedError(f"{name}: --format {wanted} given, but the header (line {line}) is "
                            f"{fmt.upper()}'s (columns: {_shown(fields)})")
        if len(set(cols)) != len(cols):
            dup = next(c for c in cols if cols.count(c) > 1)
            raise FeedError(f"{name}: line {line}: the column {dup!r} appears twice in the header")
        return Layout(fmt, tuple(cols), index, variant)
    # No header: a headerless UCDP GED export, a GDELT file, or unknown.
    first = next(((line, f) for line, f in records if any(x.strip() for x in f)), None)
    if first is None:
        raise FeedError(f"{name}: the file holds no rows")
    line, fields = first
    if len(fields) == len(UCDP_COLUMNS) and fields[0].strip().isdigit() and re.match(
        r"\d{4}-\d{2}-\d{2}", fields[UCDP_COLUMNS.index("date_start")].strip()
    ) and wanted in (None, UCDP):
        return Layout(UCDP, UCDP_COLUMNS, -1, "GED, no header row")
    if wanted == UCDP:
        raise FeedError(f"{name}: line {line}: --format ucdp given, but there is no UCDP GED "
                        f"header and the rows do not have GED's {len(UCDP_COLUMNS)} columns "
                        f"(this one has {len(fields)})")
    raise UnknownLayout(f"{name}: line {line}: unknown layout (first row: {_shown(fields)}); "
                        f"{_expected()}")


def detect_tabbed(first_line: str, name: str) -> FeedError:
    """The refusal of a tab-separated file (GDELT event files have no header)."""
    n = first_line.count("\t") + 1
    if n in GDELT_WIDTHS or (n > 50 and re.match(r"\d+\t\d{8}\t", first_line)):
        return FeedError(f"{name}: line 1: this looks like a GDELT event file (tab-separated, "
                         f"{n} columns, no header row), which is not supported; {_expected()}")
    return FeedError(f"{name}: line 1: a tab-separated file ({n} columns) is not a supported "
                     f"layout; {_expected()}")
