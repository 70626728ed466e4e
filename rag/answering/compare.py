"""Answers from the indicator table (Index.indicators): values, comparisons, rankings, "which indicators rank first".

Every row quoted is one extracted Indicator, cited at its own offsets. Two things are kept apart on purpose:
- a *stated rank* ("位列全区第一") is the report's own claim about the area it names (全区, 全市, 全省);
- a *comparison across the loaded reports* only compares what was loaded, often for different periods and years,
  which the answer says instead of pretending the figures are comparable.
Figures are shown as written; nothing is summed, converted or rounded in the text.

The rows an answer uses are picked in rag.answering.picks and said in rag.answering.wording; this module drafts
the answers (one value, a rank list, which place ranks, a superlative, a comparison, a trend, several metrics).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from rag.answering.corpus import Cite, Corpus, Draft, Part, Row
from rag.answering.picks import (
    Pick,
    answers_facet,
    best_per_report,
    choose,
    comparable,
    covering,
    facet_of,
    for_year,
    is_target,
    of_years,
    rows_of,
    sort_key,
)
from rag.answering.query import Query, asks_target, place_english
from rag.answering.verify import unsupported_numbers
from rag.answering.wording import (
    answer_row,
    cite,
    fact_text,
    has_rank,
    label,
    line,
    name_en,
    period_caveat,
    period_en,
    place_label,
    said,
    scope_en,
)
from rag.ingest.detect.facts import delivered_span
from rag.ingest.metadata import ReportMeta
from rag.text.numerals import en_ordinal
from rag.text.periods import one_year
from rag.text.places import together, within
from rag.text.vocab import alternation, markers

_FORECAST = re.compile(alternation(markers("forecast")))
# What a part's own question drops: "分别"/"各" ask of several, "哪个更高？" asks for the order of the parts.
_SEVERAL_WORDS = re.compile(
    r"分别|各自|各(?=是|为|增长|有|达|完成|多少)|\brespectively\b\s*|(?:哪个|哪一个|谁)[^，,？?。]*[？?]?", re.I
)


_FACET_WORD = {"value": "", "growth": "增幅", "progress": "完成进度"}


# Lookup for a place the table cannot answer (a target, a figure the extractor skipped): (place, part of the
# question about it) -> parts quoting the report, or None.
Fallback = Callable[[str, str], list[Part] | None]
# A comparison's part answered as its own question: (place, the question about it alone) -> its draft, or None.
PartAnswer = Callable[[str, str], Draft | None]
# The same for one year of a trend: (reports covering that year, target asked) -> parts quoting them, or None.
YearFallback = Callable[[list[str], bool], list[Part] | None]


def single_value(query: Query, corpus: Corpus, doc_ids: list[str], target: bool = False) -> Draft | None:
    """One place's figure for the metric asked, quoted verbatim: the actual figure (a forecast only when the report
    has no actual one), plus the forecasts beside it when the question asks for them ("全年预计多少？"); with
    `target`, the target the report sets for it and nothing else."""
    picks = of_years(corpus, rows_of(corpus, doc_ids, query.metric or "", target), query.years, target)
    best = choose(picks, corpus, query.period, query.facet, False)
    if best is None or not answers_facet(best.ind, query):
        return None
    chosen = [best]
    if query.estimate:
        chosen += [p for p in picks if p.ind.estimate and p.doc_id == best.doc_id and p != best]
    groups = _merge_spans([(p.ind.start, p.ind.end) for p in chosen])
    marks = {g: Cite(best.doc_id, *g) for g in groups}
    rows = [
        Row(
            p.doc_id,
            corpus.place(p.doc_id),
            p.ind,
            next(m for g, m in marks.items() if g[0] <= p.ind.start and p.ind.end <= g[1]),
        )
        for p in chosen
    ]
    when = label(corpus, best)
    forecast = best.ind.estimate  # no actual figure: say that what is quoted is a forecast
    who = place_label(corpus, best.doc_id, query.english)
    body: list[Part] = []
    for i, (g, mark) in enumerate(marks.items()):
        quote = said(corpus, best.doc_id, *g)
        is_forecast = i > 0 and not _FORECAST.search(quote)
        prefix = ("forecast: " if query.english else "预计数：") if is_forecast else ""
        body += [("; " if query.english else "；") if i else "", prefix + quote + (" " if query.english else ""), mark]
    if query.english:
        head = (f"{who}, {period_en(when)}: " if when else f"{who}: ") + name_en(best.ind.metric)
        tail = (
            f"; ranked {en_ordinal(best.ind.rank)} in its {scope_en(best.ind.rank_scope)}, as the report states"
            if has_rank(best.ind)
            else ""
        )
        tail += " (a forecast figure)" if forecast else ""
        return Draft([head, *body, tail + "."], rows)
    head = f"{who}（{when}）：" if when else f"{who}："
    return Draft([head, *body, "。" + ("（报告所列为预计数）" if forecast else "")], rows)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching stretches become one quote; separate ones stay separate, in text order."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def rank_list(query: Query, corpus: Corpus, doc_ids: list[str]) -> Draft | None:
    """ "西林街道哪些指标位列全区第一？": every indicator of the place's reports stating that rank."""
    picks = [
        Pick(d, ind)
        for d, ind in corpus.indicators_of(doc_ids)
        if ind.rank == query.rank
        and not is_target(ind)
        and (not query.rank_scope or ind.rank_scope == query.rank_scope)
    ]
    by_metric: dict[tuple[str, str], list[Pick]] = {}
    for p in picks:
        by_metric.setdefault((p.doc_id, p.ind.metric), []).append(p)
    chosen = sorted(
        (c for c in (choose(v, corpus, query.period, "value", query.estimate) for v in by_metric.values()) if c),
        key=lambda p: (p.doc_id, p.ind.start),
    )
    if not chosen:
        return None
    who = "、".join(dict.fromkeys(place_label(corpus, p.doc_id, query.english) for p in chosen))
    scope = _stated_scope(chosen)
    if query.english:
        parts: list[Part] = [
            f"{who}: the report states this rank for these indicators (a rank within its own {scope_en(scope)}, as "
            "the report claims):"
        ]
    else:
        parts = [f"{who}报告中标明这一名次的指标（为报告自述的{within(scope)}排名）："]
    for p in chosen:
        when = label(corpus, p)
        sep = ": " if query.english else "："
        parts += [
            f"\n- {period_en(when) if query.english else when}{sep}{fact_text(p.ind)}"
            if when
            else f"\n- {fact_text(p.ind)}",
            cite(p),
        ]
    return Draft(parts, [answer_row(corpus, p) for p in chosen])


