"""Whose report is this, and when: the place at any level (街道 … 国家), its parents, the years, the kind.

A person reading a report looks at the title, the line "——2021年1月12日在咸宁市第五届人民代表大会第五次会议上",
"现在，我代表市人民政府…", the speaker line ("市长 王远鹤"), how the report speaks of itself ("我市", "全镇",
"街道上下"), dates and the file name. `describe` does the same, by general rules over the administrative vocabulary
in rag/text/data/places.toml. A field it is unsure of stays empty (never a made-up name); every value carries the
confidence of the signal it came from.

The names a text gives its units at the lower levels (its 街道/镇/乡, 区/县 and 市), its year, period and title
come from rag.ingest.detect.names as `Hints`; this module weighs them against the formal lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rag.ingest.detect.lines import ENUMERATED, filename_line, head_lines
from rag.text.numerals import CN_LIST_DIGITS, CN_YEAR, parse_int, year_number
from rag.text.periods import PLAN_TITLE, YEAR, YEAR_RE
from rag.text.places import HAN as _HAN
from rag.text.places import NATION, is_unit_name, level_of, vocabulary
from rag.text.vocab import alternation, markers, rank_verbs, standing_words

KINDS = ("政府工作报告", "年度总结", "半年总结", "工作计划")
FIELDS = ("place", "level", "parents", "year", "plan_year", "kind")
# Confidence of each kind of signal (0-1). Below LOW a value is shown as uncertain; a guess below FLOOR is dropped.
STATED = 0.95  # the report says it in a formal line: "在嘉兴市第八届人民代表大会", "我代表国务院"
TITLE = 0.9  # a title line / chain "南通市崇川区秦灶街道"
RULE = 0.75  # a general rule over a formal signal: a 政府工作报告 delivered in 2021 reviews 2020
BODY = 0.65  # how the body speaks of itself (counts of "我市/全市", a name mentioned as the subject)
WEAK = 0.5  # indirect evidence (slogans, a short form); shown as uncertain
LOW = 0.7


@dataclass(frozen=True)
class Facts:
    """What a report says about itself; `confidence` holds (field, 0-1) for the fields that have a value."""

    place: str | None = None
    level: str | None = None
    parents: tuple[str, ...] = ()  # top-down: ("浙江省",) for 嘉兴市; ("常州市", "钟楼区") for a 街道
    year: int | None = None  # the year its figures describe
    plan_year: int | None = None  # the year it plans for
    kind: str | None = None  # one of KINDS
    confidence: tuple[tuple[str, float], ...] = field(default=(), compare=False)

    def confidence_of(self, name: str) -> float:
        return dict(self.confidence).get(name, 0.0)


@dataclass(frozen=True)
class Hints:
    """The units the text names at the lower levels (rag.ingest.detect.names), and the report's period/title."""

    township: str | None = None  # the 街道/镇/乡 named most formally
    county: str | None = None  # the 区/县 named most formally
    prefecture: str | None = None  # the 市 named most formally
    year: int | None = None
    period: str | None = None
    title: str | None = None
    subject: str | None = None  # the one 街道/镇 named as a sentence's subject ("2022年,文新街道坚持…")


# ------------------------------------------------------------------------------------------------ signals

