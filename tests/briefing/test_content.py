"""What goes into a briefing, checked on the plain content (no Qt, no PDF)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from monitor.briefing.content import (
    BriefingOptions,
    Chart,
    Heading,
    Paragraph,
    SourceIndex,
    Table,
    TitleBlock,
    briefing_document,
    crossings_document,
    crossings_table,
    feed_document,
    recent_window,
    resolve_period,
)
from monitor.model import Moment

BAGHDAD = timezone(timedelta(hours=3))


def _texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def _row(table: Table, name: str) -> list:
    return next(r for r in table.rows if r[0].text == name)


def _heading_index(doc, text: str) -> int:
    return next(i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text == text)


def test_crossing_status_follows_the_as_of_time(small):
    src = SourceIndex(small)
    before = crossings_table(small, datetime(2024, 11, 29, 23, 0, tzinfo=BAGHDAD), src)
    after = crossings_table(small, datetime(2024, 12, 1, 9, 0, tzinfo=BAGHDAD), src)
    qaim_before = _row(before, "Al-Qaim – Al-Bukamal")
    qaim_after = _row(after, "Al-Qaim – Al-Bukamal")
    assert (qaim_before[1].text, qaim_before[1].tone) == ("OPEN", "open")
    assert (qaim_after[1].text, qaim_after[1].tone) == ("CLOSED", "closed")
    assert qaim_after[1].detail == "was open"
    assert "القائم – البوكمال" in qaim_after[0].detail


def test_day_precision_as_of_means_the_end_of_that_day(small):
    doc = crossings_document(small, Moment.of_day(date(2024, 12, 3), small.tz))
    table = next(b for b in doc.blocks if isinstance(b, Table))
    # Semalka became restricted at 10:00 on 3 December: "as of 3 December" includes it.
    assert _row(table, "Fishkhabour – Semalka")[1].text == "RESTRICTED"


@pytest.mark.parametrize(
    ("as_of", "marker"),
    [
        (datetime(2024, 11, 30, 20, 0, tzinfo=BAGHDAD), "< 24 h"),
        (datetime(2024, 12, 2, 12, 0, tzinfo=BAGHDAD), "< 72 h"),
        (datetime(2024, 12, 3, 9, 0, tzinfo=BAGHDAD), ""),
    ],
)
def test_recent_changes_are_marked_24h_and_72h(small, as_of, marker):
    table = crossings_table(small, as_of, SourceIndex(small))
    assert _row(table, "Al-Qaim – Al-Bukamal")[3].text == marker


def test_recent_window_boundaries():
    t = datetime(2024, 12, 1, tzinfo=UTC)
    assert recent_window(t, t) == 24
    assert recent_window(t, t + timedelta(hours=24)) == 24
    assert recent_window(t, t + timedelta(hours=25)) == 72
    assert recent_window(t, t + timedelta(hours=73)) is None
    assert recent_window(t, t - timedelta(hours=1)) is None  # a change after as-of is not "recent"


def test_sources_are_numbered_in_order_of_first_citation(small):
    src = SourceIndex(small)
    assert src.cite(["s2"]) == "[1]"
    assert src.cite(["s1", "s2"]) == "[1] [2]"
    table = src.table()
    assert [r[1].text for r in table.rows] == ["Local outlet story", "Wire report one"]
    assert table.rows[0][2].text == "C" and table.rows[0][2].detail == "fairly reliable"


def _grades(doc) -> dict[str, tuple[str, str]]:
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[3].title == "Grade")
    return {r[1].text: (r[3].text, r[3].detail) for r in table.rows}


def test_event_grades_are_the_models_and_combine_source_reliability_and_credibility(small):
    from monitor.model.frames import events_frame

    doc = feed_document(small, range(len(small.events)))
    grades = {title: g for title, (g, _) in _grades(doc).items()}
    by_id = dict(zip([e.title for e in small.events], [e.id for e in small.events], strict=True))
    # e1: source s1 is B, credibility 1; e2: best of B and C; e3 grades itself D5;
    # e4 has no credibility.
    assert {by_id[t]: g for t, g in grades.items()} == {
        "e1": "B1",
        "e2": "B2",
        "e3": "D5",
        "e4": "B?",
    }
    assert _grades(doc)[small.events[0].title][1] == "confirmed by other sources"
    # The very column the feed shows: a frame passed in is what the PDF prints.
    frame = events_frame(small).copy()
    frame["grade"] = ["X1", "X2", "", "X4"]
    frame["actors"] = ["Actor  one", "", "Actor two", "Actor four"]
    doc = feed_document(small, range(4), frame=frame)
    printed = _grades(doc)
    assert [printed[e.title][0] for e in small.events] == ["X1", "X2", "–", "X4"]
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[3].title == "Grade")
    details = [r[1].detail for r in table.rows]
    assert details[0].endswith("Actor one")  # the model's names, tidied to one line
    assert "Actor two" in details[2] and "Actor four" in details[3]


def test_full_briefing_sections_in_order_with_key_judgements(small):
    small.extra["key_judgements"] = "Border stays shut.\n\n- Rebels advance.\n- Kurds hold Semalka."
    doc = briefing_document(
        small, BriefingOptions(as_of=datetime(2024, 12, 6, tzinfo=BAGHDAD), analyst="Ana")
    )
    headings = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert headings == [
        "Bottom line",
        "Since the last briefing",
        "Highlights",
        "Border crossings",
        "Controlled territory",
        "Annex — Events of the period",
        "Appendix A — Crossing status changes",
        "Appendix B — Sources",
    ]
    title = doc.blocks[0]
    assert isinstance(title, TitleBlock) and title.title == "Small test scenario"
    fields = dict(title.fields)
    assert fields["Information cut-off"].startswith("2024-12-06 00:00 UTC+03:00")
    assert "Asia/Baghdad" in fields["Information cut-off"]
    assert fields["Period covered"].startswith("2024-11-26")
    assert fields["Analyst"] == "Ana"
    judgements = [
        b for b in doc.blocks[_heading_index(doc, "Bottom line") + 1 :] if isinstance(b, Paragraph)
    ][:3]
    assert [(p.text, p.style) for p in judgements] == [
        ("Border stays shut.", "body"),
        ("Rebels advance.", "bullet"),
        ("Kurds hold Semalka.", "bullet"),
    ]
    assert doc.author == "Ana"
    assert "Small test scenario" in doc.title


def test_briefing_events_are_in_period_filtered_and_chronological(small):
    opts = BriefingOptions(as_of=datetime(2024, 12, 3, 12, 0, tzinfo=BAGHDAD))
    doc = briefing_document(small, opts)
    events = doc.blocks[_heading_index(doc, "Annex — Events of the period") + 2]
    # e4 (5 December) is after the as-of time; the rest in time order.
    assert [r[1].text.split(" — ")[0] for r in events.rows] == [
        "Offensive begins",
        "Border closed",
        "Fighters crossed, claim says",
    ]
    doc = briefing_document(small, BriefingOptions(as_of=opts.as_of, filter_text="BORDER"))
    events = doc.blocks[_heading_index(doc, "Annex — Events of the period") + 2]
    assert [r[1].text.split(" — ")[0] for r in events.rows] == ["Border closed"]


def test_appendix_lists_changes_in_the_period_with_from_and_to(small):
    doc = briefing_document(
        small,
        BriefingOptions(
            as_of=datetime(2024, 12, 4, tzinfo=BAGHDAD), since=datetime(2024, 11, 1, tzinfo=BAGHDAD)
        ),
    )
    appendix = doc.blocks[_heading_index(doc, "Appendix A — Crossing status changes") + 2]
    assert [(r[1].text, r[2].text, r[4].text) for r in appendix.rows] == [
        ("Al-Qaim – Al-Bukamal", "open → closed", "Border sealed"),
        ("Fishkhabour – Semalka", "open → restricted", "Humanitarian only"),
    ]


def test_since_defaults_to_the_first_territory_date_and_must_precede_as_of(small):
    _, _, since, _ = resolve_period(
        small, BriefingOptions(as_of=datetime(2024, 12, 1, tzinfo=BAGHDAD))
    )
    assert since.day and since.date == date(2024, 11, 26)
    with pytest.raises(ValueError, match="after the as-of time"):
        resolve_period(
            small,
            BriefingOptions(
                as_of=datetime(2024, 12, 1, tzinfo=BAGHDAD),
                since=datetime(2024, 12, 5, tzinfo=BAGHDAD),
            ),
        )


def test_territory_shares_and_change_over_the_period(small):
    doc = briefing_document(small, BriefingOptions(as_of=datetime(2024, 12, 6, tzinfo=BAGHDAD)))
    i = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Chart))
    shares = doc.blocks[i + 1]
    assert [c.title for c in shares.columns][1:3] == ["Share 2024-11-26", "Share 2024-12-05"]
    assert _texts(shares)[0][:4] == ["Government", "63.4 %", "55.0 %", "-8.4 pp"]
    assert shares.rows[0][0].swatch == "#c0392b"


def test_panels_choose_the_sections(small):
    doc = briefing_document(small, BriefingOptions(panels=("feed",)))
    assert [b.text for b in doc.blocks if isinstance(b, Heading)] == [
        "Bottom line",
        "Since the last briefing",
        "Highlights",
        "Annex — Events of the period",
        "Sources",
    ]
    with pytest.raises(ValueError, match="unknown panel"):
        BriefingOptions(panels=("maps",))


def test_feed_document_keeps_the_display_order_and_only_those_rows(small):
    doc = feed_document(
        small, [3, 0], BriefingOptions(filter_description="text 'rebels', newest first")
    )
    table = next(b for b in doc.blocks if isinstance(b, Table))
    assert [r[1].text for r in table.rows] == ["City falls", "Offensive begins"]
    assert ("Filter and sort", "text 'rebels', newest first") in doc.blocks[0].fields


def test_options_normalise_page_size_and_marking():
    assert BriefingOptions(page_size="letter").page_size == "Letter"
    assert BriefingOptions(marking="  ").marking == "UNCLASSIFIED"
    with pytest.raises(ValueError, match="page size"):
        BriefingOptions(page_size="A5")


def test_content_and_package_import_no_qt():
    """content.py is pure Python: building a whole briefing's content loads no Qt or pyqtgraph."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    small = Path(__file__).parents[1] / "data" / "small.json"
    code = f"""
import json, sys
import monitor.briefing
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'pyarrow'))
from monitor.briefing.content import briefing_document, BriefingOptions
from monitor.model import load_scenario
doc = briefing_document(load_scenario({str(small)!r}), BriefingOptions())
gui = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))
print(json.dumps({{"blocks": len(doc.blocks), "gui": gui, "heavy": heavy}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["blocks"] > 5
    assert result["gui"] == []
    # The window imports the package (for BriefingOptions) before its first paint: the
    # package alone must not pull in the numeric libraries.
    assert result["heavy"] == []


def test_the_dtg_option_writes_every_time_as_a_date_time_group(small):
    """An analyst who reads DTGs in the app gets them in the PDF too; days keep no hour."""
    as_of = datetime(2024, 12, 1, 9, 0, tzinfo=BAGHDAD)
    local = crossings_document(small, as_of)
    dtg = crossings_document(small, as_of, BriefingOptions(military_time=True))
    assert "010600Z DEC 24" in dtg.header_right and "010600Z" not in local.header_right
    title = dtg.blocks[0]
    assert dict(title.fields)["Status as of"].startswith("010600Z DEC 24 · 2024-12-01 09:00")
    since = _row(next(b for b in dtg.blocks if isinstance(b, Table)), "Al-Qaim – Al-Bukamal")[2]
    assert since.text == "30 NOV 24"  # a whole day: the day alone, no Zulu hour
    day = crossings_document(
        small, Moment.of_day(date(2024, 12, 3), small.tz), BriefingOptions(military_time=True)
    )
    assert "03 DEC 24" in day.header_right  # a day stays a day
    # The option does not leak into the next document.
    assert "UTC+03:00" in crossings_document(small, as_of).header_right


def test_the_chart_caption_says_how_estimates_are_drawn(small):
    doc = briefing_document(small, BriefingOptions(as_of=datetime(2024, 12, 6, tzinfo=BAGHDAD)))
    chart = next(b for b in doc.blocks if isinstance(b, Chart))
    assert "dashed top edge are estimates" in chart.caption
    for t in small.territory:
        t.estimated = False
    doc = briefing_document(small, BriefingOptions(as_of=datetime(2024, 12, 6, tzinfo=BAGHDAD)))
    assert "estimates" not in next(b for b in doc.blocks if isinstance(b, Chart)).caption


def test_the_chart_draws_the_models_series_up_to_the_as_of_day_and_carries_it_forward(small):
    from monitor.model.series import territory_series

    as_of = datetime(2024, 12, 7, 12, 0, tzinfo=BAGHDAD)  # two days after the last date
    doc = briefing_document(small, BriefingOptions(as_of=as_of))
    chart = next(b for b in doc.blocks if isinstance(b, Chart))
    model = territory_series(small)
    assert chart.series.dates == model.dates and chart.series.faction_ids == model.faction_ids
    assert chart.series.shares.tolist() == model.shares.tolist()
    assert chart.hold_to == chart.marker == as_of
    assert "carried forward" in chart.caption
    assert chart.x_range[0] == datetime(2024, 11, 26, tzinfo=BAGHDAD) and chart.x_range[1] > as_of
    # As of the first date's evening: the later date is not drawn, and the first date's
    # figures are carried from its start (00:00) to 18:00.
    evening = datetime(2024, 11, 26, 18, 0, tzinfo=BAGHDAD)
    chart = next(
        b
        for b in briefing_document(small, BriefingOptions(as_of=evening)).blocks
        if isinstance(b, Chart)
    )
    assert chart.series.dates == (date(2024, 11, 26),)
    assert chart.series.faction_ids == ("gov", "reb", "kur")
    assert chart.hold_to == evening
    assert "carried forward" in chart.caption
