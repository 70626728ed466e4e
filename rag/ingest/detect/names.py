"""Named units in a report's text, by level: the 街道/镇/乡 (township level), the 区/县 (county level) and the
市 (prefecture level) it names most formally, and its year, period and title lines.

General rules, no list of known places: a name is None when the evidence is weak. `rag.ingest.detect.facts` decides
from these which one is the report's own place.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rag.ingest.detect import facts
from rag.ingest.detect.lines import SOURCE_LINE, clean_lines
from rag.text.cjk import is_cjk
from rag.text.lexicon import word_tag
from rag.text.numerals import CN_LIST_DIGITS
from rag.text.periods import PLAN_TITLE, YEAR, month_ranges, report_period
from rag.text.vocab import words

_ADMIN_CHARS = frozenset("省市区县")
# Characters that may stand right before a place name (besides anything that is not a Han character).
_BOUNDARY_CHARS = frozenset("年月日在与和及对由向将把从让经为是的被给同跟至到于")
# A 街道/镇/乡 name never ends with these: "全街道", "各街道", "城乡", "乡镇", "小镇", "城镇", "区委区" ...
_NAME_END_STOP = frozenset(
    "全各本该我此每其个级等的和与及在到为对由从把将向了是有被给让于至省市区县镇乡村城小古重名强坐集老下返家故同他异委社"
)
# ... nor start with these (they belong to the words before the name).
_NAME_START_STOP = frozenset("在与和及对由向将把从让经为是的被给同跟至到于今以了")
# Verb-like endings ("制定街道", "落实市"): allowed only with formal evidence (title, 《》, admin chain).
_SOFT_END = frozenset("实彻成达评加入选往出过施定动升固办理合立离留治展进推")
# Words that stand before 街道/镇 without being a name ("精品街道", "示范街道", "特色小镇").
_GENERIC_NAMES = words(
    "精品 示范 文明 特色 先进 模范 样板 标杆 星级 优秀 平安 美丽 幸福 智慧 活力 创新 品质 宜居 生态 绿色 和谐 法治 "
    "重点 试点 乡村 农村 城市 商业 背街 新型 现代 传统 整洁 干净 卫生 园林 花园 低碳 健康 书香 数字 智能 人文 安全 "
    "放心 诚信 清洁 开放 相关 其他 其它 所在 所属 周边 其余 兄弟 有关 部分 多个 两个 各个"
)
_TOWNSHIP_NEXT_STOP = {
    "镇": frozenset("村街区域级"),
    "乡": frozenset("村镇贤愁土亲音情下里邻间野"),
    "街道": frozenset(),
}
# What follows a report's own name when it is the subject of a sentence ("，西林街道将…", "西林街道在区委…").
_SUBJECT_NEXT = re.compile(
    r"(?:将|在|把|要|以|已|于|坚持|认真|全面|紧紧|始终|积极|深入|按照|围绕|紧扣|上下|全体|共|今年|上半年|实现|完成)"
)
_INSTITUTION_NEXT = re.compile(r"(?:办事处|党工委|工委|人民政府|政府|党委|纪工委|纪委|管委会|人大|机关)")
_COUNTY_END_STOP = frozenset(
    "全各本该我此每其个级等的和与及在到为对由从把将向了是有被给让于至省市县镇乡村委社小城片辖街景园校学厂郊疫灾矿库营控范务心聚验贸护能发地分险行济"
)
_GENERIC_COUNTIES = words("开发 高新 经开 工业 新城 老城 主城 城乡 农业 旅游 度假 商务 保税 综保")
_PREFECTURE_END_STOP = frozenset(
    "城全各本我该此每超菜股上夜集门街早黑牛熊开闭休罢省县区都级路场农范强大地"
    + CN_LIST_DIGITS
    + "两多和与及在对由向为于"
)
# Dictionary tags (jieba) that mark a word as a verb, preposition, adverb ... rather than a name: "确保市", "按照区".
_NOT_NAME_TAGS = words("v vd vn p c d r u f q m t ad uj ul")

_YEAR_RE = re.compile(rf"({YEAR})\s*(?:年|(?=[上下]半年))")
_TITLE_PREFIX = re.compile(rf"^(?:关于|中共|{YEAR}\s*年度?|[\s【\[（(《“\"])+")
_CHAIN = re.compile(
    r"(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?"
    r"(?P<prefecture>[\u4e00-\u9fff]{2,6}?市)?"
    r"(?P<county>[\u4e00-\u9fff]{2,7}?(?:区|县|旗))?"
    r"(?P<township>[\u4e00-\u9fff]{2,5}?(?:街道|镇|乡))?"
)


@dataclass
class _Evidence:
    """What the text says around one candidate name (e.g. "西林街道")."""

    prefix: str
    anchored: int = 0  # occurrences with a boundary right before the name
    formal: int = 0  # in 《》 or right after 区/市/县/省
    institution: int = 0  # followed by 办事处/党工委/政府 ... ("开展街道党工委…" shows it is weaker than formal)
    subject: int = 0  # at a clause start and followed by 将/在/坚持 ...
    strong: int = 0  # in a title line, a head line, a 来源 line or the file name


def _chain(line: str) -> dict[str, str]:
    """ "江苏省南通市崇川区秦灶街道…" at the start of a line -> {prefecture, county, township}."""
    line = SOURCE_LINE.sub(r"\1", line)
    line = _TITLE_PREFIX.sub("", line)
    m = _CHAIN.match(line)
    return {key: value for key, value in m.groupdict().items() if value} if m else {}


def _is_boundary(text: str, index: int) -> bool:
    if index < 0:
        return True
    ch = text[index]
    return not is_cjk(ch) or ch in _ADMIN_CHARS or ch in _BOUNDARY_CHARS


def _hard_rejected_township(prefix: str, text: str, start: int) -> bool:
    last2 = prefix[-2:]
    if prefix[-1] in _NAME_END_STOP or prefix[0] in _NAME_START_STOP or last2 in _GENERIC_NAMES:
        return True
    # "崇川区秦灶" is not a name: the admin character ends the name before it.
    return prefix[0] in _ADMIN_CHARS and start > 0 and is_cjk(text[start - 1])


def _township_evidence(text: str) -> dict[str, _Evidence]:
    found: dict[str, _Evidence] = {}
    for m in re.finditer(r"街道|镇|乡", text):
        suffix, i = m.group(), m.start()
        if text[m.end() : m.end() + 1] and text[m.end()] in _TOWNSHIP_NEXT_STOP[suffix]:
            continue
        for k in (2, 3, 4):
            prefix = text[i - k : i] if i - k >= 0 else ""
            if not prefix or not all(is_cjk(ch) for ch in prefix):
                break
            anchored = _is_boundary(text, i - k - 1)
            if (k == 4 and not anchored) or _hard_rejected_township(prefix, text, i - k):
                continue
            ev = found.setdefault(prefix + suffix, _Evidence(prefix))
            _add_occurrence(ev, text, i - k, m.end(), anchored)
    return found


def _add_occurrence(ev: _Evidence, text: str, start: int, end: int, anchored: bool) -> None:
    before = text[start - 1] if start > 0 else "\n"
    after = text[end : end + 6]
    ev.anchored += anchored
    if before in "《【" or before in _ADMIN_CHARS:
        ev.formal += 1
    elif _INSTITUTION_NEXT.match(after):
        ev.institution += 1
    elif anchored and before in "\n，,。；;：:！!？?、 " and _SUBJECT_NEXT.match(after):
        ev.subject += 1


def _add_strong(found: dict[str, _Evidence], lines: Iterable[str], key: str) -> None:
    for line in lines:
        name = _chain(line).get(key)
        if not name:
            continue
        prefix = re.sub(r"(街道|镇|乡|区|县|旗|市)$", "", name)
        if key == "county" and (prefix[-1] in _COUNTY_END_STOP or prefix[-2:] in _GENERIC_COUNTIES):
            continue  # "开发区…工作总结", "社区…": not a county-level unit
        if key == "prefecture" and prefix[-1] in _PREFECTURE_END_STOP:
            continue
        found.setdefault(name, _Evidence(prefix)).strong += 1


def _township_points(name: str, ev: _Evidence, text: str) -> float:
    full = text.count(name)
    bare_extra = max(0, text.count(ev.prefix) - full)
    named = 3 * ev.formal + 2 * (ev.institution + ev.subject)
    return 10 * ev.strong + named + full + min(5.0, 0.25 * bare_extra)


def _township_ok(name: str, ev: _Evidence, text: str) -> bool:
    if ev.strong:
        return not _hard_rejected_township(ev.prefix, ev.prefix, 0)
    if not ev.anchored or _township_points(name, ev, text) < 4:
        return False
    return ev.formal > 0 or _body_name_ok(ev)


def _best(scored: dict[str, float], text: str) -> str | None:
    if not scored:
        return None
    # Highest points; then the name mentioned more often; then the earlier one (deterministic).
    return max(scored, key=lambda name: (scored[name], text.count(name), -_first_index(text, name)))


def _first_index(text: str, name: str) -> int:
    index = text.find(name)
    return index if index >= 0 else len(text)


def _detect_township(text: str, strong: list[str]) -> str | None:
    found = _township_evidence(text)
    _add_strong(found, strong, "township")
    scored = {name: _township_points(name, ev, text) for name, ev in found.items() if _township_ok(name, ev, text)}
    return _best(scored, text) or _indirect_township(text)


# Indirect evidence when a report calls itself only "街道": slogans and self-names around its short name,
# e.g. "，新闸人将…", "贡献新闸力量", "共栽“河海幸福树”", "乐居河海”", "阳光西林”".
_LEFT_MARKERS = tuple(sorted(words("贡献 阳光 幸福 乐居 智美 魅力 活力 美丽 和谐 平安 法治 人文 智慧 品质")))
_RIGHT_MARKERS = tuple(sorted(words("人 力量 经验 模式 样板 品牌 特色 好声音 故事 速度 担当 百姓 企业家 幸福")))


def _enclosed_side(text: str, index: int, markers: tuple[str, ...], left: bool) -> str | None:
    """'|' when the name is delimited here by punctuation/text edge, the marker when by a marker, else None."""
    if index < 0 or index >= len(text) or not is_cjk(text[index]):
        return "|"
    for marker in markers:
        if left and text[max(0, index - len(marker) + 1) : index + 1] == marker:
            return marker
        if not left and text.startswith(marker, index):
            return marker
    return None


def _indirect_hits(text: str) -> dict[str, set[str]]:
    """Short names (2-3 Han characters) enclosed by a marker on one side and a marker or punctuation on the other."""
    hits: dict[str, set[str]] = {}

    def consider(start: int, k: int) -> None:
        token = text[start : start + k]
        if start < 0 or len(token) < k or not all(is_cjk(ch) for ch in token):
            return
        if token in _GENERIC_NAMES or token[-1] in _NAME_END_STOP:
            return
        left = _enclosed_side(text, start - 1, _LEFT_MARKERS, left=True)
        right = _enclosed_side(text, start + k, _RIGHT_MARKERS, left=False)
        if left and right and (left, right) != ("|", "|"):
            hits.setdefault(token, set()).add(left if left != "|" else right)

    # Every hit touches a marker, so only the places next to markers need looking at.
    for marker in _LEFT_MARKERS:
        for m in re.finditer(re.escape(marker), text):
            consider(m.end(), 2)
            consider(m.end(), 3)
    for marker in _RIGHT_MARKERS:
        for m in re.finditer(re.escape(marker), text):
            consider(m.start() - 2, 2)
            consider(m.start() - 3, 3)
    return hits


def _self_kind(text: str) -> str | None:
    """Whether the report speaks of itself as 街道, 镇 or 乡 ("街道认真贯彻…", "我镇", "镇党委")."""
    counts = {
        "街道": len(re.findall(r"(?<![\u4e00-\u9fff])街道|[我全本该]街道|街道(?:党工委|办事处)", text)),
        "镇": len(re.findall(r"[我全本该]镇|镇(?:党委|政府|人大)", text)),
        "乡": len(re.findall(r"[我全本该]乡|乡(?:党委|政府|人大)", text)),
    }
    kind, count = max(counts.items(), key=lambda item: item[1])
    return kind if count >= 3 and list(counts.values()).count(count) == 1 else None


def _indirect_township(text: str) -> str | None:
    kind = _self_kind(text)
    if kind is None:
        return None
    hits = _indirect_hits(text)
    winners = [token for token, kinds in hits.items() if len(kinds) >= 2 and text.count(token) >= 3]
    if len(winners) != 1:
        return None
    token = winners[0]
    # "荷花" (法治荷花, “荷花模式”) next to "荷花池" (幸福荷花池): which is the name is unknowable -> None.
    if any(other != token and (token in other or other in token) for other in hits):
        return None
    return token + kind


def _admin_evidence(
    text: str, suffix_re: str, end_stop: frozenset[str], formal_before: str, lower: tuple[str, ...]
) -> dict[str, _Evidence]:
    """Candidates "XX区" / "XX市": 2-4 Han characters before the suffix, delimited on the left for 3-4.

    Formal evidence: a formal character right before ("《新北区", "江苏省常州市") or a lower unit already
    detected right after ("钟楼区南大街街道", "常州市钟楼区").
    """
    found: dict[str, _Evidence] = {}
    for m in re.finditer(suffix_re, text):
        i = m.start()
        for k in (2, 3, 4):
            prefix = text[i - k : i] if i - k >= 0 else ""
            if not prefix or not all(is_cjk(ch) for ch in prefix):
                break
            anchored = _is_boundary(text, i - k - 1)
            bad = prefix[-1] in end_stop or prefix[-2:] in _GENERIC_COUNTIES or prefix[0] in _NAME_START_STOP
            if bad or (k > 2 and not anchored) or (prefix[0] in _ADMIN_CHARS and not anchored):
                continue
            ev = found.setdefault(prefix + m.group(), _Evidence(prefix))
            ev.anchored += anchored
            before_formal = i - k > 0 and text[i - k - 1] in formal_before
            ev.formal += before_formal or any(text.startswith(name, m.end()) for name in lower if name)
    return found


def _body_name_ok(ev: _Evidence) -> bool:
    """Without formal evidence the prefix must not be a dictionary verb/adverb or end like one."""
    return ev.prefix[-1] not in _SOFT_END and word_tag(ev.prefix) not in _NOT_NAME_TAGS


def _detect_county(text: str, strong: list[str], township: str | None) -> str | None:
    # Formal evidence, or a dictionary place name ("ns") mentioned at least twice.
    found = _admin_evidence(text, r"区|县", _COUNTY_END_STOP, "《【市", (township or "",))
    _add_strong(found, strong, "county")
    scored = {
        name: 10 * ev.strong + 3 * ev.formal + text.count(name)
        for name, ev in found.items()
        if ev.strong
        or ev.formal
        or (ev.anchored and text.count(name) >= 2 and _body_name_ok(ev) and word_tag(ev.prefix) == "ns")
    }
    return _best(scored, text)


def _prefecture_points(name: str, ev: _Evidence, text: str) -> float:
    bare_extra = max(0, text.count(ev.prefix) - text.count(name))
    return 10 * ev.strong + 3 * ev.formal + text.count(name) + min(3.0, 0.5 * bare_extra)


def _prefecture_ok(name: str, ev: _Evidence, text: str) -> bool:
    if ev.strong or ev.formal:
        return True
    # "常州市" once plus "常州精神" elsewhere; but "确保市、区…" is a verb before 市.
    named_elsewhere = text.count(ev.prefix) > text.count(name)
    known_place = word_tag(ev.prefix) == "ns"
    return named_elsewhere and _body_name_ok(ev) and (known_place or ev.anchored > 0)


def _detect_prefecture(text: str, strong: list[str], lower: tuple[str, ...]) -> str | None:
    # "力争市区…", "推进市区…": the word before 市区 (a city's urban area) is as often a verb as a name: no evidence.
    found = _admin_evidence(text, r"市(?!场|政|容|民|值|面|井|级|区)", _PREFECTURE_END_STOP, "《【省", lower)
    _add_strong(found, strong, "prefecture")
    scored = {name: _prefecture_points(name, ev, text) for name, ev in found.items() if _prefecture_ok(name, ev, text)}
    return _best(scored, text)


def _year_points(text: str) -> Counter[int]:
    """Each "20XX年" scores; more when it opens the report or names the report's own period."""
    points: Counter[int] = Counter()
    for m in _YEAR_RE.finditer(text):
        year = int(m.group(1))
        after = text[m.end() : m.end() + 6]
        points[year] += 1
        if m.start() < 200:
            points[year] += 3
        if re.match(r"\s*(?:是|上半年|下半年|全年|以来|[1一]\s*[-—至到]|一季度|前三季度|工作总结|度|[,，])", after):
            points[year] += 2
    return points