def which_place_rank(query: Query, corpus: Corpus, doc_ids: list[str], metric: str | None) -> Draft | None:
    """ "哪个街道的固定资产投资位列全区第一？": the reports that state that rank for that metric."""
    picks = [
        Pick(d, ind)
        for d, ind in corpus.indicators_of(doc_ids)
        if ind.rank == query.rank
        and not is_target(ind)
        and (metric is None or ind.metric == metric)
        and (not query.rank_scope or ind.rank_scope == query.rank_scope)
    ]
    picks = best_per_report(corpus, picks, query.period, "value", query.estimate) if metric else picks
    if not picks:
        return None
    parts: list[Part] = []
    for i, p in enumerate(picks):
        parts += (["\n"] if i else []) + line(corpus, p, query.english) + (["。"] if not query.english else ["."])
    scope = _stated_scope(picks)
    note = (
        f"\n(The rank is the report's own claim about its {scope_en(scope)}, not a comparison of the loaded reports.)"
        if query.english
        else f"\n（名次为该报告自述的{within(scope)}排名，不是已载入报告之间的比较。）"
    )
    return Draft([*parts, note], [answer_row(corpus, p) for p in picks])


def _stated_scope(picks: list[Pick]) -> str | None:
    """The one rank scope the picked facts state ("全区": the rank is within the district), else None."""
    scopes = {p.ind.rank_scope for p in picks}
    return scopes.pop() if len(scopes) == 1 else None


