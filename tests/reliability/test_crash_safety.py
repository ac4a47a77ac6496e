"""Crash-safe saving, proven by killing a writer (SIGKILL) at random moments.

* ``save_scenario`` alternating three versions of ~2 MB: after every kill the file is
  byte-for-byte one complete version -- the last one reported saved, or the one being
  saved (never an older one, never a mix) -- and it loads; stray temp files are counted
  and must never be the target;
* ``FileStorage.append_change``: every change reported appended before the kill is
  recovered from the journal, in order, and replays cleanly (notes up to 20 kB of Arabic
  and emoji, so lines span several writes and a kill can cut one);
* a session that also saves every few changes: the file plus the recovered journal hold
  every reported change exactly once.

``MONITOR_CRASH_RUNS=N`` sets the number of kills per test (CI default below).
The kills are real; durability against power loss also relies on fsync, which these
tests cannot cut (see docs/reliability.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from monitor.model import load_scenario
from monitor.model.changelog import apply_change
from monitor.model.changes import Change
from monitor.model.journal import Journal
from monitor.model.storage import FileStorage

HERE = Path(__file__).resolve().parent
DEFAULT_RUNS = 100


def crash_runs(default: int = DEFAULT_RUNS) -> int:
    raw = os.environ.get("MONITOR_CRASH_RUNS", "").strip()
    return int(raw) if raw else default


class Zygote:
    """The forking helper process of crash_worker.py and its output lines."""

    def __init__(self) -> None:
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
        )
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "crash_worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        assert self.next_line(timeout=60) == "ready"

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("<eof>")

    def next_line(self, timeout: float = 30) -> str:
        line = self.lines.get(timeout=timeout)
        assert line != "<eof>", "the crash worker zygote died"
        assert not line.startswith("error "), line
        return line

    def run_and_kill(self, command: str, delay: float) -> list[str]:
        """Start a worker, SIGKILL it after ``delay`` s; its lines once it is surely dead."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        said: list[str] = []
        while True:
            line = self.next_line()
            if line.startswith("pid "):
                pid = int(line.split()[1])
                break
            said.append(line)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        while True:
            line = self.next_line()
            if line.startswith(f"reaped {pid} "):
                status = int(line.split()[2])
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, line
                return said
            said.append(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    yield z
    z.close()


def _temp_files(folder: Path, target: Path) -> list[Path]:
    return sorted(folder.glob(f".{target.name}.*.tmp"))


# --------------------------------------------------------------------------- atomic save
def test_killed_save_leaves_one_complete_version(zygote, tmp_path: Path, figures) -> None:
    import crash_worker

    versions = crash_worker.version_bytes()
    assert len({len(v) for v in versions}) == 3, "versions must differ in size too"
    for k, data in enumerate(versions):  # each complete version is a valid scenario file
        (tmp_path / "check.json").write_bytes(data)
        assert load_scenario(tmp_path / "check.json").extra["version"] == k
    target = tmp_path / "scenario.json"
    rng = random.Random(1234)
    runs = crash_runs()
    leftovers = 0
    outcomes = {"old": 0, "new": 0}
    for run in range(runs):
        start = rng.randrange(3)
        target.write_bytes(versions[start % 3])
        said = zygote.run_and_kill(f"save {target} {start}", rng.uniform(0, 0.06))

        done = [int(x.split()[1]) for x in said if x.startswith("done ")]
        began = [int(x.split()[1]) for x in said if x.startswith("begin ")]
        last_done = max(done, default=start)
        on_disk = target.read_bytes()
        assert on_disk in versions, (
            f"run {run}: the file is no complete version ({len(on_disk)} bytes)"
        )
        k = versions.index(on_disk)
        in_flight = (last_done + 1) % 3 if began and max(began) > last_done else None
        assert k == last_done % 3 or k == in_flight, (
            f"run {run}: version {k} on disk, last saved {last_done % 3}, being saved {in_flight}"
        )
        outcomes["new" if k == in_flight else "old"] += 1
        stray = _temp_files(tmp_path, target)
        leftovers += len(stray)
        for tmp in stray:  # a temp file is never the target: remove it for the next run
            assert tmp.resolve() != target.resolve()
            tmp.unlink()
    figures.add(
        "SIGKILL during save_scenario",
        cases=runs,
        **{
            "file was the last saved version": outcomes["old"],
            "file was the version being saved (rename done)": outcomes["new"],
            "stray temp files left (removed)": leftovers,
        },
    )


# --------------------------------------------------------------------------- journal
_SEQ_RE = re.compile(r"seq (\d+) \|")


def _seqs(changes: list[Change]) -> list[int]:
    return [int(_SEQ_RE.match(c.after["note"]).group(1)) for c in changes]


def _fresh_copy(tmp_path: Path) -> Path:
    target = tmp_path / "scenario.json"
    target.write_bytes((HERE.parent / "data" / "small.json").read_bytes())
    for side in [FileStorage(target).lock_path, *tmp_path.glob(f".{target.name}.*journal")]:
        side.unlink(missing_ok=True)
    return target


def test_killed_session_journal_recovers_every_reported_change(
    zygote, tmp_path: Path, figures
) -> None:
    rng = random.Random(99)
    runs = crash_runs()
    recovered_total = 0
    cut_lines = 0
    for run in range(runs):
        target = _fresh_copy(tmp_path)
        original = target.read_bytes()
        said = zygote.run_and_kill(f"journal {target}", rng.uniform(0, 0.04))
        reported = [int(x.split()[1]) for x in said if x.startswith("seq ")]

        assert target.read_bytes() == original  # never saved
        storage = FileStorage(target)
        scenario = storage.load()
        recovery = storage.pending_recovery(scenario)
        if recovery is None:
            assert not reported, f"run {run}: changes {reported} reported but no journal"
            continue
        got = _seqs(recovery.changes)
        # Everything reported, in order, and at most the one change appended as it was killed.
        assert got[: len(reported)] == reported == list(range(1, len(reported) + 1)), (
            run,
            got,
            reported,
        )
        assert len(got) - len(reported) <= 1, (run, got, reported)
        assert recovery.base_matches
        assert recovery.skipped_lines <= 1  # only a last line cut by the kill
        assert storage.recover(scenario, recovery) == []
        notes = [
            h.note
            for h in scenario.crossing("qaim").history
            if h.note and h.note.startswith("seq ")
        ]
        assert [int(_SEQ_RE.match(n).group(1)) for n in notes] == got
        recovered_total += len(got)
        cut_lines += recovery.skipped_lines
        storage.discard_journal()
    figures.add(
        "SIGKILL while journalling",
        cases=runs,
        **{"changes recovered": recovered_total, "last lines cut by the kill (skipped)": cut_lines},
    )


def test_killed_session_with_saves_loses_and_repeats_nothing(
    zygote, tmp_path: Path, figures
) -> None:
    """File + journal after the kill hold every reported change exactly once, also when the
    kill falls between the save's rename and the journal's removal."""
    rng = random.Random(7)
    runs = crash_runs()
    stale_journals = 0
    after_rename = 0
    for run in range(runs):
        target = _fresh_copy(tmp_path)
        said = zygote.run_and_kill(f"session {target}", rng.uniform(0, 0.08))
        reported = [int(x.split()[1]) for x in said if x.startswith("seq ")]

        storage = FileStorage(target)
        scenario = storage.load()  # the file is complete whatever the moment of the kill
        file_sha = hashlib.sha256(target.read_bytes()).hexdigest()
        journal = b"".join(p.read_bytes() for p in tmp_path.glob(f".{target.name}.*.journal"))
        if f'"saving_sha256": "{file_sha}"'.encode() in journal:
            after_rename += 1  # killed between the save's rename and the journal's removal
        recovery = storage.pending_recovery(scenario)
        if recovery is not None:
            if not recovery.base_matches:
                stale_journals += 1
            assert storage.recover(scenario, recovery) == []
        notes = [
            h.note
            for h in scenario.crossing("qaim").history
            if h.note and h.note.startswith("seq ")
        ]
        have = [int(_SEQ_RE.match(n).group(1)) for n in notes]
        assert have[: len(reported)] == reported == list(range(1, len(reported) + 1)), (
            run,
            have,
            reported,
        )
        assert len(have) - len(reported) <= 1 and len(set(have)) == len(have), (run, have, reported)
        storage.discard_journal()
        for tmp in _temp_files(tmp_path, target):
            tmp.unlink()
    figures.add(
        "SIGKILL during a session that saves",
        cases=runs,
        **{
            "journal older than the file (base mismatch)": stale_journals,
            "killed after the save's rename, before the journal's removal": after_rename,
        },
    )


def test_journal_line_with_unicode_line_separators_is_not_split(tmp_path: Path) -> None:
    """Regression: str.splitlines() cut a journal line at U+2028/U+0085 inside a note, and
    the change was lost; a last line cut inside a UTF-8 character lost the whole journal."""
    from monitor.model import CrossingStatus, Moment
    from monitor.model.changes import status_change

    target = _fresh_copy(tmp_path)
    storage = FileStorage(target)
    scenario = storage.load()
    notes = ["line\u2028separator", "next\u0085line", "para\u2029graph", "plain"]
    for note in notes:
        change = status_change(
            scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), note=note
        )
        apply_change(scenario, change)
        storage.append_change(change)
    storage.close()
    with open(storage.journal_path, "ab") as fh:  # a crash cut the next line inside "ق"
        fh.write(json.dumps({"seq": 5, "change": {"note": "ق"}}, ensure_ascii=False).encode()[:-4])
    survivor = FileStorage(target)
    recovery = survivor.pending_recovery(survivor.load())
    assert [c.after["note"] for c in recovery.changes] == notes
    assert recovery.skipped_lines == 1


class _Killed(BaseException):
    pass


def test_death_between_rename_and_journal_removal_replays_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    """Regression: the journal of a session that died right after its save's rename was
    replayed on the saved file, and every change was in the history twice."""
    from monitor.model import CrossingStatus, Moment
    from monitor.model.changes import status_change

    target = _fresh_copy(tmp_path)
    storage = FileStorage(target)
    scenario = storage.load()
    change = status_change(
        scenario, "qaim", CrossingStatus.OPEN, Moment.now(scenario.tz), note="once"
    )
    apply_change(scenario, change)
    storage.append_change(change)

    def die(self, sha) -> None:
        raise _Killed

    monkeypatch.setattr(Journal, "saved", die)
    with pytest.raises(_Killed):
        storage.save(scenario)  # the file is replaced, the journal is still there
    assert storage.journal_path.exists()
    storage.close()  # the journal holds an unsaved change: it stays

    survivor = FileStorage(target)
    reopened = survivor.load()
    assert [h.note for h in reopened.crossing("qaim").history].count("once") == 1
    assert survivor.pending_recovery(reopened) is None
