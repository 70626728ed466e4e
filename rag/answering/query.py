"""What a question asks, read off its text with general rules: places, reports in scope, metric, period, intent.

Nothing here knows a particular report: places come from the loaded reports' metadata, metrics from the
synonym table and English words from the report vocabulary (rag.text.vocab).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

from rag.answering.retrieval import QueryAnalysis, place_aliases
from rag.indexing.indicators import find_metric, find_metrics, metric_spans
from rag.indexing.keywords import keyword_tokens
from rag.text import places
from rag.text.language import is_english
from rag.text.numerals import CN_DIGITS, EN_ORDINAL_ABBREVIATIONS, EN_ORDINALS, ordinal, parse_en_ordinal
from rag.text.periods import PERIOD_RE, PLAN_PERIOD, YEAR_MENTION, asked_period
from rag.text.vocab import (
    abbreviations,
    alternation,
    asked_units,
    en_glossary,
    expand_abbreviations,
    markers,
    metric_synonyms,
    rank_scopes,
    rank_verbs,
)

# English report vocabulary (rag/text/data/glossary.toml): longest phrase wins, matched on word boundaries, in the
# singular or plural ("disposable incomes").
_GLOSSARY_RE = re.compile(r"\b(" + alternation(en_glossary()) + r")(?:e?s)?\b", re.IGNORECASE)

# ------------------------------------------------------------------------------------------------ patterns
_YEAR_RE = YEAR_MENTION
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_RELATIVE_YEAR = re.compile(r"[今本当去明]年度?")  # "今年" is the report's year: not something to match in the text
# "哪个街道", "which town": the question asks which of the loaded 街道/镇/乡 (a place picked by its figures).
_WHICH_PLACE = re.compile(
    rf"哪(?:个|些|一个|一)(?:街道|镇|乡)|\bwhich\s+(?:{alternation(places.english_words_of(('街道', '镇')))})s?\b", re.I
)
_WHICH_METRICS = re.compile(r"哪些(?:指标|数据|方面|经济指标)|\bwhich\s+(?:indicators|metrics|figures)\b", re.I)
_SCOPES = alternation(rank_scopes())
_RANK_ASKED = re.compile(
    rf"(?:{alternation(rank_verbs(short=True))})?(?P<scope>{_SCOPES})?(?:排名|排)?第(?P<n>[{CN_DIGITS}\d]+)(?:位|名)?"
    rf"|(?P<first>首位)"
)
_RANK_EN = re.compile(
    r"\b(?:rank(?:ed|s)?|placed|came)\s+(?:no\.\s*)?(" + "|".join(EN_ORDINALS + EN_ORDINAL_ABBREVIATIONS) + r")\b", re.I
)
_RANK_VERB = re.compile(rf"{alternation(rank_verbs())}|{_SCOPES}")
# "处于什么位置", "排到什么位置", "什么水平": a rank asked in words. Also asking words (never content).
_POSITION_ASKED = r"(?:处于|处在|排到|排在|位于|居于|位居|居)?(?:什么|怎样的|何种)(?:位置|位次|名次|水平)"
_ASKS_RANK = re.compile(rf"第几|排名如何|排名怎样|几名|{_POSITION_ASKED}|\brank(?:ed|ing)?\b", re.I)
# "第一项是什么", "第二个方面": one item of a list the question asks for (the heading says how many there are).
_ITEM_ASKED = re.compile(rf"第(?P<n>[{CN_DIGITS}\d]{{1,3}})(?:项|个|条|方面|点)")
_MAX = re.compile(r"最(?:高|多|大|快|好)|\b(?:highest|most|largest|biggest|fastest)\b", re.I)
_MIN = re.compile(r"最(?:低|少|小|慢|差)|\b(?:lowest|least|smallest|slowest)\b", re.I)
_WHICH_MORE = re.compile(
    r"(?:哪个|谁)[^，,？?]{0,20}?(?:更)?(?:多|高|大|快)|更(?:多|高|大|快)|\b(?:higher|more|larger|bigger)\b", re.I
)
_WHICH_LESS = re.compile(
    r"(?:哪个|谁)[^，,？?]{0,20}?(?:更)?(?:少|低|小|慢)|更(?:少|低|小|慢)|\b(?:lower|less|smaller)\b", re.I
)
# One place, several figures: "财政总收入和一般公共预算收入分别是多少", "各增长多少".
_SEVERAL = re.compile(r"分别|各是|各为|各(?:增长|有|达|完成|多少)|\brespectively\b|\bboth\b", re.I)
_COMPARE = re.compile(r"比较|对比|相比|分别|各是|各为|哪个|\bcompare|\bversus\b|\bvs\.?\b", re.I)
_GROWTH = re.compile(
    rf"{alternation(markers('growth_question'))}|\bgrowth\b|\bgrow|\bincrease|\bchange|year[- ]on[- ]year", re.I
)
_PROGRESS = re.compile(r"进度|完成[^，,？?。]{0,8}(?:目标|计划|任务)[^，,？?。]{0,4}(?:的)?(?:百分之|多少|几)")
_PLAN = re.compile(rf"{alternation(markers('plan_question'))}|\b(?:{alternation(markers('plan_en'))})", re.I)
_ESTIMATE = re.compile(rf"{alternation(markers('forecast'))}|\b(?:{alternation(markers('forecast_en'))})", re.I)
_TARGET_ASKED = re.compile(
    rf"{alternation(markers('target_question'))}|\b(?:{alternation(markers('target_en'))})", re.I
)
# "统计公报里的网上零售额是怎么定义的？" -> 网上零售额: the term before the definition asked, less the report it names.
_KIND = alternation(markers("report_kind"))
_DEFINES = re.compile(
    rf"^(?:.*?(?:{_KIND})(?:里|中|上)?的?)?(?P<term>[^，,。？?]{{2,20}}?)(?:{alternation(markers('definition_question'))})"
    rf"|^.*?(?:{_KIND})(?:里|中|上)?的?(?P<listed>[^，,。？?]{{2,20}}?)"
    rf"(?:{alternation(markers('definition_question_in_report'))})"
)
_REPORT_KIND = re.compile(alternation(markers("report_kind")))
# The report named as where to read ("国务院2025年政府工作报告里，…", "统计公报中…"), not as what is asked about
# ("木洞镇2024年政府工作报告是由谁…作的").
_KIND_POINTER = re.compile(rf"(?:{_KIND})(?=里|中|上|提出|显示)")
_SHARE = re.compile(rf"{alternation(markers('share_question'))}|\bshare\b|\bproportion\b|percentage of", re.I)
_PERCENT = re.compile(rf"{alternation(markers('percent_question'))}|%|\bpercent|\brate\b|\bshare\b", re.I)
_EXPECTED_UNIT = re.compile(rf"(?:多少|几)({alternation(asked_units())})")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")
# Words that ask rather than say: they split the question into content runs and are never content themselves.
_ASK_WORDS = re.compile(
    # "…的那个街道": the referent's tail, a pointer to a report, not content
    r"的?(?:那个|这个|那一个)(?:街道|镇|乡)|的(?:街道|镇|乡)(?=[，,])|"
    rf"{_POSITION_ASKED}|{_ITEM_ASKED.pattern}|排名(?:如何|怎样|怎么样|情况)|由谁|是谁|谁|"
    r"是多少|有多少|为多少|多少|是什么|有什么|什么时候|什么|哪些|哪个|哪一个|哪[次年届位天条座家所项类种批]?|怎么样|怎样|怎么|如何|几|请问|分别|各是|"
    r"各为|是否|有没有|情况|的|了|吗|呢|和|与|及|、|在全区|排第|第几|百分之"
)
_ASKS = re.compile(r"多少|几|什么|哪|谁|如何|怎么|是否|\bhow\b|\bwhat\b|\bwhich\b|\bwhen\b", re.I)
# Words that say what kind of answer is wanted ("有什么安排"), not what it is about.
# A share is stated as "占全区36%": the share words ask for the kind of figure, like the intent words.
_INTENT_WORDS = re.compile(alternation(markers("intent_question") + markers("share_question")))
_CJK = re.compile(r"[\u3400-\u9fff]")
_PLACE_WORD = re.compile(r"..[区县市省镇乡村]$")
_FUNCTION_CHARS = set("在有为是对把被从到用了的和与及或并将要向以于共各该本其这那都也还就又年月个占中量")
jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True)
class Query:
    text: str
    english: bool
    words: tuple[str, ...]  # the question's content words (Chinese questions), for finding rare names
    terms: tuple[str, ...]  # Chinese content terms a supporting sentence should contain (bigrams / glossary words)
    search_text: str  # what retrieval is asked (English questions get their Chinese glossary words appended)
    places: tuple[str, ...]  # known places named, in order of mention
    unknown_places: tuple[str, ...]
    years: tuple[int, ...]
    metric: str | None  # a catalog metric (a key of rag.text.vocab.metric_synonyms())
    metrics: tuple[str, ...]  # every catalog metric named, in order ("财政总收入和一般公共预算收入…")
    period: str | None  # as asked, normalised like Indicator.period: "1-6月", "上半年", "2017年"
    rank: int | None  # "位列全区第一" asked -> 1
    rank_scope: str | None
    asks_rank: bool  # "排第几", "how did it rank"
    which_place: bool
    which_metrics: bool
    superlative: str | None  # "max" | "min"
    order: str | None  # "哪个多" -> "max", "哪个少" -> "min" (between the places named)
    compare: bool
    facet: str  # "value" | "growth" | "progress"
    plan: bool  # asks about a target or plan
    estimate: bool  # asks for forecast (预计) figures
    share: bool  # asks for a share / proportion
    wants_percent: bool
    expected_units: tuple[str, ...]
    referent: str | None  # "开展“荷管家”楼宇网格排查" of "…的那个街道": picks the report, is not what is asked
    asks: int  # how many things are asked ("多少…？整改率多少？" -> 2)
    item: int | None = None  # "第一项是什么" -> 1: an item of the list a sentence introduces
    several: bool = False  # more than one figure asked of one place ("是多少？增长多少？", "…和…分别是多少")
    segments: dict[str, str] = field(default_factory=dict)  # place -> the part of the question about it
    # The terms that make up the question's metric ("规上工业产值" -> 规上, 工业, 业产, 产值): a sentence naming that
    # metric in any of its written forms ("规模工业总产值") holds them all.
    metric_terms: tuple[str, ...] = ()
    # The term whose meaning is asked ("网上零售额是怎么定义的" -> 网上零售额): its defining sentence answers.
    defines: str | None = None


def glossary_terms(text: str) -> list[str]:
    """The Chinese words an English question's vocabulary stands for, in order, each once."""
    out: list[str] = []
    for m in _GLOSSARY_RE.finditer(text):
        for word in en_glossary()[m.group(1).lower()]:
            if word not in out:
                out.append(word)
    return out


