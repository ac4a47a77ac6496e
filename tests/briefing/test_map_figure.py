"""The situation map of the full briefing (issue 13, item 6), read back from real PDFs with
poppler: its page, the crossings' names as text, the borders as vectors, at most one image
for the events, a scenario elsewhere in the world framed on its own region, 100k events."""

from __future__ import annotations

import copy
import math
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from monitor.briefing import BriefingOptions, export_briefing_pdf
from monitor.briefing.blocks import MapFigure

from pdfcheck import (
    DEFAULT_SCENARIO,
    arabic_letters,
    page_count,
    pdf_text,
    scenario_from,
    small_json,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

AS_OF = datetime(2024, 12, 8, 12, tzinfo=UTC)
HOSTILE = '<b>Bold</b> <img src="file:///etc/hostname"> \u202eevil'


def map_page(path) -> int:
    """The page whose first heading is the map's title."""
    for page in range(1, page_count(path) + 1):
        lines = [ln.strip() for ln in pdf_text(path, page).splitlines() if ln.strip()]
        if "Situation map" in lines[:6]:
            return page
    raise AssertionError("no Situation map page")


def page_images(path, page: int) -> list[tuple[str, int, int, int]]:
    """(type, width, height, x-ppi) of every image row ``pdfimages -list`` prints for ``page``."""
    out = subprocess.run(
        ["pdfimages", "-f", str(page), "-l", str(page), "-list", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = []
    for line in out.splitlines()[2:]:
        f = line.split()
        if f:
            rows.append((f[2], int(f[3]), int(f[4]), int(f[12])))
    return rows


def assert_at_most_one_image(path, page: int) -> list[tuple[str, int, int, int]]:
    """At most one image on the page; a mask row may belong to it (the transparency of the
    event layer, written by Qt as a separate mask of the same image)."""
    rows = page_images(path, page)
    images = [r for r in rows if r[0] == "image"]
    assert len(images) <= 1, rows
    for kind, w, h, _ppi in rows:
        assert kind in ("image", "mask", "smask"), rows
        assert (w, h) == images[0][1:3], rows  # a mask is the image's own, same size
    return images


@pytest.fixture(scope="module")
def bundled():
    from monitor.model import load_scenario

    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def bundled_pdf(app, bundled, out_dir):
    out = out_dir / "map-bundled.pdf"
    export_briefing_pdf(bundled, out, BriefingOptions(as_of=AS_OF))
    return out


def _figure(doc) -> MapFigure:
    return next(b for b in doc.blocks if isinstance(b, MapFigure))


def test_bundled_briefing_has_a_map_page_with_every_crossing_name_as_text(bundled, bundled_pdf):
    page = map_page(bundled_pdf)
    text = pdf_text(bundled_pdf, page)
    for c in bundled.crossings:
        assert c.name in text, c.name
        assert arabic_letters(c.name_local) in arabic_letters(text), c.name_local
    for word in ("Open crossing", "Restricted crossing", "Closed crossing", "Unknown crossing"):
        assert word in text  # the legend
    assert "SYRIA" in text and "IRAQ" in text  # country names of the base map, as text
    assert "Natural Earth" in text
    assert assert_at_most_one_image(bundled_pdf, page) == []  # few places: vector dots


def test_borders_and_land_are_vector_paths(bundled_pdf):
    page = map_page(bundled_pdf)
    # Qt writes page content compressed; pdftocairo's SVG output shows the paths plainly.
    svg = subprocess.run(
        ["pdftocairo", "-svg", "-f", str(page), "-l", str(page), str(bundled_pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert svg.count("<path") > 50  # land, borders, symbols, graticule
    assert "<image" not in svg


def test_map_statuses_are_the_models_as_of_the_briefing(bundled):
    from monitor.briefing.documents import briefing_document

    for as_of in (AS_OF, datetime(2024, 11, 20, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)):
        since = datetime(2019, 1, 1, tzinfo=UTC)
        fig = _figure(briefing_document(bundled, BriefingOptions(as_of=as_of, since=since)))
        got = {c.crossing_id: c.status for c in fig.crossings}
        want = {}
        for c in bundled.crossings:
            s = c.status_at(as_of)
            want[c.id] = s.value if s is not None else None
        assert got == want
    fig = _figure(briefing_document(bundled, BriefingOptions(as_of=AS_OF)))
    west, south, east, north = fig.frame
    for c in fig.crossings:
        assert west < c.lon < east and south < c.lat < north
    # Equirectangular aspect: one degree of latitude is 1/cos(central latitude) longer.
    lat0 = math.radians((south + north) / 2)
    assert fig.aspect == pytest.approx((north - south) / ((east - west) * math.cos(lat0)))


def west_africa() -> dict:
    """A scenario on the Mali-Niger-Burkina Faso borders, nowhere near the bundled region."""
    obj = small_json()
    obj["scenario"] = {"id": "sahel-test", "title": "Sahel border test", "timezone": "UTC"}
    src = obj["sources"][0]["id"]
    places = [  # name, local name, lat, lon, history
        ("Labbezanga", "لابيزانغا", 14.95, 0.70, [("2024-06-01", "open")]),
        ("Petelkolé", None, 14.03, 0.41, [("2024-06-01", "open"), ("2024-06-20", "closed")]),
        ("Kantchari", None, 12.48, 1.52, [("2024-06-01", "restricted")]),
        ("Seytenga " + HOSTILE, None, 14.15, 0.06, []),
    ]
    obj["crossings"] = [
        {
            "id": f"x{i}",
            "name": name,
            **({"name_local": local} if local else {}),
            "sides": [{"country": "Niger", "place": "A"}, {"country": "Mali", "place": "B"}],
            "location": {"lat": lat, "lon": lon},
            "kind": "official",
            "history": [{"time": t, "status": s, "source_ids": []} for t, s in history],
        }
        for i, (name, local, lat, lon, history) in enumerate(places)
    ]
    obj["events"] = [
        {
            "id": f"w{i}",
            "time": f"2024-06-{1 + i % 28:02d}",
            "title": f"Sahel event {i}",
            "category": "border",
            "actors": [],
            "source_ids": [src],
            "verification": ("confirmed", "reported", "disputed")[i % 3],
            **(
                {"location": {"name": "x", "lat": 13.5 + (i % 7) * 0.2, "lon": 1.0 + i % 5 * 0.3}}
                if i % 4
                else {}
            ),
        }
        for i in range(40)
    ]
    obj["territory"] = []
    return obj


def test_a_scenario_in_west_africa_gets_a_map_framed_on_its_region(app, out_dir):
    scenario = scenario_from(west_africa())
    as_of = datetime(2024, 6, 25, tzinfo=UTC)
    options = BriefingOptions(as_of=as_of, since=datetime(2024, 5, 1, tzinfo=UTC))
    from monitor.briefing.documents import briefing_document

    fig = _figure(briefing_document(scenario, options))
    west, south, east, north = fig.frame
    assert -3 < west < 0.06 and 1.52 < east < 5 and 9 < south < 12.48 and 14.95 < north < 18
    assert {c.crossing_id: c.status for c in fig.crossings} == {
        "x0": "open",
        "x1": "closed",
        "x2": "restricted",
        "x3": None,
    }
    # 40 events: 10 without a location, 3 after the as-of time (26-28 June), 27 drawn.
    assert fig.points.n_events == 27 and fig.unlocated == 10
    out = out_dir / "map-sahel.pdf"
    export_briefing_pdf(scenario, out, options)
    page = map_page(out)
    text = pdf_text(out, page)
    for name in ("Labbezanga", "Petelkolé", "Kantchari", "Seytenga"):
        assert name in text
    assert arabic_letters("لابيزانغا") in arabic_letters(text)
    assert '<b>Bold</b> <img src="file:///etc/hostname">' in text  # literal, never markup
    assert "14°N" in text and "1°E" in text  # the graticule's labels: the region's degrees
    assert "10 events of the period have no location" in " ".join(text.split())
    assert assert_at_most_one_image(out, page) == []


def _many_events(n: int) -> dict:
    obj = small_json()
    rng = np.random.default_rng(13)
    lat = rng.normal(34.5, 1.2, n).round(4)
    lon = rng.normal(40.5, 1.6, n).round(4)
    start = datetime(2024, 11, 26, tzinfo=timezone(timedelta(hours=3)))
    src = obj["sources"][0]["id"]
    verification = ("confirmed", "reported", "disputed", "denied")
    obj["events"] = [
        {
            "id": f"m{i}",
            "time": (start + timedelta(seconds=5 * i)).isoformat(),
            "title": "e",
            "category": "border",
            "actors": [],
            "source_ids": [src],
            "verification": verification[i % 4],
            "location": {"name": "p", "lat": float(lat[i]), "lon": float(lon[i])},
        }
        for i in range(n)
    ]
    return obj


@pytest.mark.slow
def test_100k_events_are_one_image_at_240_dpi_and_small(app, out_dir):
    scenario = scenario_from(_many_events(100_000))
    as_of = datetime(2024, 12, 31, tzinfo=UTC)
    options = BriefingOptions(as_of=as_of, since=datetime(2024, 11, 1, tzinfo=UTC))
    with_map = out_dir / "map-100k.pdf"
    without = out_dir / "nomap-100k.pdf"
    export_briefing_pdf(
        scenario, with_map, BriefingOptions(**{**_fields(options), "panels": ("crossings", "map")})
    )
    export_briefing_pdf(
        scenario, without, BriefingOptions(**{**_fields(options), "panels": ("crossings",)})
    )
    page = map_page(with_map)
    images = assert_at_most_one_image(with_map, page)
    assert len(images) == 1 and images[0][3] >= 200  # one layer, at 200 dpi or more
    added = with_map.stat().st_size - without.stat().st_size
    assert added < 5_000_000, added
    text = " ".join(pdf_text(with_map, page).split())
    assert re.search(r"100,000 events with a location", text)


def _fields(options: BriefingOptions) -> dict:
    return {f: copy.copy(getattr(options, f)) for f in options.__slots__}


def test_monitor_brief_has_the_map_headless_and_panels_can_leave_it_out(tmp_path):
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    out = tmp_path / "cli.pdf"
    base = [
        sys.executable,
        "-m",
        "monitor",
        "brief",
        str(DEFAULT_SCENARIO),
        "--as-of",
        "2024-12-08",
    ]
    subprocess.run([*base, "-o", str(out)], check=True, env=env, capture_output=True)
    assert "Al-Qaim – Al-Bukamal" in pdf_text(out, map_page(out))
    without = tmp_path / "no-map.pdf"
    subprocess.run(
        [*base, "-o", str(without), "--panels", "crossings,feed"],
        check=True,
        env=env,
        capture_output=True,
    )
    with pytest.raises(AssertionError):
        map_page(without)


def test_frame_aspect_is_one_over_cos_of_its_latitude_far_north_and_the_world_when_empty():
    from monitor.briefing.mapdata import ASPECT_RANGE, map_frame

    # Vaalimaa (Finland-Russia, 60.6 N) and Niirala (62.2 N): a degree of longitude is short.
    (west, south, east, north), aspect = map_frame([27.86, 30.07], [60.58, 62.22])
    assert west < 27.86 and east > 30.07 and south < 60.58 and north > 62.22
    cos = math.cos(math.radians((south + north) / 2))
    assert aspect == pytest.approx((north - south) / ((east - west) * cos))
    assert ASPECT_RANGE[0] - 1e-9 <= aspect <= ASPECT_RANGE[1] + 1e-9
    (west, south, east, north), _aspect = map_frame([], [])
    assert west <= -180 and east >= 180 and south <= -55 and north >= 80


def test_a_scenario_with_nothing_located_still_gets_a_map_page(app, out_dir):
    obj = small_json()
    obj["crossings"], obj["events"] = [], []
    out = out_dir / "map-empty.pdf"
    export_briefing_pdf(scenario_from(obj), out, BriefingOptions(as_of=AS_OF))
    text = pdf_text(out, map_page(out))
    assert "0 events with a location" in " ".join(text.split())
