"""The territory series shared by the chart panel and the PDF briefing (no Qt)."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from monitor.model import TerritoryShare, scenario_from_json
from monitor.model.series import PLACEHOLDER_COLOR, territory_series

SMALL = json.loads((Path(__file__).parents[1] / "data" / "small.json").read_text("utf-8"))


def _scenario(territory=None, factions=None):
    obj = copy.deepcopy(SMALL)
    if territory is not None:
        obj["territory"] = territory
    if factions is not None:
        obj["factions"] = factions
    return scenario_from_json(obj)


def _t(day: str, faction: str, share: float, estimated: bool = False) -> dict:
    return {
        "date": day,
        "faction": faction,
        "share_pct": share,
        "source_ids": [],
        "estimated": estimated,
    }


def test_small_scenario_shares_dates_factions_and_estimates():
    s = territory_series(_scenario())
    assert s.dates == (date(2024, 11, 26), date(2024, 12, 5))
    assert s.faction_ids == ("gov", "reb", "kur")
    assert [f.color for f in s.factions] == ["#c0392b", "#27ae60", "#f1c40f"]
    np.testing.assert_allclose(s.shares, [[63.38, 10.98, 25.64], [55, 20, 25]])
    assert s.estimated.tolist() == [[False] * 3, [True] * 3]
    np.testing.assert_allclose(s.stacked()[:, -1], [100.0, 100.0])
    assert s.interval_estimated().tolist() == [[True] * 3]
    assert s.any_estimated().tolist() == [True] * 3
    assert not s.empty


def test_xs_are_day_starts_in_the_scenario_zone():
    s = territory_series(_scenario())  # Asia/Baghdad, UTC+3
    starts = [datetime.fromisoformat(f"{d.isoformat()}T00:00:00+03:00") for d in s.dates]
    assert s.xs.tolist() == [d.timestamp() for d in starts]


def test_missing_cells_are_zero_and_order_follows_the_scenario_not_the_file():
    s = territory_series(
        _scenario(
            [
                _t("2024-12-01", "kur", 30),
                _t("2024-11-20", "gov", 70, estimated=True),
                _t("2024-12-01", "gov", 60),
            ]
        )
    )
    assert s.dates == (date(2024, 11, 20), date(2024, 12, 1))
    assert s.faction_ids == ("gov", "kur")  # "reb" has no entry at all: not drawn
    assert s.shares.tolist() == [[70.0, 0.0], [60.0, 30.0]]
    assert s.estimated.tolist() == [[True, False], [False, False]]
    # Either end estimated makes the stretch an estimate.
    assert s.interval_estimated().tolist() == [[True, False]]


def test_until_keeps_the_dates_on_or_before_that_day_and_their_factions():
    territory = [_t("2024-11-20", "gov", 100), _t("2024-12-01", "reb", 100)]
    s = territory_series(_scenario(territory), until=date(2024, 11, 30))
    assert s.dates == (date(2024, 11, 20),)
    assert s.faction_ids == ("gov",)
    assert s.interval_estimated().shape == (0, 1)
    assert territory_series(_scenario(territory), until=date(2024, 12, 1)).faction_ids == (
        "gov",
        "reb",
    )
    none = territory_series(_scenario(territory), until=date(2024, 11, 1))
    assert none.empty and none.dates == () and none.shares.shape == (0, 0)
    assert none.at(0.0) is None


def test_no_territory_is_empty_with_consistent_shapes():
    s = territory_series(_scenario([]))
    assert s.empty
    assert s.shares.shape == (0, 0) and s.estimated.shape == (0, 0) and s.xs.shape == (0,)
    assert s.any_estimated().shape == (0,)
    assert s.at_day(date(2024, 12, 1)) is None
    assert s.index_on_or_before(date(2030, 1, 1)) is None


def test_linear_read_out_between_dates_held_after_the_last_and_none_before_the_first():
    s = territory_series(_scenario())
    first, last = s.dates
    assert s.at_day(first - timedelta(days=1)) is None
    values, est = s.at_day(first)
    np.testing.assert_allclose(values, [63.38, 10.98, 25.64])
    assert est.tolist() == [False] * 3
    # 3 of the 9 days from 26 Nov to 5 Dec (Baghdad has no DST: days are equal).
    values, est = s.at_day(first + timedelta(days=3))
    expected = [63.38 + (55 - 63.38) / 3, 10.98 + (20 - 10.98) / 3, 25.64 + (25 - 25.64) / 3]
    np.testing.assert_allclose(values, expected)
    assert est.tolist() == [True] * 3
    values, est = s.at_day(last + timedelta(days=40))
    np.testing.assert_allclose(values, [55, 20, 25])
    assert est.tolist() == [True] * 3
    # Half-way between two day starts, by the epoch-second x a chart uses.
    mid = (s.xs[0] + s.xs[1]) / 2
    np.testing.assert_allclose(s.at(mid)[0], (s.shares[0] + s.shares[1]) / 2)


def test_read_out_is_a_copy_and_the_arrays_are_read_only():
    s = territory_series(_scenario())
    values, est = s.at_day(s.dates[0])
    values[0] = -1.0
    est[0] = True
    assert s.shares[0, 0] == 63.38 and not s.estimated[0, 0]
    for a in (s.xs, s.shares, s.estimated):
        with pytest.raises(ValueError):
            a[0] = 0


def test_index_on_or_before_gives_the_figures_in_force():
    s = territory_series(_scenario())
    assert s.index_on_or_before(date(2024, 11, 25)) is None
    assert s.index_on_or_before(date(2024, 11, 26)) == 0
    assert s.index_on_or_before(date(2024, 12, 4)) == 0
    assert s.index_on_or_before(date(2024, 12, 5)) == 1
    assert s.index_on_or_before(date(2025, 1, 1)) == 1


def test_an_unlisted_faction_id_is_a_grey_placeholder_after_the_listed_ones():
    scenario = _scenario()
    # The validator rejects such a file; a scenario built in code can still hold one.
    scenario.territory.append(TerritoryShare(date(2024, 12, 5), "zz", 0.0, [], False))
    scenario.territory.append(TerritoryShare(date(2024, 12, 5), "aa", 0.0, [], True))
    s = territory_series(scenario)
    assert s.faction_ids == ("gov", "reb", "kur", "aa", "zz")
    assert [(f.name, f.color) for f in s.factions[3:]] == [
        ("aa", PLACEHOLDER_COLOR),
        ("zz", PLACEHOLDER_COLOR),
    ]
    assert s.estimated[:, 3].tolist() == [False, True]


def test_dst_zone_interpolates_in_real_time():
    obj = copy.deepcopy(SMALL)
    obj["scenario"]["timezone"] = "Europe/Berlin"  # 27 Oct 2024: a 25-hour day
    obj["territory"] = [_t("2024-10-27", "gov", 0), _t("2024-10-28", "gov", 100)]
    s = territory_series(scenario_from_json(obj))
    assert s.xs[1] - s.xs[0] == 25 * 3600
    values, _ = s.at(s.xs[0] + 5 * 3600)
    assert values[0] == pytest.approx(20.0)
