"""Which year a figure is about: from its sentence, then its section, then the report's metadata (never from the
metadata alone when the text says otherwise). A 2021 政府工作报告 reviews 2020 and plans 2021; a 街道 "2021年工作计划"
may be a review of 2020 whose "年底力争完成…" is a target for 2020, not for 2021."""

from __future__ import annotations

import re

from rag.answering.corpus import Corpus
from rag.text.headings import CN_NUMBERED
from rag.text.periods import YEAR
from rag.text.review import plan_part_start, speaks_of_several_years
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
# A line that is only a date ("2016年2月29日" under a statistical bulletin's title) is when the report was issued, not
# a section about that year.
_DATE_LINE = re.compile(rf"\s*{YEAR}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日\s*")
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


# A year written as the base of a comparison or the start of a stretch ("比2015年增长", "从2015年的958.5亿元增加到…",
# "恢复至2019年的105.3%", "2012年以来最高") is not the year the figure is about.
_BASE_YEAR = re.compile(r"(?:比|较|从|与|同|自|恢复至|恢复到|相当于)\s*$")
_SINCE = re.compile(r"\s*(?:以来|起|同期|水平|的\d[\d.]*[%％])")


_SEMICOLON = re.compile(r"[；;]")


def fact_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of its sentence a figure is stated in: a semicolon separates facts ("完成率达103.82%;在全县率先完成
    2022年度…筹资任务": the second year is not the first figure's)."""
    s, e = sentence_around(text, start, end)
    stops = [m.end() for m in _SEMICOLON.finditer(text, s, start)]
    after = _SEMICOLON.search(text, end, e)
    return (stops[-1] if stops else s), (after.start() if after else e)


def figure_years(text: str, start: int, end: int) -> set[int]:
    """The years text[start:end] states for its figures: every year written, less the bases of comparisons."""
    out = set()
    for m in _YEAR.finditer(text, start, end):
        if _BASE_YEAR.search(text, max(start, m.start() - 4), m.start()) or _SINCE.match(text, m.end()):
            continue
        out.add(int(m.group(1)))
    return out


def other_year_only(corpus: Corpus, doc_id: str, start: int, end: int, years: tuple[int, ...]) -> bool:
    """Is a figure about other years than those asked? Its sentence, up to a semicolon, is read first ("从2015年的
    958.5亿元增加到2020年的1425.7亿元" is about 2020; "比2015年增长" names a base, not its year), then its section
    titles; when neither states a year, the report's own years (the year it reviews and the year it plans): a 2024
    bulletin's "全年城镇新增就业1256万人" is not 2015's, a 2022 report's growth not 2019's."""
    text = corpus.texts[doc_id]
    fact_start, fact_end = fact_around(text, start, end)
    # its own fact's years, else those leading its sentence ("到2020年，地区生产总值达到1600亿元；一般公共预算收入…")
    stated = figure_years(text, fact_start, fact_end) or figure_years(
        text, sentence_around(text, start, end)[0], fact_start
    )
    if not stated:
        stated = {int(y) for t in _section_path(corpus, doc_id, start) for y in _YEAR.findall(t)}
    if stated:
        return not stated & set(years)
    # Nothing stated: the report's own years decide (which part of the report it is in is not read here: a part's
    # heading may name its year in words no list holds, "二、2019年主要工作").
    meta = corpus.meta(doc_id)
    own = {y for y in (meta.year, meta.plan_year) if y}
    return bool(own) and not own & set(years)


def one_year_figure(
    corpus: Corpus, doc_id: str, start: int, end: int, years: tuple[int, ...], growth: bool = True
) -> bool:
    """Is a figure one of the years asked: its sentence says so, or it is of no other year (other_year_only) and not
    stated of several years at once ("五年来…", a paragraph opened by "这是…的五年": "比2016年增长30.9%" is no year's
    growth, "粮食产量保持在20亿斤以上" no year's amount); when a growth is asked, an average over years
    ("年均增长") is not the year's either."""
    text = corpus.texts[doc_id]
    if figure_years(text, *fact_around(text, start, end)) & set(years):
        return True  # "从2015年的958.5亿元增加到2020年的1425.7亿元，年均增长5.9%": 2020's amount, said so
    if other_year_only(corpus, doc_id, start, end, years):
        return False
    # An amount stated beside a five-year average ("分别达到23534元、11980元，年均增长11.4%") is the last year's own;
    # a growth stated of five years is no year's.
    return not speaks_of_several_years(text, start, end, averages=growth)


def _part_year(corpus: Corpus, doc_id: str, pos: int) -> int | None:
    """The year of the section or part of the report a position is in, by its kind: under a plan section the year
    the report plans, under a review the year it reviews; past the report's turn to its plan (and any part line
    naming a year before that turn), the year it plans; else the year of the part a line before it opens."""
    meta = corpus.meta(doc_id)
    titles = _section_path(corpus, doc_id, pos)
    if any(_PLAN_SECTION.search(t) for t in titles):
        return meta.plan_year or meta.year
    if any(_REVIEW_SECTION.search(t) for t in titles):
        return meta.year or meta.plan_year
    text = corpus.texts[doc_id]
    plan = plan_part_start(text)
    last = _last_part(text, pos)
    # the turn may be the lead of the figure's own sentence ("今年…主要预期目标建议为：地区生产总值增长7%左右")
    turned = plan is not None and plan < sentence_around(text, pos, pos)[1]
    if turned and (last is None or last.start() < plan):
        # past the turn to the plan ("二、2023年工作安排" without its year, "主要预期目标是："), after any part line
        # naming a year: the year the report plans
        return meta.plan_year or meta.year
    return int(last.group(1)) if last else None


def figure_year(corpus: Corpus, doc_id: str, start: int, end: int) -> int | None:
    """The year a figure is about: as stated (sentence, section), else by its section's kind (under a plan section
    the year the report plans, under a review the year it reviews), else by the part of the report it is in (a line
    "2018年工作总体思路：" before it), else the year the report reviews (its metadata)."""
    year = stated_year(corpus, doc_id, start, end)
    if year is not None:
        return year
    part = _part_year(corpus, doc_id, start)
    meta = corpus.meta(doc_id)
    return part if part is not None else meta.year or meta.plan_year


def part_year(text: str, pos: int) -> int | None:
    """The year of the part of the report a position is in, when a line before it opens a part by naming its year
    and kind ("2018年工作总体思路：…", "二、2021年工作安排", "一、2020年工作回顾") — a heading or the lead of a
    paragraph alike; None when no such line precedes it."""
    last = _last_part(text, pos)
    return int(last.group(1)) if last else None


def _last_part(text: str, pos: int) -> re.Match[str] | None:
    found = None
    for m in _PART.finditer(text, 0, pos):
        found = m
    return found


def _section_path(corpus: Corpus, doc_id: str, pos: int) -> list[str]:
    """The section titles over a position, less the report's own title ("秦灶街道2021年工作计划" heads the whole
    report: its year is the report's, which the metadata already says, not a section's)."""
    chunks = corpus.chunks_over(doc_id, pos, pos + 1)
    titles = [t.strip() for t in chunks[0].section.split(" > ")] if chunks and chunks[0].section else []
    return [t for t in titles if not _is_report_title(corpus, doc_id, t) and not _DATE_LINE.fullmatch(t)]


def _is_report_title(corpus: Corpus, doc_id: str, title: str) -> bool:
    meta, text = corpus.meta(doc_id), corpus.texts[doc_id]
    first_stop = text.find("。")
    place = meta.name or ""
    return title == meta.title or (bool(place) and place in title and 0 <= text.find(title) < first_stop)
