"""The CSV body cut into pieces of whole records read side by side, and the line of each
row, from the bytes alone (monitor.interchange.scan): quoted notes over several lines,
doubled quotes, a line break in the last field, CRLF, a BOM and junk lines before the
header give the same rows and lines as the csv module reading the file line by line; a
quote the count cannot follow (``Al"Qaim``, ``"a"b``) stops the cutting instead of
cutting inside a field."""

from __future__ import annotations

import csv
import io
import random

import numpy as np
import pytest
from feeds import acled_row, csv_text

from monitor.interchange import parse as P
from monitor.interchange import parse_feed, scan
from monitor.interchange.formats import ACLED_COLUMNS
from monitor.model.timeutil import zone

TZ = zone("Asia/Baghdad")


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _random_csv(rnd: random.Random, n: int) -> bytes:
    parts = ["a", "b,c", '"', '""', "\n", "\r\n", "x\ry", ",", " ", "é"]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator=rnd.choice(["\n", "\r\n"]))
    for _ in range(n):
        w.writerow(["".join(rnd.choice(parts) for _ in range(rnd.randint(0, 5)))
                    for _ in range(4)])
    return buf.getvalue().encode("utf-8")


def test_every_cut_falls_between_two_records_of_a_well_quoted_file():
    rnd = random.Random(7)
    for _ in range(40):
        data = _random_csv(rnd, rnd.randint(20, 120))
        whole = _records(data)
        buf = np.frombuffer(data, np.uint8)
        for pieces in (2, 3, 5):
            cuts = scan.cut_points(buf, pieces, ",")
            assert cuts == sorted(set(cuts))
            got: list[list[str]] = []
            for lo, hi in zip([0, *cuts], [*cuts, len(data)], strict=True):
                assert data[hi - 1:hi] == b"\n"  # just after a record's line break
                got += _records(data[lo:hi])
            assert got == whole


@pytest.mark.parametrize("text", [
    'id,note\n1,Al"Qaim\n2,"a\nb"\n3,c\n4,d\n5,e\n',  # a quote inside an unquoted field
    'id,note\n1,"a"b\n2,"a\nb"\n3,c\n4,d\n5,e\n',     # text after a closing quote
    'id,note\n1, "a\nb"\n3,c\n4,d\n5,e\n6,f\n',      # a blank before the opening quote
])
def test_a_quote_the_count_cannot_follow_stops_the_cutting(text):
    data = text.encode()
    assert scan.cut_points(np.frombuffer(data, np.uint8), 4, ",") == []


def test_quotes_that_pair_up_but_are_misplaced_are_not_trusted():
    # 'x"y,"a' then '\nb"': the count says the break is outside quotes (2 before it);
    # a CSV parser says it is inside the quoted field. No cut may be made there.
    data = b'1,x"y,"a\nb"\n2,c,d\n3,e,f\n'
    assert not scan.well_placed(np.frombuffer(data, np.uint8),
                                scan.positions(np.frombuffer(data, np.uint8), 34), ord(","))
    assert scan.cut_points(np.frombuffer(data, np.uint8), 3, ",") == []


def _note(i: int) -> str:
    kinds = [
        f"On day {i}, a clash, near the river.",
        f'He said ""stop"" and "left"; event {i}',
        f"First paragraph {i}.\nSecond paragraph, with a comma.",
        f"CRLF inside {i}\r\nand after",
        f'ends with a quote "{i}"',
        f"plain {i}",
        "",
    ]
    return kinds[i % len(kinds)]


def _file(tmp_path, *, columns=ACLED_COLUMNS, n=60, **kw):
    rows = [acled_row(i, notes=_note(i)) for i in range(n)]
    p = tmp_path / "acled.csv"
    p.write_bytes(csv_text(rows, columns, **kw).encode("utf-8"))
    return p


