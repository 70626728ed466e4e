"""Scale: build, index size, peak memory, query latency and the cost of adding / changing / deleting one report,
at several corpus sizes (default 5, 100 and 1,000 reports).

Corpus (bench/corpus.py, `city_every=14`): the 5 seed 街道 reports, then synthetic reports made from the real ones —
seed reports re-labelled as other streets (years moved on past 400 streets), and every 14th report one of the 16 real
city 政府工作报告 of ../shared/corpus re-labelled as an invented city with its years shifted; in all of them a third
of the decimal figures nudged and one paragraph pair swapped. 1,000 reports = 30,146 passages.

Vectors for the builds come from the embedding cache (`bench/embed_cache.py`, filled once in the background: its
passages/s is the build's embedding rate); with `--synthetic-misses`, passages not yet in the cache get a
deterministic random unit vector instead of waiting for the model (the JSON and the table say how many). The report
added, changed and deleted is the same real-model-embedded synthetic report at every size, including an index of one
report (the baseline of the "≤ 1.5×" target), once by name as the app's upload and delete do (`only=`) and once by
scanning the folder as `python -m rag index` does.

With `--real DIR` (../shared/corpus-large: 347 real 政府工作报告 and statistical bulletins) a corpus of n reports is
the first n real reports, those the `--questions` set cites first (then by name), under `corpus-large/` (so their
doc ids are the questions' `doc`s), no manifest rows; past the real ones, the synthetic corpus makes up the rest
(1,000 = 347 real + 653 synthetic). The query and app phases then ask the questions of `--questions`
(eval/large_dev.jsonl) whose reports are all in that size's index, plus its unanswerable ones, and report
`Assistant.ask` p50/p95 per question kind. Passages the cache lacks are embedded by the model and added to it (the
JSON and the table say how many), so a second run finds them all.

Every phase runs in a child process, so its peak resident memory (ru_maxrss from wait4) is its own, torch included;
the index folder's loopback Chroma server is a process of its own, and its peak RSS (VmHWM) is reported beside.

    .venv/bin/python -m bench.scale --reports 5 100 1000 --rounds 2 --repeats 3 --out bench/out/scale.json
    .venv/bin/python -m bench.scale --real ../shared/corpus-large --reports 5 100 347 --rounds 1 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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
from bench.corpus import add_synthetic, make_corpus, perturb_report
from bench.query_latency import forget_queries, load_rows

RESULT = "RESULT "
CITY_EVERY = 14
PROBE = 1000  # index of the synthetic report added / changed / deleted at every size (not in any corpus here)


EF_SEARCH = (10, 32, 64)  # besides the configured one, for the recall table
LARGE_QUESTIONS = ROOT / "eval" / "large_dev.jsonl"
REAL = "corpus-large"  # the folder of the real reports in a corpus, so their doc ids are the questions' `doc`s


def cited(row: dict) -> set[str]:
    """The file names of the reports a question row cites (`doc`, `docs`: corpus-large/<file>)."""
    return {d.split("/", 1)[-1] for d in [row.get("doc", ""), *row.get("docs", [])] if d}


def real_files(real: Path, rows: list[dict]) -> list[Path]:
    """The real reports, those the questions cite first, each group by name."""
    files = sorted(p for p in Path(real).iterdir() if p.suffix == ".txt")
    asked = {name for r in rows for name in cited(r)}
    return sorted(files, key=lambda p: (p.name not in asked, p.name))


def sized_corpus(folder: Path, n: int, real: Path | None, rows: list[dict]) -> list[str]:
    """n reports: the synthetic scale corpus, or with `real` the first n real reports (under corpus-large/) and the
    synthetic corpus for the rest. The names of the real reports copied."""
    if real is None:
        make_corpus(folder, n, city_every=CITY_EVERY)
        return []
    files = real_files(real, rows)[:n]
    (folder / REAL).mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, folder / REAL / path.name)
    if n > len(files):
        make_corpus(folder, n - len(files), city_every=CITY_EVERY)
    return [p.name for p in files]


def questions_for(rows: list[dict], present: list[str]) -> list[dict]:
    """The questions about these reports: those whose cited reports are all present, and the unanswerable ones
    (their places or years absent from the corpus). Without real reports: the dev questions (seed 街道 reports) and
    the development corpus's (real reports of many places)."""
    if not present:
        lines = (ROOT / "eval" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        corpus = [json.loads(line) for line in lines if line.strip()]
        return [{"question": q["question"], "kind": "dev"} for q in dev_questions()] + [
            {"question": q["question"], "kind": "corpus"} for q in corpus
        ]
    have = set(present)
    return [r for r in rows if cited(r) <= have and (cited(r) or r.get("unanswerable"))]


def chroma_peak_mib(index: Path) -> float | None:
    """Peak RSS (VmHWM) of the index folder's loopback Chroma server, while it runs."""
    try:
        pid = json.loads((Path(index) / "chroma.json").read_text())["chroma_pid"]
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmHWM"))
    except (OSError, ValueError, KeyError, StopIteration):
        return None
    return round(int(line.split()[1]) / 1024, 1)


def _recall(index, embeddings, questions: list[str], rng: random.Random) -> dict:
    """HNSW recall@10 against an exact scan of the same vectors (taken from Chroma): over the whole version (the
    unfiltered query), and restricted to 3 random reports (the `where rid $in` query)."""
    import numpy as np

    from rag.indexing.vectors import HNSW, record_id

    stored = index.store.vectors.embeddings(sorted(index._rids.values()))
    matrix = np.stack([stored[record_id(index._rids[c.doc_id], c.ordinal)] for c in index.chunks])
    docs = np.array([c.doc_id for c in index.chunks])
    out = {}
    collection = index.store.vectors._open()._collection
    for ef in EF_SEARCH:  # ef_search is a query-time setting: measured on the same graph
        collection.modify(configuration={"hnsw": {"ef_search": ef}})
        found = []
        for q in questions:
            vector = embeddings.encode_query(q)
            exact = set(np.argsort(-(matrix @ vector), kind="stable")[:10].tolist())
            found.append(len({p for p, _ in index.dense_search(vector, 10)} & exact) / len(exact))
        out[f"ef_search={ef}"] = round(float(np.mean(found)), 4)
    collection.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
    for label in ("whole", "3 reports"):
        found = []
        for q in questions:
            vector = embeddings.encode_query(q)
            cosine = matrix @ vector
            allowed = None
            if label != "whole":
                allowed = set(rng.sample(sorted(index.reports), min(3, len(index.reports))))
                cosine = np.where(np.isin(docs, list(allowed)), cosine, -np.inf)
            exact = set(np.argsort(-cosine, kind="stable")[: min(10, int(np.isfinite(cosine).sum()))].tolist())
            got = {p for p, _ in index.dense_search(vector, 10, allowed)}
            found.append(len(got & exact) / max(len(exact), 1))
        out[label] = round(float(np.mean(found)), 4)
    return out


# ------------------------------------------------------------------------------------------------ child phases


def _embeddings(cached: bool, synthetic: bool):
    from bench.embed_cache import CachedEmbeddings, EmbeddingCache
    from rag.indexing.embeddings import get_embeddings

    model = get_embeddings(bench_settings(ROOT / "seeds", ROOT / "index"))
    if not cached:
        return model
    return CachedEmbeddings(model, EmbeddingCache(), synthetic_misses=synthetic, store_misses=not synthetic)


def _child_build(args: argparse.Namespace) -> dict:
    from rag.indexing.store import build_index

    t = time.perf_counter()
    embeddings = _embeddings(True, args.synthetic_misses)
    load_s = time.perf_counter() - t
    result = build_index(bench_settings(args.seeds, args.index), rebuild=True, embeddings=embeddings)
    return {
        "model_load_s": round(load_s, 2),
        "seconds": round(result.seconds, 2),
        "vector_seconds": round(result.embed_seconds, 2),
        "reports": len(result.added) + len(result.updated) + len(result.unchanged),
        "chunks_total": result.chunks_total,
        "vectors_cached": embeddings.hits,
        "vectors_model": embeddings.misses - embeddings.synthetic,
        "vectors_synthetic": embeddings.synthetic,
    }


def _update_row(result) -> dict:
    return {
        "seconds": round(result.seconds, 3),
        "embed_seconds": round(result.embed_seconds, 3),
        "storage_seconds": round(result.seconds - result.embed_seconds, 3),
        "embedded": result.chunks_embedded,
        "added": result.added,
        "updated": result.updated,
        "removed": result.removed,
    }


OPS = ("add", "change", "delete")
PATHS = {"named": "app (upload / delete: only=[file])", "scan": "`rag index` (whole folder)"}


def _child_update(args: argparse.Namespace) -> dict:
    """Add, change, then delete the probe report, each a separate `build_index`, real model throughout: once naming
    the file (`only=`, as the app's upload and delete do) and once scanning the folder (as `python -m rag index`).
    The cycle `--repeats` times, the sizes taking turns within each repeat (so I/O and load noise hit all sizes, as
    for queries); per size and operation the run with the median time (a delete is ~0.02 s, mostly fsync)."""
    from rag.indexing.store import Index, build_index

    embeddings = _embeddings(False, False)
    embeddings.encode_passages(["预热 warm-up"])
    pairs = [_pair(spec) for spec in args.pairs]
    settings = {size: bench_settings(seeds, index) for size, seeds, index, _ in pairs}
    for s in settings.values():
        Index.open(s).store.vectors.count()  # as a serving process has it: the version in memory, Chroma up
        build_index(s, embeddings=embeddings)  # nothing changed: records the files' stamps, as any earlier run
    runs = {size: {way: {op: [] for op in OPS} for way in PATHS} for size in settings}
    reload_s: dict[str, list[float]] = {size: [] for size in settings}
    for _ in range(args.repeats):
        for way in PATHS:
            for size, s in settings.items():
                rows = runs[size][way]
                path = add_synthetic(s.seeds_dir, PROBE, city_every=CITY_EVERY)
                only = [path.relative_to(s.seeds_dir).as_posix()] if way == "named" else None
                rows["add"].append(_update_row(build_index(s, embeddings=embeddings, only=only)))
                perturb_report(path)
                rows["change"].append(_update_row(build_index(s, embeddings=embeddings, only=only)))
                path.unlink()
                rows["delete"].append(_update_row(build_index(s, embeddings=embeddings, only=only)))
                t = time.perf_counter()
                Index.open(s)
                reload_s[size].append(time.perf_counter() - t)
    return {
        size: {
            **{
                way: {
                    **{op: _median_run(r) for op, r in by_op.items()},
                    "runs": {op: [x["seconds"] for x in r] for op, r in by_op.items()},
                }
                for way, by_op in by_way.items()
            },
            "reload_after_update_s": round(sorted(reload_s[size])[len(reload_s[size]) // 2], 3),
        }
        for size, by_way in runs.items()
    }


def _median_run(rows: list[dict]) -> dict:
    return sorted(rows, key=lambda r: r["seconds"])[len(rows) // 2]


def _pair(spec: str) -> tuple[str, Path, Path, list[dict]]:
    """ "size:seeds:index:questions.json" -> its parts, the questions loaded."""
    size, seeds, index, questions = spec.split(":", 3)
    return size, Path(seeds), Path(index), json.loads(Path(questions).read_text(encoding="utf-8"))


def _ask_stats(rows: list[dict], seconds: list[float]) -> dict:
    """`Assistant.ask` p50/p95 over all the questions and per kind."""
    out = {"all": stats_ms(seconds)}
    for kind in sorted({r["kind"] for r in rows}):
        out[kind] = stats_ms([t for r, t in zip(rows, seconds, strict=True) if r["kind"] == kind])
    return out


def _child_query(args: argparse.Namespace) -> dict:
    from rag.answering.answer import Assistant
    from rag.answering.retrieval import Searcher

    embeddings = _embeddings(False, False)
    searchers, assistants, opened, rows = {}, {}, {}, {}
    for spec in args.pairs:
        size, seeds, index, rows[size] = _pair(spec)
        t = time.perf_counter()
        searchers[size] = Searcher(bench_settings(seeds, index), embeddings)
        searchers[size].search("预热 warm-up")
        opened[size] = round(time.perf_counter() - t, 2)
        assistants[size] = Assistant(searchers[size].settings, searchers[size])
        assistants[size].ask("预热 warm-up", mode="extractive")
    sizes = list(searchers)
    timings: dict[str, list[float]] = {s: [] for s in sizes}
    asks: dict[str, list[float]] = {s: [0.0] * len(rows[s]) * args.rounds for s in sizes}
    rng = random.Random(0)
    longest = max(len(r) for r in rows.values())
    for round_ in range(args.rounds):
        order = list(range(longest))
        rng.shuffle(order)
        for j, i in enumerate(order):
            for size in sizes[j % len(sizes) :] + sizes[: j % len(sizes)]:  # rotate so load noise hits all sizes
                if i >= len(rows[size]):
                    continue
                q = rows[size][i]["question"]
                forget_queries(embeddings)  # each call as a question asked first (no vector kept from before)
                t = time.perf_counter()
                searchers[size].search(q)
                timings[size].append(time.perf_counter() - t)
                forget_queries(embeddings)
                t = time.perf_counter()
                assistants[size].ask(q, mode="extractive")
                asks[size][round_ * len(rows[size]) + i] = time.perf_counter() - t
    recall = {
        s: _recall(searchers[s].index, embeddings, [r["question"] for r in rows[s]][:60], random.Random(1))
        for s in sizes
    }
    return {
        size: {
            "chunks": len(searchers[size].index.chunks),
            "questions": len(rows[size]),
            "open_s": opened[size],
            **stats_ms(t),
            "ask": _ask_stats(rows[size] * args.rounds, asks[size]),
            "recall_at_10": recall[size],
            "chroma_peak_rss_mib": chroma_peak_mib(searchers[size].settings.index_dir),
        }
        for size, t in timings.items()
    }


def _child_serve(args: argparse.Namespace) -> dict:
    """What the app holds at this size: model, index in memory, the size's questions answered (extractive)."""
    from rag.answering.answer import Assistant
    from rag.answering.retrieval import Searcher

    _, seeds, index, rows = _pair(args.pairs[0])
    settings = bench_settings(seeds, index)
    t = time.perf_counter()
    assistant = Assistant(settings, Searcher(settings, _embeddings(False, False)))
    assistant.ask("预热 warm-up", mode="extractive")
    ready_s = time.perf_counter() - t
    times = []
    for r in rows:
        t = time.perf_counter()
        assistant.ask(r["question"], mode="extractive")
        times.append(time.perf_counter() - t)
    return {"ready_s": round(ready_s, 2), "ask": _ask_stats(rows, times), "chroma_peak_rss_mib": chroma_peak_mib(index)}


def _child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=("build", "update", "query", "serve"))
    parser.add_argument("--seeds", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--pairs", nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--synthetic-misses", action="store_true")
    args = parser.parse_args(argv)
    phases = {"build": _child_build, "update": _child_update, "query": _child_query, "serve": _child_serve}
    print(RESULT + json.dumps(phases[args.phase](args), ensure_ascii=False), flush=True)
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


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, nargs="+", default=[5, 100, 1000])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the dev questions when timing queries")
    parser.add_argument("--synthetic-misses", action="store_true", help="random vectors for passages not cached")
    parser.add_argument("--repeats", type=int, default=3, help="add / change / delete cycles per size (median)")
    parser.add_argument("--real", type=Path, help="real reports first (../shared/corpus-large), synthetic for the rest")
    parser.add_argument(
        "--questions", type=Path, default=LARGE_QUESTIONS, help="with --real: questions asked (default: %(default)s)"
    )
    add_common_args(parser, "scale")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.reports))
    extra = ["--synthetic-misses"] if args.synthetic_misses else []

    rows = load_rows(args.questions) if args.real else []
    with workdir(args, "scale") as work:
        paths = {n: (work / f"seeds{n}", work / f"index{n}") for n in [1, *sizes]}
        build, size_mib, asked = {}, {}, {}
        for n, (seeds, index) in paths.items():
            asked[n] = work / f"questions{n}.json"
            asked[n].write_text(json.dumps(questions_for(rows, sized_corpus(seeds, n, args.real, rows))))
            _say(f"building {n} reports …")
            build[n] = run_phase("build", "--seeds", str(seeds), "--index", str(index), *extra)
            size_mib[n] = round(dir_size(index) / 2**20, 2)
            _say(f"built: {build[n]}")
        _say("timing queries …")
        pairs = {n: f"{n}:{paths[n][0]}:{paths[n][1]}:{asked[n]}" for n in [1, *sizes]}
        query = run_phase("query", "--pairs", *[pairs[n] for n in sizes], "--rounds", str(args.rounds))
        _say(f"serving {sizes[-1]} reports (app path) …")
        serve = run_phase("serve", "--pairs", pairs[sizes[-1]])
        _say("add / change / delete one report, sizes taking turns …")
        every = [pairs[n] for n in paths]
        update = {
            int(n): u
            for n, u in run_phase("update", "--pairs", *every, "--repeats", str(args.repeats)).items()
            if n.isdigit()
        }

    _report(sizes, build, size_mib, query, serve, update, args)
    return 0


