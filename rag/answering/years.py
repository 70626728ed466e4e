"""Which year a figure is about: from its sentence, then its section, then the report's metadata (never from the
metadata alone when the text says otherwise). A 2021 政府工作报告 reviews 2020 and plans 2021; a 街道 "2021年工作计划"
may be a review of 2020 whose "年底力争完成…" is a target for 2020, not for 2021."""

from __future__ import annotations

import re

from rag.answering.corpus import Corpus
from rag.text.headings import CN_NUMBERED
from rag.text.periods import YEAR
from rag.text.vocab import alternation, markers

_YEAR = re.compile(rf"(?<!\d)({YEAR})\s*年(?!代)")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
# A section title naming what is to be done ("2021年工作安排", "下半年工作思路", "主要预期目标"): figures under it are
# about the year the report plans.
_PLAN_SECTION = re.compile(alternation(markers("plan_section")))
_REVIEW_SECTION = re.compile(alternation(markers("review_section")))
# A line opening a part of the report: its year ("“十三五”时期和2020年…" too), then within a few characters what the
# part is.
_PART = re.compile(
    rf"^[ \t\u3000]*(?:{CN_NUMBERED}\s*)?(?:[“\"][^”\"\n]{{1,8}}[”\"](?:时期)?和)?"
    rf"({YEAR})\s*年[^，,。：:\n]{{0,10}}?"
    rf"(?:{alternation(markers('plan_section') + markers('review_section'))})",
    re.M,
)
SENTENCE_REACH = 300  # how far back the start of a figure's sentence is looked for


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The full sentence holding report text [start, end)."""
    stops = [m.end() for m in _SENTENCE_END.finditer(text, max(0, start - SENTENCE_REACH), start)]
    s = stops[-1] if stops else max(0, start - SENTENCE_REACH)
    m = _SENTENCE_END.search(text, end)
    return s, m.start() if m else len(text)


def stated_year(corpus: Corpus, doc_id: str, start: int, end: int) -> int | None:
    """The year the text states for a figure: the last year written before it in its sentence (or inside it),
    else the innermost section title naming a year; None when neither does."""
    text = corpus.texts[doc_id]
    s, _e = sentence_around(text, start, end)
    before = _YEAR.findall(text, s, end)
    if before:
        return int(before[-1])
    for title in reversed(_section_path(corpus, doc_id, start)):
        years = _YEAR.findall(title)
        if years:
            return int(years[-1])
    return None


def other_year_only(corpus: Corpus, doc_id: str, start: int, end: int, years: tuple[int, ...]) -> bool:
    """Does the text about a figure state other years and none of those asked? Its full sentence is read ("从2015年的
    958.5亿元增加到2020年的1425.7亿元" is about 2020 too), else its section titles."""
    text = corpus.texts[doc_id]
    s, e = sentence_around(text, start, end)
    stated = {int(y) for y in _YEAR.findall(text, s, e)}
    if not stated:
        stated = {int(y) for t in _section_path(corpus, doc_id, start) for y in _YEAR.findall(t)}
    return bool(stated) and not stated & set(years)


def figure_year(corpus: Corpus, doc_id: str, start: int, end: int) -> int | None:
    """The year a figure is about: as stated (sentence, section), else by its section's kind (under a plan section
    the year the report plans, under a review the year it reviews), else by the part of the report it is in (a line
    "2018年工作总体思路：" before it), else the year the report reviews (its metadata)."""
    year = stated_year(corpus, doc_id, start, end)
    if year is not None:
        return year
    meta = corpus.meta(doc_id)
    titles = _section_path(corpus, doc_id, start)
    if any(_PLAN_SECTION.search(t) for t in titles):
        return meta.plan_year or meta.year
    if any(_REVIEW_SECTION.search(t) for t in titles):
        return meta.year or meta.plan_year
    part = part_year(corpus.texts[doc_id], start)
    return part if part is not None else meta.year or meta.plan_year


def part_year(text: str, pos: int) -> int | None:
    """The year of the part of the report a position is in, when a line before it opens a part by naming its year
    and kind ("2018年工作总体思路：…", "二、2021年工作安排", "一、2020年工作回顾") — a heading or the lead of a
    paragraph alike; None when no such line precedes it."""
    found = None
    for m in _PART.finditer(text, 0, pos):
        found = int(m.group(1))
    return found


def _section_path(corpus: Corpus, doc_id: str, pos: int) -> list[str]:
    """The section titles over a position, less the report's own title ("秦灶街道2021年工作计划" heads the whole
    report: its year is the report's, which the metadata already says, not a section's)."""
    chunks = corpus.chunks_over(doc_id, pos, pos + 1)
    titles = [t.strip() for t in chunks[0].section.split(" > ")] if chunks and chunks[0].section else []
    return [t for t in titles if not _is_report_title(corpus, doc_id, t)]


def _is_report_title(corpus: Corpus, doc_id: str, title: str) -> bool:
    meta, text = corpus.meta(doc_id), corpus.texts[doc_id]
    first_stop = text.find("。")
    place = meta.name or ""
    return title == meta.title or (bool(place) and place in title and 0 <= text.find(title) < first_stop)
