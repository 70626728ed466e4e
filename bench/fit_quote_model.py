"""Fit the quote fallback's refusal model (rag/answering/quoting.py) on development questions.

For every question of the given sets, over the index given for it, the answer engine's own first steps run
(understanding, scope, retrieval) and the best candidate sentence of rag.answering.quoting is scored. A positive is
an answerable question whose best sentence holds every `must_contain` (the `rag eval` rule); a negative is an
unanswerable question, or one whose best sentence does not hold the answer. A logistic regression over
quoting.FEATURES is fitted (scikit-learn), its 5-fold cross-validated accuracy printed, and the coefficients written
to rag/answering/quote_model.json. Only development sets: never a held-out one.

    .venv/bin/python -m bench.fit_quote_model eval/dev.jsonl=INDEX eval/corpus.jsonl=INDEX eval/large_dev.jsonl=INDEX
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from rag.config import Settings
from rag.evaluate import holds_all

HELD_OUT = ("holdout",)  # file names holding this are never fitted on


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def features_of(pairs: list[tuple[Path, Path]]) -> tuple[list[list[float]], list[int], list[str]]:
    from rag.answering.answer import Assistant
    from rag.answering.query import understand
    from rag.answering.quoting import FEATURES, candidates
    from rag.answering.retrieval import Filters
    from rag.answering.scope import resolve_scope

    xs: list[list[float]] = []
    ys: list[int] = []
    names: list[str] = []
    for questions, index in pairs:
        assistant = Assistant(replace(Settings.from_env(), index_dir=index, chroma_host=None))
        corpus = assistant.corpus()
        for row in rows_of(questions):
            text = row["question"]
            query = understand(text, assistant.searcher.analyze(text), corpus.index.streets())
            scope, narrowed = resolve_scope(query, corpus, Filters())
            if not scope:
                continue
            hits = assistant._retrieve(query, scope, narrowed, None, assistant.settings.k)
            found = candidates(query, corpus, hits, set(scope), assistant._meaning(text))
            if not found:
                continue
            best = found[0]
            answer = not row.get("unanswerable") and holds_all(best.span.text, tuple(row["must_contain"]))
            xs.append([best.features()[f] for f in FEATURES])
            ys.append(int(answer))
            names.append(f"{questions.name}: {text}")
    return xs, ys, names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", nargs="+", help="questions.jsonl=index_dir")
    parser.add_argument("--out", type=Path, default=Path("rag/answering/quote_model.json"))
    args = parser.parse_args(argv)
    pairs = [(Path(q), Path(i)) for q, i in (p.split("=", 1) for p in args.pairs)]
    if any(h in q.name for q, _i in pairs for h in HELD_OUT):
        print("held-out sets are never fitted on", file=sys.stderr)
        return 2

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    from rag.answering.quoting import FEATURES

    xs, ys, _names = features_of(pairs)
    x, y = np.array(xs), np.array(ys)
    model = LogisticRegression(C=1.0, max_iter=1000)
    folds = cross_val_score(model, x, y, cv=5)
    model.fit(x, y)
    fitted = {
        "note": "fitted by bench/fit_quote_model.py on " + ", ".join(q.name for q, _i in pairs),
        "features": list(FEATURES),
        "coefficients": {f: round(float(c), 4) for f, c in zip(FEATURES, model.coef_[0], strict=True)},
        "intercept": round(float(model.intercept_[0]), 4),
        "threshold": 0.5,
        "examples": len(ys),
        "positives": int(y.sum()),
        "cv_accuracy": round(float(folds.mean()), 3),
    }
    args.out.write_text(json.dumps(fitted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(fitted, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
