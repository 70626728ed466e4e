"""The loaded reports as the answer engine sees them: texts, chunks, indicators and term weights, cached per index
generation; plus the small types an answer is composed of (a citation of report offsets, an answer draft)."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from rag.indexing.chunking import Chunk
from rag.indexing.indicators import Indicator
from rag.indexing.keywords import KeywordIndex, TermCounts, term_counts
from rag.indexing.store import Index
from rag.ingest.documents import ReportMeta


@dataclass(frozen=True)
class Cite:
    """A citation of report text [start, end) of one report: rendered as "[n]", highlighted in source n."""

    doc_id: str
    start: int
    end: int


Part = str | Cite


@dataclass
class Row:
    """One indicator used by an answer (becomes one dict of Answer.indicators)."""

    doc_id: str
    place: str | None
    indicator: Indicator
    cite: Cite


@dataclass
class Draft:
    """An answer before its citations are numbered: text pieces and citations, in reading order."""

    parts: list[Part]
    rows: list[Row] = field(default_factory=list)
    notice: str | None = None


class _TermsBySha:
    """Term counts of whole report texts by file sha256, kept for the reports of the latest version read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, TermCounts] = {}

    def get(self, sha256: str, text: str) -> TermCounts:
        with self._lock:
            found = self._counts.get(sha256)
        if found is None:
            found = term_counts([text])
            with self._lock:
                self._counts[sha256] = found
        return found

    def keep(self, live: set[str]) -> None:
        with self._lock:
            self._counts = {k: v for k, v in self._counts.items() if k in live}


_TEXT_TERMS = _TermsBySha()


class Corpus:
    """Read-only helpers over one index generation."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.generation = index.generation
        self.texts: dict[str, str] = {doc_id: index.report_text(doc_id) for doc_id in index.reports}
        self._chunks_by_doc: dict[str, list[Chunk]] = defaultdict(list)
        for chunk in index.chunks:
            self._chunks_by_doc[chunk.doc_id].append(chunk)
        self.indicators: list[tuple[str, Indicator]] = [
            (doc_id, ind) for doc_id, ind in index.indicators if doc_id in index.reports
        ]
        # Positions in `indicators` per report: a question reads a few reports' indicators, not all of them (~100,000
        # at 347 reports, scanned several times a question).
        self._indicators_at: dict[str, list[int]] = defaultdict(list)
        for i, (doc_id, _) in enumerate(self.indicators):
            self._indicators_at[doc_id].append(i)
        self._weights: dict[str, float] = {}
        # The Chinese bigrams of each whole report, to find the reports naming a place without reading all of them
        # (6 million characters at 347 reports, read for each form of each place a question names). Counted once per
        # report content (~2 s for all 347): a new version counts only its new reports.
        self._report_terms = KeywordIndex(
            [_TEXT_TERMS.get(index.reports[d].sha256, self.texts[d]) for d in self.doc_ids]
        )
        _TEXT_TERMS.keep({index.reports[d].sha256 for d in self.doc_ids})

    @property
    def doc_ids(self) -> list[str]:
        return sorted(self.index.reports)

    def meta(self, doc_id: str) -> ReportMeta:
        return self.index.reports[doc_id].meta

    def place(self, doc_id: str) -> str | None:
        """The report's place, whatever its level (a 街道, a 市, 全国)."""
        return self.meta(doc_id).name

    def quote(self, doc_id: str, start: int, end: int) -> str:
        return self.texts[doc_id][start:end]

    def chunks_over(self, doc_id: str, start: int, end: int) -> list[Chunk]:
        """The chunks that hold report text [start, end): one, or two when a sentence straddles a chunk border."""
        return [c for c in self._chunks_by_doc.get(doc_id, []) if c.start < end and start < c.end]

    def weight(self, term: str) -> float:
        """Inverse chunk frequency of a term: rare words decide relevance, common ones barely count."""
        if term not in self._weights:
            n = len(self.index.chunks)
            df = len(self.passages_with(term))
            self._weights[term] = math.log((n + 1) / (df + 0.5))
        return max(self._weights[term], 0.05)

    def passages_with(self, term: str) -> list[Chunk]:
        """The passages whose text holds `term`, in index order. Only those the keyword index finds all the bigrams
        of a Chinese term in are read (reading all 29,000 passages of 347 reports took ~10 ms a term, for every new
        term of every question)."""
        chunks = self.index.chunks
        found = self.index.keywords.may_contain(term)
        maybe = chunks if found is None else [chunks[i] for i in found.tolist()]
        return [c for c in maybe if term in c.text]

    def reports_with(self, text: str) -> list[str]:
        """The reports whose text holds `text`, sorted (only those holding all the bigrams of a Chinese text read)."""
        found = self._report_terms.may_contain(text)
        doc_ids = self.doc_ids if found is None else [self.doc_ids[i] for i in found.tolist()]
        return [d for d in doc_ids if text in self.texts[d]]

    def indicators_of(self, doc_ids: list[str] | tuple[str, ...]) -> list[tuple[str, Indicator]]:
        """The indicators of these reports, in the order of `indicators`."""
        at = sorted(i for d in set(doc_ids) for i in self._indicators_at.get(d, ()))
        return [self.indicators[i] for i in at]

    def indicators_in(self, doc_id: str, start: int, end: int) -> list[Indicator]:
        found = (self.indicators[i][1] for i in self._indicators_at.get(doc_id, ()))
        return [ind for ind in found if ind.start < end and start < ind.end]
