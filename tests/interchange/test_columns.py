"""The vectorised reading of ACLED / UCDP rows gives each row the facts and the reason
the row-by-row reading gives (numbers that pyarrow and Python read differently included)."""

from __future__ import annotations

from feeds import acled_row, write_acled

from monitor.interchange import parse_feed


def _parsed(tmp_path, over_by_row=None):
    over_by_row = over_by_row or {}
    rows = [acled_row(i, **over_by_row.get(i, {})) for i in range(6)]
    return parse_feed(write_acled(tmp_path / "acled.csv", rows))


def test_odd_timestamps_and_coordinates_get_the_row_reasons(tmp_path):
    parsed = _parsed(tmp_path, {
        1: {"timestamp": "0x10"},        # pyarrow would read it as 16
        2: {"timestamp": " 1733000005 "},  # blanks around: a whole number
        3: {"latitude": " 34.5", "longitude": "40.9 "},
        4: {"latitude": "nan"},
        5: {"timestamp": "1.733e9"},     # a float that is a whole number
    })
    reasons = {r.where: r.reason for r in parsed.rejected}
    assert reasons == {"line 3": "timestamp '0x10' is not a whole number",
                       "line 6": "coordinates must be finite numbers"}
    ts = {r.where: r.quick.timestamp for r in parsed.rows}
    assert ts == {"line 2": 1733000000, "line 4": 1733000005, "line 5": 1733000000,
                  "line 7": 1733000000}


def test_all_good_rows_are_read_in_one_pass(tmp_path):
    parsed = _parsed(tmp_path)
    assert not parsed.rejected
    cols = parsed.columns()
    assert cols.key[:2] == ["acled:SYR0", "acled:IRQ1"]
    assert cols.ts == [1733000000] * 6 and cols.day == ["2024-11-27"] * 6
    assert cols.country[1] == "Iraq" and cols.where == [2, 3, 4, 5, 6, 7]
