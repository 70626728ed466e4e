"""Constructions every 政府工作报告 uses, on excerpts of real reports from three provinces (山西 晋城市 2021,
../shared/corpus/11_jincheng_2021.txt; 浙江 嘉兴市 2019, ../shared/corpus/01_jiaxing_2019.txt; 浙江 杭州上城区某街道 2022,
eval/reports/104_zhejiang_shangcheng_2022.txt; with the 江苏 seed 003 in test_seed_questions.py): amount vs growth,
abbreviations, a target's year, a table row said as a sentence, English metric names, the quote fallback's model."""

from __future__ import annotations

import json

import pytest
from helpers import answers, assistant_over

from rag.answering.query import _metric_terms, content_terms
from rag.answering.quoting import FEATURES, MODEL
from rag.answering.wording import _cell_phrase
from rag.answering.years import part_year
from rag.indexing.indicators import row_sentence
from rag.text.periods import multi_year
from rag.text.vocab import english_name, expand_abbreviations, metric_synonyms, term_forms

JINCHENG = """晋城市政府工作报告
——2021年2月23日在晋城市第七届人民代表大会第七次会议上

一、“十三五”时期和2020年工作回顾

我们坚持新发展理念不动摇，综合实力迈上新台阶。地区生产总值从2015年的958.5亿元增加到2020年的1425.7亿元，年均增长5.9%，一般公共预算收入从93.9亿元增加到145.3亿元，年均增长9.1%，主要指标增速居全省前列。

一是疫情防控和经济社会发展“双战双赢”。坚持人民至上、生命至上，果断启动“战时机制”，严守交通卡口、村（社区）、发热门诊“三道防线”，分层分区分级精准防控，实现了感染病人零死亡、医务人员零感染的“双零”目标。派出109名医务人员驰援湖北。坚决落实市委“稳一产、保二产、逆周期调节三产”工作方针，经济增速逐季加快，争先进位目标圆满完成。8项主要经济指标中4项增速排名全省第一，GDP增长6.1%，是全省唯一超过6%的地市；服务业增加值增长4.9%;一般公共预算收入增长5.1%;社会消费品零售总额增长0.3%，是全省唯一实现正增长的地市，经济发展进入全省第一方阵靠前水平。
"""

JIAXING = """嘉兴市政府工作报告
——2019年1月15日在嘉兴市第八届人民代表大会第四次会议上

2018年工作回顾

这一年，我们攻坚克难稳增长，进一步筑牢发展根基。全市地区生产总值预计增长7.6%；财政总收入、一般公共预算收入分别增长16.4%和16.8%。

2019年工作任务

综合考虑各方面因素，建议2019年全市经济社会发展的主要预期目标为：地区生产总值增长7%以上，争取更高质量、更好效益、更佳结果；一般公共预算收入增长9%；城乡居民收入增长与经济增长同步；全员劳动生产率稳步提高，节能减排降碳指标完成上级下达的目标任务。
"""

