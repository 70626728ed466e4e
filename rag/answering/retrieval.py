"""Hybrid search: BM25 over character bigrams + dense e5 vectors, fused by weighted reciprocal-rank fusion.

Places named in the question (full name "西林街道", short name "西林", or pinyin "Xilin" in English questions)
restrict the search to those places' reports; years named boost reports of that year. Filters chosen in the UI
are hard restrictions. `Searcher` re-opens the index when a newer generation has been swapped in, so a report
added through the app is searchable at once, without a restart.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, SkipValidation

from rag.config import Settings
from rag.indexing.chunking import Chunk
from rag.indexing.store import Index, ReportRecord
from rag.text import places
from rag.text.periods import YEAR_MENTION

# Words that open no place's name: "全国城镇新增就业", "全省城镇居民" speak of a scope, not of a town "全国城镇".
_NOT_A_NAME = ("哪个", "哪些", "各个", "每个", "这个", "那个", "本", "该", "各", *places.vocabulary().scopes.values())
_NOT_NAME_END = frozenset("全各本该我每两几哪个些")
_LEAD = re.compile(r"^(?:请问|请|问|查询|关于|那么|那|比较|对比|今年|去年|上半年|全年)+")
YEAR_BOOST = 1.25


@dataclass(frozen=True)
class Filters:
    """Hard restrictions chosen by the user (UI sidebar / CLI)."""

    places: tuple[str, ...] = ()  # place names, at any level
    years: tuple[int, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def allows(self, report: ReportRecord) -> bool:
        return (
            (not self.places or report.meta.name in self.places)
            and (not self.years or report.meta.year in self.years)
            and (not self.doc_ids or report.doc_id in self.doc_ids)
        )


@dataclass(frozen=True)
class QueryAnalysis:
    places: tuple[str, ...] = ()  # places of the loaded reports that the question names
    unknown_places: tuple[str, ...] = ()  # "XX街道", "杭州市" named but not among the loaded reports
    years: tuple[int, ...] = ()


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    report: ReportRecord
    score: float  # fused RRF score
    rank: int  # 1-based
    bm25_rank: int | None = None
    dense_rank: int | None = None
    bm25_score: float = 0.0
    dense_score: float = 0.0  # cosine similarity


def place_aliases(name: str) -> list[str]:
    """How a question may name a place: 西林街道, 西林, xilin; 甘孜藏族自治州, 甘孜, 甘孜州, ganzi. Pinyin last."""
    return [*places.aliases(name), places.pinyin(name)]


@dataclass(frozen=True)
class _PlaceNames:
    """How questions may name the loaded places, prepared once per list of places. A question is then matched by
    looking its substrings up (O(question), not O(places): at 1,000 reports, testing every place's aliases and
    compiling its pinyin patterns took ~650 ms a question)."""

    order: dict[str, int]  # place -> position in the list (named places keep that order)
    chinese: dict[str, tuple[str, ...]]  # alias (西林街道, 西林, 甘孜州 …) -> places
    latin: dict[str, tuple[str, ...]]  # pinyin (xilin) -> places
    by_short: dict[str, tuple[str, ...]]  # short name (日喀则, 全国) -> places, for English names
    short: frozenset[str]

    def named(self, question: str) -> list[str]:
        lowered = _SYLLABLE_MARK.sub("", question.lower())  # "ji'an" is jian
        compact = re.sub(r"[\s\-]", "", lowered)
        aliases = _lookup(question, self.chinese)
        found = {
            place for alias in aliases if not _inside_longer(alias, aliases, question) for place in self.chinese[alias]
        }
        for _written, short in places.english_named(question):  # "Shigatse", "the State Council"
            found.update(self.by_short.get(short, ()))
        for pinyin in _lookup(compact, self.latin) if _LATIN.search(compact) else ():
            word, glued = _pinyin_patterns(pinyin)
            if word.search(lowered) or glued.search(compact):
                found.update(self.latin[pinyin])
        return sorted(found, key=self.order.__getitem__)


_LATIN = re.compile(r"[a-z]")
_SYLLABLE_MARK = re.compile(r"(?<=[a-z])['’](?=[aeo])")


def _inside_longer(alias: str, found: set[str], text: str) -> bool:
    """Is every mention of `alias` part of a longer name found ("吉林" inside "吉林省": the province, not 吉林市)?"""
    longer = [b for b in found if alias in b and b != alias]
    if not longer:
        return False
    spans = [(m.start(), m.start() + len(b)) for b in longer for m in re.finditer(re.escape(b), text)]
    starts = [m.start() for m in re.finditer(re.escape(alias), text)]
    return all(any(s <= p and p + len(alias) <= e for s, e in spans) for p in starts)


def _lookup(text: str, table: dict[str, tuple[str, ...]]) -> set[str]:
    """The keys of `table` that occur in `text` (every substring of a key's length is looked up)."""
    lengths = {len(k) for k in table}
    return {text[i : i + n] for n in lengths for i in range(len(text) - n + 1) if text[i : i + n] in table}


def _group(pairs: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for key, place in pairs:
        if key and place not in out.setdefault(key, []):
            out[key].append(place)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=16)
def _place_names(known: tuple[str, ...]) -> _PlaceNames:
    return _PlaceNames(
        order={s: i for i, s in enumerate(known)},
        chinese=_group([(a, s) for s in known for a in places.aliases(s)]),
        latin=_group([(places.pinyin(s), s) for s in known]),
        by_short=_group([(s if s == places.NATION else places.short_name(s), s) for s in known]),
        short=frozenset(places.short_name(s) for s in known),
    )


@lru_cache(maxsize=8192)
def _pinyin_patterns(pinyin: str) -> tuple[re.Pattern, re.Pattern]:
    """ "xilin" as a word of its own, or glued to what an English question calls its level ("xilinsubdistrict")."""
    levels = "|".join(sorted(places.english_levels(), key=len, reverse=True))
    return re.compile(rf"\b{re.escape(pinyin)}"), re.compile(rf"{re.escape(pinyin)}({levels})")


# "全国" is the country when a question asks about it ("2025年全国粮食产量的预期目标"), not when it is a rank's scope
# ("居全国第一", "全国百强") or the country's average ("高于全国平均水平").
_NATION_ASKED = re.compile(r"(?<![居列位排在于比较过])全国(?![第前首排同百平各\d])")
# Beside another place the country's names are part of a phrase ("入围中国企业500强") unless joined to it as one of
# the places compared ("全国和内蒙古", "内蒙古与全国").
_JOINED = r"(?:和|与|及|以及|跟|同|、)"


def _with_nation(question: str, named: list[str], known: tuple[str, ...]) -> list[str]:
    """The places named, the country added when asked about as "全国", dropped when named only in a phrase."""
    if places.NATION not in known:
        return named
    if not named and _NATION_ASKED.search(question):
        return [places.NATION]
    # joined to a place named, not to a scope ("在全国和全省分别排第几")
    others = "|".join(re.escape(a) for n in named if n != places.NATION for a in places.aliases(n))
    joined = re.search(rf"(?:{others}){_JOINED}全国|全国{_JOINED}(?:{others})", question) if others else None
    if named and places.NATION not in named and joined:  # "全国和内蒙古": the country is one of the places compared
        first = min((question.find(a) for a in places.aliases(named[0]) if a in question), default=len(question))
        return [places.NATION, *named] if joined.start() < first else [*named, places.NATION]
    if places.NATION in named and len(named) > 1:
        forms = "|".join(map(re.escape, ["全国", *places.aliases(places.NATION)]))
        if not re.search(rf"{_JOINED}(?:{forms})|(?:{forms}){_JOINED}", question):
            return [n for n in named if n != places.NATION]
    return named


def analyze_query(question: str, known: list[str]) -> QueryAnalysis:
    names = _place_names(tuple(known))
    named = _with_nation(question, names.named(question), tuple(known))
    known_short = names.short
    unknown = []
    for match in places.PLACE_MENTION.finditer(question):
        # "城市更新和超市", "请问沈家门街道": the name is what follows the last joining word or question lead.
        name = _LEAD.sub("", re.split(r"[和与及跟同的、在是对年月日]", match.group(1))[-1])
        if len(name) < 2:
            continue
        name = next((name[i:] for i in range(len(name) - 1) if name[i:] in known_short), name)
        if name in known_short or any(name.startswith(w) or name.endswith(w) for w in _NOT_A_NAME):
            continue
        if name[-1] in _NOT_NAME_END or not places.is_unit_name(name + match.group(2)):
            continue  # "位列全区", "城市", "超市": words, not places
        if name.endswith("城") and match.group(2) == "镇":
            continue  # "中卫城镇居民", "全省城镇新增就业": 城镇 (urban) is a word, not a town's suffix
        unknown.append(name + match.group(2))
    known_pinyin = {places.pinyin(s) for s in known}
    english = dict(places.english_named(question))
    # "Hefei's GDP", "Shigatse's": a place in pinyin or by its English name that no loaded report is about (its
    # Chinese forms are looked up later).
    unknown += [
        n
        for n in places.english_place_mentions(question)
        if (not names.by_short.get(english[n]) if n in english else places.pinyin_key(n) not in known_pinyin)
    ]
    years = tuple(sorted({int(y) for y in YEAR_MENTION.findall(question)}))
    return QueryAnalysis(places=tuple(named), unknown_places=tuple(dict.fromkeys(unknown)), years=years)


@dataclass
class Searcher:
    """Search over the current index generation; thread-safe, reloads when the index is rebuilt."""

    settings: Settings
    embeddings: object = None
    _index: Index | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.embeddings is None:
            from rag.indexing.embeddings import get_embeddings

            self.embeddings = get_embeddings(self.settings)

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None or not self._index.is_current():
                first = self._index is None
                self._index = Index.open(self.settings, expected_model=self.embeddings.name)
                if first:  # the dense search's Chroma server (started on demand): up before the first question
                    self._index.store.vectors.count()
            return self._index

    def known_places(self) -> list[str]:
        return self.index.place_names()

    def analyze(self, question: str) -> QueryAnalysis:
        return analyze_query(question, self.known_places())

    def search(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        index = self.index
        k = k or self.settings.k
        analysis = analyze_query(question, index.place_names())
        allowed = _allowed_docs(index, filters or Filters(), analysis)
        if not allowed or not index.chunks:
            return []
        limit = self.settings.candidates
        mask = None if len(allowed) == len(index.reports) else index.passage_mask(allowed)
        bm25 = index.keywords.search(question, limit, None if mask is None else mask.astype(np.float32))
        dense = index.dense_search(self.embeddings.encode_query(question), limit, None if mask is None else allowed)
        return _fuse(index, bm25, dense, analysis, self.settings, k)


def _allowed_docs(index: Index, filters: Filters, analysis: QueryAnalysis) -> set[str]:
    if filters == Filters():  # most questions: no filter; testing 1,000 reports each time cost milliseconds
        allowed = set(index.reports)
    else:
        allowed = {doc_id for doc_id, r in index.reports.items() if filters.allows(r)}
    if analysis.places:
        named = {doc_id for name in analysis.places for doc_id in index.reports_of(name)} & allowed
        allowed = named or allowed
    return allowed


def _fuse(
    index: Index,
    bm25: list[tuple[int, float]],
    dense: list[tuple[int, float]],
    analysis: QueryAnalysis,
    settings: Settings,
    k: int,
) -> list[Hit]:
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, tuple[int, float]]] = {}
    for name, ranking, weight in (("bm25", bm25, settings.bm25_weight), ("dense", dense, settings.dense_weight)):
        for rank, (pos, raw) in enumerate(ranking, start=1):
            scores[pos] = scores.get(pos, 0.0) + weight / (settings.rrf_k + rank)
            ranks.setdefault(pos, {})[name] = (rank, raw)
    for pos in scores:
        if analysis.years and index.reports[index.chunks[pos].doc_id].meta.year in analysis.years:
            scores[pos] *= YEAR_BOOST
    ordered = sorted(scores, key=lambda p: (-scores[p], p))[:k]
    hits = []
    for rank, pos in enumerate(ordered, start=1):
        chunk = index.chunks[pos]
        b = ranks[pos].get("bm25", (None, 0.0))
        d = ranks[pos].get("dense", (None, 0.0))
        hits.append(Hit(chunk, index.reports[chunk.doc_id], scores[pos], rank, b[0], d[0], b[1], d[1]))
    return hits


