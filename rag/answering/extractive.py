"""Extractive answers: pick the sentence(s) of the retrieved passages that answer, quote them verbatim.

A sentence is scored by how much of the question's content it holds (terms weighted by rarity), plus what the
question expects of an answer: the metric it names, a number with the unit asked for ("多少亩" wants "380亩"), a
rank, a plan or target, an actual figure rather than a forecast. Long sentences are cut down to the clauses that
carry the answer. Offsets always point into the report, so the UI can highlight exactly what was quoted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from rag.answering.corpus import Corpus
from rag.answering.query import Query, asks_target, metric_surfaces
from rag.answering.retrieval import Hit
from rag.answering.years import fact_around, figure_years, one_year_figure
from rag.ingest.tables import row_spans
from rag.text.numerals import CN_NUMBER, CN_NUMERAL_CHARS, NOTE_MARK, SCALE_CHARS
from rag.text.periods import YEAR_RE, multi_year
from rag.text.review import plan_part_start
from rag.text.sentences import ITEM_MARK, item_number, sentence_spans
from rag.text.vocab import (
    alternation,
    markers,
    rank_scopes,
    rank_verbs,
    standing_words,
    term_forms,
    unit_families,
)

_CLAUSE = re.compile(r"[^，,：:]+[，,：:]?")
_DIGIT = re.compile(r"\d")
_COUNT_WORD = re.compile(rf"[{CN_NUMERAL_CHARS}]+[个家件项名年天次场座户]")
_ESTIMATE = re.compile(alternation(markers("forecast")))
_TARGET_WORDS = re.compile(alternation(markers("aim")))
_PLAN_WORDS = re.compile(alternation(markers("aim") + markers("target") + markers("future")))
# What makes a sentence state a target or plan rather than a result (in it, its full sentence or its section).
_AIM_CONTEXT = re.compile(alternation(markers("aim") + markers("target") + markers("forecast") + markers("future")))
_ACTUAL_ASKED = re.compile(alternation(markers("actual_question")))
_PLAN_SECTION = re.compile(alternation(markers("plan_section")))
_FULL_STOP = re.compile(r"[。！？!?\n]")
_MODIFIER = re.compile(
    rf"(?:{alternation(markers('year_on_year'))})?(?:{alternation(markers('increase') + markers('decrease'))})"
    r"|(?:完成)?进度|完成年度|"
    rf"{alternation(rank_verbs())}|居全"
    # the exact figure after a round threshold: "地区生产总值突破4000亿元，实现4028.51亿元"
    r"|(?:实现|达到|达)\d"
)
_RANK_WORDS = re.compile(
    rf"{alternation(rank_verbs())}|(?:{alternation(rank_scopes())})第|{alternation(standing_words())}"
)
_ASKS_NUMBER = re.compile(
    r"多少|(?<!第)几|百分之|\bhow (?:much|many)\b|\bwhat (?:was|is|were|are)\b.*"
    r"\b(?:value|amount|revenue|gdp|output|rate|share|incomes?|investment|sales|production|volume|total|number)\b",
    re.I,
)
_LEAD_TRIM = " \t\n\r\u3000，,、；;：:"
_TAIL_TRIM = " \t\n\r\u3000，,、；;：:。"

# The features a sentence is scored by (sentence_features); their weights are the sentence model of MODEL.
SENTENCE_FEATURES = (
    "coverage",
    "position",
    "rescued",
    "metric",
    "no_figure",
    "change_only",
    "unit",
    "no_unit",
    "percent",
    "estimate",
    "plan_words",
    "aim_unasked",
    "rank",
    "definition",
    "stretch",
    "other_stretch",
    "year",
    "other_year",
    "report_year",
    "length",
)
MODEL = Path(__file__).with_name("quote_model.json")
MAX_QUOTE_CHARS = 50  # a longer sentence is cut down to the clauses that answer
KEEP_COVERAGE = 0.6  # ... keeping at least this share of what the whole sentence matched
LENGTH_COST = 0.003  # coverage given up per character saved: ~0.1 for a 33-character clause
MIN_SECOND_GAIN = 0.2  # a second sentence must add this much of the question's weight to be quoted too
MEANING_HITS = 5  # English questions: the sentences of this many top passages are compared by meaning ...
MEANING_MAX = 16  # ... at most this many sentences (the best by their words), each cut to MEANING_CHARS
MEANING_CHARS = 120
MEANING_WEIGHT = 0.5  # the closest in meaning gains this much over the farthest (a unit or metric match is 0.15-0.2)
FULL_SENTENCE_REACH = 300  # how far back a clause's full sentence is looked for (its "目标是：" lead)
LIST_REACH = 20000  # how far after its lead a list item is looked for (a 政府工作报告's sections are long)


@dataclass(frozen=True)
class Span:
    """A stretch of one report: [start, end) and its text."""

    hit: Hit
    start: int
    end: int
    text: str

    @property
    def doc_id(self) -> str:
        return self.hit.chunk.doc_id


@dataclass(frozen=True)
class Scored:
    span: Span
    score: float
    coverage: float  # share of the question's term weight the sentence holds
    matched: frozenset[str]
    position: int = 0  # rank of its passage among the hits (0 = first)


# Closeness in meaning of each text to the question (cosine of the embedding model), in the order given.
Meaning = Callable[[list[str]], list[float]]


def sentences(hit: Hit) -> list[Span]:
    """The passage's sentences (report offsets), whitespace and list punctuation trimmed. A sentence for quoting ends
    at 。！？, a semicolon (report "sentences" are often long lists) or a newline; a mark inside quotes
    ("“你好!北大街”") does not end it. A table row is quoted whole: its "；" separates cells, not sentences."""
    base, text = hit.chunk.start, hit.chunk.text
    rows = row_spans(text)
    prose = [(s, e) for s, e in sentence_spans(text, quotes=True) if not any(a < e and s < b for a, b in rows)]
    spans = [_trim(hit, base + s, base + e) for s, e in sorted(prose + rows)]
    return [s for s in spans if s is not None]


def _trim(hit: Hit, start: int, end: int) -> Span | None:
    text = hit.chunk.text
    s, e = start - hit.chunk.start, end - hit.chunk.start
    while s < e and text[s] in _LEAD_TRIM:
        s += 1
    while e > s and text[e - 1] in _TAIL_TRIM:
        e -= 1
    if e - s < 2:
        return None
    return Span(hit, hit.chunk.start + s, hit.chunk.start + e, text[s:e])


def has_figure(text: str) -> bool:
    text = NOTE_MARK.sub("", text)
    return bool(_DIGIT.search(text) or _COUNT_WORD.search(text))


# A figure that is an amount, not a change or a share: a number not followed by a percent sign ("1015986亿元",
# "1850万人次"); years, note marks and "增长6.1%" alone are not.
_AMOUNT = re.compile(rf"\d[\d.,]*\s*[余多]?[{SCALE_CHARS}]*\s*(?![\d.,%％‰]|个百分点|年|[{SCALE_CHARS}])")


_DEFINITION = alternation(markers("definition"))


def defines(text: str, term: str) -> bool:
    """Does the text define the term: write it, maybe with a note mark, then "是指/包括/为…" ("[19]网上零售额是指…",
    "全员劳动生产率为国内生产总值…与全部就业人员的比率")?"""
    return bool(re.search(rf"{re.escape(term)}(?:{NOTE_MARK.pattern})?(?:{_DEFINITION})", text))


def growth_for_amount(text: str, query: Query) -> bool:
    """Is an amount asked ("地区生产总值是多少", "接待了多少游客") of a text stating only changes or shares
    ("增长6.1%", "分别增长10%以上")? It does not answer: amount and growth are two facts of one metric."""
    if query.facet != "value" or query.wants_percent or query.share or query.asks_rank or not asks_number(query):
        return False
    return has_figure(text) and not states_amount(text)


def states_amount(text: str) -> bool:
    """Does the text state an amount (not only growth rates or shares)?"""
    text = NOTE_MARK.sub("", text)
    return bool(_AMOUNT.search(text) or _COUNT_WORD.search(text.replace("年", "")))


def is_heading(span: Span) -> bool:
    """A short line with no figure and nothing after it on its line: a title, not an answer."""
    chunk = span.hit.chunk
    rest = chunk.text[span.end - chunk.start :].lstrip("。；; \t")
    return len(span.text) < 20 and not has_figure(YEAR_RE.sub("", span.text)) and (not rest or rest.startswith("\n"))


def following(span: Span) -> list[Span]:
    """The sentences after this one in the same passage."""
    return [s for s in sentences(span.hit) if s.start >= span.end]


def list_item(span: Span, n: int, corpus: Corpus) -> Span | None:
    """The n-th item of the list a sentence introduces ("重点抓好九个方面工作：" … "（一）打造高能级的城市平台"),
    looked for in the passages after it; None when the sentence introduces no list (no colon, or what follows is
    not item one)."""
    doc_id, text = span.doc_id, corpus.texts[span.doc_id]
    if not text[span.end : span.end + 2].lstrip().startswith((":", "：")):
        return None
    report = span.hit.report
    after = [
        s
        for chunk in corpus.chunks_over(doc_id, span.end, span.end + LIST_REACH)
        for s in sentences(Hit(chunk, report, 0.0, 0))
        if s.start >= span.end
    ]
    after = list({s.start: s for s in sorted(after, key=lambda s: s.start)}.values())
    if not after or item_number(after[0].text) != 1:
        return None
    style = ITEM_MARK.match(after[0].text).lastgroup
    return next((s for s in after if item_number(s.text) == n and ITEM_MARK.match(s.text).lastgroup == style), None)


def states_aim(span: Span, corpus: Corpus) -> bool:
    """Is the sentence a target, forecast or plan ("力争…", "主要预期目标是：…；一般公共预算收入增长5%", under
    "下半年工作计划")? Looked for in the sentence, the full sentence it is a clause of, and its section title: a
    target question answered by an achieved figure ("粮食总产量282.2万吨" in a review) is not answered."""
    text = corpus.texts[span.doc_id]
    plan = plan_part_start(text)
    if plan is not None and span.start >= plan:  # the plan part of a report: what is to be done, not what was
        return True
    stops = [m.end() for m in _FULL_STOP.finditer(text, max(0, span.start - FULL_SENTENCE_REACH), span.start)]
    start = stops[-1] if stops else max(0, span.start - FULL_SENTENCE_REACH)
    return bool(_AIM_CONTEXT.search(text[start : span.end]) or _AIM_CONTEXT.search(span.hit.chunk.section or ""))


def asks_number(query: Query) -> bool:
    return bool(query.expected_units or query.wants_percent or _ASKS_NUMBER.search(query.text))


def coverage(
    text: str, terms: tuple[str, ...], corpus: Corpus, query: Query | None = None
) -> tuple[float, frozenset[str]]:
    """Share of the terms' total weight found in the text, and the terms found. A term is found as written or in a
    long form it abbreviates ("规上" in "规模以上企业"); with the query, a text naming the question's metric in any
    of its written forms ("规模工业总产值" for "规上工业产值") holds all the terms of the question's metric (used to
    judge a table row of that metric; sentences are ranked by the words they write: "国内生产总值" asked is closer
    to a sentence writing it than to one writing 地区生产总值)."""
    total = sum(corpus.weight(t) for t in terms)
    if not total:
        return 0.0, frozenset()
    matched = {t for t in terms if any(f in text for f in term_forms(t))}
    if query is not None and query.metric_terms and names_metric(text, query):
        matched.update(t for t in query.metric_terms if t in terms)
    return sum(corpus.weight(t) for t in matched) / total, frozenset(matched)


def names_metric(text: str, query: Query) -> bool:
    """Does the text name the question's catalog metric, in any of its written forms?"""
    return bool(query.metric) and any(s in text for s in metric_surfaces(query.metric))


