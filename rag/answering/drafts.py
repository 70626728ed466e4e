"""Draft routing: which engine drafts the answer (the indicator table, rag.answering.compare and
rag.answering.targets, or a quote of the report's sentences, rag.answering.extractive) and the quoted draft itself."""

from __future__ import annotations

from rag.answering import compare, targets, wording
from rag.answering.corpus import Cite, Corpus, Draft, Part
from rag.answering.extractive import (
    Meaning,
    Span,
    aims_at_another_year,
    asks_actual,
    asks_number,
    coverage,
    following,
    gives_figure,
    has_unit_asked,
    is_heading,
    list_item,
    planned,
    select,
    shorten,
    states_aim,
    union_coverage,
)
from rag.answering.query import Query, asked_rank, asks_target, metric_surfaces
from rag.answering.retrieval import Hit
from rag.answering.verify import numbers_in
from rag.answering.years import figure_year
from rag.ingest.tables import is_table_row
from rag.text.periods import multi_year

# Share of the question's (rarity-weighted) content that the quoted sentences must hold; below it the reports
# do not answer the question. Calibrated on eval/dev.jsonl, where answered questions sit far above and questions
# about absent metrics ("常住人口", "进出口总额") far below.
MIN_COVERAGE = 0.5


def indicator_draft(
    query: Query,
    corpus: Corpus,
    scope: list[str],
    lookup: compare.Fallback,
    by_year: compare.YearFallback,
    part: compare.PartAnswer,
) -> Draft | None:
    """Questions the indicator table answers best: ranks, rankings, comparisons, trends, a place's figure for a
    metric (what was achieved, or the target when a target is asked)."""
    if targets.asks_attainment(query.text):  # "…目标完成了吗": target beside result, both cited
        draft = targets.attainment_draft(query, corpus, scope)
        if draft is not None:
            return draft
    one_place = len({corpus.place(d) for d in scope}) == 1
    own_figures = len(query.places) < 2 and one_place and not query.share  # one place's figures, not a share
    if len(query.years) >= 2 and own_figures:
        draft = compare.trend(query, corpus, scope, by_year, part)
        if draft is not None:
            return draft
    if len(query.metrics) >= 2 and own_figures and not query.superlative:
        draft = compare.several_metrics(query, corpus, scope, lookup)
        if draft is not None:
            return draft
    if query.metric and own_figures and asks_target(query.text):
        # a row is one year's target: a stretch asked ("十三五时期…年均增长目标") is quoted from its own sentence
        return None if multi_year(query.text) else compare.single_value(query, corpus, scope, target=True)
    if (query.plan and not (query.metric and len(query.places) >= 2)) or query.share:
        return None
    if query.rank and query.which_metrics:
        return compare.rank_list(query, corpus, scope)
    if query.rank and query.which_place:
        return compare.which_place_rank(query, corpus, scope, query.metric or _ranked_metric(query, corpus, scope))
    if len(query.places) >= 2 and not query.superlative:
        # A comparison: each place's part answered as its own question (table row, else its sentence, quoted).
        return compare.comparison(query, corpus, part)
    if not query.metric:
        return None
    if query.superlative and len(query.places) != 1:
        return compare.superlative(query, corpus, scope)
    # The table's row is one figure (with its rank): two figures asked ("是多少？增长多少？") are quoted instead.
    if one_place and (not query.several or query.asks_rank) and not multi_year(query.text):  # rows are one year's
        draft = compare.single_value(query, corpus, scope)
        if query.asks_rank and draft is not None and not any(r.indicator.rank for r in draft.rows):
            return None  # a rank asked and a row without one ("总量排名全国城市第9" unread): quote the sentence
        if draft is not None and _quote_coverage(draft, query, corpus) >= MIN_COVERAGE:
            return draft
    return None


def _ranked_metric(query: Query, corpus: Corpus, scope: list[str]) -> str | None:
    """A metric outside the synonym table that the question names and a report ranks ("网格化知晓率")."""
    names = {ind.metric for d, ind in corpus.indicators_of(scope) if ind.rank and len(ind.metric) >= 4}
    named = [n for n in names if n in query.text]
    return max(named, key=len) if named else None


def states_rank(draft: Draft, query: Query, corpus: Corpus) -> bool:
    """Does a quoted sentence state the rank the question asks for ("位列全区第一")?"""
    cites = [p for p in draft.parts if isinstance(p, Cite)]
    return any(ind.rank == query.rank for c in cites for ind in corpus.indicators_in(c.doc_id, c.start, c.end)) or any(
        asked_rank(corpus.quote(c.doc_id, c.start, c.end))[0] == query.rank for c in cites
    )


