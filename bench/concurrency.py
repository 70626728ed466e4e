"""Many questions at once while the index is updated: errors, consistency, latency under load.

Readers: `--threads` threads sharing one `Searcher` (as Streamlit sessions share one) plus `--processes` separate
processes (each its own model and `Searcher`), all asking the dev questions in a loop.
Writer: after `--before` seconds, one synthetic report is added and one seed report changed (figures nudged),
then `build_index` runs in a background thread (default) or process (`--writer process`).
Checked: zero errors; every result set is consistent with ONE generation: its (chunk id, content digest) pairs
all belong to the old generation's chunks or all to the new one's (never a mix of an old and a new version).

    .venv/bin/python -m bench.concurrency [--threads 4] [--processes 2] [--writer thread|process]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import threading
import time
from pathlib import Path

from bench.common import (
    add_common_args,
    bench_settings,
    corpus_workdir,
    dev_questions,
    machine,
    md_table,
    stats_ms,
    write_json,
)
from bench.corpus import add_synthetic, perturb_report, seed_files


def chunk_key(chunk) -> tuple[str, str]:
    """A chunk's id plus a digest of what it says (header + text): the same id in two versions differs here."""
    return chunk.chunk_id, hashlib.sha1(f"{chunk.header}\n{chunk.text}".encode()).hexdigest()[:16]


def read_loop(searcher, questions: list[str], stop, offset: int) -> list[dict]:
    """Ask questions until `stop` is set; one record per query (wall-clock start, seconds, chunk keys or error)."""
    records = []
    i = offset
    while not stop.is_set():
        question = questions[i % len(questions)]
        i += 1
        started, t = time.time(), time.perf_counter()
        try:
            keys = [chunk_key(h.chunk) for h in searcher.search(question)]
            records.append({"at": started, "s": time.perf_counter() - t, "keys": keys})
        except Exception as exc:  # counted and reported: the requirement is zero
            records.append({"at": started, "s": time.perf_counter() - t, "error": f"{type(exc).__name__}: {exc}"})
    return records


def _exit_with_parent(parent: int) -> None:
    """A reader left behind by a killed benchmark would load the cores under every later measurement."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _process_reader(
    seeds: str, index: str, questions: list[str], offset: int, parent: int, ready, stop, results
) -> None:
    from rag.answering.retrieval import Searcher

    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    searcher = Searcher(bench_settings(Path(seeds), Path(index)))
    searcher.search("预热 warm-up")
    ready.put(offset)
    records = read_loop(searcher, questions, stop, offset)
    results.put(("process", offset, records))


def _update(seeds: Path) -> None:
    add_synthetic(seeds, 5)
    perturb_report(seeds / seed_files()[2].name)


def _process_writer(seeds: str, index: str, results) -> None:
    from rag.indexing.store import build_index

    settings = bench_settings(Path(seeds), Path(index))
    started = time.time()
    result = build_index(settings)
    results.put(("writer", started, time.time(), result.generation, result.summary()))


def version_keys(settings) -> set[tuple[str, str]]:
    """The (chunk id, digest) pairs of the index's current version."""
    from rag.indexing.store import Index

    return {chunk_key(c) for c in Index.open(settings).chunks}


