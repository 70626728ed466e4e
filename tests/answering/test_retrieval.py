"""Hybrid retrieval on the real seed index (real model, real Chroma, real BM25)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from rag.answering.retrieval import Filters, ReportRetriever, analyze_query

STREETS = ["新闸街道", "西林街道", "秦灶街道", "河海街道", "荷花池街道"]


def _texts(hits) -> str:
    return "\n".join(h.chunk.text for h in hits)


def test_which_street_ranks_first_in_fixed_asset_investment(searcher):
    hits = searcher.search("哪个街道的固定资产投资位列全区第一？", k=5)
    assert "固定资产投资17.03亿元" in hits[0].chunk.text
    assert hits[0].report.meta.name == "西林街道"
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_fact_question_finds_the_figure(searcher):
    hits = searcher.search("西林街道上半年一般公共预算收入多少？", k=3)
    assert "1.52亿元" in _texts(hits)
    assert {h.report.meta.name for h in hits} == {"西林街道"}


def test_english_question_is_answered_by_the_dense_side(searcher):
    hits = searcher.search("What was Xilin subdistrict's fixed asset investment in the first half of the year?", k=5)
    assert "17.03亿元" in _texts(hits)
    assert all(h.report.meta.name == "西林街道" for h in hits), "pinyin street name should filter"
    assert any(h.dense_rank is not None for h in hits)


def test_named_street_restricts_the_search(searcher):
    hits = searcher.search("新闸的规模工业总产值是多少", k=5)
    assert {h.report.meta.name for h in hits} == {"新闸街道"}
    assert "80.1亿元" in _texts(hits)


def test_user_filter_is_a_hard_restriction(searcher):
    hits = searcher.search("固定资产投资", k=5, filters=Filters(places=("秦灶街道",)))
    assert hits and {h.report.meta.name for h in hits} == {"秦灶街道"}
    assert searcher.search("固定资产投资", filters=Filters(years=(1999,))) == []


def test_year_in_question_boosts_that_report(searcher):
    hits = searcher.search("2017年地区生产总值是多少？", k=3)
    assert hits[0].report.meta.year == 2017
    assert "112亿元" in _texts(hits)


def test_langchain_retriever_interface(searcher):
    retriever = ReportRetriever(searcher=searcher, k=3)
    docs = retriever.invoke("限额以上批零住餐销售额位列全区第一")
    assert len(docs) == 3
    top = docs[0]
    assert top.metadata["place"] == "西林街道" and "69.95亿元" in top.page_content
    report = searcher.index.report_text(top.metadata["doc_id"])
    assert report[top.metadata["start"] : top.metadata["end"]] == top.page_content


def test_searcher_picks_up_a_new_generation(small_settings, embeddings):
    from rag.answering.retrieval import Searcher
    from rag.indexing.store import build_index

    build_index(small_settings, embeddings=embeddings)
    live = Searcher(small_settings, embeddings)
    assert live.search("东湖街道 固定资产投资", k=3)[0].report.meta.name != "东湖街道"
    text = (small_settings.seeds_dir / "002_fe0a95f5f2085df9.txt").read_text(encoding="utf-8")
    (small_settings.seeds_dir / "901.txt").write_text(text.replace("西林街道", "东湖街道"), encoding="utf-8")
    build_index(small_settings, embeddings=embeddings)
    assert live.search("东湖街道 固定资产投资", k=3)[0].report.meta.name == "东湖街道"


@pytest.mark.parametrize(
    ("question", "streets", "unknown"),
    [
        ("西林街道上半年一般公共预算收入多少？", ("西林街道",), ()),
        ("新闸和西林的固定资产投资哪个多？", ("新闸街道", "西林街道"), ()),
        ("What about Qinzao subdistrict?", ("秦灶街道",), ()),
        ("青龙街道2023年的GDP是多少？", (), ("青龙街道",)),
        ("哪个街道的固定资产投资位列全区第一？", (), ()),
        ("各街道的限额以上销售额", (), ()),
    ],
)
def test_analyze_query(question, streets, unknown):
    analysis = analyze_query(question, STREETS)
    assert set(analysis.places) == set(streets)
    assert analysis.unknown_places == unknown


def test_analyze_query_years():
    assert analyze_query("2017年和2021年", STREETS).years == (2017, 2021)
    assert analyze_query("What did Hehai do in 2017?", STREETS).years == (2017,)
    # names and amounts, not years: a year filter here would refuse a question the report answers
    assert analyze_query("新闸街道今年新招引的“2030支撑项目”有几个？", STREETS).years == ()
    assert analyze_query("投资2025万元的项目", STREETS).years == ()


def test_search_with_server_mode_settings_is_refused_for_embedded_index(seed_settings, embeddings):
    from rag.answering.retrieval import Searcher
    from rag.indexing.store import IndexMismatchError

    with pytest.raises(IndexMismatchError):
        Searcher(replace(seed_settings, chroma_host="127.0.0.1", chroma_port=1), embeddings).search("西林")


def test_assistant_retrieves_through_the_langchain_retriever(searcher):
    from langchain_core.callbacks import BaseCallbackHandler

    from rag.answering.answer import Assistant

    class Seen(BaseCallbackHandler):
        def __init__(self) -> None:
            self.queries: list[str] = []
            self.documents: list[list[str]] = []

        def on_retriever_start(self, serialized, query, **kwargs) -> None:
            self.queries.append(query)

        def on_retriever_end(self, documents, **kwargs) -> None:
            self.documents.append([d.id for d in documents])

    assistant = Assistant(searcher.settings, searcher)
    seen = Seen()
    assistant.retriever.callbacks = [seen]
    answer = assistant.ask("西林街道上半年一般公共预算收入多少？")
    assert seen.queries, "the answer path called the retriever"
    assert [h.chunk.chunk_id for h in answer.retrieved] == seen.documents[0]
    assert any(s.hit.chunk.chunk_id in seen.documents[0] for s in answer.sources)
