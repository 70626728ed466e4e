"""Question sets over ../shared/corpus-large (issue 18), each measured on a fresh index of exactly the reports it cites.

For a question file, the reports its rows name (`doc` and `docs`, written corpus-large/<file>) are copied into
bench/out/issue-18q/<set>/docs/corpus-large/ with no manifest (place, level and year are detected from the text, as
for a user's upload) and indexed from scratch into bench/out/issue-18q/<set>/index, passage vectors taken from the
shared cache (bench.embed_cache.CachedEmbeddings; a passage not in it is embedded by the model). Every question is
then answered (extractive) and scored as `rag eval` scores it (bench.corpus_eval.outcome_of), and the
quote-the-best-sentence baseline (bench.quote_baseline) is scored on the very passages that answer retrieved.

    .venv/bin/python -m bench.large_eval eval/large_dev.jsonl
    .venv/bin/python -m bench.large_eval eval/large_holdout.jsonl     # first contact and final report only
    .venv/bin/python -m bench.large_eval --all-reports eval/large_holdout.jsonl   # the same among all 347 reports

Per kind: hit@5 / MRR@10 (the question's evidence among the retrieved passages), answer accuracy (answered and every
must_contain in the answer), unanswerable questions refused, false refusals, answers stating a number absent from the
passages they cite; quote@1 / quote@3: answerable questions whose best sentence / best three sentences hold every
must_contain. Each question's answer and quotes go to bench/out/issue-18q/<set>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from bench.common import OUT, bench_settings, machine, md_table, write_json
from bench.corpus_eval import ask_all, by_type
from bench.quote_baseline import Recorder, with_quotes, worse_than_quoting
from rag.config import ROOT
from rag.evaluate import load_questions

sys.path.insert(0, str(ROOT / "eval"))
from check import LARGE_PREFIX, large_corpus_dir

WORK = OUT / "issue-18q"


def cited_reports(rows: list[dict]) -> list[str]:
    """The corpus-large file names a question set cites, sorted; ValueError for a row citing anything else."""
    docs = {d for r in rows for d in [r.get("doc", ""), *r.get("docs", [])] if d}
    other = sorted(d for d in docs if not d.startswith(LARGE_PREFIX))
    if other:
        raise ValueError(f"not corpus-large reports: {other}")
    return sorted(d.removeprefix(LARGE_PREFIX) for d in docs)


def assemble(dest: Path, names: list[str], large: Path) -> None:
    """Fill `dest` afresh with the named reports under corpus-large/, so their doc ids are the questions' `doc`s."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / LARGE_PREFIX).mkdir(parents=True)
    for name in names:
        shutil.copy2(large / name, dest / LARGE_PREFIX / name)


def build(settings) -> dict:
    """A fresh index of settings.seeds_dir with cached passage vectors; its figures."""
    from bench.embed_cache import CachedEmbeddings, EmbeddingCache
    from rag.indexing.embeddings import get_embeddings
    from rag.indexing.store import build_index

    embeddings = CachedEmbeddings(get_embeddings(settings), EmbeddingCache(), store_misses=True)
    started = time.perf_counter()
    result = build_index(settings, rebuild=True, embeddings=embeddings)
    return {
        "summary": result.summary(),
        "seconds": round(time.perf_counter() - started, 1),
        "cached_vectors": embeddings.hits,
        "embedded_now": embeddings.misses,
    }


def measure(path: Path, large: Path, whole: bool = False) -> dict:
    """Index the set's reports afresh (or, `whole`, every report of corpus-large: accuracy at scale), ask every
    question, and score answers and quotes."""
    from rag.indexing.embeddings import get_embeddings

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    names = sorted(p.name for p in large.glob("*.txt")) if whole else cited_reports(rows)
    work = WORK / (f"{path.stem}-all" if whole else path.stem)
    settings = bench_settings(work / "docs", work / "index")
    assemble(settings.seeds_dir, names, large)
    built = build(settings)
    print(f"{path.name}: {len(rows)} questions, {len(names)} reports -> {built}", flush=True)
    recorder = Recorder(get_embeddings(settings))
    started = time.perf_counter()
    outcomes = ask_all(settings, rows, load_questions(path), each=recorder)
    details = recorder.scored(outcomes)
    table = with_quotes(by_type(outcomes), outcomes, recorder.quotes)
    return {
        "reports": names,
        "index": built,
        "ask_seconds": round(time.perf_counter() - started, 1),
        "table": table,
        "questions": details,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path, help="question files over corpus-large")
    parser.add_argument("--all-reports", action="store_true", help="index all of corpus-large, not the set's reports")
    args = parser.parse_args(argv)
    large = large_corpus_dir()
    if large is None:
        print("找不到 ../shared/corpus-large（set REPORTQA_SHARED_CORPUS_LARGE）", file=sys.stderr)
        return 2
    for path in args.sets:
        result = measure(path, large, args.all_reports)
        table = result["table"]
        print(f"\n### {path.name}\n")
        print(md_table(["type", *next(iter(table.values())).keys()], [[t, *v.values()] for t, v in table.items()]))
        print(worse_than_quoting(table))
        write_json(
            WORK / f"{path.stem}{'-all' if args.all_reports else ''}.json",
            {"machine": machine(), "set": str(path)} | result,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
