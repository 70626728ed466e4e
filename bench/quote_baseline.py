"""The naive reader the answer layer must never lose to: quote the best sentence(s) of the retrieved passages.

On the passages a question retrieved (the same ones the answer layer read), every sentence is scored by the retrieval
model's cosine to the question (question as a query, sentence as a passage, as e5 was trained) plus the share of the
question's character bigrams it holds; the best one, and the best three, are "quoted". A quote is right when it holds
every `must_contain` of the question (the same whitespace-insensitive rule as `rag eval`). It never refuses, so it
has no figure for unanswerable questions. The two scores are added with equal weight: it is a baseline, not a model.

    .venv/bin/python -m bench.quote_baseline eval/large_dev.jsonl     # = python -m bench.large_eval (both columns)
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from rag.evaluate import holds_all
from rag.text.sentences import sentence_spans

MIN_SENTENCE = 6  # shorter pieces are headings' numbers or stray marks, not sentences one could quote


def bigrams(text: str) -> set[str]:
    """Character bigrams of the letters and digits of a text (CJK characters count as letters); lower-cased."""
    kept = [c.lower() for c in text if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(kept)}


def overlap(question: str, sentence: str) -> float:
    """Share of the question's bigrams that the sentence holds (0 for a question with none)."""
    wanted = bigrams(question)
    return len(wanted & bigrams(sentence)) / len(wanted) if wanted else 0.0


def sentences(passages: Sequence[str]) -> list[str]:
    """The sentences of the passages, in order, each once."""
    seen: dict[str, None] = {}
    for text in passages:
        for start, end in sentence_spans(text, quotes=True):
            piece = text[start:end].strip()
            if len(piece) >= MIN_SENTENCE:
                seen.setdefault(piece, None)
    return list(seen)


def best_sentences(question: str, passages: Sequence[str], embeddings, k: int = 3) -> list[str]:
    """The k best-scoring sentences of the passages, best first."""
    pool = sentences(passages)
    if not pool:
        return []
    cosines = embeddings.encode_passages(pool) @ embeddings.encode_query(question)
    scores = [float(c) + overlap(question, s) for c, s in zip(cosines, pool, strict=True)]
    order = sorted(range(len(pool)), key=lambda i: -scores[i])
    return [pool[i] for i in order[:k]]


@dataclass
class Quote:
    """One question's baseline result: the best sentence and the best three, and whether each holds the answer."""

    top1: str
    top3: list[str]
    correct1: bool
    correct3: bool


def quote(question: str, must_contain: Sequence[str], passages: Sequence[str], embeddings) -> Quote:
    top = best_sentences(question, passages, embeddings, k=3)
    must = tuple(must_contain)
    first = top[0] if top else ""
    return Quote(
        top1=first,
        top3=top,
        correct1=bool(must) and bool(top) and holds_all(first, must),
        correct3=bool(must) and bool(top) and holds_all("\n".join(top), must),
    )


class Recorder:
    """Sees every answer of an eval run (bench.corpus_eval.ask_all's `each`): quotes the passages it retrieved and
    keeps one detail row per question."""

    def __init__(self, embeddings) -> None:
        self.embeddings = embeddings
        self.quotes: list[Quote | None] = []
        self.details: list[dict] = []

    def __call__(self, row: dict, q, answer) -> None:
        passages = [h.chunk.text for h in answer.retrieved]
        baseline = None if q.unanswerable else quote(q.question, q.must_contain, passages, self.embeddings)
        self.quotes.append(baseline)
        self.details.append(
            {
                "question": q.question,
                "type": row.get("type"),
                "must_contain": list(q.must_contain),
                "status": answer.status,
                "answer": answer.text,
                "retrieved": [h.chunk.doc_id for h in answer.retrieved],
                "quote": baseline.top1 if baseline else None,
                "quote_ok": (baseline.correct1, baseline.correct3) if baseline else None,
            }
        )

    def scored(self, outcomes: list) -> list[dict]:
        """The detail rows with each question's outcome."""
        for detail, o in zip(self.details, outcomes, strict=True):
            detail |= {"correct": o.correct, "evidence_rank": o.rank, "unsupported": o.unsupported}
        return self.details


def with_quotes(table: dict[str, dict], outcomes: list, quotes: list[Quote | None]) -> dict[str, dict]:
    """The per-kind table (bench.corpus_eval.by_type) with the baseline's columns beside the answer layer's accuracy;
    `outcomes` and `quotes` are per question, in order (no quote for an unanswerable question)."""
    for kind, row in table.items():
        picked = [q for o, q in zip(outcomes, quotes, strict=True) if kind in ("all", o.type) and q is not None]
        figures = {
            "quote@1": round(sum(q.correct1 for q in picked) / len(picked), 3) if picked else None,
            "quote@3": round(sum(q.correct3 for q in picked) / len(picked), 3) if picked else None,
        }
        at = list(row).index("accuracy") + 1
        items = list(row.items())
        table[kind] = dict(items[:at] + list(figures.items()) + items[at:])
    return table


def worse_kinds(table: dict[str, dict]) -> list[str]:
    """The kinds where the answer layer's accuracy is below quote@1: where it is worse than quoting."""
    return [
        kind
        for kind, row in table.items()
        if kind != "all" and row.get("accuracy") is not None and row.get("quote@1") is not None
        if row["accuracy"] < row["quote@1"]
    ]


def worse_than_quoting(table: dict[str, dict]) -> str:
    """One line saying which kinds the answer layer answers worse than quoting its best sentence, if any."""
    worse = worse_kinds(table)
    if not worse:
        return "never worse than quoting: accuracy >= quote@1 on every kind"
    rows = ", ".join(f"{k} ({table[k]['accuracy']} < {table[k]['quote@1']})" for k in worse)
    return f"WORSE THAN QUOTING (accuracy < quote@1): {rows}"


def main(argv: list[str] | None = None) -> int:
    from bench.large_eval import main as large_main

    return large_main(argv)


if __name__ == "__main__":
    sys.exit(main())
