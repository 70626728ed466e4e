"""Warm query latency: `Searcher.search` and `Assistant.ask` (extractive), p50/p95, per question kind.

The model and the index are loaded and one warm-up query is run before timing; then every question is asked
`--rounds` times (question order shuffled per round). By default the index is built of the five seed reports and the
questions are eval/dev.jsonl; `--index` times an index folder already built instead (its reports as they are, e.g.
the 347 reports of corpus-large that `bench.large_eval --all-reports` leaves in bench/out/issue-18q/), and
`--questions` takes another question file (kind = its `type` field). `--profile FILE` writes cProfile stats of the
asks (read with `python -m pstats FILE`).

    .venv/bin/python -m bench.query_latency [--rounds 5]
    .venv/bin/python -m bench.query_latency --index bench/out/issue-18q/large_dev-all/index \\
        --questions eval/large_dev.jsonl --rounds 1 --out bench/out/issue19/ask_347.json
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import random
import time
from pathlib import Path

from bench.common import (
    DEV,
    add_common_args,
    bench_settings,
    corpus_workdir,
    device_of,
    machine,
    md_table,
    stats_ms,
    write_json,
)

SLOWEST = 10


def load_rows(path: Path) -> list[dict]:
    """Question rows of a jsonl file; `kind` = the row's `type` (unanswerable rows without one: "unanswerable")."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r["kind"] = r.get("type") or ("unanswerable" if r.get("unanswerable") else "answerable")
    return rows


def per_kind(rows: list[dict], seconds: list[list[float]]) -> dict[str, dict]:
    """p50/p95 of the asks of each kind, and of all."""
    out = {"all": stats_ms([s for times in seconds for s in times])}
    for kind in sorted({r["kind"] for r in rows}):
        out[kind] = stats_ms([s for r, times in zip(rows, seconds, strict=True) if r["kind"] == kind for s in times])
    return out


def time_asks(assistant, rows: list[dict], rounds: int, profile: cProfile.Profile | None = None) -> dict:
    """Each question `rounds` times (order shuffled per round): ask times per question, then, in a pass of their
    own, search times; each timed as a question asked for the first time (no question vector kept from before)."""
    search_s: list[list[float]] = [[] for _ in rows]
    ask_s: list[list[float]] = [[] for _ in rows]
    rng = random.Random(0)
    for _ in range(rounds):
        order = list(range(len(rows)))
        rng.shuffle(order)
        for i in order:
            forget_queries(assistant.searcher.embeddings)
            with profile or contextlib.nullcontext():
                t = time.perf_counter()
                assistant.ask(rows[i]["question"], mode="extractive")
                ask_s[i].append(time.perf_counter() - t)
        for i in order:
            forget_queries(assistant.searcher.embeddings)
            t = time.perf_counter()
            assistant.searcher.search(rows[i]["question"])
            search_s[i].append(time.perf_counter() - t)
    slowest = sorted(range(len(rows)), key=lambda i: -max(ask_s[i]))[:SLOWEST]
    return {
        "Searcher.search": stats_ms([s for times in search_s for s in times]),
        "Assistant.ask": per_kind(rows, ask_s),
        "slowest": [{"question": rows[i]["question"], "kind": rows[i]["kind"], "ms": _ms(ask_s[i])} for i in slowest],
    }


def forget_queries(embeddings) -> None:
    """No question vector kept from an earlier call (rag.indexing.embeddings.QUERY_CACHE)."""
    model = getattr(embeddings, "inner", embeddings)  # bench.embed_cache.CachedEmbeddings wraps the model
    if hasattr(model, "clear_query_cache"):
        model.clear_query_cache()


def _ms(seconds: list[float]) -> list[float]:
    return [round(s * 1000, 1) for s in seconds]


def report(results: dict, title: str) -> None:
    print(f"## {title}\n")
    print(f"`Searcher.search`: {results['Searcher.search']}\n")
    asks = results["Assistant.ask"]
    print(
        md_table(
            ["`Assistant.ask`, kind", "n", "p50 ms", "p95 ms", "mean ms", "max ms"],
            [[k, r["n"], r["p50_ms"], r["p95_ms"], r["mean_ms"], r["max_ms"]] for k, r in asks.items()],
        )
    )
    print("\nslowest:\n" + "\n".join(f"- {s['ms']} ms ({s['kind']}) {s['question']}" for s in results["slowest"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--index", type=Path, help="an index folder already built (default: build the 5 seeds)")
    parser.add_argument("--questions", type=Path, default=DEV, help="question file (default: %(default)s)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the asks to this file")
    add_common_args(parser, "query_latency")
    args = parser.parse_args(argv)

    from rag.answering.answer import Assistant
    from rag.answering.retrieval import Searcher
    from rag.indexing.embeddings import get_embeddings
    from rag.indexing.store import build_index

    rows = load_rows(args.questions)
    profile = cProfile.Profile() if args.profile else None
    with contextlib.ExitStack() as stack:
        if args.index:
            settings = bench_settings(args.index.parent / "docs", args.index)
            embeddings = get_embeddings(settings)
        else:
            _, settings, embeddings = stack.enter_context(corpus_workdir(args, "latency", 5))
            build_index(settings, embeddings=embeddings)
        started = time.perf_counter()
        assistant = Assistant(settings, Searcher(settings, embeddings))
        assistant.ask("预热 warm-up", mode="extractive")
        ready_s = round(time.perf_counter() - started, 2)
        reports = len(assistant.searcher.index.reports)
        results = time_asks(assistant, rows, args.rounds, profile)
    if profile is not None:
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(args.profile)

    where = args.index or "5 seed reports"
    report(results, f"Warm latency — {where} ({reports} reports), {len(rows)} questions × {args.rounds} rounds")
    print(f"\nindex opened and first answer in {ready_s} s (model loaded before)")
    write_json(
        args.out,
        {
            "machine": machine(),
            "device": device_of(embeddings),
            "index": str(where),
            "reports": reports,
            "questions": str(args.questions),
            "rounds": args.rounds,
            "ready_s": ready_s,
            "results": results,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