def _quote_coverage(draft: Draft, query: Query, corpus: Corpus) -> float:
    text = "".join(corpus.quote(p.doc_id, p.start, p.end) for p in draft.parts if isinstance(p, Cite))
    return coverage(text, query.terms, corpus, query)[0] if query.terms else 1.0


def extractive_draft(
    query: Query,
    corpus: Corpus,
    hits: list[Hit],
    scope: set[str],
    require_metric: bool = False,
    target: bool = False,
    meaning: Meaning | None = None,
) -> Draft | None:
    """Quote the sentence(s) that answer, naming the place (from metadata) and the period. `meaning` scores the
    sentences by closeness to the question (given for English questions)."""
    chosen = select(query, hits, corpus, scope, meaning)
    if not chosen or union_coverage(chosen, query, corpus) < MIN_COVERAGE:
        return None
    return quote_draft(query, corpus, [c.span for c in chosen], require_metric, target)


def quote_draft(
    query: Query, corpus: Corpus, chosen: list[Span], require_metric: bool = False, target: bool = False
) -> Draft | None:
    """The answer quoting the chosen sentences (cut to what answers), or None when they do not hold what is asked:
    the figure and unit asked, an aim for a target asked (of the year asked), the metric where it is required."""
    spans = sorted((shorten(c, query, corpus) for c in chosen), key=lambda s: s.start)
    if (asks_number(query) and not any(gives_figure(s.text, query) for s in spans)) or not has_unit_asked(spans, query):
        return None  # "多少亩？" answered by a sentence without such a figure: it does not answer
    if len(spans) == 1 and is_heading(spans[0]) and not gives_figure(spans[0].text, query):
        # "2018年工作总体思路": quote what follows the heading too ("居全县首位" answers a rank: not a heading)
        spans += following(spans[0])[:1]
    if query.item:  # "重点抓好哪几个方面？第一项是什么？": the list's lead and the item asked
        items = [item for s in spans if (item := list_item(s, query.item, corpus))]
        spans += items[:1]
    aim = target or (asks_target(query.text) and asks_number(query))  # "计划举办什么" asks no figure
    if aim and not any(states_aim(s, corpus) for s in spans):
        return None  # a target figure asked: an achieved figure does not answer it
    if any(aims_at_another_year(s, query, corpus) for s in spans):
        return None  # "确保五年城镇新增就业18万人" in the plan part does not say what was done in the year asked
    if asks_actual(query) and any(planned(s, corpus) for s in spans):
        return None  # "实际增长了多少": a target or plan quoted would pass for the result
    if aim and query.years and not any(figure_year(corpus, s.doc_id, s.start, s.end) in query.years for s in spans):
        return None  # a target for another year ("年底力争…" in a review of the year before) is not the one asked
    if require_metric and query.metric:
        surfaces = metric_surfaces(query.metric)
        if not any(s in span.text for span in spans for s in surfaces):
            return None
    doc_id = spans[0].doc_id
    head = _heading(query, corpus, doc_id, spans)
    if target:  # a comparison row that quotes an aim ("年底力争完成…"), not an achievement
        head = head.replace("：", "（目标）：", 1) if not query.english else head.replace(": ", " (target): ", 1)
    parts: list[Part] = [head]
    for i, span in enumerate(spans):
        if i:
            parts.append("; " if query.english else "；")
        text = wording.said(corpus, span.doc_id, span.start, span.end) if is_table_row(span.text) else span.text
        parts += [text + (" " if query.english else ""), Cite(span.doc_id, span.start, span.end)]
    parts.append("." if query.english else "。")
    return Draft(parts)


def _heading(query: Query, corpus: Corpus, doc_id: str, spans: list[Span]) -> str:
    """ "西林街道（1-6月）：" — the place from the report's metadata, the period stated by the quoted figures (or
    the report's own period). A period whose digits the quote does not contain is left out."""
    meta = corpus.meta(doc_id)
    who = wording.place_label(corpus, doc_id, english=False)
    when = None if query.plan else _period_of(corpus, doc_id, spans) or meta.period
    if when and not set(numbers_in(when)) <= set(numbers_in("".join(s.hit.chunk.text for s in spans))):
        when = meta.period
    if query.english:
        who_en = wording.place_label(corpus, doc_id, english=True)
        head = f"{who_en}, {wording.period_en(when)}: " if when else f"{who_en}: "
        return head + wording.name_en(query.metric)
    return f"{who}（{when}）：" if when else f"{who}："


def _period_of(corpus: Corpus, doc_id: str, spans: list[Span]) -> str | None:
    periods = [ind.period for s in spans for ind in corpus.indicators_in(doc_id, s.start, s.end) if ind.period]
    return periods[0] if periods else None
