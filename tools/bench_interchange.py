"""Figures of the interchange (issue 14's targets), on a generated 100k-row ACLED-shaped CSV.

    .venv/bin/python tools/bench_interchange.py [--rows N] [--repeat R]

1. dry run of the import (read + recognise + review) vs ``pandas.read_csv`` of the file;
2. re-import of the same rows into a scenario that holds them (all unchanged);
3. GeoJSON export of the events vs ``json.dumps`` of the same features.
Medians of R runs; quote the ratios (machines are noisy).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interchange"))
sys.path.insert(0, str(ROOT / "src"))

from feeds import big_acled  # noqa: E402

from monitor.interchange import View, export_view, parse_feed, plan_import  # noqa: E402
from monitor.interchange.export import geojson_pieces, view_rows  # noqa: E402
from monitor.model import load_scenario  # noqa: E402
from monitor.model.writer import event_json  # noqa: E402

EMPTY = {"schema_version": 1,
         "scenario": {"id": "bench", "title": "Bench", "timezone": "Asia/Baghdad"},
         "factions": [], "sources": [], "events": [], "crossings": [], "territory": []}


def median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        feed = big_acled(folder / "acled.csv", args.rows)
        size = feed.stat().st_size
        empty_path = folder / "empty.json"
        empty_path.write_text(json.dumps(EMPTY))
        empty = load_scenario(empty_path)

        t_pd = median(lambda: pd.read_csv(feed), args.repeat)
        review = None

        def dry_run() -> None:
            nonlocal review
            review = plan_import(empty, parse_feed(feed))

        t_dry = median(dry_run, args.repeat)
        assert review is not None and len(review.new) == args.rows, review.counts()
        t_build = median(lambda: plan_import(empty, parse_feed(feed)).changes, 1)

        # A scenario holding the imported events (written as a file: the import's own JSON).
        doc = dict(EMPTY)
        doc["sources"] = [c.after for c in review.changes if c.entity == "source"]
        doc["events"] = [c.after for c in review.changes if c.entity == "event"]
        full_path = folder / "full.json"
        full_path.write_text(json.dumps(doc, ensure_ascii=False))
        t = time.perf_counter()
        full = load_scenario(full_path)
        t_load = time.perf_counter() - t
        again = None

        def reimport() -> None:
            nonlocal again
            again = plan_import(full, parse_feed(feed))

        del review, doc
        t_re = median(reimport, args.repeat)
        parsed = parse_feed(feed)
        t_re_plan = median(lambda: plan_import(full, parsed), args.repeat)
        assert again is not None and again.unchanged == args.rows, again.counts()

        out = folder / "out.geojson"
        view = View(None)
        t_exp = median(lambda: export_view(full, view, out, "geojson"), args.repeat)
        rows = view_rows(full, view)
        events = full.events

        def features() -> list:
            out_ = []
            for i in rows.tolist():
                e = events[i]
                loc = e.location
                geom = ({"type": "Point", "coordinates": [loc.lon, loc.lat]}
                        if loc is not None and loc.lat is not None else None)
                out_.append({"type": "Feature", "geometry": geom,
                             "properties": {"feature_type": "event", **event_json(e)}})
            return out_

        feats = features()
        t_dumps = median(lambda: json.dumps({"type": "FeatureCollection", "features": feats},
                                            ensure_ascii=False), args.repeat)
        t_pieces = median(lambda: geojson_pieces(full, view), args.repeat)

    print(f"{args.rows:,} ACLED-shaped rows ({size / 1e6:.0f} MB), medians of {args.repeat}")
    print(f"  pandas.read_csv            {t_pd:7.3f} s")
    print(f"  dry-run import             {t_dry:7.3f} s   {t_dry / t_pd:4.2f}x read_csv "
          "(target <= 3x)")
    print(f"  dry run + the 100k changes {t_build:7.3f} s   (what applying starts with)")
    print(f"  load of the imported file  {t_load:7.3f} s   (for reference)")
    print(f"  re-import, all unchanged   {t_re:7.3f} s   (target <= 1 s; of it the review "
          f"{t_re_plan:.3f} s)")
    print(f"  json.dumps of the features {t_dumps:7.3f} s")
    print(f"  GeoJSON export (written)   {t_exp:7.3f} s   {t_exp / t_dumps:4.2f}x json.dumps "
          "(target <= 1.5x)")
    print(f"  GeoJSON export (in memory) {t_pieces:7.3f} s   {t_pieces / t_dumps:4.2f}x json.dumps")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
