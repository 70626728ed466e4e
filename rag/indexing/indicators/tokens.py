"""A sentence cut into clauses (,;:) and a clause into tokens: period, value, growth, progress, rank (or a change
that is not year-on-year, ignored). Each token shape is one small regex."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rag.text.numerals import ordinal as ordinal_number
from rag.text.periods import PERIOD_RE, period_of
from rag.text.vocab import (
    alternation,
    markers,
    rank_scopes,
    value_units,
)

NUM = r"\d+(?:\.\d+)?"
# Growth numbers keep an explicit sign: "增幅-11.9%", "下降-58.6%" (full-width minus too).
_SIGNED_PCT = r"[-+−－]?\d+(?:\.\d+)?[%％]"
_PCT = r"\d+(?:\.\d+)?[%％]"

# Clauses: commas, semicolons (which also close the current fact) and colons ("工业指标:1-10月,...").
_CLAUSE_SEP_RE = re.compile(r"[，,；;：:]")
_SEMICOLONS = "；;"

# Units after a number (rag/text/data/units.toml), in the file's order so "万平方米" wins over "万" and "个百分点"
# over "个".  Years, months and days (年 月 日) are deliberately absent: "2021年", "11月18日" are never values.
UNITS = value_units()
# A value: number, optional 余/多 ("300余万元", "1100余份"), unit, optional trailing qualifier.  Not preceded by a
# letter, digit, "." or "-" so "K12", "H5次方", "1-2个" and "9313" fragments are never read as values.
VALUE_RE = re.compile(
    rf"(?<![A-Za-z0-9.\-])(?P<num>{NUM})(?:余|多)?(?P<unit>{'|'.join(map(re.escape, UNITS))})(?:余|多|{alternation(markers('qualifier'))})?"
)
# What may follow a value for it to be a stated fact.  Anything else ("50亿元的京东项目", "16个产业类项目",
# "100万以上税源项目") makes the number an attribute of a noun, not an indicator.
_VALUE_END_CHARS = set("，,；;。：:、）)」”』.!！？? \t\r\n")
_VALUE_CONTINUATIONS = ("同比", "比上年", "比去年", "较上年", "较去年", "较同期", "增", "降", "下降", "（", "(")

# Year-on-year change.  环比 (vs previous period) is not year-on-year, nor is 年均 (an average over several
# years): matched separately (_NOT_YOY_RE) and ignored.
_NOT_YOY = ("环比", "年均")
_GROWTH_RE = re.compile(
    "".join(f"(?<!{w})" for w in _NOT_YOY)
    + r"(?P<kw>(?:同比|分别|同口径|可比口径){0,2}(?:增长|增幅|增速|下降|降幅|减少|下滑|回落|上升|提高|增加))"
    r"(?:分别)?(?:为|达到|达|约|了)?"
    rf"(?P<nums>{_SIGNED_PCT}(?:[和、及]{_SIGNED_PCT})*)"
    # A range or qualifier belongs to the figure as written ("增长6%—7%", "增长5%左右", "增长12%以上"): kept in the
    # quoted text, never parsed as a second number.
    rf"(?:[—–~～至到-]{_PCT})?(?:{alternation(markers('qualifier'))})?"
    # "增长6%以上、力争7%以上": the higher aim stated with a target is part of it
    rf"(?:[，,、](?:{alternation(markers('aim'))}){_PCT}(?:{alternation(markers('qualifier'))})?)?"
)
NEGATIVE_GROWTH_WORDS = ("下降", "降幅", "减少", "下滑", "回落")
# A change against a base further back than last year ("比“十二五”期末增长29.6%", "比2015年增长") is not
# year-on-year either; "比上年", "比去年", "比同期" are.
_OLDER_BASE = r"比(?!上年|去年|同期|上月)[^，,；;。比]{1,12}?(?:期末|年末|年底|(?:19|20)\d{2}年)"
_NOT_YOY_RE = re.compile(
    rf"(?:{'|'.join(_NOT_YOY)}|{_OLDER_BASE})(?:分别)?(?:增长|增幅|下降|降幅|减少|上升|提高)(?:分别)?(?:为|达到|达|约|了)?{_SIGNED_PCT}(?:[和、及]{_SIGNED_PCT})*"
)

# Progress against the annual target: "进度52.4%", "完成年度目标的111.87%", "完成年度计划投资78.2%",
# "占全年计划的70%", "完成区政府年初下达指标108.6%".  The gap before 目标/计划 may not contain digits, so
# "完成规模工业产值47.64亿元" is never mistaken for it.
_PROGRESS_RE = re.compile(
    r"(?:(?:完成)?进度(?:为|达到?|已达)?"
    r"|(?:完成|占)[^，,；;。：:%％\d]{0,12}?(?:目标|计划|指标|任务)(?:投资|数)?的?)"
    rf"(?P<nums>{_PCT}(?:[和、及]{_PCT})*)"
)

# Ranks: "位列全区第一", "排名全区第二", "居全县首位", "全区第一", "全区排名第三".  A scope (全X) or a ranking verb
# is required so "第一书记", "第一道防线", "第五批" never count; "全区前列" carries no number and is skipped.
SCOPE = rf"(?:{alternation(rank_scopes())})"
_ORD = r"(?:第(?P<ord{n}>[一二三四五六七八九十\d]+)(?:位|名)?(?![批届道次个轮期季])|(?P<first{n}>首位))"
_RANK_RE = re.compile(
    r"(?P<all>均|都)?"
    rf"(?:(?:位列|排名|名列|位居|排在|居|列|排)?(?P<scope1>{SCOPE}){_ORD.format(n=1)}"
    rf"|(?P<scope2>{SCOPE})?(?:位列|排名|名列|位居|排在|居){_ORD.format(n=2)})"
)


@dataclass
class Token:
    kind: str  # "period" | "value" | "growth" | "progress" | "rank" | "ignore"
    start: int  # clause-relative
    end: int
    text: str
    nums: list[tuple[float, str]] = field(default_factory=list)  # growth/progress: one per listed number
    unit: str | None = None
    period: str | None = None
    rank: int | None = None
    scope: str | None = None
    applies_to_all: bool = False  # "均位列全区第一"


def clauses(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, follows_semicolon) for each clause of text[start:end]."""
    pos, after_semicolon = start, False
    for m in _CLAUSE_SEP_RE.finditer(text, start, end):
        yield pos, m.start(), after_semicolon
        pos, after_semicolon = m.end(), m.group() in _SEMICOLONS
    yield pos, end, after_semicolon


