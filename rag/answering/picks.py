"""Rows of the indicator table an answer may use: a metric's rows in the reports in scope, of the years asked, the
best of each report (period, facet, actual before forecast), and how two rows compare."""

from __future__ import annotations

from dataclasses import dataclass

from rag.answering.corpus import Corpus
from rag.answering.query import Query
from rag.answering.years import figure_year, one_year_figure
from rag.indexing.indicators import Indicator
from rag.text.periods import same_period
from rag.text.vocab import money_scale

# Same-currency units (rag/text/data/units.toml), for ordering values only (the text never shows a converted figure).
_SCALE = money_scale()


@dataclass(frozen=True)
class Pick:
    doc_id: str
    ind: Indicator


def period_matches(asked: str | None, stated: str | None, year: int | None) -> bool:
    if not asked:
        return False
    return same_period(asked, stated) or bool(year and asked == f"{year}年")


def facet_of(ind: Indicator, facet: str) -> float | None:
    return {"growth": ind.growth, "progress": ind.progress}.get(facet, ind.value)


def choose(cands: list[Pick], corpus: Corpus, period: str | None, facet: str, estimate: bool) -> Pick | None:
    """Best row of one report: the period asked, the facet asked, actual before forecast (unless asked), first stated
    (of one mention, the row running furthest)."""

    def key(p: Pick) -> tuple:
        year = corpus.meta(p.doc_id).year
        return (
            period_matches(period, p.ind.period, year),
            facet_of(p.ind, facet) is not None,
            p.ind.estimate == estimate,
            p.ind.value is not None,
            -p.ind.start,
            # the same mention read twice ("突破4000亿元，实现4028.51亿元"): the longer row restates the exact figure
            p.ind.end,
        )

    return max(cands, key=key) if cands else None


def rows_of(corpus: Corpus, doc_ids: list[str], metric: str, target: bool = False) -> list[Pick]:
    """The metric's rows in these reports: its targets when a target is asked, else what was achieved (or forecast)."""
    return [
        Pick(d, ind) for d, ind in corpus.indicators_of(doc_ids) if ind.metric == metric and is_target(ind) == target
    ]


def is_target(ind: Indicator) -> bool:
    return ind.kind == "target"


def best_per_report(corpus: Corpus, picks: list[Pick], period: str | None, facet: str, estimate: bool) -> list[Pick]:
    by_doc: dict[str, list[Pick]] = {}
    for p in picks:
        by_doc.setdefault(p.doc_id, []).append(p)
    chosen = [choose(c, corpus, period, facet, estimate) for c in by_doc.values()]
    return [c for c in chosen if c is not None]


def comparable(a: Pick, b: Pick, facet: str) -> bool:
    if facet != "value":
        return facet_of(a.ind, facet) is not None and facet_of(b.ind, facet) is not None
    if a.ind.value is None or b.ind.value is None:
        return False
    ua, ub = _SCALE.get(a.ind.unit or ""), _SCALE.get(b.ind.unit or "")
    return (ua is not None and ub is not None and ua[0] == ub[0]) or (a.ind.unit == b.ind.unit)


def sort_key(pick: Pick, facet: str) -> float:
    value = facet_of(pick.ind, facet) or 0.0
    return value * _SCALE[pick.ind.unit][1] if facet == "value" and pick.ind.unit in _SCALE else value


def answers_facet(ind: Indicator, query: Query) -> bool:
    """Amount and growth are two facts of one metric: "地区生产总值是多少" is not answered by a row stating only
    "增长6.1%", nor "增长多少" by one stating only the amount. A rank asked is answered by the rank."""
    if query.asks_rank or query.rank:
        return ind.rank is not None or facet_of(ind, query.facet) is not None
    return facet_of(ind, query.facet) is not None


def of_years(corpus: Corpus, picks: list[Pick], years: tuple[int, ...], target: bool) -> list[Pick]:
    """The rows about the years asked (all rows when none is asked). A target's year is read from its sentence,
    section or report (a "年底力争…" in a review of 2020 is 2020's); an achieved figure is set aside when its text
    states other years and not the one asked, or states it of a stretch of years ("五年来，…保持在20亿斤以上")."""
    if not years:
        return picks
    if target:
        return [p for p in picks if figure_year(corpus, p.doc_id, p.ind.start, p.ind.end) in years]
    return [p for p in picks if one_year_figure(corpus, p.doc_id, p.ind.start, p.ind.end, years, growth=False)]


def for_year(corpus: Corpus, doc_ids: list[str], year: int, target: bool) -> list[str]:
    """The reports whose figures describe `year` (for a target: the reports that plan for it). A 2020 政府工作报告
    reviews 2019 and sets the targets of 2020."""
    return [d for d in doc_ids if (corpus.meta(d).plan_year if target else corpus.meta(d).year) == year]


def covering(corpus: Corpus, doc_ids: list[str], year: int, planned: bool) -> list[str]:
    """The reports a question about `year` is answered from: those planning it for a plan or target, those
    reviewing it otherwise; failing that, the others that name it in either way."""
    return for_year(corpus, doc_ids, year, planned) or for_year(corpus, doc_ids, year, not planned)
