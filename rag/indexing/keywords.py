"""The keyword side of hybrid search: BM25 over character bigrams, persisted beside the vectors.

Bigrams beat jieba words on this corpus (hit@1 .91 vs .86, see shared notes): report vocabulary such as
"限额以上批零住餐销售额" is segmented inconsistently, while bigrams match any overlap. Runs of digits and
Latin letters stay whole tokens so "17.03" or "GDP" match exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import bm25s
import numpy as np

_TOKEN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9]+(?:\.[0-9]+)?|[A-Za-z]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def keyword_tokens(text: str) -> list[str]:
    """Character bigrams for Chinese runs (a lone character stays a unigram), whole tokens for numbers/words."""
    tokens: list[str] = []
    for run in _TOKEN_RUN.findall(text):
        if _CJK.match(run):
            tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            tokens.append(run.lower())
    return tokens


class KeywordIndex:
    """A BM25 index whose document order matches the chunk order it was built from."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> KeywordIndex:
        model = bm25s.BM25()
        # An empty corpus (no reports yet) still needs a valid index: one placeholder token.
        corpus = [keyword_tokens(t) or ["∅"] for t in texts] or [["∅"]]
        model.index(corpus, show_progress=False)
        return cls(model, len(texts))

    def save(self, folder: Path) -> None:
        self._model.save(str(folder))
        (folder / "size").write_text(str(self.size))

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        size = int((folder / "size").read_text())
        return cls(bm25s.BM25.load(str(folder)), size)

    def search(self, query: str, limit: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(position, score) of the best matches with a positive score; `mask` (0/1 per doc) filters."""
        vocab = self._model.vocab_dict
        tokens = [t for t in keyword_tokens(query) if t in vocab]
        if not tokens or self.size == 0:
            return []
        scores = self._model.get_scores(tokens)[: self.size]
        if mask is not None:
            scores = scores * mask
        order = np.argsort(-scores, kind="stable")[:limit]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
