"""Answers built from the reports, each with its sources.

    question -> understand (rag.answering.query) -> scope + retrieve (rag.answering.scope) -> refuse? ->
             draft (rag.answering.drafts): indicator table (rag.answering.compare) | extractive quote
             (rag.answering.extractive) -> [LLM rewrite: the place rag.answering.llm plugs in] ->
             numbered sources (rag.answering.citations) -> Answer (rag.answering.results)

`Assistant` orchestrates; the places a question names are checked in rag.answering.named_places.

The extractive engine quotes the report: every figure in an answer is copied from a passage it cites, and the
answer is checked for that before it is returned (rag.answering.verify). When nothing retrieved supports an answer the
status is "not_found", the text says so plainly and the closest passages are still shown.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.answering import compare
from rag.answering.citations import SourceBook, render, row_json
from rag.answering.corpus import Cite, Corpus, Draft, Part
from rag.answering.drafts import extractive_draft, indicator_draft, quote_draft, states_rank
from rag.answering.extractive import Meaning
from rag.answering.followup import rewrite_followup
from rag.answering.named_places import (
    clean_place,
    docs_naming,
    strangers,
    unknown_places,
    unnamed_places,
    without_places,
)
from rag.answering.query import Query, asks_target, content_terms, understand
from rag.answering.quoting import best_quote
from rag.answering.results import Answer, Source
from rag.answering.retrieval import Filters, Hit, ReportRetriever, Searcher, place_aliases
from rag.answering.scope import of_year, other_years, refusal, rescue, resolve_scope, whose
from rag.answering.validation import validate_question
from rag.answering.verify import strip_citations, unsupported_numbers
from rag.config import Settings

__all__ = ["Answer", "Assistant", "Source"]  # the public API; the parts live in the modules imported above

RETRIEVE_FOR_EVAL = 10
MODES = ("auto", "extractive", "llm")

NOT_FOUND = "报告中未找到"
CLOSEST = "以下是最接近的段落，供参考。"
CLOSEST_EN = "The closest passages are listed below."
_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z]{2}")  # an LLM answer that is only "[1] [2]" says nothing


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
        known = corpus.index.place_names()
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
        return rewrite_followup(question, history, self.settings if use_llm else None, known_places=known)

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
            draft = self._draft(query, corpus, scope, hits)
            if draft is not None and query.rank and query.which_place and not states_rank(draft, query, corpus):
                # "哪个街道…位列全区第一？" within a filter: a figure without that rank does not answer it
                draft, reason = (
                    None,
                    f"{whose(query, corpus, scope, '')}写明该排名的内容（no report in scope states that rank）",
                )
        if draft is not None and query.places:
            draft = self._with_unnamed_reports(draft, query, corpus)
        strange = strangers(draft, query, corpus) if draft is not None and not query.places else []
        if strange:  # the passages mention the place, but what they answer is about another one
            draft, reason = None, f"关于{'、'.join(strange)}的内容"
        if draft is None:
            return not_found(query, reason or other_years(query, corpus, scope), book, k)
        text = render(draft, book, query.english)
        missing = unknown_places(query, corpus) if query.places else []
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

    def _draft(self, query: Query, corpus: Corpus, scope: list[str], hits: list[Hit]) -> Draft | None:
        """The indicator table's answer, else the quoted sentences that answer, else the closest one."""
        lookup, by_year = self._place_lookup(query, corpus, scope), self._year_lookup(query, corpus)
        draft = indicator_draft(query, corpus, scope, lookup, by_year, self._part_answer(corpus, scope))
        meaning = self._meaning(query.text) if query.english else None
        more = rescue(query, corpus, hits, scope)
        draft = draft or extractive_draft(query, corpus, hits + more, set(scope), meaning=meaning)
        return draft or self._closest(query, corpus, hits, scope)

    def _part_answer(self, corpus: Corpus, scope: list[str]) -> compare.PartAnswer:
        """A comparison's part ("2020年佛山的地区生产总值是多少") answered as that question alone would be: read
        afresh (its own year, target or amount), scoped to the place's reports of that year, retrieved there."""

        def answer(name: str, text: str) -> Draft | None:
            sub = understand(text, self.searcher.analyze(text), corpus.index.place_names())
            sub = replace(sub, places=(name,), segments={}, order=None, compare=False)
            docs = of_year(sub, corpus, [d for d in scope if corpus.place(d) == name])
            if not docs or refusal(sub, corpus, docs) is not None:
                return None
            hits = self.retriever.hits(sub.search_text, k=RETRIEVE_FOR_EVAL, filters=Filters(doc_ids=tuple(docs)))
            return self._draft(sub, corpus, docs, hits)

        return answer

    def _with_unnamed_reports(self, draft: Draft, query: Query, corpus: Corpus) -> Draft:
        """ "文新街道和市桥街道…分别多少家": a place beside a known one that no report's metadata holds but a report
        of unknown place names in its text ("市桥街…") is answered from that report too, under the name asked."""
        parts: list[Part] = []
        for mention in unnamed_places(query, corpus):
            docs = [d for d in docs_naming(mention, corpus) if corpus.place(d) is None]
            if any(isinstance(p, Cite) and p.doc_id in docs for p in draft.parts):
                continue
            sub_draft = self._quote(replace(query, places=()), corpus, docs, target=False)
            if sub_draft is not None:
                parts += ["\n- ", f"{clean_place(mention)}：", *sub_draft.parts[1:]]
        return replace(draft, parts=["- ", *draft.parts, *parts]) if parts else draft

    def _meaning(self, question: str) -> Meaning:
        """Cosines of sentences to the question with the retrieval model (question as a query, sentences as
        passages, as the model was trained): meaning across languages, where glossary words fall short."""
        embeddings = self.searcher.embeddings

        def closeness(texts: list[str]) -> list[float]:
            return (embeddings.encode_passages(texts) @ embeddings.encode_query(question)).tolist()

        return closeness

    def _place_lookup(self, query: Query, corpus: Corpus, scope: list[str]) -> compare.Fallback:
        """For a comparison row the indicator table lacks (a target, say): quote that place's report instead."""

        def lookup(name: str, segment: str) -> list[Part] | None:
            docs = [d for d in scope if corpus.place(d) == name]
            if not docs:
                return None
            sub = replace(
                query,
                text=segment,
                terms=tuple(content_terms(segment, place_aliases(name))) if not query.english else query.terms,
                places=(name,),
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


def not_found(query: Query, reason: str | None, book: SourceBook, k: int) -> Answer:
    what = reason or "能回答该问题的内容"
    if query.english:
        text = f"Not found in the reports ({NOT_FOUND}{what}). {CLOSEST_EN}"
    else:
        text = f"{NOT_FOUND}{what}。{CLOSEST}"
    return Answer(query.text, "not_found", text, sources=book.sources(k))