def english_words_for(text: str, metric: str) -> tuple[str, ...]:
    """The Chinese words the English phrase naming `metric` stands for ("industrial investment" -> 工业投入,
    工业投资): a report writing any of them names what was asked."""
    surfaces = metric_surfaces(metric)
    out: list[str] = []
    for m in _GLOSSARY_RE.finditer(text):
        words = en_glossary()[m.group(1).lower()]
        if any(w in surfaces or find_metric(w) == metric for w in words):
            out += words
    return tuple(dict.fromkeys(out))


def asks_target(text: str) -> bool:
    """Does (this part of) a question ask about a target figure ("力争…", "目标…") rather than an achieved one?"""
    return bool(_TARGET_ASKED.search(text))


def asked_rank(text: str) -> tuple[int | None, str | None]:
    """ "位列全区第一" / "排名第三" / "ranked first" asked -> (1, "全区"); a bare "第一" (第一书记) is not a rank."""
    m = _RANK_EN.search(text)
    if m:
        return parse_en_ordinal(m.group(1)), _english_scope(text)
    for m in _RANK_ASKED.finditer(text):
        if m.group("first"):
            return 1, m.group("scope")
        around = text[max(0, m.start() - 4) : m.end()]
        if not _RANK_VERB.search(around):
            continue
        n = ordinal(m.group("n"))
        if n is not None:
            return n, m.group("scope")
    return None, None


