"""Reporting periods, read once for the whole system: "1-6月" / "1—6月" / "1至6月" / "一至六月", 上半年, 下半年, 全年,
一季度 / 第1季度 / 前三季度, a bare "2021年"; and which of them name the same stretch (上半年 == 1-6月).

`PERIOD_RE` finds a period and `period_of` normalises it ("1—6月份" -> "1-6月", "第1季度" -> "一季度"); an optional
year in front of a sub-year period is absorbed ("2022年上半年" -> "上半年": the year is the report's).
`report_period` names the period a report title covers; `same_period` knows the equivalences.
"""

from __future__ import annotations

import re

from rag.text.numerals import CN_DIGITS, parse_int
from rag.text.vocab import alternation, markers

# A year as the reports write it in digits, 1900-2099 ("2021"): a regex fragment without groups, for every pattern
# that reads a year (wrap it in a group to capture it).
YEAR = r"(?:19|20)\d{2}"
# A year written with 年 ("2021年", "2021 年"), the year captured.
YEAR_RE = re.compile(rf"({YEAR})\s*年")
_MONTH = rf"(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})"
_DASH = r"[-—–~～－至到]"
# A month range, "1-6月", "1月—6月份", "一至六月" (no groups: other patterns embed it).
MONTH_RANGE = rf"(?<![\d.]){_MONTH}\s*月?\s*{_DASH}\s*{_MONTH}\s*月(?:份)?"
# Named periods of a year.
NAMED_PERIOD = r"上半年|下半年|全年|前三季度|第?[一二三四1-4]季度"
_YEAR_PREFIX = rf"(?:{YEAR}\s*年)?"

PERIOD_RE = re.compile(
    rf"{_YEAR_PREFIX}(?:(?P<range>{MONTH_RANGE})|(?P<named>{NAMED_PERIOD}))"
    # A bare year, but not "2018年初" / "2017年度" (a point in time / an adjective).
    rf"|(?P<year>{YEAR})\s*年(?![初底末中度])"
)
# A five-year plan period, "“十三五”末", "十四五时期": a stretch of years, like a year not a thing to match.
PLAN_PERIOD = re.compile(r"[“\"]?十[一二三四五]五[”\"]?(?:规划)?(?:时期|期间|期末|末|初|以来)?")
# A figure over several years rather than one: a five-year plan period, "年均", "累计", "五年来" (rag/text/data/markers.toml).
# (its end, "“十二五”末", is a point in time: not a stretch)
MULTI_YEAR = re.compile(rf"十[一二三四五]五(?![”\"]?(?:规划)?(?:[末初]|期末))|{alternation(markers('multi_year'))}")


def multi_year(text: str) -> bool:
    """Does the text speak of a stretch of years ("十三五时期年均增长", "五年累计")?"""
    return bool(MULTI_YEAR.search(text))


# A year a question names: "2021年", or a bare "2017" in English; not the 2030 of "2030支撑项目" (a name).
YEAR_MENTION = re.compile(rf"(?<!\d)({YEAR})(?:\s*年|(?![\d\u4e00-\u9fff%.]))")
# Years asked together ("2015年、2020年和2024年", "2019和2020年", "2018 and 2019"): a trend's years.
_YEAR_RUN = re.compile(rf"(?<!\d){YEAR}\s*年?(?:\s*(?:和|与|及|、|至|到|,|，|\band\b)\s*{YEAR}\s*年?)+(?![\d])", re.I)


def one_year(text: str, year: int) -> str | None:
    """The question asked of one of its years: "松原市2018年和2019年粮食产量…" -> "松原市2019年粮食产量…"; None when
    its years are not asked together."""
    runs = list(_YEAR_RUN.finditer(text))
    if len(runs) != 1:
        return None
    run = runs[0]
    written = f"{year}年" if "年" in run.group(0) else str(year)
    return text[: run.start()] + written + text[run.end() :]


_MONTH_RANGE_RE = re.compile(MONTH_RANGE)
_RANGE_ENDS = re.compile(rf"({_MONTH})\s*月?\s*{_DASH}\s*({_MONTH})")

