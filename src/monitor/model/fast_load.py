"""Kept only for ``monitor.ui.loader``, which reads ``COLUMNAR_MIN_BYTES`` from here.

There is no separate fast path any more: every file is read by :mod:`monitor.model.loader`.
Remove this module once nothing imports it.
"""

from monitor.model.errors import CancelCheck, LoadCancelled, ProgressCallback

#: Files at least this big used to be read another way; the UI still uses it to split its
#: progress bar between reading and indexing.
COLUMNAR_MIN_BYTES = 8 * 1024 * 1024

__all__ = ["COLUMNAR_MIN_BYTES", "CancelCheck", "LoadCancelled", "ProgressCallback"]
