"""The PDFs themselves, read back with poppler: text, pages, marking, metadata, vectors."""

from __future__ import annotations

import copy
import re
import shutil
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from monitor.briefing import BriefingOptions

from pdfcheck import (
    DEFAULT_SCENARIO,
    HOSTILE_IMG,
    HOSTILE_LINK,
    arabic_letters,
    arabic_lines_visual,
    image_list,
    line_with,
    page_count,
    pdf_info,
    pdf_text,
    scenario_from,
    small_json,
    with_events,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

BAGHDAD = timezone(timedelta(hours=3))
QAIM, QAIM_AR = "Al-Qaim – Al-Bukamal", "القائم – البوكمال"


@pytest.fixture(scope="module")
def default_scenario():
    from monitor.model import load_scenario

    if not DEFAULT_SCENARIO.exists():
        pytest.skip("bundled scenario not present yet")
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def briefing(app, out_dir, small_scenario):
    """The full briefing of small.json as of 3 December 12:00, with judgements and an analyst."""
    from monitor.briefing import export_briefing_pdf

    s = copy.deepcopy(small_scenario)
    s.extra["key_judgements"] = "Al-Qaim stays closed for weeks.\n\n- Rebels take Hama."
    out = out_dir / "briefing.pdf"
    result = export_briefing_pdf(
        s,
        out,
        BriefingOptions(
            as_of=datetime(2024, 12, 3, 12, 0, tzinfo=BAGHDAD),
            analyst="Jo Analyst",
            marking="OFFICIAL-SENSITIVE",
        ),
    )
    assert result.path == out and result.pages == page_count(out)
    return out


# --------------------------------------------------------------------------- panel exports
@pytest.mark.parametrize(("day", "status"), [("2024-11-29", "OPEN"), ("2024-12-01", "CLOSED")])
def test_crossings_pdf_shows_status_as_of_the_cursor(app, out_dir, default_scenario, day, status):
    from monitor.briefing import export_crossings_pdf

    out = out_dir / f"crossings-{day}.pdf"
    export_crossings_pdf(default_scenario, datetime.fromisoformat(f"{day}T12:00:00+03:00"), out)
    text = pdf_text(out, layout=True)
    assert status in line_with(text, QAIM).split()
    for name in ("Al-Waleed – Al-Tanf", "Rabia – Al-Yarubiyah", "Fishkhabour – Semalka"):
        assert name in text
    plain = pdf_text(out)
    for arabic in (QAIM_AR, "الوليد – التنف", "ربيعة – اليعربية", "فيشخابور – سيمالكا"):
        assert arabic in plain
    assert "Status as of" in plain and f"{day} 12:00 UTC+03:00 (Asia/Baghdad)" in plain


def test_arabic_names_are_painted_right_to_left(app, out_dir, small_scenario):
    from monitor.briefing import export_crossings_pdf

    out = out_dir / "rtl.pdf"
    export_crossings_pdf(small_scenario, datetime(2024, 12, 1, tzinfo=BAGHDAD), out)
    # Read the painted glyphs from right to left: that must spell the name in logical order.
    assert arabic_letters(QAIM_AR) in arabic_lines_visual(out, 1)


def test_feed_pdf_lists_the_given_rows_in_display_order(app, out_dir, small_scenario):
    from monitor.briefing import export_feed_pdf

    out = out_dir / "feed.pdf"
    export_feed_pdf(
        small_scenario,
        np.array([3, 0, 1]),
        out,
        BriefingOptions(filter_description="all categories, newest first"),
    )
    text = pdf_text(out)
    positions = [text.index(t) for t in ("City falls", "Offensive begins", "Border closed")]
    assert positions == sorted(positions)
    assert "Fighters crossed, claim says" not in text  # row 2 was filtered out in the panel
    assert "all categories, newest first" in text
    assert "Wire report one" in text and "Local outlet story" in text  # the cited sources
    assert "B1" in text and "B2" in text


def test_territory_pdf_is_a_vector_chart_with_legend(app, out_dir, small_scenario):
    from monitor.briefing import export_territory_pdf

    out = out_dir / "territory.pdf"
    export_territory_pdf(
        small_scenario,
        out,
        BriefingOptions(),
        x_range=(datetime(2024, 11, 26, tzinfo=BAGHDAD), datetime(2024, 12, 5, tzinfo=BAGHDAD)),
    )
    assert image_list(out) == []  # no raster at all: areas are paths
    text = pdf_text(out)
    for label in ("Government", "Rebels", "Kurdish forces"):  # legend
        assert label in text
    # The chart's tick labels are real text, so they come back out of the PDF.
    assert "26 Nov 2024" in text and "100%" in text
    assert "2024-11-26 to 2024-12-05" in text


# --------------------------------------------------------------------------- the full briefing
def test_briefing_contents(briefing):
    text = pdf_text(briefing)
    for expected in (
        "SITUATION BRIEFING",
        "Small test scenario",
        "Information cut-off",
        "2024-12-03 12:00 UTC+03:00 (Asia/Baghdad)",
        "Period covered",
        "Jo Analyst",
        "Produced",
        "Bottom line",
        "Al-Qaim stays closed for weeks.",
        "Rebels take Hama.",
        "written as plain text",  # older judgements: said that no likelihood is stated
        "Since the last briefing",
        "Highlights",
        "Border crossings",
        QAIM,
        QAIM_AR,
        "Fishkhabour – Semalka",
        "Controlled territory",
        "Government",
        "Kurdish forces",
        "Annex — Events of the period",
        "Offensive begins",
        "Border closed",
        "Fighters crossed, claim says",
        "Appendix A — Crossing status changes",
        "open → closed",
        "open → restricted",
        "Humanitarian only",
        "Appendix B — Sources",
        "Wire report one",
        "Local outlet story",
        "https://example.org/two",
    ):
        assert expected in text, expected
    assert "City falls" not in text  # 5 December: after the as-of time
    layout = pdf_text(briefing, layout=True)
    assert "CLOSED" in line_with(layout, QAIM).split()
    assert "RESTRICTED" in line_with(layout, "Fishkhabour – Semalka").split()
    # Sources cited as [n] with Admiralty grades: e1 cites s1 (B) with credibility 1.
    # (Numbered in order of first citation: the highlights on page 1 cite first.)
    n = re.search(r"\[(\d+)\]", line_with(layout, "Wire report one")).group(1)
    assert re.search(rf"Offensive begins.*B1.*\[{n}\]", line_with(layout, "Offensive begins —"))


def test_every_page_has_the_marking_and_page_x_of_y(app, out_dir):
    from monitor.briefing import export_briefing_pdf

    scenario = scenario_from(with_events(120))
    out = out_dir / "marked.pdf"
    result = export_briefing_pdf(scenario, out, BriefingOptions(marking="SECRET//REL TEST"))
    assert result.pages >= 3
    for n in range(1, result.pages + 1):
        page = pdf_text(out, n)
        assert page.count("SECRET//REL TEST") >= 2, n  # header and footer banners
        assert f"Page {n} of {result.pages}" in page


def test_page_count_grows_with_events_and_rows_are_never_cut(app, out_dir):
    from monitor.briefing import export_feed_pdf

    few, many = out_dir / "few.pdf", out_dir / "many.pdf"
    export_feed_pdf(scenario_from(with_events(10)), range(10), few)
    pages = export_feed_pdf(scenario_from(with_events(400)), range(400), many).pages
    assert page_count(few) <= 2
    assert pages >= page_count(few) + 15
    texts = [pdf_text(many, n) for n in range(1, pages + 1)]
    header = re.compile(r"Time\s+Event\s+Category\s+Grade\s+Sources")
    for i in range(400):
        # Each row (title, summary start and end) sits on exactly one page.
        holders = [n for n, t in enumerate(texts) if f"Generated event {i:04d}" in t]
        assert len(holders) == 1, (i, holders)
        t = texts[holders[0]]
        assert f"Summary {i:04d} begins." in t and f"Summary {i:04d} ends." in t
    event_pages = [t for t in texts if "Generated event" in t]
    assert len(event_pages) >= 15
    assert all(
        header.search(pdf_text(many, n + 1, layout=True))
        for n, t in enumerate(texts)
        if "Generated event" in t
    )


def test_a_row_taller_than_a_page_continues_on_the_next(app, out_dir):
    from monitor.briefing import export_feed_pdf

    obj = with_events(3)
    obj["events"][1]["summary"] = "START " + " ".join(f"filler{j}" for j in range(1700)) + " FINISH"
    out = out_dir / "tall.pdf"
    result = export_feed_pdf(scenario_from(obj), range(3), out)
    text = pdf_text(out)
    assert result.pages >= 3
    assert "START" in text and "FINISH" in text and "filler1234" in text
    assert text.count("filler1699") == 1  # nothing painted twice


def test_chart_is_vector_and_metadata_is_set(briefing):
    assert image_list(briefing) == []
    info = pdf_info(briefing)
    assert re.search(
        r"^Title:\s+Small test scenario — Situation briefing as of 2024-12-03", info, re.M
    )
    assert re.search(r"^Author:\s+Jo Analyst$", info, re.M)
    assert re.search(r"^Creator:\s+Situation Monitor", info, re.M)
    assert re.search(r"^Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)", info, re.M)
    meta = pdf_info(briefing, "-meta")
    assert "<dc:description>" in meta and "OFFICIAL-SENSITIVE" in meta
    fonts = subprocess_fonts(briefing)
    assert fonts and all(emb == "yes" for _, emb in fonts)
    assert any("Arabic" in name for name, _ in fonts)


def subprocess_fonts(path) -> list[tuple[str, str]]:
    import subprocess

    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if parts:
            rows.append((parts[0], parts[-5]))
    return rows


def test_us_letter(app, out_dir, small_scenario):
    from monitor.briefing import export_briefing_pdf

    out = out_dir / "letter.pdf"
    export_briefing_pdf(small_scenario, out, BriefingOptions(page_size="Letter"))
    assert re.search(r"^Page size:\s+612(\.\d+)? x 792(\.\d+)? pts \(letter\)", pdf_info(out), re.M)


def test_hostile_text_is_printed_literally_and_loads_nothing(app, out_dir):
    from monitor.briefing import export_briefing_pdf

    obj = small_json()
    obj["scenario"]["title"] = f"Scenario {HOSTILE_LINK}"
    obj["events"][0]["title"] = HOSTILE_IMG
    obj["events"][1]["title"] = HOSTILE_LINK
    obj["events"][1]["summary"] = "<b>not bold</b> &amp; <script>alert(1)</script>"
    obj["factions"][0]["name"] = '<img src="file:///etc/passwd">'
    obj["crossings"][0]["history"][0]["note"] = '<img src="x.png"> sealed'
    obj["key_judgements"] = '<h1>Big</h1><img src="file:///etc/hostname">'
    out = out_dir / "hostile.pdf"
    export_briefing_pdf(
        scenario_from(obj),
        out,
        BriefingOptions(
            as_of=datetime(2024, 12, 6, tzinfo=BAGHDAD), analyst='<a href="http://evil">me</a>'
        ),
    )
    text = pdf_text(out)
    for literal in (
        HOSTILE_IMG,
        HOSTILE_LINK,
        "<b>not bold</b> &amp; <script>alert(1)</script>",
        '<img src="file:///etc/passwd">',
        '<img src="x.png"> sealed',
        '<h1>Big</h1><img src="file:///etc/hostname">',
        f"Scenario {HOSTILE_LINK}",
    ):
        # Narrow table columns may wrap a string: compare without whitespace.
        assert re.sub(r"\s+", "", literal) in re.sub(r"\s+", "", text), literal
    assert image_list(out) == []
    data = out.read_bytes()
    assert b"/URI" not in data and b"/Link" not in data  # no links either
    assert '<a href="http://evil">me</a>' in pdf_info(out)


def test_export_replaces_an_existing_file_atomically(app, out_dir, small_scenario, monkeypatch):
    from monitor.briefing import export_crossings_pdf

    out = out_dir / "atomic.pdf"
    out.write_bytes(b"previous")
    monkeypatch.setattr("os.replace", _failing_replace)
    with pytest.raises(OSError):
        export_crossings_pdf(small_scenario, datetime(2024, 12, 1, tzinfo=BAGHDAD), out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in out_dir.iterdir() if "atomic" in p.name) == ["atomic.pdf"]


def _failing_replace(src, dst):
    raise OSError(28, "No space left on device")
