"""Chinese-aware chunking: section headings, sentence ends, exact character offsets into the report.

A chunk's `text` is always `document.text[start:end]`, so a citation can be shown and highlighted exactly as the
report reads. What is embedded and keyword-indexed is `indexed_text`: a short context header (place · period ·
section) plus the whitespace-normalised passage, so that "固定资产投资17.03亿元,位列全区第一" is found by a question
that names "西林街道" even though the sentence itself never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.decode import normalize_ws
from rag.ingest.documents import Document, DocumentError, ReportMeta
from rag.ingest.tables import is_table_row
from rag.text.headings import CN_NUMBERED
from rag.text.numerals import CN_DIGITS
from rag.text.places import level_of, vocabulary
from rag.text.sentences import CLOSERS, SENTENCE_ENDS, sentence_spans

# Bump when chunking changes: it is part of every report's fingerprint, so a change re-indexes everything.
CHUNKER_VERSION = "3"

# The last section part of a table row's chunk: rows are grouped apart from prose and cited as table rows.
TABLE_SECTION = "表格"

MIN_CHARS = 200
MAX_CHARS = 400

_CN_NUM = CN_DIGITS
# Heading markers at the start of a line, outermost first. The level decides how the section path nests.
_HEADING_LEVELS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^{CN_NUMBERED}")),
    (2, re.compile(rf"^[（(][{_CN_NUM}]+[）)]")),
    (3, re.compile(r"^\d{1,2}(?:[.．、](?!\d)|\s)")),
    (3, re.compile(r"^[（(]\d{1,2}[）)]")),
    (4, re.compile(rf"^[{_CN_NUM}]是")),
)
# A heading's title ends at the first sentence or clause break; long lines keep only their lead phrase.
_TITLE_END = re.compile(r"[。；;：:！!？?]|[，,](?=.{8,})")
_HEADING_MAX = 40
# Sentence ends (rag.text.sentences): a heading with one inside is a sentence, not a title.
_SENTENCE_END = re.compile(rf"[{re.escape(SENTENCE_ENDS)}]+")
# Inside an over-long sentence, prefer to cut after a comma-like mark.
_SOFT_BREAK = re.compile(r"[，,、：:]")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    section: str
    header: str

    @property
    def indexed_text(self) -> str:
        return f"{self.header}\n{normalize_ws(self.text)}"

    @property
    def cited_text(self) -> str:
        """What a citation of this passage shows: its section headings (report text: "2018年工作回顾") and the
        passage. An answer may state a figure found here."""
        return f"{self.section}\n{self.text}"


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    section: tuple[str, ...]


def heading_level(line: str) -> int | None:
    """The nesting level of a heading line, or None for body text."""
    stripped = line.strip()
    for level, pattern in _HEADING_LEVELS:
        if pattern.match(stripped):
            return level
    return None


def heading_title(line: str) -> str:
    """A heading line's title: the whole line when short, else its lead phrase ("一是致力产业培育")."""
    stripped = line.strip()
    if len(stripped) <= _HEADING_MAX and not _SENTENCE_END.search(stripped[:-1]):
        return stripped.rstrip("。；;：:，,")
    match = _TITLE_END.search(stripped)
    title = stripped[: match.start()] if match else stripped
    return title[:_HEADING_MAX]


