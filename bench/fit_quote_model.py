"""Fit the answer layer's two small models on labelled development questions; check them on held-out ones.

Both are written to rag/answering/quote_model.json; the runtime only reads that file.

1. **The sentence model** (rag.answering.extractive: SENTENCE_FEATURES, `sentence_features`, `score_span`): a
   sentence's score is a weighted sum of its features (share of the question's terms, passage rank or rescued
   (scope.rescue's passages come after every retrieved one but are not ranked: not charged for it), metric named,
   figure/unit of the kind asked, amount asked but only a change stated, forecast or aim not asked, rank, definition
   of the term asked, stretch of years as asked, year asked stated, the report's year, length). The weights are a
   conditional logit (a softmax over the candidate sentences of one question): for every answerable Chinese
   question, the sentences of its retrieved passages that `extractive.select` may choose are the candidates and
   those holding every `must_contain` (the `rag eval` rule) the right ones. The fitted weights are scaled so that
   term coverage weighs 1 (the scale the answer layer's "score > 0" test reads).
2. **The quote model** (rag.answering.quoting): a logistic regression over the features of the best candidate
   sentence of the quote fallback (quoting.FEATURES); positive when it holds every `must_contain`, negative for an
   unanswerable question or a miss. Its refusal threshold is fitted too: the lowest probability at which no
   unanswerable question of the fitting sets is answered (and at least .5) — of those the answer layer would quote
   at all (not refused from the question alone, `drafts.quote_draft` finds the figure and aim asked, and the quote
   is about the place the question names).

Both are plain numpy (Newton steps on an L2-penalised log-likelihood): no scikit-learn at run time or here.
Per-question features are cached in bench/out/fit/<set>.json (`--fresh` recomputes them after a feature change).
`--check` sets are scored, never fitted on; the new blind set (large_holdout3) is refused outright.

    .venv/bin/python -m bench.fit_quote_model \\
        --fit eval/large_dev.jsonl=bench/out/issue-18q/large_dev/index \\
              eval/large_holdout.jsonl=bench/out/issue-18q/large_holdout/index \\
              eval/corpus.jsonl=bench/out/corpus-index eval/dev.jsonl=bench/out/corpus-index \\
        --check eval/large_holdout2.jsonl=bench/out/issue-18q/large_holdout2/index \\
              eval/corpus_holdout.jsonl=bench/out/corpus-index eval/holdout.jsonl=bench/out/corpus-index
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.common import OUT
from rag.config import Settings
from rag.evaluate import holds_all

NEVER = ("large_holdout3",)  # the blind set: never run, never fitted on
CACHE = OUT / "fit"
L2 = 1.0  # penalty on the weights (not the intercept), as scikit-learn's C=1


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def examples_of(questions: Path, index: Path) -> list[dict]:
    """Per question: the features of every sentence `extractive.select` may choose (and whether it holds the
    answer), and of the quote fallback's best candidate. The answer engine's own first steps run (understanding,
    scope, retrieval, rescue), as `Assistant._extractive_answer` does."""
    from rag.answering.answer import Assistant
    from rag.answering.drafts import quote_draft
    from rag.answering.extractive import SENTENCE_FEATURES, _may_answer, sentence_features, sentences
    from rag.answering.named_places import strangers
    from rag.answering.query import understand
    from rag.answering.quoting import FEATURES, candidates
    from rag.answering.retrieval import Filters
    from rag.answering.scope import refusal, rescue, resolve_scope

    assistant = Assistant(replace(Settings.from_env(), index_dir=index, chroma_host=None))
    corpus = assistant.corpus()
    out: list[dict] = []
    for row in rows_of(questions):
        text, must = row["question"], tuple(row.get("must_contain") or ())
        unanswerable = bool(row.get("unanswerable"))
        query = understand(text, assistant.searcher.analyze(text), corpus.index.place_names())
        scope, narrowed = resolve_scope(query, corpus, Filters())
        example: dict = {"question": text, "type": row.get("type"), "unanswerable": unanswerable}
        if scope:
            hits = assistant._retrieve(query, scope, narrowed, None, assistant.settings.k)
            pool = hits + rescue(query, corpus, hits, scope)
            rows = [
                ([sentence_features(span, query, corpus, i)[f] for f in SENTENCE_FEATURES], span)
                for i, hit in enumerate(pool)
                if hit.chunk.doc_id in scope
                for span in sentences(hit)
            ]
            example["english"] = query.english
            example["sentences"] = [
                {"x": x, "ok": bool(must) and not unanswerable and holds_all(span.text, must)}
                for x, span in rows
                if _may_answer(span, query, corpus)
            ]
            found = candidates(query, corpus, hits, set(scope), assistant._meaning(text))
            if found:
                best = found[0]
                ok = bool(must) and not unanswerable and holds_all(best.span.text, must)
                # would the answer layer quote it at all: not refused from the question alone, the quote holds what
                # is asked (figure, unit, an aim of the year asked) and is about the place the question names (as
                # Assistant._extractive_answer checks): only these need the model to refuse
                draft = quote_draft(query, corpus, [best.span]) if refusal(query, corpus, scope) is None else None
                reached = draft is not None and (bool(query.places) or not strangers(draft, query, corpus))
                example["quote"] = {"x": [best.features()[f] for f in FEATURES], "ok": ok, "reached": reached}
        out.append(example)
    return out


def cached_examples(questions: Path, index: Path, fresh: bool) -> list[dict]:
    path = CACHE / f"{questions.stem}.json"
    if path.exists() and not fresh:
        return json.loads(path.read_text(encoding="utf-8"))
    examples = examples_of(questions, index)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(examples, ensure_ascii=False), encoding="utf-8")
    return examples


# ------------------------------------------------------------------------------------------------ the sentence model


def ranked_groups(examples: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(features, right) of each answerable Chinese question with a right and a wrong candidate: what a ranking
    learns from (English questions add closeness in meaning on top, extractive.with_meaning)."""
    groups = []
    for e in examples:
        cands = e.get("sentences") or []
        ok = np.array([c["ok"] for c in cands], dtype=bool)
        if e["unanswerable"] or e.get("english") or not ok.any() or ok.all():
            continue
        groups.append((np.array([c["x"] for c in cands], dtype=float), ok))
    return groups


