"""Reading a figure as the report means it, on excerpts of real reports (../shared/corpus-large, development reports
only): 湖北 荆门市 2022 (110), 山西 太原市 2020 (190), 宁夏 中卫市 2025 (003), 湖南 邵阳市 2021 (122), 西藏自治区 2016
(280) and 国家统计局's 2015, 2020 and 2024 bulletins (300, 304, 307). A figure's year comes from its sentence (a comparison's base year aside), its section,
then its report; an amount asked is not answered by growth alone; a bulletin's note mark is no figure and its notes
define its terms."""

from __future__ import annotations

import pytest
from helpers import answers, assistant_over

from rag.answering.compare import _year_head
from rag.answering.extractive import defines, growth_for_amount, has_figure, states_amount
from rag.answering.query import defined_term
from rag.answering.retrieval import analyze_query
from rag.answering.verify import citations_in, unsupported_numbers
from rag.answering.years import fact_around, figure_years

JINGMEN_2022 = """荆门市政府工作报告

——2022年1月6日在荆门市第十届人民代表大会第一次会议上

各位代表：

一、2021年和过去 五年工作回顾

二是抓重振、稳增长，基本实现“补回来、追回来”目标。全市实现地区生产总值2120.86亿元，恢复至2019年的105.3%，增长10.8%；规模以上工业增加值、固定资产投资、社会消费品零售总额、地方一般公共预算收入分别同比增长5%、18.8%、22%、29.2%。

这是经济实力稳步提升的五年。地区生产总值迈上2000亿元台阶，比2016年增长30.9%，工业经济、税收总量稳居全省第四。

三、2022年工作安排

经济社会发展的主要预期目标是：地区生产总值增长9%；城镇新增就业3.8万人以上，城镇登记失业率控制在4.5%以内；居民消费价格涨幅3%左右。
"""

TAIYUAN_2020 = """政府工作报告

——2020年4月27日在太原市第十四届人民代表大会第五次会议上

各位代表：

一、2019年工作回顾

全市地区生产总值突破4000亿元，实现4028.51亿元，增长6.6%，规模以上工业增加值增长4.5%，一般公共预算收入增长3.6%，固定资产投资增长10.2%，社会消费品零售总额增长7.8%。

二、2020年工作安排

今年经济社会发展的主要预期目标是：地区生产总值增长6%左右，一般公共预算收入增长5%。
"""

ZHONGWEI_2025 = """中卫市政府工作报告

——2025年1月9日在中卫市第五届人民代表大会第五次会议上

一、2024年工作回顾

“新业态”加快培育，实施钻石酒店等文旅项目16个，举办“青春漠漠搭”等文旅活动50场次，接待游客1850万人次、旅游花费110亿元，分别增长23.1%和24.5%。

二、2025年主要目标和重点任务

实施大麦地岩画照壁山铜矿保护利用、沙坡头景区室内冰雪主题馆等15个项目，开展“青春漠漠搭”文化旅游消费季等50项文旅活动，全年接待游客人次、旅游花费分别增长10%以上。
"""

SHAOYANG_2021 = """邵阳市政府工作报告

——2021年1月6日在邵阳市第十六届人民代表大会第七次会议上

二、“十四五”时期经济社会发展的主要目标任务

“十四五”时期发展主要目标是：地区生产总值年均增长7.5%，经济总量突破3500亿元，固定资产投资年均增长10%，地方一般公共预算收入年均增长6%。

三、2021年工作安排

2021年全市经济社会发展主要预期目标是：地区生产总值增长8%以上，规模工业增加值增长9%，固定资产投资增长10%以上，地方一般公共预算收入增长7%。
"""