_CN_NUM = CN_LIST_DIGITS
_DATE = re.compile(rf"({YEAR}|{CN_YEAR})\s*年\s*([\d{_CN_NUM}]{{1,3}})\s*月\s*[\d{_CN_NUM}]{{1,3}}\s*日")
# The opening of 国家统计局's yearly bulletin ("中华人民共和国2021年国民经济和社会发展统计公报 … 国家统计局").
_NATIONAL_BULLETIN = re.compile(rf"^中华人民共和国\s*(?:{YEAR}年)?国民经济和社会发展统计公报", re.M)
# "在嘉兴市第八届人民代表大会第四次会议上", "在第十三届全国人民代表大会…", "在市八届人大四次会议上".
_CONGRESS = re.compile(
    rf"在\s*(?P<name>[{_HAN}]{{0,16}}?)\s*第?[{_CN_NUM}\d]+\s*届\s*(?P<nation>全国)?\s*人民代表大会"
    rf"|在\s*(?P<short>[{_HAN}]{{0,16}}?)[{_CN_NUM}]+届人大"
)
# "现在，我代表三明市人民政府", "我代表市政府", "我代表国务院".
_REPRESENT = re.compile(rf"我代表\s*(?P<name>[{_HAN}]{{0,16}}?)\s*(?P<gov>人民政府|政府|国务院)")
_YEAR = YEAR_RE
_REVIEW = re.compile(rf"({YEAR})\s*年(?:的)?(?:工作回顾|主要工作|工作总结|工作情况)")
_PLAN = re.compile(
    rf"({YEAR})\s*年(?:的)?(?:政府)?(?:工作)?(?:总体)?(?:主要)?"
    rf"(?:{alternation(markers('plan_title') + markers('plan_part'))})"
)
_REVIEW_WORDS = re.compile(r"今年以来|一年来|过去的?一年|刚刚过去|已完成|累计完成|圆满完成")


@cache
def _speaker() -> re.Pattern[str]:
    """The speaker line under a 政府工作报告's title: "三明市人民政府市长 李春", "国务院总理　李克强"."""
    heads = "|".join(sorted(vocabulary().heads, key=len, reverse=True))
    return re.compile(rf"^(?P<who>[{_HAN}]{{0,20}}?)(?:代)?(?P<head>{heads})\s*[{_HAN}·\s]{{2,6}}$")


def planned_year(head: str) -> int | None:
    """The year a 政府工作报告 delivered on the date in its opening lines plans for: that year, or the next one for a
    session held in December ("——2018年12月25日在常德市…" plans 2019 and reviews 2018)."""
    m = _DATE.search(head)
    if m is None:
        return None
    return year_number(m.group(1)) + (1 if parse_int(m.group(2)) == 12 else 0)


def delivered_span(text: str, head_chars: int = 400) -> tuple[int, int] | None:
    """Offsets of the date a report was delivered, when its opening lines state one (an answer cites it)."""
    m = _DATE.search(text[:head_chars])
    return m.span() if m else None


@dataclass
class _Guess:
    """A candidate value with the confidence of its best signal."""

    value: object = None
    confidence: float = 0.0

    def offer(self, value: object, confidence: float) -> None:
        if value is not None and value != () and confidence > self.confidence:
            self.value, self.confidence = value, confidence


def _unit_from_words(name: str, stated: list[str]) -> str | None:
    """ "嘉兴市" -> 嘉兴市; "常州市钟楼区" -> 钟楼区 (常州市 goes to `stated` parents); "" -> None (a level, no name)."""
    name = re.sub(r"^(?:中共)", "", name)
    if _level_word(name):
        return None  # "我代表自治区人民政府": a level, not a name ("自治区" ends with 区 but names no district)
    units = _chain_units(name) if name else []
    if units and "".join(units) == name:
        stated[:] = units[:-1]
        return units[-1]
    return name if name and is_unit_name(name) else None


def _level_word(name: str) -> str | None:
    """The level a bare level word names: "市" -> 市, "自治区" -> 省, "自治州" -> 自治州; a name -> None."""
    return vocabulary().self_words.get(name) or dict(vocabulary().suffixes).get(name)


def _government_signals(head_text: str) -> tuple[_Guess, _Guess, list[str], bool]:
    """(place, level, stated parents, is a 政府工作报告) from the congress line, "我代表…人民政府", the speaker."""
    place, level = _Guess(), _Guess()
    stated: list[str] = []
    found = False
    if m := _CONGRESS.search(head_text):
        found = True
        if m.group("nation"):
            place.offer(NATION, STATED)
            level.offer("国家", STATED)
        else:
            name = m.group("name") if m.group("name") is not None else m.group("short") or ""
            unit = _unit_from_words(name, stated)
            if unit:
                place.offer(unit, STATED)
                level.offer(level_of(unit), STATED)
            elif _level_word(name):
                level.offer(_level_word(name), STATED)
    if m := _REPRESENT.search(head_text):
        found = True
        name = m.group("name")
        if m.group("gov") == "国务院":
            place.offer(NATION, STATED)
            level.offer("国家", STATED)
        elif unit := _unit_from_words(name, stated):
            place.offer(unit, TITLE)
            level.offer(level_of(unit), TITLE)
        elif _level_word(name):
            level.offer(_level_word(name), TITLE)
    for line in head_lines(head_text, 8):
        if m := _speaker().match(line):
            level.offer(vocabulary().heads[m.group("head")], BODY)
            who = re.sub(r"(?:人民政府|政府)$", "", m.group("who"))
            if who == "国务院":
                place.offer(NATION, STATED)
            elif unit := _unit_from_words(who, stated):
                place.offer(unit, TITLE)
    return place, level, stated, found or "政府工作报告" in head_text[:200]


