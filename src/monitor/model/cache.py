"""The reopen cache: a big scenario file opened again, unchanged, is read from its columns.

After a file of :data:`MIN_BYTES` or more has been loaded (by the streaming reader of
:mod:`monitor.model.loader`), a thread of its own writes one *entry* to the user's cache
folder (``$XDG_CACHE_HOME/situation-monitor``, else ``~/.cache/situation-monitor``; never
beside the data file): an Arrow IPC file holding the event table's columns, with in its
schema metadata

* ``rest``: the file's own bytes with the ``events`` array replaced by the events kept as
  objects (fields this version does not know), written as JSON -- read again by the
  loader's own streaming reader, so the scenario's other parts are what a normal load
  makes of them;
* ``manifest``: the row count, the category and verification values, the rows whose
  coordinates are JSON integers and the slots of the events kept as objects.

The entry's name holds the content SHA-256 of the data file (the key), the file's
signature (device, inode, size, mtime_ns) and a checksum of the entry's own bytes. The
writer re-reads and re-hashes the data file first (nothing is cached that is not what was
loaded), writes a temporary file (``O_EXCL | O_NOFOLLOW``) and renames it into place; then
only the newest :data:`KEEP` entries (and at most :data:`MAX_BYTES`) are kept.

On open (:func:`find`, :func:`read`), an entry whose signature is the file's is mapped
into memory; its checksum and the data file's SHA-256 are computed in two threads
(hashlib lets go of the GIL) while the loader rebuilds the scenario. Anything amiss -- no
entry, a checksum or hash that differs, a damaged, truncated, foreign or symlinked entry, a
folder that cannot be written -- and the caller loads the file normally: the cache never
raises and never gives other data than the file's.

``MONITOR_CACHE=0`` turns the cache off (neither read nor written).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import re
import secrets
import stat
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.model.events import EventTable

# (``identity`` below: a monitor.model.loader.FileIdentity -- sha256, size, mtime_ns,
# inode; not imported: the loader imports this module.)
FileIdentity = Any

MIN_BYTES = 8 * 1024 * 1024  # smaller files load about as fast as an entry is read
KEEP = 4  # entries kept (the newest)
MAX_BYTES = 8 * 1024**3  # and at most this much in all
FORMAT = "v2"  # (v2: the events' unknown fields as a column)
_CHUNK = 8 * 1024 * 1024
_SUFFIX = ".arrow"
# Entries and temporary files of any format (an earlier version's are removed by evict).
_OLD_FORMAT = re.compile(r"\.?v\d+-.*\.(arrow|tmp)$")
_STALE_TMP_S = 3600  # temporary files of an interrupted writer, removed after an hour
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def enabled() -> bool:
    """Is the cache on? (``MONITOR_CACHE=0`` turns it off.)"""
    return os.environ.get("MONITOR_CACHE", "1").strip().lower() not in ("0", "no", "off", "false")


def folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "situation-monitor"


def _own_folder(create: bool) -> Path | None:
    """The cache folder if it is a real directory of ours (made, 0700, if ``create``)."""
    where = folder()
    try:
        if create:
            where.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                where.mkdir(mode=0o700)
        st = os.lstat(where)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return None  # a symlink, a file, someone else's folder: not used
    return where


@dataclass(frozen=True, slots=True)
class Entry:
    path: Path
    sha256: str  # of the data file
    check: str  # of the entry's own bytes (first 32 hex digits of its SHA-256)


def _signature(st: os.stat_result) -> str:
    return f"{st.st_dev}-{st.st_ino}-{st.st_size}-{st.st_mtime_ns}"


def find(st: os.stat_result) -> Entry | None:
    """The entry for a file with this ``fstat`` (None if there is none)."""
    where = _own_folder(create=False)
    if where is None:
        return None
    sig = f"-{_signature(st)}-"
    try:
        names = os.listdir(where)
    except OSError:
        return None
    for name in names:
        if not (name.startswith(FORMAT + "-") and name.endswith(_SUFFIX)) or sig not in name:
            continue
        parts = name[: -len(_SUFFIX)].split("-")
        if len(parts) != 7:
            continue
        sha, check = parts[1], parts[6]
        if len(sha) == 64 and len(check) == 32 and f"-{'-'.join(parts[2:6])}-" == sig:
            return Entry(where / name, sha, check)
    return None


def hash_file(fd: int, pool: ThreadPoolExecutor) -> Future[tuple[str, int]]:
    """The SHA-256 of the open file ``fd`` and the bytes it read, in a thread of ``pool``
    (``pread``: the file's position is left where it is)."""

    def run() -> tuple[str, int]:
        h, at = hashlib.sha256(), 0
        while True:
            data = os.pread(fd, _CHUNK, at)
            if not data:
                return h.hexdigest(), at
            h.update(data)
            at += len(data)

    return pool.submit(run)


class Read:
    """An entry mapped into memory: its rest document, manifest and columns; ``check``
    is the checksum of its bytes, being computed in a thread."""

    def __init__(self, entry: Entry, pool: ThreadPoolExecutor):
        import pyarrow as pa

        fd = os.open(entry.path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_size < 16:
                raise ValueError("not a cache entry")
            self.map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        view = memoryview(self.map)
        self.check = pool.submit(lambda: hashlib.sha256(view).hexdigest()[:32])
        reader = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(self.map)))
        meta = reader.schema.metadata or {}
        self.rest: bytes = meta[b"rest"]
        self.manifest: dict[str, Any] = json.loads(meta[b"manifest"])
        self.table = reader.read_all()

    def columns(self, odd_events: list[Any]) -> dict[str, Any]:
        """What :meth:`EventTable.of_columns` takes (``odd_events``: the events kept as
        objects, in the order of the manifest's slots)."""
        import numpy as np

        from monitor.model.columns import NUMBER_COLUMNS, TEXT_COLUMNS

        m, t = self.manifest, self.table
        n = int(m["rows"])
        if t.num_rows != n or len(odd_events) != len(m["odd"]):
            raise ValueError("entry does not match its manifest")
        self.table.validate()
        num = {}
        for k in NUMBER_COLUMNS:
            arr = t.column(k).to_numpy()
            num[k] = arr if arr.flags.writeable else arr.copy()  # (edits write numbers in place)
        return {
            "text": {k: t.column(k) for k in TEXT_COLUMNS},
            "num": num,
            "categories": list(m["categories"]),
            "verifications": list(m["verifications"]),
            "exact": {int(s): (la, lo) for s, la, lo in m["exact"]},
            "odd": dict(zip(map(int, m["odd"]), odd_events, strict=True)),
            "slots": np.arange(n, dtype=np.int64),
        }


