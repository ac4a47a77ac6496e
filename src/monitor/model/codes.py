"""Codes for a few distinct strings (an event's category, its verification), in order of
first appearance or sorted: the event table's categorical columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class Codes:
    """Codes for a few distinct strings, in order of first appearance."""

    def __init__(self, values: list[Any] | None = None) -> None:
        self.values: list[Any] = list(values or ())
        self.index: dict[Any, int] = {v: i for i, v in enumerate(self.values)}

    def code(self, value: Any) -> int:
        got = self.index.get(value)
        if got is None:
            got = self.index[value] = len(self.values)
            self.values.append(value)
        return got

    def is_sorted(self) -> bool:
        return all(a < b for a, b in zip(self.values, self.values[1:], strict=False))

    def sort(self) -> np.ndarray:
        """Put the values in sorted order (as ``pd.Categorical(values)`` has its categories);
        returns the new code of each old one, for the arrays of codes to be mapped."""
        order = sorted(range(len(self.values)), key=lambda i: self.values[i])
        remap = np.empty(max(len(order), 1), np.int64)
        remap[order] = np.arange(len(order))
        self.values = [self.values[i] for i in order]
        self.index = {v: i for i, v in enumerate(self.values)}
        return remap

    def dtype(self) -> type:
        """The integer type pandas keeps codes of this many categories in (no conversion)."""
        n = len(self.values)
        return np.int8 if n < 127 else np.int16 if n < 32767 else np.int32

    def categorical(self, codes: np.ndarray) -> pd.Categorical:
        """The codes (in sorted order: see :meth:`sort`) as a categorical, without a copy."""
        import pandas as pd

        # (The dtype kept while the values stand: making one checks its categories, 0.1 ms
        # for each frame an edit makes.)
        held: tuple[list[Any], Any] | None = getattr(self, "_dtype", None)
        if held is None or held[0] != self.values:
            held = self._dtype = (list(self.values), pd.CategoricalDtype(self.values))
        return pd.Categorical.from_codes(codes, dtype=held[1], validate=False)
