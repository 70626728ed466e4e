"""What an upload gave: a quality signal shown right after extraction, so damaged text is seen before it is asked.

`assess(doc)` counts what was found (characters, sections, tables, figures, detected place) and warns when the
text looks damaged: radical code points left, few Chinese characters, no sentence ends, replacement characters.
It sits above rag/ingest and rag/indexing because it counts with both: sections by the chunker's headings, figures
by the indicator extractor (rag/library.py shows it after an upload).
Warnings are Chinese sentences with a short English hint, like every message to the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.indexing.chunking import heading_level
from rag.indexing.indicators import extract_indicators
from rag.ingest.documents import Document
from rag.ingest.normalize import PAGE_BREAK
from rag.ingest.tables import is_table_row
from rag.text.cjk import is_cjk

# Thresholds that hold for any real report (the 18 government work reports and the 5 街道 reports are all far
# inside them): Chinese characters are most of the visible text, and a report has sentences.
MIN_CJK_SHARE = 0.5
MIN_CHARS = 200
MAX_BAD_SHARE = 0.002
_RADICAL = re.compile(r"[\u2e80-\u2eff\u2f00-\u2fdf]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_BAD = re.compile(r"[\ufffd\ue000-\uf8ff]")


@dataclass(frozen=True)
class QualityReport:
    chars: int  # characters of text (without whitespace)
    cjk_share: float  # Chinese characters / visible characters
    pages: int | None  # PDFs only
    sections: int  # heading lines
    tables: int  # tables kept as header+row lines
    table_rows: int
    figures: int  # numeric facts the indicator table took from the text
    place: str | None  # the detected chain, e.g. "常州市钟楼区西林街道"; None when nothing was detected
    period: str | None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.warnings

    def summary(self) -> str:
        """One line for the upload message, e.g. "6,120 字 · 5 个章节 · 1 张表格（2 行）· 38 项数字 · 西林街道"."""
        parts = [f"{self.chars:,} 字"]
        if self.pages:
            parts.append(f"{self.pages} 页")
        parts += [f"{self.sections} 个章节", f"{self.tables} 张表格（{self.table_rows} 行）", f"{self.figures} 项数字"]
        parts.append(self.place or "未识别出地名")
        return " · ".join(parts)


def _table_counts(lines: list[str]) -> tuple[int, int]:
    tables = rows = 0
    previous = False
    for line in lines:
        row = is_table_row(line)
        rows += row
        tables += row and not previous
        previous = row if line.strip() else previous
    return tables, rows


def _warnings(text: str, visible: int, cjk: int, radicals: int) -> list[str]:
    out: list[str] = []
    if visible < MIN_CHARS:
        out.append(f"文字很少（{visible} 字），可能只提取到了一部分（very little text extracted）")
    if radicals:
        out.append(f"文字中有 {radicals} 个部首字符，提取可能有误（radical code points left in the text）")
    if visible and cjk / visible < MIN_CJK_SHARE:
        out.append(f"中文字符只占 {cjk / visible:.0%}，文字可能已损坏（few Chinese characters: damaged text?）")
    if visible >= MIN_CHARS and not _SENTENCE_END.search(text):
        out.append("没有找到句号等句末标点，文字可能已损坏（no sentence ends found）")
    bad = len(_BAD.findall(text))
    if visible and bad / visible > MAX_BAD_SHARE:
        out.append(f"有 {bad} 个无法识别的字符（unreadable characters）")
    return out


def assess(doc: Document) -> QualityReport:
    """The quality report of one loaded document."""
    text = doc.text
    visible_chars = [ch for ch in text if not ch.isspace()]
    cjk = sum(1 for ch in visible_chars if is_cjk(ch))
    lines = text.split("\n")
    tables, rows = _table_counts(lines)
    meta = doc.meta
    return QualityReport(
        chars=len(visible_chars),
        cjk_share=round(cjk / len(visible_chars), 3) if visible_chars else 0.0,
        pages=text.count(PAGE_BREAK) + 1 if doc.encoding == "pdf" else None,
        sections=sum(1 for line in lines if line.strip() and heading_level(line) is not None),
        tables=tables,
        table_rows=rows,
        figures=len(extract_indicators(text, meta.period)),
        place=meta.place.full_name if meta.place else None,
        period=meta.period,
        warnings=_warnings(text, len(visible_chars), cjk, len(_RADICAL.findall(text))),
    )
