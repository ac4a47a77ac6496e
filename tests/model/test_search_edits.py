"""An index that follows edits (one event added, replaced or removed at a time) answers as
a substring scan of the edited texts does, and a frame edited through the event table gets
its index at once from the previous frame's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from searchref import plain_texts

from monitor.model import Event, Scenario, ScenarioInfo, Verification, search
from monitor.model.frames import filter_events
from monitor.model.search import EditedIndex, SearchIndex
from monitor.model.timeutil import parse_moment, zone

ALPHABET = "abcé ßσ حماة\n-."
text = st.text(alphabet=ALPHABET, max_size=12)
words = st.text(alphabet=ALPHABET, min_size=1, max_size=3).filter(lambda w: w.split() == [w])
edit = st.tuples(st.sampled_from(["replace", "add", "remove"]), st.integers(0, 1000), text)


def scan(values: list[str], word: str) -> list[bool]:
    return [word in v for v in values]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(text, min_size=1, max_size=25),
    edits=st.lists(edit, max_size=12),
    queries=st.lists(words, min_size=1, max_size=4),
)
def test_edited_index_matches_a_scan_of_the_edited_texts(values, edits, queries) -> None:
    index: SearchIndex | EditedIndex = SearchIndex.build(pa.array(values, type=pa.large_string()))
    current = list(values)
    for kind, at, new in edits:
        if kind == "replace" and current:
            at %= len(current)
            current[at] = new
        elif kind == "add":
            at = len(current)
            current.append(new)
        elif kind == "remove" and current:
            at %= len(current)
            del current[at]
        else:
            continue
        got = EditedIndex.following(index, kind, at, pa.array(current, type=pa.large_string()))
        assert got is not None
        index = got
        for word in queries:
            assert index.word_mask(word).tolist() == scan(current, word), (word, current)


def _events(n: int) -> list[Event]:
    tz = zone("UTC")
    return [
        Event(
            id=f"e{i}",
            time=parse_moment(f"2024-01-01T{i % 24:02d}:00:00Z", tz),
            title=f"convoy {i}" if i % 3 else f"clash {i}",
            category="clash",
            actors=[],
            source_ids=[],
            verification=Verification.REPORTED,
        )
        for i in range(n)
    ]


def test_a_frame_edited_through_the_table_is_indexed_from_the_previous_one(monkeypatch) -> None:
    monkeypatch.setattr(search, "MIN_INDEXED_ROWS", 10)
    scenario = Scenario(info=ScenarioInfo("s", "S", "UTC"), events=_events(300))
    frame = scenario.events_frame()
    search.build_index(frame)
    table = scenario.table
    table.replace(dataclasses.replace(table[7], title="a quiet day"))
    edited = scenario.events_frame()
    assert edited is not frame
    assert search.follow_edit(edited, frame, "replace", 7)
    index = search.index_for(edited)
    assert isinstance(index, EditedIndex) and index.n_dirty == 1
    table.remove("e3")
    after_remove = scenario.events_frame()
    assert search.follow_edit(after_remove, edited, "remove", 3)
    table.add(dataclasses.replace(table[0], id="new", title="convoy at night"))
    last = scenario.events_frame()
    assert search.follow_edit(last, after_remove, "add", len(last) - 1)
    for word in ("convoy", "clash", "quiet", "night"):
        expected = [i for i, t in enumerate(plain_texts(scenario)) if word in t]
        assert list(np.flatnonzero(search.index_for(last).word_mask(word))) == expected
        assert list(filter_events(last, text=word)) == expected  # the feed's filter uses it


def test_edits_made_while_the_index_is_built_follow_that_build(monkeypatch) -> None:
    # The build of the first frame is held back until three edits are made: no new build is
    # started for them (one per edit would pile up), and the last frame's index, once the
    # first is built, answers as a scan of its texts does.
    import threading

    monkeypatch.setattr(search, "MIN_INDEXED_ROWS", 10)
    scenario = Scenario(info=ScenarioInfo("s", "S", "UTC"), events=_events(300))
    frame = scenario.events_frame()
    release = threading.Event()
    original = SearchIndex.build.__func__

    def slow_build(cls, texts, cancel=None, dense_rows=None):
        release.wait(10)
        return original(cls, texts, cancel, dense_rows)

    monkeypatch.setattr(SearchIndex, "build", classmethod(slow_build))
    search.start_index(frame)
    table = scenario.table
    frames = [frame]
    table.replace(dataclasses.replace(table[5], title="a quiet day"))
    frames.append(scenario.events_frame())
    assert search.follow_edit(frames[-1], frames[-2], "replace", 5)
    table.remove("e9")
    frames.append(scenario.events_frame())
    assert search.follow_edit(frames[-1], frames[-2], "remove", 9)
    table.add(dataclasses.replace(table[0], id="late", title="night convoy"))
    frames.append(scenario.events_frame())
    assert search.follow_edit(frames[-1], frames[-2], "add", len(frames[-1]) - 1)
    last = frames[-1]
    assert search.index_for(last) is None  # not built yet: the feed scans meanwhile
    release.set()
    index = search.index_for(last, wait=True)
    assert isinstance(index, EditedIndex)
    for word in ("convoy", "quiet", "night", "clash"):
        expected = [i for i, t in enumerate(plain_texts(scenario)) if word in t]
        assert list(np.flatnonzero(index.word_mask(word))) == expected