def mentions(text: str, known: Iterable[str]) -> list[tuple[int, str, str]]:
    """(position, place, as written) of each known place named in the text, in order."""
    found: list[tuple[int, str, str]] = []
    lowered = text.lower()
    known = list(known)
    for name in known:
        # the country compared with other places ("全国和北京…") is named as 全国 too: its part starts there
        joined = name == places.NATION and len(known) > 1
        forms = ["全国", *place_aliases(name)] if joined else place_aliases(name)
        for alias in dict.fromkeys(forms):
            pos = lowered.find(alias.lower())
            if pos >= 0:
                found.append((pos, name, text[pos : pos + len(alias)]))
                break
    return sorted(found)


_JOINERS = re.compile(r"以及|还有|\band\b|\bvs\.?|versus|[和与及跟同、,，;；\s]", re.I)


def place_segments(text: str, named: list[tuple[int, str, str]]) -> dict[str, str]:
    """Each place's part of a comparison, as its own question: what precedes the first name (the year, in
    "2020年佛山和南平的…"), then from its name to the next place's name. A part that is only the name and a
    joiner ("秦灶街道和" in "秦灶街道和河海街道的救助资金分别是多少") shares what the last part asks; one that is
    the name and its own year ("云浮市2023年和扬州市2024年的…目标") shares it with its own year, not the last one's."""
    last_pos, _s, last_written = named[-1]
    shared = text[last_pos + len(last_written) :]
    lead = text[: named[0][0]]
    out: dict[str, str] = {}
    for i, (pos, name, written) in enumerate(named):
        end = named[i + 1][0] if i + 1 < len(named) else len(text)
        part = text[pos:end]
        own = _JOINERS.sub("", part[len(written) :])
        if not own:
            part = written + shared
        elif i + 1 < len(named) and not _YEAR_RE.sub("", own):  # its own year(s) and nothing else
            part = written + "".join(m.group(0) for m in _YEAR_RE.finditer(own)) + _YEAR_RE.sub("", shared)
        out.setdefault(name, lead + part)
    return out


