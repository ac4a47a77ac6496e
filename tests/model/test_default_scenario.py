"""The bundled Iraq–Syria scenario: seed-article facts present and sourced; file is canonical."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.model import CrossingStatus, Scenario, Verification, dumps_scenario, load_scenario
from monitor.paths import default_scenario_path

BAGHDAD = ZoneInfo("Asia/Baghdad")
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(default_scenario_path())


def _at(y: int, m: int, d: int, hour: int = 12) -> datetime:
    return datetime(y, m, d, hour, tzinfo=BAGHDAD)


def _matching(scenario: Scenario, first: date, last: date, *words: str):
    out = []
    for e in scenario.events:
        text = f"{e.title}\n{e.summary or ''}".lower()
        if first <= e.time.date <= last and all(w.lower() in text for w in words):
            out.append(e)
    return out


def D(month: int, day: int) -> date:
    return date(2024, month, day)


# Every dated fact of the seed article: (first day, last day, words that must all appear).
SEED_FACTS = [
    ("HTS-led offensive launched", D(11, 27), D(11, 27), ("offensive", "HTS")),
    ("all crossings closed", D(11, 30), D(11, 30), ("clos", "crossings")),
    ("armoured reinforcements", D(11, 30), D(11, 30), ("armo", "reinforcements")),
    ("rebels control Aleppo", D(12, 1), D(12, 1), ("Aleppo", "control")),
    ("Fayyadh on TV blames Israel", D(12, 2), D(12, 2), ("Fayyadh", "Al-Iraqiya", "Israel")),
    ("Rasool likens advance to ISIS 2014", D(12, 2), D(12, 2), ("Rasool", "2014")),
    ("Sudani–Erdogan call", D(12, 3), D(12, 3), ("Sudani", "Erdogan")),
    ("Maliki speech", D(12, 4), D(12, 4), ("Maliki",)),
    # The article does not date the statement: anywhere in the article's period.
    ("HTS statement to the 'brotherly' Iraqi government", D(12, 3), D(12, 5), ("brotherly",)),
    ("advance toward Hama", D(12, 4), D(12, 4), ("toward Hama",)),
]


@pytest.mark.parametrize(
    ("fact", "first", "last", "words"), SEED_FACTS, ids=[f[0] for f in SEED_FACTS]
)
def test_every_dated_fact_of_the_seed_article_is_a_sourced_event(
    scenario, fact, first, last, words
):
    found = _matching(scenario, first, last, *words)
    assert found, f"no event for {fact!r} between {first} and {last}"
    seed = next(s.id for s in scenario.sources if "seed article" in s.title.lower())
    for e in found:
        assert e.source_ids, f"{e.id} has no source"
    assert any(seed in e.source_ids for e in found), f"{fact!r} does not cite the seed article"


def test_claim_that_fighters_crossed_is_marked_as_contested(scenario):
    claims = _matching(scenario, date(2024, 12, 1), date(2024, 12, 2), "fighters", "cross")
    claims = [e for e in claims if "claim" in e.title.lower()]
    assert claims, "the claim that Iraq let fighters cross is missing"
    contested = (Verification.DENIED, Verification.DISPUTED)
    assert all(e.verification in contested for e in claims)


def test_every_event_is_sourced_and_pinned_inside_the_region(scenario):
    assert len(scenario.events) >= 45
    for e in scenario.events:
        assert e.source_ids, e.id
        assert e.credibility is not None and 1 <= e.credibility <= 6, e.id
        if e.location is not None and e.location.lat is not None:
            # Syria and Iraq lie within these bounds; catches swapped lat/lon.
            assert 32 <= e.location.lat <= 38 and 35 <= e.location.lon <= 45, e.id


def test_sources_carry_an_admiralty_grade_and_every_one_is_cited(scenario):
    cited = {s for e in scenario.events for s in e.source_ids}
    cited |= {s for c in scenario.crossings for h in c.history for s in h.source_ids}
    cited |= {s for c in scenario.crossings for s in c.extra.get("source_ids", [])}
    cited |= {s for t in scenario.territory for s in t.source_ids}
    cited |= set(scenario.info.extra.get("reference_area_source_ids", []))
    for s in scenario.sources:
        assert s.reliability in tuple("ABCDEF"), s.id
        assert s.id in cited, f"source {s.id} is listed but never cited"


def _crossing(scenario: Scenario, word: str):
    found = [c for c in scenario.crossings if word in c.name]
    names = [c.name for c in found]
    assert len(found) == 1, f"expected one crossing named like {word!r}, got {names}"
    return found[0]


@pytest.mark.parametrize(
    ("word", "arabic", "kind"),
    [
        ("Qaim", ("القائم", "البوكمال"), "official"),
        ("Waleed", ("الوليد", "التنف"), "official"),
        ("Rabia", ("ربيعة", "اليعربية"), "official"),
        ("Semalka", ("فيشخابور", "سيمالكا"), "informal"),
    ],
)
def test_the_four_crossings_have_arabic_names_and_both_sides(scenario, word, arabic, kind):
    c = _crossing(scenario, word)
    assert c.name_local and ARABIC.search(c.name_local)
    assert not LATIN.search(c.name_local)
    for part in arabic:
        assert part in c.name_local
    assert [s.country for s in c.sides] == ["Iraq", "Syria"]
    assert c.kind.value == kind
    assert c.controlled_by is not None and scenario.faction(c.controlled_by) is not None


def test_al_qaim_closes_on_30_november(scenario):
    qaim = _crossing(scenario, "Qaim")
    assert qaim.status_at(_at(2024, 11, 29)) is CrossingStatus.OPEN
    assert qaim.status_at(datetime(2024, 11, 29, 23, 59, tzinfo=BAGHDAD)) is CrossingStatus.OPEN
    assert qaim.status_at(datetime(2024, 11, 30, 0, 0, tzinfo=BAGHDAD)) is CrossingStatus.CLOSED
    assert qaim.status_at(_at(2024, 12, 1)) is CrossingStatus.CLOSED
    assert qaim.status_at(_at(2025, 6, 14)) is CrossingStatus.OPEN


def test_official_crossings_are_all_closed_after_the_border_closure(scenario):
    for word in ("Qaim", "Waleed", "Rabia"):
        assert _crossing(scenario, word).status_at(_at(2024, 12, 1)) is CrossingStatus.CLOSED, word
    assert _crossing(scenario, "Rabia").status_at(_at(2026, 4, 20)) is CrossingStatus.OPEN


def test_semalka_gap_is_explained(scenario):
    semalka = _crossing(scenario, "Semalka")
    late_2024 = [h for h in semalka.history if D(11, 1) <= h.time.date <= D(12, 31)]
    assert late_2024 == []
    assert "not found" in semalka.extra["notes"]


def test_territory_shares_never_exceed_100_percent(scenario):
    assert scenario.info.extra["reference_area_km2"] == 185180
    dates = scenario.territory_dates()
    assert dates[0] == date(2024, 11, 26) and len(dates) >= 6
    for d in dates:
        total = sum(scenario.territory_at(d).values())
        assert total <= 100.0 + 1e-9, f"{d}: {total}"


def test_estimates_are_flagged(scenario):
    baseline = {t.faction: t for t in scenario.territory if t.date == date(2024, 11, 26)}
    for faction, share in (("gov", 63.38), ("sdf", 25.64)):
        sourced = baseline[faction]
        assert sourced.share_pct == share and not sourced.estimated and sourced.source_ids
    split = [baseline[f] for f in ("hts", "sna", "sfa")]
    assert all(t.estimated for t in split)
    assert sum(t.share_pct for t in split) == pytest.approx(10.98)
    later = [t for t in scenario.territory if t.date > date(2024, 11, 26)]
    assert later and all(t.estimated for t in later)


def _luminance(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_faction_colours_are_distinct_and_readable_on_light_and_dark(scenario):
    colors = [f.color.lower() for f in scenario.factions]
    assert len(set(colors)) == len(colors)
    white, dark = 1.0, _luminance("#1e1e1e")
    for f in scenario.factions:
        lum = _luminance(f.color)
        assert (white + 0.05) / (lum + 0.05) >= 3.0, f"{f.id} too light for a white background"
        assert (lum + 0.05) / (dark + 0.05) >= 3.0, f"{f.id} too dark for a dark background"


def test_file_is_canonical(default_path: Path):
    assert default_path == default_scenario_path()
    raw = default_path.read_bytes()
    assert dumps_scenario(load_scenario(default_path)).encode("utf-8") == raw
    assert "القائم".encode() in raw  # Arabic written as-is, not \u-escaped
