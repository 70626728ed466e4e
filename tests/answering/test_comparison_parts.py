"""Comparisons never worse than their parts, and English questions read about the place they name, on excerpts of
real reports (../shared/corpus-large): 广东 佛山市 2021 (160) and 云浮市 2023 (007), 福建 南平市 2021 (015), 江苏 扬州市
2024 (053) and 盐城市 2020/2021 (314, 315), 北京市 2019 (165), 西藏 日喀则市 2023 (059), 江西 吉安市 2022 (019), 吉林
吉林市 2020/2021 (342, 343), 广州市 2018 (193), 浙江 绍兴市 2021 (102), the State Council's 2021 report (295) and
国家统计局's 2018 bulletin (303). Each place of a comparison is answered as the question about it alone (its own
year, the amount or the target asked); an English place is found by its pinyin (with the syllable mark: Ji'an) or
its English name (Shigatse, the State Council), and one that names no loaded report is refused."""

from __future__ import annotations

import pytest
from helpers import assistant_over

from rag.answering.extractive import asks_number, growth_for_amount
from rag.answering.query import mentions, place_segments, understand
from rag.answering.retrieval import analyze_query
from rag.text.periods import one_year
from rag.text.places import english_named, english_place_mentions

FOSHAN_2021 = """政府工作报告

——2021年2月4日在佛山市第十五届人民代表大会第六次会议上

佛山市市长 朱伟

一、“十三五”时期发展成就和2020年主要工作

——经济综合实力迈上新台阶，发展质量效益显著提升。地区生产总值从2015年的8107.6亿元增加到2020年的10816.47亿元，年均增长6.1%，佛山成为全国第17个、全省第3个经济总量超万亿城市。

2020年是“十三五”规划收官之年，也是极不平凡的一年。面对突如其来的新冠肺炎疫情，我们积极统筹推进疫情防控和经济社会发展，实现地区生产总值增长1.6%，与全国、全省基本同步，地方一般公共预算收入增长3%，居民人均可支配收入增长4.1%。
"""

NANPING_2021 = """——2021年1月18日在南平市第五届人民代表大会第七次会议上

南平市人民政府市长 袁超洪

各位代表：

一、2020年和“十三五”时期工作回顾

2020年全市生产总值2007.4亿元，增长0.3%；地方一般公共预算收入98.2亿元、增长2%；城镇居民人均可支配收入36492元、增长3.8%，农村居民人均可支配收入18557元、增长6.7%。
"""

YUNFU_2023 = """——2023年1月6日在云浮市第七届人民代表大会第三次会议上

云浮市市长 李庆新

各位代表：

2023年目标任务

今年经济社会发展的主要预期目标是：地区生产总值增长7%以上；地方一般公共预算收入增长6%以上；规模以上工业增加值增长8%；固定资产投资增长8%。
"""

YANGZHOU_2024 = """——2024年1月17日在扬州市第九届人民代表大会第四次会议上

市长 潘国强

一、2023年工作回顾

全市地区生产总值增长5.9%左右，一般公共预算收入增长7.5%。

二、2024年主要任务

今年经济社会发展主要预期目标是：地区生产总值增长6%以上，一般公共预算收入增长5%，规上工业增加值增长7.5%左右，固定资产投资增长8%。
"""

BEIJING_2019 = """——2019年1月14日在北京市第十五届人民代表大会第二次会议上

北京市市长 陈吉宁

一、2018年工作回顾

完善促进就业创业政策，城镇新增就业42.3万人，农村劳动力转移就业6.4万人。

二、2019年主要任务

城镇新增就业不少于26万人，城镇调查失业率控制在5%以内。
"""

BULLETIN_2018 = """中华人民共和国

2018年国民经济和社会发展统计公报[1]

国家统计局

2019年2月28日

一、综合

全年城镇新增就业1361万人，比上年增加10万人。
"""

SHIGATSE_2023 = """——2022年12月11日在日喀则市第二届人民代表大会第三次会议上

日喀则市人民政府代理市长 王方红

一、2022年工作回顾

全年实现地区生产总值361.92亿元，同比增长1%，位居全区第三；实现一般公共预算收入13.14亿元；社会消费品零售总额135.15亿元。
"""

JIAN_2022 = """——2022年1月23日在吉安市第五届人民代表大会第二次会议上

市长 罗文江

一、2021年工作回顾

地区生产总值增长9%，规模工业增加值增长11.6%，固定资产投资增长10.6%。
"""

