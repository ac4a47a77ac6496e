"""Malformed input: every broken file is explained by a ScenarioError, fast, in bounded memory.

* the corpus tests/data/bad/ (the nastiest small cases, MANIFEST.json = expected text);
* things that are not files: a directory, a symlink loop, a FIFO, a device, a missing path;
* 1 GB files of garbage (sparse, made in the test): rejected in well under 2 s without
  reading them (child process; time and peak memory measured against a tiny valid load);
* exhaustive mutations of tests/data/small.json: a wrong type at every field path, every
  field missing, duplicate ids, a duplicate key in every object, dangling references,
  NaN/Infinity/1e400 at every value, out-of-range numbers, impossible or out-of-range times;
* hypothesis: truncation of random valid scenarios at random points, random byte
  mutations (whatever loads must also load the same through the strict path and be usable
  by the views), several problems at once (each one reported).

Every case: only ScenarioError escapes, its text names the file, and each problem has a
place (JSON path, or line/column, or "(file)" for an unreadable path) and a reason.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from bad_files import (
    BAD,
    BAD_TIMES,
    MAX_SECONDS,
    OUT_OF_RANGE,
    TIME_KEYS,
    assert_explained,
    check_rejected,
    delete,
    dotted,
    dumps_with_duplicate_key,
    dumps_with_raw,
    load_outcome,
    optional,
    problem_at,
    put,
    small_doc,
    walk,
    wrong_values,
)
from hypothesis import given
from hypothesis import strategies as st
from scenario_strategies import budget

from monitor.model import ScenarioError, dumps_scenario, load_scenario, scenario_from_json
from monitor.model.io import read_json

MANIFEST = json.loads((BAD / "MANIFEST.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def write(folder: Path, data: bytes | str, name: str = "broken.json") -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --------------------------------------------------------------------------- the corpus
def test_corpus_and_manifest_match() -> None:
    files = {p.name for p in BAD.iterdir()} - {"MANIFEST.json"}
    assert files == set(MANIFEST), "every file in tests/data/bad/ needs its expected text"
    assert all(p.stat().st_size < 64 * 1024 for p in BAD.iterdir()), "keep the corpus small"


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file_is_rejected_with_its_reason(name: str, figures) -> None:
    out = check_rejected(BAD / name, contains=tuple(MANIFEST[name]))
    figures.add("corpus", seconds=out.seconds)


# --------------------------------------------------------------------------- not files
def _loop(tmp: Path) -> Path:
    a, b = tmp / "loop-a.json", tmp / "loop-b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _fifo(tmp: Path) -> Path:
    path = tmp / "pipe.json"
    os.mkfifo(path)  # nobody ever writes: opening it for reading would block forever
    return path


def _directory(tmp: Path) -> Path:
    path = tmp / "folder.json"
    path.mkdir()
    return path


NOT_FILES = {
    "directory": (_directory, "is a directory"),
    "symlink loop": (_loop, "Too many levels of symbolic links"),
    "fifo": (_fifo, "is not a regular file"),
    "device": (lambda tmp: Path("/dev/zero"), "is not a regular file"),
    "missing": (lambda tmp: tmp / "nowhere" / "missing.json", "no such file"),
    "through a file": (lambda tmp: Path(__file__) / "x.json", "cannot be read"),
}


@pytest.mark.parametrize("kind", list(NOT_FILES))
def test_what_is_not_a_file_is_unreadable_at_once(kind: str, tmp_path: Path, figures) -> None:
    make, reason = NOT_FILES[kind]
    path = make(tmp_path)
    out = check_rejected(path, contains=(reason,))
    assert out.error.unreadable
    figures.add("not a file", seconds=out.seconds)


# --------------------------------------------------------------------------- 1 GB files
GIGABYTE = 1 << 30
_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from monitor.model import ScenarioError, load_scenario
    start = time.perf_counter()
    try:
        load_scenario(sys.argv[1])
        result = {"outcome": "loaded"}
    except ScenarioError as exc:
        result = {"outcome": "ScenarioError", "text": str(exc)}
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result))
    """
)