def detect_year(text: str, titles: list[str]) -> int | None:
    for line in titles:
        if m := _YEAR_RE.search(line):
            return int(m.group(1))
    points = _year_points(text)
    if not points:
        return None
    ranked = points.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None  # two years equally likely: do not guess
    return ranked[0][0]


def detect_period(text: str, titles: list[str], year: int | None) -> str | None:
    for line in titles:
        if period := report_period(line):
            return period
    headings = [line for line in clean_lines(text) if len(line) <= 30]
    if any("上半年" in line or re.search(r"(?<!下)半年工作", line) for line in headings):
        return "上半年"
    if "下半年" in text and (re.search(r"上半年|半年来", text) or (1, 6) in month_ranges(text)):
        return "上半年"
    if year is not None and re.search(rf"{year + 1}\s*年(?:度)?(?:工作)?(?:总体)?(?:{PLAN_TITLE.pattern})", text):
        return "全年"  # a year's summary followed by next year's plan
    if len(re.findall(r"全年", text)) >= 2 and "上半年" not in text:
        return "全年"
    return None


def _subject_township(text: str) -> str | None:
    """The one 街道/镇/乡 a short report names as a sentence's subject or with its institution ("，文新街道坚持…"),
    when too few mentions pass the stricter township rule."""
    found = _township_evidence(text)
    named = [
        name
        for name, ev in found.items()
        if ev.anchored and (ev.subject or ev.institution or ev.formal) and (ev.formal or _body_name_ok(ev))
    ]
    return named[0] if len(named) == 1 else None