def _facts(parsed):
    cols = parsed.columns()
    mapped = [repr(cols.full(i, TZ)) for i in range(len(cols))]
    return ([(r.where, r.reason) for r in parsed.rejected], cols.where, cols.key, cols.ts,
            cols.day, cols.country, cols.sources, mapped)


def _line_by_line(path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(P, "_arrow_columns", lambda *a: None)  # the csv module, line by line
        return _facts(parse_feed(path))


def _in_pieces(path, monkeypatch, *, cut=True):
    """Read with pieces of 512 bytes (up to 4); ``cut``: the body must have been cut."""
    real = scan.cut_points
    cuts: list[list[int]] = []

    def spy(*a):
        cuts.append(real(*a))
        return cuts[-1]

    with monkeypatch.context() as m:
        m.setattr(P, "_PIECES", 4)
        m.setattr(P, "_PIECE_BYTES", 512)
        m.setattr(scan, "cut_points", spy)
        got = _facts(parse_feed(path))
    assert cuts and bool(cuts[0]) == cut, cuts
    return got


NOTES_LAST = (*(c for c in ACLED_COLUMNS if c != "notes"), "notes")


@pytest.mark.parametrize("variant", [
    {}, {"bom": True}, {"prefix": "(Sample)\r\n\r\n"}, {"columns": NOTES_LAST},
    {"upper": True, "bom": True, "prefix": "Exported by hand\n\n"},
])
def test_pieces_give_the_rows_and_lines_of_the_line_by_line_reading(tmp_path, monkeypatch,
                                                                   variant):
    path = _file(tmp_path, **variant)
    want = _line_by_line(path, monkeypatch)
    assert len(want[1]) == 60 and not want[0]
    assert _in_pieces(path, monkeypatch) == want
    assert _facts(parse_feed(path)) == want  # one piece (a small file)
    # Rows after multi-line notes start further down than one line per row.
    assert want[1][-1] > want[1][0] + 59


def test_lf_only_file_with_breaks_in_quotes_and_in_the_last_field(tmp_path, monkeypatch):
    rows = [acled_row(i, notes=_note(i)) for i in range(80)]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(NOTES_LAST)
    for r in rows:
        w.writerow([r.get(c, "") for c in NOTES_LAST])
    path = tmp_path / "lf.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    want = _line_by_line(path, monkeypatch)
    assert _in_pieces(path, monkeypatch) == want
    cols = parse_feed(path).columns()
    summaries = [cols.full(i, TZ).summary for i in range(len(cols))]
    assert summaries[1:4] == [_note(1), _note(2), _note(3)]
    assert summaries[2] == "First paragraph 2.\nSecond paragraph, with a comma."
    assert summaries[1] == 'He said ""stop"" and "left"; event 1'  # as written in the note


def test_a_stray_quote_is_read_as_the_csv_module_reads_it(tmp_path, monkeypatch):
    rows = [acled_row(i, notes=_note(i)) for i in range(50)]
    text = csv_text(rows)
    # A location with a bare quote inside (not quoted: the csv module and pyarrow keep
    # it as it is), before rows whose quoted notes hold line breaks.
    text = text.replace(",Al-Qaim,", ',Al"Qaim,', 1)
    path = tmp_path / "stray.csv"
    path.write_bytes(text.encode("utf-8"))
    want = _line_by_line(path, monkeypatch)
    assert len(want[1]) == 50
    assert any('Al"Qaim' in m for m in want[7])
    assert _in_pieces(path, monkeypatch, cut=False) == want  # read whole


def test_blank_lines_and_ragged_rows_still_name_their_lines(tmp_path, monkeypatch):
    rows = [acled_row(i, notes=_note(i)) for i in range(30)]
    text = csv_text(rows)
    lines = text.split("\r\n")
    lines.insert(12, "")  # a blank line inside
    lines.insert(20, "JUNK,1,2")  # a row with the wrong number of fields
    path = tmp_path / "odd.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    want = _line_by_line(path, monkeypatch)
    assert _in_pieces(path, monkeypatch) == want
    assert any("fields" in reason for _where, reason in want[0])