XIZANG_2016 = """西藏自治区政府工作报告

——2016年1月27日在西藏自治区第十届人民代表大会第四次会议上

“十三五”时期的指导思想、奋斗目标和主要任务

“十三五”时期国民经济和社会发展主要目标是：地区生产总值年均保持两位数增长，全社会固定资产投资年均增长20%左右，公共财政预算收入年均增长12.5%，社会消费品零售总额年均增长12%以上；农村居民人均可支配收入年均增长13%以上，城镇居民人均可支配收入年均增长10%以上。

2016年重点工作

经济社会发展主要预期目标是：地区生产总值增长10%以上，全社会固定资产投资增长20%，社会消费品零售总额增长13%以上，公共财政预算收入增长15%，城镇居民人均可支配收入增长10%，农村居民人均可支配收入增长13%。
"""

BULLETIN_2015 = """中华人民共和国

2015年国民经济和社会发展统计公报[1]

中华人民共和国国家统计局

2016年2月29日

一、综合

年末全国就业人员77451万人，其中城镇就业人员40410万人。全年城镇新增就业1312万人。年末城镇登记失业率为4.05%。
"""

BULLETIN_2020 = """中华人民共和国2020年国民经济和社会发展统计公报[1]

国家统计局

2021年2月28日

全年实物商品网上零售额97590亿元，按可比口径计算，比上年增长14.8%，占社会消费品零售总额的比重为24.9%，比上年提高4.0个百分点。

注释：

[3]国民总收入，原称国民生产总值，是指一个国家所有常住单位在一定时期内所获得的初次分配收入总额，等于国内生产总值加上来自国外的初次分配收入净额。

[16]网上零售额是指通过公共网络交易平台（主要从事实物商品交易的网上平台，包括自建网站和第三方平台）实现的商品和服务零售额。
"""

BULLETIN_2024 = """中华人民共和国2024年国民经济和社会发展统计公报[1]

国家统计局

2025年2月28日

年末全国就业人员73439万人，其中城镇就业人员47345万人，占全国就业人员比重为64.5%。全年全国城镇新增就业[7]1256万人，比上年多增12万人。全年全国城镇调查失业率平均值为5.1%。
"""


MAANSHAN_2023 = """马鞍山市政府工作报告

——2022年12月30日在马鞍山市第十七届人民代表大会第二次会议上

一、2022年工作回顾

掀起创新创业新热潮。新增省级以上研发平台25个，规上工业企业研发机构覆盖率48.1%、居全省首位；新增高新技术企业160家、备案科技型中小企业517家，均创历史新高。

二、2023年工作总体要求及主要目标任务

综合考虑，2023年全市经济社会发展主要预期目标是：GDP增长8%左右，一般公共预算收入增长5%左右。

重点做好10个方面工作：

（三）突出人才支撑、攻坚创新驱动，全力建设创业城市

抓好科技“栽树工程”。开展企业技术创新能力提升和科技领军企业培育行动，深入实施高新技术企业、科技型中小企业“双倍增”计划，新增高新技术企业120家、备案科技型中小企业500家，高技术制造业增加值增长20%以上。
"""