# What follows 全区/全市 when it is a scope the report is measured in ("全区第一", "全区首个", "全市街道中").
_RANK_AFTER = re.compile(
    rf"第|{alternation(standing_words())}|首个|首家|首批|率先|唯一|排名|排位|考核|平均|同类|之最|最高|最低|总量的|比重|占比|"
    r"街道|镇|乡|各"
)
# Rank verbs (not a bare 排: "安排全市…" is the report's own work) and words comparing with the scope ("占全市的").
_RANK_BEFORE = re.compile(
    rf"(?:{alternation([v for v in rank_verbs(short=True) if v != '排'])}|占|领跑|高于|低于|超过|跻身)$"
)


def self_references(text: str) -> Counter[str]:
    """How often the report speaks of itself by each self word as written: 我市/全市/本市 -> "市", 全街 -> "街".
    Other words (全市场, 本市民, 全街区) and a parent's scope ("位列全区第一", "占全市的") do not count."""
    counts: Counter[str] = Counter()
    words = "|".join(sorted(vocabulary().self_words, key=len, reverse=True))
    for m in re.finditer(rf"[我全本]({words})", text):
        following = text[m.end() : m.end() + 1]
        if (m.group(1) == "市" and following in "场民值") or (m.group(1) == "街" and following in "区巷头坊景面"):
            continue  # 全市场, 本市民, 全街区: other words
        if _RANK_AFTER.match(text, m.end()) or _RANK_BEFORE.search(text[max(0, m.start() - 3) : m.start()]):
            continue  # "位列全区第一", "占全市的": the parent's scope, not the report's own unit
        counts[m.group(1)] += 1
    return counts


def _self_counts(text: str) -> Counter[str]:
    """How often the report speaks of itself at each level: 我市/全市/本市, 我街道, "街道上下"…"""
    counts: Counter[str] = Counter()
    for word, n in self_references(text).items():
        counts[vocabulary().self_words[word]] += n
    # A 街道 report often says just "街道" as the subject: "，街道认真贯彻…", "街道上下", "街道党工委".
    counts["街道"] += len(
        re.findall(rf"(?<![{_HAN}])街道|(?<=[{_HAN}])街道上下|(?<=[和及与、])街道(?=党工委|办事处)", text)
    )
    # "镇党委", "乡政府" (not "乡镇政府", "各镇党委"): the town's own institutions.
    for unit in ("镇", "乡"):
        counts[unit] += len(re.findall(rf"(?<![{_HAN}]){unit}(?:党委|政府|人大)", text))
    return counts


def _body_level(text: str) -> tuple[str | None, float]:
    """The level the report speaks at; a short text that does so once, with no other level, counts weakly."""
    counts = _self_counts(text)
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] == 0:
        return None, 0.0
    top, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    if n < 3:  # a short text: a weak lead is still a lead, shown as uncertain
        return (top, WEAK) if n > second else (None, 0.0)
    if n >= 2 * second:
        return top, BODY
    return (top, WEAK) if n > second else (None, 0.0)


_CHAIN = re.compile(
    rf"^(?:关于)?(?P<chain>(?:[{_HAN}]{{2,10}}?(?:省|自治区))?(?:[{_HAN}]{{2,10}}?(?:自治州|市|州|盟|地区))?"
    rf"(?:[{_HAN}]{{2,8}}?(?:区|县|旗|市))?(?:[{_HAN}]{{2,6}}?(?:街道|镇|乡))?)"
)