def fit_ranker(groups: list[tuple[np.ndarray, np.ndarray]], features: tuple[str, ...], steps: int = 50) -> np.ndarray:
    """Conditional logit: maximise sum over questions of log P(a right sentence) with P = softmax of x·w over the
    question's candidates; L2 penalty; Newton steps."""
    w = np.zeros(len(features))
    for _ in range(steps):
        grad, hess = -L2 * w, -L2 * np.eye(len(w))
        for x, ok in groups:
            s = x @ w
            p_all = np.exp(s - s.max())
            p_all /= p_all.sum()
            p_ok = np.where(ok, p_all, 0.0)
            p_ok /= p_ok.sum()
            mean_all, mean_ok = p_all @ x, p_ok @ x
            grad += mean_ok - mean_all
            cov_all = (x * p_all[:, None]).T @ x - np.outer(mean_all, mean_all)
            cov_ok = (x * p_ok[:, None]).T @ x - np.outer(mean_ok, mean_ok)
            hess += cov_ok - cov_all
        step = np.linalg.solve(hess - 1e-6 * np.eye(len(w)), grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def top1(examples: list[dict], weights: np.ndarray) -> tuple[int, int]:
    """Answerable Chinese questions whose best-scoring candidate holds the answer, of those with any candidate."""
    right = n = 0
    for e in examples:
        cands = e.get("sentences") or []
        if e["unanswerable"] or e.get("english") or not cands:
            continue
        x = np.array([c["x"] for c in cands], dtype=float)
        n += 1
        right += bool(cands[int(np.argmax(x @ weights))]["ok"])
    return right, n


# ------------------------------------------------------------------------------------------------ the quote model


def quote_data(examples: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Of each best candidate: features, right or not, unanswerable, and whether the answer layer would quote it
    unless the model refuses (not refused from the question alone, and the quote holds the kind of figure asked)."""
    rows = [e for e in examples if "quote" in e]
    x = np.array([e["quote"]["x"] for e in rows], dtype=float).reshape(len(rows), -1)
    y = np.array([e["quote"]["ok"] for e in rows], dtype=float)
    unanswerable = np.array([e["unanswerable"] for e in rows], dtype=bool)
    reached = np.array([e["quote"].get("reached", True) for e in rows], dtype=bool)
    return x, y, unanswerable, reached


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 100) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression (intercept not penalised), Newton steps."""
    a = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(a.shape[1])
    penalty = L2 * np.eye(a.shape[1])
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) + penalty @ w
        hess = (a * (p * (1 - p))[:, None]).T @ a + penalty + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def probability(x: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ coef + intercept)))


def fit_threshold(p: np.ndarray, unanswerable: np.ndarray) -> float:
    """The lowest threshold (at least .5) at which no unanswerable question's quote is taken."""
    worst = float(p[unanswerable].max()) if unanswerable.any() else 0.0
    return round(max(0.5, worst + 1e-3), 3)


