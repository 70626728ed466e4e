"""Warm query latency over the dev questions: `Searcher.search` and `Assistant.ask` (extractive), p50/p95.

The model and the index are loaded and one warm-up query is run before timing; then every dev question is asked
`--rounds` times (question order shuffled per round). Index: the five seed reports.

    .venv/bin/python -m bench.query_latency [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import time

from bench.common import (
    add_common_args,
    corpus_workdir,
    dev_questions,
    device_of,
    machine,
    md_table,
    stats_ms,
    write_json,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    add_common_args(parser, "query_latency")
    args = parser.parse_args(argv)

    from rag.answering.answer import Assistant
    from rag.answering.retrieval import Searcher
    from rag.indexing.store import build_index

    questions = [q["question"] for q in dev_questions()]
    with corpus_workdir(args, "latency", 5) as (_, settings, embeddings):
        build_index(settings, embeddings=embeddings)
        searcher = Searcher(settings, embeddings)
        assistant = Assistant(settings, searcher)
        assistant.ask("预热 warm-up", mode="extractive")
        timings: dict[str, list[float]] = {"Searcher.search": [], "Assistant.ask": []}
        rng = random.Random(0)
        for _ in range(args.rounds):
            order = questions[:]
            rng.shuffle(order)
            for q in order:
                t = time.perf_counter()
                searcher.search(q)
                timings["Searcher.search"].append(time.perf_counter() - t)
                t = time.perf_counter()
                assistant.ask(q, mode="extractive")
                timings["Assistant.ask"].append(time.perf_counter() - t)

    results = {name: stats_ms(values) for name, values in timings.items()}
    print(f"## Warm query latency — 5 seed reports, {len(questions)} dev questions × {args.rounds} rounds\n")
    print(
        md_table(
            ["call", "n", "p50 ms", "p95 ms", "mean ms", "max ms"],
            [[name, r["n"], r["p50_ms"], r["p95_ms"], r["mean_ms"], r["max_ms"]] for name, r in results.items()],
        )
    )
    write_json(
        args.out, {"machine": machine(), "device": device_of(embeddings), "rounds": args.rounds, "results": results}
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