def _cell(stats: dict | None) -> str:
    return f"{stats['p50_ms']} / {stats['p95_ms']} ({stats['n']})" if stats and stats.get("n") else ""


def _report(sizes, build, size_mib, query, serve, update, args) -> None:
    print("\n## Scale\n")
    rows = []
    for n in sizes:
        b, q = build[n], query[str(n)]
        rows.append(
            [
                n,
                b["chunks_total"],
                b["seconds"],
                b["vectors_cached"],
                b["vectors_model"],
                b["vectors_synthetic"],
                size_mib[n],
                b["peak_rss_mib"],
                q["open_s"],
                q["p50_ms"],
                q["p95_ms"],
                q["questions"],
                q["ask"]["all"]["p50_ms"],
                q["ask"]["all"]["p95_ms"],
                q["recall_at_10"]["whole"],
                q["recall_at_10"]["3 reports"],
                q["chroma_peak_rss_mib"],
            ]
        )
    print(
        md_table(
            [
                "reports",
                "passages",
                "build s (model load excl.)",
                "vectors cached",
                "by model",
                "synthetic",
                "index MiB",
                "build peak RSS MiB",
                "open s",
                "query p50 ms",
                "query p95 ms",
                "questions",
                "ask p50 ms",
                "ask p95 ms",
                "HNSW recall@10",
                "recall@10, 3 reports",
                "Chroma server peak RSS MiB",
            ],
            rows,
        )
    )
    kinds = sorted({k for n in sizes for k in query[str(n)]["ask"]} - {"all"})
    print("\n`Assistant.ask` p50 / p95 ms (n) per question kind, and in the app process at the largest size:\n")
    cells = [
        [kind, *[_cell(query[str(n)]["ask"].get(kind)) for n in sizes], _cell(serve["ask"].get(kind))]
        for kind in ["all", *kinds]
    ]
    print(md_table(["kind", *[f"{n} reports" for n in sizes], f"app, {sizes[-1]} reports"], cells))
    rows = []
    for way, label in PATHS.items():
        for n in [1, *sizes]:
            u = update[n][way]
            rows += [
                [
                    label,
                    n,
                    op,
                    u[op]["embedded"],
                    u[op]["seconds"],
                    u[op]["embed_seconds"],
                    u[op]["storage_seconds"],
                    u["runs"][op],
                ]
                for op in OPS
            ]
    print()
    header = [
        "path",
        "index of",
        "one report",
        "passages embedded",
        "update s (median)",
        "of which model s",
        "rest s",
        "all runs s",
    ]
    print(md_table(header, rows))
    checks = {}
    for way in PATHS:
        big, one = update[sizes[-1]][way], update[1][way]
        for op in OPS:
            checks[f"{way} {op}: ≤ own embedding + 2 s"] = big[op]["seconds"] <= big[op]["embed_seconds"] + 2
            ratio = round(big[op]["seconds"] / max(one[op]["seconds"], 1e-9), 2)
            checks[f"{way} {op}: ≤ 1.5 × at 1 report ({ratio})"] = ratio <= 1.5
    ratio = round(query[str(sizes[-1])]["p95_ms"] / query[str(sizes[0])]["p95_ms"], 2)
    checks[f"query p95 at {sizes[-1]} ≤ 1.5 × at {sizes[0]} ({ratio})"] = ratio <= 1.5
    checks[f"app peak RSS at {sizes[-1]} < 2 GiB ({serve['peak_rss_mib']} MiB)"] = serve["peak_rss_mib"] < 2048
    print(
        f"\napp path at {sizes[-1]} reports: ready in {serve['ready_s']} s, ask p50/p95 "
        f"{serve['ask']['all']['p50_ms']}/{serve['ask']['all']['p95_ms']} ms, peak RSS {serve['peak_rss_mib']} MiB "
        f"(+ Chroma server {serve['chroma_peak_rss_mib']} MiB)"
    )
    print("\n" + "\n".join(f"- {k}: {'OK' if v else 'FAIL'}" for k, v in checks.items()))
    write_json(
        args.out,
        {
            "machine": machine(),
            "sizes": sizes,
            "questions": str(args.questions) if args.real else "eval/dev.jsonl + eval/corpus.jsonl",
            "build": build,
            "index_mib": size_mib,
            "query": query,
            "serve": serve,
            "update": update,
            "checks": checks,
        },
    )


if __name__ == "__main__":
    raise SystemExit(main())