def _has_unit(text: str, units: tuple[str, ...]) -> bool:
    """Does the text state a figure in one of the units asked ("多少亩" -> "380亩")? Units of one kind count as
    one: "多少元" is answered by "1.6亿元", "多少平方米" by "12万平方". A scale word between the figure and the unit
    is part of the figure ("17万人次", "48.2亿斤", "三千余名"), and PDF text may space them ("31.88 亿元")."""
    for unit in units:
        forms = next((f for f in unit_families() if unit in f), (unit,))
        pattern = "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
        if re.search(rf"(?:\d[\d.]*|{CN_NUMBER})\s*[余多]?[{SCALE_CHARS}]*\s*(?:{pattern})", text):
            return True
    return False


def gives_figure(text: str, query: Query) -> bool:
    """Does the text hold the kind of figure asked: a number, or for a rank question ("排第几", "处于什么位置") a
    standing stated in words ("居全区首位", "领跑全区")?"""
    return has_figure(text) or (query.asks_rank and bool(_RANK_WORDS.search(text)))


def has_unit_asked(spans: list[Span], query: Query) -> bool:
    return not query.expected_units or any(_has_unit(s.text, query.expected_units) for s in spans)


def rescued(hit: Hit) -> bool:
    """A passage added after retrieval (scope.rescue), not ranked by it: retrieved hits are ranked from 1."""
    return hit.rank == 0