def content_words(text: str, remove: Iterable[str] = ()) -> list[str]:
    """What a Chinese question is about, as words: names, periods and asking words taken out, the rest cut by
    jieba, a lone content character glued to its neighbour."""
    for word in sorted(set(remove), key=len, reverse=True):
        if word:
            text = text.replace(word, "｜")
    for pattern in (PLAN_PERIOD, PERIOD_RE, _YEAR_RE, _RELATIVE_YEAR, _EXPECTED_UNIT, _ASK_WORDS, _INTENT_WORDS):
        text = pattern.sub("｜", text)
    words = [_lead_trimmed(w) for w in _merge_single(jieba.lcut(text))]
    return list(dict.fromkeys(w for w in words if w.isdigit() or (_CJK.match(w) and len(w) >= 2)))


def _lead_trimmed(word: str) -> str:
    """ "要筑牢" -> "筑牢": jieba's new-word guesses glue a modal or preposition to the verb after it; a leading
    function character that makes no dictionary word with the next one ("要素", "在建" do) is not content."""
    while len(word) >= 3 and word[0] in _FUNCTION_CHARS and not jieba.get_FREQ(word[:2]):
        word = word[1:]
    return word


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


def understand(question: str, analysis: QueryAnalysis, known: list[str]) -> Query:
    english = is_english(question)
    named = mentions(question, analysis.places or known) if analysis.places else []
    named_places = tuple(dict.fromkeys(s for _p, s, _w in named)) or analysis.places
    zh_words = glossary_terms(question) if english else []
    zh_text = " ".join(zh_words) if english else question
    written_out = expand_abbreviations(zh_text)  # "规上工业产值" -> "规模以上工业产值": the reports' long forms
    progress_free = _PROGRESS.sub("", question)
    remove = [w for _p, _s, w in named] + [a for s in named_places for a in place_aliases(s)]
    remove += _KIND_POINTER.findall(question)  # "政府工作报告里，…": which report to read, not content
    referent = None if english or named_places else referent_clause(question)
    terms = (
        # Chinese written inside an English question ("Xiandai City (现代城)") is the surest term it has.
        list(dict.fromkeys([*english_terms(question), *content_terms(" ".join(_CJK_RUN.findall(question)), remove)]))
        if english
        else content_terms(question, [*remove, referent or ""])
    )
    defines = None if english else defined_term(question)
    if defines:  # the question is about the term; its other words ask for a definition
        terms = content_terms(defines, remove)
    rank, rank_scope = asked_rank(question)
    order = "max" if _WHICH_MORE.search(question) else "min" if _WHICH_LESS.search(question) else None
    facet = "growth" if _GROWTH.search(question) else "progress" if _PROGRESS.search(question) else "value"
    asks = len(_ASKS.findall(question))
    return Query(
        text=question,
        english=english,
        words=() if english else tuple(content_words(question, [*remove, referent or ""])),
        terms=tuple(terms),
        search_text=_search_text(question, zh_words),
        places=tuple(named_places),
        unknown_places=analysis.unknown_places,
        years=analysis.years,
        # A definition asks for words, not a figure of the metric it names.
        metric=None if defines else find_metric(zh_text) or find_metric(written_out),
        metrics=() if defines else tuple(find_metrics(zh_text) or find_metrics(written_out)),
        period=asked_period(question),
        rank=rank,
        rank_scope=rank_scope,
        asks_rank=bool(_ASKS_RANK.search(question)) or (english and "全区" in zh_words),
        which_place=bool(_WHICH_PLACE.search(question)),
        which_metrics=bool(_WHICH_METRICS.search(question)),
        superlative="max" if _MAX.search(question) else "min" if _MIN.search(question) else None,
        order=order if len(named_places) >= 2 else None,
        compare=len(named_places) >= 2 and bool(_COMPARE.search(question) or order),
        facet=facet,
        plan=bool(_PLAN.search(progress_free)),
        estimate=bool(_ESTIMATE.search(question)),
        share=bool(_SHARE.search(question)),
        wants_percent=bool(_PERCENT.search(question)),
        expected_units=tuple(dict.fromkeys(_EXPECTED_UNIT.findall(question))),
        referent=referent,
        asks=asks,
        item=asked_item(question),
        several=asks >= 2 or (len(named_places) < 2 and bool(_SEVERAL.search(question))),
        segments=place_segments(question, named) if len(named_places) >= 2 else {},
        metric_terms=() if english or defines else _metric_terms(question, terms),
        defines=defines,
    )


