"""The citation book: numbers an answer's sources in order of first citation and renders a draft's citations as
"[n]" markers (rag.answering.answer; drafts come from rag.answering.drafts and rag.answering.compare)."""

from __future__ import annotations

import re
from dataclasses import asdict

from rag.answering.corpus import Cite, Corpus, Draft, Row
from rag.answering.results import Source
from rag.answering.retrieval import Hit


class SourceBook:
    """Numbers sources in order of first citation; a cited stretch the retriever did not return gets the chunk
    that holds it, so every "[n]" points to a passage containing what it supports."""

    def __init__(self, corpus: Corpus, retrieved: list[Hit]) -> None:
        self.corpus = corpus
        self.retrieved = {h.chunk.chunk_id: h for h in retrieved}
        self.order: list[Hit] = []
        self.number: dict[str, int] = {}
        self.highlights: dict[str, list[tuple[int, int]]] = {}
        self.origin: dict[str, str] = {}

    def cite(self, c: Cite) -> list[int]:
        numbers = []
        for chunk in self.corpus.chunks_over(c.doc_id, c.start, c.end):
            if chunk.chunk_id not in self.number:
                hit = self.retrieved.get(chunk.chunk_id)
                self.origin[chunk.chunk_id] = "retrieval" if hit else "lookup"
                hit = hit or Hit(chunk, self.corpus.index.reports[chunk.doc_id], 0.0, 0)
                self.order.append(hit)
                self.number[chunk.chunk_id] = len(self.order)
            span = (max(c.start, chunk.start), min(c.end, chunk.end))
            marks = self.highlights.setdefault(chunk.chunk_id, [])
            if span not in marks:
                marks.append(span)
            numbers.append(self.number[chunk.chunk_id])
        return numbers

    def sources(self, k: int) -> list[Source]:
        """The cited sources, then the other retrieved passages up to k in all (context for the reader)."""
        cited = [
            Source(i + 1, h, tuple(sorted(self.highlights[h.chunk.chunk_id])), True, self.origin[h.chunk.chunk_id])
            for i, h in enumerate(self.order)
        ]
        extra = [h for h in self.retrieved.values() if h.chunk.chunk_id not in self.number]
        extra = extra[: max(0, k - len(cited))]
        return cited + [Source(len(cited) + i + 1, h) for i, h in enumerate(extra)]


def render(draft: Draft, book: SourceBook, english: bool) -> str:
    """The answer text, each citation a "[n]" marker numbered by the book."""
    out = [part if isinstance(part, str) else "".join(f"[{n}]" for n in book.cite(part)) for part in draft.parts]
    text = "".join(out).strip()
    return re.sub(r" +\[", " [", text) if english else text


def row_json(row: Row, book: SourceBook) -> dict:
    numbers = book.cite(row.cite)
    ind = row.indicator
    return {"street": row.street, "doc": row.doc_id, **asdict(ind), "estimate": ind.estimate, "sources": numbers}
