"""The keyword side of hybrid search: BM25 over character bigrams, assembled in memory from per-report pieces.

Bigrams beat jieba words on this corpus (hit@1 .91 vs .86, see shared notes): report vocabulary such as
"限额以上批零住餐销售额" is segmented inconsistently, while bigrams match any overlap. Runs of digits and
Latin letters stay whole tokens so "17.03" or "GDP" match exactly.

Why not bm25s or SQLite FTS5 (measured at 1,000 reports / 30,146 passages, bench/README.md): bm25s indexes a fixed
corpus, so every added report rebuilt it (38 s at that size); FTS5 updates in place but its OR-queries over common
bigrams took 172 / 320 ms (p50 / p95). Here each report's passages are counted once (`term_counts`, cached with
the report's revision), and an index over the live reports is a concatenation plus a few array operations. The
scoring is bm25s's default ("lucene" BM25, k1 = 1.5, b = 0.75), checked against bm25s in tests/indexing.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

_TOKEN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9]+(?:\.[0-9]+)?|[A-Za-z]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
K1, B = 1.5, 0.75
_EMPTY = "∅"  # a passage without tokens still counts as a document of length 1, as in bm25s


def keyword_tokens(text: str) -> list[str]:
    """Character bigrams for Chinese runs (a lone character stays a unigram), whole tokens for numbers/words."""
    tokens: list[str] = []
    for run in _TOKEN_RUN.findall(text):
        if _CJK.match(run):
            tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            tokens.append(run.lower())
    return tokens


class Vocabulary:
    """Token -> id for this process; ids only grow, so counts computed earlier stay valid."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def ids(self, tokens: list[str]) -> list[int]:
        with self._lock:
            return [self._ids.setdefault(t, len(self._ids)) for t in tokens]

    def get(self, token: str) -> int | None:
        return self._ids.get(token)

    def __len__(self) -> int:
        return len(self._ids)


VOCABULARY = Vocabulary()


@dataclass(frozen=True)
class TermCounts:
    """Token counts of consecutive passages (one report's), as CSR rows over `VOCABULARY` ids."""

    indptr: np.ndarray  # (n + 1,) int64
    ids: np.ndarray  # int32
    counts: np.ndarray  # float32

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1


def term_counts(texts: list[str], vocabulary: Vocabulary = VOCABULARY) -> TermCounts:
    indptr, ids, counts = [0], [], []
    for text in texts:
        counted = Counter(keyword_tokens(text) or [_EMPTY])
        ids.extend(vocabulary.ids(list(counted)))
        counts.extend(counted.values())
        indptr.append(len(ids))
    return TermCounts(np.asarray(indptr, np.int64), np.asarray(ids, np.int32), np.asarray(counts, np.float32))


class KeywordIndex:
    """BM25 over passages in the order of the `TermCounts` pieces given (= the index's chunk order)."""

    def __init__(self, pieces: list[TermCounts], vocabulary: Vocabulary = VOCABULARY) -> None:
        self._vocabulary = vocabulary
        self.size = sum(p.rows for p in pieces)
        if self.size == 0:
            self._weights = None
            return
        offsets = np.cumsum([0] + [p.indptr[-1] for p in pieces])
        indptr = np.concatenate([[0]] + [p.indptr[1:] + off for p, off in zip(pieces, offsets, strict=False)])
        ids = np.concatenate([p.ids for p in pieces])
        tf = np.concatenate([p.counts for p in pieces])
        doc_len = np.add.reduceat(tf, indptr[:-1]) if len(tf) else np.zeros(self.size, np.float32)
        row = np.repeat(np.arange(self.size), np.diff(indptr))
        df = np.bincount(ids, minlength=len(vocabulary)).astype(np.float64)
        idf = np.log1p((self.size - df + 0.5) / (df + 0.5))
        norm = K1 * ((1 - B) + B * doc_len / doc_len.mean())
        weights = (idf[ids] * tf / (norm[row] + tf)).astype(np.float32)
        # Columns = tokens: a query reads only its tokens' columns.
        self._weights = sparse.csr_matrix((weights, ids, indptr), shape=(self.size, len(vocabulary))).tocsc()

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 of every passage (query tokens counted with repetition, as bm25s does); None if none is known."""
        ids = [i for i in (self._vocabulary.get(t) for t in keyword_tokens(query)) if i is not None]
        ids = [i for i in ids if i < self._weights.shape[1]] if self._weights is not None else []
        if not ids:
            return None
        # The query's columns, concatenated (a repeated token twice), summed per passage in one bincount: a
        # Python loop of scatter-adds over the long columns of common bigrams cost ~3 ms at 30,000 passages.
        w = self._weights
        spans = [np.arange(w.indptr[i], w.indptr[i + 1]) for i in ids]
        picked = np.concatenate(spans)
        scores = np.bincount(w.indices[picked], weights=w.data[picked], minlength=self.size)
        return scores.astype(np.float32)

    def search(self, query: str, limit: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(position, score) of the best matches with a positive score; `mask` (0/1 per passage) filters."""
        scores = self.scores(query)
        if scores is None:
            return []
        if mask is not None:
            scores = scores * mask
        return top_positive(scores, limit)


def top_positive(scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """(position, score) of the `limit` best positive scores, best first, ties by position (as a stable sort of
    all scores would give, without sorting all of them)."""
    if limit <= 0:
        return []
    positive = np.flatnonzero(scores > 0)
    if len(positive) > limit:
        kth = np.partition(scores[positive], len(positive) - limit)[len(positive) - limit]  # the limit-th best
        above, at = positive[scores[positive] > kth], positive[scores[positive] == kth]
        positive = np.concatenate([above, at[: limit - len(above)]])
    order = positive[np.lexsort((positive, -scores[positive]))]
    return [(int(i), float(scores[i])) for i in order]
