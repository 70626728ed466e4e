"""Which reports an answer may come from, and why the loaded reports cannot answer (a refusal) before looking."""

from __future__ import annotations

import re
from collections import defaultdict

from rag.answering import picks
from rag.answering.corpus import Corpus
from rag.answering.named_places import docs_naming, unknown_places
from rag.answering.query import Query, asks_target, content_terms, english_words_for, metric_surfaces, quoted_terms
from rag.answering.retrieval import Filters, Hit
from rag.text.lexicon import word_parts
from rag.text.vocab import alternation, asked_units, markers

BULLETIN_TITLE = 300  # characters at the head of a report where a statistical bulletin's title stands

# A referent clause ("有大庙弄片区的那个街道") picks a report when this share of its words is in that report only.
REFERENT_COVERAGE = 0.8
# A term this rare (in at most a few passages) that no retrieved passage holds sends us to the passages that do.
RARE_WEIGHT = 3.5


def resolve_scope(query: Query, corpus: Corpus, filters: Filters) -> tuple[list[str], bool]:
    """The reports an answer may come from, and whether the question's content (not a name) picked them."""
    allowed = [d for d in corpus.doc_ids if filters.allows(corpus.index.reports[d])]
    if query.places:
        named = [d for d in allowed if corpus.place(d) in query.places]
        kind = of_kind(query, corpus, named)  # narrowed by the kind of report named: search only those
        return of_year(query, corpus, kind), len(kind) < len(named)
    for mention in query.unknown_places:  # a place no metadata holds, named in some reports' text: those reports
        naming = [d for d in docs_naming(mention, corpus) if d in allowed]
        if naming and len(naming) < len(allowed):
            return naming, True
    quoted = quoted_terms(query.text)
    if quoted:
        having = [d for d in allowed if all(q in corpus.texts[d] for q in quoted)]
        if having and len(having) < len(allowed):
            return having, True
    clause = query.referent
    if clause and not query.which_place:
        scores = _referent_shares(referent_terms(clause), allowed, corpus)
        best = max(scores.values(), default=0.0)
        picked = [d for d, s in scores.items() if s == best]
        if best >= REFERENT_COVERAGE and len(picked) < len(allowed):
            return picked, True
    return allowed, False


_WORK_REPORT = re.compile(alternation(markers("work_report_named")), re.I)
_BULLETIN = re.compile(alternation(markers("bulletin_named")), re.I)


def of_kind(query: Query, corpus: Corpus, docs: list[str]) -> list[str]:
    """A place's reports narrowed to the kind of report the question names ("according to the State Council's
    work report": its 政府工作报告, not its statistical bulletin), when it has statistical bulletins and other
    reports both (a bulletin names itself in its title: "…国民经济和社会发展统计公报")."""
    bulletin = bool(_BULLETIN.search(query.text))
    if bulletin == bool(_WORK_REPORT.search(query.text)):
        return docs
    bulletins = [d for d in docs if _BULLETIN.search(corpus.texts[d][:BULLETIN_TITLE])]
    if not bulletins or len(bulletins) == len(docs):
        return docs
    return bulletins if bulletin else [d for d in docs if d not in bulletins]


def of_year(query: Query, corpus: Corpus, docs: list[str]) -> list[str]:
    """Each place's reports narrowed to the one year asked: the report whose figures describe it (for a plan or a
    target, the report that plans for it), when the place has several reports and one of them covers that year.
    Places are narrowed apart: one place's report of that year never drops another place's reports."""
    if len(query.years) != 1 or len(docs) < 2:
        return docs
    planned = query.plan or asks_target(query.text)  # a plan or target for a year is in the report planning it
    year = query.years[0]
    by_place: dict[str | None, list[str]] = {}
    for d in docs:
        by_place.setdefault(corpus.place(d), []).append(d)
    return [d for own in by_place.values() for d in (picks.covering(corpus, own, year, planned) or own)]


def rescue(query: Query, corpus: Corpus, hits: list[Hit], scope: list[str]) -> list[Hit]:
    """Passages holding the question's rarest term when no retrieved passage does ("非诉服务中心" is in one passage
    that the fused ranking can miss): a name that specific decides more than any ranking."""
    seen = {h.chunk.chunk_id for h in hits}
    rare = [t for t in query.words if corpus.weight(t) >= RARE_WEIGHT and not any(t in h.chunk.text for h in hits)]
    extra: list[Hit] = []
    for term in sorted(rare, key=corpus.weight, reverse=True)[:2]:
        for chunk in corpus.passages_with(term):
            if chunk.doc_id in scope and chunk.chunk_id not in seen:
                seen.add(chunk.chunk_id)
                extra.append(Hit(chunk, corpus.index.reports[chunk.doc_id], 0.0, 0))
    return extra


