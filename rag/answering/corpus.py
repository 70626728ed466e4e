"""The loaded reports as the answer engine sees them: texts, chunks, indicators and term weights, cached per index
generation; plus the small types an answer is composed of (a citation of report offsets, an answer draft)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from rag.indexing.chunking import Chunk
from rag.indexing.indicators import Indicator
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
        self._weights: dict[str, float] = {}

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
            df = sum(term in c.text for c in self.index.chunks)
            self._weights[term] = math.log((n + 1) / (df + 0.5))
        return max(self._weights[term], 0.05)

    def indicators_of(self, doc_ids: list[str] | tuple[str, ...]) -> list[tuple[str, Indicator]]:
        wanted = set(doc_ids)
        return [(d, ind) for d, ind in self.indicators if d in wanted]

    def indicators_in(self, doc_id: str, start: int, end: int) -> list[Indicator]:
        return [ind for d, ind in self.indicators if d == doc_id and ind.start < end and start < ind.end]
