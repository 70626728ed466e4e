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


def main(argv: list[str] | None = None) -> int:
    from bench.large_eval import main as large_main

    return large_main(argv)


if __name__ == "__main__":
    sys.exit(main())
