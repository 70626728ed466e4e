"""What an answer is: its text and status, and the numbered sources it cites (rag.answering.answer builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.answering.retrieval import Hit


@dataclass(frozen=True)
class Source:
    rank: int
    hit: Hit
    highlights: tuple[tuple[int, int], ...] = ()  # report offsets of the sentences the answer rests on
    cited: bool = False
    origin: str = "retrieval"  # "retrieval" | "lookup": added because the answer cites it (an indicator row, ...)

    def to_json(self) -> dict:
        chunk, meta = self.hit.chunk, self.hit.report.meta
        return {
            "rank": self.rank,
            "doc": chunk.doc_id,
            "street": meta.street,
            "place": meta.name,
            "level": meta.level,
            "period": meta.period,
            "year": meta.year,
            "section": chunk.section,
            "text": chunk.text,
            "start": chunk.start,
            "end": chunk.end,
            "score": round(self.hit.score, 6),
            "highlights": [list(span) for span in self.highlights],
            "cited": self.cited,
            "origin": self.origin,
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
    rewritten: str | None = None  # the standalone form of a follow-up question, when it was rewritten
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
            "rewritten_question": self.rewritten,
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
            label = " · ".join(str(p) for p in (meta.name, meta.period, s.hit.chunk.section, s.hit.chunk.doc_id) if p)
            lines.append(f"[{s.rank}]{'' if s.cited else ' (相关 related)'} {label}")
            lines.append(f"    {s.hit.chunk.text}")
        return "\n".join(lines)