def defined_term(question: str) -> str | None:
    """The term whose definition a question asks ("统计公报里的网上零售额是怎么定义的？" -> 网上零售额), or None."""
    m = _DEFINES.search(question)
    if not m:
        return None
    term = _REPORT_KIND.sub("", m.group("term") or m.group("listed")).strip("的里中 ")
    return term if len(term) >= 2 else None


def _search_text(question: str, zh_words: list[str]) -> str:
    """What retrieval is asked: the question, an English question's Chinese glossary words, and the question with
    its short forms written out ("规上" -> "规模以上") when it has any."""
    text = f"{question} {' '.join(zh_words)}" if zh_words else question
    written_out = expand_abbreviations(question)
    return f"{text} {written_out}" if written_out != question else text


def _metric_terms(question: str, terms: list[str]) -> tuple[str, ...]:
    """The terms lying inside the question's metric mentions, found in its own words or with its short forms
    written out ("社零" names 社会消费品零售总额: its terms are those of "社零")."""
    spans = [question[s:e] for s, e in metric_spans(question)]
    pieces = re.split(f"({alternation(tuple(abbreviations()))})", question) if abbreviations() else [question]
    written, origin = "", []  # the written-out question, and for each of its characters the question's offset
    pos = 0
    for i, piece in enumerate(pieces):
        out = abbreviations()[piece][0] if i % 2 and piece in abbreviations() else piece
        written += out
        origin += [pos + min(k, len(piece) - 1) for k in range(len(out))] if piece else []
        pos += len(piece)
    spans += [question[origin[s] : origin[e - 1] + 1] for s, e in metric_spans(written)]
    return tuple(t for t in terms if any(t in span for span in spans))


