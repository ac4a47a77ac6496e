"""Deterministic synthetic scenarios for the benchmarks.

    /work/venv/bin/python benchmarks/generate.py [1k] [100k] [1m] [--force]

Writes ``benchmarks/data/synthetic-<size>.json`` (git-ignored) in the app's
canonical form (the bytes ``save_scenario`` would write), so a load + save
round-trips. The same size always gives the same bytes (fixed seed, no clock).

Shape of each scenario (sizes in :data:`SIZES`):

* events: titles ~45 characters, summaries ~170 (0-400), 1-3 actors (faction
  ids and free names, some Arabic), a named location with coordinates for 90%,
  1-3 source ids, all four verification states, Admiralty grades for most;
  10% day-precision, the rest timed with a +03:00 offset, in rough time order
  over two years; a few carry a field this version does not know (kept as extra);
* crossings with long status histories (the 1M scenario has 100 crossings x
  1,000 entries, as in the issue's cursor-step workload);
* 6 factions with weekly territory shares (about 100 dates), 400 sources.

The 1M file (~0.5 GB) is written in chunks, never held in memory as one document.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

# name: (events, crossings, history entries per crossing)
SIZES = {
    "1k": (1_000, 10, 20),
    "100k": (100_000, 20, 100),
    "1m": (1_000_000, 100, 1_000),
    # The 1M session's crossings over a tenth of its events: iterating on the UI's cursor
    # step and toggle without the 1M file's load time.
    "100k-x": (100_000, 100, 1_000),
}

TZ = timezone(timedelta(hours=3))  # Asia/Baghdad has had no DST since 2008
START = datetime(2024, 6, 1, tzinfo=TZ)
SPAN_DAYS = 730
SUMMARY_MEAN = 125  # characters (bundled scenario: 166); ~590 bytes per event as saved

FACTIONS = [
    ("gov", "Syrian government", "#d64545"),
    ("hts", "HTS-led opposition", "#2f9e55"),
    ("sna", "Syrian National Army", "#1a9aa0"),
    ("sdf", "SDF / AANES", "#b38600"),
    ("iraq", "Iraqi government and armed forces", "#8a7a66"),
    ("pmf", "Popular Mobilization Forces", "#d2691e"),
]
FREE_ACTORS = [
    "UNHCR",
    "Local council",
    "Tribal elders",
    "Customs authority",
    "Unknown gunmen",
    "Kataib Hezbollah",
    "ICRC",
    "WFP convoy",
    "Border guards",
    "Smugglers",
    "الحشد الشعبي",
    "قوات سوريا الديمقراطية",
    "مجلس محافظة الأنبار",
    "هيئة تحرير الشام",
]
PLACES = [
    ("Al-Qaim border crossing", 34.3975, 40.977),
    ("Al-Bukamal", 34.4536, 40.9367),
    ("Rabia – Al-Yarubiyah", 36.8, 42.1),
    ("Al-Walid – Al-Tanf", 33.3, 38.8),
    ("Deir ez-Zor", 35.3359, 40.1408),
    ("Mayadin", 35.0208, 40.4511),
    ("Hasakah", 36.5024, 40.7477),
    ("Qamishli", 37.0522, 41.2317),
    ("Raqqa", 35.9528, 39.0079),
    ("Palmyra", 34.5503, 38.2691),
    ("Aleppo", 36.2021, 37.1343),
    ("Hama", 35.1318, 36.7578),
    ("Homs", 34.7324, 36.7137),
    ("Damascus", 33.5138, 36.2765),
    ("Idlib", 35.9306, 36.6339),
    ("Manbij", 36.5281, 37.9549),
    ("Tal Abyad", 36.6975, 38.9566),
    ("Kobani", 36.8908, 38.3535),
    ("Sinjar", 36.3209, 41.8769),
    ("Mosul", 36.34, 43.13),
    ("Ramadi", 33.4258, 43.2994),
    ("Rutba", 33.0381, 40.2848),
    ("Husaybah", 34.3917, 40.99),
    ("Anah", 34.3725, 41.9872),
    ("Haditha", 34.1397, 42.3781),
    ("القائم", 34.39, 40.98),
    ("البوكمال", 34.45, 40.93),
    ("الرطبة", 33.04, 40.28),
    ("دير الزور", 35.34, 40.14),
    ("ربيعة", 36.8, 42.1),
    ("سنجار", 36.32, 41.88),
    ("Fishkhabour – Semalka", 37.08, 42.38),
    ("Al-Hol camp", 36.3778, 41.1497),
    ("Euphrates valley", 34.9, 40.6),
    ("Western desert", 33.5, 40.0),
]
CATEGORIES = [
    "military",
    "border",
    "political",
    "humanitarian",
    "security",
    "economic",
    "displacement",
    "diplomatic",
]
CATEGORY_WEIGHTS = [30, 18, 14, 12, 12, 6, 5, 3]
VERIFICATIONS = ["confirmed", "reported", "disputed", "denied"]
VERIFICATION_WEIGHTS = [45, 40, 10, 5]
STATUSES = ["open", "closed", "restricted"]
PUBLISHERS = [
    "Reuters",
    "AFP",
    "AP",
    "Al Jazeera",
    "Rudaw",
    "Shafaq News",
    "INA",
    "SOHR",
    "Enab Baladi",
    "The National",
]

NOUNS = [
    "convoy",
    "checkpoint",
    "crossing",
    "patrol",
    "shelling",
    "airstrike",
    "border post",
    "militia",
    "truck queue",
    "refugee column",
    "supply route",
    "garrison",
    "drone",
    "negotiation",
    "ceasefire",
    "curfew",
    "customs office",
    "fuel shipment",
    "detention",
    "clash",
    "protest",
    "delegation",
    "camp",
    "bridge",
    "road",
    "smuggling ring",
]
VERBS = [
    "reported near",
    "closed at",
    "reopened at",
    "attacked",
    "withdrew from",
    "arrived in",
    "seized",
    "blocked",
    "stopped at",
    "moved towards",
    "announced for",
    "cleared",
    "handed over",
    "shelled",
    "evacuated",
    "inspected",
]
ADJECTIVES = [
    "heavy",
    "unconfirmed",
    "renewed",
    "limited",
    "large",
    "overnight",
    "armed",
    "humanitarian",
    "local",
    "joint",
    "unexpected",
    "brief",
    "temporary",
    "major",
    "second",
    "tribal",
    "Iraqi",
    "Syrian",
    "Turkish-backed",
    "US-led",
]
FILLER = [
    "Officials said the situation remained tense and that movement across the area was limited",
    "Residents described long queues and intermittent gunfire through the night",
    "A spokesperson declined to comment on the numbers involved",
    "The report could not be independently verified",
    "Traffic of goods was suspended while passengers with valid documents were allowed through",
    "Local sources said the decision followed talks between the two sides",
    "Aid agencies warned that supplies in the camps would last only a few days",
    "Security forces reinforced positions along the border strip",
    "",
]


def _pick(rng: random.Random, seq):
    # rng.choice is 3x slower (rejection sampling); this is plenty uniform here.
    return seq[int(rng.random() * len(seq))]


def _weighted(values: list[str], weights: list[int]):
    total = sum(weights)
    bounds, acc = [], 0
    for w in weights:
        acc += w
        bounds.append(acc / total)
    return values, bounds


_CATEGORY_PICK = _weighted(CATEGORIES, CATEGORY_WEIGHTS)
_VERIFICATION_PICK = _weighted(VERIFICATIONS, VERIFICATION_WEIGHTS)


def _pick_weighted(rng: random.Random, table) -> str:
    values, bounds = table
    return values[bisect.bisect_right(bounds, rng.random())]


def _sentence(rng: random.Random, place: str) -> str:
    return f"{_pick(rng, ADJECTIVES).capitalize()} {_pick(rng, NOUNS)} {_pick(rng, VERBS)} {place}"


def _title(rng: random.Random, place: str) -> str:
    t = _sentence(rng, place)
    while len(t) < 30:
        t += f" and {_pick(rng, NOUNS)}"
    return t


def _summary(rng: random.Random, place: str) -> str | None:
    if rng.random() < 0.08:
        return None
    target = max(20, min(400, int(rng.gauss(SUMMARY_MEAN, 60))))
    text = _sentence(rng, place) + "."
    while len(text) < target:
        text += " " + _pick(rng, FILLER).strip().rstrip(".") + "."
    return text[:target].rstrip()


def _iso(dt: datetime, day: bool) -> str:
    return dt.date().isoformat() if day else dt.isoformat()


def _sources(rng: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        d = {
            "id": f"src-{i:04d}",
            "title": f"{_title(rng, _pick(rng, PLACES)[0])} ({_pick(rng, PUBLISHERS)})",
            "publisher": _pick(rng, PUBLISHERS),
            "url": f"https://news.example.org/{2024 + i % 2}/{i:04d}",
        }
        if rng.random() < 0.7:
            d["published"] = (START + timedelta(days=rng.randrange(SPAN_DAYS))).date().isoformat()
        if rng.random() < 0.8:
            d["reliability"] = _pick(rng, "ABBCCCDEF")
        out.append(d)
    return out


_SPAN_S = SPAN_DAYS * 86400


def _event(rng: random.Random, i: int, n: int, source_ids: list[str]) -> dict:
    r = rng.random
    # Rough time order: position in the file plus up to a day of jitter either way.
    when = START + timedelta(seconds=int(_SPAN_S * i / max(n, 1) + (r() - 0.5) * 172_800))
    day = r() < 0.10
    place, lat, lon = _pick(rng, PLACES)
    actors: list[str] = []
    for _ in range(_pick(rng, (1, 1, 2, 2, 3))):
        a = _pick(rng, FACTIONS)[0] if r() < 0.7 else _pick(rng, FREE_ACTORS)
        if a not in actors:
            actors.append(a)
    d: dict = {"id": f"ev-{i:07d}", "time": _iso(when, day), "title": _title(rng, place)}
    summary = _summary(rng, place)
    if summary is not None:
        d["summary"] = summary
    d["category"] = _pick_weighted(rng, _CATEGORY_PICK)
    d["actors"] = actors
    loc: dict = {"name": place}
    if r() < 0.9:
        loc["lat"] = round(lat + (r() - 0.5) / 10, 4)
        loc["lon"] = round(lon + (r() - 0.5) / 10, 4)
    d["location"] = loc
    k = _pick(rng, (1, 1, 2, 3))
    first = int(r() * (len(source_ids) - k))
    d["source_ids"] = source_ids[first : first + k]
    d["verification"] = _pick_weighted(rng, _VERIFICATION_PICK)
    if r() < 0.7:
        d["credibility"] = 1 + int(r() * 6)
    if r() < 0.2:
        d["reliability"] = _pick(rng, "ABCDEF")
    if r() < 0.02:
        d["tags"] = rng.sample(["casualties", "aid", "trade", "detainees", "refugees"], 2)
    return d


def _crossings(rng: random.Random, count: int, entries: int, source_ids: list[str]) -> list[dict]:
    out = []
    for c in range(count):
        place, lat, lon = PLACES[c % len(PLACES)]
        history = []
        # Entries spread over the span, in time order; a few corrections share a time.
        step = SPAN_DAYS * 86400 / max(entries, 1)
        for j in range(entries):
            when = (
                START + timedelta(seconds=int(j * step + rng.randrange(int(step) or 1)))
            ).replace(microsecond=0)
            day = rng.random() < 0.3
            h: dict = {"time": _iso(when, day)}
            if rng.random() < 0.5:
                h["recorded_at"] = (
                    (when + timedelta(hours=rng.randint(1, 48))).replace(microsecond=0).isoformat()
                )
            h["status"] = rng.choice(STATUSES)
            if rng.random() < 0.6:
                h["note"] = _title(rng, place) + "."
            h["source_ids"] = rng.sample(source_ids, rng.choice((0, 1, 1, 2)))
            if rng.random() < 0.3:
                h["by"] = rng.choice(["analyst-a", "analyst-b", "desk"])
            history.append(h)
        d: dict = {"id": f"x{c:03d}", "name": f"{place} crossing {c}"}
        if c % 3 == 0:
            d["name_local"] = f"معبر {c}"
        d["sides"] = [
            {"country": "Iraq", "place": f"{place} (IQ)"},
            {"country": "Syria", "place": f"{place} (SY)"},
        ]
        d["location"] = {"lat": lat, "lon": lon}
        d["kind"] = "official" if c % 4 else "informal"
        d["controlled_by"] = FACTIONS[c % len(FACTIONS)][0]
        d["history"] = history
        out.append(d)
    return out


def _territory(rng: random.Random) -> list[dict]:
    out = []
    shares = [55.0, 10.0, 8.0, 25.0, 0.0, 0.0]
    day = START.date()
    for _ in range(SPAN_DAYS // 7):
        # A random walk that keeps the total at 98% (rounding stays under 100).
        i, j = rng.sample(range(4), 2)
        move = min(shares[i], rng.uniform(0, 2.0))
        shares[i] -= move
        shares[j] += move
        for (fid, _, _), s in zip(FACTIONS, shares, strict=True):
            if s <= 0:
                continue
            out.append(
                {
                    "date": day.isoformat(),
                    "faction": fid,
                    "share_pct": round(s * 0.98, 2),
                    "source_ids": ["src-0000"],
                    "estimated": rng.random() < 0.5,
                }
            )
        day += timedelta(days=7)
    return out


try:  # 5x faster than json.dumps(indent=2) and byte-identical for this data
    import orjson

    def _dumps(value) -> str:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
except ImportError:  # pragma: no cover - the benchmarks install orjson anyway

    def _dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)


def _dump(value, level: int) -> str:
    """``value`` as json.dumps(indent=2) would write it nested ``level`` deep."""
    return _dumps(value).replace("\n", "\n" + "  " * level)


def write_scenario(size: str, path: Path) -> Path:
    n_events, n_crossings, n_entries = SIZES[size]
    rng = random.Random(f"monitor-bench-{size}")
    sources = _sources(rng, 400)
    source_ids = [s["id"] for s in sources]
    head = {
        "schema_version": 1,
        "scenario": {
            "id": f"synthetic-{size}",
            "title": f"Synthetic benchmark scenario ({n_events:,} events)",
            "description": "Generated by benchmarks/generate.py: deterministic, not real events.",
            "timezone": "Asia/Baghdad",
        },
        "factions": [{"id": f, "name": n, "color": c} for f, n, c in FACTIONS],
        "sources": sources,
    }
    crossings = _crossings(rng, n_crossings, n_entries, source_ids)
    territory = _territory(rng)
    tmp = path.with_suffix(".json.part")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        # Same bytes as json.dumps(whole, indent=2): written piecewise.
        fh.write("{\n")
        for key, value in head.items():
            fh.write(f"  {json.dumps(key)}: {_dump(value, 1)},\n")
        fh.write('  "events": [')
        chunk = 10_000
        for start in range(0, n_events, chunk):
            parts = [
                "\n    " + _dump(_event(rng, i, n_events, source_ids), 2)
                for i in range(start, min(start + chunk, n_events))
            ]
            fh.write(("," if start else "") + ",".join(parts))
        fh.write("\n  ],\n" if n_events else "],\n")
        fh.write(f'  "crossings": {_dump(crossings, 1)},\n')
        fh.write(f'  "territory": {_dump(territory, 1)}\n')
        fh.write("}\n")
    tmp.replace(path)
    return path


def scenario_path(size: str) -> Path:
    return DATA / f"synthetic-{size}.json"


def ensure(size: str, *, force: bool = False, quiet: bool = False) -> Path:
    """The path of the ``size`` scenario, generating it first if it is missing."""
    path = scenario_path(size)
    if force or not path.exists():
        t0 = time.perf_counter()
        write_scenario(size, path)
        if not quiet:
            mb = path.stat().st_size / 1e6
            print(
                f"generated {path.name}: {mb:.0f} MB in {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
            )
    return path


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "sizes", nargs="*", metavar="SIZE", help=f"one or more of {', '.join(SIZES)} (default: all)"
    )
    p.add_argument("--force", action="store_true", help="regenerate even if the file exists")
    args = p.parse_args(argv)
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown:
        p.error(f"unknown size {unknown[0]!r}; choose from {', '.join(SIZES)}")
    for size in args.sizes or list(SIZES):
        print(ensure(size, force=args.force))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
