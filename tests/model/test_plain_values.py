"""What a change may hold: plain JSON only. The quick test (:func:`plain_json`, in C) says
"surely plain" only for values the careful walk (:func:`check_plain`) accepts too, and the
walk names what is wrong with the rest."""

from __future__ import annotations

import datetime
import decimal
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.model.changes import MAX_DEPTH, ChangeError, check_plain, plain_json


def _nested(levels: int) -> object:
    v: object = "x"
    for _ in range(levels):
        v = [v]
    return v


def _old_surely_plain(value: object) -> bool:
    """The previous quick test (a json.dumps / json.loads round trip), as the reference."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False, check_circular=False)
        text.encode("utf-8")
        if json.loads(text) != value:
            return False
    except (TypeError, ValueError, RecursionError, UnicodeEncodeError):
        return False
    return True


@pytest.mark.parametrize(("value", "why"), [
    ({"a": float("nan")}, "not a JSON number"),
    ({"a": [1.0, float("inf")]}, "not a JSON number"),
    ({"a": -math.inf}, "not a JSON number"),
    ({"a": (1, 2)}, "cannot be stored"),
    ({"a": {1, 2}}, "cannot be stored"),
    ({"a": b"xy"}, "cannot be stored"),
    ({"a": datetime.date(2024, 1, 2)}, "cannot be stored"),
    ({"a": decimal.Decimal("1.5")}, "cannot be stored"),
    ({1: "x"}, "key must be text"),
    ({None: "x"}, "key must be text"),
    ({True: "x"}, "key must be text"),
    ({"a": "x\udc00y"}, "unpaired surrogate"),
    ({"a\ud800": 1}, "unpaired surrogate"),
    ({"a": _nested(MAX_DEPTH + 1)}, "nested more than"),
])
def test_what_a_file_cannot_hold_is_never_taken_as_plain(value, why) -> None:
    assert plain_json(value) is None
    with pytest.raises(ChangeError, match=why):
        check_plain(value, "after")


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [1.5, -0.0, 1e300, None, True, "ü"], "c": {"d": ""}},
    {"big": 10**30, "neg": -(2**70)},
    {"text": "[{" * 200},  # brackets in text are not nesting
    {"a": _nested(MAX_DEPTH - 1)},
    ["x", {"y": "\U0001F600"}],
])
def test_plain_values_are_plain_and_their_text_reads_back_the_same(value) -> None:
    text = plain_json(value)
    assert text is not None and json.loads(text) == value
    check_plain(value, "after")


# (lone surrogates included: the default alphabet leaves them out)
_near_surrogates = st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010, exclude_categories=())
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
    st.text(alphabet=_near_surrogates),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner),
        st.dictionaries(
            st.one_of(st.text(max_size=3), st.text(_near_surrogates, max_size=2), st.integers()),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_the_quick_test_agrees_with_the_previous_one_and_with_the_walk(value) -> None:
    quick = plain_json(value) is not None
    assert quick == _old_surely_plain(value)
    if quick:
        check_plain(value, "v")  # never "surely plain" for what the walk refuses


def test_change_ids_are_random_version_4_uuids_as_text() -> None:
    import uuid

    from monitor.model.changes import new_id

    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:2000]:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 4 and u.variant == uuid.RFC_4122


def test_recorded_times_are_now_in_utc_to_the_millisecond() -> None:
    from datetime import UTC, datetime, timedelta

    from monitor.model.changes import Change, utc_now

    before = datetime.now(UTC)
    texts = [utc_now() for _ in range(5000)]
    after = datetime.now(UTC)
    times = [datetime.fromisoformat(t) for t in texts]
    assert all(t.utcoffset() == timedelta(0) and t.microsecond % 1000 == 0 for t in times)
    assert texts[0].endswith("+00:00") and len(texts[0]) == len("2024-12-06T08:30:00.123+00:00")
    assert before - timedelta(milliseconds=1) <= times[0] <= times[-1] <= after
    assert times == sorted(times)
    assert datetime.fromisoformat(Change("event", "e1", None, {"id": "e1"}).recorded) >= times[-1]
