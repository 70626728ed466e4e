"""Scale: build time, index size, peak memory, query latency at 5 and at N reports, cost of adding one report.

Every phase runs in a child process so its peak resident memory (ru_maxrss from wait4) is the phase's own,
torch included:
1. build the 5 seed reports;            2. build N reports (5 seeds + N-5 synthetic, `bench/corpus.py`), rebuild;
3. query both indexes from one process, the dev questions interleaved (5, N, 5, N … so load noise hits both);
4. add one synthetic report to the N-report index (incremental).
Requirement: query p95 at N reports <= 2 x p95 at 5. The device is whatever `rag.indexing.embeddings` picks (RAG_DEVICE,
default auto: cuda when torch sees a GPU).

    .venv/bin/python -m bench.scale [--reports 100] [--rounds 3] [--out bench/out/scale.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.common import (
    ROOT,
    add_common_args,
    bench_settings,
    dev_questions,
    dir_size,
    machine,
    md_table,
    stats_ms,
    workdir,
    write_json,
)
from bench.corpus import add_synthetic, make_corpus

RESULT = "RESULT "


# ------------------------------------------------------------------------------------------------ child phases


def _child_build(args: argparse.Namespace) -> dict:
    from rag.indexing.embeddings import get_embeddings
    from rag.indexing.store import build_index

    settings = bench_settings(args.seeds, args.index)
    t = time.perf_counter()
    embeddings = get_embeddings(settings)
    load_s = time.perf_counter() - t
    result = build_index(settings, rebuild=args.rebuild, embeddings=embeddings)
    return {
        "device": embeddings.device,
        "model_load_s": round(load_s, 2),
        "seconds": round(result.seconds, 2),
        "reports": len(result.added) + len(result.updated) + len(result.unchanged),
        "added": result.added,
        "chunks_embedded": result.chunks_embedded,
        "chunks_total": result.chunks_total,
        "generation": result.generation,
    }


def _child_query(args: argparse.Namespace) -> dict:
    from rag.answering.retrieval import Searcher
    from rag.indexing.embeddings import get_embeddings

    small = Searcher(bench_settings(args.seeds, args.index), None)
    embeddings = small.embeddings
    large = Searcher(bench_settings(args.seeds2, args.index2), embeddings)
    assert embeddings is get_embeddings(bench_settings(args.seeds, args.index))
    for searcher in (small, large):
        searcher.search("预热 warm-up")
    questions = [q["question"] for q in dev_questions()]
    timings: dict[str, list[float]] = {"small": [], "large": []}
    rng = random.Random(0)
    for _ in range(args.rounds):
        rng.shuffle(questions)
        for i, q in enumerate(questions):
            pair = [("small", small), ("large", large)]
            for name, searcher in pair if i % 2 == 0 else pair[::-1]:
                t = time.perf_counter()
                searcher.search(q)
                timings[name].append(time.perf_counter() - t)
    return {
        "device": embeddings.device,
        "small": {"reports": len(small.index.reports), "chunks": len(small.index.chunks), **stats_ms(timings["small"])},
        "large": {"reports": len(large.index.reports), "chunks": len(large.index.chunks), **stats_ms(timings["large"])},
    }


def _child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=("build", "query"))
    parser.add_argument("--seeds", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--seeds2", type=Path)
    parser.add_argument("--index2", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    data = _child_build(args) if args.phase == "build" else _child_query(args)
    print(RESULT + json.dumps(data, ensure_ascii=False), flush=True)
    return 0


# ------------------------------------------------------------------------------------------------ parent


def run_phase(*argv: str) -> dict:
    """Run one phase in a child process; its JSON result plus wall seconds and peak RSS (MiB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.scale", "--child", *argv], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if proc.returncode != 0:
        raise SystemExit(f"phase {argv[0]} failed with exit code {proc.returncode}")
    line = next(x for x in reversed(out.splitlines()) if x.startswith(RESULT))
    data = json.loads(line[len(RESULT) :])
    data["process_wall_s"] = round(time.perf_counter() - started, 2)
    data["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    return data


def index_size(index_dir: Path) -> dict:
    from rag.indexing.store import current_generation

    gen = index_dir / (current_generation(index_dir) or "")
    parts = {name: dir_size(gen / name) for name in ("chroma", "bm25")}
    parts["catalog"] = (gen / "catalog.sqlite").stat().st_size
    return {
        "generation_mib": round(dir_size(gen) / 2**20, 1),
        "index_dir_mib": round(dir_size(index_dir) / 2**20, 1),
        **{f"{k}_mib": round(v / 2**20, 2) for k, v in parts.items()},
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the dev questions when timing queries")
    add_common_args(parser, "scale")
    args = parser.parse_args(argv)
    n = args.reports

    with workdir(args, "scale") as work:
        small_seeds, small_index = work / "seeds5", work / "index5"
        large_seeds, large_index = work / f"seeds{n}", work / f"index{n}"
        make_corpus(small_seeds, 5)
        make_corpus(large_seeds, n)
        print(f"work folder {work}; building 5 reports …", flush=True)
        small = run_phase("build", "--seeds", str(small_seeds), "--index", str(small_index), "--rebuild")
        print(f"building {n} reports …", flush=True)
        large = run_phase("build", "--seeds", str(large_seeds), "--index", str(large_index), "--rebuild")
        sizes = {"small": index_size(small_index), "large": index_size(large_index)}
        print("timing queries …", flush=True)
        query = run_phase(
            "query",
            "--seeds",
            str(small_seeds),
            "--index",
            str(small_index),
            "--seeds2",
            str(large_seeds),
            "--index2",
            str(large_index),
            "--rounds",
            str(args.rounds),
        )
        print("adding one report …", flush=True)
        add_synthetic(large_seeds, n)
        add = run_phase("build", "--seeds", str(large_seeds), "--index", str(large_index))

    p95_small, p95_large = query["small"]["p95_ms"], query["large"]["p95_ms"]
    ratio = round(p95_large / p95_small, 2)
    print(f"\n## Scale — 5 vs {n} reports (device: {large['device']})\n")
    print(
        md_table(
            [
                "reports",
                "chunks",
                "build s (model load excl.)",
                "chunks/s",
                "index on disk MiB",
                "build peak RSS MiB",
                "query p50 ms",
                "query p95 ms",
            ],
            [
                [
                    count,
                    build["chunks_total"],
                    build["seconds"],
                    round(build["chunks_embedded"] / build["seconds"], 2),
                    sizes[key]["generation_mib"],
                    build["peak_rss_mib"],
                    query[key]["p50_ms"],
                    query[key]["p95_ms"],
                ]
                for key, count, build in (("small", 5, small), ("large", n, large))
            ],
        )
    )
    print(f"\np95 at {n} / p95 at 5 = {ratio} (requirement ≤ 2: {'OK' if ratio <= 2 else 'FAIL'})")
    print(f"query process peak RSS (both indexes open): {query['peak_rss_mib']} MiB")
    print(
        f"add 1 report to {n}: {add['chunks_embedded']} chunks embedded in {add['seconds']} s (+ {add['model_load_s']} s model load)"
    )
    write_json(
        args.out,
        {
            "machine": machine(),
            "reports": n,
            "build": {"small": small, "large": large},
            "index_size": sizes,
            "query": query,
            "p95_ratio": ratio,
            "p95_ratio_ok": ratio <= 2,
            "add_one": add,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