_ASKING = re.compile(r"几|多少|哪|什么|这|那|每|各|所有|全部|^有|了|的|着|过")


def place_mentions(query: Query) -> list[str]:
    """The places the question names that no report is about: "有几个街道" asks, "建成了街道" is a phrase."""
    return [u for u in query.unknown_places if not _ASKING.search(u)]


def asked_item(question: str) -> int | None:
    """ "…哪几个方面？第一项是什么？" -> 1; None when no item of a list is asked."""
    m = _ITEM_ASKED.search(question)
    return ordinal(m.group("n")) if m else None


def quoted_terms(question: str) -> list[str]:
    return [m.group(1).strip() for m in _QUOTED.finditer(question) if m.group(1).strip()]


def referent_clause(question: str) -> str | None:
    """ "有大庙弄片区的那个街道，…" -> "有大庙弄片区": the place is picked by what its report says."""
    m = re.search(r"([^，,。？?；;]{2,40}?)的?(?:那个|这个|那一个)(?:街道|镇|乡)", question)
    if m:
        return m.group(1)
    m = re.search(r"([^，,。？?；;]{2,40}?)的(?:街道|镇|乡)[，,]", question)
    return m.group(1) if m else None


def metric_surfaces(metric: str) -> tuple[str, ...]:
    """Every way the reports write a catalog metric, its short forms included ("社零" for 社会消费品零售总额)."""
    surfaces = (metric, *metric_synonyms().get(metric, ()))
    shorts = tuple(short for short, longs in abbreviations().items() if any(lf in surfaces for lf in longs))
    return surfaces + shorts


def _english_scope(text: str) -> str | None:
    """ "ranked first in the district" -> 全区, "… in the city" -> 全市: the scope an English rank question names, the
    last level word that is not the one it asks about ("Which subdistrict ranked first in the district")."""
    words = places.english_levels()
    found = re.finditer(rf"(\bwhich\s+)?\b({alternation(words)})\b", text, re.I)
    scopes = [words[m.group(2).lower()] for m in found if not m.group(1)]
    return places.vocabulary().scopes.get(scopes[-1]) if scopes else None


def place_english(name: str) -> str:
    """ "西林街道" -> "Xilin subdistrict (西林街道)", "嘉兴市" -> "Jiaxing city (嘉兴市)", "全国" -> "China (全国)"."""
    if name == places.NATION:
        return f"China ({name})"
    kind = places.Place(name, places.level_of(name)).english
    pinyin = places.pinyin_name(name)
    return f"{pinyin} {kind} ({name})" if kind else f"{pinyin} ({name})"
