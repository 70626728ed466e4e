"""An answer exported as a Markdown file: the answer, then each cited source quoted, every passage kept inert."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rag.present.labels import period_label, place_label
from rag.present.markdown import CITATION, code_span, escape_markdown
from rag.present.passages import merge_spans


@dataclass(frozen=True)
class ExportSource:
    """One numbered source of an exported answer."""

    rank: int
    place: str  # "常州市钟楼区西林街道"
    period: str  # "2024年上半年"
    title: str
    file: str
    section: str
    quote: str  # the sentences the answer rests on (or the whole passage when none is marked)
    cited: bool


def export_sources(sources: Iterable[object]) -> list[ExportSource]:
    """rag Answer.sources as ExportSource rows: the highlighted sentences quoted exactly, joined by " … "."""
    out = []
    for s in sources:
        chunk, meta = s.hit.chunk, s.hit.report.meta
        spans = merge_spans(s.highlights, chunk.start, chunk.end)
        quote = " … ".join(chunk.text[a - chunk.start : b - chunk.start] for a, b in spans) or chunk.text
        place = "".join(p for p in (meta.city, meta.district, meta.street) if p) or place_label(meta)
        cited = bool(getattr(s, "cited", False) or s.highlights)
        out.append(
            ExportSource(
                s.rank, place, period_label(meta), meta.title or "", chunk.doc_id, chunk.section or "", quote, cited
            )
        )
    return out


def _blockquote(text: str) -> str:
    return "\n".join(f"> {escape_markdown(line)}" if line.strip() else ">" for line in text.strip().splitlines())


def _inert_with_citations(text: str) -> str:
    """An answer made inert (escape_markdown) except its "[n]" markers, which stay as written for the reader."""
    out, last = [], 0
    for match in CITATION.finditer(text):
        out += [escape_markdown(text[last : match.start()]), match.group()]
        last = match.end()
    return "".join([*out, escape_markdown(text[last:])])


def answer_export_markdown(
    question: str, answer_text: str, sources: Sequence[ExportSource], filters: str = "", *, asked: str = ""
) -> str:
    """The answer as Markdown for a briefing: the question, the answer with its [n] markers, then each numbered
    source (place, period, report, file) with its passage quoted exactly. Uncited, merely related passages are
    left out when the answer cites any. `question` is the question as understood (a follow-up's standalone form);
    `asked`, when it differs, is what the user typed ("那荷花池街道呢？"), shown under it. Every text from a report,
    a model or a user is made inert: the file carries no live link, image or HTML."""
    lines = [f"## 问：{escape_markdown(question.strip())}", ""]
    if asked.strip() and asked.strip() != question.strip():
        lines += [f"*原问题 asked：{escape_markdown(asked.strip())}*", ""]
    answer = _inert_with_citations(answer_text.strip()).replace("\n", "  \n")  # hard line breaks
    lines += [answer, ""]
    if filters:
        lines += [f"*筛选 filters：{escape_markdown(filters)}*", ""]
    chosen = [s for s in sources if s.cited] or list(sources)
    if chosen:
        lines += ["### 来源 Sources", ""]
    for s in chosen:
        head = " · ".join(
            p
            for p in (s.place, f"数据期 {s.period}" if s.period else "", f"《{s.title}》" if s.title else "", s.section)
            if p
        )
        lines += [
            f"**[{s.rank}]** {escape_markdown(head)}  ",
            f"文件 file：{code_span(s.file)}",
            "",
            _blockquote(s.quote),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def export_filename(question: str, when: datetime | None = None) -> str:
    """ "答案-西林街道上半年一般公共预算收入多少-20261129-1503.md": safe on every file system."""
    stem = re.sub(r"[\\/:*?\"<>|\s？?！!。，,]+", "", question)[:30] or "answer"
    return f"答案-{stem}-{(when or datetime.now(UTC)).strftime('%Y%m%d-%H%M')}.md"
