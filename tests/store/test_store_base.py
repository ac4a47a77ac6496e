"""The base value's encodings (no server needed): each gives back the same scenario."""

from __future__ import annotations

import zlib

import pytest

from monitor.model.io import load_scenario, scenario_pieces, scenario_to_json
from monitor.store.base import IDENTITY, ZLIB, ZSTD, decode_base, encode_base


def test_every_encoding_gives_back_the_scenario(small_path):
    scenario = load_scenario(small_path)
    raw = b"".join(bytes(p) for p in scenario_pieces(scenario))
    encoded = encode_base(scenario)
    assert encoded.encoding == ZSTD and encoded.size == len(raw) and len(encoded.blob) < len(raw)
    for encoding, blob in (
        (encoded.encoding, encoded.blob),
        (ZLIB, zlib.compress(raw, 1)),
        (IDENTITY, raw),
    ):
        again = decode_base(encoding, blob, len(raw))
        assert scenario_to_json(again) == scenario_to_json(scenario)
    with pytest.raises(ValueError, match="unknown base encoding"):
        decode_base("rot13", raw, len(raw))
