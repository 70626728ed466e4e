"""Passage vectors computed once and kept: a cache keyed by a hash of the model name and the exact embedded text.

Embedding the 1,000-report scale corpus (~30,000 passages) takes about an hour on 2 cores; the vectors do not depend
on how the index stores them, so they are computed once (`main` below, in the background with `nice`) into
`bench/out/embed_cache.sqlite`, and benchmark builds assemble indexes from them through `CachedEmbeddings`, which
falls back to the real model for any text not in the cache (a changed chunker or header just costs model time).

    nice -n 19 .venv/bin/python -m bench.embed_cache --reports 1000 --city-every 14   # fills the cache, resumable
    nice -n 19 .venv/bin/python -m bench.embed_cache --folder ../shared/corpus-large  # the passages of a folder
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.common import OUT, machine, write_json

CACHE = OUT / "embed_cache.sqlite"


def cache_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


class EmbeddingCache:
    """sha256 key -> float32 vector, in SQLite (committed batch by batch, so an interrupted fill resumes)."""

    def __init__(self, path: Path = CACHE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, check_same_thread=False, timeout=60)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = list(keys[i : i + 500])
            rows = self.conn.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
            ).fetchall()
            found.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM vectors").fetchone()[0]


class CachedEmbeddings:
    """The real embeddings object, with passage vectors taken from the cache where it has them."""

    def __init__(
        self, inner, cache: EmbeddingCache, synthetic_misses: bool = False, store_misses: bool = False
    ) -> None:
        self.inner = inner
        self.cache = cache
        self.synthetic_misses = synthetic_misses  # random unit vectors instead of the model (storage benchmarks)
        self.store_misses = store_misses and not synthetic_misses  # the model's vectors of misses kept for next time
        self.name, self.dim, self.device = inner.name, inner.dim, getattr(inner, "device", "?")
        self.hits = self.misses = self.synthetic = 0

    def encode_passages(self, texts: Sequence[str], batch_size: int | None = None, progress=None) -> np.ndarray:
        keys = [cache_key(self.name, t) for t in texts]
        found = self.cache.get_many(keys)
        missing = [i for i, k in enumerate(keys) if k not in found]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if missing and self.synthetic_misses:
            vectors = [synthetic_vector(keys[i], self.dim) for i in missing]
            self.synthetic += len(missing)
        elif missing:
            vectors = self.inner.encode_passages([texts[i] for i in missing], batch_size=batch_size)
            if self.store_misses:
                self.cache.put_many({keys[i]: v for i, v in zip(missing, vectors, strict=True)})
        if missing:
            for i, v in zip(missing, vectors, strict=True):
                found[keys[i]] = v
        for i, k in enumerate(keys):
            out[i] = found[k]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.inner.encode_query(text)


def synthetic_vector(key: str, dim: int) -> np.ndarray:
    """A random unit vector seeded by the passage's key: the same passage always gets the same one."""
    vector = np.random.default_rng(int(key[:16], 16)).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def corpus_passages(seeds: Path) -> list[str]:
    """The exact `indexed_text` of every passage `build_index` would embed for this folder."""
    from rag.indexing.chunking import chunk_document
    from rag.ingest.documents import load_folder

    docs, _ = load_folder(seeds)
    return [c.indexed_text for d in docs for c in chunk_document(d)]


def fill(texts: list[str], embeddings, cache: EmbeddingCache, batch: int, status: Path) -> dict:
    """Embed every text not yet cached, longest first, committing each batch; returns timing figures."""
    keys = {cache_key(embeddings.name, t): t for t in texts}
    have = set(cache.get_many(list(keys)))
    todo = sorted((k for k in keys if k not in have), key=lambda k: -len(keys[k]))
    started, done = time.perf_counter(), 0
    for i in range(0, len(todo), batch):
        part = todo[i : i + batch]
        vectors = embeddings.encode_passages([keys[k] for k in part])
        cache.put_many(dict(zip(part, vectors, strict=True)))
        done += len(part)
        elapsed = time.perf_counter() - started
        figures = {"unique": len(keys), "cached_before": len(have), "embedded": done, "todo": len(todo)}
        figures |= {"seconds": round(elapsed, 1), "passages_per_s": round(done / elapsed, 2)}
        status.write_text(json.dumps(figures) + "\n")
    elapsed = time.perf_counter() - started
    return {
        "passages": len(texts),
        "unique": len(keys),
        "cached_before": len(have),
        "embedded": done,
        "seconds": round(elapsed, 1),
        "passages_per_s": round(done / elapsed, 2) if done else None,
    }


def main(argv: list[str] | None = None) -> int:
    from bench.corpus import make_corpus
    from rag.config import Settings
    from rag.indexing.embeddings import get_embeddings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--folder", type=Path, help="the reports of this folder instead of the synthetic corpus")
    parser.add_argument("--city-every", type=int, default=14)
    parser.add_argument("--batch", type=int, default=64, help="passages per cache commit")
    parser.add_argument("--out", type=Path, default=OUT / "embed_cache.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        folder = args.folder or Path(tmp) / "seeds"
        if args.folder is None:
            make_corpus(folder, args.reports, city_every=args.city_every)
        t = time.perf_counter()
        texts = corpus_passages(folder)
        chunk_s = time.perf_counter() - t
    print(f"{args.folder or args.reports} reports: {len(texts)} passages (load + chunk {chunk_s:.1f} s)", flush=True)
    t = time.perf_counter()
    embeddings = get_embeddings(Settings.from_env())
    load_s = time.perf_counter() - t
    figures = fill(texts, embeddings, EmbeddingCache(), args.batch, args.out.with_suffix(".progress"))
    corpus = {"folder": str(args.folder)} if args.folder else {"reports": args.reports, "city_every": args.city_every}
    figures |= corpus | {"load_chunk_s": round(chunk_s, 1)}
    figures |= {"model_load_s": round(load_s, 1), "device": embeddings.device, "machine": machine()}
    print(json.dumps(figures, ensure_ascii=False))
    write_json(args.out, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
