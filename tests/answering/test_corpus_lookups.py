"""The answer engine's lookups that read only what a bigram index points to (passages holding a term, reports naming
a place, a report's indicators) give exactly what reading everything gives; they follow a new index version; and a
question is encoded once."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from rag.answering import corpus as corpus_module
from rag.answering.answer import Assistant
from rag.answering.corpus import Corpus
from rag.indexing.store import Index, build_index

_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _terms(corpus: Corpus, n: int = 120) -> list[str]:
    """Chinese words of 2-6 characters taken from the reports (so most occur), some absent, and other text."""
    rng = random.Random(7)
    runs = [r for text in corpus.texts.values() for r in _HAN.findall(text) if len(r) >= 6]
    found = []
    for run in rng.sample(runs, n):
        size = rng.randint(2, 6)
        start = rng.randint(0, len(run) - size)
        found.append(run[start : start + size])
    return [*found, "龘龘", "街道", "2023", "GDP", "人", "生产总值增长", "一般公共预算收入"]


@pytest.fixture(scope="module")
def corpus(seed_settings) -> Corpus:
    return Corpus(Index.open(seed_settings))


def test_passages_and_reports_holding_a_term_are_those_a_full_read_finds(corpus):
    chunks = corpus.index.chunks
    narrowed = 0
    for term in _terms(corpus):
        assert corpus.passages_with(term) == [c for c in chunks if term in c.text], term
        assert corpus.reports_with(term) == [d for d in corpus.doc_ids if term in corpus.texts[d]], term
        maybe = corpus.index.keywords.may_contain(term)
        if maybe is not None:
            narrowed += len(maybe) < len(chunks) / 2
    assert narrowed > 60, "the bigram index should leave most passages unread for most words"


def test_may_contain_narrows_only_chinese_words(corpus):
    keywords = corpus.index.keywords
    for text in ("GDP", "2023", "人", "生产 总值", "5G基站"):
        assert keywords.may_contain(text) is None
    assert len(keywords.may_contain("龘龘")) == 0
    holding = {i for i, c in enumerate(corpus.index.chunks) if "生产总值" in c.text}
    assert holding and holding <= set(keywords.may_contain("生产总值").tolist())


def test_indicators_of_reports_are_those_a_full_read_finds(corpus):
    docs = corpus.doc_ids
    for picked in ([docs[0]], docs[1:3], docs, [], ["no-such-report.txt"]):
        assert corpus.indicators_of(picked) == [(d, i) for d, i in corpus.indicators if d in set(picked)]
    for doc_id, ind in corpus.indicators[::7]:
        start, end = ind.start - 30, ind.end + 30
        expected = [i for d, i in corpus.indicators if d == doc_id and i.start < end and start < i.end]
        assert corpus.indicators_in(doc_id, start, end) == expected


def test_lookups_follow_a_new_index_version(small_settings, embeddings):
    build_index(small_settings, embeddings=embeddings)
    assistant = Assistant(small_settings)
    word = "龙舟竞渡邀请赛"
    assert assistant.corpus().reports_with(word) == [] and assistant.corpus().passages_with(word) == []
    before = {r.sha256: corpus_module._TEXT_TERMS._counts[r.sha256] for r in assistant.corpus().index.reports.values()}
    (small_settings.seeds_dir / "900_new.txt").write_text(
        "东湖街道2023年工作总结\n一、主要工作\n全年举办龙舟竞渡邀请赛2场，参与群众1.2万人次。\n", encoding="utf-8"
    )
    build_index(small_settings, embeddings=embeddings)
    corpus = assistant.corpus()
    assert corpus.reports_with(word) == ["900_new.txt"]
    assert [c.doc_id for c in corpus.passages_with(word)] == ["900_new.txt"]
    assert corpus.weight(word) < Corpus(Index.open(small_settings)).weight("龘龘")
    # the reports of the earlier version are not counted again
    assert all(corpus_module._TEXT_TERMS._counts[sha] is counts for sha, counts in before.items())


def test_a_question_is_encoded_once(embeddings):
    question = "西林街道2023年新增就业多少人？"
    embeddings.clear_query_cache()
    first = embeddings.encode_query(question)
    passes = embeddings._next_ticket
    again = embeddings.encode_query(question)
    assert embeddings._next_ticket == passes, "a question asked again must not run the model again"
    assert np.array_equal(first, again)
    again[:] = 0  # a caller changing its copy does not change what the next caller gets
    assert np.array_equal(embeddings.encode_query(question), first)
    embeddings.clear_query_cache()
    assert np.array_equal(embeddings.encode_query(question), first) and embeddings._next_ticket == passes + 1
