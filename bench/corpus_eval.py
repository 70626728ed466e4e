"""The development corpus in one index: seeds + ../shared/corpus (18 政府工作报告) + eval/reports (real 街道/镇 reports),
and question sets measured over it, per question type.

The three sources are copied side by side into one folder (default bench/out/corpus-docs), so each report's doc id is
the name the question files use (see eval/check.py): seeds by bare file name with their manifest.csv, the shared
reports as corpus/<file>, the collected reports as reports/<file>. Only the seeds have manifest rows: every other
report's place, level and year must be detected from its text, as for a user's upload.

    .venv/bin/python -m bench.corpus_eval                          # assemble + build bench/out/corpus-index
    .venv/bin/python -m bench.corpus_eval --eval eval/corpus.jsonl eval/corpus_holdout.jsonl
    .venv/bin/python -m rag eval eval/corpus.jsonl --index bench/out/corpus-index    # the same, overall only

Per type it reports hit@5 / MRR@10 (the question's `evidence` found in the retrieved passages, as `rag eval`),
answer accuracy (answered and every `must_contain` in the answer), refusals of unanswerable questions, false
refusals, and answers stating a number that is not in a passage they cite; beside accuracy, quote@1 / quote@3 of
the quote-the-best-sentence baseline (bench.quote_baseline) on the same retrieved passages, and a line naming every
kind where the answer layer is worse than quoting (accuracy < quote@1). Per-question answers go to the JSON file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import OUT, bench_settings, machine, md_table, write_json
from rag.config import ROOT
from rag.evaluate import evidence_rank, holds_all, load_questions

sys.path.insert(0, str(ROOT / "eval"))
from check import REPORTS_PREFIX, SHARED_PREFIX, report_files, shared_corpus_dir

MANIFEST = "manifest.csv"


def assemble(dest: Path, shared: Path) -> dict[str, int]:
    """Fill `dest` afresh with the three sources; returns how many reports came from each."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / SHARED_PREFIX).mkdir(parents=True)
    (dest / REPORTS_PREFIX).mkdir(parents=True)
    seeds = report_files(ROOT / "seeds")
    for path in seeds:
        shutil.copy2(path, dest / path.name)
    shutil.copy2(ROOT / "seeds" / MANIFEST, dest / MANIFEST)  # seed rows only: the rest go undescribed
    corpus = report_files(shared)
    for path in corpus:
        shutil.copy2(path, dest / SHARED_PREFIX / path.name)
    reports = report_files(ROOT / "eval" / "reports")
    for path in reports:
        shutil.copy2(path, dest / REPORTS_PREFIX / path.name)
    return {"seeds": len(seeds), "corpus": len(corpus), "reports": len(reports)}


@dataclass
class Outcome:
    """One question's result."""

    type: str
    unanswerable: bool
    rank: int | None  # evidence rank among retrieved passages; None when not found or no evidence
    has_evidence: bool
    answered: bool
    correct: bool
    unsupported: bool  # states a number absent from the passages it cites


def outcome_of(row: dict, q, a) -> Outcome:
    """Score one answer as `rag eval` does (evidence rank among the retrieved passages, every `must_contain` in an
    answered text), and check its numbers against the passages it cites."""
    from rag.answering.verify import citations_in, unsupported_numbers

    answered = a.status == "answered"
    cited = [a.sources[n - 1].hit.chunk.cited_text for n in citations_in(a.text) if 1 <= n <= len(a.sources)]
    return Outcome(
        type=row.get("type", "?"),
        unanswerable=q.unanswerable,
        rank=evidence_rank(q.evidence, [h.chunk.text for h in a.retrieved]) if q.evidence else None,
        has_evidence=bool(q.evidence),
        answered=answered,
        correct=answered and holds_all(a.text, q.must_contain),
        unsupported=answered and bool(unsupported_numbers(a.text, cited) or a.unverified_numbers),
    )


def ask_all(settings, rows: list[dict], questions, each: Callable | None = None) -> list[Outcome]:
    """Ask every question (extractive mode); `each(row, question, answer)` sees every answer as it comes."""
    from rag.answering.answer import Assistant

    assistant = Assistant(settings)
    outcomes = []
    for row, q in zip(rows, questions, strict=True):
        a = assistant.ask(q.question, mode="extractive")
        outcomes.append(outcome_of(row, q, a))
        if each is not None:
            each(row, q, a)
    return outcomes


def share(hits: int, n: int) -> float | None:
    return round(hits / n, 3) if n else None


def summarise(outcomes: list[Outcome]) -> dict:
    with_ev = [o for o in outcomes if o.has_evidence]
    answerable = [o for o in outcomes if not o.unanswerable]
    unanswerable = [o for o in outcomes if o.unanswerable]
    return {
        "n": len(outcomes),
        "hit@5": share(sum(o.rank is not None and o.rank <= 5 for o in with_ev), len(with_ev)),
        "mrr@10": share(sum(1 / o.rank for o in with_ev if o.rank and o.rank <= 10), len(with_ev)),
        "accuracy": share(sum(o.correct for o in answerable), len(answerable)),
        "refused": f"{sum(not o.answered for o in unanswerable)}/{len(unanswerable)}" if unanswerable else "",
        "false_refusals": sum(not o.answered for o in answerable),
        "unsupported_numbers": sum(o.unsupported for o in outcomes),
    }


def by_type(outcomes: list[Outcome]) -> dict[str, dict]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.type].append(o)
    return {t: summarise(g) for t, g in sorted(groups.items())} | {"all": summarise(outcomes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=Path, default=OUT / "corpus-docs", help="assembled reports folder")
    parser.add_argument("--index", type=Path, default=OUT / "corpus-index", help="index folder")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index from scratch")
    parser.add_argument("--eval", nargs="*", type=Path, default=[], help="question files to measure")
    parser.add_argument("--out", type=Path, default=OUT / "corpus_eval.json", help="JSON results file")
    args = parser.parse_args(argv)

    from rag.cli import _progress_printer
    from rag.indexing.store import build_index

    shared = shared_corpus_dir()
    if shared is None:
        print("找不到共享语料 ../shared/corpus（shared corpus not found; set REPORTQA_SHARED_CORPUS）", file=sys.stderr)
        return 2
    counts = assemble(args.docs, shared)
    settings = bench_settings(args.docs, args.index)
    built = build_index(settings, rebuild=args.rebuild, progress=_progress_printer())
    print(f"{counts} -> {built.summary()}\nindex: {args.index}")
    results: dict = {"machine": machine(), "reports": counts, "index": str(args.index), "sets": {}, "questions": {}}
    from bench.quote_baseline import Recorder, with_quotes, worse_than_quoting
    from rag.indexing.embeddings import get_embeddings

    embeddings = get_embeddings(settings)
    for path in args.eval:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        recorder = Recorder(embeddings)
        outcomes = ask_all(settings, rows, load_questions(path), each=recorder)
        table = with_quotes(by_type(outcomes), outcomes, recorder.quotes)
        results["sets"][path.name] = table
        results["questions"][path.name] = recorder.scored(outcomes)
        print(f"\n### {path.name}\n")
        print(md_table(["type", *next(iter(table.values())).keys()], [[t, *v.values()] for t, v in table.items()]))
        print(worse_than_quoting(table))
    write_json(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
