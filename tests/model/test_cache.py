"""The reopen cache (monitor.model.cache): an unchanged big file opened again is read from
its cached columns and is exactly the scenario a normal load makes; a changed file, a
damaged, truncated, symlinked or foreign entry, a cache folder that cannot be used or is
full all give a normal load -- never an error, never other data."""

from __future__ import annotations

import copy
import errno
import json
import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from monitor.model import cache, dumps_scenario, load_identified

DATA = Path(__file__).resolve().parents[1] / "data" / "small.json"


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MIN_BYTES", 1)  # (the test files are small)
    monkeypatch.delenv("MONITOR_CACHE", raising=False)


def scenario_file(tmp_path: Path, *, copies: int = 300, layout: str = "canonical") -> Path:
    """A scenario with many events, some with fields this version does not know (kept as
    objects), some with integer coordinates (kept exactly), one non-ASCII title."""
    d = json.loads(DATA.read_text(encoding="utf-8"))
    base = d["events"]
    events = []
    for i in range(copies):
        e = copy.deepcopy(base[i % len(base)])
        e["id"] = f"ev-{i:05d}"
        if i % 7 == 3:
            e["x_future"] = {"nested": [1, 2.5, "a:b"], "n": None}
        if i % 11 == 5:
            e["location"] = {"name": "Al-Qa'im", "lat": 34, "lon": 41}
        if i % 13 == 0:
            e["title"] = f"Straße {i} — ΣΊΣΥΦΟΣ"
        events.append(e)
    d["events"] = events
    text = json.dumps(d, indent=2, ensure_ascii=False) if layout == "canonical" else json.dumps(d)
    path = tmp_path / "scenario.json"
    path.write_text(text, encoding="utf-8")
    return path


def settle() -> None:
    for t in threading.enumerate():
        if t.name == "monitor-cache-writer":
            t.join(timeout=60)


def entries() -> list[Path]:
    where = cache.folder()
    return sorted(where.glob(f"{cache.FORMAT}-*.arrow")) if where.is_dir() else []


def reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Entries actually read from, recorded."""
    got: list[object] = []
    original = cache.Read.__init__

    def spy(self, entry, pool):
        original(self, entry, pool)
        got.append(entry)

    monkeypatch.setattr(cache.Read, "__init__", spy)
    return got


def same(a, b) -> None:
    assert dumps_scenario(a) == dumps_scenario(b)
    pd.testing.assert_frame_equal(a.events_frame(), b.events_frame(), check_exact=True)
    assert list(a.events) == list(b.events)


@pytest.mark.parametrize("layout", ["canonical", "compact"])
def test_reopen_is_read_from_the_cache_and_is_the_same_scenario(tmp_path, monkeypatch, layout):
    path = scenario_file(tmp_path, layout=layout)
    first, ident = load_identified(path)
    settle()
    assert len(entries()) == 1
    assert ident.sha256 in entries()[0].name
    used = reads(monkeypatch)
    again, ident2 = load_identified(path)
    assert used, "the second load did not use the cache"
    assert ident2 == ident
    same(first, again)
    # The cached table is editable like any other (numbers are not the read-only mapping).
    e = again.events[3]
    again.table.replace(type(e)(**{**{f: getattr(e, f) for f in e.__slots__}, "title": "New"}))
    assert again.events[3].title == "New"


def test_nothing_is_written_beside_the_data_file(tmp_path):
    path = scenario_file(tmp_path)
    load_identified(path)
    settle()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.json"]
    assert cache.folder().parent == Path(os.environ["XDG_CACHE_HOME"])


def test_a_changed_file_with_the_same_signature_is_loaded_normally(tmp_path, monkeypatch):
    path = scenario_file(tmp_path)
    load_identified(path)
    settle()
    st = os.stat(path)
    data = path.read_bytes()
    changed = data.replace(b"ev-00001", b"ev-9999X", 1)
    assert len(changed) == len(data)
    with open(path, "r+b") as fh:  # in place: same inode, same size ...
        fh.write(changed)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # ... and the same mtime
    assert cache.find(os.stat(path)) is not None
    got, ident = load_identified(path)
    assert got.events[1].id == "ev-9999X"
    normal, ident_normal = load_identified(path, use_cache=False)
    assert ident == ident_normal
    same(got, normal)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage", "symlink", "dir"])
def test_a_damaged_entry_gives_a_normal_load(tmp_path, monkeypatch, damage):
    path = scenario_file(tmp_path)
    first, ident = load_identified(path)
    settle()
    [entry] = entries()
    data = entry.read_bytes()
    if damage == "flip":  # one byte inside the column data
        i = len(data) // 2
        entry.write_bytes(data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1 :])
    elif damage == "truncate":
        entry.write_bytes(data[: len(data) // 3])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "garbage":
        entry.write_bytes(os.urandom(len(data)))
    elif damage == "symlink":  # a planted link to a valid entry (of the same file)
        real = tmp_path / "elsewhere.arrow"
        entry.rename(real)
        entry.symlink_to(real)
    else:
        entry.unlink()
        entry.mkdir()
    monkeypatch.setattr(cache, "store_later", lambda *a: None)  # (the entry stays damaged)
    got, ident2 = load_identified(path)
    assert ident2 == ident
    same(first, got)


def test_a_cache_folder_that_is_a_symlink_or_a_file_is_not_used(tmp_path):
    path = scenario_file(tmp_path)
    where = cache.folder()
    where.parent.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "other"
    target.mkdir()
    where.symlink_to(target)
    first, _ = load_identified(path)
    settle()
    assert list(target.iterdir()) == []
    where.unlink()
    where.write_text("not a folder")
    again, _ = load_identified(path)
    settle()
    same(first, again)


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_or_read_only_cache_folder_is_silent(tmp_path, monkeypatch, error):
    path = scenario_file(tmp_path)

    def fail(*_a, **_k):
        raise OSError(error, os.strerror(error))

    if error == errno.ENOSPC:
        monkeypatch.setattr(cache._HashingFile, "write", fail)
    else:
        monkeypatch.setattr(cache.os, "replace", fail)
    first, _ = load_identified(path)
    settle()
    assert entries() == []
    assert [p for p in cache.folder().iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.undo()
    monkeypatch.setattr(cache, "MIN_BYTES", 1)
    normal, _ = load_identified(path, use_cache=False)
    same(first, normal)


def test_read_only_cache_folder(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    path = scenario_file(tmp_path)
    where = cache.folder()
    where.mkdir(parents=True)
    where.chmod(0o500)
    try:
        first, _ = load_identified(path)
        settle()
        assert entries() == []
    finally:
        where.chmod(0o700)
    same(first, load_identified(path, use_cache=False)[0])


def test_monitor_cache_0_turns_it_off(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_CACHE", "0")
    load_identified(scenario_file(tmp_path))
    settle()
    assert entries() == []


def test_an_edit_right_after_the_load_does_not_reach_the_entry(tmp_path, monkeypatch):
    path = scenario_file(tmp_path)
    gate = threading.Event()
    original = cache.store

    def slow_store(*args):
        gate.wait(10)
        return original(*args)

    monkeypatch.setattr(cache, "store", slow_store)
    first, _ = load_identified(path)
    reference = dumps_scenario(first)
    e = first.events[0]
    first.table.replace(type(e)(**{**{f: getattr(e, f) for f in e.__slots__}, "title": "Edited"}))
    first.table.remove(first.events[5].id)
    first.crossings = first.crossings[1:]
    gate.set()
    settle()
    again, _ = load_identified(path)
    assert dumps_scenario(again) == reference


def test_only_the_newest_entries_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 2)
    paths = []
    for i in range(4):
        folder = tmp_path / f"f{i}"
        folder.mkdir()
        p = scenario_file(folder, copies=100 + i)
        paths.append(p)
        load_identified(p)
        settle()
    assert len(entries()) == 2
    assert cache.find(os.stat(paths[-1])) is not None
    assert cache.find(os.stat(paths[0])) is None


def test_an_earlier_versions_entries_are_removed_when_an_entry_is_written(tmp_path):
    where = cache.folder()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    old = [where / ("v1-" + "ab" * 32 + "-1-2-3-4-5.arrow"), where / ".v1-x-y.tmp"]
    for p in old:
        p.write_bytes(b"an old entry " * 1000)
    other = where / "notes.txt"  # (not an entry: left alone)
    other.write_text("mine")
    load_identified(scenario_file(tmp_path))
    settle()
    assert len(entries()) == 1
    assert not any(p.exists() for p in old)
    assert other.read_text() == "mine"


def test_a_small_file_is_not_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MIN_BYTES", 10**9)
    load_identified(scenario_file(tmp_path))
    settle()
    assert entries() == []
