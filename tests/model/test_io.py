"""Reading strict UTF-8 JSON, unreadable files, and atomic canonical saving."""

from __future__ import annotations

import copy
import dataclasses
import errno
import json
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

import monitor.model.jsontext as model_jsontext
from monitor.model import ScenarioError, dumps_scenario, load_scenario, save_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"
BASE: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
NAME = "scenario-under-test.json"


def _edit(scenario, i, **changes):
    """Change event ``i`` (events are views of the table: edited through it)."""
    scenario.events.replace(dataclasses.replace(scenario.events[i], **changes))


def write_bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / NAME
    path.write_bytes(data)
    return path


def error_for(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert path.name in str(err), str(err)
    assert err.path == str(path)
    return err


def only_problem(err: ScenarioError):
    assert len(err.problems) == 1, err.problems
    return err.problems[0]


def line_col(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column (in characters) of the first ``needle``."""
    pos = text.index(needle)
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


# --------------------------------------------------------------------------- unreadable files
def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    err = error_for(tmp_path / NAME)
    assert err.unreadable
    assert "no such file" in str(err)


def test_directory_is_unreadable(tmp_path: Path) -> None:
    folder = tmp_path / NAME
    folder.mkdir()
    err = error_for(folder)
    assert err.unreadable
    assert "directory" in str(err)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file")
def test_file_without_read_permission_is_unreadable(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, DATA.read_bytes())
    path.chmod(0)
    try:
        err = error_for(path)
    finally:
        path.chmod(0o644)
    assert err.unreadable
    assert "permission denied" in str(err)


def test_permission_error_while_opening_is_unreadable(tmp_path: Path, monkeypatch) -> None:
    # Runs under root too (CI containers), where chmod cannot take read access away.
    path = write_bytes(tmp_path, DATA.read_bytes())

    def denied(*args: Any, **kwargs: Any):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(model_jsontext, "open", denied, raising=False)
    err = error_for(path)
    assert err.unreadable
    assert "permission denied" in str(err)


def test_path_through_a_file_is_unreadable(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, DATA.read_bytes())
    err = error_for(path / "inner.json")
    assert err.unreadable


# --------------------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        ("utf-8-sig", "byte-order mark"),
        ("utf-16", "UTF-16"),  # with BOM
        ("utf-16-le", "UTF-16"),  # no BOM
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-16/UTF-32"),
    ],
)
def test_non_utf8_encodings_are_rejected(tmp_path: Path, encoding: str, reason: str) -> None:
    path = write_bytes(tmp_path, DATA.read_text(encoding="utf-8").encode(encoding))
    err = error_for(path)
    assert not err.unreadable
    problem = only_problem(err)
    assert reason in problem.reason
    assert (problem.line, problem.column) == (1, 1)


def test_latin1_byte_is_invalid_utf8_with_position(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8").replace(
        "Offensive begins", "Offensive begins caf\u00e9"
    )
    raw = (
        text.replace("\u2013", "-")
        .replace("القائم", "x")
        .replace("البوكمال", "y")
        .encode("latin-1")
    )
    err = error_for(write_bytes(tmp_path, raw))
    problem = only_problem(err)
    assert "invalid UTF-8 byte 0xe9" in problem.reason
    assert (problem.line, problem.column) == line_col(text, "\u00e9")


def test_invalid_utf8_column_counts_characters_after_arabic_text(tmp_path: Path) -> None:
    # Multi-byte characters before the bad byte must not push the column off.
    before = '{\n  "name": "القائم – البوكمال",\n  "title": "القائم '
    raw = before.encode("utf-8") + b"\xff" + b'"\n}\n'
    problem = only_problem(error_for(write_bytes(tmp_path, raw)))
    assert problem.line == 3
    assert problem.column == len('  "title": "القائم ') + 1
    assert f"(line 3, column {problem.column})" in str(problem)


def test_windows_1256_arabic_is_rejected(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8").replace("\u2013", "-")
    problem = only_problem(error_for(write_bytes(tmp_path, text.encode("cp1256"))))
    assert "invalid UTF-8" in problem.reason
    assert problem.line == line_col(text, "القائم")[0]


def test_lone_surrogate_escape_is_rejected_with_path(tmp_path: Path) -> None:
    # Valid JSON syntax, but not Unicode: it could never be saved as UTF-8.
    text = DATA.read_text(encoding="utf-8").replace(
        '"Offensive begins"', '"Offensive \\ud800 begins"'
    )
    err = error_for(write_bytes(tmp_path, text.encode("utf-8")))
    problem = only_problem(err)
    assert problem.where == "events[0].title"
    assert "surrogate" in problem.reason


def test_surrogate_pair_escape_is_fine(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8").replace(
        '"Offensive begins"', '"Offensive \\ud83d\\udea9 begins \\\\ud800"'
    )
    scenario = load_scenario(write_bytes(tmp_path, text.encode("utf-8")))
    assert scenario.events[0].title == "Offensive \U0001f6a9 begins \\ud800"


# --------------------------------------------------------------------------- RFC 8259 strictness
@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants_are_rejected_with_position(tmp_path: Path, token: str) -> None:
    text = DATA.read_text(encoding="utf-8").replace(
        '"lon": 40.977}, "source_ids"', f'"lon": {token}}}, "source_ids"'
    )
    err = error_for(write_bytes(tmp_path, text.encode("utf-8")))
    problem = only_problem(err)
    assert token in problem.reason
    assert "not valid JSON" in problem.reason
    line, column = line_col(text, f'"lon": {token}')
    assert (problem.line, problem.column) == (line, column + len('"lon": '))


def test_every_non_finite_constant_is_located_and_strings_are_ignored(tmp_path: Path) -> None:
    text = (
        DATA.read_text(encoding="utf-8")
        .replace('"Offensive begins"', '"Offensive begins: NaN, Infinity"')
        .replace('"share_pct": 10.98', '"share_pct": NaN')
        .replace('"share_pct": 20', '"share_pct": -Infinity')
    )
    err = error_for(write_bytes(tmp_path, text.encode("utf-8")))
    located = [(p.line, p.column) for p in err.problems]
    first = line_col(text, '"share_pct": NaN')
    second = line_col(text, '"share_pct": -Infinity')
    assert located == [(first[0], first[1] + 13), (second[0], second[1] + 13)]


def test_nan_inside_a_string_is_just_text(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8").replace(
        '"Offensive begins"', '"NaN Infinity -Infinity"'
    )
    assert (
        load_scenario(write_bytes(tmp_path, text.encode("utf-8"))).events[0].title
        == "NaN Infinity -Infinity"
    )


def test_number_too_large_for_a_float_is_rejected_with_path(tmp_path: Path) -> None:
    # Python parses 1e400 as inf; accepted in an unknown field it would make the file unsavable.
    doc = copy.deepcopy(BASE)
    doc["x_weight"] = 12345
    doc["events"][2]["x_extra"] = {"values": [1, 12345]}
    text = (
        json.dumps(doc, indent=2)
        .replace("12345", "1e400")
        .replace('"lat": 36.15', '"lat": -2E+999')
    )
    err = error_for(write_bytes(tmp_path, text.encode("utf-8")))
    reported = {p.where: p.reason for p in err.problems}
    assert set(reported) == {"x_weight", "events[2].x_extra.values[1]", "events[0].location.lat"}
    assert all("too large" in reason for reason in reported.values())


def test_duplicate_keys_are_reported_with_path(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    text = text.replace(
        '"time": "2024-11-30T14:05:00+03:00",',
        '"time": "2024-11-30T14:05:00+03:00", "time": "2024-12-01",',
    )
    text = text.replace('"schema_version": 1,', '"schema_version": 1, "schema_version": 1,')
    text = text.replace('"status": "closed",', '"status": "closed", "status": "open",')
    err = error_for(write_bytes(tmp_path, text.encode("utf-8")))
    reported = {(p.where, p.reason) for p in err.problems}
    assert any(w == "events[1]" and 'duplicate key "time"' in r for w, r in reported), reported
    assert any(w == "(top level)" and 'duplicate key "schema_version"' in r for w, r in reported), (
        reported
    )
    assert any(
        w == "crossings[0].history[0]" and 'duplicate key "status"' in r for w, r in reported
    ), reported
    assert "events[1]" in str(err)


def test_duplicate_key_in_unknown_field_is_still_an_error(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8").replace(
        '"schema_version": 1,', '"schema_version": 1, "x": {"a": 1, "a": 2},'
    )
    problem = only_problem(error_for(write_bytes(tmp_path, text.encode("utf-8"))))
    assert problem.where == "x"
    assert 'duplicate key "a"' in problem.reason


def test_duplicate_key_value_is_described_as_an_object(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8").replace('"Offensive begins"', '{"a": 1, "a": 2}')
    err = error_for(write_bytes(tmp_path, text.encode("utf-8")))
    assert "events[0].title: expected a string, got an object" in str(err)
    assert "_DuplicateKeys" not in str(err)


def test_truncated_json_reports_line_and_column(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    cut = text[: text.index('"Offensive begins"') + len('"Offensive begins"')]
    err = error_for(write_bytes(tmp_path, cut.encode("utf-8")))
    problem = only_problem(err)
    assert "broken JSON" in problem.reason
    assert problem.line == cut.count("\n") + 1
    assert problem.column == len(cut.splitlines()[-1]) + 1
    assert f"line {problem.line}, column {problem.column}" in str(err)


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b'{\n  "schema_version": 1\n  "scenario": {}\n}\n', 3, 3),  # missing comma
        (b'{\n  "schema_version": 1,\n}\n', 3, 1),  # trailing comma
        (b'{\n  // a comment\n  "schema_version": 1\n}\n', 2, 3),
        (b"{\n  'schema_version': 1\n}\n", 2, 3),  # single quotes
        (b'{"schema_version": 01}', 1, 21),  # leading zero: "expecting delimiter" at the 1
        (b'{"schema_version": 1} {}', 1, 23),  # extra data
        (b'{"title": "tab\there"}', 1, 15),  # raw control character in a string
    ],
)
def test_syntax_errors_have_line_and_column(
    tmp_path: Path, raw: bytes, line: int, column: int
) -> None:
    problem = only_problem(error_for(write_bytes(tmp_path, raw)))
    assert "broken JSON" in problem.reason
    assert (problem.line, problem.column) == (line, column)


@pytest.mark.parametrize("raw", [b"", b"   \n\t\r\n"])
def test_empty_file(tmp_path: Path, raw: bytes) -> None:
    err = error_for(write_bytes(tmp_path, raw))
    assert not err.unreadable
    assert "empty" in only_problem(err).reason


@pytest.mark.parametrize(
    ("raw", "found"), [(b"[1, 2]", "'['"), (b'\n\n  "scenario"', "'\"'"), (b"42", "'4'")]
)
def test_top_level_must_be_an_object(tmp_path: Path, raw: bytes, found: str) -> None:
    problem = only_problem(error_for(write_bytes(tmp_path, raw)))
    assert "JSON object" in problem.reason
    assert found in problem.reason
    assert problem.line == raw.count(b"\n") + 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        b'{"a": ' * 10_000 + b"1" + b"}" * 10_000,
        b'{"events": [' + b"{" * 10_000,  # deep and truncated
    ],
    ids=["arrays", "objects", "truncated"],
)
def test_ten_thousand_levels_of_nesting_is_an_error_not_a_crash(tmp_path: Path, raw: bytes) -> None:
    err = error_for(write_bytes(tmp_path, raw))  # not RecursionError
    assert not err.unreadable
    assert "nested too deeply" in str(err) or "broken JSON" in str(err)


def test_moderately_deep_unknown_field_loads_and_saves_or_is_rejected(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    text = json.dumps(doc).replace(
        '"schema_version": 1', '"schema_version": 1, "x": ' + "[" * 600 + "]" * 600
    )
    path = write_bytes(tmp_path, text.encode("utf-8"))
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        assert "nested too deeply" in str(exc)
        return
    save_scenario(
        scenario, tmp_path / "again.json"
    )  # must not hit RecursionError after loading fine
    assert load_scenario(tmp_path / "again.json") == scenario


def test_scenario_error_survives_pickling(tmp_path: Path) -> None:
    # Loading in a worker process sends the error back pickled.
    err = error_for(write_bytes(tmp_path, b'{"schema_version": 1,'))
    copy_ = pickle.loads(pickle.dumps(err))
    assert isinstance(copy_, ScenarioError)
    assert copy_.problems == err.problems
    assert copy_.path == err.path
    assert str(copy_) == str(err)
    missing = error_for(tmp_path / "nope" / NAME)
    assert pickle.loads(pickle.dumps(missing)).unreadable


# --------------------------------------------------------------------------- saving
@pytest.fixture
def saved(tmp_path: Path, small) -> Path:
    path = tmp_path / "saved.json"
    save_scenario(small, path)
    return path


def test_save_output_is_canonical(saved: Path) -> None:
    raw = saved.read_bytes()
    text = raw.decode("utf-8")  # strict UTF-8
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "القائم – البوكمال" in text  # not \u-escaped
    assert "\\u" not in text
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "schema_version": 1,\n  "scenario": {\n    "id": "test-small",\n')
    doc = json.loads(text)
    assert list(doc) == [
        "schema_version",
        "scenario",
        "factions",
        "sources",
        "events",
        "crossings",
        "territory",
    ]
    assert list(doc["events"][0]) == [
        "id",
        "time",
        "title",
        "summary",
        "category",
        "actors",
        "location",
        "source_ids",
        "verification",
        "credibility",
    ]
    assert list(doc["crossings"][0]) == [
        "id",
        "name",
        "name_local",
        "sides",
        "location",
        "kind",
        "controlled_by",
        "history",
    ]
    assert list(doc["crossings"][0]["history"][0]) == ["time", "status", "note", "source_ids"]
    assert list(doc["territory"][0]) == ["date", "faction", "share_pct", "source_ids", "estimated"]
    # Day precision stays a date; date-times keep their offset.
    assert doc["events"][0]["time"] == "2024-11-27"
    assert doc["events"][1]["time"] == "2024-11-30T14:05:00+03:00"


def test_key_order_does_not_depend_on_input_order(tmp_path: Path, saved: Path) -> None:
    def reverse(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: reverse(node[k]) for k in reversed(list(node))}
        if isinstance(node, list):
            return [reverse(x) for x in node]
        return node

    shuffled = tmp_path / "reversed.json"
    shuffled.write_text(json.dumps(reverse(BASE), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.json"
    save_scenario(load_scenario(shuffled), out)
    assert out.read_bytes() == saved.read_bytes()


def test_load_save_load_is_equal(small, saved: Path) -> None:
    again = load_scenario(saved)
    assert again == small
    assert again.crossings[0].status_at(small.crossings[0].history[0].time.instant) == "closed"


def test_canonical_file_round_trips_byte_identically(tmp_path: Path, saved: Path) -> None:
    before = saved.read_bytes()
    out = tmp_path / "second.json"
    save_scenario(load_scenario(saved), out)
    assert out.read_bytes() == before
    assert dumps_scenario(load_scenario(out)).encode("utf-8") == before


EXTRAS: dict[str, Any] = {
    "x_text": "نص عربي <b>bold</b>",
    "x_nested": {"z": [1, 2.5, None, True, {"deep": ["a"]}], "a": {}},
    "x_null": None,
    "x_big": 123456789012345678901234567890,
}


TARGET_NAMES = [
    "top level",
    "scenario",
    "faction",
    "source",
    "event",
    "event location",
    "crossing",
    "crossing location",
    "side",
    "history entry",
    "territory",
]


def _targets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One object of each kind in the document, in TARGET_NAMES order."""
    c = doc["crossings"][0]
    return [
        doc,
        doc["scenario"],
        doc["factions"][1],
        doc["sources"][0],
        doc["events"][1],
        doc["events"][1]["location"],
        c,
        c["location"],
        c["sides"][1],
        c["history"][0],
        doc["territory"][2],
    ]


def test_unknown_fields_survive_a_round_trip_at_every_level(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    for target in _targets(doc):
        target.update(copy.deepcopy(EXTRAS))
    src = tmp_path / "newer.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.json"
    save_scenario(load_scenario(src), out)
    back = json.loads(out.read_text(encoding="utf-8"))
    for name, obj in zip(TARGET_NAMES, _targets(back), strict=True):
        kept = {k: obj[k] for k in EXTRAS if k in obj}
        assert kept == EXTRAS, f"unknown fields of the {name} changed in the round trip"
        # ... after the known fields, in the order they had.
        assert list(obj)[-len(EXTRAS) :] == list(EXTRAS), name
    # Objects that had none got none.
    assert not set(EXTRAS) & set(back["events"][0])
    # A second round trip is byte-identical.
    out2 = tmp_path / "out2.json"
    save_scenario(load_scenario(out), out2)
    assert out2.read_bytes() == out.read_bytes()


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_failed_save_leaves_previous_file_untouched(
    tmp_path: Path, small, saved: Path, monkeypatch, step: str
) -> None:
    before = saved.read_bytes()
    names = _listing(tmp_path)
    _edit(small, 0, title="Changed title that must not reach the disk")

    def disk_full(*args: Any, **kwargs: Any):
        raise OSError(errno.ENOSPC, "No space left on device")

    if step == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            """Writes half of the data to the temp file, then the disk is full."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self._fh = real_fdopen(*args, **kwargs)

            def write(self, data: bytes) -> int:
                self._fh.write(data[: len(data) // 2])
                self._fh.flush()
                disk_full()

            def __getattr__(self, name: str) -> Any:
                return getattr(self._fh, name)

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: Any) -> None:
                self._fh.close()

        monkeypatch.setattr(os, "fdopen", HalfWriter)
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", disk_full)
    else:
        monkeypatch.setattr(os, "replace", disk_full)

    with pytest.raises(OSError, match="No space left"):
        save_scenario(small, saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert _listing(tmp_path) == names, "temp file left behind"


def test_interrupted_save_leaves_no_temp_file(
    tmp_path: Path, small, saved: Path, monkeypatch
) -> None:
    before = saved.read_bytes()

    def interrupt(*args: Any, **kwargs: Any):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_scenario(small, saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert _listing(tmp_path) == ["saved.json", "small.json"]


def test_save_replaces_content_and_leaves_only_the_file(tmp_path: Path, small, saved: Path) -> None:
    _edit(small, 0, title="New title")
    save_scenario(small, saved)
    assert load_scenario(saved).events[0].title == "New title"
    assert _listing(tmp_path) == ["saved.json", "small.json"]


def test_save_into_missing_folder_raises_oserror(tmp_path: Path, small) -> None:
    with pytest.raises(OSError):
        save_scenario(small, tmp_path / "no-such-folder" / "x.json")
    assert _listing(tmp_path) == ["small.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_save_keeps_existing_permissions(tmp_path: Path, small, saved: Path) -> None:
    saved.chmod(0o640)
    save_scenario(small, saved)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o640


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_new_file_gets_the_usual_permissions(tmp_path: Path, small) -> None:
    # Not the 0600 of a private temp file: a colleague on the share must be able to read it.
    old = os.umask(0o022)
    try:
        save_scenario(small, tmp_path / "new.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")
def test_save_through_a_symlink_keeps_the_link(tmp_path: Path, small, saved: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(saved)
    _edit(small, 0, title="Through the link")
    save_scenario(small, link)
    assert link.is_symlink()
    assert load_scenario(saved).events[0].title == "Through the link"


def test_save_accepts_str_path(tmp_path: Path, small) -> None:
    target = str(tmp_path / "as-string.json")
    save_scenario(small, target)
    assert load_scenario(target) == small