SHANGCHENG = """一年来,我们全力抓好五个方面的工作:

(一)突出精准施策,全力以赴推动稳进提质。高效统筹疫情防控和街域经济社会发展,落实落地经济稳进提质攻坚行动,巩固高质量发展态势。经济指标序时完成。全年财政总收入6.45亿元,固定资产投资额10.2亿元、建筑业省内产值6.72亿元,增速位列全区第1。社零实现145.98亿,总量全区第2。通过关注存量、提升增量,全方位走访服务68家权重企业,实现业务回流超25亿元。
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embeddings):
    reports = {"jincheng_2021.txt": JINCHENG, "jiaxing_2019.txt": JIAXING, "shangcheng_2022.txt": SHANGCHENG}
    return assistant_over(tmp_path_factory.mktemp("constructions"), reports, embeddings)


# ------------------------------------------------------------------------------------------------ no index


def test_abbreviations_are_written_out_and_match_their_long_forms():
    assert (
        expand_abbreviations("新闸街道规上工业产值和社零额是多少")
        == "新闸街道规模以上工业产值和社会消费品零售总额是多少"
    )
    assert "规模以上" in term_forms("规上") and term_forms("工业") == ("工业",)
    # the terms of the metric named, in its own words or through a short form
    question = "一般预算收入增长多少"
    assert set(_metric_terms(question, content_terms(question))) == {"一般", "预算", "收入"}
    assert _metric_terms("社零是多少", ["社零"]) == ("社零",)


def test_a_table_row_is_said_as_a_sentence_with_its_figures_as_written():
    row = "指标：实际到账外资；完成值：4280万美元；同比增长：12.3%"
    assert row_sentence(row, 0, len(row)) == "实际到账外资4280万美元，同比增长12.3%"
    row = "指标名称：外贸进出口总额；完成值（亿元）：8.76；同比增长（%）：12.4；全区位次：2"
    assert row_sentence(row, 0, len(row)) == "外贸进出口总额8.76亿元，同比增长12.4%，全区位次2"
    row = "指标：工业开票销售；时期：1-6月；完成值：3.2亿元；同比增长（%）：-6.8"
    assert row_sentence(row, 0, len(row)) == "工业开票销售3.2亿元，同比增长-6.8%"
    assert _cell_phrase("全区排名：第一") == "全区排名第一" and _cell_phrase("增长12%") == "增长12%"


def test_every_catalog_metric_has_an_english_name():
    names = {m: english_name(m, tuple(forms)) for m, forms in metric_synonyms().items()}
    assert all(names.values()), [m for m, n in names.items() if not n]
    assert names["固定资产投资"] == "fixed-asset investment"


def test_a_line_naming_a_year_and_a_kind_opens_a_part_of_the_report():
    assert part_year(JIAXING, JIAXING.index("建议2019年")) == 2019
    assert part_year(JIAXING, JIAXING.index("预计增长7.6%")) == 2018
    assert part_year(JINCHENG, JINCHENG.index("958.5")) == 2020
    assert part_year(SHANGCHENG, len(SHANGCHENG)) is None


def test_a_stretch_of_years_is_told_from_one_year():
    assert multi_year("“十三五”时期地区生产总值年均增长多少") and multi_year("过去五年累计完成投资")
    assert not multi_year("咸宁市“十二五”末地区生产总值") and not multi_year("1-10月累计降幅收窄3.8%")


def test_the_quote_model_is_a_fitted_data_file():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    assert tuple(model["features"]) == FEATURES and set(model["coefficients"]) == set(FEATURES)
    assert 0 < model["threshold"] < 1


# ------------------------------------------------------------------------------------------------ answers


def test_an_amount_asked_is_not_answered_with_growth_alone(assistant):
    answers(assistant, "晋城市2020年地区生产总值是多少？", "1425.7亿元")
    answers(assistant, "晋城市GDP增长多少？", "6.1%")


def test_a_question_over_a_stretch_of_years_gets_that_stretch(assistant):
    answers(assistant, "晋城市“十三五”时期地区生产总值年均增长多少？", "5.9%", never=("6.1%",))


def test_an_abbreviated_metric_is_found_in_a_report_writing_the_short_form(assistant):
    answers(assistant, "社零实现145.98亿的那个街道，社零总量在全区排第几？", "全区第2")


def test_a_target_of_a_year_no_report_sets_is_refused_and_says_why(assistant):
    answer = assistant.ask("嘉兴市2020年一般公共预算收入的增长目标是多少？", mode="extractive")
    assert answer.status == "not_found" and "9%" not in answer.text, answer.text
    answers(assistant, "嘉兴市2019年一般公共预算收入的增长目标是多少？", "9%")


def test_english_answer_names_the_metric_in_english_beside_the_chinese_figure(assistant):
    answer = assistant.ask("What was the GDP of Jincheng city in 2020?", mode="extractive")
    assert answer.status == "answered", answer.text
    assert "1425.7亿元" in answer.text and "gross domestic product" in answer.text, answer.text
