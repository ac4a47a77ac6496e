"""Give the C heap's freed memory back to the system (glibc's ``malloc_trim``).

Building big columns frees many small buffers (a window's Python rows, per-chunk arrays of
the search index); glibc keeps those holes resident. A trim after such a step returns them
(70-110 MB after a million events). Elsewhere than glibc this does nothing."""

from __future__ import annotations

from typing import Any

_fn: Any = False  # looked up at the first trim (small files never need ctypes)


def trim() -> None:
    """Return the heap's free pages to the system (a few ms)."""
    global _fn
    if _fn is False:
        _fn = _malloc_trim()
    if _fn is not None:
        _fn(0)


def _malloc_trim() -> Any:
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # (not glibc)


__all__ = ["trim"]