_FIGURE = re.compile(rf"(\d[\d.]*)\s*({alternation(asked_units())})")


def referent_terms(clause: str) -> list[str]:
    """The words of a referent clause, a figure with its unit ("引进亿元项目13个": "13个", not any "13")."""
    figures = {m.group(1): m.group(1) + m.group(2) for m in _FIGURE.finditer(clause)}
    return [figures.get(t, t) for t in content_terms(clause)]


def _referent_shares(terms: list[str], docs: list[str], corpus: Corpus) -> dict[str, float]:
    """Per report, the share of the referent's words that one of its passages holds: a referent states one fact
    ("引进亿元项目13个的那个街道"), so its words are found together, not scattered over a report."""
    total = sum(corpus.weight(t) for t in terms)
    held: dict[tuple[str, int], float] = defaultdict(float)
    for term in terms:
        for chunk in corpus.passages_with(term):
            held[(chunk.doc_id, chunk.start)] += corpus.weight(term)
    best = {d: 0.0 for d in docs}
    for (doc_id, _start), weight in held.items():
        if doc_id in best:
            best[doc_id] = max(best[doc_id], weight / total if total else 0.0)
    return best


def refusal(query: Query, corpus: Corpus, scope: list[str]) -> str | None:
    """Why the loaded reports cannot answer, from the question alone (None: go and look)."""
    unknown = unknown_places(query, corpus)
    if unknown and not query.places:
        loaded = "、".join(dict.fromkeys(s for d in corpus.doc_ids if (s := corpus.place(d))))
        return f"关于{'、'.join(unknown)}的内容（已载入的报告涉及：{loaded}）"
    if not scope:
        return "符合当前筛选条件的相关报告（no report matches the filters）"
    for year in query.years:
        if not any(
            year in (corpus.meta(d).year, corpus.meta(d).plan_year) or f"{year}年" in corpus.texts[d] for d in scope
        ):
            return f"{whose(query, corpus, scope, '在')}所问年份的内容（已载入的报告不涉及该年份）"
    if query.metric:
        # an English name stands for several Chinese words ("industrial investment" = 工业投入, 工业投资): any
        surfaces = metric_surfaces(query.metric) + (
            english_words_for(query.text, query.metric) if query.english else ()
        )
        named = any(s in corpus.texts[d] for d in scope for s in surfaces)
        if not named and not _parts_together(query.metric, corpus, scope):
            return f"{whose(query, corpus, scope, '的')}{query.metric}数据"
    return None


def _parts_together(metric: str, corpus: Corpus, scope: list[str]) -> bool:
    """Does one passage in scope write every part of the metric's name, apart ("粮食生产再夺丰收，总产量20.48亿斤"
    for 粮食产量)? The table of metrics names what it knows; a report may still say it in its own way."""
    docs = set(scope)
    held: set[tuple[str, int]] | None = None
    for part in word_parts(metric):
        found = {(c.doc_id, c.start) for c in corpus.passages_with(part) if c.doc_id in docs}
        held = found if held is None else held & found
    return bool(held)


def other_years(query: Query, corpus: Corpus, scope: list[str]) -> str | None:
    """Why a target asked for a year is not answered when the reports in scope set that metric's target only for
    other years: say so, rather than "nothing found"."""
    if not (query.metric and query.years and asks_target(query.text)):
        return None
    rows = picks.rows_of(corpus, scope, query.metric, target=True)
    if not rows or picks.of_years(corpus, rows, query.years, True):
        return None
    years = "、".join(f"{y}年" for y in query.years)
    return f"{whose(query, corpus, scope, '')}{years}{query.metric}的目标数字（报告中的目标属于其他年份，未作答）"


def whose(query: Query, corpus: Corpus, scope: list[str], joiner: str) -> str:
    names = query.places or tuple(dict.fromkeys(s for d in scope if (s := corpus.place(d))))
    return f"{'、'.join(names)}{joiner}" if len(scope) < len(corpus.doc_ids) and names else ""
