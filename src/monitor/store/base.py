"""The scenario's base content in the store: the canonical file bytes, compressed.

The base (and each snapshot) is written once and read by every app that opens the store:
the canonical scenario file (:func:`monitor.model.writer.scenario_pieces`), compressed with
zstd at level 1 (pyarrow's codec: 60 MB of JSON in 0.3 s to 7.4 MB, back in ~0.15 s, 4-5x
faster than zlib), in one ``bytea`` value; zlib where pyarrow has no zstd. Reading it back
goes through the same loader as a file (the same checks, the same scenario), from a
private temporary file.

Pure Python, no Qt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.model.entities import Scenario
from monitor.model.loader import load_identified
from monitor.model.writer import scenario_pieces

ZSTD = "zstd"
ZLIB = "zlib"
IDENTITY = "identity"
_LEVEL = 1
_CHUNK = 4 << 20


def _zstd() -> Any:
    """pyarrow's zstd codec (None if this pyarrow was built without it)."""
    import pyarrow as pa

    return pa.Codec(ZSTD, compression_level=_LEVEL) if pa.Codec.is_available(ZSTD) else None


@dataclass(frozen=True, slots=True)
class EncodedBase:
    encoding: str
    blob: bytes
    size: int
    sha256: str


def encode_base(scenario: Scenario) -> EncodedBase:
    """The canonical bytes of ``scenario``, compressed."""
    pieces = [bytes(piece) for piece in scenario_pieces(scenario)]
    h = hashlib.sha256()
    for data in pieces:
        h.update(data)
    size = sum(len(data) for data in pieces)
    codec = _zstd()
    if codec is not None:
        raw = b"".join(pieces)
        del pieces
        return EncodedBase(ZSTD, codec.compress(raw, asbytes=True), size, h.hexdigest())
    comp = zlib.compressobj(_LEVEL)
    out = [comp.compress(data) for data in pieces]
    out.append(comp.flush())
    return EncodedBase(ZLIB, b"".join(out), size, h.hexdigest())


def decode_base(
    encoding: str,
    blob: bytes | memoryview,
    size: int,
    progress: Callable[[float, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Scenario:
    """The scenario held by a base value of ``size`` bytes uncompressed (raises
    ScenarioError like a bad file would)."""
    folder = tempfile.mkdtemp(prefix="monitor-store-")
    path = Path(folder) / "base.json"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            view = memoryview(blob)
            if encoding == ZSTD:
                import pyarrow as pa

                fh.write(pa.Codec(ZSTD).decompress(view, decompressed_size=size))
            elif encoding == ZLIB:
                d = zlib.decompressobj()
                for at in range(0, len(view), _CHUNK):
                    fh.write(d.decompress(view[at : at + _CHUNK]))
                fh.write(d.flush())
            elif encoding == IDENTITY:
                fh.write(view)
            else:
                raise ValueError(f"unknown base encoding {encoding!r}")
        return load_identified(path, progress, cancelled, use_cache=False)[0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["IDENTITY", "ZLIB", "ZSTD", "EncodedBase", "decode_base", "encode_base"]