def _load_in_child(path: Path) -> tuple[dict[str, Any], int]:
    """Load ``path`` in a fresh interpreter: its result and peak RSS in KiB (from wait4)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    except BaseException:
        child.send_signal(signal.SIGKILL)
        raise
    assert child.returncode == 0, out
    return json.loads(out), usage.ru_maxrss


def _sparse(path: Path, head: bytes) -> Path:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(GIGABYTE)  # the rest reads as NUL bytes but takes no disk space
    return path


GIANTS = {
    "garbage": (b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 64, "must be a JSON object"),
    "brace then garbage": (b"{" + bytes(range(1, 256)) * 64, "invalid UTF-8 byte"),
    "valid start then zeros": (
        b'{"schema_version": 1, "scenario": {"id": "x", "title": "' + b"a" * 70_000,
        "a control character (0x00) at offset 70056",
    ),
    "brace then text": (b'{"schema_version": 1, "x": ' + b"garbage " * 10_000, "broken JSON"),
}


def test_gigabyte_files_are_rejected_fast_without_reading_them(tmp_path: Path, figures) -> None:
    _, baseline_kib = _load_in_child(BAD.parent / "small.json")
    for kind, (head, reason) in GIANTS.items():
        path = _sparse(tmp_path / f"{kind.replace(' ', '-')}.json", head)
        start = time.perf_counter()
        result, peak_kib = _load_in_child(path)
        wall = time.perf_counter() - start
        assert result["outcome"] == "ScenarioError", (kind, result)
        assert str(path) in result["text"] and reason in result["text"], (kind, result["text"])
        assert result["seconds"] < 0.5, (kind, result)  # in the loader, not counting start-up
        growth_mib = (peak_kib - baseline_kib) / 1024
        assert growth_mib < 32, f"{kind}: peak memory grew by {growth_mib:.0f} MiB"
        figures.add(
            "1 GB files",
            seconds=result["seconds"],
            **{
                f"{kind}: load s / child wall s / peak RSS MiB (small.json: baseline)": [
                    round(result["seconds"], 3),
                    round(wall, 2),
                    round(peak_kib / 1024, 1),
                    round(baseline_kib / 1024, 1),
                ]
            },
        )
        path.unlink()


# --------------------------------------------------------------------------- exhaustive mutations
class Tally:
    """Runs many cases, collects the failing ones, and reports them together."""

    def __init__(self, folder: Path, figures, name: str):
        self.folder, self.figures, self.name = folder, figures, name
        self.cases = 0
        self.failures: list[str] = []
        self.slowest = 0.0

    def rejected(
        self, data: str | bytes, at: tuple | None, label: str, contains: tuple[str, ...] = ()
    ):
        self.cases += 1
        path = write(self.folder, data)
        try:
            out = check_rejected(path, at, contains=contains)
            self.slowest = max(self.slowest, out.seconds)
        except AssertionError as exc:
            self.failures.append(f"{label}: {str(exc)[:300]}")

    def accepted(self, data: str | bytes, label: str):
        self.cases += 1
        path = write(self.folder, data)
        out = load_outcome(path)
        self.slowest = max(self.slowest, out.seconds)
        if out.error is not None:
            self.failures.append(f"{label}: rejected but valid:\n{out.error}")

    def done(self, minimum: int) -> None:
        self.figures.add(
            self.name, cases=self.cases, failures=len(self.failures), seconds=self.slowest
        )
        assert not self.failures, f"{len(self.failures)} of {self.cases} cases:\n" + "\n".join(
            self.failures[:20]
        )
        assert self.cases >= minimum, self.cases


def _dump(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)


def test_wrong_type_at_every_field_path(workdir: Path, figures) -> None:
    base = small_doc()
    tally = Tally(workdir, figures, "wrong type at every field path")
    for path, value in walk(base):
        for wrong in wrong_values(value):
            doc = small_doc()
            put(doc, path, wrong)
            label = f"{dotted(path)} = {wrong!r}"
            if wrong is None and optional(path):
                tally.accepted(_dump(doc), label)  # null means absent for an optional field
            else:
                tally.rejected(_dump(doc), path, label)
    tally.done(minimum=1000)


def test_every_missing_field(workdir: Path, figures) -> None:
    tally = Tally(workdir, figures, "every field missing")
    for path, _ in walk(small_doc()):
        if isinstance(path[-1], int):
            continue
        doc = small_doc()
        delete(doc, path)
        label = f"without {dotted(path)}"
        if optional(path):
            tally.accepted(_dump(doc), label)
        elif path[-1] in ("lat", "lon") and path[0] == "events":
            tally.rejected(_dump(doc), path[:-1], label, ("give both lat and lon",))
        else:
            tally.rejected(
                _dump(doc), path[:-1] or path, label, (f'missing required field "{path[-1]}"',)
            )
    tally.done(minimum=100)


def test_duplicate_ids_in_every_list(workdir: Path, figures) -> None:
    tally = Tally(workdir, figures, "duplicate ids")
    for section in ("factions", "sources", "events", "crossings"):
        n = len(small_doc()[section])
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                doc = small_doc()
                first = doc[section][i]["id"]
                doc[section][j]["id"] = first
                what = section.rstrip("s")
                tally.rejected(
                    _dump(doc),
                    (section, max(i, j), "id"),
                    f"{section}[{j}] = {section}[{i}]",
                    (f'duplicate {what} id "{first}"',),
                )
    tally.done(minimum=20)


def test_duplicate_key_in_every_object(workdir: Path, figures) -> None:
    """A repeated key is an error wherever it is: the last value must not silently win."""
    base = small_doc()
    objects = [()] + [path for path, value in walk(base) if isinstance(value, dict)]
    tally = Tally(workdir, figures, "duplicate key in every object")
    for path in objects:
        text = dumps_with_duplicate_key(base, path)
        tally.rejected(
            text,
            path or ("(top level)",),
            f"object {dotted(path) or '(top level)'}",
            ("duplicate key",),
        )
    tally.done(minimum=30)


def test_dangling_references_everywhere(workdir: Path, figures) -> None:
    tally = Tally(workdir, figures, "dangling references")
    for path, value in walk(small_doc()):
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        if key == "source_ids" and isinstance(path[-1], int):
            what = "source"
        elif key in ("controlled_by", "faction") and isinstance(value, str):
            what = "faction"
        else:
            continue
        doc = small_doc()
        put(doc, path, "no-such-id")
        tally.rejected(_dump(doc), path, dotted(path), (f'unknown {what} id "no-such-id"',))
    tally.done(minimum=10)


def test_non_finite_numbers_at_every_value(workdir: Path, figures) -> None:
    """NaN / Infinity / -Infinity are not JSON; 1e400 overflows to infinity. Everywhere."""
    base = small_doc()
    tally = Tally(workdir, figures, "NaN/Infinity/1e400 at every value")
    for path, value in walk(base):
        if isinstance(value, (dict, list)):
            continue
        for raw in ("NaN", "Infinity", "-Infinity", "1e400", "-1e400"):
            text = dumps_with_raw(base, path, raw)
            tally.rejected(text, None, f"{dotted(path)} = {raw}")
    tally.done(minimum=300)


def test_out_of_range_numbers(workdir: Path, figures) -> None:
    tally = Tally(workdir, figures, "out-of-range numbers")
    for path, value in walk(small_doc()):
        for bad in OUT_OF_RANGE.get(path[-1], []) if isinstance(value, (int, float)) else []:
            doc = small_doc()
            put(doc, path, bad)
            tally.rejected(_dump(doc), path, f"{dotted(path)} = {bad!r}")
    tally.done(minimum=40)


def test_impossible_times_at_every_time_field(workdir: Path, figures) -> None:
    tally = Tally(workdir, figures, "impossible or unsupported times")
    for path, value in walk(small_doc()):
        if path[-1] not in TIME_KEYS or not isinstance(value, str):
            continue
        for bad in BAD_TIMES:
            doc = small_doc()
            put(doc, path, bad)
            tally.rejected(_dump(doc), path, f"{dotted(path)} = {bad!r}")
    tally.done(minimum=200)


# --------------------------------------------------------------------------- hypothesis
_SMALL_DOC = small_doc()
_DEFAULT_TEXT = (BAD.parents[2] / "data" / "iraq-syria-border-2024.json").read_text(
    encoding="utf-8"
)
TRUNCATION_BASES = {
    "small.json": (BAD.parent / "small.json").read_text(encoding="utf-8"),
    "small.json compact": json.dumps(_SMALL_DOC, ensure_ascii=False, separators=(",", ":")),
    "small.json escaped": json.dumps(_SMALL_DOC, ensure_ascii=True, indent="\t"),
    "bundled scenario": _DEFAULT_TEXT,
}


@budget()
@given(base=st.sampled_from(sorted(TRUNCATION_BASES)), data=st.data())
def test_truncated_anywhere_is_explained(workdir: Path, figures, base, data) -> None:
    text = TRUNCATION_BASES[base].rstrip()
    cut = data.draw(st.integers(0, len(text) - 1), label="cut")  # the final '}' is never kept
    encoded = text[:cut].encode("utf-8")
    following = text[cut].encode("utf-8")
    if len(following) > 1 and data.draw(st.booleans(), label="cut inside a character"):
        encoded += following[:1]
    out = check_rejected(write(workdir, encoded, "truncated.json"))
    figures.add("truncated random scenarios (hypothesis)", seconds=out.seconds)


_MUTATIONS = ["flip", "insert", "delete", "duplicate", "swap"]


@st.composite
def _mutated_bytes(draw) -> bytes:
    data = bytearray((BAD.parent / "small.json").read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(_MUTATIONS))
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(
                st.binary(min_size=1, max_size=8)
                | st.sampled_from(
                    [
                        b"NaN",
                        b"-",
                        b"1e400",
                        b'"',
                        b"{",
                        b"]",
                        b"\\u0000",
                        b"\xc3",
                        b"\xe2\x80\xae",
                        b"9" * 30,
                    ]
                )
            )
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 16))]
        elif op == "duplicate":
            j = draw(st.integers(i, min(len(data), i + 64)))
            data[j:j] = data[i:j]
        else:
            j = draw(st.integers(0, len(data) - 1))
            data[i], data[j] = data[j], data[i]
    return bytes(data)


@budget()
@given(raw=_mutated_bytes())
def test_random_byte_mutations_are_explained_or_usable(workdir: Path, figures, raw: bytes) -> None:
    """Whatever the damage: a ScenarioError that explains it, or a scenario that the strict
    path builds identically and that the views can use (frames, times, statuses, save)."""
    path = write(workdir, raw, "mutated.json")
    out = load_outcome(path)
    assert out.seconds < MAX_SECONDS
    try:
        strict = scenario_from_json(read_json(path), path)
    except ScenarioError as exc:
        assert out.error is not None, f"the fast path accepted what the strict path rejects:\n{exc}"
        assert_explained(out.error, path)
        figures.add("random byte mutations (hypothesis)", seconds=out.seconds, rejected=1)
        return
    assert out.error is None, f"rejected what the strict path accepts:\n{out.error}"
    scenario = load_scenario(path)
    assert scenario == strict
    scenario.events_frame()
    span = scenario.time_range()
    if span is not None:
        scenario.statuses_at(span[0])
        scenario.events_between(*span)
    again = scenario_from_json(json.loads(dumps_scenario(scenario)))
    assert dumps_scenario(again) == dumps_scenario(scenario)
    figures.add("random byte mutations (hypothesis)", seconds=out.seconds, loaded=1)


def _breakers(path: tuple, value: Any) -> list[Any]:
    """Values that are certainly wrong at ``path`` of small.json (never null)."""
    out = [w for w in wrong_values(value) if w is not None]
    if path[-1] in TIME_KEYS and isinstance(value, str):
        out += BAD_TIMES[:8]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out += OUT_OF_RANGE.get(path[-1], [])
    return out


# A bad zone or another schema version stops the rest being checked (by design): left out.
_LEAVES = [
    (p, v)
    for p, v in walk(small_doc())
    if not isinstance(v, (dict, list)) and p not in (("scenario", "timezone"), ("schema_version",))
]


@budget()
@given(data=st.data())
def test_every_problem_is_reported_not_just_the_first(workdir: Path, figures, data) -> None:
    chosen: list[tuple] = []
    for path, value in data.draw(
        st.lists(st.sampled_from(_LEAVES), min_size=2, max_size=5, unique_by=lambda x: x[0])
    ):
        chosen.append(
            (path, data.draw(st.sampled_from(_breakers(path, value)), label=dotted(path)))
        )
    doc = small_doc()
    for path, bad in chosen:
        put(doc, path, bad)
    out = check_rejected(write(workdir, _dump(doc), "several.json"))
    for path, bad in chosen:
        assert problem_at(out.error, path), f"{dotted(path)} = {bad!r} not reported:\n{out.error}"
    figures.add("several problems at once (hypothesis)", seconds=out.seconds)
