"""Where a 政府工作报告 reviews one year and where it plans the next, and which of its sentences speak of several
years at once: the report language that tells a result of the year from a plan or a five-year figure."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text.headings import CN_NUMBERED
from rag.text.vocab import alternation, markers

# Where the report turns to the year it plans: a numbered heading naming the plan (never "…重点工作回顾"), or the
# target list's sentence ("主要预期目标是：", "主要预期目标建议为：").
_PLAN_PART = re.compile(
    rf"^{CN_NUMBERED}(?![^\n]*回顾)[^\n]{{0,30}}(?:{alternation(markers('plan_part'))})"
    r"|(?:预期目标|主要目标)(?:安排|建议)?(?:是|为|：|:)",
    re.M,
)
_MULTI_YEAR = re.compile(alternation(markers("multi_year")))
# The stretch words without the averages: the amounts they govern are the stretch's, not its last year's.
_STRETCH = re.compile(alternation([w for w in markers("multi_year") if w not in markers("multi_year_average")]))


@lru_cache(maxsize=64)  # asked per sentence of a few reports; a str's hash is computed once
def plan_part_start(text: str) -> int | None:
    """Offset where the report turns to its plan, or None when it never does."""
    m = _PLAN_PART.search(text)
    return m.start() if m else None


def speaks_of_several_years(text: str, start: int, end: int, averages: bool = True) -> bool:
    """Is text[start:end] stated of several years ("五年来，…地区生产总值突破1500亿元"), in its own sentence or in
    the sentence opening its paragraph ("——这是民生福祉持续改善的五年。…")? Without `averages`, an average rate
    over years ("年均增长11.4%") does not count: it makes a growth the stretch's, not the amount stated beside it;
    and the stretch must lead the figure ("…10500亿元，同比增长7.4%，增速五年来首次超过全省" is the year's)."""
    words = _MULTI_YEAR if averages else _STRETCH
    para = text.rfind("\n", 0, start) + 1
    first_end = text.find("。", para)
    opening = text[para : first_end if 0 <= first_end < start else para] + _list_lead(text, para)
    s_start = max(text.rfind("。", 0, start) + 1, para)
    s_end = text.find("。", end)
    s_end = s_end if s_end >= 0 else len(text)
    if not averages:  # up to the figure
        figure = _DIGIT.search(text, start, end)
        s_end = figure.start() if figure else s_end
    return bool(words.search(opening) or words.search(text, s_start, s_end))


_DASH_ITEM = re.compile(r"[ \t\u3000]*——")
_DIGIT = re.compile(r"\d")


def _list_lead(text: str, para: int) -> str:
    """For a paragraph of a dashed list ("——社会事业全面发展，…"), the paragraph that introduces the list ("“十三五”
    时期是…具有重大意义的五年。"): what it says of its period holds for every item; "" for any other paragraph."""
    if not _DASH_ITEM.match(text, para):
        return ""
    while para > 0:
        end = len(text[:para].rstrip())  # the end of the paragraph before
        para = text.rfind("\n", 0, end) + 1
        if not _DASH_ITEM.match(text, para):
            return text[para:end]
    return ""
