"""The print chart: pyqtgraph SVG export (with the close-path patch) and its date ticks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtGui import QColor, QFont
from PySide6.QtSvg import QSvgRenderer

from monitor.briefing import chart
from monitor.briefing.content import Chart
from monitor.model.series import territory_series

from pdfcheck import scenario_from, small_json

BAGHDAD = timezone(timedelta(hours=3))


def _light(hex_colour: str) -> str:
    """An estimated stretch's fill: the faction's colour blended half-way to white."""
    c = QColor("#" + hex_colour)
    return QColor.fromRgbF(
        *(v + (1 - v) * chart.ESTIMATE_MIX for v in (c.redF(), c.greenF(), c.blueF()))
    ).name()[1:]


def _chart(scenario, **kw) -> Chart:
    return Chart(territory_series(scenario), **kw)


def _with_territory(rows: list[tuple[str, list[float], bool]]):
    obj = small_json()
    obj["territory"] = [
        {"date": day, "faction": f, "share_pct": v, "source_ids": [], "estimated": est}
        for day, values, est in rows
        for f, v in zip(("gov", "reb", "kur"), values, strict=True)
    ]
    return scenario_from(obj)


def test_estimated_stretches_are_lighter_with_a_dashed_top_edge(app):
    # Measured on the first two dates, estimated on the third: one measured stretch and one
    # estimated stretch per faction.
    three = _with_territory(
        [
            ("2024-11-26", [63.38, 10.98, 25.64], False),
            ("2024-12-05", [55, 20, 25], False),
            ("2024-12-14", [55, 20, 25], True),
        ]
    )
    data = chart.territory_svg(_chart(three), 480, 200, QFont("DejaVu Sans"))
    for colour in ("c0392b", "27ae60", "f1c40f"):
        full = re.findall(rb'<g fill="#' + colour.encode() + rb'"', data)
        light = re.findall(rb'<g fill="#' + _light(colour).encode() + rb'"', data)
        assert len(full) == 1 and len(light) == 1, colour
    # A dashed top edge over each estimated band (no marker line in this chart).
    assert len(re.findall(rb"stroke-dasharray", data)) == 3
    measured_only = _with_territory(
        [("2024-11-26", [63.38, 10.98, 25.64], False), ("2024-12-05", [55, 20, 25], False)]
    )
    plain = chart.territory_svg(_chart(measured_only), 480, 200, QFont("DejaVu Sans"))
    assert b"stroke-dasharray" not in plain


def test_close_path_tokens_survive_the_round_trip():
    d = "M0,0 L10,0 L10,5 Z M20,20 L30,20 Z "
    stripped, marks = chart._split_close_path(d)
    assert "Z" not in stripped and marks == [3, 5]
    assert chart._restore_close_path(stripped, marks).split() == d.split()


def test_patch_is_applied_once_and_export_keeps_closed_paths(app, small_scenario):
    chart.patch_svg_exporter()
    import sys

    patched = sys.modules["pyqtgraph.exporters.SVGExporter"].correctCoordinates
    chart.patch_svg_exporter()
    assert sys.modules["pyqtgraph.exporters.SVGExporter"].correctCoordinates is patched

    data = chart.territory_svg(_chart(small_scenario), 480, 200, QFont("DejaVu Sans"))
    paths = re.findall(rb' d="([^"]*)"', data)
    assert paths and any(p.rstrip().endswith(b"Z") for p in paths)
    # Every band is in the visible plot (x between the axis and the right edge).
    xs = [float(x) for p in paths for x in re.findall(rb"[ML](-?[\d.]+),", p)]
    assert max(xs) <= 480
    assert QSvgRenderer(data).isValid()
    assert b"&quot;" not in re.search(rb"<text[^>]*>", data).group(
        0
    )  # families unquoted for QSvgRenderer


def test_date_ticks_name_the_year_once_and_fit_the_width():
    lo = chart._secs(datetime(2024, 11, 26).date())
    hi = lo + 20 * 86400
    ticks = chart.date_ticks(lo, hi, 480)
    labels = [t for _, t in ticks]
    assert labels[0] == "26 Nov 2024"
    assert all("2024" not in t for t in labels[1:])
    assert 3 <= len(labels) <= 480 // 55
    long = chart.date_ticks(lo, lo + 500 * 86400, 480)
    assert len(long) <= 480 // 55 and any("2025" in t for _, t in long)


def test_x_range_cuts_the_areas_to_the_visible_window(app, small_scenario):
    """QSvgRenderer ignores clip paths: the areas themselves must stay inside the plot."""
    c = _chart(
        small_scenario,
        x_range=(datetime(2024, 11, 28, tzinfo=BAGHDAD), datetime(2024, 12, 2, tzinfo=BAGHDAD)),
        marker=datetime(2024, 12, 1, tzinfo=BAGHDAD),
    )
    data = chart.territory_svg(c, 480, 200, QFont("DejaVu Sans"))
    labels = re.findall(rb"<text[^>]*>([^<]+)</text>", data)
    assert b"28 Nov 2024" in labels and b"26 Nov 2024" not in labels
    assert b"<clipPath" not in data
    # (The small scenario's second date is an estimate: the whole stretch is drawn lighter.)
    colours = "|".join(_light(c) for c in ("c0392b", "27ae60", "f1c40f")).encode()
    fills = re.findall(rb'<g fill="#(?:' + colours + rb')"[^>]*>\s*<path[^>]* d="([^"]*)"', data)
    assert len(fills) == 3
    xs = sorted(float(x) for p in fills for x in re.findall(rb"[ML]?(-?[\d.]+),-?[\d.]+", p))
    # The plot spans 28 Nov .. 2 Dec; the dashed as-of line (1 Dec) sits 3/4 of the way along.
    left, right = xs[0], xs[-1]
    assert 20 < left < 60 and 400 < right <= 480
    vertical = [
        float(a)
        for a, b in re.findall(
            rb'stroke-dasharray[^>]*>\s*<path[^>]* d="M(-?[\d.]+),-?[\d.]+ L(-?[\d.]+),', data
        )
        if a == b
    ]
    assert len(vertical) == 1 and abs(vertical[0] - (left + 0.75 * (right - left))) < 1.0


def test_the_reused_plot_carries_nothing_between_charts(app, small_scenario):
    first = chart.territory_svg(_chart(small_scenario), 480, 200, QFont("DejaVu Sans"))
    other = _chart(
        small_scenario,
        x_range=(datetime(2024, 11, 30, tzinfo=BAGHDAD), datetime(2024, 12, 1, tzinfo=BAGHDAD)),
    )
    middle = chart.territory_svg(other, 300, 150, QFont("DejaVu Sans"))
    again = chart.territory_svg(_chart(small_scenario), 480, 200, QFont("DejaVu Sans"))
    assert b'viewBox ="0 0 300 150"' in middle
    assert again == first


def _fill_xs(data: bytes, colour: str) -> list[float]:
    fill = rb'<g fill="#' + colour.encode() + rb'"[^>]*>\s*<path[^>]* d="([^"]*)"'
    paths = re.findall(fill, data)
    return [float(x) for p in paths for x in re.findall(rb"[ML]?(-?[\d.]+),-?[\d.]+", p)]


def test_carried_forward_figures_reach_the_hold_time_as_the_last_dates_stretch(app, small_scenario):
    lo = datetime(2024, 11, 26, tzinfo=BAGHDAD)
    last = datetime(2024, 12, 5, tzinfo=BAGHDAD)
    hold = last + timedelta(days=9)  # half-way along a 26 Nov .. 23 Dec axis
    c = _chart(small_scenario, x_range=(lo, hold + timedelta(days=9)), hold_to=hold)
    data = chart.territory_svg(c, 480, 200, QFont("DejaVu Sans"))
    # The last date is an estimate, so the carried stretch is drawn light like the one before.
    light = _fill_xs(data, _light("c0392b"))
    plain = _fill_xs(data, "c0392b")
    assert light and not plain  # (the only stretch is estimated at its right end)
    left, right = min(light), max(light)
    assert right - left == pytest.approx((480 - left) * 2 / 3, rel=0.1)  # 18 of 27 days shown
    not_held = _chart(small_scenario, x_range=(lo, hold + timedelta(days=9)))
    without = chart.territory_svg(not_held, 480, 200, QFont("DejaVu Sans"))
    assert max(_fill_xs(without, _light("c0392b"))) < right


def test_a_single_date_is_a_narrow_column(app):
    one = _with_territory([("2024-11-26", [50, 30, 20], False)])
    c = _chart(one)
    assert c.series.dates == (one.territory[0].date,)
    data = chart.territory_svg(c, 480, 200, QFont("DejaVu Sans"))
    for colour in ("c0392b", "27ae60", "f1c40f"):
        xs = _fill_xs(data, colour)
        assert xs and max(xs) > min(xs), colour
    assert QSvgRenderer(data).isValid()