def superlative(query: Query, corpus: Corpus, doc_ids: list[str]) -> Draft | None:
    """ "哪个街道的规模工业产值增幅最高？": compare the loaded reports' figures, and say what that comparison is."""
    facet = query.facet
    picks = [
        p
        for p in best_per_report(
            corpus, rows_of(corpus, doc_ids, query.metric or ""), query.period, facet, query.estimate
        )
        if facet_of(p.ind, facet) is not None
    ]
    if len(picks) < 2:
        return None
    if facet == "value":  # only figures in the same currency/unit can be ordered
        head_unit = max(picks, key=lambda p: sum(comparable(p, o, facet) for o in picks))
        picks = [p for p in picks if comparable(p, head_unit, facet)]
    picks.sort(key=lambda p: sort_key(p, facet), reverse=query.superlative != "min")
    top = picks[0]
    word = "最高" if query.superlative != "min" else "最低"
    who = place_label(corpus, top.doc_id, query.english)
    if query.english:
        parts: list[Part] = [
            f"Among the loaded reports, {who} has the {'highest' if word == '最高' else 'lowest'} {query.metric}{_FACET_WORD[facet]}: "
        ]
        parts += [fact_text(top.ind) + " ", cite(top), ".\nAll reports:"]
    else:
        parts = [
            f"在已载入的报告中，{who}的{query.metric}{_FACET_WORD[facet]}{word}：{fact_text(top.ind)}",
            cite(top),
            f"。\n{together(corpus.meta(p.doc_id).level for p in picks)}：",
        ]
    for p in picks:
        parts += ["\n- ", *line(corpus, p, query.english)]
    caveat = period_caveat(corpus, picks, query.english)
    scope_note = (
        "This compares only the loaded reports; it is not a rank stated by any report."
        if query.english
        else "这是已载入报告之间的比较，并非报告自述的排名。"
    )
    parts.append("\n" + scope_note + (f"\n{caveat}" if caveat else ""))
    return Draft(parts, [answer_row(corpus, p) for p in picks])


def comparison(query: Query, corpus: Corpus, part: PartAnswer) -> Draft | None:
    """Two or more named places: each place's part answered as the question about that place alone would be
    (its own year, its table row or quoted sentence, cited); which is higher only when the figures can be
    ordered, and a warning when their periods differ."""
    parts: list[Part] = []
    picks: list[Pick] = []
    rows: list[Row] = []
    answered = 0
    for i, name in enumerate(query.places):
        parts.append("\n- " if i else "- ")
        draft = part(name, _alone(query.segments.get(name, query.text)))
        if draft is None:
            parts.append(f"{place_english(name) if query.english else name}：报告中未找到该指标（not found）")
            continue
        answered += 1
        parts += [p.strip("\n") if isinstance(p, str) else p for p in draft.parts]
        rows += draft.rows
        if len(draft.rows) == 1:  # one table row: a figure that can be ordered against the others
            picks.append(Pick(draft.rows[0].doc_id, draft.rows[0].indicator))
    if not answered:
        return None
    if query.order and len(picks) >= 2 and all(comparable(picks[0], p, query.facet) for p in picks[1:]):
        ordered = sorted(picks, key=lambda p: sort_key(p, query.facet), reverse=query.order == "max")
        top = place_label(corpus, ordered[0].doc_id, query.english)
        word = "更高" if query.order == "max" else "更低"
        facet = _FACET_WORD[query.facet]
        parts.append(
            f"\nBy the figures, {top} is {'higher' if word == '更高' else 'lower'}."
            if query.english
            else f"\n从数字看，{top}的{query.metric}{facet}{word}。"
        )
    caveat = period_caveat(corpus, picks, query.english) if len(picks) >= 2 else None
    if caveat:
        parts.append("\n" + caveat)
    return Draft(parts, rows)


def _alone(segment: str) -> str:
    """A place's part of a comparison as the question about that place alone: "分别" asks of several."""
    return _SEVERAL_WORDS.sub("", segment)