def _is_bare_heading(line: str) -> bool:
    """A short line with no sentence end (e.g. "秦灶街道2021年工作计划") titles what follows it."""
    stripped = line.strip()
    return 0 < len(stripped) <= _HEADING_MAX and not _SENTENCE_END.search(stripped)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans within text[start:end] (end marks and closing quotes kept with them), whitespace trimmed."""
    spans = sentence_spans(text, start, end, closers=CLOSERS)
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than max_chars, after the last comma that fits, else hard at max_chars."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        window = text[start : start + max_chars]
        breaks = [m.end() for m in _SOFT_BREAK.finditer(window) if m.end() >= max_chars // 2]
        cut = start + (breaks[-1] if breaks else max_chars)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _sentence_spans(text: str, max_chars: int) -> list[_Span]:
    """Every sentence of the report with the section path it sits under."""
    path: dict[int, str] = {}
    spans: list[_Span] = []
    offset = 0
    for line in text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        if not line.strip():
            continue
        if is_table_row(line):  # a table row is one fact under the current heading, never a heading itself
            section = (*(path[lv] for lv in sorted(path)), TABLE_SECTION)
            spans.extend(_Span(a, b, section) for a, b in _split_long(text, line_start, line_end, max_chars))
            continue
        level = heading_level(line)
        if level is None and _is_bare_heading(line):
            level = 0  # a title line: resets the whole path
        if level is not None:
            path = {lv: title for lv, title in path.items() if lv < level}
            path[level] = heading_title(line)
        section = tuple(path[lv] for lv in sorted(path))
        for s, e in _sentences(text, line_start, line_end):
            spans.extend(_Span(a, b, section) for a, b in _split_long(text, s, e, max_chars))
    return spans


def _major(section: tuple[str, ...]) -> tuple[str, ...]:
    """Chunks never straddle a change of the two outer heading levels, nor mix table rows with prose."""
    return (*section[:2], section[-1] == TABLE_SECTION) if section else ()


def _group(spans: list[_Span], min_chars: int, max_chars: int) -> list[list[_Span]]:
    groups: list[list[_Span]] = []
    current: list[_Span] = []
    for span in spans:
        if current:
            size = span.end - current[0].start
            same_major = _major(span.section) == _major(current[0].section)
            if size > max_chars or not same_major or (current[-1].end - current[0].start) >= min_chars:
                groups.append(current)
                current = []
        current.append(span)
    if current:
        groups.append(current)
    return _merge_small_tails(groups, min_chars, max_chars)


def _merge_small_tails(groups: list[list[_Span]], min_chars: int, max_chars: int) -> list[list[_Span]]:
    """Fold a short leftover into its predecessor when they share a section and still fit."""
    merged: list[list[_Span]] = []
    for group in groups:
        if merged:
            prev = merged[-1]
            small = group[-1].end - group[0].start < min_chars // 2
            fits = group[-1].end - prev[0].start <= max_chars
            if small and fits and _major(prev[0].section) == _major(group[0].section):
                merged[-1] = prev + group
                continue
        merged.append(group)
    return merged


def context_header(meta: ReportMeta, section: tuple[str, ...]) -> str:
    """ "西林街道 · 2023年上半年 · 一是致力产业培育": who and when, for retrieval; never displayed as the passage."""
    when = f"{meta.year}年" if meta.year else ""
    when += meta.period or ""
    place = meta.name or _county_above(meta) or ""  # the report's own place at any level: 西林街道, 嘉兴市, 全国
    parts = [p for p in (place, when, " > ".join(section[-2:])) if p]
    return " · ".join(parts)


def _county_above(meta: ReportMeta) -> str | None:
    """An unnamed place's county-level parent (钟楼区 for an unnamed 街道 of 常州市 › 钟楼区): the header names it."""
    county = vocabulary().rank["区"]
    return next((p for p in reversed(meta.parents) if vocabulary().rank.get(level_of(p) or "") == county), None)


def chunk_document(doc: Document, min_chars: int = MIN_CHARS, max_chars: int = MAX_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for ordinal, group in enumerate(_group(_sentence_spans(doc.text, max_chars), min_chars, max_chars)):
        start, end = group[0].start, group[-1].end
        section = group[0].section
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{ordinal:04d}",
                doc_id=doc.doc_id,
                ordinal=ordinal,
                text=doc.text[start:end],
                start=start,
                end=end,
                section=" > ".join(section),
                header=context_header(doc.meta, section),
            )
        )
    return chunks


def check_passages(doc: Document, limit: int) -> None:
    """DocumentError when the report would make more than `limit` passages (rag.ingest.limits): refused before
    anything is embedded, rather than holding the index's writer lock for hours."""
    n = len(_group(_sentence_spans(doc.text, MAX_CHARS), MIN_CHARS, MAX_CHARS))
    if n > limit:
        raise DocumentError(
            f"报告过长：切分后有 {n} 个段落，超过上限 {limit} 个（RAG_MAX_PASSAGES），请拆分成几份后再上传",
            f"{n} passages, limit {limit}",
            doc.doc_id,
        )
