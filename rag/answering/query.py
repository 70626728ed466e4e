"""What a question asks, read off its text with general rules: streets, reports in scope, metric, period, intent.

Nothing here knows a particular report: streets come from the loaded reports' metadata, metrics from the
synonym table in rag.indexing.indicators, English words from a small glossary of report vocabulary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba
from pypinyin import lazy_pinyin

from rag.answering.retrieval import QueryAnalysis, short_name, street_aliases
from rag.indexing.indicators import METRIC_SYNONYMS, find_metric
from rag.indexing.keywords import keyword_tokens
from rag.ingest import places

# ------------------------------------------------------------------------------------------------ glossary
# English report vocabulary -> the Chinese words the reports use. Longest phrase wins; each phrase is matched on
# word boundaries. Used to find the metric and to score sentences for English questions (the answer still quotes
# the Chinese text).
EN_GLOSSARY: dict[str, tuple[str, ...]] = {
    "general public budget revenue": ("一般公共预算收入",),
    "public budget revenue": ("一般公共预算收入",),
    "budget revenue": ("一般公共预算收入",),
    "fiscal revenue": ("一般公共预算收入",),
    "gross domestic product": ("地区生产总值",),
    "gdp": ("地区生产总值",),
    "fixed-asset investment": ("固定资产投资",),
    "fixed asset investment": ("固定资产投资",),
    "fixed-assets investment": ("固定资产投资",),
    "industrial investment": ("工业投入",),
    "manufacturing investment": ("制造业投资",),
    "above-scale industrial output": ("规模工业产值",),
    "above-designated-size industrial output": ("规模工业产值",),
    "industrial output above designated size": ("规模工业产值",),
    "large-scale industrial output": ("规模工业产值",),
    "industrial output": ("工业产值",),
    "total industrial output": ("工业总产值",),
    "retail sales of consumer goods": ("社会消费品零售总额",),
    "retail sales": ("零售",),
    "wholesale": ("批零",),
    "catering": ("餐饮",),
    "foreign capital": ("外资",),
    "foreign investment": ("外资",),
    "foreign funds": ("外资",),
    "actually received": ("到账",),
    "actually receive": ("到账",),
    "actual": ("实际",),
    "utilized foreign capital": ("实际利用外资",),
    "service sector": ("服务业",),
    "service industry": ("服务业",),
    "services": ("服务业",),
    "value added": ("增加值",),
    "disposable income": ("可支配收入",),
    "tax revenue": ("税收",),
    "taxes": ("税收",),
    "patent applications": ("专利申请",),
    "patents": ("专利",),
    "invention": ("发明",),
    "high-tech enterprises": ("高新技术企业",),
    "enterprises": ("企业",),
    "companies": ("企业",),
    "firms": ("企业",),
    "households": ("户",),
    "residents": ("居民",),
    "population": ("人口",),
    "permanent population": ("常住人口",),
    "unemployment rate": ("失业率",),
    "imports and exports": ("进出口",),
    "foreign trade": ("进出口",),
    "projects": ("项目",),
    "project": ("项目",),
    "key projects": ("重点项目",),
    "investment": ("投资",),
    "revenue": ("收入",),
    "income": ("收入",),
    "output": ("产值",),
    "sales": ("销售",),
    "visit": ("走访",),
    "visited": ("走访",),
    "screen": ("排查",),
    "screened": ("排查",),
    "inspect": ("排查",),
    "inspected": ("排查",),
    "covid-19": ("疫情",),
    "covid": ("疫情",),
    "epidemic": ("疫情",),
    "pandemic": ("疫情",),
    "outbreak": ("疫情",),
    "share": ("比重",),
    "proportion": ("比重",),
    "rank": ("全区",),
    "ranked": ("全区",),
    "ranking": ("全区",),
    "year on year": ("同比",),
    "year-on-year": ("同比",),
    "growth": ("增长",),
    "target": ("目标",),
    "goal": ("目标",),
    "plan": ("计划",),
    "land": ("土地",),
    "buildings": ("楼宇",),
    "disputes": ("矛盾纠纷",),
    "cases": ("案件",),
    "complaints": ("信访",),
    "party members": ("党员",),
    "satisfaction": ("满意度",),
    "safety hazards": ("隐患",),
    "hazards": ("隐患",),
    "rectification": ("整改",),
    "grid": ("网格",),
    "community health service center": ("社区卫生服务中心",),
    "incubators": ("孵化",),
    "talent": ("人才",),
    "employment": ("就业",),
    "jobs": ("岗位",),
    "demolition": ("拆迁",),
    "relocation": ("搬迁",),
    "resettlement housing": ("安置房",),
}
_GLOSSARY_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(EN_GLOSSARY, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
# English periods, rendered as the reports write them (the answer never adds digits the passage lacks).
EN_PERIODS = (
    (re.compile(r"\bfirst half\b|\bh1\b", re.I), "上半年"),
    (re.compile(r"\bsecond half\b|\bh2\b", re.I), "下半年"),
    (re.compile(r"\bjan(?:uary)?\s*(?:-|–|to|through)\s*jun(?:e)?\b", re.I), "1-6月"),
    (re.compile(r"\bjan(?:uary)?\s*(?:-|–|to|through)\s*may\b", re.I), "1-5月"),
    (re.compile(r"\bfull year\b|\bwhole year\b", re.I), "全年"),
)

# ------------------------------------------------------------------------------------------------ patterns
_PERIOD_RE = re.compile(
    r"(?P<m>\d{1,2})\s*[-—–~～至到]\s*(?P<m2>\d{1,2})\s*月份?"
    r"|(?P<named>上半年|下半年|全年|前三季度|[一二三四]季度)"
    r"|(?P<year>(?:19|20)\d{2})\s*年(?![初底末中度])"
)
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:\s*年|(?![\d\u4e00-\u9fff%.]))")  # not the 2030 of "2030支撑项目"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_RELATIVE_YEAR = re.compile(r"[今本当去明]年度?")  # "今年" is the report's year: not something to match in the text
_WHICH_STREET = re.compile(r"哪(?:个|些|一个|一)(?:街道|镇|乡)|\bwhich\s+(?:subdistrict|street|town)s?\b", re.I)
_WHICH_METRICS = re.compile(r"哪些(?:指标|数据|方面|经济指标)|\bwhich\s+(?:indicators|metrics|figures)\b", re.I)
_CN_ORD = "一二三四五六七八九十"
_RANK_ASKED = re.compile(
    rf"(?:位列|排名|名列|位居|排在|居|列|排)?(?P<scope>全(?:区|县|市|省))?(?:排名|排)?第(?P<n>[{_CN_ORD}\d]+)(?:位|名)?"
    rf"|(?P<first>首位)"
)
_EN_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
_EN_ORDINALS += ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th"]
_RANK_EN = re.compile(r"\b(?:rank(?:ed|s)?|placed|came)\s+(?:no\.\s*)?(" + "|".join(_EN_ORDINALS) + r")\b", re.I)
_RANK_VERB = re.compile(r"位列|排名|名列|位居|排在|全(?:区|县|市|省)")
_ASKS_RANK = re.compile(r"第几|排名如何|排名怎样|几名|\brank(?:ed|ing)?\b", re.I)
_MAX = re.compile(r"最(?:高|多|大|快|好)|\b(?:highest|most|largest|biggest|fastest)\b", re.I)
_MIN = re.compile(r"最(?:低|少|小|慢|差)|\b(?:lowest|least|smallest|slowest)\b", re.I)
_WHICH_MORE = re.compile(
    r"(?:哪个|谁)[^，,？?]{0,20}?(?:更)?(?:多|高|大|快)|更(?:多|高|大|快)|\b(?:higher|more|larger|bigger)\b", re.I
)
_WHICH_LESS = re.compile(
    r"(?:哪个|谁)[^，,？?]{0,20}?(?:更)?(?:少|低|小|慢)|更(?:少|低|小|慢)|\b(?:lower|less|smaller)\b", re.I
)
_COMPARE = re.compile(r"比较|对比|相比|分别|各是|各为|哪个|\bcompare|\bversus\b|\bvs\.?\b", re.I)
_GROWTH = re.compile(
    r"增幅|增速|增长|同比|变化|降幅|下降|\bgrowth\b|\bgrow|\bincrease|\bchange|year[- ]on[- ]year", re.I
)
_PROGRESS = re.compile(r"进度|完成[^，,？?。]{0,8}(?:目标|计划|任务)[^，,？?。]{0,4}(?:的)?(?:百分之|多少|几)")
_PLAN = re.compile(r"下半年|明年|目标|计划|打算|力争|安排|措施|思路|\bplan|\btarget|\bgoal", re.I)
_ESTIMATE = re.compile(r"预计|预期|\bforecast|\bexpected\b|\bestimate", re.I)
_SHARE = re.compile(r"比重|占比|所占|比例|\bshare\b|\bproportion\b|percentage of", re.I)
_PERCENT = re.compile(r"百分之|率|比重|占比|增幅|增速|%|\bpercent|\brate\b|\bshare\b", re.I)
_UNITS = [
    "个百分点",
    "万平方米",
    "平方米",
    "平方",
    "亿元",
    "万元",
    "万美元",
    "元",
    "亩",
    "户",
    "家次",
    "家",
    "件",
    "个",
    "名",
    "人次",
    "人",
    "处",
    "起",
    "座",
    "项",
    "场",
    "次",
    "天",
    "年",
    "期",
    "份",
    "条",
    "本",
    "辆",
    "套",
    "批次",
    "课时",
]
_EXPECTED_UNIT = re.compile(r"(?:多少|几)(" + "|".join(map(re.escape, _UNITS)) + ")")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")
# Words that ask rather than say: they split the question into content runs and are never content themselves.
_ASK_WORDS = re.compile(
    r"是多少|有多少|为多少|多少|是什么|有什么|什么时候|什么|哪些|哪个|哪一个|哪|怎么样|怎样|怎么|如何|几|请问|分别|各是|"
    r"各为|是否|有没有|情况|的|了|吗|呢|和|与|及|、|在全区|排第|第几|百分之"
)
_ASKS = re.compile(r"多少|几|什么|哪些|哪个|如何|怎么|是否|\bhow\b|\bwhat\b|\bwhich\b|\bwhen\b", re.I)
# Words that say what kind of answer is wanted ("有什么安排"), not what it is about.
_INTENT_WORDS = re.compile(r"方面|安排|打算|措施|举措|思路|目标|情况")
_CJK = re.compile(r"[\u3400-\u9fff]")
_PLACE_WORD = re.compile(r"..[区县市省镇乡村]$")
_FUNCTION_CHARS = set("在有为是对把被从到用了的和与及或并将向以于共各该本其这那都也还就又年月个")
jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True)
class Query:
    text: str
    english: bool
    words: tuple[str, ...]  # the question's content words (Chinese questions), for finding rare names
    terms: tuple[str, ...]  # Chinese content terms a supporting sentence should contain (bigrams / glossary words)
    search_text: str  # what retrieval is asked (English questions get their Chinese glossary words appended)
    streets: tuple[str, ...]  # known streets named, in order of mention
    unknown_streets: tuple[str, ...]
    years: tuple[int, ...]
    metric: str | None  # a catalog metric (a key of METRIC_SYNONYMS)
    period: str | None  # as asked, normalised like Indicator.period: "1-6月", "上半年", "2017年"
    rank: int | None  # "位列全区第一" asked -> 1
    rank_scope: str | None
    asks_rank: bool  # "排第几", "how did it rank"
    which_street: bool
    which_metrics: bool
    superlative: str | None  # "max" | "min"
    order: str | None  # "哪个多" -> "max", "哪个少" -> "min" (between the streets named)
    compare: bool
    facet: str  # "value" | "growth" | "progress"
    plan: bool  # asks about a target or plan
    estimate: bool  # asks for forecast (预计) figures
    share: bool  # asks for a share / proportion
    wants_percent: bool
    expected_units: tuple[str, ...]
    referent: str | None  # "开展“荷管家”楼宇网格排查" of "…的那个街道": picks the report, is not what is asked
    asks: int  # how many things are asked ("多少…？整改率多少？" -> 2)
    segments: dict[str, str] = field(default_factory=dict)  # street -> the part of the question about it


def is_english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) > len(letters) / 2


def glossary_terms(text: str) -> list[str]:
    """The Chinese words an English question's vocabulary stands for, in order, each once."""
    out: list[str] = []
    for m in _GLOSSARY_RE.finditer(text):
        for word in EN_GLOSSARY[m.group(1).lower()]:
            if word not in out:
                out.append(word)
    return out


