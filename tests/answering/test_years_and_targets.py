"""Several years of one place's 政府工作报告: results, targets and trends each answered from the right report.

The reports are short excerpts of 嘉兴市's real 2019 and 2020 政府工作报告 (../shared/corpus), the sentences as
written, so detection has only what a real report's opening and body give it: a 2019 report reviews 2018 and
sets the targets of 2019.
"""

from __future__ import annotations

import pytest
from helpers import assistant_over

REPORT_2019 = """嘉兴市政府工作报告
——2019年1月15日在嘉兴市第八届人民代表大会第四次会议上
代市长 毛宏芳
各位代表：
现在，我代表嘉兴市人民政府，向大会作政府工作报告，请予审议，并请市政协各位委员和其他列席人员提出意见。
一、过去一年工作回顾
这一年，我们攻坚克难稳增长，进一步筑牢发展根基。全市地区生产总值预计增长7.6%；财政总收入、一般公共预算收入分别增长16.4%和16.8%。
二、今年工作安排
今年全市经济社会发展的主要预期目标是：地区生产总值增长7%以上，一般公共预算收入增长9%，城乡居民收入增长与经济增长基本同步。
"""

REPORT_2020 = """嘉兴市政府工作报告
——2020年4月28日在嘉兴市第八届人民代表大会第五次会议上
市长 毛宏芳
各位代表：
现在，我代表嘉兴市人民政府，向大会作政府工作报告，请予审议，并请市政协各位委员和其他列席人员提出意见。
一、过去一年工作回顾
全市实现生产总值5370.3亿元、增长7%，增幅高于全省，规上工业总产值突破1万亿元、列全省第三，一般公共预算收入增长9.1%，城乡居民收入分别增长7.8%和9.1%。
二、今年工作安排
建议2020年全市经济社会发展的主要预期目标为：生产总值增长7%左右，一般公共预算收入、城乡居民收入增长与经济增长基本同步。
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embeddings):
    reports = {"jiaxing_2019.txt": REPORT_2019, "jiaxing_2020.txt": REPORT_2020}
    return assistant_over(tmp_path_factory.mktemp("jiaxing"), reports, embeddings)


def cited_docs(answer) -> set[str]:
    return {s.hit.chunk.doc_id for s in answer.sources if s.cited}


def test_detection_gives_each_report_its_years(assistant) -> None:
    corpus = assistant.corpus()
    assert (corpus.meta("jiaxing_2019.txt").year, corpus.meta("jiaxing_2019.txt").plan_year) == (2018, 2019)
    assert (corpus.meta("jiaxing_2020.txt").year, corpus.meta("jiaxing_2020.txt").plan_year) == (2019, 2020)


def test_a_trend_quotes_each_year_from_the_report_covering_it(assistant) -> None:
    answer = assistant.ask("嘉兴市2018年和2019年地区生产总值分别增长多少？")
    assert answer.status == "answered", answer.text
    assert "增长7.6%" in answer.text and "增长7%" in answer.text
    assert "7%以上" not in answer.text and "7%左右" not in answer.text  # the targets are not what was achieved
    assert cited_docs(answer) == {"jiaxing_2019.txt", "jiaxing_2020.txt"}
    assert answer.unverified_numbers == []  # each line's year/report label is itself quoted from a cited passage


def test_a_target_question_gets_the_target_labelled(assistant) -> None:
    answer = assistant.ask("嘉兴市2020年生产总值预期增长多少？")
    assert answer.status == "answered", answer.text
    assert "7%左右" in answer.text and "预期目标" in answer.text
    assert "5370.3" not in answer.text
    assert cited_docs(answer) == {"jiaxing_2020.txt"}
    answer = assistant.ask("What was Jiaxing's GDP growth target for 2019?")
    assert "7%以上" in answer.text and "target" in answer.text, answer.text


def test_an_achievement_question_never_gets_the_target(assistant) -> None:
    answer = assistant.ask("嘉兴市2019年生产总值是多少？")
    assert answer.status == "answered", answer.text
    assert "5370.3亿元" in answer.text and "7%左右" not in answer.text
    answer = assistant.ask("嘉兴市2019年一般公共预算收入增长多少？")
    assert "9.1%" in answer.text and "增长9%" not in answer.text, answer.text


def test_a_plan_for_a_year_comes_from_the_report_planning_it(assistant) -> None:
    # Both reports mention 2019's work: the 2020 report reviews it, the 2019 report plans it.
    answer = assistant.ask("嘉兴市2019年经济社会发展有什么安排？")
    assert answer.status == "answered", answer.text
    assert cited_docs(answer) == {"jiaxing_2019.txt"}
    assert "7%以上" in answer.text
