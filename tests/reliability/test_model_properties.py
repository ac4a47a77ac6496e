"""Property-based tests of the model: round trips, edits with undo/redo, journal replay.

* any valid scenario: load -> save -> load gives an equal scenario; what is saved is the
  document itself in canonical form (nothing lost, unknown fields kept); a second save is
  byte-identical;
* any sequence of status changes, entry edits, deletions, undos and redos: saving and
  loading gives back exactly the in-memory state; replaying the journal on the original
  file rebuilds the same state; undoing everything restores the loaded scenario.

``Crossing.status_at`` against a brute-force reading of the rule is proven in
tests/model/test_queries.py::test_status_at_agrees_with_brute_force.
Budget: ``MONITOR_FUZZ_EXAMPLES`` (see scenario_strategies.examples).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenario_strategies import NASTY_TEXT, OFFSETS, budget, canonical, scenario_docs

from monitor.model import (
    CrossingStatus,
    Moment,
    dumps_scenario,
    load_scenario,
    save_scenario,
    scenario_from_json,
)
from monitor.model.changelog import apply_change
from monitor.model.changes import Change, delete_entry, edit_entry, status_change
from monitor.model.entities import StatusEntry
from monitor.model.storage import FileStorage
from monitor.model.timeutil import parse_moment
from monitor.model.writer import status_entry_json


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


# --------------------------------------------------------------------------- round trip
@budget(60)
@given(
    doc=scenario_docs(),
    indent=st.sampled_from([None, 0, 2, 4, "\t"]),
    ensure_ascii=st.booleans(),
    sort_keys=st.booleans(),
)
def test_any_valid_scenario_round_trips_exactly(
    workdir, figures, doc, indent, ensure_ascii, sort_keys
) -> None:
    src = workdir / "input.json"
    src.write_text(
        json.dumps(doc, indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys),
        encoding="utf-8",
    )
    loaded = load_scenario(src)

    out = workdir / "saved.json"
    save_scenario(loaded, out)
    saved_bytes = out.read_bytes()
    # Nothing lost or changed: the saved document is the input in canonical form.
    assert json.loads(saved_bytes) == canonical(doc)
    assert saved_bytes == dumps_scenario(loaded).encode("utf-8")

    again = load_scenario(out)
    assert again == loaded
    out2 = workdir / "saved-again.json"
    save_scenario(again, out2)
    assert out2.read_bytes() == saved_bytes, "save -> load -> save is not byte-identical"
    figures.add("valid scenarios round-trip (hypothesis)", events=len(doc["events"]))


# --------------------------------------------------------------------------- edits
_STATUSES = list(CrossingStatus)
_notes = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(NASTY_TEXT))


@st.composite
def _moments(draw, zone_name: str) -> Moment:
    """Effective times as the UI makes them: a day, an instant at a fixed offset, or an
    instant in the scenario's IANA zone (as the time cursor gives) -- old dates included,
    where zones had local-mean-time offsets with seconds."""
    kind = draw(st.sampled_from(["day", "offset", "zone"]))
    tz = ZoneInfo(zone_name) if zone_name != "UTC" else OFFSETS[0]
    if kind == "day":
        return Moment.of_day(
            draw(st.dates(datetime(1880, 1, 1).date(), datetime(2100, 1, 1).date())), tz
        )
    # fold=0: Python compares two datetimes of one zone by wall time and ignores fold, so
    # entries an hour apart in a DST fold compare equal; undo identifies entries by value.
    naive = draw(st.datetimes(datetime(1880, 1, 2), datetime(2100, 1, 1))).replace(fold=0)
    if kind == "offset":
        return Moment(naive.replace(tzinfo=draw(st.sampled_from(OFFSETS))))
    return Moment(naive.replace(tzinfo=tz))


def _ref_key(entry: dict, tz) -> tuple:
    def instant(text):
        return parse_moment(text, tz).utc.isoformat() if text else ""

    return (
        instant(entry["time"]),
        instant(entry.get("recorded_at")),
        json.dumps(entry, sort_keys=True),
    )


def _ref_apply(reference: dict[str, list], change: Change, tz) -> None:
    """Independent reading of a status change, on entries as JSON: an edit or a deletion
    finds the entry where ``place`` says (if the content there agrees) or as the first equal
    one; a new entry goes back at its ``place`` if the entry after it is the same, else after
    the last entry whose (time, recorded, text) sorts before it."""
    history = reference[change.key]
    if change.before is not None:
        p = change.place
        if p is not None and p["index"] < len(history) and history[p["index"]] == change.before:
            i = p["index"]
        else:
            i = next(k for k, e in enumerate(history) if e == change.before)
        if change.after is None:
            del history[i]
        else:
            history[i] = change.after
        return
    p = change.place
    if p is not None and p["index"] <= len(history):
        there = history[p["index"]] if p["index"] < len(history) else None
        if there == p["next"]:
            history.insert(p["index"], change.after)
            return
    key = _ref_key(change.after, tz)
    at = max((i + 1 for i, e in enumerate(history) if _ref_key(e, tz) <= key), default=0)
    history.insert(at, change.after)


def _histories(scenario) -> dict[str, list]:
    return {c.id: [status_entry_json(e) for e in c.history] for c in scenario.crossings}


@budget(60)
@given(
    doc=scenario_docs(
        min_crossings=1,
        max_crossings=2,
        max_factions=2,
        max_sources=2,
        max_events=1,
        max_history=3,
        max_territory_dates=1,
    ),
    data=st.data(),
)
def test_any_edit_sequence_saves_loads_and_replays_exactly(workdir, figures, doc, data) -> None:
    # Durability (fsync) is the crash tests' subject; here it would only cost time.
    with mock.patch("os.fsync"):
        steps = _edit_sequence(workdir, doc, data)
    figures.add("edit/undo/redo sequences (hypothesis)", changes=steps)


def _edit_sequence(workdir: Path, doc: dict, data) -> int:
    base = workdir / "base.json"
    base.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for side in [FileStorage(base).lock_path, *workdir.glob(f".{base.name}.*journal")]:
        side.unlink(missing_ok=True)
    storage = FileStorage(base, user="property")
    scenario = storage.load()
    original = copy.deepcopy(scenario)
    reference = _histories(scenario)
    source_ids = [s.id for s in scenario.sources]
    done: list[Change] = []
    undone: list[Change] = []

    applied = 0

    def record(change: Change) -> None:
        nonlocal applied
        applied += 1
        apply_change(scenario, change)
        _ref_apply(reference, change, scenario.tz)
        storage.append_change(change)

    for _ in range(data.draw(st.integers(1, 14), label="steps")):
        op = data.draw(
            st.sampled_from(["status", "status", "edit", "delete", "undo", "redo"]), label="op"
        )
        crossing = data.draw(st.sampled_from(scenario.crossings), label="crossing")
        if op == "undo" and done:
            change = done.pop()
            record(change.inverse())
            undone.append(change)
            continue
        if op == "redo" and undone:
            change = undone.pop().again()  # (a redo is the same edit as a new change)
            record(change)
            done.append(change)
            continue
        if op in ("edit", "delete") and crossing.history:
            position = data.draw(st.integers(0, len(crossing.history) - 1), label="position")
            entry = crossing.history[position]
            if op == "delete":
                change = delete_entry(crossing.name, crossing.id, entry, history=crossing.history)
            else:
                fields = data.draw(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "time": _moments(scenario.info.timezone),
                            "status": st.sampled_from(_STATUSES),
                            "note": _notes,
                            "by": _notes,
                            "recorded_at": st.none() | _moments(scenario.info.timezone),
                            "source_ids": st.lists(st.sampled_from(source_ids), max_size=2).map(
                                tuple
                            )
                            if source_ids
                            else st.just(()),
                        },
                    ),
                    label="fields",
                )
                change = edit_entry(crossing.name, crossing.id, entry, **fields)
        else:
            change = status_change(
                scenario,
                crossing.id,
                data.draw(st.sampled_from(_STATUSES), label="status"),
                data.draw(_moments(scenario.info.timezone), label="effective"),
                note=data.draw(_notes, label="note"),
                by=data.draw(_notes, label="by"),
                source_ids=tuple(
                    data.draw(st.lists(st.sampled_from(source_ids), max_size=2), label="sources")
                )
                if source_ids
                else (),
                recorded_at=data.draw(
                    st.none() | _moments(scenario.info.timezone), label="recorded"
                ),
            )
        record(change)
        done.append(change)
        undone.clear()

    assert _histories(scenario) == reference

    # Saving and loading gives back exactly what is in memory (and saving again is identical).
    out = workdir / "edited.json"
    save_scenario(scenario, out)
    reloaded = load_scenario(out)
    # Compared as canonical text: it holds every field, the exact instant and its offset.
    # (datetime == is False across zones for a wall time in a DST gap or fold (PEP 495),
    # even when the instant is the same, so == on scenarios would be too strict here.)
    assert dumps_scenario(reloaded) == dumps_scenario(scenario) == out.read_text(encoding="utf-8")

    # A crash now: the journal replayed on the untouched original rebuilds the same state.
    storage.close()
    survivor = FileStorage(base, user="property")
    rebuilt = survivor.load()
    recovery = survivor.pending_recovery(rebuilt)
    assert recovery is not None and recovery.base_matches and recovery.skipped_lines == 0
    assert survivor.recover(rebuilt, recovery) == []
    assert dumps_scenario(rebuilt) == dumps_scenario(scenario)
    survivor.discard_journal()
    survivor.close()

    # Undoing everything restores the scenario as loaded.
    for change in reversed(done):
        apply_change(scenario, change.inverse())
    assert scenario == original
    return applied


def test_undoing_a_deletion_puts_the_entry_back_in_its_place(small) -> None:
    """File order breaks ties between entries of the same time: after delete + undo the
    same entry must be in force as before (it used to come back at the end and win)."""
    qaim = small.crossing("qaim")
    day = qaim.history[0].time  # 2024-11-30, closed
    reopened = StatusEntry(day, CrossingStatus.OPEN, note="reopened the same day")
    qaim.history = (*qaim.history[:1], reopened, *qaim.history[1:])
    when = day.instant
    assert qaim.status_at(when) == CrossingStatus.OPEN  # later in the file wins the tie
    before = qaim.history

    change = delete_entry(qaim.name, qaim.id, qaim.history[0], history=qaim.history)
    apply_change(small, change)
    assert qaim.status_at(when) == CrossingStatus.OPEN
    apply_change(small, change.inverse())
    assert qaim.history == before
    assert qaim.status_at(when) == CrossingStatus.OPEN
    # ... and the same through the journal's JSON form.
    back = Change.from_json(json.loads(json.dumps(change.inverse().to_json())))
    apply_change(small, change)
    apply_change(small, back)
    assert qaim.history == before


def test_times_a_file_cannot_hold_are_refused_not_saved(small) -> None:
    """A status recorded with the cursor at year 9000 used to be saved into a file that could
    not be reopened; an LMT offset with seconds (+02:57:36) likewise. Now: refused / saved
    as UTC."""
    from monitor.model.changes import ChangeError

    far = Moment(datetime(9000, 1, 1, 12, 0, tzinfo=OFFSETS[1]))
    with pytest.raises(ChangeError, match="supported years"):
        status_change(small, "qaim", CrossingStatus.OPEN, far)
    with pytest.raises(ChangeError, match="supported years"):
        edit_entry("Q", "qaim", small.crossing("qaim").history[0], time=far)

    lmt = Moment(datetime(1910, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Baghdad")))
    assert lmt.instant.utcoffset().total_seconds() % 60  # local mean time: seconds in the offset
    change = status_change(small, "qaim", CrossingStatus.CLOSED, lmt, note="LMT")
    apply_change(small, change)
    text = dumps_scenario(small)
    assert "1910-06-01T09:02:24+00:00" in text
    reopened = scenario_from_json(json.loads(text))  # the file can be opened again
    assert lmt in [h.time for h in reopened.crossing("qaim").history]