def normalize_period(m: re.Match[str]) -> str:
    if m.group("m"):
        return f"{int(m.group('m'))}-{int(m.group('m2'))}月"
    if m.group("named"):
        return m.group("named")
    return f"{m.group('year')}年"


def asked_period(text: str) -> str | None:
    """The most specific period a question names: a month range or named period beats a bare year."""
    found = [normalize_period(m) for m in _PERIOD_RE.finditer(text)]
    if not found:
        for pattern, period in EN_PERIODS:
            if pattern.search(text):
                return period
        return None
    specific = [p for p in found if not p.endswith("年") or p in ("上半年", "下半年", "全年")]
    return (specific or found)[0]


def _ordinal(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    values = {c: i for i, c in enumerate(_CN_ORD, start=1)}
    if len(word) == 1:
        return values.get(word)
    if word.startswith("十"):
        return 10 + values.get(word[1:], 0)
    return None


def asked_rank(text: str) -> tuple[int | None, str | None]:
    """ "位列全区第一" / "排名第三" / "ranked first" asked -> (1, "全区"); a bare "第一" (第一书记) is not a rank."""
    m = _RANK_EN.search(text)
    if m:
        word = m.group(1).lower()
        return (_EN_ORDINALS.index(word) % 10) + 1, "全区" if "district" in text.lower() else None
    for m in _RANK_ASKED.finditer(text):
        if m.group("first"):
            return 1, m.group("scope")
        around = text[max(0, m.start() - 4) : m.end()]
        if not _RANK_VERB.search(around):
            continue
        n = _ordinal(m.group("n"))
        if n is not None:
            return n, m.group("scope")
    return None, None


def mentions(text: str, streets: Iterable[str]) -> list[tuple[int, str, str]]:
    """(position, street, as written) of each known street named in the text, in order."""
    found: list[tuple[int, str, str]] = []
    lowered = text.lower()
    for street in streets:
        for alias in dict.fromkeys(street_aliases(street)):
            pos = lowered.find(alias.lower())
            if pos >= 0:
                found.append((pos, street, text[pos : pos + len(alias)]))
                break
    return sorted(found)


_JOINERS = re.compile(r"以及|还有|\band\b|\bvs\.?|versus|[和与及跟同、,，;；\s]", re.I)


def street_segments(text: str, named: list[tuple[int, str, str]]) -> dict[str, str]:
    """Each street's part of a comparison: from its name to the next street's name. A part that is only the name
    and a joiner ("秦灶街道和" in "秦灶街道和河海街道的救助资金分别是多少") shares what the last part asks."""
    last_pos, _s, last_written = named[-1]
    shared = text[last_pos + len(last_written) :]
    out: dict[str, str] = {}
    for i, (pos, street, written) in enumerate(named):
        end = named[i + 1][0] if i + 1 < len(named) else len(text)
        part = text[pos:end]
        if not _JOINERS.sub("", part[len(written) :]):
            part = written + shared
        out.setdefault(street, part)
    return out


def content_words(text: str, remove: Iterable[str] = ()) -> list[str]:
    """What a Chinese question is about, as words: names, periods and asking words taken out, the rest cut by
    jieba, a lone content character glued to its neighbour."""
    for word in sorted(set(remove), key=len, reverse=True):
        if word:
            text = text.replace(word, "｜")
    for pattern in (_PERIOD_RE, _YEAR_RE, _RELATIVE_YEAR, _EXPECTED_UNIT, _ASK_WORDS, _INTENT_WORDS):
        text = pattern.sub("｜", text)
    words = [w for w in _merge_single(jieba.lcut(text)) if w.isdigit() or (_CJK.match(w) and len(w) >= 2)]
    return list(dict.fromkeys(words))


def content_terms(text: str, remove: Iterable[str] = ()) -> list[str]:
    """Match terms of a Chinese question: its content words, long ones as bigrams so "整改率" also matches
    "问题整改率达92%". Cutting into words first keeps junk bigrams across word borders ("查发" of "排查发现") out:
    they match nothing and would weigh a lot. Place names stay whole ("钟楼区" is not "楼区")."""
    terms: list[str] = []
    for word in content_words(text, remove):
        whole = word.isdigit() or len(word) == 2 or _PLACE_WORD.search(word)
        terms.extend([word] if whole else keyword_tokens(word))
    return list(dict.fromkeys(terms))


def _merge_single(words: list[str]) -> list[str]:
    """Glue a lone content character to its neighbour ("整改"+"率", "小"+"李塘"): alone it matches everything,
    dropped it loses what the question asks. Function characters ("在", "的") stay apart."""
    merged: list[str] = []
    for w in words:
        prev = merged[-1] if merged else ""
        glue = (len(w) == 1 or len(prev) == 1) and not ({w, prev} & _FUNCTION_CHARS)
        if prev and glue and _CJK.fullmatch(w[0]) and _CJK.fullmatch(prev[-1]):
            merged[-1] = prev + w
        else:
            merged.append(w)
    return merged


def english_terms(text: str) -> list[str]:
    """Bigrams of the Chinese words an English question maps to; one-character words stay whole ("户")."""
    terms: list[str] = []
    for word in glossary_terms(text):
        terms.extend(keyword_tokens(word) if len(word) > 1 else [word])
    return list(dict.fromkeys(terms))


def understand(question: str, analysis: QueryAnalysis, known_streets: list[str]) -> Query:
    english = is_english(question)
    named = mentions(question, analysis.streets or known_streets) if analysis.streets else []
    streets = tuple(dict.fromkeys(s for _p, s, _w in named)) or analysis.streets
    zh_words = glossary_terms(question) if english else []
    zh_text = " ".join(zh_words) if english else question
    progress_free = _PROGRESS.sub("", question)
    remove = [w for _p, _s, w in named] + [a for s in streets for a in street_aliases(s)]
    referent = None if english or streets else referent_clause(question)
    terms = (
        # Chinese written inside an English question ("Xiandai City (现代城)") is the surest term it has.
        list(dict.fromkeys([*english_terms(question), *content_terms(" ".join(_CJK_RUN.findall(question)), remove)]))
        if english
        else content_terms(question, [*remove, referent or ""])
    )
    rank, rank_scope = asked_rank(question)
    order = "max" if _WHICH_MORE.search(question) else "min" if _WHICH_LESS.search(question) else None
    facet = "growth" if _GROWTH.search(question) else "progress" if _PROGRESS.search(question) else "value"
    return Query(
        text=question,
        english=english,
        words=() if english else tuple(content_words(question, [*remove, referent or ""])),
        terms=tuple(terms),
        search_text=f"{question} {' '.join(zh_words)}" if zh_words else question,
        streets=tuple(streets),
        unknown_streets=analysis.unknown_streets,
        years=analysis.years,
        metric=find_metric(zh_text),
        period=asked_period(question),
        rank=rank,
        rank_scope=rank_scope,
        asks_rank=bool(_ASKS_RANK.search(question)) or (english and "全区" in zh_words),
        which_street=bool(_WHICH_STREET.search(question)),
        which_metrics=bool(_WHICH_METRICS.search(question)),
        superlative="max" if _MAX.search(question) else "min" if _MIN.search(question) else None,
        order=order if len(streets) >= 2 else None,
        compare=len(streets) >= 2 and bool(_COMPARE.search(question) or order),
        facet=facet,
        plan=bool(_PLAN.search(progress_free)),
        estimate=bool(_ESTIMATE.search(question)),
        share=bool(_SHARE.search(question)),
        wants_percent=bool(_PERCENT.search(question)),
        expected_units=tuple(dict.fromkeys(_EXPECTED_UNIT.findall(question))),
        referent=referent,
        asks=len(_ASKS.findall(question)),
        segments=street_segments(question, named) if len(streets) >= 2 else {},
    )


def quoted_terms(question: str) -> list[str]:
    return [m.group(1).strip() for m in _QUOTED.finditer(question) if m.group(1).strip()]


def referent_clause(question: str) -> str | None:
    """ "有大庙弄片区的那个街道，…" -> "有大庙弄片区": the street is picked by what its report says."""
    m = re.search(r"([^，,。？?；;]{2,40}?)的?(?:那个|这个|那一个)(?:街道|镇|乡)", question)
    if m:
        return m.group(1)
    m = re.search(r"([^，,。？?；;]{2,40}?)的(?:街道|镇|乡)[，,]", question)
    return m.group(1) if m else None


def metric_surfaces(metric: str) -> tuple[str, ...]:
    """Every way the reports write a catalog metric."""
    return (metric, *METRIC_SYNONYMS.get(metric, ()))


_LEVEL_ENGLISH = {
    "街道": "subdistrict",
    "镇": "town",
    "乡": "township",
    "区": "district",
    "县": "county",
    "县级市": "city",
    "市": "city",
    "州": "prefecture",
    "自治州": "autonomous prefecture",
    "盟": "league",
    "省": "province",
}


def street_english(street: str) -> str:
    """ "西林街道" -> "Xilin subdistrict (西林街道)", "嘉兴市" -> "Jiaxing city (嘉兴市)", "全国" -> "China (全国)"."""
    if street == places.NATION:
        return f"China ({street})"
    kind = _LEVEL_ENGLISH.get(places.level_of(street) or "", "")
    name = "".join(lazy_pinyin(short_name(street))).capitalize()
    return f"{name} {kind} ({street})" if kind else f"{name} ({street})"