def _chain_units(line: str) -> list[str]:
    """ "南通市崇川区秦灶街道2021年工作计划" -> ["南通市", "崇川区", "秦灶街道"] (top-down, each a valid unit)."""
    m = _CHAIN.match(line)
    if not m or not m.group("chain"):
        return []
    suffixes = alternation([suffix for suffix, _ in vocabulary().suffixes])
    units = re.findall(rf"[{_HAN}]{{2,10}}?(?:{suffixes})", m.group("chain"))
    if "".join(units) != m.group("chain") or not all(is_unit_name(u) and not _level_word(u) for u in units):
        return []  # "自治区人民政府主席": a level word, not a unit's name
    ranks = [vocabulary().rank.get(level_of(u) or "", 9) for u in units]
    return units if ranks == sorted(ranks) else []


def _year_headings(text: str) -> list[str]:
    """Numbered headings that name a year's work ("一、2022年工作总结"): they tell the kind, never the place."""
    return [line for line in head_lines(text, 12) if len(line) <= 30 and ENUMERATED.match(line) and _YEAR.search(line)]


def _title_candidates(text: str, filename: str, hints: Hints) -> list[str]:
    lines = [
        line
        for line in head_lines(text, 6)
        if len(line) <= 60 and not re.search(r"[。；;，,]", line) and not ENUMERATED.match(line)
    ]
    if name_line := filename_line(filename):
        lines.append(name_line)
    if hints.title:
        lines.append(hints.title)
    return list(dict.fromkeys(lines))


def _province_parent(text: str) -> tuple[str | None, float]:
    """The province a city report belongs to: named most, clearly ahead of any other, and the text has 省委/全省."""
    if not re.search(r"省委|全省|省政府", text):
        return None, 0.0
    return _most_named_province(text)


def _most_named_province(text: str) -> tuple[str | None, float]:
    """The province (or 自治区) the text names most by its short name, at least twice and twice any other."""
    counts = Counter()
    for full, short in vocabulary().provinces.items():
        if full.endswith("市"):  # a 直辖市 has no 省委 above a city
            continue
        # "白云南路" is a road, not 云南: a name followed by a road word does not count.
        counts[full] = len(re.findall(rf"{short}(?!路|街|大道|巷|桥|村|社区)", text))
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < 2 or ranked[0][1] < 2 * ranked[1][1]:
        return None, 0.0
    return ranked[0][0], BODY


# A 州 named formally: a document's title ("《黔南州国民经济和社会发展…》") or its party committee ("中共黔南州委").
_FORMAL_STATE = re.compile(rf"(?:《|中共)([{_HAN}]{{2,5}}?州)(?=[{_HAN}])")


def _formal_prefecture_state(text: str) -> str | None:
    """The one "XX州" a 州's report names formally, and more than once in all; None when unsure."""
    provinces = set(vocabulary().provinces.values())
    names = Counter(
        m.group(1)
        for m in _FORMAL_STATE.finditer(text)
        if is_unit_name(m.group(1)) and not any(m.group(1).startswith(p) for p in provinces)
    )
    ranked = sorted(names, key=lambda n: -text.count(n))
    if not ranked or text.count(ranked[0]) < 2 or (len(ranked) > 1 and text.count(ranked[1]) == text.count(ranked[0])):
        return None
    return ranked[0]


# ------------------------------------------------------------------------------------------------ years & kind


def _kind_from_words(lines: list[str], period: str | None) -> str | None:
    joined = " ".join(lines)
    if "政府工作报告" in joined:
        return "政府工作报告"
    if re.search(r"上半年|(?<!下)半年", joined):
        return "半年总结"
    if re.search(r"总结|回顾|汇报|情况", joined):
        return "年度总结"
    if PLAN_TITLE.search(joined):
        return "工作计划"
    return {"上半年": "半年总结", "全年": "年度总结", "工作计划": "工作计划", "前三季度": "年度总结"}.get(period or "")


