"""The print chart: laid out in chart units (bands, edges, marker, ticks) and painted with
plain QPainter calls, which works in a worker thread; its date ticks."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from monitor.briefing import chart
from monitor.briefing.content import Chart
from monitor.model.series import territory_series

from pdfcheck import scenario_from, small_json

BAGHDAD = timezone(timedelta(hours=3))
COLOURS = ("c0392b", "27ae60", "f1c40f")  # small.json's factions


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


def _fills(g: chart.ChartGeometry, hex_colour: str) -> list[chart.Band]:
    return [b for b in g.bands if b.edge is None and b.fill.name() == "#" + hex_colour]


def _xs(bands: list[chart.Band]) -> list[float]:
    return [x for b in bands for x, _y in b.polygon]


def test_estimated_stretches_are_lighter_with_a_dashed_top_edge():
    # Measured on the first two dates, estimated on the third: one measured stretch and one
    # estimated stretch per faction.
    three = _with_territory(
        [
            ("2024-11-26", [63.38, 10.98, 25.64], False),
            ("2024-12-05", [55, 20, 25], False),
            ("2024-12-14", [55, 20, 25], True),
        ]
    )
    g = chart.chart_geometry(_chart(three), 480, 200)
    for colour in COLOURS:
        assert len(_fills(g, colour)) == 1 and len(_fills(g, _light(colour))) == 1, colour
    edges = [b for b in g.bands if b.edge is not None]
    assert len(edges) == 3  # a dashed top edge over each estimated band
    assert g.bands[-3:] == edges  # drawn over every band
    assert g.marker_x is None
    measured_only = _with_territory(
        [("2024-11-26", [63.38, 10.98, 25.64], False), ("2024-12-05", [55, 20, 25], False)]
    )
    plain = chart.chart_geometry(_chart(measured_only), 480, 200)
    assert not any(b.edge is not None for b in plain.bands)


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


def test_x_range_cuts_the_areas_to_the_visible_window(small_scenario):
    c = _chart(
        small_scenario,
        x_range=(datetime(2024, 11, 28, tzinfo=BAGHDAD), datetime(2024, 12, 2, tzinfo=BAGHDAD)),
        marker=datetime(2024, 12, 1, tzinfo=BAGHDAD),
    )
    g = chart.chart_geometry(c, 480, 200)
    labels = [label for _, label in g.x_ticks]
    assert "28 Nov 2024" in labels and "26 Nov 2024" not in labels
    # (The small scenario's second date is an estimate: the whole stretch is drawn lighter.)
    fills = [b for colour in COLOURS for b in _fills(g, _light(colour))]
    assert len(fills) == 3
    xs = _xs([b for b in g.bands if b.edge is None])
    ys = [y for b in g.bands for _x, y in b.polygon]
    plot = g.plot
    assert min(xs) == pytest.approx(plot.left()) and max(xs) == pytest.approx(plot.right())
    assert plot.top() - 1e-6 <= min(ys) and max(ys) <= plot.bottom() + 1e-6
    # The plot spans 28 Nov .. 2 Dec; the dashed as-of line (1 Dec) sits 3/4 of the way along.
    assert g.marker_x == pytest.approx(plot.left() + 0.75 * plot.width())


def test_carried_forward_figures_reach_the_hold_time_as_the_last_dates_stretch(small_scenario):
    lo = datetime(2024, 11, 26, tzinfo=BAGHDAD)
    last = datetime(2024, 12, 5, tzinfo=BAGHDAD)
    hold = last + timedelta(days=9)  # two thirds along a 26 Nov .. 23 Dec axis
    c = _chart(small_scenario, x_range=(lo, hold + timedelta(days=9)), hold_to=hold)
    g = chart.chart_geometry(c, 480, 200)
    # The last date is an estimate, so the carried stretch is drawn light like the one before.
    light, plain = _fills(g, _light("c0392b")), _fills(g, "c0392b")
    assert light and not plain  # (the only stretch is estimated at its right end)
    left, right = min(_xs(light)), max(_xs(light))
    assert right - left == pytest.approx(g.plot.width() * 2 / 3, rel=0.01)  # 18 of 27 days
    not_held = chart.chart_geometry(_chart(small_scenario, x_range=c.x_range), 480, 200)
    assert max(_xs(_fills(not_held, _light("c0392b")))) < right


def test_a_single_date_is_a_narrow_column():
    one = _with_territory([("2024-11-26", [50, 30, 20], False)])
    c = _chart(one)
    assert c.series.dates == (one.territory[0].date,)
    g = chart.chart_geometry(c, 480, 200)
    for colour in COLOURS:
        xs = _xs(_fills(g, colour))
        assert xs and max(xs) > min(xs), colour


def _paint(c: Chart, size=(480.0, 200.0), scale=2.0) -> QImage:
    img = QImage(int(size[0] * scale), int(size[1] * scale), QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    try:
        chart.paint_territory(
            p, c, QRectF(0, 0, img.width(), img.height()), size, QFont("DejaVu Sans")
        )
    finally:
        p.end()
    return img


def _reddish(img: QImage, x0: int, x1: int, y0: int, y1: int) -> int:
    """Pixels in the box that are the first faction's fill (red well above green/blue)."""
    n = 0
    for x in range(x0, x1, 3):
        for y in range(y0, y1, 3):
            c = img.pixelColor(x, y)
            n += c.red() > 200 and c.green() < 190 and c.blue() < 190
    return n


def test_the_chart_paints_in_a_worker_thread_inside_its_plot(app, small_scenario):
    """No widget, no scene: the chart paints onto a QImage from a plain Python thread, the
    bands fill the plot and nothing is painted past its right end."""
    c = _chart(
        small_scenario,
        x_range=(datetime(2024, 11, 27, tzinfo=BAGHDAD), datetime(2024, 12, 3, tzinfo=BAGHDAD)),
        marker=datetime(2024, 12, 1, tzinfo=BAGHDAD),
    )
    out: dict = {}

    def work() -> None:
        out["thread"] = threading.current_thread()
        out["image"] = _paint(c)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)
    img = out["image"]
    assert out["thread"] is not threading.main_thread()
    g = chart.chart_geometry(c, 480, 200)
    left, right = int(g.plot.left() * 2), int(g.plot.right() * 2)
    bottom = int(g.plot.bottom() * 2)
    assert _reddish(img, left + 4, right - 4, bottom - 60, bottom - 6) > 100  # the red band
    assert _reddish(img, right + 2, img.width(), 0, img.height()) == 0  # nothing past it
    # Tick labels and axis lines are dark ink below and left of the plot.
    dark = sum(
        img.pixelColor(x, y).lightness() < 120
        for x in range(0, img.width(), 2)
        for y in range(bottom + 4, img.height(), 2)
    )
    assert dark > 50
