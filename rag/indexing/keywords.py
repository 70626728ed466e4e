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
from itertools import repeat

import numpy as np
from scipy import sparse

_TOKEN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9]+(?:\.[0-9]+)?|[A-Za-z]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
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
        self._code_keys = np.zeros(0, np.int64)  # Chinese bigram / character codes (see term_counts), sorted
        self._code_ids = np.zeros(0, np.int64)  # their ids
        self._lock = threading.Lock()

    def ids(self, tokens: list[str]) -> list[int]:
        with self._lock:
            return [self._ids.setdefault(t, len(self._ids)) for t in tokens]

    def han_ids(self, codes: np.ndarray) -> np.ndarray:
        """Ids of Chinese tokens given as sorted unique codes (see term_counts), looked up in a sorted array; a
        token string is made only for a code not seen before (~50,000 in a whole corpus, of millions looked up)."""
        with self._lock:
            keys, values = self._code_keys, self._code_ids
            at = np.searchsorted(keys, codes)
            known = at < len(keys)
            known[known] = keys[at[known]] == codes[known]
            ids = np.empty(len(codes), np.int64)
            ids[known] = values[at[known]]
            new = codes[~known]
            if len(new):
                new_ids = [self._ids.setdefault(_han_token(c), len(self._ids)) for c in new.tolist()]
                ids[~known] = new_ids
                self._code_keys = np.insert(keys, at[~known], new)  # stays sorted: `new` is sorted
                self._code_ids = np.insert(values, at[~known], new_ids)
            return ids

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
    """The counts of `keyword_tokens` of each text (a text without tokens counts one "∅"). Every fresh process
    counts the whole corpus when it opens the index (30,000 passages at 1,000 reports: ~13 s token by token in
    Python), so the Chinese bigrams and lone characters, nearly all tokens, are counted with numpy over the code
    points of all the texts at once; numbers and Latin words with the regex. Same counts, row order of ids aside."""
    if not texts:
        return TermCounts(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
    joined = "\n".join(texts)  # "\n" is no token character: no token spans two texts
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    han = ((cp >= 0x3400) & (cp <= 0x9FFF)) | ((cp >= 0xF900) & (cp <= 0xFAFF))
    pairs = np.flatnonzero(han[:-1] & han[1:])
    lone = np.flatnonzero(han & ~np.r_[False, han[:-1]] & ~np.r_[han[1:], False])
    codes = np.concatenate([(cp[pairs] << _SHIFT) | cp[pairs + 1], cp[lone]])
    rows = np.searchsorted(starts, np.concatenate([pairs, lone]), side="right") - 1
    keys, counts = np.unique(rows * (1 << (2 * _SHIFT)) + codes, return_counts=True)
    unique_codes, inverse = np.unique(keys % (1 << (2 * _SHIFT)), return_inverse=True)
    han_rows = keys >> (2 * _SHIFT)
    han_ids = vocabulary.han_ids(unique_codes)[inverse]
    other: Counter = Counter()  # (row, token) of numbers and Latin words: fewer, counted by the regex and Counter
    for row, text in enumerate(texts):
        other.update(zip(repeat(row), map(str.lower, _OTHER.findall(text))))
    other_rows = [r for r, _ in other]
    other_ids = vocabulary.ids([t for _, t in other])
    empty = sorted(set(range(len(texts))) - set(han_rows.tolist()) - set(other_rows))
    all_rows = np.concatenate([han_rows, np.asarray(other_rows + empty, np.int64)])
    all_ids = np.concatenate([han_ids, np.asarray(other_ids + vocabulary.ids([_EMPTY]) * len(empty), np.int64)])
    all_counts = np.concatenate([counts, np.asarray(list(other.values()) + [1] * len(empty), np.int64)])
    order = np.argsort(all_rows, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(all_rows, minlength=len(texts)))])
    return TermCounts(indptr.astype(np.int64), all_ids[order].astype(np.int32), all_counts[order].astype(np.float32))


_SHIFT = 21  # code points are < 2**21: a bigram's code is first << 21 | second, a lone character's its code point
_OTHER = re.compile(r"[0-9]+(?:\.[0-9]+)?|[A-Za-z]+")  # the non-Chinese alternatives of _TOKEN_RUN


def _han_token(code: int) -> str:
    return chr(code >> _SHIFT) + chr(code & ((1 << _SHIFT) - 1)) if code >> _SHIFT else chr(code)


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

    def may_contain(self, text: str) -> np.ndarray | None:
        """Positions of the passages whose indexed text may hold `text` (a run of 2+ Chinese characters): those
        counting every one of its bigrams, sorted; None for other text (no narrowing). The indexed text is the
        passage with whitespace collapsed and a header before it, so every passage holding `text` is among them."""
        if len(text) < 2 or not _HAN_RUN.fullmatch(text):
            return None
        ids = [self._vocabulary.get(t) for t in keyword_tokens(text)]
        w = self._weights
        if w is None or any(i is None or i >= w.shape[1] for i in ids):
            return np.zeros(0, np.int64)
        columns = sorted((w.indices[w.indptr[i] : w.indptr[i + 1]] for i in set(ids)), key=len)
        found = columns[0]
        for column in columns[1:]:
            found = np.intersect1d(found, column, assume_unique=True)
        return np.sort(found).astype(np.int64)

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