STATE_COUNCIL_2021 = """政府工作报告
——2021年3月5日在第十三届全国人民代表大会第四次会议上

国务院总理　李克强

各位代表：

三、2021年重点工作

今年发展主要预期目标是：国内生产总值增长6%以上；城镇新增就业1100万人以上，城镇调查失业率5.5%左右；居民消费价格涨幅3%左右。
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embeddings):
    reports = {
        "160_佛山市_2021.txt": FOSHAN_2021,
        "015_南平市_2021.txt": NANPING_2021,
        "007_云浮市_2023.txt": YUNFU_2023,
        "053_扬州市_2024.txt": YANGZHOU_2024,
        "165_北京市_2019.txt": BEIJING_2019,
        "303_国家统计局年度统计_2018.txt": BULLETIN_2018,
        "059_日喀则市_2023.txt": SHIGATSE_2023,
        "019_吉安市_2022.txt": JIAN_2022,
        "295_政府工作报告-国务院_2021.txt": STATE_COUNCIL_2021,
    }
    return assistant_over(tmp_path_factory.mktemp("parts"), reports, embeddings)


# ------------------------------------------------------------------------------------------------ no index


def test_each_place_of_a_comparison_is_its_own_question():
    mixed = "云浮市2023年和扬州市2024年的地区生产总值预期增长目标分别是多少？"
    parts = place_segments(mixed, mentions(mixed, ["云浮市", "扬州市"]))
    assert parts == {
        "云浮市": "云浮市2023年的地区生产总值预期增长目标分别是多少？",  # its own year, not the last part's
        "扬州市": "扬州市2024年的地区生产总值预期增长目标分别是多少？",
    }
    shared = "2020年佛山和南平的地区生产总值分别是多少？"
    assert (
        place_segments(shared, mentions(shared, ["佛山市", "南平市"]))["佛山市"]
        == "2020年佛山的地区生产总值分别是多少？"
    )
    nation = "2018年全国和北京的城镇新增就业分别是多少？"
    assert [n for _p, n, _w in mentions(nation, ["全国", "北京市"])] == ["全国", "北京市"]


def test_english_places_by_pinyin_syllable_mark_and_english_name():
    assert english_place_mentions("How much did Ji'an's GDP grow in 2021?") == ["Ji'an"]
    assert english_named("What was Shigatse's budget revenue?") == [("Shigatse", "日喀则")]
    assert english_named("the GDP of Inner Mongolia") == [("Inner Mongolia", "内蒙古")]
    assert english_place_mentions("the GDP of Inner Mongolia") == ["Inner Mongolia"]  # not "Mongolia" apart
    known = ["吉安市", "日喀则市", "全国", "吉林市", "吉林省"]
    assert analyze_query("How much did Ji'an's GDP grow in 2021?", known).places == ("吉安市",)
    assert analyze_query("What was Shigatse's revenue in 2022?", known).places == ("日喀则市",)
    assert analyze_query("What target did the State Council set for 2021?", known).places == ("全国",)
    lhasa = analyze_query("What was Lhasa's GDP in 2022?", known)
    assert lhasa.places == () and lhasa.unknown_places == ("Lhasa",)
    assert analyze_query("2018年吉林省的城镇新增就业是多少？", known).places == ("吉林省",)  # 吉林 inside 吉林省


# ------------------------------------------------------------------------------------------------ real index


def test_a_comparison_part_gets_the_amount_asked_not_growth(assistant):
    answer = assistant.ask("2020年佛山和南平的地区生产总值分别是多少？", mode="extractive")
    assert answer.status == "answered" and "10816.47亿元" in answer.text and "2007.4亿元" in answer.text, answer.text
    assert "增长1.6%" not in answer.text and not answer.unverified_numbers, answer.text


def test_a_comparison_reads_each_part_with_its_own_year_and_target(assistant):
    answer = assistant.ask("云浮市2023年和扬州市2024年的地区生产总值预期增长目标分别是多少？", mode="extractive")
    assert answer.status == "answered" and "7%以上" in answer.text and "6%以上" in answer.text, answer.text
    assert "5.9%" not in answer.text and "未找到" not in answer.text, answer.text  # 扬州's 2023 result is no target


def test_the_country_is_one_part_of_a_comparison(assistant):
    answer = assistant.ask("2018年全国和北京的城镇新增就业分别是多少？", mode="extractive")
    assert answer.status == "answered" and "1361万人" in answer.text and "42.3万人" in answer.text, answer.text
    assert "26万人" not in answer.text, answer.text  # 北京's 2019 target is not its 2018 figure


def test_an_english_question_reads_the_place_it_names(assistant):
    shigatse = assistant.ask("What was Shigatse's general public budget revenue in 2022?", mode="extractive")
    assert shigatse.status == "answered" and "13.14亿元" in shigatse.text, shigatse.text
    jian = assistant.ask("How much did Ji'an's GDP grow in 2021?", mode="extractive")
    assert jian.status == "answered" and "9%" in jian.text and "吉安" in jian.text, jian.text
    council = assistant.ask("What GDP growth target did the State Council set for 2021?", mode="extractive")
    assert council.status == "answered" and "6%以上" in council.text and "全国" in council.text, council.text


def test_an_english_place_no_report_is_about_is_refused(assistant):
    lhasa = assistant.ask("What was Lhasa's general public budget revenue in 2022?", mode="extractive")
    assert lhasa.status == "not_found" and "13.14" not in lhasa.text, lhasa.text
    harbin = assistant.ask("How much did Harbin's GDP grow in 2021?", mode="extractive")
    assert harbin.status == "not_found" and "9%" not in harbin.text, harbin.text


def test_the_kind_of_report_named_is_the_one_read(assistant):
    bulletin = assistant.ask("统计公报里，全国城镇新增就业多少人？", mode="extractive")
    assert bulletin.status == "answered" and "1361万人" in bulletin.text, bulletin.text
    assert "1100万人" not in bulletin.text, bulletin.text
    report = assistant.ask("国务院政府工作报告里，城镇新增就业的预期目标是多少？", mode="extractive")
    assert report.status == "answered" and "1100万人以上" in report.text, report.text


# ------------------------------------------------------------------------------------------------ trends, English metrics

JILIN_CITY_2020 = """——2020年1月7日在吉林市第十六届人民代表大会第五次会议上

