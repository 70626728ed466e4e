"""HNSW recall@10 of Chroma against an exact scan, on real passage vectors, for several HNSW settings.

Vectors: up to 30,000 passages of ../shared/corpus-large from the shared embedding cache (bench/out/embed_cache.sqlite);
queries: the questions of eval/corpus.jsonl embedded with the real model. Each setting is a fresh collection on a
loopback Chroma server (rag/indexing/chroma_local.py); recall@10 = share of the exact 10 nearest among Chroma's
first 10 of 40 results (40 = the candidates retrieval asks for); latency of that query (metadata + documents).

    nice .venv/bin/python -m bench.hnsw_recall --out bench/out/issue19/hnsw_recall.json
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT, add_common_args, machine, md_table, write_json

SETTINGS = [
    {"space": "cosine"},  # Chroma's defaults: ef_construction 100, max_neighbors 16, ef_search 100
    {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 128},
    {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 500},
    {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 1000},
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=30000, help="passages")
    parser.add_argument("--questions", type=int, default=80)
    add_common_args(parser, "hnsw_recall")
    args = parser.parse_args()

    import json

    from rag.config import Settings
    from rag.indexing.embeddings import get_embeddings
    from rag.indexing.vectors import local_client

    cache = sqlite3.connect(f"file:{ROOT / 'bench' / 'out' / 'embed_cache.sqlite'}?mode=ro", uri=True)
    rows = cache.execute("SELECT vec FROM vectors LIMIT ?", (args.limit,)).fetchall()
    vectors = np.stack([np.frombuffer(r[0], np.float32) for r in rows])
    lines = (ROOT / "eval" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(x)["question"] for x in lines if x.strip()][: args.questions]
    model = get_embeddings(Settings.from_env())
    queries = np.stack([model.encode_query(q) for q in questions])
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")
    exact = [set(o[:10].tolist()) for o in order]
    gaps = [scores[i, order[i, 9]] - scores[i, order[i, 10]] for i in range(len(queries))]
    client = local_client(Path(tempfile.mkdtemp(prefix="hnsw-")))
    results = []
    for n, setting in enumerate(SETTINGS):
        col = client.create_collection(f"recall{n}", embedding_function=None, configuration={"hnsw": setting})
        for i in range(0, len(vectors), 1000):
            col.add(ids=[str(j) for j in range(i, min(len(vectors), i + 1000))], embeddings=vectors[i : i + 1000])
        found, times = [], []
        for q, e in zip(queries, exact, strict=True):
            t = time.perf_counter()
            got = col.query(query_embeddings=[q], n_results=40, include=["metadatas", "documents", "distances"])
            times.append(time.perf_counter() - t)
            found.append(len({int(i) for i in got["ids"][0][:10]} & e) / 10)
        results.append(
            {
                **setting,
                "recall_at_10": round(float(np.mean(found)), 4),
                "p50_ms": round(1000 * float(np.median(times)), 1),
                "p95_ms": round(1000 * float(np.percentile(times, 95)), 1),
            }
        )
        print(results[-1], flush=True)
    header = ["ef_construction", "max_neighbors", "ef_search", "recall@10", "query p50 ms", "p95 ms"]
    rows = [[r.get("ef_construction", 100), r.get("max_neighbors", 16), r.get("ef_search", 100)] for r in results]
    print(f"\n{len(vectors)} passages, {len(queries)} questions, median gap 10th-11th cosine {np.median(gaps):.2e}\n")
    print(
        md_table(
            header, [[*a, r["recall_at_10"], r["p50_ms"], r["p95_ms"]] for a, r in zip(rows, results, strict=True)]
        )
    )
    write_json(
        args.out, {"machine": machine(), "passages": len(vectors), "questions": len(queries), "results": results}
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
