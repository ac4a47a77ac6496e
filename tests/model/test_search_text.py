"""The search text is not stored: it is made from the events' columns when the index is
built or a frame is scanned. Whichever way a query is answered -- a scan of a frame with
no index, the index, an index following edits -- the rows are those a plain Python scan of
the events finds (casefold: "STRASSE" finds "Straße", final sigma, Arabic and Kurdish text
with bidi marks)."""

from __future__ import annotations

import dataclasses
import sys
from unittest import mock

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from searchref import plain_rows, plain_texts

from monitor.model import Event, Faction, Location, Scenario, ScenarioInfo, Verification, search
from monitor.model.frames import filter_events
from monitor.model.searchtext import CASED, casefold, take, texts_of
from monitor.model.timeutil import parse_moment, zone

# Latin with case beyond ASCII (sharp s and its capital, dotted capital I, dotless small i,
# the fi ligature, Roman numeral twelve, circled a, combining ypogegrammeni), Greek with
# final sigma, Arabic and Kurdish (Sorani) letters, bidi marks and isolates, white space.
ALPHABET = (
    "abcXYZé ßẞİıﬁⅫⓐ\u0345 σςΣΊ حماة ربيعة ێڕۆڵ کوردستان"
    "\u200e\u200f\u061c\u2066\u2067\u2069 \n\t\u00a0\u3000-.("
)
text = st.text(alphabet=ALPHABET, max_size=14)
FACTIONS = [Faction("gov", "Syrian Government", "#000000"), Faction("kur", "SDF Kurdî", "#111111")]
TZ = zone("UTC")


def _event(i: int, title: str, summary: str | None, actors: list[str], place: str | None) -> Event:
    return Event(
        id=f"e{i}",
        time=parse_moment(f"2024-01-01T{i % 24:02d}:00:00Z", TZ),
        title=title or "t",
        category="clash",
        actors=actors,
        source_ids=[],
        verification=Verification.REPORTED,
        summary=summary,
        location=Location(place) if place else None,
    )


events = st.lists(
    st.tuples(
        text,
        st.one_of(st.none(), text),
        st.lists(st.sampled_from(["gov", "kur", "ΣΤΡΑΤΌΣ", "x-ß"]), max_size=3),
        st.one_of(st.none(), text),
    ),
    min_size=1,
    max_size=25,
)


def _queries(draw_texts: list[str], extra: list[str]) -> list[str]:
    """Queries that hit (pieces of the texts, in upper case too) and that may not."""
    out = list(extra)
    for t in draw_texts[:6]:
        words = t.split()
        if words:
            w = words[len(words) // 2]
            out += [w, w[1:3], w.upper(), w[:2].upper() + " " + w[-2:]]
    return [q for q in out if q.split()]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=events,
    extra=st.lists(text, max_size=4),
    edits=st.lists(
        st.tuples(st.sampled_from(["replace", "add", "remove"]), st.integers(0, 99), text),
        max_size=4,
    ),
)
def test_scan_index_and_edited_index_agree_with_a_plain_scan(rows, extra, edits) -> None:
    scenario = Scenario(
        info=ScenarioInfo("s", "S", "UTC"),
        factions=FACTIONS,
        events=[_event(i, *r) for i, r in enumerate(rows)],
    )
    frame = scenario.events_frame()
    texts = plain_texts(scenario)
    queries = _queries(texts, [*extra, "STRASSE", "σίσυφος", "ΣΙΣ", "حماة", "کورد", "sdf", "gov"])
    for q in queries:  # no index: the frame is scanned
        assert filter_events(frame, q).tolist() == plain_rows(texts, q), q
    search.build_index(frame)
    for q in queries:  # the index
        assert filter_events(frame, q).tolist() == plain_rows(texts, q), q
    with mock.patch.object(search, "MIN_INDEXED_ROWS", 1):
        table = scenario.table
        for n, (kind, at, title) in enumerate(edits):
            before = scenario.events_frame()
            if kind == "add":
                table.add(_event(1000 + n, title, title, ["kur"], title))
                at = len(table) - 1
            elif len(table) > 1:
                at %= len(table)
                if kind == "replace":
                    table.replace(dataclasses.replace(table[at], title=title or "t", summary=title))
                else:
                    table.remove(table[at].id)
            else:
                continue
            after = scenario.events_frame()
            assert search.follow_edit(after, before, kind, at)
            texts = plain_texts(scenario)
            for q in _queries(texts, queries):  # the index following the edits
                assert filter_events(after, q).tolist() == plain_rows(texts, q), q


def test_rows_needing_python_casefold_are_all_found() -> None:
    # Every character that str.casefold() changes, beyond ASCII, is one the Arrow check
    # sends to Python: casefolding the others by lowering ASCII is exact.
    changed = [chr(c) for c in range(0x80, sys.maxunicode + 1) if chr(c).casefold() != chr(c)]
    assert len(changed) > 1000
    hits = pc.match_substring_regex(pa.array(changed, pa.large_string()), CASED)
    missed = [c for c, hit in zip(changed, hits.to_pylist(), strict=True) if not hit]
    assert missed == []
    sample = ["Straße ΣΊΣΥΦΟΣ", "حماة \u200fربيعة", "ێڕۆڵ", "İstanbul ﬁ Ⅻ ⓐ", "ABC", ""]
    assert casefold(pa.array(sample, pa.large_string())).to_pylist() == [
        s.casefold() for s in sample
    ]


def test_frame_texts_are_made_from_columns_not_stored(small) -> None:
    frame = small.events_frame()
    assert "search" not in frame.columns
    assert "search" not in small.table.columns()["text"]
    made = texts_of(frame).slice(0, len(frame)).to_pylist()
    assert made == plain_texts(small)


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(
        st.lists(st.text(alphabet="ab ß", max_size=3), max_size=6), min_size=1, max_size=5
    ),
    picks=st.lists(st.integers(0, 10_000), max_size=12),
)
def test_rows_are_taken_chunk_by_chunk_in_the_order_asked(parts, picks) -> None:
    column = pa.chunked_array([pa.array(p, pa.large_string()) for p in parts])
    flat = [x for p in parts for x in p]
    if not flat:
        return
    rows = [i % len(flat) for i in picks]  # any order, repeats too
    assert take(column, np.array(rows, np.int64)).to_pylist() == [flat[i] for i in rows]
