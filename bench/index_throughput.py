"""Index build throughput vs the model's raw encoding throughput, on the five seed reports.

build:  `build_index(settings, rebuild=True)` end to end (load + decode, chunk, catalog, embed, Chroma add, BM25,
        pointer swap) -> chunks_embedded / wall seconds.
raw:    `E5Embeddings.encode_passages` on the very same chunks' `indexed_text`, same batch size
        (`settings.embed_batch_size`) -> chunks / seconds.
ratio = build / raw (target >= 0.85). Runs alternate raw, build, raw, build … so a change in machine load hits both
sides alike; the ratio is taken per pair and the median reported. Also reported: the share of a build's wall time
spent outside the embedding stage (chunking, catalog, BM25, swap), which machine load hardly changes.

    .venv/bin/python -m bench.index_throughput [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import add_common_args, corpus_workdir, device_of, machine, md_table, write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reports", type=int, default=5, help="number of reports (default: the 5 seeds)")
    add_common_args(parser, "index_throughput")
    args = parser.parse_args(argv)

    from rag.indexing.chunking import chunk_document
    from rag.indexing.store import build_index
    from rag.ingest.documents import load_folder

    with corpus_workdir(args, "throughput", args.reports) as (_, settings, embeddings):
        docs, _ = load_folder(settings.seeds_dir)
        texts = [c.indexed_text for d in docs for c in chunk_document(d)]
        embeddings.encode_passages(texts[:16], batch_size=settings.embed_batch_size)  # warm-up
        pairs = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            embeddings.encode_passages(texts, batch_size=settings.embed_batch_size)
            raw = len(texts) / (time.perf_counter() - t)

            marks: dict[str, float] = {}

            def progress(stage: str, done: int, total: int, marks=marks) -> None:
                marks.setdefault(f"{stage}_first", time.perf_counter())
                marks[f"{stage}_last"] = time.perf_counter()

            t = time.perf_counter()
            result = build_index(settings, rebuild=True, embeddings=embeddings, progress=progress)
            wall = time.perf_counter() - t
            assert result.chunks_embedded == len(texts), (result.chunks_embedded, len(texts))
            embed_s = marks["embed_last"] - marks["embed_first"]
            pairs.append(
                {
                    "raw_chunks_per_s": round(raw, 2),
                    "build_chunks_per_s": round(result.chunks_embedded / wall, 2),
                    "ratio": round(result.chunks_embedded / wall / raw, 3),
                    "build_s": round(wall, 2),
                    "build_embed_s": round(embed_s, 2),
                    "build_other_s": round(wall - embed_s, 2),
                    "other_share": round((wall - embed_s) / wall, 4),
                }
            )
            print(f"round {len(pairs)}: {pairs[-1]}", flush=True)

    ratio = statistics.median(p["ratio"] for p in pairs)
    summary = {
        "chunks": len(texts),
        "batch_size": settings.embed_batch_size,
        "median_ratio": round(ratio, 3),
        "median_raw_chunks_per_s": round(statistics.median(p["raw_chunks_per_s"] for p in pairs), 2),
        "median_build_chunks_per_s": round(statistics.median(p["build_chunks_per_s"] for p in pairs), 2),
        "median_other_share": round(statistics.median(p["other_share"] for p in pairs), 4),
        "target": 0.85,
        "meets_target": ratio >= 0.85,
    }
    print(
        f"\n## Index build throughput — {args.reports} reports, {len(texts)} chunks, batch {settings.embed_batch_size}\n"
    )
    print(
        md_table(
            [
                "raw encode chunks/s",
                "build_index chunks/s",
                "ratio (median of pairs)",
                "non-embedding share of build time",
                "target",
            ],
            [
                [
                    summary["median_raw_chunks_per_s"],
                    summary["median_build_chunks_per_s"],
                    summary["median_ratio"],
                    f"{summary['median_other_share']:.1%}",
                    "≥ 0.85",
                ]
            ],
        )
    )
    write_json(args.out, {"machine": machine(), "device": device_of(embeddings), "summary": summary, "rounds": pairs})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