# -- writing ------------------------------------------------------------------------------
def store_later(
    path: str | Path, identity: FileIdentity, span: tuple[int, int], table: EventTable
) -> threading.Thread | None:
    """Write the entry for the file just loaded (``span``: where its ``events`` array is,
    in bytes) in a background thread. The table's columns are taken now (later edits do
    not reach the entry); everything else happens in the thread, which never raises."""
    if _own_folder(create=True) is None:
        return None
    got = table.columns()
    if not (len(got["slots"]) == 0 or int(got["slots"][-1]) == len(got["slots"]) - 1):
        return None  # (rows are not in plain slot order: not a table as loaded)
    thread = threading.Thread(
        target=_store_quietly,
        args=(Path(path), identity, span, got),
        name="monitor-cache-writer",
        daemon=True,
    )
    thread.start()
    return thread


def _store_quietly(*args: Any) -> None:
    with contextlib.suppress(Exception):
        store(*args)


def _file_parts(
    path: Path, identity: FileIdentity, span: tuple[int, int]
) -> tuple[bytes, bytes, str] | None:
    """The file's bytes before and after the events array and its signature, if the file
    is still the one loaded (same signature, same SHA-256 over every byte)."""
    from monitor.model.jsontext import open_regular

    start, stop = span
    with open_regular(path) as fh:
        st = os.fstat(fh.fileno())
        if (st.st_size, st.st_mtime_ns, st.st_ino) != (
            identity.size,
            identity.mtime_ns,
            identity.inode,
        ):
            return None
        h, at, head, tail = hashlib.sha256(), 0, [], []
        while True:
            data = fh.read(_CHUNK)
            if not data:
                break
            h.update(data)
            if at < start:
                head.append(data[: start - at])
            if at + len(data) > stop:
                tail.append(data[max(stop - at, 0) :])
            at += len(data)
        if h.hexdigest() != identity.sha256 or at != identity.size:
            return None
        return b"".join(head), b"".join(tail), _signature(st)