SIPING_2025 = """四平市政府工作报告

2025年1月8日在四平市第九届人民代表大会第五次会议上

一、2024年工作回顾

精细化学品等6家单位获评省级科技成果转化平台，美联热工设备等58户企业获评国家级科技型中小企业，世宝机械等16户企业获评国家高新技术企业。

二、2025年主要目标和重点工作

发展预期目标是：地区生产总值增长5.5%，规上工业增加值增长6.5%，社会消费品零售总额增长3%。

主要抓好八项重点工作：

（三）狠抓工业转型，构筑聚群强链新优势。全面提升科技创新。深入开展“双培育”行动，培育高新技术企业10户以上、科技型中小企业60户以上，新增一批省市级专精特新中小企业。
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embeddings):
    reports = {
        "110_荆门市_2022.txt": JINGMEN_2022,
        "190_太原市_2020.txt": TAIYUAN_2020,
        "003_中卫市_2025.txt": ZHONGWEI_2025,
        "122_邵阳市_2021.txt": SHAOYANG_2021,
        "280_西藏自治区_2016.txt": XIZANG_2016,
        "300_国家统计局年度统计_2015.txt": BULLETIN_2015,
        "304_国家统计局年度统计_2020.txt": BULLETIN_2020,
        "307_国家统计局年度统计_2024.txt": BULLETIN_2024,
        "141_马鞍山市_2023.txt": MAANSHAN_2023,
        "026_四平市_2025.txt": SIPING_2025,
    }
    return assistant_over(tmp_path_factory.mktemp("reading"), reports, embeddings)


# ------------------------------------------------------------------------------------------------ no index


def test_a_comparisons_base_year_is_not_the_figures_year():
    for text, years in [
        ("全市实现地区生产总值2120.86亿元，恢复至2019年的105.3%，增长10.8%", set()),
        ("地区生产总值迈上2000亿元台阶，比2016年增长30.9%", set()),
        ("地区生产总值从2015年的958.5亿元增加到2020年的1425.7亿元", {2020}),
        ("截至2020年底，累计建成5G基站1.2万个", {2020}),
    ]:
        assert figure_years(text, 0, len(text)) == years, text


def test_a_year_in_another_fact_of_the_sentence_is_not_the_figures():
    # 安徽 草沟镇 2022 (eval/reports/109): the semicolon separates the 2021 result from the 2022 task after it
    text = "超额完成年度养老保险征收工作,完成率达103.82%;在全县率先完成2022年度城乡居民医保筹资任务。"
    start = text.index("103.82%")
    assert figure_years(text, *fact_around(text, start, start + 7)) == set()
    # ... while a year leading the sentence governs each of its facts (湖北 咸宁市 2016, corpus-large/023)
    lead = (
        "到2020年，地区生产总值达到1600亿元，年均增长9%左右；全社会固定资产投资年均增长14%左右；"
        "规上工业增加值年均增长9%以上；一般公共预算收入达到130亿元，年均增长10%；常住人口城镇化率55%"
    )
    fact = lead.index("130亿元")
    assert figure_years(lead, 0, fact_around(lead, fact, fact + 6)[0]) == {2020}
    later = text.index("2022年度")
    assert figure_years(text, *fact_around(text, later, later + 6)) == {2022}


def test_a_note_mark_is_no_figure_and_growth_is_no_amount():
    assert not has_figure("[16]网上零售额是指通过公共网络交易平台")
    assert states_amount("全年全国城镇新增就业[7]1256万人，比上年多增12万人")
    assert not states_amount("全年接待游客人次、旅游花费分别增长10%以上")
    assert not states_amount("全国万元国内生产总值能耗[5]比上年下降0.1%")


def test_a_definition_question_names_its_term_and_the_note_defines_it():
    assert defined_term("统计公报里的网上零售额是怎么定义的？") == "网上零售额"
    assert defined_term("统计公报中城镇新增就业人数指的是什么？") == "城镇新增就业人数"
    assert defined_term("统计公报中年度农民工数量包括哪些人？") == "年度农民工数量"
    assert defined_term("重点工作包括哪些方面？") is None  # a list asked, not a definition
    assert defines("[16]网上零售额是指通过公共网络交易平台", "网上零售额")
    assert not defines("全年实物商品网上零售额97590亿元", "网上零售额")


def test_a_plan_asked_is_read_in_the_reports_plan_part(assistant):
    """Under the plan part of a report ("二、2025年主要目标和重点工作", "…主要目标任务") a figure is what is to be done in
    the year planned, aim word or not; the review's figure of the same metric is the year before's."""
    answers(assistant, "马鞍山2023年计划新增多少家高新技术企业？", "120家", never=("160家",))
    answers(assistant, "四平2025年计划培育多少户高新技术企业？", "10户以上")


def test_a_definition_is_quoted_whole(assistant):
    """A note defining a term runs over several clauses ("…，原称…，是指…，等于…"): cut to its best clause, the answer
    would be the term's name alone."""
    answer = assistant.ask("统计公报中的国民总收入是指什么？", mode="extractive")
    assert answer.status == "answered", answer.text
    assert "所有常住单位在一定时期内所获得的初次分配收入总额" in answer.text, answer.text