def sentence_features(span: Span, query: Query, corpus: Corpus, position: int) -> dict[str, float]:
    """What the sentence holds of what the question expects, one number per feature of SENTENCE_FEATURES (the
    sentence model in quote_model.json weighs them): its share of the question's terms, its passage's rank (or that
    the passage was rescued, not retrieved), the metric named, a figure and unit of the kind asked, a forecast or an
    aim where none is asked, a rank, the definition of the term asked, a stretch of years as asked, the year asked
    stated."""
    cov, _matched = coverage(span.text, query.terms, corpus)
    text = span.text
    x = dict.fromkeys(SENTENCE_FEATURES, 0.0)
    x["coverage"] = cov
    # A rescued passage (scope.rescue: it alone holds the question's rarest term) comes after every retrieved one
    # but was never ranked: its place in the list says nothing, so it is not charged for it; `rescued` weighs it.
    if rescued(span.hit):
        x["rescued"] = 1.0
    else:
        x["position"] = float(position)
    x["metric"] = float(names_metric(text, query))
    if asks_number(query) and not gives_figure(text, query):
        x["no_figure"] = 1.0
    elif growth_for_amount(text, query):
        x["change_only"] = 1.0  # an amount asked, a sentence stating only growth
    if query.expected_units:
        x["unit" if _has_unit(text, query.expected_units) else "no_unit"] = 1.0
    x["percent"] = float(query.wants_percent and "%" in text)
    x["estimate"] = float(bool(_ESTIMATE.search(text)) and not query.estimate)
    if query.plan:
        x["plan_words"] = float(bool(_PLAN_WORDS.search(text)))
    else:
        x["aim_unasked"] = float(bool(_TARGET_WORDS.search(text)))
    x["rank"] = float(bool(query.asks_rank or query.rank) and bool(_RANK_WORDS.search(text)))
    x["definition"] = float(bool(query.defines) and defines(text, query.defines))
    # A stretch of years asked gets exactly it; a one-year growth never gets an average over years ("年均增长"; an
    # amount stated beside one, "分别达到23534元、11980元，年均增长11.4%", is the year's own).
    if multi_year(query.text) or (multi_year(text) and query.facet == "growth"):
        x["stretch" if multi_year(query.text) == multi_year(text) else "other_stretch"] = 1.0
    if query.years:  # the year asked, stated in the sentence; another year stated instead
        stated = {int(y) for y in YEAR_RE.findall(text)}
        if stated & set(query.years):
            x["year"] = 1.0
        elif stated:
            x["other_year"] = 1.0
        x["report_year"] = float(_report_covers(span, query, text))
    # A short line without a figure is usually a heading ("撤村转居蹄疾步稳"): the sentences under it say more.
    x["length"] = min(len(text), 50) / 50
    return x


