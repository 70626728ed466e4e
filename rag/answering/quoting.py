"""Never worse than quoting: when neither the indicator table nor the term-coverage quote answers, the sentence of
the retrieved passages that is closest to the question, in meaning (the retrieval model's cosine, question as a
query and sentence as a passage) and in characters (the share of the question's character bigrams it holds), is
quoted — when a small fitted model finds it likely to answer.

The model is a logistic regression over a few scores of that best sentence (FEATURES: closeness, its lead over the
next sentence, and what the sentence scorer of rag.answering.extractive also weighs: the metric asked named, the term
asked defined, an aim for a target asked, the year asked stated), fitted on the development questions by
`bench/fit_quote_model.py` (answerable questions whose best sentence holds the answer are the positives; unanswerable
ones and misses the negatives). Its coefficients and its refusal threshold live in `quote_model.json` beside this
file: the threshold is fitted too (the lowest probability, at least .5, at which no unanswerable development question
the answer layer would quote is answered).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rag.answering.corpus import Corpus
from rag.answering.extractive import (
    Meaning,
    Span,
    asks_number,
    coverage,
    gives_figure,
    growth_for_amount,
    has_unit_asked,
    sentence_features,
    sentences,
    states_aim,
)
from rag.answering.query import Query, asks_target
from rag.answering.retrieval import Hit, place_aliases
from rag.answering.years import one_year_figure
from rag.text.periods import multi_year

MODEL = Path(__file__).with_name("quote_model.json")
FEATURES = ("cosine", "overlap", "coverage", "margin", "metric", "definition", "aim", "year")
QUOTE_HITS = 5  # the sentences of this many top passages (in scope) are read
MIN_SENTENCE = 6  # shorter pieces are headings' numbers or stray marks
SENTENCE_CHARS = 160  # a sentence is compared by its first characters (long list sentences)


@dataclass(frozen=True)
class Candidate:
    span: Span
    cosine: float
    overlap: float
    coverage: float
    margin: float = 0.0  # how far its combined score leads the next sentence's
    metric: float = 0.0  # names the question's metric (any written form)
    definition: float = 0.0  # defines the term asked ("…是指", "…包括")
    aim: float = 0.0  # a target asked, and the sentence states an aim (in it, its sentence, section or plan part)
    year: float = 0.0  # a year asked, and the sentence states it

    @property
    def score(self) -> float:
        return self.cosine + self.overlap

    def features(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in FEATURES}


def bigrams(text: str) -> set[str]:
    """Character bigrams of the letters and digits of a text (CJK characters count as letters), lower-cased."""
    kept = [c.lower() for c in text if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(kept)}


def overlap(asked: set[str], sentence: str) -> float:
    return len(asked & bigrams(sentence)) / len(asked) if asked else 0.0


def _asked_text(query: Query) -> str:
    """The question less the places it names: they pick the report, the sentence rarely repeats them."""
    text = query.text
    for name in sorted({a for s in query.places for a in place_aliases(s)}, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def candidates(query: Query, corpus: Corpus, hits: list[Hit], scope: set[str], meaning: Meaning) -> list[Candidate]:
    """The sentences that could answer, best first: of the first QUOTE_HITS passages in scope, those holding the kind
    of figure asked (a number, the unit asked) and not stating only other years than the one asked."""
    pool: dict[tuple[str, int], Span] = {}
    for hit in [h for h in hits if h.chunk.doc_id in scope][:QUOTE_HITS]:
        for span in sentences(hit):
            if len(span.text) >= MIN_SENTENCE:
                pool.setdefault((span.doc_id, span.start), span)
    spans = [s for s in pool.values() if _fits(s, query, corpus)]
    if not spans:
        return []
    cosines = meaning([s.text[:SENTENCE_CHARS] for s in spans])
    asked = bigrams(_asked_text(query))
    found = [
        Candidate(
            s,
            float(c),
            overlap(asked, s.text),
            coverage(s.text, query.terms, corpus, query)[0],
            0.0,
            *_kind(s, query, corpus),
        )
        for s, c in zip(spans, cosines, strict=True)
    ]
    found.sort(key=lambda c: -c.score)
    if len(found) >= 2:
        found[0] = Candidate(**{**found[0].__dict__, "margin": found[0].score - found[1].score})
    return found


def _kind(span: Span, query: Query, corpus: Corpus) -> tuple[float, float, float, float]:
    """What the sentence is, as the sentence scorer reads it (extractive.sentence_features): metric, definition,
    aim (for a target asked), year."""
    x = sentence_features(span, query, corpus, 0)
    aim = asks_target(query.text) and states_aim(span, corpus)
    return x["metric"], x["definition"], float(aim), x["year"]


def _fits(span: Span, query: Query, corpus: Corpus) -> bool:
    if asks_number(query) and not gives_figure(span.text, query):
        return False
    if growth_for_amount(span.text, query):
        return False
    if not has_unit_asked([span], query):
        return False
    if not query.years or multi_year(query.text):
        return True
    return one_year_figure(corpus, span.doc_id, span.start, span.end, query.years, query.facet != "value")


@cache
def _model() -> dict:
    with open(MODEL, encoding="utf-8") as handle:
        return json.load(handle)


def confidence(candidate: Candidate) -> float:
    """The fitted probability that the sentence answers the question."""
    model = _model()
    x = candidate.features()
    z = model["intercept"] + sum(model["coefficients"][name] * x[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-z))


def best_quote(query: Query, corpus: Corpus, hits: list[Hit], scope: set[str], meaning: Meaning) -> Span | None:
    """The sentence to quote, or None when the best one is not likely enough to answer."""
    found = candidates(query, corpus, hits, scope, meaning)
    if not found or confidence(found[0]) < _model()["threshold"]:
        return None
    return found[0].span
