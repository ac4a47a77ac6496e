"""Broken scenario files: a catalogue of mutations of tests/data/small.json, and checks.

Every broken file must give :class:`monitor.model.ScenarioError` whose text names the file,
a place (JSON path, or line and column, or "(file)" for a file that cannot be read) and a
reason -- and nothing else may escape (no KeyError, RecursionError, OverflowError...).

``python tests/reliability/bad_files.py`` rewrites the small corpus in tests/data/bad/
(files + MANIFEST.json of expected substrings) from :func:`corpus`.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from monitor.model import ScenarioError, load_scenario

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "small.json"
BAD = DATA / "bad"
MAX_SECONDS = 2.0  # per ordinary case (the 1 GB files have their own budget)

Path_ = tuple[Any, ...]  # ("events", 0, "title")


def small_doc() -> dict[str, Any]:
    return json.loads(SMALL.read_text(encoding="utf-8"))


def dotted(path: Path_) -> str:
    """("events", 0, "title") -> "events[0].title" (the loader's notation)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, value) below the root, parents before children."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*path, k), v
            yield from walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*path, i), v
            yield from walk(v, (*path, i))


def get(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def put(doc: Any, path: Path_, value: Any) -> None:
    get(doc, path[:-1])[path[-1]] = value


def delete(doc: Any, path: Path_) -> None:
    del get(doc, path[:-1])[path[-1]]


# ------------------------------------------------------------------ knowledge of the contract
# Known fields that may be absent (or null).
OPTIONAL_KEYS = {
    "description",
    "published",
    "reliability",
    "summary",
    "location",
    "credibility",
    "name_local",
    "controlled_by",
    "recorded_at",
    "note",
    "by",
}
TIME_KEYS = {"time", "published", "recorded_at", "date"}
REF_PATHS = ("source_ids", "controlled_by", "faction")


def optional(path: Path_) -> bool:
    key = path[-1]
    if key == "name" and len(path) >= 3 and path[-2] == "location" and path[0] == "crossings":
        return True  # a crossing's location may be unnamed
    if key == "location":
        return path[0] == "events"  # a crossing's location is required
    return key in OPTIONAL_KEYS


def category(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


WRONG_VALUES: list[Any] = [None, True, 0, 1.5, "", "text", [], {}, ["x"], {"k": 1}]


def wrong_values(original: Any) -> list[Any]:
    """Values of another JSON type than ``original``."""
    return [v for v in WRONG_VALUES if category(v) != category(original)]


# Strings that look like times but are not acceptable ones.
BAD_TIMES = [
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-11-31",
    "2024-11-30T24:00:00+03:00",
    "2024-11-30T23:60:00+03:00",
    "2024-11-30T23:59:60+03:00",
    "2024-11-30T12:00:00+24:00",
    "2024-11-30T12:00:00+03:60",
    "2024-11-30T14:05:00",  # no offset
    "2024-11-30T14:05:00.1234567+03:00",
    "0000-01-01",
    "9999-12-31",
    "1677-12-31",
    "2262-01-01T00:00:00Z",
    "\u0662\u0660\u0662\u0664-11-30",  # Arabic-Indic digits
    "+2024-11-30",
    "2024-11-30T14:05:00+03:00 ",
    "",
]

# Out-of-range values per numeric field name.
OUT_OF_RANGE = {
    "lat": [90.000001, -90.5, 1e308, -1e308],
    "lon": [180.5, -181, 1e300],
    "share_pct": [-0.001, 100.0001, 1e300],
    "credibility": [0, 7, 2.5, -1, 10**30],
    "schema_version": [2, 0, 1.5, -1, 10**40],
}


# -------------------------------------------------------------------- serialising with tricks
def dumps_with_duplicate_key(doc: Any, target: Path_) -> str:
    """JSON text of ``doc`` where the object at ``target`` repeats its first key
    (first with a decoy value, then the real one: a last-wins parser would hide it)."""

    def enc(value: Any, path: Path_) -> str:
        if isinstance(value, dict):
            items = [f"{json.dumps(k)}: {enc(v, (*path, k))}" for k, v in value.items()]
            if path == target and value:
                first = next(iter(value))
                items.insert(0, f'{json.dumps(first)}: "decoy"')
            elif path == target:
                items = ['"dup": 1', '"dup": 2']
            return "{" + ", ".join(items) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(enc(v, (*path, i)) for i, v in enumerate(value)) + "]"
        return json.dumps(value, ensure_ascii=False)

    return enc(doc, ())


def dumps_with_raw(doc: Any, target: Path_, raw: str) -> str:
    """JSON text of ``doc`` with the value at ``target`` replaced by ``raw`` text (NaN...)."""
    marker = "\u0000MARK\u0000"
    copy_ = copy.deepcopy(doc)
    put(copy_, target, marker)
    return json.dumps(copy_, ensure_ascii=False).replace(json.dumps(marker), raw)


# ---------------------------------------------------------------------------- checking
class Outcome:
    """What loading one broken file did."""

    def __init__(self, path: Path, error: ScenarioError | None, seconds: float):
        self.path, self.error, self.seconds = path, error, seconds


def load_outcome(path: Path) -> Outcome:
    """Load ``path``; a ScenarioError is an outcome, any other exception propagates."""
    start = time.perf_counter()
    try:
        load_scenario(path)
    except ScenarioError as exc:
        return Outcome(path, exc, time.perf_counter() - start)
    return Outcome(path, None, time.perf_counter() - start)


def assert_explained(err: ScenarioError, path: Path) -> None:
    """The message names the file, and every problem has a place and a reason."""
    text = str(err)
    assert err.path == str(path)
    assert text.startswith(f"{path}: "), text[:200]
    assert err.problems, text
    lines = text.splitlines()
    for problem, line in zip(err.problems, lines[1:], strict=False):
        assert problem.reason.strip(), problem
        has_place = bool(problem.where) or problem.line is not None or err.unreadable
        assert has_place, f"no place in {problem!r}"
        assert line.startswith(f"  {path}: "), line  # one line per problem, nothing injected
    shown = min(len(err.problems), 50)
    assert len(lines) == 1 + shown + (1 if len(err.problems) > 50 else 0), text


def problem_at(err: ScenarioError, path: Path_) -> bool:
    """Some problem is reported at ``path`` or at one of its parents (a wrong item of a
    string list is reported at the list, a missing field at its object)."""
    where = dotted(path)
    for p in err.problems:
        w = p.where
        if w in ("", "(top level)") and len(path) <= 1:
            return True
        if w and (where == w or where.startswith(w + ".") or where.startswith(w + "[")):
            return True
    return False


def check_rejected(
    path: Path, at: Path_ | None = None, *, contains: tuple[str, ...] = ()
) -> Outcome:
    out = load_outcome(path)
    assert out.error is not None, f"{path.name}: accepted, expected a ScenarioError" + (
        f" at {dotted(at)}" if at else ""
    )
    assert_explained(out.error, path)
    assert out.seconds < MAX_SECONDS, f"{path.name}: {out.seconds:.2f} s"
    if at is not None:
        assert problem_at(out.error, at), f"nothing reported at {dotted(at)}:\n{out.error}"
    for needle in contains:
        assert needle in str(out.error), f"{needle!r} not in:\n{out.error}"
    return out


# ---------------------------------------------------------------------------- the corpus
CorpusCase = tuple[bytes, list[str]]


def _doc_bytes(change: Callable[[dict[str, Any]], Any]) -> bytes:
    doc = small_doc()
    change(doc)
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def corpus() -> dict[str, CorpusCase]:
    """The nastiest cases, small enough to keep as files: name -> (bytes, expected substrings)."""
    text = SMALL.read_text(encoding="utf-8")
    cut = text.index("Rebels attack") + 6
    deep = '{"schema_version": 1, "x-deep": ' + "[" * 10_000 + "]" * 10_000 + "}"

    cases: dict[str, CorpusCase] = {
        "truncated.json": (
            text[:cut].encode("utf-8"),
            ["broken JSON: Unterminated string", "(line 18, column 80)"],
        ),
        "wrong-type.json": (
            _doc_bytes(lambda d: put(d, ("events", 1, "location", "lat"), "34.39")),
            ["events[1].location.lat: expected a number, got a string ('34.39')"],
        ),
        "missing-field.json": (
            _doc_bytes(lambda d: delete(d, ("events", 0, "title"))),
            ['events[0]: missing required field "title"'],
        ),
        "duplicate-id.json": (
            _doc_bytes(lambda d: put(d, ("events", 2, "id"), "e1")),
            ['events[2].id: duplicate event id "e1" (first used at events[0])'],
        ),
        "duplicate-key.json": (
            dumps_with_duplicate_key(small_doc(), ("crossings", 0, "history", 0)).encode("utf-8"),
            ['crossings[0].history[0]: duplicate key "time"'],
        ),
        "dangling-refs.json": (
            _doc_bytes(
                lambda d: (
                    put(d, ("events", 0, "source_ids", 0), "s9"),
                    put(d, ("crossings", 1, "controlled_by"), "ghost"),
                    put(d, ("territory", 0, "faction"), "nobody"),
                )
            ),
            [
                'events[0].source_ids[0]: unknown source id "s9"',
                'crossings[1].controlled_by: unknown faction id "ghost"',
                'territory[0].faction: unknown faction id "nobody"',
            ],
        ),
        "nan.json": (
            dumps_with_raw(small_doc(), ("territory", 1, "share_pct"), "NaN").encode("utf-8"),
            ["NaN is not valid JSON"],
        ),
        "infinity.json": (
            dumps_with_raw(small_doc(), ("events", 0, "location", "lat"), "-Infinity")
            .replace('"credibility": 2', '"credibility": 1e400')
            .encode("utf-8"),
            ["-Infinity is not valid JSON", "the number 1e400 is too large"],
        ),
        "out-of-range.json": (
            _doc_bytes(
                lambda d: (
                    put(d, ("events", 0, "location", "lat"), 90.5),
                    put(d, ("crossings", 0, "location", "lon"), -180.01),
                    put(d, ("events", 1, "credibility"), 7),
                    put(d, ("territory", 0, "share_pct"), 100.5),
                )
            ),
            [
                "events[0].location.lat: 90.5 is out of range -90..90",
                "crossings[0].location.lon: -180.01 is out of range -180..180",
                "events[1].credibility: 7 is out of range 1..6",
                "territory[0].share_pct: 100.5 is out of range 0..100",
            ],
        ),
        "shares-over-100.json": (
            _doc_bytes(lambda d: put(d, ("territory", 3, "share_pct"), 56)),
            ["territory: shares on 2024-12-05 add up to 101%, more than 100%"],
        ),
        "impossible-dates.json": (
            _doc_bytes(
                lambda d: (
                    put(d, ("events", 0, "time"), "2024-02-30"),
                    put(d, ("events", 1, "time"), "2023-02-29T10:00:00+03:00"),
                    put(d, ("crossings", 0, "history", 0, "time"), "2024-11-30T24:00:00+03:00"),
                    put(d, ("territory", 0, "date"), "2024-13-01"),
                )
            ),
            [
                "events[0].time: impossible date '2024-02-30'",
                "events[1].time: impossible date-time '2023-02-29T10:00:00+03:00'",
                "crossings[0].history[0].time: impossible date-time",
                "territory[0].date: impossible date '2024-13-01'",
            ],
        ),
        "no-offset.json": (
            _doc_bytes(lambda d: put(d, ("events", 1, "time"), "2024-11-30T14:05:00")),
            ["events[1].time: date-time '2024-11-30T14:05:00' has no UTC offset"],
        ),
        "year-out-of-range.json": (
            _doc_bytes(
                lambda d: (
                    put(d, ("events", 0, "time"), "9999-12-31"),
                    put(d, ("crossings", 0, "history", 1, "time"), "0001-01-01T00:00:00+03:00"),
                )
            ),
            [
                "events[0].time: '9999-12-31' is outside the supported years",
                "crossings[0].history[1].time: '0001-01-01T00:00:00+03:00' is outside the"
                " supported years",
            ],
        ),
        "deep-nesting.json": (
            deep.encode("utf-8"),
            ["(line 1, column 532): JSON nested too deeply"],
        ),
        "bom.json": (b"\xef\xbb\xbf" + SMALL.read_bytes(), ["byte-order mark"]),
        "utf16.json": (text.encode("utf-16"), ["UTF-16"]),
        "invalid-utf8.json": (
            text.replace("Offensive begins", "Offensive b\u00e9gins").encode("latin-1", "replace"),
            ["invalid UTF-8 byte 0xe9 at offset 706", "(line 18, column 61)"],
        ),
        "empty.json": (b"", ["the file is empty"]),
        "top-level-array.json": (
            b"[" + SMALL.read_bytes() + b"]",
            ["must be a JSON object starting with '{', found b'['"],
        ),
        "lone-surrogate.json": (
            text.replace("Offensive begins", "Offensive \\ud800begins").encode("utf-8"),
            ["events[0].title: contains an unpaired UTF-16 surrogate"],
        ),
        "huge-integer.json": (
            text.replace('"credibility": 5', '"credibility": ' + "9" * 5000).encode("utf-8"),
            ["(line 20, column 185): a number with 5000 digits is too long"],
        ),
        "newer-schema.json": (
            text.replace('"schema_version": 1', '"schema_version": 2').encode("utf-8"),
            ["unsupported schema_version 2", "newer version"],
        ),
        "message-injection.json": (
            _doc_bytes(
                lambda d: put(
                    d,
                    ("events", 0, "source_ids", 0),
                    "s9\n  small.json: events[1].title: fine\u202e",
                )
            ),
            ['unknown source id "s9\\n  small.json: events[1].title: fine\\u202e"'],
        ),
        "control-character.json": (
            text.replace("Border closed", "Border\u0000closed").encode("utf-8"),
            ["broken JSON: Invalid control character"],
        ),
        "binary-garbage.json": (
            b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
            ["must be a JSON object starting with '{', found b'\\x89'"],
        ),
    }
    return cases


def write_corpus(folder: Path = BAD) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, (data, expected) in corpus().items():
        (folder / name).write_bytes(data)
        manifest[name] = expected
    (folder / "MANIFEST.json").write_text(
        json.dumps(
            {
                "about": "Broken scenario files: each must be rejected with a ScenarioError whose "
                "text contains every listed substring. Written by tests/reliability/bad_files.py; "
                "checked by tests/reliability/test_fuzz_loading.py.",
                "cases": manifest,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    write_corpus()
    print(f"wrote {len(corpus())} files to {BAD}")