def quote_figures(x, y, unanswerable, reached, coef, intercept, threshold) -> dict:
    """What the quote model decides on a set's best candidates, counting only quotes the answer layer would give."""
    taken = (probability(x, coef, intercept) >= threshold) & reached if len(x) else np.zeros(0, dtype=bool)
    return {
        "questions": len(y),
        "quoted right": int((taken & (y == 1)).sum()),
        "quoted wrong (answerable)": int((taken & (y == 0) & ~unanswerable).sum()),
        "unanswerable quoted": int((taken & unanswerable).sum()),
        "refused though right": int((~taken & (y == 1)).sum()),
    }


def folds_accuracy(x: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """k-fold cross-validated accuracy of the quote model at p >= .5 (folds by position, deterministic)."""
    idx = np.arange(len(y))
    right = 0
    for fold in range(k):
        test = idx % k == fold
        coef, intercept = fit_logistic(x[~test], y[~test])
        right += int(((probability(x[test], coef, intercept) >= 0.5) == (y[test] == 1)).sum())
    return round(right / len(y), 3)


def pairs_of(items: list[str]) -> list[tuple[Path, Path]]:
    return [(Path(q), Path(i)) for q, i in (p.split("=", 1) for p in items)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", nargs="+", required=True, help="questions.jsonl=index_dir: fitted on")
    parser.add_argument("--check", nargs="*", default=[], help="questions.jsonl=index_dir: scored, never fitted on")
    parser.add_argument("--out", type=Path, default=Path("rag/answering/quote_model.json"))
    parser.add_argument("--fresh", action="store_true", help="recompute the cached per-question features")
    parser.add_argument("--keep-sentence", action="store_true", help="keep the sentence weights of --out as they are")
    args = parser.parse_args(argv)
    fit, check = pairs_of(args.fit), pairs_of(args.check)
    if any(n in q.name for q, _i in fit + check for n in NEVER):
        print("the blind set is never run here", file=sys.stderr)
        return 2
    if {q.name for q, _i in fit} & {q.name for q, _i in check}:
        print("a set is either fitted on or checked, not both", file=sys.stderr)
        return 2

    from rag.answering.extractive import SENTENCE_FEATURES
    from rag.answering.quoting import FEATURES

    data = {q.name: cached_examples(q, i, args.fresh) for q, i in fit + check}
    fitting = [e for q, _i in fit for e in data[q.name]]
    current = json.loads(args.out.read_text(encoding="utf-8"))
    before = np.array([current["sentence"]["weights"][f] for f in SENTENCE_FEATURES])

    groups = ranked_groups(fitting)
    w = fit_ranker(groups, SENTENCE_FEATURES)
    w = w / w[SENTENCE_FEATURES.index("coverage")] if w[SENTENCE_FEATURES.index("coverage")] > 0 else w
    weights = before if args.keep_sentence else w
    report: dict = {"sentence top-1 (right/of), before -> fitted": {}}
    for name, examples in data.items():
        tag = name + (" (check)" if name in {q.name for q, _i in check} else "")
        report["sentence top-1 (right/of), before -> fitted"][tag] = f"{top1(examples, before)} -> {top1(examples, w)}"

    x, y, unanswerable, reached = quote_data(fitting)
    coef, intercept = fit_logistic(x, y)
    threshold = fit_threshold(probability(x, coef, intercept), unanswerable & reached)
    old = (np.array([current["coefficients"].get(f, 0.0) for f in FEATURES]), current["intercept"])
    report["quote model, before -> fitted"] = {}
    for name, examples in data.items():
        tag = name + (" (check)" if name in {q.name for q, _i in check} else "")
        was = quote_figures(*quote_data(examples), *old, current["threshold"])
        now = quote_figures(*quote_data(examples), coef, intercept, threshold)
        report["quote model, before -> fitted"][tag] = {k: f"{was[k]} -> {now[k]}" for k in now}

    fitted = {
        "note": "fitted by bench/fit_quote_model.py on " + ", ".join(q.name for q, _i in fit),
        "features": list(FEATURES),
        "coefficients": {f: round(float(c), 4) for f, c in zip(FEATURES, coef, strict=True)},
        "intercept": round(intercept, 4),
        "threshold": threshold,
        "examples": len(y),
        "positives": int(y.sum()),
        "cv_accuracy": folds_accuracy(x, y),
        "sentence": {
            "note": current["sentence"]["note"]
            if args.keep_sentence
            else f"fitted by bench/fit_quote_model.py (conditional logit over {len(groups)} questions' candidate "
            "sentences; scaled so coverage weighs 1)",
            "features": list(SENTENCE_FEATURES),
            "weights": {f: round(float(v), 4) for f, v in zip(SENTENCE_FEATURES, weights, strict=True)},
        },
    }
    if args.keep_sentence:
        fitted["sentence"]["fitted, not used"] = {
            f: round(float(v), 4) for f, v in zip(SENTENCE_FEATURES, w, strict=True)
        }
    args.out.write_text(json.dumps(fitted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(fitted | {"report": report}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