def hit_to_document(hit: Hit) -> LCDocument:
    meta = hit.report.meta
    return LCDocument(
        id=hit.chunk.chunk_id,
        page_content=hit.chunk.text,
        metadata={
            "chunk_id": hit.chunk.chunk_id,
            "doc_id": hit.chunk.doc_id,
            "place": meta.name,
            "level": meta.level,
            "year": meta.year,
            "period": meta.period,
            "section": hit.chunk.section,
            "start": hit.chunk.start,
            "end": hit.chunk.end,
            "score": hit.score,
            "rank": hit.rank,
            "bm25_rank": hit.bm25_rank,
            "dense_rank": hit.dense_rank,
            "bm25_score": hit.bm25_score,
            "dense_score": hit.dense_score,
        },
    )


def hits_from_documents(index: Index, docs: list[LCDocument]) -> list[Hit]:
    """The retriever's documents back as Hits of this index (a passage of a report removed meanwhile is skipped)."""
    hits = []
    for doc in docs:
        m = doc.metadata
        pos = index.position.get(m["chunk_id"])
        if pos is None:
            continue
        chunk = index.chunks[pos]
        hits.append(
            Hit(
                chunk,
                index.reports[chunk.doc_id],
                m["score"],
                m["rank"],
                m["bm25_rank"],
                m["dense_rank"],
                m["bm25_score"],
                m["dense_score"],
            )
        )
    return hits


class ReportRetriever(BaseRetriever):
    """LangChain face of the hybrid search (BM25 + Chroma's dense query, fused), so it composes with chains and
    other LangChain tools; the answer path (`Assistant`, hence the CLI and the app) retrieves through it.
    `k` and `filters` may be given per call: `retriever.invoke(question, k=20, filters=Filters(...))`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    searcher: SkipValidation[Searcher]
    k: int = 5
    filters: Filters | None = None
    callbacks: SkipValidation[list] | None = None  # LangChain callback handlers for the answer path's calls (tracing)

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> list[LCDocument]:
        hits = self.searcher.search(query, k=k or self.k, filters=self.filters if filters is None else filters)
        return [hit_to_document(h) for h in hits]

    def hits(self, query: str, *, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        """`invoke` (callbacks and tracing as for any retriever), its documents back as Hits for the answer engine."""
        config = {"callbacks": self.callbacks} if self.callbacks else None
        return hits_from_documents(self.searcher.index, self.invoke(query, config, k=k, filters=filters))