代市长 贺志亮

一、2019年工作回顾

城镇新增就业6.8万人，登记失业率控制在3.6%。
"""

JILIN_CITY_2021 = """——2021年1月12日在吉林市第十六届人民代表大会第六次会议上

代市长 王路

一、“十三五”时期及2020年工作回顾

城镇和农村常住居民人均可支配收入分别是2015年的1.3倍、1.4倍，城镇累计新增就业40万人，城乡低保标准比2015年分别提高20.9%和50.5%。

城镇新增就业3.6万人，农村劳动力转移就业47万人。
"""

YANCHENG_2020 = """——2020年1月8日在盐城市第八届人民代表大会第四次会议上

市长 曹路宝

一、2019年工作回顾

减税降费80亿元，实现一般公共预算收入383亿元，增长0.5%。
"""

YANCHENG_2021 = """——2021年1月13日在盐城市第八届人民代表大会第五次会议上

市长 曹路宝

一、2020年工作回顾

预计全市地区生产总值增长3%以上；一般公共预算收入400.1亿元，增长4.5%；城乡居民人均可支配收入分别增长4%、6.5%。
"""

GUANGZHOU_2018 = """政府工作报告

——2018年1月11日在广州市第十五届人民代表大会第三次会议上

一、2017年工作回顾

二、2018年工作安排

加快产业结构调整，力争工业投资1500亿元，增长100%。
"""

SHAOXING_2021 = """2021年2月2日在绍兴市第八届人民代表大会第六次会议上

绍兴市人民政府市长 盛阅春

一、“十三五”发展成就及2020年主要工作

2020年是极不平凡的一年，我们统筹推进疫情防控和经济社会发展，实现GDP增长3.3%，一般公共预算收入增长2.9%，城乡居民人均可支配收入分别增长4.3%和7.1%。

城镇和农村常住居民人均可支配收入分别达66694元和38696元，城乡居民基础养老金标准由145元/月提升至215元/月。
"""


@pytest.fixture(scope="module")
def more(tmp_path_factory, embeddings):
    reports = {
        "342_吉林市_2020.txt": JILIN_CITY_2020,
        "343_吉林市_2021.txt": JILIN_CITY_2021,
        "314_盐城市_2020.txt": YANCHENG_2020,
        "315_盐城市_2021.txt": YANCHENG_2021,
        "193_广州市_2018.txt": GUANGZHOU_2018,
        "102_绍兴市_2021.txt": SHAOXING_2021,
    }
    return assistant_over(tmp_path_factory.mktemp("trends"), reports, embeddings)


def test_a_trends_years_asked_together_are_each_its_own_question():
    assert one_year("吉林市2019年和2020年城镇新增就业分别是多少？", 2020) == "吉林市2020年城镇新增就业分别是多少？"
    assert one_year("2015年、2020年和2024年全国粮食产量", 2015) == "2015年全国粮食产量"
    assert one_year("What was GDP in 2018 and 2019?", 2018) == "What was GDP in 2018?"
    assert one_year("2019年太原的GDP", 2019) is None  # one year: no trend


def test_each_year_of_a_trend_is_answered_as_that_year_alone(more):
    jobs = more.ask("吉林市2019年和2020年城镇新增就业分别是多少？", mode="extractive")
    assert jobs.status == "answered" and "6.8万人" in jobs.text and "3.6万人" in jobs.text, jobs.text
    assert "40万人" not in jobs.text, jobs.text  # five years' total is no year's figure
    revenue = more.ask("盐城市2019年和2020年一般公共预算收入分别是多少？", mode="extractive")
    assert revenue.status == "answered" and "383亿元" in revenue.text and "400.1亿元" in revenue.text, revenue.text


def test_an_english_metric_the_table_lacks_is_quoted_by_meaning(more):
    guangzhou = more.ask("Guangzhou's 2018 plan: how much industrial investment does it aim for?", mode="extractive")
    assert guangzhou.status == "answered" and "1500亿元" in guangzhou.text, guangzhou.text
    # an English "what were … incomes" asks a figure: a sentence stating only their growth does not answer it
    question = "What were Shaoxing's urban and rural per capita disposable incomes in 2020?"
    query = understand(question, more.searcher.analyze(question), more.corpus().index.place_names())
    assert asks_number(query) and growth_for_amount("城乡居民人均可支配收入分别增长4.3%和7.1%", query)
    assert not growth_for_amount("城镇和农村常住居民人均可支配收入分别达66694元和38696元", query)
