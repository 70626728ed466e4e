"""The four seed questions of issue 18, on the real seed index: an abbreviated metric, its follow-up, a non-numeric
plan question and a target asked for a year the report sets no target for."""

from __future__ import annotations

import pytest
from test_answer import _assert_honest


@pytest.fixture(scope="module")
def assistant(seed_settings, searcher):
    from rag.answering.answer import Assistant

    return Assistant(seed_settings, searcher=searcher)


def test_abbreviated_metric_finds_the_written_out_one(assistant):
    # 规上 = 规模以上; the passage writes 规模工业总产值
    answer = assistant.ask("新闸街道规上工业产值是多少？", mode="extractive")
    assert answer.status == "answered", answer.text
    assert "80.1亿元" in answer.text
    _assert_honest(answer)


def test_follow_up_keeps_the_abbreviated_metric(assistant):
    first = assistant.ask("新闸街道规上工业产值是多少？", mode="extractive")
    history = [("user", "新闸街道规上工业产值是多少？"), ("assistant", first.text)]
    answer = assistant.ask("那西林街道呢？", mode="extractive", history=history)
    assert answer.status == "answered", answer.text
    assert "8.59亿元" in answer.text and "80.1" not in answer.text
    _assert_honest(answer)


def test_plan_question_without_a_figure_quotes_the_sentence(assistant):
    answer = assistant.ask("河海街道计划举办什么博览会？", mode="extractive")
    assert answer.status == "answered", answer.text
    assert "国际养老产业博览会" in answer.text
    assert answer.sources[0].hit.report.meta.name == "河海街道"


def test_target_of_a_year_the_report_sets_none_for_is_not_answered_with_another_years(assistant):
    # 003 is titled "2021年工作计划" but reviews 2020: its "年底力争完成一般公共预算收入4.2亿元" is 2020's target
    answer = assistant.ask("秦灶街道2021年一般公共预算收入目标是多少？", mode="extractive")
    assert answer.status == "not_found", answer.text
    assert "4.2" not in answer.text and "其他年份" in answer.text
    same = assistant.ask("秦灶街道2020年一般公共预算收入目标是多少？", mode="extractive")
    assert same.status == "answered" and "4.2亿元" in same.text, same.text
    _assert_honest(same)