# 广东's 街道 call themselves "X街" ("2021年,市桥街团结带领全街干部群众…"): the short name as a sentence's subject.
_SHORT_TOWNSHIP = re.compile(
    rf"(?:^|[\n，,。；;：:])\s*(?:{YEAR}年[，,]?)?([\u4e00-\u9fff]{{2,3}})街(?!道)"
    rf"(?=团结|带领|{_SUBJECT_NEXT.pattern})"
)


def _short_township(text: str) -> str | None:
    """ "市桥街道" for a report that speaks of itself as 全街/我街 and names "市桥街" as a subject, else None."""
    if facts.self_references(text)["街"] < 2:
        return None
    names = Counter(m.group(1) for m in _SHORT_TOWNSHIP.finditer(text) if m.group(1) not in _GENERIC_NAMES)
    return f"{names.most_common(1)[0][0]}街道" if len(names) == 1 else None


def lower_units(text: str, strong: list[str], titles: list[str], year: int | None, period: str | None) -> facts.Hints:
    """The 街道/镇/乡, 区/县 and 市 the text names most formally, its year, and the one subject 街道/镇 of a short
    report: the hints `facts.describe` weighs against the report's formal lines."""
    township = _detect_township(text, strong)
    county = _detect_county(text, strong, township)
    prefecture = _detect_prefecture(text, strong, (county or "", township or ""))
    title = titles[0] if titles else None
    subject = None if township else _subject_township(text) or _short_township(text)
    return facts.Hints(township, county, prefecture, year, period, title, subject)
