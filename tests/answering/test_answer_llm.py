"""LLM mode through the whole Assistant: real index, real retrieval, a real HTTP server speaking the OpenAI protocol."""

from __future__ import annotations

from dataclasses import replace

import pytest
from openai_fake import FakeOpenAI, Reply

from rag.answering.answer import Assistant
from rag.answering.retrieval import Searcher


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _assistant(seed_settings, embeddings, fake: FakeOpenAI, timeout: float = 10.0) -> Assistant:
    settings = replace(
        seed_settings, llm_base_url=fake.base_url, llm_model=fake.model, llm_api_key="k", llm_timeout=timeout
    )
    return Assistant(settings, Searcher(settings, embeddings))


def test_llm_answer_streams_and_keeps_cited_sources(seed_settings, embeddings, fake):
    fake.add("西林街道1-6月固定资产投资17.03亿元，位列全区第一[1]。")
    tokens: list[str] = []
    answer = _assistant(seed_settings, embeddings, fake).ask(
        "哪个街道的固定资产投资位列全区第一？", on_token=tokens.append
    )
    assert answer.mode == "llm" and answer.status == "answered"
    assert answer.text == "西林街道1-6月固定资产投资17.03亿元，位列全区第一[1]。"
    assert len(tokens) > 3 and "".join(tokens) == answer.text
    assert answer.unverified_numbers == []
    assert "17.03亿元" in answer.sources[0].hit.chunk.text
    # The model was given exactly the sources the user sees, numbered.
    sent = fake.chat_requests[0].messages[-1]["content"]
    assert answer.sources[0].hit.chunk.text[:30] in sent and '<source id="1"' in sent


def test_wrong_number_from_the_model_is_flagged(seed_settings, embeddings, fake):
    fake.add("西林街道固定资产投资17.30亿元[1]。")
    answer = _assistant(seed_settings, embeddings, fake).ask("西林街道固定资产投资多少？", mode="llm")
    assert answer.mode == "llm"
    assert "17.30" in answer.unverified_numbers
    assert answer.to_json()["unverified_numbers"] == answer.unverified_numbers


def test_timeout_falls_back_to_the_extractive_answer(seed_settings, embeddings, fake):
    fake.add(Reply("太慢了", delay=3.0))
    answer = _assistant(seed_settings, embeddings, fake, timeout=0.5).ask("西林街道上半年一般公共预算收入多少？")
    assert answer.mode == "extractive" and answer.status == "answered"
    assert "1.52亿元" in answer.text
    assert answer.notice and "超时" in answer.notice


@pytest.mark.parametrize(
    ("reply", "notice"),
    [
        ("报告中未找到相关数据。", "大模型未能从来源中作答"),
        ("西林街道一般公共预算收入1.52亿元。", "没有引用有效来源"),
        ("[1] [2]", "没有内容"),
    ],
    ids=["model-finds-nothing", "model-cites-nothing", "only-markers"],
)
def test_an_answer_that_cannot_be_checked_gives_way_to_the_quote(seed_settings, embeddings, fake, reply, notice):
    fake.add(reply)
    answer = _assistant(seed_settings, embeddings, fake).ask("西林街道上半年一般公共预算收入多少？", mode="llm")
    assert answer.mode == "extractive" and answer.status == "answered"
    assert "1.52亿元" in answer.text and "[1]" in answer.text
    assert answer.notice and notice in answer.notice
    assert len(fake.chat_requests) == 1  # the model was asked; its reply was not used


def test_not_found_is_not_sent_to_the_model(seed_settings, embeddings, fake):
    answer = _assistant(seed_settings, embeddings, fake).ask("青龙街道2023年的GDP是多少？")
    assert answer.status == "not_found" and answer.mode == "extractive"
    assert fake.chat_requests == []


def test_followup_is_rewritten_before_retrieval(searcher, seed_settings):
    assistant = Assistant(seed_settings, searcher)
    history = [
        {"role": "user", "content": "西林街道上半年一般公共预算收入多少？"},
        {"role": "assistant", "content": "西林街道：1-6月,完成一般公共预算收入1.52亿元[1]"},
    ]
    answer = assistant.ask("那新闸街道呢？", history=history, mode="extractive")
    assert answer.rewritten and "新闸街道" in answer.rewritten and "预算收入" in answer.rewritten
    assert answer.status == "answered"
    assert "2.5亿元" in answer.text
    assert answer.sources[0].hit.report.meta.name == "新闸街道"


def test_llm_mode_without_endpoint_is_a_clear_error(searcher, seed_settings):
    with pytest.raises(ValueError, match="未配置大模型"):
        Assistant(replace(seed_settings, llm_base_url=None, llm_model=None), searcher).ask("西林", mode="llm")
