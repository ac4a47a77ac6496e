"""Reading feed files: bytes and SHA-256, UTF-8 (with or without a BOM), CSV records with
the line each starts on, JSON documents; every failure a :class:`FeedError` naming the
file, the line and the reason. Pure Python, no Qt."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from monitor.interchange.formats import FeedError

MAX_FILE_BYTES = 2 << 30  # 2 GB: a bigger "feed" is refused, not read into memory
MAX_FIELD = 16 << 20  # one CSV field (a 1 MB note is fine; a runaway quote is not)


class FeedFile:
    """One input file as read: its name (as given), bytes, their SHA-256 (hashed in a
    thread while the file is parsed: hashlib lets go of the GIL) and text (decoded when
    first asked for; :attr:`head` is the first 64 KB or so, to whole lines)."""

    def __init__(self, path: Path, name: str, data: bytes):
        self.path = path
        self.name = name
        self.data = data
        self._text: str | None = None
        self._sha: list[str] = []
        self._hasher = threading.Thread(target=lambda: self._sha.append(
            hashlib.sha256(data).hexdigest()), daemon=True)
        self._hasher.start()

    @property
    def sha256(self) -> str:
        if not self._sha:
            self._hasher.join()
        return self._sha[0]

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = decode(self.data, self.name)
        return self._text

    @property
    def bom(self) -> int:
        """Bytes of the UTF-8 byte-order mark the file starts with (0 or 3)."""
        return 3 if self.data.startswith(b"\xef\xbb\xbf") else 0

    def head(self, size: int = 1 << 16) -> str:
        """The text of the first ``size`` bytes and the rest of that line."""
        cut = self.data.find(b"\n", size)
        return self.text if cut < 0 else decode(self.data[: cut + 1], self.name)


def read_feed(path: str | Path) -> FeedFile:
    """Read ``path`` (UTF-8; a leading BOM is dropped when decoded)."""
    p = Path(path)
    name = str(path)
    try:
        if p.is_dir():
            raise FeedError(f"{name}: is a folder, not a file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FeedError(f"{name}: {size:,} bytes is more than this importer reads (2 GB)")
        data = p.read_bytes()
    except FileNotFoundError:
        raise FeedError(f"{name}: no such file") from None
    except PermissionError:
        raise FeedError(f"{name}: permission denied") from None
    except OSError as exc:
        raise FeedError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    f = FeedFile(p, name, data)
    f.head()  # UTF-16, or not UTF-8 near the start: refused now
    return f


def decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FeedError(f"{name}: line 1: the file is UTF-16; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FeedError(f"{name}: line {line}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                        f"{exc.start:,}); save the file as UTF-8") from None


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: the one the first non-blank lines use most."""
    lines = [ln for ln in text[:65536].splitlines()[:40] if ln.strip()]
    best, count = ",", 0
    for d in (",", ";", "\t"):
        n = max((ln.count(d) for ln in lines), default=0)
        if n > count:
            best, count = d, n
    return best


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while many short-lived rows are made (no cycles to
    find; with a big scenario in memory each collection walks all of it)."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def _field_limit() -> Iterator[None]:
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, MAX_FIELD))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def csv_records(text: str, name: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Every record as ``(line it starts on, fields)`` (quoted fields may span lines)."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    with _field_limit():
        try:
            for fields in reader:
                out.append((start, fields))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise FeedError(f"{name}: line {start}: {exc}") from None
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_document(text: str, name: str) -> Any:
    """The JSON value of ``text``; strict (no NaN/Infinity, no duplicate keys)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k, v in items:
            if k in d:
                raise ValueError(f"the key {k!r} appears twice in one object")
            d[k] = v
        return d

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise FeedError(f"{name}: line {exc.lineno}: invalid JSON ({exc.msg}, "
                        f"column {exc.colno})") from None
    except ValueError as exc:
        raise FeedError(f"{name}: invalid JSON ({exc})") from None
    except RecursionError:
        raise FeedError(f"{name}: invalid JSON (nested too deeply)") from None


def first_row(path: str | Path) -> list[str]:
    """The first non-blank CSV row of ``path`` (the header a column mapping picks from);
    FeedError if the file cannot be read."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(1 << 16)
    except OSError as exc:
        raise FeedError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    cut = data.rfind(b"\n")
    text = decode(data[: cut + 1] if cut > 0 else data, name)
    for _line, fields in csv_records(text, name, sniff_delimiter(text)):
        if any(f.strip() for f in fields):
            return [f.strip() for f in fields]
    return []