@cache
def sentence_weights() -> dict[str, float]:
    """The sentence model's weights (quote_model.json, "sentence"; refitted by bench/fit_quote_model.py)."""
    with open(MODEL, encoding="utf-8") as handle:
        weights = json.load(handle)["sentence"]["weights"]
    return {name: float(weights[name]) for name in SENTENCE_FEATURES}


def score_span(span: Span, query: Query, corpus: Corpus, position: int) -> Scored:
    """A sentence's score: the sentence model's weighted sum of its features."""
    x = sentence_features(span, query, corpus, position)
    weights = sentence_weights()
    cov, matched = coverage(span.text, query.terms, corpus)
    return Scored(span, sum(weights[f] * x[f] for f in SENTENCE_FEATURES), cov, matched, position)


def _report_covers(span: Span, query: Query, text: str) -> bool:
    """Is the sentence's report about the year asked: the year it reviews, or for a sentence about what is to be
    done ("我们将重点抓好…"), the year it plans for (a 2019 政府工作报告 reviews 2018 and plans 2019)?"""
    meta = span.hit.report.meta
    if meta.year in query.years:
        return True
    return meta.plan_year in query.years and bool(query.plan or _PLAN_WORDS.search(text))


def shorten(span: Span, query: Query, corpus: Corpus) -> Span:
    """A long sentence cut to the run of clauses that best trades what it holds of the question against length,
    keeping the figure (and unit, or rank) asked for and, for a plan question, the clauses stating the aim; still
    verbatim."""
    if len(span.text) <= MAX_QUOTE_CHARS or (query.defines and defines(span.text, query.defines)):
        return span  # a definition is its whole sentence: a list of what a term covers ends where the sentence does
    clauses = [(span.start + m.start(), span.start + m.end()) for m in _CLAUSE.finditer(span.text)]
    full, _ = coverage(span.text, query.terms, corpus)
    wants_number = asks_number(query) and bool(_DIGIT.search(span.text))
    wants_unit = bool(query.expected_units) and _has_unit(span.text, query.expected_units)
    wants_percent = query.wants_percent and "%" in span.text
    wants_rank = query.asks_rank and bool(_RANK_WORDS.search(span.text))  # "…3532家,全区排名第二": the rank asked
    must = [(s, e) for s, e in clauses if query.plan and _aim_clause(corpus.quote(span.doc_id, s, e), query, corpus)]
    best: tuple[float, int, int] | None = None
    for i in range(len(clauses)):
        for j in range(i, len(clauses)):
            start, end = clauses[i][0], clauses[j][1]
            if any(s < start or e > end for s, e in must):
                continue
            text = corpus.quote(span.doc_id, start, end)
            cov = coverage(text, query.terms, corpus)[0]
            if cov < KEEP_COVERAGE * full:
                continue
            if (wants_number and not _DIGIT.search(text)) or (wants_unit and not _has_unit(text, query.expected_units)):
                continue
            if (wants_percent and "%" not in text) or (wants_rank and not _RANK_WORDS.search(text)):
                continue
            value = cov - LENGTH_COST * len(text)
            if best is None or value > best[0]:
                best = (value, start, _with_modifiers(clauses, j, span.doc_id, corpus))
    trimmed = _trim(span.hit, best[1], best[2]) if best else None
    return trimmed if trimmed is not None else span


