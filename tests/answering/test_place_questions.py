"""Questions naming places at any level: short forms and pinyin, and no refusal when the passages name the place."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from helpers import SEEDS

from rag.answering.retrieval import analyze_query
from rag.config import Settings

HEHUACHI = "001_edf690f87470ca0e.txt"  # never names itself "荷花池街道": its place stays undetected
XILIN = "002_fe0a95f5f2085df9.txt"


@pytest.mark.parametrize(
    ("question", "known", "named"),
    [
        ("What was Jiaxing's GDP in 2020?", ["嘉兴市", "咸宁市"], ("嘉兴市",)),
        ("How much did Xianning city invest in 2019?", ["嘉兴市", "咸宁市"], ("咸宁市",)),
        ("嘉兴2020年地区生产总值是多少？", ["嘉兴市", "咸宁市"], ("嘉兴市",)),
        ("甘孜州2019年地区生产总值是多少？", ["甘孜藏族自治州"], ("甘孜藏族自治州",)),
        ("甘孜2019年GDP", ["甘孜藏族自治州"], ("甘孜藏族自治州",)),
        ("博州的粮食产量", ["博尔塔拉蒙古自治州"], ("博尔塔拉蒙古自治州",)),
        ("西双版纳接待游客多少人次？", ["西双版纳傣族自治州"], ("西双版纳傣族自治州",)),
        ("国务院报告中的GDP增长目标", ["全国", "江苏省"], ("全国",)),
        ("嘉兴哪些指标位列全国第一？", ["全国", "嘉兴市"], ("嘉兴市",)),  # 全国 here is a scope, not the place
    ],
)
def test_places_are_named_by_short_forms_and_pinyin(question, known, named) -> None:
    analysis = analyze_query(question, known)
    assert analysis.places == named and analysis.unknown_places == ()


def test_unknown_places_at_every_level_are_noticed_but_words_are_not() -> None:
    assert analyze_query("杭州市2020年地区生产总值是多少？", ["嘉兴市"]).unknown_places == ("杭州市",)
    assert analyze_query("请问沈家门街道1-11月规上工业产值", []).unknown_places == ("沈家门街道",)
    words_only = (
        "城市更新和超市建设情况",
        "全市GDP是多少",
        "各区县的排名",
        "有几个街道",
        "2020年地区生产总值",
        "“你好!北大街”夏日消费节期间常州金店延陵店销售额是多少？",  # 常州 here is a shop's city, not a report's
    )
    for words in words_only:
        assert analyze_query(words, ["嘉兴市"]).unknown_places == (), words


@pytest.fixture(scope="module")
def undetected_index(tmp_path_factory, embeddings):
    """Two seed reports indexed WITHOUT the manifest: 荷花池's report has no detected place."""
    from rag.indexing.store import build_index

    root = tmp_path_factory.mktemp("no-manifest")
    (root / "seeds").mkdir()
    for name in (HEHUACHI, XILIN):
        shutil.copy(SEEDS / name, root / "seeds" / name)
    settings = replace(Settings.from_env(seeds_dir=root / "seeds", index_dir=root / "index"), chroma_host=None)
    build_index(settings, embeddings=embeddings)
    return settings


@pytest.fixture(scope="module")
def assistant(undetected_index, embeddings):
    from rag.answering.answer import Assistant
    from rag.answering.retrieval import Searcher

    return Assistant(undetected_index, searcher=Searcher(undetected_index, embeddings))


def test_a_place_no_metadata_holds_is_answered_from_the_text_that_names_it(assistant) -> None:
    corpus = assistant.corpus()
    assert corpus.meta(HEHUACHI).name is None  # the premise: detection could not name this report
    answer = assistant.ask("荷花池街道1-5月规模工业产值是多少？")
    assert answer.status == "answered", answer.text
    assert "0.96亿元" in answer.text
    assert {s.hit.chunk.doc_id for s in answer.sources if s.cited} == {HEHUACHI}
    assert "未找到" not in answer.text
    # The report has no detected place: its heading never falls back to the file name's digits ("001_…")
    assert HEHUACHI not in answer.text and answer.unverified_numbers == [], answer.text


def test_a_place_absent_from_every_report_is_refused(assistant) -> None:
    for question, place in (
        ("青龙街道1-5月规模工业产值是多少？", "青龙街道"),
        ("杭州市2022年地区生产总值是多少？", "杭州市"),
    ):
        answer = assistant.ask(question)
        assert answer.status == "not_found", answer.text
        assert answer.text.startswith("报告中未找到") and place in answer.text