def _year_head(corpus: Corpus, doc_id: str, year: int, cited: str, target: bool, english: bool) -> list[Part]:
    """ "2019年：" when the quoted passage says the year; else which report and which of its years the figure is
    from, citing the report's own date line ("2020年4月28日的报告[2]所述上一年："), so no year is stated that no
    cited passage holds."""
    if not unsupported_numbers(f"{year}年", [cited]):  # the year as a figure of the passage, not inside another
        return [f"{year}{' target' if target else ''}: " if english else f"{year}年{'目标' if target else ''}："]
    meta = corpus.meta(doc_id)
    span = delivered_span(corpus.texts[doc_id])
    which_en = "target set" if target else "previous year reviewed" if _reviews_previous(meta) else "year"
    which = "所定目标" if target else "所述上一年" if _reviews_previous(meta) else "所述当年"
    if span is None:
        who = place_label(corpus, doc_id, english)
        return [f"{who}, {which_en}: " if english else f"{who}{which}："]
    date = corpus.quote(doc_id, *span)
    mark = Cite(doc_id, *span)
    return [f"report of {date} ", mark, f", {which_en}: "] if english else [f"{date}的报告", mark, f"{which}："]


def _reviews_previous(meta: ReportMeta) -> bool:
    return bool(meta.year and meta.plan_year and meta.year == meta.plan_year - 1)


def trend(
    query: Query, corpus: Corpus, scope: list[str], fallback: YearFallback, part: PartAnswer | None = None
) -> Draft | None:
    """One place, several years ("嘉兴市2018年和2019年地区生产总值分别增长多少"): each year's figure from the report
    that covers that year, each cited; None when the years asked do not fall in different reports. Where the years
    are asked together, each is answered as the question of that year alone would be ("嘉兴市2019年…")."""
    target = asks_target(query.text)
    years = [(y, covering(corpus, scope, y, target)) for y in query.years]
    if len({tuple(docs) for _y, docs in years if docs}) < 2:
        return None
    place = place_label(corpus, scope[0], query.english)
    parts: list[Part] = [f"{place}:" if query.english else f"{place}："]
    rows: list[Row] = []
    missing = 0
    name = corpus.place(scope[0])
    for year, docs in years:
        as_target = target and bool(for_year(corpus, docs, year, True))  # the year's report sets a target
        rows_asked = rows_of(corpus, docs, query.metric, as_target) if query.metric else []
        best = choose(rows_asked, corpus, f"{year}年", query.facet, False)
        alone = one_year(query.text, year) if part is not None and name and docs else None
        if alone is not None:
            draft = part(name, _alone(alone))
            cites = [i for i, p in enumerate(draft.parts) if isinstance(p, Cite)] if draft else []
            body = (
                [p.strip("\n") if isinstance(p, str) else p for p in draft.parts[1 : cites[-1] + 1]] if cites else None
            )
            rows += draft.rows if draft and cites else []
        elif best is not None:
            rows.append(answer_row(corpus, best))
            body = [fact_text(best.ind), cite(best)]
        else:
            body = fallback(docs, as_target) if docs else None
        if not body:
            missing += 1
            continue
        doc_id = next(p.doc_id for p in body if isinstance(p, Cite))  # the report the year's figure comes from
        quoted = "".join(
            c.cited_text for p in body if isinstance(p, Cite) for c in corpus.chunks_over(p.doc_id, p.start, p.end)
        )
        parts += ["\n- ", *_year_head(corpus, doc_id, year, quoted, as_target, query.english), *body]
    if len(query.years) - missing < 2:
        return None
    if missing:
        parts.append(
            "\n(Some of the years asked are not covered by the loaded reports.)"
            if query.english
            else "\n（所问年份中，有的年份已载入的报告未涉及该指标。）"
        )
    return Draft(parts, rows)


def several_metrics(query: Query, corpus: Corpus, scope: list[str], fallback: Fallback) -> Draft | None:
    """One place, several metrics ("财政总收入和一般公共预算收入分别是多少"): each metric's figure on its own line,
    from the table or else quoted from the report; None when none of them is found."""
    name = corpus.place(scope[0]) or ""
    target = asks_target(query.text)
    parts: list[Part] = []
    rows: list[Row] = []
    found = 0
    for i, metric in enumerate(query.metrics):
        parts.append("\n- " if i else "- ")
        draft = single_value(replace(query, metric=metric), corpus, scope, target)
        if draft is not None:
            parts += draft.parts
            rows += draft.rows
            found += 1
        elif name and (quoted := fallback(name, f"{name}{metric}")):
            parts += quoted
            found += 1
        else:
            parts.append(f"{metric}：报告中未找到该指标（not found）")
    return Draft(parts, rows) if found else None