def _reviewed_before_plan(text: str) -> int | None:
    """Y when the text reviews Y and then plans Y+1 ("2023年,…。2024年,要…"), and names no other year."""
    years = sorted({int(y) for y in _YEAR.findall(text[:5000])})
    if len(years) != 2 or years[1] != years[0] + 1:
        return None
    future = alternation(markers("aim") + markers("forecast") + markers("target"))
    planned = re.search(rf"{years[1]}\s*年\s*[,，]?\s*(?:要|将|{future}|工作思路|主要目标)", text)
    return years[0] if planned else None


def _years(
    text: str, head: str, filename: str, kind: str | None, hints: Hints, titles: list[str]
) -> tuple[_Guess, _Guess]:
    year, plan = _Guess(), _Guess()
    if kind == "政府工作报告":
        if (planned := planned_year(head)) is not None:
            year.offer(planned - 1, RULE + 0.1)
            plan.offer(planned, STATED)
        if m := _REVIEW.search(text[:5000]):
            year.offer(int(m.group(1)), RULE)
            plan.offer(int(m.group(1)) + 1, RULE - 0.05)
        if m := re.search(rf"(?<!\d)({YEAR})(?!\d)", Path(filename).stem):
            plan.offer(int(m.group(1)), WEAK)
            year.offer(int(m.group(1)) - 1, WEAK)
        return year, plan
    title_year = next((int(m.group(1)) for line in titles if (m := _YEAR.search(line))), None)
    if kind == "工作计划":
        planned = title_year or hints.year
        plan.offer(planned, TITLE if title_year else BODY)
        if planned and _REVIEW_WORDS.search(text):  # a plan for year P opens with a review of P-1
            year.offer(planned - 1, WEAK + 0.1)
        return year, plan
    described = title_year or hints.year or _reviewed_before_plan(text)
    year.offer(described, TITLE if title_year else BODY if hints.year else WEAK)
    if described is None:
        return year, plan
    if kind == "半年总结" and "下半年" in text:
        plan.offer(described, RULE)
    elif re.search(rf"{described + 1}\s*年(?:度)?(?:工作)?(?:总体)?(?:{PLAN_TITLE.pattern}|目标|重点)", text):
        plan.offer(described + 1, RULE)
    elif re.search(rf"{described + 1}\s*年\s*[,，]\s*(?:要|将|力争|我们将)", text):
        plan.offer(described + 1, BODY)
    return year, plan


# ------------------------------------------------------------------------------------------------ the whole


def describe(text: str, filename: str, hints: Hints | None = None) -> Facts:
    """Place, level, parents, years and kind of one report; an unsure field stays empty."""
    hints = hints or Hints()
    head = text[:3000]
    titles = _title_candidates(text, filename, hints)
    place, level, stated, government = _government_signals(head)
    if _NATIONAL_BULLETIN.search(head[:300]):  # the national statistical bulletin names no place: it is the country's
        place.offer(NATION, STATED)
        level.offer("国家", STATED)
    chain = next((units for line in titles if (units := _chain_units(line))), [])
    if place.value and stated:
        chain = [*stated, str(place.value)]
    if chain and not place.value:
        place.offer(chain[-1], TITLE)
        level.offer(level_of(chain[-1]), TITLE)
    body_level, body_conf = _body_level(text)
    if not government and body_level:
        level.offer(body_level, body_conf)
    _lower_level_place(place, level, hints, body_level)
    if not place.value and level.value == "省":  # "我代表省人民政府", no name: the province its body names most
        place.offer(*_most_named_province(text))
    if not place.value and level.value in ("州", "自治州"):  # "我代表州人民政府", no name: its formally named 州
        place.offer(_formal_prefecture_state(text), BODY)
    if place.value and level.value is None:
        level.offer(level_of(str(place.value)), place.confidence)
    parents = _parents(text, str(place.value) if place.value else None, level.value, chain, hints)
    if level.value == "市" and any(level_of(p) == "市" for p in parents.value or ()):
        level.value = "县级市"
    kind = "政府工作报告" if government else _kind_from_words(titles + _year_headings(text), hints.period)
    year, plan = _years(text, head, filename, kind, hints, titles)
    kind_confidence = TITLE if kind else 0.0
    if kind is None and year.value and plan.value == year.value + 1:
        kind, kind_confidence = "年度总结", WEAK  # a year reviewed, the next one planned
    values = {
        "place": place,
        "level": level,
        "parents": parents,
        "year": year,
        "plan_year": plan,
        "kind": _Guess(kind, kind_confidence),
    }
    kept = {name: g for name, g in values.items() if g.value not in (None, ()) and g.confidence >= WEAK}
    return Facts(
        place=kept["place"].value if "place" in kept else None,
        level=kept["level"].value if "level" in kept else None,
        parents=tuple(kept["parents"].value) if "parents" in kept else (),
        year=kept["year"].value if "year" in kept else None,
        plan_year=kept["plan_year"].value if "plan_year" in kept else None,
        kind=kept["kind"].value if "kind" in kept else None,
        confidence=tuple((name, round(g.confidence, 2)) for name, g in kept.items()),
    )