def classify(records: list[dict], old: set, new: set) -> dict:
    counts = {"queries": 0, "errors": 0, "mixed": 0, "old_only": 0, "new_only": 0, "either": 0, "unknown_chunk": 0}
    for r in records:
        counts["queries"] += 1
        if "error" in r:
            counts["errors"] += 1
            continue
        keys = set(map(tuple, r["keys"]))
        in_old, in_new = keys <= old, keys <= new
        if in_old and in_new:
            counts["either"] += 1
        elif in_old:
            counts["old_only"] += 1
        elif in_new:
            counts["new_only"] += 1
        elif keys <= old | new:
            counts["mixed"] += 1
        else:
            counts["unknown_chunk"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--writer", choices=("thread", "process"), default="thread")
    parser.add_argument("--before", type=float, default=5.0, help="seconds of reading before the update starts")
    parser.add_argument("--after", type=float, default=3.0, help="seconds of reading after it ends")
    add_common_args(parser, "concurrency")
    args = parser.parse_args(argv)

    from rag.answering.retrieval import Searcher
    from rag.indexing.store import build_index

    questions = [q["question"] for q in dev_questions()]
    ctx = mp.get_context("spawn")  # torch and fork do not mix
    with corpus_workdir(args, "concurrency", 5) as (_, settings, embeddings):
        seeds, index = settings.seeds_dir, settings.index_dir
        old_gen = build_index(settings, embeddings=embeddings).generation
        old = version_keys(settings)

        stop, ready, results = ctx.Event(), ctx.Queue(), ctx.Queue()
        procs = [
            ctx.Process(
                target=_process_reader,
                args=(str(seeds), str(index), questions, 1000 + i * 7, os.getpid(), ready, stop, results),
            )
            for i in range(args.processes)
        ]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=300)  # every process has its model loaded and index open

        searcher = Searcher(settings, embeddings)
        searcher.search("预热 warm-up")
        thread_records: list[list[dict]] = [[] for _ in range(args.threads)]

        def thread_reader(i: int) -> None:
            thread_records[i] = read_loop(searcher, questions, stop, i * 11)

        threads = [threading.Thread(target=thread_reader, args=(i,)) for i in range(args.threads)]
        for t in threads:
            t.start()
        time.sleep(args.before)

        _update(seeds)
        if args.writer == "thread":
            box: dict = {}

            def writer() -> None:
                box["start"] = time.time()
                box["result"] = build_index(settings, embeddings=embeddings)
                box["end"] = time.time()

            w = threading.Thread(target=writer)
            w.start()
            w.join()
            write_start, write_end, new_gen, summary = (
                box["start"],
                box["end"],
                box["result"].generation,
                box["result"].summary(),
            )
        else:
            wp = ctx.Process(target=_process_writer, args=(str(seeds), str(index), results))
            wp.start()
            wp.join()
            _, write_start, write_end, new_gen, summary = results.get(timeout=60)
        time.sleep(args.after)
        stop.set()
        for t in threads:
            t.join()
        proc_records = [results.get(timeout=120)[2] for _ in procs]
        for p in procs:
            p.join(timeout=60)

        new = version_keys(settings)

    print(f"writer: {summary}\n")
    groups = {"threads": [r for rs in thread_records for r in rs], "processes": [r for rs in proc_records for r in rs]}
    rows, out = [], {}
    for name, records in groups.items():
        counts = classify(records, old, new)
        ok = [r for r in records if "error" not in r]
        during = [r["s"] for r in ok if write_start <= r["at"] <= write_end]
        before = [r["s"] for r in ok if r["at"] < write_start]
        out[name] = {
            **counts,
            "before": stats_ms(before),
            "during_update": stats_ms(during),
            "all": stats_ms([r["s"] for r in ok]),
        }
        errors = sorted({r["error"] for r in records if "error" in r})
        out[name]["error_samples"] = errors[:5]
        rows.append(
            [
                f"{args.threads} threads (shared Searcher)" if name == "threads" else f"{args.processes} processes",
                counts["queries"],
                counts["errors"],
                counts["mixed"] + counts["unknown_chunk"],
                f"{counts['old_only']}/{counts['new_only']}/{counts['either']}",
                out[name]["before"].get("p50_ms"),
                out[name]["before"].get("p95_ms"),
                out[name]["during_update"].get("p50_ms"),
                out[name]["during_update"].get("p95_ms"),
            ]
        )
    print(
        f"## Concurrency — questions while the index is updated ({args.writer} writer, update took {write_end - write_start:.1f} s)\n"
    )
    print(
        md_table(
            [
                "readers",
                "queries",
                "errors",
                "mixed results",
                "old/new/either",
                "p50 ms before",
                "p95 ms before",
                "p50 ms during",
                "p95 ms during",
            ],
            rows,
        )
    )
    failed = any(out[g]["errors"] or out[g]["mixed"] or out[g]["unknown_chunk"] for g in out)
    print("\nresult: " + ("FAIL" if failed else "OK (no errors, every result from one generation)"))
    write_json(
        args.out,
        {
            "machine": machine(),
            "writer": args.writer,
            "update_s": round(write_end - write_start, 2),
            "old_generation": old_gen,
            "new_generation": new_gen,
            "readers": out,
        },
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
