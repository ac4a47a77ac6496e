"""Helpers for the briefing tests: scenario builders, poppler (pdftotext, pdfinfo) wrappers."""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = REPO / "data" / "iraq-syria-border-2024.json"

# Bidi controls pdftotext may insert around right-to-left runs.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ARABIC = re.compile("[\u0600-\u06ff]")

HOSTILE_IMG = '<img src="file:///etc/hostname">'
HOSTILE_LINK = '<a href="http://x">y</a>'


def small_json() -> dict:
    return json.loads((DATA / "small.json").read_text(encoding="utf-8"))


def scenario_from(obj: dict):
    from monitor.model import scenario_from_json

    return scenario_from_json(obj)


def with_events(n: int, *, summary_words: int = 12) -> dict:
    """small.json with its events replaced by ``n`` generated ones (times every 50 minutes)."""
    obj = small_json()
    start = datetime(2024, 11, 26, 6, 0, tzinfo=timezone(timedelta(hours=3)))
    events = []
    for i in range(n):
        words = " ".join(f"w{i:04d}x{j}" for j in range(summary_words))
        events.append(
            {
                "id": f"g{i:04d}",
                "time": (start + timedelta(minutes=50 * i)).isoformat(),
                "title": f"Generated event {i:04d}",
                "summary": f"Summary {i:04d} begins. {words} Summary {i:04d} ends.",
                "category": "border" if i % 2 else "military",
                "actors": ["reb"] if i % 3 else ["gov", "Iraqi JOC"],
                "source_ids": ["s1"] if i % 2 else ["s2"],
                "verification": "confirmed",
                "credibility": 1 + i % 6,
            }
        )
    obj["events"] = events
    return obj


def normalise(text: str) -> str:
    """pdftotext output made comparable: NFKC (ligatures, Arabic presentation forms),
    without bidi controls."""
    return _BIDI_CONTROLS.sub("", unicodedata.normalize("NFKC", text))


def pdf_text(path: Path, page: int | None = None, *, layout: bool = False) -> str:
    cmd = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        cmd.append("-layout")
    if page is not None:
        cmd += ["-f", str(page), "-l", str(page)]
    cmd += [str(path), "-"]
    return normalise(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def pdf_info(path: Path, *extra: str) -> str:
    return subprocess.run(
        ["pdfinfo", *extra, str(path)], check=True, capture_output=True, text=True
    ).stdout


def page_count(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", pdf_info(path), re.M).group(1))


def image_list(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return [ln for ln in out.splitlines()[2:] if ln.strip()]


def arabic_lines_visual(path: Path, page: int) -> list[str]:
    """Arabic glyphs of each text line of ``page`` as painted, read right to left.

    pdftotext -bbox lists every glyph with its position; sorting a line's
    Arabic glyphs by x descending gives the order a reader of Arabic sees.
    Equal to the logical text only if the line was laid out right-to-left.
    """
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows: dict[int, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out):
        word = normalise(m.group(3))
        if _ARABIC.search(word):
            rows.setdefault(round(float(m.group(2))), []).append((float(m.group(1)), word))
    return [
        "".join(w for _, w in sorted(glyphs, reverse=True)) for _, glyphs in sorted(rows.items())
    ]


def arabic_letters(text: str) -> str:
    return "".join(ch for ch in text if _ARABIC.match(ch))


def line_with(text: str, needle: str) -> str:
    """The first line of ``text`` containing ``needle`` (-layout keeps a table row on one line)."""
    for line in text.splitlines():
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} not found in:\n{text}")