# A title naming a plan ("工作计划", "工作要点", "下半年工作思路"): rag/text/data/markers.toml.
PLAN_TITLE = re.compile(alternation(markers("plan_title")))

# Named periods and the month range each one is (used both ways).
EQUIVALENT = {"上半年": "1-6月", "前三季度": "1-9月", "一季度": "1-3月", "全年": "1-12月"}
_BY_END_MONTH = {int(r[2:-1]): named for named, r in EQUIVALENT.items()}

# English periods, rendered as the reports write them (an answer never adds digits the passage lacks).
EN_PERIODS = (
    (re.compile(r"\bfirst half\b|\bh1\b", re.I), "上半年"),
    (re.compile(r"\bsecond half\b|\bh2\b", re.I), "下半年"),
    (re.compile(r"\bjan(?:uary)?\s*(?:-|–|to|through)\s*jun(?:e)?\b", re.I), "1-6月"),
    (re.compile(r"\bjan(?:uary)?\s*(?:-|–|to|through)\s*may\b", re.I), "1-5月"),
    (re.compile(r"\bfull year\b|\bwhole year\b", re.I), "全年"),
)


def month_range(text: str) -> tuple[int, int] | None:
    """(first, last) month of a range as written ("1—6月" -> (1, 6), "一至十二月" -> (1, 12)); None if none."""
    m = _RANGE_ENDS.search(text)
    if not m:
        return None
    first, last = parse_int(m.group(1)), parse_int(m.group(2))
    return (first, last) if first is not None and last is not None else None


def period_of(m: re.Match[str]) -> str:
    """A `PERIOD_RE` match, normalised: "1-6月", "上半年", "一季度", "2017年"."""
    if m.group("range"):
        first, last = month_range(m.group("range")) or (0, 0)
        return f"{first}-{last}月"
    if m.group("named"):
        return m.group("named").lstrip("第").translate(str.maketrans("1234", "一二三四"))
    return f"{m.group('year')}年"


def find_periods(text: str) -> list[str]:
    """Every period the text names, normalised, in order."""
    return [period_of(m) for m in PERIOD_RE.finditer(text)]


def asked_period(text: str) -> str | None:
    """The most specific period a question names: a month range or named period beats a bare year."""
    found = find_periods(text)
    if not found:
        for pattern, period in EN_PERIODS:
            if pattern.search(text):
                return period
        return None
    specific = [p for p in found if not p.endswith("年") or p in ("上半年", "下半年", "全年")]
    return (specific or found)[0]


def same_period(a: str | None, b: str | None) -> bool:
    """Do two normalised periods name the same stretch of the year ("上半年" and "1-6月")?"""
    if a is None or b is None:
        return False
    return a == b or EQUIVALENT.get(a, a) == EQUIVALENT.get(b, b)


def month_ranges(text: str) -> list[tuple[int, int]]:
    """Every month range the text names, as (first, last) months, in order."""
    return [r for m in _MONTH_RANGE_RE.finditer(text) if (r := month_range(m.group()))]


def _report_range_end(text: str) -> int | None:
    """The last month of the first "1-N月" range in the text (a range that starts in January)."""
    return next((last for first, last in month_ranges(text) if first == 1 and 1 <= last <= 12), None)


def report_period(text: str) -> str | None:
    """The period a title or phrase names, as a report's period: "1-6月" -> "上半年", "年度工作总结" -> "全年" ..."""
    end = _report_range_end(text)
    if "上半年" in text or re.search(r"(?<!下)半年工作", text) or end == 6:
        return "上半年"
    if "前三季度" in text or end == 9:
        return "前三季度"
    if re.search(r"(?:第)?一季度", text) or end == 3:
        return "一季度"
    if end is not None:
        return _BY_END_MONTH.get(end, f"1-{end}月")
    if "下半年" in text and not PLAN_TITLE.search(text):
        return "下半年"
    if re.search(r"全年|年度|年终|总结|工作报告|情况的?报告|述职", text):
        return "全年"
    if PLAN_TITLE.search(text):
        return "工作计划"
    return None
