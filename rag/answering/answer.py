"""Answers built from the reports, each with its sources.

    question -> understand (rag.answering.query) -> scope + retrieve -> refuse? -> indicator table (rag.answering.compare)
             | extractive quote (rag.answering.extractive) -> [LLM rewrite: the place rag.answering.llm plugs in] -> numbered sources

The extractive engine quotes the report: every figure in an answer is copied from a passage it cites, and the
answer is checked for that before it is returned (rag.answering.verify). When nothing retrieved supports an answer the
status is "not_found", the text says so plainly and the closest passages are still shown.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache

from rag.answering import compare, targets
from rag.answering.corpus import Cite, Corpus, Draft, Part, Row
from rag.answering.extractive import (
    Meaning,
    Span,
    asks_number,
    coverage,
    following,
    gives_figure,
    has_unit_asked,
    is_heading,
    list_item,
    select,
    shorten,
    states_aim,
    union_coverage,
)
from rag.answering.query import (
    Query,
    asked_rank,
    asks_target,
    content_terms,
    metric_surfaces,
    place_mentions,
    quoted_terms,
    understand,
)
from rag.answering.quoting import best_quote
from rag.answering.retrieval import Filters, Hit, ReportRetriever, Searcher, street_aliases
from rag.answering.validation import validate_question
from rag.answering.verify import numbers_in, strip_citations, unsupported_numbers
from rag.answering.years import figure_year
from rag.config import Settings
from rag.ingest.tables import is_table_row
from rag.text import places
from rag.text.periods import multi_year

RETRIEVE_FOR_EVAL = 10
MODES = ("auto", "extractive", "llm")
# Share of the question's (rarity-weighted) content that the quoted sentences must hold; below it the reports
# do not answer the question. Calibrated on eval/dev.jsonl, where answered questions sit far above and questions
# about absent metrics ("常住人口", "进出口总额") far below.
MIN_COVERAGE = 0.5
# A referent clause ("有大庙弄片区的那个街道") picks a report when this share of its words is in that report only.
REFERENT_COVERAGE = 0.8
# A term this rare (in at most a few passages) that no retrieved passage holds sends us to the passages that do.
RARE_WEIGHT = 3.5

NOT_FOUND = "报告中未找到"
CLOSEST = "以下是最接近的段落，供参考。"
CLOSEST_EN = "The closest passages are listed below."
_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z]{2}")  # an LLM answer that is only "[1] [2]" says nothing


@dataclass(frozen=True)
class Source:
    rank: int
    hit: Hit
    highlights: tuple[tuple[int, int], ...] = ()  # report offsets of the sentences the answer rests on
    cited: bool = False
    origin: str = "retrieval"  # "retrieval" | "lookup": added because the answer cites it (an indicator row, ...)

    def to_json(self) -> dict:
        chunk, meta = self.hit.chunk, self.hit.report.meta
        return {
            "rank": self.rank,
            "doc": chunk.doc_id,
            "street": meta.street,
            "place": meta.name,
            "level": meta.level,
            "period": meta.period,
            "year": meta.year,
            "section": chunk.section,
            "text": chunk.text,
            "start": chunk.start,
            "end": chunk.end,
            "score": round(self.hit.score, 6),
            "highlights": [list(span) for span in self.highlights],
            "cited": self.cited,
            "origin": self.origin,
        }


@dataclass
class Answer:
    question: str
    status: str  # "answered" | "not_found"
    text: str
    mode: str = "extractive"
    sources: list[Source] = field(default_factory=list)
    retrieved: list[Hit] = field(default_factory=list)
    unverified_numbers: list[str] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    notice: str | None = None
    rewritten: str | None = None  # the standalone form of a follow-up question, when it was rewritten
    latency_ms: float = 0.0

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "status": self.status,
            "answer": self.text,
            "mode": self.mode,
            "sources": [s.to_json() for s in self.sources],
            "unverified_numbers": self.unverified_numbers,
            "indicators": self.indicators,
            "notice": self.notice,
            "rewritten_question": self.rewritten,
            "latency_ms": round(self.latency_ms, 1),
        }

    def render_text(self) -> str:
        lines = [self.text, ""]
        if self.notice:
            lines.insert(0, f"（{self.notice}）")
        if self.unverified_numbers:
            lines.append(f"⚠ 未在来源中核实的数字 unverified: {', '.join(self.unverified_numbers)}")
        lines.append("来源 Sources:")
        for s in self.sources:
            meta = s.hit.report.meta
            label = " · ".join(str(p) for p in (meta.name, meta.period, s.hit.chunk.section, s.hit.chunk.doc_id) if p)
            lines.append(f"[{s.rank}]{'' if s.cited else ' (相关 related)'} {label}")
            lines.append(f"    {s.hit.chunk.text}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ sources


class SourceBook:
    """Numbers sources in order of first citation; a cited stretch the retriever did not return gets the chunk
    that holds it, so every "[n]" points to a passage containing what it supports."""

    def __init__(self, corpus: Corpus, retrieved: list[Hit]) -> None:
        self.corpus = corpus
        self.retrieved = {h.chunk.chunk_id: h for h in retrieved}
        self.order: list[Hit] = []
        self.number: dict[str, int] = {}
        self.highlights: dict[str, list[tuple[int, int]]] = {}
        self.origin: dict[str, str] = {}

    def cite(self, c: Cite) -> list[int]:
        numbers = []
        for chunk in self.corpus.chunks_over(c.doc_id, c.start, c.end):
            if chunk.chunk_id not in self.number:
                hit = self.retrieved.get(chunk.chunk_id)
                self.origin[chunk.chunk_id] = "retrieval" if hit else "lookup"
                hit = hit or Hit(chunk, self.corpus.index.reports[chunk.doc_id], 0.0, 0)
                self.order.append(hit)
                self.number[chunk.chunk_id] = len(self.order)
            span = (max(c.start, chunk.start), min(c.end, chunk.end))
            marks = self.highlights.setdefault(chunk.chunk_id, [])
            if span not in marks:
                marks.append(span)
            numbers.append(self.number[chunk.chunk_id])
        return numbers

    def sources(self, k: int) -> list[Source]:
        """The cited sources, then the other retrieved passages up to k in all (context for the reader)."""
        cited = [
            Source(i + 1, h, tuple(sorted(self.highlights[h.chunk.chunk_id])), True, self.origin[h.chunk.chunk_id])
            for i, h in enumerate(self.order)
        ]
        extra = [h for h in self.retrieved.values() if h.chunk.chunk_id not in self.number]
        extra = extra[: max(0, k - len(cited))]
        return cited + [Source(len(cited) + i + 1, h) for i, h in enumerate(extra)]


def render(draft: Draft, book: SourceBook, english: bool) -> str:
    """The answer text, each citation a "[n]" marker numbered by the book."""
    out = [part if isinstance(part, str) else "".join(f"[{n}]" for n in book.cite(part)) for part in draft.parts]
    text = "".join(out).strip()
    return re.sub(r" +\[", " [", text) if english else text


def row_json(row: Row, book: SourceBook) -> dict:
    numbers = book.cite(row.cite)
    ind = row.indicator
    return {"street": row.street, "doc": row.doc_id, **asdict(ind), "estimate": ind.estimate, "sources": numbers}


# ------------------------------------------------------------------------------------------------ the engine


class Assistant:
    """Question in, Answer out. Holds the searcher (and so the model and index) for reuse across questions."""

    def __init__(self, settings: Settings | None = None, searcher: Searcher | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.searcher = searcher or Searcher(self.settings)
        self.retriever = ReportRetriever(searcher=self.searcher, k=self.settings.k)  # every retrieval goes through it
        self._corpus: Corpus | None = None
        self._lock = threading.Lock()

    def corpus(self) -> Corpus:
        """The answer engine's view of the current index generation (rebuilt when the index is)."""
        index = self.searcher.index
        with self._lock:
            if self._corpus is None or self._corpus.generation != index.generation:
                self._corpus = Corpus(index)
            return self._corpus

    def ask(
        self,
        question: str,
        *,
        mode: str = "auto",
        filters: Filters | None = None,
        k: int | None = None,
        history: Sequence[object] | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer a question. `history` holds earlier turns ({"role", "content"} dicts or (role, content) pairs):
        a follow-up such as "那秦灶街道呢？" is rewritten into a standalone question before retrieval.
        `on_token` receives the LLM's text as it streams. ValueError for an unusable question or mode."""
        started = time.monotonic()
        question = validate_question(question, self.settings)
        use_llm = self._use_llm(mode)
        k = k or self.settings.k
        corpus = self.corpus()
        known = corpus.index.streets()
        standalone = self._standalone(question, history, known, use_llm)
        query = understand(standalone, self.searcher.analyze(standalone), known)
        scope, narrowed = resolve_scope(query, corpus, filters or Filters())
        hits = self._retrieve(query, scope, narrowed, filters, k)
        answer = self._extractive_answer(query, corpus, scope, hits, k)
        answer.question = question
        if standalone != question:
            answer.rewritten = standalone
        if use_llm:
            answer = self._with_llm(answer, standalone, history, on_token)
        answer.retrieved = hits
        answer.latency_ms = (time.monotonic() - started) * 1000
        return answer

    def _use_llm(self, mode: str) -> bool:
        if mode not in MODES:
            raise ValueError(f"未知的回答模式：{mode}（mode must be one of {', '.join(MODES)}）")
        if mode == "llm" and not self.settings.llm_configured:
            raise ValueError("未配置大模型：请设置 RAG_LLM_BASE_URL 和 RAG_LLM_MODEL（LLM mode needs an endpoint）")
        return mode == "llm" or (mode == "auto" and self.settings.llm_configured)

    def _standalone(self, question: str, history: Sequence[object] | None, known: list[str], use_llm: bool) -> str:
        if not history:
            return question
        from rag.answering.llm import (
            rewrite_followup,  # imported late: openai + langchain-openai take seconds to import
        )

        return rewrite_followup(question, history, self.settings if use_llm else None, known_streets=known)

    def _with_llm(
        self,
        answer: Answer,
        question: str,
        history: Sequence[object] | None,
        on_token: Callable[[str], None] | None,
    ) -> Answer:
        """Let the LLM write the answer from exactly the numbered sources the extractive engine chose.

        The sources, highlights and indicator rows stay. On error or timeout the extractive text stays and
        `notice` says why; numbers the model states that no cited passage holds go to `unverified_numbers`.
        A "not_found" answer stays extractive: the model is not asked to answer what the reports do not hold. An
        answer that cites no valid source cannot be checked, and a model that finds nothing where the extractive
        engine quoted an answer is less credible than the quote: in both cases the quote is shown, with a notice."""
        if answer.status != "answered":
            return answer
        from rag.answering.llm import generate

        result = generate(self.settings, question, [s.hit for s in answer.sources], history, on_token)
        if result.error:
            answer.notice = result.error
            return answer
        if result.not_found:
            answer.notice = (
                "大模型未能从来源中作答，以下为从报告中摘录的答案（the model found no answer; showing the quoted one）"
            )
            return answer
        if not result.cited or not _WORDS.search(strip_citations(result.text)):
            answer.notice = "大模型的回答没有内容或没有引用有效来源、无法核查，以下为从报告中摘录的答案（the model's answer was empty or cited no source; showing the quoted answer）"
            return answer
        answer.text = result.text
        answer.mode = "llm"
        answer.unverified_numbers = result.unverified_numbers
        answer.notice = "；".join(result.problems) or None
        return answer

    def _retrieve(self, query: Query, scope: list[str], narrowed: bool, filters: Filters | None, k: int) -> list[Hit]:
        n = max(k, RETRIEVE_FOR_EVAL)
        if narrowed and scope:  # the question picked its report by content: search that report
            base = filters or Filters()
            return self.retriever.hits(query.search_text, k=n, filters=replace(base, doc_ids=tuple(scope)))
        return self.retriever.hits(query.search_text, k=n, filters=filters)

    def _extractive_answer(self, query: Query, corpus: Corpus, scope: list[str], hits: list[Hit], k: int) -> Answer:
        book = SourceBook(corpus, hits[:k])
        reason = refusal(query, corpus, scope)
        unnamed = unnamed_places(query, corpus)
        query = without_places(query, unnamed, corpus) if unnamed else query  # answered apart, below
        draft = None
        if reason is None:
            lookup, by_year = self._street_lookup(query, corpus, scope), self._year_lookup(query, corpus)
            draft = indicator_draft(query, corpus, scope, lookup, by_year)
            meaning = self._meaning(query.text) if query.english else None
            more = rescue(query, corpus, hits, scope)
            draft = draft or extractive_draft(query, corpus, hits + more, set(scope), meaning=meaning)
            draft = draft or self._closest(query, corpus, hits, scope)
            if draft is not None and query.rank and query.which_street and not _states_rank(draft, query, corpus):
                # "哪个街道…位列全区第一？" within a filter: a figure without that rank does not answer it
                draft, reason = (
                    None,
                    f"{_whose(query, corpus, scope, '')}写明该排名的内容（no report in scope states that rank）",
                )
        if draft is not None and query.streets:
            draft = self._with_unnamed_reports(draft, query, corpus)
        strangers = _strangers(draft, query, corpus) if draft is not None and not query.streets else []
        if strangers:  # the passages mention the place, but what they answer is about another one
            draft, reason = None, f"关于{'、'.join(strangers)}的内容"
        if draft is None:
            return not_found(query, reason or _other_years(query, corpus, scope), book, k)
        text = render(draft, book, query.english)
        missing = unknown_places(query, corpus) if query.streets else []
        if missing:  # "新闸街道和青龙街道…": answer what is there, say what is not
            names = "、".join(missing)
            text += f"\n（{NOT_FOUND}关于{names}的内容 / not found: {names}）"
        rows = [row_json(r, book) for r in draft.rows]
        sources = book.sources(k)
        passages = [s.hit.chunk.cited_text for s in sources if s.cited]
        return Answer(
            query.text,
            "answered",
            text,
            sources=sources,
            unverified_numbers=unsupported_numbers(text, passages),
            indicators=rows,
            notice=draft.notice,
        )

    def _with_unnamed_reports(self, draft: Draft, query: Query, corpus: Corpus) -> Draft:
        """ "文新街道和市桥街道…分别多少家": a place beside a known one that no report's metadata holds but a report
        of unknown place names in its text ("市桥街…") is answered from that report too, under the name asked."""
        parts: list[Part] = []
        for mention in unnamed_places(query, corpus):
            docs = [d for d in docs_naming(mention, corpus) if corpus.street(d) is None]
            if any(isinstance(p, Cite) and p.doc_id in docs for p in draft.parts):
                continue
            sub_draft = self._quote(replace(query, streets=()), corpus, docs, target=False)
            if sub_draft is not None:
                parts += ["\n- ", f"{_place(mention)}：", *sub_draft.parts[1:]]
        return replace(draft, parts=["- ", *draft.parts, *parts]) if parts else draft

    def _meaning(self, question: str) -> Meaning:
        """Cosines of sentences to the question with the retrieval model (question as a query, sentences as
        passages, as the model was trained): meaning across languages, where glossary words fall short."""
        embeddings = self.searcher.embeddings

        def closeness(texts: list[str]) -> list[float]:
            return (embeddings.encode_passages(texts) @ embeddings.encode_query(question)).tolist()

        return closeness

    def _street_lookup(self, query: Query, corpus: Corpus, scope: list[str]) -> compare.Fallback:
        """For a comparison row the indicator table lacks (a target, say): quote that street's report instead."""

        def lookup(street: str, segment: str) -> list[Part] | None:
            docs = [d for d in scope if corpus.street(d) == street]
            if not docs:
                return None
            sub = replace(
                query,
                text=segment,
                terms=tuple(content_terms(segment, street_aliases(street))) if not query.english else query.terms,
                streets=(street,),
                plan=asks_target(segment) or query.plan,
                compare=False,
            )
            draft = self._quote(sub, corpus, docs, target=sub.plan)
            return [p.lstrip("\n") if isinstance(p, str) else p for p in draft.parts] if draft else None

        return lookup

    def _year_lookup(self, query: Query, corpus: Corpus) -> compare.YearFallback:
        """For a year of a trend the indicator table lacks: quote the sentence of the report covering that year."""

        def lookup(docs: list[str], target: bool) -> list[Part] | None:
            sub = replace(query, years=(), plan=target or query.plan, compare=False)
            draft = self._quote(sub, corpus, docs, target=False)
            if draft is None:
                return None
            cites = [i for i, p in enumerate(draft.parts) if isinstance(p, Cite)]  # drop the draft's own heading
            return [p.strip("\n") if isinstance(p, str) else p for p in draft.parts[1 : cites[-1] + 1]]

        return lookup

    def _quote(self, query: Query, corpus: Corpus, docs: list[str], target: bool) -> Draft | None:
        hits = self.retriever.hits(query.text, k=RETRIEVE_FOR_EVAL, filters=Filters(doc_ids=tuple(docs)))
        draft = extractive_draft(query, corpus, hits, set(docs), require_metric=True, target=target)
        return draft or self._closest(query, corpus, hits, docs, require_metric=True, target=target)

    def _closest(
        self,
        query: Query,
        corpus: Corpus,
        hits: list[Hit],
        scope: list[str],
        require_metric: bool = False,
        target: bool = False,
    ) -> Draft | None:
        """Never worse than quoting: the sentence closest to the question in meaning and words, when the fitted
        model finds it likely to answer (rag.answering.quoting)."""
        span = best_quote(query, corpus, hits, set(scope), self._meaning(query.text))
        return quote_draft(query, corpus, [span], require_metric, target) if span is not None else None


# ------------------------------------------------------------------------------------------------ scope & refusal


def resolve_scope(query: Query, corpus: Corpus, filters: Filters) -> tuple[list[str], bool]:
    """The reports an answer may come from, and whether the question's content (not a name) picked them."""
    allowed = [d for d in corpus.doc_ids if filters.allows(corpus.index.reports[d])]
    if query.streets:
        return of_year(query, corpus, [d for d in allowed if corpus.street(d) in query.streets]), False
    for mention in query.unknown_streets:  # a place no metadata holds, named in some reports' text: those reports
        naming = [d for d in docs_naming(mention, corpus) if d in allowed]
        if naming and len(naming) < len(allowed):
            return naming, True
    quoted = quoted_terms(query.text)
    if quoted:
        having = [d for d in allowed if all(q in corpus.texts[d] for q in quoted)]
        if having and len(having) < len(allowed):
            return having, True
    clause = query.referent
    if clause and not query.which_street:
        terms = content_terms(clause)
        scores = {d: _share(terms, corpus.texts[d], corpus) for d in allowed}
        best = max(scores.values(), default=0.0)
        picked = [d for d, s in scores.items() if s == best]
        if best >= REFERENT_COVERAGE and len(picked) < len(allowed):
            return picked, True
    return allowed, False


def of_year(query: Query, corpus: Corpus, docs: list[str]) -> list[str]:
    """A place's reports narrowed to the one year asked: the report whose figures describe it (for a plan or a
    target, the report that plans for it), when the place has several reports and one of them covers that year."""
    if len(query.years) != 1 or len(docs) < 2:
        return docs
    planned = query.plan or asks_target(query.text)  # a plan or target for a year is in the report planning it
    year = query.years[0]
    return compare.covering(corpus, docs, year, planned) or docs


def rescue(query: Query, corpus: Corpus, hits: list[Hit], scope: list[str]) -> list[Hit]:
    """Passages holding the question's rarest term when no retrieved passage does ("非诉服务中心" is in one passage
    that the fused ranking can miss): a name that specific decides more than any ranking."""
    seen = {h.chunk.chunk_id for h in hits}
    rare = [t for t in query.words if corpus.weight(t) >= RARE_WEIGHT and not any(t in h.chunk.text for h in hits)]
    extra: list[Hit] = []
    for term in sorted(rare, key=corpus.weight, reverse=True)[:2]:
        for chunk in corpus.index.chunks:
            if term in chunk.text and chunk.doc_id in scope and chunk.chunk_id not in seen:
                seen.add(chunk.chunk_id)
                extra.append(Hit(chunk, corpus.index.reports[chunk.doc_id], 0.0, 0))
    return extra


def _share(terms: list[str], text: str, corpus: Corpus) -> float:
    total = sum(corpus.weight(t) for t in terms)
    return sum(corpus.weight(t) for t in terms if t in text) / total if total else 0.0


def refusal(query: Query, corpus: Corpus, scope: list[str]) -> str | None:
    """Why the loaded reports cannot answer, from the question alone (None: go and look)."""
    unknown = unknown_places(query, corpus)
    if unknown and not query.streets:
        loaded = "、".join(dict.fromkeys(s for d in corpus.doc_ids if (s := corpus.street(d))))
        return f"关于{'、'.join(unknown)}的内容（已载入的报告涉及：{loaded}）"
    if not scope:
        return "符合当前筛选条件的相关报告（no report matches the filters）"
    for year in query.years:
        if not any(
            year in (corpus.meta(d).year, corpus.meta(d).plan_year) or f"{year}年" in corpus.texts[d] for d in scope
        ):
            return f"{_whose(query, corpus, scope, '在')}所问年份的内容（已载入的报告不涉及该年份）"
    if query.metric:
        surfaces = metric_surfaces(query.metric)
        if not any(s in corpus.texts[d] for d in scope for s in surfaces):
            return f"{_whose(query, corpus, scope, '的')}{query.metric}数据"
    return None


def unknown_places(query: Query, corpus: Corpus) -> list[str]:
    """Places the question names that no loaded report covers: not in any report's metadata (place, parents,
    title, file name) nor anywhere in their text, by full or short name ("沈家门街道" is covered by a report that
    says "沈家门"). A "street" the reports themselves write ("建成街道非诉服务中心") is a phrase, and "有几个街道"
    is a question, not a place."""
    return [_place(u) for u in place_mentions(query) if not docs_naming(u, corpus)]


def docs_naming(mention: str, corpus: Corpus) -> list[str]:
    """The reports whose text or metadata name a place the question mentions ("请问沈家门街道" -> 沈家门)."""
    forms = mention_forms(mention, corpus)
    return [d for d in corpus.doc_ids if any(f in _labels(d, corpus) or f in corpus.texts[d] for f in forms)]


def unnamed_places(query: Query, corpus: Corpus) -> list[str]:
    """Places named beside known ones that only reports of undetected place name in their text ("市桥街道")."""
    if not query.streets:
        return []
    return [m for m in place_mentions(query) if any(corpus.street(d) is None for d in docs_naming(m, corpus))]


def without_places(query: Query, names: list[str], corpus: Corpus) -> Query:
    """The question's terms less those of the places named (they pick reports; what is asked is the rest)."""
    forms = [f for n in names for f in mention_forms(n, corpus)]
    return replace(query, terms=tuple(t for t in query.terms if not any(t in f for f in forms)))


def _labels(doc_id: str, corpus: Corpus) -> str:
    meta = corpus.meta(doc_id)
    return " ".join(filter(None, (doc_id, meta.title, meta.name, meta.district, meta.city, *meta.parents)))


def mention_forms(mention: str, corpus: Corpus) -> list[str]:
    """How the reports may write a place the question names: its Chinese forms, or for a place named in pinyin
    ("Hefei") the forms of every place the reports name that reads so (合肥市 -> 合肥市, 合肥)."""
    if mention.isascii():
        return [f for name in _pinyin_names(corpus).get(places.pinyin_key(mention), ()) for f in _name_forms(name)]
    return _name_forms(mention)


@lru_cache(maxsize=2)
def _pinyin_names(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    """pinyin -> the place names the loaded reports hold: their metadata, and every two or three characters of
    their text before a level word (合肥市, 市桥街; the short form, as the text writes it). Built once per index
    generation, when an English question names a place no report is about."""
    names: set[str] = set()
    for doc_id in corpus.doc_ids:
        meta = corpus.meta(doc_id)
        names.update(places.short_name(n) for n in (meta.name, meta.district, meta.city, *meta.parents) if n)
        for pattern in _STEMS:
            names.update(m.group(1) for m in pattern.finditer(corpus.texts[doc_id]))
    out: dict[str, set[str]] = {}
    for name in names:
        out.setdefault(places.pinyin(name), set()).add(name)
    return {k: tuple(sorted(v)) for k, v in out.items()}


_LEVEL_CHARS = "".join(sorted({s[-1] for s, _ in places.vocabulary().suffixes} | {"街"}))
_STEMS = tuple(re.compile(rf"(?=([\u4e00-\u9fff]{{{n}}})[{_LEVEL_CHARS}])") for n in (2, 3))


def _strangers(draft: Draft, query: Query, corpus: Corpus) -> list[str]:
    """Places the question names that the answer is not about: no cited report is theirs (its place unknown, or
    its metadata naming them) and no quoted sentence names them. "合肥市…地区生产总值" must not be answered with
    芜湖's figure because 芜湖's report mentions 合肥都市圈."""
    cites = [p for p in draft.parts if isinstance(p, Cite)] + [r.cite for r in draft.rows]
    out = []
    for mention in place_mentions(query):
        if query.referent and mention in query.referent:
            continue  # "建成街道非诉服务中心的那个街道": words of the report that the referent picked, not a place asked
        forms = mention_forms(mention, corpus)
        own = any(corpus.street(c.doc_id) is None or any(f in _labels(c.doc_id, corpus) for f in forms) for c in cites)
        quoted = any(f in corpus.quote(c.doc_id, c.start, c.end) for c in cites for f in forms)
        if cites and not own and not quoted:
            out.append(_place(mention))
    return out


def _name_forms(mention: str) -> list[str]:
    """ "请问沈家门街道" -> 请问沈家门街道, 问沈家门街道, 沈家门街道, 沈家门, 家门街道 …: the mention's trailing parts
    (the question's words may run into the name) with their short forms, never shorter than two characters."""
    level = places.level_of(mention)
    suffix = next((s for s, _ in places.vocabulary().suffixes if mention.endswith(s)), "") if level else ""
    stem = mention[: len(mention) - len(suffix)]
    forms: list[str] = []
    for i in range(len(stem) - 1):
        name = stem[i:] + suffix
        forms.append(name)
        if i == 0 or len(stem) - i >= 3:  # a bare two-character tail ("家门" of 沈家门) says nothing
            forms += places.aliases(name) if places.is_unit_name(name) else []
    return [f for f in dict.fromkeys(forms) if len(f) >= 2]


def _place(name: str) -> str:
    """ "宁区青龙街道" (a district glued to the front) -> "青龙街道"."""
    m = re.search(r"[区县市]([\u4e00-\u9fff]{2,}(?:街道|镇|乡))$", name)
    name = m.group(1) if m else name
    return re.sub(r"^[和与及跟同、的在]", "", name)


def _other_years(query: Query, corpus: Corpus, scope: list[str]) -> str | None:
    """Why a target asked for a year is not answered when the reports in scope set that metric's target only for
    other years: say so, rather than "nothing found"."""
    if not (query.metric and query.years and asks_target(query.text)):
        return None
    rows = compare.rows_of(corpus, scope, query.metric, target=True)
    if not rows or compare.of_years(corpus, rows, query.years, True):
        return None
    years = "、".join(f"{y}年" for y in query.years)
    return f"{_whose(query, corpus, scope, '')}{years}{query.metric}的目标数字（报告中的目标属于其他年份，未作答）"


def _whose(query: Query, corpus: Corpus, scope: list[str], joiner: str) -> str:
    streets = query.streets or tuple(dict.fromkeys(s for d in scope if (s := corpus.street(d))))
    return f"{'、'.join(streets)}{joiner}" if len(scope) < len(corpus.doc_ids) and streets else ""


def not_found(query: Query, reason: str | None, book: SourceBook, k: int) -> Answer:
    what = reason or "能回答该问题的内容"
    if query.english:
        text = f"Not found in the reports ({NOT_FOUND}{what}). {CLOSEST_EN}"
    else:
        text = f"{NOT_FOUND}{what}。{CLOSEST}"
    return Answer(query.text, "not_found", text, sources=book.sources(k))


# ------------------------------------------------------------------------------------------------ drafts


def indicator_draft(
    query: Query, corpus: Corpus, scope: list[str], lookup: compare.Fallback, by_year: compare.YearFallback
) -> Draft | None:
    """Questions the indicator table answers best: ranks, rankings, comparisons, trends, a place's figure for a
    metric (what was achieved, or the target when a target is asked)."""
    if targets.asks_attainment(query.text):  # "…目标完成了吗": target beside result, both cited
        draft = targets.attainment_draft(query, corpus, scope)
        if draft is not None:
            return draft
    one_place = len({corpus.street(d) for d in scope}) == 1
    own_figures = len(query.streets) < 2 and one_place and not query.share  # one place's figures, not a share
    if len(query.years) >= 2 and own_figures:
        draft = compare.trend(query, corpus, scope, by_year)
        if draft is not None:
            return draft
    if len(query.metrics) >= 2 and own_figures and not query.superlative:
        draft = compare.several_metrics(query, corpus, scope, lookup)
        if draft is not None:
            return draft
    if query.metric and own_figures and asks_target(query.text):
        return compare.single_value(query, corpus, scope, target=True)
    if (query.plan and not (query.metric and len(query.streets) >= 2)) or query.share:
        return None
    if query.rank and query.which_metrics:
        return compare.rank_list(query, corpus, scope)
    if query.rank and query.which_street:
        return compare.which_street_rank(query, corpus, scope, query.metric or _ranked_metric(query, corpus, scope))
    if len(query.streets) >= 2 and not query.superlative:
        # A comparison: the table's figures where it has the metric, else each street's own sentence, quoted.
        return compare.comparison(query, corpus, scope, lookup)
    if not query.metric:
        return None
    if query.superlative and len(query.streets) != 1:
        return compare.superlative(query, corpus, scope)
    # The table's row is one figure (with its rank): two figures asked ("是多少？增长多少？") are quoted instead.
    if one_place and (not query.several or query.asks_rank) and not multi_year(query.text):  # rows are one year's
        draft = compare.single_value(query, corpus, scope)
        if draft is not None and _quote_coverage(draft, query, corpus) >= MIN_COVERAGE:
            return draft
    return None


def _ranked_metric(query: Query, corpus: Corpus, scope: list[str]) -> str | None:
    """A metric outside the synonym table that the question names and a report ranks ("网格化知晓率")."""
    names = {ind.metric for d, ind in corpus.indicators_of(scope) if ind.rank and len(ind.metric) >= 4}
    named = [n for n in names if n in query.text]
    return max(named, key=len) if named else None


def _states_rank(draft: Draft, query: Query, corpus: Corpus) -> bool:
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
    """Quote the sentence(s) that answer, naming the street (from metadata) and the period. `meaning` scores the
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
        text = compare.said(corpus, span.doc_id, span.start, span.end) if is_table_row(span.text) else span.text
        parts += [text + (" " if query.english else ""), Cite(span.doc_id, span.start, span.end)]
    parts.append("." if query.english else "。")
    return Draft(parts)


def _heading(query: Query, corpus: Corpus, doc_id: str, spans: list[Span]) -> str:
    """ "西林街道（1-6月）：" — the street from the report's metadata, the period stated by the quoted figures (or
    the report's own period). A period whose digits the quote does not contain is left out."""
    meta = corpus.meta(doc_id)
    who = compare.place_label(corpus, doc_id, english=False)
    when = None if query.plan else _period_of(corpus, doc_id, spans) or meta.period
    if when and not set(numbers_in(when)) <= set(numbers_in("".join(s.hit.chunk.text for s in spans))):
        when = meta.period
    if query.english:
        who_en = compare.place_label(corpus, doc_id, english=True)
        head = f"{who_en}, {compare.period_en(when)}: " if when else f"{who_en}: "
        return head + compare.name_en(query.metric)
    return f"{who}（{when}）：" if when else f"{who}："


def _period_of(corpus: Corpus, doc_id: str, spans: list[Span]) -> str | None:
    periods = [ind.period for s in spans for ind in corpus.indicators_in(doc_id, s.start, s.end) if ind.period]
    return periods[0] if periods else None
