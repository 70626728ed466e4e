"""The fitting routines of bench.fit_quote_model (plain numpy): they recover what labelled examples say, and the
runtime reads the weights they write (rag/answering/quote_model.json)."""

from __future__ import annotations

import json

import numpy as np

from bench.fit_quote_model import fit_logistic, fit_ranker, fit_threshold, probability, ranked_groups, top1
from rag.answering.extractive import MODEL, SENTENCE_FEATURES, sentence_weights
from rag.answering.quoting import FEATURES


def test_the_ranker_learns_which_feature_marks_the_right_sentence():
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(60):  # the right sentence holds feature 1 ("definition"), feature 0 is noise
        x = np.column_stack([rng.random(6), np.zeros(6)])
        right = rng.integers(6)
        x[right, 1] = 1.0
        groups.append((x, np.arange(6) == right))
    w = fit_ranker(groups, ("noise", "definition"))
    assert w[1] > 2 and abs(w[0]) < w[1] / 2
    examples = [
        {"unanswerable": False, "sentences": [{"x": list(r), "ok": bool(o)} for r, o in zip(x, ok, strict=True)]}
        for x, ok in groups
    ]
    assert top1(examples, w) == (60, 60)
    unanswerable = {"unanswerable": True, "sentences": examples[0]["sentences"]}
    assert len(ranked_groups([*examples, unanswerable])) == 60  # an unanswerable question teaches no ranking


def test_the_logistic_fit_separates_and_the_threshold_refuses_every_unanswerable():
    x = np.array([[0.1], [0.2], [0.3], [0.7], [0.8], [0.9], [0.65]])
    y = np.array([0, 0, 0, 1, 1, 1, 0], dtype=float)
    coef, intercept = fit_logistic(np.repeat(x, 20, axis=0), np.repeat(y, 20))  # 140 examples: the penalty is small
    p = probability(x, coef, intercept)
    assert coef[0] > 0 and p[5] > 0.5 > p[0]
    unanswerable = np.array([False, False, False, False, False, False, True])
    threshold = fit_threshold(p, unanswerable)
    assert threshold > p[6] and threshold >= 0.5
    assert fit_threshold(np.array([0.2, 0.9]), np.array([True, False])) == 0.5


def test_the_runtime_reads_every_weight_the_fit_writes():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    assert set(model["sentence"]["weights"]) == set(SENTENCE_FEATURES)
    assert set(sentence_weights()) == set(SENTENCE_FEATURES)
    assert tuple(model["features"]) == FEATURES and set(model["coefficients"]) == set(FEATURES)
    assert 0.5 <= model["threshold"] < 1


def test_the_quote_model_weighs_the_sentence_scorers_features():
    """The refusal model reads what the sentence scorer sees: an aim stated where a target is asked raises the
    probability that the best sentence answers (fitted coefficient), other scores equal."""
    from rag.answering.quoting import Candidate, confidence

    plain = Candidate(span=None, cosine=0.9, overlap=0.5, coverage=0.6, margin=0.1)
    with_aim = Candidate(span=None, cosine=0.9, overlap=0.5, coverage=0.6, margin=0.1, aim=1.0)
    assert confidence(with_aim) > confidence(plain)
    assert set(plain.features()) == set(FEATURES) and with_aim.features()["aim"] == 1.0
