"""Answers built from retrieved passages, each with its sources.

The extractive engine quotes the report: every figure in an answer is copied from a cited passage.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from rag.config import Settings
from rag.keywords import keyword_tokens
from rag.retrieval import Filters, Hit, Searcher

RETRIEVE_FOR_EVAL = 10
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")
# Question words carry no content: they must not make an unrelated sentence look relevant.
_STOP_BIGRAMS = set(keyword_tokens("多少是什么哪个哪些怎么如何情况有关请问以及的了吗呢"))


@dataclass(frozen=True)
class Source:
    rank: int
    hit: Hit
    highlights: tuple[tuple[int, int], ...] = ()  # report offsets of the sentences the answer rests on

    def to_json(self) -> dict:
        chunk, meta = self.hit.chunk, self.hit.report.meta
        return {
            "rank": self.rank,
            "doc": chunk.doc_id,
            "street": meta.street,
            "period": meta.period,
            "year": meta.year,
            "section": chunk.section,
            "text": chunk.text,
            "start": chunk.start,
            "end": chunk.end,
            "score": round(self.hit.score, 6),
            "highlights": [list(span) for span in self.highlights],
        }


@dataclass
class Answer:
    question: str
    status: str  # "answered" | "not_found"
    text: str
    mode: str = "extractive"
    sources: list[Source] = field(default_factory=list)
    retrieved: list[Hit] = field(default_factory=list)
    unverified_numbers: list[str] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    notice: str | None = None
    latency_ms: float = 0.0

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "status": self.status,
            "answer": self.text,
            "mode": self.mode,
            "sources": [s.to_json() for s in self.sources],
            "unverified_numbers": self.unverified_numbers,
            "indicators": self.indicators,
            "notice": self.notice,
            "latency_ms": round(self.latency_ms, 1),
        }

    def render_text(self) -> str:
        lines = [self.text, ""]
        if self.notice:
            lines.insert(0, f"（{self.notice}）")
        if self.unverified_numbers:
            lines.append(f"⚠ 未在来源中核实的数字 unverified: {', '.join(self.unverified_numbers)}")
        lines.append("来源 Sources:")
        for s in self.sources:
            meta = s.hit.report.meta
            label = " · ".join(str(p) for p in (meta.street, meta.period, s.hit.chunk.section, s.hit.chunk.doc_id) if p)
            lines.append(f"[{s.rank}] {label}")
            lines.append(f"    {s.hit.chunk.text}")
        return "\n".join(lines)


def _sentences(hit: Hit) -> list[tuple[int, int]]:
    """Sentence spans of a passage, as offsets into the report."""
    base = hit.chunk.start
    return [(base + m.start(), base + m.end()) for m in _SENTENCE.finditer(hit.chunk.text) if m.group().strip()]


def _overlap(question_tokens: set[str], sentence: str) -> float:
    tokens = set(keyword_tokens(sentence))
    return len(question_tokens & tokens) / max(len(question_tokens), 1)


class Assistant:
    """Question in, Answer out. Holds the searcher (and so the model and index) for reuse across questions."""

    def __init__(self, settings: Settings | None = None, searcher: Searcher | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.searcher = searcher or Searcher(self.settings)

    def ask(self, question: str, *, mode: str = "auto", filters: Filters | None = None, k: int | None = None) -> Answer:
        started = time.monotonic()
        k = k or self.settings.k
        hits = self.searcher.search(question, k=max(k, RETRIEVE_FOR_EVAL), filters=filters)
        answer = self._extractive(question, hits[:k])
        answer.retrieved = hits
        answer.latency_ms = (time.monotonic() - started) * 1000
        return answer

    def _extractive(self, question: str, hits: list[Hit]) -> Answer:
        q_tokens = set(keyword_tokens(question)) - _STOP_BIGRAMS
        best: tuple[float, int, tuple[int, int]] | None = None
        for i, hit in enumerate(hits):
            for span in _sentences(hit):
                sentence = hit.chunk.text[span[0] - hit.chunk.start : span[1] - hit.chunk.start]
                score = _overlap(q_tokens, sentence) - 0.02 * i
                if best is None or score > best[0]:
                    best = (score, i, span)
        sources = [Source(i + 1, h) for i, h in enumerate(hits)]
        if best is None or best[0] < 0.2:
            return Answer(question, "not_found", "报告中未找到该问题的答案（not found in the reports）。以下是最接近的段落。", sources=sources)
        score, i, span = best
        hit = hits[i]
        sentence = hit.chunk.text[span[0] - hit.chunk.start : span[1] - hit.chunk.start].strip()
        sources[i] = Source(i + 1, hit, (span,))
        who = hit.report.meta.street or "该报告"
        return Answer(question, "answered", f"{who}：{sentence}[{i + 1}]", sources=sources)
