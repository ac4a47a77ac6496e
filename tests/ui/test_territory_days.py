"""The event lane's local days (bins.local_days) asked of the zone itself agree with pandas'
conversion, around offset changes too, for a few events and for many."""

from datetime import date, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from monitor.ui.territory.bins import local_days


def _pandas_days(t_ns: np.ndarray, tz) -> np.ndarray:
    local = pd.DatetimeIndex(pd.to_datetime(t_ns, unit="ns", utc=True)).tz_convert(tz)
    naive = local.tz_localize(None).as_unit("ns").asi8
    return naive // (86_400 * 10**9) + date(1970, 1, 1).toordinal()


@pytest.mark.parametrize(
    "tz",
    [
        ZoneInfo("Asia/Damascus"),
        ZoneInfo("Europe/Kyiv"),
        ZoneInfo("Australia/Lord_Howe"),  # (half-hour changes)
        ZoneInfo("America/St_Johns"),
        ZoneInfo("UTC"),
        timezone(timedelta(hours=-5, minutes=-30)),
    ],
    ids=str,
)
@pytest.mark.parametrize("n", [1, 40, 20_000])
def test_local_days_match_pandas(tz, n):
    rng = np.random.default_rng(n)
    t = rng.integers(1_600_000_000 * 10**9, 1_700_000_000 * 10**9, n)
    if n > 1000:  # every half hour of four years, and a second either side
        edges = np.arange(1_600_000_000, 1_726_000_000, 1800, dtype=np.int64)
        t = np.r_[t, (edges[:, None] + np.array([-1, 0, 1])).ravel() * 10**9]
    assert np.array_equal(local_days(t, tz), _pandas_days(t, tz))


def test_local_days_over_decades_and_none():
    tz = ZoneInfo("Europe/London")
    t = np.random.default_rng(1).integers(-10**18, 10**18, 5000)
    assert np.array_equal(local_days(t, tz), _pandas_days(t, tz))
    assert len(local_days(np.zeros(0, dtype=np.int64), tz)) == 0