def _with_modifiers(clauses: list[tuple[int, int]], j: int, doc_id: str, corpus: Corpus) -> int:
    """End of the window extended over the clause a label introduces ("2018年工作总体思路:…") and over the clauses
    that qualify its last figure ("…1078万,同比增长54%")."""
    if corpus.quote(doc_id, *clauses[j]).endswith((":", "：")) and j + 1 < len(clauses):
        j += 1
    end = clauses[j][1]
    if not _DIGIT.search(corpus.quote(doc_id, *clauses[j])):
        return end
    for s, e in clauses[j + 1 :]:
        if not _MODIFIER.match(corpus.quote(doc_id, s, e)):
            break
        end = e
    return end


def _aim_clause(text: str, query: Query, corpus: Corpus) -> bool:
    """A clause stating a target about what was asked ("确保在年内完成…剩余200户集体民房")."""
    return bool(_TARGET_WORDS.search(text)) and coverage(text, query.terms, corpus)[0] > 0


def with_meaning(scored: list[Scored], meaning: Meaning) -> list[Scored]:
    """Scores raised by how close each sentence is in meaning to the question (an English question over Chinese
    text: the glossary knows some of its words, the multilingual model reads all of them). Only the sentences of
    the first MEANING_HITS passages are encoded (a few dozen: the answer is nearly always there, and it keeps the
    question fast), and of those the MEANING_MAX best by their words: meaning decides among the plausible ones.
    The model's cosines sit in a narrow band, so they are spread over [0, 1] per question."""
    ranked = sorted((s for s in scored if s.position < MEANING_HITS), key=lambda s: -s.score)[:MEANING_MAX]
    if len(ranked) < 2:
        return scored
    sims = meaning([s.span.text[:MEANING_CHARS] for s in ranked])
    low, high = min(sims), max(sims)
    if high - low < 1e-6:
        return scored
    bonus = {id(s): MEANING_WEIGHT * (sim - low) / (high - low) for s, sim in zip(ranked, sims, strict=True)}
    return [replace(s, score=s.score + bonus.get(id(s), 0.0)) for s in scored]