def store(
    path: Path, identity: FileIdentity, span: tuple[int, int], got: dict[str, Any]
) -> Path | None:
    """Write the entry (see :func:`store_later`); its path, or None if nothing was written."""
    import pyarrow as pa

    from monitor.model.columns import NUMBER_COLUMNS, TEXT_COLUMNS
    from monitor.model.writer import event_json

    where = _own_folder(create=True)
    if where is None:
        return None
    parts = _file_parts(path, identity, span)
    if parts is None:
        return None
    head, tail, sig = parts
    odd = sorted(got["odd"].items())
    # In the canonical layout (as the writer's, one level deep): the loader cuts it as it
    # cuts a saved file's events.
    events = json.dumps([event_json(e) for _, e in odd], indent=2, ensure_ascii=False)
    rest = b"".join((head, b" ", events.replace("\n", "\n  ").encode(), tail))
    del head, tail
    manifest = {
        "rows": len(got["slots"]),
        "categories": got["categories"],
        "verifications": got["verifications"],
        "exact": [[s, la, lo] for s, (la, lo) in sorted(got["exact"].items())],
        "odd": [s for s, _ in odd],
    }
    arrays = [got["text"][k] for k in TEXT_COLUMNS] + [
        pa.chunked_array([pa.array(got["num"][k])]) for k in NUMBER_COLUMNS
    ]
    table = pa.Table.from_arrays(arrays, names=[*TEXT_COLUMNS, *NUMBER_COLUMNS])
    table = table.replace_schema_metadata({"manifest": json.dumps(manifest).encode(), "rest": rest})
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    tmp = where / f".{FORMAT}-{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, flags, 0o600)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as raw:
            sink = _HashingFile(raw, h)
            with pa.ipc.new_file(pa.PythonFile(sink, mode="w"), table.schema) as writer:
                writer.write_table(table)
        final = where / f"{FORMAT}-{identity.sha256}-{sig}-{h.hexdigest()[:32]}{_SUFFIX}"
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    evict(keep=final)
    return final


class _HashingFile:
    """A binary file that hashes what is written to it (for pyarrow's ``PythonFile``)."""

    def __init__(self, raw: Any, h: Any):
        self.raw, self.h, self.closed = raw, h, False

    def write(self, data: Any) -> int:
        self.h.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.raw.tell()


def evict(keep: Path | None = None) -> None:
    """Keep the newest :data:`KEEP` entries (at most :data:`MAX_BYTES` in all, ``keep``
    always); remove older entries of the same content and stale temporary files."""
    where = _own_folder(create=False)
    if where is None:
        return
    now = time.time()
    entries = []
    for name in os.listdir(where):
        p = where / name
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if name.startswith(f".{FORMAT}-") and name.endswith(".tmp"):
            if now - st.st_mtime > _STALE_TMP_S:
                with contextlib.suppress(OSError):
                    os.unlink(p)
        elif name.startswith(FORMAT + "-") and name.endswith(_SUFFIX):
            entries.append((p == keep, st.st_mtime, st.st_size, p))
        elif _OLD_FORMAT.match(name) and stat.S_ISREG(st.st_mode):
            with contextlib.suppress(OSError):  # (an earlier version's entry: never read)
                os.unlink(p)
    entries.sort(reverse=True)  # the one just written, then newest first
    kept, total, shas = 0, 0, set()
    for is_new, _, size, p in entries:
        sha = p.name.split("-")[1]
        if is_new or (kept < KEEP and total + size <= MAX_BYTES and sha not in shas):
            kept, total = kept + 1, total + size
            shas.add(sha)
            continue
        with contextlib.suppress(OSError):
            os.unlink(p)


__all__ = ["MIN_BYTES", "Entry", "Read", "enabled", "evict", "find", "folder", "hash_file"]
