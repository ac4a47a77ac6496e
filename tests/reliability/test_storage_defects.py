"""The session/storage defects of issue 12, each reproduced through the public storage API
(files on disk, other processes, failing writes) and shown fixed."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from monitor.model import CrossingStatus, Moment, ScenarioError, load_scenario
from monitor.model import journal as journal_module
from monitor.model import storage as storage_module
from monitor.model.changelog import ChangeLog
from monitor.model.changes import Change, ChangeError, status_change
from monitor.model.storage import ConflictError, FileStorage, InUseError

HERE = Path(__file__).resolve().parent
SMALL = HERE.parent / "data" / "small.json"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.json"
    path.write_bytes(SMALL.read_bytes())
    return path


def _open(path: Path, user: str = "tester"):
    storage = FileStorage(path, user=user)
    scenario = storage.load()
    return storage, scenario, ChangeLog(scenario)


def _toggle(storage, scenario, log, note: str, status=CrossingStatus.OPEN) -> Change:
    change = status_change(
        scenario, "qaim", status, Moment.now(scenario.tz), note=note, by=storage.user
    )
    log.apply(change)
    storage.append_change(change)
    return change


def _notes(changes) -> list[str]:
    return [c.after["note"] for c in changes]


def _journals(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.journal"))


# -- 1. sidecars never follow a symlink ---------------------------------------------------------
def test_sidecar_symlinks_are_never_written_through(target: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    original = target.read_bytes()
    lock = target.with_name(f".{target.name}.lock")
    lock.symlink_to(victim)
    legacy = target.with_name(f".{target.name}.journal")
    legacy.symlink_to(target)
    planted = target.with_name(f".{target.name}.planted.journal")
    planted.symlink_to(victim)

    storage, scenario, log = _open(target)
    assert storage.acquire_lock() is None
    assert "lock" in storage.lock_problem  # said, not followed
    for i in range(3):
        _toggle(storage, scenario, log, f"change {i}")
    assert storage.pending_recovery() is None  # the planted links are not journals
    storage.close()
    assert victim.read_text() == "precious"
    assert target.read_bytes() == original
    assert lock.is_symlink() and legacy.is_symlink() and planted.is_symlink()


def test_journal_is_created_exclusively_and_privately(target: Path) -> None:
    storage, scenario, log = _open(target)
    _toggle(storage, scenario, log, "first")
    st = os.lstat(storage.journal_path)
    assert st.st_mode & 0o077 == 0  # 0600: notes may be sensitive
    storage.close()


# -- 2. two sessions on one file ----------------------------------------------------------------
LIVE_SESSION = textwrap.dedent(
    """
    import sys, time
    from monitor.model import CrossingStatus, Moment
    from monitor.model.changelog import ChangeLog
    from monitor.model.changes import status_change
    from monitor.model.storage import FileStorage
    storage = FileStorage(sys.argv[1], user="first")
    scenario = storage.load()
    storage.acquire_lock()
    log = ChangeLog(scenario)
    for i in range(3):
        status = CrossingStatus.OPEN if i % 2 == 0 else CrossingStatus.CLOSED
        c = status_change(scenario, "qaim", status, Moment.now(scenario.tz), note=f"first {i}",
                          by="first")
        log.apply(c)
        storage.append_change(c)
    print("ready", flush=True)
    time.sleep(60)
    """
)


def test_a_live_sessions_journal_is_never_offered_or_touched(target: Path) -> None:
    first = subprocess.Popen(
        [sys.executable, "-c", LIVE_SESSION, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout.readline().strip() == "ready"
        (theirs,) = _journals(target)
        before = theirs.read_bytes()

        second, scenario, log = _open(target, "second")
        holder = second.acquire_lock()
        assert holder is not None and holder.user == "first"  # told who has it open
        assert second.pending_recovery() is None  # alive: not offered
        _toggle(second, scenario, log, "second 0")
        assert second.journal_path != theirs  # a journal of its own
        other = target.with_name("other.json")
        with pytest.raises(InUseError):  # Save As onto a file another session holds
            FileStorage(other).save(scenario, path=target)
        second.save(scenario, force=True)  # (the analyst chose to overwrite)
        second.close()
        assert theirs.read_bytes() == before  # neither truncated nor deleted
    finally:
        first.kill()
        first.wait()
    # The first session died: now, and only now, its three changes are offered.
    third, scenario, log = _open(target, "third")
    recovery = third.pending_recovery()
    assert recovery is not None and _notes(recovery.changes) == ["first 0", "first 1", "first 2"]
    assert recovery.by == "first"
    recovery.release()


def test_save_as_onto_a_held_file_refuses_and_keeps_its_journal(
    target: Path, tmp_path: Path
) -> None:
    a, scenario_a, log_a = _open(target, "a")
    a.acquire_lock()
    _toggle(a, scenario_a, log_a, "a's change")
    journal = a.journal_path.read_bytes()
    copy = tmp_path / "copy.json"
    copy.write_bytes(target.read_bytes())
    b, scenario_b, _ = _open(copy, "b")
    with pytest.raises(InUseError, match="open for writing by a"):
        b.save(scenario_b, path=target)
    assert a.journal_path.read_bytes() == journal
    a.close()


# -- 3. a file changed while or after it is read ------------------------------------------------
def test_a_file_rewritten_during_the_load_is_refused(target: Path) -> None:
    # Many events, so that the reader reads the file in several windows.
    doc = json.loads(target.read_text())
    template = doc["events"][1]
    doc["events"] = [{**template, "id": f"ev{i}"} for i in range(40_000)]
    target.write_text(json.dumps(doc, indent=1))
    other = dict(doc, scenario={**doc["scenario"], "title": "Rewritten by another program"})
    other_bytes = json.dumps(other, indent=1).encode()
    real_read = os.read
    written = {"done": False}

    def progress(fraction: float, message: str) -> None:
        if fraction > 0.2 and not written["done"]:  # the other program writes in place, mid-read
            written["done"] = True
            with open(target, "r+b") as fh:
                fh.write(other_bytes)
                fh.truncate()

    del real_read
    storage = FileStorage(target)
    try:
        storage.load(progress)
    except ScenarioError as exc:
        assert "changed while it was being read" in str(exc)
    else:  # read before the write landed: then the write is noticed at once
        assert storage.changed_on_disk()
    assert written["done"]


def test_a_file_changed_after_the_load_is_never_overwritten_silently(target: Path) -> None:
    storage, scenario, log = _open(target)
    _toggle(storage, scenario, log, "mine")
    theirs = json.loads(target.read_text())
    theirs["scenario"]["title"] = "Theirs"
    target.write_text(json.dumps(theirs))
    assert storage.changed_on_disk()
    with pytest.raises(ConflictError):
        storage.save(scenario)
    assert load_scenario(target).info.title == "Theirs"


# -- 4. a full disk -----------------------------------------------------------------------------
def test_after_a_full_disk_the_journal_holds_every_change_or_says_so(
    target: Path, monkeypatch
) -> None:
    storage, scenario, log = _open(target)
    _toggle(storage, scenario, log, "change 1")
    real_write = journal_module.write_all
    full = {"on": True}

    def write(fd, data):
        if full["on"]:
            real_write(fd, data[: len(data) // 2])  # part of the line got out
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fd, data)

    monkeypatch.setattr(journal_module, "write_all", write)
    for n in (2, 3):
        with pytest.raises(OSError):
            _toggle(storage, scenario, log, f"change {n}")
        assert storage.journal_error == "No space left on device"
        assert not storage.protected
    # What a crash now would recover: change 1 only (a state that existed), never a half line.
    recovered = journal_module._parse(storage.journal_path.read_bytes(), storage._base_sha)[1]
    assert _notes(recovered) == ["change 1"]
    full["on"] = False
    _toggle(storage, scenario, log, "change 4")
    assert storage.journal_error == "" and storage.protected
    storage.close()  # as if the app died now
    survivor, _, _ = _open(target)
    recovery = survivor.pending_recovery()
    assert _notes(recovery.changes) == ["change 1", "change 2", "change 3", "change 4"]
    assert recovery.problem == "" and not recovery.cut_short
    recovery.release()


# -- 5, 6. replayed lines are validated; nothing in a journal line can crash the app ------------
def _plant_journal(target: Path, lines: list) -> Path:
    storage, _, _ = _open(target)
    path = target.with_name(f".{target.name}.deadsession0.journal")
    header = {
        "journal": 2,
        "file": target.name,
        "base_sha256": storage._base_sha,
        "started": "2024-12-01T10:00:00+00:00",
        "by": "crashed",
        "pid": 1,
        "session": "deadsession0",
    }
    body = [json.dumps(header)] + [x if isinstance(x, str) else json.dumps(x) for x in lines]
    path.write_text("\n".join(body) + "\n")
    return path


def _good_change(target: Path, note: str) -> dict:
    scenario = load_scenario(target)
    return {
        "change": status_change(
            scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), note=note, by="crashed"
        ).to_json()
    }


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"source_ids": ["no-such-source"]}, "no-such-source"),
        ({"note": 42}, "note"),
    ],
)
def test_recovery_stops_at_a_change_the_rules_refuse(target: Path, bad: dict, reason: str) -> None:
    good = _good_change(target, "good")
    wrong = _good_change(target, "wrong")
    wrong["change"]["after"].update(bad)
    later = _good_change(target, "later")
    _plant_journal(target, [good, wrong, later])
    storage, scenario, log = _open(target)
    recovery = storage.pending_recovery()
    assert len(recovery.changes) == 3  # well-formed lines: the scenario's rules decide
    problems = storage.recover(scenario, recovery, log)
    assert len(problems) == 1 and "change 2" in problems[0] and reason in problems[0]
    assert "2 change(s) not recovered" in problems[0]
    assert [h.note for h in scenario.crossing("qaim").history][-1] == "good"
    storage.save(scenario)
    assert load_scenario(target).crossing("qaim").history[-1].note == "good"  # still opens


@pytest.mark.parametrize(
    "line, reason",
    [
        (
            {"change": {"kind": "extra", "target": ["k"], "before": None, "after": 1, "label": ""}},
            "unknown field",
        ),
        ('{"change": ' * 5000 + "{}" + "}" * 5000, "nested too deeply"),
        (
            {
                "change": {
                    **_good_change(SMALL, "x")["change"],
                    "entity": "scenario",
                    "key": "schema_version",
                    "before": 1,
                    "after": 2,
                }
            },
            "schema_version",
        ),
        (
            {
                "change": {
                    **_good_change(SMALL, "x")["change"],
                    "entity": "scenario",
                    "key": "events",
                    "before": None,
                    "after": [],
                }
            },
            "events",
        ),
        (
            {"change": {**_good_change(SMALL, "x")["change"], "after": {"note": "\ud800"}}},
            "surrogate",
        ),
        ("not json at all", "cannot be used"),
    ],
    ids=[
        "target-a-list",
        "deep-nesting",
        "schema-version",
        "events-emptied",
        "lone-surrogate",
        "garbage",
    ],
)
def test_a_hostile_journal_line_is_refused_with_a_reason(target: Path, line, reason: str) -> None:
    good = _good_change(target, "good")
    _plant_journal(target, [good, line, _good_change(target, "after")])
    storage, scenario, log = _open(target)
    recovery = storage.pending_recovery()
    assert _notes(recovery.changes) == ["good"]
    assert "line 3" in recovery.problem and reason in recovery.problem
    assert recovery.lost == 1
    assert storage.recover(scenario, recovery, log)  # says what was not recovered
    assert len(scenario.events) == len(load_scenario(SMALL).events)
    storage.save(scenario)
    assert load_scenario(target).schema_version == 1


def test_a_lone_surrogate_never_reaches_the_scenario(target: Path) -> None:
    storage, scenario, log = _open(target)
    change = status_change(
        scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), note="bad \ud800"
    )
    with pytest.raises(ChangeError, match="surrogate"):
        log.apply(change)
    storage.save(scenario)  # saving still works


# -- 8. odd lock files --------------------------------------------------------------------------
def test_a_full_disk_while_locking_leaves_no_empty_lock(target: Path, monkeypatch) -> None:
    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage_module, "write_all", no_space)
    storage = FileStorage(target)
    storage.load()
    assert storage.acquire_lock() is None
    assert "No space left on device" in storage.lock_problem
    assert not storage.lock_path.exists()
    monkeypatch.undo()
    again = FileStorage(target)
    again.load()
    assert again.acquire_lock() is None and again.lock_problem == ""
    again.close()


def test_a_directory_or_a_huge_pid_at_the_lock_is_harmless(target: Path) -> None:
    lock = target.with_name(f".{target.name}.lock")
    lock.mkdir()
    storage = FileStorage(target)
    storage.load()
    assert storage.acquire_lock() is None and storage.lock_problem
    lock.rmdir()
    lock.write_text(json.dumps({"pid": 2**40, "host": "x", "user": "ghost", "since": "now"}))
    storage2 = FileStorage(target)
    storage2.load()
    assert storage2.acquire_lock() is None  # nobody holds it: taken over
    assert json.loads(lock.read_text())["pid"] == os.getpid()
    storage2.close()


# -- 10. read-only files; sidecar oddities after a save -----------------------------------------
def test_a_read_only_file_is_never_overwritten(target: Path) -> None:
    original = target.read_bytes()
    target.chmod(0o444)
    storage, scenario, log = _open(target)
    assert storage.read_only and "read-only" in storage.read_only
    _toggle(storage, scenario, log, "edit")  # the journal still protects the edit
    with pytest.raises(PermissionError, match="Save As"):
        storage.save(scenario)
    assert target.read_bytes() == original
    copy = target.with_name("copy.json")
    storage.save(scenario, path=copy)
    assert load_scenario(copy).crossing("qaim").history[-1].note == "edit"


def test_a_save_succeeds_even_if_its_journal_was_replaced_by_a_directory(target: Path) -> None:
    storage, scenario, log = _open(target)
    _toggle(storage, scenario, log, "edit")
    storage.journal_path.unlink()
    storage.journal_path.mkdir()
    storage.save(scenario)  # no "Save failed" for a save that worked
    assert load_scenario(target).crossing("qaim").history[-1].note == "edit"
    assert storage.journal_path.is_dir()  # not ours any more: left alone


def test_a_journal_left_by_the_previous_version_is_still_recovered(target: Path) -> None:
    """Journals of the first format (one per file, changes addressed by list position)."""
    scenario = load_scenario(target)
    entry = status_change(
        scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), note="old app"
    ).after
    storage, _, _ = _open(target)
    header = {
        "journal": 1,
        "file": target.name,
        "base_sha256": storage._base_sha,
        "started": "2024-12-01T10:00:00+00:00",
        "by": "old",
        "pid": 1,
    }
    lines = [
        header,
        {
            "seq": 1,
            "change": {
                "kind": "history",
                "target": "qaim",
                "before": None,
                "after": entry,
                "label": "Qaim: open",
            },
        },
        {
            "seq": 2,
            "change": {
                "kind": "extra",
                "target": "key_judgements",
                "before": None,
                "after": "- Border stays shut",
                "label": "Edit key judgements",
            },
        },
    ]
    legacy = target.with_name(f".{target.name}.journal")
    legacy.write_text("".join(json.dumps(x) + "\n" for x in lines))
    storage, scenario, log = _open(target)
    recovery = storage.pending_recovery()
    assert [c.entity for c in recovery.changes] == ["status", "scenario"]
    assert storage.recover(scenario, recovery, log) == []
    assert scenario.crossing("qaim").history[-1].note == "old app"
    assert scenario.extra["key_judgements"] == "- Border stays shut"
    assert not legacy.exists()