def select(
    query: Query, hits: list[Hit], corpus: Corpus, scope: set[str], meaning: Meaning | None = None
) -> list[Scored]:
    """The best sentence, and a second one from the same report when it answers a part of a two-part question that
    the first does not. With `meaning` (English questions), closeness in meaning counts too."""
    scored = [
        score_span(span, query, corpus, i)
        for i, hit in enumerate(hits)
        if hit.chunk.doc_id in scope
        for span in sentences(hit)
    ]
    if not scored:
        return []
    if meaning is not None:
        scored = with_meaning(scored, meaning)
    ranked = sorted(scored, key=lambda s: -s.score)
    best = next((s for s in ranked if _may_answer(s.span, query, corpus)), None)
    if best is None:
        return []
    chosen = [best]
    missing = tuple(t for t in query.terms if t not in best.matched)
    if missing and query.asks >= 2:  # a second sentence only for a second question ("…多少？整改率多少？")
        total = sum(corpus.weight(t) for t in query.terms)
        rest = [s for s in scored if s.span.doc_id == best.span.doc_id and s.span.start != best.span.start]
        gains = [(sum(corpus.weight(t) for t in s.matched if t in missing) / total, s) for s in rest]
        gains = [
            (g, s) for g, s in gains if g >= MIN_SECOND_GAIN and s.score > 0 and _may_answer(s.span, query, corpus)
        ]
        if gains:
            chosen.append(max(gains, key=lambda gs: (gs[0], gs[1].score))[1])
    return chosen


def _may_answer(span: Span, query: Query, corpus: Corpus) -> bool:
    """Could the sentence answer: of the year asked, and for a target figure asked, a target (an achieved figure of
    the year reviewed does not answer "计划建设多少"); for an achievement asked, no target or plan?"""
    if asks_target(query.text) and asks_number(query) and not states_aim(span, corpus):
        return False
    if asks_actual(query) and planned(span, corpus):
        return False  # "实际增长了多少": the year's target ("主要预期目标是：…增长5.5%") is no result
    if aims_at_another_year(span, query, corpus):
        return False
    return _of_year_asked(span, query, corpus)


def aims_at_another_year(span: Span, query: Query, corpus: Corpus) -> bool:
    """Is the sentence an aim of the report's plan part ("确保五年城镇新增就业18万人") while the question asks what was
    done in another year? An aim there is the year planned's (or a stretch's), unless its own words name the year
    asked."""
    if query.plan or asks_target(query.text) or not query.years or multi_year(query.text):
        return False
    plan_year = corpus.meta(span.doc_id).plan_year
    if plan_year is None or plan_year in query.years or not _TARGET_WORDS.search(span.text):
        return False
    text = corpus.texts[span.doc_id]
    return planned(span, corpus) and not figure_years(text, *fact_around(text, span.start, span.end)) & set(query.years)


def planned(span: Span, corpus: Corpus) -> bool:
    """Is the sentence in the report's plan part (past its turn to the plan, which may be the sentence's own lead:
    "今年主要预期目标是：…") or under a plan section title: what is to be done, not what was?"""
    plan = plan_part_start(corpus.texts[span.doc_id])
    return (plan is not None and plan < span.end) or bool(_PLAN_SECTION.search(span.hit.chunk.section or ""))


def asks_actual(query: Query) -> bool:
    """Does the question ask what was actually achieved ("实际增长了多少"), not a target or plan?"""
    return bool(_ACTUAL_ASKED.search(query.text)) and not asks_target(query.text) and not query.plan


def _of_year_asked(span: Span, query: Query, corpus: Corpus) -> bool:
    """Is the sentence about the year asked (or is no single year asked)? A figure of another year never answers:
    its year comes from its sentence, its section, then its report (rag.answering.years)."""
    if not query.years or multi_year(query.text):
        return True
    return one_year_figure(corpus, span.doc_id, span.start, span.end, query.years, query.facet != "value")


def union_coverage(chosen: list[Scored], query: Query, corpus: Corpus) -> float:
    total = sum(corpus.weight(t) for t in query.terms)
    if not total:
        return 0.0
    matched = set().union(*(s.matched for s in chosen)) if chosen else set()
    return sum(corpus.weight(t) for t in matched) / total