def _lower_level_place(place: _Guess, level: _Guess, hints: Hints, body_level: str | None) -> None:
    """Without a formal line, a unit the text names at the level the report speaks at."""
    if place.value:
        return
    wanted = level.value or body_level
    for guess in (hints.township, hints.county, hints.prefecture):
        if not guess or not is_unit_name(guess):
            continue
        guess_level = level_of(guess)
        if wanted is None and guess == hints.township:
            place.offer(guess, WEAK)  # a named 街道/镇 but the report never speaks of itself: uncertain
        elif guess_level == wanted or (wanted == "县" and guess_level == "区"):
            place.offer(guess, BODY if level.confidence >= BODY or body_level == guess_level else WEAK)
        if place.value:
            level.offer(guess_level, place.confidence)
            return
    subject = hints.subject
    if subject and is_unit_name(subject) and wanted in (None, level_of(subject)):
        place.offer(subject, WEAK)  # named once as the subject of a sentence: likely, but shown as uncertain
        level.offer(level_of(subject), WEAK)


def _parents(text: str, place: str | None, level: str | None, chain: list[str], hints: Hints) -> _Guess:
    guess = _Guess()
    rank = vocabulary().rank.get(level or "", 9)
    if level == "国家":
        return guess
    if chain and place and chain[-1] == place and len(chain) > 1:
        guess.offer(tuple(chain[:-1]), TITLE)
        return guess
    found: list[str] = []
    for name in _led_by(text):  # "在钟楼区委、区政府的坚强领导下": the unit above says who leads
        above = vocabulary().rank.get(level_of(name) or "", 9) < rank
        city_over_city = level == "市" and level_of(name) == "市"  # 金华市 leads 义乌市: a 县级市
        if name != place and (above or city_over_city) and name not in found:
            found.append(name)
    if rank >= 3:  # a 区/县 or a 街道/镇 under them: the 市 and 区/县 the text names
        for name in (hints.prefecture, hints.county):
            if name and name != place and is_unit_name(name) and vocabulary().rank.get(level_of(name) or "", 9) < rank:
                found.append(name)
    if rank >= 2 and not any(level_of(p) == "省" for p in found):
        province, _ = _province_parent(text)
        if province and province != place:
            found.insert(0, province)
    if found:
        ranks = {name: vocabulary().rank.get(level_of(name) or "", 9) for name in found}
        guess.offer(tuple(sorted(dict.fromkeys(found), key=lambda n: ranks[n])), BODY)
    return guess


# "在钟楼区委、区政府的坚强领导下", "在金华市委、市政府和义乌市委的正确领导下".
_LED_BY = re.compile(rf"在([{_HAN}]{{2,8}}?(?:省|市|州|盟|区|县))(?:委|党委)[、，和及][^。；]{{0,24}}?领导下")
_NOT_IN_NAME = frozenset("于届各全本我该历的和与及")


def _led_by(text: str) -> list[str]:
    """Units whose party committee leads the report's unit: "在钟楼区委、区政府的坚强领导下" -> ["钟楼区"]."""
    names = [m.group(1) for m in _LED_BY.finditer(text[:20000])]
    return [name for name in dict.fromkeys(names) if is_unit_name(name) and not _NOT_IN_NAME & set(name)]
