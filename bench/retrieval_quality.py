"""Retrieval quality on eval/dev.jsonl: our pipeline vs a plain LangChain + Chroma baseline.

Ours: `rag.indexing.store.build_index` (heading-aware chunks with a street · period · section header, BM25 over character
bigrams + e5 dense, weighted RRF, street filter) and `Searcher.search(question, k=10)`.
Baseline: the same seed files read as plain text, `RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)`,
the same e5 model (`E5Embeddings` is a LangChain `Embeddings`), a Chroma collection (cosine, vectors passed in),
top-10 by similarity.
A question counts as found at rank r when its `evidence` is an exact substring of the r-th passage, ignoring
whitespace (`rag.evaluate.evidence_rank`). Unanswerable questions (no evidence) are left out.

    .venv/bin/python -m bench.retrieval_quality [--out bench/out/retrieval_quality.json]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_core.documents import Document as LCDocument
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bench.common import (
    add_common_args,
    corpus_workdir,
    dev_questions,
    device_of,
    machine,
    md_table,
    write_json,
)
from rag.evaluate import evidence_rank

K = 10


def metrics(ranks: list[int | None]) -> dict:
    n = len(ranks)
    out = {f"hit@{k}": round(sum(r is not None and r <= k for r in ranks) / n, 3) for k in (1, 3, 5)}
    out["mrr@10"] = round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 3)
    out["n"] = n
    return out


def ours(settings, embeddings, questions: list[dict]) -> tuple[list[int | None], dict]:
    from rag.answering.retrieval import Searcher
    from rag.indexing.store import build_index

    result = build_index(settings, rebuild=True, embeddings=embeddings)
    searcher = Searcher(settings, embeddings)
    searcher.search("预热 warm-up")
    ranks = [
        evidence_rank(q["evidence"], [h.chunk.text for h in searcher.search(q["question"], k=K)]) for q in questions
    ]
    chunks = searcher.index.chunks
    info = {"chunks": result.chunks_total, "avg_chunk_chars": round(sum(len(c.text) for c in chunks) / len(chunks))}
    return ranks, info


def baseline(settings, embeddings, questions: list[dict], workdir_path) -> tuple[list[int | None], dict]:
    files = sorted(p for p in settings.seeds_dir.iterdir() if p.suffix == ".txt")
    docs = [LCDocument(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name}) for p in files]
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    pieces = splitter.split_documents(docs)
    texts = [d.page_content for d in pieces]
    client = chromadb.PersistentClient(
        path=str(workdir_path / "baseline-chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.create_collection(
        "baseline", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    vectors = embeddings.embed_documents(texts)
    collection.add(
        ids=[f"c{i}" for i in range(len(texts))],
        embeddings=vectors,
        documents=texts,
        metadatas=[d.metadata for d in pieces],
    )
    ranks = []
    for q in questions:
        got = collection.query(
            query_embeddings=[embeddings.embed_query(q["question"])], n_results=K, include=["documents"]
        )
        ranks.append(evidence_rank(q["evidence"], got["documents"][0]))
    return ranks, {"chunks": len(texts), "avg_chunk_chars": round(sum(map(len, texts)) / len(texts))}


def by_group(questions: list[dict], ranks: list[int | None], key: str) -> dict:
    groups: dict[str, list[int | None]] = defaultdict(list)
    for q, r in zip(questions, ranks, strict=True):
        groups[q.get(key, "?")].append(r)
    return {g: metrics(rs) for g, rs in sorted(groups.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser, "retrieval_quality")
    args = parser.parse_args(argv)

    questions = dev_questions(answerable_only=True)
    with corpus_workdir(args, "quality", 5) as (work, settings, embeddings):
        started = time.monotonic()
        ours_ranks, ours_info = ours(settings, embeddings, questions)
        base_ranks, base_info = baseline(settings, embeddings, questions, work)
        seconds = time.monotonic() - started

    rows = []
    results = {}
    for name, ranks, info in (
        ("ours (hybrid, headers)", ours_ranks, ours_info),
        ("baseline (splitter 500/50 + e5 + Chroma)", base_ranks, base_info),
    ):
        m = metrics(ranks)
        results[name] = {
            **m,
            **info,
            "by_lang": by_group(questions, ranks, "lang"),
            "by_type": by_group(questions, ranks, "type"),
        }
        rows.append([name, m["hit@1"], m["hit@3"], m["hit@5"], m["mrr@10"], info["chunks"], info["avg_chunk_chars"]])
    print(f"## Retrieval quality — eval/dev.jsonl, {len(questions)} questions with evidence, 5 seed reports\n")
    print(md_table(["retriever", "hit@1", "hit@3", "hit@5", "MRR@10", "chunks", "avg chars"], rows))
    print("\nBy question type (hit@5 ours / baseline):")
    ours_types = results[rows[0][0]]["by_type"]
    base_types = results[rows[1][0]]["by_type"]
    print(
        md_table(
            ["type", "n", "ours hit@5", "baseline hit@5"],
            [[t, ours_types[t]["n"], ours_types[t]["hit@5"], base_types[t]["hit@5"]] for t in ours_types],
        )
    )
    write_json(
        args.out,
        {
            "machine": machine(),
            "device": device_of(embeddings),
            "seconds": round(seconds, 1),
            "questions": len(questions),
            "results": results,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