def test_the_country_is_a_place_when_asked_about_not_in_a_rank_or_a_phrase():
    known = ["无锡市", "全国", "内蒙古自治区", "中卫市"]
    for question, named in [
        ("2025年全国粮食产量的预期目标是多少？", ("全国",)),
        ("2021年全国和内蒙古的城镇新增就业分别是多少？", ("全国", "内蒙古自治区")),
        ("无锡入围中国企业500强的企业有几家？全省排第几？", ("无锡市",)),  # a phrase, not a second place
        ("无锡的研发投入居全国第几？", ("无锡市",)),  # a rank's scope
        ("中卫城镇居民人均可支配收入高于全国平均水平吗？", ("中卫市",)),
        ("2015年全国城镇新增就业多少人？", ("全国",)),  # not a town "全国城镇"
    ]:
        analysis = analyze_query(question, known)
        assert analysis.places == named and not analysis.unknown_places, (question, analysis)


# ------------------------------------------------------------------------------------------------ answers


def test_a_figure_of_another_year_never_answers(assistant):
    wrong = assistant.ask("荆门市2019年地区生产总值增长了多少？", mode="extractive")
    assert wrong.status == "not_found" and "10.8%" not in wrong.text, wrong.text
    answers(assistant, "荆门市2021年地区生产总值增长了多少？", "10.8%")
    answers(assistant, "2015年全国城镇新增就业多少人？", "1312万人", never=("1256万人",))
    answers(assistant, "2024年全国城镇新增就业多少人？", "1256万人")


def test_an_amount_is_answered_with_the_amount(assistant):
    answers(assistant, "太原市2019年地区生产总值是多少？", "4028.51亿元")
    answers(assistant, "中卫2024年接待了多少游客？", "1850万人次")
    assert growth_for_amount("全年接待游客人次、旅游花费分别增长10%以上", tourists_query(assistant))


def tourists_query(assistant):
    from rag.answering.query import understand

    question = "中卫2024年接待了多少游客？"
    return understand(question, assistant.searcher.analyze(question), assistant.corpus().index.place_names())


def test_a_target_over_five_years_is_that_stretchs_not_one_years(assistant):
    answers(assistant, "邵阳市“十四五”时期地区生产总值年均增长目标是多少？", "7.5%", never=("8%以上",))
    answers(assistant, "西藏“十三五”时期农村居民人均可支配收入的年均增长目标是多少？", "13%以上")
    answers(assistant, "邵阳市2021年地区生产总值预期增长多少？", "8%以上")


def test_a_bulletins_note_answers_what_a_term_means(assistant):
    answers(assistant, "统计公报里的网上零售额是怎么定义的？", "通过公共网络交易平台")


def test_a_trend_over_bulletins_states_no_year_its_passages_lack(assistant):
    answer = assistant.ask("2015年和2024年全国城镇新增就业分别是多少？", mode="extractive")
    assert answer.status == "answered" and "1312万人" in answer.text and "1256万人" in answer.text, answer.text
    cited = [s.hit.chunk.cited_text for s in answer.sources if s.rank in citations_in(answer.text)]
    assert unsupported_numbers(answer.text, cited) == [], answer.text
    # a year is said only when the quoted passage holds it as a figure, not inside another number ("12020元")
    doc = "304_国家统计局年度统计_2020.txt"
    assert _year_head(assistant.corpus(), doc, 2020, "收入2020年达到32189元", False, False) == ["2020年："]
    head = _year_head(assistant.corpus(), doc, 2020, "人均可支配收入12020元", False, False)
    assert "2020年：" not in head, head