def pct_numbers(nums_text: str) -> list[tuple[float, str]]:
    """ "7.5%和6.5%" -> [(7.5, "7.5%"), (6.5, "6.5%")]; full-width minus read as minus."""
    out = []
    for m in re.finditer(r"[-+−－]?\d+(?:\.\d+)?[%％]", nums_text):
        s = m.group()
        out.append((float(s.rstrip("%％").replace("−", "-").replace("－", "-")), s))
    return out


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def _value_is_stated(clause: str, end: int) -> bool:
    """True when the text after a value ends the fact (boundary, 同比…, or "和" before another number)."""
    rest = clause[end:]
    if not rest or rest[0] in _VALUE_END_CHARS:
        return True
    if rest.startswith(_VALUE_CONTINUATIONS):
        return True
    # "191.5亿元和138.5亿元": a list of values, not "106户和万家塘14户" (a noun follows).
    return rest[0] in "和及与" and len(rest) > 1 and rest[1].isdigit()


def scan_clause(clause: str) -> list[Token]:
    """All tokens of one clause, in order; modifiers are found first so their numbers are never values."""
    tokens: list[Token] = []
    taken: list[tuple[int, int]] = []

    for m in _NOT_YOY_RE.finditer(clause):
        tokens.append(Token("ignore", m.start(), m.end(), m.group()))
        taken.append(m.span())
    for m in _GROWTH_RE.finditer(clause):
        if _overlaps(m.span(), taken):
            continue
        nums = pct_numbers(m.group("nums"))
        if any(w in m.group("kw") for w in NEGATIVE_GROWTH_WORDS):
            # 下降/降幅 mean negative; an explicit sign is kept as written ("下降-58.6%" -> -58.6).
            nums = [(v if t[0] in "-+−－" else -v, t) for v, t in nums]
        tokens.append(Token("growth", m.start(), m.end(), m.group(), nums=nums))
        taken.append(m.span())
    for m in _PROGRESS_RE.finditer(clause):
        if _overlaps(m.span(), taken):
            continue
        tokens.append(Token("progress", m.start(), m.end(), m.group(), nums=pct_numbers(m.group("nums"))))
        taken.append(m.span())
    for m in _RANK_RE.finditer(clause):
        if _overlaps(m.span(), taken):
            continue
        ordinal = m.group("ord1") or m.group("ord2")
        rank = 1 if (m.group("first1") or m.group("first2")) else ordinal_number(ordinal or "")
        if rank is None:
            continue
        start = m.start("all") + len(m.group("all")) if m.group("all") else m.start()
        tokens.append(
            Token(
                "rank",
                start,
                m.end(),
                clause[start : m.end()],
                rank=rank,
                scope=m.group("scope1") or m.group("scope2"),
                applies_to_all=bool(m.group("all")),
            )
        )
        taken.append(m.span())
    for m in PERIOD_RE.finditer(clause):
        if _overlaps(m.span(), taken):  # "占全年计划的70%": 全年 there is part of the progress phrase
            continue
        tokens.append(Token("period", m.start(), m.end(), m.group(), period=period_of(m)))
        taken.append(m.span())
    for m in VALUE_RE.finditer(clause):
        if _overlaps(m.span(), taken) or not _value_is_stated(clause, m.end()):
            continue
        if m.group("unit") == "个百分点":  # a change in points, not a level; never seen with a metric in front
            continue
        tokens.append(
            Token(
                "value",
                m.start(),
                m.end(),
                m.group(),
                unit=m.group("unit"),
                nums=[(float(m.group("num")), m.group("num"))],
            )
        )
    tokens.sort(key=lambda t: t.start)
    return tokens
