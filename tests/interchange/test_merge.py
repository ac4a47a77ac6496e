"""The merge rules: keyed by origin, newer updates feed fields only, same is a no-op, older
skipped, missing flagged, deletions withdraw, actors matched, sources made; one batch."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from feeds import UCDP_COLUMNS, acled_row, csv_text, ucdp_row, write_acled

from monitor.interchange import apply_review, parse_feed, plan_import
from monitor.model.changelog import ChangeLog, entity_json
from monitor.model.changes import EVENT, entity_change


def _import(scenario, path, **kw):
    review = plan_import(scenario, parse_feed(path), **kw)
    log = ChangeLog(scenario)
    apply_review(scenario, review, log)
    return review, log


def test_new_events_sources_actors_and_record(tmp_path, empty):
    rows = [acled_row(0, actor1="SDF", assoc_actor_1="Syrian democratic forces; Tribal fighters")]
    p = write_acled(tmp_path / "week.csv", rows)
    review, _log = _import(empty, p, author="Rana")
    assert review.new == ["acled:SYR0"]
    e = entity_json(empty, EVENT, "acled:SYR0")
    assert e["actors"] == ["sdf", "Tribal fighters", "Hayat Tahrir al-Sham"]
    assert e["verification"] == "reported"
    assert e["source_ids"] == ["acled-src:syrian-observatory-for-human-rights", "acled-src:rudaw"]
    assert empty.source("acled-src:rudaw").title == "Rudaw"
    assert e["origin"]["feed"] == "acled" and e["origin"]["timestamp"] == 1733000000
    assert e["feed_data"]["fatalities"] == 0
    (record,) = empty.extra["imports"]
    assert record["file"] == "week.csv" and record["sha256"] == review.sha256
    assert record["counts"]["new"] == 1 and record["by"] == "Rana"


def test_same_timestamp_is_a_no_op_and_older_is_skipped(tmp_path, empty):
    p = write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(3)])
    _import(empty, p)
    again = plan_import(empty, parse_feed(p))
    assert again.unchanged == 3 and again.new == [] and again.updated == []
    assert len(again.changes) == 1  # only the record of the import
    old = write_acled(tmp_path / "old.csv", [acled_row(0, ts=1700000000, notes="old")])
    review = plan_import(empty, parse_feed(old))
    assert review.skipped[0].where == "line 2" and "older than the copy" in review.skipped[0].reason


def test_newer_row_updates_feed_fields_never_the_analysts(tmp_path, empty):
    p = write_acled(tmp_path / "a.csv", [acled_row(0)])
    _import(empty, p)
    before = entity_json(empty, EVENT, "acled:SYR0")
    edited = {
        **before,
        "verification": "confirmed",
        "credibility": 2,
        "notes": "called source",
        "title": "Analyst's own title",
        "source_ids": [*before["source_ids"], "mine"],
    }
    log = ChangeLog(empty)
    log.apply(
        entity_change(
            "source", "mine", None, {"id": "mine", "title": "Call", "publisher": "", "url": ""}
        )
    )
    log.apply(entity_change(EVENT, "acled:SYR0", before, edited))
    newer = write_acled(
        tmp_path / "b.csv",
        [acled_row(0, ts=1733000500, notes="Revised note.", fatalities="9", source="Reuters")],
    )
    review, _ = _import(empty, newer)
    (u,) = review.updated
    assert u.kept == ["title"] and "summary" in u.fields
    e = entity_json(empty, EVENT, "acled:SYR0")
    assert e["summary"] == "Revised note." and e["feed_data"]["fatalities"] == 9
    assert e["verification"] == "confirmed" and e["credibility"] == 2
    assert e["notes"] == "called source" and e["title"] == "Analyst's own title"
    assert e["source_ids"] == ["acled-src:reuters", "mine"]
    assert e["origin"]["timestamp"] == 1733000500


def test_duplicate_rows_keep_the_larger_timestamp(tmp_path, empty):
    rows = [acled_row(0, ts=5, notes="late"), acled_row(0, ts=3, notes="early")]
    review = plan_import(empty, parse_feed(write_acled(tmp_path / "a.csv", rows)))
    assert len(review.new) == 1 and review.skipped[0].where == "line 3"
    assert review.changes[-2].after["summary"] == "late"


def test_missing_from_a_reimport_is_flagged_not_deleted(tmp_path, empty):
    _import(empty, write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(4)]))
    n = len(empty.events)
    review, _ = _import(empty, write_acled(tmp_path / "b.csv", [acled_row(i) for i in (0, 1, 3)]))
    assert review.flagged == ["acled:SYR2"] and len(empty.events) == n
    assert empty.event("acled:SYR2").extra["missing_from_feed"]["file"] == "b.csv"
    # Outside the new file's dates: not flagged.
    other = write_acled(tmp_path / "c.csv", [acled_row(9, day="2025-01-05")])
    assert plan_import(empty, parse_feed(other)).flagged == []
    # Back in the feed: the flag goes.
    review, _ = _import(empty, write_acled(tmp_path / "d.csv", [acled_row(i) for i in range(4)]))
    assert [u.event_id for u in review.updated] == ["acled:SYR2"]
    assert "missing_from_feed" not in empty.event("acled:SYR2").extra


def test_deletions_list_marks_withdrawn(tmp_path, empty):
    _import(empty, write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(3)]))
    dels = tmp_path / "deleted.csv"
    with dels.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id_cnty", "deleted_timestamp"])
        w.writerow(["IRQ1", "1733100000"])
        w.writerow(["NOPE9", "1733100000"])
    review, _ = _import(
        empty,
        write_acled(tmp_path / "b.csv", [acled_row(i) for i in range(3)]),
        deletions=parse_feed(dels),
    )
    assert review.withdrawn == ["acled:IRQ1"]
    w = empty.event("acled:IRQ1").extra["withdrawn"]
    assert w["by_feed"] == "acled" and w["timestamp"] == 1733100000
    assert empty.extra["imports"][-1]["deletions"]["file"] == "deleted.csv"
    # The deletions list alone, as the file.
    assert plan_import(empty, parse_feed(dels)).withdrawn == []  # already withdrawn
    # A withdrawn event's older copy in a later file is skipped.
    later = plan_import(empty, parse_feed(write_acled(tmp_path / "c.csv", [acled_row(1)])))
    assert "withdrawn" in later.skipped[0].reason


def test_rejected_rows_do_not_stop_the_rest(tmp_path, empty):
    rows = [acled_row(0), acled_row(1, latitude="95"), acled_row(2, event_date="someday")]
    review, _ = _import(empty, write_acled(tmp_path / "a.csv", rows))
    assert review.new == ["acled:SYR0"]
    assert [(r.where, r.reason.split(":")[0]) for r in review.rejected] == [
        ("line 3", "coordinates 95.0, 40.977 are outside -90..90 / -180..180"),
        ("line 4", "event_date"),
    ]


def test_hostile_text_is_data(tmp_path, empty):
    hostile = "<script>alert(1)</script> \u202eevil\u202c \x1b[31mred " + "n" * (1 << 20)
    rows = [acled_row(0, notes=hostile, location="<b>Al-Qaim</b>\u2067")]
    review, _ = _import(empty, write_acled(tmp_path / "a.csv", rows))
    assert review.new and empty.event("acled:SYR0").summary == hostile


def test_lone_surrogate_in_json_is_rejected(tmp_path, empty):
    text = (
        '{"data": [{"event_id_cnty": "SYR1", "event_date": "2024-11-27", "event_type": '
        '"Battles", "latitude": "34", "longitude": "40", "notes": "\\ud800"}]}'
    )
    p = tmp_path / "api.json"
    p.write_text(text)
    review = plan_import(empty, parse_feed(p))
    (r,) = review.rejected
    assert r.where == "data[0]" and "unpaired surrogate" in r.reason


def test_ucdp_reimport_uses_the_rows_content(tmp_path, empty):
    p = tmp_path / "ged.csv"
    p.write_text(csv_text([ucdp_row(i) for i in range(3)], UCDP_COLUMNS))
    _import(empty, p)
    assert plan_import(empty, parse_feed(p)).unchanged == 3
    p.write_text(csv_text([ucdp_row(0, best="30"), ucdp_row(1), ucdp_row(2)], UCDP_COLUMNS))
    review = plan_import(empty, parse_feed(p))
    assert [u.event_id for u in review.updated] == ["ucdp:400000"]


def test_whole_import_undone_in_one_step(tmp_path, empty):
    before = entity_json(empty, "scenario", "imports")
    review, log = _import(empty, write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(5)]))
    assert len(empty.events) == 5
    log.apply_batch([c.inverse() for c in reversed(review.changes)])
    assert len(empty.events) == 0 and empty.sources == [] and empty.extra.get("imports") == before


def test_batch_is_all_or_nothing(tmp_path, empty):
    review = plan_import(empty, parse_feed(write_acled(tmp_path / "a.csv", [acled_row(0)])))
    log = ChangeLog(empty)
    log.apply(
        entity_change(
            EVENT,
            "acled:SYR0",
            None,
            {
                "id": "acled:SYR0",
                "time": "2024-11-27",
                "title": "t",
                "category": "c",
                "actors": [],
                "source_ids": [],
                "verification": "reported",
            },
        )
    )
    with pytest.raises(ValueError):
        apply_review(empty, review, log)
    assert len(empty.events) == 1 and empty.sources == []


def test_id_taken_by_an_analyst_event(tmp_path, empty):
    ChangeLog(empty).apply(
        entity_change(
            EVENT,
            "acled:SYR0",
            None,
            {
                "id": "acled:SYR0",
                "time": "2024-11-27",
                "title": "mine",
                "category": "c",
                "actors": [],
                "source_ids": [],
                "verification": "reported",
            },
        )
    )
    review, _ = _import(empty, write_acled(tmp_path / "a.csv", [acled_row(0)]))
    assert review.new == ["acled:SYR0~2"] and empty.event("acled:SYR0").title == "mine"


def test_generic_csv_import(tmp_path, empty):
    from monitor.interchange import parse_mapping

    p = Path(tmp_path / "g.csv")
    p.write_text(
        "When,Headline,Ref\n2024-11-30T08:00:00+03:00,Convoy seen,r1\n"
        "2024-11-30T08:00,No offset,r2\n"
    )
    parsed = parse_feed(p, format="csv", mapping=parse_mapping("time=When,title=Headline,id=Ref"))
    review = plan_import(empty, parsed)
    assert review.new == ["csv:r1"] and "has no UTC offset" in review.rejected[0].reason


def test_an_added_event_with_a_category_sorting_first_is_kept():
    """Regression: EventTable.add remapped the category codes of the whole store, spare
    capacity included (IndexError when a new category sorted before the existing ones)."""
    import datetime

    from monitor.model import Event, Moment, Scenario, ScenarioInfo, Verification
    from monitor.model.timeutil import zone

    s = Scenario(info=ScenarioInfo("x", "x", "UTC"))
    day = Moment.of_day(datetime.date(2024, 1, 1), zone("UTC"))
    s.table.add(Event("e0", day, "t", "strike", [], [], Verification.REPORTED))
    s.table._store["category"][1:] = 99  # what np.empty may leave in the spare capacity
    s.table.add(Event("e1", day, "t", "civilians", [], [], Verification.REPORTED))
    assert len(s.events) == 2


def test_a_reimport_mixing_every_case_counts_each_row_once(tmp_path, empty):
    """Rows of keys the scenario has are found together (unchanged ones counted without
    a look at each): same timestamp, newer, older, flagged missing and back, withdrawn,
    a key twice in the file, and new keys between them."""
    _import(empty, write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(8)]))
    _import(empty, write_acled(tmp_path / "b.csv", [acled_row(i) for i in range(8) if i != 5]))
    assert "missing_from_feed" in empty.event("acled:IRQ5").extra
    dels = tmp_path / "deleted.csv"
    dels.write_text("event_id_cnty,deleted_timestamp\nIRQ7,1733100000\n")
    _import(empty, write_acled(tmp_path / "c.csv", [acled_row(i) for i in range(8)]),
            deletions=parse_feed(dels))
    rows = [acled_row(0), acled_row(1, ts=1733000500, notes="newer"),
            acled_row(2, ts=1700000000), acled_row(20), acled_row(3), acled_row(3),
            acled_row(4), acled_row(7), acled_row(21), acled_row(6)]
    review = plan_import(empty, parse_feed(write_acled(tmp_path / "d.csv", rows)))
    assert review.new == ["acled:SYR20", "acled:IRQ21"]
    assert [u.event_id for u in review.updated] == ["acled:IRQ1"]
    assert review.unchanged == 4  # SYR0, IRQ3 (twice in the file: once), SYR4, SYR6
    skipped = {r.key: r.reason for r in review.skipped}
    assert "older than the copy" in skipped["acled:SYR2"]
    assert "has a newer copy" in skipped["acled:IRQ3"]
    assert "withdrawn" in skipped["acled:IRQ7"]
    assert review.flagged == ["acled:IRQ5"]  # (back in c.csv, gone again)


@pytest.mark.parametrize("odd_origin", ["a text", [1, 2], {"feed": 7, "id": None}, None])
def test_an_event_with_an_odd_origin_does_not_upset_a_reimport(tmp_path, empty, odd_origin):
    p = write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(3)])
    _import(empty, p)
    log = ChangeLog(empty)
    mine = {**entity_json(empty, EVENT, "acled:SYR0"), "id": "mine", "origin": odd_origin}
    log.apply(entity_change(EVENT, "mine", None, mine, "an analyst's event"))
    again = plan_import(empty, parse_feed(p))
    assert again.unchanged == 3 and again.new == [] and again.flagged == []
    # A changed row still updates its event, found by its origin.
    newer = write_acled(tmp_path / "b.csv", [acled_row(i, ts=1733000001 + i) for i in range(3)])
    want = sorted(e.id for e in empty.events if e.id != "mine")
    assert len(want) == 3
    assert sorted(u.event_id for u in plan_import(empty, parse_feed(newer)).updated) == want


def test_a_review_is_freed_when_dropped_not_at_a_full_collection(tmp_path, empty):
    """A review and its planner hold the feed's columns (~0.35 GB at 100k rows): they form
    no reference cycle, so dropping the review frees them at once (a cycle waited for the
    garbage collector's rare full pass, and repeated re-imports grew the process)."""
    import gc

    p = write_acled(tmp_path / "a.csv", [acled_row(i) for i in range(50)])
    _import(empty, p)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # (what a collection finds is kept in gc.garbage)
    try:
        review = plan_import(empty, parse_feed(p))
        assert review.unchanged == 50
        assert review.changes  # (built: the review's planner is used, then let go)
        del review
        again = plan_import(empty, parse_feed(p))
        del again  # (changes never asked for: the planner is still held by the review)
        gc.collect()
        ours = [type(o).__qualname__ for o in gc.garbage
                if type(o).__module__.startswith(("monitor", "pyarrow", "numpy"))]
        assert ours == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
