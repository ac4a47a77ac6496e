"""Page 1 and the bounds of a briefing, read back from real PDFs: the bottom line, the
cut-off, "since the last briefing" headless (--since), highlights, the annex (--no-annex),
long text cut with a marker, bidi-safe publishers and URLs, well-formed XMP."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from monitor.briefing import BriefingOptions
from monitor.briefing.cli import run_brief

from pdfcheck import DEFAULT_SCENARIO, page_count, pdf_info, pdf_text, scenario_from, small_json

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

BAGHDAD = timezone(timedelta(hours=3))
MEGABYTE = 1_000_000


def _flat(text: str) -> str:
    return " ".join(text.split())


def _brief(tmp_path, name: str, *args: str, scenario=DEFAULT_SCENARIO) -> tuple[int, str]:
    out = tmp_path / name
    code = run_brief([str(scenario), "-o", str(out), *args])
    assert code == 0
    return page_count(out), out


def test_headless_since_shows_what_changed_on_page_1(app, tmp_path):
    _, out = _brief(
        tmp_path,
        "since.pdf",
        "--as-of",
        "2024-12-09T12:00",
        "--since",
        "2024-12-05T12:00",
        "--next-update",
        "2024-12-10T12:00",
    )
    fields = _flat(pdf_text(out, 1, layout=True))  # (a field's name and value on one line)
    assert "Information cut-off 2024-12-09 12:00 UTC+03:00 (Asia/Baghdad)" in fields
    assert "Period covered 2024-12-05 12:00 UTC+03:00 to 2024-12-09 12:00 UTC+03:00" in fields
    assert "Next update 2024-12-10 12:00 UTC+03:00" in fields
    page1 = _flat(pdf_text(out, 1))
    # The bundled scenario has no key judgements: page 1 says so plainly.
    assert "No bottom line and no key judgements have been recorded" in page1
    assert "Since the last briefing" in page1
    assert "Changes since 2024-12-05 12:00 UTC+03:00 (the time given with --since)" in page1
    # Al-Qaim: closed since 30 November, restricted (Syrian soldiers admitted) on 7 December.
    assert re.search(r"2024-12-07 Al-Qaim – Al-Bukamal .*closed → restricted", page1)
    assert "IMPROVED" in page1 and "suggested by the app" in page1
    assert re.search(r"New events: \d+ \(border \d+, .*military \d+", page1)
    assert "Withdrawn: not known" in page1
    assert re.search(r"Territory \(2024-12-05 → 2024-12-08\): Syrian government \(Assad\) -", page1)


def test_highlights_are_confirmed_first_then_by_category_newest_first(app, tmp_path):
    from monitor.briefing.content import Heading, briefing_document
    from monitor.model import load_scenario

    scenario = load_scenario(DEFAULT_SCENARIO)
    doc = briefing_document(
        scenario,
        BriefingOptions(
            as_of=datetime(2024, 12, 9, 12, tzinfo=BAGHDAD),
            since=datetime(2024, 11, 26, tzinfo=BAGHDAD),
        ),
    )
    i = next(
        i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text == "Highlights"
    )
    table = doc.blocks[i + 2]
    titles = [r[1].text for r in table.rows]
    assert len(titles) == 8
    events = {e.title: e for e in scenario.events}
    picked = [events[t] for t in titles]
    assert all(e.verification.value == "confirmed" for e in picked)
    times = [e.time.instant for e in picked]
    assert times == sorted(times, reverse=True)  # newest first
    # Highlights sit on page 1-2 of the PDF.
    from monitor.briefing.pdf import write_pdf

    out = write_pdf(doc, tmp_path / "highlights.pdf").path
    first_two = pdf_text(out, 1) + pdf_text(out, 2)
    assert all(t in _flat(first_two) for t in titles)


def test_confirmed_events_never_sit_next_to_probably_true_unexplained(app, tmp_path):
    _, out = _brief(tmp_path, "words.pdf", "--as-of", "2024-12-09T12:00")
    text = _flat(pdf_text(out))
    assert "probably true when reported; since confirmed" in text
    # Every "probably true" in the highlights comes with the reconciling words.
    for m in re.finditer(r"confirmed probably true", text):
        assert text[m.start() : m.end() + 40].startswith("confirmed probably true when reported")


def test_no_annex_shortens_the_briefing(app, tmp_path):
    with_annex, out_a = _brief(tmp_path, "annex.pdf", "--as-of", "2024-12-31")
    without, out_b = _brief(tmp_path, "no-annex.pdf", "--as-of", "2024-12-31", "--no-annex")
    assert without < with_annex
    assert "Annex — Events of the period" in pdf_text(out_a)
    assert "Annex — Events of the period" not in pdf_text(out_b)
    assert "Highlights" in pdf_text(out_b, 1) + pdf_text(out_b, 2)


def test_the_annex_is_one_line_per_event(app, tmp_path):
    _, out = _brief(tmp_path, "compact.pdf", "--as-of", "2024-12-31")
    layout = pdf_text(out, layout=True)
    annex = layout[layout.index("Annex — Events of the period") :]
    annex = annex[: annex.index("Appendix A")]
    rows = [ln for ln in annex.splitlines() if re.match(r"\s*2024-1[12]-\d\d", ln)]
    assert len(rows) >= 40
    # Each event's line holds its category and verification and its grade.
    assert all(re.search(r"· (confirmed|reported|disputed|denied)", ln) for ln in rows[:10])


def test_stale_figures_are_warned_about_on_page_1(app, tmp_path):
    _, out = _brief(tmp_path, "stale.pdf", "--as-of", "2025-01-20")
    page1 = _flat(pdf_text(out, 1))
    assert re.search(
        r"Warning: the newest territory figure \(2024-12-\d\d\) is \d+ days( \d+ hours?)? older"
        r" than the information cut-?off",  # (pdftotext joins a hyphenated line break)
        page1,
    )
    assert re.search(r"Warning: the newest event \(2025-01-05\) is \d+ days", page1)


def _hostile(title: str = "", note: str = "") -> dict:
    obj = small_json()
    if title:
        obj["scenario"]["title"] = title
    if note:
        obj["crossings"][0]["history"][0]["note"] = note
        obj["events"][0]["summary"] = note
    return obj


def test_a_megabyte_title_and_note_are_cut_with_a_marker(app, tmp_path):
    from monitor.briefing import export_briefing_pdf

    title = "T" + "itle words " * (MEGABYTE // 11)
    note = "Note " + "lorem ipsum dolor " * (MEGABYTE // 18)
    scenario = scenario_from(_hostile(title, note))
    out = tmp_path / "huge.pdf"
    result = export_briefing_pdf(
        scenario, out, BriefingOptions(as_of=datetime(2024, 12, 3, tzinfo=BAGHDAD))
    )
    assert result.pages <= 40  # bounded: a megabyte would be hundreds of pages
    text = _flat(pdf_text(out))
    cut = r"\[(…|\.\.\.)[\d,]+ more characters cut; the full text is in the scenario file\]"
    # The title's marker reads whole; a note's may be wrapped among other columns' text.
    assert len(re.findall(cut, text)) >= 2
    assert text.count("more characters cut") >= 3  # title, note (crossings, appendix)
    assert result.pages <= 12
    assert out.stat().st_size < 3 * MEGABYTE
    # The full text stays in the scenario (only the print is cut).
    assert len(scenario.info.title) > MEGABYTE - 100
    # The metadata is bounded and well-formed too.
    meta = pdf_info(out, "-meta")
    root = ET.fromstring(meta[meta.index("<x:xmpmeta") : meta.index("</x:xmpmeta>") + 12])
    title_el = root.find(".//{http://purl.org/dc/elements/1.1/}title")
    assert title_el is not None and len("".join(title_el.itertext())) < 2000


def test_xmp_stays_well_formed_whatever_the_title_holds(app, tmp_path):
    from monitor.briefing import export_briefing_pdf

    nasty = 'A <b>&amp; "q" \'x\' ]]> <?xpacket end="w"?> \x01\x0b\ufffe \u202eevil\u202c end'
    obj = _hostile(nasty)
    obj["scenario"]["description"] = nasty
    out = tmp_path / "xmp.pdf"
    export_briefing_pdf(
        scenario_from(obj), out, BriefingOptions(analyst="An <alyst> & co", marking="A&B <C>")
    )
    meta = pdf_info(out, "-meta")
    start, end = meta.index("<x:xmpmeta"), meta.index("</x:xmpmeta>") + len("</x:xmpmeta>")
    root = ET.fromstring(meta[start:end])  # raises if the packet is not well-formed XML
    dc = "{http://purl.org/dc/elements/1.1/}"
    title = "".join(root.find(f".//{dc}title").itertext())
    assert 'A <b>&amp; "q" \'x\' ]]> <?xpacket end="w"?>' in title
    assert "\u202eevil" in title
    assert "".join(root.find(f".//{dc}creator").itertext()) == "An <alyst> & co"
    assert "".join(root.find(f".//{dc}rights").itertext()) == "A&B <C>"


def test_a_right_to_left_override_in_a_publisher_or_url_reverses_nothing_after_it(app, tmp_path):
    from monitor.briefing import export_briefing_pdf

    obj = small_json()
    obj["sources"][1]["publisher"] = "Evil\u202eTSOP"
    obj["sources"][1]["url"] = "https://example.org/\u202egnp.exe"
    out = tmp_path / "bidi.pdf"
    export_briefing_pdf(
        scenario_from(copy.deepcopy(obj)),
        out,
        BriefingOptions(as_of=datetime(2024, 12, 3, 12, tzinfo=BAGHDAD)),
    )
    words = subprocess.run(
        ["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    # Glyphs as painted, left to right: the date after the publisher still reads forwards,
    # and the URL shows its control character instead of obeying it.
    painted = re.findall(r"<word [^>]*>([^<]*)</word>", words)
    assert "2024-11-30" in painted
    assert "03-11-4202" not in painted
    text = pdf_text(out)
    assert "https://example.org/<U+202E>gnp.exe" in text
    assert "exe.png" not in text


def test_record_makes_the_next_headless_briefing_compare_with_this_one(app, tmp_path):
    import json

    from monitor.model import load_scenario
    from monitor.model.briefings import briefing_records

    path = tmp_path / "scenario.json"
    shutil.copy(DEFAULT_SCENARIO, path)
    first = ["--as-of", "2024-12-05T12:00", "--analyst", "Ana", "--record"]
    _brief(tmp_path, "one.pdf", *first, scenario=path)
    records = briefing_records(load_scenario(path))
    assert [(r.by, r.as_of.isoformat()) for r in records] == [("Ana", "2024-12-05T12:00:00+03:00")]
    assert "briefings" in json.loads(path.read_text(encoding="utf-8"))
    _, out = _brief(tmp_path, "two.pdf", "--as-of", "2024-12-09T12:00", scenario=path)
    page1 = _flat(pdf_text(out, 1))
    assert "Compared with the briefing as of 2024-12-05 12:00 UTC+03:00" in page1
    assert "by Ana" in page1 and "closed → restricted" in page1
    assert "Withdrawn: none." in page1  # the record kept the counts of that time
    # Without --record the file is left alone.
    assert len(briefing_records(load_scenario(path))) == 1


def test_the_analyst_sets_the_trends_headless(app, tmp_path, capsys):
    since = ["--as-of", "2024-12-09T12:00", "--since", "2024-12-05T12:00"]
    _, out = _brief(
        tmp_path, "trends.pdf", *since, "--overall", "deteriorated", "--trend", "qaim=unchanged"
    )
    page1 = _flat(pdf_text(out, 1))
    assert "Overall: DETERIORATED (set by the analyst; the app suggested improved)" in page1
    assert "UNCHANGED set by the analyst (suggested: improved)" in page1
    code = run_brief(
        [str(DEFAULT_SCENARIO), "-o", str(tmp_path / "x.pdf"), *since, "--trend", "nope=improved"]
    )
    assert code == 2 and "unknown crossing 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
