"""The ``events`` array of a scenario file, window by window (for :mod:`monitor.model.loader`).

The array is cut into windows of a few MB at event boundaries and each window becomes
columns (:meth:`monitor.model.columns.ColumnBuilder.window`), in order. A window in the
canonical layout (``},\\n    {`` between events, as the writer writes them) is decoded on a
worker thread -- by Arrow's JSON reader (:func:`monitor.model.rows.table_rows`), which
lets go of the GIL -- while this thread builds the previous window's columns. Any other
window is cut where msgspec can decode it, and decoded by msgspec here. What neither
decides raises :class:`~monitor.model.jsontext.Fallback`: the loader then reads the file
with the strict reader, so the verdict is the same whichever way a window was decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from monitor.model import heap
from monitor.model.jsontext import CHUNK_BYTES, NEVER_IN_JSON, Fallback

if TYPE_CHECKING:
    from monitor.model.columns import ColumnBuilder
    from monitor.model.events import EventTable, TableBuilder

WINDOW_BYTES = 4 * 1024 * 1024  # events decoded per call
_MAX_WINDOW_BYTES = 64 * 1024 * 1024  # one event bigger than this: the strict reader decides

_WS_BYTES = re.compile(rb"[ \t\n\r]*")
_CANONICAL_SEPARATOR = b"},\n    {"
_CANONICAL_END = b"}\n  ]"  # the end of a top-level array of objects, canonical layout
_BOUNDARY = re.compile(
    rb"\}[ \t\n\r]*,[ \t\n\r]*\{"
)  # "}, {" between two events (or nested objects)
_END = re.compile(rb"\}[ \t\n\r]*\]")  # "} ]": the end of the array (or of a nested one)


class Source(Protocol):
    """The file being read (monitor.model.loader's stream)."""

    eof: bool

    def read(self, n: int) -> bytes: ...


def read_events(
    stream: Source, data: bytes, columns: ColumnBuilder, tick: Callable[[str], None]
) -> tuple[EventTable, bytes]:
    """The ``events`` array whose value starts in ``data`` (read already), window by window:
    the events, and the bytes read after the array's ``]``. (``tick(message)`` after each
    window: progress, and where a cancel is noticed.)"""
    from monitor.model.columns import Undecided
    from monitor.model.events import TableBuilder

    buf = bytearray(data)

    def skip_ws(p: int) -> int:
        while True:
            p = _WS_BYTES.match(buf, p).end()  # type: ignore[union-attr]
            if p < len(buf) or stream.eof:
                return p
            buf.extend(stream.read(CHUNK_BYTES))

    p = skip_ws(0)
    if buf[p : p + 1] != b"[":
        raise Fallback
    p = skip_ws(p + 1)
    table = TableBuilder(columns)
    trim = _Trim()
    if buf[p : p + 1] == b"]":
        return _finish(table), bytes(buf[p + 1 :])

    def add(decoded: tuple[Sequence[Any], bytes] | None) -> None:
        if decoded is None:
            return
        try:
            table.add(*columns.window(*decoded))
        except Undecided:
            raise Fallback from None
        trim.window()
        tick(f"Reading events ({table.n:,})")

    buf[:p] = b"["  # "[" then the first event
    window = WINDOW_BYTES
    ahead = _Ahead()
    try:
        while True:
            while len(buf) < window + 1 and not stream.eof:
                buf.extend(stream.read(window + 1 - len(buf)))
            cut = _canonical_cut(buf)
            if cut is not None:
                brace, after, final = cut
                window = WINDOW_BYTES
                add(ahead.swap(_chunk(buf, brace)))  # this one decoded while the last is built
                if final:
                    add(ahead.swap(None))
                    return _finish(table), bytes(buf[after:])
                del buf[1:after]
                continue
            add(ahead.swap(None))
            got = _cut(buf)
            if got is None:
                if stream.eof or window >= _MAX_WINDOW_BYTES or NEVER_IN_JSON.search(buf):
                    raise Fallback  # no decodable cut: broken, or an odd layout
                window *= 2
                continue
            rows, chunk, after, final = got
            window = WINDOW_BYTES
            add((rows, chunk))
            del rows, chunk
            if final:
                return _finish(table), bytes(buf[after:])
            del buf[1:after]  # the next event follows the "["
    finally:
        ahead.close()


class _Ahead:
    """The next window decoded on a worker thread while this one's columns are built."""

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.pending: tuple[Future[Sequence[Any]], bytes] | None = None

    def swap(self, chunk: bytes | None) -> tuple[Sequence[Any], bytes] | None:
        """Start decoding ``chunk`` (None: none) and give the window started before it
        (None: none), decoded."""
        before, self.pending = self.pending, None
        if chunk is not None:
            if self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-events")
            self.pending = (self.pool.submit(_decode, chunk), chunk)
        return None if before is None else (before[0].result(), before[1])

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pending = None


def _decode(chunk: bytes) -> Sequence[Any]:
    """A canonical window's events: by Arrow's reader where it decides them, else by msgspec;
    Fallback where neither does (the cut at a canonical separator is right for any file in
    the canonical layout: another layout that looks canonical is read by the strict reader)."""
    import msgspec

    from monitor.model import rows
    from monitor.model.arrowtext import separators

    got = rows.table_rows(chunk, separators(chunk))
    if got is not None:
        return got
    try:
        return rows.EV_LIST.decode(chunk)
    except (msgspec.MsgspecError, RecursionError):
        raise Fallback from None


def _canonical_cut(buf: bytearray) -> tuple[int, int, bool] | None:
    """Where a window in the canonical layout ends: (the "}" of its last event, where the rest
    starts, is that the array's end); None if ``buf`` shows no canonical boundary."""
    stop = len(buf)
    i = buf.find(_CANONICAL_END, 1, stop)
    if i >= 0:
        return i, i + len(_CANONICAL_END), True
    j = buf.rfind(_CANONICAL_SEPARATOR, 1, stop)
    if j < 0:
        return None
    return j, j + len(_CANONICAL_SEPARATOR) - 1, False


def _chunk(buf: bytearray, brace: int) -> bytes:
    """The events of ``buf`` up to ``brace`` as "[...]" (one copy of the window, not two)."""
    at = brace + 1
    if at >= len(buf):
        return bytes(buf) + b"]"
    kept = buf[at]
    buf[at] = 0x5D  # "]" written in place for the copy
    try:
        with memoryview(buf) as view:
            return bytes(view[: at + 1])
    finally:
        buf[at] = kept


class _Trim:
    """Give the memory freed by the windows back to the system now and then. Each window's
    rows are thousands of small Python objects and its Arrow buffers a few MB; freed, they
    leave holes in the C heap between the columns kept (glibc raises its mmap threshold
    after the first big free), which ``malloc_trim`` returns (:mod:`monitor.model.heap`)."""

    EVERY = 4  # windows (~16 MB of text); a trim costs ~1-3 ms

    def __init__(self) -> None:
        self.n = 0

    def window(self) -> None:
        self.n += 1
        if self.n % self.EVERY == 0:
            heap.trim()


def _finish(table: TableBuilder) -> EventTable:
    table.builder.strict = False  # edits later are the program's, checked by their change
    got = table.finish()
    if len(got) >= 100_000:  # the windows' last holes (~70 MB after a million events)
        heap.trim()
    return got


def _cut(buf: bytearray) -> tuple[Sequence[Any], bytes, int, bool] | None:
    """The first run of whole events in ``buf`` ("[" then events): (rows, their text as
    "[...]", where the rest starts, is it the end of the array)."""
    stop = len(buf)
    if buf.find(_CANONICAL_SEPARATOR, 1, stop) >= 0:
        i = buf.find(_CANONICAL_END, 1, stop)
        ends = [] if i < 0 else [(i, i + len(_CANONICAL_END))]
    else:
        ends = [(m.start(), m.end()) for m in _END.finditer(buf, 1, stop)][:3]
    for brace, after in ends:
        rows = _try(buf, brace)
        if rows is not None:
            return rows[0], rows[1], after, True
    tries, cut = 0, stop
    while tries < 3:
        cut = buf.rfind(b"}", 1, cut)
        if cut < 0:
            break
        m = _BOUNDARY.match(buf, cut, stop)
        if m is None:
            continue
        tries += 1
        rows = _try(buf, cut)
        if rows is not None:
            return rows[0], rows[1], m.end() - 1, False
    return None


def _try(buf: bytearray, brace: int) -> tuple[Sequence[Any], bytes] | None:
    """The events of ``buf`` cut after ``brace`` (None if that is not between two events)."""
    import msgspec

    from monitor.model.rows import EV_LIST

    chunk = _chunk(buf, brace)
    try:
        return EV_LIST.decode(chunk), chunk
    except msgspec.ValidationError:
        raise Fallback from None  # well-formed (the cut is right) but not of the expected types
    except RecursionError:
        raise Fallback from None  # nested too deeply: the strict reader words it
    except msgspec.DecodeError:
        return None
